package corpus

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

func TestChatParquetRoundTrip(t *testing.T) {
	docs := Chat(21, 130, DefaultOptions())
	var buf bytes.Buffer
	if err := WriteChatParquet(&buf, docs, 50); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n != 3 {
		t.Errorf("row groups = %d, want 3", n)
	}
	md := f.Metadata()
	for _, rg := range md.RowGroups {
		for _, cc := range rg.Columns {
			if cc.MetaData.Codec != format.Snappy {
				t.Errorf("column %v: codec %v, want snappy", cc.MetaData.PathInSchema, cc.MetaData.Codec)
			}
			if cc.MetaData.PathInSchema[0] == "source" && !slicesContainsEncoding(cc.MetaData.Encoding, format.RLEDictionary, format.PlainDictionary) {
				t.Errorf("source column is not dictionary-encoded: %v", cc.MetaData.Encoding)
			}
		}
	}
	r := parquet.NewGenericReader[ChatRow](bytes.NewReader(buf.Bytes()))
	defer r.Close()
	rows := make([]ChatRow, len(docs)+1)
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if n != len(docs) {
		t.Fatalf("read %d rows, want %d", n, len(docs))
	}
	for i, d := range docs {
		got := rows[i]
		if got.ID != d.Num || got.Source != d.Source || !reflect.DeepEqual(got.Score, d.Score) || len(got.Messages) != len(d.Messages) {
			t.Fatalf("row %d differs: %+v", i, got)
		}
		for k, m := range d.Messages {
			if got.Messages[k].Role != m.Role || got.Messages[k].Content != m.Content {
				t.Fatalf("row %d message %d differs", i, k)
			}
		}
	}
}

func slicesContainsEncoding(have []format.Encoding, want ...format.Encoding) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

func TestCodeArrowRoundTrip(t *testing.T) {
	docs := Code(22, 70, DefaultOptions())
	var buf bytes.Buffer
	if err := WriteCodeArrow(&buf, docs, 32); err != nil {
		t.Fatal(err)
	}
	r, err := ipc.NewReader(bytes.NewReader(buf.Bytes()), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Schema().Equal(CodeSchema()) {
		t.Fatalf("schema = %v", r.Schema())
	}
	if r.Schema().Field(2).Type.ID() != arrow.LARGE_STRING {
		t.Fatal("content is not large_string")
	}
	row, batches := 0, 0
	for r.Next() {
		rec := r.Record()
		batches++
		repo := rec.Column(0).(*array.String)
		path := rec.Column(1).(*array.String)
		content := rec.Column(2).(*array.LargeString)
		stars := rec.Column(3).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			d := docs[row]
			if repo.Value(i) != d.Repo || path.Value(i) != d.Path || content.Value(i) != d.Content || stars.Value(i) != d.Stars {
				t.Fatalf("row %d differs", row)
			}
			row++
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if row != len(docs) || batches != 3 {
		t.Fatalf("read %d rows in %d batches, want %d in 3", row, batches, len(docs))
	}
}

func TestWritersRejectWrongShape(t *testing.T) {
	web := Web(1, 2, Options{})
	if err := WriteChatParquet(io.Discard, web, 10); err == nil {
		t.Error("WriteChatParquet accepted text documents")
	}
	if err := WriteCodeArrow(io.Discard, web, 10); err == nil {
		t.Error("WriteCodeArrow accepted text documents")
	}
	if err := WriteChatParquet(io.Discard, nil, 0); err == nil {
		t.Error("WriteChatParquet accepted rowsPerGroup 0")
	}
}
