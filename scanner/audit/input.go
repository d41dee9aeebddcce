package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// Finding is the part of one findings row (DESIGN §5) that the report
// aggregates. It deliberately has no field for the raw matched value: a
// findings file written with --show-values is read without its value
// column, so raw values never reach the renderer. Columns the page does not
// use (offsets, hashes, clusters, details) are not read either.
type Finding struct {
	File       string  `parquet:"file" json:"file"`
	Row        int64   `parquet:"row" json:"row"`
	Kind       string  `parquet:"kind" json:"kind"`
	Detector   string  `parquet:"detector" json:"detector"`
	Confidence float64 `parquet:"confidence" json:"confidence"`
	Action     string  `parquet:"action" json:"action"`
}

// ErrNoFindings is returned (wrapped) by ReadFindings' iterator when outDir
// holds neither findings.parquet nor findings.jsonl. Render treats it as
// "no per-finding breakdown" rather than as a failure.
var ErrNoFindings = errors.New("no findings file")

// Names of the files Render reads inside an output directory.
const (
	ReportFile          = "report.json"
	FindingsParquetFile = "findings.parquet"
	FindingsJSONLFile   = "findings.jsonl"
)

// ReadFindings returns an iterator over the findings file of a winnow output
// directory: findings.parquet if present, else findings.jsonl. Each yielded
// Finding is a fresh value owned by the caller. The file is opened when
// iteration starts and closed when it ends; an error (including a wrapped
// ErrNoFindings) is yielded once as the last pair. The iterator may be
// ranged over more than once; it is not safe for concurrent iteration.
func ReadFindings(outDir string) iter.Seq2[Finding, error] {
	return func(yield func(Finding, error) bool) {
		pq := filepath.Join(outDir, FindingsParquetFile)
		if f, err := os.Open(pq); err == nil {
			defer f.Close()
			readParquetFindings(f, pq, yield)
			return
		} else if !errors.Is(err, fs.ErrNotExist) {
			yield(Finding{}, fmt.Errorf("audit: %w", err))
			return
		}
		jl := filepath.Join(outDir, FindingsJSONLFile)
		f, err := os.Open(jl)
		if errors.Is(err, fs.ErrNotExist) {
			yield(Finding{}, fmt.Errorf("audit: %s: %w", outDir, ErrNoFindings))
			return
		}
		if err != nil {
			yield(Finding{}, fmt.Errorf("audit: %w", err))
			return
		}
		defer f.Close()
		for fd, err := range JSONLFindings(f) {
			if err != nil {
				err = fmt.Errorf("audit: %s: %w", jl, err)
			}
			if !yield(fd, err) || err != nil {
				return
			}
		}
	}
}

// JSONLFindings returns an iterator over findings rows in JSON Lines form
// read from r. Unknown fields, including "value", are discarded while
// decoding. Blank lines are skipped. A malformed line ends the iteration
// with an error naming its 1-based line number (never its content).
// r is read only while iterating; the caller keeps ownership of it.
func JSONLFindings(r io.Reader) iter.Seq2[Finding, error] {
	return func(yield func(Finding, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
		line := 0
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var fd Finding
			if err := json.Unmarshal(b, &fd); err != nil {
				yield(Finding{}, fmt.Errorf("line %d: %w", line, scrubJSONError(err)))
				return
			}
			if !yield(fd, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(Finding{}, fmt.Errorf("line %d: %w", line+1, err))
		}
	}
}

// scrubJSONError drops the offending text from JSON errors, which can quote
// input values, keeping only what kind of problem it was.
func scrubJSONError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %q: want %s", te.Field, te.Type)
	}
	return errors.New("invalid JSON")
}

func readParquetFindings(f *os.File, name string, yield func(Finding, error) bool) {
	st, err := f.Stat()
	if err != nil {
		yield(Finding{}, fmt.Errorf("audit: %w", err))
		return
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		yield(Finding{}, fmt.Errorf("audit: %s: %w", name, err))
		return
	}
	r, err := newParquetReader(pf)
	if err != nil {
		yield(Finding{}, fmt.Errorf("audit: %s: %w", name, err))
		return
	}
	defer r.Close()
	buf := make([]Finding, 256)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			if !yield(buf[i], nil) {
				return
			}
			buf[i] = Finding{}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			yield(Finding{}, fmt.Errorf("audit: %s: %w", name, err))
			return
		}
	}
}

// newParquetReader builds a reader projecting the file onto Finding's
// columns; parquet-go panics on a schema it cannot convert, which is turned
// into an error here.
func newParquetReader(pf *parquet.File) (r *parquet.GenericReader[Finding], err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("unsupported findings schema: %v", p)
		}
	}()
	return parquet.NewGenericReader[Finding](pf), nil
}
