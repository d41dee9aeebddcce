package arrowio

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/ipc"

	"github.com/winnow-data/winnow/scanner/records"
)

// FuzzOpen feeds arbitrary bytes to Open, reads everything, and writes it
// back with drops and edits: nothing may panic, every read error must be a
// *records.FileError, and every filled Batch must be well formed.
func FuzzOpen(f *testing.F) {
	for _, fm := range formats {
		f.Add(writeFixture(f, fm, fixtureRows(), []int{0, 2, 6}))
	}
	f.Add(stringStream(f, []string{"abc", "", "def"}))
	f.Add(stringStream(f, []string{"zzzzzzzzzzzzzzzz"}, ipc.WithLZ4()))
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := records.ReadOptions{BatchRows: 4, BatchBytes: 64, MaxRecordBytes: 1 << 20}
		r, err := Open(records.Source{Name: "fuzz.arrow", R: bytes.NewReader(data), Size: int64(len(data))}, opt)
		if err != nil {
			var fe *records.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open: %v is not a *records.FileError", err)
			}
			return
		}
		defer r.Close()
		_ = r.(records.FieldLister).ScannedFields()
		w, err := r.NewWriter(records.Sinks{Data: io.Discard, Quarantine: func() (io.Writer, error) { return io.Discard, nil }})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		var b records.Batch
		for {
			err := r.Next(&b)
			if err == nil {
				checkBatch(t, &b)
				dec := make([]records.Decision, b.N)
				var edits []records.Edit
				for i := 0; i < b.NumValues(); i++ {
					rec := int(b.ValueRec[i])
					if rec%2 == 0 && (i == 0 || int(b.ValueRec[i-1]) != rec) {
						dec[rec].Action = records.Redact
						edits = append(edits, records.Edit{Value: i, Data: []byte("[X]")})
					}
				}
				for i := 1; i < b.N; i += 2 {
					dec[i] = records.Decision{Action: records.Drop, Reason: "fuzz"}
				}
				_ = w.WriteBatch(&b, dec, edits)
				continue
			}
			if !errors.Is(err, io.EOF) {
				var fe *records.FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next: %v is not a *records.FileError", err)
				}
			}
			return
		}
	})
}

func checkBatch(t *testing.T, b *records.Batch) {
	t.Helper()
	n := b.NumValues()
	if n > 0 && (len(b.ValueRec) != n || len(b.ValueField) != n || b.ValueOff[n] != len(b.Values)) {
		t.Fatalf("inconsistent value arrays")
	}
	for i := 0; i < n; i++ {
		if b.ValueRec[i] < 0 || int(b.ValueRec[i]) >= b.N || (i > 0 && b.ValueRec[i] < b.ValueRec[i-1]) {
			t.Fatalf("value %d: bad record %d", i, b.ValueRec[i])
		}
		if b.ValueOff[i] > b.ValueOff[i+1] || int(b.ValueField[i]) >= len(b.NameOff)-1 {
			t.Fatalf("value %d: bad offsets or field", i)
		}
	}
}
