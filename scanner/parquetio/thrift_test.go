package parquetio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/scanner/records"
)

func TestCheckThrift(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		wantLen int // -1: error
	}{
		{"empty struct", []byte{0x00}, 1},
		{"i32 field", []byte{0x15, 0x04, 0x00}, 3},
		{"bool fields carry no payload", []byte{0x11, 0x12, 0x00}, 3},
		{"binary", []byte{0x18, 0x03, 'a', 'b', 'c', 0x00}, 6},
		{"long field id", []byte{0x05, 0x0a, 0x02, 0x00}, 4},
		{"list of three i32", []byte{0x19, 0x35, 0x02, 0x04, 0x06, 0x00}, 6},
		{"list of structs", []byte{0x19, 0x2c, 0x00, 0x00, 0x00}, 5},
		{"map", []byte{0x1b, 0x01, 0x85, 0x01, 'k', 0x02, 0x00}, 7},
		{"trailing bytes are not part of the struct", []byte{0x00, 0xff, 0xff}, 1},
		{"list claims more elements than bytes", []byte{0x19, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00}, -1},
		{"map claims more entries than bytes", []byte{0x1b, 0xff, 0xff, 0xff, 0xff, 0x07, 0x55, 0x00}, -1},
		{"binary longer than input", []byte{0x18, 0x7f, 'a', 0x00}, -1},
		{"truncated", []byte{0x15}, -1},
		{"no stop", []byte{0x15, 0x02}, -1},
		{"unknown type", []byte{0x1d, 0x00}, -1},
		{"varint overflow", []byte{0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00}, -1},
		{"too deep", append(bytes.Repeat([]byte{0x1c}, maxThriftDepth+2), bytes.Repeat([]byte{0x00}, maxThriftDepth+3)...), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := checkThrift(tt.in)
			if tt.wantLen < 0 {
				if err == nil {
					t.Fatalf("accepted (%d bytes)", n)
				}
				return
			}
			if err != nil || n != tt.wantLen {
				t.Fatalf("checkThrift = %d, %v; want %d", n, err, tt.wantLen)
			}
		})
	}
}

// TestCheckThriftAcceptsRealMetadata guards against the checker rejecting
// valid files: every fixture's footer and page headers must pass.
func TestCheckThriftAcceptsRealMetadata(t *testing.T) {
	for i, data := range fuzzSeeds(t) {
		n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
		footer := data[len(data)-8-n : len(data)-8]
		if got, err := checkThrift(footer); err != nil || got != n {
			t.Fatalf("seed %d: footer: %d, %v; want %d", i, got, err, n)
		}
		_, f := readRows(t, data)
		for g := range f.Metadata().RowGroups {
			if _, err := checkChunks(bytes.NewReader(data), int64(len(data)), &f.Metadata().RowGroups[g], nil, nil); err != nil {
				t.Fatalf("seed %d row group %d: %v", i, g, err)
			}
		}
	}
}

// FuzzCheckThrift checks that the metadata checker never panics and never
// reports a struct longer than its input.
func FuzzCheckThrift(f *testing.F) {
	for _, data := range fuzzSeeds(f) {
		n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
		f.Add(data[len(data)-8-n : len(data)-8])
	}
	f.Add([]byte{0x19, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := checkThrift(b)
		if err == nil && (n <= 0 || n > len(b)) {
			t.Fatalf("checkThrift accepted %d bytes of %d", n, len(b))
		}
	})
}

func TestPanicError(t *testing.T) {
	var rt runtime.Error
	func() {
		defer func() { rt = recover().(runtime.Error) }()
		var s []int
		_ = s[len(s)+1:]
	}()
	tests := []struct {
		name     string
		p        any
		wantText string
		hideText string
	}{
		{"runtime error keeps its text", rt, "slice bounds", ""},
		{"other values are not printed", "secret sk_live_1234", "decoder panic (string)", "sk_live_1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := panicError(tt.p)
			if !errors.Is(err, records.ErrCorrupt) {
				t.Errorf("%v does not wrap ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("%q lacks %q", err, tt.wantText)
			}
			if tt.hideText != "" && strings.Contains(err.Error(), tt.hideText) {
				t.Errorf("%q leaks the panic value", err)
			}
		})
	}
}

func TestQuarantineSchema(t *testing.T) {
	in := parquet.SchemaOf(message{})
	root := newQuarantineRoot(in, parquet.String())
	if s := root.String(); !strings.Contains(s, "required binary _winnow_reason (STRING)") || strings.Index(s, "content") > strings.Index(s, ReasonColumn) {
		t.Fatalf("quarantine schema:\n%s", s)
	}
	typ := root.GoType()
	if typ.NumField() != 3 {
		t.Fatalf("GoType %v has %d fields, want 3", typ, typ.NumField())
	}
}
