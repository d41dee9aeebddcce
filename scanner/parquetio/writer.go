package parquetio

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/records"
)

// reasonBadRecord is the quarantine reason of a record listed in Batch.Bad
// whose decision carries none.
const reasonBadRecord = "input.bad_record"

// arrowSchemaKey is the key/value metadata entry in which Arrow writers store
// their schema; it is kept in the data output (same schema) but not in the
// quarantine, whose schema has an extra column.
const arrowSchemaKey = "ARROW:schema"

// batchWriter implements records.BatchWriter for one Parquet input.
//
// The reader's batches carry only scanned values, so the writer reads whole
// rows itself, from the same file, with parquet-go's row API: for each batch
// that needs rewriting it reads exactly that batch's rows into a reused
// []parquet.Row buffer, applies the edits, and writes kept rows to the data
// output and dropped rows to the quarantine. Scanning therefore stays on the
// page-level path whether or not a writer exists.
//
// Row groups whose records are all kept unchanged are not decoded at all:
// their batches are deferred and, at the group's last batch, the whole input
// row group is handed to parquet.Writer.WriteRowGroup, which copies the
// column chunks verbatim when the input's encodings and data page version
// allow it and re-encodes column by column otherwise.
//
// Before parquet-go decodes a row group's pages here, their headers are
// checked (see checkPages), as the reader does for the scanned columns.
//
// Memory: one batch of decoded rows (all columns, about BatchBytes of text
// plus the other columns), plus what parquet.Writer buffers for the output
// row group being built (its encoded, compressed pages: about one input row
// group), and the same for the quarantine.
type batchWriter struct {
	name        string
	groups      []parquet.RowGroup
	groupStarts []int64 // file row of each group's first row
	cols        []leafInfo
	numLeaves   int
	out         records.Sinks

	data     *parquet.Writer
	quar     *parquet.Writer
	quarOpts []parquet.WriterOption

	// Row source for rewritten batches.
	rows      parquet.Rows
	rowsGroup int
	rowsPos   int64 // file row that rows returns next

	// Output state of the current input row group.
	g        int   // group being written, -1 if none
	gDone    int64 // file row up to which the group's records were handled
	deferred bool  // records [groupStart, gDone) are clean and not written yet

	buf       []parquet.Row
	keep      []parquet.Row
	drop      []parquet.Row
	reasons   []byte
	reasonOff []int

	src     io.ReaderAt
	size    int64
	meta    *format.FileMetaData
	checked int    // the last row group whose page headers were checked
	scratch []byte // page header checks

	err    error // sticky
	closed bool
}

// NewWriter returns a writer that writes this reader's records with the
// input's schema (every column, including unscanned ones), compression
// codecs, data page version, key/value metadata and row-group boundaries.
// Dropped records go to out.Quarantine, opened on the first drop, with the
// input schema plus a required string column _winnow_reason.
//
// It may be called once, from any goroutine. The writer reads rows from the
// input itself, so the Source's ReaderAt must stay readable until the
// writer's Close. The writer is used by one goroutine at a time.
func (r *reader) NewWriter(out records.Sinks) (bw records.BatchWriter, err error) {
	if !r.writerMade.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("%s: parquet: NewWriter called twice", r.name)
	}
	if out.Data == nil {
		return nil, fmt.Errorf("%s: parquet: no data sink", r.name)
	}
	defer func() {
		if p := recover(); p != nil {
			bw, err = nil, &records.FileError{File: r.name, Err: panicError(p)}
		}
	}()

	if err := r.checkPageIndexes(); err != nil {
		return nil, fileError(r.name, "page index", err)
	}
	schema := r.file.Schema()
	common := []parquet.WriterOption{parquet.DataPageVersion(dataPageVersion(r.meta))}
	var dataKV, quarKV []parquet.WriterOption
	for _, kv := range r.meta.KeyValueMetadata {
		opt := parquet.KeyValueMetadata(kv.Key, kv.Value)
		dataKV = append(dataKV, opt)
		if kv.Key != arrowSchemaKey {
			quarKV = append(quarKV, opt)
		}
	}

	w := &batchWriter{
		name:      r.name,
		groups:    r.groups,
		cols:      r.cols,
		numLeaves: len(schema.Columns()),
		out:       out,
		rowsGroup: -1,
		g:         -1,
		src:       r.src,
		size:      r.size,
		meta:      r.meta,
		checked:   -1,
	}
	w.groupStarts = make([]int64, len(r.groups)+1)
	for i, g := range r.groups {
		w.groupStarts[i+1] = w.groupStarts[i] + g.NumRows()
	}

	dataOpts := append(append([]parquet.WriterOption{schema}, common...), dataKV...)
	w.data = parquet.NewWriter(&sinkWriter{w: out.Data}, dataOpts...)

	reason := parquet.Compressed(parquet.String(), firstCodec(r.file))
	qschema := parquet.NewSchema(schema.Name(), newQuarantineRoot(r.file.Root(), reason))
	w.quarOpts = append(append([]parquet.WriterOption{qschema}, common...), quarKV...)
	return w, nil
}

// checkPageIndexes validates the page indexes that the writer's verbatim
// copies make parquet-go decode.
func (r *reader) checkPageIndexes() error {
	groups := make([]rowGroupIndexes, len(r.meta.RowGroups))
	for g := range r.meta.RowGroups {
		cols := r.meta.RowGroups[g].Columns
		groups[g] = make(rowGroupIndexes, len(cols))
		for c := range cols {
			ix := &groups[g][c]
			ix.columnOffset, ix.columnLength = cols[c].ColumnIndexOffset, int64(cols[c].ColumnIndexLength)
			ix.offsetOffset, ix.offsetLength = cols[c].OffsetIndexOffset, int64(cols[c].OffsetIndexLength)
		}
	}
	return checkPageIndexes(r.src, r.size, groups)
}

// dataPageVersion returns the data page version of the input's first data
// pages (2 if the footer does not say).
func dataPageVersion(meta *format.FileMetaData) int {
	for _, rg := range meta.RowGroups {
		for _, c := range rg.Columns {
			for _, s := range c.MetaData.EncodingStats {
				switch s.PageType {
				case format.DataPage:
					return 1
				case format.DataPageV2:
					return 2
				}
			}
		}
	}
	return 2
}

// firstCodec returns the codec of the input's first leaf column, used for
// the quarantine's reason column.
func firstCodec(f *parquet.File) compress.Codec {
	var codec compress.Codec
	var find func(*parquet.Column)
	find = func(c *parquet.Column) {
		if codec != nil {
			return
		}
		if c.Leaf() {
			codec = c.Compression()
			return
		}
		for _, k := range c.Columns() {
			find(k)
		}
	}
	find(f.Root())
	if codec == nil {
		codec = &parquet.Uncompressed
	}
	return codec
}

// WriteBatch writes b's records: Keep records unchanged, Redact records with
// edits applied (each edit replaces exactly one scanned value), Drop records
// and records in b.Bad to the quarantine with their reason. b must come from
// a reader of the same file, and batches must be passed in file order. edits
// and their Data are only read during the call. Errors are sticky.
func (w *batchWriter) WriteBatch(b *records.Batch, dec []records.Decision, edits []records.Edit) (err error) {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("%s: parquet: write after Close", w.name)
	}
	defer func() {
		if p := recover(); p != nil {
			err = w.fail(panicError(p))
		}
	}()
	if b.N == 0 {
		return nil // e.g. the empty batch that comes with io.EOF
	}
	u, ok := b.Unit.(*unit)
	if !ok {
		return fmt.Errorf("%s: parquet: batch was not produced by a parquet reader", w.name)
	}
	if len(dec) != b.N {
		return fmt.Errorf("%s: parquet: %d decisions for %d records", w.name, len(dec), b.N)
	}
	g := u.group
	if g < 0 || g >= len(w.groups) || b.Row < w.groupStarts[g] || b.Row+int64(b.N) > w.groupStarts[g+1] {
		return fmt.Errorf("%s: parquet: batch rows [%d,%d) outside row group %d", w.name, b.Row, b.Row+int64(b.N), g)
	}

	if g != w.g {
		if err := w.endGroup(); err != nil {
			return w.fail(err)
		}
		w.g, w.gDone, w.deferred = g, w.groupStarts[g], true
	}
	if b.Row != w.gDone && w.deferred {
		// Not contiguous with the deferred prefix: write that prefix now.
		if err := w.flushDeferred(); err != nil {
			return w.fail(err)
		}
	}

	if w.deferred && clean(b, dec, edits) {
		w.gDone = b.Row + int64(b.N)
		if u.last && w.gDone == w.groupStarts[g+1] {
			// Every record of the row group is kept unchanged.
			if err := w.checkGroup(g); err != nil {
				return w.fail(err)
			}
			if _, err := w.data.WriteRowGroup(w.groups[g]); err != nil {
				return w.fail(err)
			}
			w.deferred = false
			w.g = -1
		}
		return nil
	}
	if err := w.flushDeferred(); err != nil {
		return w.fail(err)
	}
	if b.N > 0 {
		if err := w.rewrite(b, dec, edits); err != nil {
			return w.fail(err)
		}
	}
	w.gDone = b.Row + int64(b.N)
	if u.last {
		if err := w.endGroup(); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// clean reports whether every record of b is written unchanged.
func clean(b *records.Batch, dec []records.Decision, edits []records.Edit) bool {
	if len(edits) > 0 || len(b.Bad) > 0 {
		return false
	}
	for i := range dec {
		if dec[i].Action == records.Drop {
			return false
		}
	}
	return true
}

// flushDeferred writes the deferred clean prefix of the current group
// through the row path.
func (w *batchWriter) flushDeferred() error {
	if !w.deferred {
		return nil
	}
	w.deferred = false
	from, to := w.groupStarts[w.g], w.gDone
	const chunk = 1024
	for from < to {
		n := int(min(to-from, chunk))
		rows, err := w.readRows(w.g, from, n)
		if err != nil {
			return err
		}
		if _, err := w.data.WriteRows(rows); err != nil {
			return err
		}
		from += int64(n)
	}
	return nil
}

// endGroup finishes the current output row group: deferred records are
// written and both outputs are flushed, so output row groups end where the
// input's do.
func (w *batchWriter) endGroup() error {
	if w.g < 0 {
		return nil
	}
	if err := w.flushDeferred(); err != nil {
		return err
	}
	w.g = -1
	if err := w.data.Flush(); err != nil {
		return err
	}
	if w.quar != nil {
		return w.quar.Flush()
	}
	return nil
}

// readRows reads rows [start, start+n) of group g into the reused buffer.
// The rows alias decoded pages and w.buf; they are valid until the next call.
func (w *batchWriter) readRows(g int, start int64, n int) ([]parquet.Row, error) {
	if w.rows == nil || w.rowsGroup != g {
		if err := w.checkGroup(g); err != nil {
			return nil, err
		}
		if w.rows != nil {
			w.rows.Close()
		}
		w.rows = w.groups[g].Rows()
		w.rowsGroup = g
		w.rowsPos = w.groupStarts[g]
	}
	if w.rowsPos != start {
		if err := w.rows.SeekToRow(start - w.groupStarts[g]); err != nil {
			return nil, err
		}
		w.rowsPos = start
	}
	if cap(w.buf) < n {
		w.buf = append(w.buf[:cap(w.buf)], make([]parquet.Row, n-cap(w.buf))...)
	}
	buf := w.buf[:n]
	got := 0
	for got < n {
		k, err := w.rows.ReadRows(buf[got:])
		got += k
		if got == n {
			break
		}
		if err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("%w: row group ends after %d of %d rows", errRowCount, start-w.groupStarts[g]+int64(got), start-w.groupStarts[g]+int64(n))
			}
			return nil, err
		}
		if k == 0 {
			return nil, errors.New("row reader made no progress")
		}
	}
	w.rowsPos += int64(n)
	return buf, nil
}

// checkGroup validates the page headers of every column chunk of group g
// before parquet-go decodes them (see checkPages); each group is checked
// once.
func (w *batchWriter) checkGroup(g int) error {
	if w.checked == g {
		return nil
	}
	var err error
	w.scratch, err = checkChunks(w.src, w.size, &w.meta.RowGroups[g], nil, w.scratch)
	if err == nil {
		w.checked = g
	}
	return err
}

// rewrite writes b's records through the row path.
func (w *batchWriter) rewrite(b *records.Batch, dec []records.Decision, edits []records.Edit) error {
	rows, err := w.readRows(w.g, b.Row, b.N)
	if err != nil {
		return err
	}
	if err := w.applyEdits(b, rows, dec, edits); err != nil {
		return err
	}

	w.keep, w.drop = w.keep[:0], w.drop[:0]
	w.reasons, w.reasonOff = w.reasons[:0], append(w.reasonOff[:0], 0)
	bad := b.Bad
	for i, row := range rows {
		isBad := len(bad) > 0 && bad[0].Rec == i
		if isBad {
			bad = bad[1:]
		}
		if dec[i].Action != records.Drop && !isBad {
			w.keep = append(w.keep, row)
			continue
		}
		reason := dec[i].Reason
		if reason == "" && isBad {
			reason = reasonBadRecord
		}
		w.reasons = append(w.reasons, reason...)
		w.reasonOff = append(w.reasonOff, len(w.reasons))
		w.drop = append(w.drop, row)
	}
	if len(w.keep) > 0 {
		if _, err := w.data.WriteRows(w.keep); err != nil {
			return err
		}
	}
	if len(w.drop) == 0 {
		return nil
	}
	if w.quar == nil {
		if w.out.Quarantine == nil {
			return misuse("records dropped but no quarantine sink")
		}
		q, err := w.out.Quarantine()
		if err != nil {
			return &sinkError{err: err}
		}
		w.quar = parquet.NewWriter(&sinkWriter{w: q}, w.quarOpts...)
	}
	for j, row := range w.drop {
		reason := w.reasons[w.reasonOff[j]:w.reasonOff[j+1]]
		w.drop[j] = append(row, parquet.ByteArrayValue(reason).Level(0, 0, w.numLeaves))
	}
	_, err = w.quar.WriteRows(w.drop)
	return err
}

// applyEdits replaces, in rows, the value each edit targets. Values of one
// record and column are contiguous in the batch and appear in the row in the
// same order, non-null ones only, so value i is the k-th non-null value of
// its leaf column in its row, where k counts the run's values before i.
func (w *batchWriter) applyEdits(b *records.Batch, rows []parquet.Row, dec []records.Decision, edits []records.Edit) error {
	nv := b.NumValues()
	prevVal, prevRec, prevField := -1, -1, int32(-1)
	k, pos, seen := 0, 0, 0
	for _, e := range edits {
		if e.Value < 0 || e.Value >= nv {
			return misuse("edit of value %d, batch has %d values", e.Value, nv)
		}
		rec, field := int(b.ValueRec[e.Value]), b.ValueField[e.Value]
		if rec < 0 || rec >= len(rows) || field < 0 || int(field) >= len(w.cols) {
			return misuse("edit of value %d: record %d or field %d out of range", e.Value, rec, field)
		}
		if dec[rec].Action == records.Drop {
			continue // quarantined as read
		}
		if rec == prevRec && field == prevField && e.Value > prevVal {
			k += e.Value - prevVal
		} else {
			k = 0
			for j := e.Value - 1; j >= 0 && int(b.ValueRec[j]) == rec && b.ValueField[j] == field; j-- {
				k++
			}
			pos, seen = 0, 0
		}
		prevVal, prevRec, prevField = e.Value, rec, field

		col := &w.cols[field]
		row := rows[rec]
		found := false
		for ; pos < len(row); pos++ {
			v := row[pos]
			if v.Column() != col.leaf || v.DefinitionLevel() != int(col.maxDef) {
				continue
			}
			if seen == k {
				row[pos] = parquet.ByteArrayValue(e.Data).Level(v.RepetitionLevel(), v.DefinitionLevel(), col.leaf)
				found = true
				break
			}
			seen++
		}
		if !found {
			return misuse("edit of value %d: no value %d of column %s in record %d", e.Value, k, col.name, rec)
		}
	}
	return nil
}

// Close writes the remaining rows and the footers of the data output and,
// if any record was dropped, of the quarantine. It does not close the sinks.
func (w *batchWriter) Close() (err error) {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer func() {
		if p := recover(); p != nil {
			err = w.fail(panicError(p))
		}
	}()
	if w.rows != nil {
		defer w.rows.Close()
	}
	if w.err != nil {
		return w.err
	}
	if err := w.endGroup(); err != nil {
		return w.fail(err)
	}
	if err := w.data.Close(); err != nil {
		return w.fail(err)
	}
	if w.quar != nil {
		if err := w.quar.Close(); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// fail records err as the writer's sticky error. Errors of the output sinks
// are returned as they are; input problems are positioned like the reader's.
func (w *batchWriter) fail(err error) error {
	var ke *sinkError
	var me *misuseError
	switch {
	case errors.As(err, &ke), errors.As(err, &me):
		w.err = fmt.Errorf("%s: %w", w.name, err)
	case w.g >= 0:
		w.err = fileError(w.name, rowGroupWhere(w.g), err)
	default:
		w.err = fileError(w.name, "", err)
	}
	return w.err
}
