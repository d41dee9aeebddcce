package arrowio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

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

// TestLargeDictionary round-trips small record batches that share a
// dictionary much larger than any of them, through compression, a drop and
// a dictionary edit: the writer's allocation limit must account for it.
func TestLargeDictionary(t *testing.T) {
	big := bigText(3)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{{Name: "cat", Type: dt}}, nil)
	bld := array.NewDictionaryBuilder(memory.NewGoAllocator(), dt).(*array.BinaryDictionaryBuilder)
	defer bld.Release()
	for _, k := range []int{0, 1, 2, 0} {
		if err := bld.AppendString(big[k]); err != nil {
			t.Fatal(err)
		}
	}
	col := bld.NewArray()
	defer col.Release()
	rec := array.NewRecord(schema, []arrow.Array{col}, 4)
	defer rec.Release()
	var in bytes.Buffer
	iw := ipc.NewWriter(&in, ipc.WithSchema(schema), ipc.WithZstd())
	for i := int64(0); i < 4; i++ {
		s := rec.NewSlice(i, i+1)
		if err := iw.Write(s); err != nil {
			t.Fatal(err)
		}
		s.Release()
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}

	r, err := openBytes(t, in.Bytes(), records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out, quar bytes.Buffer
	opens := 0
	w, err := r.NewWriter(sinks(&out, &quar, &opens))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readValues(t, r, func(b *records.Batch) {
		dec := make([]records.Decision, b.N)
		var edits []records.Edit
		switch b.Row {
		case 1:
			dec[0] = records.Decision{Action: records.Drop, Reason: "dup.exact"}
		case 3:
			dec[0].Action = records.Redact
			edits = []records.Edit{{Value: 0, Data: []byte("[REDACTED]")}}
		}
		if err := w.WriteBatch(b, dec, edits); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := readArrow(t, out.Bytes())
	want := [][]map[string]any{{{"cat": big[0]}}, {{"cat": big[2]}}, {{"cat": "[REDACTED]"}}}
	if !reflect.DeepEqual(got, want) {
		t.Error("data output differs")
	}
	_, q := readArrow(t, quar.Bytes())
	if len(q) != 1 || len(q[0]) != 1 || q[0][0]["cat"] != big[1] || q[0][0][ReasonColumn] != "dup.exact" {
		t.Error("quarantine output differs")
	}
}

// TestDictionaryDeltas reads a stream whose dictionary grows by delta
// messages (large ones: concatenating them must pass the allocation limit)
// and round-trips it with a dictionary edit.
func TestDictionaryDeltas(t *testing.T) {
	big := bigText(2)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{{Name: "cat", Type: dt, Nullable: true}}, nil)
	bld := array.NewDictionaryBuilder(memory.NewGoAllocator(), dt).(*array.BinaryDictionaryBuilder)
	defer bld.Release()
	var in bytes.Buffer
	iw := ipc.NewWriter(&in, ipc.WithSchema(schema), ipc.WithDictionaryDeltas(true))
	batches := [][]string{{big[0], "a"}, {"b", big[1], "a"}, {big[0], "c"}}
	var want []value
	row := int64(0)
	for _, vals := range batches {
		for _, v := range vals {
			if err := bld.AppendString(v); err != nil {
				t.Fatal(err)
			}
			want = append(want, value{row, "cat", v})
			row++
		}
		bld.AppendNull()
		row++
		col := bld.NewArray()
		rec := array.NewRecord(schema, []arrow.Array{col}, int64(col.Len()))
		if err := iw.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		col.Release()
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	// The input really uses deltas: the dictionary messages after the first
	// are deltas, not replacements.
	if n := bytes.Count(in.Bytes(), []byte(big[1][:64])); n != 1 {
		t.Fatalf("second large value stored %d times", n)
	}

	r, err := openBytes(t, in.Bytes(), records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opens := 0
	w, err := r.NewWriter(sinks(&out, &out, &opens))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := readValues(t, r, func(b *records.Batch) {
		dec := make([]records.Decision, b.N)
		var edits []records.Edit
		if b.Row == 3 { // second batch: edit its "b"
			dec[0].Action = records.Redact
			edits = []records.Edit{{Value: 0, Data: []byte("B")}}
		}
		if err := w.WriteBatch(b, dec, edits); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("values differ")
	}
	_, outBatches := readArrow(t, out.Bytes())
	var cats []any
	for _, r := range flatten(outBatches) {
		cats = append(cats, r["cat"])
	}
	wantCats := []any{big[0], "a", nil, "B", big[1], "a", nil, big[0], "c", nil}
	if !reflect.DeepEqual(cats, wantCats) {
		t.Errorf("output rows differ")
	}
}

// TestAllDropped drops every record: the data output is a valid, empty
// dataset with the input schema, and a nil data sink writes only the
// quarantine.
func TestAllDropped(t *testing.T) {
	for _, f := range formats[:2] {
		for _, nilData := range []bool{false, true} {
			name := f.name
			if nilData {
				name += "/no-data-sink"
			}
			t.Run(name, func(t *testing.T) {
				data := writeFixture(t, f, fixtureRows(), []int{0, 3, 6})
				r, err := openBytes(t, data, records.ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var out, quar bytes.Buffer
				opens := 0
				s := sinks(&out, &quar, &opens)
				if nilData {
					s.Data = nil
				}
				w, err := r.NewWriter(s)
				if err != nil {
					t.Fatal(err)
				}
				_, _, err = readValues(t, r, func(b *records.Batch) {
					dec := make([]records.Decision, b.N)
					for i := range dec {
						dec[i] = records.Decision{Action: records.Drop, Reason: "r"}
					}
					if err := w.WriteBatch(b, dec, nil); err != nil {
						t.Fatal(err)
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if nilData {
					if out.Len() != 0 {
						t.Error("data written to a nil sink")
					}
				} else {
					schema, batches := readArrow(t, out.Bytes())
					if !schema.Equal(fixtureSchema()) || len(batches) != 0 {
						t.Errorf("empty output: schema %v, %d batches", schema, len(batches))
					}
				}
				_, q := readArrow(t, quar.Bytes())
				if n := len(flatten(q)); opens != 1 || n != 6 {
					t.Errorf("quarantine opened %d times with %d rows", opens, n)
				}
			})
		}
	}
}

// TestBatchesOutliveNext keeps every batch of a file before writing any:
// each must still hold its own record batch (the reader reuses its message
// buffers, so this would catch any aliasing of them).
func TestBatchesOutliveNext(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			data := writeFixture(t, f, fixtureRows(), []int{0, 1, 2, 4, 6})
			r, err := openBytes(t, data, records.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var batches []*records.Batch
			for {
				b := new(records.Batch)
				err := r.Next(b)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				batches = append(batches, b)
			}
			var out bytes.Buffer
			w, err := r.NewWriter(records.Sinks{Data: &out})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range batches {
				if err := w.WriteBatch(b, make([]records.Decision, b.N), nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			_, in := readArrow(t, data)
			_, got := readArrow(t, out.Bytes())
			if !reflect.DeepEqual(flatten(in), flatten(got)) || len(got) != 4 {
				t.Errorf("output differs from input (%d batches)", len(got))
			}
		})
	}
}

// TestConcurrentWrite runs the writer in its own goroutine while the reader
// keeps filling recycled batches, as a pipelined engine would (run with
// -race).
func TestConcurrentWrite(t *testing.T) {
	data := writeFixture(t, formats[3], fixtureRows(), []int{0, 2, 4, 6})
	r, err := openBytes(t, data, records.ReadOptions{BatchRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	full := make(chan *records.Batch, 2)
	free := make(chan *records.Batch, 3)
	for i := 0; i < 3; i++ {
		free <- new(records.Batch)
	}
	done := make(chan error, 1)
	go func() {
		w, err := r.NewWriter(records.Sinks{Data: &out})
		if err != nil {
			done <- err
			return
		}
		for b := range full {
			if err := w.WriteBatch(b, make([]records.Decision, b.N), nil); err != nil {
				done <- err
				return
			}
			free <- b
		}
		done <- w.Close()
	}()
	for {
		b := <-free
		err := r.Next(b)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		full <- b
	}
	close(full)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, in := readArrow(t, data)
	_, got := readArrow(t, out.Bytes())
	if !reflect.DeepEqual(flatten(in), flatten(got)) || len(got) != 6 {
		t.Errorf("output differs from input (%d batches)", len(got))
	}
}
