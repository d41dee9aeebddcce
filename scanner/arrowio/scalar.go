package arrowio

import (
	"encoding/binary"
	"math"
	"strconv"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/winnow-data/winnow/scanner/records"
)

// Keep-policy scores (--keep max:FIELD) are read from the record batch a
// Batch already holds: the IPC reader has decoded every column of it, so
// Scalar only locates the value (one bounds-checked read per struct level)
// and formats it; nothing is decoded again and nothing is allocated per
// call.

var _ records.ScalarReader = (*reader)(nil)

// maxScalarPaths bounds the per-reader cache of resolved paths.
const maxScalarPaths = 64

// vkind is the type of a Scalar leaf, or of a dictionary leaf's values.
type vkind uint8

const (
	vInt     vkind = iota + 1 // signed integer of width bytes (dates, times, timestamps, durations too)
	vUint                     // unsigned integer of width bytes
	vFloat16                  // IEEE half
	vFloat32                  //
	vFloat64                  //
	vDecimal                  // decimal128 (width 16) or decimal256 (width 32)
	vBin32                    // string or binary
	vBin64                    // large_string or large_binary
)

// scalarPath is a resolved Scalar path: the column and the struct children
// that lead to the leaf, and how to read the leaf. Immutable once built.
type scalarPath struct {
	cols  []int // cols[0]: top-level column; then struct child indexes
	kind  vkind
	width int // bytes per value (vInt, vUint, vDecimal)
	scale int // vDecimal
	// Dictionary leaves: the index type (kind holds the values' type).
	dict    bool
	idxType arrow.Type
}

// scalarCache holds a reader's resolved paths; safe for concurrent use.
type scalarCache struct {
	mu    sync.Mutex
	paths map[string]*scalarPath // nil value: the path names no scalar
}

// unitScalar is a path a unit has looked up. The resolution depends on the
// schema only, so it stays valid while the unit is reused by its reader.
type unitScalar struct {
	path []byte
	sp   *scalarPath
}

// Scalar returns the value of the column named by path in record rec of b,
// as text: a number in the decimal form strconv.ParseFloat reads ("0.75",
// "-12", "1.5e+300", "NaN" for a NaN), or the bytes of a string or binary
// value (scanned or not). path is the column's logical name as in
// Batch.Names, struct field names joined by '.' ("quality",
// "meta.quality"); a leading "$." is ignored, and a field whose own name
// contains '.' is matched too. It returns false when rec is out of range,
// the value or an enclosing struct is null, or path names no column holding
// a number or a string: a boolean, a list or map (or anything inside one),
// a missing column, or buffers too short for the row.
//
// Numbers are int8..int64, uint8..uint64, date32/64, time32/64,
// timestamps and durations (as their integer), float16, float32, float64,
// decimal128 and decimal256, plain or dictionary-encoded. A float32 or
// float16 is printed with the shortest digits that identify the float32.
//
// Scalar allocates nothing once a path has been resolved (the first call for
// a path in the reader). The returned slice aliases b's record batch or a
// buffer of b, and is valid until the next Scalar call with b or until b is
// handed back to Next, whichever comes first.
//
// Scalar may be called from the goroutine that owns b, concurrently with
// Next and with Scalar calls on other batches, but not after Close; calls
// with the same b must not overlap. b must have been filled by this reader.
func (r *reader) Scalar(b *records.Batch, rec int, path []byte) (out []byte, ok bool) {
	u, isUnit := b.Unit.(*unit)
	if !isUnit || u.owner != r || u.rec == nil || rec < 0 || rec >= b.N || u.r0+rec >= u.r1 {
		return nil, false
	}
	defer func() {
		if p := recover(); p != nil { // damaged buffers the checks missed
			out, ok = nil, false
		}
	}()
	if len(path) >= 2 && path[0] == '$' && path[1] == '.' {
		path = path[2:]
	}
	sp := u.scalarPath(r, path)
	if sp == nil {
		return nil, false
	}
	d := u.rec.Column(sp.cols[0]).Data()
	i := u.r0 + rec
	for level := 0; ; level++ {
		if i >= d.Len() || d.Offset() < 0 {
			return nil, false
		}
		j := d.Offset() + i
		if isNullAt(d, j) {
			return nil, false
		}
		if level == len(sp.cols)-1 {
			if sp.dict {
				return u.dictValue(sp, d, j)
			}
			return u.value(sp, d, j)
		}
		kids := d.Children()
		c := sp.cols[level+1]
		if c >= len(kids) || kids[c] == nil {
			return nil, false
		}
		// A struct's children are indexed by the struct's physical slot.
		d, i = kids[c], j
	}
}

// isNullAt reports whether physical slot j of d is null; a validity bitmap
// too short for j counts as null.
func isNullAt(d arrow.ArrayData, j int) bool {
	bufs := d.Buffers()
	if len(bufs) == 0 || bufs[0] == nil || bufs[0].Len() == 0 {
		return false
	}
	bm := bufs[0].Bytes()
	return j>>3 >= len(bm) || bm[j>>3]&(1<<(j&7)) == 0
}

// buffer returns buffer k of d, or nil.
func buffer(d arrow.ArrayData, k int) []byte {
	if bufs := d.Buffers(); k < len(bufs) && bufs[k] != nil {
		return bufs[k].Bytes()
	}
	return nil
}

// dictValue reads the dictionary index at physical slot j of d and formats
// the dictionary value it points to.
func (u *unit) dictValue(sp *scalarPath, d arrow.ArrayData, j int) ([]byte, bool) {
	w := indexWidth(sp.idxType)
	raw := buffer(d, 1)
	if j >= len(raw)/w {
		return nil, false
	}
	k := rawIndex(sp.idxType, raw[j*w:])
	dd := dictOf(d)
	if dd == nil || k < 0 || k >= dd.Len() || dd.Offset() < 0 {
		return nil, false
	}
	jj := dd.Offset() + k
	if isNullAt(dd, jj) {
		return nil, false
	}
	return u.value(sp, dd, jj)
}

// rawIndex decodes a little-endian dictionary index of type t at the start
// of b (which holds at least its width); -1 if it does not fit an int.
func rawIndex(t arrow.Type, b []byte) int {
	switch t {
	case arrow.INT8:
		return int(int8(b[0]))
	case arrow.UINT8:
		return int(b[0])
	case arrow.INT16:
		return int(int16(binary.LittleEndian.Uint16(b)))
	case arrow.UINT16:
		return int(binary.LittleEndian.Uint16(b))
	case arrow.INT32:
		return int(int32(binary.LittleEndian.Uint32(b)))
	case arrow.UINT32:
		return int(binary.LittleEndian.Uint32(b))
	case arrow.INT64:
		v := int64(binary.LittleEndian.Uint64(b))
		if v > math.MaxInt {
			return -1
		}
		return int(v)
	case arrow.UINT64:
		v := binary.LittleEndian.Uint64(b)
		if v > math.MaxInt {
			return -1
		}
		return int(v)
	}
	return -1
}

// value formats physical slot j of leaf d (not null).
func (u *unit) value(sp *scalarPath, d arrow.ArrayData, j int) ([]byte, bool) {
	switch sp.kind {
	case vBin32, vBin64:
		offs, vals := buffer(d, 1), buffer(d, 2)
		w := 4
		if sp.kind == vBin64 {
			w = 8
		}
		if j >= len(offs)/w-1 {
			return nil, false
		}
		var lo, hi int64
		if w == 4 {
			lo = int64(int32(binary.LittleEndian.Uint32(offs[j*4:])))
			hi = int64(int32(binary.LittleEndian.Uint32(offs[j*4+4:])))
		} else {
			lo = int64(binary.LittleEndian.Uint64(offs[j*8:]))
			hi = int64(binary.LittleEndian.Uint64(offs[j*8+8:]))
		}
		if lo < 0 || lo > hi || hi > int64(len(vals)) {
			return nil, false
		}
		return vals[lo:hi], true
	}
	w := sp.width
	vals := buffer(d, 1)
	if j >= len(vals)/w {
		return nil, false
	}
	v := vals[j*w : j*w+w]
	switch sp.kind {
	case vInt:
		var x int64
		switch w {
		case 1:
			x = int64(int8(v[0]))
		case 2:
			x = int64(int16(binary.LittleEndian.Uint16(v)))
		case 4:
			x = int64(int32(binary.LittleEndian.Uint32(v)))
		default:
			x = int64(binary.LittleEndian.Uint64(v))
		}
		u.sbuf = strconv.AppendInt(u.sbuf[:0], x, 10)
	case vUint:
		var x uint64
		switch w {
		case 1:
			x = uint64(v[0])
		case 2:
			x = uint64(binary.LittleEndian.Uint16(v))
		case 4:
			x = uint64(binary.LittleEndian.Uint32(v))
		default:
			x = binary.LittleEndian.Uint64(v)
		}
		u.sbuf = strconv.AppendUint(u.sbuf[:0], x, 10)
	case vFloat16:
		u.sbuf = strconv.AppendFloat(u.sbuf[:0], float64(halfToFloat32(v[0], v[1])), 'g', -1, 32)
	case vFloat32:
		u.sbuf = strconv.AppendFloat(u.sbuf[:0], float64(math.Float32frombits(binary.LittleEndian.Uint32(v))), 'g', -1, 32)
	case vFloat64:
		u.sbuf = strconv.AppendFloat(u.sbuf[:0], math.Float64frombits(binary.LittleEndian.Uint64(v)), 'g', -1, 64)
	case vDecimal:
		var words [4]uint64
		n := w / 8
		for k := 0; k < n; k++ {
			words[k] = binary.LittleEndian.Uint64(v[8*k:])
		}
		u.sbuf = appendDecimalWords(u.sbuf[:0], words[:n], sp.scale)
	default:
		return nil, false
	}
	return u.sbuf, true
}

// scalarPath returns the resolution of path, from the unit's own list or,
// the first time, from the reader.
func (u *unit) scalarPath(r *reader, path []byte) *scalarPath {
	for k := range u.scal {
		if string(u.scal[k].path) == string(path) {
			return u.scal[k].sp
		}
	}
	sp := r.resolveScalar(path)
	if len(u.scal) < maxScalarPaths {
		u.scal = append(u.scal, unitScalar{path: append([]byte(nil), path...), sp: sp})
	}
	return sp
}

// resolveScalar returns how to read the column named path, or nil when
// path names no column holding a number or a string outside lists and maps.
func (r *reader) resolveScalar(path []byte) *scalarPath {
	c := &r.scal
	c.mu.Lock()
	defer c.mu.Unlock()
	if sp, ok := c.paths[string(path)]; ok {
		return sp
	}
	sp := findScalar(r.schema.Fields(), string(path), nil)
	if c.paths == nil {
		c.paths = make(map[string]*scalarPath)
	}
	if len(c.paths) < maxScalarPaths {
		c.paths[string(path)] = sp
	}
	return sp
}

// findScalar looks for the leaf named rest among fields and their struct
// descendants, depth first in schema order; cols are the indexes that led
// to fields.
func findScalar(fields []arrow.Field, rest string, cols []int) *scalarPath {
	for i, f := range fields {
		dt := storageOf(f.Type)
		if rest == f.Name {
			if sp := leafScalar(dt); sp != nil {
				sp.cols = append(append(make([]int, 0, len(cols)+1), cols...), i)
				return sp
			}
			continue
		}
		st, ok := dt.(*arrow.StructType)
		if !ok || len(rest) <= len(f.Name) || rest[len(f.Name)] != '.' || rest[:len(f.Name)] != f.Name {
			continue
		}
		if sp := findScalar(st.Fields(), rest[len(f.Name)+1:], append(cols, i)); sp != nil {
			return sp
		}
	}
	return nil
}

func storageOf(dt arrow.DataType) arrow.DataType {
	for {
		ext, ok := dt.(arrow.ExtensionType)
		if !ok {
			return dt
		}
		dt = ext.StorageType()
	}
}

// leafScalar describes a leaf of type dt for Scalar; nil when it holds
// neither a number nor a string.
func leafScalar(dt arrow.DataType) *scalarPath {
	if t, ok := dt.(*arrow.DictionaryType); ok {
		switch t.IndexType.ID() {
		case arrow.INT8, arrow.UINT8, arrow.INT16, arrow.UINT16, arrow.INT32, arrow.UINT32, arrow.INT64, arrow.UINT64:
		default:
			return nil
		}
		vt := storageOf(t.ValueType)
		if _, nested := vt.(*arrow.DictionaryType); nested {
			return nil
		}
		sp := leafScalar(vt)
		if sp != nil {
			sp.dict, sp.idxType = true, t.IndexType.ID()
		}
		return sp
	}
	sp := &scalarPath{}
	switch t := dt.(type) {
	case *arrow.Int8Type:
		sp.kind, sp.width = vInt, 1
	case *arrow.Int16Type:
		sp.kind, sp.width = vInt, 2
	case *arrow.Int32Type, *arrow.Date32Type, *arrow.Time32Type:
		sp.kind, sp.width = vInt, 4
	case *arrow.Int64Type, *arrow.Date64Type, *arrow.Time64Type, *arrow.TimestampType, *arrow.DurationType:
		sp.kind, sp.width = vInt, 8
	case *arrow.Uint8Type:
		sp.kind, sp.width = vUint, 1
	case *arrow.Uint16Type:
		sp.kind, sp.width = vUint, 2
	case *arrow.Uint32Type:
		sp.kind, sp.width = vUint, 4
	case *arrow.Uint64Type:
		sp.kind, sp.width = vUint, 8
	case *arrow.Float16Type:
		sp.kind, sp.width = vFloat16, 2
	case *arrow.Float32Type:
		sp.kind, sp.width = vFloat32, 4
	case *arrow.Float64Type:
		sp.kind, sp.width = vFloat64, 8
	case *arrow.Decimal128Type:
		sp.kind, sp.width, sp.scale = vDecimal, 16, int(t.Scale)
	case *arrow.Decimal256Type:
		sp.kind, sp.width, sp.scale = vDecimal, 32, int(t.Scale)
	case *arrow.StringType, *arrow.BinaryType:
		sp.kind = vBin32
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		sp.kind = vBin64
	default:
		return nil
	}
	return sp
}
