package arrowio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/winnow-data/winnow/scanner/records"
)

// The fixture is a small table exercising every supported shape: scalar
// columns that pass through, nullable strings, large_string, a dictionary
// column, list<struct<string,string>> with a null element, a nullable struct
// holding a list, binary and a fixed-size list.

type msg struct {
	role, content string
	null          bool // the list element itself is null
}

type row struct {
	id       int64
	score    *float64
	flag     bool
	ts       int64
	text     *string
	body     string
	cat      *string
	messages []msg // nil: null list
	metaNull bool
	url      *string
	tags     []string
	blob     []byte // nil: null
	pair     *[2]string
}

func sp(s string) *string       { return &s }
func fp(f float64) *float64     { return &f }
func pp(a, b string) *[2]string { return &[2]string{a, b} }

func fixtureRows() []row {
	return []row{
		{id: 0, score: fp(1.5), flag: true, ts: 1000, text: sp("hello alice@example.com"), body: "large body 0", cat: sp("red"),
			messages: []msg{{role: "user", content: "hi"}, {role: "assistant", content: "hello there"}},
			url:      sp("https://a.example/x"), tags: []string{"t1", "t2"}, blob: []byte("\x00\x01bin"), pair: pp("p0a", "p0b")},
		{id: 1, ts: 2000, body: "large body 1", metaNull: true},
		{id: 2, score: fp(-2), ts: 3000, text: sp(""), body: "large body 2", cat: sp("blue"), messages: []msg{},
			tags: []string{}, blob: []byte{}, pair: pp("", "p2b")},
		{id: 3, score: fp(3.25), flag: true, ts: 4000, text: sp("héllo wörld ☃"), body: "large body 3", cat: sp("red"),
			messages: []msg{{role: "system", content: "be nice"}}, url: sp("https://b.example/"), blob: []byte("b3"), pair: pp("p3a", "p3b")},
		{id: 4, ts: 5000, text: sp("bob@example.org"), body: "large body 4", cat: sp("green"), url: sp("u4"), tags: []string{"x"}},
		{id: 5, score: fp(0), ts: 6000, text: sp("last"), body: "large body 5", cat: sp("blue"),
			messages: []msg{{role: "user", content: "q"}, {null: true}, {role: "assistant", content: "a"}}, pair: pp("p5a", "p5b")},
	}
}

func fixtureSchema() *arrow.Schema {
	msgType := arrow.StructOf(
		arrow.Field{Name: "role", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "content", Type: arrow.BinaryTypes.String, Nullable: true},
	)
	metaType := arrow.StructOf(
		arrow.Field{Name: "url", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	)
	md := arrow.NewMetadata([]string{"huggingface"}, []string{`{"info":{"features":{}}}`})
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "body", Type: arrow.BinaryTypes.LargeString},
		{Name: "cat", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "messages", Type: arrow.ListOf(msgType), Nullable: true},
		{Name: "meta", Type: metaType, Nullable: true},
		{Name: "blob", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "pair", Type: arrow.FixedSizeListOf(2, arrow.BinaryTypes.String), Nullable: true},
	}, &md)
}

// fixtureNames are the scanned fields of the fixture, in schema order.
var fixtureNames = []string{"text", "body", "cat", "messages.role", "messages.content", "meta.url", "meta.tags", "blob", "pair"}

// buildRecord builds one record holding rows.
func buildRecord(mem memory.Allocator, rows []row) arrow.Record {
	rb := array.NewRecordBuilder(mem, fixtureSchema())
	defer rb.Release()
	for _, r := range rows {
		rb.Field(0).(*array.Int64Builder).Append(r.id)
		if r.score != nil {
			rb.Field(1).(*array.Float64Builder).Append(*r.score)
		} else {
			rb.Field(1).AppendNull()
		}
		rb.Field(2).(*array.BooleanBuilder).Append(r.flag)
		rb.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts))
		appendStr(rb.Field(4).(*array.StringBuilder), r.text)
		rb.Field(5).(*array.LargeStringBuilder).Append(r.body)
		if r.cat != nil {
			if err := rb.Field(6).(*array.BinaryDictionaryBuilder).AppendString(*r.cat); err != nil {
				panic(err)
			}
		} else {
			rb.Field(6).AppendNull()
		}
		lb := rb.Field(7).(*array.ListBuilder)
		if r.messages == nil {
			lb.AppendNull()
		} else {
			lb.Append(true)
			sb := lb.ValueBuilder().(*array.StructBuilder)
			for _, m := range r.messages {
				if m.null {
					sb.AppendNull()
					continue
				}
				sb.Append(true)
				sb.FieldBuilder(0).(*array.StringBuilder).Append(m.role)
				sb.FieldBuilder(1).(*array.StringBuilder).Append(m.content)
			}
		}
		mb := rb.Field(8).(*array.StructBuilder)
		if r.metaNull {
			mb.AppendNull()
		} else {
			mb.Append(true)
			appendStr(mb.FieldBuilder(0).(*array.StringBuilder), r.url)
			tb := mb.FieldBuilder(1).(*array.ListBuilder)
			if r.tags == nil {
				tb.AppendNull()
			} else {
				tb.Append(true)
				for _, tag := range r.tags {
					tb.ValueBuilder().(*array.StringBuilder).Append(tag)
				}
			}
		}
		if r.blob != nil {
			rb.Field(9).(*array.BinaryBuilder).Append(r.blob)
		} else {
			rb.Field(9).AppendNull()
		}
		fb := rb.Field(10).(*array.FixedSizeListBuilder)
		if r.pair != nil {
			fb.Append(true)
			fb.ValueBuilder().(*array.StringBuilder).Append(r.pair[0])
			fb.ValueBuilder().(*array.StringBuilder).Append(r.pair[1])
		} else {
			fb.AppendNull()
		}
	}
	return rb.NewRecord()
}

func appendStr(b *array.StringBuilder, s *string) {
	if s == nil {
		b.AppendNull()
		return
	}
	b.Append(*s)
}

// value is one scanned value as the tests expect it.
type value struct {
	row   int64
	field string
	v     string
}

// expectedValues lists the scanned values of rows in document order, first
// row numbered base, keeping the fields keep accepts.
func expectedValues(rows []row, base int64, keep func(string) bool) []value {
	var out []value
	for i, r := range rows {
		add := func(field, v string) {
			if keep(field) {
				out = append(out, value{base + int64(i), field, v})
			}
		}
		if r.text != nil {
			add("text", *r.text)
		}
		add("body", r.body)
		if r.cat != nil {
			add("cat", *r.cat)
		}
		for _, m := range r.messages {
			if !m.null {
				add("messages.role", m.role)
				add("messages.content", m.content)
			}
		}
		if !r.metaNull {
			if r.url != nil {
				add("meta.url", *r.url)
			}
			for _, tag := range r.tags {
				add("meta.tags", tag)
			}
		}
		if r.blob != nil {
			add("blob", string(r.blob))
		}
		if r.pair != nil {
			add("pair", r.pair[0])
			add("pair", r.pair[1])
		}
	}
	return out
}

// format is an IPC flavour with a body compression.
type format struct {
	name  string
	file  bool
	codec int
}

var formats = []format{
	{"file", true, codecNone},
	{"stream", false, codecNone},
	{"file-lz4", true, codecLZ4},
	{"stream-zstd", false, codecZSTD},
}

// writeFixture writes rows as IPC in format f, one record batch per span of
// splits (row boundaries, e.g. {0, 3, 3, 6}), and returns the bytes. All
// batches share one dictionary, as the file format requires.
func writeFixture(t testing.TB, f format, rows []row, splits []int) []byte {
	t.Helper()
	rec := buildRecord(memory.NewGoAllocator(), rows)
	defer rec.Release()
	var buf bytes.Buffer
	opts := []ipc.Option{ipc.WithSchema(rec.Schema())}
	switch f.codec {
	case codecLZ4:
		opts = append(opts, ipc.WithLZ4())
	case codecZSTD:
		opts = append(opts, ipc.WithZstd())
	}
	var w interface {
		Write(arrow.Record) error
		Close() error
	}
	var path string
	if f.file {
		path = filepath.Join(t.TempDir(), "fixture.arrow")
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		fw, err := ipc.NewFileWriter(fh, opts...)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	} else {
		w = ipc.NewWriter(&buf, opts...)
	}
	for i := 0; i+1 < len(splits); i++ {
		s := rec.NewSlice(int64(splits[i]), int64(splits[i+1]))
		fixed := fixRecord(s, newLimitAlloc(memory.NewGoAllocator())) // arrow's writer cannot encode some empty slices
		err := w.Write(fixed)
		fixed.Release()
		s.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if f.file {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	return buf.Bytes()
}

// openBytes opens data with a checked allocator; the test fails if any
// arrow memory is still allocated when it ends.
func openBytes(t *testing.T, data []byte, opt records.ReadOptions) (*reader, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	r, err := open(records.Source{Name: "in.arrow", R: bytes.NewReader(data), Size: int64(len(data))}, opt, mem)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { r.Close() })
	return r, nil
}

// batchInfo summarizes one Batch.
type batchInfo struct {
	row int64
	n   int
}

// readValues reads every batch of r, returning its values and batches; fn,
// if set, is called with each filled batch before the next Next.
func readValues(t *testing.T, r records.Reader, fn func(b *records.Batch)) ([]value, []batchInfo, error) {
	t.Helper()
	var b records.Batch
	var vals []value
	var infos []batchInfo
	for {
		err := r.Next(&b)
		if err == nil || (errors.Is(err, io.EOF) && b.N > 0) {
			infos = append(infos, batchInfo{b.Row, b.N})
			for i := 0; i < b.NumValues(); i++ {
				rec := b.ValueRec[i]
				if rec < 0 || int(rec) >= b.N || (i > 0 && rec < b.ValueRec[i-1]) {
					t.Fatalf("value %d: record %d out of order or range (N=%d)", i, rec, b.N)
				}
				vals = append(vals, value{b.Row + int64(rec), string(b.FieldName(i)), string(b.Value(i))})
			}
			if fn != nil {
				fn(&b)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return vals, infos, nil
			}
			return vals, infos, err
		}
	}
}

// readArrow reads IPC bytes with the arrow library itself, returning the
// schema and the rows of every record batch as Go values (see rowsOf).
func readArrow(t *testing.T, data []byte) (*arrow.Schema, [][]map[string]any) {
	t.Helper()
	var schema *arrow.Schema
	var batches [][]map[string]any
	add := func(rec arrow.Record) { batches = append(batches, rowsOf(rec)) }
	if bytes.HasPrefix(data, fileMagic) {
		fr, err := ipc.NewFileReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("arrow cannot read output: %v", err)
		}
		defer fr.Close()
		schema = fr.Schema()
		for i := 0; i < fr.NumRecords(); i++ {
			rec, err := fr.Record(i)
			if err != nil {
				t.Fatal(err)
			}
			add(rec)
		}
		return schema, batches
	}
	sr, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("arrow cannot read output: %v", err)
	}
	defer sr.Release()
	schema = sr.Schema()
	for sr.Next() {
		add(sr.Record())
	}
	if err := sr.Err(); err != nil {
		t.Fatal(err)
	}
	return schema, batches
}

// rowsOf converts rec to one map per row, decoding dictionaries and nesting,
// with nil for nulls; it relies only on the arrow library's accessors.
func rowsOf(rec arrow.Record) []map[string]any {
	var rows []map[string]any
	for i := 0; i < int(rec.NumRows()); i++ {
		m := map[string]any{}
		for j, c := range rec.Columns() {
			m[rec.Schema().Field(j).Name] = valueOf(c, i)
		}
		rows = append(rows, m)
	}
	return rows
}

func valueOf(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return "bin:" + string(a.Value(i))
	case *array.Dictionary:
		return valueOf(a.Dictionary(), a.GetValueIndex(i))
	case *array.List:
		s, e := a.ValueOffsets(i)
		return listOf(a.ListValues(), int(s), int(e))
	case *array.FixedSizeList:
		s, e := a.ValueOffsets(i)
		return listOf(a.ListValues(), int(s), int(e))
	case *array.Struct:
		m := map[string]any{}
		st := a.DataType().(*arrow.StructType)
		for k := 0; k < a.NumField(); k++ {
			m[st.Field(k).Name] = valueOf(a.Field(k), i)
		}
		return m
	}
	return a.GetOneForMarshal(i)
}

func listOf(a arrow.Array, s, e int) []any {
	out := []any{}
	for k := s; k < e; k++ {
		out = append(out, valueOf(a, k))
	}
	return out
}

// jsonRows returns rows as rowsOf sees them.
func jsonRows(t *testing.T, rows []row) []map[string]any {
	t.Helper()
	if len(rows) == 0 {
		return nil
	}
	rec := buildRecord(memory.NewGoAllocator(), rows)
	defer rec.Release()
	return rowsOf(rec)
}

func flatten(batches [][]map[string]any) []map[string]any {
	var out []map[string]any
	for _, b := range batches {
		out = append(out, b...)
	}
	return out
}
