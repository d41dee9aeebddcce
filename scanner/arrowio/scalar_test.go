package arrowio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/decimal256"
	"github.com/apache/arrow/go/v15/arrow/float16"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/winnow-data/winnow/scanner/records"
)

// scoreRow holds a keep score in every type Scalar reads, nullable at the
// leaf and at an enclosing struct, next to columns that are not scores.
type scoreRow struct {
	text    string
	label   string // not scanned in the tests
	quality *float64
	q32     float32
	h16     float16.Num
	n       int64
	n32     *int32
	i8      int8
	u8      uint8
	u64     uint64
	ts      int64
	dec     *big.Int // decimal128(38, 3)
	dec256  *big.Int // decimal256(60, 4)
	rank    *int64   // dictionary<int16, int64>
	cat     string   // dictionary<int32, string>, not scanned
	flag    bool
	list    []int64
	meta    *scoreMeta
	wz      float64 // the top-level field "w.z"
}

type scoreMeta struct {
	quality *float64
	votes   int64
	source  string
	ab      float64 // the field "a.b" inside meta
}

func f64p(v float64) *float64 { return &v }

// scoreFields: label and cat stay unscanned, meta.source is scanned.
var scoreFields = []string{"text", "meta"}

func makeScoreRows(n int) []scoreRow {
	out := make([]scoreRow, n)
	for i := range out {
		r := scoreRow{
			text:  fmt.Sprintf("document %d", i),
			label: fmt.Sprintf("%d.5", i),
			q32:   float32(i) / 10,
			h16:   float16.New(float32(i)/4 - 2),
			n:     int64(i)*1_000_000_007 - 5e10,
			i8:    int8(-i),
			u8:    uint8(200 + i),
			u64:   math.MaxUint64 - uint64(i),
			ts:    int64(i) * 1000,
			dec:   new(big.Int).Add(new(big.Int).Lsh(big.NewInt(int64(i)-10), 70), big.NewInt(int64(i))),
			dec256: new(big.Int).Add(new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(int64(i)), 200)),
				big.NewInt(12345)),
			cat:  []string{"0.25", "0.5", "x"}[i%3],
			flag: i%2 == 0,
			list: []int64{int64(i)},
			wz:   -float64(i),
		}
		if i%5 != 0 {
			r.quality = f64p(float64(i)/7 - 1)
		}
		if i%2 == 1 {
			v := -int32(i) * 1000
			r.n32 = &v
		}
		if i%6 != 5 {
			v := int64(i%3) * 100
			r.rank = &v
		}
		if i%4 != 0 {
			m := &scoreMeta{votes: int64(i * i), source: fmt.Sprintf("src-%d", i), ab: float64(i) + 0.5}
			if i%3 != 0 {
				m.quality = f64p(1 / float64(i+1))
			}
			r.meta = m
		}
		out[i] = r
	}
	return out
}

func scoreSchema() *arrow.Schema {
	meta := arrow.StructOf(
		arrow.Field{Name: "quality", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "votes", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "source", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "a.b", Type: arrow.PrimitiveTypes.Float64},
	)
	return arrow.NewSchema([]arrow.Field{
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "label", Type: arrow.BinaryTypes.LargeString},
		{Name: "quality", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "q32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "h16", Type: arrow.FixedWidthTypes.Float16},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "n32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 3}},
		{Name: "dec256", Type: &arrow.Decimal256Type{Precision: 60, Scale: 4}},
		{Name: "rank", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.PrimitiveTypes.Int64}, Nullable: true},
		{Name: "cat", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "list", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)},
		{Name: "meta", Type: meta, Nullable: true},
		{Name: "w.z", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
}

func buildScoreRecord(mem memory.Allocator, rows []scoreRow) arrow.Record {
	rb := array.NewRecordBuilder(mem, scoreSchema())
	defer rb.Release()
	for _, r := range rows {
		rb.Field(0).(*array.StringBuilder).Append(r.text)
		rb.Field(1).(*array.LargeStringBuilder).Append(r.label)
		if r.quality != nil {
			rb.Field(2).(*array.Float64Builder).Append(*r.quality)
		} else {
			rb.Field(2).AppendNull()
		}
		rb.Field(3).(*array.Float32Builder).Append(r.q32)
		rb.Field(4).(*array.Float16Builder).Append(r.h16)
		rb.Field(5).(*array.Int64Builder).Append(r.n)
		if r.n32 != nil {
			rb.Field(6).(*array.Int32Builder).Append(*r.n32)
		} else {
			rb.Field(6).AppendNull()
		}
		rb.Field(7).(*array.Int8Builder).Append(r.i8)
		rb.Field(8).(*array.Uint8Builder).Append(r.u8)
		rb.Field(9).(*array.Uint64Builder).Append(r.u64)
		rb.Field(10).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts))
		rb.Field(11).(*array.Decimal128Builder).Append(decimal128.FromBigInt(r.dec))
		rb.Field(12).(*array.Decimal256Builder).Append(decimal256.FromBigInt(r.dec256))
		if r.rank != nil {
			if err := rb.Field(13).(*array.Int64DictionaryBuilder).Append(*r.rank); err != nil {
				panic(err)
			}
		} else {
			rb.Field(13).AppendNull()
		}
		if err := rb.Field(14).(*array.BinaryDictionaryBuilder).AppendString(r.cat); err != nil {
			panic(err)
		}
		rb.Field(15).(*array.BooleanBuilder).Append(r.flag)
		lb := rb.Field(16).(*array.ListBuilder)
		lb.Append(true)
		for _, v := range r.list {
			lb.ValueBuilder().(*array.Int64Builder).Append(v)
		}
		mb := rb.Field(17).(*array.StructBuilder)
		if r.meta == nil {
			mb.AppendNull()
		} else {
			mb.Append(true)
			if r.meta.quality != nil {
				mb.FieldBuilder(0).(*array.Float64Builder).Append(*r.meta.quality)
			} else {
				mb.FieldBuilder(0).AppendNull()
			}
			mb.FieldBuilder(1).(*array.Int64Builder).Append(r.meta.votes)
			mb.FieldBuilder(2).(*array.StringBuilder).Append(r.meta.source)
			mb.FieldBuilder(3).(*array.Float64Builder).Append(r.meta.ab)
		}
		rb.Field(18).(*array.Float64Builder).Append(r.wz)
	}
	return rb.NewRecord()
}

// writeScores writes rows in format f, one record batch per span of splits.
func writeScores(t testing.TB, f format, rows []scoreRow, splits []int) []byte {
	t.Helper()
	rec := buildScoreRecord(memory.NewGoAllocator(), rows)
	defer rec.Release()
	opts := []ipc.Option{ipc.WithSchema(rec.Schema())}
	switch f.codec {
	case codecLZ4:
		opts = append(opts, ipc.WithLZ4())
	case codecZSTD:
		opts = append(opts, ipc.WithZstd())
	}
	var buf bytes.Buffer
	var w interface {
		Write(arrow.Record) error
		Close() error
	}
	path := filepath.Join(t.TempDir(), "scores.arrow")
	if f.file {
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
		err := w.Write(s)
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

func fmtF64(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func fmtDec(v *big.Int, scale int64) string {
	return new(big.Rat).SetFrac(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(scale), nil)).FloatString(int(scale))
}

// wantScore is the text Scalar must return for path in r, computed from the
// Go values, and whether there is one.
func wantScore(r scoreRow, path string) (string, bool) {
	switch path {
	case "text", "$.text":
		return r.text, true
	case "label":
		return r.label, true
	case "quality", "$.quality":
		if r.quality == nil {
			return "", false
		}
		return fmtF64(*r.quality), true
	case "q32":
		return strconv.FormatFloat(float64(r.q32), 'g', -1, 32), true
	case "h16":
		return strconv.FormatFloat(float64(r.h16.Float32()), 'g', -1, 32), true
	case "n":
		return strconv.FormatInt(r.n, 10), true
	case "n32":
		if r.n32 == nil {
			return "", false
		}
		return strconv.Itoa(int(*r.n32)), true
	case "i8":
		return strconv.Itoa(int(r.i8)), true
	case "u8":
		return strconv.Itoa(int(r.u8)), true
	case "u64":
		return strconv.FormatUint(r.u64, 10), true
	case "ts":
		return strconv.FormatInt(r.ts, 10), true
	case "dec":
		return fmtDec(r.dec, 3), true
	case "dec256":
		return fmtDec(r.dec256, 4), true
	case "rank":
		if r.rank == nil {
			return "", false
		}
		return strconv.FormatInt(*r.rank, 10), true
	case "cat":
		return r.cat, true
	case "meta.quality", "$.meta.quality":
		if r.meta == nil || r.meta.quality == nil {
			return "", false
		}
		return fmtF64(*r.meta.quality), true
	case "meta.votes":
		if r.meta == nil {
			return "", false
		}
		return strconv.FormatInt(r.meta.votes, 10), true
	case "meta.source":
		if r.meta == nil {
			return "", false
		}
		return r.meta.source, true
	case "meta.a.b":
		if r.meta == nil {
			return "", false
		}
		return fmtF64(r.meta.ab), true
	case "w.z":
		return fmtF64(r.wz), true
	}
	return "", false // flag, list, meta, missing columns
}

var scorePaths = []string{
	"text", "$.text", "label", "quality", "$.quality", "q32", "h16", "n", "n32", "i8", "u8",
	"u64", "ts", "dec", "dec256", "rank", "cat", "meta.quality", "$.meta.quality", "meta.votes",
	"meta.source", "meta.a.b", "w.z", "flag", "list", "meta", "meta.a", "w", "missing", "meta.missing", "",
}

func scoreOptions(t testing.TB, batchRows int) records.ReadOptions {
	t.Helper()
	ff, err := records.NewFieldFilter(scoreFields)
	if err != nil {
		t.Fatal(err)
	}
	return records.ReadOptions{Fields: ff, BatchRows: batchRows}
}

// checkScores reads every batch of r and checks Scalar on every path of
// every record against rows.
func checkScores(t *testing.T, r *reader, rows []scoreRow) {
	t.Helper()
	var b records.Batch
	seen := 0
	for {
		err := r.Next(&b)
		for rec := 0; rec < b.N; rec++ {
			row := b.Row + int64(rec)
			for _, path := range scorePaths {
				want, wantOK := wantScore(rows[row], path)
				got, ok := r.Scalar(&b, rec, []byte(path))
				if ok != wantOK || string(got) != want {
					t.Fatalf("row %d: Scalar(%q) = %q, %v; want %q, %v", row, path, got, ok, want, wantOK)
				}
			}
			seen++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen != len(rows) {
		t.Fatalf("saw %d rows, want %d", seen, len(rows))
	}
}

// TestScalar reads every score path of every row through Scalar, in both
// IPC flavours and both body codecs, with record batches split into several
// Batches.
func TestScalar(t *testing.T) {
	rows := makeScoreRows(23)
	layouts := []struct {
		name      string
		splits    []int
		batchRows int
	}{
		{"one batch", []int{0, 23}, 0},
		{"record batches and batches", []int{0, 7, 7, 8, 23}, 3},
		{"single rows", []int{0, 11, 23}, 1},
	}
	for _, f := range formats {
		for _, l := range layouts {
			t.Run(f.name+"/"+l.name, func(t *testing.T) {
				r, err := openBytes(t, writeScores(t, f, rows, l.splits), scoreOptions(t, l.batchRows))
				if err != nil {
					t.Fatal(err)
				}
				checkScores(t, r, rows)
			})
		}
	}
}

// TestScalarSlicedRecord checks Scalar on arrays with non-zero offsets at
// every level (what slicing produces; the IPC reader itself yields zero
// offsets): a struct's children are indexed by the struct's physical slot.
func TestScalarSlicedRecord(t *testing.T) {
	rows := makeScoreRows(17)
	r, err := openBytes(t, writeScores(t, formats[0], rows[:1], []int{0, 1}), records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := buildScoreRecord(memory.NewGoAllocator(), rows)
	defer rec.Release()
	for _, off := range []int{0, 3, 9} {
		s := rec.NewSlice(int64(off), rec.NumRows())
		b := &records.Batch{Row: int64(off), N: int(s.NumRows()) - 2}
		b.Unit = &unit{owner: r, rec: s, r0: 2, r1: int(s.NumRows())}
		for rec := 0; rec < b.N; rec++ {
			row := off + 2 + rec
			for _, path := range scorePaths {
				want, wantOK := wantScore(rows[row], path)
				got, ok := r.Scalar(b, rec, []byte(path))
				if ok != wantOK || string(got) != want {
					t.Fatalf("offset %d row %d: Scalar(%q) = %q, %v; want %q, %v", off, row, path, got, ok, want, wantOK)
				}
			}
		}
		s.Release()
	}
}

// TestScalarMisses: out-of-range records, foreign and released batches.
func TestScalarMisses(t *testing.T) {
	rows := makeScoreRows(5)
	data := writeScores(t, formats[1], rows, []int{0, 5})
	r, err := openBytes(t, data, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := openBytes(t, data, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b records.Batch
	if got, ok := r.Scalar(&b, 0, []byte("n")); ok {
		t.Fatalf("unfilled batch: %q", got)
	}
	if err := r.Next(&b); err != nil {
		t.Fatal(err)
	}
	for _, rec := range []int{-1, b.N, b.N + 100} {
		if got, ok := r.Scalar(&b, rec, []byte("n")); ok {
			t.Errorf("Scalar(rec %d) = %q", rec, got)
		}
	}
	if got, ok := other.Scalar(&b, 0, []byte("n")); ok {
		t.Errorf("another reader's batch: %q", got)
	}
	if got, ok := r.Scalar(&b, 0, []byte("n")); !ok || string(got) != strconv.FormatInt(rows[0].n, 10) {
		t.Errorf("Scalar(n) = %q, %v", got, ok)
	}
	if err := r.Next(&b); err != io.EOF {
		t.Fatalf("Next = %v, want EOF", err)
	}
	if got, ok := r.Scalar(&b, 0, []byte("n")); ok {
		t.Errorf("batch handed back: %q", got)
	}
}

// TestScalarDamagedBuffers: arrays whose buffers are shorter than their
// length claims read as missing, without panicking.
func TestScalarDamagedBuffers(t *testing.T) {
	buf := func(n int) *memory.Buffer { return memory.NewBufferBytes(make([]byte, n)) }
	offsets := buf(20) // 0, 1, 2, 3, 4 into an empty values buffer
	for k := 0; k < 5; k++ {
		offsets.Bytes()[4*k] = byte(k)
	}
	tests := []struct {
		name string
		col  arrow.ArrayData
	}{
		{"float64 values", array.NewData(arrow.PrimitiveTypes.Float64, 4, []*memory.Buffer{nil, buf(1)}, nil, 0, 0)},
		{"validity past its buffer", array.NewData(arrow.PrimitiveTypes.Float64, 4, []*memory.Buffer{memory.NewBufferBytes([]byte{0xff}), buf(96)}, nil, 1, 8)},
		{"string offsets", array.NewData(arrow.BinaryTypes.String, 4, []*memory.Buffer{nil, buf(1), buf(0)}, nil, 0, 0)},
		{"string values", array.NewData(arrow.BinaryTypes.String, 4, []*memory.Buffer{nil, offsets, buf(0)}, nil, 0, 0)},
		{"decimal128", array.NewData(&arrow.Decimal128Type{Precision: 10, Scale: 2}, 4, []*memory.Buffer{nil, buf(15)}, nil, 0, 0)},
		{"int16 dictionary indexes", array.NewData(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.PrimitiveTypes.Int64}, 4,
			[]*memory.Buffer{nil, buf(1)}, nil, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: tt.col.DataType(), Nullable: true}}, nil)
			r := &reader{name: "damaged.arrow", schema: schema}
			b := &records.Batch{N: 4}
			b.Unit = &unit{owner: r, rec: &fakeRecord{schema: schema, col: tt.col}, r0: 0, r1: 4}
			for rec := 0; rec < 4; rec++ {
				if got, ok := r.Scalar(b, rec, []byte("x")); ok {
					t.Errorf("rec %d: got %q from a damaged array", rec, got)
				}
			}
		})
	}
}

// fakeRecord is a one-column arrow.Record over raw ArrayData, so tests can
// hand Scalar arrays that array.MakeFromData would refuse.
type fakeRecord struct {
	arrow.Record
	schema *arrow.Schema
	col    arrow.ArrayData
}

func (f *fakeRecord) Column(int) arrow.Array { return fakeArray{data: f.col} }
func (f *fakeRecord) NumRows() int64         { return int64(f.col.Len()) }

// fakeArray exposes only Data.
type fakeArray struct {
	arrow.Array
	data arrow.ArrayData
}

func (a fakeArray) Data() arrow.ArrayData { return a.data }

// TestScalarConcurrent hands batches to workers that call Scalar while the
// reader keeps filling other batches, as the engine does; run with -race.
func TestScalarConcurrent(t *testing.T) {
	rows := makeScoreRows(60)
	splits := []int{0}
	for at := 0; at < len(rows); at += 7 {
		splits = append(splits, min(at+7, len(rows)))
	}
	r, err := openBytes(t, writeScores(t, formats[3], rows, splits), scoreOptions(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	const workers = 4
	free := make(chan *records.Batch, 6)
	for range cap(free) {
		free <- new(records.Batch)
	}
	work := make(chan *records.Batch)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				for rec := 0; rec < b.N; rec++ {
					row := b.Row + int64(rec)
					for _, path := range []string{"meta.quality", "quality", "label", "rank", "dec"} {
						want, wantOK := wantScore(rows[row], path)
						got, ok := r.Scalar(b, rec, []byte(path))
						if ok != wantOK || string(got) != want {
							errs <- fmt.Errorf("row %d: Scalar(%q) = %q, %v; want %q, %v", row, path, got, ok, want, wantOK)
							return
						}
					}
				}
				free <- b
			}
		}()
	}
	for {
		b := <-free
		err := r.Next(b)
		if b.N > 0 {
			work <- b
		} else {
			free <- b
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestScalarKeepMax plays the engine's part through the reader API only:
// open by Open, find records.ScalarReader by type assertion, read the keep
// field of every record (from the scanned values when the field is scanned,
// from Scalar otherwise), parse it with strconv.ParseFloat and keep, in
// each cluster of duplicates, the record with the highest score.
func TestScalarKeepMax(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "meta", Type: arrow.StructOf(arrow.Field{Name: "quality", Type: arrow.PrimitiveTypes.Float32, Nullable: true}), Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer rb.Release()
	wantKept := map[string]int64{}
	n := 0
	for c := 0; c < 7; c++ {
		best := c % 3
		for k := 0; k < 3; k++ {
			text := fmt.Sprintf("cluster %d", c)
			rb.Field(0).(*array.StringBuilder).Append(text)
			mb := rb.Field(1).(*array.StructBuilder)
			switch {
			case k == best:
				mb.Append(true)
				mb.FieldBuilder(0).(*array.Float32Builder).Append(0.5 + float32(c)/100)
				wantKept[text] = int64(n)
			case (c+k)%2 == 0:
				mb.Append(true)
				mb.FieldBuilder(0).(*array.Float32Builder).Append(0.25)
			case c%2 == 0:
				mb.Append(true)
				mb.FieldBuilder(0).AppendNull()
			default:
				mb.AppendNull()
			}
			n++
		}
	}
	rec := rb.NewRecord()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	for at := int64(0); at < rec.NumRows(); at += 5 { // record batches of 5 split clusters
		s := rec.NewSlice(at, min(at+5, rec.NumRows()))
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
		s.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{"meta.quality", "$.meta.quality"} {
		t.Run(keep, func(t *testing.T) {
			ff, _ := records.NewFieldFilter([]string{"text"})
			rd, err := Open(records.Source{Name: "keep.arrows", R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())},
				records.ReadOptions{Fields: ff, BatchRows: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			sr, ok := rd.(records.ScalarReader)
			if !ok {
				t.Fatal("the Arrow reader does not implement records.ScalarReader")
			}
			bestScore := map[string]float64{}
			kept := map[string]int64{}
			var b records.Batch
			for {
				err := rd.Next(&b)
				for rec := 0; rec < b.N; rec++ {
					var text string
					score := math.NaN()
					for v := 0; v < b.NumValues(); v++ {
						if int(b.ValueRec[v]) != rec {
							continue
						}
						switch string(b.FieldName(v)) {
						case "text":
							text = string(b.Value(v))
						case keep:
							score, _ = strconv.ParseFloat(string(b.Value(v)), 64)
						}
					}
					if math.IsNaN(score) {
						if raw, ok := sr.Scalar(&b, rec, []byte(keep)); ok {
							if score, err = strconv.ParseFloat(string(raw), 64); err != nil {
								t.Fatalf("score %q: %v", raw, err)
							}
						}
					}
					if prev, seen := bestScore[text]; !math.IsNaN(score) && (!seen || score > prev) {
						bestScore[text], kept[text] = score, b.Row+int64(rec)
					}
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(kept) != len(wantKept) {
				t.Fatalf("kept %v, want %v", kept, wantKept)
			}
			for text, want := range wantKept {
				if kept[text] != want {
					t.Errorf("%s: kept row %d, want row %d", text, kept[text], want)
				}
			}
		})
	}
}

func TestAppendDecimalWords(t *testing.T) {
	tests := []struct {
		w     []uint64
		scale int
		want  string
	}{
		{[]uint64{0}, 0, "0"},
		{[]uint64{0, 0}, 2, "0.00"},
		{[]uint64{12345, 0}, 3, "12.345"},
		{[]uint64{5, 0}, 3, "0.005"},
		{[]uint64{math.MaxUint64, math.MaxUint64}, 0, "-1"},
		{[]uint64{math.MaxUint64 - 122, math.MaxUint64}, 2, "-1.23"},
		{[]uint64{0, 1}, 0, "18446744073709551616"},
		{[]uint64{0, 1 << 63}, 0, "-170141183460469231731687303715884105728"},
		{[]uint64{0, 0, 0, 1 << 63}, 0, "-57896044618658097711785492504343953926634992332820282019728792003956564819968"},
		{[]uint64{7, 0, 0, 0}, -3, "7000"},
		{[]uint64{7}, 101, "7e-101"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			w := append([]uint64(nil), tt.w...)
			if got := appendDecimalWords([]byte("x"), w, tt.scale); string(got) != "x"+tt.want {
				t.Fatalf("got %q, want %q", got, "x"+tt.want)
			}
		})
	}
}

// FuzzScalar reads every batch of arbitrary input and asks Scalar for a set
// of paths on every record: no input may panic, and every number returned
// must parse.
func FuzzScalar(f *testing.F) {
	rows := makeScoreRows(9)
	for _, fm := range formats {
		f.Add(writeScores(f, fm, rows, []int{0, 4, 9}))
	}
	f.Add(writeFixture(f, formats[0], fixtureRows(), []int{0, 2, 6}))
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := records.ReadOptions{BatchRows: 4, MaxRecordBytes: 1 << 20, Fields: mustFilter(t, scoreFields)}
		rd, err := Open(records.Source{Name: "fuzz.arrow", R: bytes.NewReader(data), Size: int64(len(data))}, opt)
		if err != nil {
			return
		}
		defer rd.Close()
		r := rd.(*reader)
		var b records.Batch
		for total := 0; total < 1<<16; total += b.N {
			err := r.Next(&b)
			for rec := 0; rec < b.N; rec++ {
				for _, p := range scorePaths {
					got, ok := r.Scalar(&b, rec, []byte(p))
					if sp := r.resolveScalar([]byte(strings.TrimPrefix(p, "$."))); ok && sp.kind != vBin32 && sp.kind != vBin64 {
						if _, err := strconv.ParseFloat(string(got), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
							t.Fatalf("%s: %q does not parse: %v", p, got, err)
						}
					}
				}
				_, _ = r.Scalar(&b, rec, []byte("score"))
			}
			if err != nil {
				return
			}
		}
	})
}

func mustFilter(t testing.TB, patterns []string) *records.FieldFilter {
	ff, err := records.NewFieldFilter(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return ff
}

// BenchmarkScalar measures Scalar over every record of a 262144-row stream
// (record batches of 65536 rows, Batches of the default 8192): locating and
// formatting one value per call. Batches are read before the timer starts;
// throughput is in score bytes (8 per record).
func BenchmarkScalar(b *testing.B) {
	const rows = 256 * 1024
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "quality", Type: arrow.PrimitiveTypes.Float64},
		{Name: "meta", Type: arrow.StructOf(arrow.Field{Name: "quality", Type: arrow.PrimitiveTypes.Float64, Nullable: true}), Nullable: true},
	}, nil)
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	rb := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	for i := 0; i < rows; i++ {
		rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("row %d of the benchmark corpus", i))
		rb.Field(1).(*array.Float64Builder).Append(float64(i%1000) / 999)
		mb := rb.Field(2).(*array.StructBuilder)
		switch {
		case i%10 == 0:
			mb.AppendNull()
		case i%7 == 0:
			mb.Append(true)
			mb.FieldBuilder(0).AppendNull()
		default:
			mb.Append(true)
			mb.FieldBuilder(0).(*array.Float64Builder).Append(float64(i%997) / 996)
		}
		if (i+1)%(64*1024) == 0 {
			rec := rb.NewRecord()
			if err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
	}
	rb.Release()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	ff, _ := records.NewFieldFilter([]string{"text"})
	for _, path := range []string{"quality", "meta.quality", "text"} {
		b.Run(path, func(b *testing.B) {
			b.SetBytes(rows * 8)
			b.ReportAllocs()
			var batches []*records.Batch
			var ms0, ms1 runtime.MemStats
			var mallocs uint64
			p := []byte(path)
			for b.Loop() {
				b.StopTimer()
				rd, err := Open(records.Source{Name: "bench.arrows", R: bytes.NewReader(data), Size: int64(len(data))},
					records.ReadOptions{Fields: ff})
				if err != nil {
					b.Fatal(err)
				}
				sr := rd.(records.ScalarReader)
				for i := 0; ; i++ {
					if i == len(batches) {
						batches = append(batches, new(records.Batch))
					}
					if err := rd.Next(batches[i]); err == io.EOF {
						batches[i].N = 0
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
				runtime.ReadMemStats(&ms0)
				b.StartTimer()
				n := 0
				for _, batch := range batches {
					for rec := 0; rec < batch.N; rec++ {
						if _, ok := sr.Scalar(batch, rec, p); ok {
							n++
						}
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&ms1)
				mallocs += ms1.Mallocs - ms0.Mallocs
				rd.Close()
				if n == 0 {
					b.Fatal("no scores")
				}
				b.StartTimer()
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/rows, "ns/record")
			b.ReportMetric(float64(mallocs)/float64(b.N)/rows, "allocs/record")
		})
	}
}
