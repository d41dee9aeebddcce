package storage

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Schemes this package opens.
const (
	SchemeS3    = "s3"     // Amazon S3 and S3-compatible stores (MinIO, R2, Ceph)
	SchemeGCS   = "gs"     // Google Cloud Storage
	SchemeAzure = "azblob" // Azure Blob Storage
	SchemeFile  = "file"   // the local filesystem (fileblob)
	SchemeMem   = "mem"    // an in-process bucket, for tests
)

// Location is a parsed storage URL: a bucket and a key inside it. The key
// names an object, a "directory" prefix or a glob, depending on use.
//
// A Location is a plain value; it is safe to copy and to use concurrently.
type Location struct {
	// Scheme is one of the Scheme* constants.
	Scheme string
	// Bucket is the bucket or container name; empty for SchemeFile.
	Bucket string
	// Key is the key without a leading or trailing "/". For SchemeFile it
	// is the absolute, cleaned path without its leading "/". Empty means
	// the bucket root.
	Key string
	// Query holds the driver parameters (region, endpoint, …); nil when
	// there are none. See the package documentation.
	Query url.Values
	// Dir is set when the URL ended in "/": it names a prefix, never an
	// object.
	Dir bool
}

// IsURL reports whether s is a storage URL ("scheme://…") rather than a
// plain local path. It does not validate the URL.
func IsURL(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for _, c := range s[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Parse parses a storage URL or a plain local path.
//
//	s3://bucket/prefix/key?region=eu-west-1
//	s3://bucket/shards/*.jsonl.zst?endpoint=http://127.0.0.1:9000&use_path_style=true
//	gs://bucket/prefix
//	azblob://container/prefix
//	file:///abs/path          (host empty or "localhost")
//	mem://name/prefix         (in-process, tests)
//	relative/or/absolute/path (made absolute; becomes a file Location)
//
// Query parameters are passed to the driver (see the package documentation)
// except on file URLs, which take none. "?" starts the query in a URL, so a
// glob on an object store writes "?" as "%3F" or uses a class such as
// "[0-9]"; "%" in a key is written "%25". User information
// ("s3://key:secret@bucket") is refused: credentials come from the
// environment. Errors wrap ErrBadURL and never repeat the query.
func Parse(s string) (Location, error) {
	if !IsURL(s) {
		if s == "" {
			return Location{}, fmt.Errorf("%w: empty path", ErrBadURL)
		}
		abs, err := filepath.Abs(s)
		if err != nil {
			return Location{}, fmt.Errorf("%w: %s: %v", ErrBadURL, s, err)
		}
		dir := strings.HasSuffix(s, "/")
		return fileLocation(filepath.ToSlash(abs), dir)
	}
	u, err := url.Parse(s)
	if err != nil {
		return Location{}, fmt.Errorf("%w: %s: %v", ErrBadURL, redact(s), unwrapURLError(err))
	}
	scheme := strings.ToLower(u.Scheme)
	shown := scheme + "://" + u.Host + u.Path
	if u.User != nil {
		return Location{}, fmt.Errorf("%w: %s://…@%s: credentials in the URL are not accepted; use the provider's environment or config", ErrBadURL, scheme, u.Host)
	}
	if u.Fragment != "" || u.Opaque != "" {
		return Location{}, fmt.Errorf("%w: %s: unexpected fragment or opaque part", ErrBadURL, shown)
	}
	if !utf8.ValidString(u.Path) {
		return Location{}, fmt.Errorf("%w: %s: key is not valid UTF-8", ErrBadURL, shown)
	}
	q := u.Query()
	if len(q) == 0 {
		q = nil
	}
	if _, ok := q["prefix"]; ok {
		return Location{}, fmt.Errorf("%w: %s: the \"prefix\" parameter is not supported; put the prefix in the URL path", ErrBadURL, shown)
	}
	switch scheme {
	case SchemeFile:
		if u.Host != "" && u.Host != "localhost" {
			return Location{}, fmt.Errorf("%w: %s: file URLs take no host (write file:///abs/path)", ErrBadURL, shown)
		}
		if q != nil || u.ForceQuery {
			return Location{}, fmt.Errorf("%w: %s: file URLs take no parameters", ErrBadURL, shown)
		}
		if !strings.HasPrefix(u.Path, "/") {
			return Location{}, fmt.Errorf("%w: %s: file URLs need an absolute path", ErrBadURL, shown)
		}
		return fileLocation(u.Path, strings.HasSuffix(u.Path, "/"))
	case SchemeS3, SchemeGCS, SchemeAzure, SchemeMem:
		if u.Host == "" {
			return Location{}, fmt.Errorf("%w: %s: missing bucket name", ErrBadURL, shown)
		}
		for _, c := range u.Host {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
				return Location{}, fmt.Errorf("%w: %s: bad bucket name %q (a custom endpoint goes in ?endpoint=)", ErrBadURL, shown, u.Host)
			}
		}
		key := strings.TrimPrefix(u.Path, "/")
		dir := strings.HasSuffix(key, "/")
		key = strings.TrimRight(key, "/")
		return Location{Scheme: scheme, Bucket: u.Host, Key: key, Query: q, Dir: dir}, nil
	}
	return Location{}, fmt.Errorf("%w: %s: unsupported scheme %q (want s3, gs, azblob, file or mem)", ErrBadURL, shown, scheme)
}

func fileLocation(p string, dir bool) (Location, error) {
	if !utf8.ValidString(p) {
		return Location{}, fmt.Errorf("%w: %s: path is not valid UTF-8", ErrBadURL, p)
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return Location{}, fmt.Errorf("%w: %q: control character in path", ErrBadURL, p)
		}
	}
	key := strings.TrimPrefix(path.Clean(p), "/")
	return Location{Scheme: SchemeFile, Key: key, Dir: dir && key != ""}, nil
}

// unwrapURLError drops url.Error's repetition of the whole URL (which may
// carry parameters) from a parse error.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// redact returns s without its query string.
func redact(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i]
	}
	return s
}

// String returns the display form "scheme://bucket/key" (with a trailing
// "/" when Dir), without query parameters: use it in messages, findings
// and file names. Use URL to reopen the location.
func (l Location) String() string {
	s := l.Scheme + "://" + l.Bucket + "/" + l.Key
	if l.Dir && l.Key != "" {
		s += "/"
	}
	return s
}

// URL returns the full URL, query parameters included, escaped so that
// Parse(l.URL()) gives l back. It is what a plan file records so another
// process can reopen the object.
func (l Location) URL() string {
	p := "/" + l.Key
	if l.Dir && l.Key != "" {
		p += "/"
	}
	u := url.URL{Scheme: l.Scheme, Host: l.Bucket, Path: p}
	if l.Query != nil {
		u.RawQuery = l.Query.Encode()
	}
	if l.Scheme == SchemeFile {
		// url.URL drops the empty authority; file URLs keep "file:///".
		return "file://" + u.EscapedPath()
	}
	return u.String()
}

// Child returns the location of key below l (l.Key + "/" + key). key is
// taken as is; Dir is cleared.
func (l Location) Child(key string) Location {
	l.Key = joinKey(l.Key, key)
	l.Dir = false
	return l
}

// bucketID identifies the bucket and its options: locations with the same
// bucketID share one opened *blob.Bucket.
func (l Location) bucketID() string {
	id := l.Scheme + "://" + l.Bucket
	if l.Query != nil {
		id += "?" + l.Query.Encode()
	}
	return id
}

// joinKey joins a root prefix and a key with "/"; either may be empty.
func joinKey(root, key string) string {
	switch {
	case root == "":
		return key
	case key == "":
		return root
	}
	return root + "/" + key
}

// checkKey reports whether key can be written portably (see ErrBadKey).
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrBadKey)
	}
	if !utf8.ValidString(key) {
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrBadKey, key)
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return fmt.Errorf("%w: %q has a control character or backslash", ErrBadKey, key)
		}
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("%w: %q has an empty, \".\" or \"..\" component", ErrBadKey, key)
		}
	}
	return nil
}

// hasMeta reports whether a key contains glob metacharacters.
func hasMeta(key string) bool { return strings.ContainsAny(key, "*?[") }

// globRoot returns the longest "/"-separated prefix of pattern free of
// metacharacters ("" when the first component has one).
func globRoot(pattern string) string {
	dir := pattern
	for hasMeta(dir) {
		i := strings.LastIndexByte(dir, '/')
		if i < 0 {
			return ""
		}
		dir = dir[:i]
	}
	return dir
}
