package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"

	// The gs and azblob drivers keep their credential-discovering URL
	// openers unexported and reach us through blob.DefaultURLMux, which
	// these imports fill.
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/gcsblob"
)

// Options tune reads and writes. The zero value is usable: WithDefaults
// fills in the defaults written next to each field.
type Options struct {
	// ReadMinFetch is the smallest range request a ReaderAt issues, and the
	// alignment of requests for random reads. Default 64 KiB.
	ReadMinFetch int64
	// ReadMaxFetch is the largest read-ahead window. Reads of at least this
	// many uncached bytes bypass the cache and go out as one request of
	// exactly their size. Default 4 MiB.
	ReadMaxFetch int64
	// ReadCacheBytes bounds the bytes one ReaderAt keeps cached (fetched
	// windows, including the one being read ahead). Default 16 MiB.
	ReadCacheBytes int64
	// PartSize is the upload part size: S3 multipart part (and the size
	// below which an object goes up in one PUT), GCS chunk, Azure block. A
	// Writer buffers up to PartSize × the driver's upload concurrency (5
	// for S3 and Azure, 1 for GCS). S3 allows 10,000 parts, so the default
	// caps one S3 object at 80 GiB. Default 8 MiB; at least 5 MiB (the S3
	// minimum).
	PartSize int
}

// Defaults.
const (
	DefaultReadMinFetch   = 64 << 10
	DefaultReadMaxFetch   = 4 << 20
	DefaultReadCacheBytes = 16 << 20
	DefaultPartSize       = 8 << 20
	minPartSize           = 5 << 20
)

// WithDefaults returns o with zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.ReadMinFetch == 0 {
		o.ReadMinFetch = DefaultReadMinFetch
	}
	if o.ReadMaxFetch == 0 {
		o.ReadMaxFetch = DefaultReadMaxFetch
	}
	if o.ReadCacheBytes == 0 {
		o.ReadCacheBytes = DefaultReadCacheBytes
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	return o
}

// Validate reports every problem with o (after defaults) together.
func (o Options) Validate() error {
	o = o.WithDefaults()
	var errs []error
	if o.ReadMinFetch < 1 {
		errs = append(errs, fmt.Errorf("ReadMinFetch %d: must be positive", o.ReadMinFetch))
	}
	if o.ReadMaxFetch < o.ReadMinFetch {
		errs = append(errs, fmt.Errorf("ReadMaxFetch %d: must be at least ReadMinFetch (%d)", o.ReadMaxFetch, o.ReadMinFetch))
	}
	if o.ReadCacheBytes < 2*o.ReadMaxFetch {
		errs = append(errs, fmt.Errorf("ReadCacheBytes %d: must hold two read-ahead windows (2 × %d)", o.ReadCacheBytes, o.ReadMaxFetch))
	}
	if o.PartSize < minPartSize {
		errs = append(errs, fmt.Errorf("PartSize %d: must be at least 5 MiB", o.PartSize))
	}
	if len(errs) > 0 {
		return fmt.Errorf("storage options: %w", errors.Join(errs...))
	}
	return nil
}

// Store opens buckets by URL and keeps them open, so that every object of
// one bucket (with the same parameters) shares one client and connection
// pool. A Store is safe for concurrent use. Close it when done; Buckets,
// ReaderAts and Writers it handed out must not be used after that.
type Store struct {
	opt Options

	mu      sync.Mutex
	buckets map[string]*blob.Bucket
	closed  bool
}

// NewStore returns an empty Store after validating opt.
func NewStore(opt Options) (*Store, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	return &Store{opt: opt.WithDefaults(), buckets: map[string]*blob.Bucket{}}, nil
}

// Options returns the store's options with defaults filled in (for the
// run's manifest).
func (s *Store) Options() Options { return s.opt }

// Open returns a Bucket rooted at the URL's key: keys given to its methods
// are relative to that prefix ("s3://b/out" + "data/a.jsonl" is the object
// "out/data/a.jsonl" of bucket "b"). The bucket client is opened on first
// use and shared; the returned Bucket's Close does nothing, Store.Close
// closes the client.
func (s *Store) Open(ctx context.Context, rawURL string) (*Bucket, error) {
	loc, err := Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if hasMeta(loc.Key) {
		return nil, fmt.Errorf("%w: %s: a bucket root cannot be a glob", ErrBadURL, loc)
	}
	return s.open(ctx, loc)
}

func (s *Store) open(ctx context.Context, loc Location) (*Bucket, error) {
	bb, err := s.bucket(ctx, loc)
	if err != nil {
		return nil, err
	}
	root := loc
	root.Dir = root.Key != ""
	return &Bucket{b: bb, root: root, opt: s.opt}, nil
}

// bucket returns the shared *blob.Bucket for loc's bucket and parameters,
// opening it on first use.
func (s *Store) bucket(ctx context.Context, loc Location) (*blob.Bucket, error) {
	id := loc.bucketID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, &Error{Op: "open", URL: loc.String(), Kind: ErrClosed}
	}
	if b := s.buckets[id]; b != nil {
		return b, nil
	}
	b, err := openBucket(ctx, loc)
	if err != nil {
		// The driver's message may repeat the URL with its parameters.
		return nil, &Error{Op: "open", URL: Location{Scheme: loc.Scheme, Bucket: loc.Bucket}.String(), Err: err}
	}
	s.buckets[id] = b
	return b, nil
}

// openBucket opens the driver bucket for loc. Each call builds a fresh
// opener: s3blob's URLOpener keeps per-URL state in its Options.
func openBucket(ctx context.Context, loc Location) (*blob.Bucket, error) {
	u := &url.URL{Scheme: loc.Scheme, Host: loc.Bucket}
	if loc.Query != nil {
		u.RawQuery = loc.Query.Encode()
	}
	switch loc.Scheme {
	case SchemeS3:
		return (&s3blob.URLOpener{}).OpenBucketURL(ctx, u)
	case SchemeGCS, SchemeAzure:
		return blob.DefaultURLMux().OpenBucketURL(ctx, u)
	case SchemeFile:
		// Rooted at "/" so that any absolute path is a key. Temporary files
		// go next to their target (a rename from os.TempDir fails across
		// filesystems) and no ".attrs" sidecar files are written.
		return fileblob.OpenBucket("/", &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
	case SchemeMem:
		if loc.Query != nil {
			return nil, fmt.Errorf("%w: mem URLs take no parameters", ErrBadURL)
		}
		return memblob.OpenBucket(nil), nil
	}
	return nil, fmt.Errorf("%w: unsupported scheme %q", ErrBadURL, loc.Scheme)
}

// OpenReaderAt opens the object named by a full URL (as Object.URL gives
// it) for random access. See Bucket.OpenReaderAt.
func (s *Store) OpenReaderAt(ctx context.Context, objectURL string) (*ReaderAt, error) {
	loc, err := Parse(objectURL)
	if err != nil {
		return nil, err
	}
	if loc.Key == "" || loc.Dir {
		return nil, fmt.Errorf("%w: %s: names no object", ErrBadURL, loc)
	}
	bb, err := s.bucket(ctx, loc)
	if err != nil {
		return nil, err
	}
	b := &Bucket{b: bb, root: Location{Scheme: loc.Scheme, Bucket: loc.Bucket, Query: loc.Query}, opt: s.opt}
	return b.OpenReaderAt(ctx, loc.Key)
}

// Close closes every bucket client the store opened. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for id, b := range s.buckets {
		if err := b.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing %s: %w", redact(id), err))
		}
	}
	s.buckets = nil
	return errors.Join(errs...)
}

// Open opens the bucket that rawURL names with its own Store, rooted at the
// URL's key (see Store.Open). Closing the returned Bucket closes the
// client. Use a Store instead when many URLs are opened.
func Open(ctx context.Context, rawURL string, opt Options) (*Bucket, error) {
	s, err := NewStore(opt)
	if err != nil {
		return nil, err
	}
	b, err := s.Open(ctx, rawURL)
	if err != nil {
		s.Close()
		return nil, err
	}
	b.owner = s
	return b, nil
}
