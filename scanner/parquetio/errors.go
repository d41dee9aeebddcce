package parquetio

import (
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/winnow-data/winnow/scanner/records"
)

// sourceReader wraps the input's ReaderAt so that its I/O failures can be
// told apart from damaged data: errors other than EOF come back as
// *sourceError, which is never classified as records.ErrCorrupt.
type sourceReader struct{ r io.ReaderAt }

// errOutside marks a read that a damaged footer placed before the start of
// the file.
var errOutside = errors.New("read before the start of the file")

// ReadAt reads from the wrapped ReaderAt; safe for concurrent use when the
// wrapped ReaderAt is.
func (s *sourceReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errOutside
	}
	n, err := s.r.ReadAt(p, off)
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		err = &sourceError{err: err}
	}
	return n, err
}

// sourceError is an I/O error of the input's ReaderAt.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return "reading input: " + e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// sinkWriter wraps an output so that its write failures can be told apart
// from input problems.
type sinkWriter struct{ w io.Writer }

func (s *sinkWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		err = &sinkError{err: err}
	}
	return n, err
}

// sinkError is a write error of an output sink.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return "writing output: " + e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

// ErrUnsupported marks a well-formed Parquet file that this package cannot
// read: an encrypted file or a compression codec parquet-go lacks (LZO, the
// deprecated Hadoop LZ4). It is returned inside a *records.FileError and is
// not records.ErrCorrupt.
var ErrUnsupported = errors.New("unsupported parquet feature")

// misuseError is a caller mistake (a batch from another file, an edit of a
// value that does not exist); it says nothing about the input's integrity.
type misuseError struct{ msg string }

func (e *misuseError) Error() string { return "parquet: " + e.msg }

func misuse(format string, args ...any) error {
	return &misuseError{msg: fmt.Sprintf(format, args...)}
}

// classify marks err as records.ErrCorrupt unless it is an I/O error of the
// input or of an output, a caller mistake, or already marked.
func classify(err error) error {
	var se *sourceError
	var ke *sinkError
	var me *misuseError
	if errors.As(err, &se) || errors.As(err, &ke) || errors.As(err, &me) ||
		errors.Is(err, records.ErrCorrupt) || errors.Is(err, ErrUnsupported) {
		return err
	}
	return fmt.Errorf("%w: %w", records.ErrCorrupt, err)
}

// fileError positions err in file name at where ("footer", "row group 3").
func fileError(name, where string, err error) *records.FileError {
	return &records.FileError{File: name, Where: where, Err: classify(err)}
}

// panicError turns a recovered panic from the decoder into an error. Only
// runtime errors (bounds, nil dereference) keep their text: other panic
// values could carry decoded bytes, which must not reach error messages.
func panicError(p any) error {
	if re, ok := p.(runtime.Error); ok {
		return fmt.Errorf("%w: decoder panic: %s", records.ErrCorrupt, re.Error())
	}
	return fmt.Errorf("%w: decoder panic (%T)", records.ErrCorrupt, p)
}

func rowGroupWhere(g int) string { return fmt.Sprintf("row group %d", g) }
