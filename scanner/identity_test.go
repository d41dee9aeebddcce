package scanner

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/scanner/records"
)

// TestDetectorsOffReproducesInput: with no detector and no dedupe, clean
// reproduces its input: byte for byte for uncompressed JSONL without bad
// records, value for value with the same schema for Parquet and Arrow.
func TestDetectorsOffReproducesInput(t *testing.T) {
	root := filepath.Join("..", "samples", "data")
	out := t.TempDir()
	cfg := Config{
		Mode: ModeClean, Inputs: []string{root}, Out: out, Kinds: []string{"none.none"},
		Registry: detectors.MustRegistry(), Key: []byte("identity-test-key-0123"), Dedupe: DedupeConfig{Disabled: true},
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Totals.Dropped != 2 { // the bad line and the invalid UTF-8 line of web-00000
		t.Errorf("dropped %d, want only the 2 input problems", res.Report.Totals.Dropped)
	}
	in, _ := os.ReadFile(filepath.Join(root, "multi", "multi-00000.jsonl"))
	got, _ := os.ReadFile(filepath.Join(out, "data", "multi", "multi-00000.jsonl"))
	if !bytes.Equal(in, got) {
		t.Error("multi-00000.jsonl is not reproduced byte for byte")
	}
	for _, rel := range []string{"chat/chat-00000.parquet", "code/code-00000.arrow", "zh/zh-00000.jsonl.zst", "web/web-00001.jsonl.gz"} {
		a := readValues(t, filepath.Join(root, rel))
		b := readValues(t, filepath.Join(out, "data", rel))
		if len(a) == 0 || len(a) != len(b) {
			t.Errorf("%s: %d values in, %d out", rel, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s: value %d differs", rel, i)
				break
			}
		}
	}
	schema := func(p string) string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		return pf.Schema().String()
	}
	if a, b := schema(filepath.Join(root, "chat", "chat-00000.parquet")), schema(filepath.Join(out, "data", "chat", "chat-00000.parquet")); a != b {
		t.Errorf("parquet schema differs:\n%s\n%s", a, b)
	}
}

// readValues returns "record|field|value" for every scanned value of a file.
func readValues(t *testing.T, path string) []string {
	t.Helper()
	format, _ := DetectFormat(path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := openFormat(format, records.Source{Name: path, R: f, Size: st.Size()}, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	var b records.Batch
	for {
		err := r.Next(&b)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		for i := 0; i < b.NumValues(); i++ {
			out = append(out, string(rune('0'+b.ValueRec[i]%10))+"|"+string(b.FieldName(i))+"|"+string(b.Value(i)))
		}
		if err == io.EOF {
			return out
		}
	}
}
