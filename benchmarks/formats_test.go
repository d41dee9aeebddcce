package benchmarks

import (
	"bytes"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/winnow-data/winnow/scanner/jsonl"
	"github.com/winnow-data/winnow/scanner/records"
)

const benchSize = 64 << 20

var jsonlCorpus []byte

func corpus() []byte {
	if jsonlCorpus == nil {
		jsonlCorpus = NewGenerator(1).JSONL(benchSize)
	}
	return jsonlCorpus
}

// readAll reads every batch of a JSONL file; if w is non-nil it also writes
// every record back (kept).
func readAll(b *testing.B, name string, data []byte, write bool) (recs int) {
	r, err := jsonl.Open(records.Source{Name: name, R: bytes.NewReader(data), Size: int64(len(data))}, records.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var bw records.BatchWriter
	if write {
		bw, _ = r.NewWriter(records.Sinks{Data: io.Discard})
	}
	var batch records.Batch
	var dec []records.Decision
	for {
		err := r.Next(&batch)
		if err != nil && err != io.EOF {
			b.Fatal(err)
		}
		recs += batch.N
		if bw != nil {
			if cap(dec) < batch.N {
				dec = make([]records.Decision, batch.N)
			}
			if werr := bw.WriteBatch(&batch, dec[:batch.N], nil); werr != nil {
				b.Fatal(werr)
			}
		}
		if err == io.EOF {
			break
		}
	}
	if bw != nil {
		bw.Close()
	}
	return recs
}

func BenchmarkJSONLRead(b *testing.B) {
	data := corpus()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	var recs int
	for i := 0; i < b.N; i++ {
		recs = readAll(b, "x.jsonl", data, false)
	}
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() { readAll(b, "x.jsonl", data, false) }))/float64(recs), "allocs/record")
}

func BenchmarkJSONLZstdReadWrite(b *testing.B) {
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	zw.Write(corpus())
	zw.Close()
	data := buf.Bytes()
	b.SetBytes(int64(len(corpus()))) // decompressed bytes per second
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		readAll(b, "x.jsonl.zst", data, true)
	}
}
