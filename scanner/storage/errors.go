package storage

import (
	"errors"
	"fmt"

	"gocloud.dev/gcerrors"
)

// Sentinel errors. Callers branch on them with errors.Is; every error this
// package returns for an object or prefix is an *Error naming it.
var (
	// ErrNotFound marks a missing object, an empty prefix or a glob that
	// matches nothing.
	ErrNotFound = errors.New("not found")
	// ErrExist marks a create-only-if-absent write whose key was already
	// taken: for a completion marker, another task got there first.
	ErrExist = errors.New("already exists")
	// ErrConditionalWrites marks a store that ignores create-only-if-absent
	// writes (an S3-compatible server that drops If-None-Match). It is
	// returned by Bucket.CheckCreateIfAbsent.
	ErrConditionalWrites = errors.New("store does not honour create-only-if-absent writes")
	// ErrBadURL marks a storage URL or glob that cannot be used.
	ErrBadURL = errors.New("bad storage URL")
	// ErrBadKey marks a key that cannot be written portably: empty, with a
	// leading or trailing "/", an empty, "." or ".." component, or control
	// characters.
	ErrBadKey = errors.New("bad object key")
	// ErrClosed marks use of a ReaderAt, Writer, Bucket or Store after Close.
	ErrClosed = errors.New("closed")
)

// Error is a failed operation on one object or prefix. URL is the
// display form of the object's URL, without query parameters. The
// driver's own message in Err may repeat a bucket URL with its parameters
// (endpoint, region), never credentials, which URLs cannot carry.
type Error struct {
	// Op is the operation: "open", "list", "stat", "read", "write",
	// "create", "delete".
	Op string
	// URL names the object or prefix, e.g. "s3://bucket/out/data/a.jsonl".
	URL string
	// Kind is ErrNotFound, ErrExist or ErrClosed when the failure is one of
	// those, else nil.
	Kind error
	// Err is the underlying error (a gocloud.dev error, a context error, an
	// I/O error).
	Err error
}

// Error returns "op URL: kind: err".
func (e *Error) Error() string {
	if e.Kind != nil && e.Err != nil && e.Err != e.Kind {
		return fmt.Sprintf("%s %s: %v: %v", e.Op, e.URL, e.Kind, e.Err)
	}
	if e.Kind != nil {
		return fmt.Sprintf("%s %s: %v", e.Op, e.URL, e.Kind)
	}
	return fmt.Sprintf("%s %s: %v", e.Op, e.URL, e.Err)
}

// Unwrap returns Kind (when set) and Err, so that errors.Is matches both the
// sentinel and, for example, context.Canceled.
func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// wrapErr classifies a gocloud.dev error and wraps it with op and url. A nil
// err gives nil.
func wrapErr(op, url string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	e := &Error{Op: op, URL: url, Err: err}
	switch {
	case errors.Is(err, ErrNotFound) || gcerrors.Code(err) == gcerrors.NotFound:
		e.Kind = ErrNotFound
	case errors.Is(err, ErrExist):
		e.Kind = ErrExist
	case errors.Is(err, ErrClosed):
		e.Kind = ErrClosed
	}
	return e
}
