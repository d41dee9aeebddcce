package parquetio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/winnow-data/winnow/scanner/records"
)

type message struct {
	Role    string `parquet:"role"`
	Content string `parquet:"content"`
}

type docMeta struct {
	URL   string `parquet:"url"`
	Score *int32 `parquet:"score,optional"`
}

// doc exercises every kind of column the package must handle: scalars of
// several physical types, nullable and dictionary-encoded strings, a struct,
// a list of structs, a bare repeated leaf and a map.
type doc struct {
	ID       int64             `parquet:"id"`
	Text     string            `parquet:"text"`
	Title    *string           `parquet:"title,optional"`
	Tag      string            `parquet:"tag,dict"`
	Score    float64           `parquet:"score"`
	Ratio    float32           `parquet:"ratio"`
	Count    *int32            `parquet:"count,optional"`
	TS       time.Time         `parquet:"ts,timestamp(millisecond)"`
	Flag     bool              `parquet:"flag"`
	Blob     []byte            `parquet:"blob"`
	Meta     docMeta           `parquet:"meta"`
	Messages []message         `parquet:"messages,list"`
	Tags     []string          `parquet:"tags"`
	Attrs    map[string]string `parquet:"attrs"`
}

// docFields are the scanned field names of doc, in schema order.
var docFields = []string{
	"text", "title", "tag", "blob", "meta.url",
	"messages.role", "messages.content", "tags", "attrs.key", "attrs.value",
}

func strp(s string) *string { return &s }
func i32p(v int32) *int32   { return &v }

// makeDocs returns n deterministic documents; every third has no title,
// every fourth an empty message list.
func makeDocs(n int) []doc {
	tags := []string{"news", "code", "chat"}
	out := make([]doc, n)
	for i := range out {
		d := doc{
			ID:    int64(i),
			Text:  fmt.Sprintf("document %d body with mail user%d@example.com", i, i),
			Tag:   tags[i%len(tags)],
			Score: float64(i) / 3,
			Ratio: float32(i) / 7,
			TS:    time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Hour),
			Flag:  i%2 == 0,
			Blob:  []byte{byte(i), 0, 0xff},
			Meta:  docMeta{URL: fmt.Sprintf("https://example.com/%d", i)},
			Tags:  []string{fmt.Sprintf("t%d", i)},
		}
		if i%3 != 0 {
			d.Title = strp(fmt.Sprintf("title %d", i))
		}
		if i%2 == 1 {
			d.Count = i32p(int32(i))
			d.Meta.Score = i32p(int32(10 * i))
		}
		if i%4 != 0 {
			d.Messages = []message{
				{Role: "user", Content: fmt.Sprintf("question %d", i)},
				{Role: "assistant", Content: fmt.Sprintf("answer %d", i)},
			}
		}
		if i%5 == 0 {
			d.Attrs = map[string]string{"lang": "en"}
		}
		out[i] = d
	}
	return out
}

// writeDocs writes docs as Parquet with the given row-group sizes.
func writeDocs(t testing.TB, docs []doc, groups []int, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[doc](&buf, opts...)
	at := 0
	for _, n := range groups {
		if _, err := w.Write(docs[at : at+n]); err != nil {
			t.Fatal(err)
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

// saveFile writes data into a temporary file and returns its path, so the
// tests read real files as the engine does.
func saveFile(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func openPath(t testing.TB, path string, opt records.ReadOptions) *reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := Open(records.Source{Name: path, R: f, Size: st.Size()}, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Close() })
	return rd.(*reader)
}

func openBytes(name string, data []byte, opt records.ReadOptions) (records.Reader, error) {
	return Open(records.Source{Name: name, R: bytes.NewReader(data), Size: int64(len(data))}, opt)
}

// fieldValue is one scanned value with its record and field name.
type fieldValue struct {
	Row   int64
	Field string
	Value string
}

// readAll reads every batch of rd and returns the values in batch order,
// checking the Batch invariants on the way.
func readAll(t testing.TB, rd records.Reader) (vals []fieldValue, batches int) {
	t.Helper()
	var b records.Batch
	next := int64(0)
	for {
		err := rd.Next(&b)
		if b.N > 0 {
			batches++
			if b.Row != next {
				t.Fatalf("batch starts at row %d, want %d", b.Row, next)
			}
			prev := int32(0)
			for i := 0; i < b.NumValues(); i++ {
				rec := b.ValueRec[i]
				if rec < prev || int(rec) >= b.N {
					t.Fatalf("value %d: record %d out of order (prev %d, N %d)", i, rec, prev, b.N)
				}
				prev = rec
				vals = append(vals, fieldValue{b.Row + int64(rec), string(b.FieldName(i)), string(b.Value(i))})
			}
			next += int64(b.N)
		}
		if errors.Is(err, io.EOF) {
			return vals, batches
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// readRows returns every row of a Parquet file, group by group, and the
// file for metadata checks.
func readRows(t testing.TB, data []byte) ([][]parquet.Row, *parquet.File) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var groups [][]parquet.Row
	for _, g := range f.RowGroups() {
		rows := g.Rows()
		var out []parquet.Row
		buf := make([]parquet.Row, 16)
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				out = append(out, r.Clone())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		groups = append(groups, out)
	}
	return groups, f
}

// codecs are the compression codecs the round trip covers.
var codecs = []struct {
	name  string
	codec compress.Codec
}{
	{"uncompressed", &parquet.Uncompressed},
	{"snappy", &parquet.Snappy},
	{"zstd", &parquet.Zstd},
	{"gzip", &parquet.Gzip},
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
