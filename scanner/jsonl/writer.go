package jsonl

import (
	"bytes"
	"fmt"
	"io"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/winnow-data/winnow/scanner/records"
)

// ReasonField is the member added to quarantined records.
const ReasonField = "_winnow_reason"

// RawField carries the raw text of a quarantined record that is not a JSON
// object (an unparseable line, or a top-level array or scalar).
const RawField = "_winnow_raw"

// writer writes JSONL batches. Kept records are copied byte for byte; a
// redacted record is its input line with only the edited string literals
// replaced; a dropped record goes to the quarantine with a _winnow_reason
// member. Not safe for concurrent use.
type writer struct {
	codec Compression
	out   records.Sinks
	data  *stream
	quar  *stream
	line  []byte
}

// stream is one (possibly compressed) output.
type stream struct {
	w     io.Writer
	flush func() error
}

func newStream(codec Compression, w io.Writer) (*stream, error) {
	switch codec {
	case Gzip:
		// No name, no mtime: deterministic bytes.
		zw, err := kgzip.NewWriterLevel(w, kgzip.DefaultCompression)
		if err != nil {
			return nil, err
		}
		return &stream{w: zw, flush: zw.Close}, nil
	case Zstd:
		zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
		if err != nil {
			return nil, err
		}
		return &stream{w: zw, flush: zw.Close}, nil
	}
	return &stream{w: w, flush: func() error { return nil }}, nil
}

func newWriter(codec Compression, out records.Sinks) *writer {
	return &writer{codec: codec, out: out}
}

func (w *writer) dataStream() (*stream, error) {
	if w.data == nil {
		s, err := newStream(w.codec, w.out.Data)
		if err != nil {
			return nil, err
		}
		w.data = s
	}
	return w.data, nil
}

func (w *writer) quarStream() (*stream, error) {
	if w.quar == nil {
		q, err := w.out.Quarantine()
		if err != nil {
			return nil, err
		}
		s, err := newStream(w.codec, q)
		if err != nil {
			return nil, err
		}
		w.quar = s
	}
	return w.quar, nil
}

// WriteBatch implements records.BatchWriter.
func (w *writer) WriteBatch(b *records.Batch, dec []records.Decision, edits []records.Edit) error {
	u, ok := b.Unit.(*unit)
	if !ok {
		return fmt.Errorf("jsonl: batch was not produced by the jsonl reader")
	}
	data, err := w.dataStream()
	if err != nil {
		return err
	}
	// Runs of kept records (and blank lines) are copied in one write.
	runStart := 0
	flush := func(upto int) error {
		if upto > runStart {
			if _, err := data.w.Write(u.raw[runStart:upto]); err != nil {
				return err
			}
		}
		return nil
	}
	bad := b.Bad
	ei := 0
	for i := 0; i < b.N; i++ {
		isBad := len(bad) > 0 && bad[0].Rec == i
		if isBad {
			bad = bad[1:]
		}
		d := dec[i]
		if isBad && d.Action != records.Drop {
			d = records.Decision{Action: records.Drop, Reason: d.Reason}
		}
		switch d.Action {
		case records.Keep:
			continue
		case records.Redact:
			if err := flush(u.recStart[i]); err != nil {
				return err
			}
			w.line = w.line[:0]
			pos := u.recStart[i]
			for ei < len(edits) && int(b.ValueRec[edits[ei].Value]) < i {
				ei++
			}
			for ei < len(edits) && int(b.ValueRec[edits[ei].Value]) == i {
				e := edits[ei]
				w.line = append(w.line, u.raw[pos:u.valStart[e.Value]]...)
				w.line = AppendString(w.line, e.Data)
				pos = u.valEnd[e.Value]
				ei++
			}
			w.line = append(w.line, u.raw[pos:u.recNext[i]]...)
			if _, err := data.w.Write(w.line); err != nil {
				return err
			}
			runStart = u.recNext[i]
		case records.Drop:
			if err := flush(u.recStart[i]); err != nil {
				return err
			}
			q, err := w.quarStream()
			if err != nil {
				return err
			}
			w.line = appendQuarantined(w.line[:0], u.raw[u.recStart[i]:u.recEnd[i]], d.Reason, isBad)
			if _, err := q.w.Write(w.line); err != nil {
				return err
			}
			runStart = u.recNext[i]
		}
	}
	return flush(len(u.raw))
}

// appendQuarantined appends the quarantine line for rec: the object with a
// _winnow_reason member spliced in before its closing brace, or a wrapper
// object holding the raw text when rec is not a well-formed JSON object.
func appendQuarantined(dst, rec []byte, reason string, bad bool) []byte {
	t := bytes.TrimRight(rec, " \t\r")
	lead := len(rec) - len(bytes.TrimLeft(rec, " \t\r"))
	if !bad && len(t) > lead && t[lead] == '{' && t[len(t)-1] == '}' {
		body := bytes.TrimRight(t[:len(t)-1], " \t\r\n")
		dst = append(dst, body...)
		if !bytes.Equal(bytes.TrimSpace(body), []byte("{")) {
			dst = append(dst, ',')
		}
		dst = append(dst, `"`+ReasonField+`":`...)
		dst = AppendString(dst, []byte(reason))
		return append(dst, '}', '\n')
	}
	dst = append(dst, `{"`+ReasonField+`":`...)
	dst = AppendString(dst, []byte(reason))
	dst = append(dst, `,"`+RawField+`":`...)
	dst = AppendString(dst, rec)
	return append(dst, '}', '\n')
}

// Close flushes the compressors. It does not close the sinks.
func (w *writer) Close() error {
	if w.data == nil && w.out.Data != nil {
		if _, err := w.dataStream(); err != nil {
			return err
		}
	}
	var first error
	for _, s := range []*stream{w.data, w.quar} {
		if s != nil {
			if err := s.flush(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

var _ records.BatchWriter = (*writer)(nil)
