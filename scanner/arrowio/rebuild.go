package arrowio

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// rebuild returns a new array for logical slots [start, end) of n with the
// writer's pending edits applied. Subtrees without edits are zero-copy
// slices of the input; the path from the column down to each edited leaf is
// rebuilt with offset 0. The caller releases the result.
func (w *writer) rebuild(n *bnode, start, end int) (arrow.ArrayData, error) {
	if !w.touched(n.pnode) {
		return array.NewSliceData(n.data, int64(start), int64(end)), nil
	}
	length := end - start
	valid, nulls := copyValidity(n, start, length)
	dt := n.data.DataType()
	switch n.kind {
	case kBin32, kBin64:
		offs, vals, err := rebuildValues(n, start, end, w.edits[n.leaf], nil)
		if err != nil {
			return nil, err
		}
		return array.NewData(dt, length, []*memory.Buffer{valid, offs, vals}, nil, nulls, 0), nil
	case kDict:
		if w.file {
			return nil, ErrDictionaryEdit
		}
		return rebuildDict(n, start, end, w.edits[n.leaf], valid, nulls)
	case kStruct:
		children := n.data.Children()
		base := n.off + start
		kids := make([]arrow.ArrayData, len(children))
		defer func() {
			for _, k := range kids {
				if k != nil {
					k.Release()
				}
			}
		}()
		for c, child := range children {
			if child == nil {
				return nil, errors.New("struct child missing")
			}
			kids[c] = array.NewSliceData(child, int64(base), int64(base+length))
		}
		for _, k := range n.kids {
			d, err := w.rebuild(k, base, base+length)
			if err != nil {
				return nil, err
			}
			kids[k.child].Release()
			kids[k.child] = d
		}
		return array.NewData(dt, length, []*memory.Buffer{valid}, kids, nulls, 0), nil
	case kList, kList64:
		j0 := n.off + start
		var offs *memory.Buffer
		var cs, ce int
		if n.kind == kList {
			o := n.o32[j0 : j0+length+1]
			cs, ce = int(o[0]), int(o[length])
			out := make([]int32, length+1)
			for k := range out {
				out[k] = o[k] - o[0]
			}
			offs = memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(out))
		} else {
			o := n.o64[j0 : j0+length+1]
			cs, ce = int(o[0]), int(o[length])
			out := make([]int64, length+1)
			for k := range out {
				out[k] = o[k] - o[0]
			}
			offs = memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(out))
		}
		child, err := w.rebuild(n.kids[0], cs, ce)
		if err != nil {
			return nil, err
		}
		defer child.Release()
		return array.NewData(dt, length, []*memory.Buffer{valid, offs}, []arrow.ArrayData{child}, nulls, 0), nil
	case kFixed:
		size := n.size
		child, err := w.rebuild(n.kids[0], (n.off+start)*size, (n.off+end)*size)
		if err != nil {
			return nil, err
		}
		defer child.Release()
		return array.NewData(dt, length, []*memory.Buffer{valid}, []arrow.ArrayData{child}, nulls, 0), nil
	}
	return nil, fmt.Errorf("unexpected node kind %d", n.kind)
}

// copyValidity returns n's validity bits for slots [start, start+length) as
// a new bitmap starting at bit 0, and the null count; nil when n has no
// nulls.
func copyValidity(n *bnode, start, length int) (*memory.Buffer, int) {
	if n.valid == nil {
		return nil, 0
	}
	bm := make([]byte, bitutil.BytesForBits(int64(length)))
	bitutil.CopyBitmap(n.valid, n.off+start, length, bm, 0)
	return memory.NewBufferBytes(bm), length - bitutil.CountSetBits(bm, 0, length)
}

// editsIn returns the edits whose slot lies in [start, end); eds is sorted.
func editsIn(eds []slotEdit, start, end int) []slotEdit {
	i := sort.Search(len(eds), func(k int) bool { return eds[k].slot >= start })
	j := sort.Search(len(eds), func(k int) bool { return eds[k].slot >= end })
	return eds[i:j]
}

// rebuildValues returns new offsets and values buffers for slots
// [start, end) of a string/binary leaf with eds applied (the last edit of a
// slot wins), followed by the extra values.
func rebuildValues(n *bnode, start, end int, eds []slotEdit, extra [][]byte) (*memory.Buffer, *memory.Buffer, error) {
	eds = editsIn(eds, start, end)
	length := end - start
	total := 0
	for slot := start; slot < end; slot++ {
		total += len(n.value(slot))
	}
	for _, e := range eds {
		total += len(e.data)
	}
	for _, x := range extra {
		total += len(x)
	}
	wide := n.kind == kBin64
	if !wide && total > math.MaxInt32 {
		return nil, nil, fmt.Errorf("edited values exceed the 2 GiB limit of a 32-bit offset array")
	}
	vals := make([]byte, 0, total)
	var o32 []int32
	var o64 []int64
	count := length + len(extra) + 1
	if wide {
		o64 = make([]int64, count)
	} else {
		o32 = make([]int32, count)
	}
	put := func(k int) {
		if wide {
			o64[k] = int64(len(vals))
		} else {
			o32[k] = int32(len(vals))
		}
	}
	e := 0
	for k := 0; k < length; k++ {
		slot := start + k
		v := n.value(slot)
		for e < len(eds) && eds[e].slot == slot {
			v = eds[e].data
			e++
		}
		vals = append(vals, v...)
		put(k + 1)
	}
	for k, x := range extra {
		vals = append(vals, x...)
		put(length + k + 1)
	}
	var offs *memory.Buffer
	if wide {
		offs = memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(o64))
	} else {
		offs = memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(o32))
	}
	return offs, memory.NewBufferBytes(vals), nil
}

// maxIndex is the largest dictionary index a type can hold.
func maxIndex(t arrow.Type) int {
	switch t {
	case arrow.INT8:
		return math.MaxInt8
	case arrow.UINT8:
		return math.MaxUint8
	case arrow.INT16:
		return math.MaxInt16
	case arrow.UINT16:
		return math.MaxUint16
	case arrow.INT32:
		return math.MaxInt32
	case arrow.UINT32:
		return math.MaxUint32
	}
	return math.MaxInt64
}

// rebuildDict rebuilds slots [start, end) of a dictionary leaf: each edited
// slot gets a new dictionary entry appended after the existing ones, so the
// other rows that share the old entry keep it.
func rebuildDict(n *bnode, start, end int, eds []slotEdit, valid *memory.Buffer, nulls int) (arrow.ArrayData, error) {
	eds = editsIn(eds, start, end)
	d := n.dict
	var extra [][]byte
	var slots []int
	for i, e := range eds {
		if i+1 < len(eds) && eds[i+1].slot == e.slot {
			continue // the last edit of a slot wins
		}
		extra = append(extra, e.data)
		slots = append(slots, e.slot)
	}
	newLen := d.n + len(extra)
	if newLen-1 > maxIndex(n.idxType) {
		return nil, fmt.Errorf("dictionary of %d entries overflows its %s index", newLen, n.idxType)
	}
	offs, vals, err := rebuildValues(d, 0, d.n, nil, extra)
	if err != nil {
		return nil, err
	}
	var dvalid *memory.Buffer
	dnulls := 0
	if d.valid != nil {
		bm := make([]byte, bitutil.BytesForBits(int64(newLen)))
		bitutil.CopyBitmap(d.valid, d.off, d.n, bm, 0)
		bitutil.SetBitsTo(bm, int64(d.n), int64(len(extra)), true)
		dvalid = memory.NewBufferBytes(bm)
		dnulls = newLen - bitutil.CountSetBits(bm, 0, newLen)
	}
	dict := array.NewData(d.data.DataType(), newLen, []*memory.Buffer{dvalid, offs, vals}, nil, dnulls, 0)
	defer dict.Release()

	width := indexWidth(n.idxType)
	length := end - start
	idx := make([]byte, length*width)
	copy(idx, n.idx[(n.off+start)*width:(n.off+end)*width])
	for k, slot := range slots {
		v, at := d.n+k, slot-start
		switch width {
		case 1:
			idx[at] = byte(v)
		case 2:
			arrow.Uint16Traits.CastFromBytes(idx)[at] = uint16(v)
		case 4:
			arrow.Uint32Traits.CastFromBytes(idx)[at] = uint32(v)
		default:
			arrow.Uint64Traits.CastFromBytes(idx)[at] = uint64(v)
		}
	}
	return array.NewDataWithDictionary(n.data.DataType(), length, []*memory.Buffer{valid, memory.NewBufferBytes(idx)}, nulls, 0, dict), nil
}
