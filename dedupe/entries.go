package dedupe

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// RecordID identifies a record by its position in the plan: the index of its
// file in plan order (Options.Files) and its 0-based row within the file.
// Ordering by (File, Row) is plan order.
type RecordID struct {
	File int32 `json:"file"`
	Row  int64 `json:"row"`
}

// Compare orders ids in plan order: -1, 0 or +1.
func (a RecordID) Compare(b RecordID) int {
	if c := cmp.Compare(a.File, b.File); c != 0 {
		return c
	}
	return cmp.Compare(a.Row, b.Row)
}

// NoRecord is the Kept id of a duplicate whose surviving copy is a record of
// an earlier dataset version that is not part of this run (see Dup.Prior).
var NoRecord = RecordID{File: -1, Row: -1}

// Node keys identify records inside the package: bit 63 is set for records
// of the current run and clear for records of the persistent index, bits
// 40–62 hold the file index (in Options.Files, or in the index's file table)
// and bits 0–39 the row. Sorting node keys sorts index records before
// current ones, each in plan order.
const (
	currentBit = 1 << 63
	fileShift  = 40
	rowMask    = 1<<fileShift - 1
	fileMask   = MaxFiles - 1
)

func nodeOf(id RecordID) (uint64, error) {
	if id.File < 0 || id.File >= MaxFiles || id.Row < 0 || id.Row >= MaxRows {
		return 0, fmt.Errorf("dedupe: record (%d, %d): %w", id.File, id.Row, ErrRange)
	}
	return currentBit | uint64(id.File)<<fileShift | uint64(id.Row), nil
}

func priorNodeOf(file int, row int64) uint64 { return uint64(file)<<fileShift | uint64(row) }

func nodeCurrent(n uint64) bool { return n&currentBit != 0 }
func nodeFile(n uint64) int     { return int(n >> fileShift & fileMask) }
func nodeRow(n uint64) int64    { return int64(n & rowMask) }

func nodeID(n uint64) RecordID { return RecordID{File: int32(nodeFile(n)), Row: nodeRow(n)} }

// Entry layouts (big-endian, see filefmt.go).
const (
	exactSize = 24 // hi, lo, node
	bandSize  = 16 // key, node
	edgeSize  = 16 // a, b
	nodeSize  = 8  // node
	recFixed  = 41 // node, size, keep, exact hi, lo, flags; then K signature bytes
)

func recSize(k int) int { return recFixed + k }

type exactEntry struct{ hi, lo, node uint64 }

type bandEntry struct{ key, node uint64 }

func cmpExact(a, b exactEntry) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	if c := cmp.Compare(a.lo, b.lo); c != 0 {
		return c
	}
	return cmp.Compare(a.node, b.node)
}

func cmpBand(a, b bandEntry) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.node, b.node)
}

// partitionOf maps a uniformly distributed 64-bit key to one of r
// partitions.
func partitionOf(key uint64, r int) int { return int((key >> 32) * uint64(r) >> 32) }

// rec is a decoded record entry; sig aliases the entry.
type rec struct {
	node   uint64
	size   int64
	keep   float64
	exact  Key
	hasSig bool
	sig    []byte
}

func putRec(dst []byte, node uint64, size int64, keep float64, k Key, hasSig bool, sig []byte) {
	binary.BigEndian.PutUint64(dst[0:], node)
	binary.BigEndian.PutUint64(dst[8:], uint64(size))
	binary.BigEndian.PutUint64(dst[16:], math.Float64bits(keep))
	binary.BigEndian.PutUint64(dst[24:], k.Hi)
	binary.BigEndian.PutUint64(dst[32:], k.Lo)
	dst[40] = 0
	if hasSig {
		dst[40] = flagSig
	}
	copy(dst[recFixed:], sig)
}

func decodeRec(e []byte) rec {
	return rec{
		node:   binary.BigEndian.Uint64(e[0:]),
		size:   int64(binary.BigEndian.Uint64(e[8:])),
		keep:   math.Float64frombits(binary.BigEndian.Uint64(e[16:])),
		exact:  Key{binary.BigEndian.Uint64(e[24:]), binary.BigEndian.Uint64(e[32:])},
		hasSig: e[40]&flagSig != 0,
		sig:    e[recFixed:],
	}
}

// source yields fixed-size entries in order; an entry is valid until the
// next call; io.EOF ends the stream.
type source interface {
	next() ([]byte, error)
}

type exactSource struct {
	ents []exactEntry
	buf  [exactSize]byte
}

func (s *exactSource) next() ([]byte, error) {
	if len(s.ents) == 0 {
		return nil, io.EOF
	}
	e := s.ents[0]
	s.ents = s.ents[1:]
	binary.BigEndian.PutUint64(s.buf[0:], e.hi)
	binary.BigEndian.PutUint64(s.buf[8:], e.lo)
	binary.BigEndian.PutUint64(s.buf[16:], e.node)
	return s.buf[:], nil
}

type bandSource struct {
	ents []bandEntry
	buf  [bandSize]byte
}

func (s *bandSource) next() ([]byte, error) {
	if len(s.ents) == 0 {
		return nil, io.EOF
	}
	e := s.ents[0]
	s.ents = s.ents[1:]
	binary.BigEndian.PutUint64(s.buf[0:], e.key)
	binary.BigEndian.PutUint64(s.buf[8:], e.node)
	return s.buf[:], nil
}

// slabSource yields the entries of a slab of back-to-back entries.
type slabSource struct {
	slab []byte
	size int
}

func (s *slabSource) next() ([]byte, error) {
	if len(s.slab) == 0 {
		return nil, io.EOF
	}
	e := s.slab[:s.size:s.size]
	s.slab = s.slab[s.size:]
	return e, nil
}

// filterSource yields the entries of src for which keep returns true; an
// error from keep ends the stream.
type filterSource struct {
	src  source
	keep func([]byte) (bool, error)
}

func (s *filterSource) next() ([]byte, error) {
	for {
		e, err := s.src.next()
		if err != nil {
			return nil, err
		}
		ok, err := s.keep(e)
		if err != nil {
			return nil, err
		}
		if ok {
			return e, nil
		}
	}
}

// merger merges sorted sources by their first keyLen bytes; ties go to the
// lower source index.
type merger struct {
	srcs   []source
	heads  [][]byte
	heap   []int
	keyLen int
	last   int
}

func newMerger(srcs []source, keyLen int) (*merger, error) {
	m := &merger{srcs: srcs, heads: make([][]byte, len(srcs)), keyLen: keyLen, last: -1}
	for i, s := range srcs {
		e, err := s.next()
		if errors.Is(err, io.EOF) {
			continue
		}
		if err != nil {
			return nil, err
		}
		m.heads[i] = e
		m.heap = append(m.heap, i)
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return m, nil
}

func (m *merger) less(a, b int) bool {
	c := bytes.Compare(m.heads[a][:m.keyLen], m.heads[b][:m.keyLen])
	return c < 0 || c == 0 && a < b
}

func (m *merger) down(i int) {
	h := m.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		j := l
		if r := l + 1; r < len(h) && m.less(h[r], h[l]) {
			j = r
		}
		if !m.less(h[j], h[i]) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// next returns the smallest head, valid until the following call.
func (m *merger) next() ([]byte, error) {
	if m.last >= 0 {
		e, err := m.srcs[m.last].next()
		switch {
		case errors.Is(err, io.EOF):
			n := len(m.heap) - 1
			m.heap[0] = m.heap[n]
			m.heap = m.heap[:n]
		case err != nil:
			return nil, err
		default:
			m.heads[m.last] = e
		}
		if len(m.heap) > 0 {
			m.down(0)
		}
		m.last = -1
	}
	if len(m.heap) == 0 {
		return nil, io.EOF
	}
	m.last = m.heap[0]
	return m.heads[m.last], nil
}

// recSorter sorts a slab of fixed-size entries by their first keyLen bytes.
type slabSorter struct {
	slab   []byte
	size   int
	keyLen int
	tmp    []byte
}

func (s *slabSorter) Len() int { return len(s.slab) / s.size }
func (s *slabSorter) Less(i, j int) bool {
	a := s.slab[i*s.size : i*s.size+s.keyLen]
	b := s.slab[j*s.size : j*s.size+s.keyLen]
	return bytes.Compare(a, b) < 0
}
func (s *slabSorter) Swap(i, j int) {
	a := s.slab[i*s.size : (i+1)*s.size]
	b := s.slab[j*s.size : (j+1)*s.size]
	copy(s.tmp, a)
	copy(a, b)
	copy(b, s.tmp)
}

// slabSorted reports whether the slab's entries are in order.
func slabSorted(slab []byte, size, keyLen int) bool {
	for i := size; i < len(slab); i += size {
		if bytes.Compare(slab[i-size:i-size+keyLen], slab[i:i+keyLen]) > 0 {
			return false
		}
	}
	return true
}
