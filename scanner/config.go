package scanner

import (
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/scanner/ciformat"
	"github.com/winnow-data/winnow/scanner/records"
)

// Mode selects what a run writes.
type Mode int

// Run modes.
const (
	// ModeScan audits: findings and report, no dataset.
	ModeScan Mode = iota
	// ModeClean audits and writes the cleaned dataset and the quarantine.
	ModeClean
)

// String returns "scan" or "clean".
func (m Mode) String() string {
	if m == ModeClean {
		return "clean"
	}
	return "scan"
}

// Config is everything a run needs. Build it with the CLI or by hand, then
// call Validate (Run does). Defaults are noted on each field.
type Config struct {
	Mode Mode
	// Inputs are files, directories and globs (required).
	Inputs []string
	// Out is the output directory. Default "winnow-out". An object-store
	// URL (s3://bucket/prefix, gs://, azblob://, file://) is written through
	// a local directory under Scratch and uploaded when the run commits.
	Out string
	// Scratch is local scratch space for an object-store Out. Default
	// os.TempDir().
	Scratch string
	// Fields narrows the scanned fields (DESIGN §3). Default: all strings.
	Fields []string
	// Workers is the number of detection workers. Default GOMAXPROCS.
	Workers int
	// Kinds keeps only findings whose kind matches one of these globs, and
	// only runs detectors that can report them. Default: all.
	Kinds []string
	// FindingsFormat is "parquet" (default) or "jsonl".
	FindingsFormat string
	// ShowValues writes raw matched values into findings. Default false.
	ShowValues bool
	// OnError is "fail" (default) or "skip": what a file-level read error
	// does. With skip the file is left out and listed in the report.
	OnError string
	// Policy maps kinds to actions. Default DefaultPolicy().
	Policy *Policy
	// Key keys value hashes and the hash/fake operators. Required; the CLI
	// supplies a documented, non-secret default when none is given.
	Key []byte
	// Registry holds the per-record detectors (required).
	Registry *detectors.Registry
	// Corpus returns fresh corpus-level detectors for one run; nil for none.
	Corpus func() []detectors.CorpusDetector
	// Since scans only files changed since a git revision (and untracked
	// files) in the repository of the working directory.
	Since string
	// SinceManifest scans only files whose digest differs from (or that are
	// missing in) an earlier run's manifest.
	SinceManifest string
	// Baseline suppresses accepted findings (see WriteBaseline).
	Baseline *Baseline
	// Pin is an earlier run's manifest: inputs whose digest differs from the
	// pinned one make the run fail (split-view defense), or, with
	// PinReportOnly, are listed as warnings in the report.
	Pin           string
	PinReportOnly bool
	// Provenance carries what the manifest records beyond this config.
	Provenance ProvenanceConfig
	// SplitView configures split-view poisoning detection (--url-field,
	// --url-history).
	SplitView SplitViewConfig
	// Dedupe configures duplicate detection; enabled by default.
	Dedupe DedupeConfig
	// Fake produces format-preserving surrogates for the fake operator; nil
	// falls back to the hash operator.
	Fake func(dst []byte, kind string, value, key []byte) []byte
	// Read tunes the readers (batch size, record size limit).
	Read records.ReadOptions
	// InFlight is the number of batches in memory at once. Default
	// 2*Workers+2. Peak memory is about InFlight × (Read.BatchBytes +
	// longest record) plus per-file findings.
	InFlight int
	// Reports lists extra report formats to write into OUT: "sarif"
	// (report.sarif), "junit" (report.junit.xml); "github" is printed by
	// the CLI. ReportOptions configures them (policy, kind catalogue).
	Reports       []string
	ReportOptions ciformat.Options
	// HTML writes OUT/report.html in scan mode too (clean always does).
	HTML bool
	// Progress receives progress lines or a bar; nil disables progress.
	Progress io.Writer
	// ProgressBar draws a terminal bar instead of periodic lines.
	ProgressBar bool
	// Log receives warnings; nil discards them.
	Log io.Writer
	// ToolVersion goes into the report.
	ToolVersion string
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Out == "" {
		c.Out = "winnow-out"
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.FindingsFormat == "" {
		c.FindingsFormat = "parquet"
	}
	if c.OnError == "" {
		c.OnError = "fail"
	}
	if c.Policy == nil {
		p := DefaultPolicy()
		c.Policy = &p
	}
	if c.InFlight <= 0 {
		c.InFlight = 2*c.Workers + 2
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.ToolVersion == "" {
		c.ToolVersion = "dev"
	}
	c.Read = c.Read.WithDefaults()
	return c
}

// Validate reports every problem in c at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if len(c.Inputs) == 0 {
		errs = append(errs, errors.New("no inputs"))
	}
	if c.Registry == nil {
		errs = append(errs, errors.New("no detector registry"))
	}
	if len(c.Key) == 0 {
		errs = append(errs, errors.New("empty HMAC key"))
	}
	switch c.FindingsFormat {
	case "parquet", "jsonl":
	default:
		errs = append(errs, fmt.Errorf("--findings-format %q: want parquet or jsonl", c.FindingsFormat))
	}
	switch c.OnError {
	case "fail", "skip":
	default:
		errs = append(errs, fmt.Errorf("--on-error %q: want fail or skip", c.OnError))
	}
	if c.Workers > 4096 {
		errs = append(errs, fmt.Errorf("--workers %d: too many", c.Workers))
	}
	if err := c.Policy.Validate(); err != nil {
		errs = append(errs, err)
	}
	if _, err := records.NewFieldFilter(c.Fields); err != nil {
		errs = append(errs, err)
	}
	for _, k := range c.Kinds {
		if !validGlob(k) {
			errs = append(errs, fmt.Errorf("--kinds: bad glob %q", k))
		}
	}
	return errors.Join(errs...)
}
