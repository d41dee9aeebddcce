package provenance

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Decisions recorded in LedgerRow.Decision.
const (
	DecisionKept     = "kept"
	DecisionRedacted = "redacted"
	DecisionDropped  = "dropped"
)

// LedgerRow is one row of ledger.parquet: what happened to one input record.
// It never holds a raw value.
type LedgerRow struct {
	// File is the input path as given (the same string as report.json's
	// files[].file and findings' file).
	File string `parquet:"file,dict" json:"file"`
	// Row is the record's 0-based index within File.
	Row int64 `parquet:"row" json:"row"`
	// RecordHash is the lowercase hex sha256 of the record's bytes as the
	// engine read them (RecordHash).
	RecordHash string `parquet:"record_hash" json:"record_hash"`
	// Decision is DecisionKept, DecisionRedacted or DecisionDropped.
	Decision string `parquet:"decision,dict" json:"decision"`
	// Reasons are the distinct kinds of the record's findings, sorted
	// (including findings whose action is only "report"). A redacted or
	// dropped record has at least one.
	Reasons []string `parquet:"reasons,list" json:"reasons"`
	// Detectors are the "id@version" of the detectors that reported the
	// findings, sorted and distinct.
	Detectors []string `parquet:"detectors,list" json:"detectors"`
	// OutputFile is where the record went, relative to OUT with forward
	// slashes ("data/web/a.jsonl", "quarantine/web/a.jsonl"); empty in scan
	// mode or when a dropped record was not quarantined.
	OutputFile string `parquet:"output_file,dict" json:"output_file"`
	// OutputRow is the record's 0-based row within OutputFile, or -1.
	OutputRow int64 `parquet:"output_row" json:"output_row"`
}

// LedgerFields describes the ledger's columns for croissant.json.
// The returned slice is new on each call.
func LedgerFields() []Field {
	return []Field{
		{Name: "file", Type: TypeText, Description: "input path as given"},
		{Name: "row", Type: TypeInteger, Description: "0-based record index within the input file"},
		{Name: "record_hash", Type: TypeText, Description: "hex sha256 of the input record"},
		{Name: "decision", Type: TypeText, Description: "kept, redacted or dropped"},
		{Name: "reasons", Type: TypeText, IsArray: true, Description: "sorted finding kinds"},
		{Name: "detectors", Type: TypeText, IsArray: true, Description: "id@version of the reporting detectors"},
		{Name: "output_file", Type: TypeText, Description: "output file relative to the output directory, or empty"},
		{Name: "output_row", Type: TypeInteger, Description: "row within output_file, or -1"},
	}
}

const (
	// ledgerChunk is the number of rows handed to the parquet writer at a
	// time, and ledgerGroup the rows per row group. Both are fixed so that
	// the file's bytes depend only on the sequence of rows, not on how the
	// caller batched its Write calls.
	ledgerChunk = 4096
	ledgerGroup = 64 * ledgerChunk
)

// LedgerWriter writes ledger.parquet: zstd-compressed, with no timestamps,
// rows in the order written. The bytes depend only on the sequence of rows
// written, not on how they were split across Write calls.
//
// A LedgerWriter is not safe for concurrent use.
type LedgerWriter struct {
	pw      *parquet.GenericWriter[LedgerRow]
	pending []LedgerRow
	arena   []string // owns the Reasons/Detectors strings of pending rows
	inGroup int
	rows    int64
	err     error
}

// NewLedgerWriter returns a LedgerWriter that writes to w. The writer does
// not close w.
func NewLedgerWriter(w io.Writer) *LedgerWriter {
	pw := parquet.NewGenericWriter[LedgerRow](w,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.MaxRowsPerRowGroup(ledgerGroup),
		parquet.CreatedBy("winnow", "", ""),
		parquet.KeyValueMetadata("winnow.ledger", "1"),
	)
	return &LedgerWriter{pw: pw, pending: make([]LedgerRow, 0, ledgerChunk)}
}

// Write appends rows to the ledger. It copies what it keeps: the caller may
// reuse rows and their slices as soon as Write returns. Rows are validated
// (decision, hash format, output row); the first invalid row fails the call
// and the writer.
func (lw *LedgerWriter) Write(rows []LedgerRow) error {
	if lw.err != nil {
		return lw.err
	}
	for i := range rows {
		if err := checkLedgerRow(&rows[i]); err != nil {
			lw.err = fmt.Errorf("ledger row %d: %w", lw.rows+int64(i), err)
			return lw.err
		}
	}
	for i := range rows {
		r := rows[i]
		r.Reasons = lw.keep(r.Reasons)
		r.Detectors = lw.keep(r.Detectors)
		lw.pending = append(lw.pending, r)
		if len(lw.pending) == ledgerChunk {
			if err := lw.flushPending(); err != nil {
				return err
			}
		}
	}
	lw.rows += int64(len(rows))
	return nil
}

// keep copies s into the arena so pending rows do not alias caller memory.
func (lw *LedgerWriter) keep(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	start := len(lw.arena)
	lw.arena = append(lw.arena, s...)
	return lw.arena[start:len(lw.arena):len(lw.arena)]
}

func (lw *LedgerWriter) flushPending() error {
	if len(lw.pending) == 0 {
		return nil
	}
	if _, err := lw.pw.Write(lw.pending); err != nil {
		lw.err = fmt.Errorf("writing %s: %w", LedgerName, err)
		return lw.err
	}
	lw.inGroup += len(lw.pending)
	clear(lw.pending)
	lw.pending = lw.pending[:0]
	clear(lw.arena)
	lw.arena = lw.arena[:0]
	if lw.inGroup >= ledgerGroup {
		if err := lw.pw.Flush(); err != nil {
			lw.err = fmt.Errorf("writing %s: %w", LedgerName, err)
			return lw.err
		}
		lw.inGroup = 0
	}
	return nil
}

// Rows returns the number of rows accepted so far.
func (lw *LedgerWriter) Rows() int64 { return lw.rows }

// Close writes the remaining rows and the footer. It does not close the
// underlying writer. Close after an error returns that error.
func (lw *LedgerWriter) Close() error {
	if lw.err != nil {
		return lw.err
	}
	if err := lw.flushPending(); err != nil {
		return err
	}
	if err := lw.pw.Close(); err != nil {
		lw.err = fmt.Errorf("writing %s: %w", LedgerName, err)
		return lw.err
	}
	lw.err = errors.New("ledger writer is closed")
	return nil
}

// ErrBadLedgerRow marks a ledger row that breaks the ledger's rules.
var ErrBadLedgerRow = errors.New("invalid ledger row")

func checkLedgerRow(r *LedgerRow) error {
	switch r.Decision {
	case DecisionKept, DecisionRedacted, DecisionDropped:
	default:
		return fmt.Errorf("%w: decision %q", ErrBadLedgerRow, r.Decision)
	}
	if r.Row < 0 {
		return fmt.Errorf("%w: negative row", ErrBadLedgerRow)
	}
	if !validHex(r.RecordHash) {
		return fmt.Errorf("%w: record_hash is not a hex sha256", ErrBadLedgerRow)
	}
	if (r.OutputFile == "") != (r.OutputRow == -1) || r.OutputRow < -1 {
		return fmt.Errorf("%w: output_file %q with output_row %d", ErrBadLedgerRow, r.OutputFile, r.OutputRow)
	}
	if !sortedUnique(r.Reasons) {
		return fmt.Errorf("%w: reasons not sorted and distinct", ErrBadLedgerRow)
	}
	if !sortedUnique(r.Detectors) {
		return fmt.Errorf("%w: detectors not sorted and distinct", ErrBadLedgerRow)
	}
	if r.Decision != DecisionKept && len(r.Reasons) == 0 {
		return fmt.Errorf("%w: %s record without a reason", ErrBadLedgerRow, r.Decision)
	}
	return nil
}

func sortedUnique(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// ErrNotLedger marks a file that is not a readable winnow ledger.
var ErrNotLedger = errors.New("not a winnow ledger")

// ReadLedger streams the rows of the ledger at path to fn, in file order.
// The row passed to fn is reused for the next call: fn must copy what it
// keeps. An error from fn stops the read and is returned as is. A damaged
// or foreign file gives an error wrapping ErrNotLedger.
func ReadLedger(path string, fn func(*LedgerRow) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := ReadLedgerFrom(f, st.Size(), fn); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ledgerColumns are the leaf columns a ledger must have.
var ledgerColumns = [...]string{"file", "row", "record_hash", "decision", "reasons", "detectors", "output_file", "output_row"}

// ReadLedgerFrom is ReadLedger over a ReaderAt of the given size. The
// ledger may be hostile: before decoding any page it checks every size that
// would drive an allocation (see openLedger), so a forged file costs at most
// a few hundred MiB, not the process.
func ReadLedgerFrom(r io.ReaderAt, size int64, fn func(*LedgerRow) error) (err error) {
	var fnErr error
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: decoder panic: %s", ErrNotLedger, panicText(p))
		}
	}()
	pf, err := openLedger(r, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotLedger, err)
	}
	root := pf.Schema()
	for _, name := range ledgerColumns {
		if _, ok := root.Lookup(name); !ok {
			if _, ok := root.Lookup(name, "list", "element"); !ok {
				return fmt.Errorf("%w: no column %q", ErrNotLedger, name)
			}
		}
	}
	rd := parquet.NewGenericReader[LedgerRow](pf)
	defer rd.Close()
	buf := make([]LedgerRow, 256)
	for {
		n, rerr := rd.Read(buf)
		for i := 0; i < n; i++ {
			if fnErr = fn(&buf[i]); fnErr != nil {
				return fnErr
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("%w: %v", ErrNotLedger, rerr)
		}
		if n == 0 {
			return fmt.Errorf("%w: reader made no progress", ErrNotLedger)
		}
	}
}

// panicText keeps only runtime error text: other panic values could carry
// decoded bytes.
func panicText(p any) string {
	if re, ok := p.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("%T", p)
}
