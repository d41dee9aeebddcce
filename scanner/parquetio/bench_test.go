package parquetio

import (
	"bytes"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/scanner/records"
)

type textRow struct {
	ID   int64  `parquet:"id"`
	Text string `parquet:"text"`
}

// benchFile generates, in memory, a snappy Parquet file of about size bytes
// holding text rows of 200-2000 bytes of pseudo-random words, and returns it
// with its row count and total text bytes.
func benchFile(b *testing.B, size int) (data []byte, rows int, textBytes int64) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 4096)
	for i := range vocab {
		w := make([]byte, 2+rng.IntN(9))
		for j := range w {
			w[j] = byte('a' + rng.IntN(26))
		}
		vocab[i] = string(w)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[textRow](&buf, parquet.Compression(&parquet.Snappy))
	batch := make([]textRow, 0, 1024)
	var line []byte
	for buf.Len() < size {
		batch = batch[:0]
		for range cap(batch) {
			n := 200 + rng.IntN(1800)
			line = line[:0]
			for len(line) < n {
				line = append(line, vocab[rng.IntN(len(vocab))]...)
				line = append(line, ' ')
			}
			batch = append(batch, textRow{ID: int64(rows), Text: string(line)})
			rows++
			textBytes += int64(len(line))
		}
		if _, err := w.Write(batch); err != nil {
			b.Fatal(err)
		}
		if rows%(16*1024) == 0 { // row groups of 16384 rows (~10 MB)
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes(), rows, textBytes
}

// BenchmarkRead measures the scan path (Open + Next over every batch) on a
// generated ~64 MB snappy file; throughput is in decoded text bytes. The
// clean sub-benchmarks add the writer: "keep" copies every row group, and
// "rewrite" edits one value per batch so every row goes through the row
// path.
func BenchmarkRead(b *testing.B) {
	data, rows, textBytes := benchFile(b, 64<<20)
	b.Logf("file %d bytes, %d rows, %d text bytes", len(data), rows, textBytes)
	src := records.Source{Name: "bench.parquet", R: bytes.NewReader(data), Size: int64(len(data))}

	b.Run("scan", func(b *testing.B) {
		b.SetBytes(textBytes)
		b.ReportAllocs()
		var batch records.Batch
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		cpu0 := processCPU()
		for b.Loop() {
			rd, err := Open(src, records.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				err := rd.Next(&batch)
				n += batch.N
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			rd.Close()
			if n != rows {
				b.Fatalf("read %d rows, want %d", n, rows)
			}
		}
		reportCPU(b, cpu0, textBytes)
		runtime.ReadMemStats(&ms1)
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/float64(rows), "allocs/record")
	})

	for _, mode := range []string{"keep", "rewrite"} {
		b.Run("clean-"+mode, func(b *testing.B) {
			b.SetBytes(textBytes)
			b.ReportAllocs()
			var batch records.Batch
			var dec []records.Decision
			cpu0 := processCPU()
			for b.Loop() {
				rd, err := Open(src, records.ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				w, err := rd.NewWriter(records.Sinks{Data: io.Discard})
				if err != nil {
					b.Fatal(err)
				}
				for {
					err := rd.Next(&batch)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					dec = append(dec[:0], make([]records.Decision, batch.N)...)
					var edits []records.Edit
					if mode == "rewrite" {
						dec[0].Action = records.Redact
						edits = []records.Edit{{Value: 0, Data: []byte("[REDACTED]")}}
					}
					if err := w.WriteBatch(&batch, dec, edits); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				rd.Close()
			}
			reportCPU(b, cpu0, textBytes)
		})
	}
}

// reportCPU reports throughput per CPU-second of the whole process since
// cpu0 (GC included), as "MB/cpu-s".
func reportCPU(b *testing.B, cpu0 time.Duration, bytesPerOp int64) {
	if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
