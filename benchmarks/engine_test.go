package benchmarks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/defaults"
	"github.com/winnow-data/winnow/scanner"
)

// BenchmarkCleanJSONL runs `winnow clean` in-process on a generated JSONL
// file with the default detectors, for 1 and 2 workers.
func BenchmarkCleanJSONL(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(in, corpus(), 0o644); err != nil {
		b.Fatal(err)
	}
	reg, err := defaults.Registry(defaults.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(corpus())))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cfg := scanner.Config{
					Mode:     scanner.ModeClean,
					Inputs:   []string{in},
					Out:      filepath.Join(dir, "out"),
					Workers:  workers,
					Registry: reg,
					Corpus:   func() []detectors.CorpusDetector { return defaults.Corpus(defaults.DefaultOptions()) },
					Key:      []byte("benchmark-key-0123456789"),
				}
				if _, err := scanner.Run(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
