// Package parquetio reads and writes Parquet files for winnow.
//
// Open returns a records.Reader that scans every text or binary BYTE_ARRAY
// leaf column (selected by ReadOptions.Fields) straight from the column
// chunks' pages: values are copied from decoded pages into the Batch's flat
// buffer, with no per-row strings or parquet.Value objects. Field names are
// logical column paths (DESIGN §3): struct field names joined by '.', with
// the repeated wrapper levels of LIST and MAP groups omitted, so the leaf
// messages.list.element.content is named "messages.content".
//
// The reader is also a records.ScalarReader: Scalar reads keep-policy scores
// (--keep max:meta.quality) from numeric and string columns that are not
// scanned, decoding only the named column, one row group's chunk at a time.
//
// The reader's NewWriter returns a records.BatchWriter that writes the input's
// rows back with the same schema, codecs, key/value metadata and row-group
// layout, applying edits and moving dropped rows to a quarantine file with an
// extra _winnow_reason column. See writer.go for its memory bounds.
package parquetio

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/records"
)

// Compile-time interface checks.
var (
	_ records.Reader       = (*reader)(nil)
	_ records.FieldLister  = (*reader)(nil)
	_ records.ScalarReader = (*reader)(nil)
	_ records.BatchWriter  = (*batchWriter)(nil)
)

// reader implements records.Reader, records.FieldLister and
// records.ScalarReader over one file.
type reader struct {
	name   string
	src    *sourceReader
	size   int64
	file   *parquet.File
	meta   *format.FileMetaData
	groups []parquet.RowGroup
	opt    records.ReadOptions
	cols   []leafInfo // scanned columns in schema order
	curs   []cursor   // one per scanned column, over the current row group

	g         int   // current row group, -1 before the first
	gStart    int64 // file row of the current group's first row
	gRows     int64 // rows in the current group
	gRow      int64 // rows of the current group already returned
	nextStart int64 // file row of the next group's first row

	leaves  []int  // leaf index of every scanned column
	scratch []byte // page header checks

	err        error // sticky failure
	writerMade atomic.Bool

	scal scalarCache // Scalar's resolved paths and decoded column chunks
}

// unit is what a Batch carries in Unit: for the writer, which row group its
// records come from and whether it is that group's last batch; for Scalar,
// the group's first file row and the paths looked up in this batch.
type unit struct {
	group  int
	last   bool
	gStart int64 // file row of the group's first row

	scal []unitScalar // Scalar lookups; released when the batch comes back
	sbuf []byte       // Scalar's formatted number
}

// Open returns a records.Reader over one Parquet file; the reader also
// implements records.FieldLister and records.ScalarReader (see Scalar).
// Only the footer is read here. src.R must be safe for concurrent use (the
// writer and Scalar read it from their own goroutines); the reader never
// closes it.
//
// A damaged or truncated file (bad magic, undecodable or inconsistent
// footer) gives a *records.FileError with Where "footer" that wraps
// records.ErrCorrupt; an encrypted file or an unsupported codec wraps
// ErrUnsupported instead. Damage inside row groups is reported by Next. A
// file without scannable columns is not an error: its batches carry records
// with no values.
func Open(src records.Source, opt records.ReadOptions) (rd records.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, &records.FileError{File: src.Name, Where: "footer", Err: panicError(p)}
		}
	}()
	if src.R == nil {
		return nil, fmt.Errorf("%s: parquet: nil input", src.Name)
	}
	sr := &sourceReader{r: src.R}
	if err := checkFooter(sr, src.Size); err != nil {
		return nil, fileError(src.Name, "footer", err)
	}
	f, err := parquet.OpenFile(sr, src.Size,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
	)
	if err != nil {
		return nil, fileError(src.Name, "footer", err)
	}
	if err := checkMetadata(f); err != nil {
		return nil, fileError(src.Name, "footer", err)
	}
	r := &reader{
		name:   src.Name,
		src:    sr,
		size:   src.Size,
		file:   f,
		meta:   f.Metadata(),
		groups: f.RowGroups(),
		opt:    opt.WithDefaults(),
		g:      -1,
	}
	r.cols = scannedLeaves(f.Root(), opt.Fields)
	r.curs = make([]cursor, len(r.cols))
	r.leaves = make([]int, len(r.cols))
	for i := range r.curs {
		r.leaves[i] = r.cols[i].leaf
		r.curs[i].col = &r.cols[i]
		r.curs[i].field = int32(i)
	}
	return r, nil
}

// checkMetadata rejects footers whose row counts cannot be trusted; the
// reader relies on them to size batches.
func checkMetadata(f *parquet.File) error {
	meta := f.Metadata()
	numLeaves := 0
	for _, s := range meta.Schema {
		if s.Type.Valid {
			numLeaves++
		}
	}
	var total int64
	for i := range meta.RowGroups {
		rg := &meta.RowGroups[i]
		if rg.NumRows < 0 {
			return fmt.Errorf("row group %d: negative row count %d", i, rg.NumRows)
		}
		if len(rg.Columns) != numLeaves {
			return fmt.Errorf("row group %d: %d column chunks for %d leaf columns", i, len(rg.Columns), numLeaves)
		}
		for j := range rg.Columns {
			switch codec := rg.Columns[j].MetaData.Codec; codec {
			case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd, format.Lz4Raw:
			default:
				return fmt.Errorf("%w: compression codec %s", ErrUnsupported, codec)
			}
			if rg.Columns[j].CryptoMetadata.Value != nil || len(rg.Columns[j].EncryptedColumnMetadata) > 0 {
				return fmt.Errorf("%w: encrypted column", ErrUnsupported)
			}
			if rg.Columns[j].MetaData.NumValues < rg.NumRows {
				return fmt.Errorf("row group %d: column chunk %d has %d values for %d rows",
					i, j, rg.Columns[j].MetaData.NumValues, rg.NumRows)
			}
		}
		sum, carry := bits.Add64(uint64(total), uint64(rg.NumRows), 0)
		if carry != 0 || sum > 1<<62 {
			return errors.New("row count overflow")
		}
		total = int64(sum)
	}
	if total != meta.NumRows {
		return fmt.Errorf("row groups hold %d rows, footer declares %d", total, meta.NumRows)
	}
	if len(f.RowGroups()) != len(meta.RowGroups) {
		return errors.New("row group count mismatch")
	}
	return nil
}

// ScannedFields returns the logical names of the scanned columns, in schema
// order, after ReadOptions.Fields filtering. The slice is freshly allocated
// and owned by the caller. Safe for concurrent use.
func (r *reader) ScannedFields() []string {
	out := make([]string, len(r.cols))
	for i := range r.cols {
		out[i] = string(r.cols[i].name)
	}
	return out
}

// Next resets b and fills it with the next records of the current row group;
// a batch never spans two row groups. Values are appended in row-major order:
// all values of a record (columns in schema order, list elements in order)
// before the next record's; null values produce no value. The reader keeps
// its buffers across calls and allocates nothing per record once b's buffers
// have grown.
//
// It returns io.EOF after the last record. A damaged page gives a
// *records.FileError naming the row group and wrapping records.ErrCorrupt; the
// error is sticky. Not safe for concurrent use.
func (r *reader) Next(b *records.Batch) (err error) {
	if u, ok := b.Unit.(*unit); ok {
		u.releaseScalars()
	}
	b.Reset()
	if r.err != nil {
		return r.err
	}
	defer func() {
		if p := recover(); p != nil {
			err = r.fail(panicError(p))
		}
		if err != nil && err != io.EOF {
			b.Reset() // drop a partly filled batch
		}
	}()
	for r.gRow >= r.gRows {
		if r.g+1 >= len(r.groups) {
			r.closeCursors()
			return io.EOF
		}
		r.g++
		r.gStart = r.nextStart
		r.gRows = r.groups[r.g].NumRows()
		r.nextStart += r.gRows
		r.gRow = 0
		if r.gRows > 0 {
			var err error
			r.scratch, err = checkChunks(r.src, r.size, &r.meta.RowGroups[r.g], r.leaves, r.scratch)
			if err != nil {
				return r.fail(err)
			}
			chunks := r.groups[r.g].ColumnChunks()
			for i := range r.curs {
				r.curs[i].reset(chunks[r.cols[i].leaf].Pages())
			}
		}
	}

	b.Row = r.gStart + r.gRow
	for i := range r.cols {
		b.AddName(r.cols[i].name)
	}
	limit := int(min(int64(r.opt.BatchRows), r.gRows-r.gRow))
	maxBytes := r.opt.BatchBytes
	n := 0
	switch {
	case len(r.curs) == 0:
		n = limit
	case len(r.curs) == 1 && r.cols[0].maxRep == 0:
		c := &r.curs[0]
		for n < limit && len(b.Values) < maxBytes {
			k, err := c.appendRows(b, n, limit-n, maxBytes)
			if err != nil {
				return r.fail(err)
			}
			n += k
		}
	default:
		for n < limit {
			for i := range r.curs {
				if err := r.curs[i].appendRow(b, n); err != nil {
					return r.fail(err)
				}
			}
			n++
			if len(b.Values) >= maxBytes {
				break
			}
		}
	}
	b.N = n
	b.Bytes = r.spanBytes(r.gRow, r.gRow+int64(n))
	if b.Bytes == 0 {
		b.Bytes = int64(len(b.Values))
	}
	r.gRow += int64(n)

	u, ok := b.Unit.(*unit)
	if !ok {
		u = new(unit)
		b.Unit = u
	}
	u.group, u.last, u.gStart = r.g, r.gRow == r.gRows, r.gStart

	if u.last {
		for i := range r.curs {
			if err := r.curs[i].finish(); err != nil {
				return r.fail(err)
			}
			r.curs[i].close()
		}
	}
	return nil
}

// spanBytes apportions the current row group's uncompressed size to rows
// [from, to).
func (r *reader) spanBytes(from, to int64) int64 {
	total := r.meta.RowGroups[r.g].TotalByteSize
	if total <= 0 || r.gRows <= 0 {
		return 0
	}
	at := func(row int64) int64 {
		hi, lo := bits.Mul64(uint64(total), uint64(row))
		q, _ := bits.Div64(hi, lo, uint64(r.gRows)) // row <= gRows, so no overflow
		return int64(q)
	}
	return at(to) - at(from)
}

// fail records err as the reader's sticky error, positioned at the current
// row group.
func (r *reader) fail(err error) error {
	r.closeCursors()
	var fe *records.FileError
	if errors.As(err, &fe) {
		r.err = fe
	} else {
		r.err = fileError(r.name, rowGroupWhere(r.g), err)
	}
	return r.err
}

func (r *reader) closeCursors() {
	for i := range r.curs {
		r.curs[i].close()
	}
}

// Close releases the reader's page buffers. It does not close the Source's
// ReaderAt, which belongs to the caller; a writer made by NewWriter keeps
// working until its own Close.
func (r *reader) Close() error {
	r.closeCursors()
	r.scal.clear()
	if r.err == nil {
		r.err = fmt.Errorf("%s: parquet reader closed", r.name)
	}
	return nil
}
