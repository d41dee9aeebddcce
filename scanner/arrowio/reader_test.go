package arrowio

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/scanner/records"
)

func TestReadValues(t *testing.T) {
	rows := fixtureRows()
	tests := []struct {
		name     string
		patterns []string
		want     []string // scanned fields
	}{
		{"all", nil, fixtureNames},
		{"one nested leaf", []string{"messages.content"}, []string{"messages.content"}},
		{"struct prefix", []string{"meta"}, []string{"meta.url", "meta.tags"}},
		{"json-style and plain", []string{"$.text", "blob"}, []string{"text", "blob"}},
		{"list prefix", []string{"messages"}, []string{"messages.role", "messages.content"}},
		{"no match", []string{"nope"}, nil},
	}
	for _, f := range formats {
		data := writeFixture(t, f, rows, []int{0, 3, 3, 6})
		for _, tc := range tests {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				filter, err := records.NewFieldFilter(tc.patterns)
				if err != nil {
					t.Fatal(err)
				}
				r, err := openBytes(t, data, records.ReadOptions{Fields: filter})
				if err != nil {
					t.Fatal(err)
				}
				if got := r.ScannedFields(); !slices.Equal(got, tc.want) {
					t.Errorf("ScannedFields = %q, want %q", got, tc.want)
				}
				got, infos, err := readValues(t, r, nil)
				if err != nil {
					t.Fatal(err)
				}
				want := expectedValues(rows, 0, func(f string) bool { return slices.Contains(tc.want, f) })
				if !slices.Equal(got, want) {
					t.Errorf("values differ\n got %v\nwant %v", got, want)
				}
				// The empty record batch yields no Batch; the others one each.
				if wantInfo := []batchInfo{{0, 3}, {3, 3}}; !slices.Equal(infos, wantInfo) {
					t.Errorf("batches = %v, want %v", infos, wantInfo)
				}
			})
		}
	}
}

func TestBatchLimits(t *testing.T) {
	rows := fixtureRows()
	tests := []struct {
		name string
		opt  records.ReadOptions
		want []batchInfo
	}{
		{"rows", records.ReadOptions{BatchRows: 2}, []batchInfo{{0, 2}, {2, 1}, {3, 2}, {5, 1}}},
		{"bytes", records.ReadOptions{BatchBytes: 1}, []batchInfo{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}},
		{"default", records.ReadOptions{}, []batchInfo{{0, 3}, {3, 3}}},
	}
	for _, f := range formats[:2] {
		data := writeFixture(t, f, rows, []int{0, 3, 6})
		for _, tc := range tests {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				r, err := openBytes(t, data, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				var total int64
				got, infos, err := readValues(t, r, func(b *records.Batch) {
					if b.Bytes <= 0 {
						t.Errorf("batch at row %d: Bytes = %d", b.Row, b.Bytes)
					}
					total += b.Bytes
				})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(infos, tc.want) {
					t.Errorf("batches = %v, want %v", infos, tc.want)
				}
				if want := expectedValues(rows, 0, func(string) bool { return true }); !slices.Equal(got, want) {
					t.Errorf("values differ\n got %v\nwant %v", got, want)
				}
				if total < int64(len(data))/4 {
					t.Errorf("total Bytes %d implausibly small for %d input bytes", total, len(data))
				}
			})
		}
	}
}

func TestRecordTooLarge(t *testing.T) {
	data := writeFixture(t, formats[1], fixtureRows(), []int{0, 6})
	r, err := openBytes(t, data, records.ReadOptions{MaxRecordBytes: 20})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readValues(t, r, nil)
	var fe *records.FileError
	if !errors.As(err, &fe) || !errors.Is(err, records.ErrRecordTooLarge) {
		t.Fatalf("err = %v, want FileError wrapping ErrRecordTooLarge", err)
	}
	// Row 0 has 23+12+3+... bytes of values: the first row over 20 bytes.
	if fe.Where != "row 0" {
		t.Errorf("Where = %q, want row 0", fe.Where)
	}
	if strings.Contains(err.Error(), "alice") {
		t.Errorf("error leaks a value: %v", err)
	}
}
