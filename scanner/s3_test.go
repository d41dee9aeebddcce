package scanner

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/winnow-data/winnow/detectors"
)

// TestObjectStoreInputs reads the bundled samples from an in-process
// S3-compatible server on 127.0.0.1 and requires the same report as a local
// run: same files (relative paths), records, decisions and findings.
func TestObjectStoreInputs(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("fake S3 on %s", srv.URL)
	}
	if err := backend.CreateBucket("corpus"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	root := filepath.Join("..", "samples", "data")
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := backend.PutObject("corpus", "shards/"+filepath.ToSlash(rel), map[string]string{}, strings.NewReader(string(b)), int64(len(b)), nil); err != nil {
			t.Fatal(err)
		}
		return nil
	})
	q := url.Values{"endpoint": {srv.URL}, "use_path_style": {"true"}, "region": {"us-east-1"}}
	input := "s3://corpus/shards?" + q.Encode()

	run := func(in string) *Report {
		cfg := Config{Mode: ModeClean, Inputs: []string{in}, Out: t.TempDir(), Registry: detectors.MustRegistry(testEmail{}),
			Key: []byte("s3-test-key-0123456789"), ToolVersion: "test"}
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return res.Report
	}
	local, remote := run(root), run(input)
	if len(local.Files) != len(remote.Files) || local.Totals != remote.Totals {
		t.Fatalf("totals differ: local %+v, s3 %+v", local.Totals, remote.Totals)
	}
	for i := range local.Files {
		l, r := local.Files[i], remote.Files[i]
		if l.Output != r.Output || l.RecordsIn != r.RecordsIn || l.Kept != r.Kept || l.Redacted != r.Redacted || l.Dropped != r.Dropped || l.Findings != r.Findings {
			t.Errorf("file %d: local %+v, s3 %+v", i, l, r)
		}
		if !strings.HasPrefix(r.File, "s3://corpus/shards/") || strings.Contains(r.File, "endpoint") {
			t.Errorf("s3 file name %q: want the display URL without parameters", r.File)
		}
	}
	for k, n := range local.FindingsByKind {
		if remote.FindingsByKind[k] != n {
			t.Errorf("%s: local %d, s3 %d", k, n, remote.FindingsByKind[k])
		}
	}
}

// TestObjectStoreRoundTrip reads the samples from an in-process S3 server
// and writes the outputs back to it: the uploaded objects equal a local
// run's files byte for byte (the manifest by its subjects), a second run
// replaces the first's objects, and a prefix winnow did not write is
// refused.
func TestObjectStoreRoundTrip(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	defer srv.Close()
	for _, b := range []string{"corpus", "cleaned"} {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	root := filepath.Join("..", "samples", "data")
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = backend.PutObject("corpus", "shards/"+filepath.ToSlash(rel), map[string]string{}, bytes.NewReader(b), int64(len(b)), nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	q := "?" + url.Values{"endpoint": {srv.URL}, "use_path_style": {"true"}, "region": {"us-east-1"}}.Encode()
	input, out := "s3://corpus/shards"+q, "s3://cleaned/run1"+q
	cfg := func(out string) Config {
		return Config{Mode: ModeClean, Inputs: []string{input}, Out: out, Registry: detectors.MustRegistry(testEmail{}),
			Key: []byte("s3-test-key-0123456789"), ToolVersion: "test", Scratch: t.TempDir()}
	}
	local := t.TempDir()
	if _, err := Run(context.Background(), cfg(local)); err != nil {
		t.Fatal(err)
	}
	want := outputTree(t, local)
	res, err := Run(context.Background(), cfg(out))
	if err != nil {
		t.Fatal(err)
	}
	if res.LocalOut == "" || res.LocalOut == out {
		t.Fatalf("LocalOut %q", res.LocalOut)
	}
	os.RemoveAll(res.LocalOut)
	// A stale object of an earlier run under data/ must go.
	if _, err := backend.PutObject("cleaned", "run1/data/stale.jsonl", map[string]string{}, strings.NewReader("{}\n"), 3, nil); err != nil {
		t.Fatal(err)
	}
	res, err = Run(context.Background(), cfg(out))
	if err != nil {
		t.Fatalf("second run over the same prefix: %v", err)
	}
	os.RemoveAll(res.LocalOut)
	got := t.TempDir()
	objs, err := backend.ListBucket("cleaned", &gofakes3.Prefix{HasPrefix: true, Prefix: "run1/"}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) == 0 {
		t.Fatal("nothing was uploaded")
	}
	for _, c := range objs.Contents {
		obj, err := backend.GetObject("cleaned", c.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj.Contents)
		obj.Contents.Close()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(got, filepath.FromSlash(strings.TrimPrefix(c.Key, "run1/")))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gotTree := outputTree(t, got)
	// Input paths differ (s3:// names against local paths), so compare the
	// data files and the set of outputs.
	for k, v := range want {
		if strings.HasPrefix(k, "data/") || strings.HasPrefix(k, "quarantine/") {
			if gotTree[k] != v {
				t.Errorf("%s: uploaded object differs from the local run's file", k)
			}
		}
		if _, ok := gotTree[k]; !ok {
			t.Errorf("%s: not uploaded", k)
		}
	}
	for k := range gotTree {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: uploaded but not written by a local run", k)
		}
	}
	// A foreign prefix is refused.
	if _, err := backend.PutObject("cleaned", "other/readme.txt", map[string]string{}, strings.NewReader("hi"), 2, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), cfg("s3://cleaned/other"+q)); err == nil || !strings.Contains(err.Error(), "not written by winnow") {
		t.Fatalf("foreign prefix: %v", err)
	}
}

// fakeS3 starts an in-process S3 server with the named buckets and returns
// the URL query that points clients at it.
func fakeS3(t *testing.T, buckets ...string) (*s3mem.Backend, string) {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return backend, "?" + url.Values{"endpoint": {srv.URL}, "use_path_style": {"true"}, "region": {"us-east-1"}}.Encode()
}

// download copies every object under prefix into a new directory.
func download(t *testing.T, backend *s3mem.Backend, bucket, prefix string) (string, []string) {
	t.Helper()
	objs, err := backend.ListBucket(bucket, &gofakes3.Prefix{HasPrefix: true, Prefix: prefix}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var keys []string
	for _, c := range objs.Contents {
		obj, err := backend.GetObject(bucket, c.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj.Contents)
		obj.Contents.Close()
		if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(c.Key, prefix)
		keys = append(keys, rel)
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, keys
}

// TestStagedObjectStoreOut runs every stage with OUT in an S3 bucket (each
// task with its own local mirror, as on separate machines): the published
// objects equal a local in-process run's files, and only the plan and the
// completion markers stay under _winnow/.
func TestStagedObjectStoreOut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the samples through every stage")
	}
	backend, q := fakeS3(t, "cleaned")
	local := t.TempDir()
	if _, err := Run(context.Background(), samplesConfig(t, local)); err != nil {
		t.Fatal(err)
	}
	o := runStaged(t, samplesConfig(t, "s3://cleaned/staged"+q), 3, 2)
	if o.Result == nil || o.Result.LocalOut == "" {
		t.Fatalf("commit result %+v", o.Result)
	}
	os.RemoveAll(o.Result.LocalOut)
	got, keys := download(t, backend, "cleaned", "staged/")
	diffTrees(t, outputTree(t, local), outputTree(t, got))
	for _, k := range keys {
		if strings.HasPrefix(k, StagedDir+"/") && !strings.HasSuffix(k, ".json") && !strings.HasSuffix(k, ".claim") {
			t.Errorf("intermediate %s left in the bucket", k)
		}
	}
}
