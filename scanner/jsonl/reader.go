package jsonl

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/winnow-data/winnow/scanner/records"
)

// Compression of a JSONL file, from its extension.
type Compression int

// Supported codecs.
const (
	None Compression = iota
	Gzip
	Zstd
)

// Detect reports whether name is a JSONL file (.jsonl, .json, .ndjson,
// optionally followed by .gz or .zst) and its compression.
func Detect(name string) (Compression, bool) {
	lower := strings.ToLower(name)
	c := None
	switch path.Ext(lower) {
	case ".gz":
		c, lower = Gzip, strings.TrimSuffix(lower, ".gz")
	case ".zst", ".zstd":
		c, lower = Zstd, lower[:strings.LastIndexByte(lower, '.')]
	}
	switch path.Ext(lower) {
	case ".jsonl", ".json", ".ndjson":
		return c, true
	}
	return None, false
}

// unit is what a JSONL batch carries for its writer: the exact input bytes it
// covers and where each record and value sits in them.
type unit struct {
	raw      []byte
	recStart []int // record line start in raw
	recEnd   []int // end of record content (before \r?\n)
	recNext  []int // start of the next line
	valStart []int // literal start (the quote) of value i in raw
	valEnd   []int
	lines    []int64 // 1-based line number of each record
	tail     int     // raw[tail:] follows the last record (blank lines)
	codec    Compression
	walker   Walker // for Scalar, used by the batch's owner only
	path     []byte
}

func (u *unit) reset() {
	u.raw = u.raw[:0]
	u.recStart, u.recEnd, u.recNext = u.recStart[:0], u.recEnd[:0], u.recNext[:0]
	u.valStart, u.valEnd = u.valStart[:0], u.valEnd[:0]
	u.lines = u.lines[:0]
	u.tail = 0
}

// Reader reads one JSONL file. It implements records.Reader and is used by
// one goroutine at a time.
type Reader struct {
	name  string
	opt   records.ReadOptions
	codec Compression
	src   io.Reader
	close func() error

	carry  []byte // bytes read past the previous batch's last line
	eof    bool
	line   int64 // lines consumed so far
	row    int64 // records consumed so far
	walker Walker
	names  map[string]int32
	b      *records.Batch // batch being filled (for the leaf callback)
	rec    int
	base   int // raw offset of the record being walked
	u      *unit
	want   func([]byte) bool
	emit   func(*Leaf)
}

// Open returns a Reader over src, decompressing by the file name's
// extension (.gz, .zst).
func Open(src records.Source, opt records.ReadOptions) (*Reader, error) {
	codec, ok := Detect(src.Name)
	if !ok {
		return nil, &records.FileError{File: src.Name, Err: fmt.Errorf("%w: not a .jsonl/.json file", records.ErrUnknownFormat)}
	}
	r := &Reader{name: src.Name, opt: opt.WithDefaults(), codec: codec, names: map[string]int32{}}
	raw := io.NewSectionReader(src.R, 0, src.Size)
	switch codec {
	case None:
		r.src = raw
	case Gzip:
		zr, err := kgzip.NewReader(raw)
		if err != nil {
			return nil, &records.FileError{File: src.Name, Where: "gzip header", Err: fmt.Errorf("%w: %v", records.ErrCorrupt, err)}
		}
		r.src, r.close = zr, zr.Close
	case Zstd:
		zr, err := zstd.NewReader(raw, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(4<<30))
		if err != nil {
			return nil, &records.FileError{File: src.Name, Where: "zstd header", Err: fmt.Errorf("%w: %v", records.ErrCorrupt, err)}
		}
		r.src, r.close = zr, func() error { zr.Close(); return nil }
	}
	if f := opt.Fields; f != nil {
		r.want = f.MatchJSONPath
	}
	r.emit = r.onLeaf
	return r, nil
}

// Close releases the decompressor. It does not close the Source.
func (r *Reader) Close() error {
	if r.close != nil {
		return r.close()
	}
	return nil
}

const readChunk = 1 << 20

// Next fills b with the next records. See records.Reader.
func (r *Reader) Next(b *records.Batch) error {
	b.Reset()
	u, _ := b.Unit.(*unit)
	if u == nil {
		u = &unit{}
		b.Unit = u
	}
	u.reset()
	u.codec = r.codec
	u.raw = append(u.raw, r.carry...)
	r.carry = r.carry[:0]
	b.Row = r.row
	r.b, r.u = b, u
	clear(r.names)

	pos := 0 // start of the next unconsumed line in u.raw
	for {
		nl := bytes.IndexByte(u.raw[pos:], '\n')
		var line []byte
		next := 0
		switch {
		case nl >= 0:
			line = u.raw[pos : pos+nl]
			next = pos + nl + 1
		case r.eof:
			if pos == len(u.raw) {
				u.tail = pos
				b.Bytes = int64(len(u.raw))
				return io.EOF
			}
			line = u.raw[pos:]
			next = len(u.raw)
		default:
			if len(u.raw)-pos > r.opt.MaxRecordBytes {
				return &records.FileError{File: r.name, Where: fmt.Sprintf("line %d", r.line+1),
					Err: fmt.Errorf("%w: line longer than %d bytes (raise --max-record-bytes)", records.ErrRecordTooLarge, r.opt.MaxRecordBytes)}
			}
			if b.N > 0 && (len(u.raw) >= r.opt.BatchBytes) {
				// The batch is full enough: leave the partial line for later.
				r.carry = append(r.carry, u.raw[pos:]...)
				u.raw = u.raw[:pos]
				u.tail = pos
				b.Bytes = int64(len(u.raw))
				return nil
			}
			if err := r.fill(u); err != nil {
				return err
			}
			continue
		}
		r.line++
		end := len(line)
		if end > 0 && line[end-1] == '\r' {
			end--
		}
		if len(bytes.TrimSpace(line[:end])) == 0 {
			pos = next // blank line: passes through, not a record
			if r.eof && next == len(u.raw) {
				continue
			}
			continue
		}
		r.addRecord(b, u, pos, pos+end, next)
		pos = next
		if b.N >= r.opt.BatchRows || pos >= r.opt.BatchBytes {
			// Keep any blank lines that directly follow with the next batch.
			r.carry = append(r.carry, u.raw[pos:]...)
			u.raw = u.raw[:pos]
			u.tail = pos
			b.Bytes = int64(len(u.raw))
			return nil
		}
	}
}

// fill reads more input into u.raw, setting r.eof at the end of the stream.
func (r *Reader) fill(u *unit) error {
	if cap(u.raw)-len(u.raw) < readChunk {
		grown := make([]byte, len(u.raw), 2*cap(u.raw)+readChunk)
		copy(grown, u.raw)
		u.raw = grown
	}
	n, err := r.src.Read(u.raw[len(u.raw):cap(u.raw)])
	u.raw = u.raw[:len(u.raw)+n]
	if err == io.EOF {
		r.eof = true
		return nil
	}
	if err != nil {
		where := fmt.Sprintf("line %d", r.line+1)
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || r.codec != None {
			err = fmt.Errorf("%w: %v", records.ErrCorrupt, err)
		}
		return &records.FileError{File: r.name, Where: where, Err: err}
	}
	return nil
}

func (r *Reader) addRecord(b *records.Batch, u *unit, start, end, next int) {
	rec := b.N
	b.N++
	r.row++
	u.recStart = append(u.recStart, start)
	u.recEnd = append(u.recEnd, end)
	u.recNext = append(u.recNext, next)
	u.lines = append(u.lines, r.line)
	r.rec, r.base = rec, start
	nv := len(u.valStart)
	nvals, nvoff := len(b.ValueRec), len(b.ValueOff)
	nvb := len(b.Values)
	if err := r.walker.Walk(u.raw[start:end], r.want, r.emit); err != nil {
		// Roll back the values of the bad record.
		u.valStart, u.valEnd = u.valStart[:nv], u.valEnd[:nv]
		b.ValueRec, b.ValueField = b.ValueRec[:nvals], b.ValueField[:nvals]
		if nvoff == 0 {
			b.ValueOff = b.ValueOff[:0]
		} else {
			b.ValueOff = b.ValueOff[:nvoff]
		}
		b.Values = b.Values[:nvb]
		off := -1
		var se *SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		b.Bad = append(b.Bad, records.BadRecord{Rec: rec, Err: &records.RecordError{
			File: r.name, Line: r.line, Row: r.row - 1, Offset: off, Err: err}})
	}
}

func (r *Reader) onLeaf(l *Leaf) {
	b := r.b
	id, ok := r.names[string(l.Path)]
	if !ok {
		id = b.AddName(l.Path)
		r.names[string(l.Path)] = id
	}
	b.AddValue(r.rec, id, l.Value)
	r.u.valStart = append(r.u.valStart, r.base+l.Start)
	r.u.valEnd = append(r.u.valEnd, r.base+l.End)
}

// Scalar returns the raw text of the value at JSON path in record rec of b
// (a batch this reader filled), for keep-policy scores. Safe to call from
// any goroutine that owns b, but not concurrently on the same b.
func (r *Reader) Scalar(b *records.Batch, rec int, path []byte) ([]byte, bool) {
	u, ok := b.Unit.(*unit)
	if !ok || rec >= len(u.recStart) {
		return nil, false
	}
	if len(path) > 0 && path[0] != '$' {
		u.path = append(append(u.path[:0], "$."...), path...)
		path = u.path
	}
	return u.walker.Scalar(u.raw[u.recStart[rec]:u.recEnd[rec]], path)
}

// Raw returns the bytes of record rec's line in b (without the newline).
func (r *Reader) Raw(b *records.Batch, rec int) []byte {
	u, ok := b.Unit.(*unit)
	if !ok || rec >= len(u.recStart) {
		return nil
	}
	return u.raw[u.recStart[rec]:u.recEnd[rec]]
}

// NewWriter returns a writer producing JSONL with the input's compression.
func (r *Reader) NewWriter(out records.Sinks) (records.BatchWriter, error) {
	return newWriter(r.codec, out), nil
}

var _ records.Reader = (*Reader)(nil)
