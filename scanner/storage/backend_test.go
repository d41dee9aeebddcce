package storage

import (
	"context"
	"math/rand/v2"
	"testing"
)

// testBackend is one store the conformance tests run against.
type testBackend struct {
	name string
	// url returns the URL of key (a prefix, object or glob) in a bucket
	// private to the test.
	url func(key string) string
	s3  *fakeS3 // the fake server, for the s3 backend
}

// backends returns mem, file and s3 (gofakes3 on 127.0.0.1) backends. Each
// call gives fresh, empty buckets.
func backends(t *testing.T) []testBackend {
	t.Helper()
	dir := t.TempDir()
	f := newFakeS3(t)
	return []testBackend{
		{name: "mem", url: func(k string) string { return "mem://bucket/" + k }},
		{name: "file", url: func(k string) string { return "file://" + dir + "/" + k }},
		{name: "s3", url: f.url, s3: f},
	}
}

// newStore returns a Store closed at the end of the test.
func newStore(t testing.TB, opt Options) *Store {
	t.Helper()
	s, err := NewStore(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openRoot opens the bucket rooted at key of backend be.
func openRoot(t testing.TB, s *Store, be testBackend, key string) *Bucket {
	t.Helper()
	b, err := s.Open(context.Background(), be.url(key))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// randBytes returns n deterministic pseudo-random bytes.
func randBytes(n int, seed uint64) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 7})
	p := make([]byte, n)
	r.Read(p)
	return p
}

// randSource returns a deterministic generator.
func randSource(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }
