package corpus

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

// ChatRow is the Parquet row layout of chat documents: id int64, messages
// list<struct<role string, content string>>, source string
// (dictionary-encoded) and score double (nullable).
type ChatRow struct {
	ID       int64         `parquet:"id"`
	Messages []ChatMessage `parquet:"messages,list"`
	Source   string        `parquet:"source,dict"`
	Score    *float64      `parquet:"score,optional"`
}

// ChatMessage is one element of ChatRow.Messages.
type ChatMessage struct {
	Role    string `parquet:"role"`
	Content string `parquet:"content"`
}

// WriteChatParquet writes chat documents (Shape ShapeChat, using Num as the
// id) to w as one Parquet file with snappy compression and rowsPerGroup rows
// per row group. The output is deterministic. It does not close w.
func WriteChatParquet(w io.Writer, docs []Doc, rowsPerGroup int) error {
	if rowsPerGroup <= 0 {
		return fmt.Errorf("rowsPerGroup must be positive, got %d", rowsPerGroup)
	}
	pw := parquet.NewGenericWriter[ChatRow](w,
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("winnow-samples", "1", "samples-gen"),
	)
	rows := make([]ChatRow, 0, rowsPerGroup)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		if _, err := pw.Write(rows); err != nil {
			return err
		}
		rows = rows[:0]
		return pw.Flush()
	}
	for i := range docs {
		d := &docs[i]
		if d.Shape != ShapeChat {
			return fmt.Errorf("doc %d: not a chat document", i)
		}
		msgs := make([]ChatMessage, len(d.Messages))
		for k, m := range d.Messages {
			msgs[k] = ChatMessage{Role: m.Role, Content: m.Content}
		}
		rows = append(rows, ChatRow{ID: d.Num, Messages: msgs, Source: d.Source, Score: d.Score})
		if len(rows) == rowsPerGroup {
			if err := flush(); err != nil {
				return fmt.Errorf("row group ending at row %d: %w", i, err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("last row group: %w", err)
	}
	return pw.Close()
}

// CodeSchema is the Arrow schema of code documents: repo string, path
// string, content large_string, stars int64.
func CodeSchema() *arrow.Schema {
	meta := arrow.NewMetadata(
		[]string{"huggingface"},
		[]string{`{"info":{"features":{"repo":{"dtype":"string","_type":"Value"},"path":{"dtype":"string","_type":"Value"},"content":{"dtype":"large_string","_type":"Value"},"stars":{"dtype":"int64","_type":"Value"}}}}`},
	)
	return arrow.NewSchema([]arrow.Field{
		{Name: "repo", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "path", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "content", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "stars", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, &meta)
}

// WriteCodeArrow writes code documents (Shape ShapeCode) to w as an Arrow
// IPC stream (the format of Hugging Face datasets shards) with rowsPerBatch
// rows per record batch. The output is deterministic. It does not close w.
func WriteCodeArrow(w io.Writer, docs []Doc, rowsPerBatch int) error {
	if rowsPerBatch <= 0 {
		return fmt.Errorf("rowsPerBatch must be positive, got %d", rowsPerBatch)
	}
	mem := memory.NewGoAllocator()
	schema := CodeSchema()
	iw := ipc.NewWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	for start := 0; start < len(docs); start += rowsPerBatch {
		end := min(start+rowsPerBatch, len(docs))
		b := array.NewRecordBuilder(mem, schema)
		repo := b.Field(0).(*array.StringBuilder)
		path := b.Field(1).(*array.StringBuilder)
		content := b.Field(2).(*array.LargeStringBuilder)
		stars := b.Field(3).(*array.Int64Builder)
		for i := start; i < end; i++ {
			d := &docs[i]
			if d.Shape != ShapeCode {
				b.Release()
				return fmt.Errorf("doc %d: not a code document", i)
			}
			repo.Append(d.Repo)
			path.Append(d.Path)
			content.Append(d.Content)
			stars.Append(d.Stars)
		}
		rec := b.NewRecord()
		err := iw.Write(rec)
		rec.Release()
		b.Release()
		if err != nil {
			return fmt.Errorf("record batch at row %d: %w", start, err)
		}
	}
	return iw.Close()
}
