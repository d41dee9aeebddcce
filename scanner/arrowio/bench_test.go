package arrowio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/winnow-data/winnow/scanner/records"
)

// benchCorpus writes about size bytes of a Hugging Face–like dataset (text,
// id, meta.url; 1000 rows per record batch) as an IPC stream or file.
func benchCorpus(b *testing.B, size int, file bool) ([]byte, int) {
	b.Helper()
	words := strings.Fields("the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will can more other into some could them than then its only new")
	md := arrow.NewMetadata([]string{"huggingface"}, []string{`{"info":{"features":{"text":{"dtype":"string","_type":"Value"}}}}`})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "meta", Type: arrow.StructOf(arrow.Field{Name: "url", Type: arrow.BinaryTypes.String})},
	}, &md)
	rng := rand.New(rand.NewPCG(1, 2))
	var out bytes.Buffer
	var w interface {
		Write(arrow.Record) error
		Close() error
	}
	var fh *os.File
	if file {
		var err error
		fh, err = os.Create(filepath.Join(b.TempDir(), "bench.arrow"))
		if err != nil {
			b.Fatal(err)
		}
		defer fh.Close()
		fw, err := ipc.NewFileWriter(fh, ipc.WithSchema(schema))
		if err != nil {
			b.Fatal(err)
		}
		w = fw
	} else {
		w = ipc.NewWriter(&out, ipc.WithSchema(schema))
	}
	rb := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer rb.Release()
	rows, written := 0, 0
	var sb strings.Builder
	for written < size {
		for i := 0; i < 1000; i++ {
			sb.Reset()
			n := 50 + rng.IntN(600)
			for k := 0; k < n; k++ {
				sb.WriteString(words[rng.IntN(len(words))])
				sb.WriteByte(' ')
			}
			rb.Field(0).(*array.StringBuilder).Append(sb.String())
			rb.Field(1).(*array.Int64Builder).Append(int64(rows))
			mb := rb.Field(2).(*array.StructBuilder)
			mb.Append(true)
			mb.FieldBuilder(0).(*array.StringBuilder).Append("https://example.com/doc/" + strings.Repeat("x", rng.IntN(40)))
			written += sb.Len() + 70
			rows++
		}
		rec := rb.NewRecord()
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if file {
		data, err := os.ReadFile(fh.Name())
		if err != nil {
			b.Fatal(err)
		}
		return data, rows
	}
	return out.Bytes(), rows
}

// BenchmarkRead measures Open + Next over a ~64 MB corpus (and, in the
// rewrite case, WriteBatch of every record unchanged), reporting MB/s and
// heap allocations per record.
func BenchmarkRead(b *testing.B) {
	for _, file := range []bool{false, true} {
		data, rows := benchCorpus(b, 64<<20, file)
		name := "stream"
		if file {
			name = "file"
		}
		for _, rewrite := range []bool{false, true} {
			sub := name
			if rewrite {
				sub += "/rewrite"
			}
			b.Run(sub, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				var batch records.Batch
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					r, err := Open(records.Source{Name: "bench.arrow", R: bytes.NewReader(data), Size: int64(len(data))}, records.ReadOptions{})
					if err != nil {
						b.Fatal(err)
					}
					var w records.BatchWriter
					if rewrite {
						if w, err = r.NewWriter(records.Sinks{Data: io.Discard}); err != nil {
							b.Fatal(err)
						}
					}
					dec := make([]records.Decision, 8192)
					n := 0
					for {
						err := r.Next(&batch)
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n += batch.N
						if w != nil {
							if err := w.WriteBatch(&batch, dec[:batch.N], nil); err != nil {
								b.Fatal(err)
							}
						}
					}
					if w != nil {
						if err := w.Close(); err != nil {
							b.Fatal(err)
						}
					}
					r.Close()
					if n != rows {
						b.Fatalf("read %d records, want %d", n, rows)
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&ms1)
				b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N*rows), "allocs/record")
				b.ReportMetric(float64(rows), "records/op")
			})
		}
	}
}
