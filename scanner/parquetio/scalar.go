package parquetio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/records"
)

// Keep-policy scores (--keep max:FIELD) usually live in columns the reader
// does not scan: a DOUBLE "quality", an INT64 "meta.votes". Scalar reads
// them on demand. A non-scanned column is decoded one whole column chunk at
// a time, on the first Scalar call that needs a row of it, into a buffer
// that every batch of that row group shares; no other column is touched.
// The decoded chunks live in a small per-reader cache, so a row group split
// into many batches is decoded once, not once per batch.

// maxScalarCols is how many decoded column chunks a reader keeps for
// Scalar. Batches in flight come from at most a few consecutive row groups.
const maxScalarCols = 4

// maxScalarPaths bounds the per-reader cache of resolved paths.
const maxScalarPaths = 64

// scalarKind says how a decoded column's values are stored and formatted.
type scalarKind uint8

const (
	skNone     scalarKind = iota // not a scalar column: Scalar returns false
	skInt                        // num holds an int64
	skUint                       // num holds a uint64
	skFloat32                    // num holds float64 bits of a float32 value
	skFloat64                    // num holds float64 bits
	skDecInt                     // num holds the unscaled int64 of a DECIMAL
	skDecBytes                   // data holds the big-endian unscaled DECIMAL
	skBytes                      // data holds the value (a string or binary)
)

// scalarLeaf is a resolved Scalar path: the leaf column it names and how to
// read it. It is immutable once built.
type scalarLeaf struct {
	leaf   int // leaf column index in the file schema
	maxDef byte
	phys   parquet.Kind
	kind   scalarKind
	scale  int  // DECIMAL scale
	f16    bool // FIXED_LEN_BYTE_ARRAY(2) holding FLOAT16
	field  int32
	// field is the index of the leaf among the scanned columns (and so its
	// name index in every batch), or -1: scanned values are read from the
	// batch itself rather than decoded again.
}

// scalarCol is one decoded column chunk. Its values are written once, under
// mu, by the first user; after that they are read-only until the entry is
// recycled, which happens only once no batch references it.
type scalarCol struct {
	cache       *scalarCache
	group, leaf int
	refs        int  // batches holding the entry; guarded by cache.mu
	evicted     bool // no longer in cache.cols; guarded by cache.mu

	mu   sync.Mutex
	done bool  // decoded (successfully or not)
	err  error // decoding failure: every row reads as missing
	// Row i is null when !valid[i]; otherwise its value is num[i] for the
	// numeric kinds and data[off[i]:off[i+1]] for skBytes and skDecBytes.
	valid []bool
	num   []uint64
	data  []byte
	off   []int

	// Scratch for decoding: the last dictionary seen and its values.
	dict     parquet.Dictionary
	dictVals pageValues
}

// scalarCache holds a reader's resolved paths and decoded column chunks.
// Its methods are safe for concurrent use.
type scalarCache struct {
	mu    sync.Mutex
	paths map[string]*scalarLeaf // nil value: the path names no scalar
	cols  []*scalarCol           // least recently used first
	free  []*scalarCol           // evicted and unreferenced, for reuse
}

// unitScalar is a path a batch has looked up, with what it resolved to.
type unitScalar struct {
	path  []byte
	leaf  *scalarLeaf // nil: no such scalar column
	col   *scalarCol  // the decoded chunk, once acquired (holds a ref)
	ready bool        // col has been decoded
}

// Scalar returns the value of the non-repeated column named by path in
// record rec of b, as text: a number in the decimal form strconv.ParseFloat
// reads ("0.75", "-12", "1.5e+300", "NaN" for a NaN), or the bytes of a
// string or binary value. path is the column's logical name as in
// Batch.Names ("quality", "meta.quality"); a leading "$." is ignored. It
// returns false when rec is out of range, the row's value (or an enclosing
// struct) is null, or path names no column holding a number or a string:
// a BOOLEAN, INT96, list or map leaf, a missing column, or a column chunk
// that cannot be decoded (the damage is reported by the writer or by Next if
// the column is also scanned).
//
// Numbers are INT32/INT64 (signed, unsigned, dates and timestamps as their
// integer), FLOAT, DOUBLE, FLOAT16 and DECIMAL of any physical type up to 32
// bytes. A FLOAT is printed with the shortest digits that identify the
// float32.
//
// The first call for a path in a batch decodes that column's chunk of the
// batch's row group, unless another batch of the same row group already did;
// further calls allocate nothing. The returned slice may alias b or the
// reader's buffers, and is valid until the next Scalar call with b or until
// b is handed back to Next, whichever comes first.
//
// Scalar may be called from the goroutine that owns b, concurrently with
// Next and with Scalar calls on other batches; calls with the same b must
// not overlap. b must have been filled by this reader.
func (r *reader) Scalar(b *records.Batch, rec int, path []byte) (_ []byte, ok bool) {
	u, isUnit := b.Unit.(*unit)
	if !isUnit || rec < 0 || rec >= b.N {
		return nil, false
	}
	if len(path) >= 2 && path[0] == '$' && path[1] == '.' {
		path = path[2:]
	}
	s := u.scalar(path)
	if s == nil {
		s = u.addScalar(path, r.resolveScalar(path))
	}
	sl := s.leaf
	if sl == nil {
		return nil, false
	}
	if sl.field >= 0 {
		return scannedValue(b, rec, sl.field)
	}
	if !s.ready {
		if s.col == nil {
			s.col = r.scal.acquire(u.group, sl.leaf)
		}
		c := s.col
		c.mu.Lock()
		if !c.done {
			c.err = r.decodeScalar(c, sl)
			c.done = true
		}
		c.mu.Unlock()
		s.ready = true
	}
	c := s.col
	i := b.Row - u.gStart + int64(rec)
	if c.err != nil || i < 0 || i >= int64(len(c.valid)) || !c.valid[i] {
		return nil, false
	}
	switch sl.kind {
	case skInt:
		u.sbuf = strconv.AppendInt(u.sbuf[:0], int64(c.num[i]), 10)
	case skUint:
		u.sbuf = strconv.AppendUint(u.sbuf[:0], c.num[i], 10)
	case skFloat32:
		u.sbuf = strconv.AppendFloat(u.sbuf[:0], math.Float64frombits(c.num[i]), 'g', -1, 32)
	case skFloat64:
		u.sbuf = strconv.AppendFloat(u.sbuf[:0], math.Float64frombits(c.num[i]), 'g', -1, 64)
	case skDecInt:
		u.sbuf = appendDecimalInt(u.sbuf[:0], int64(c.num[i]), sl.scale)
	case skDecBytes:
		u.sbuf, ok = appendDecimalBE(u.sbuf[:0], c.data[c.off[i]:c.off[i+1]], sl.scale)
		if !ok {
			return nil, false
		}
	case skBytes:
		return c.data[c.off[i]:c.off[i+1]], true
	default:
		return nil, false
	}
	return u.sbuf, true
}

// scannedValue returns the first value of record rec in field of b.
func scannedValue(b *records.Batch, rec int, field int32) ([]byte, bool) {
	// ValueRec is non-decreasing: find the record's first value.
	lo, hi := 0, b.NumValues()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(b.ValueRec[m]) < rec {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for v := lo; v < b.NumValues() && int(b.ValueRec[v]) == rec; v++ {
		if b.ValueField[v] == field {
			return b.Value(v), true
		}
	}
	return nil, false
}

// scalar returns the batch's lookup of path, or nil.
func (u *unit) scalar(path []byte) *unitScalar {
	for i := range u.scal {
		if string(u.scal[i].path) == string(path) {
			return &u.scal[i]
		}
	}
	return nil
}

// addScalar records a lookup of path, reusing the unit's earlier entries.
func (u *unit) addScalar(path []byte, leaf *scalarLeaf) *unitScalar {
	if len(u.scal) < cap(u.scal) {
		u.scal = u.scal[:len(u.scal)+1]
	} else {
		u.scal = append(u.scal, unitScalar{})
	}
	s := &u.scal[len(u.scal)-1]
	s.path = append(s.path[:0], path...)
	s.leaf, s.col, s.ready = leaf, nil, false
	return s
}

// releaseScalars drops the batch's references to decoded column chunks;
// Next calls it when the batch is handed back.
func (u *unit) releaseScalars() {
	for i := range u.scal {
		if c := u.scal[i].col; c != nil {
			c.cache.release(c)
			u.scal[i].col = nil
		}
	}
	u.scal = u.scal[:0]
}

// resolveScalar returns how to read the column named path, or nil when path
// names no non-repeated leaf holding a number or a string.
func (r *reader) resolveScalar(path []byte) *scalarLeaf {
	c := &r.scal
	c.mu.Lock()
	defer c.mu.Unlock()
	if sl, ok := c.paths[string(path)]; ok {
		return sl
	}
	var found *parquet.Column
	for _, col := range r.file.Root().Columns() {
		visitColumn(col, col.Name(), func(leaf *parquet.Column, name string) {
			if found == nil && name == string(path) {
				found = leaf
			}
		})
	}
	var sl *scalarLeaf
	if found != nil && found.MaxRepetitionLevel() == 0 {
		sl = r.classify(found)
	}
	if c.paths == nil {
		c.paths = make(map[string]*scalarLeaf)
	}
	if len(c.paths) < maxScalarPaths {
		c.paths[string(path)] = sl
	}
	return sl
}

// classify describes leaf column col for Scalar; nil when its type holds
// neither a number nor a string.
func (r *reader) classify(col *parquet.Column) *scalarLeaf {
	sl := &scalarLeaf{
		leaf:   col.Index(),
		maxDef: byte(col.MaxDefinitionLevel()),
		phys:   col.Type().Kind(),
		field:  -1,
	}
	for i := range r.cols {
		if r.cols[i].leaf == sl.leaf {
			sl.field = int32(i)
			sl.kind = skBytes
			return sl
		}
	}
	el := leafElement(r.meta, sl.leaf)
	if el == nil {
		return nil
	}
	decimal, unsigned, f16 := false, false, false
	switch lt := el.LogicalType.Value.(type) {
	case *format.DecimalType:
		decimal, sl.scale = true, int(lt.Scale)
	case *format.IntType:
		unsigned = !lt.IsSigned
	case *format.Float16Type:
		f16 = true
	}
	if el.ConvertedType.Valid {
		switch el.ConvertedType.V {
		case deprecated.Decimal:
			if !decimal {
				decimal, sl.scale = true, int(el.Scale.V)
			}
		case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			unsigned = true
		}
	}
	switch sl.phys {
	case parquet.Int32, parquet.Int64:
		switch {
		case decimal:
			sl.kind = skDecInt
		case unsigned:
			sl.kind = skUint
		default:
			sl.kind = skInt
		}
	case parquet.Float:
		sl.kind = skFloat32
	case parquet.Double:
		sl.kind = skFloat64
	case parquet.ByteArray:
		sl.kind = skBytes
		if decimal {
			sl.kind = skDecBytes
		}
	case parquet.FixedLenByteArray:
		switch {
		case decimal:
			sl.kind = skDecBytes
		case f16 && el.TypeLength.V == 2:
			sl.kind, sl.f16 = skFloat32, true
		default:
			return nil // UUIDs, hashes: not scores
		}
	default:
		return nil // BOOLEAN, INT96
	}
	return sl
}

// leafElement returns the footer's schema element of leaf column leaf.
func leafElement(meta *format.FileMetaData, leaf int) *format.SchemaElement {
	n := 0
	for i := range meta.Schema {
		if !meta.Schema[i].Type.Valid {
			continue
		}
		if n == leaf {
			return &meta.Schema[i]
		}
		n++
	}
	return nil
}

// acquire returns the cache entry for the chunk of leaf in row group group,
// creating it (undecoded) if needed, with a reference for the caller.
func (c *scalarCache) acquire(group, leaf int) *scalarCol {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.cols {
		if e.group == group && e.leaf == leaf {
			copy(c.cols[i:], c.cols[i+1:])
			c.cols[len(c.cols)-1] = e
			e.refs++
			return e
		}
	}
	var e *scalarCol
	if n := len(c.free); n > 0 {
		e = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		e = &scalarCol{cache: c}
	}
	e.group, e.leaf, e.refs, e.evicted = group, leaf, 1, false
	e.done, e.err = false, nil
	c.cols = append(c.cols, e)
	if len(c.cols) > maxScalarCols {
		old := c.cols[0]
		copy(c.cols, c.cols[1:])
		c.cols = c.cols[:len(c.cols)-1]
		old.evicted = true
		if old.refs == 0 {
			c.recycle(old)
		}
	}
	return e
}

// release drops one reference to e.
func (c *scalarCache) release(e *scalarCol) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refs--
	if e.refs == 0 && e.evicted {
		c.recycle(e)
	}
}

// recycle keeps the buffers of an evicted, unreferenced entry for reuse.
func (c *scalarCache) recycle(e *scalarCol) {
	e.dict = nil
	if len(c.free) < 2 {
		c.free = append(c.free, e)
	}
}

// clear evicts every entry; batches still holding one keep using it.
func (c *scalarCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.cols {
		e.evicted = true
	}
	c.cols, c.free = nil, nil
}

// errScalarType marks a page whose values do not have the column's type.
var errScalarType = errors.New("page values do not match the column type")

// decodeScalar decodes the chunk of sl's column in row group c.group into c.
// Only that chunk is read. It never panics.
func (r *reader) decodeScalar(c *scalarCol, sl *scalarLeaf) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
		if err != nil {
			err = fileError(r.name, rowGroupWhere(c.group), err)
		}
	}()
	c.valid, c.num, c.data, c.off = c.valid[:0], c.num[:0], c.data[:0], c.off[:0]
	c.dict = nil
	rows := r.groups[c.group].NumRows()
	if rows == 0 {
		return nil
	}
	if _, err := checkChunks(r.src, r.size, &r.meta.RowGroups[c.group], []int{sl.leaf}, nil); err != nil {
		return err
	}
	pages := r.groups[c.group].ColumnChunks()[sl.leaf].Pages()
	defer pages.Close()
	// Size the buffers from the footer's row count, bounded so that a
	// forged count cannot ask for much.
	want := int(min(rows, 1<<20))
	c.valid = slices.Grow(c.valid, want)
	if sl.kind == skBytes || sl.kind == skDecBytes {
		c.off = append(slices.Grow(c.off, want+1), 0)
	} else {
		c.num = slices.Grow(c.num, want)
	}
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("column chunk %d: %w", sl.leaf, err)
		}
		err = c.appendPage(p, sl)
		parquet.Release(p)
		if err != nil {
			return fmt.Errorf("column chunk %d: %w", sl.leaf, err)
		}
		if int64(len(c.valid)) > rows {
			break
		}
	}
	if int64(len(c.valid)) != rows {
		return fmt.Errorf("column chunk %d: %w", sl.leaf, errRowCount)
	}
	return nil
}

// pageValues are the non-null values of one page (or dictionary) viewed
// with their physical type.
type pageValues struct {
	n    int
	i32  []int32
	i64  []int64
	f32  []float32
	f64  []float64
	data []byte   // BYTE_ARRAY data, or FIXED_LEN_BYTE_ARRAY values
	off  []uint32 // BYTE_ARRAY offsets
	size int      // FIXED_LEN_BYTE_ARRAY width
}

// view sets v to the values of vals, checked against the column's type.
func (v *pageValues) view(vals encoding.Values, sl *scalarLeaf) error {
	*v = pageValues{}
	switch sl.phys {
	case parquet.Int32:
		if vals.Kind() != encoding.Int32 {
			return errScalarType
		}
		v.i32 = vals.Int32()
		v.n = len(v.i32)
	case parquet.Int64:
		if vals.Kind() != encoding.Int64 {
			return errScalarType
		}
		v.i64 = vals.Int64()
		v.n = len(v.i64)
	case parquet.Float:
		if vals.Kind() != encoding.Float {
			return errScalarType
		}
		v.f32 = vals.Float()
		v.n = len(v.f32)
	case parquet.Double:
		if vals.Kind() != encoding.Double {
			return errScalarType
		}
		v.f64 = vals.Double()
		v.n = len(v.f64)
	case parquet.ByteArray:
		if vals.Kind() != encoding.ByteArray {
			return errScalarType
		}
		v.data, v.off = vals.ByteArray()
		if len(v.off) > 0 {
			if err := checkOffsets(v.data, v.off); err != nil {
				return err
			}
			v.n = len(v.off) - 1
		}
	case parquet.FixedLenByteArray:
		if vals.Kind() != encoding.FixedLenByteArray {
			return errScalarType
		}
		v.data, v.size = vals.FixedLenByteArray()
		if v.size <= 0 {
			return errScalarType
		}
		if sl.f16 && v.size != 2 {
			return errScalarType
		}
		v.n = len(v.data) / v.size
	default:
		return errScalarType
	}
	return nil
}

// appendPage appends the rows of page p to c.
func (c *scalarCol) appendPage(p parquet.Page, sl *scalarLeaf) error {
	vals := &c.dictVals
	var page pageValues
	var idx []int32
	if d := p.Dictionary(); d != nil {
		if d != c.dict {
			c.dict = nil
			if err := c.dictVals.view(d.Page().Data(), sl); err != nil {
				return fmt.Errorf("dictionary: %w", err)
			}
			c.dict = d
		}
		data := p.Data()
		if data.Kind() != encoding.Int32 {
			return errScalarType
		}
		idx = data.Int32()
		for _, x := range idx {
			if uint32(x) >= uint32(vals.n) {
				return fmt.Errorf("dictionary index %d out of range [0,%d)", x, vals.n)
			}
		}
	} else {
		if err := page.view(p.Data(), sl); err != nil {
			return err
		}
		vals = &page
	}
	nvals := vals.n
	if idx != nil {
		nvals = len(idx)
	}

	var defs []byte
	n := nvals
	if sl.maxDef > 0 {
		defs = p.DefinitionLevels()
		n = len(defs)
		nonNull := 0
		for _, d := range defs {
			if d == sl.maxDef {
				nonNull++
			} else if d > sl.maxDef {
				return fmt.Errorf("definition level %d above maximum %d", d, sl.maxDef)
			}
		}
		if nonNull != nvals {
			return fmt.Errorf("page has %d non-null levels but %d values", nonNull, nvals)
		}
	}

	vi := 0
	for l := 0; l < n; l++ {
		if defs != nil && defs[l] != sl.maxDef {
			c.valid = append(c.valid, false)
			switch sl.kind {
			case skBytes, skDecBytes:
				c.off = append(c.off, len(c.data))
			default:
				c.num = append(c.num, 0)
			}
			continue
		}
		k := vi
		if idx != nil {
			k = int(idx[vi])
		}
		vi++
		c.valid = append(c.valid, true)
		c.appendValue(vals, k, sl)
	}
	return nil
}

// appendValue appends value k of vals.
func (c *scalarCol) appendValue(v *pageValues, k int, sl *scalarLeaf) {
	switch sl.phys {
	case parquet.Int32:
		x := v.i32[k]
		if sl.kind == skUint {
			c.num = append(c.num, uint64(uint32(x)))
		} else {
			c.num = append(c.num, uint64(int64(x)))
		}
	case parquet.Int64:
		c.num = append(c.num, uint64(v.i64[k]))
	case parquet.Float:
		c.num = append(c.num, math.Float64bits(float64(v.f32[k])))
	case parquet.Double:
		c.num = append(c.num, math.Float64bits(v.f64[k]))
	case parquet.ByteArray:
		c.data = append(c.data, v.data[v.off[k]:v.off[k+1]]...)
		c.off = append(c.off, len(c.data))
	case parquet.FixedLenByteArray:
		b := v.data[k*v.size : (k+1)*v.size]
		if sl.f16 {
			c.num = append(c.num, math.Float64bits(float64(float16(b[0], b[1]))))
			return
		}
		c.data = append(c.data, b...)
		c.off = append(c.off, len(c.data))
	}
}
