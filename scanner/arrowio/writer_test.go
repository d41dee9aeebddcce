package arrowio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/winnow-data/winnow/scanner/records"
)

// sinks returns Sinks writing to buffers and counting quarantine opens.
func sinks(data, quar *bytes.Buffer, opens *int) records.Sinks {
	return records.Sinks{Data: data, Quarantine: func() (io.Writer, error) {
		*opens++
		return quar, nil
	}}
}

func codecOf(t *testing.T, data []byte) (file bool, codec int) {
	t.Helper()
	s, err := newSource(records.Source{Name: "out", R: bytes.NewReader(data), Size: int64(len(data))}, 1<<30)
	if err != nil {
		t.Fatalf("output unreadable: %v", err)
	}
	return s.file, s.codec
}

func TestRoundTrip(t *testing.T) {
	rows := fixtureRows()
	for _, f := range formats {
		data := writeFixture(t, f, rows, []int{0, 3, 3, 6})
		for _, batchRows := range []int{0, 2} {
			t.Run(f.name+"/rows="+string(rune('0'+batchRows)), func(t *testing.T) {
				r, err := openBytes(t, data, records.ReadOptions{BatchRows: batchRows})
				if err != nil {
					t.Fatal(err)
				}
				var out, quar bytes.Buffer
				opens := 0
				w, err := r.NewWriter(sinks(&out, &quar, &opens))
				if err != nil {
					t.Fatal(err)
				}
				got, infos, err := readValues(t, r, func(b *records.Batch) {
					if err := w.WriteBatch(b, make([]records.Decision, b.N), nil); err != nil {
						t.Fatal(err)
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if opens != 0 || quar.Len() != 0 {
					t.Errorf("quarantine opened %d times with nothing dropped", opens)
				}
				if file, codec := codecOf(t, out.Bytes()); file != f.file || codec != f.codec {
					t.Errorf("output file=%v codec=%d, want file=%v codec=%d", file, codec, f.file, f.codec)
				}

				inSchema, inBatches := readArrow(t, data)
				outSchema, outBatches := readArrow(t, out.Bytes())
				if !inSchema.Equal(outSchema) || !inSchema.Metadata().Equal(outSchema.Metadata()) {
					t.Errorf("schema changed:\n in %v\nout %v", inSchema, outSchema)
				}
				if len(outBatches) != len(infos) {
					t.Errorf("%d output record batches for %d input batches", len(outBatches), len(infos))
				}
				if batchRows == 0 {
					var nonEmpty [][]map[string]any
					for _, b := range inBatches {
						if len(b) > 0 {
							nonEmpty = append(nonEmpty, b)
						}
					}
					if !reflect.DeepEqual(nonEmpty, outBatches) {
						t.Errorf("record batches differ\n in %v\nout %v", nonEmpty, outBatches)
					}
				}
				if !reflect.DeepEqual(flatten(inBatches), flatten(outBatches)) {
					t.Errorf("rows differ\n in %v\nout %v", flatten(inBatches), flatten(outBatches))
				}

				// The output scans to the same values.
				r2, err := openBytes(t, out.Bytes(), records.ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				again, _, err := readValues(t, r2, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, again) {
					t.Errorf("output values differ\n in %v\nout %v", got, again)
				}
			})
		}
	}
}

// edit targets the n-th value of field in row.
type editKey struct {
	row   int64
	field string
	n     int
}

func TestEditsAndDrops(t *testing.T) {
	edits := map[editKey]string{
		{0, "text", 0}:             "hello [EMAIL]",
		{0, "messages.content", 1}: "[REDACTED]",
		{0, "meta.tags", 1}:        "T2",
		{2, "text", 0}:             "x",
		{2, "pair", 0}:             "P",
		{4, "body", 0}:             "B",
		{5, "messages.content", 1}: "A!",
	}
	apply := func(rows []row, dict bool) []row {
		rows[0].text = sp("hello [EMAIL]")
		rows[0].messages[1].content = "[REDACTED]"
		rows[0].tags[1] = "T2"
		rows[2].text = sp("x")
		rows[2].pair = pp("P", "p2b")
		rows[4].body = "B"
		rows[5].messages[2].content = "A!"
		if dict {
			rows[0].cat = sp("[CAT]")
		}
		return rows
	}
	drops := map[int64]string{1: "pii.email,secret.jwt"}
	bad := map[int64]bool{3: true}

	for _, f := range formats {
		for _, dict := range []bool{false, true} {
			name := f.name
			if dict {
				name += "/dictionary-edit"
			}
			t.Run(name, func(t *testing.T) {
				all := map[editKey]string{}
				for k, v := range edits {
					all[k] = v
				}
				if dict {
					all[editKey{0, "cat", 0}] = "[CAT]"
				}
				data := writeFixture(t, f, fixtureRows(), []int{0, 3, 6})
				r, err := openBytes(t, data, records.ReadOptions{BatchRows: 2})
				if err != nil {
					t.Fatal(err)
				}
				var out, quar bytes.Buffer
				opens := 0
				w, err := r.NewWriter(sinks(&out, &quar, &opens))
				if err != nil {
					t.Fatal(err)
				}
				used := 0
				var writeErr error
				_, _, err = readValues(t, r, func(b *records.Batch) {
					dec := make([]records.Decision, b.N)
					var eds []records.Edit
					seen := map[editKey]int{}
					for i := 0; i < b.NumValues(); i++ {
						k := editKey{b.Row + int64(b.ValueRec[i]), string(b.FieldName(i)), 0}
						k.n = seen[k]
						seen[editKey{k.row, k.field, 0}]++
						if v, ok := all[k]; ok {
							eds = append(eds, records.Edit{Value: i, Data: []byte(v)})
							dec[b.ValueRec[i]].Action = records.Redact
							used++
						}
					}
					for i := 0; i < b.N; i++ {
						row := b.Row + int64(i)
						if reason, ok := drops[row]; ok {
							dec[i] = records.Decision{Action: records.Drop, Reason: reason}
						}
						if bad[row] {
							b.Bad = append(b.Bad, records.BadRecord{Rec: i, Err: errors.New("test")})
						}
					}
					if err := w.WriteBatch(b, dec, eds); err != nil && writeErr == nil {
						writeErr = err
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				closeErr := w.Close()
				if used != len(all) {
					t.Fatalf("%d of %d edits matched a value", used, len(all))
				}
				if dict && f.file {
					if !errors.Is(writeErr, ErrDictionaryEdit) {
						t.Fatalf("WriteBatch error = %v, want ErrDictionaryEdit", writeErr)
					}
					return
				}
				if writeErr != nil || closeErr != nil {
					t.Fatalf("write: %v, close: %v", writeErr, closeErr)
				}

				want := apply(fixtureRows(), dict)
				var kept []row
				for i, rw := range want {
					if _, d := drops[int64(i)]; !d && !bad[int64(i)] {
						kept = append(kept, rw)
					}
				}
				_, outBatches := readArrow(t, out.Bytes())
				if got, exp := flatten(outBatches), jsonRows(t, kept); !reflect.DeepEqual(got, exp) {
					t.Errorf("data rows differ\n got %v\nwant %v", got, exp)
				}
				if len(outBatches) != 4 {
					t.Errorf("%d data record batches, want 4 (one per input batch)", len(outBatches))
				}

				if opens != 1 {
					t.Fatalf("quarantine opened %d times, want 1", opens)
				}
				if file, codec := codecOf(t, quar.Bytes()); file != f.file || codec != f.codec {
					t.Errorf("quarantine file=%v codec=%d, want file=%v codec=%d", file, codec, f.file, f.codec)
				}
				qSchema, qBatches := readArrow(t, quar.Bytes())
				in := fixtureSchema()
				wantFields := append(in.Fields(), arrow.Field{Name: ReasonColumn, Type: arrow.BinaryTypes.String})
				if !slices.EqualFunc(qSchema.Fields(), wantFields, func(a, b arrow.Field) bool { return a.Equal(b) }) ||
					!qSchema.Metadata().Equal(in.Metadata()) {
					t.Errorf("quarantine schema %v", qSchema)
				}
				orig := fixtureRows()
				expQ := jsonRows(t, []row{orig[1], orig[3]})
				expQ[0][ReasonColumn] = "pii.email,secret.jwt"
				expQ[1][ReasonColumn] = "input.bad_record"
				if got := flatten(qBatches); !reflect.DeepEqual(got, expQ) {
					t.Errorf("quarantine rows differ\n got %v\nwant %v", got, expQ)
				}
			})
		}
	}
}

func TestWriteBatchRejectsForeignBatch(t *testing.T) {
	data := writeFixture(t, formats[1], fixtureRows(), []int{0, 6})
	r1, err := openBytes(t, data, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := openBytes(t, data, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := r1.NewWriter(records.Sinks{Data: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r1.NewWriter(records.Sinks{Data: io.Discard}); err == nil {
		t.Error("second NewWriter succeeded")
	}
	var b records.Batch
	if err := r2.Next(&b); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBatch(&b, make([]records.Decision, b.N), nil); err == nil {
		t.Error("WriteBatch accepted a batch from another reader")
	}
	var b1 records.Batch
	if err := r1.Next(&b1); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBatch(&b1, make([]records.Decision, b1.N-1), nil); err == nil {
		t.Error("WriteBatch accepted too few decisions")
	}
	if err := w.WriteBatch(&b1, make([]records.Decision, b1.N), []records.Edit{{Value: b1.NumValues(), Data: []byte("x")}}); err == nil {
		t.Error("WriteBatch accepted an edit past the last value")
	}
	// Recycling a batch across readers releases it from its first owner.
	if err := r1.Next(&b); !errors.Is(err, io.EOF) {
		t.Fatalf("Next = %v, want EOF", err)
	}
	w.Close()
}
