package provenance

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrVerifyFailed is wrapped by the error Verify returns when it found at
// least one problem. Any other error means the verification could not run.
var ErrVerifyFailed = errors.New("verification failed")

// ProblemKind classifies a verification problem.
type ProblemKind string

// Problem kinds.
const (
	// ProblemChanged: an output file's sha256 differs from its manifest subject.
	ProblemChanged ProblemKind = "changed"
	// ProblemMissing: a manifest subject (or the manifest) is absent.
	ProblemMissing ProblemKind = "missing"
	// ProblemExtra: a file under DIR is not a manifest subject.
	ProblemExtra ProblemKind = "extra"
	// ProblemCroissant: croissant.json disagrees with the files or omits one.
	ProblemCroissant ProblemKind = "croissant"
	// ProblemCounts: the ledger does not reproduce report.json's counts, or
	// the manifest's record_counts byproduct does not match the report.
	ProblemCounts ProblemKind = "counts"
	// ProblemLedger: ledger.parquet is unreadable or a row breaks its rules.
	ProblemLedger ProblemKind = "ledger"
	// ProblemReport: report.json cannot be read.
	ProblemReport ProblemKind = "report"
	// ProblemManifest: the manifest cannot be parsed or is inconsistent.
	ProblemManifest ProblemKind = "manifest"
	// ProblemSignature: the DSSE envelope is missing, invalid, or does not
	// carry the manifest.
	ProblemSignature ProblemKind = "signature"
	// ProblemInputChanged and ProblemInputMissing: with VerifyOptions.Inputs,
	// an input's sha256 differs from the manifest, or it cannot be read.
	ProblemInputChanged ProblemKind = "input-changed"
	ProblemInputMissing ProblemKind = "input-missing"
)

// Problem is one verification failure. It names the file (relative to DIR
// with forward slashes, or an input path as recorded) and, where it applies,
// the expected and actual sha256 or count. It never holds record values.
type Problem struct {
	Kind     ProblemKind
	File     string
	Expected string
	Actual   string
	Detail   string
}

// String renders the problem on one line, e.g.
// "data/web/a.jsonl: changed: manifest sha256 ab12…, actual cd34…".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	b.WriteString(": ")
	b.WriteString(string(p.Kind))
	if p.Detail != "" {
		b.WriteString(": ")
		b.WriteString(p.Detail)
	}
	switch {
	case p.Expected != "" && p.Actual != "":
		fmt.Fprintf(&b, " (expected %s, actual %s)", p.Expected, p.Actual)
	case p.Expected != "":
		fmt.Fprintf(&b, " (expected %s)", p.Expected)
	case p.Actual != "":
		fmt.Fprintf(&b, " (actual %s)", p.Actual)
	}
	return b.String()
}

// VerifyOptions selects the optional checks of Verify.
type VerifyOptions struct {
	// Inputs re-hashes the inputs recorded in the manifest's
	// resolvedDependencies and reports any that changed or cannot be read.
	Inputs bool
	// InputRoot resolves relative input paths; default the working directory.
	InputRoot string
	// OpenInput, if set, opens an input by its recorded path instead of the
	// local filesystem (object stores). It must be safe for concurrent use.
	OpenInput func(path string) (io.ReadCloser, error)
	// PubKey, if set, requires manifest.intoto.dsse.json to carry a valid
	// signature by this key over exactly the bytes of manifest.intoto.json.
	PubKey ed25519.PublicKey
	// Workers bounds parallel hashing. Default GOMAXPROCS.
	Workers int
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	// Problems are sorted by file, then kind. Empty means verified.
	Problems []Problem
	// Statement is the parsed manifest (nil if it could not be read).
	Statement *Statement
	// Files and Bytes count the output files re-hashed.
	Files int
	Bytes int64
	// Records counts the ledger rows read.
	Records int64
	// Inputs counts the inputs re-hashed.
	Inputs int
	// Signed is true when a signature by VerifyOptions.PubKey was verified.
	Signed bool
}

// OK reports whether verification found no problem.
func (r *VerifyResult) OK() bool { return len(r.Problems) == 0 }

// maxLedgerProblems caps the ledger-row problems reported one by one.
const maxLedgerProblems = 20

// Verify checks an output directory against its manifest:
//
//   - every file under dir except the manifest, its envelope, the .winnow
//     marker and the staging directory is re-hashed and compared with the
//     manifest subjects (changed, missing and extra files) and with the
//     sha256 values of croissant.json, which must list every other output;
//   - the ledger is re-aggregated and must reproduce report.json's
//     records_in/kept/redacted/dropped, in total and per file, and its
//     records_by_kind; ledger rows must be in order with valid decisions and
//     output positions; the manifest's record_counts must match the report;
//   - with opt.Inputs, the recorded inputs are re-hashed;
//   - with opt.PubKey, the DSSE envelope must be valid and carry the
//     manifest's exact bytes (without a key, an envelope that is present must
//     still carry them).
//
// It returns a result listing every problem; when there is at least one, the
// error wraps ErrVerifyFailed. Other errors (dir unreadable, cancellation)
// mean the check could not complete; the result then holds what was found so
// far. Verify is safe for concurrent use.
func Verify(ctx context.Context, dir string, opt VerifyOptions) (*VerifyResult, error) {
	v := &verifier{dir: dir, opt: opt, res: &VerifyResult{}}
	err := v.run(ctx)
	res := v.res
	sort.SliceStable(res.Problems, func(i, j int) bool {
		a, b := res.Problems[i], res.Problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Kind < b.Kind
	})
	if err != nil {
		return res, err
	}
	if n := len(res.Problems); n > 0 {
		return res, fmt.Errorf("%w: %s: %d problem(s); first: %s", ErrVerifyFailed, dir, n, res.Problems[0])
	}
	return res, nil
}

type verifier struct {
	dir      string
	opt      VerifyOptions
	res      *VerifyResult
	manifest []byte
	st       *Statement
	actual   map[string]string // rel -> sha256 of files present
	subjects map[string]string // rel -> manifest sha256
}

func (v *verifier) add(p Problem) { v.res.Problems = append(v.res.Problems, p) }

func (v *verifier) run(ctx context.Context) error {
	st, err := os.Stat(v.dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: not a directory", v.dir)
	}
	v.manifest, err = readLimited(filepath.Join(v.dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		v.add(Problem{Kind: ProblemMissing, File: ManifestName, Detail: "no manifest: not a winnow clean output, or it was removed"})
		return nil
	}
	if err != nil {
		return err
	}
	if v.st, err = ParseStatement(v.manifest); err != nil {
		v.add(Problem{Kind: ProblemManifest, File: ManifestName, Detail: err.Error()})
		return nil
	}
	v.res.Statement = v.st
	if err := v.checkEnvelope(); err != nil {
		return err
	}
	if err := v.checkFiles(ctx); err != nil {
		return err
	}
	if err := v.checkCroissant(); err != nil {
		return err
	}
	if err := v.checkCounts(); err != nil {
		return err
	}
	if v.opt.Inputs {
		return v.checkInputs(ctx)
	}
	return nil
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, maxManifestBytes)
	}
	return b, nil
}

func (v *verifier) checkEnvelope() error {
	env, err := readLimited(filepath.Join(v.dir, EnvelopeName))
	if errors.Is(err, fs.ErrNotExist) {
		if v.opt.PubKey != nil {
			v.add(Problem{Kind: ProblemSignature, File: EnvelopeName, Detail: "a public key was given but the output is not signed"})
		}
		return nil
	}
	if err != nil {
		return err
	}
	var payload []byte
	if v.opt.PubKey != nil {
		payload, err = VerifyEnvelope(env, v.opt.PubKey)
	} else {
		_, payload, err = DecodeEnvelope(env)
	}
	if err != nil {
		v.add(Problem{Kind: ProblemSignature, File: EnvelopeName, Detail: err.Error()})
		return nil
	}
	if !bytes.Equal(payload, v.manifest) {
		ps, ms := sha256.Sum256(payload), sha256.Sum256(v.manifest)
		v.add(Problem{Kind: ProblemSignature, File: EnvelopeName, Detail: "signed payload is not the manifest",
			Expected: hex.EncodeToString(ms[:]), Actual: hex.EncodeToString(ps[:])})
		return nil
	}
	v.res.Signed = v.opt.PubKey != nil
	return nil
}

// checkFiles re-hashes DIR and compares it with the manifest subjects.
func (v *verifier) checkFiles(ctx context.Context) error {
	var files, irregular []string
	err := filepath.WalkDir(v.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == v.dir {
			return nil
		}
		rel, err := filepath.Rel(v.dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch rel {
		case ManifestName, EnvelopeName, MarkerName:
			return nil
		case StagingName, StagedName:
			if d.IsDir() {
				return fs.SkipDir
			}
		}
		switch {
		case d.IsDir():
		case d.Type().IsRegular():
			files = append(files, rel)
		default:
			irregular = append(irregular, rel)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sums := make([]string, len(files))
	sizes := make([]int64, len(files))
	if err := hashAll(ctx, v.opt.Workers, len(files), func(i int) error {
		var err error
		sums[i], sizes[i], err = HashFile(filepath.Join(v.dir, filepath.FromSlash(files[i])))
		return err
	}); err != nil {
		return err
	}
	v.actual = make(map[string]string, len(files))
	for i, rel := range files {
		v.actual[rel] = sums[i]
		v.res.Files++
		v.res.Bytes += sizes[i]
	}
	v.subjects = make(map[string]string, len(v.st.Subject))
	for _, s := range v.st.Subject {
		want := s.Digest["sha256"]
		v.subjects[s.Name] = want
		got, ok := v.actual[s.Name]
		switch {
		case !ok:
			v.add(Problem{Kind: ProblemMissing, File: s.Name, Expected: want, Detail: "listed in the manifest but absent"})
		case got != want:
			v.add(Problem{Kind: ProblemChanged, File: s.Name, Expected: want, Actual: got, Detail: "sha256 differs from the manifest"})
		}
	}
	for _, rel := range files {
		if _, ok := v.subjects[rel]; !ok {
			v.add(Problem{Kind: ProblemExtra, File: rel, Actual: v.actual[rel], Detail: "not listed in the manifest"})
		}
	}
	for _, rel := range irregular {
		v.add(Problem{Kind: ProblemExtra, File: rel, Detail: "not a regular file"})
	}
	return nil
}

// checkCroissant compares croissant.json's FileObjects with the files.
// Files the manifest check already reported with the same expected digest
// are not reported twice.
func (v *verifier) checkCroissant() error {
	if _, ok := v.subjects[CroissantName]; !ok {
		v.add(Problem{Kind: ProblemCroissant, File: CroissantName, Detail: "not listed in the manifest"})
	}
	b, err := readLimited(filepath.Join(v.dir, CroissantName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // reported as a missing subject
	}
	if err != nil {
		return err
	}
	entries, err := parseCroissant(b)
	if err != nil {
		v.add(Problem{Kind: ProblemCroissant, File: CroissantName, Detail: err.Error()})
		return nil
	}
	listed := make(map[string]bool, len(entries))
	for _, e := range entries {
		if listed[e.Rel] {
			v.add(Problem{Kind: ProblemCroissant, File: e.Rel, Detail: "listed twice in croissant.json"})
			continue
		}
		listed[e.Rel] = true
		want := v.subjects[e.Rel]
		got, present := v.actual[e.Rel]
		switch {
		case e.SHA256 == "":
			v.add(Problem{Kind: ProblemCroissant, File: e.Rel, Detail: "croissant.json gives no sha256"})
		case !present:
			if want != e.SHA256 {
				v.add(Problem{Kind: ProblemCroissant, File: e.Rel, Expected: e.SHA256, Detail: "in croissant.json but absent"})
			}
		case got != e.SHA256:
			if want != e.SHA256 {
				v.add(Problem{Kind: ProblemCroissant, File: e.Rel, Expected: e.SHA256, Actual: got, Detail: "sha256 differs from croissant.json"})
			}
		}
	}
	for name := range v.subjects {
		if name != CroissantName && !listed[name] {
			v.add(Problem{Kind: ProblemCroissant, File: name, Detail: "output file not listed in croissant.json"})
		}
	}
	return nil
}

// reportCounts is the part of report.json that the ledger must reproduce.
type reportCounts struct {
	Mode          string           `json:"mode"`
	Totals        countSet         `json:"totals"`
	Files         []fileCountSet   `json:"files"`
	RecordsByKind map[string]int64 `json:"records_by_kind"`
}

type countSet struct {
	RecordsIn int64 `json:"records_in"`
	Kept      int64 `json:"kept"`
	Redacted  int64 `json:"redacted"`
	Dropped   int64 `json:"dropped"`
}

type fileCountSet struct {
	File string `json:"file"`
	countSet
}

func (c *countSet) add(decision string) {
	c.RecordsIn++
	switch decision {
	case DecisionKept:
		c.Kept++
	case DecisionRedacted:
		c.Redacted++
	case DecisionDropped:
		c.Dropped++
	}
}

// checkCounts reconciles the ledger with report.json and the manifest.
func (v *verifier) checkCounts() error {
	rb, err := readLimited(filepath.Join(v.dir, ReportName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a missing subject, or a run without a report
	}
	if err != nil {
		return err
	}
	var rep reportCounts
	if err := json.Unmarshal(rb, &rep); err != nil {
		v.add(Problem{Kind: ProblemReport, File: ReportName, Detail: "unreadable: " + err.Error()})
		return nil
	}
	v.checkByproducts(&rep)
	lp := filepath.Join(v.dir, LedgerName)
	if _, err := os.Stat(lp); errors.Is(err, fs.ErrNotExist) {
		if _, listed := v.subjects[LedgerName]; !listed {
			v.add(Problem{Kind: ProblemLedger, File: LedgerName, Detail: "no ledger: counts cannot be reconciled"})
		}
		return nil
	}
	agg := newLedgerAgg(rep.Mode, v.subjects)
	if err := ReadLedger(lp, agg.row); err != nil {
		if errors.Is(err, ErrNotLedger) {
			v.add(Problem{Kind: ProblemLedger, File: LedgerName, Detail: err.Error()})
			return nil
		}
		return err
	}
	v.res.Records = agg.rows
	for _, p := range agg.problems {
		v.add(p)
	}
	if agg.dropped > 0 {
		v.add(Problem{Kind: ProblemLedger, File: LedgerName, Detail: fmt.Sprintf("and %d more invalid rows", agg.dropped)})
	}
	v.compareCounts("totals", rep.Totals, agg.total)
	reported := make(map[string]bool, len(rep.Files))
	for _, f := range rep.Files {
		if reported[f.File] {
			v.add(Problem{Kind: ProblemReport, File: ReportName, Detail: fmt.Sprintf("file %q listed twice", f.File)})
			continue
		}
		reported[f.File] = true
		got := countSet{}
		if c := agg.files[f.File]; c != nil {
			got = c.countSet
		}
		v.compareCounts(fmt.Sprintf("file %q", f.File), f.countSet, got)
	}
	for _, name := range agg.order {
		if !reported[name] {
			v.add(Problem{Kind: ProblemCounts, File: LedgerName,
				Detail: fmt.Sprintf("file %q has %d ledger rows but is not in report.json", name, agg.files[name].RecordsIn)})
		}
	}
	if rep.RecordsByKind != nil {
		kinds := make(map[string]bool)
		for k := range rep.RecordsByKind {
			kinds[k] = true
		}
		for k := range agg.kinds {
			kinds[k] = true
		}
		for _, k := range sortedKeys(kinds) {
			if want, got := rep.RecordsByKind[k], agg.kinds[k]; want != got {
				v.add(Problem{Kind: ProblemCounts, File: LedgerName, Detail: fmt.Sprintf("records_by_kind %q: report.json says %d, ledger has %d", k, want, got),
					Expected: fmt.Sprint(want), Actual: fmt.Sprint(got)})
			}
		}
	}
	return nil
}

func (v *verifier) compareCounts(what string, want, got countSet) {
	for _, c := range []struct {
		name      string
		want, got int64
	}{
		{"records_in", want.RecordsIn, got.RecordsIn},
		{"kept", want.Kept, got.Kept},
		{"redacted", want.Redacted, got.Redacted},
		{"dropped", want.Dropped, got.Dropped},
	} {
		if c.want != c.got {
			v.add(Problem{Kind: ProblemCounts, File: LedgerName,
				Detail:   fmt.Sprintf("%s %s: report.json says %d, ledger has %d", what, c.name, c.want, c.got),
				Expected: fmt.Sprint(c.want), Actual: fmt.Sprint(c.got)})
		}
	}
}

// checkByproducts checks the manifest's byproduct digests and that its
// record_counts equal report.json's totals.
func (v *verifier) checkByproducts(rep *reportCounts) {
	for _, bp := range v.st.Predicate.RunDetails.Byproducts {
		if len(bp.Annotations) == 0 || bp.Digest["sha256"] == "" {
			continue
		}
		c, err := canonicalJSON(bp.Annotations)
		sum := sha256.Sum256(c)
		if err != nil || hex.EncodeToString(sum[:]) != bp.Digest["sha256"] {
			v.add(Problem{Kind: ProblemManifest, File: ManifestName, Detail: fmt.Sprintf("byproduct %q: annotations do not match its digest", bp.Name)})
			continue
		}
		if bp.Name != ByproductRecordCounts {
			continue
		}
		var rc RecordCounts
		if err := json.Unmarshal(bp.Annotations, &rc); err != nil {
			v.add(Problem{Kind: ProblemManifest, File: ManifestName, Detail: "record_counts: " + err.Error()})
			continue
		}
		got := countSet{RecordsIn: rc.RecordsIn, Kept: rc.Kept, Redacted: rc.Redacted, Dropped: rc.Dropped}
		if got != rep.Totals {
			v.add(Problem{Kind: ProblemCounts, File: ManifestName,
				Detail:   "record_counts byproduct differs from report.json totals",
				Expected: fmt.Sprintf("%+v", rep.Totals), Actual: fmt.Sprintf("%+v", got)})
		}
	}
}

type ledgerFile struct {
	countSet
	next int64
}

// ledgerAgg re-aggregates the ledger one row at a time; memory is
// proportional to the number of input and output files, not rows.
type ledgerAgg struct {
	mode     string
	subjects map[string]string
	files    map[string]*ledgerFile
	order    []string
	outNext  map[string]int64
	kinds    map[string]int64
	total    countSet
	rows     int64
	problems []Problem
	dropped  int64
}

func newLedgerAgg(mode string, subjects map[string]string) *ledgerAgg {
	return &ledgerAgg{mode: mode, subjects: subjects, files: map[string]*ledgerFile{}, outNext: map[string]int64{}, kinds: map[string]int64{}}
}

func (a *ledgerAgg) bad(format string, args ...any) {
	if len(a.problems) >= maxLedgerProblems {
		a.dropped++
		return
	}
	a.problems = append(a.problems, Problem{Kind: ProblemLedger, File: LedgerName, Detail: fmt.Sprintf(format, args...)})
}

func (a *ledgerAgg) row(r *LedgerRow) error {
	idx := a.rows
	a.rows++
	if err := checkLedgerRow(r); err != nil {
		a.bad("row %d (%q row %d): %v", idx, r.File, r.Row, err)
	}
	f := a.files[r.File]
	if f == nil {
		f = &ledgerFile{}
		a.files[r.File] = f
		a.order = append(a.order, r.File)
	}
	if r.Row != f.next {
		a.bad("row %d: %q row %d out of order (want row %d)", idx, r.File, r.Row, f.next)
	}
	f.next = r.Row + 1
	f.add(r.Decision)
	a.total.add(r.Decision)
	for i, k := range r.Reasons {
		if i == 0 || k != r.Reasons[i-1] {
			a.kinds[k]++
		}
	}
	if r.OutputFile == "" {
		if a.mode != "scan" && r.Decision != DecisionDropped {
			a.bad("row %d: %q row %d was %s but has no output file", idx, r.File, r.Row, r.Decision)
		}
		return nil
	}
	switch {
	case a.mode == "scan":
		a.bad("row %d: scan run with output file %q", idx, r.OutputFile)
	case r.Decision == DecisionDropped && !strings.HasPrefix(r.OutputFile, "quarantine/"):
		a.bad("row %d: dropped record written to %q, not to quarantine/", idx, r.OutputFile)
	case r.Decision != DecisionDropped && !strings.HasPrefix(r.OutputFile, "data/"):
		a.bad("row %d: %s record written to %q, not to data/", idx, r.Decision, r.OutputFile)
	}
	if _, ok := a.subjects[r.OutputFile]; !ok {
		a.bad("row %d: output file %q is not in the manifest", idx, r.OutputFile)
	}
	if want := a.outNext[r.OutputFile]; r.OutputRow != want {
		a.bad("row %d: %q output row %d out of order (want %d)", idx, r.OutputFile, r.OutputRow, want)
	}
	a.outNext[r.OutputFile] = r.OutputRow + 1
	return nil
}

func (v *verifier) checkInputs(ctx context.Context) error {
	inputs := v.st.Inputs()
	sums := make([]string, len(inputs))
	errs := make([]error, len(inputs))
	if err := hashAll(ctx, v.opt.Workers, len(inputs), func(i int) error {
		sums[i], errs[i] = v.hashInput(inputs[i].Name)
		return nil
	}); err != nil {
		return err
	}
	for i, in := range inputs {
		want := in.Digest["sha256"]
		switch {
		case errs[i] != nil:
			v.add(Problem{Kind: ProblemInputMissing, File: in.Name, Expected: want, Detail: errs[i].Error()})
		case sums[i] != want:
			v.add(Problem{Kind: ProblemInputChanged, File: in.Name, Expected: want, Actual: sums[i], Detail: "input changed since the run"})
		}
		v.res.Inputs++
	}
	return nil
}

func (v *verifier) hashInput(name string) (string, error) {
	if v.opt.OpenInput != nil {
		rc, err := v.opt.OpenInput(name)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		sum, _, err := HashReader(rc)
		return sum, err
	}
	p := name
	if v.opt.InputRoot != "" && !filepath.IsAbs(p) {
		p = filepath.Join(v.opt.InputRoot, p)
	}
	sum, _, err := HashFile(p)
	return sum, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ReadStatement reads and parses the manifest at path, which may also be a
// DSSE envelope (its payload is parsed, without checking signatures) or an
// output directory (its manifest.intoto.json is read). It returns the parsed
// statement and the manifest bytes.
func ReadStatement(path string) (*Statement, []byte, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ManifestName)
	}
	b, err := readLimited(path)
	if err != nil {
		return nil, nil, err
	}
	var probe struct {
		PayloadType *string `json:"payloadType"`
	}
	if json.Unmarshal(b, &probe) == nil && probe.PayloadType != nil {
		if _, b, err = DecodeEnvelope(b); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	st, err := ParseStatement(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, b, nil
}

// RecordedParameters returns the external parameters (resolved config and
// CLI arguments) recorded in the manifest of the output directory dir, for
// `winnow verify --rerun`. The result does not alias any shared memory.
func RecordedParameters(dir string) (*ExternalParameters, error) {
	st, _, err := ReadStatement(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, err
	}
	p := st.Predicate.BuildDefinition.ExternalParameters
	return &p, nil
}

// CompareSubjects compares the subjects of a recorded manifest (want) with
// those of a re-run (got) and returns one problem per missing, extra or
// changed file, sorted by file. No problems means byte-identical outputs.
func CompareSubjects(want, got []ResourceDescriptor) []Problem {
	w := make(map[string]string, len(want))
	for _, s := range want {
		w[s.Name] = s.Digest["sha256"]
	}
	g := make(map[string]string, len(got))
	for _, s := range got {
		g[s.Name] = s.Digest["sha256"]
	}
	var out []Problem
	for _, name := range sortedKeys(w) {
		gs, ok := g[name]
		switch {
		case !ok:
			out = append(out, Problem{Kind: ProblemMissing, File: name, Expected: w[name], Detail: "not produced by the re-run"})
		case gs != w[name]:
			out = append(out, Problem{Kind: ProblemChanged, File: name, Expected: w[name], Actual: gs, Detail: "re-run produced different bytes"})
		}
	}
	for _, name := range sortedKeys(g) {
		if _, ok := w[name]; !ok {
			out = append(out, Problem{Kind: ProblemExtra, File: name, Actual: g[name], Detail: "produced only by the re-run"})
		}
	}
	return out
}

// MismatchKind classifies a PinCheck result.
type MismatchKind string

// Mismatch kinds.
const (
	// MismatchChanged: the input is pinned with another digest.
	MismatchChanged MismatchKind = "changed"
	// MismatchUnpinned: the input is not in the pinned manifest.
	MismatchUnpinned MismatchKind = "unpinned"
	// MismatchAbsent: a pinned input is not among the current inputs.
	MismatchAbsent MismatchKind = "absent"
)

// Mismatch is one input whose digest disagrees with a pinned manifest.
type Mismatch struct {
	Kind   MismatchKind
	Path   string // input path as given (the manifest's name)
	Pinned string // sha256 in the manifest; empty for MismatchUnpinned
	Actual string // current sha256; empty for MismatchAbsent
}

// String renders the mismatch on one line.
func (m Mismatch) String() string {
	switch m.Kind {
	case MismatchUnpinned:
		return fmt.Sprintf("%s: not pinned (sha256 %s)", m.Path, m.Actual)
	case MismatchAbsent:
		return fmt.Sprintf("%s: pinned (sha256 %s) but not an input of this run", m.Path, m.Pinned)
	}
	return fmt.Sprintf("%s: changed since pinned (pinned sha256 %s, now %s)", m.Path, m.Pinned, m.Actual)
}

// PinCheck compares the current inputs (path as given -> hex sha256) with
// the inputs recorded in a pinned manifest (a manifest file, its DSSE
// envelope, or an output directory; see ReadStatement), matching by path.
// It returns the mismatches sorted by path: changed digests, inputs that
// are not pinned and pinned inputs not given. For `winnow clean --pin`,
// refusing on MismatchChanged is the split-view defense; whether unpinned or
// absent inputs also refuse is the caller's choice.
func PinCheck(manifestPath string, inputs map[string]string) ([]Mismatch, error) {
	st, _, err := ReadStatement(manifestPath)
	if err != nil {
		return nil, err
	}
	pinned := map[string]string{}
	for _, d := range st.Inputs() {
		pinned[d.Name] = d.Digest["sha256"]
	}
	var out []Mismatch
	for _, p := range sortedKeys(inputs) {
		want, ok := pinned[p]
		switch {
		case !ok:
			out = append(out, Mismatch{Kind: MismatchUnpinned, Path: p, Actual: inputs[p]})
		case want != inputs[p]:
			out = append(out, Mismatch{Kind: MismatchChanged, Path: p, Pinned: want, Actual: inputs[p]})
		}
	}
	for _, p := range sortedKeys(pinned) {
		if _, ok := inputs[p]; !ok {
			out = append(out, Mismatch{Kind: MismatchAbsent, Path: p, Pinned: pinned[p]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
