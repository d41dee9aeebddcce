package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/winnow-data/winnow/dedupe"
	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/defaults"
	"github.com/winnow-data/winnow/scanner"
	"github.com/winnow-data/winnow/scanner/ciformat"
	"github.com/winnow-data/winnow/scanner/provenance"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build info.
var version = ""

// defaultKey keys value hashes when neither --key-file nor WINNOW_KEY is
// given. It is public, so such hashes are pseudonyms, not secrets.
const defaultKey = "winnow-public-default-key: set WINNOW_KEY or --key-file for secret hashes"

// defaultInputs are scanned when no PATH is given.
var defaultInputs = []string{"samples/data"}

var errHelp = errors.New("help requested")

// failError is returned by scan when findings reach --fail-on (exit 1).
type failError struct{ msg string }

func (e *failError) Error() string { return e.msg }

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `winnow audits and cleans LLM training corpora (JSONL, Parquet, Arrow) for
PII, secrets, poisoning and duplicates.

Usage:
  winnow scan  [flags] [PATH...]   audit only: findings + report; exit 0 clean,
                                   1 findings at/above --fail-on, 2 error
  winnow clean [flags] [PATH...]   audit + cleaned dataset + quarantine
  winnow baseline [flags] [PATH...]
                                   accept today's findings: write .winnow-baseline.json
                                   for scan/clean --baseline
  winnow plan --shards N [clean flags] -o OUT [PATH...]
                                   stage a run for N machines (Kubernetes, Slurm,
                                   Argo): then map i/N, reduce r/R, resolve,
                                   finalize i/N and commit, each with -o OUT
  winnow deploy k8s|slurm|argo --shards N -o OUT PATH...
                                   print ready-to-submit specs for a staged run
  winnow verify DIR                re-hash a clean output and check it against its
                                   manifest, ledger and report
  winnow keygen PREFIX             write an ed25519 key pair for --sign-key / --pub-key
  winnow detectors                 list every detector and finding kind
  winnow version                   print the version

With no PATH, scan and clean use the bundled samples (./samples/data).
Run "winnow COMMAND --help" for the flags of a command.
`

// run is the whole CLI. It never calls os.Exit; main maps its error to an
// exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	switch args[0] {
	case "scan":
		return runScanClean(ctx, scanner.ModeScan, args[1:], stdout, stderr)
	case "baseline":
		return runScanClean(ctx, modeBaseline, args[1:], stdout, stderr)
	case "clean":
		return runScanClean(ctx, scanner.ModeClean, args[1:], stdout, stderr)
	case "plan":
		return runPlan(ctx, args[1:], stdout, stderr)
	case "map", "reduce", "resolve", "finalize", "commit":
		return runTask(ctx, scanner.Stage(args[0]), args[1:], stdout, stderr)
	case "deploy":
		return runDeploy(args[1:], stdout, stderr)
	case "detectors":
		return runDetectors(args[1:], stdout, stderr)
	case "verify":
		return runVerify(ctx, args[1:], stdout, stderr)
	case "keygen":
		return runKeygen(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "winnow", toolVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

type commonFlags struct {
	out            string
	fields         []string
	workers        int
	configFile     string
	kinds          []string
	findingsFormat string
	failOn         string
	reports        []string
	showValues     bool
	onError        string
	keyFile        string
	quiet          bool
	maxRecordBytes int
	batchBytes     int
	dedupe         bool
	dedupeNorm     bool
	dedupeThresh   float64
	dedupeNGram    int
	dedupeBands    int
	dedupeRows     int
	keep           string
	memMB          int
	index          string
	dedupeFields   []string
	signKey        string
	since          string
	urlField       string
	html           bool
	urlHistory     string
	sinceManifest  string
	baselineFile   string
	cpuProfile     string
	memProfile     string
	pin            string
	pinReport      bool
	version        string
}

// modeBaseline is the baseline command: a scan whose findings become a
// baseline file.
const modeBaseline scanner.Mode = -1

// setup is a scan or clean run's configuration as built from its flags.
type setup struct {
	cfg        scanner.Config
	f          commonFlags
	fs         *pflag.FlagSet
	baseline   bool
	failPolicy ciformat.Policy
	kinds      []detectors.Kind
	keyNote    string
}

// prepare parses scan, clean or baseline flags into a run configuration.
// The staged commands call it with the arguments their plan recorded, so
// every task of a staged run builds the same configuration.
func prepare(mode scanner.Mode, args []string, stderr io.Writer) (*setup, error) {
	baseline := mode == modeBaseline
	if baseline {
		mode = scanner.ModeScan
	}
	name := mode.String()
	if baseline {
		name = "baseline"
	}
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var f commonFlags
	fs.StringVarP(&f.out, "out", "o", "winnow-out", "output directory")
	fs.StringSliceVar(&f.fields, "fields", nil, "fields to scan: JSON paths for JSONL ($.text, $.messages[*].content), column paths for Parquet/Arrow (text, meta.url); default all strings")
	fs.IntVar(&f.workers, "workers", 0, "parallel workers (default GOMAXPROCS)")
	fs.StringVar(&f.configFile, "config", "", "policy and detector settings (YAML or TOML)")
	fs.StringSliceVar(&f.kinds, "kinds", nil, "run only detectors of these kinds (globs), e.g. 'secret.*,pii.email'")
	fs.StringVar(&f.findingsFormat, "findings-format", "", "findings file format: parquet or jsonl (default parquet)")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 1 when findings reach this policy: a severity (info, low, medium, high, critical), none, or per-kind thresholds such as 'secret.*=any,pii.credit_card>0,dup.exact>1%,poison.*>0.01%' (scan default low; clean default none)")
	fs.StringSliceVar(&f.reports, "report", nil, "extra report formats: sarif (OUT/report.sarif), junit (OUT/report.junit.xml), github (workflow annotations on stdout)")
	fs.BoolVar(&f.showValues, "show-values", false, "write raw matched values into findings (off by default: findings carry only a keyed hash)")
	fs.StringVar(&f.onError, "on-error", "", "when a file cannot be read: fail (default) or skip (listed in the report)")
	fs.StringVar(&f.keyFile, "key-file", "", "file holding the HMAC key for value hashes and the hash/fake operators (or set WINNOW_KEY)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fs.IntVar(&f.maxRecordBytes, "max-record-bytes", 0, "longest record (JSONL line) accepted (default 1 GiB)")
	fs.IntVar(&f.batchBytes, "batch-bytes", 0, "target decoded bytes per batch (default 4 MiB)")
	fs.BoolVar(&f.dedupe, "dedupe", true, "detect exact and near duplicates (--dedupe=false to turn off)")
	fs.BoolVar(&f.dedupeNorm, "dedupe-normalize", false, "exact duplicates over normalized text (NFC, whitespace collapsed, case-folded) instead of raw bytes")
	fs.Float64Var(&f.dedupeThresh, "dedupe-threshold", 0, "estimated Jaccard a near duplicate must reach against the kept copy (default 0.7)")
	fs.IntVar(&f.dedupeNGram, "dedupe-ngram", 0, "shingle size in words (default 5; text without spaces uses 5 characters)")
	fs.IntVar(&f.dedupeBands, "dedupe-bands", 0, "LSH bands (default 14)")
	fs.IntVar(&f.dedupeRows, "dedupe-rows", 0, "LSH rows per band (default 8)")
	fs.StringVar(&f.keep, "keep", "", "which copy of a duplicate cluster survives: first (default, plan order), longest, or max:FIELD (highest numeric field, e.g. max:meta.quality)")
	fs.IntVar(&f.memMB, "mem", 0, "MiB the dedupe index may hold before spilling to disk (default 256); the process memory limit is 900 MiB plus this")
	fs.StringSliceVar(&f.dedupeFields, "dedupe-fields", nil, "fields compared for duplicates (default: text, content, messages[*].content, prompt, response, …; all scanned values when a record has none of them)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile to this file")
	fs.StringVar(&f.memProfile, "memprofile", "", "write a heap profile to this file at the end")
	if mode == scanner.ModeScan {
		fs.BoolVar(&f.html, "html", false, "also write the HTML audit report OUT/report.html (clean always writes it)")
	}
	fs.StringVar(&f.urlField, "url-field", "", "field holding each record's source URL ($.url, url): writes url-hashes.jsonl and enables poison.split_view")
	fs.StringVar(&f.urlHistory, "url-history", "", "an earlier run's url-hashes.jsonl (or its output dir): flag records whose URL now serves different content (poison.split_view)")
	fs.StringVar(&f.since, "since", "", "scan only data files changed since this git revision (plus untracked files)")
	fs.StringVar(&f.sinceManifest, "since-manifest", "", "scan only files whose sha256 differs from an earlier manifest.intoto.json")
	if baseline {
		fs.StringVar(&f.baselineFile, "file", ".winnow-baseline.json", "baseline file to write")
	} else {
		fs.StringVar(&f.baselineFile, "baseline", "", "suppress the accepted findings listed in this baseline file (winnow baseline)")
	}
	fs.StringVar(&f.signKey, "sign-key", "", "ed25519 private key (PEM, PKCS#8) to sign the manifest into manifest.intoto.dsse.json")
	fs.StringVar(&f.pin, "pin", "", "an earlier manifest.intoto.json: refuse inputs whose sha256 differs from the pinned one")
	fs.BoolVar(&f.pinReport, "pin-report", false, "with --pin, only report changed inputs (as warnings) instead of refusing")
	fs.StringVar(&f.index, "index", "", "persistent dedupe index DIR: drop records that duplicate an earlier dataset version, then update the index (clean only)")
	fs.StringVar(&f.version, "dataset-version", "", "label of this dataset version in the --index (required with --index)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: winnow %s [flags] [PATH...]\n\n", name)
		if mode == scanner.ModeScan {
			fmt.Fprint(stderr, "Audit PATHs (files, directories, globs; default ./samples/data) and write\nfindings and report.json to --out. No dataset is written.\n\n")
			fmt.Fprint(stderr, "Examples:\n  winnow scan data/                       # everything under data/\n  winnow scan --kinds 'secret.*' 'shards/*.jsonl.zst'\n  winnow scan --fail-on high --findings-format jsonl corpus.parquet\n\n")
		} else {
			fmt.Fprint(stderr, "Audit PATHs and write the cleaned dataset (same format and schema) to\nOUT/data, removed records to OUT/quarantine, findings and report.json.\n\n")
			fmt.Fprint(stderr, "Examples:\n  winnow clean                            # the bundled samples\n  winnow clean -o cleaned/ data/\n  winnow clean --config policy.yaml --workers 8 's3://corpus/shards/*.parquet'\n  winnow clean --index dedupe-index --dataset-version v2 data/\n\n")
		}
		fmt.Fprintln(stderr, "Flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}

	var fc *scanner.FileConfig
	if f.configFile != "" {
		var err error
		if fc, err = scanner.LoadConfigFile(f.configFile); err != nil {
			return nil, err
		}
	}
	detOpt := defaults.DefaultOptions()
	if err := defaults.ApplyConfig(fc, &detOpt); err != nil {
		return nil, err
	}
	reg, err := defaults.Registry(detOpt)
	if err != nil {
		return nil, err
	}
	cfg := scanner.Config{
		Mode:        mode,
		Inputs:      fs.Args(),
		Out:         f.out,
		Workers:     f.workers,
		ShowValues:  f.showValues,
		Registry:    reg,
		Corpus:      func() []detectors.CorpusDetector { return defaults.Corpus(detOpt) },
		Fake:        defaults.Fake,
		ToolVersion: toolVersion(),
		Log:         stderr,
	}
	failOn := "low"
	if mode == scanner.ModeClean {
		failOn = "none"
	}
	if fc != nil {
		cfg.Policy = fc.Policy
		cfg.Fields = fc.Fields
		cfg.Kinds = fc.Kinds
		if fc.Workers > 0 {
			cfg.Workers = fc.Workers
		}
		cfg.FindingsFormat = fc.FindingsFormat
		cfg.OnError = fc.OnError
		cfg.Read.MaxRecordBytes = fc.MaxRecordBytes
		if fc.FailOn != "" {
			failOn = fc.FailOn
		}
	}
	if fs.Changed("fields") {
		cfg.Fields = f.fields
	}
	if fs.Changed("kinds") {
		cfg.Kinds = f.kinds
	}
	if f.findingsFormat != "" {
		cfg.FindingsFormat = f.findingsFormat
	}
	if f.onError != "" {
		cfg.OnError = f.onError
	}
	if f.failOn != "" {
		failOn = f.failOn
	}
	if f.maxRecordBytes > 0 {
		cfg.Read.MaxRecordBytes = f.maxRecordBytes
	}
	if f.batchBytes > 0 {
		cfg.Read.BatchBytes = f.batchBytes
	}
	cfg.Dedupe.Disabled = !f.dedupe
	cfg.Dedupe.Options.Normalize = f.dedupeNorm
	cfg.Dedupe.Options.Threshold = f.dedupeThresh
	cfg.Dedupe.Options.NGram = f.dedupeNGram
	cfg.Dedupe.Options.Bands = f.dedupeBands
	cfg.Dedupe.Options.Rows = f.dedupeRows
	cfg.Dedupe.Options.MemBytes = int64(f.memMB) << 20
	cfg.Dedupe.Keep = f.keep
	cfg.Dedupe.Index = f.index
	cfg.Dedupe.Fields = f.dedupeFields
	cfg.Dedupe.Version = f.version
	cfg.Pin, cfg.PinReportOnly = f.pin, f.pinReport
	cfg.Since, cfg.SinceManifest = f.since, f.sinceManifest
	cfg.HTML = f.html
	cfg.SplitView = scanner.SplitViewConfig{URLField: f.urlField, History: f.urlHistory}
	if f.urlHistory != "" && f.urlField == "" {
		return nil, errors.New("--url-history needs --url-field")
	}
	if f.baselineFile != "" && !baseline {
		if cfg.Baseline, err = scanner.LoadBaseline(f.baselineFile); err != nil {
			return nil, err
		}
	}
	if baseline && !fs.Changed("out") {
		tmp, err := os.MkdirTemp("", "winnow-baseline")
		if err != nil {
			return nil, err
		}
		cfg.Out = tmp
	}
	cfg.Provenance.Args = append([]string{name}, args...)
	cfg.Provenance.DetectorOptions = detOpt
	for _, p := range defaults.Packs() {
		cfg.Provenance.Packs = append(cfg.Provenance.Packs, provenance.Pack{Name: p.Name, SHA256: p.SHA256})
	}
	if f.signKey != "" {
		if cfg.Provenance.SignKey, err = provenance.LoadPrivateKey(f.signKey); err != nil {
			return nil, fmt.Errorf("--sign-key: %w", err)
		}
	}
	failPolicy, err := ciformat.ParsePolicy(failOn)
	if err != nil {
		return nil, fmt.Errorf("--fail-on: %w", err)
	}
	for _, r := range f.reports {
		switch r {
		case "sarif", "junit", "github":
		default:
			return nil, fmt.Errorf("--report %q: want sarif, junit or github", r)
		}
	}
	kinds := allKinds(reg)
	cfg.Reports = f.reports
	cfg.ReportOptions = ciformat.Options{Policy: failPolicy, Kinds: kinds}
	key, keyNote, err := loadKey(f.keyFile)
	if err != nil {
		return nil, err
	}
	cfg.Key = key
	if len(cfg.Inputs) == 0 {
		if _, err := os.Stat(defaultInputs[0]); err != nil {
			return nil, fmt.Errorf("no PATH given and the bundled samples (%s) are not here; run from the repository root or name the inputs", defaultInputs[0])
		}
		cfg.Inputs = defaultInputs
	}
	return &setup{cfg: cfg, f: f, fs: fs, baseline: baseline, failPolicy: failPolicy, kinds: kinds, keyNote: keyNote}, nil
}

func runScanClean(ctx context.Context, mode scanner.Mode, args []string, stdout, stderr io.Writer) error {
	su, err := prepare(mode, args, stderr)
	if err != nil {
		return err
	}
	cfg, f, baseline, failPolicy, kinds, keyNote := su.cfg, su.f, su.baseline, su.failPolicy, su.kinds, su.keyNote
	setMemoryLimit(!cfg.Dedupe.Disabled, f.memMB, os.Getenv)
	if baseline && !su.fs.Changed("out") {
		defer os.RemoveAll(cfg.Out)
	}
	if !f.quiet {
		cfg.Progress = stderr
		if fd, ok := stderr.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(fd.Fd())) {
			cfg.ProgressBar = true
		}
		if keyNote != "" {
			fmt.Fprintln(stderr, "winnow:", keyNote)
		}
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			pf.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	res, err := scanner.Run(ctx, cfg)
	if err != nil {
		return err
	}
	local := res.LocalOut
	if local != cfg.Out {
		defer os.RemoveAll(local) // the local copy of an object-store --out
	}
	if f.memProfile != "" {
		if err := writeHeapProfile(f.memProfile); err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
	}
	if baseline {
		n, err := scanner.WriteBaseline(local, f.baselineFile, cfg.Key)
		if err != nil {
			return fmt.Errorf("writing %s: %w", f.baselineFile, err)
		}
		fmt.Fprintf(stdout, "wrote %s: %d accepted findings (%d findings in %d records scanned)\n", f.baselineFile, n, res.Report.Totals.Findings, res.Report.Totals.RecordsIn)
		return nil
	}
	printSummary(stdout, mode, cfg.Out, res)
	for _, r := range f.reports {
		if r == "github" {
			if err := ciformat.WriteGitHub(stdout, local, cfg.ReportOptions); err != nil {
				return fmt.Errorf("--report github: %w", err)
			}
		}
	}
	failures, err := ciformat.EvaluateOutput(local, failPolicy, kinds)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	if len(failures) > 0 {
		msgs := make([]string, len(failures))
		for i, fl := range failures {
			msgs[i] = "  " + fl.Message
		}
		return &failError{msg: fmt.Sprintf("--fail-on failed (see %s/report.json):\n%s", cfg.Out, strings.Join(msgs, "\n"))}
	}
	return nil
}

func writeHeapProfile(path string) error {
	pf, err := os.Create(path)
	if err != nil {
		return err
	}
	defer pf.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(pf)
}

// allKinds is the catalogue of every kind a run can report.
func allKinds(reg *detectors.Registry) []detectors.Kind {
	seen := map[string]bool{}
	var out []detectors.Kind
	add := func(k detectors.Kind) {
		if !seen[k.Name] {
			seen[k.Name] = true
			out = append(out, k)
		}
	}
	for _, k := range reg.Kinds() {
		add(k)
	}
	for _, k := range defaults.CorpusKinds() {
		add(k.Kind)
	}
	for _, k := range scanner.EngineKinds() {
		add(k)
	}
	return out
}

// loadKey returns the HMAC key from --key-file, WINNOW_KEY or the public
// default, with a note to print when the default is used. The key is never
// written anywhere.
func loadKey(keyFile string) ([]byte, string, error) {
	if keyFile != "" {
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, "", fmt.Errorf("--key-file: %w", err)
		}
		b = []byte(strings.TrimRight(string(b), "\r\n"))
		if len(b) < 16 {
			return nil, "", fmt.Errorf("--key-file %s: key is shorter than 16 bytes", keyFile)
		}
		return b, "", nil
	}
	if k := os.Getenv("WINNOW_KEY"); k != "" {
		if len(k) < 16 {
			return nil, "", errors.New("WINNOW_KEY is shorter than 16 bytes")
		}
		return []byte(k), "", nil
	}
	return []byte(defaultKey), "no --key-file or WINNOW_KEY: value hashes use the public default key (pseudonymous, not secret)", nil
}

func printSummary(w io.Writer, mode scanner.Mode, out string, res *scanner.Result) {
	r := res.Report
	t := r.Totals
	secs := res.Stats.End.Sub(res.Stats.Start).Seconds()
	mbps := 0.0
	if secs > 0 {
		mbps = float64(res.Stats.BytesRead) / 1e6 / secs
	}
	fmt.Fprintf(w, "winnow %s: %d files, %d records in: %d kept, %d redacted, %d dropped (%.2fs, %.1f MB/s)\n",
		mode, t.Files, t.RecordsIn, t.Kept, t.Redacted, t.Dropped, secs, mbps)
	if os.Getenv("WINNOW_TIMINGS") != "" {
		fmt.Fprintf(w, "timings: pass 1 (corpus observation and reduce) %.2fs, pass 2 (detect and write) %.2fs, outputs and provenance %.2fs\n",
			res.Stats.Pass1.Seconds(), res.Stats.Pass2.Seconds(), secs-res.Stats.Pass1.Seconds()-res.Stats.Pass2.Seconds())
	}
	if len(r.FindingsByKind) > 0 {
		kinds := make([]string, 0, len(r.FindingsByKind))
		for k := range r.FindingsByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprintf(w, "findings: %d\n", t.Findings)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, k := range kinds {
			fmt.Fprintf(tw, "  %s\t%d findings\t%d records\n", k, r.FindingsByKind[k], r.RecordsByKind[k])
		}
		tw.Flush()
	} else {
		fmt.Fprintln(w, "findings: none")
	}
	if d, ok := r.Corpus["dedupe"].(dedupe.Stats); ok && d.Clusters > 0 {
		fmt.Fprintf(w, "duplicates: %d clusters, %d records dropped (%d exact, %d near), %d bytes removed\n",
			d.Clusters, d.Dropped, d.DroppedExact, d.DroppedNear, d.BytesRemoved)
	}
	unchanged := 0
	for _, s := range r.Skipped {
		if s.Reason == "unchanged" {
			unchanged++
			continue
		}
		fmt.Fprintf(w, "skipped: %s: %s\n", s.Path, s.Reason)
	}
	if unchanged > 0 {
		fmt.Fprintf(w, "unchanged, not scanned: %d files\n", unchanged)
	}
	if r.BaselineSuppressed > 0 {
		fmt.Fprintf(w, "baseline: %d accepted findings suppressed\n", r.BaselineSuppressed)
	}
	if mode == scanner.ModeClean {
		fmt.Fprintf(w, "output: %s/ (data/, quarantine/, findings, report.json, report.html, ledger, manifest)\n", out)
	} else {
		fmt.Fprintf(w, "output: %s/ (findings, report.json)\n", out)
	}
}

func runDetectors(args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("detectors", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: winnow detectors\n\nList every detector and the kinds it reports, with severities.\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		return err
	}
	opt := defaults.DefaultOptions()
	reg, err := defaults.Registry(opt)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tSEVERITY\tDETECTOR\tDESCRIPTION")
	type row struct{ kind, sev, det, desc string }
	var rows []row
	seen := map[string]bool{}
	for _, d := range reg.Detectors() {
		for _, k := range d.Kinds() {
			if seen[k.Name] {
				continue
			}
			seen[k.Name] = true
			rows = append(rows, row{k.Name, k.Severity.String(), d.ID(), k.Description})
		}
	}
	for _, k := range defaults.CorpusKinds() {
		if !seen[k.Name] {
			seen[k.Name] = true
			rows = append(rows, row{k.Name, k.Severity.String(), k.Detector + " (corpus)", k.Description})
		}
	}
	for _, k := range scanner.EngineKinds() {
		if !seen[k.Name] {
			seen[k.Name] = true
			det := "engine"
			if strings.HasPrefix(k.Name, "dup.") {
				det = "dedupe (corpus)"
			}
			rows = append(rows, row{k.Name, k.Severity.String(), det, k.Description})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].kind < rows[j].kind })
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.kind, r.sev, r.det, r.desc)
	}
	return tw.Flush()
}
