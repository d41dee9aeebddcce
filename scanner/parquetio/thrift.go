package parquetio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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
}

// checkThrift validates the struct at the start of b and returns its length
// in bytes (b may hold more after it).
func checkThrift(b []byte) (int, error) {
	w := thriftWalker{b: b}
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
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		typ := h & 0x0f
		if typ == tStop {
			return nil
		}
		if h>>4 == 0 { // long form: explicit zigzag i16 field id
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if typ == tTrue || typ == tFalse {
			continue // the value is the type
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
	if string(tail[4:]) != "PAR1" {
		return nil
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
