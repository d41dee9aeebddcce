package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"
)

// Bucket is a bucket opened at a root prefix. Keys given to its methods are
// relative to the root and use "/" separators. A Bucket is safe for
// concurrent use.
type Bucket struct {
	b     *blob.Bucket
	root  Location // Key is the root prefix ("" for the bucket root)
	opt   Options
	owner *Store // set when Close must close the client (package-level Open)
}

// Object is one listed or inspected object.
type Object struct {
	// Key is the object's key relative to the Bucket that returned it. For
	// Store.Expand the Bucket is the input root, so Key is also the
	// relative output path.
	Key string
	// Size is the object's length in bytes.
	Size int64
	// ModTime is the last modification time reported by the store.
	ModTime time.Time
	// Name is the display URL ("s3://bucket/shards/a.jsonl"), without
	// parameters: use it in messages and findings.
	Name string
	// URL is the full URL, parameters included: Store.OpenReaderAt opens
	// it, in this process or another.
	URL string
}

// Root returns the bucket's root location.
func (b *Bucket) Root() Location { return b.root }

// Name returns the display URL of key (see Location.String).
func (b *Bucket) Name(key string) string { return b.root.Child(key).String() }

// URL returns the full URL of key, parameters included.
func (b *Bucket) URL(key string) string { return b.root.Child(key).URL() }

// Sub returns a Bucket rooted at dir below b's root, sharing b's client.
// Closing it does nothing.
func (b *Bucket) Sub(dir string) *Bucket {
	dir = strings.Trim(dir, "/")
	root := b.root
	root.Key = joinKey(root.Key, dir)
	root.Dir = root.Key != ""
	return &Bucket{b: b.b, root: root, opt: b.opt}
}

// key returns the full bucket key of a root-relative key.
func (b *Bucket) key(key string) string { return joinKey(b.root.Key, key) }

// object builds an Object for the root-relative key.
func (b *Bucket) object(key string, size int64, mod time.Time) Object {
	l := b.root.Child(key)
	return Object{Key: key, Size: size, ModTime: mod, Name: l.String(), URL: l.URL()}
}

// Stat returns the object at key; a missing object is an *Error wrapping
// ErrNotFound.
func (b *Bucket) Stat(ctx context.Context, key string) (Object, error) {
	a, err := b.b.Attributes(ctx, b.key(key))
	if err != nil {
		return Object{}, wrapErr("stat", b.Name(key), err)
	}
	return b.object(key, a.Size, a.ModTime), nil
}

// Exists reports whether an object exists at key.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := b.b.Exists(ctx, b.key(key))
	if err != nil {
		return false, wrapErr("stat", b.Name(key), err)
	}
	return ok, nil
}

// List returns every object below dir (recursively; "" lists the whole
// root), sorted by key, with keys relative to the Bucket's root. Keys
// ending in "/" (the zero-byte "folder" objects some consoles create) are
// left out. An empty listing is not an error.
func (b *Bucket) List(ctx context.Context, dir string) ([]Object, error) {
	dir = strings.Trim(dir, "/")
	prefix := b.key(dir)
	if prefix != "" {
		prefix += "/"
	}
	strip := b.root.Key
	if strip != "" {
		strip += "/"
	}
	it := b.b.List(&blob.ListOptions{Prefix: prefix})
	var objs []Object
	for {
		lo, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, wrapErr("list", b.Sub(dir).root.String(), err)
		}
		if lo.IsDir || strings.HasSuffix(lo.Key, "/") || !strings.HasPrefix(lo.Key, strip) {
			continue
		}
		objs = append(objs, b.object(lo.Key[len(strip):], lo.Size, lo.ModTime))
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	return objs, nil
}

// ReadFile returns the whole object at key. The caller owns the returned
// slice. Use it for small objects (markers, plans, manifests); stream large
// ones with NewReader.
func (b *Bucket) ReadFile(ctx context.Context, key string) ([]byte, error) {
	r, err := b.b.NewReader(ctx, b.key(key), readerOptions())
	if err != nil {
		return nil, wrapErr("read", b.Name(key), err)
	}
	defer r.Close()
	var buf bytes.Buffer
	buf.Grow(int(min(r.Size(), 1<<30)) + bytes.MinRead)
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, wrapErr("read", b.Name(key), err)
	}
	return buf.Bytes(), nil
}

// NewReader opens the whole object at key as one sequential stream: a single
// GET, the cheapest way to read an object front to back. The caller must
// Close it. Errors name the object.
func (b *Bucket) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := b.b.NewReader(ctx, b.key(key), readerOptions())
	if err != nil {
		return nil, wrapErr("read", b.Name(key), err)
	}
	return &streamReader{r: r, name: b.Name(key)}, nil
}

type streamReader struct {
	r    *blob.Reader
	name string
}

func (s *streamReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = wrapErr("read", s.name, err)
	}
	return n, err
}

func (s *streamReader) Close() error { return wrapErr("read", s.name, s.r.Close()) }

// WriteFile writes data as the object at key, replacing any object there.
// The object appears whole or not at all (see NewWriter). data is not
// retained.
func (b *Bucket) WriteFile(ctx context.Context, key string, data []byte) error {
	w, err := b.NewWriter(ctx, key, nil)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// Delete removes the object at key. A missing object is an *Error wrapping
// ErrNotFound.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	return wrapErr("delete", b.Name(key), b.b.Delete(ctx, b.key(key)))
}

// Close closes the client when the Bucket came from the package-level Open;
// otherwise (Store.Open, Sub) it does nothing and the Store owns the client.
func (b *Bucket) Close() error {
	if b.owner == nil {
		return nil
	}
	err := b.owner.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", b.root, err)
	}
	return nil
}

// isNotFound reports whether err means a missing object.
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
