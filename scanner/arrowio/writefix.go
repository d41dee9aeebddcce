package arrowio

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// The arrow v15 IPC writer panics on a zero-length string or binary array
// whose values buffer is not empty, which is what slicing produces: a batch
// whose rows all have empty lists, for instance, hands the writer a
// zero-length slice of the list's string child. fixEmpty rewrites such
// arrays, and the list and struct arrays above them, into an equivalent form
// the writer accepts. Everything else is passed through untouched.

// fixEmpty returns d unchanged (and not retained) when the writer can encode
// it, or a repaired equivalent (owned by the caller) and true. Buffers it
// allocates are first checked against lim.
func fixEmpty(d arrow.ArrayData, lim *limitAlloc) (arrow.ArrayData, bool) {
	dt := d.DataType()
	st := dt
	if ext, ok := dt.(arrow.ExtensionType); ok {
		st = ext.StorageType()
	}
	switch st.ID() {
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		bufs := d.Buffers()
		if d.Len() == 0 && len(bufs) > 2 && bufs[2] != nil && bufs[2].Len() > 0 {
			width := 4
			if st.ID() == arrow.LARGE_STRING || st.ID() == arrow.LARGE_BINARY {
				width = 8
			}
			offs := memory.NewBufferBytes(make([]byte, width))
			return array.NewData(dt, 0, []*memory.Buffer{nil, offs, nil}, nil, 0, 0), true
		}
	case arrow.LIST, arrow.MAP, arrow.LARGE_LIST:
		return fixList(d, st.ID() == arrow.LARGE_LIST, lim)
	case arrow.FIXED_SIZE_LIST:
		size := int(st.(*arrow.FixedSizeListType).Len())
		kids := d.Children()
		if len(kids) != 1 {
			return d, false
		}
		child := array.NewSliceData(kids[0], int64(d.Offset()*size), int64((d.Offset()+d.Len())*size))
		defer child.Release()
		fixed, changed := fixEmpty(child, lim)
		if !changed {
			return d, false
		}
		defer fixed.Release()
		lim.check(d.Len() / 8)
		valid, nulls := rebaseValidity(d)
		return array.NewData(dt, d.Len(), []*memory.Buffer{valid}, []arrow.ArrayData{fixed}, nulls, 0), true
	case arrow.STRUCT:
		kids := d.Children()
		out := make([]arrow.ArrayData, len(kids))
		changedAny := false
		for i, k := range kids {
			s := array.NewSliceData(k, int64(d.Offset()), int64(d.Offset()+d.Len()))
			if f, changed := fixEmpty(s, lim); changed {
				s.Release()
				s, changedAny = f, true
			}
			out[i] = s
		}
		defer func() {
			for _, k := range out {
				k.Release()
			}
		}()
		if !changedAny {
			return d, false
		}
		lim.check(d.Len() / 8)
		valid, nulls := rebaseValidity(d)
		return array.NewData(dt, d.Len(), []*memory.Buffer{valid}, out, nulls, 0), true
	}
	return d, false
}

func fixList(d arrow.ArrayData, wide bool, lim *limitAlloc) (arrow.ArrayData, bool) {
	kids, bufs := d.Children(), d.Buffers()
	if len(kids) != 1 || len(bufs) < 2 {
		return d, false
	}
	n, off := d.Len(), d.Offset()
	var cs, ce int64
	var o32 []int32
	var o64 []int64
	if n > 0 && bufs[1] != nil {
		if wide {
			o64 = arrow.Int64Traits.CastFromBytes(bufs[1].Bytes())[off : off+n+1]
			cs, ce = o64[0], o64[n]
		} else {
			o32 = arrow.Int32Traits.CastFromBytes(bufs[1].Bytes())[off : off+n+1]
			cs, ce = int64(o32[0]), int64(o32[n])
		}
	}
	child := array.NewSliceData(kids[0], cs, ce)
	defer child.Release()
	fixed, changed := fixEmpty(child, lim)
	if !changed {
		return d, false
	}
	defer fixed.Release()
	lim.check(8 * (n + 1))
	var offs *memory.Buffer
	if wide {
		z := make([]int64, n+1)
		for i := range o64 {
			z[i] = o64[i] - cs
		}
		offs = memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(z))
	} else {
		z := make([]int32, n+1)
		for i := range o32 {
			z[i] = o32[i] - int32(cs)
		}
		offs = memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(z))
	}
	valid, nulls := rebaseValidity(d)
	return array.NewData(d.DataType(), n, []*memory.Buffer{valid, offs}, []arrow.ArrayData{fixed}, nulls, 0), true
}

// rebaseValidity copies d's validity bitmap to start at bit 0.
func rebaseValidity(d arrow.ArrayData) (*memory.Buffer, int) {
	bufs := d.Buffers()
	if len(bufs) == 0 || bufs[0] == nil || bufs[0].Len() == 0 || d.NullN() == 0 {
		return nil, 0
	}
	n := d.Len()
	bm := make([]byte, bitutil.BytesForBits(int64(n)))
	bitutil.CopyBitmap(bufs[0].Bytes(), d.Offset(), n, bm, 0)
	return memory.NewBufferBytes(bm), n - bitutil.CountSetBits(bm, 0, n)
}

// fixRecord applies fixEmpty to every column; the result is owned by the
// caller.
func fixRecord(rec arrow.Record, lim *limitAlloc) arrow.Record {
	var cols []arrow.Array
	for i, c := range rec.Columns() {
		f, changed := fixEmpty(c.Data(), lim)
		if !changed {
			continue
		}
		if cols == nil {
			cols = make([]arrow.Array, len(rec.Columns()))
		}
		cols[i] = array.MakeFromData(f)
		f.Release()
	}
	if cols == nil {
		rec.Retain()
		return rec
	}
	for i, c := range rec.Columns() {
		if cols[i] == nil {
			c.Retain()
			cols[i] = c
		}
	}
	defer releaseAll(cols)
	return array.NewRecord(rec.Schema(), cols, rec.NumRows())
}
