// Package arrowio reads and writes Arrow IPC data (the file format, also
// known as Feather v2, and the stream format that Hugging Face `datasets`
// writes into its .arrow cache shards) for winnow's engine.
//
// Open returns a records.Reader that scans every string, large_string,
// binary and large_binary leaf, at any depth of struct, list, large_list,
// fixed_size_list and map nesting, and dictionary-encoded string columns.
// Field names are logical column paths: struct field names joined by '.',
// list levels omitted ("text", "meta.url", "messages.content"). The reader
// is also a records.ScalarReader: Scalar reads keep-policy scores (--keep
// max:meta.quality) from numeric and string columns, scanned or not.
//
// The reader's NewWriter writes the cleaned records back in the input's IPC
// flavour, schema (with metadata) and body compression, one output record
// batch per Batch, rebuilding only the arrays that hold edited values.
//
// Memory: a filled Batch keeps a reference to the decoded record batch it
// came from (in Batch.Unit) until the Batch is handed back to Next or the
// reader is closed. Every length read from the input is checked against the
// data before it is used to size an allocation, so damaged input fails with
// a positioned *records.FileError instead of a panic or an out-of-memory
// crash.
package arrowio

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/winnow-data/winnow/scanner/records"
)

// Extensions returns the file name extensions this package reads, with the
// leading dot (".feather" means Feather v2, which is the IPC file format).
// The slice is new on every call.
func Extensions() []string { return []string{".arrow", ".arrows", ".feather"} }

// Open returns a records.Reader over one Arrow IPC file or stream; which one
// is detected from the magic bytes, not the name. The reader also implements
// records.FieldLister and records.ScalarReader (see Scalar).
//
// src.R is read with ReadAt only and is not closed by the reader. Damaged
// input yields a *records.FileError wrapping records.ErrCorrupt, naming the
// "schema", "footer", "dictionary batch N" or "record batch N" (0-based) at
// fault; a compressed record batch declaring more than opt.MaxRecordBytes
// decoded bytes, or a record whose scanned values exceed it ("row N"), wraps
// records.ErrRecordTooLarge. A stream that ends cleanly between two
// messages without an end-of-stream marker is accepted.
//
// The returned reader is used by one goroutine at a time, except for
// NewWriter (see records.Reader); the BatchWriter it returns may run in
// another goroutine concurrently with Next.
func Open(src records.Source, opt records.ReadOptions) (records.Reader, error) {
	r, err := open(src, opt, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// reader implements records.Reader, records.FieldLister and
// records.ScalarReader.
type reader struct {
	name  string
	opt   records.ReadOptions
	mem   memory.Allocator // the caller's allocator, used by the writer
	alloc *limitAlloc      // mem as the decoder sees it

	src    *source
	ipc    *ipc.Reader
	schema *arrow.Schema
	plan   *plan

	// The current record batch.
	cur     arrow.Record
	bound   []*bnode // per column, nil where nothing is scanned
	curIdx  int      // record batch index
	curRow  int      // next row of cur to read
	rowBase int64    // file row of cur's row 0
	curSize int64    // decoded bytes of cur

	walk   walker
	err    error // sticky failure
	done   bool
	closed bool

	mu      sync.Mutex
	units   map[*unit]struct{} // batches handed out and not yet given back
	writing bool               // NewWriter was called

	scal scalarCache // Scalar's resolved paths
}

// unit is the private part of a Batch filled by a reader (Batch.Unit): the
// record batch it covers, retained, and the validated view of it.
type unit struct {
	owner *reader
	rec   arrow.Record
	bound []*bnode
	r0    int   // first row of rec in the batch
	r1    int   // end row (exclusive)
	index int   // record batch index
	size  int64 // decoded bytes of rec and of the dictionaries read so far

	scal []unitScalar // paths Scalar resolved (kept while the unit is reused)
	sbuf []byte       // Scalar's formatted number
}

var _ records.Reader = (*reader)(nil)
var _ records.FieldLister = (*reader)(nil)

// open is Open with an explicit allocator (tests use a checked one).
func open(src records.Source, opt records.ReadOptions, mem memory.Allocator) (r *reader, err error) {
	opt = opt.WithDefaults()
	r = &reader{name: src.Name, opt: opt, mem: mem, units: map[*unit]struct{}{}}
	defer func() {
		if p := recover(); p != nil {
			r.release()
			r, err = nil, &records.FileError{File: src.Name, Where: "schema", Err: fmt.Errorf("%w: arrow: %v", records.ErrCorrupt, p)}
		}
	}()
	s, err := newSource(src, int64(opt.MaxRecordBytes))
	if err != nil {
		return nil, err
	}
	r.src = s
	r.alloc = newLimitAlloc(mem)
	s.alloc = r.alloc
	ir, err := ipc.NewReaderFromMessageReader(s, ipc.WithAllocator(r.alloc))
	if err != nil {
		r.release()
		if s.err != nil {
			return nil, s.err
		}
		return nil, &records.FileError{File: src.Name, Where: "schema", Err: fmt.Errorf("%w: %w", records.ErrCorrupt, err)}
	}
	r.ipc = ir
	r.schema = ir.Schema()
	if r.schema == nil {
		r.release()
		return nil, &records.FileError{File: src.Name, Where: "schema", Err: fmt.Errorf("%w: no schema", records.ErrCorrupt)}
	}
	if r.plan, err = compile(r.schema, opt.Fields); err != nil {
		r.release()
		return nil, &records.FileError{File: src.Name, Where: "schema", Err: fmt.Errorf("%w: %w", records.ErrCorrupt, err)}
	}
	r.walk.max = opt.MaxRecordBytes
	return r, nil
}

// ScannedFields returns the logical paths of the scanned leaves, in schema
// order, after --fields filtering. The slice is the caller's.
func (r *reader) ScannedFields() []string {
	return append([]string(nil), r.plan.names...)
}

// Next fills b with the next rows of the current record batch (never more
// than one record batch per call), up to ReadOptions.BatchRows rows and
// about BatchBytes of scanned values. b's previous contents, if they came
// from an arrowio reader, are released first. Next never panics.
func (r *reader) Next(b *records.Batch) (err error) {
	r.reclaim(b)
	b.Reset()
	if r.err != nil {
		return r.err
	}
	if r.closed {
		return errors.New("arrowio: Next on a closed reader")
	}
	defer func() {
		if p := recover(); p != nil {
			b.Reset()
			err = r.fail(r.src.lastWhere, fmt.Errorf("%w: arrow: %v", records.ErrCorrupt, p))
		}
	}()
	for r.cur == nil || r.curRow >= int(r.cur.NumRows()) {
		if r.done {
			return io.EOF
		}
		if err := r.advance(); err != nil {
			return err
		}
	}
	return r.fill(b)
}

// advance moves to the next record batch; at the end it sets r.done.
func (r *reader) advance() error {
	if r.cur != nil {
		r.rowBase += r.cur.NumRows()
		r.cur.Release()
		r.cur, r.bound = nil, nil
	}
	if !r.ipc.Next() {
		r.done = true
		if err := r.ipc.Err(); err != nil {
			if r.src.err != nil {
				r.err = r.src.err
				return r.err
			}
			return r.fail(r.src.lastWhere, fmt.Errorf("%w: %w", records.ErrCorrupt, err))
		}
		return nil
	}
	rec := r.ipc.Record()
	idx := r.src.nRecord - 1
	where := fmt.Sprintf("record batch %d", idx)
	if rec.NumCols() != int64(len(r.plan.cols)) {
		return r.fail(where, fmt.Errorf("%w: %d columns for a %d-field schema", records.ErrCorrupt, rec.NumCols(), len(r.plan.cols)))
	}
	bound := make([]*bnode, len(r.plan.cols))
	for i, p := range r.plan.cols {
		if p == nil {
			continue
		}
		col := rec.Column(i).Data()
		if int64(col.Len()) < rec.NumRows() {
			return r.fail(where, fmt.Errorf("%w: column %d has %d rows, batch has %d", records.ErrCorrupt, i, col.Len(), rec.NumRows()))
		}
		b, err := bind(p, col)
		if err != nil {
			return r.fail(where, fmt.Errorf("%w: column %q: %w", records.ErrCorrupt, r.schema.Field(i).Name, err))
		}
		bound[i] = b
	}
	rec.Retain()
	r.cur, r.bound = rec, bound
	r.curIdx, r.curRow, r.curSize = idx, 0, r.src.lastDecoded
	return nil
}

// fill appends rows of the current record batch to b.
func (r *reader) fill(b *records.Batch) error {
	for _, name := range r.plan.names {
		b.Names = append(b.Names, name...)
		if len(b.NameOff) == 0 {
			b.NameOff = append(b.NameOff, 0)
		}
		b.NameOff = append(b.NameOff, len(b.Names))
	}
	w := &r.walk
	w.b, w.err = b, nil
	rows := int(r.cur.NumRows())
	start := r.curRow
	n := 0
	for r.curRow < rows && n < r.opt.BatchRows && len(b.Values) < r.opt.BatchBytes {
		w.rec, w.rowStart = n, len(b.Values)
		for _, c := range r.bound {
			if c != nil {
				w.emit(c, r.curRow)
			}
		}
		if w.err != nil {
			err := w.err
			w.b, w.err = nil, nil
			b.Reset()
			return r.fail(fmt.Sprintf("row %d", r.rowBase+int64(r.curRow)), err)
		}
		n++
		r.curRow++
	}
	w.b = nil
	b.Row = r.rowBase + int64(start)
	b.N = n
	b.Bytes = share(r.curSize, r.curRow, rows) - share(r.curSize, start, rows)
	u, _ := b.Unit.(*unit)
	if u == nil || u.owner != r {
		u = &unit{owner: r}
	}
	r.cur.Retain()
	u.rec, u.bound, u.r0, u.r1, u.index = r.cur, r.bound, start, r.curRow, r.curIdx
	u.size = r.curSize + r.src.dictBytes
	r.mu.Lock()
	r.units[u] = struct{}{}
	r.mu.Unlock()
	b.Unit = u
	return nil
}

// share returns total*k/n without overflow (k <= n).
func share(total int64, k, n int) int64 {
	if n == 0 || total <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(total), uint64(k))
	q, _ := bits.Div64(hi, lo, uint64(n))
	return int64(q)
}

// reclaim releases the record batch behind a batch handed back to Next.
func (r *reader) reclaim(b *records.Batch) {
	u, ok := b.Unit.(*unit)
	if !ok {
		return
	}
	u.owner.releaseUnit(u)
	if u.owner != r {
		b.Unit = nil
	}
}

func (r *reader) releaseUnit(u *unit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u.rec != nil {
		u.rec.Release()
		u.rec, u.bound = nil, nil
		delete(r.units, u)
	}
}

// fail records a sticky FileError.
func (r *reader) fail(where string, err error) error {
	if r.err == nil {
		r.err = &records.FileError{File: r.name, Where: where, Err: err}
	}
	r.done = true
	return r.err
}

// Close releases the input's decoded data, including that of batches not yet
// handed back to Next: no batch of this reader may be written after Close.
// It does not close src.R. Close is idempotent.
func (r *reader) Close() error {
	r.release()
	return nil
}

func (r *reader) release() {
	r.closed = true
	if r.cur != nil {
		r.cur.Release()
		r.cur, r.bound = nil, nil
	}
	r.mu.Lock()
	for u := range r.units {
		if u.rec != nil {
			u.rec.Release()
			u.rec, u.bound = nil, nil
		}
	}
	clear(r.units)
	r.mu.Unlock()
	if r.ipc != nil {
		r.ipc.Release()
		r.ipc = nil
	} else if r.src != nil {
		r.src.Release()
	}
}
