package parquetio

import (
	"bytes"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/scanner/records"
)

// fuzzSeeds returns small valid files covering the decoder paths: nested
// and nullable columns, dictionary pages, both data page versions, several
// codecs.
func fuzzSeeds(tb testing.TB) [][]byte {
	docs := makeDocs(6)
	var tiny bytes.Buffer
	w := parquet.NewGenericWriter[message](&tiny, parquet.Compression(&parquet.Snappy))
	if _, err := w.Write([]message{{"user", "hi"}, {"assistant", "hello"}}); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	var nested bytes.Buffer
	nw := parquet.NewGenericWriter[nestedDoc](&nested, parquet.DataPageVersion(1))
	if _, err := nw.Write(nestedDocs()); err != nil {
		tb.Fatal(err)
	}
	if err := nw.Close(); err != nil {
		tb.Fatal(err)
	}
	return [][]byte{
		tiny.Bytes(),
		nested.Bytes(),
		writeDocs(tb, docs, []int{6}),
		writeDocs(tb, docs, []int{2, 4}, parquet.Compression(&parquet.Snappy)),
		writeDocs(tb, docs, []int{3, 3}, parquet.DataPageVersion(1), parquet.PageBufferSize(64)),
		writeDocs(tb, docs[:2], []int{2}, parquet.Compression(&parquet.Zstd)),
		writeDocs(tb, docs[:2], []int{2}, parquet.Compression(&parquet.Gzip), parquet.DataPageVersion(1)),
	}
}

// FuzzOpen feeds arbitrary bytes to Open and reads every batch; when the
// whole file reads cleanly it also writes it back with edits and drops. No
// input may panic, and every failure must be a *records.FileError.
func FuzzOpen(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
		f.Add(seed[:len(seed)/2])
	}
	f.Add([]byte("PAR1PAR1"))
	f.Add([]byte{})

	f.Fuzz(fuzzOpenBody)
}

func fuzzOpenBody(t *testing.T, data []byte) {
	{
		opt := records.ReadOptions{BatchRows: 64, BatchBytes: 1 << 16}
		rd, err := openBytes("fuzz.parquet", data, opt)
		if err != nil {
			if _, ok := err.(*records.FileError); !ok {
				t.Fatalf("Open error %T is not a *records.FileError: %v", err, err)
			}
			return
		}
		defer rd.Close()
		var b records.Batch
		total := 0
		for total < 1<<20 { // bound the work a forged row count can ask for
			err := rd.Next(&b)
			total += b.N
			if err == io.EOF {
				break
			}
			if err != nil {
				if _, ok := err.(*records.FileError); !ok {
					t.Fatalf("Next error %T is not a *records.FileError: %v", err, err)
				}
				return
			}
			for i := 0; i < b.NumValues(); i++ {
				_ = b.Value(i)
				if int(b.ValueRec[i]) >= b.N {
					t.Fatalf("value %d belongs to record %d of %d", i, b.ValueRec[i], b.N)
				}
			}
		}
		if total >= 1<<20 {
			return
		}
		rewrite(t, data, opt)
	}
}

// rewrite reads data again and writes it back, dropping every third record
// and rewriting the first value of every batch; errors are allowed, panics
// are not (a panic fails the fuzz target).
func rewrite(t *testing.T, data []byte, opt records.ReadOptions) {
	rd, err := openBytes("fuzz.parquet", data, opt)
	if err != nil {
		t.Fatalf("second Open failed after a clean first read: %v", err)
	}
	defer rd.Close()
	var out, quar bytes.Buffer
	w, err := rd.NewWriter(records.Sinks{Data: &out, Quarantine: func() (io.Writer, error) { return &quar, nil }})
	if err != nil {
		return
	}
	var b records.Batch
	for rd.Next(&b) == nil {
		dec := make([]records.Decision, b.N)
		for i := range dec {
			if (b.Row+int64(i))%3 == 2 {
				dec[i] = records.Decision{Action: records.Drop, Reason: "fuzz"}
			}
		}
		var edits []records.Edit
		if b.NumValues() > 0 && dec[b.ValueRec[0]].Action != records.Drop {
			dec[b.ValueRec[0]].Action = records.Redact
			edits = []records.Edit{{Value: 0, Data: []byte("[X]")}}
		}
		if w.WriteBatch(&b, dec, edits) != nil {
			break
		}
	}
	w.Close()
}
