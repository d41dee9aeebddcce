package audit

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchFindings returns n synthetic findings spread over the files and
// kinds of testdata/basic.
func benchFindings(n int) []Finding {
	files := []string{"corpus/chat/chat-00000.parquet", "corpus/web/web-00001.jsonl.zst"}
	kinds := []string{"pii.email", "pii.phone", "secret.github_token", "poison.prompt_injection", "dup.near"}
	actions := []string{"redact", "redact", "redact", "drop", "drop"}
	out := make([]Finding, n)
	for i := range out {
		k := i % len(kinds)
		out[i] = Finding{
			File: files[i%len(files)], Row: int64(i / 3),
			Kind: kinds[k], Detector: kinds[k], Confidence: 0.9, Action: actions[k],
		}
	}
	return out
}

func seqOf(rows []Finding) iter.Seq2[Finding, error] {
	return func(yield func(Finding, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func BenchmarkRenderFrom(b *testing.B) {
	report, err := os.ReadFile(filepath.Join("testdata", "basic", ReportFile))
	if err != nil {
		b.Fatal(err)
	}
	rows := benchFindings(100_000)
	// The files on disk carry every column of a findings row, as winnow
	// writes them.
	full := make([]fullRow, len(rows))
	for i, r := range rows {
		full[i] = fullRow{File: r.File, Row: r.Row, Field: "$.text", Start: r.Row % 500, End: r.Row%500 + 20,
			Kind: r.Kind, Detector: r.Detector, Confidence: r.Confidence, Action: r.Action,
			ValueHash: strconv.FormatUint(uint64(i)*2654435761, 16)}
	}
	var jl bytes.Buffer
	enc := json.NewEncoder(&jl)
	for i := range full {
		if err := enc.Encode(&full[i]); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ReportFile), report, 0o644); err != nil {
		b.Fatal(err)
	}
	writeParquetFindings(b, filepath.Join(dir, FindingsParquetFile), full)
	b.Run("memory", func(b *testing.B) {
		b.SetBytes(int64(jl.Len()))
		b.ReportAllocs()
		for b.Loop() {
			if err := RenderFrom(io.Discard, report, seqOf(rows), Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
	})
	b.Run("jsonl", func(b *testing.B) {
		b.SetBytes(int64(jl.Len()))
		b.ReportAllocs()
		for b.Loop() {
			if err := RenderFrom(io.Discard, report, JSONLFindings(bytes.NewReader(jl.Bytes())), Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
	})
	b.Run("parquet", func(b *testing.B) {
		b.SetBytes(int64(jl.Len()))
		b.ReportAllocs()
		for b.Loop() {
			if err := Render(io.Discard, dir, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
	})
}

func BenchmarkRenderReportOnly(b *testing.B) {
	report, err := os.ReadFile(filepath.Join("testdata", "basic", ReportFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(report)))
	b.ReportAllocs()
	for b.Loop() {
		if err := RenderFrom(io.Discard, report, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
