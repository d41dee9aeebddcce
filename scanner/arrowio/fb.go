package arrowio

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file is a small, bounds-checked reader for the parts of the Arrow IPC
// flatbuffer metadata (Message.fbs, File.fbs, Schema.fbs) that the package
// inspects before handing a message to the arrow library: message framing,
// body sizes, buffer descriptors, compression and footer blocks. Every read
// is checked, so damaged metadata yields an error instead of a panic or a
// huge allocation.

var errFlatbuffer = errors.New("malformed flatbuffer metadata")

// fbTable is one flatbuffer table inside buf.
type fbTable struct {
	buf   []byte
	pos   int // start of the table
	vt    int // start of its vtable
	vtLen int // vtable length in bytes
}

func le16(b []byte, off int) (int, bool) {
	if off < 0 || off+2 > len(b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(b[off:])), true
}

func le32(b []byte, off int) (uint32, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[off:]), true
}

func le64(b []byte, off int) (int64, bool) {
	if off < 0 || off+8 > len(b) {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b[off:])), true
}

// fbRoot returns the root table of buf.
func fbRoot(buf []byte) (fbTable, error) {
	off, ok := le32(buf, 0)
	if !ok {
		return fbTable{}, errFlatbuffer
	}
	return fbTableAt(buf, int(off))
}

// fbTableAt returns the table starting at pos.
func fbTableAt(buf []byte, pos int) (fbTable, error) {
	soff, ok := le32(buf, pos)
	if !ok {
		return fbTable{}, errFlatbuffer
	}
	vt := pos - int(int32(soff))
	vtLen, ok := le16(buf, vt)
	if !ok || vtLen < 4 || vtLen%2 != 0 || vt+vtLen > len(buf) {
		return fbTable{}, errFlatbuffer
	}
	objLen, _ := le16(buf, vt+2)
	if objLen < 4 || pos+objLen > len(buf) {
		return fbTable{}, errFlatbuffer
	}
	return fbTable{buf: buf, pos: pos, vt: vt, vtLen: vtLen}, nil
}

// field returns the absolute position of field slot, or 0 if it is absent.
func (t fbTable) field(slot int) int {
	vo := 4 + 2*slot
	if vo+2 > t.vtLen {
		return 0
	}
	fo, _ := le16(t.buf, t.vt+vo)
	if fo == 0 {
		return 0
	}
	return t.pos + fo
}

func (t fbTable) int64(slot int, def int64) (int64, error) {
	p := t.field(slot)
	if p == 0 {
		return def, nil
	}
	v, ok := le64(t.buf, p)
	if !ok {
		return 0, errFlatbuffer
	}
	return v, nil
}

func (t fbTable) int16(slot int, def int16) (int16, error) {
	p := t.field(slot)
	if p == 0 {
		return def, nil
	}
	v, ok := le16(t.buf, p)
	if !ok {
		return 0, errFlatbuffer
	}
	return int16(v), nil
}

func (t fbTable) uint8(slot int, def uint8) (uint8, error) {
	p := t.field(slot)
	if p == 0 {
		return def, nil
	}
	if p >= len(t.buf) {
		return 0, errFlatbuffer
	}
	return t.buf[p], nil
}

// table returns the sub-table referenced by field slot.
func (t fbTable) table(slot int) (fbTable, bool, error) {
	p := t.field(slot)
	if p == 0 {
		return fbTable{}, false, nil
	}
	off, ok := le32(t.buf, p)
	if !ok {
		return fbTable{}, false, errFlatbuffer
	}
	sub, err := fbTableAt(t.buf, p+int(off))
	return sub, err == nil, err
}

// fbVector is a vector of fixed-size elements (structs or offsets).
type fbVector struct {
	buf  []byte
	data int // position of element 0
	n    int
	size int // element size in bytes
}

// vector returns the vector in field slot whose elements are size bytes.
func (t fbTable) vector(slot, size int) (fbVector, error) {
	p := t.field(slot)
	if p == 0 {
		return fbVector{}, nil
	}
	off, ok := le32(t.buf, p)
	if !ok {
		return fbVector{}, errFlatbuffer
	}
	start := p + int(off)
	n, ok := le32(t.buf, start)
	if !ok || int64(start)+4+int64(n)*int64(size) > int64(len(t.buf)) {
		return fbVector{}, errFlatbuffer
	}
	return fbVector{buf: t.buf, data: start + 4, n: int(n), size: size}, nil
}

// i64 returns the int64 at byte off of element i.
func (v fbVector) i64(i, off int) int64 {
	x, _ := le64(v.buf, v.data+i*v.size+off)
	return x
}

// i32 returns the int32 at byte off of element i.
func (v fbVector) i32(i, off int) int32 {
	x, _ := le32(v.buf, v.data+i*v.size+off)
	return int32(x)
}

// table returns element i of a vector of tables.
func (v fbVector) table(i int) (fbTable, error) {
	p := v.data + 4*i
	off, ok := le32(v.buf, p)
	if !ok {
		return fbTable{}, errFlatbuffer
	}
	return fbTableAt(v.buf, p+int(off))
}

// Message header types (Message.fbs MessageHeader).
const (
	msgSchema     = 1
	msgDictionary = 2
	msgRecord     = 3
)

// Compression codecs (Message.fbs CompressionType); codecNone means the body
// is not compressed.
const (
	codecNone = -1
	codecLZ4  = 0
	codecZSTD = 1
)

// maxNesting bounds the depth of nested fields, as the arrow library does.
const maxNesting = 64

// msgMeta is what the package needs to know about one IPC message.
type msgMeta struct {
	kind    uint8
	bodyLen int64
	header  fbTable // the header table (Schema, DictionaryBatch, RecordBatch)
}

// parseMessage decodes the Message table in meta.
func parseMessage(meta []byte) (msgMeta, error) {
	root, err := fbRoot(meta)
	if err != nil {
		return msgMeta{}, err
	}
	var m msgMeta
	if m.kind, err = root.uint8(1, 0); err != nil {
		return m, err
	}
	if m.bodyLen, err = root.int64(3, 0); err != nil {
		return m, err
	}
	if m.bodyLen < 0 {
		return m, fmt.Errorf("negative body length %d: %w", m.bodyLen, errFlatbuffer)
	}
	hdr, ok, err := root.table(2)
	if err != nil {
		return m, err
	}
	if !ok {
		return m, fmt.Errorf("message without header: %w", errFlatbuffer)
	}
	m.header = hdr
	switch m.kind {
	case msgSchema:
		if err := checkSchema(hdr); err != nil {
			return m, err
		}
	case msgDictionary, msgRecord:
	default:
		return m, fmt.Errorf("unsupported message type %d", m.kind)
	}
	return m, nil
}

// checkSchema verifies that a Schema table's field tree is well formed and
// no deeper than maxNesting, and that every vector whose length the arrow
// library uses to size an allocation fits in the buffer.
func checkSchema(t fbTable) error {
	fields, err := t.vector(1, 4)
	if err != nil {
		return err
	}
	if _, err := t.vector(2, 4); err != nil { // custom_metadata
		return err
	}
	if _, err := t.vector(3, 8); err != nil { // features
		return err
	}
	return checkFields(fields, 1)
}

func checkFields(v fbVector, depth int) error {
	if v.n == 0 {
		return nil
	}
	if depth > maxNesting {
		return fmt.Errorf("fields nested deeper than %d: %w", maxNesting, errFlatbuffer)
	}
	for i := 0; i < v.n; i++ {
		f, err := v.table(i)
		if err != nil {
			return err
		}
		kids, err := f.vector(5, 4)
		if err != nil {
			return err
		}
		if _, err := f.vector(6, 4); err != nil { // custom_metadata
			return err
		}
		if err := checkFields(kids, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// batchMeta describes a RecordBatch table (also the data of a dictionary
// batch).
type batchMeta struct {
	rows    int64
	codec   int
	nodes   fbVector // FieldNode {length, null_count}
	buffers fbVector // Buffer {offset, length}
}

// recordBatch returns the RecordBatch table of a record or dictionary
// message.
func (m msgMeta) recordBatch() (batchMeta, error) {
	t := m.header
	if m.kind == msgDictionary {
		data, ok, err := t.table(1)
		if err != nil {
			return batchMeta{}, err
		}
		if !ok {
			return batchMeta{}, fmt.Errorf("dictionary batch without data: %w", errFlatbuffer)
		}
		t = data
	}
	var b batchMeta
	var err error
	if b.rows, err = t.int64(0, 0); err != nil {
		return b, err
	}
	if b.nodes, err = t.vector(1, 16); err != nil {
		return b, err
	}
	if b.buffers, err = t.vector(2, 16); err != nil {
		return b, err
	}
	b.codec = codecNone
	comp, ok, err := t.table(3)
	if err != nil {
		return b, err
	}
	if ok {
		codec, err := comp.uint8(0, codecLZ4)
		if err != nil {
			return b, err
		}
		method, err := comp.uint8(1, 0)
		if err != nil {
			return b, err
		}
		if int8(codec) != codecLZ4 && int8(codec) != codecZSTD {
			return b, fmt.Errorf("unknown compression codec %d", int8(codec))
		}
		if method != 0 {
			return b, fmt.Errorf("unknown body compression method %d", method)
		}
		b.codec = int(codec)
	}
	return b, nil
}

// rowSlack bounds the rows of a record batch that carries no data at all
// (only null or empty-struct columns): such a batch may claim at most this
// many rows plus eight per decoded body byte.
const rowSlack = 1 << 16

// validate checks the batch's buffers against its body and returns the
// decoded (decompressed) body size. A compressed body declaring more than
// maxDecoded decoded bytes wraps errTooLarge (an uncompressed one is bounded
// by the file itself); any other problem is returned as is and is treated
// as corruption by the caller.
func (b batchMeta) validate(body []byte, maxDecoded int64) (int64, error) {
	if b.rows < 0 {
		return 0, fmt.Errorf("negative row count %d", b.rows)
	}
	var decoded int64
	for i := 0; i < b.buffers.n; i++ {
		off, n := b.buffers.i64(i, 0), b.buffers.i64(i, 8)
		if off < 0 || n < 0 || off > int64(len(body)) || n > int64(len(body))-off {
			return 0, fmt.Errorf("buffer %d (offset %d, length %d) outside the %d-byte body", i, off, n, len(body))
		}
		switch {
		case n == 0:
		case b.codec == codecNone:
			decoded += n
		case n < 8:
			return 0, fmt.Errorf("compressed buffer %d shorter than its length prefix", i)
		default:
			size, _ := le64(body, int(off))
			switch {
			case size == -1:
				decoded += n - 8
			case size < 0:
				return 0, fmt.Errorf("compressed buffer %d declares negative size %d", i, size)
			default:
				decoded += size
				if b.codec == codecZSTD {
					if err := checkZstd(body[off+8:off+n], size); err != nil {
						return 0, fmt.Errorf("compressed buffer %d: %w", i, err)
					}
				}
			}
		}
		if decoded < 0 || (b.codec != codecNone && decoded > maxDecoded) {
			return 0, fmt.Errorf("compressed batch decodes to more than %d bytes: %w", maxDecoded, errTooLarge)
		}
	}
	limit := 8*decoded + rowSlack
	if b.rows > limit {
		return 0, fmt.Errorf("%d rows in a %d-byte batch", b.rows, decoded)
	}
	for i := 0; i < b.nodes.n; i++ {
		n, nulls := b.nodes.i64(i, 0), b.nodes.i64(i, 8)
		if n < 0 || n > limit || nulls < 0 || nulls > n {
			return 0, fmt.Errorf("field node %d: bad length %d or null count %d", i, n, nulls)
		}
	}
	return decoded, nil
}

// errTooLarge marks a batch over the decode limit; the reader maps it to
// records.ErrRecordTooLarge.
var errTooLarge = errors.New("over ReadOptions.MaxRecordBytes")

// Footer block layout (File.fbs struct Block).
const blockSize = 24

// block is one entry of the file footer.
type block struct {
	offset  int64
	metaLen int64
	bodyLen int64
}

// footer is the decoded file footer.
type footer struct {
	dicts   []block
	records []block
}

// parseFooter decodes a File.fbs Footer whose blocks must lie within
// [8, limit).
func parseFooter(buf []byte, limit int64) (footer, error) {
	root, err := fbRoot(buf)
	if err != nil {
		return footer{}, err
	}
	schema, ok, err := root.table(1)
	if err != nil {
		return footer{}, err
	}
	if !ok {
		return footer{}, fmt.Errorf("footer without schema: %w", errFlatbuffer)
	}
	if err := checkSchema(schema); err != nil {
		return footer{}, err
	}
	var f footer
	if f.dicts, err = footerBlocks(root, 2, limit); err != nil {
		return footer{}, err
	}
	if f.records, err = footerBlocks(root, 3, limit); err != nil {
		return footer{}, err
	}
	return f, nil
}

func footerBlocks(root fbTable, slot int, limit int64) ([]block, error) {
	v, err := root.vector(slot, blockSize)
	if err != nil {
		return nil, err
	}
	out := make([]block, v.n)
	for i := range out {
		b := block{offset: v.i64(i, 0), metaLen: int64(v.i32(i, 8)), bodyLen: v.i64(i, 16)}
		if b.offset < 8 || b.offset%8 != 0 || b.metaLen < 8 || b.bodyLen < 0 ||
			b.offset > limit || b.metaLen > limit-b.offset || b.bodyLen > limit-b.offset-b.metaLen {
			return nil, fmt.Errorf("footer block %d (offset %d, metadata %d, body %d) outside the file", i, b.offset, b.metaLen, b.bodyLen)
		}
		out[i] = b
	}
	return out, nil
}

// maxZstdWindow is the largest zstd window accepted beyond a buffer's own
// size. The zstd decoder allocates a frame's declared window up front (up to
// 512 MiB), so a damaged header could otherwise cost that much per buffer.
const maxZstdWindow = 8 << 20

// checkZstd walks the zstd frames of one compressed buffer and rejects
// windows larger than max(size, maxZstdWindow) for the buffer's declared
// decoded size. It reads only frame and block headers.
func checkZstd(buf []byte, size int64) error {
	limit := max(size, maxZstdWindow)
	for p := 0; p < len(buf); {
		magic, ok := le32(buf, p)
		if !ok {
			return errors.New("truncated zstd frame")
		}
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			n, ok := le32(buf, p+4)
			if !ok || int64(n) > int64(len(buf)-p-8) {
				return errors.New("truncated zstd skippable frame")
			}
			p += 8 + int(n)
			continue
		}
		if magic != 0xFD2FB528 || p+5 > len(buf) {
			return errors.New("not a zstd frame")
		}
		fhd := buf[p+4]
		p += 5
		single := fhd&0x20 != 0
		fcsLen := [4]int{0, 2, 4, 8}[fhd>>6]
		if fcsLen == 0 && single {
			fcsLen = 1
		}
		dictLen := [4]int{0, 1, 2, 4}[fhd&3]
		var window int64
		if !single {
			if p >= len(buf) {
				return errors.New("truncated zstd frame header")
			}
			wd := buf[p]
			p++
			log := 10 + int64(wd>>3)
			if log > 40 {
				return fmt.Errorf("zstd window 2^%d too large", log)
			}
			base := int64(1) << log
			window = base + base/8*int64(wd&7)
		}
		p += dictLen
		if p+fcsLen > len(buf) {
			return errors.New("truncated zstd frame header")
		}
		var fcs int64
		for k := fcsLen - 1; k >= 0; k-- {
			fcs = fcs<<8 | int64(buf[p+k])
		}
		if fcsLen == 2 {
			fcs += 256
		}
		p += fcsLen
		if single {
			window = fcs
		}
		if window > limit || fcs < 0 || (fcsLen > 0 && fcs > limit) {
			return fmt.Errorf("zstd frame declares a %d-byte window for %d bytes", max(window, fcs), size)
		}
		for last := false; !last; {
			if p+3 > len(buf) {
				return errors.New("truncated zstd block")
			}
			h := int(buf[p]) | int(buf[p+1])<<8 | int(buf[p+2])<<16
			p += 3
			last = h&1 != 0
			n := h >> 3
			switch (h >> 1) & 3 {
			case 1: // RLE
				n = 1
			case 3:
				return errors.New("reserved zstd block type")
			}
			if n > len(buf)-p {
				return errors.New("truncated zstd block")
			}
			p += n
		}
		if fhd&0x04 != 0 {
			p += 4
		}
	}
	return nil
}
