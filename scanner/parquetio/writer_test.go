package parquetio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/scanner/records"
)

// policy decides each record of a batch, given the file row of its first
// record; it returns the decisions and the edits.
type policy func(t *testing.T, b *records.Batch) ([]records.Decision, []records.Edit)

// keepAll keeps every record unchanged.
func keepAll(_ *testing.T, b *records.Batch) ([]records.Decision, []records.Edit) {
	return make([]records.Decision, b.N), nil
}

// identityEdits rewrites every value with its own bytes: the output must not
// change, but every batch goes through the row path.
func identityEdits(_ *testing.T, b *records.Batch) ([]records.Decision, []records.Edit) {
	dec := make([]records.Decision, b.N)
	var edits []records.Edit
	for i := 0; i < b.NumValues(); i++ {
		dec[b.ValueRec[i]].Action = records.Redact
		edits = append(edits, records.Edit{Value: i, Data: bytes.Clone(b.Value(i))})
	}
	return dec, edits
}

// sinks records what the writer wrote and how often the quarantine was
// opened.
type sinks struct {
	data, quar bytes.Buffer
	quarOpened int
}

func (s *sinks) Sinks() records.Sinks {
	return records.Sinks{Data: &s.data, Quarantine: func() (io.Writer, error) {
		s.quarOpened++
		return &s.quar, nil
	}}
}

// runClean reads path with opt and writes it back through the writer, deciding
// with pol.
func runClean(t *testing.T, path string, opt records.ReadOptions, pol policy) *sinks {
	t.Helper()
	rd := openPath(t, path, opt)
	s := &sinks{}
	w, err := rd.NewWriter(s.Sinks())
	if err != nil {
		t.Fatal(err)
	}
	var b records.Batch
	for {
		err := rd.Next(&b)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dec, edits := pol(t, &b)
		if err := w.WriteBatch(&b, dec, edits); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

// sameRows fails unless both files hold equal rows in equal row groups.
func sameRows(t *testing.T, got, want [][]parquet.Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d row groups, want %d", len(got), len(want))
	}
	for g := range want {
		if len(got[g]) != len(want[g]) {
			t.Fatalf("row group %d: %d rows, want %d", g, len(got[g]), len(want[g]))
		}
		for i := range want[g] {
			if !got[g][i].Equal(want[g][i]) {
				t.Fatalf("row group %d row %d:\n got %v\nwant %v", g, i, got[g][i], want[g][i])
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	docs := makeDocs(30)
	groups := []int{7, 16, 7}
	type variant struct {
		name string
		opts []parquet.WriterOption
		read records.ReadOptions
		pol  policy
	}
	var tests []variant
	for _, c := range codecs {
		tests = append(tests,
			variant{c.name + "/keep", []parquet.WriterOption{parquet.Compression(c.codec)}, records.ReadOptions{}, keepAll},
			variant{c.name + "/keep small batches", []parquet.WriterOption{parquet.Compression(c.codec)}, records.ReadOptions{BatchRows: 3}, keepAll},
			variant{c.name + "/row path", []parquet.WriterOption{parquet.Compression(c.codec)}, records.ReadOptions{BatchRows: 5}, identityEdits},
		)
	}
	tests = append(tests,
		variant{"v1 pages/keep", []parquet.WriterOption{parquet.DataPageVersion(1), parquet.Compression(&parquet.Snappy)}, records.ReadOptions{}, keepAll},
		variant{"v1 pages/row path", []parquet.WriterOption{parquet.DataPageVersion(1), parquet.PageBufferSize(128)}, records.ReadOptions{BatchRows: 4}, identityEdits},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]parquet.WriterOption{parquet.KeyValueMetadata("origin", "test"), parquet.KeyValueMetadata("z", "last")}, tt.opts...)
			in := writeDocs(t, docs, groups, opts...)
			s := runClean(t, saveFile(t, in), tt.read, tt.pol)
			if s.quarOpened != 0 {
				t.Errorf("quarantine opened %d times with no drops", s.quarOpened)
			}

			inRows, inFile := readRows(t, in)
			outRows, outFile := readRows(t, s.data.Bytes())
			sameRows(t, outRows, inRows)

			inMeta, outMeta := inFile.Metadata(), outFile.Metadata()
			if !reflect.DeepEqual(outMeta.Schema, inMeta.Schema) {
				t.Errorf("schema differs:\n got %v\nwant %v", outFile.Schema(), inFile.Schema())
			}
			if !reflect.DeepEqual(outMeta.KeyValueMetadata, inMeta.KeyValueMetadata) {
				t.Errorf("key/value metadata = %v, want %v", outMeta.KeyValueMetadata, inMeta.KeyValueMetadata)
			}
			if len(outMeta.RowGroups) != len(inMeta.RowGroups) {
				t.Fatalf("%d row groups, want %d", len(outMeta.RowGroups), len(inMeta.RowGroups))
			}
			for g := range inMeta.RowGroups {
				ig, og := &inMeta.RowGroups[g], &outMeta.RowGroups[g]
				if og.NumRows != ig.NumRows {
					t.Errorf("row group %d: %d rows, want %d", g, og.NumRows, ig.NumRows)
				}
				for c := range ig.Columns {
					if got, want := og.Columns[c].MetaData.Codec, ig.Columns[c].MetaData.Codec; got != want {
						t.Errorf("row group %d column %d: codec %v, want %v", g, c, got, want)
					}
				}
			}
		})
	}
}

// findValue returns the index of the value of record rec and field whose
// bytes are v.
func findValue(t *testing.T, b *records.Batch, rec int, field, v string) int {
	t.Helper()
	for i := 0; i < b.NumValues(); i++ {
		if int(b.ValueRec[i]) == rec && string(b.FieldName(i)) == field && string(b.Value(i)) == v {
			return i
		}
	}
	t.Fatalf("no value %q of %s in record %d", v, field, rec)
	return -1
}

// change is one edit, addressed by file row, field and current value.
type change struct {
	row   int64
	field string
	old   string
	new   string
}

// editPolicy applies changes and drops the rows in drops (file row → reason).
func editPolicy(changes []change, drops map[int64]string) policy {
	return func(t *testing.T, b *records.Batch) ([]records.Decision, []records.Edit) {
		dec := make([]records.Decision, b.N)
		var edits []records.Edit
		for _, c := range changes {
			rec := int(c.row - b.Row)
			if rec < 0 || rec >= b.N {
				continue
			}
			dec[rec].Action = records.Redact
			edits = append(edits, records.Edit{Value: findValue(t, b, rec, c.field, c.old), Data: []byte(c.new)})
		}
		for row, reason := range drops {
			if rec := int(row - b.Row); rec >= 0 && rec < b.N {
				dec[rec] = records.Decision{Action: records.Drop, Reason: reason}
			}
		}
		slices.SortFunc(edits, func(a, b records.Edit) int { return a.Value - b.Value })
		return dec, edits
	}
}

func TestEditsAndDrops(t *testing.T) {
	docs := makeDocs(12)
	groups := []int{5, 7}
	in := writeDocs(t, docs, groups, parquet.Compression(&parquet.Zstd))
	path := saveFile(t, in)

	tests := []struct {
		name     string
		batch    int
		changes  []change
		drops    map[int64]string
		edit     func(d []doc) // applies the same changes to the Go values
		wantData []int         // input rows in the data output, per group sizes below
		groups   []int         // expected data row-group sizes
		dropped  []int64       // rows expected in the quarantine, in order
	}{
		{
			name:    "top-level value",
			changes: []change{{2, "text", docs[2].Text, "document 2 body with mail [EMAIL]"}},
			edit:    func(d []doc) { d[2].Text = "document 2 body with mail [EMAIL]" },
			groups:  []int{5, 7},
		},
		{
			name:  "one list element of several",
			batch: 3,
			changes: []change{
				{1, "messages.content", "answer 1", "[REDACTED]"},
			},
			edit:   func(d []doc) { d[1].Messages[1].Content = "[REDACTED]" },
			groups: []int{5, 7},
		},
		{
			name: "several values of one record and run",
			changes: []change{
				{6, "messages.content", "question 6", "q"},
				{6, "messages.content", "answer 6", ""},
				{6, "messages.role", "assistant", "bot"},
				{7, "title", "title 7", "t"},
				{6, "meta.url", "https://example.com/6", "https://example.com/x"},
				{7, "tags", "t7", "tag seven"},
				{5, "attrs.value", "en", "fr"},
			},
			edit: func(d []doc) {
				d[6].Messages[0].Content, d[6].Messages[1].Content = "q", ""
				d[6].Messages[1].Role = "bot"
				d[7].Title = strp("t")
				d[6].Meta.URL = "https://example.com/x"
				d[7].Tags[0] = "tag seven"
				d[5].Attrs = map[string]string{"lang": "fr"}
			},
			groups: []int{5, 7},
		},
		{
			name:    "dictionary column",
			batch:   2,
			changes: []change{{3, "tag", "news", "redacted-tag"}, {4, "blob", string([]byte{4, 0, 0xff}), "B"}},
			edit:    func(d []doc) { d[3].Tag = "redacted-tag"; d[4].Blob = []byte("B") },
			groups:  []int{5, 7},
		},
		{
			name:    "drops",
			batch:   4,
			drops:   map[int64]string{1: "pii.email", 8: "dup.exact,secret.jwt"},
			changes: []change{{9, "text", docs[9].Text, "x"}},
			edit:    func(d []doc) { d[9].Text = "x" },
			groups:  []int{4, 6},
			dropped: []int64{1, 8},
		},
		{
			name:    "whole row group dropped",
			drops:   map[int64]string{0: "r", 1: "r", 2: "r", 3: "r", 4: "r"},
			groups:  []int{7},
			dropped: []int64{0, 1, 2, 3, 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := runClean(t, path, records.ReadOptions{BatchRows: tt.batch}, editPolicy(tt.changes, tt.drops))

			want := slices.Clone(makeDocs(12))
			if tt.edit != nil {
				tt.edit(want)
			}
			var kept []doc
			for i, d := range want {
				if _, drop := tt.drops[int64(i)]; !drop {
					kept = append(kept, d)
				}
			}
			wantRows, _ := readRows(t, writeDocs(t, kept, tt.groups, parquet.Compression(&parquet.Zstd)))
			gotRows, _ := readRows(t, s.data.Bytes())
			sameRows(t, gotRows, wantRows)

			if len(tt.dropped) == 0 {
				if s.quarOpened != 0 || s.quar.Len() != 0 {
					t.Fatalf("quarantine opened %d times with no drops", s.quarOpened)
				}
				return
			}
			if s.quarOpened != 1 {
				t.Fatalf("quarantine opened %d times, want 1", s.quarOpened)
			}
			checkQuarantine(t, s.quar.Bytes(), docs, tt.dropped, tt.drops)
		})
	}
}

// checkQuarantine verifies the quarantine file: the input schema plus a
// last required string column _winnow_reason, and the dropped rows unchanged
// with their reasons.
func checkQuarantine(t *testing.T, data []byte, docs []doc, rows []int64, reasons map[int64]string) {
	t.Helper()
	qgroups, qf := readRows(t, data)
	inSchema := parquet.SchemaOf(doc{})
	fields := qf.Schema().Fields()
	if len(fields) != len(inSchema.Fields())+1 {
		t.Fatalf("quarantine has %d top-level fields, want %d", len(fields), len(inSchema.Fields())+1)
	}
	for i, f := range inSchema.Fields() {
		if fields[i].Name() != f.Name() {
			t.Fatalf("quarantine field %d = %s, want %s", i, fields[i].Name(), f.Name())
		}
	}
	last := fields[len(fields)-1]
	if last.Name() != ReasonColumn || !last.Leaf() || !last.Required() || last.Type().Kind() != parquet.ByteArray {
		t.Fatalf("last quarantine field = %v", last)
	}

	var dropped []doc
	for _, r := range rows {
		dropped = append(dropped, docs[r])
	}
	wantRows, _ := readRows(t, writeDocs(t, dropped, []int{len(dropped)}))
	var got []parquet.Row
	for _, g := range qgroups {
		got = append(got, g...)
	}
	if len(got) != len(rows) {
		t.Fatalf("quarantine has %d rows, want %d", len(got), len(rows))
	}
	reasonLeaf := len(inSchema.Columns())
	for i, row := range got {
		n := len(row)
		reason := row[n-1]
		if reason.Column() != reasonLeaf || string(reason.ByteArray()) != reasons[rows[i]] {
			t.Errorf("row %d: reason %v, want %q in column %d", i, reason, reasons[rows[i]], reasonLeaf)
		}
		if !parquet.Row(row[:n-1]).Equal(wantRows[0][i]) {
			t.Errorf("row %d:\n got %v\nwant %v", i, row[:n-1], wantRows[0][i])
		}
	}
}

func TestBadRecordsAreQuarantined(t *testing.T) {
	docs := makeDocs(4)
	path := saveFile(t, writeDocs(t, docs, []int{4}))
	pol := func(_ *testing.T, b *records.Batch) ([]records.Decision, []records.Edit) {
		b.Bad = append(b.Bad, records.BadRecord{Rec: 2, Err: errors.New("synthetic")})
		return make([]records.Decision, b.N), nil
	}
	s := runClean(t, path, records.ReadOptions{}, pol)
	gotRows, _ := readRows(t, s.data.Bytes())
	wantRows, _ := readRows(t, writeDocs(t, []doc{docs[0], docs[1], docs[3]}, []int{3}))
	sameRows(t, gotRows, wantRows)
	checkQuarantine(t, s.quar.Bytes(), docs, []int64{2}, map[int64]string{2: reasonBadRecord})
}

func TestWriterMisuse(t *testing.T) {
	path := saveFile(t, writeDocs(t, makeDocs(4), []int{4}))
	tests := []struct {
		name  string
		write func(w records.BatchWriter, b *records.Batch) error
	}{
		{"decision count", func(w records.BatchWriter, b *records.Batch) error {
			return w.WriteBatch(b, make([]records.Decision, b.N+1), nil)
		}},
		{"edit out of range", func(w records.BatchWriter, b *records.Batch) error {
			dec := make([]records.Decision, b.N)
			dec[0].Action = records.Redact
			return w.WriteBatch(b, dec, []records.Edit{{Value: b.NumValues(), Data: []byte("x")}})
		}},
		{"foreign batch", func(w records.BatchWriter, b *records.Batch) error {
			var other records.Batch
			other.N = 1
			return w.WriteBatch(&other, make([]records.Decision, 1), nil)
		}},
		{"drop without quarantine sink", func(w records.BatchWriter, b *records.Batch) error {
			dec := make([]records.Decision, b.N)
			dec[1] = records.Decision{Action: records.Drop, Reason: "x"}
			return w.WriteBatch(b, dec, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := openPath(t, path, records.ReadOptions{})
			var out bytes.Buffer
			w, err := rd.NewWriter(records.Sinks{Data: &out})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rd.NewWriter(records.Sinks{Data: &out}); err == nil {
				t.Error("second NewWriter succeeded")
			}
			var b records.Batch
			if err := rd.Next(&b); err != nil {
				t.Fatal(err)
			}
			err = tt.write(w, &b)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, records.ErrCorrupt) {
				t.Fatalf("caller mistake reported as corrupt input: %v", err)
			}
		})
	}
}

func TestSinkErrorsAreNotCorrupt(t *testing.T) {
	path := saveFile(t, writeDocs(t, makeDocs(4), []int{4}))
	rd := openPath(t, path, records.ReadOptions{})
	sinkErr := errors.New("disk full")
	w, err := rd.NewWriter(records.Sinks{Data: failingWriter{sinkErr}})
	if err != nil {
		t.Fatal(err)
	}
	var b records.Batch
	if err := rd.Next(&b); err != nil {
		t.Fatal(err)
	}
	err = w.WriteBatch(&b, make([]records.Decision, b.N), nil)
	if err == nil {
		err = w.Close()
	}
	if !errors.Is(err, sinkErr) || errors.Is(err, records.ErrCorrupt) {
		t.Fatalf("error = %v; want the sink's error, not ErrCorrupt", err)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func ExampleOpen() {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[message](&buf)
	w.Write([]message{{Role: "user", Content: "hello"}, {Role: "assistant", Content: "hi there"}})
	w.Close()

	rd, err := Open(records.Source{Name: "chat.parquet", R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())}, records.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rd.Close()
	fmt.Println(rd.(records.FieldLister).ScannedFields())
	var b records.Batch
	for rd.Next(&b) == nil {
		for i := 0; i < b.NumValues(); i++ {
			fmt.Printf("row %d %s=%q\n", b.Row+int64(b.ValueRec[i]), b.FieldName(i), b.Value(i))
		}
	}
	// Output:
	// [role content]
	// row 0 role="user"
	// row 0 content="hello"
	// row 1 role="assistant"
	// row 1 content="hi there"
}

// chunkBytes returns the bytes of every column chunk of a Parquet file.
func chunkBytes(t *testing.T, data []byte) [][]byte {
	t.Helper()
	_, f := readRows(t, data)
	var out [][]byte
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			off := c.MetaData.DataPageOffset
			if c.MetaData.DictionaryPageOffset != 0 {
				off = c.MetaData.DictionaryPageOffset
			}
			out = append(out, data[off:off+c.MetaData.TotalCompressedSize])
		}
	}
	return out
}

// TestCleanRowGroupsAreCopied checks that row groups whose records are all
// kept are copied without re-encoding (their column chunks are byte-for-byte
// the input's), while a row group with an edit is rewritten.
func TestCleanRowGroupsAreCopied(t *testing.T) {
	for _, version := range []int{1, 2} {
		t.Run(fmt.Sprintf("data page v%d", version), func(t *testing.T) {
			docs := makeDocs(20)
			in := writeDocs(t, docs, []int{6, 8, 6}, parquet.Compression(&parquet.Snappy), parquet.DataPageVersion(version))
			// Edit one value in the middle row group, read in small batches
			// so that group has clean batches before and after the edit.
			pol := editPolicy([]change{{10, "text", docs[10].Text, "edited"}}, nil)
			s := runClean(t, saveFile(t, in), records.ReadOptions{BatchRows: 3}, pol)
			a, b := chunkBytes(t, in), chunkBytes(t, s.data.Bytes())
			if len(a) != len(b) {
				t.Fatalf("%d chunks, want %d", len(b), len(a))
			}
			perGroup := len(a) / 3
			for i := range a {
				g := i / perGroup
				if g != 1 && !bytes.Equal(a[i], b[i]) {
					t.Errorf("row group %d chunk %d was re-encoded", g, i%perGroup)
				}
			}
			want := slices.Clone(docs)
			want[10].Text = "edited"
			wantRows, _ := readRows(t, writeDocs(t, want, []int{6, 8, 6}))
			gotRows, _ := readRows(t, s.data.Bytes())
			sameRows(t, gotRows, wantRows)
		})
	}
}

// TestConcurrentReadWrite runs Next and WriteBatch on different goroutines,
// as the engine does, with batches recycled between them; run it with -race.
func TestConcurrentReadWrite(t *testing.T) {
	docs := makeDocs(40)
	in := writeDocs(t, docs, []int{10, 20, 10}, parquet.Compression(&parquet.Snappy))
	path := saveFile(t, in)
	drops := map[int64]string{3: "a", 25: "b"}
	changes := []change{{12, "text", docs[12].Text, "x"}}
	pol := editPolicy(changes, drops)

	serial := runClean(t, path, records.ReadOptions{BatchRows: 4}, pol)

	rd := openPath(t, path, records.ReadOptions{BatchRows: 4})
	var data, quar bytes.Buffer
	w, err := rd.NewWriter(records.Sinks{Data: &data, Quarantine: func() (io.Writer, error) { return &quar, nil }})
	if err != nil {
		t.Fatal(err)
	}
	free := make(chan *records.Batch, 3)
	for range 3 {
		free <- new(records.Batch)
	}
	full := make(chan *records.Batch)
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		for {
			b := <-free
			err := rd.Next(b)
			if err == io.EOF {
				readErr <- nil
				return
			}
			if err != nil {
				readErr <- err
				return
			}
			full <- b
		}
	}()
	for b := range full {
		dec, edits := pol(t, b)
		if err := w.WriteBatch(b, dec, edits); err != nil {
			t.Fatal(err)
		}
		free <- b
	}
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data.Bytes(), serial.data.Bytes()) || !bytes.Equal(quar.Bytes(), serial.quar.Bytes()) {
		t.Fatal("concurrent output differs from the serial run")
	}
}

func TestNestedEdits(t *testing.T) {
	var in bytes.Buffer
	w := parquet.NewGenericWriter[nestedDoc](&in)
	if _, err := w.Write(nestedDocs()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	changes := []change{
		{0, "matrix", "c", "C"},
		{0, "matrix", "b", "B"},
		{0, "items.links", "y", "Y"},
		{0, "items.note", "note", "N"},
		{3, "items.links", "z", ""},
	}
	s := runClean(t, saveFile(t, in.Bytes()), records.ReadOptions{BatchRows: 2}, editPolicy(changes, map[int64]string{2: "drop"}))

	want := nestedDocs()
	want[0].Matrix[0][1], want[0].Matrix[2][0] = "B", "C"
	want[0].Items[0].Links[1] = "Y"
	n := "N"
	want[0].Items[1].Note = &n
	want[3].Items[0].Links[0] = ""
	want = append(want[:2], want[3])
	var exp bytes.Buffer
	ew := parquet.NewGenericWriter[nestedDoc](&exp)
	if _, err := ew.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := ew.Close(); err != nil {
		t.Fatal(err)
	}
	gotRows, _ := readRows(t, s.data.Bytes())
	wantRows, _ := readRows(t, exp.Bytes())
	sameRows(t, gotRows, wantRows)
}

// TestNoTraceOfRemovedValues checks that a redacted value and a dropped row
// leave no bytes in the data output, including the column statistics and
// page index (written uncompressed so a leak would show verbatim). Row 4's
// text is its group's maximum and row 0's its minimum, so statistics copied
// from the input would leak them.
func TestNoTraceOfRemovedValues(t *testing.T) {
	docs := makeDocs(10)
	in := writeDocs(t, docs, []int{5, 5})
	for _, secret := range []string{"user4@example.com", "user0@example.com"} {
		if !bytes.Contains(in, []byte(secret)) {
			t.Fatalf("fixture does not contain %q verbatim", secret)
		}
	}
	changes := []change{{4, "text", docs[4].Text, "document 4 body with mail [EMAIL]"}}
	s := runClean(t, saveFile(t, in), records.ReadOptions{BatchRows: 2}, editPolicy(changes, map[int64]string{0: "pii.email"}))
	for _, secret := range []string{"user4@example.com", "user0@example.com"} {
		if bytes.Contains(s.data.Bytes(), []byte(secret)) {
			t.Errorf("data output still contains %q", secret)
		}
	}
	if !bytes.Contains(s.quar.Bytes(), []byte("user0@example.com")) {
		t.Error("quarantine lacks the dropped row")
	}
}
