package provenance

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Run is everything WriteProvenance needs to know about a finished run. The
// engine fills it; WriteProvenance does not modify it or keep references to
// it after returning.
type Run struct {
	// Mode is "clean" (the default) or "scan"; it selects the build type.
	Mode string
	// ToolVersion, VCSRevision, VCSModified and GoVersion describe the
	// binary (see GoBuildInfo). ToolVersion is required.
	ToolVersion string
	VCSRevision string
	VCSModified bool
	GoVersion   string
	// InvocationID, Start and End are the run metadata: the only values
	// allowed to differ between two runs with the same inputs and config.
	InvocationID string
	Start, End   time.Time
	// Args are the CLI arguments (without the program name).
	Args []string
	// Config is the resolved config with defaults filled in, as a value that
	// encoding/json can marshal (a struct, a map or json.RawMessage). It is
	// canonicalized: keys sorted, numbers kept as written. It must hold no
	// secret (pass a digest of the HMAC key, not the key) and nothing
	// machine-dependent that does not change the output (put worker counts
	// in Internal). Required.
	Config any
	// Internal, if non-nil, becomes internalParameters: settings that do not
	// change the output bytes (workers, batch sizes).
	Internal any
	// Inputs are the input files; Packs the rule and data packs (signature
	// lists, Unicode tables) the detectors used.
	Inputs []Input
	Packs  []Pack
	// Files gives the format and fields of output files under the directory.
	// Every entry must exist. Files found in the directory without an entry
	// are still subjects, with role and format inferred from their path.
	Files []OutFile
	// Summary feeds the byproducts and croissant.json's RAI fields.
	Summary Summary
	// Dataset names the output in croissant.json.
	Dataset Dataset
	// SignKey, if set, signs the manifest into manifest.intoto.dsse.json.
	SignKey ed25519.PrivateKey
	// Workers bounds parallel hashing. Default GOMAXPROCS.
	Workers int
}

// Input is one input file of the run.
type Input struct {
	// Path is the input path as given (as in report.json and the ledger).
	Path string
	// URI optionally locates the input (s3://…, gs://…); omitted when empty.
	URI string
	// SHA256 is the hex digest of the file. When empty, WriteProvenance
	// hashes Path from the working directory (one more read of the input).
	SHA256 string
}

// Pack is a rule or data pack the detectors used.
type Pack struct {
	// Name identifies the pack, e.g. "secrets/rules@3" or "unicode/confusables@15.1".
	Name string
	// URI optionally locates the pack.
	URI string
	// SHA256 is the hex digest of the pack's bytes. Required.
	SHA256 string
}

// Output file roles (OutFile.Role).
const (
	RoleData       = "data"
	RoleQuarantine = "quarantine"
	RoleFindings   = "findings"
	RoleLedger     = "ledger"
	RoleReport     = "report"
	RoleCroissant  = "croissant"
	RoleOther      = "other"
)

// Output formats (OutFile.Format).
const (
	FormatJSONL       = "jsonl"
	FormatJSON        = "json"
	FormatParquet     = "parquet"
	FormatArrow       = "arrow"        // Arrow IPC file
	FormatArrowStream = "arrow-stream" // Arrow IPC stream
)

// Whole-file compressions (OutFile.Compression); Parquet's internal page
// compression is not one of them.
const (
	CompressionGzip = "gzip"
	CompressionZstd = "zstd"
)

// Field types (Field.Type) and their Croissant data types.
const (
	TypeText    = "text"    // sc:Text
	TypeInteger = "integer" // sc:Integer
	TypeFloat   = "float"   // sc:Float
	TypeBoolean = "boolean" // sc:Boolean
)

// OutFile describes one output file.
type OutFile struct {
	// Rel is the path relative to the output directory, forward slashes.
	Rel string
	// Role is one of the Role constants; inferred from Rel when empty
	// (data/…, quarantine/…, findings.*, ledger.parquet, report.json).
	Role string
	// Format and Compression are inferred from Rel's extensions when empty.
	Format      string
	Compression string
	// Fields are the record fields described in croissant.json: for data
	// and quarantine files the scanned string fields (DESIGN §3 names: a
	// JSON path for JSONL, a column path for Parquet and Arrow). The ledger's
	// fields default to LedgerFields(); a quarantine file gets a
	// _winnow_reason field added when missing.
	Fields []Field
	// Description optionally describes the file in croissant.json.
	Description string
}

// Field is one record field of an output file.
type Field struct {
	Name        string
	Type        string // a Type constant; default TypeText
	IsArray     bool
	Description string
}

// Summary holds the counts and settings that describe the run's outcome.
// It carries counts only, never values.
type Summary struct {
	Files     int
	RecordsIn int64
	Kept      int64
	Redacted  int64
	Dropped   int64
	// FindingsByKind, RecordsByKind and DroppedByKind are report.json's maps.
	FindingsByKind map[string]int64
	RecordsByKind  map[string]int64
	DroppedByKind  map[string]int64
	// Detectors are the "id@version" of every detector that ran.
	Detectors []string
	// Policy lists the policy rules in the order they apply.
	Policy []PolicyRule
}

// PolicyRule is one rule of the cleaning policy, for the RAI description.
type PolicyRule struct {
	Kinds  string // a kind or glob, e.g. "pii.*"
	Action string // e.g. "redact (mask)", "drop", "report"
}

// Dataset names the output in croissant.json. All fields are optional.
type Dataset struct {
	Name        string // default "winnow-output"
	Description string // default: generated from the summary
	License     string // a license URL, e.g. an SPDX page
	URL         string
}

// ErrBadRun marks a Run that WriteProvenance cannot describe.
var ErrBadRun = errors.New("invalid provenance run")

// GoBuildInfo returns the Go version and the VCS revision and dirty flag
// stamped into the running binary; revision is empty when the binary was
// built without VCS information (-buildvcs=false, go run).
func GoBuildInfo() (goVersion, vcsRevision string, vcsModified bool) {
	goVersion = runtime.Version()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return goVersion, "", false
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			vcsRevision = s.Value
		case "vcs.modified":
			vcsModified = s.Value == "true"
		}
	}
	return goVersion, vcsRevision, vcsModified
}

// WriteProvenance describes the output directory dir (normally the staging
// directory, with every data, quarantine, findings, ledger and report file
// already complete) and writes into it croissant.json, then
// manifest.intoto.json, then, when run.SignKey is set,
// manifest.intoto.dsse.json. It hashes every regular file under dir except
// those three, the .winnow marker and the staging directory.
//
// It returns the statement it wrote. Errors wrap ErrBadRun for an invalid
// run (every problem is reported at once). WriteProvenance is safe for
// concurrent use on different directories.
func WriteProvenance(ctx context.Context, dir string, run *Run) (*Statement, error) {
	if err := run.validate(); err != nil {
		return nil, err
	}
	files, err := listOutputs(dir)
	if err != nil {
		return nil, err
	}
	meta := make(map[string]OutFile, len(run.Files))
	for _, f := range run.Files {
		meta[f.Rel] = f
	}
	present := make(map[string]bool, len(files))
	for _, rel := range files {
		present[rel] = true
	}
	var missing []string
	for _, f := range run.Files {
		if !present[f.Rel] {
			missing = append(missing, f.Rel)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: output files listed but not in %s: %s", ErrBadRun, dir, strings.Join(missing, ", "))
	}

	outs := make([]outFile, len(files))
	for i, rel := range files {
		outs[i].OutFile = resolveOutFile(rel, meta[rel])
	}
	if err := hashAll(ctx, run.Workers, len(outs), func(i int) error {
		sum, size, err := HashFile(filepath.Join(dir, filepath.FromSlash(outs[i].Rel)))
		outs[i].sha256, outs[i].size = sum, size
		return err
	}); err != nil {
		return nil, err
	}
	inputs := slices.Clone(run.Inputs)
	if err := hashAll(ctx, run.Workers, len(inputs), func(i int) error {
		if inputs[i].SHA256 != "" {
			return nil
		}
		sum, _, err := HashFile(inputs[i].Path)
		inputs[i].SHA256 = sum
		return err
	}); err != nil {
		return nil, fmt.Errorf("hashing inputs: %w", err)
	}
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].Path < inputs[j].Path })

	cr, err := buildCroissant(run, outs, inputs)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, CroissantName), cr, 0o644); err != nil {
		return nil, err
	}
	crSum := sha256.Sum256(cr)
	outs = append(outs, outFile{
		OutFile: OutFile{Rel: CroissantName, Role: RoleCroissant, Format: FormatJSON},
		sha256:  hex.EncodeToString(crSum[:]),
		size:    int64(len(cr)),
	})

	st, err := buildStatement(run, outs, inputs)
	if err != nil {
		return nil, err
	}
	manifest, err := marshalJSON(st)
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), manifest, 0o644); err != nil {
		return nil, err
	}
	if len(run.SignKey) > 0 {
		env, err := Sign(manifest, run.SignKey)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, EnvelopeName), env, 0o644); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// outFile is an OutFile with its digest and size.
type outFile struct {
	OutFile
	sha256 string
	size   int64
}

func (run *Run) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadRun}, args...)...))
	}
	switch run.Mode {
	case "", "clean", "scan":
	default:
		bad("mode %q: want clean or scan", run.Mode)
	}
	if run.ToolVersion == "" {
		bad("no tool version")
	}
	if run.Config == nil {
		bad("no config")
	}
	if !run.Start.IsZero() && !run.End.IsZero() && run.End.Before(run.Start) {
		bad("end %s is before start %s", run.End.Format(time.RFC3339), run.Start.Format(time.RFC3339))
	}
	seen := map[string]bool{}
	for i, in := range run.Inputs {
		switch {
		case in.Path == "":
			bad("input %d: empty path", i)
		case seen[in.Path]:
			bad("input %q listed twice", in.Path)
		}
		seen[in.Path] = true
		if in.SHA256 != "" && !validHex(in.SHA256) {
			bad("input %q: sha256 is not 64 lowercase hex digits", in.Path)
		}
	}
	seen = map[string]bool{}
	for i, p := range run.Packs {
		switch {
		case p.Name == "":
			bad("pack %d: empty name", i)
		case seen[p.Name]:
			bad("pack %q listed twice", p.Name)
		}
		seen[p.Name] = true
		if !validHex(p.SHA256) {
			bad("pack %q: sha256 is not 64 lowercase hex digits", p.Name)
		}
	}
	seen = map[string]bool{}
	for _, f := range run.Files {
		if !localSlashPath(f.Rel) {
			bad("output file %q: not a clean relative path", f.Rel)
			continue
		}
		if seen[f.Rel] {
			bad("output file %q listed twice", f.Rel)
		}
		seen[f.Rel] = true
		if reservedName(f.Rel) {
			bad("output file %q: name is reserved for provenance", f.Rel)
		}
		switch f.Role {
		case "", RoleData, RoleQuarantine, RoleFindings, RoleLedger, RoleReport, RoleOther:
		default:
			bad("output file %q: unknown role %q", f.Rel, f.Role)
		}
		switch f.Format {
		case "", FormatJSONL, FormatJSON, FormatParquet, FormatArrow, FormatArrowStream:
		default:
			bad("output file %q: unknown format %q", f.Rel, f.Format)
		}
		switch f.Compression {
		case "", CompressionGzip, CompressionZstd:
		default:
			bad("output file %q: unknown compression %q", f.Rel, f.Compression)
		}
		names := map[string]bool{}
		for _, fd := range f.Fields {
			if fd.Name == "" {
				bad("output file %q: field with empty name", f.Rel)
			} else if names[fd.Name] {
				bad("output file %q: field %q listed twice", f.Rel, fd.Name)
			}
			names[fd.Name] = true
			if _, ok := dataTypes[fd.Type]; !ok {
				bad("output file %q: field %q: unknown type %q", f.Rel, fd.Name, fd.Type)
			}
		}
	}
	if n := len(run.SignKey); n != 0 && n != ed25519.PrivateKeySize {
		bad("signing key has %d bytes, want %d", n, ed25519.PrivateKeySize)
	}
	return errors.Join(errs...)
}

// reservedName reports whether rel is written or skipped by this package.
func reservedName(rel string) bool {
	switch rel {
	case ManifestName, EnvelopeName, CroissantName, MarkerName:
		return true
	}
	return rel == StagingName || strings.HasPrefix(rel, StagingName+"/")
}

// listOutputs returns the regular files under dir as sorted forward-slash
// relative paths, leaving out reserved names. Anything other than regular
// files and directories is an error.
func listOutputs(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	var out []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if reservedName(rel) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			return nil
		case d.Type().IsRegular():
			out = append(out, rel)
			return nil
		}
		return fmt.Errorf("%s: not a regular file (%s)", rel, d.Type())
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// resolveOutFile fills the role and format of the file at rel from its path
// where m leaves them empty.
func resolveOutFile(rel string, m OutFile) OutFile {
	m.Rel = rel
	base := path.Base(rel)
	if m.Compression == "" {
		switch {
		case strings.HasSuffix(base, ".gz"):
			m.Compression = CompressionGzip
		case strings.HasSuffix(base, ".zst"), strings.HasSuffix(base, ".zstd"):
			m.Compression = CompressionZstd
		}
	}
	inner := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".zst"), ".zstd")
	if m.Role == "" {
		switch {
		case strings.HasPrefix(rel, "data/"):
			m.Role = RoleData
		case strings.HasPrefix(rel, "quarantine/"):
			m.Role = RoleQuarantine
		case rel == LedgerName:
			m.Role = RoleLedger
		case rel == ReportName:
			m.Role = RoleReport
		case strings.HasPrefix(rel, "findings.") && !strings.Contains(rel, "/"):
			m.Role = RoleFindings
		default:
			m.Role = RoleOther
		}
	}
	if m.Format == "" {
		switch path.Ext(inner) {
		case ".jsonl", ".ndjson":
			m.Format = FormatJSONL
		case ".json":
			if m.Role == RoleData || m.Role == RoleQuarantine {
				m.Format = FormatJSONL // DESIGN §3: .json inputs are one object per line
			} else {
				m.Format = FormatJSON
			}
		case ".parquet":
			m.Format = FormatParquet
		case ".arrow", ".feather":
			m.Format = FormatArrow
		case ".arrows":
			m.Format = FormatArrowStream
		}
	}
	if m.Role == RoleLedger && len(m.Fields) == 0 {
		m.Fields = LedgerFields()
	}
	if m.Role == RoleQuarantine && len(m.Fields) > 0 {
		name := "_winnow_reason"
		if m.Format == FormatJSONL {
			name = "$._winnow_reason"
		}
		if !slices.ContainsFunc(m.Fields, func(f Field) bool { return f.Name == name || f.Name == "_winnow_reason" }) {
			m.Fields = append(slices.Clone(m.Fields), Field{Name: name, Type: TypeText, Description: "why winnow dropped the record"})
		}
	}
	return m
}

// hashAll runs fn(0..n-1) on up to workers goroutines, stopping at the first
// error or when ctx is done.
func hashAll(ctx context.Context, workers, n int, fn func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := 0; i < n; i++ {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("hashing: panic: %s", panicText(p))
				}
			}()
			if err := gctx.Err(); err != nil {
				return err
			}
			return fn(i)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// buildStatement assembles the manifest. outs and inputs are final.
func buildStatement(run *Run, outs []outFile, inputs []Input) (*Statement, error) {
	st := &Statement{Type: StatementType, PredicateType: PredicateSLSA}
	for _, o := range outs {
		st.Subject = append(st.Subject, ResourceDescriptor{Name: o.Rel, Digest: map[string]string{"sha256": o.sha256}})
	}
	sort.Slice(st.Subject, func(i, j int) bool { return st.Subject[i].Name < st.Subject[j].Name })

	bd := &st.Predicate.BuildDefinition
	bd.BuildType = BuildTypeClean
	if run.Mode == "scan" {
		bd.BuildType = BuildTypeScan
	}
	cfg, err := canonicalJSON(run.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: config: %v", ErrBadRun, err)
	}
	bd.ExternalParameters = ExternalParameters{Config: cfg, Args: slices.Clone(run.Args)}
	if bd.ExternalParameters.Args == nil {
		bd.ExternalParameters.Args = []string{}
	}
	if run.Internal != nil {
		if bd.InternalParameters, err = canonicalJSON(run.Internal); err != nil {
			return nil, fmt.Errorf("%w: internal parameters: %v", ErrBadRun, err)
		}
	}
	bd.ResolvedDependencies = []ResourceDescriptor{}
	for _, in := range inputs {
		bd.ResolvedDependencies = append(bd.ResolvedDependencies, ResourceDescriptor{
			Name: in.Path, URI: in.URI,
			Digest:      map[string]string{"sha256": in.SHA256},
			Annotations: json.RawMessage(`{"role":"input"}`),
		})
	}
	packs := slices.Clone(run.Packs)
	sort.Slice(packs, func(i, j int) bool { return packs[i].Name < packs[j].Name })
	for _, p := range packs {
		bd.ResolvedDependencies = append(bd.ResolvedDependencies, ResourceDescriptor{
			Name: p.Name, URI: p.URI,
			Digest:      map[string]string{"sha256": p.SHA256},
			Annotations: json.RawMessage(`{"role":"pack"}`),
		})
	}

	rd := &st.Predicate.RunDetails
	rd.Builder = Builder{ID: BuilderID, Version: map[string]string{"winnow": run.ToolVersion}}
	if run.GoVersion != "" {
		rd.Builder.Version["go"] = run.GoVersion
	}
	if run.VCSRevision != "" {
		rd.Builder.Version["vcs.revision"] = run.VCSRevision
		rd.Builder.Version["vcs.modified"] = fmt.Sprint(run.VCSModified)
	}
	rd.Metadata.InvocationID = run.InvocationID
	if !run.Start.IsZero() {
		rd.Metadata.StartedOn = run.Start.UTC().Format(time.RFC3339Nano)
	}
	if !run.End.IsZero() {
		rd.Metadata.FinishedOn = run.End.UTC().Format(time.RFC3339Nano)
	}
	s := &run.Summary
	for _, bp := range []struct {
		name string
		v    any
	}{
		{ByproductRecordCounts, RecordCounts{RecordsIn: s.RecordsIn, Kept: s.Kept, Redacted: s.Redacted, Dropped: s.Dropped}},
		{ByproductFindingsByKind, nonNil(s.FindingsByKind)},
		{ByproductRecordsByKind, nonNil(s.RecordsByKind)},
		{ByproductDroppedByKind, nonNil(s.DroppedByKind)},
	} {
		d, err := byproduct(bp.name, bp.v)
		if err != nil {
			return nil, err
		}
		rd.Byproducts = append(rd.Byproducts, d)
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	return st, nil
}

// Byproduct names in runDetails.byproducts. Each is a ResourceDescriptor
// whose annotations hold the counts and whose sha256 digest is the digest of
// the annotations' canonical JSON (keys sorted, no spaces).
const (
	ByproductRecordCounts   = "record_counts"
	ByproductFindingsByKind = "findings_by_kind"
	ByproductRecordsByKind  = "records_by_kind"
	ByproductDroppedByKind  = "dropped_by_kind"
)

// RecordCounts are the conservation counts of a run (the record_counts
// byproduct; report.json's totals).
type RecordCounts struct {
	RecordsIn int64 `json:"records_in"`
	Kept      int64 `json:"kept"`
	Redacted  int64 `json:"redacted"`
	Dropped   int64 `json:"dropped"`
}

func byproduct(name string, v any) (ResourceDescriptor, error) {
	c, err := canonicalJSON(v)
	if err != nil {
		return ResourceDescriptor{}, fmt.Errorf("byproduct %s: %w", name, err)
	}
	sum := sha256.Sum256(c)
	return ResourceDescriptor{
		Name:        name,
		Digest:      map[string]string{"sha256": hex.EncodeToString(sum[:])},
		MediaType:   "application/json",
		Annotations: c,
	}, nil
}

func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}
