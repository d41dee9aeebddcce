package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// WriterOptions tune one Writer. A nil *WriterOptions is the zero value.
type WriterOptions struct {
	// ContentType is stored with the object; empty means
	// "application/octet-stream".
	ContentType string
}

// Writer streams one object to its key. Nothing is visible at the key
// until Close returns nil; then the whole object is (replacing any object
// that was there). Abort, a cancelled context, a failed write or a process
// that dies before Close leave the key as it was:
//
//   - S3 and S3-compatible stores: an object smaller than PartSize goes up
//     in one PUT at Close; a larger one as a multipart upload that only
//     CompleteMultipartUpload, sent by Close, makes visible. Abort,
//     cancellation and errors abort the multipart upload; a killed
//     process leaves an invisible incomplete upload that a bucket
//     lifecycle rule (AbortIncompleteMultipartUpload) reclaims.
//   - GCS: a resumable upload finalized by Close. Azure: staged blocks
//     committed by Close; uncommitted blocks expire after a week.
//   - file: a temporary file "<name>.<hex>.tmp" next to the target,
//     renamed onto it by Close. A killed process leaves the .tmp file,
//     which never looks complete.
//
// So outputs are written directly to their final keys: an upload to a
// temporary key followed by copy and delete would double the traffic,
// and S3 cannot copy objects above 5 GiB in one request. A set of objects
// is not atomic: publish a manifest or marker last.
//
// A Writer is not safe for concurrent use. The caller must call Close or
// Abort exactly once.
type Writer struct {
	w      *blob.Writer
	ctx    context.Context
	cancel context.CancelFunc
	name   string
	n      int64
	done   bool
}

// NewWriter starts a streaming write of the object at key. Cancelling ctx
// before Close aborts the write.
func (b *Bucket) NewWriter(ctx context.Context, key string, opt *WriterOptions) (*Writer, error) {
	name := b.Name(key)
	if err := checkKey(key); err != nil {
		return nil, &Error{Op: "write", URL: name, Err: err}
	}
	ctx, cancel := context.WithCancel(ctx)
	w, err := b.b.NewWriter(ctx, b.key(key), b.writerOptions(opt))
	if err != nil {
		cancel()
		return nil, wrapErr("write", name, err)
	}
	return &Writer{w: w, ctx: ctx, cancel: cancel, name: name}, nil
}

func (b *Bucket) writerOptions(opt *WriterOptions) *blob.WriterOptions {
	ct := "application/octet-stream"
	if opt != nil && opt.ContentType != "" {
		ct = opt.ContentType
	}
	return &blob.WriterOptions{ContentType: ct, BufferSize: b.opt.PartSize, BeforeWrite: b.s3Uploads()}
}

// Write appends p to the object. Writes may be asynchronous: an error can
// surface on a later Write or on Close. p is not retained.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, &Error{Op: "write", URL: w.name, Kind: ErrClosed}
	}
	n, err := w.w.Write(p)
	w.n += int64(n)
	if err != nil {
		return n, wrapErr("write", w.name, err)
	}
	return n, nil
}

// Written returns the number of bytes accepted by Write so far.
func (w *Writer) Written() int64 { return w.n }

// Close finishes the upload and publishes the object. An error means the
// key was left as it was before the Writer (unless the store failed after
// committing, which S3, GCS and Azure report as success).
func (w *Writer) Close() error {
	if w.done {
		return &Error{Op: "write", URL: w.name, Kind: ErrClosed}
	}
	w.done = true
	defer w.cancel()
	err := w.w.Close()
	if err != nil && w.ctx.Err() != nil && !errors.Is(err, w.ctx.Err()) {
		// Drivers report cancellation in their own words (the S3 transfer
		// manager formats it away); callers match context.Canceled.
		err = fmt.Errorf("%w: %v", w.ctx.Err(), err)
	}
	return wrapErr("write", w.name, err)
}

// Abort discards the write: nothing is published at the key, and the
// driver's upload (a multipart upload, a temporary file) is released. It
// returns an error only if the store published the object anyway (the
// driver finished before it saw the cancellation). Abort after Close does
// nothing.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.cancel()
	if err := w.w.Close(); err == nil {
		return &Error{Op: "write", URL: w.name, Err: errors.New("abort came too late: the object was published")}
	}
	return nil
}

// maxMarker bounds CreateIfAbsent payloads: below the S3 part size they go
// up in one conditional PUT, which every S3-compatible store that supports
// If-None-Match honours (multipart completion with If-None-Match is rarer).
const maxMarker = 1 << 20

// CreateIfAbsent writes data at key only if no object exists there. If one
// does, it returns an *Error wrapping ErrExist and leaves the object
// untouched. When several tasks race, exactly one succeeds. data is at most
// 1 MiB and is not retained.
//
// How: S3 sends If-None-Match: * (AWS S3 since 2024, MinIO, Cloudflare
// R2; a server that ignores the header makes this an ordinary overwrite:
// Bucket.CheckCreateIfAbsent detects that), retrying S3's 409
// ConditionalRequestConflict; GCS uses ifGenerationMatch=0; Azure
// If-None-Match: *; mem compares under its lock. For file URLs the data
// goes to a hidden temporary file that is then hard-linked to the target:
// link(2) fails if the target exists, atomically, also on NFS (fileblob's
// own check is a stat before rename, which races). On a filesystem without
// hard links it falls back to an O_EXCL create of the target written in
// place, where a crash mid-write can leave a partial marker.
func (b *Bucket) CreateIfAbsent(ctx context.Context, key string, data []byte) error {
	name := b.Name(key)
	if err := checkKey(key); err != nil {
		return &Error{Op: "create", URL: name, Err: err}
	}
	if len(data) > maxMarker {
		return &Error{Op: "create", URL: name, Err: fmt.Errorf("%d bytes: create-only-if-absent objects are at most %d bytes", len(data), maxMarker)}
	}
	if b.root.Scheme == SchemeFile {
		err := createFileExcl("/"+b.key(key), data)
		if errors.Is(err, os.ErrExist) {
			return &Error{Op: "create", URL: name, Kind: ErrExist, Err: err}
		}
		return wrapErr("create", name, err)
	}
	opts := b.writerOptions(nil)
	opts.IfNotExist = true
	var err error
	for attempt := 0; ; attempt++ {
		err = b.b.WriteAll(ctx, b.key(key), data, opts)
		if err == nil || attempt == 4 || !b.conflict(err) {
			break
		}
		// S3 answers 409 ConditionalRequestConflict while a competing
		// conditional write on the key is in flight; the retry then sees
		// the winner and gets 412.
		t := time.NewTimer(time.Duration(10<<attempt) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return wrapErr("create", name, ctx.Err())
		case <-t.C:
		}
	}
	if c := gcerrors.Code(err); err != nil && (c == gcerrors.FailedPrecondition || c == gcerrors.AlreadyExists) {
		return &Error{Op: "create", URL: name, Kind: ErrExist, Err: err}
	}
	return wrapErr("create", name, err)
}

// conflict reports whether err is S3's retryable 409 for concurrent
// conditional writes.
func (b *Bucket) conflict(err error) bool {
	var ae smithy.APIError
	return b.b.ErrorAs(err, &ae) && ae.ErrorCode() == "ConditionalRequestConflict"
}

// createFileExcl writes data to a temporary file beside p and links it to
// p; the link fails with an error wrapping os.ErrExist if p exists.
func createFileExcl(p string, data []byte) (err error) {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+filepath.Base(p)+"."+hex.EncodeToString(rnd[:])+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	err = os.Link(tmp, p)
	if err == nil || errors.Is(err, os.ErrExist) {
		return err
	}
	// A filesystem without hard links (some FUSE and SMB mounts): create
	// the target exclusively and write it in place. A crash between the
	// two can leave a partial file there.
	g, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := g.Write(data); err != nil {
		g.Close()
		return err
	}
	if err := g.Sync(); err != nil {
		g.Close()
		return err
	}
	return g.Close()
}

// CheckCreateIfAbsent verifies that the store honours create-only-if-absent
// writes by creating a probe object under the root twice: the second
// create must fail. It returns an *Error wrapping ErrConditionalWrites when
// the store silently overwrote, and deletes the probe either way. Call it
// once per run (in "plan") before relying on markers.
func (b *Bucket) CheckCreateIfAbsent(ctx context.Context) error {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	key := ".winnow-probe-" + hex.EncodeToString(rnd[:])
	if err := b.CreateIfAbsent(ctx, key, []byte("1")); err != nil {
		return err
	}
	second := b.CreateIfAbsent(ctx, key, []byte("2"))
	delErr := b.Delete(ctx, key)
	switch {
	case second == nil:
		return &Error{Op: "create", URL: b.Name(key), Kind: ErrConditionalWrites, Err: errors.New("a second create-only-if-absent write of the same key succeeded")}
	case !errors.Is(second, ErrExist):
		return second
	}
	return delErr
}
