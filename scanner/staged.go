package scanner

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/dedupe"
	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/scanner/provenance"
	"github.com/winnow-data/winnow/scanner/storage"
)

// A staged run (DESIGN §7) splits one clean or scan run into tasks that
// separate processes, on separate machines, run over a shared OUT:
//
//	plan            OUT/_winnow/plan.json: inputs, shard assignment, config
//	map i/N         pass 1 over shard i: corpus sketches, dedupe band partitions
//	reduce r/R      duplicate edges of band partition r
//	resolve         clusters and corpus verdicts, per shard
//	finalize i/N    pass 2 over shard i: cleaned data, quarantine, parts
//	commit          merges the parts into exactly what one in-process run writes
//
// Tasks coordinate only through files under OUT/_winnow. Every task writes
// its outputs under temporary names, renames them into place, and then
// creates its completion marker only if it is absent; a marker lists the
// sha256 of every intermediate the task wrote, and the task that reads an
// intermediate checks it. A task whose marker exists does nothing; a task
// whose predecessors' markers are missing refuses (ErrNotReady) or waits.

// StagedDir is the directory under OUT that holds a staged run's plan,
// intermediates and completion markers.
const StagedDir = provenance.StagedName

// Stage names one task type of a staged run.
type Stage string

// The stages, in order.
const (
	StagePlan     Stage = "plan"
	StageMap      Stage = "map"
	StageReduce   Stage = "reduce"
	StageResolve  Stage = "resolve"
	StageFinalize Stage = "finalize"
	StageCommit   Stage = "commit"
)

// Errors callers branch on.
var (
	// ErrNotReady: a stage was started before every task of the stage
	// before it completed.
	ErrNotReady = errors.New("previous stage not complete")
	// ErrPlanMismatch: the task's configuration differs from the plan's.
	ErrPlanMismatch = errors.New("configuration differs from the plan")
	// ErrCorruptIntermediate: an intermediate file does not match the
	// sha256 its producer recorded, or cannot be decoded.
	ErrCorruptIntermediate = errors.New("corrupt intermediate file")
	// ErrCommitClaimed: another commit task claimed the run.
	ErrCommitClaimed = errors.New("commit already claimed")
)

// StageOptions configure a staged task beyond the run's Config.
type StageOptions struct {
	// Shards (N) and Partitions (R) are used by plan only; later stages
	// read them from the plan. Partitions defaults to 16.
	Shards, Partitions int
	// Args are the command-line arguments the plan records; every task
	// rebuilds its Config from them (the CLI does).
	Args []string
	// Wait is how long a task polls for its predecessors' markers before
	// giving up with ErrNotReady; 0 refuses at once.
	Wait time.Duration
	// Scratch is local scratch space (default os.TempDir()).
	Scratch string
	// Log receives progress lines (default io.Discard).
	Log io.Writer
}

// StageOutcome is what a staged task did.
type StageOutcome struct {
	// AlreadyComplete is true when the task's marker existed: it did nothing.
	AlreadyComplete bool
	// Marker is the completion marker's path.
	Marker string
	// Result is set by commit: the merged report and the run's timings.
	Result *Result
}

// RunPlan is OUT/_winnow/plan.json. It never changes once written.
type RunPlan struct {
	Version int    `json:"version"`
	Tool    string `json:"tool"`
	Mode    string `json:"mode"`
	// Args are the arguments every task rebuilds its config from.
	Args []string `json:"args"`
	// ConfigDigest is the sha256 of the resolved configuration; each task
	// recomputes it and refuses to run on a different one.
	ConfigDigest string     `json:"config_digest"`
	Shards       int        `json:"shards"`
	Partitions   int        `json:"partitions"`
	Files        []PlanFile `json:"files"`
	// ShardStarts[i] is the index of shard i's first file; shard i holds
	// files [ShardStarts[i], ShardStarts[i+1]) (the last ends at len(Files)).
	ShardStarts []int     `json:"shard_starts"`
	Skipped     []Skipped `json:"skipped,omitempty"`
	Warnings    []string  `json:"warnings,omitempty"`
	Created     time.Time `json:"created"`
}

// PlanFile is one planned input of a staged run.
type PlanFile struct {
	Path   string `json:"path"`
	Rel    string `json:"rel"`
	Format Format `json:"format"`
	Size   int64  `json:"size"`
	URL    string `json:"url,omitempty"`
	// SHA256 is set when planning hashed the file (--since-manifest, --pin).
	SHA256 string `json:"sha256,omitempty"`
	// Skip is why the file is not read ("unchanged" with --since).
	Skip string `json:"skip,omitempty"`
}

// shardRange returns the file index range of shard i.
func (p *RunPlan) shardRange(i int) (lo, hi int) {
	lo = p.ShardStarts[i]
	hi = len(p.Files)
	if i+1 < len(p.ShardStarts) {
		hi = p.ShardStarts[i+1]
	}
	return lo, hi
}

// assignShards splits files, in plan order, into n contiguous ranges of
// about equal size. Contiguous ranges keep plan order: shard 0's files come
// first, so merging shards in order reproduces one in-process run.
func assignShards(files []PlanFile, n int) []int {
	var total int64
	for _, f := range files {
		total += max(f.Size, 1)
	}
	starts := make([]int, n)
	var acc int64
	k := 1
	for i, f := range files {
		mid := acc + max(f.Size, 1)/2
		for k < n && mid*int64(n) >= total*int64(k) {
			starts[k] = i
			k++
		}
		acc += max(f.Size, 1)
	}
	for ; k < n; k++ {
		starts[k] = len(files)
	}
	return starts
}

// LoadPlan reads OUT/_winnow/plan.json.
func LoadPlan(out string) (*RunPlan, error) {
	ws, _, done, err := openWorkspace(context.Background(), out, "")
	if err != nil {
		return nil, err
	}
	defer done()
	return ws.loadPlan()
}

func (ws workspace) loadPlan() (*RunPlan, error) {
	data, err := ws.readFile("plan.json")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no plan (run winnow plan first): %w", ws.name("plan.json"), ErrNotReady)
		}
		return nil, err
	}
	var p RunPlan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", ws.name("plan.json"), ErrCorruptIntermediate, err)
	}
	if p.Version != 1 || p.Shards < 1 || len(p.ShardStarts) != p.Shards || p.Partitions < 1 {
		return nil, fmt.Errorf("%s: %w: version %d, %d shards, %d starts, %d partitions", ws.name("plan.json"), ErrCorruptIntermediate, p.Version, p.Shards, len(p.ShardStarts), p.Partitions)
	}
	return &p, nil
}

// openWorkspace opens OUT/_winnow: in place on a filesystem, or through a
// local mirror under scratch for an object-store OUT, whose bucket (rooted
// at OUT) it also returns. done releases the mirror.
func openWorkspace(ctx context.Context, out, scratch string) (workspace, *storage.Bucket, func(), error) {
	if !storage.IsURL(out) {
		return workspace{root: filepath.Join(out, StagedDir), ctx: ctx}, nil, func() {}, nil
	}
	st, err := storage.NewStore(storage.Options{})
	if err != nil {
		return workspace{}, nil, nil, err
	}
	b, err := st.Open(ctx, out)
	if err != nil {
		st.Close()
		return workspace{}, nil, nil, fmt.Errorf("--out %s: %w", out, err)
	}
	if scratch == "" {
		scratch = os.TempDir()
	}
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		st.Close()
		return workspace{}, nil, nil, err
	}
	root, err := os.MkdirTemp(scratch, "winnow-ws-*")
	if err != nil {
		st.Close()
		return workspace{}, nil, nil, err
	}
	done := func() { os.RemoveAll(root); st.Close() }
	return workspace{root: root, b: b.Sub(StagedDir), ctx: ctx}, b, done, nil
}

// RunStage runs one task of a staged run over cfg.Out: index is the shard
// (map, finalize) or partition (reduce); it is ignored by the others. cfg
// must be the configuration the plan was made with (the CLI rebuilds it
// from the plan's Args); plan validates cfg and records it.
//
// RunStage is safe to call concurrently, also from different processes and
// machines, for different or equal tasks of the same run.
func RunStage(ctx context.Context, cfg Config, st Stage, index int, opt StageOptions) (*StageOutcome, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.Scratch == "" {
		opt.Scratch = os.TempDir()
	}
	ws, outB, done, err := openWorkspace(ctx, cfg.Out, opt.Scratch)
	if err != nil {
		return nil, err
	}
	defer done()
	if st == StagePlan {
		return planStaged(ctx, cfg, opt, ws, outB)
	}
	p, err := ws.loadPlan()
	if err != nil {
		return nil, err
	}
	t := &task{cfg: cfg, plan: p, opt: opt, ws: ws, outB: outB}
	switch st {
	case StageMap, StageFinalize:
		if index < 0 || index >= p.Shards {
			return nil, fmt.Errorf("%s %d/%d: shard out of range [0, %d)", st, index, p.Shards, p.Shards)
		}
	case StageReduce:
		if index < 0 || index >= p.Partitions {
			return nil, fmt.Errorf("reduce %d/%d: partition out of range [0, %d)", index, p.Partitions, p.Partitions)
		}
	}
	switch st {
	case StageMap:
		return t.runMap(ctx, index)
	case StageReduce:
		return t.runReduce(ctx, index)
	case StageResolve:
		return t.runResolve(ctx)
	case StageFinalize:
		return t.runFinalize(ctx, index)
	case StageCommit:
		return t.runCommit(ctx)
	}
	return nil, fmt.Errorf("unknown stage %q", st)
}

// task is one staged task's state.
type task struct {
	cfg  Config
	plan *RunPlan
	opt  StageOptions
	ws   workspace
	outB *storage.Bucket // OUT itself when it is an object-store URL
}

func mapMarker(i int) string      { return fmt.Sprintf("map/s%05d.json", i) }
func reduceMarker(r int) string   { return fmt.Sprintf("reduce/p%05d.json", r) }
func finalizeMarker(i int) string { return fmt.Sprintf("finalize/s%05d.json", i) }

const (
	resolveMarker = "resolve/resolve.json"
	commitMarker  = "commit.json"
	commitClaim   = "commit.claim"
)

// partInfo identifies one intermediate file by size and sha256.
type partInfo struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// mapDone is a map task's completion marker.
type mapDone struct {
	Shard   int                 `json:"shard"`
	Stages  []string            `json:"stages"`
	Skipped map[int]string      `json:"skipped,omitempty"`
	Digests map[int]string      `json:"digests"`
	Parts   map[string]partInfo `json:"parts"`
	Dedupe  bool                `json:"dedupe"`
}

// resolveDone is the resolve task's completion marker.
type resolveDone struct {
	Stages      []string                   `json:"stages"`
	Kinds       []detectors.Kind           `json:"kinds"`
	DetVersions map[string]string          `json:"detector_versions"`
	Corpus      map[string]json.RawMessage `json:"corpus,omitempty"`
	Parts       map[string]partInfo        `json:"parts"`
	Publish     []string                   `json:"publish,omitempty"`
}

// finalizeDone is a finalize task's completion marker.
type finalizeDone struct {
	Shard int                 `json:"shard"`
	Dir   string              `json:"dir"`
	Parts map[string]partInfo `json:"parts"`
}

// commitDone is the commit task's completion marker.
type commitDone struct {
	Invocation string    `json:"invocation"`
	Finished   time.Time `json:"finished"`
}

// planStaged writes the plan, or checks that an existing one is the same.
func planStaged(ctx context.Context, cfg Config, opt StageOptions, ws workspace, outB *storage.Bucket) (*StageOutcome, error) {
	if opt.Shards < 1 {
		return nil, fmt.Errorf("plan: --shards must be at least 1, have %d", opt.Shards)
	}
	if opt.Partitions == 0 {
		opt.Partitions = dedupe.DefaultPartitions
	}
	if opt.Partitions < 1 || opt.Partitions > 1<<16 {
		return nil, fmt.Errorf("plan: --partitions %d out of range [1, 65536]", opt.Partitions)
	}
	if cfg.Dedupe.Index != "" && storage.IsURL(cfg.Dedupe.Index) {
		return nil, fmt.Errorf("plan: --index %s: the dedupe index is a directory every task mounts, not an object-store URL", cfg.Dedupe.Index)
	}
	cfg.Dedupe.Options.Partitions = opt.Partitions
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	defer e.closeStore()
	if outB != nil {
		if err := checkRemoteOut(ctx, outB, cfg.Out); err != nil {
			return nil, err
		}
		if err := outB.WriteFile(ctx, markerName, []byte(markerText)); err != nil {
			return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
		}
	} else if err := ensureOut(cfg.Out); err != nil {
		return nil, err
	}
	if err := e.selectChanged(); err != nil {
		return nil, err
	}
	if err := e.checkPin(); err != nil {
		return nil, err
	}
	if cfg.Dedupe.Index != "" {
		// The index records every input's digest; hash once, here.
		if _, err := e.inputDigests(); err != nil {
			return nil, err
		}
	}
	p := &RunPlan{
		Version: 1, Tool: cfg.ToolVersion, Mode: cfg.Mode.String(), Args: opt.Args,
		ConfigDigest: e.configDigest(), Shards: opt.Shards, Partitions: opt.Partitions,
		Skipped: e.report.Skipped, Warnings: e.report.Warnings, Created: time.Now().UTC(),
	}
	if p.Args == nil {
		p.Args = []string{}
	}
	for i, f := range e.files {
		pf := PlanFile{Path: f.Path, Rel: f.Rel, Format: f.Format, Size: f.Size, URL: f.URL, Skip: e.skipped[i]}
		if e.digests != nil {
			pf.SHA256 = e.digests[i]
		}
		p.Files = append(p.Files, pf)
	}
	p.ShardStarts = assignShards(p.Files, p.Shards)
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	created, err := ws.createIfAbsent("plan.json", append(data, '\n'))
	if err != nil {
		return nil, err
	}
	out := &StageOutcome{Marker: ws.name("plan.json")}
	if !created {
		old, err := ws.loadPlan()
		if err != nil {
			return nil, err
		}
		if old.ConfigDigest != p.ConfigDigest || !samePlanFiles(old.Files, p.Files) || old.Shards != p.Shards || old.Partitions != p.Partitions {
			return nil, fmt.Errorf("%s exists with a different configuration, inputs or shard count: %w (use a new --out, or delete %s to start over)", ws.name("plan.json"), ErrPlanMismatch, ws.name(""))
		}
		out.AlreadyComplete = true
	}
	return out, nil
}

func samePlanFiles(a, b []PlanFile) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Path != y.Path || x.Rel != y.Rel || x.Size != y.Size || x.Skip != y.Skip {
			return false
		}
	}
	return true
}

// ensureOut creates OUT with winnow's marker, refusing a foreign non-empty
// directory like an in-process run does.
func ensureOut(root string) error {
	if err := checkOutDir(root); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(root, StagedDir), 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return os.WriteFile(filepath.Join(root, markerName), []byte(markerText), 0o644)
}

// configDigest is the sha256 of the configuration view.
func (e *engine) configDigest() string {
	v := e.configView()
	v.Inputs = nil // the plan pins the expanded files instead
	v.Corpus = nil // known only once the corpus stages exist
	b, _ := json.Marshal(v)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// engine builds an engine over the plan's files with the plan's skips.
func (t *task) engine() (*engine, error) {
	cfg := t.cfg
	cfg.Dedupe.Options.Partitions = t.plan.Partitions
	e, err := newBareEngine(cfg)
	if err != nil {
		return nil, err
	}
	files := make([]InputFile, len(t.plan.Files))
	for i, f := range t.plan.Files {
		files[i] = InputFile{Path: f.Path, Rel: f.Rel, Format: f.Format, Size: f.Size, URL: f.URL}
		if f.Skip != "" {
			e.skipped[i] = f.Skip
		}
	}
	e.setFiles(files, t.plan.Skipped)
	e.report.Warnings = t.plan.Warnings
	for i, f := range t.plan.Files {
		if f.SHA256 != "" {
			e.presetDigest(i, f.SHA256)
		}
	}
	// Intermediates (sketches, verdicts) have no stable format across
	// winnow versions: every task must run the plan's version.
	if t.plan.Tool != e.cfg.ToolVersion {
		e.closeStore()
		return nil, fmt.Errorf("%s: planned with winnow %s, this task runs %s: %w; run every stage with the same binary", t.ws.name("plan.json"), t.plan.Tool, e.cfg.ToolVersion, ErrPlanMismatch)
	}
	if d := e.configDigest(); d != t.plan.ConfigDigest {
		e.closeStore()
		return nil, fmt.Errorf("%s: this task's configuration (digest %.12s) is not the plan's (%.12s): %w; every task must get the same flags, config file and WINNOW_KEY", t.ws.name("plan.json"), d, t.plan.ConfigDigest, ErrPlanMismatch)
	}
	return e, nil
}

// barrier waits until every marker exists, for at most opt.Wait.
func (t *task) barrier(ctx context.Context, what string, markers []string) error {
	deadline := time.Now().Add(t.opt.Wait)
	for {
		var missing []string
		for _, m := range markers {
			if !t.ws.exists(m) {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if !time.Now().Before(deadline) {
			ex := t.ws.name(missing[0])
			return fmt.Errorf("%s is not complete: %d of %d tasks have no completion marker (first: %s): %w", what, len(missing), len(markers), ex, ErrNotReady)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(2*time.Second, time.Until(deadline)+time.Millisecond)):
		}
	}
}

func (t *task) markers(f func(int) string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// done reports an already-complete task.
func (t *task) done(marker string) (*StageOutcome, bool) {
	if t.ws.exists(marker) {
		return &StageOutcome{AlreadyComplete: true, Marker: t.ws.name(marker)}, true
	}
	return nil, false
}

// finish creates the task's marker; losing the race to an identical task
// is success.
func (t *task) finish(marker string, v any) (*StageOutcome, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	created, err := t.ws.createIfAbsent(marker, append(data, '\n'))
	if err != nil {
		return nil, err
	}
	return &StageOutcome{AlreadyComplete: !created, Marker: t.ws.name(marker)}, nil
}

func (t *task) scratch(kind string) (string, error) {
	if err := os.MkdirAll(t.opt.Scratch, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(t.opt.Scratch, "winnow-"+kind+"-*")
}

// runMap is pass 1 over one shard.
func (t *task) runMap(ctx context.Context, shard int) (*StageOutcome, error) {
	marker := mapMarker(shard)
	if o, ok := t.done(marker); ok {
		return o, nil
	}
	if err := t.barrier(ctx, "plan", []string{"plan.json"}); err != nil {
		return nil, err
	}
	e, err := t.engine()
	if err != nil {
		return nil, err
	}
	defer e.closeStore()
	e.shardLo, e.shardHi = t.plan.shardRange(shard)
	e.sharded = true
	scratch, err := t.scratch("map")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	e.scratch, e.publishDir = scratch, scratch
	done := mapDone{Shard: shard, Skipped: map[int]string{}, Digests: map[int]string{}, Parts: map[string]partInfo{}}
	if err := e.newCorpus(); err != nil {
		return nil, err
	}
	defer e.closeCorpus()
	if len(e.corpus) > 0 || e.cfg.OnError == "skip" {
		for {
			if err := e.startRecording(t.ws, shard); err != nil {
				return nil, err
			}
			retry, err := e.pass(ctx, 1)
			if err != nil {
				e.stopRecording()
				return nil, err
			}
			if !retry {
				break
			}
			e.stopRecording()
			if err := e.newCorpus(); err != nil {
				return nil, err
			}
		}
		for _, r := range e.record {
			name, info, err := r.publish()
			if err != nil {
				return nil, err
			}
			if err := t.ws.push(name); err != nil {
				return nil, err
			}
			done.Parts[name] = info
		}
	}
	for _, c := range e.corpus {
		done.Stages = append(done.Stages, c.id())
		if d, ok := c.(*dedupeStage); ok {
			done.Dedupe = true
			if err := d.idx.WriteBandPartitions(t.ws.path("dedupe"), shard); err != nil {
				return nil, fmt.Errorf("map %d/%d: %w", shard, t.plan.Shards, err)
			}
			if err := t.ws.pushTree("dedupe/map"); err != nil {
				return nil, err
			}
		}
	}
	lo, hi := t.plan.shardRange(shard)
	for i := lo; i < hi; i++ {
		if r, ok := e.skipped[i]; ok {
			if t.plan.Files[i].Skip == "" {
				done.Skipped[i] = r
			}
			continue
		}
		d := t.plan.Files[i].SHA256
		if d == "" {
			if d, err = e.digestOne(i); err != nil {
				return nil, err
			}
		}
		done.Digests[i] = d
	}
	return t.finish(marker, done)
}

// loadMaps reads every map marker, in shard order.
func (t *task) loadMaps() ([]mapDone, error) {
	out := make([]mapDone, t.plan.Shards)
	for i := range out {
		if err := t.ws.readJSON(mapMarker(i), &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applySkips adds the map tasks' skipped files to the engine.
func applySkips(e *engine, maps []mapDone) {
	for _, m := range maps {
		for i, r := range m.Skipped {
			e.skipped[i] = r
		}
	}
}

// The dedupe package's file names under OUT/_winnow/dedupe (see the
// comment at the top of dedupe/stages.go); a task with an object-store OUT
// fetches exactly these into its mirror.
func dedupeBandFiles(r, shard int) []string {
	return []string{fmt.Sprintf("dedupe/map/exact-p%05d-s%05d.wdd", r, shard), fmt.Sprintf("dedupe/map/band-p%05d-s%05d.wdd", r, shard)}
}

func dedupeRecsFile(shard int) string { return fmt.Sprintf("dedupe/map/recs-s%05d.wdd", shard) }

func dedupeReduceFiles(r int) []string {
	return []string{fmt.Sprintf("dedupe/reduce/edges-p%05d.wdd", r), fmt.Sprintf("dedupe/reduce/nodes-p%05d.wdd", r)}
}

// dedupePlan is the dedupe package's view of this staged run.
func (t *task) dedupePlan(d *dedupeStage, scratch string) *dedupe.Plan {
	o := d.idx.Options()
	o.TempDir = scratch
	return &dedupe.Plan{Dir: t.ws.path("dedupe"), Shards: t.plan.Shards, Options: o, Prior: d.prior}
}

// runReduce turns band partition r of every shard into duplicate edges.
func (t *task) runReduce(ctx context.Context, r int) (*StageOutcome, error) {
	marker := reduceMarker(r)
	if o, ok := t.done(marker); ok {
		return o, nil
	}
	if err := t.barrier(ctx, "map", t.markers(mapMarker, t.plan.Shards)); err != nil {
		return nil, err
	}
	maps, err := t.loadMaps()
	if err != nil {
		return nil, err
	}
	if maps[0].Dedupe {
		e, err := t.engine()
		if err != nil {
			return nil, err
		}
		defer e.closeStore()
		scratch, err := t.scratch("reduce")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(scratch)
		e.scratch = scratch
		d, err := newDedupeStage(e.cfg.Dedupe, e.files, e.inputDigests, scratch, e.cfg.Mode)
		if err != nil {
			return nil, err
		}
		defer d.close()
		var in []string
		for sh := range t.plan.Shards {
			in = append(in, dedupeBandFiles(r, sh)...)
		}
		if err := t.ws.fetch(in...); err != nil {
			return nil, err
		}
		if err := t.dedupePlan(d, scratch).ReduceEdges(ctx, r); err != nil {
			return nil, fmt.Errorf("reduce %d/%d: %w", r, t.plan.Partitions, err)
		}
		if err := t.ws.push(dedupeReduceFiles(r)...); err != nil {
			return nil, err
		}
	}
	return t.finish(marker, struct {
		Partition int `json:"partition"`
	}{r})
}

// runResolve replays the shards' corpus sketches in plan order, resolves
// the duplicate clusters and writes each shard's verdicts.
func (t *task) runResolve(ctx context.Context) (*StageOutcome, error) {
	if o, ok := t.done(resolveMarker); ok {
		return o, nil
	}
	if err := t.barrier(ctx, "map", t.markers(mapMarker, t.plan.Shards)); err != nil {
		return nil, err
	}
	maps, err := t.loadMaps()
	if err != nil {
		return nil, err
	}
	if maps[0].Dedupe {
		if err := t.barrier(ctx, "reduce", t.markers(reduceMarker, t.plan.Partitions)); err != nil {
			return nil, err
		}
	}
	e, err := t.engine()
	if err != nil {
		return nil, err
	}
	defer e.closeStore()
	applySkips(e, maps)
	scratch, err := t.scratch("resolve")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	e.scratch = scratch
	e.publishDir = filepath.Join(scratch, "publish")
	if err := os.MkdirAll(e.publishDir, 0o755); err != nil {
		return nil, err
	}
	if err := e.newCorpus(); err != nil {
		return nil, err
	}
	defer e.closeCorpus()
	var ids []string
	for _, c := range e.corpus {
		ids = append(ids, c.id())
	}
	for _, m := range maps {
		if strings.Join(m.Stages, ",") != strings.Join(ids, ",") {
			return nil, fmt.Errorf("map %d/%d ran corpus stages [%s], resolve has [%s]: %w", m.Shard, t.plan.Shards, strings.Join(m.Stages, " "), strings.Join(ids, " "), ErrPlanMismatch)
		}
	}
	var in []string
	for _, m := range maps {
		for name := range m.Parts {
			in = append(in, name)
		}
	}
	if maps[0].Dedupe {
		for r := range t.plan.Partitions {
			in = append(in, dedupeReduceFiles(r)...)
		}
		for sh := range t.plan.Shards {
			in = append(in, dedupeRecsFile(sh))
		}
	}
	if err := t.ws.fetch(in...); err != nil {
		return nil, err
	}
	// Each stage replays its sketches in its own goroutine, shard by shard:
	// the same observations in the same order as one in-process pass 1.
	errs := make(chan error, len(e.corpus))
	for k, c := range e.corpus {
		go func() {
			if d, ok := c.(*dedupeStage); ok {
				d.plan = t.dedupePlan(d, scratch)
				errs <- nil
				return
			}
			for s := range t.plan.Shards {
				name := sketchName(s, k)
				if err := t.replay(ctx, name, maps[s].Parts[name], c); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range e.corpus {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	if err := e.reduce(); err != nil {
		return nil, err
	}
	done := resolveDone{Stages: ids, DetVersions: e.detVersions, Parts: map[string]partInfo{}}
	for _, c := range e.corpus {
		done.Kinds = append(done.Kinds, c.kinds()...)
	}
	if len(e.report.Corpus) > 0 {
		done.Corpus = map[string]json.RawMessage{}
		for k, v := range e.report.Corpus {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			done.Corpus[k] = b
		}
	}
	if t.cfg.Dedupe.Index != "" && t.cfg.Mode == ModeClean {
		for _, c := range e.corpus {
			if d, ok := c.(*dedupeStage); ok && d.res != nil {
				info, err := t.ws.writeGob(excludedPart, excludedNodes{Nodes: d.res.Excluded()})
				if err == nil {
					err = t.ws.push(excludedPart)
				}
				if err != nil {
					return nil, err
				}
				done.Parts[excludedPart] = info
			}
		}
	}
	for s := range t.plan.Shards {
		lo, hi := t.plan.shardRange(s)
		var recs []verdictRec
		for f := lo; f < hi; f++ {
			for _, v := range e.verdicts[f] {
				recs = append(recs, toVerdictRec(f, v))
			}
		}
		name := fmt.Sprintf("resolve/s%05d.verdicts", s)
		info, err := t.ws.writeGob(name, recs)
		if err == nil {
			err = t.ws.push(name)
		}
		if err != nil {
			return nil, err
		}
		done.Parts[name] = info
	}
	// Files corpus stages publish (url-hashes.jsonl) go to commit.
	ents, err := os.ReadDir(e.publishDir)
	if err != nil {
		return nil, err
	}
	for _, c := range e.corpus {
		if cl, ok := c.(closer); ok {
			cl.close()
		}
	}
	for _, ent := range ents {
		name := "resolve/publish/" + ent.Name()
		info, err := t.ws.putFile(filepath.Join(e.publishDir, ent.Name()), name)
		if err == nil {
			err = t.ws.push(name)
		}
		if err != nil {
			return nil, err
		}
		done.Parts[name] = info
		done.Publish = append(done.Publish, ent.Name())
	}
	return t.finish(resolveMarker, done)
}

// verdictRec is a corpusFinding as the resolve task writes it.
type verdictRec struct {
	File       int
	Row        int64
	Kind       string
	Detector   string
	Field      string
	Start, End int
	Confidence float64
	Cluster    string
	HasKept    bool
	KeptFile   int32
	KeptRow    int64
	Similarity float64
	Detail     string
}

func toVerdictRec(file int, v corpusFinding) verdictRec {
	r := verdictRec{File: file, Row: v.row, Kind: v.kind, Detector: v.detector, Field: v.field, Start: v.start, End: v.end,
		Confidence: v.confidence, Cluster: v.cluster, Similarity: v.similarity, Detail: v.detail}
	if v.kept != nil {
		r.HasKept, r.KeptFile, r.KeptRow = true, v.kept.File, v.kept.Row
	}
	return r
}

func (r verdictRec) finding() corpusFinding {
	v := corpusFinding{row: r.Row, kind: r.Kind, detector: r.Detector, field: r.Field, start: r.Start, end: r.End,
		confidence: r.Confidence, cluster: r.Cluster, similarity: r.Similarity, detail: r.Detail}
	if r.HasKept {
		v.kept = &detectors.RecordRef{File: r.KeptFile, Row: r.KeptRow}
	}
	return v
}

// applyResolve gives a finalize or commit engine what resolve decided
// about the corpus stages: their IDs, kinds and versions.
func applyResolve(e *engine, r *resolveDone) {
	e.corpusIDs = r.Stages
	if e.corpusIDs == nil {
		e.corpusIDs = []string{}
	}
	for _, k := range r.Kinds {
		e.kinds[k.Name] = k
	}
	for k, v := range r.DetVersions {
		e.detVersions[k] = v
	}
}

// shardState is what a finalize task contributes to the report.
type shardState struct {
	Files              []FileReport
	FindingsByKind     map[string]int64
	RecordsByKind      map[string]int64
	DroppedByKind      map[string]int64
	BaselineSuppressed int64
	MaxSev             int
	Recur              map[string]map[string][2]int64
	OutFiles           []outFileRec
	BytesRead, Records int64
}

type outFileRec struct {
	Rel    string
	Format Format
	Fields []string
}

// runFinalize is pass 2 over one shard.
func (t *task) runFinalize(ctx context.Context, shard int) (*StageOutcome, error) {
	marker := finalizeMarker(shard)
	if o, ok := t.done(marker); ok {
		return o, nil
	}
	if err := t.barrier(ctx, "resolve", []string{resolveMarker}); err != nil {
		return nil, err
	}
	var res resolveDone
	if err := t.ws.readJSON(resolveMarker, &res); err != nil {
		return nil, err
	}
	maps, err := t.loadMaps()
	if err != nil {
		return nil, err
	}
	e, err := t.engine()
	if err != nil {
		return nil, err
	}
	defer e.closeStore()
	applySkips(e, maps)
	applyResolve(e, &res)
	e.shardLo, e.shardHi = t.plan.shardRange(shard)
	e.sharded = true
	name := fmt.Sprintf("resolve/s%05d.verdicts", shard)
	var recs []verdictRec
	if err := t.ws.fetch(name); err != nil {
		return nil, err
	}
	if err := t.ws.readGob(name, res.Parts[name], &recs); err != nil {
		return nil, err
	}
	e.verdicts = map[int][]corpusFinding{}
	for _, r := range recs {
		e.verdicts[r.File] = append(e.verdicts[r.File], r.finding())
	}
	// Each attempt writes into its own directory, so a concurrent or
	// killed attempt never mixes files with this one; the marker names the
	// directory that won.
	dir := fmt.Sprintf("finalize/s%05d-%s", shard, invocationID()[:8])
	out, err := openOutputs(t.ws.path(dir), e.cfg.Mode, "parquet")
	if err != nil {
		return nil, err
	}
	e.out = out
	ok := false
	defer func() {
		if !ok {
			out.abort()
			os.RemoveAll(t.ws.path(dir))
		}
	}()
	if _, err := e.pass(ctx, 2); err != nil {
		return nil, err
	}
	if err := out.closeFindings(); err != nil {
		return nil, err
	}
	if err := out.closeLedger(); err != nil {
		return nil, err
	}
	st := shardState{Files: e.report.Files, FindingsByKind: e.report.FindingsByKind, RecordsByKind: e.report.RecordsByKind,
		DroppedByKind: e.report.DroppedByKind, BaselineSuppressed: e.report.BaselineSuppressed, MaxSev: int(e.maxSev),
		Recur: e.recur.export(), BytesRead: e.bytesRead.Load(), Records: e.records.Load()}
	for _, of := range e.outFiles {
		st.OutFiles = append(st.OutFiles, outFileRec{Rel: of.rel, Format: of.format, Fields: of.fields})
	}
	if err := gobFile(filepath.Join(out.stage, "state.gob"), st); err != nil {
		return nil, err
	}
	parts := map[string]partInfo{}
	err = filepath.WalkDir(out.stage, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out.stage, p)
		sum, n, err := provenance.HashFile(p)
		if err != nil {
			return err
		}
		parts[filepath.ToSlash(rel)] = partInfo{Size: n, SHA256: sum}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := syncTree(out.stage); err != nil {
		return nil, err
	}
	if err := t.ws.pushTree(dir + "/" + stagingName); err != nil {
		return nil, err
	}
	os.RemoveAll(out.tmpDir())
	o, err := t.finish(marker, finalizeDone{Shard: shard, Dir: dir, Parts: parts})
	if err != nil {
		return nil, err
	}
	ok = !o.AlreadyComplete // a twin attempt won: drop this one's files
	return o, nil
}

// runCommit merges every shard's parts into OUT.
func (t *task) runCommit(ctx context.Context) (*StageOutcome, error) {
	if o, ok := t.done(commitMarker); ok {
		return o, nil
	}
	if err := t.barrier(ctx, "finalize", t.markers(finalizeMarker, t.plan.Shards)); err != nil {
		return nil, err
	}
	inv := invocationID()
	host, _ := os.Hostname()
	claim := fmt.Sprintf("{\"invocation\": %q, \"host\": %q, \"pid\": %d, \"started\": %q}\n", inv, host, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	won, err := t.ws.createIfAbsent(commitClaim, []byte(claim))
	if err != nil {
		return nil, err
	}
	if !won {
		if o, ok := t.done(commitMarker); ok {
			return o, nil
		}
		old, _ := t.ws.readFile(commitClaim)
		return nil, fmt.Errorf("%s: %w by another task (%s); if that task is dead, delete the claim and rerun commit", t.ws.name(commitClaim), ErrCommitClaimed, strings.TrimSpace(string(old)))
	}
	var res resolveDone
	if err := t.ws.readJSON(resolveMarker, &res); err != nil {
		return nil, err
	}
	maps, err := t.loadMaps()
	if err != nil {
		return nil, err
	}
	fins := make([]finalizeDone, t.plan.Shards)
	for i := range fins {
		if err := t.ws.readJSON(finalizeMarker(i), &fins[i]); err != nil {
			return nil, err
		}
	}
	e, err := t.engine()
	if err != nil {
		return nil, err
	}
	defer e.closeStore()
	// The staged run started when it was planned.
	e.stats.Start = t.plan.Created
	e.stats.Workers = e.cfg.Workers
	applySkips(e, maps)
	applyResolve(e, &res)
	digests := make([]string, len(e.files))
	for _, m := range maps {
		for i, d := range m.Digests {
			digests[i] = d
		}
	}
	for i, f := range t.plan.Files {
		if f.SHA256 != "" {
			digests[i] = f.SHA256
		}
	}
	e.digestOnce.Do(func() { e.digests = digests })
	for i, f := range e.files {
		if _, skipped := e.skipped[i]; !skipped && digests[i] == "" {
			return nil, fmt.Errorf("%s: no digest in the map markers: %w", f.Path, ErrCorruptIntermediate)
		}
	}
	root := t.cfg.Out
	published := false
	if t.outB != nil {
		// An object-store OUT: write locally, upload when committed.
		if root, err = t.scratch("commit"); err != nil {
			return nil, err
		}
		defer func() {
			if !published {
				os.RemoveAll(root)
			}
		}()
	}
	out, err := openOutputs(root, e.cfg.Mode, e.cfg.FindingsFormat)
	if err != nil {
		return nil, err
	}
	e.out = out
	defer out.abort()
	want := map[string]string{} // output rel -> sha256 the finalize task recorded
	for s, fin := range fins {
		src := filepath.Join(t.ws.path(fin.Dir), stagingName)
		var in []string
		for rel := range fin.Parts {
			in = append(in, fin.Dir+"/"+stagingName+"/"+rel)
		}
		if err := t.ws.fetch(in...); err != nil {
			return nil, err
		}
		var st shardState
		if err := readGobFile(filepath.Join(src, "state.gob"), fin.Parts["state.gob"], &st); err != nil {
			return nil, err
		}
		e.mergeShard(&st)
		if err := t.mergeFindings(e, filepath.Join(src, "findings.parquet"), fin.Parts["findings.parquet"]); err != nil {
			return nil, err
		}
		if err := t.mergeLedger(e, filepath.Join(src, provenance.LedgerName), fin.Parts[provenance.LedgerName]); err != nil {
			return nil, err
		}
		for rel, info := range fin.Parts {
			if !strings.HasPrefix(rel, "data/") && !strings.HasPrefix(rel, "quarantine/") {
				continue
			}
			dst := out.stagePath(rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, err
			}
			if err := os.Rename(filepath.Join(src, filepath.FromSlash(rel)), dst); err != nil {
				return nil, fmt.Errorf("finalize %d/%d: %w", s, t.plan.Shards, err)
			}
			want[rel] = info.SHA256
		}
	}
	for _, name := range res.Publish {
		part := "resolve/publish/" + name
		if err := t.ws.fetch(part); err != nil {
			return nil, err
		}
		data, err := t.ws.readChecked(part, res.Parts[part])
		if err != nil {
			return nil, err
		}
		if err := out.writeFile(name, data); err != nil {
			return nil, err
		}
	}
	if len(res.Corpus) > 0 {
		e.report.Corpus = map[string]any{}
		for k, v := range res.Corpus {
			e.report.Corpus[k] = v
		}
	}
	e.finishReport()
	e.stats.End = time.Now()
	e.checkSubjects = func(st *provenance.Statement) error {
		for _, s := range st.Subject {
			if w, ok := want[s.Name]; ok && s.Digest["sha256"] != w {
				return fmt.Errorf("%s: sha256 %s, but its finalize task wrote %s: %w", s.Name, s.Digest["sha256"], w, ErrCorruptIntermediate)
			}
		}
		return nil
	}
	if err := out.commit(e.report, e.writeExtras, func(stage string) error { return e.writeProvenance(ctx, stage) }); err != nil {
		return nil, err
	}
	if t.outB != nil {
		if err := publishRemote(ctx, t.outB, root); err != nil {
			return nil, fmt.Errorf("--out %s: %w", t.cfg.Out, err)
		}
	}
	published = true // the caller owns the local copy (Result.LocalOut)
	if err := t.saveIndex(e, maps[0].Dedupe, res.Parts[excludedPart]); err != nil {
		return nil, err
	}
	o, err := t.finish(commitMarker, commitDone{Invocation: inv, Finished: time.Now().UTC()})
	if err != nil {
		return nil, err
	}
	// The intermediates are no longer needed; the plan and markers stay as
	// the run's record.
	var names []string
	for s := range t.plan.Shards {
		for name := range maps[s].Parts {
			names = append(names, name)
		}
	}
	for name := range res.Parts {
		names = append(names, name)
	}
	t.ws.remove([]string{"dedupe", "finalize"}, names)
	e.stats.BytesRead = e.bytesRead.Load()
	o.Result = &Result{Report: e.report, Stats: e.stats, MaxSeverity: e.maxSev, LocalOut: root}
	return o, nil
}

// excludedPart holds the nodes a saved dedupe index must not store.
const excludedPart = "resolve/excluded.gob"

type excludedNodes struct{ Nodes []uint64 }

// saveIndex updates --index after the outputs are published, as an
// in-process clean does: from every shard's band partitions and the nodes
// resolve excluded.
func (t *task) saveIndex(e *engine, dedupeRan bool, info partInfo) error {
	if t.cfg.Dedupe.Index == "" || t.cfg.Mode != ModeClean || !dedupeRan {
		return nil
	}
	var excluded excludedNodes
	if err := t.ws.fetch(excludedPart); err != nil {
		return err
	}
	if err := t.ws.readGob(excludedPart, info, &excluded); err != nil {
		return err
	}
	scratch, err := t.scratch("index")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	d, err := newDedupeStage(e.cfg.Dedupe, e.files, e.inputDigests, scratch, e.cfg.Mode)
	if err != nil {
		return err
	}
	defer d.close()
	var in []string
	for sh := range t.plan.Shards {
		for r := range t.plan.Partitions {
			in = append(in, dedupeBandFiles(r, sh)...)
		}
		in = append(in, dedupeRecsFile(sh))
	}
	if err := t.ws.fetch(in...); err != nil {
		return err
	}
	if err := t.dedupePlan(d, scratch).SaveIndexExcluding(excluded.Nodes, t.cfg.Dedupe.Index); err != nil {
		return fmt.Errorf("--index %s: saving: %w", t.cfg.Dedupe.Index, err)
	}
	return nil
}

// mergeShard folds one finalize task's report state into the engine's,
// exactly as the in-process sequencer folds files.
func (e *engine) mergeShard(st *shardState) {
	for _, f := range st.Files {
		e.report.addFile(f)
	}
	for k, v := range st.FindingsByKind {
		e.report.FindingsByKind[k] += v
	}
	for k, v := range st.RecordsByKind {
		e.report.RecordsByKind[k] += v
	}
	for k, v := range st.DroppedByKind {
		e.report.DroppedByKind[k] += v
	}
	e.report.BaselineSuppressed += st.BaselineSuppressed
	if detectors.Severity(st.MaxSev) > e.maxSev {
		e.maxSev = detectors.Severity(st.MaxSev)
	}
	e.recur.merge(st.Recur)
	for _, of := range st.OutFiles {
		e.outFiles = append(e.outFiles, outFileInfo{rel: of.Rel, format: of.Format, fields: of.Fields})
	}
	e.bytesRead.Add(st.BytesRead)
	e.records.Add(st.Records)
}

// mergeFindings streams one shard's findings part into the run's writer.
func (t *task) mergeFindings(e *engine, path string, info partInfo) error {
	return readParquetPart(path, info, func(pf *parquet.File) error {
		r := parquet.NewGenericReader[FindingRow](pf)
		defer r.Close()
		buf := make([]FindingRow, 1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				if werr := e.out.writeFindings(buf[:n]); werr != nil {
					return werr
				}
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
}

// mergeLedger streams one shard's ledger part into the run's ledger.
func (t *task) mergeLedger(e *engine, path string, info partInfo) error {
	if err := checkPart(path, info); err != nil {
		return err
	}
	rows := make([]provenance.LedgerRow, 0, 1024)
	flush := func() error {
		err := e.out.ledger.Write(rows)
		rows = rows[:0]
		return err
	}
	err := provenance.ReadLedger(path, func(r *provenance.LedgerRow) error {
		rows = append(rows, *r)
		if len(rows) == cap(rows) {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrCorruptIntermediate, err)
	}
	return flush()
}

// readParquetPart checks a part's digest and opens it as Parquet.
func readParquetPart(path string, info partInfo, fn func(*parquet.File) error) error {
	if err := checkPart(path, info); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pf, err := parquet.OpenFile(f, info.Size)
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrCorruptIntermediate, err)
	}
	if err := fn(pf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// checkPart compares a file with the size and sha256 its producer recorded.
func checkPart(path string, info partInfo) error {
	if info.SHA256 == "" {
		return fmt.Errorf("%s: not listed in its task's completion marker: %w", path, ErrCorruptIntermediate)
	}
	sum, n, err := provenance.HashFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if sum != info.SHA256 || n != info.Size {
		return fmt.Errorf("%s: %w: sha256 %.16s… (%d bytes), its completion marker says %.16s… (%d bytes); delete that task's marker and rerun it", path, ErrCorruptIntermediate, sum, n, info.SHA256, info.Size)
	}
	return nil
}

// export returns the recurrence counts as plain maps.
func (rc *recurrence) export() map[string]map[string][2]int64 {
	out := map[string]map[string][2]int64{}
	for k, m := range rc.kinds {
		o := make(map[string][2]int64, len(m))
		for h, c := range m {
			o[h] = [2]int64{c.count, c.records}
		}
		out[k] = o
	}
	return out
}

// merge adds exported counts of other files (a record never spans shards).
func (rc *recurrence) merge(in map[string]map[string][2]int64) {
	if rc.kinds == nil {
		rc.kinds = map[string]map[string]*recurCount{}
	}
	for k, m := range in {
		dst := rc.kinds[k]
		if dst == nil {
			dst = map[string]*recurCount{}
			rc.kinds[k] = dst
		}
		for h, c := range m {
			d := dst[h]
			if d == nil {
				d = &recurCount{lastRec: -1, lastF: -1}
				dst[h] = d
			}
			d.count += c[0]
			d.records += c[1]
		}
	}
}

// sketchRecorder writes one corpus stage's sketches of one shard to a
// stream, in observation order: uvarint file, uvarint row, uvarint length,
// sketch bytes.
type sketchRecorder struct {
	ws    workspace
	name  string // relative to the workspace
	f     *os.File
	bw    *bufio.Writer
	h     hash.Hash
	n     int64
	buf   []byte
	inner corpusStage
}

const sketchMagic = "WNSK1\n"

func sketchName(shard, stage int) string { return fmt.Sprintf("map/s%05d-k%02d.sketch", shard, stage) }

// recordingStage observes by recording, for a map task.
type recordingStage struct {
	corpusStage
	r *sketchRecorder
}

func (s recordingStage) observe(ref detectors.RecordRef, sketch []byte) error {
	return s.r.add(ref, sketch)
}

func (s recordingStage) reduce() ([]corpusHit, error) { return nil, nil }

// startRecording replaces every corpus stage but dedupe by a recorder.
func (e *engine) startRecording(ws workspace, shard int) error {
	e.stopRecording()
	if err := os.MkdirAll(ws.path("map"), 0o755); err != nil {
		return err
	}
	for k, c := range e.corpus {
		if _, ok := c.(*dedupeStage); ok {
			continue
		}
		if rs, ok := c.(recordingStage); ok {
			c = rs.corpusStage
		}
		name := sketchName(shard, k)
		f, err := os.CreateTemp(ws.path("map"), ".tmp-*")
		if err != nil {
			return err
		}
		r := &sketchRecorder{ws: ws, name: name, f: f, bw: bufio.NewWriterSize(f, 1<<20), h: sha256.New(), inner: c}
		r.write([]byte(sketchMagic))
		e.record = append(e.record, r)
		e.corpus[k] = recordingStage{corpusStage: c, r: r}
	}
	return nil
}

// stopRecording discards unfinished recordings.
func (e *engine) stopRecording() {
	for _, r := range e.record {
		if r.f != nil {
			r.f.Close()
			os.Remove(r.f.Name())
		}
	}
	e.record = nil
}

func (r *sketchRecorder) write(b []byte) {
	r.bw.Write(b)
	r.h.Write(b)
	r.n += int64(len(b))
}

func (r *sketchRecorder) add(ref detectors.RecordRef, sketch []byte) error {
	r.buf = binary.AppendUvarint(r.buf[:0], uint64(ref.File))
	r.buf = binary.AppendUvarint(r.buf, uint64(ref.Row))
	r.buf = binary.AppendUvarint(r.buf, uint64(len(sketch)))
	r.write(r.buf)
	r.write(sketch)
	return nil
}

// publish syncs the stream and renames it into place.
func (r *sketchRecorder) publish() (string, partInfo, error) {
	f := r.f
	r.f = nil
	err := r.bw.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), r.ws.path(r.name))
	}
	if err != nil {
		os.Remove(f.Name())
		return "", partInfo{}, fmt.Errorf("writing %s: %w", r.ws.path(r.name), err)
	}
	return r.name, partInfo{Size: r.n, SHA256: hex.EncodeToString(r.h.Sum(nil))}, nil
}

// replay feeds a recorded sketch stream to a stage, checking its digest.
// The digest is checked as the stream is read; a mismatch fails the task
// before anything it computed is written.
func (t *task) replay(ctx context.Context, name string, info partInfo, c corpusStage) error {
	path := t.ws.path(name)
	if info.SHA256 == "" {
		return fmt.Errorf("%s: not listed in its map marker: %w", path, ErrCorruptIntermediate)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, h), 1<<20)
	bad := func(why string) error {
		return fmt.Errorf("%s: %w: %s", path, ErrCorruptIntermediate, why)
	}
	magic := make([]byte, len(sketchMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != sketchMagic {
		return bad("bad header")
	}
	var sk []byte
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		file, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return bad(err.Error())
		}
		row, err1 := binary.ReadUvarint(br)
		ln, err2 := binary.ReadUvarint(br)
		if err1 != nil || err2 != nil || ln > 1<<30 || file >= uint64(len(t.plan.Files)) {
			return bad(fmt.Sprintf("bad frame %d", n))
		}
		if cap(sk) < int(ln) {
			sk = make([]byte, ln)
		}
		sk = sk[:ln]
		if _, err := io.ReadFull(br, sk); err != nil {
			return bad(fmt.Sprintf("frame %d: %v", n, err))
		}
		if err := c.observe(detectors.RecordRef{File: int32(file), Row: int64(row)}, sk); err != nil {
			return fmt.Errorf("corpus stage %s: %w", c.id(), err)
		}
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != info.SHA256 {
		return bad(fmt.Sprintf("sha256 %.16s…, its map marker says %.16s…; delete that map task's marker and rerun it", sum, info.SHA256))
	}
	return nil
}
