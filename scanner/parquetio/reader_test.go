package parquetio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/records"
)

// expectedValues lists the scanned values of docs, computed from the Go
// values rather than the file: row-major, columns in schema order, list
// elements in order, no value for nulls.
func expectedValues(docs []doc, keep func(field string) bool) []fieldValue {
	var out []fieldValue
	for i, d := range docs {
		add := func(field, v string) {
			if keep(field) {
				out = append(out, fieldValue{int64(i), field, v})
			}
		}
		add("text", d.Text)
		if d.Title != nil {
			add("title", *d.Title)
		}
		add("tag", d.Tag)
		add("blob", string(d.Blob))
		add("meta.url", d.Meta.URL)
		for _, m := range d.Messages {
			add("messages.role", m.Role)
		}
		for _, m := range d.Messages {
			add("messages.content", m.Content)
		}
		for _, tg := range d.Tags {
			add("tags", tg)
		}
		keys := make([]string, 0, len(d.Attrs))
		for k := range d.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add("attrs.key", k)
		}
		for _, k := range keys {
			add("attrs.value", d.Attrs[k])
		}
	}
	return out
}

func TestScannedFields(t *testing.T) {
	path := saveFile(t, writeDocs(t, makeDocs(3), []int{3}))
	tests := []struct {
		name     string
		patterns []string
		want     []string
	}{
		{"all", nil, docFields},
		{"top level", []string{"text"}, []string{"text"}},
		{"json style", []string{"$.text"}, []string{"text"}},
		{"struct prefix", []string{"meta"}, []string{"meta.url"}},
		{"list element field", []string{"messages.content"}, []string{"messages.content"}},
		{"list prefix", []string{"messages"}, []string{"messages.role", "messages.content"}},
		{"map", []string{"attrs.value"}, []string{"attrs.value"}},
		{"several, schema order", []string{"messages.content", "title"}, []string{"title", "messages.content"}},
		{"physical path does not match", []string{"messages.list.element.content"}, []string{}},
		{"non-string column", []string{"score"}, []string{}},
		{"prefix of a name is not a component", []string{"tex"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filter, err := records.NewFieldFilter(tt.patterns)
			if err != nil {
				t.Fatal(err)
			}
			rd := openPath(t, path, records.ReadOptions{Fields: filter})
			got := rd.ScannedFields()
			if !slices.Equal(got, tt.want) {
				t.Fatalf("ScannedFields = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValueAttribution(t *testing.T) {
	docs := makeDocs(23)
	groups := []int{4, 12, 7}
	plain := writeDocs(t, docs, groups)
	v1 := writeDocs(t, docs, groups, parquet.DataPageVersion(1), parquet.PageBufferSize(64),
		parquet.Compression(&parquet.Snappy))

	tests := []struct {
		name     string
		data     []byte
		patterns []string
		opt      records.ReadOptions
	}{
		{"defaults", plain, nil, records.ReadOptions{}},
		{"one row per batch", plain, nil, records.ReadOptions{BatchRows: 1}},
		{"three rows per batch", plain, nil, records.ReadOptions{BatchRows: 3}},
		{"byte budget", plain, nil, records.ReadOptions{BatchBytes: 100}},
		{"tiny byte budget", plain, nil, records.ReadOptions{BatchBytes: 1}},
		{"v1 pages, many pages", v1, nil, records.ReadOptions{BatchRows: 5}},
		{"filtered nested", plain, []string{"messages.content", "meta"}, records.ReadOptions{BatchRows: 2}},
		{"only nullable", plain, []string{"title"}, records.ReadOptions{BatchRows: 2}},
		{"only dictionary", v1, []string{"tag"}, records.ReadOptions{BatchRows: 7}},
		{"single required column fast path", v1, []string{"text"}, records.ReadOptions{BatchBytes: 120}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filter, err := records.NewFieldFilter(tt.patterns)
			if err != nil {
				t.Fatal(err)
			}
			rd := openPath(t, saveFile(t, tt.data), records.ReadOptions{
				Fields: filter, BatchRows: tt.opt.BatchRows, BatchBytes: tt.opt.BatchBytes,
			})
			got, _ := readAll(t, rd)
			want := expectedValues(docs, func(f string) bool { return filter.MatchColumn([]byte(f)) })
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("values differ\n got %d: %v\nwant %d: %v", len(got), got, len(want), want)
			}
		})
	}
}

// TestBatchesStayInRowGroups checks that batches never span row groups, that
// BatchRows and BatchBytes split large groups, and that Unit marks the last
// batch of each group.
func TestBatchesStayInRowGroups(t *testing.T) {
	docs := makeDocs(20)
	path := saveFile(t, writeDocs(t, docs, []int{3, 10, 7}))
	tests := []struct {
		name string
		opt  records.ReadOptions
		want [][2]int64 // [row, n] per batch
	}{
		{"group sized", records.ReadOptions{}, [][2]int64{{0, 3}, {3, 10}, {13, 7}}},
		{"four rows", records.ReadOptions{BatchRows: 4}, [][2]int64{{0, 3}, {3, 4}, {7, 4}, {11, 2}, {13, 4}, {17, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := openPath(t, path, tt.opt)
			var b records.Batch
			var got [][2]int64
			var lasts []bool
			for {
				err := rd.Next(&b)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, [2]int64{b.Row, int64(b.N)})
				lasts = append(lasts, b.Unit.(*unit).last)
				if b.Bytes <= 0 {
					t.Errorf("batch at row %d: Bytes = %d", b.Row, b.Bytes)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("batches = %v, want %v", got, tt.want)
			}
			for i, last := range lasts {
				end := got[i][0] + got[i][1]
				wantLast := end == 3 || end == 13 || end == 20
				if last != wantLast {
					t.Errorf("batch %d: last = %v, want %v", i, last, wantLast)
				}
			}
			if err := rd.Next(&b); err != io.EOF || b.N != 0 {
				t.Fatalf("Next after EOF = %v, N=%d", err, b.N)
			}
		})
	}
}

func TestDictionaryColumnIsDictionaryEncoded(t *testing.T) {
	// Guard for TestValueAttribution: the fixture's tag column must really be
	// dictionary-encoded, or the dictionary path goes untested.
	_, f := readRows(t, writeDocs(t, makeDocs(10), []int{10}))
	leaf, ok := f.Schema().Lookup("tag")
	if !ok {
		t.Fatal("no tag column")
	}
	encs := f.Metadata().RowGroups[0].Columns[leaf.ColumnIndex].MetaData.Encoding
	if !slices.Contains(encs, format.RLEDictionary) && !slices.Contains(encs, format.PlainDictionary) {
		t.Fatalf("tag encodings = %v, want a dictionary encoding", encs)
	}
}

func TestNoScannableColumns(t *testing.T) {
	type numbers struct {
		ID    int64   `parquet:"id"`
		Score float64 `parquet:"score"`
	}
	var buf strings.Builder
	w := parquet.NewGenericWriter[numbers](&buf)
	for i := range 10 {
		if _, err := w.Write([]numbers{{int64(i), float64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rd := openPath(t, saveFile(t, []byte(buf.String())), records.ReadOptions{BatchRows: 4})
	if got := rd.ScannedFields(); len(got) != 0 {
		t.Fatalf("ScannedFields = %q, want none", got)
	}
	var b records.Batch
	total := 0
	for {
		err := rd.Next(&b)
		total += b.N
		if b.NumValues() != 0 {
			t.Fatalf("batch has %d values", b.NumValues())
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != 10 {
		t.Fatalf("records = %d, want 10", total)
	}
}

func TestEmptyFile(t *testing.T) {
	rd := openPath(t, saveFile(t, writeDocs(t, nil, nil)), records.ReadOptions{})
	if got := rd.ScannedFields(); !slices.Equal(got, docFields) {
		t.Fatalf("ScannedFields = %q", got)
	}
	var b records.Batch
	if err := rd.Next(&b); !errors.Is(err, io.EOF) || b.N != 0 {
		t.Fatalf("Next = %v, N=%d; want EOF", err, b.N)
	}
}

type nestedInner struct {
	Links []string `parquet:"links,list"`
	Note  *string  `parquet:"note,optional"`
}

// nestedDoc has a list of lists, an optional struct holding a list, and a
// bare repeated struct, so values sit at many repetition and definition
// levels.
type nestedDoc struct {
	Matrix [][]string    `parquet:"matrix,list"`
	Opt    *nestedInner  `parquet:"opt,optional"`
	Items  []nestedInner `parquet:"items"`
}

func nestedDocs() []nestedDoc {
	n := "note"
	return []nestedDoc{
		{Matrix: [][]string{{"a", "b"}, {}, {"c"}}, Opt: &nestedInner{Links: []string{"l1"}, Note: &n},
			Items: []nestedInner{{Links: []string{"x", "y"}}, {Note: &n}}},
		{},
		{Matrix: [][]string{{}}, Opt: &nestedInner{}, Items: []nestedInner{{}}},
		{Matrix: [][]string{{"d"}}, Items: []nestedInner{{Links: []string{"z"}}}},
	}
}

func TestNestedAttribution(t *testing.T) {
	var buf strings.Builder
	w := parquet.NewGenericWriter[nestedDoc](&buf)
	if _, err := w.Write(nestedDocs()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := saveFile(t, []byte(buf.String()))
	for _, batchRows := range []int{1, 2, 100} {
		rd := openPath(t, path, records.ReadOptions{BatchRows: batchRows})
		wantFields := []string{"matrix", "opt.links", "opt.note", "items.links", "items.note"}
		if got := rd.ScannedFields(); !slices.Equal(got, wantFields) {
			t.Fatalf("ScannedFields = %q, want %q", got, wantFields)
		}
		got, _ := readAll(t, rd)
		want := []fieldValue{
			{0, "matrix", "a"}, {0, "matrix", "b"}, {0, "matrix", "c"},
			{0, "opt.links", "l1"}, {0, "opt.note", "note"},
			{0, "items.links", "x"}, {0, "items.links", "y"}, {0, "items.note", "note"},
			{3, "matrix", "d"}, {3, "items.links", "z"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("batch rows %d:\n got %v\nwant %v", batchRows, got, want)
		}
	}
}

// legacyList is a LIST-annotated group with an arbitrary inner layout, to
// build the two-level lists of older writers that parquet-go does not emit.
type legacyList struct{ parquet.Node }

func (legacyList) Type() parquet.Type { return parquet.List(parquet.String()).Type() }

func TestLegacyListNames(t *testing.T) {
	str := parquet.String()
	schema := parquet.NewSchema("legacy", parquet.Group{
		// Two-level list of primitives: the repeated leaf is the element.
		"a_prim": legacyList{parquet.Group{"item": parquet.Repeated(str)}},
		// Two-level list whose element struct is named "array".
		"b_array": legacyList{parquet.Group{"array": parquet.Repeated(parquet.Group{"text": str})}},
		// Two-level list whose element struct is named <list>_tuple.
		"c_tuple": legacyList{parquet.Group{"c_tuple_tuple": parquet.Repeated(parquet.Group{"text": str})}},
		// Two-level list with a multi-field element struct.
		"d_multi": legacyList{parquet.Group{"rec": parquet.Repeated(parquet.Group{"k": str, "v": str})}},
		// Standard three-level list.
		"e_std": parquet.List(parquet.Group{"text": str}),
	})
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema)
	row := parquet.Row{
		parquet.ByteArrayValue([]byte("p1")).Level(0, 1, 0),
		parquet.ByteArrayValue([]byte("p2")).Level(1, 1, 0),
		parquet.ByteArrayValue([]byte("b")).Level(0, 1, 1),
		parquet.ByteArrayValue([]byte("c")).Level(0, 1, 2),
		parquet.ByteArrayValue([]byte("k")).Level(0, 1, 3),
		parquet.ByteArrayValue([]byte("v")).Level(0, 1, 4),
		parquet.ByteArrayValue([]byte("e")).Level(0, 1, 5),
	}
	if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rd, err := openBytes("legacy.parquet", buf.Bytes(), records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := rd.(records.FieldLister).ScannedFields()
	want := []string{"a_prim", "b_array.text", "c_tuple.text", "d_multi.k", "d_multi.v", "e_std.text"}
	if !slices.Equal(got, want) {
		t.Fatalf("ScannedFields = %q, want %q\nschema: %v", got, want, schema)
	}
	vals, _ := readAll(t, rd)
	wantVals := []fieldValue{
		{0, "a_prim", "p1"}, {0, "a_prim", "p2"}, {0, "b_array.text", "b"}, {0, "c_tuple.text", "c"},
		{0, "d_multi.k", "k"}, {0, "d_multi.v", "v"}, {0, "e_std.text", "e"},
	}
	if !reflect.DeepEqual(vals, wantVals) {
		t.Fatalf("values = %v, want %v", vals, wantVals)
	}
}
