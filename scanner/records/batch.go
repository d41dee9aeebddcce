// Package records defines the streaming record model shared by the engine
// and the format packages: Batch (flat value buffers), Reader, BatchWriter,
// decisions and edits, field filters and positioned errors.
package records

import (
	"io"
)

// Batch holds consecutive records of one input file as flat buffers: every
// scanned string value of every record is stored back to back in Values, with
// no per-record strings or slices.
//
// A Reader fills a Batch and owns the memory behind it until the next call to
// Next with the same Batch; the engine recycles batches, so nothing may keep a
// sub-slice of a Batch after it has been handed back. A Batch is not safe for
// concurrent mutation, but a filled Batch may be read by several goroutines.
type Batch struct {
	// Row is the 0-based index, within its file, of the batch's first record.
	Row int64
	// N is the number of records in the batch.
	N int
	// Bytes is the number of input bytes (after decompression) the batch
	// covers; used for progress and throughput only.
	Bytes int64

	// Values holds the decoded scanned values back to back. Value i is
	// Values[ValueOff[i]:ValueOff[i+1]]; len(ValueOff) == NumValues()+1 when
	// there is at least one value.
	Values   []byte
	ValueOff []int
	// ValueRec[i] is the record (0..N-1, non-decreasing) value i belongs to.
	ValueRec []int32
	// ValueField[i] indexes the field-name table for value i.
	ValueField []int32

	// Field names (DESIGN §3 paths): name j is Names[NameOff[j]:NameOff[j+1]].
	Names   []byte
	NameOff []int

	// Bad lists the records, by index and in increasing order, that could not
	// be parsed. Such records have no values and go to quarantine as
	// input.bad_record.
	Bad []BadRecord

	// Unit is private to the Reader that filled the batch and to the
	// BatchWriter it creates: whatever they need to write the records back
	// (raw lines, row buffers, Arrow arrays).
	Unit any
}

// BadRecord is a record that could not be parsed.
type BadRecord struct {
	Rec int   // index within the batch
	Err error // positioned error (*RecordError)
}

// Reset empties b for reuse, keeping its buffers.
func (b *Batch) Reset() {
	b.Row, b.N, b.Bytes = 0, 0, 0
	b.Values = b.Values[:0]
	b.ValueOff = b.ValueOff[:0]
	b.ValueRec = b.ValueRec[:0]
	b.ValueField = b.ValueField[:0]
	b.Names = b.Names[:0]
	b.NameOff = b.NameOff[:0]
	b.Bad = b.Bad[:0]
}

// NumValues returns the number of scanned values in the batch.
func (b *Batch) NumValues() int {
	if len(b.ValueOff) == 0 {
		return 0
	}
	return len(b.ValueOff) - 1
}

// Value returns scanned value i; the slice aliases b.Values.
func (b *Batch) Value(i int) []byte { return b.Values[b.ValueOff[i]:b.ValueOff[i+1]] }

// Name returns field name j; the slice aliases b.Names.
func (b *Batch) Name(j int) []byte { return b.Names[b.NameOff[j]:b.NameOff[j+1]] }

// FieldName returns the field name of value i.
func (b *Batch) FieldName(i int) []byte { return b.Name(int(b.ValueField[i])) }

// AddName appends a field name to the table and returns its index.
func (b *Batch) AddName(name []byte) int32 {
	if len(b.NameOff) == 0 {
		b.NameOff = append(b.NameOff, 0)
	}
	b.Names = append(b.Names, name...)
	b.NameOff = append(b.NameOff, len(b.Names))
	return int32(len(b.NameOff) - 2)
}

// BeginValue starts a new value for record rec with field name index field;
// the caller then appends the value's bytes to b.Values and calls EndValue.
func (b *Batch) BeginValue(rec int, field int32) {
	if len(b.ValueOff) == 0 {
		b.ValueOff = append(b.ValueOff, len(b.Values))
	}
	b.ValueRec = append(b.ValueRec, int32(rec))
	b.ValueField = append(b.ValueField, field)
}

// EndValue closes the value begun by BeginValue.
func (b *Batch) EndValue() { b.ValueOff = append(b.ValueOff, len(b.Values)) }

// AddValue appends one whole value for record rec.
func (b *Batch) AddValue(rec int, field int32, v []byte) {
	b.BeginValue(rec, field)
	b.Values = append(b.Values, v...)
	b.EndValue()
}

// Action is what happens to a record.
type Action uint8

// Record actions, in increasing order of severity.
const (
	Keep Action = iota
	Redact
	Drop
)

// String returns "kept", "redacted" or "dropped".
func (a Action) String() string {
	switch a {
	case Keep:
		return "kept"
	case Redact:
		return "redacted"
	case Drop:
		return "dropped"
	}
	return "unknown"
}

// Decision is the engine's verdict on one record.
type Decision struct {
	Action Action
	// Reason is set for dropped records: the kinds that caused the drop,
	// sorted and comma-separated, or the parse error of a bad record. It
	// becomes the quarantine's _winnow_reason.
	Reason string
}

// Edit replaces the whole decoded value Value (an index into the batch's
// values) with Data when the record is written. Data is owned by the engine
// and valid during WriteBatch only.
type Edit struct {
	Value int
	Data  []byte
}

// Reader streams the records of one input file as Batches.
//
// A Reader is used by one goroutine at a time.
type Reader interface {
	// Next resets b and fills it with the next records. It returns io.EOF
	// when there are no more records; a call may return n > 0 records (b.N)
	// together with io.EOF. Errors that make the rest of the file unreadable
	// are returned as *FileError naming the file and the row, line or row
	// group.
	Next(b *Batch) error
	// NewWriter returns a writer that writes records in the same format,
	// schema and compression as this reader's input. It may be called once,
	// at any time after the reader was opened, and is safe to call from a
	// goroutine other than the one calling Next.
	NewWriter(out Sinks) (BatchWriter, error)
	// Close releases the input.
	Close() error
}

// Sinks are the destinations of one input file's outputs. The engine owns
// them: it writes to temporary names and publishes them on success.
type Sinks struct {
	// Data receives cleaned records; nil in scan mode.
	Data io.Writer
	// Quarantine opens the quarantine destination on first use, so files
	// with no dropped record get no quarantine file.
	Quarantine func() (io.Writer, error)
}

// BatchWriter writes the records of successive batches of one file.
//
// Records are written in order; a Drop record goes to the quarantine with a
// `_winnow_reason` field or column carrying Decision.Reason, every other
// record goes to the data output with its edits applied. Unscanned fields and
// all bytes outside edited values pass through unchanged.
type BatchWriter interface {
	// WriteBatch writes b's records. dec has b.N entries. edits are sorted
	// by Value and belong to records whose decision is Redact.
	WriteBatch(b *Batch, dec []Decision, edits []Edit) error
	// Close flushes everything to the sinks (footers, compressed frames). It
	// does not close the sinks themselves.
	Close() error
}

// FieldLister is an optional Reader capability for formats whose schema is
// known up front (Parquet, Arrow): the names of the fields that will be
// scanned, after --fields filtering. An empty list lets the engine warn that
// the file has no scannable fields; its records still pass through.
type FieldLister interface {
	ScannedFields() []string
}

// ScalarReader is an optional Reader capability: the raw text of a scalar
// field (a number, literal or string) of record rec of a batch the reader
// filled, for keep-policy scores such as --keep max:meta.quality. It may be
// called from the goroutine that owns the batch, after Next returned it.
type ScalarReader interface {
	Scalar(b *Batch, rec int, path []byte) ([]byte, bool)
}

// RawRecorder is an optional Reader capability: the exact input bytes of
// record rec of a batch the reader filled (a JSONL line without its
// newline). The engine hashes them for the ledger; formats without it are
// hashed over their scanned field names and values. The slice aliases the
// batch.
type RawRecorder interface {
	Raw(b *Batch, rec int) []byte
}
