package dedupe

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrCorrupt is wrapped by *CorruptError: a spill, partition, edge or
	// index file failed a checksum, magic, count or ordering check, or is
	// truncated. Its contents were not used.
	ErrCorrupt = errors.New("corrupt dedupe file")
	// ErrMismatch reports files or an index written with different
	// fingerprint parameters or partition counts than the current run.
	ErrMismatch = errors.New("dedupe parameters do not match")
	// ErrRange reports a RecordID outside the supported id space (file ≥
	// MaxFiles or row ≥ MaxRows, or negative).
	ErrRange = errors.New("record id out of range")
	// ErrDuplicateRecord reports the same RecordID added twice.
	ErrDuplicateRecord = errors.New("record added twice")
	// ErrBadSketch reports a sketch that does not have this index's layout.
	ErrBadSketch = errors.New("malformed sketch")
	// ErrState reports a call in the wrong order, such as Add after Resolve
	// or Save before Resolve.
	ErrState = errors.New("dedupe: call out of order")
)

// CorruptError names a file whose contents failed validation. It wraps
// ErrCorrupt.
type CorruptError struct {
	File   string // path of the file
	Offset int64  // byte offset where the problem was found, -1 if unknown
	Reason string // what was wrong, e.g. "block 3 checksum mismatch"
}

// Error returns a message naming the file, the offset and the reason.
func (e *CorruptError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("dedupe: corrupt file %s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("dedupe: corrupt file %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

func corruptf(file string, off int64, format string, args ...any) error {
	return &CorruptError{File: file, Offset: off, Reason: fmt.Sprintf(format, args...)}
}
