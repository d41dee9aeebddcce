package arrowio

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/winnow-data/winnow/scanner/records"
)

// kind is the shape of a plan node.
type kind uint8

const (
	kBin32 kind = iota // string or binary leaf (int32 offsets)
	kBin64             // large_string or large_binary leaf (int64 offsets)
	kDict              // dictionary-encoded leaf whose values are kBin32/kBin64
	kStruct
	kList   // list or map (int32 offsets)
	kList64 // large_list
	kFixed  // fixed_size_list
)

// pnode is one node of the scan plan: the part of a column's type tree that
// leads to scanned string leaves. It is immutable once built.
type pnode struct {
	kind    kind
	leaf    int32      // leaf id (index into plan.names) for leaves
	child   int        // index of this node in its parent's children
	size    int        // kFixed: list size
	values  kind       // kDict: kind of the dictionary values
	idxType arrow.Type // kDict: index type
	kids    []*pnode   // scanned children
	leaves  []int32    // leaf ids at or below this node
}

// plan is the compiled scan plan of a schema.
type plan struct {
	cols  []*pnode // per top-level column; nil when nothing in it is scanned
	names []string // leaf id -> logical field path
}

// compile builds the plan for schema, keeping the leaves filter selects.
func compile(schema *arrow.Schema, filter *records.FieldFilter) (*plan, error) {
	p := &plan{cols: make([]*pnode, schema.NumFields())}
	for i, f := range schema.Fields() {
		n, err := p.node(f.Name, f.Type, filter, 1)
		if err != nil {
			return nil, fmt.Errorf("column %d: %w", i, err)
		}
		if n != nil {
			n.child = i
		}
		p.cols[i] = n
	}
	return p, nil
}

// node compiles the type dt found at the logical path; nil means nothing
// below it is scanned.
func (p *plan) node(path string, dt arrow.DataType, filter *records.FieldFilter, depth int) (*pnode, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("type nested deeper than %d", maxNesting)
	}
	if ext, ok := dt.(arrow.ExtensionType); ok {
		dt = ext.StorageType()
	}
	leaf := func(k kind) *pnode {
		if !filter.MatchColumn([]byte(path)) {
			return nil
		}
		id := int32(len(p.names))
		p.names = append(p.names, path)
		return &pnode{kind: k, leaf: id, leaves: []int32{id}}
	}
	switch t := dt.(type) {
	case *arrow.StringType, *arrow.BinaryType:
		return leaf(kBin32), nil
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		return leaf(kBin64), nil
	case *arrow.DictionaryType:
		vt := t.ValueType
		if ext, ok := vt.(arrow.ExtensionType); ok {
			vt = ext.StorageType()
		}
		var vk kind
		switch vt.(type) {
		case *arrow.StringType, *arrow.BinaryType:
			vk = kBin32
		case *arrow.LargeStringType, *arrow.LargeBinaryType:
			vk = kBin64
		default:
			return nil, nil
		}
		switch t.IndexType.ID() {
		case arrow.INT8, arrow.UINT8, arrow.INT16, arrow.UINT16, arrow.INT32, arrow.UINT32, arrow.INT64, arrow.UINT64:
		default:
			return nil, fmt.Errorf("dictionary index type %s", t.IndexType)
		}
		n := leaf(kDict)
		if n != nil {
			n.values, n.idxType = vk, t.IndexType.ID()
		}
		return n, nil
	case *arrow.StructType:
		n := &pnode{kind: kStruct}
		for i, f := range t.Fields() {
			name := f.Name
			if path != "" {
				name = path + "." + f.Name
			}
			k, err := p.node(name, f.Type, filter, depth+1)
			if err != nil {
				return nil, err
			}
			if k != nil {
				k.child = i
				n.kids = append(n.kids, k)
				n.leaves = append(n.leaves, k.leaves...)
			}
		}
		if len(n.kids) == 0 {
			return nil, nil
		}
		return n, nil
	case *arrow.MapType:
		return p.list(kList, 0, path, t.Elem(), filter, depth)
	case *arrow.ListType:
		return p.list(kList, 0, path, t.Elem(), filter, depth)
	case *arrow.LargeListType:
		return p.list(kList64, 0, path, t.Elem(), filter, depth)
	case *arrow.FixedSizeListType:
		return p.list(kFixed, int(t.Len()), path, t.Elem(), filter, depth)
	}
	return nil, nil
}

func (p *plan) list(k kind, size int, path string, elem arrow.DataType, filter *records.FieldFilter, depth int) (*pnode, error) {
	kid, err := p.node(path, elem, filter, depth+1)
	if err != nil || kid == nil {
		return nil, err
	}
	if k == kFixed && size < 0 {
		return nil, fmt.Errorf("negative fixed list size %d", size)
	}
	return &pnode{kind: k, size: size, kids: []*pnode{kid}, leaves: kid.leaves}, nil
}

// bnode binds a plan node to one array of one record batch, with its buffers
// validated so that walking it cannot index out of range. It is immutable
// once built and may be read by several goroutines.
type bnode struct {
	*pnode
	data  arrow.ArrayData
	off   int    // data offset
	n     int    // logical length
	valid []byte // validity bitmap, nil when every slot is valid
	o32   []int32
	o64   []int64
	vals  []byte
	idx   []byte // kDict: raw indices
	dict  *bnode // kDict: bound dictionary values
	kids  []*bnode
}

var errBadArray = errors.New("inconsistent array buffers")

func badArray(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadArray, fmt.Sprintf(format, args...))
}

// bind validates data against the plan node and returns its bound form.
func bind(p *pnode, data arrow.ArrayData) (*bnode, error) {
	n := &bnode{pnode: p, data: data, off: data.Offset(), n: data.Len()}
	if n.off < 0 || n.n < 0 || n.off > math.MaxInt32*64 {
		return nil, badArray("offset %d, length %d", n.off, n.n)
	}
	end := n.off + n.n
	bufs := data.Buffers()
	buf := func(i int) []byte {
		if i < len(bufs) && bufs[i] != nil {
			return bufs[i].Bytes()
		}
		return nil
	}
	if data.NullN() != 0 {
		if bm := buf(0); len(bm) > 0 {
			if len(bm)*8 < end {
				return nil, badArray("validity bitmap of %d bytes for %d slots", len(bm), end)
			}
			n.valid = bm
		}
	}
	switch p.kind {
	case kBin32, kBin64:
		if err := n.bindOffsets(buf(1), p.kind == kBin64, len(buf(2))); err != nil {
			return nil, err
		}
		n.vals = buf(2)
	case kDict:
		width := indexWidth(p.idxType)
		n.idx = buf(1)
		if len(n.idx) < end*width {
			return nil, badArray("dictionary indices of %d bytes for %d slots", len(n.idx), end)
		}
		dd := dictOf(data)
		if dd == nil {
			return nil, badArray("dictionary array without dictionary")
		}
		dict, err := bind(&pnode{kind: p.values, leaf: p.leaf}, dd)
		if err != nil {
			return nil, fmt.Errorf("dictionary: %w", err)
		}
		n.dict = dict
		for i := n.off; i < end; i++ {
			if n.isNull(i) {
				continue
			}
			if k := n.index(i); k < 0 || k >= dict.n {
				return nil, badArray("dictionary index %d outside a %d-entry dictionary", k, dict.n)
			}
		}
	case kStruct:
		children := data.Children()
		for _, k := range p.kids {
			if k.child >= len(children) || children[k.child] == nil {
				return nil, badArray("struct child %d missing", k.child)
			}
			c := children[k.child]
			if c.Len() < end {
				return nil, badArray("struct child of length %d for %d slots", c.Len(), end)
			}
			b, err := bind(k, c)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, b)
		}
	case kList, kList64, kFixed:
		children := data.Children()
		if len(children) < 1 || children[0] == nil {
			return nil, badArray("list without child array")
		}
		c := children[0]
		if p.kind == kFixed {
			if p.size > 0 && end > c.Len()/p.size {
				return nil, badArray("fixed-size list child of length %d for %d lists of %d", c.Len(), end, p.size)
			}
		} else if err := n.bindOffsets(buf(1), p.kind == kList64, c.Len()); err != nil {
			return nil, err
		}
		b, err := bind(p.kids[0], c)
		if err != nil {
			return nil, err
		}
		n.kids = []*bnode{b}
	}
	return n, nil
}

// bindOffsets checks an offsets buffer: n+1 non-decreasing entries from the
// data offset on, all within [0, limit].
func (n *bnode) bindOffsets(raw []byte, wide bool, limit int) error {
	if n.n == 0 {
		return nil
	}
	end := n.off + n.n
	if wide {
		o := arrow.Int64Traits.CastFromBytes(raw)
		if len(o) < end+1 {
			return badArray("%d offsets for %d slots", len(o), end)
		}
		if o[n.off] < 0 || o[end] > int64(limit) {
			return badArray("offsets [%d, %d] outside [0, %d]", o[n.off], o[end], limit)
		}
		for i := n.off; i < end; i++ {
			if o[i] > o[i+1] {
				return badArray("decreasing offsets at slot %d", i)
			}
		}
		n.o64 = o
		return nil
	}
	o := arrow.Int32Traits.CastFromBytes(raw)
	if len(o) < end+1 {
		return badArray("%d offsets for %d slots", len(o), end)
	}
	if o[n.off] < 0 || int(o[end]) > limit {
		return badArray("offsets [%d, %d] outside [0, %d]", o[n.off], o[end], limit)
	}
	for i := n.off; i < end; i++ {
		if o[i] > o[i+1] {
			return badArray("decreasing offsets at slot %d", i)
		}
	}
	n.o32 = o
	return nil
}

func indexWidth(t arrow.Type) int {
	switch t {
	case arrow.INT8, arrow.UINT8:
		return 1
	case arrow.INT16, arrow.UINT16:
		return 2
	case arrow.INT32, arrow.UINT32:
		return 4
	}
	return 8
}

// isNull reports whether physical slot j (data offset included) is null.
func (n *bnode) isNull(j int) bool {
	return n.valid != nil && n.valid[j>>3]&(1<<(j&7)) == 0
}

// index returns the dictionary index at physical slot j; values that do not
// fit an int are returned as -1.
func (n *bnode) index(j int) int {
	switch n.idxType {
	case arrow.INT8:
		return int(int8(n.idx[j]))
	case arrow.UINT8:
		return int(n.idx[j])
	case arrow.INT16:
		return int(arrow.Int16Traits.CastFromBytes(n.idx)[j])
	case arrow.UINT16:
		return int(arrow.Uint16Traits.CastFromBytes(n.idx)[j])
	case arrow.INT32:
		return int(arrow.Int32Traits.CastFromBytes(n.idx)[j])
	case arrow.UINT32:
		return int(arrow.Uint32Traits.CastFromBytes(n.idx)[j])
	case arrow.INT64:
		return int(arrow.Int64Traits.CastFromBytes(n.idx)[j])
	case arrow.UINT64:
		v := arrow.Uint64Traits.CastFromBytes(n.idx)[j]
		if v > math.MaxInt64 {
			return -1
		}
		return int(v)
	}
	return -1
}

// value returns the bytes of leaf slot i (logical) of a kBin32/kBin64 node.
func (n *bnode) value(i int) []byte {
	j := n.off + i
	if n.o64 != nil {
		return n.vals[n.o64[j]:n.o64[j+1]]
	}
	if n.o32 != nil {
		return n.vals[n.o32[j]:n.o32[j+1]]
	}
	return nil
}

// walker appends the scanned values of rows to a Batch, or, when track is
// set, records where each value lives instead.
type walker struct {
	b        *records.Batch
	rec      int // record index within the batch
	rowStart int // len(b.Values) when the row began
	max      int // MaxRecordBytes
	err      error

	track bool
	pos   []leafPos
}

// leafPos locates one scanned value: its leaf and its logical slot in the
// leaf's array (for dictionary leaves, the slot in the index array).
type leafPos struct {
	leaf int32
	slot int
}

// emit walks logical slot i of n in document order.
func (w *walker) emit(n *bnode, i int) {
	j := n.off + i
	if n.valid != nil && n.valid[j>>3]&(1<<(j&7)) == 0 {
		return
	}
	switch n.kind {
	case kBin32:
		w.add(n.leaf, i, n.vals[n.o32[j]:n.o32[j+1]])
	case kBin64:
		w.add(n.leaf, i, n.vals[n.o64[j]:n.o64[j+1]])
	case kDict:
		d := n.dict
		k := n.index(j)
		if d.isNull(d.off + k) {
			return
		}
		w.add(n.leaf, i, d.value(k))
	case kStruct:
		for _, k := range n.kids {
			w.emit(k, j)
			if w.err != nil {
				return
			}
		}
	case kList:
		kid := n.kids[0]
		for e, end := int(n.o32[j]), int(n.o32[j+1]); e < end && w.err == nil; e++ {
			w.emit(kid, e)
		}
	case kList64:
		kid := n.kids[0]
		for e, end := int(n.o64[j]), int(n.o64[j+1]); e < end && w.err == nil; e++ {
			w.emit(kid, e)
		}
	case kFixed:
		kid := n.kids[0]
		for e, end := j*n.size, (j+1)*n.size; e < end && w.err == nil; e++ {
			w.emit(kid, e)
		}
	}
}

func (w *walker) add(leaf int32, slot int, v []byte) {
	if w.track {
		w.pos = append(w.pos, leafPos{leaf: leaf, slot: slot})
		return
	}
	if len(w.b.Values)-w.rowStart+len(v) > w.max {
		w.err = fmt.Errorf("%w: scanned values exceed %d bytes", records.ErrRecordTooLarge, w.max)
		return
	}
	w.b.AddValue(w.rec, leaf, v)
}
