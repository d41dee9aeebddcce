package scanner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/detectors"
)

// TestKeepMaxNumericParquet: --keep max:FIELD reads a numeric Parquet column
// (top level and nested in a struct) that is not scanned as text, and keeps
// the highest-scoring copy of a duplicate cluster.
func TestKeepMaxNumericParquet(t *testing.T) {
	type meta struct {
		Quality float64 `parquet:"quality"`
	}
	type row struct {
		Text  string `parquet:"text"`
		Score int64  `parquet:"score"`
		Meta  meta   `parquet:"meta"`
	}
	dup := "The quick brown fox jumps over the lazy dog near the river bank every single morning."
	rows := []row{
		{dup, 3, meta{0.2}},
		{"An unrelated record about something else entirely, with its own words.", 9, meta{0.5}},
		{dup, 7, meta{0.9}},
		{dup, 5, meta{0.4}},
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "in.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tc := range []struct{ keep string }{{"max:meta.quality"}, {"max:score"}, {"max:$.meta.quality"}} {
		t.Run(tc.keep, func(t *testing.T) {
			cfg := Config{Mode: ModeScan, Inputs: []string{p}, Out: t.TempDir(), Registry: detectors.MustRegistry(),
				Key: []byte("keep-max-test-key-0123"), ToolVersion: "test", Fields: []string{"text"}}
			cfg.Dedupe.Keep = tc.keep
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			finds, err := readFindingsParquet(filepath.Join(cfg.Out, "findings.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			dropped := map[int64]bool{}
			for _, fr := range finds {
				if fr.Kind != "dup.exact" {
					continue
				}
				dropped[fr.Row] = true
				if fr.KeptRow == nil || *fr.KeptRow != 2 {
					t.Errorf("row %d: kept row %v, want 2 (the highest score)", fr.Row, fr.KeptRow)
				}
			}
			if !dropped[0] || !dropped[3] || dropped[2] || len(dropped) != 2 {
				t.Errorf("duplicates reported for rows %v, want 0 and 3", dropped)
			}
		})
	}
}
