package dedupe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// Every file this package writes (spill runs, partition files, edges, nodes,
// the persistent index) has one layout of fixed-size entries in checksummed
// blocks:
//
//	header  48 bytes: magic "WNDEDUP\x01", kind, flags, entry size, sort-key
//	        length, partition, partition count, shard, params digest,
//	        CRC32C of the preceding 44 bytes
//	blocks  each: entry count (uint32), CRC32C (uint32) of block number ‖
//	        count ‖ payload, then count × entry size bytes of payload
//	footer  32 bytes: entry count, block count, body length (uint64 each),
//	        CRC32C of header ‖ these 24 bytes, magic "WNDF"
//
// Integers are little-endian; entries are big-endian so that the byte order
// of an entry's first keyLen bytes is its sort order. Readers check the
// header and footer checksums, every block checksum, the counts, the body
// length and, for sorted files, the order of the entries, so a corrupt or
// truncated file yields a *CorruptError instead of entries. Writers put the
// file in place with a rename, so a file either exists whole or not at all,
// and the bytes depend only on the entries.

const (
	fileMagic       = "WNDEDUP\x01"
	footMagic       = "WNDF"
	headerSize      = 48
	footerSize      = 32
	blockHeaderSize = 8
	blockTarget     = 64 << 10
	maxEntrySize    = 1 << 16
)

type fileKind uint8

const (
	kindExact fileKind = 1 + iota // exact key hi, lo, node; sorted
	kindBand                      // band key, node; sorted
	kindRec                       // record metadata and signature; sorted by node, unique
	kindEdge                      // candidate edge a, b; emission order
	kindNode                      // node; sorted, unique
	kindCRec                      // cluster root, record; sorted by (root, node), unique
	kindLast
)

func (k fileKind) String() string {
	switch k {
	case kindExact:
		return "exact"
	case kindBand:
		return "band"
	case kindRec:
		return "recs"
	case kindEdge:
		return "edges"
	case kindNode:
		return "nodes"
	case kindCRec:
		return "crecs"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

const (
	flagSorted = 1 << iota
	flagUnique
)

type fileHeader struct {
	kind       fileKind
	flags      uint8
	entrySize  uint32
	keyLen     uint32
	partition  uint32
	partitions uint32
	shard      uint32
	params     uint64
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func (h fileHeader) encode() [headerSize]byte {
	var b [headerSize]byte
	copy(b[:8], fileMagic)
	b[8] = byte(h.kind)
	b[9] = h.flags
	binary.LittleEndian.PutUint32(b[12:], h.entrySize)
	binary.LittleEndian.PutUint32(b[16:], h.keyLen)
	binary.LittleEndian.PutUint32(b[20:], h.partition)
	binary.LittleEndian.PutUint32(b[24:], h.partitions)
	binary.LittleEndian.PutUint32(b[28:], h.shard)
	binary.LittleEndian.PutUint64(b[32:], h.params)
	binary.LittleEndian.PutUint32(b[44:], crc32.Checksum(b[:44], crcTable))
	return b
}

func decodeHeader(name string, b []byte) (fileHeader, error) {
	if len(b) < headerSize {
		return fileHeader{}, corruptf(name, 0, "truncated header")
	}
	if string(b[:8]) != fileMagic {
		return fileHeader{}, corruptf(name, 0, "bad magic")
	}
	if crc32.Checksum(b[:44], crcTable) != binary.LittleEndian.Uint32(b[44:]) {
		return fileHeader{}, corruptf(name, 44, "header checksum mismatch")
	}
	h := fileHeader{
		kind:       fileKind(b[8]),
		flags:      b[9],
		entrySize:  binary.LittleEndian.Uint32(b[12:]),
		keyLen:     binary.LittleEndian.Uint32(b[16:]),
		partition:  binary.LittleEndian.Uint32(b[20:]),
		partitions: binary.LittleEndian.Uint32(b[24:]),
		shard:      binary.LittleEndian.Uint32(b[28:]),
		params:     binary.LittleEndian.Uint64(b[32:]),
	}
	switch {
	case h.kind == 0 || h.kind >= kindLast:
		return h, corruptf(name, 8, "unknown file kind %d", h.kind)
	case h.entrySize == 0 || h.entrySize > maxEntrySize:
		return h, corruptf(name, 12, "bad entry size %d", h.entrySize)
	case h.keyLen > h.entrySize:
		return h, corruptf(name, 16, "sort key length %d exceeds entry size %d", h.keyLen, h.entrySize)
	case h.partitions == 0 || h.partition >= h.partitions:
		return h, corruptf(name, 20, "bad partition %d of %d", h.partition, h.partitions)
	}
	return h, nil
}

func perBlock(entrySize uint32) int { return max(1, blockTarget/int(entrySize)) }

// blockWriter writes one block file. It writes to a temporary file in the
// destination directory and renames it into place on commit.
type blockWriter struct {
	f       *os.File
	w       *bufio.Writer
	final   string
	hdr     fileHeader
	hdrRaw  [headerSize]byte
	block   []byte
	n       int
	max     int
	blocks  uint64
	entries uint64
	body    uint64
	sync    bool
	prev    []byte
	started bool
}

// createBlockFile starts writing path. With sync set, commit fsyncs the file
// before renaming it.
func createBlockFile(path string, hdr fileHeader, sync bool) (*blockWriter, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("dedupe: create %s: %w", path, err)
	}
	w := &blockWriter{
		f: f, w: bufio.NewWriterSize(f, 256<<10), final: path, hdr: hdr,
		hdrRaw: hdr.encode(), max: perBlock(hdr.entrySize), sync: sync,
	}
	w.block = make([]byte, blockHeaderSize, blockHeaderSize+w.max*int(hdr.entrySize))
	if _, err := w.w.Write(w.hdrRaw[:]); err != nil {
		w.abort()
		return nil, fmt.Errorf("dedupe: write %s: %w", path, err)
	}
	return w, nil
}

// add appends one entry (len == entry size). For sorted files it returns an
// error if the entry is out of order (a bug, not bad input).
func (w *blockWriter) add(e []byte) error {
	if len(e) != int(w.hdr.entrySize) {
		return fmt.Errorf("dedupe: %s: entry of %d bytes, want %d", w.final, len(e), w.hdr.entrySize)
	}
	if w.hdr.flags&flagSorted != 0 {
		k := e[:w.hdr.keyLen]
		if w.started {
			c := bytes.Compare(k, w.prev)
			if c < 0 || c == 0 && w.hdr.flags&flagUnique != 0 {
				return fmt.Errorf("dedupe: %s: entries written out of order", w.final)
			}
		}
		w.prev = append(w.prev[:0], k...)
		w.started = true
	}
	w.block = append(w.block, e...)
	w.n++
	if w.n == w.max {
		return w.flushBlock()
	}
	return nil
}

func (w *blockWriter) flushBlock() error {
	if w.n == 0 {
		return nil
	}
	binary.LittleEndian.PutUint32(w.block[0:], uint32(w.n))
	binary.LittleEndian.PutUint32(w.block[4:], blockCRC(uint32(w.blocks), w.block[0:4], w.block[blockHeaderSize:]))
	if _, err := w.w.Write(w.block); err != nil {
		return fmt.Errorf("dedupe: write %s: %w", w.final, err)
	}
	w.blocks++
	w.entries += uint64(w.n)
	w.body += uint64(len(w.block))
	w.block = w.block[:blockHeaderSize]
	w.n = 0
	return nil
}

func blockCRC(index uint32, count, payload []byte) uint32 {
	var ib [4]byte
	binary.LittleEndian.PutUint32(ib[:], index)
	c := crc32.Update(0, crcTable, ib[:])
	c = crc32.Update(c, crcTable, count)
	return crc32.Update(c, crcTable, payload)
}

// commit writes the footer and renames the file into place.
func (w *blockWriter) commit() error {
	err := w.flushBlock()
	if err == nil {
		var foot [footerSize]byte
		binary.LittleEndian.PutUint64(foot[0:], w.entries)
		binary.LittleEndian.PutUint64(foot[8:], w.blocks)
		binary.LittleEndian.PutUint64(foot[16:], w.body)
		binary.LittleEndian.PutUint32(foot[24:], footerCRC(w.hdrRaw[:], foot[:24]))
		copy(foot[28:], footMagic)
		_, err = w.w.Write(foot[:])
	}
	if err == nil {
		err = w.w.Flush()
	}
	if err == nil && w.sync {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.final)
	}
	if err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("dedupe: write %s: %w", w.final, err)
	}
	return nil
}

// abort discards the file.
func (w *blockWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func footerCRC(hdr, foot []byte) uint32 {
	return crc32.Update(crc32.Checksum(hdr, crcTable), crcTable, foot)
}

// blockReader validates and streams the entries of one block file. It is
// not safe for concurrent use.
type blockReader struct {
	name    string
	r       io.ReaderAt
	closer  io.Closer
	hdr     fileHeader
	entries uint64
	blocks  uint64
	end     int64 // offset of the footer
	off     int64 // offset of the next block
	blk     uint64
	buf     []byte
	pos     int
	cnt     int
	seen    uint64
	prev    []byte
	hasPrev bool
	done    bool
}

// openBlockFile opens path and checks its header and footer; want is the
// expected kind.
func openBlockFile(path string, want fileKind) (*blockReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dedupe: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dedupe: %w", err)
	}
	r, err := newBlockReader(path, f, st.Size())
	if err == nil && r.hdr.kind != want {
		err = corruptf(path, 8, "file kind %v, want %v", r.hdr.kind, want)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// newBlockReader reads the header and footer of the size bytes in r; name is
// used in errors.
func newBlockReader(name string, r io.ReaderAt, size int64) (*blockReader, error) {
	if size < headerSize+footerSize {
		return nil, corruptf(name, size, "truncated: %d bytes is shorter than header and footer", size)
	}
	var hb [headerSize]byte
	if _, err := r.ReadAt(hb[:], 0); err != nil {
		return nil, fmt.Errorf("dedupe: read %s: %w", name, err)
	}
	hdr, err := decodeHeader(name, hb[:])
	if err != nil {
		return nil, err
	}
	var fb [footerSize]byte
	end := size - footerSize
	if _, err := r.ReadAt(fb[:], end); err != nil {
		return nil, fmt.Errorf("dedupe: read %s: %w", name, err)
	}
	if string(fb[28:]) != footMagic {
		return nil, corruptf(name, end, "truncated or missing footer")
	}
	if footerCRC(hb[:], fb[:24]) != binary.LittleEndian.Uint32(fb[24:]) {
		return nil, corruptf(name, end, "footer checksum mismatch")
	}
	br := &blockReader{
		name:    name,
		r:       r,
		hdr:     hdr,
		entries: binary.LittleEndian.Uint64(fb[0:]),
		blocks:  binary.LittleEndian.Uint64(fb[8:]),
		end:     end,
		off:     headerSize,
	}
	body := binary.LittleEndian.Uint64(fb[16:])
	if body != uint64(end-headerSize) {
		return nil, corruptf(name, end, "body is %d bytes, footer says %d (truncated?)", end-headerSize, body)
	}
	if br.blocks > body/blockHeaderSize || br.entries < br.blocks ||
		br.entries > br.blocks*uint64(perBlock(hdr.entrySize)) {
		return nil, corruptf(name, end, "inconsistent counts: %d entries in %d blocks", br.entries, br.blocks)
	}
	return br, nil
}

// next returns the next entry, valid until the following call, or io.EOF
// after the last entry once all counts have been verified.
func (r *blockReader) next() ([]byte, error) {
	if r.pos == r.cnt {
		if err := r.readBlock(); err != nil {
			return nil, err
		}
	}
	s := int(r.hdr.entrySize)
	e := r.buf[r.pos*s : (r.pos+1)*s]
	if r.hdr.flags&flagSorted != 0 {
		k := e[:r.hdr.keyLen]
		if r.hasPrev {
			c := bytes.Compare(k, r.prev)
			if c < 0 || c == 0 && r.hdr.flags&flagUnique != 0 {
				return nil, corruptf(r.name, r.off, "block %d: entries out of order", r.blk-1)
			}
		}
		r.prev = append(r.prev[:0], k...)
		r.hasPrev = true
	}
	r.pos++
	r.seen++
	return e, nil
}

func (r *blockReader) readBlock() error {
	if r.done {
		return io.EOF
	}
	if r.blk == r.blocks {
		if r.off != r.end {
			return corruptf(r.name, r.off, "%d bytes after the last block", r.end-r.off)
		}
		if r.seen != r.entries {
			return corruptf(r.name, r.off, "%d entries, footer says %d", r.seen, r.entries)
		}
		r.done = true
		return io.EOF
	}
	if r.off+blockHeaderSize > r.end {
		return corruptf(r.name, r.off, "block %d header past the end of the body", r.blk)
	}
	var bh [blockHeaderSize]byte
	if _, err := r.r.ReadAt(bh[:], r.off); err != nil {
		return fmt.Errorf("dedupe: read %s: %w", r.name, err)
	}
	cnt := binary.LittleEndian.Uint32(bh[0:])
	if cnt == 0 || int(cnt) > perBlock(r.hdr.entrySize) {
		return corruptf(r.name, r.off, "block %d: bad entry count %d", r.blk, cnt)
	}
	n := int64(cnt) * int64(r.hdr.entrySize)
	if r.off+blockHeaderSize+n > r.end {
		return corruptf(r.name, r.off, "block %d runs past the end of the body", r.blk)
	}
	if int64(cap(r.buf)) < n {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := r.r.ReadAt(r.buf, r.off+blockHeaderSize); err != nil {
		return fmt.Errorf("dedupe: read %s: %w", r.name, err)
	}
	if blockCRC(uint32(r.blk), bh[0:4], r.buf) != binary.LittleEndian.Uint32(bh[4:]) {
		return corruptf(r.name, r.off, "block %d checksum mismatch", r.blk)
	}
	r.off += blockHeaderSize + n
	r.blk++
	r.pos, r.cnt = 0, int(cnt)
	return nil
}

// close releases the file.
func (r *blockReader) close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// checkParams returns an ErrMismatch error naming the file if its header
// was written with other parameters or partitioning.
func (r *blockReader) checkParams(params uint64, partition, partitions int) error {
	h := r.hdr
	if h.params != params {
		return fmt.Errorf("dedupe: %s: written with other fingerprint parameters: %w", r.name, ErrMismatch)
	}
	if partition >= 0 && (int(h.partition) != partition || int(h.partitions) != partitions) {
		return fmt.Errorf("dedupe: %s: partition %d of %d, want %d of %d: %w",
			r.name, h.partition, h.partitions, partition, partitions, ErrMismatch)
	}
	return nil
}

// readAll reads every entry of r into one slab (for small files and tests).
func (r *blockReader) readAll() ([]byte, error) {
	var out []byte
	for {
		e, err := r.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e...)
	}
}
