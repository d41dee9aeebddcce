package arrowio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/winnow-data/winnow/scanner/records"
)

// fileMagic opens and closes an Arrow IPC file.
var fileMagic = []byte("ARROW1")

// feather1Magic opens a Feather v1 file, a format this package does not read.
var feather1Magic = []byte("FEA1")

const continuation = 0xFFFFFFFF

// source feeds validated IPC messages to the arrow library's stream decoder
// (it implements ipc.MessageReader). Both formats are read through it: a
// stream message by message, a file as its schema message followed by the
// dictionary and record batch blocks its footer lists. Every length is
// checked against the file size before anything is allocated, and every
// record batch's buffers against its body, so the library never sees a
// message that points outside the data it was given.
//
// A source is used by one goroutine (the reader's).
type source struct {
	name       string
	r          io.ReaderAt
	size       int64
	file       bool
	maxDecoded int64

	pos  int64  // stream: offset of the next message
	foot footer // file: the footer's blocks
	step int    // file: messages delivered so far

	codec int // compression of the first record batch, codecNone if none

	alloc     *limitAlloc // the decoder's allocator (see Message)
	dictBytes int64       // decoded bytes of all dictionary messages so far

	cur  *ipc.Message
	body []byte // reused body buffer; the library copies what it keeps

	nSchema, nDict, nRecord int    // messages delivered, by kind
	lastWhere               string // position of the last message delivered
	lastDecoded             int64  // decoded size of the last record batch
	err                     error  // first failure, a *records.FileError
}

// newSource detects the format of src and prepares to read its messages.
func newSource(src records.Source, maxDecoded int64) (*source, error) {
	s := &source{name: src.Name, r: src.R, size: src.Size, maxDecoded: maxDecoded, codec: codecNone}
	if src.R == nil || src.Size < 0 {
		return nil, s.corrupt("", errors.New("no input"))
	}
	head := make([]byte, 8)
	n := int64(len(head))
	if s.size < n {
		n = s.size
	}
	if err := s.readAt(head[:n], 0); err != nil {
		return nil, s.fail("", err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, fileMagic):
		s.file = true
		if err := s.readFooter(); err != nil {
			return nil, err
		}
	case bytes.HasPrefix(head, feather1Magic):
		return nil, &records.FileError{File: s.name, Err: fmt.Errorf("%w: Feather v1 files are not supported (only Arrow IPC and Feather v2)", records.ErrUnknownFormat)}
	case len(head) < 8:
		return nil, s.corrupt("", fmt.Errorf("%d-byte file is too short for Arrow IPC", len(head)))
	default:
		first := binary.LittleEndian.Uint32(head)
		if first != continuation && (first < 8 || int64(first) > s.size) {
			return nil, s.corrupt("", errors.New("not an Arrow IPC file or stream (bad magic)"))
		}
	}
	if err := s.findCodec(); err != nil {
		return nil, err
	}
	return s, nil
}

// readAt fills p from offset off; a short read is corruption (truncation).
func (s *source) readAt(p []byte, off int64) error {
	if off < 0 || off > s.size || int64(len(p)) > s.size-off {
		return fmt.Errorf("%w: truncated: %d bytes at offset %d run past the end of the %d-byte file", records.ErrCorrupt, len(p), off, s.size)
	}
	n, err := s.r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: truncated at offset %d", records.ErrCorrupt, off+int64(n))
	}
	return fmt.Errorf("read at offset %d: %w", off, err)
}

// corrupt returns a FileError at where wrapping records.ErrCorrupt.
func (s *source) corrupt(where string, err error) error {
	return s.fail(where, fmt.Errorf("%w: %w", records.ErrCorrupt, err))
}

// fail records err (already classified) as the source's failure.
func (s *source) fail(where string, err error) error {
	if errors.Is(err, errTooLarge) {
		err = fmt.Errorf("%w: %w", records.ErrRecordTooLarge, err)
	}
	fe := &records.FileError{File: s.name, Where: where, Err: err}
	if s.err == nil {
		s.err = fe
	}
	return fe
}

// readFooter loads and checks the footer of an IPC file.
func (s *source) readFooter() error {
	const trailer = 10 // int32 footer length + magic
	if s.size < int64(8+trailer) {
		return s.corrupt("footer", fmt.Errorf("%d-byte file is too short for an Arrow IPC file", s.size))
	}
	tail := make([]byte, trailer)
	if err := s.readAt(tail, s.size-trailer); err != nil {
		return s.fail("footer", err)
	}
	if !bytes.Equal(tail[4:], fileMagic) {
		return s.corrupt("footer", errors.New("missing closing ARROW1 magic (truncated file?)"))
	}
	flen := int64(int32(binary.LittleEndian.Uint32(tail)))
	start := s.size - trailer - flen
	if flen <= 0 || start < 8 {
		return s.corrupt("footer", fmt.Errorf("bad footer length %d", flen))
	}
	buf := make([]byte, flen)
	if err := s.readAt(buf, start); err != nil {
		return s.fail("footer", err)
	}
	f, err := parseFooter(buf, start)
	if err != nil {
		return s.corrupt("footer", err)
	}
	s.foot = f
	return nil
}

// frame is the location of one message.
type frame struct {
	meta    []byte // the Message flatbuffer
	body    int64  // body offset
	bodyLen int64
	m       msgMeta
}

// readFrame reads the framed (stream-encoded) message at pos. eos is set at
// an end-of-stream marker or at the end of the file.
func (s *source) readFrame(pos int64) (f frame, next int64, eos bool, err error) {
	if pos == s.size {
		return f, pos, true, nil
	}
	var word [4]byte
	if err := s.readAt(word[:], pos); err != nil {
		return f, 0, false, err
	}
	prefix := int64(4)
	n := binary.LittleEndian.Uint32(word[:])
	if n == continuation {
		if err := s.readAt(word[:], pos+4); err != nil {
			return f, 0, false, err
		}
		prefix = 8
		n = binary.LittleEndian.Uint32(word[:])
	}
	if n == 0 {
		return f, pos + prefix, true, nil
	}
	metaLen := int64(int32(n))
	if metaLen < 0 {
		return f, 0, false, fmt.Errorf("%w: negative metadata length", records.ErrCorrupt)
	}
	if metaLen > s.size-pos-prefix {
		return f, 0, false, fmt.Errorf("%w: truncated: %d-byte message metadata at offset %d runs past the end of the %d-byte file", records.ErrCorrupt, metaLen, pos+prefix, s.size)
	}
	f.meta = make([]byte, metaLen)
	if err := s.readAt(f.meta, pos+prefix); err != nil {
		return f, 0, false, err
	}
	if f.m, err = parseMessage(f.meta); err != nil {
		return f, 0, false, fmt.Errorf("%w: message at offset %d: %w", records.ErrCorrupt, pos, err)
	}
	f.body = pos + prefix + metaLen
	f.bodyLen = f.m.bodyLen
	if f.bodyLen > s.size-f.body {
		return f, 0, false, fmt.Errorf("%w: truncated: message body of %d bytes at offset %d runs past the end of the file", records.ErrCorrupt, f.bodyLen, f.body)
	}
	return f, f.body + f.bodyLen, false, nil
}

// readBlock reads the message a file footer block points at.
func (s *source) readBlock(b block) (frame, error) {
	var f frame
	meta := make([]byte, b.metaLen)
	if err := s.readAt(meta, b.offset); err != nil {
		return f, err
	}
	skip := 4
	n := binary.LittleEndian.Uint32(meta)
	if n == continuation {
		skip = 8
		n = binary.LittleEndian.Uint32(meta[4:])
	}
	if int64(n) > int64(len(meta)-skip) || n == 0 {
		return f, fmt.Errorf("%w: block metadata length %d exceeds its %d-byte block", records.ErrCorrupt, n, len(meta))
	}
	f.meta = meta[skip : skip+int(n)]
	var err error
	if f.m, err = parseMessage(f.meta); err != nil {
		return f, fmt.Errorf("%w: %w", records.ErrCorrupt, err)
	}
	f.body, f.bodyLen = b.offset+b.metaLen, b.bodyLen
	return f, nil
}

// findCodec looks ahead, without disturbing the read position, for the first
// record batch and notes its compression codec, so that NewWriter knows it
// before any batch has been read.
func (s *source) findCodec() error {
	if s.file {
		if len(s.foot.records) == 0 {
			return nil
		}
		f, err := s.readBlock(s.foot.records[0])
		if err != nil {
			return s.fail("record batch 0", err)
		}
		return s.noteCodec(f, "record batch 0")
	}
	pos := int64(0)
	for i := 0; ; i++ {
		f, next, eos, err := s.readFrame(pos)
		where := "schema"
		if i > 0 {
			where = "record batch 0"
		}
		if err != nil {
			return s.fail(where, err)
		}
		if eos {
			if i == 0 {
				return s.corrupt("schema", errors.New("stream has no schema message"))
			}
			return nil
		}
		if f.m.kind == msgRecord {
			return s.noteCodec(f, where)
		}
		pos = next
	}
}

func (s *source) noteCodec(f frame, where string) error {
	if f.m.kind != msgRecord {
		return s.corrupt(where, fmt.Errorf("message type %d where a record batch was expected", f.m.kind))
	}
	bm, err := f.m.recordBatch()
	if err != nil {
		return s.corrupt(where, err)
	}
	s.codec = bm.codec
	return nil
}

// Message returns the next message; it implements ipc.MessageReader. The
// message is valid until the next call. It returns exactly io.EOF at the end.
func (s *source) Message() (*ipc.Message, error) {
	s.releaseCur()
	if s.err != nil {
		return nil, s.err
	}
	f, where, eos, err := s.nextFrame()
	if err != nil {
		return nil, s.fail(where, err)
	}
	if eos {
		return nil, io.EOF
	}
	switch f.m.kind {
	case msgSchema:
		if s.nSchema > 0 || s.nDict > 0 || s.nRecord > 0 {
			return nil, s.corrupt(where, errors.New("unexpected second schema message"))
		}
	case msgDictionary, msgRecord:
		if s.nSchema == 0 {
			return nil, s.corrupt("schema", errors.New("stream does not start with a schema message"))
		}
	}
	if int64(cap(s.body)) < f.bodyLen {
		s.body = make([]byte, f.bodyLen)
	}
	body := s.body[:f.bodyLen]
	if err := s.readAt(body, f.body); err != nil {
		return nil, s.fail(where, err)
	}
	if f.m.kind != msgSchema {
		bm, err := f.m.recordBatch()
		if err != nil {
			return nil, s.corrupt(where, err)
		}
		decoded, err := bm.validate(body, s.maxDecoded)
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return nil, s.fail(where, err)
			}
			return nil, s.corrupt(where, err)
		}
		if f.m.kind == msgRecord {
			s.lastDecoded = decoded
		}
		// Decoding a message allocates no single buffer larger than the
		// message's decoded body, except a dictionary grown by deltas
		// (concatenated when a record batch first uses it), which is no
		// larger than all dictionary messages together.
		if f.m.kind == msgDictionary {
			s.dictBytes += decoded
		}
		if s.alloc != nil {
			s.alloc.setLimit(decoded + s.dictBytes)
		}
	}
	switch f.m.kind {
	case msgSchema:
		s.nSchema++
	case msgDictionary:
		s.nDict++
	case msgRecord:
		s.nRecord++
	}
	s.lastWhere = where
	s.cur = ipc.NewMessage(memory.NewBufferBytes(f.meta), memory.NewBufferBytes(body))
	return s.cur, nil
}

// nextFrame locates the next message and names its position for errors.
func (s *source) nextFrame() (f frame, where string, eos bool, err error) {
	if !s.file {
		var next int64
		f, next, eos, err = s.readFrame(s.pos)
		where = s.where(f.m.kind, err == nil && !eos)
		if err == nil {
			s.pos = next
		}
		return f, where, eos, err
	}
	step := s.step
	s.step++
	switch {
	case step == 0:
		f, _, eos, err = s.readFrame(8)
		if err == nil && (eos || f.m.kind != msgSchema) {
			err = fmt.Errorf("%w: file does not start with a schema message", records.ErrCorrupt)
		}
		return f, "schema", false, err
	case step-1 < len(s.foot.dicts):
		where = fmt.Sprintf("dictionary batch %d", step-1)
		f, err = s.readBlock(s.foot.dicts[step-1])
		if err == nil && f.m.kind != msgDictionary {
			err = fmt.Errorf("%w: footer dictionary block holds message type %d", records.ErrCorrupt, f.m.kind)
		}
		return f, where, false, err
	case step-1-len(s.foot.dicts) < len(s.foot.records):
		i := step - 1 - len(s.foot.dicts)
		where = fmt.Sprintf("record batch %d", i)
		f, err = s.readBlock(s.foot.records[i])
		if err == nil && f.m.kind != msgRecord {
			err = fmt.Errorf("%w: footer record batch block holds message type %d", records.ErrCorrupt, f.m.kind)
		}
		return f, where, false, err
	}
	return f, "", true, nil
}

// where names the position of a stream message of the given kind (or of the
// next expected one when the kind is not known).
func (s *source) where(kind uint8, known bool) string {
	switch {
	case s.nSchema == 0:
		return "schema"
	case known && kind == msgDictionary:
		return fmt.Sprintf("dictionary batch %d", s.nDict)
	}
	return fmt.Sprintf("record batch %d", s.nRecord)
}

func (s *source) releaseCur() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
}

// Retain is part of ipc.MessageReader; the source is owned by one reader.
func (s *source) Retain() {}

// Release drops the current message.
func (s *source) Release() { s.releaseCur() }
