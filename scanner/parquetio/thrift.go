package parquetio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/format"
)

// parquet-go's thrift decoder sizes lists from their headers before reading
// any element, so a few forged bytes in a footer or page index can ask for
// terabytes and abort the process (an out-of-memory error is not a panic and
// cannot be recovered). checkThrift walks a Thrift compact-protocol struct
// without decoding it and rejects any container that claims more elements
// than there are bytes left, which bounds the decoder's allocations by the
// size of the input.

// maxThriftDepth bounds struct and container nesting; Parquet metadata nests
// about six levels deep.
const maxThriftDepth = 64

var errThriftTruncated = errors.New("thrift: truncated")

// Thrift compact-protocol type codes.
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

// thriftWalker walks compact-protocol data in b from offset i.
type thriftWalker struct {
	b []byte
	i int
	// pageSize is the top-level i32 field 3 of the walked struct: the
	// compressed_page_size of a PageHeader; -1 if absent.
	pageSize int64
}

// checkThrift validates the struct at the start of b and returns its length
// in bytes (b may hold more after it).
func checkThrift(b []byte) (int, error) {
	w := thriftWalker{b: b, pageSize: -1}
	if err := w.structBody(0); err != nil {
		return 0, fmt.Errorf("invalid thrift metadata at byte %d: %w", w.i, err)
	}
	return w.i, nil
}

func (w *thriftWalker) remaining() int { return len(w.b) - w.i }

func (w *thriftWalker) byte() (byte, error) {
	if w.i >= len(w.b) {
		return 0, errThriftTruncated
	}
	c := w.b[w.i]
	w.i++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.i:])
	if n <= 0 {
		if n == 0 {
			return 0, errThriftTruncated
		}
		return 0, errors.New("thrift: varint overflow")
	}
	w.i += n
	return v, nil
}

func (w *thriftWalker) skip(n uint64) error {
	if n > uint64(w.remaining()) {
		return io.ErrUnexpectedEOF
	}
	w.i += int(n)
	return nil
}

// structBody walks fields up to and including the stop byte.
func (w *thriftWalker) structBody(depth int) error {
	if depth > maxThriftDepth {
		return errors.New("thrift: nesting too deep")
	}
	id := int64(0)
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		typ := h & 0x0f
		if typ == tStop {
			return nil
		}
		if delta := h >> 4; delta != 0 {
			id += int64(delta)
		} else { // long form: explicit zigzag i16 field id
			v, err := w.uvarint()
			if err != nil {
				return err
			}
			id = unzigzag(v)
		}
		if typ == tTrue || typ == tFalse {
			continue // the value is the type
		}
		if depth == 0 && id == 3 && typ == tI32 {
			v, err := w.uvarint()
			if err != nil {
				return err
			}
			w.pageSize = unzigzag(v)
			continue
		}
		if err := w.value(typ, depth); err != nil {
			return err
		}
	}
}

// value walks one value of type typ.
func (w *thriftWalker) value(typ byte, depth int) error {
	switch typ {
	case tTrue, tFalse, tByte:
		return w.skip(1) // booleans inside containers take one byte
	case tI16, tI32, tI64:
		_, err := w.uvarint()
		return err
	case tDouble:
		return w.skip(8)
	case tBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case tList, tSet:
		h, err := w.byte()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		elem := h & 0x0f
		if n > uint64(w.remaining()) { // every element takes at least one byte
			return fmt.Errorf("thrift: list of %d elements in %d bytes", n, w.remaining())
		}
		for range n {
			if err := w.value(elem, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tMap:
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := w.byte()
		if err != nil {
			return err
		}
		if n > uint64(w.remaining())/2 {
			return fmt.Errorf("thrift: map of %d entries in %d bytes", n, w.remaining())
		}
		for range n {
			if err := w.value(kv>>4, depth+1); err != nil {
				return err
			}
			if err := w.value(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tStruct:
		return w.structBody(depth + 1)
	}
	return fmt.Errorf("thrift: unknown type %d", typ)
}

func unzigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }

// checkPages walks the page headers of the column chunk at [start, end) and
// rejects any header that is not well-formed Thrift or whose lengths
// (binary fields, compressed page size) run past the chunk, so that
// parquet-go never sizes a buffer from a length the file cannot back. It
// reads each header with one small ReadAt; buf is a reusable scratch buffer
// and the grown buffer is returned.
func checkPages(r io.ReaderAt, start, end int64, buf []byte) ([]byte, error) {
	const window = 1 << 10
	for off := start; off < end; {
		n := min(end-off, window)
		for {
			buf = append(buf[:0], make([]byte, n)...)
			if _, err := r.ReadAt(buf, off); err != nil && err != io.EOF {
				return buf, err
			}
			w := thriftWalker{b: buf, pageSize: -1}
			err := w.structBody(0)
			if errors.Is(err, errThriftTruncated) || errors.Is(err, io.ErrUnexpectedEOF) {
				if n < end-off { // the header may be longer than the window
					n = min(end-off, 8*n)
					continue
				}
			}
			if err != nil {
				return buf, fmt.Errorf("page header at offset %d: %w", off, err)
			}
			if w.pageSize < 0 || w.pageSize > end-off-int64(w.i) {
				return buf, fmt.Errorf("page at offset %d: size %d exceeds its column chunk", off, w.pageSize)
			}
			off += int64(w.i) + w.pageSize
			break
		}
	}
	return buf, nil
}

// checkChunks runs checkPages over the column chunks of row group rg whose
// leaf indexes are listed in leaves (every chunk when leaves is nil).
func checkChunks(r io.ReaderAt, size int64, rg *format.RowGroup, leaves []int, buf []byte) ([]byte, error) {
	check := func(c int) error {
		md := &rg.Columns[c].MetaData
		start := md.DataPageOffset
		if md.DictionaryPageOffset != 0 {
			start = md.DictionaryPageOffset
		}
		n := md.TotalCompressedSize
		if start < 4 || n < 0 || n > size || start > size-n {
			return fmt.Errorf("column chunk %d [%d,+%d) outside the file", c, start, n)
		}
		var err error
		buf, err = checkPages(r, start, start+n, buf)
		if err != nil {
			return fmt.Errorf("column chunk %d: %w", c, err)
		}
		return nil
	}
	if leaves == nil {
		for c := range rg.Columns {
			if err := check(c); err != nil {
				return buf, err
			}
		}
		return buf, nil
	}
	for _, c := range leaves {
		if err := check(c); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// checkFooter validates the Thrift structure of a plaintext Parquet footer
// before parquet-go decodes it. Files that do not end in "PAR1" are left to
// parquet-go, which rejects or decrypts them itself.
func checkFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too small for a Parquet file", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("reading footer: %w", err)
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return fmt.Errorf("%w: encrypted file", ErrUnsupported)
	default:
		return nil // parquet-go reports the bad magic
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return fmt.Errorf("footer length %d exceeds the file (%d bytes)", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil {
		return fmt.Errorf("reading footer: %w", err)
	}
	_, err := checkThrift(footer)
	return err
}

// checkPageIndexes validates the Thrift structure of every column and offset
// index the footer points to; parquet-go decodes them when it copies column
// chunks verbatim.
func checkPageIndexes(r io.ReaderAt, size int64, rowGroups []rowGroupIndexes) error {
	var buf []byte
	for g, rg := range rowGroups {
		for c, ix := range rg {
			for _, region := range [2][2]int64{{ix.columnOffset, ix.columnLength}, {ix.offsetOffset, ix.offsetLength}} {
				off, n := region[0], region[1]
				if off == 0 {
					continue
				}
				if off < 0 || n <= 0 || n > size || off > size-n {
					return fmt.Errorf("row group %d column %d: page index [%d,+%d) outside the file", g, c, off, n)
				}
				buf = append(buf[:0], make([]byte, n)...)
				if _, err := r.ReadAt(buf, off); err != nil && !(err == io.EOF && off+n == size) {
					return fmt.Errorf("row group %d column %d: reading page index: %w", g, c, err)
				}
				if _, err := checkThrift(buf); err != nil {
					return fmt.Errorf("row group %d column %d: page index: %w", g, c, err)
				}
			}
		}
	}
	return nil
}

// rowGroupIndexes lists the page index locations of one row group's chunks.
type rowGroupIndexes []struct {
	columnOffset, columnLength int64
	offsetOffset, offsetLength int64
}
