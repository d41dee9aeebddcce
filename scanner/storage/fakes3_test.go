package storage

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 is an in-process S3-compatible server on 127.0.0.1.
type fakeS3 struct {
	srv     *httptest.Server
	backend *s3mem.Backend
	// dropIfNoneMatch makes the server ignore If-None-Match, like an
	// S3-compatible store without conditional writes.
	dropIfNoneMatch atomic.Bool

	mu   sync.Mutex
	reqs []request
}

const fakeBucket = "winnow-test"

// newFakeS3 starts gofakes3 on a loopback port and points the AWS SDK at
// static fake credentials, with no shared config files and no instance
// metadata lookups.
func newFakeS3(t testing.TB) *fakeS3 {
	t.Helper()
	f := &fakeS3{backend: s3mem.New()}
	faker := gofakes3.New(f.backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	h := faker.Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, request{method: r.Method, query: r.URL.Query(), rng: r.Header.Get("Range")})
		f.mu.Unlock()
		if f.dropIfNoneMatch.Load() {
			r.Header.Del("If-None-Match")
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	if !strings.HasPrefix(f.srv.URL, "http://127.0.0.1:") {
		t.Fatalf("fake S3 listens on %s, want 127.0.0.1", f.srv.URL)
	}
	if err := f.backend.CreateBucket(fakeBucket); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return f
}

// url returns an s3:// URL for key in the fake bucket.
func (f *fakeS3) url(key string) string {
	q := url.Values{}
	q.Set("endpoint", f.srv.URL)
	q.Set("use_path_style", "true")
	q.Set("region", "us-east-1")
	return "s3://" + fakeBucket + "/" + key + "?" + q.Encode()
}

// request is one request the fake server saw.
type request struct {
	method string
	query  url.Values
	rng    string // Range header
}

// log returns the requests seen so far.
func (f *fakeS3) log() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}
