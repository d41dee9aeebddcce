package ciformat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkParsePolicy(b *testing.B) {
	const expr = "secret.*=any,pii.credit_card>0,dup.exact>1%,poison.*>0.01%,high"
	b.SetBytes(int64(len(expr)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePolicy(expr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p := mustPolicy(b, "secret.*=any,pii.*>100,dup.exact>1%,poison.*>0.01%,high")
	c := sampleCounts()
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(c)
	}
}

// benchOutDir writes an output directory with n findings over 10 files in
// the given findings format and returns it with the findings file size.
func benchOutDir(b *testing.B, n int, format string) (string, int64) {
	b.Helper()
	dir := b.TempDir()
	kinds := []string{"pii.email", "pii.phone", "secret.jwt", "poison.invisible_char", "dup.exact"}
	rep := Report{Tool: ToolInfo{Name: "winnow", Version: "bench"}, FindingsByKind: map[string]int64{}, RecordsByKind: map[string]int64{},
		SeverityByKind: map[string]string{"pii.email": "medium", "pii.phone": "medium", "secret.jwt": "medium", "poison.invisible_char": "medium", "dup.exact": "low"}}
	for i := 0; i < 10; i++ {
		ext, fm := ".jsonl", "jsonl"
		if i%2 == 1 {
			ext, fm = ".parquet", "parquet"
		}
		rep.Files = append(rep.Files, FileReport{File: fmt.Sprintf("data/shard-%02d%s", i, ext), Format: fm, RecordsIn: int64(n)})
	}
	jp := filepath.Join(dir, FindingsJSONLFile)
	f, err := os.Create(jp)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	per := n / len(rep.Files)
	for i := 0; i < n; i++ {
		file := rep.Files[min(i/per, len(rep.Files)-1)].File
		k := kinds[i%len(kinds)]
		row := Finding{File: file, Row: int64(i), Field: "$.text", Start: int64(i % 100), End: int64(i%100 + 20), Kind: k,
			Detector: k, Confidence: 0.9, Action: "redact", ValueHash: fmt.Sprintf("%032x", i*7919)}
		if k == "dup.exact" {
			row.Field, row.Start, row.End, row.ValueHash = "", 0, 0, ""
		}
		enc.Encode(&row)
		rep.FindingsByKind[k]++
		rep.RecordsByKind[k]++
		rep.Totals.Findings++
	}
	rep.Totals.Files = len(rep.Files)
	rep.Totals.RecordsIn = int64(n) * int64(len(rep.Files))
	bw.Flush()
	f.Close()
	rb, _ := json.Marshal(rep)
	os.WriteFile(filepath.Join(dir, ReportFile), rb, 0o644)
	if format == "parquet" {
		writeParquetFindings(b, jp, dir)
		os.Remove(jp)
		jp = filepath.Join(dir, FindingsParquetFile)
	}
	st, err := os.Stat(jp)
	if err != nil {
		b.Fatal(err)
	}
	return dir, st.Size()
}

func BenchmarkWriters(b *testing.B) {
	pol := mustPolicy(b, "secret.*=any,pii.*>100,dup.*>1%,high")
	for _, format := range []string{"jsonl", "parquet"} {
		dir, size := benchOutDir(b, 20000, format)
		for _, w := range []struct {
			name string
			fn   writer
		}{{"sarif", WriteSARIF}, {"github", WriteGitHub}, {"junit", WriteJUnit}} {
			b.Run(format+"/"+w.name, func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				for b.Loop() {
					if err := w.fn(io.Discard, dir, Options{Policy: pol}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "findings/s")
			})
		}
	}
}
