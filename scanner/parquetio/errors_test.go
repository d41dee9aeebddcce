package parquetio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/records"
)

// readToEnd opens data and reads every batch, returning the first error
// other than io.EOF.
func readToEnd(name string, data []byte, opt records.ReadOptions) error {
	rd, err := openBytes(name, data, opt)
	if err != nil {
		return err
	}
	defer rd.Close()
	var b records.Batch
	for {
		if err := rd.Next(&b); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// textChunk returns the byte range of the text column's chunk in row group g.
func textChunk(t *testing.T, data []byte, g int) (start, end int64) {
	t.Helper()
	_, f := readRows(t, data)
	leaf, _ := f.Schema().Lookup("text")
	md := f.Metadata().RowGroups[g].Columns[leaf.ColumnIndex].MetaData
	start = md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset
	}
	return start, start + md.TotalCompressedSize
}

func TestCorruptInput(t *testing.T) {
	good := writeDocs(t, makeDocs(12), []int{4, 4, 4}, parquet.Compression(&parquet.Snappy))
	footerLen := int(binary.LittleEndian.Uint32(good[len(good)-8:]))

	mutate := func(f func(d []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name  string
		data  []byte
		where string
	}{
		{"empty", nil, "footer"},
		{"not parquet", []byte("this is not a parquet file, just text"), "footer"},
		{"truncated tail", good[:len(good)-5], "footer"},
		{"truncated half", good[:len(good)/2], "footer"},
		{"bad footer magic", mutate(func(d []byte) []byte { copy(d[len(d)-4:], "XXXX"); return d }), "footer"},
		{"huge footer length", mutate(func(d []byte) []byte {
			binary.LittleEndian.PutUint32(d[len(d)-8:], 1<<30)
			return d
		}), "footer"},
		{"garbage footer", mutate(func(d []byte) []byte {
			for i := len(d) - 8 - footerLen; i < len(d)-8; i++ {
				d[i] = 0xff
			}
			return d
		}), "footer"},
		{"page data of row group 1", mutate(func(d []byte) []byte {
			_, end := textChunk(t, d, 1)
			for i := end - 8; i < end; i++ {
				d[i] ^= 0x5a
			}
			return d
		}), "row group 1"},
		{"page header of row group 2", mutate(func(d []byte) []byte {
			start, _ := textChunk(t, d, 2)
			for i := start; i < start+6; i++ {
				d[i] = 0xff
			}
			return d
		}), "row group 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const name = "corpus/part-0.parquet"
			err := readToEnd(name, tt.data, records.ReadOptions{})
			var fe *records.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v (%T), want *records.FileError", err, err)
			}
			if fe.File != name || fe.Where != tt.where {
				t.Errorf("FileError at %q %q, want %q %q", fe.File, fe.Where, name, tt.where)
			}
			if !errors.Is(err, records.ErrCorrupt) {
				t.Errorf("error %v does not wrap records.ErrCorrupt", err)
			}
		})
	}
}

// TestCorruptErrorIsSticky checks that the rows before a damaged row group
// are delivered, and that Next keeps failing after the damage.
func TestCorruptErrorIsSticky(t *testing.T) {
	data := writeDocs(t, makeDocs(12), []int{4, 4, 4})
	start, _ := textChunk(t, data, 1)
	data[start+2] ^= 0xff
	rd, err := openBytes("f", data, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b records.Batch
	if err := rd.Next(&b); err != nil || b.N != 4 {
		t.Fatalf("first batch: N=%d err=%v", b.N, err)
	}
	first := rd.Next(&b)
	if !errors.Is(first, records.ErrCorrupt) {
		t.Fatalf("second batch: %v, want ErrCorrupt", first)
	}
	if again := rd.Next(&b); again != first || b.N != 0 {
		t.Fatalf("Next after failure = %v (N=%d), want the same error", again, b.N)
	}
}

// failingReaderAt fails every read at or past offset from.
type failingReaderAt struct {
	data []byte
	from int64
	err  error
}

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.from && off < int64(len(f.data))-int64(8+binary.LittleEndian.Uint32(f.data[len(f.data)-8:])) {
		return 0, f.err
	}
	return bytes.NewReader(f.data).ReadAt(p, off)
}

// TestIOErrorIsNotCorrupt checks that a failing ReaderAt is reported as the
// I/O error it is, not as damaged input.
func TestIOErrorIsNotCorrupt(t *testing.T) {
	data := writeDocs(t, makeDocs(8), []int{4, 4})
	start, _ := textChunk(t, data, 1)
	ioErr := errors.New("connection reset")
	rd, err := Open(records.Source{Name: "remote", R: failingReaderAt{data, start, ioErr}, Size: int64(len(data))}, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b records.Batch
	for err == nil {
		err = rd.Next(&b)
	}
	var fe *records.FileError
	if !errors.As(err, &fe) || fe.Where != "row group 1" {
		t.Fatalf("error = %v, want a FileError at row group 1", err)
	}
	if !errors.Is(err, ioErr) || errors.Is(err, records.ErrCorrupt) {
		t.Fatalf("error = %v: want the I/O error, not ErrCorrupt", err)
	}
}

func TestUnsupportedInput(t *testing.T) {
	good := writeDocs(t, makeDocs(4), []int{4})
	t.Run("encrypted footer", func(t *testing.T) {
		d := bytes.Clone(good)
		copy(d[len(d)-4:], "PARE")
		_, err := openBytes("enc.parquet", d, records.ReadOptions{})
		var fe *records.FileError
		if !errors.As(err, &fe) || fe.Where != "footer" || !errors.Is(err, ErrUnsupported) || errors.Is(err, records.ErrCorrupt) {
			t.Fatalf("error = %v; want a footer FileError wrapping ErrUnsupported only", err)
		}
	})
	t.Run("codec", func(t *testing.T) {
		f, err := parquet.OpenFile(bytes.NewReader(good), int64(len(good)))
		if err != nil {
			t.Fatal(err)
		}
		if err := checkMetadata(f); err != nil {
			t.Fatalf("valid file rejected: %v", err)
		}
		f.Metadata().RowGroups[0].Columns[3].MetaData.Codec = format.LZO
		if err := checkMetadata(f); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("LZO column: %v, want ErrUnsupported", err)
		}
	})
}
