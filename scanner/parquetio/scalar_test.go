package parquetio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/records"
)

type scoreMeta struct {
	Quality *float64 `parquet:"quality,optional"`
	Votes   int64    `parquet:"votes"`
	Source  string   `parquet:"source"`
}

// scoreDoc holds a keep score in every physical type and encoding Scalar
// reads, nullable at the leaf and at an enclosing struct, next to columns
// that are not scores.
type scoreDoc struct {
	Text    string     `parquet:"text"`
	Label   string     `parquet:"label"` // not scanned in the tests
	Quality *float64   `parquet:"quality,optional"`
	Q32     float32    `parquet:"q32,split"`
	N       int64      `parquet:"n,delta"`
	N32     *int32     `parquet:"n32,optional"`
	U32     uint32     `parquet:"u32,uint(32)"`
	Rank    int64      `parquet:"rank,dict"`
	Price   int64      `parquet:"price,decimal(2:18)"`
	Big     [16]byte   `parquet:"big,decimal(3:38)"`
	Flag    bool       `parquet:"flag"`
	List    []int64    `parquet:"list,list"`
	Meta    *scoreMeta `parquet:"meta,optional"`
}

// scoreFields is the --fields selection of the tests: label stays
// unscanned, meta.source is scanned.
var scoreFields = []string{"text", "meta"}

func f64p(v float64) *float64 { return &v }

// makeScoreDocs returns n deterministic documents with nulls at every
// level: quality is null every 5th row, meta every 4th, meta.quality every
// 3rd, n32 every other.
func makeScoreDocs(n int) []scoreDoc {
	out := make([]scoreDoc, n)
	for i := range out {
		d := scoreDoc{
			Text:  fmt.Sprintf("document %d", i),
			Label: fmt.Sprintf("%d.5", i),
			Q32:   float32(i) / 10,
			N:     int64(i)*1_000_000_007 - 5e10,
			U32:   math.MaxUint32 - uint32(i),
			Rank:  int64(i % 3),
			Price: int64(i*137) - 2000,
			Flag:  i%2 == 0,
			List:  []int64{int64(i)},
		}
		if i%5 != 0 {
			d.Quality = f64p(float64(i)/7 - 1)
		}
		if i%2 == 1 {
			d.N32 = i32p(-int32(i) * 1000)
		}
		// big: a 16-byte two's-complement value well beyond int64.
		v := new(big.Int).Lsh(big.NewInt(int64(i)-20), 90)
		v.Add(v, big.NewInt(int64(i)))
		putBE128(&d.Big, v)
		if i%4 != 0 {
			m := &scoreMeta{Votes: int64(i * i), Source: fmt.Sprintf("src-%d", i)}
			if i%3 != 0 {
				m.Quality = f64p(1 / float64(i+1))
			}
			d.Meta = m
		}
		out[i] = d
	}
	return out
}

// putBE128 stores v as a 16-byte big-endian two's-complement integer.
func putBE128(dst *[16]byte, v *big.Int) {
	mod := new(big.Int).Lsh(big.NewInt(1), 128)
	u := new(big.Int).Mod(v, mod) // two's complement
	u.FillBytes(dst[:])
}

// beToBig reads a big-endian two's-complement integer.
func beToBig(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// wantScore is the text Scalar must return for path in d (computed from
// the Go values, independently of the reader), and whether there is one.
func wantScore(d scoreDoc, path string) (string, bool) {
	switch path {
	case "text", "$.text":
		return d.Text, true
	case "label":
		return d.Label, true
	case "quality", "$.quality":
		if d.Quality == nil {
			return "", false
		}
		return strconv.FormatFloat(*d.Quality, 'g', -1, 64), true
	case "q32":
		return strconv.FormatFloat(float64(d.Q32), 'g', -1, 32), true
	case "n":
		return strconv.FormatInt(d.N, 10), true
	case "n32":
		if d.N32 == nil {
			return "", false
		}
		return strconv.Itoa(int(*d.N32)), true
	case "u32":
		return strconv.FormatUint(uint64(d.U32), 10), true
	case "rank":
		return strconv.FormatInt(d.Rank, 10), true
	case "price":
		return new(big.Rat).SetFrac(big.NewInt(d.Price), big.NewInt(100)).FloatString(2), true
	case "big":
		return new(big.Rat).SetFrac(beToBig(d.Big[:]), big.NewInt(1000)).FloatString(3), true
	case "meta.quality", "$.meta.quality":
		if d.Meta == nil || d.Meta.Quality == nil {
			return "", false
		}
		return strconv.FormatFloat(*d.Meta.Quality, 'g', -1, 64), true
	case "meta.votes":
		if d.Meta == nil {
			return "", false
		}
		return strconv.FormatInt(d.Meta.Votes, 10), true
	case "meta.source":
		if d.Meta == nil {
			return "", false
		}
		return d.Meta.Source, true
	}
	return "", false // flag, list, meta, missing columns
}

var scorePaths = []string{
	"text", "$.text", "label", "quality", "$.quality", "q32", "n", "n32", "u32",
	"rank", "price", "big", "meta.quality", "$.meta.quality", "meta.votes",
	"meta.source", "flag", "list", "meta", "missing", "meta.missing", "",
}

func writeScoreDocs(t testing.TB, docs []scoreDoc, groups []int, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[scoreDoc](&buf, opts...)
	at := 0
	for _, n := range groups {
		// Row by row, so that a small PageBufferSize cuts pages.
		for i := at; i < at+n; i++ {
			if _, err := w.Write(docs[i : i+1]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		at += n
	}
	if at != len(docs) {
		t.Fatalf("row groups cover %d of %d docs", at, len(docs))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func scoreOptions(t testing.TB, batchRows int) records.ReadOptions {
	t.Helper()
	ff, err := records.NewFieldFilter(scoreFields)
	if err != nil {
		t.Fatal(err)
	}
	return records.ReadOptions{Fields: ff, BatchRows: batchRows}
}

// TestScalar reads every score path of every row through Scalar, over
// several row-group layouts, page sizes, page versions and codecs, with
// batches smaller than the row groups so that most groups span several
// batches.
func TestScalar(t *testing.T) {
	docs := makeScoreDocs(41)
	tests := []struct {
		name      string
		groups    []int
		batchRows int
		opts      []parquet.WriterOption
	}{
		{"one group", []int{41}, 8192, nil},
		{"groups and batches", []int{13, 1, 20, 7}, 4, nil},
		{"small pages v1", []int{20, 21}, 3, []parquet.WriterOption{parquet.DataPageVersion(1), parquet.PageBufferSize(64)}},
		{"small pages v2 zstd", []int{41}, 5, []parquet.WriterOption{parquet.PageBufferSize(64), parquet.Compression(&parquet.Zstd)}},
		{"snappy single-row batches", []int{10, 31}, 1, []parquet.WriterOption{parquet.Compression(&parquet.Snappy)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeScoreDocs(t, docs, tt.groups, tt.opts...)
			rd := openPath(t, saveFile(t, data), scoreOptions(t, tt.batchRows))
			var b records.Batch
			seen := 0
			for {
				err := rd.Next(&b)
				for rec := 0; rec < b.N; rec++ {
					row := b.Row + int64(rec)
					for _, path := range scorePaths {
						want, wantOK := wantScore(docs[row], path)
						got, ok := rd.Scalar(&b, rec, []byte(path))
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
			if seen != len(docs) {
				t.Fatalf("saw %d rows, want %d", seen, len(docs))
			}
		})
	}
}

// TestScoreFixtureLayout guards TestScalar: its fixtures must really have
// dictionary, delta and byte-stream-split encodings, and chunks of several
// pages, or those decoding paths go untested.
func TestScoreFixtureLayout(t *testing.T) {
	docs := makeScoreDocs(41)
	data := writeScoreDocs(t, docs, []int{20, 21}, parquet.DataPageVersion(1), parquet.PageBufferSize(64))
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		col string
		enc format.Encoding
	}{
		{"rank", format.RLEDictionary},
		{"n", format.DeltaBinaryPacked},
		{"q32", format.ByteStreamSplit},
	} {
		leaf, ok := f.Schema().Lookup(tt.col)
		if !ok {
			t.Fatalf("no %s column", tt.col)
		}
		if encs := f.Metadata().RowGroups[0].Columns[leaf.ColumnIndex].MetaData.Encoding; !slices.Contains(encs, tt.enc) {
			t.Errorf("%s encodings = %v, want %v", tt.col, encs, tt.enc)
		}
	}
	leaf, _ := f.Schema().Lookup("meta", "quality")
	pages := f.RowGroups()[0].ColumnChunks()[leaf.ColumnIndex].Pages()
	defer pages.Close()
	n := 0
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		parquet.Release(p)
		n++
	}
	if n < 2 {
		t.Fatalf("meta.quality chunk has %d page(s), want several", n)
	}
}

// TestScalarNumbersParse checks that every numeric text parses back, with
// strconv.ParseFloat as the engine does, to the stored value.
func TestScalarNumbersParse(t *testing.T) {
	docs := makeScoreDocs(12)
	rd := openPath(t, saveFile(t, writeScoreDocs(t, docs, []int{12})), scoreOptions(t, 0))
	var b records.Batch
	if err := rd.Next(&b); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	for rec := 0; rec < b.N; rec++ {
		d := docs[rec]
		checks := []struct {
			path string
			want float64
		}{
			{"q32", float64(d.Q32)},
			{"n", float64(d.N)},
			{"u32", float64(d.U32)},
			{"price", float64(d.Price) / 100},
		}
		if d.Quality != nil {
			checks = append(checks, struct {
				path string
				want float64
			}{"quality", *d.Quality})
		}
		for _, c := range checks {
			got, ok := rd.Scalar(&b, rec, []byte(c.path))
			if !ok {
				t.Fatalf("row %d: %s missing", rec, c.path)
			}
			v, err := strconv.ParseFloat(string(got), 64)
			if err != nil {
				t.Fatalf("row %d: %s: %q does not parse: %v", rec, c.path, got, err)
			}
			// float32 scores come back as the shortest decimal of the
			// float32, which rounds to the same float32.
			if c.path == "q32" {
				if float32(v) != float32(c.want) {
					t.Errorf("row %d: q32 %q parses to %v, want %v", rec, got, float32(v), float32(c.want))
				}
				continue
			}
			if math.Abs(v-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
				t.Errorf("row %d: %s %q parses to %v, want %v", rec, c.path, got, v, c.want)
			}
		}
	}
}

// TestScalarOutOfRange: bad record indexes and foreign batches are misses.
func TestScalarOutOfRange(t *testing.T) {
	docs := makeScoreDocs(5)
	rd := openPath(t, saveFile(t, writeScoreDocs(t, docs, []int{5})), scoreOptions(t, 0))
	var b records.Batch
	if got, ok := rd.Scalar(&b, 0, []byte("quality")); ok {
		t.Fatalf("Scalar on an unfilled batch = %q", got)
	}
	if err := rd.Next(&b); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	for _, rec := range []int{-1, b.N, b.N + 100} {
		if got, ok := rd.Scalar(&b, rec, []byte("n")); ok {
			t.Errorf("Scalar(rec %d) = %q, want a miss", rec, got)
		}
	}
}

// TestScalarCacheAcrossBatches checks that a row group's chunk is decoded
// once, not once per batch, and that it is shared and recycled safely.
func TestScalarCacheAcrossBatches(t *testing.T) {
	docs := makeScoreDocs(40)
	rd := openPath(t, saveFile(t, writeScoreDocs(t, docs, []int{20, 20})), scoreOptions(t, 2))
	var b records.Batch
	var first *scalarCol
	for {
		err := rd.Next(&b)
		if b.N > 0 {
			if _, ok := rd.Scalar(&b, 0, []byte("n")); !ok {
				t.Fatal("n missing")
			}
			u := b.Unit.(*unit)
			c := u.scal[0].col
			if u.group == 0 {
				if first == nil {
					first = c
				} else if c != first {
					t.Fatal("a later batch of row group 0 decoded the chunk again")
				}
			} else if c == first {
				t.Fatal("row group 1 reuses row group 0's chunk")
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestScalarConcurrent hands batches to workers that call Scalar while the
// reader keeps filling other batches, as the engine does; run with -race.
// A cache smaller than the number of row groups forces evictions and reuse.
func TestScalarConcurrent(t *testing.T) {
	docs := makeScoreDocs(120)
	groups := make([]int, 12)
	for i := range groups {
		groups[i] = 10
	}
	rd := openPath(t, saveFile(t, writeScoreDocs(t, docs, groups)), scoreOptions(t, 3))
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
					for _, path := range []string{"meta.quality", "quality", "label", "meta.source"} {
						want, wantOK := wantScore(docs[row], path)
						got, ok := rd.Scalar(b, rec, []byte(path))
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
		err := rd.Next(b)
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

// TestScalarDamagedChunk: a score column whose chunk cannot be decoded reads
// as missing for every row of that group, without panicking and without
// disturbing the scanned columns or the other groups.
func TestScalarDamagedChunk(t *testing.T) {
	docs := makeScoreDocs(10)
	data := writeScoreDocs(t, docs, []int{5, 5})
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	leaf := -1
	for i, c := range f.Schema().Columns() {
		if len(c) == 1 && c[0] == "quality" {
			leaf = i
		}
	}
	if leaf < 0 {
		t.Fatal("no quality column")
	}
	md := f.Metadata().RowGroups[0].Columns[leaf].MetaData
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset
	}
	bad := bytes.Clone(data)
	for i := start; i < start+8; i++ {
		bad[i] = 0xff // the first page header
	}
	rd := openPath(t, saveFile(t, bad), scoreOptions(t, 0))
	var b records.Batch
	for {
		err := rd.Next(&b)
		for rec := 0; rec < b.N; rec++ {
			row := b.Row + int64(rec)
			got, ok := rd.Scalar(&b, rec, []byte("quality"))
			want, wantOK := wantScore(docs[row], "quality")
			if row < 5 {
				want, wantOK = "", false
			}
			if ok != wantOK || string(got) != want {
				t.Fatalf("row %d: Scalar(quality) = %q, %v; want %q, %v", row, got, ok, want, wantOK)
			}
			if got, _ := rd.Scalar(&b, rec, []byte("text")); string(got) != docs[row].Text {
				t.Fatalf("row %d: text %q", row, got)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestScalarKeepMax plays the engine's part through the reader API only:
// open by records.Reader, find records.ScalarReader by type assertion, read
// the keep field of every record (from the scanned values when the field
// is scanned, from Scalar otherwise), parse it with strconv.ParseFloat and
// keep, in each cluster of duplicates, the record with the highest score.
func TestScalarKeepMax(t *testing.T) {
	// Clusters of three copies of one text; meta.quality differs, and is
	// null for some copies (a null never wins).
	type row struct {
		Text string     `parquet:"text"`
		Meta *scoreMeta `parquet:"meta,optional"`
	}
	var rows []row
	wantKept := map[string]int64{}
	for c := 0; c < 7; c++ {
		best := c % 3
		for k := 0; k < 3; k++ {
			r := row{Text: fmt.Sprintf("cluster %d", c)}
			switch {
			case k == best:
				r.Meta = &scoreMeta{Quality: f64p(0.5 + float64(c)/100)}
				wantKept[r.Text] = int64(len(rows))
			case (c+k)%2 == 0:
				r.Meta = &scoreMeta{Quality: f64p(0.25)}
			case c%2 == 0:
				r.Meta = &scoreMeta{} // null quality
			}
			rows = append(rows, r)
		}
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf)
	for at := 0; at < len(rows); at += 5 { // row groups of 5 split clusters
		if _, err := w.Write(rows[at:min(at+5, len(rows))]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{"meta.quality", "$.meta.quality"} {
		t.Run(keep, func(t *testing.T) {
			ff, _ := records.NewFieldFilter([]string{"text"})
			rd, err := openBytes("keep.parquet", buf.Bytes(), records.ReadOptions{Fields: ff, BatchRows: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			sr, ok := rd.(records.ScalarReader)
			if !ok {
				t.Fatal("the Parquet reader does not implement records.ScalarReader")
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

// float16Node is a FIXED_LEN_BYTE_ARRAY(2) leaf annotated FLOAT16, which
// parquet-go cannot build from a struct tag.
type float16Node struct{ parquet.Node }

func (float16Node) Type() parquet.Type { return float16Type{parquet.FixedLenByteArrayType(2)} }

type float16Type struct{ parquet.Type }

func (float16Type) LogicalType() *format.LogicalType {
	return &format.LogicalType{Value: &format.Float16Type{}}
}

// TestScalarHandBuiltTypes covers FLOAT16, a FIXED_LEN_BYTE_ARRAY that is no
// number (a UUID) and unsigned 64-bit integers, written row by row.
func TestScalarHandBuiltTypes(t *testing.T) {
	schema := parquet.NewSchema("t", parquet.Group{
		"h":    parquet.Optional(float16Node{parquet.Leaf(parquet.FixedLenByteArrayType(2))}),
		"id":   parquet.UUID(),
		"u":    parquet.Uint(64),
		"text": parquet.String(),
	})
	halves := [][2]byte{{0x00, 0x3c}, {0x00, 0xc0}, {0x55, 0x35}, {0xff, 0x7b}} // 1, -2, 0.33325195, 65504
	want := []string{"1", "-2", "0.33325195", "65504"}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema)
	for i, h := range halves {
		// Leaves in name order: h, id, text, u.
		hv := parquet.FixedLenByteArrayValue(h[:]).Level(0, 1, 0)
		if i == 2 {
			hv = parquet.NullValue().Level(0, 0, 0)
		}
		row := parquet.Row{
			hv,
			parquet.FixedLenByteArrayValue(bytes.Repeat([]byte{byte(i)}, 16)).Level(0, 0, 1),
			parquet.ByteArrayValue([]byte("t")).Level(0, 0, 2),
			parquet.Int64Value(-1-int64(i)).Level(0, 0, 3),
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rd := openPath(t, saveFile(t, buf.Bytes()), records.ReadOptions{})
	var b records.Batch
	if err := rd.Next(&b); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if b.N != len(halves) {
		t.Fatalf("N = %d", b.N)
	}
	for rec := 0; rec < b.N; rec++ {
		got, ok := rd.Scalar(&b, rec, []byte("h"))
		if rec == 2 {
			if ok {
				t.Errorf("null h = %q", got)
			}
		} else if !ok || string(got) != want[rec] {
			t.Errorf("rec %d: h = %q, %v; want %s", rec, got, ok, want[rec])
		}
		if got, ok := rd.Scalar(&b, rec, []byte("id")); ok {
			t.Errorf("rec %d: a UUID read as a score: %q", rec, got)
		}
		if got, ok := rd.Scalar(&b, rec, []byte("u")); !ok || string(got) != strconv.FormatUint(math.MaxUint64-uint64(rec), 10) {
			t.Errorf("rec %d: u = %q, %v", rec, got, ok)
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	tests := []struct {
		be    []byte
		scale int
		want  string
	}{
		{[]byte{0x00}, 0, "0"},
		{[]byte{0x00}, 3, "0.000"},
		{[]byte{0x7b}, 0, "123"},
		{[]byte{0x7b}, 1, "12.3"},
		{[]byte{0x7b}, 3, "0.123"},
		{[]byte{0x7b}, 5, "0.00123"},
		{[]byte{0x85}, 2, "-1.23"},
		{[]byte{0xff}, 0, "-1"},
		{[]byte{0x7b}, -2, "12300"},
		{[]byte{0x7b}, 200, "123e-200"},
		{[]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, 0, "-9223372036854775808"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, "-1"},
		{[]byte{0x01, 0, 0, 0, 0, 0, 0, 0, 0}, 0, "18446744073709551616"},
		{append([]byte{0x80}, make([]byte, 15)...), 0, "-170141183460469231731687303715884105728"},
		{bytes.Repeat([]byte{0xff}, 32), 4, "-0.0001"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%x/%d", tt.be, tt.scale), func(t *testing.T) {
			got, ok := appendDecimalBE([]byte("x"), tt.be, tt.scale)
			if !ok || string(got) != "x"+tt.want {
				t.Fatalf("got %q, %v; want %q", got, ok, "x"+tt.want)
			}
		})
	}
	for _, be := range [][]byte{nil, make([]byte, 33)} {
		if got, ok := appendDecimalBE(nil, be, 0); ok {
			t.Errorf("%d bytes: got %q", len(be), got)
		}
	}
}

// FuzzAppendDecimal compares the formatter with math/big.
func FuzzAppendDecimal(f *testing.F) {
	f.Add([]byte{0x85}, 2)
	f.Add(bytes.Repeat([]byte{0x80}, 16), 38)
	f.Add(bytes.Repeat([]byte{0x7f}, 32), -3)
	f.Fuzz(func(t *testing.T, be []byte, scale int) {
		got, ok := appendDecimalBE(nil, be, scale)
		if len(be) == 0 || len(be) > maxDecimalBytes {
			if ok {
				t.Fatalf("accepted %d bytes", len(be))
			}
			return
		}
		if !ok {
			t.Fatal("rejected a valid decimal")
		}
		v := beToBig(be)
		var want string
		switch {
		case scale < -100 || scale > 100:
			want = v.String() + "e" + strconv.Itoa(-scale)
		case scale <= 0:
			want = new(big.Int).Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil)).String()
			if v.Sign() == 0 {
				want = "0" + string(bytes.Repeat([]byte("0"), -scale))
			}
		default:
			want = new(big.Rat).SetFrac(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)).FloatString(scale)
		}
		if string(got) != want {
			t.Fatalf("%x scale %d: got %q, want %q", be, scale, got, want)
		}
		if _, err := strconv.ParseFloat(string(got), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			t.Fatalf("%q does not parse: %v", got, err)
		}
	})
}

func TestFloat16(t *testing.T) {
	tests := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.333251953125},
		{0x7bff, 65504},
		{0x0001, 5.960464477539063e-08},
		{0x8001, -5.960464477539063e-08},
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		if got := float16(byte(tt.bits), byte(tt.bits>>8)); got != tt.want {
			t.Errorf("float16(%#04x) = %v, want %v", tt.bits, got, tt.want)
		}
	}
	if got := float16(0x01, 0x7e); !math.IsNaN(float64(got)) {
		t.Errorf("float16(0x7e01) = %v, want NaN", got)
	}
}

// FuzzScalar reads every batch of arbitrary input and asks Scalar for a set
// of paths on every record: no input may panic, and every number returned
// must parse.
func FuzzScalar(f *testing.F) {
	docs := makeScoreDocs(9)
	f.Add(writeScoreDocs(f, docs, []int{9}))
	f.Add(writeScoreDocs(f, docs, []int{4, 5}, parquet.DataPageVersion(1), parquet.PageBufferSize(64)))
	f.Add(writeScoreDocs(f, docs[:3], []int{3}, parquet.Compression(&parquet.Snappy)))
	for _, seed := range fuzzSeeds(f)[:3] {
		f.Add(seed)
	}
	f.Fuzz(fuzzScalarBody)
}

// fuzzScalarPaths are score columns of the scoreDoc and doc fixtures.
var fuzzScalarPaths = [][]byte{
	[]byte("quality"), []byte("meta.quality"), []byte("q32"), []byte("n"), []byte("n32"),
	[]byte("u32"), []byte("rank"), []byte("price"), []byte("big"), []byte("label"),
	[]byte("score"), []byte("ratio"), []byte("count"), []byte("meta.score"), []byte("id"), []byte("ts"),
}

func fuzzScalarBody(t *testing.T, data []byte) {
	rd, err := openBytes("fuzz.parquet", data, records.ReadOptions{BatchRows: 7, Fields: mustFilter(t, scoreFields)})
	if err != nil {
		return
	}
	defer rd.Close()
	sr := rd.(records.ScalarReader)
	var b records.Batch
	for total := 0; total < 1<<16; total += b.N {
		err := rd.Next(&b)
		for rec := 0; rec < b.N; rec++ {
			for _, p := range fuzzScalarPaths {
				got, ok := sr.Scalar(&b, rec, p)
				if sl := rd.(*reader).resolveScalar(p); ok && sl.kind != skBytes {
					if _, err := strconv.ParseFloat(string(got), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
						t.Fatalf("%s: %q does not parse: %v", p, got, err)
					}
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func mustFilter(t testing.TB, patterns []string) *records.FieldFilter {
	ff, err := records.NewFieldFilter(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return ff
}

type benchScoreMeta struct {
	Quality *float64 `parquet:"quality,optional"`
	Votes   int64    `parquet:"votes"`
}

type benchScoreRow struct {
	Text    string          `parquet:"text"`
	Quality float64         `parquet:"quality"`
	Meta    *benchScoreMeta `parquet:"meta,optional"`
}

// benchScoreFile generates a snappy file of rows short texts with a DOUBLE
// score at the top level and a nullable one in a nullable struct, in row
// groups of 65536 rows (8 batches of the default 8192 rows each).
func benchScoreFile(b *testing.B, rows int) []byte {
	b.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[benchScoreRow](&buf, parquet.Compression(&parquet.Snappy))
	batch := make([]benchScoreRow, 0, 1024)
	for i := 0; i < rows; {
		batch = batch[:0]
		for ; len(batch) < cap(batch) && i < rows; i++ {
			r := benchScoreRow{Text: fmt.Sprintf("row %d of the benchmark corpus", i), Quality: float64(i%1000) / 999}
			if i%10 != 0 {
				r.Meta = &benchScoreMeta{Votes: int64(i)}
				if i%7 != 0 {
					r.Meta.Quality = f64p(float64(i%997) / 996)
				}
			}
			batch = append(batch, r)
		}
		if _, err := w.Write(batch); err != nil {
			b.Fatal(err)
		}
		if i%(64*1024) == 0 {
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkScalar measures Scalar over every record of a 262144-row file:
// the first call of each batch decodes (or finds in the cache) the score
// column's chunk, the others format one number. Batches are read before the
// timer starts, so the figures are Scalar's alone; throughput is in decoded
// score bytes (8 per record).
func BenchmarkScalar(b *testing.B) {
	const rows = 256 * 1024
	data := benchScoreFile(b, rows)
	src := records.Source{Name: "bench.parquet", R: bytes.NewReader(data), Size: int64(len(data))}
	ff, _ := records.NewFieldFilter([]string{"text"})
	for _, path := range []string{"quality", "meta.quality", "text"} {
		b.Run(path, func(b *testing.B) {
			b.SetBytes(rows * 8)
			b.ReportAllocs()
			var batches []*records.Batch
			var ms0, ms1 runtime.MemStats
			var mallocs uint64
			for b.Loop() {
				b.StopTimer()
				rd, err := Open(src, records.ReadOptions{Fields: ff})
				if err != nil {
					b.Fatal(err)
				}
				sr := rd.(records.ScalarReader)
				for i := 0; ; i++ {
					if i == len(batches) {
						batches = append(batches, new(records.Batch))
					}
					err := rd.Next(batches[i])
					if err == io.EOF {
						batches[i].N = 0
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				p := []byte(path)
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
