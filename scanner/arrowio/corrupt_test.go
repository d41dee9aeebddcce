package arrowio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/winnow-data/winnow/scanner/records"
)

// stringStream returns an uncompressed or compressed stream with one utf8
// column holding vals in one record batch.
func stringStream(t testing.TB, vals []string, opts ...ipc.Option) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewStringBuilder(memory.NewGoAllocator())
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecord(schema, []arrow.Array{col}, int64(len(vals)))
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, append(opts, ipc.WithSchema(schema))...)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// patch returns a copy of data with the first occurrence of old, searched
// from offset from, replaced by new.
func patch(t *testing.T, data []byte, from int, old, new []byte) []byte {
	t.Helper()
	i := bytes.Index(data[from:], old)
	if i < 0 {
		t.Fatalf("pattern %x not found", old)
	}
	out := bytes.Clone(data)
	copy(out[from+i:], new)
	return out
}

func le32s(vals ...uint32) []byte {
	out := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// firstRecordBody locates the body and the buffers of the first record
// batch of a stream.
func firstRecordBody(t *testing.T, data []byte) (body int64, bufs fbVector) {
	t.Helper()
	s := &source{name: "x", r: bytes.NewReader(data), size: int64(len(data))}
	pos := int64(0)
	for {
		f, next, eos, err := s.readFrame(pos)
		if err != nil || eos {
			t.Fatalf("no record batch: %v", err)
		}
		if f.m.kind == msgRecord {
			bm, err := f.m.recordBatch()
			if err != nil {
				t.Fatal(err)
			}
			return f.body, bm.buffers
		}
		pos = next
	}
}

// readAllErr opens data and reads it to the end, returning the first error.
// With checked set, it also fails the test if arrow memory leaks; it is
// cleared for inputs on which the arrow library itself panics mid-decode
// and drops what it had allocated (the Go allocator reclaims it).
func readAllErr(t *testing.T, data []byte, opt records.ReadOptions, checked bool) error {
	t.Helper()
	var r records.Reader
	var err error
	if checked {
		r, err = openBytes(t, data, opt)
	} else {
		r, err = Open(records.Source{Name: "in.arrow", R: bytes.NewReader(data), Size: int64(len(data))}, opt)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	var b records.Batch
	for {
		if err := r.Next(&b); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func TestCorruptInput(t *testing.T) {
	file := writeFixture(t, formats[0], fixtureRows(), []int{0, 3, 6})
	stream := writeFixture(t, formats[1], fixtureRows(), []int{0, 3, 6})
	abc := stringStream(t, []string{"abcdef"})
	two := stringStream(t, []string{"abc", "def"})
	zstd := stringStream(t, []string{strings.Repeat("z", 100)}, ipc.WithZstd())
	bodyOf := func(data []byte) int {
		body, _ := firstRecordBody(t, data)
		return int(body)
	}
	footerStart := len(file) - 10 - int(binary.LittleEndian.Uint32(file[len(file)-10:]))

	hugeZstd := func() []byte {
		body, bufs := firstRecordBody(t, zstd)
		out := bytes.Clone(zstd)
		for i := 0; i < bufs.n; i++ {
			if off, n := bufs.i64(i, 0), bufs.i64(i, 8); n >= 8 {
				binary.LittleEndian.PutUint64(out[body+off:], 1<<40)
				return out
			}
		}
		t.Fatal("no compressed buffer")
		return nil
	}

	// A zstd frame header claiming a 512 MiB window: the decoder would
	// allocate it up front.
	bigWindow := func() []byte {
		body, bufs := firstRecordBody(t, zstd)
		out := bytes.Clone(zstd)
		for i := 0; i < bufs.n; i++ {
			off, n := bufs.i64(i, 0), bufs.i64(i, 8)
			p := body + off + 8
			if n >= 14 && binary.LittleEndian.Uint32(out[p:]) == 0xFD2FB528 && out[p+4]&0x20 == 0 {
				out[p+5] = 19 << 3 // window log 29
				return out
			}
		}
		t.Fatal("no multi-segment zstd frame")
		return nil
	}

	tests := []struct {
		name  string
		data  []byte
		is    error
		where string // prefix of FileError.Where
	}{
		{"empty", nil, records.ErrCorrupt, ""},
		{"short", []byte("ARR"), records.ErrCorrupt, ""},
		{"bad magic", append([]byte("PAR1\x00\x00\x00\x00"), make([]byte, 64)...), records.ErrCorrupt, ""},
		{"feather v1", append([]byte("FEA1"), make([]byte, 64)...), records.ErrUnknownFormat, ""},
		{"file missing last byte", file[:len(file)-1], records.ErrCorrupt, "footer"},
		{"file cut in half", file[:len(file)/2], records.ErrCorrupt, "footer"},
		{"file footer length", func() []byte {
			out := bytes.Clone(file)
			binary.LittleEndian.PutUint32(out[len(out)-10:], 0x7fffff00)
			return out
		}(), records.ErrCorrupt, "footer"},
		{"file footer garbage", func() []byte {
			out := bytes.Clone(file)
			for i := footerStart; i < len(out)-10; i++ {
				out[i] = 0xff
			}
			return out
		}(), records.ErrCorrupt, "footer"},
		{"file schema message garbage", func() []byte {
			out := bytes.Clone(file)
			for i := 16; i < 48; i++ {
				out[i] = 0xff
			}
			return out
		}(), records.ErrCorrupt, "schema"},
		{"stream cut in schema", stream[:12], records.ErrCorrupt, "schema"},
		{"stream metadata length", func() []byte {
			out := bytes.Clone(stream)
			binary.LittleEndian.PutUint32(out[4:], 0x7fffff00)
			return out
		}(), records.ErrCorrupt, "schema"},
		{"stream cut in last body", stream[:len(stream)-20], records.ErrCorrupt, "record batch 1"},
		{"stream cut in first batch", stream[:len(stream)/2], records.ErrCorrupt, ""},
		{"buffer past body", patch(t, abc, 8, le32s(0, 6), le32s(0, 600)), records.ErrCorrupt, "record batch 0"},
		{"string offset past values", patch(t, abc, bodyOf(abc), le32s(0, 6), le32s(0, 7)), records.ErrCorrupt, "record batch 0"},
		{"decreasing string offsets", patch(t, two, bodyOf(two), le32s(0, 3, 6), le32s(0, 7, 6)), records.ErrCorrupt, "record batch 0"},
		{"compressed size too large", hugeZstd(), records.ErrRecordTooLarge, "record batch 0"},
		{"zstd window too large", bigWindow(), records.ErrCorrupt, "record batch 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// On this input the arrow library panics while decoding.
			leaky := tc.name == "string offset past values"
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			err := readAllErr(t, tc.data, records.ReadOptions{}, !leaky)
			runtime.ReadMemStats(&ms1)
			// Damaged lengths must not turn into large allocations.
			if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 16<<20 {
				t.Errorf("reading allocated %d MB", d>>20)
			}
			var fe *records.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *records.FileError", err, err)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.is)
			}
			if fe.File != "in.arrow" || !strings.HasPrefix(fe.Where, tc.where) {
				t.Errorf("FileError at %q %q, want in.arrow %q", fe.File, fe.Where, tc.where)
			}
		})
	}
}

// TestValidInputsStillRead guards the corruption checks against false
// positives on the shapes the other tests do not build.
func TestValidInputsStillRead(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"one string", stringStream(t, []string{"abcdef"}), []string{"abcdef"}},
		{"empty strings", stringStream(t, []string{"", ""}), []string{"", ""}},
		{"zstd", stringStream(t, []string{strings.Repeat("z", 100)}, ipc.WithZstd()), []string{strings.Repeat("z", 100)}},
		{"lz4", stringStream(t, []string{"a", "bc"}, ipc.WithLZ4()), []string{"a", "bc"}},
		{"zstd 9 MB", stringStream(t, bigText(3), ipc.WithZstd()), bigText(3)},
		{"lz4 9 MB", stringStream(t, bigText(3), ipc.WithLZ4()), bigText(3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := openBytes(t, tc.data, records.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			vals, _, err := readValues(t, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vals {
				got = append(got, v.v)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("values %q, want %q", got, tc.want)
			}
		})
	}
}

// bigText returns n deterministic, poorly compressible 3 MB strings.
func bigText(n int) []string {
	out := make([]string, n)
	x := uint64(1)
	for i := range out {
		b := make([]byte, 3<<20)
		for k := range b {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			b[k] = 'a' + byte(x%26)
		}
		out[i] = string(b)
	}
	return out
}
