package scanner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/scanner/audit"
	"github.com/winnow-data/winnow/scanner/ciformat"
	"github.com/winnow-data/winnow/scanner/provenance"
	"github.com/winnow-data/winnow/scanner/records"
	"github.com/winnow-data/winnow/scanner/storage"
)

// Kinds reported by the engine itself for input problems.
var InputKinds = []detectors.Kind{
	{Name: "input.bad_record", Description: "record that cannot be parsed (malformed JSON line); quarantined with file and line", Severity: detectors.SeverityMedium},
	{Name: "input.invalid_utf8", Description: "string value that is not valid UTF-8; scanned byte-wise", Severity: detectors.SeverityLow},
}

const (
	kindBadRecord   = "input.bad_record"
	kindInvalidUTF8 = "input.invalid_utf8"
	engineDetector  = "engine"
)

// EngineKinds returns the kinds the engine reports itself (input problems,
// duplicates), for listings such as `winnow detectors`.
func EngineKinds() []detectors.Kind {
	return append(append(append([]detectors.Kind(nil), InputKinds...), DupKinds...), SplitViewKinds...)
}

func validGlob(p string) bool { _, err := path.Match(p, ""); return err == nil }

// Result is what Run returns: the report (also written as report.json) and
// the run's timings.
type Result struct {
	Report *Report
	Stats  RunStats
	// MaxSeverity is the highest severity among the findings, or -1.
	MaxSeverity detectors.Severity
	// LocalOut is a local directory holding the run's outputs: Out itself,
	// or, when Out is an object-store URL, a local copy of what was
	// uploaded, which the caller owns and must remove.
	LocalOut string
}

// Run executes one scan or clean run as configured. It returns a non-nil
// Result whenever the run completed, even if it found problems; err is
// non-nil only when the run could not complete (bad config, unreadable
// input with --on-error fail, an output failure, cancellation).
//
// Run is safe to call concurrently with different Out directories.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	return e.run(ctx)
}

type engine struct {
	cfg     Config
	set     *detectors.Set
	filter  *records.FieldFilter
	files   []InputFile
	skipped map[int]string // file index -> reason (on-error skip)
	report  *Report
	stats   RunStats
	out     *outputs
	corpus  []corpusStage
	// verdicts from the corpus reduce, per file, sorted by row.
	verdicts map[int][]corpusFinding
	kinds    map[string]detectors.Kind
	fallback map[string]bool // kinds with Kind.Fallback
	recur    recurrence
	maxSev   detectors.Severity

	bytesRead atomic.Int64
	records   atomic.Int64
	passNo    atomic.Int32

	baseline    map[baselineKey]bool
	findRows    []FindingRow
	ledgerRows  []provenance.LedgerRow
	detVersions map[string]string
	outFiles    []outFileInfo

	// shardLo, shardHi bound the files a staged task processes ([lo, hi),
	// possibly empty) when sharded is set; otherwise it processes every file.
	shardLo, shardHi int
	sharded          bool
	// scratch is local scratch space when there is no outputs directory
	// (staged map and resolve tasks).
	scratch string
	// record, in a staged map task, receives the corpus sketches of every
	// stage but dedupe instead of the stages themselves.
	record []*sketchRecorder
	// publishDir receives files a corpus stage publishes (url-hashes.jsonl);
	// the outputs' stage unless a staged resolve sets it.
	publishDir string
	// corpusIDs, in a staged finalize or commit task, are the corpus
	// stages the resolve task ran (e.corpus is empty there).
	corpusIDs []string
	// checkSubjects, in a staged commit, checks the manifest's subjects
	// against the digests the finalize tasks recorded.
	checkSubjects func(*provenance.Statement) error
	// known are input digests known before the run (a staged plan's).
	known map[int]string

	store   *storage.Store // object-store client, when an input is a URL
	results sync.Pool      // *result buffers, recycled across batches

	digestOnce sync.Once
	digests    []string
	digestErr  error
}

// corpusFinding is a document- or span-level finding decided at corpus level.
type corpusFinding struct {
	row        int64
	kind       string
	detector   string
	field      string
	start, end int
	confidence float64
	cluster    string
	kept       *detectors.RecordRef
	similarity float64
	detail     string
}

// newBareEngine builds an engine without planning its inputs.
func newBareEngine(cfg Config) (*engine, error) {
	e := &engine{cfg: cfg, skipped: map[int]string{}, kinds: map[string]detectors.Kind{}, maxSev: -1}
	e.results.New = func() any { return &result{} }
	var only func(string) bool
	if len(cfg.Kinds) > 0 {
		only = func(k string) bool { return detectors.MatchKind(cfg.Kinds, k) }
	}
	e.set = detectors.Compile(cfg.Registry.Select(cfg.Kinds), only)
	e.detVersions = map[string]string{engineDetector: engineDetector + "@1", dedupeDetector: dedupeDetector + "@1"}
	for _, d := range e.set.Detectors() {
		e.detVersions[d.ID()] = d.ID() + "@" + d.Version()
	}
	for _, k := range cfg.Registry.Kinds() {
		e.kinds[k.Name] = k
		if k.Fallback {
			if e.fallback == nil {
				e.fallback = map[string]bool{}
			}
			e.fallback[k.Name] = true
		}
	}
	for _, k := range InputKinds {
		e.kinds[k.Name] = k
	}
	e.filter, _ = records.NewFieldFilter(cfg.Fields)
	if cfg.Baseline != nil {
		if cfg.Baseline.KeyID != "" && cfg.Baseline.KeyID != keyID(cfg.Key) {
			return nil, errors.New("--baseline was written with another HMAC key (--key-file/WINNOW_KEY); its value hashes cannot match")
		}
		var err error
		if e.baseline, err = cfg.Baseline.index(); err != nil {
			return nil, err
		}
	}
	for _, in := range cfg.Inputs {
		if storage.IsURL(in) && e.store == nil {
			st, err := storage.NewStore(storage.Options{})
			if err != nil {
				return nil, err
			}
			e.store = st
		}
	}
	return e, nil
}

func newEngine(cfg Config) (*engine, error) {
	e, err := newBareEngine(cfg)
	if err != nil {
		return nil, err
	}
	files, skipped, err := planWith(context.Background(), e.store, cfg.Inputs)
	if err != nil {
		e.closeStore()
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no input files found in %s", strings.Join(cfg.Inputs, ", "))
	}
	e.setFiles(files, skipped)
	return e, nil
}

// setFiles installs the planned files and starts the report.
func (e *engine) setFiles(files []InputFile, skipped []Skipped) {
	e.files = files
	e.report = &Report{
		Tool:           ToolInfo{Name: "winnow", Version: e.cfg.ToolVersion},
		Mode:           e.cfg.Mode.String(),
		Skipped:        skipped,
		FindingsByKind: map[string]int64{},
		RecordsByKind:  map[string]int64{},
		DroppedByKind:  map[string]int64{},
	}
}

// filePath names plan file i for reports.
func (e *engine) filePath(i int64) (string, bool) {
	if i < 0 || i >= int64(len(e.files)) {
		return "", false
	}
	return e.files[i].Path, true
}

// inShard reports whether file i is processed by this engine: every file
// in-process, only the shard's files in a staged map or finalize task.
func (e *engine) inShard(i int) bool {
	return !e.sharded || (i >= e.shardLo && i < e.shardHi)
}

// scratchDir is local scratch space for spill files.
func (e *engine) scratchDir() string {
	if e.scratch != "" {
		return e.scratch
	}
	return e.out.tmpDir()
}

// checkPin compares the inputs' digests with a pinned manifest (--pin).
func (e *engine) checkPin() error {
	if e.cfg.Pin == "" {
		return nil
	}
	ds, err := e.inputDigests()
	if err != nil {
		return err
	}
	cur := map[string]string{}
	for i, f := range e.files {
		cur[f.Path] = ds[i]
	}
	mism, err := provenance.PinCheck(e.cfg.Pin, cur)
	if err != nil {
		return fmt.Errorf("--pin %s: %w", e.cfg.Pin, err)
	}
	var changed []string
	for _, m := range mism {
		msg := fmt.Sprintf("--pin: %s: %s (pinned sha256 %s)", m.Path, m.Kind, m.Pinned)
		if m.Kind == provenance.MismatchChanged {
			changed = append(changed, msg)
		}
		e.report.Warnings = append(e.report.Warnings, msg)
	}
	if len(changed) > 0 && !e.cfg.PinReportOnly {
		return fmt.Errorf("inputs differ from the pinned manifest (use --pin-report to only report):\n  %s", strings.Join(changed, "\n  "))
	}
	return nil
}

// newCorpus builds fresh corpus stages for a pass-1 attempt.
func (e *engine) newCorpus() error {
	e.closeCorpus()
	var stages []corpusStage
	if e.cfg.Corpus != nil {
		for _, c := range e.cfg.Corpus() {
			stages = append(stages, detectorStage{c})
			e.detVersions[c.ID()] = c.ID() + "@" + c.Version()
		}
	}
	if !e.cfg.Dedupe.Disabled && (detectors.MatchKind(e.cfg.Kinds, "dup.exact") || detectors.MatchKind(e.cfg.Kinds, "dup.near")) {
		d, err := newDedupeStage(e.cfg.Dedupe, e.files, e.inputDigests, e.scratchDir(), e.cfg.Mode)
		if err != nil {
			return err
		}
		stages = append(stages, d)
	}
	if e.cfg.SplitView.URLField != "" && detectors.MatchKind(e.cfg.Kinds, "poison.split_view") {
		pub := e.publishDir
		if pub == "" {
			pub = e.out.stage
		}
		sv, err := newSplitViewStage(e.cfg.SplitView, pub)
		if err != nil {
			return err
		}
		stages = append(stages, sv)
	}
	for _, c := range stages {
		keep := false
		for _, k := range c.kinds() {
			e.kinds[k.Name] = k
			if detectors.MatchKind(e.cfg.Kinds, k.Name) {
				keep = true
			}
		}
		if keep {
			e.corpus = append(e.corpus, c)
		}
	}
	return nil
}

// closeCorpus releases the corpus stages' temporary files.
// releaseDetectors drops the corpus detectors once reduce has taken their
// findings and reports, so that their state does not stay in memory
// through pass 2 (the dedupe stage stays: it saves its index at commit).
func (e *engine) releaseDetectors() {
	for i, c := range e.corpus {
		if ds, ok := c.(detectorStage); ok {
			e.corpus[i] = releasedStage{name: ds.id(), ks: ds.kinds()}
		}
	}
}

func (e *engine) closeCorpus() {
	for _, c := range e.corpus {
		if cl, ok := c.(closer); ok {
			cl.close()
		}
	}
	e.corpus = nil
}

func (e *engine) run(ctx context.Context) (*Result, error) {
	defer e.closeStore()
	e.stats.Start = time.Now()
	e.stats.Workers = e.cfg.Workers
	root := e.cfg.Out
	var remote *storage.Bucket
	if storage.IsURL(root) {
		// Outputs are written locally, then uploaded (remoteout.go).
		if e.store == nil {
			st, err := storage.NewStore(storage.Options{})
			if err != nil {
				return nil, err
			}
			e.store = st
		}
		var err error
		if remote, err = openRemoteOut(ctx, e.store, root); err != nil {
			return nil, err
		}
		if root, err = os.MkdirTemp(e.cfg.Scratch, "winnow-out-*"); err != nil {
			return nil, err
		}
		// Removed unless published (then remote is nil and the caller owns
		// the local copy).
		defer func() {
			if remote != nil {
				os.RemoveAll(root)
			}
		}()
	}
	out, err := openOutputs(root, e.cfg.Mode, e.cfg.FindingsFormat)
	if err != nil {
		return nil, err
	}
	e.out = out
	defer out.abort() // no-op after commit

	if err := e.selectChanged(); err != nil {
		return nil, err
	}
	if err := e.checkPin(); err != nil {
		return nil, err
	}
	stopProgress := e.startProgress()
	defer stopProgress()

	if err := e.newCorpus(); err != nil {
		return nil, err
	}
	defer e.closeCorpus()
	// Pass 1 runs when corpus stages need it, and with --on-error skip so
	// that unreadable files are found before anything is written.
	if len(e.corpus) > 0 || e.cfg.OnError == "skip" {
		t := time.Now()
		for {
			retry, err := e.pass(ctx, 1)
			if err != nil {
				return nil, err
			}
			if !retry {
				break
			}
			// A file failed with --on-error skip: start over without it.
			if err := e.newCorpus(); err != nil {
				return nil, err
			}
		}
		if err := e.reduce(); err != nil {
			return nil, err
		}
		e.releaseDetectors()
		e.stats.Pass1 = time.Since(t)
	}
	t := time.Now()
	if _, err := e.pass(ctx, 2); err != nil {
		return nil, err
	}
	e.stats.Pass2 = time.Since(t)
	e.finishReport()
	e.stats.End = time.Now()
	if err := out.commit(e.report, e.writeExtras, func(stage string) error { return e.writeProvenance(ctx, stage) }); err != nil {
		return nil, err
	}
	for _, c := range e.corpus {
		if cm, ok := c.(committer); ok {
			if err := cm.commit(); err != nil {
				return nil, err
			}
		}
	}
	if remote != nil {
		if err := publishRemote(ctx, remote, root); err != nil {
			return nil, fmt.Errorf("--out %s: %w", e.cfg.Out, err)
		}
		remote = nil // keep the local copy for the caller (Result.LocalOut)
	}
	stopProgress()
	e.stats.End = time.Now()
	e.stats.BytesRead = e.bytesRead.Load()
	return &Result{Report: e.report, Stats: e.stats, MaxSeverity: e.maxSev, LocalOut: root}, nil
}

func (e *engine) reduce() error {
	e.verdicts = map[int][]corpusFinding{}
	e.report.Corpus = map[string]any{}
	// Stages reduce in parallel; their results are merged in stage order.
	hits := make([][]corpusHit, len(e.corpus))
	var g errgroup.Group
	for i, c := range e.corpus {
		g.Go(func() error {
			t := time.Now()
			h, err := c.reduce()
			if err != nil {
				return fmt.Errorf("corpus stage %s: %w", c.id(), err)
			}
			if os.Getenv("WINNOW_TIMINGS") != "" {
				fmt.Fprintf(e.cfg.Log, "winnow: reduce %s: %.2fs, %d findings\n", c.id(), time.Since(t).Seconds(), len(h))
			}
			hits[i] = h
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, c := range e.corpus {
		for _, h := range hits[i] {
			if !detectors.MatchKind(e.cfg.Kinds, h.kind) {
				continue
			}
			f := int(h.rec.File)
			e.verdicts[f] = append(e.verdicts[f], h.corpusFinding)
		}
		if r := c.report(); r != nil {
			raw, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("corpus stage %s: report: %w", c.id(), err)
			}
			if raw, err = addFilePaths(raw, e.filePath); err != nil {
				return fmt.Errorf("corpus stage %s: report: %w", c.id(), err)
			}
			e.report.Corpus[c.id()] = json.RawMessage(raw)
		}
	}
	for f, vs := range e.verdicts {
		sort.SliceStable(vs, func(i, j int) bool {
			a, b := vs[i], vs[j]
			if a.row != b.row {
				return a.row < b.row
			}
			if a.kind != b.kind {
				return a.kind < b.kind
			}
			if a.field != b.field {
				return a.field < b.field
			}
			return a.start < b.start
		})
		e.verdicts[f] = vs
	}
	if len(e.report.Corpus) == 0 {
		e.report.Corpus = nil
	}
	return nil
}

func (e *engine) finishReport() {
	e.report.Recurrence = e.recur.summary(10)
	sev := map[string]string{}
	for k := range e.report.FindingsByKind {
		if kd, ok := e.kinds[k]; ok {
			sev[k] = kd.Severity.String()
		}
	}
	if len(sev) > 0 {
		e.report.Severity = sev
	}
	for i, f := range e.files {
		if reason, ok := e.skipped[i]; ok {
			e.report.Skipped = append(e.report.Skipped, Skipped{Path: f.Path, Reason: reason})
		}
	}
	sort.Slice(e.report.Skipped, func(i, j int) bool { return e.report.Skipped[i].Path < e.report.Skipped[j].Path })
}

// job is one batch moving through the pipeline.
type job struct {
	seq    int
	file   int
	batch  *records.Batch
	first  bool
	last   bool
	reader records.Reader       // set on the first job of a file
	writer records.BatchWriter  // clean mode, pass 2: set on the first job
	scalar records.ScalarReader // the file's reader, if it can look fields up
	raw    records.RawRecorder  // the file's reader, if it exposes raw records
	sinks  *fileSinks
	closer func() error // closes the file; set on the first job
	err    error        // file-level read error after this batch
	corpus []corpusFinding
	res    *result
	// pending counts the corpus-stage observers still reading this batch
	// in pass 1; the last one returns it to the free list.
	pending atomic.Int32
}

// pass runs one streaming pass over every planned file. Pass 1 only
// observes (corpus sketches); pass 2 detects, decides and writes. It
// returns retry=true when pass 1 skipped a failing file and must restart.
func (e *engine) pass(ctx context.Context, n int) (retry bool, err error) {
	// Progress and throughput count the current pass only.
	e.bytesRead.Store(0)
	e.records.Store(0)
	e.passNo.Store(int32(n))
	g, ctx := errgroup.WithContext(ctx)
	free := make(chan *records.Batch, e.cfg.InFlight)
	for i := 0; i < e.cfg.InFlight; i++ {
		free <- &records.Batch{}
	}
	work := make(chan *job, e.cfg.InFlight)
	done := make(chan *job, e.cfg.InFlight)

	g.Go(func() error { return protect(func() error { return e.produce(ctx, n, free, work) }) })
	var wg sync.WaitGroup
	for w := 0; w < e.cfg.Workers; w++ {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			return protect(func() error { return e.work(ctx, n, work, done) })
		})
	}
	go func() { wg.Wait(); close(done) }()
	// In pass 1 each corpus stage observes in its own goroutine, in input
	// order, so stages run in parallel with each other.
	var observers []chan *job
	if n == 1 && len(e.corpus) > 0 {
		for _, c := range e.corpus {
			ch := make(chan *job, e.cfg.InFlight)
			observers = append(observers, ch)
			g.Go(func() error { return protect(func() error { return e.observe(c, ch, free) }) })
		}
	}
	var retried atomic.Bool
	g.Go(func() error {
		defer func() {
			for _, ch := range observers {
				close(ch)
			}
		}()
		return protect(func() error {
			r, err := e.sequence(ctx, n, free, done, observers)
			retried.Store(r)
			return err
		})
	})
	if err := g.Wait(); err != nil {
		return false, err
	}
	return retried.Load(), nil
}

// observe feeds one corpus stage its sketches, batch by batch in input
// order, and returns each batch to the free list after its last observer.
func (e *engine) observe(c corpusStage, ch <-chan *job, free chan<- *records.Batch) error {
	idx := -1
	for i, cd := range e.corpus {
		if cd == c {
			idx = i
		}
	}
	var err error
	for j := range ch {
		if err == nil {
			b, res := j.batch, j.res
			off := res.skOff[idx]
			for r := 0; r < b.N && err == nil; r++ {
				ref := detectors.RecordRef{File: int32(j.file), Row: b.Row + int64(r)}
				if oerr := c.observe(ref, res.sketches[idx][off[r]:off[r+1]]); oerr != nil {
					err = fmt.Errorf("corpus stage %s: %w", c.id(), oerr)
				}
			}
		}
		if j.pending.Add(-1) == 0 {
			e.release(free, j)
		}
	}
	return err
}

// release returns a consumed job's batch to the free list and its result
// buffers to the pool, so steady state allocates neither.
func (e *engine) release(free chan<- *records.Batch, j *job) {
	if j.res != nil {
		e.results.Put(j.res)
		j.res = nil
	}
	free <- j.batch
}

// protect turns a panic in a pipeline goroutine into an error.
func protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return f()
}

func (e *engine) produce(ctx context.Context, n int, free chan *records.Batch, work chan<- *job) error {
	defer close(work)
	seq := 0
	send := func(j *job) error {
		j.seq = seq
		seq++
		select {
		case work <- j:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	take := func() (*records.Batch, error) {
		select {
		case b := <-free:
			return b, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	for fi, f := range e.files {
		if _, skip := e.skipped[fi]; skip || !e.inShard(fi) {
			continue
		}
		r, closer, err := e.open(f)
		if err != nil {
			b, terr := take()
			if terr != nil {
				return terr
			}
			b.Reset()
			if err := send(&job{file: fi, batch: b, first: true, last: true, err: err}); err != nil {
				return err
			}
			continue
		}
		// The writer exists before the first Next: readers may need to know
		// that rows must be kept for writing.
		var w records.BatchWriter
		var sinks *fileSinks
		if n == 2 && e.cfg.Mode == ModeClean {
			if sinks, err = e.out.fileSinks(f.Rel); err != nil {
				closer()
				return err
			}
			if w, err = r.NewWriter(sinks.sinks()); err != nil {
				closer()
				sinks.discard()
				return &records.FileError{File: f.Path, Err: fmt.Errorf("creating output: %w", err)}
			}
		}
		first := true
		for {
			b, err := take()
			if err != nil {
				closer()
				if sinks != nil {
					sinks.discard()
				}
				return err
			}
			rerr := r.Next(b)
			j := &job{file: fi, batch: b, first: first}
			j.scalar, _ = r.(records.ScalarReader)
			j.raw, _ = r.(records.RawRecorder)
			if n == 2 {
				j.corpus = verdictsFrom(e.verdicts[fi], b.Row)
			}
			if first {
				j.reader, j.closer, j.writer, j.sinks = r, closer, w, sinks
			}
			first = false
			if rerr != nil {
				j.last = true
				if rerr != io.EOF {
					j.err = rerr
					b.N = 0
				}
			}
			if j.err != nil && !isFileError(j.err) {
				j.err = &records.FileError{File: f.Path, Where: fmt.Sprintf("row %d", b.Row), Err: j.err}
			}
			if err := send(j); err != nil {
				return err
			}
			if j.last {
				break
			}
		}
	}
	return nil
}

// verdictsFrom returns the verdicts (sorted by row) from row on.
func verdictsFrom(vs []corpusFinding, row int64) []corpusFinding {
	i := sort.Search(len(vs), func(i int) bool { return vs[i].row >= row })
	return vs[i:]
}

func isFileError(err error) bool {
	var fe *records.FileError
	return errors.As(err, &fe)
}

// closeStore releases the object-store clients.
func (e *engine) closeStore() {
	if e.store != nil {
		e.store.Close()
		e.store = nil
	}
}

// openRemote opens an object-store input.
func (e *engine) openRemote(f InputFile) (records.Reader, func() error, error) {
	ra, err := e.store.OpenReaderAt(context.Background(), f.URL)
	if err != nil {
		return nil, nil, &records.FileError{File: f.Path, Err: err}
	}
	src := records.Source{Name: ra.Name(), R: ra, Size: ra.Size()}
	opt := e.cfg.Read
	opt.Fields = e.filter
	var r records.Reader
	if ra.Size() == 0 {
		r = emptyReader{}
	} else {
		r, err = openFormat(f.Format, src, opt)
	}
	if err != nil {
		ra.Close()
		if !isFileError(err) {
			err = &records.FileError{File: f.Path, Err: err}
		}
		return nil, nil, err
	}
	return r, func() error {
		err := r.Close()
		if cerr := ra.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// open opens one input file with its format's reader.
func (e *engine) open(f InputFile) (records.Reader, func() error, error) {
	if f.URL != "" {
		return e.openRemote(f)
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, nil, &records.FileError{File: f.Path, Err: err}
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, nil, &records.FileError{File: f.Path, Err: err}
	}
	src := records.Source{Name: f.Path, R: fh, Size: st.Size()}
	opt := e.cfg.Read
	opt.Fields = e.filter
	var r records.Reader
	if st.Size() == 0 {
		r = emptyReader{}
	} else {
		r, err = openFormat(f.Format, src, opt)
	}
	if err != nil {
		fh.Close()
		if !isFileError(err) {
			err = &records.FileError{File: f.Path, Err: err}
		}
		return nil, nil, err
	}
	closer := func() error {
		err := r.Close()
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return r, closer, nil
}

// emptyReader reads a zero-byte file: no records, and an empty output.
type emptyReader struct{}

func (emptyReader) Next(b *records.Batch) error { b.Reset(); return io.EOF }
func (emptyReader) Close() error                { return nil }
func (emptyReader) NewWriter(out records.Sinks) (records.BatchWriter, error) {
	return emptyWriter{}, nil
}

type emptyWriter struct{}

func (emptyWriter) WriteBatch(*records.Batch, []records.Decision, []records.Edit) error { return nil }
func (emptyWriter) Close() error                                                        { return nil }

// workerState is one worker's reusable scratch.
type workerState struct {
	sc        detectors.Scratch
	hits      []detectors.Hit
	hasher    *Hasher
	pol       *policyCache
	spans     []span
	fields    []detectors.Field
	text      []byte
	sketchers []sketchFunc
	label     []byte
	kinds     []string
	drop      []bool // dropFallbacks scratch
}

type span struct {
	value      int
	start, end int
	kind       string
	op         Operator
}

func (e *engine) work(ctx context.Context, n int, work <-chan *job, done chan<- *job) error {
	ws := &workerState{hasher: NewHasher(e.cfg.Key), pol: newPolicyCache(*e.cfg.Policy)}
	for j := range work {
		if j.res == nil {
			j.res = e.results.Get().(*result)
		}
		if j.err == nil {
			if n == 1 {
				if len(e.corpus) > 0 {
					e.sketch(ws, j)
				}
			} else {
				e.detect(ws, j)
			}
		}
		select {
		case done <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// result is what a worker computed for one batch.
type result struct {
	dec        []records.Decision
	edits      []records.Edit
	editBuf    []byte
	editOff    []int
	finds      []FindingRow
	findRec    []int32
	hashes     [][sha256.Size]byte // per record: the ledger's record hash
	suppressed int64               // findings suppressed by the baseline
	sketches   [][]byte            // per corpus detector: flat sketches
	skOff      [][]int
}

// sketch computes the corpus sketches of every record in the batch.
func (e *engine) sketch(ws *workerState, j *job) {
	b, res := j.batch, j.res
	if len(ws.sketchers) != len(e.corpus) {
		ws.sketchers = ws.sketchers[:0]
		for _, c := range e.corpus {
			ws.sketchers = append(ws.sketchers, c.newSketcher())
		}
	}
	if len(res.sketches) != len(e.corpus) {
		res.sketches = make([][]byte, len(e.corpus))
		res.skOff = make([][]int, len(e.corpus))
	}
	for c := range e.corpus {
		res.sketches[c] = res.sketches[c][:0]
		res.skOff[c] = append(res.skOff[c][:0], 0)
	}
	v := 0
	nv := b.NumValues()
	var rv recordView
	var cur int
	if j.scalar != nil {
		rv.score = func(path []byte) float64 {
			raw, ok := j.scalar.Scalar(b, cur, path)
			if !ok {
				return math.NaN()
			}
			return parseScore(raw)
		}
	}
	for r := 0; r < b.N; r++ {
		cur = r
		ws.fields = ws.fields[:0]
		ws.text = ws.text[:0]
		for v < nv && int(b.ValueRec[v]) == r {
			val := b.Value(v)
			ws.fields = append(ws.fields, detectors.Field{Name: b.FieldName(v), Value: val})
			if len(ws.text) > 0 {
				ws.text = append(ws.text, '\n')
			}
			ws.text = append(ws.text, val...)
			v++
		}
		rv.fields, rv.text = ws.fields, ws.text
		for c, sk := range ws.sketchers {
			res.sketches[c] = sk(res.sketches[c], &rv)
			res.skOff[c] = append(res.skOff[c], len(res.sketches[c]))
		}
	}
}

// detect runs the per-record detectors over a batch, merges the corpus
// verdicts and decides every record.
func (e *engine) detect(ws *workerState, j *job) {
	b, res := j.batch, j.res
	file := e.files[j.file].Path
	res.dec = res.dec[:0]
	for i := 0; i < b.N; i++ {
		res.dec = append(res.dec, records.Decision{})
	}
	res.edits, res.editBuf, res.editOff = res.edits[:0], res.editBuf[:0], res.editOff[:0]
	res.finds, res.findRec = res.finds[:0], res.findRec[:0]

	e.hashRecords(ws, j)
	res.suppressed = 0
	bad := b.Bad
	corpus := j.corpus
	v := 0
	nv := b.NumValues()
	for r := 0; r < b.N; r++ {
		row := b.Row + int64(r)
		action := records.Keep
		ws.kinds = ws.kinds[:0]
		ws.spans = ws.spans[:0]
		badReason := ""
		if len(bad) > 0 && bad[0].Rec == r {
			badReason = kindBadRecord + ": " + bad[0].Err.Error()
			e.addFinding(ws, res, r, FindingRow{File: file, Row: row, Kind: kindBadRecord, Detector: engineDetector,
				Confidence: 1, Detail: strPtr(bad[0].Err.Error())}, nil, &action)
			bad = bad[1:]
		}
		for ; v < nv && int(b.ValueRec[v]) == r; v++ {
			val := b.Value(v)
			ws.hits = ws.hits[:0]
			if !utf8.Valid(val) {
				off := firstInvalid(val)
				ws.hits = append(ws.hits, detectors.Hit{Match: detectors.Match{Kind: kindInvalidUTF8, Start: off, End: off + 1, Confidence: 1}, Det: -1})
			}
			ws.hits = e.set.Detect(ws.hits, val, &ws.sc)
			if len(ws.hits) == 0 {
				continue
			}
			field := string(b.FieldName(v))
			sortHits(ws.hits)
			ws.hits = e.dropFallbacks(ws, ws.hits)
			for _, h := range ws.hits {
				det := engineDetector
				if h.Det >= 0 {
					det = e.set.Detectors()[h.Det].ID()
				}
				if h.Start < 0 || h.End > len(val) || h.Start > h.End {
					continue // defensive: a detector bug must not crash the run
				}
				pr := ws.pol.get(h.Kind)
				if h.Confidence < pr.minConf {
					continue
				}
				fr := FindingRow{File: file, Row: row, Field: field, Start: int64(h.Start), End: int64(h.End),
					Kind: h.Kind, Detector: det, Confidence: h.Confidence}
				if !e.addFinding(ws, res, r, fr, val[h.Start:h.End], &action) {
					continue
				}
				if pr.action == records.Redact && h.End > h.Start {
					ws.spans = append(ws.spans, span{value: v, start: h.Start, end: h.End, kind: h.Kind, op: pr.op})
				}
			}
		}
		for len(corpus) > 0 && corpus[0].row < row {
			corpus = corpus[1:]
		}
		for ; len(corpus) > 0 && corpus[0].row == row; corpus = corpus[1:] {
			c := corpus[0]
			fr := FindingRow{File: file, Row: row, Field: c.field, Start: int64(c.start), End: int64(c.end),
				Kind: c.kind, Detector: c.detector, Confidence: c.confidence}
			if c.cluster != "" {
				fr.Cluster = strPtr(c.cluster)
			}
			if c.detail != "" {
				fr.Detail = strPtr(c.detail)
			}
			if c.kept != nil {
				fr.KeptFile = strPtr(e.files[c.kept.File].Path)
				fr.KeptRow = &c.kept.Row
				sim := c.similarity
				fr.Similarity = &sim
			}
			e.addFinding(ws, res, r, fr, nil, &action)
		}
		switch {
		case badReason != "":
			res.dec[r] = records.Decision{Action: records.Drop, Reason: badReason}
		case action == records.Drop:
			sort.Strings(ws.kinds)
			res.dec[r] = records.Decision{Action: records.Drop, Reason: strings.Join(dedupStrings(ws.kinds), ",")}
		case action == records.Redact && len(ws.spans) > 0:
			res.dec[r] = records.Decision{Action: records.Redact}
			e.buildEdits(ws, res, b)
		}
	}
	// Edit.Data slices are taken only now: editBuf may have moved while growing.
	for i := range res.edits {
		res.edits[i].Data = res.editBuf[res.editOff[2*i]:res.editOff[2*i+1]]
	}
}

// hashRecords computes each record's ledger hash: sha256 of the raw record
// when the format exposes it (a JSONL line), otherwise of its scanned field
// names and values, each followed by a zero byte.
func (e *engine) hashRecords(ws *workerState, j *job) {
	b, res := j.batch, j.res
	res.hashes = res.hashes[:0]
	v, nv := 0, b.NumValues()
	for r := 0; r < b.N; r++ {
		if j.raw != nil {
			res.hashes = append(res.hashes, sha256.Sum256(j.raw.Raw(b, r)))
			continue
		}
		ws.text = ws.text[:0]
		for ; v < nv && int(b.ValueRec[v]) == r; v++ {
			ws.text = append(append(ws.text, b.FieldName(v)...), 0)
			ws.text = append(append(ws.text, b.Value(v)...), 0)
		}
		res.hashes = append(res.hashes, sha256.Sum256(ws.text))
	}
}

// addFinding records a finding row and folds its action into the record's.
func (e *engine) addFinding(ws *workerState, res *result, r int, fr FindingRow, value []byte, action *records.Action) bool {
	pr := ws.pol.get(fr.Kind)
	fr.Action = pr.label
	if value != nil {
		fr.ValueHash = ws.hasher.ValueHash(value)
	}
	if e.baseline != nil && e.baseline[baselineKey{rec: res.hashes[r], kind: fr.Kind, val: fr.ValueHash}] {
		res.suppressed++
		return false
	}
	if value != nil && e.cfg.ShowValues {
		fr.Value = strPtr(string(value))
	}
	if pr.action > *action {
		*action = pr.action
	}
	if pr.action == records.Drop {
		ws.kinds = append(ws.kinds, fr.Kind)
	}
	res.finds = append(res.finds, fr)
	res.findRec = append(res.findRec, int32(r))
	return true
}

// buildEdits turns the record's redaction spans into one Edit per value.
func (e *engine) buildEdits(ws *workerState, res *result, b *records.Batch) {
	spans := ws.spans
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].value != spans[j].value {
			return spans[i].value < spans[j].value
		}
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	for i := 0; i < len(spans); {
		v := spans[i].value
		val := b.Value(v)
		start := len(res.editBuf)
		pos := 0
		for i < len(spans) && spans[i].value == v {
			s := spans[i]
			end := s.end
			i++
			for i < len(spans) && spans[i].value == v && spans[i].start < end {
				if spans[i].end > end {
					end = spans[i].end
				}
				i++
			}
			if s.start < pos {
				continue
			}
			res.editBuf = append(res.editBuf, val[pos:s.start]...)
			res.editBuf = e.replacement(ws, res.editBuf, s.kind, s.op, val[s.start:end])
			pos = end
		}
		res.editBuf = append(res.editBuf, val[pos:]...)
		res.edits = append(res.edits, records.Edit{Value: v})
		res.editOff = append(res.editOff, start, len(res.editBuf))
	}
}

// replacement appends the operator's substitute for value to dst.
func (e *engine) replacement(ws *workerState, dst []byte, kind string, op Operator, value []byte) []byte {
	switch op {
	case OpFake:
		if e.cfg.Fake != nil {
			return e.cfg.Fake(dst, kind, value, e.cfg.Key)
		}
		fallthrough
	case OpHash:
		ws.label = maskLabel(ws.label[:0], kind)
		dst = append(dst, ws.label[:len(ws.label)-1]...)
		dst = append(dst, ':')
		sum := ws.hasher.Sum(value)
		const hexd = "0123456789abcdef"
		for _, c := range sum[:6] {
			dst = append(dst, hexd[c>>4], hexd[c&15])
		}
		return append(dst, ']')
	}
	return maskLabel(dst, kind)
}

// dropFallbacks removes hits of a fallback kind (Kind.Fallback) that a hit
// of another kind of the same family overlaps.
func (e *engine) dropFallbacks(ws *workerState, h []detectors.Hit) []detectors.Hit {
	if len(h) < 2 || len(e.fallback) == 0 {
		return h
	}
	ws.drop = ws.drop[:0]
	n := 0
	for i := range h {
		d := false
		if e.fallback[h[i].Kind] {
			fam, _, _ := strings.Cut(h[i].Kind, ".")
			for j := range h {
				if j != i && !e.fallback[h[j].Kind] && h[j].Start < h[i].End && h[i].Start < h[j].End &&
					strings.HasPrefix(h[j].Kind, fam) && len(h[j].Kind) > len(fam) && h[j].Kind[len(fam)] == '.' {
					d = true
					break
				}
			}
		}
		ws.drop = append(ws.drop, d)
		if d {
			n++
		}
	}
	if n == 0 {
		return h
	}
	out := h[:0]
	for i := range h {
		if !ws.drop[i] {
			out = append(out, h[i])
		}
	}
	return out
}

func sortHits(h []detectors.Hit) {
	sort.SliceStable(h, func(i, j int) bool {
		if h[i].Start != h[j].Start {
			return h[i].Start < h[j].Start
		}
		if h[i].End != h[j].End {
			return h[i].End < h[j].End
		}
		return h[i].Kind < h[j].Kind
	})
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

func dedupStrings(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func strPtr(s string) *string { return &s }

// fileState is the sequencer's state for the file being written.
type fileState struct {
	rep     FileReport
	writer  records.BatchWriter
	closer  func() error
	sinks   *fileSinks
	values  int64
	lister  records.FieldLister
	hasList bool
	file    int              // index in e.files
	lastRow map[string]int64 // kind -> last row counted in RecordsByKind
	dataRow int64
	quarRow int64
	names   map[string]bool // field names seen (JSONL indices as [*])
}

// sequence consumes worker results in input order and writes them.
func (e *engine) sequence(ctx context.Context, n int, free chan<- *records.Batch, done <-chan *job, observers []chan *job) (retry bool, err error) {
	pending := map[int]*job{}
	next := 0
	var fs *fileState
	abortFile := func() {
		if fs == nil {
			return
		}
		if fs.closer != nil {
			fs.closer()
		}
		if fs.sinks != nil {
			fs.sinks.discard()
		}
		fs = nil
	}
	defer abortFile()
	for j := range done {
		pending[j.seq] = j
		for {
			j, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			f := e.files[j.file]
			if j.first {
				fs = &fileState{rep: FileReport{File: f.Path, Format: f.Format}, closer: j.closer, file: j.file, lastRow: map[string]int64{}}
				if l, ok := j.reader.(records.FieldLister); ok {
					fs.lister, fs.hasList = l, true
				}
				fs.sinks, fs.writer = j.sinks, j.writer
			}
			if j.err != nil {
				if e.cfg.OnError != "skip" {
					return false, j.err
				}
				if n == 2 && !j.first {
					// Findings and ledger rows of this file were written:
					// it cannot be left out any more.
					return false, fmt.Errorf("%w (the file read cleanly in pass 1; did it change during the run?)", j.err)
				}
				fmt.Fprintf(e.cfg.Log, "winnow: skipping %v\n", j.err)
				e.skipped[j.file] = j.err.Error()
				abortFile()
				e.release(free, j)
				if n == 1 {
					// Observations of this file were made: restart pass 1.
					for range done {
					}
					return true, nil
				}
				continue
			}
			if err := e.consume(n, j, fs); err != nil {
				return false, err
			}
			e.bytesRead.Add(j.batch.Bytes)
			e.records.Add(int64(j.batch.N))
			if len(observers) > 0 {
				j.pending.Store(int32(len(observers)))
				for _, ch := range observers {
					select {
					case ch <- j:
					case <-ctx.Done():
						return false, ctx.Err()
					}
				}
			} else {
				e.release(free, j)
			}
			if j.last {
				if err := e.finishFile(n, fs); err != nil {
					return false, err
				}
				fs = nil
			}
		}
	}
	return false, nil
}

// consume handles one in-order batch result.
func (e *engine) consume(n int, j *job, fs *fileState) error {
	b, res := j.batch, j.res
	fs.rep.BytesIn += b.Bytes
	if n == 1 {
		return nil // the corpus stages observe in their own goroutines
	}
	fs.values += int64(b.NumValues())
	if fs.writer != nil {
		if err := fs.writer.WriteBatch(b, res.dec, res.edits); err != nil {
			return fmt.Errorf("%s: writing output: %w", e.files[j.file].Path, err)
		}
	}
	fs.rep.RecordsIn += int64(b.N)
	if err := e.writeLedger(j, fs); err != nil {
		return err
	}
	e.collectNames(b, fs)
	for _, d := range res.dec {
		switch d.Action {
		case records.Keep:
			fs.rep.Kept++
		case records.Redact:
			fs.rep.Redacted++
		case records.Drop:
			fs.rep.Dropped++
		}
	}
	fs.rep.Findings += int64(len(res.finds))
	e.report.BaselineSuppressed += res.suppressed
	// Findings stream straight to the findings file, in input order.
	rows := e.findRows[:0]
	for i := range res.finds {
		fr := res.finds[i]
		if !e.cfg.ShowValues {
			fr.Value = nil
		}
		e.report.FindingsByKind[fr.Kind]++
		if r, ok := fs.lastRow[fr.Kind]; !ok || r != fr.Row {
			e.report.RecordsByKind[fr.Kind]++
			fs.lastRow[fr.Kind] = fr.Row
		}
		if fr.Action == "drop" {
			e.report.DroppedByKind[fr.Kind]++
		}
		if kd, ok := e.kinds[fr.Kind]; ok && kd.Severity > e.maxSev {
			e.maxSev = kd.Severity
		} else if !ok && detectors.SeverityLow > e.maxSev {
			e.maxSev = detectors.SeverityLow
		}
		if fr.ValueHash != "" && (strings.HasPrefix(fr.Kind, "pii.") || strings.HasPrefix(fr.Kind, "secret.")) {
			e.recur.add(fr.Kind, fr.ValueHash, j.file, fr.Row)
		}
		rows = append(rows, fr)
	}
	e.findRows = rows
	if err := e.out.writeFindings(rows); err != nil {
		return err
	}
	return nil
}

// writeLedger appends one ledger row per record of the batch.
func (e *engine) writeLedger(j *job, fs *fileState) error {
	b, res := j.batch, j.res
	rows := e.ledgerRows[:0]
	fi := 0
	for r := 0; r < b.N; r++ {
		row := provenance.LedgerRow{File: fs.rep.File, Row: b.Row + int64(r), RecordHash: hex.EncodeToString(res.hashes[r][:]), OutputRow: -1}
		var reasons, dets []string
		for ; fi < len(res.finds) && int(res.findRec[fi]) == r; fi++ {
			reasons = append(reasons, res.finds[fi].Kind)
			dets = append(dets, e.detectorVersion(res.finds[fi].Detector))
		}
		sort.Strings(reasons)
		sort.Strings(dets)
		row.Reasons, row.Detectors = dedupStrings(reasons), dedupStrings(dets)
		switch res.dec[r].Action {
		case records.Keep:
			row.Decision = provenance.DecisionKept
		case records.Redact:
			row.Decision = provenance.DecisionRedacted
		default:
			row.Decision = provenance.DecisionDropped
		}
		if fs.sinks != nil {
			if res.dec[r].Action == records.Drop {
				row.OutputFile, row.OutputRow = "quarantine/"+e.files[j.file].Rel, fs.quarRow
				fs.quarRow++
			} else {
				row.OutputFile, row.OutputRow = "data/"+e.files[j.file].Rel, fs.dataRow
				fs.dataRow++
			}
		}
		rows = append(rows, row)
	}
	e.ledgerRows = rows
	if err := e.out.ledger.Write(rows); err != nil {
		return fmt.Errorf("writing ledger: %w", err)
	}
	return nil
}

// detectorVersion returns "id@version" for a detector ID.
func (e *engine) detectorVersion(id string) string {
	if v, ok := e.detVersions[id]; ok {
		return v
	}
	return id + "@1"
}

// collectNames records the batch's field names for croissant.json, with
// JSON array indices generalized to [*]; at most 256 per file.
func (e *engine) collectNames(b *records.Batch, fs *fileState) {
	if fs.names == nil {
		fs.names = map[string]bool{}
	}
	for i := 0; i+1 < len(b.NameOff) && len(fs.names) < 256; i++ {
		fs.names[string(generalizeIndices(b.Name(i)))] = true
	}
}

// generalizeIndices replaces every [digits] in a JSON path by [*].
func generalizeIndices(p []byte) []byte {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			j := i + 1
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j > i+1 && j < len(p) && p[j] == ']' {
				out = append(out, "[*]"...)
				i = j
				continue
			}
		}
		out = append(out, p[i])
	}
	return out
}

// finishFile closes a file's outputs and folds its counts into the report.
func (e *engine) finishFile(n int, fs *fileState) error {
	if fs.closer != nil {
		if err := fs.closer(); err != nil {
			return fmt.Errorf("%s: %w", fs.rep.File, err)
		}
		fs.closer = nil
	}
	if n == 1 {
		return nil
	}
	if fs.writer != nil {
		if err := fs.writer.Close(); err != nil {
			return fmt.Errorf("%s: finishing output: %w", fs.rep.File, err)
		}
		data, quar, err := fs.sinks.publish()
		if err != nil {
			return err
		}
		fs.rep.Output, fs.rep.Quarantine = data, quar
	}
	if fs.rep.BytesIn == 0 {
		fs.rep.Warnings = append(fs.rep.Warnings, "empty file: no records")
	} else if fs.hasList && len(fs.lister.ScannedFields()) == 0 {
		fs.rep.Warnings = append(fs.rep.Warnings, "no scannable fields: records pass through unscanned")
	} else if fs.values == 0 && fs.rep.RecordsIn > 0 {
		fs.rep.Warnings = append(fs.rep.Warnings, "no string values were scanned (check --fields)")
	}
	for _, w := range fs.rep.Warnings {
		fmt.Fprintf(e.cfg.Log, "winnow: %s: %s\n", fs.rep.File, w)
	}
	e.report.addFile(fs.rep)
	if fs.sinks != nil {
		names := make([]string, 0, len(fs.names))
		for n := range fs.names {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, rel := range []string{fs.rep.Output, fs.rep.Quarantine} {
			if rel != "" {
				e.outFiles = append(e.outFiles, outFileInfo{rel: rel, format: e.files[fs.file].Format, fields: names})
			}
		}
	}
	return nil
}

// writeExtras writes report.html (clean, or scan --html) and the --report
// files into the stage.
func (e *engine) writeExtras(stage string) error {
	if e.cfg.Mode == ModeClean || e.cfg.HTML {
		if _, err := audit.WriteFile(stage, audit.Options{}); err != nil {
			return fmt.Errorf("writing report.html: %w", err)
		}
	}
	return e.writeCIReports(stage)
}

// writeCIReports writes the --report files (report.sarif, report.junit.xml)
// into the stage, so that the manifest covers them.
func (e *engine) writeCIReports(stage string) error {
	for _, r := range e.cfg.Reports {
		var name string
		var write func(io.Writer, string, ciformat.Options) error
		switch r {
		case "sarif":
			name, write = "report.sarif", ciformat.WriteSARIF
		case "junit":
			name, write = "report.junit.xml", ciformat.WriteJUnit
		default:
			continue // github annotations go to stdout (the CLI)
		}
		var buf bytes.Buffer
		if err := write(&buf, stage, e.cfg.ReportOptions); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(stage, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
