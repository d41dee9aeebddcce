package storage

import (
	"context"
	"io"
	"testing"
)

// benchObject writes size bytes to the backend and opens a ReaderAt per
// iteration.
func benchReader(b *testing.B, url string, size int, read func(r *ReaderAt, p []byte, i int) int) {
	ctx := context.Background()
	s := newStore(b, Options{})
	bk, err := s.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	if err := bk.WriteFile(ctx, "obj", randBytes(size, 1)); err != nil {
		b.Fatal(err)
	}
	p := make([]byte, 4<<10)
	var reqs int64
	b.ReportAllocs()
	b.ResetTimer()
	total := 0
	for i := 0; i < b.N; i++ {
		r, err := bk.OpenReaderAt(ctx, "obj")
		if err != nil {
			b.Fatal(err)
		}
		total += read(r, p, i)
		reqs += r.Stats().Requests
		r.Close()
	}
	b.SetBytes(int64(total / b.N))
	b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
}

// sequential reads the whole object in 4 KiB reads.
func sequential(r *ReaderAt, p []byte, _ int) int {
	n, _ := io.CopyBuffer(io.Discard, io.NewSectionReader(r, 0, r.Size()), p)
	return int(n)
}

// random does 1,000 4 KiB reads at pseudo-random offsets.
func random(r *ReaderAt, p []byte, i int) int {
	rng := randSource(uint64(i))
	total := 0
	for range 1000 {
		n, _ := r.ReadAt(p, rng.Int64N(r.Size()-int64(len(p))))
		total += n
	}
	return total
}

func BenchmarkReadAtSequentialMem(b *testing.B) {
	benchReader(b, "mem://bench/", 16<<20, sequential)
}

func BenchmarkReadAtRandomMem(b *testing.B) {
	benchReader(b, "mem://bench/", 16<<20, random)
}

func BenchmarkReadAtSequentialS3(b *testing.B) {
	f := newFakeS3(b)
	benchReader(b, f.url("bench"), 16<<20, sequential)
}

func BenchmarkReadAtRandomS3(b *testing.B) {
	f := newFakeS3(b)
	benchReader(b, f.url("bench"), 16<<20, random)
}

func BenchmarkWriteS3(b *testing.B) {
	ctx := context.Background()
	f := newFakeS3(b)
	s := newStore(b, Options{})
	bk, err := s.Open(ctx, f.url("bench"))
	if err != nil {
		b.Fatal(err)
	}
	data := randBytes(24<<20, 2)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := bk.NewWriter(ctx, "out.bin", nil)
		if err != nil {
			b.Fatal(err)
		}
		for p := data; len(p) > 0; p = p[min(len(p), 1<<20):] {
			if _, err := w.Write(p[:min(len(p), 1<<20)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
