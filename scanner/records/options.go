package records

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Source is one input file opened for reading. ReaderAt must be safe for
// concurrent use (as *os.File is); Size is its length in bytes.
type Source struct {
	// Name is the input path as the user gave it (or as listed from a
	// directory); it is used in errors and findings.
	Name string
	R    io.ReaderAt
	Size int64
}

// ReadOptions tune a Reader. The zero value is usable: defaults are filled in
// by WithDefaults.
type ReadOptions struct {
	// Fields selects the scanned fields; nil scans every string value.
	Fields *FieldFilter
	// BatchBytes is the target amount of decoded input per batch.
	// Default 4 MiB.
	BatchBytes int
	// BatchRows caps the records per batch. Default 8192.
	BatchRows int
	// MaxRecordBytes is the longest record (JSONL line) accepted. Default
	// 1 GiB. A longer record is a *FileError wrapping ErrRecordTooLarge.
	MaxRecordBytes int
}

// WithDefaults returns o with zero fields set to their defaults.
func (o ReadOptions) WithDefaults() ReadOptions {
	if o.BatchBytes <= 0 {
		o.BatchBytes = 4 << 20
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 8192
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = 1 << 30
	}
	return o
}

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrCorrupt marks input whose container structure is damaged: a
	// truncated Parquet footer, a bad page, a broken compressed stream.
	ErrCorrupt = errors.New("corrupt input")
	// ErrRecordTooLarge marks a record longer than ReadOptions.MaxRecordBytes.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrBadRecord marks one unparseable record (a malformed JSON line). It
	// is not fatal: the record is quarantined.
	ErrBadRecord = errors.New("bad record")
	// ErrUnknownFormat marks a file whose extension names no known format.
	ErrUnknownFormat = errors.New("unknown file format")
	// ErrNoFields marks a file with no scannable (string) field.
	ErrNoFields = errors.New("no scannable fields")
)

// FileError is a failure to read one input file, positioned as precisely as
// the format allows.
type FileError struct {
	File string
	// Where is a human position such as "line 17", "row group 3" or
	// "record batch 2"; empty for whole-file problems.
	Where string
	Err   error
}

// Error returns "file: where: err".
func (e *FileError) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.File, e.Where, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// RecordError describes one record that could not be parsed.
type RecordError struct {
	File   string
	Line   int64 // 1-based line for JSONL; 0 when not applicable
	Row    int64 // 0-based record index
	Offset int   // byte offset within the record, -1 if unknown
	Err    error
}

// Error returns "file:line: err" (or "file: row N: err").
func (e *RecordError) Error() string {
	pos := ""
	if e.Offset >= 0 {
		pos = fmt.Sprintf(" (byte %d)", e.Offset)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v%s", e.File, e.Line, e.Err, pos)
	}
	return fmt.Sprintf("%s: row %d: %v%s", e.File, e.Row, e.Err, pos)
}

// Unwrap returns the underlying error; RecordErrors also match ErrBadRecord.
func (e *RecordError) Unwrap() []error { return []error{e.Err, ErrBadRecord} }

// FieldFilter selects the fields to scan (the --fields flag). Patterns use
// the DESIGN §3 names: JSON paths for JSONL ("$.text",
// "$.messages[*].content") and column paths for Parquet and Arrow
// ("text", "meta.url"). A pattern also selects everything below it: "$.meta"
// selects "$.meta.url". "[*]" matches any array index. A pattern without a
// leading "$" is accepted for JSONL as "$." + pattern, and a leading "$." is
// ignored for columns.
//
// A FieldFilter is immutable and safe for concurrent use.
type FieldFilter struct {
	json []string // normalized JSON path patterns
	cols []string // column path patterns
}

// NewFieldFilter parses patterns; nil or empty patterns give a nil filter,
// which selects everything.
func NewFieldFilter(patterns []string) (*FieldFilter, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	f := &FieldFilter{}
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		jp := p
		if !strings.HasPrefix(jp, "$") {
			jp = "$." + jp
		}
		if strings.Count(jp, "[") != strings.Count(jp, "]") {
			return nil, fmt.Errorf("--fields: unbalanced brackets in %q", p)
		}
		f.json = append(f.json, jp)
		f.cols = append(f.cols, strings.TrimPrefix(strings.TrimPrefix(p, "$."), "$"))
	}
	if len(f.json) == 0 {
		return nil, nil
	}
	return f, nil
}

// MatchJSONPath reports whether the JSON path of a string leaf (e.g.
// "$.messages[2].content") is selected. A nil filter selects every path.
func (f *FieldFilter) MatchJSONPath(path []byte) bool {
	if f == nil {
		return true
	}
	for _, p := range f.json {
		if matchPath(p, path, '[') {
			return true
		}
	}
	return false
}

// MatchColumn reports whether a column path (e.g. "meta.url") is selected.
// A nil filter selects every column.
func (f *FieldFilter) MatchColumn(path []byte) bool {
	if f == nil {
		return true
	}
	for _, p := range f.cols {
		if matchPath(p, path, 0) {
			return true
		}
	}
	return false
}

// matchPath matches pattern against path where "[*]" in the pattern matches
// any "[digits]" in the path, and a pattern that ends at a component boundary
// of path matches (prefix selection).
func matchPath(pat string, path []byte, _ byte) bool {
	i, j := 0, 0
	for i < len(pat) {
		if strings.HasPrefix(pat[i:], "[*]") {
			if j >= len(path) || path[j] != '[' {
				return false
			}
			k := j + 1
			for k < len(path) && path[k] >= '0' && path[k] <= '9' {
				k++
			}
			if k == j+1 || k >= len(path) || path[k] != ']' {
				return false
			}
			i += 3
			j = k + 1
			continue
		}
		if j >= len(path) || pat[i] != path[j] {
			return false
		}
		i++
		j++
	}
	return j == len(path) || path[j] == '.' || path[j] == '['
}
