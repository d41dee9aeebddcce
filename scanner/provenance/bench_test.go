package provenance

import (
	"bytes"
	"io"
	"math/rand"
	"path/filepath"
	"testing"
)

func BenchmarkHashFile(b *testing.B) {
	data := make([]byte, 8<<20)
	rand.New(rand.NewSource(1)).Read(data)
	p := filepath.Join(b.TempDir(), "f")
	writeFile(b, p, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := HashFile(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLedgerWrite(b *testing.B) {
	rows := manyRows(16 * ledgerChunk)
	var size int64
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		var buf bytes.Buffer
		lw := NewLedgerWriter(&buf)
		if err := lw.Write(rows); err != nil {
			b.Fatal(err)
		}
		if err := lw.Close(); err != nil {
			b.Fatal(err)
		}
		size = int64(buf.Len())
		n++
	}
	b.ReportMetric(float64(size)/float64(len(rows)), "bytes/row")
	b.ReportMetric(float64(n*len(rows))/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadLedger(b *testing.B) {
	rows := manyRows(4 * ledgerChunk)
	data := encodeLedger(b, rows, nil)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		count := 0
		if err := ReadLedgerFrom(bytes.NewReader(data), int64(len(data)), func(*LedgerRow) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != len(rows) {
			b.Fatalf("read %d rows", count)
		}
		n++
	}
	b.ReportMetric(float64(n*len(rows))/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkHashReader(b *testing.B) {
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := HashReader(io.LimitReader(bytes.NewReader(data), int64(len(data)))); err != nil {
			b.Fatal(err)
		}
	}
}
