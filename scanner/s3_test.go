package scanner

import (
	"context"
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
