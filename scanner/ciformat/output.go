package ciformat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/detectors"
)

// Names of the files this package reads in an output directory (DESIGN §5).
const (
	ReportFile          = "report.json"
	FindingsJSONLFile   = "findings.jsonl"
	FindingsParquetFile = "findings.parquet"
)

// ErrNoFindingsFile is returned when an output directory reports findings
// but holds neither findings.jsonl nor findings.parquet.
var ErrNoFindingsFile = errors.New("no findings file (findings.jsonl or findings.parquet)")

// ErrAmbiguousFindings is returned when an output directory holds both
// findings.jsonl and findings.parquet and Options.FindingsFile does not
// say which to read. winnow removes the other format's file on each run,
// so both present means the directory was assembled by hand.
var ErrAmbiguousFindings = errors.New("both findings.jsonl and findings.parquet present; set the findings file explicitly")

// Report mirrors the parts of report.json that the CI formats use. Unknown
// keys are ignored, so newer reports still load.
type Report struct {
	Tool           ToolInfo          `json:"tool"`
	Mode           string            `json:"mode"`
	Totals         Totals            `json:"totals"`
	Files          []FileReport      `json:"files"`
	FindingsByKind map[string]int64  `json:"findings_by_kind"`
	RecordsByKind  map[string]int64  `json:"records_by_kind"`
	SeverityByKind map[string]string `json:"severity_by_kind"`
}

// ToolInfo names the tool that wrote a report.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Totals are the run's conservation counts.
type Totals struct {
	Files     int   `json:"files"`
	RecordsIn int64 `json:"records_in"`
	Kept      int64 `json:"kept"`
	Redacted  int64 `json:"redacted"`
	Dropped   int64 `json:"dropped"`
	Findings  int64 `json:"findings"`
}

// FileReport is one input file's line in report.json.
type FileReport struct {
	File      string `json:"file"`
	Format    string `json:"format"` // jsonl, parquet or arrow
	RecordsIn int64  `json:"records_in"`
	Kept      int64  `json:"kept"`
	Redacted  int64  `json:"redacted"`
	Dropped   int64  `json:"dropped"`
	Findings  int64  `json:"findings"`
}

// Finding mirrors one row of findings.jsonl / findings.parquet (DESIGN §5).
// Value is read so that a file written with --show-values loads, but no
// writer in this package ever outputs it.
type Finding struct {
	File       string   `parquet:"file,dict" json:"file"`
	Row        int64    `parquet:"row" json:"row"`
	Field      string   `parquet:"field,dict" json:"field"`
	Start      int64    `parquet:"start" json:"start"`
	End        int64    `parquet:"end" json:"end"`
	Kind       string   `parquet:"kind,dict" json:"kind"`
	Detector   string   `parquet:"detector,dict" json:"detector"`
	Confidence float64  `parquet:"confidence" json:"confidence"`
	Action     string   `parquet:"action,dict" json:"action"`
	ValueHash  string   `parquet:"value_hash" json:"value_hash"`
	Cluster    *string  `parquet:"cluster,optional" json:"cluster,omitempty"`
	KeptFile   *string  `parquet:"kept_file,optional" json:"kept_file,omitempty"`
	KeptRow    *int64   `parquet:"kept_row,optional" json:"kept_row,omitempty"`
	Similarity *float64 `parquet:"similarity,optional" json:"similarity,omitempty"`
	Detail     *string  `parquet:"detail,optional" json:"detail,omitempty"`
	Value      *string  `parquet:"value,optional" json:"value,omitempty"`
	// Line is the 1-based line of a JSONL record, if the findings file has
	// it (not yet part of the DESIGN §5 contract). Without it, reports use
	// row+1, which is off when the file has blank lines.
	Line *int64 `parquet:"line,optional" json:"line,omitempty"`
}

// line returns the JSONL line of a finding: Line when known, else row+1.
func (f *Finding) line() int64 {
	if f.Line != nil && *f.Line > 0 {
		return *f.Line
	}
	return f.Row + 1
}

// ReadReport reads and decodes outDir/report.json. The returned Report is
// the caller's. Safe for concurrent use.
func ReadReport(outDir string) (*Report, error) {
	p := filepath.Join(outDir, ReportFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &r, nil
}

// FindingsPath returns the findings file to read in outDir: override when
// non-empty (relative paths are taken inside outDir), else whichever of
// findings.jsonl and findings.parquet exists. It returns "" with a nil
// error when neither exists (the caller decides whether that is an error),
// and ErrAmbiguousFindings when both do. Safe for concurrent use.
func FindingsPath(outDir, override string) (string, error) {
	if override != "" {
		if !filepath.IsAbs(override) {
			override = filepath.Join(outDir, override)
		}
		return override, nil
	}
	var found []string
	for _, name := range []string{FindingsJSONLFile, FindingsParquetFile} {
		p := filepath.Join(outDir, name)
		if _, err := os.Stat(p); err == nil {
			found = append(found, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%s: %w", outDir, ErrAmbiguousFindings)
}

// ReadFindings calls fn for every row of the findings file at p, in file
// order. Files ending in .parquet are read with parquet-go, others as JSON
// lines. The *Finding passed to fn is reused for the next row: fn must copy
// what it keeps. An error from fn stops the read and is returned as is.
// Malformed files give positioned errors, never panics. Safe for
// concurrent use (each call opens the file itself).
func ReadFindings(p string, fn func(*Finding) error) error {
	if strings.HasSuffix(p, ".parquet") {
		return readParquetFindings(p, fn)
	}
	return readJSONLFindings(p, fn)
}

func readJSONLFindings(p string, fn func(*Finding) error) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var row Finding
	for n := 0; ; n++ {
		row = Finding{}
		if err := dec.Decode(&row); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("%s: finding %d (byte %d): %w", p, n, dec.InputOffset(), err)
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
}

func readParquetFindings(p string, fn func(*Finding) error) (err error) {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	// parquet-go panics on some schema mismatches; a malformed findings
	// file must give an error, not crash the CLI.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: cannot read findings: %v", p, r)
		}
	}()
	rd := parquet.NewGenericReader[Finding](pf)
	defer rd.Close()
	buf := make([]Finding, 256)
	seen := 0
	for {
		clear(buf)
		n, rerr := rd.Read(buf)
		for i := 0; i < n; i++ {
			if err := fn(&buf[i]); err != nil {
				return err
			}
		}
		seen += n
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("%s: after %d findings: %w", p, seen, rerr)
		}
	}
}

// Options configure the writers. The zero Options are valid. The writers
// only read Options (and the slices in it), so one value may be shared by
// concurrent calls.
type Options struct {
	// Policy marks which findings fail the scan. JUnit test cases fail for
	// the kinds of failed clauses, and the GitHub output starts with one
	// error per failed clause. The zero Policy fails nothing.
	Policy Policy
	// Kinds optionally describes finding kinds (the detector catalogue):
	// descriptions become SARIF rule text, and severities here override
	// report.json's severity_by_kind. Kinds missing everywhere are low.
	Kinds []detectors.Kind
	// FindingsFile overrides which findings file is read (relative to the
	// output directory unless absolute). Default: the one that exists.
	FindingsFile string
	// MaxAnnotations caps the GitHub annotations written for findings
	// (policy failures and the summary line are extra). 0 means
	// DefaultMaxAnnotations; a negative value means no cap.
	MaxAnnotations int
	// MaxFailureRows caps the positions listed in one JUnit failure.
	// 0 means DefaultMaxFailureRows; a negative value means no cap.
	MaxFailureRows int
	// MaxResults caps the results in a SARIF log. 0 means
	// DefaultMaxSARIFResults; a negative value means no cap.
	MaxResults int
}

// Defaults for Options.
const (
	// DefaultMaxAnnotations matches GitHub's own display limit of 50
	// annotations per job; more would be dropped silently by GitHub.
	DefaultMaxAnnotations = 50
	// DefaultMaxFailureRows keeps JUnit failure bodies readable.
	DefaultMaxFailureRows = 20
	// DefaultMaxSARIFResults is GitHub code scanning's hard limit of
	// results per run: a log with more is rejected.
	DefaultMaxSARIFResults = 25000
)

// kindInfo is what the formats know about one kind.
type kindInfo struct {
	desc string
	sev  detectors.Severity
}

// run is one output directory loaded for writing: its report, its
// findings file and the kind metadata.
type run struct {
	rep      *Report
	findings string // "" when there is none and the report has no findings
	kinds    map[string]kindInfo
	fileIdx  map[string]int // report file order; unknown files sort after
	opt      Options
}

func load(outDir string, opt Options) (*run, error) {
	rep, err := ReadReport(outDir)
	if err != nil {
		return nil, err
	}
	fp, err := FindingsPath(outDir, opt.FindingsFile)
	if err != nil {
		return nil, err
	}
	if fp == "" && rep.Totals.Findings > 0 {
		return nil, fmt.Errorf("%s: report.json counts %d findings: %w", outDir, rep.Totals.Findings, ErrNoFindingsFile)
	}
	r := &run{rep: rep, findings: fp, kinds: map[string]kindInfo{}, fileIdx: map[string]int{}, opt: opt}
	for k, s := range rep.SeverityByKind {
		sev, err := detectors.ParseSeverity(s)
		if err != nil {
			sev = detectors.SeverityLow
		}
		r.kinds[k] = kindInfo{sev: sev}
	}
	for _, k := range opt.Kinds {
		r.kinds[k.Name] = kindInfo{desc: k.Description, sev: k.Severity}
	}
	for i, f := range rep.Files {
		if _, dup := r.fileIdx[f.File]; !dup {
			r.fileIdx[f.File] = i
		}
	}
	return r, nil
}

// each streams the findings; fn must not keep the pointer.
func (r *run) each(fn func(*Finding) error) error {
	if r.findings == "" {
		return nil
	}
	return ReadFindings(r.findings, fn)
}

func (r *run) kind(k string) kindInfo {
	ki, ok := r.kinds[k]
	if !ok {
		ki.sev = detectors.SeverityLow
	}
	if ki.desc == "" {
		ki.desc = familyDescription(k)
	}
	return ki
}

// familyDescription is the fallback rule text for a kind the caller did
// not describe: generic per family, so it never contradicts the catalogue.
func familyDescription(kind string) string {
	fam, _, _ := strings.Cut(kind, ".")
	switch fam {
	case "pii":
		return "Personal data (" + kind + ") in a dataset record"
	case "secret":
		return "Credential or secret (" + kind + ") in a dataset record"
	case "poison":
		return "Possible data-poisoning signal (" + kind + ") in a dataset record"
	case "dup":
		return "Duplicate record (" + kind + ")"
	case "input":
		return "Input problem (" + kind + ")"
	}
	return "winnow finding of kind " + kind
}

// ruleKinds returns the kinds that have findings, sorted: from report.json,
// plus any the findings file adds (collected by the caller).
func (r *run) ruleKinds(extra map[string]bool) []string {
	set := map[string]bool{}
	for k, n := range r.rep.FindingsByKind {
		if n > 0 {
			set[k] = true
		}
	}
	for k := range extra {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fileFormat says how a finding's file is addressed: "jsonl" (by line) or
// another format (by row). report.json's format wins; else the extension.
func (r *run) fileFormat(file string) string {
	if i, ok := r.fileIdx[file]; ok && r.rep.Files[i].Format != "" {
		return r.rep.Files[i].Format
	}
	base := strings.ToLower(path.Base(filepath.ToSlash(file)))
	for _, ext := range []string{".gz", ".zst", ".zstd"} {
		base = strings.TrimSuffix(base, ext)
	}
	switch path.Ext(base) {
	case ".jsonl", ".json", ".ndjson":
		return "jsonl"
	case ".parquet":
		return "parquet"
	case ".arrow", ".feather", ".ipc":
		return "arrow"
	}
	return ""
}

// Counts returns the policy counts of a report: records in, findings and
// records per kind, and severities (unknown severity names count as low).
// RecordsMatching is left empty; see LoadCounts. The returned Counts share
// the report's maps: do not modify one while the other is in use.
func (r *Report) Counts() Counts {
	c := Counts{
		RecordsIn:      r.Totals.RecordsIn,
		FindingsByKind: r.FindingsByKind,
		RecordsByKind:  r.RecordsByKind,
		Severity:       map[string]detectors.Severity{},
	}
	for k, s := range r.SeverityByKind {
		sev, err := detectors.ParseSeverity(s)
		if err != nil {
			sev = detectors.SeverityLow
		}
		c.Severity[k] = sev
	}
	return c
}

// LoadCounts reads outDir's report.json and returns the counts p is
// evaluated against. When a percent clause's glob matches more than one
// kind with findings, it also reads the findings file once to count, for
// that glob, the distinct records having any matching finding (winnow
// writes each file's findings in record order, which this relies on).
// kinds, when non-nil, overrides severities as in Options.Kinds. The
// returned Counts are the caller's. Safe for concurrent use.
func LoadCounts(outDir string, p Policy, kinds []detectors.Kind) (Counts, error) {
	r, err := load(outDir, Options{Kinds: kinds})
	if err != nil {
		return Counts{}, err
	}
	c := r.rep.Counts()
	for _, k := range kinds {
		c.Severity[k.Name] = k.Severity
	}
	var globs []string
	for _, cl := range p.Clauses {
		if cl.Op != OpPercent || slices.Contains(globs, cl.Kind) {
			continue
		}
		n := 0
		for k, v := range c.FindingsByKind {
			if v > 0 && cl.Matches(k, 0) {
				n++
			}
		}
		if n > 1 {
			globs = append(globs, cl.Kind)
		}
	}
	if len(globs) == 0 {
		return c, nil
	}
	type last struct {
		file string
		row  int64
		ok   bool
	}
	seen := make([]last, len(globs))
	counts := make([]int64, len(globs))
	err = r.each(func(f *Finding) error {
		for i, g := range globs {
			if ok, _ := path.Match(g, f.Kind); !ok {
				continue
			}
			if s := seen[i]; s.ok && s.row == f.Row && s.file == f.File {
				continue
			}
			seen[i] = last{f.File, f.Row, true}
			counts[i]++
		}
		return nil
	})
	if err != nil {
		return Counts{}, err
	}
	c.RecordsMatching = map[string]int64{}
	for i, g := range globs {
		c.RecordsMatching[g] = counts[i]
	}
	return c, nil
}

// EvaluateOutput evaluates p against the output directory outDir: it is
// LoadCounts followed by Policy.Evaluate, and returns nil for the zero
// Policy without reading anything. kinds may be nil. Safe for concurrent
// use.
func EvaluateOutput(outDir string, p Policy, kinds []detectors.Kind) ([]Failure, error) {
	if p.IsZero() {
		return nil, nil
	}
	c, err := LoadCounts(outDir, p, kinds)
	if err != nil {
		return nil, err
	}
	return p.Evaluate(c), nil
}
