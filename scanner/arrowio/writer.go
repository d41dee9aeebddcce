package arrowio

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/winnow-data/winnow/scanner/records"
)

// ReasonColumn is the name of the column appended to quarantined records.
const ReasonColumn = "_winnow_reason"

// ErrDictionaryEdit is returned by WriteBatch when an edit targets a
// dictionary-encoded value of an IPC *file*: the file format allows a single
// dictionary per column for the whole file, already written with the first
// batch, so a per-row replacement cannot be expressed. Streams (the
// Hugging Face format) support it through dictionary deltas.
var ErrDictionaryEdit = errors.New("arrowio: cannot redact a dictionary-encoded value in an Arrow IPC file")

// NewWriter returns a writer producing the input's IPC flavour, schema and
// compression. It may be called once, from any goroutine.
func (r *reader) NewWriter(out records.Sinks) (records.BatchWriter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writing {
		return nil, errors.New("arrowio: NewWriter called twice")
	}
	r.writing = true
	w := &writer{
		owner:  r,
		name:   r.name,
		file:   r.src.file,
		codec:  r.src.codec,
		mem:    newLimitAlloc(r.mem),
		schema: r.schema,
		out:    out,
		detach: map[arrow.ArrayData]arrow.ArrayData{},
	}
	if out.Data != nil {
		iw, err := w.newIPCWriter(out.Data, r.schema)
		if err != nil {
			return nil, err
		}
		w.data = iw
	}
	return w, nil
}

// ipcWriter is the common face of ipc.Writer and ipc.FileWriter.
type ipcWriter interface {
	Write(arrow.Record) error
	Close() error
}

// writer implements records.BatchWriter. It is used by one goroutine.
type writer struct {
	owner  *reader
	name   string
	file   bool
	codec  int
	mem    *limitAlloc
	schema *arrow.Schema
	out    records.Sinks

	data    ipcWriter
	quar    ipcWriter
	qschema *arrow.Schema
	err     error // sticky

	walk   walker
	edits  [][]slotEdit // per leaf id
	drop   []bool
	detach map[arrow.ArrayData]arrow.ArrayData // file format: dictionary -> untracked copy
}

// slotEdit replaces the value at a leaf slot.
type slotEdit struct {
	slot int
	data []byte
}

func (w *writer) newIPCWriter(dst io.Writer, schema *arrow.Schema) (ipcWriter, error) {
	opts := []ipc.Option{ipc.WithSchema(schema), ipc.WithAllocator(w.mem)}
	switch w.codec {
	case codecLZ4:
		opts = append(opts, ipc.WithLZ4())
	case codecZSTD:
		opts = append(opts, ipc.WithZstd())
	}
	if w.file {
		fw, err := ipc.NewFileWriter(&seekCounter{w: dst}, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: arrow file writer: %w", w.name, err)
		}
		return fw, nil
	}
	opts = append(opts, ipc.WithDictionaryDeltas(true))
	return ipc.NewWriter(dst, opts...), nil
}

// seekCounter gives ipc.FileWriter the one Seek it needs (the current
// position) over a plain io.Writer.
type seekCounter struct {
	w io.Writer
	n int64
}

func (s *seekCounter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.n += int64(n)
	return n, err
}

func (s *seekCounter) Seek(offset int64, whence int) (int64, error) {
	if offset == 0 && whence == io.SeekCurrent {
		return s.n, nil
	}
	return 0, errors.New("arrowio: output is not seekable")
}

// WriteBatch writes b's kept and redacted rows as one record batch to the
// data sink and its dropped rows (and b.Bad rows) as one record batch to the
// quarantine, which is opened on the first drop. Edit data is copied before
// WriteBatch returns. b must come from the reader that created w.
func (w *writer) WriteBatch(b *records.Batch, dec []records.Decision, edits []records.Edit) (err error) {
	if w.err != nil {
		return w.err
	}
	if b.N == 0 {
		return nil // e.g. the empty batch that comes with io.EOF
	}
	u, ok := b.Unit.(*unit)
	if !ok || u.owner != w.owner || u.rec == nil {
		return fmt.Errorf("%s: arrowio: batch was not filled by this file's reader", w.name)
	}
	if len(dec) != b.N || u.r1-u.r0 != b.N {
		return fmt.Errorf("%s: arrowio: %d decisions for %d records", w.name, len(dec), b.N)
	}
	where := fmt.Sprintf("record batch %d", u.index)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %s: arrowio: write failed: %v", w.name, where, p)
		}
		if err != nil {
			w.err = err
		}
	}()
	if b.N == 0 {
		return nil
	}
	// Nothing written for this batch needs a single allocation larger than
	// twice its input (record batch and dictionaries) plus the edits and
	// reasons.
	extra := int64(0)
	for _, e := range edits {
		extra += int64(len(e.Data))
	}
	for _, d := range dec {
		extra += int64(len(d.Reason))
	}
	w.mem.setLimit(2*u.size + extra)
	if err := w.mapEdits(b, u, dec, edits); err != nil {
		return fmt.Errorf("%s: %s: %w", w.name, where, err)
	}
	cols, err := w.columns(u)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", w.name, where, err)
	}
	defer releaseAll(cols)

	w.drop = slices.Grow(w.drop[:0], b.N)[:b.N]
	ndrop := 0
	for i, d := range dec {
		w.drop[i] = d.Action == records.Drop
	}
	for _, bad := range b.Bad {
		if bad.Rec >= 0 && bad.Rec < b.N {
			w.drop[bad.Rec] = true
		}
	}
	for _, d := range w.drop {
		if d {
			ndrop++
		}
	}
	if ndrop < b.N && w.data != nil {
		rec, err := w.selectRows(w.schema, cols, false, nil)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", w.name, where, err)
		}
		err = w.write(w.data, rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("%s: %s: writing data: %w", w.name, where, err)
		}
	}
	if ndrop > 0 {
		if err := w.quarantine(b, cols, dec, ndrop); err != nil {
			return fmt.Errorf("%s: %s: %w", w.name, where, err)
		}
	}
	return nil
}

// mapEdits turns edits (value indexes) into per-leaf slot edits by walking
// again the rows they belong to.
func (w *writer) mapEdits(b *records.Batch, u *unit, dec []records.Decision, edits []records.Edit) error {
	if len(w.edits) < len(w.owner.plan.names) {
		w.edits = make([][]slotEdit, len(w.owner.plan.names))
	}
	for i := range w.edits {
		w.edits[i] = w.edits[i][:0]
	}
	nv := b.NumValues()
	for i := 0; i < len(edits); {
		v := edits[i].Value
		if v < 0 || v >= nv {
			return fmt.Errorf("arrowio: edit of value %d, batch has %d values", v, nv)
		}
		rec := int(b.ValueRec[v])
		first := sort.Search(nv, func(k int) bool { return int(b.ValueRec[k]) >= rec })
		j := i
		for j < len(edits) && edits[j].Value >= 0 && edits[j].Value < nv && int(b.ValueRec[edits[j].Value]) == rec {
			j++
		}
		if rec < 0 || rec >= b.N {
			return fmt.Errorf("arrowio: edit of value %d of record %d, batch has %d", v, rec, b.N)
		}
		if dec[rec].Action == records.Drop {
			i = j
			continue
		}
		w.walk.track, w.walk.pos = true, w.walk.pos[:0]
		for _, c := range u.bound {
			if c != nil {
				w.walk.emit(c, u.r0+rec)
			}
		}
		for _, e := range edits[i:j] {
			k := e.Value - first
			if k < 0 || k >= len(w.walk.pos) || w.walk.pos[k].leaf != b.ValueField[e.Value] {
				return fmt.Errorf("arrowio: edit of value %d does not match the batch's values", e.Value)
			}
			p := w.walk.pos[k]
			w.edits[p.leaf] = append(w.edits[p.leaf], slotEdit{slot: p.slot, data: e.Data})
		}
		i = j
	}
	for i := range w.edits {
		slices.SortStableFunc(w.edits[i], func(a, b slotEdit) int { return a.slot - b.slot })
	}
	return nil
}

// touched reports whether any leaf below p has an edit.
func (w *writer) touched(p *pnode) bool {
	for _, l := range p.leaves {
		if int(l) < len(w.edits) && len(w.edits[l]) > 0 {
			return true
		}
	}
	return false
}

// columns returns the batch's columns (rows r0..r1 of its record batch),
// with edited arrays rebuilt and all others sliced without copying. The
// caller releases them.
func (w *writer) columns(u *unit) ([]arrow.Array, error) {
	cols := make([]arrow.Array, 0, u.rec.NumCols())
	for i := 0; i < int(u.rec.NumCols()); i++ {
		col := u.rec.Column(i)
		var d arrow.ArrayData
		if b := u.bound[i]; b != nil && w.touched(b.pnode) {
			var err error
			if d, err = w.rebuild(b, u.r0, u.r1); err != nil {
				releaseAll(cols)
				return nil, fmt.Errorf("column %q: %w", w.schema.Field(i).Name, err)
			}
		} else {
			d = array.NewSliceData(col.Data(), int64(u.r0), int64(u.r1))
		}
		cols = append(cols, array.MakeFromData(d))
		d.Release()
	}
	return cols, nil
}

// selectRows builds a record of the rows whose drop flag equals dropped,
// plus extra trailing columns.
func (w *writer) selectRows(schema *arrow.Schema, cols []arrow.Array, dropped bool, extra []arrow.Array) (arrow.Record, error) {
	type run struct{ i, j int }
	var runs []run
	n := 0
	for i := 0; i < len(w.drop); {
		if w.drop[i] != dropped {
			i++
			continue
		}
		j := i
		for j < len(w.drop) && w.drop[j] == dropped {
			j++
		}
		runs = append(runs, run{i, j})
		n += j - i
		i = j
	}
	out := make([]arrow.Array, 0, len(cols)+len(extra))
	defer func() { releaseAll(out) }()
	for _, c := range cols {
		switch {
		case len(runs) == 1 && runs[0].i == 0 && runs[0].j == c.Len():
			c.Retain()
			out = append(out, c)
		case len(runs) == 1:
			out = append(out, array.NewSlice(c, int64(runs[0].i), int64(runs[0].j)))
		default:
			parts := make([]arrow.Array, len(runs))
			for k, r := range runs {
				parts[k] = array.NewSlice(c, int64(r.i), int64(r.j))
			}
			cat, err := array.Concatenate(parts, w.mem)
			releaseAll(parts)
			if err != nil {
				return nil, err
			}
			out = append(out, cat)
		}
	}
	for _, e := range extra {
		e.Retain()
		out = append(out, e)
	}
	return array.NewRecord(schema, out, int64(n)), nil
}

// quarantine writes the dropped rows with their reasons.
func (w *writer) quarantine(b *records.Batch, cols []arrow.Array, dec []records.Decision, ndrop int) error {
	if w.quar == nil {
		if w.out.Quarantine == nil {
			return errors.New("arrowio: records dropped but no quarantine sink")
		}
		dst, err := w.out.Quarantine()
		if err != nil {
			return fmt.Errorf("opening quarantine: %w", err)
		}
		fields := append(w.schema.Fields(), arrow.Field{Name: ReasonColumn, Type: arrow.BinaryTypes.String})
		md := w.schema.Metadata()
		w.qschema = arrow.NewSchemaWithEndian(fields, &md, w.schema.Endianness())
		q, err := w.newIPCWriter(dst, w.qschema)
		if err != nil {
			return err
		}
		w.quar = q
	}
	bad := make(map[int]bool, len(b.Bad))
	for _, r := range b.Bad {
		bad[r.Rec] = true
	}
	offsets := make([]int32, 1, ndrop+1)
	var text []byte
	for i, d := range w.drop {
		if !d {
			continue
		}
		reason := dec[i].Reason
		if reason == "" && bad[i] {
			reason = "input.bad_record"
		}
		text = append(text, reason...)
		if len(text) > 1<<31-1 {
			return errors.New("arrowio: quarantine reasons exceed 2 GiB")
		}
		offsets = append(offsets, int32(len(text)))
	}
	rd := array.NewData(arrow.BinaryTypes.String, ndrop,
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets)), memory.NewBufferBytes(text)}, nil, 0, 0)
	reasons := array.MakeFromData(rd)
	rd.Release()
	defer reasons.Release()
	rec, err := w.selectRows(w.qschema, cols, true, []arrow.Array{reasons})
	if err != nil {
		return err
	}
	defer rec.Release()
	if err := w.write(w.quar, rec); err != nil {
		return fmt.Errorf("writing quarantine: %w", err)
	}
	return nil
}

// write hands rec to an IPC writer, after fixEmpty. In the file format the
// library keeps the first dictionary of each column without ever releasing
// it, so dictionaries are first swapped for untracked copies.
func (w *writer) write(iw ipcWriter, rec arrow.Record) error {
	rec = fixRecord(rec, w.mem)
	defer rec.Release()
	dicts := false
	for _, c := range rec.Columns() {
		dicts = dicts || hasDict(c.Data())
	}
	if !w.file || !dicts {
		return iw.Write(rec)
	}
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		d, _ := w.detachDicts(rec.Column(i).Data())
		cols[i] = array.MakeFromData(d)
		d.Release()
	}
	defer releaseAll(cols)
	out := array.NewRecord(rec.Schema(), cols, rec.NumRows())
	defer out.Release()
	return iw.Write(out)
}

// detachDicts returns d, or a copy of d's tree whose dictionaries point at
// untracked buffers (aliasing the same bytes), and whether it copied. The
// result is released by the caller.
func (w *writer) detachDicts(d arrow.ArrayData) (arrow.ArrayData, bool) {
	ad, ok := d.(*array.Data)
	if !ok || !hasDict(d) {
		d.Retain()
		return d, false
	}
	kids := make([]arrow.ArrayData, len(ad.Children()))
	for i, c := range ad.Children() {
		kids[i], _ = w.detachDicts(c)
	}
	out := array.NewData(ad.DataType(), ad.Len(), ad.Buffers(), kids, ad.NullN(), ad.Offset())
	for _, k := range kids {
		k.Release()
	}
	if dict := dictOf(ad); dict != nil {
		cp, ok := w.detach[dict]
		if !ok {
			cp = untracked(dict)
			w.detach[dict] = cp
		}
		out.SetDictionary(cp)
	}
	return out, true
}

// dictOf returns d's dictionary, or a true nil (Data.Dictionary returns a
// typed nil pointer when there is none).
func dictOf(d arrow.ArrayData) arrow.ArrayData {
	if dd, ok := d.Dictionary().(*array.Data); ok && dd != nil {
		return dd
	}
	return nil
}

func hasDict(d arrow.ArrayData) bool {
	if dictOf(d) != nil {
		return true
	}
	for _, c := range d.Children() {
		if c != nil && hasDict(c) {
			return true
		}
	}
	return false
}

// untracked copies the structure of d with buffers that alias d's bytes but
// are not owned by any allocator.
func untracked(d arrow.ArrayData) arrow.ArrayData {
	bufs := make([]*memory.Buffer, len(d.Buffers()))
	for i, b := range d.Buffers() {
		if b != nil {
			bufs[i] = memory.NewBufferBytes(b.Bytes())
		}
	}
	kids := make([]arrow.ArrayData, len(d.Children()))
	for i, c := range d.Children() {
		kids[i] = untracked(c)
	}
	out := array.NewData(d.DataType(), d.Len(), bufs, kids, d.NullN(), d.Offset())
	for _, k := range kids {
		k.Release()
	}
	if dict := dictOf(d); dict != nil {
		cp := untracked(dict)
		out.SetDictionary(cp)
		cp.Release()
	}
	return out
}

// Close flushes both outputs (stream end marker, or file footer) without
// closing the sinks. It is safe to call more than once.
func (w *writer) Close() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: arrowio: close failed: %v", w.name, p)
		}
	}()
	var errs []error
	if w.data != nil {
		if err := w.data.Close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: closing data output: %w", w.name, err))
		}
		w.data = nil
	}
	if w.quar != nil {
		if err := w.quar.Close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: closing quarantine: %w", w.name, err))
		}
		w.quar = nil
	}
	for _, d := range w.detach {
		d.Release()
	}
	clear(w.detach)
	if w.err == nil {
		w.err = fmt.Errorf("%s: arrowio: WriteBatch after Close", w.name)
	}
	return errors.Join(errs...)
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}
