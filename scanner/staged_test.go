package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/defaults"
	"github.com/winnow-data/winnow/scanner/provenance"
)

// samplesConfig is a clean run over the bundled samples with every default
// detector, corpus stage and dedupe, as the CLI builds it.
func samplesConfig(t *testing.T, out string) Config {
	t.Helper()
	opt := defaults.DefaultOptions()
	reg, err := defaults.Registry(opt)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Mode: ModeClean, Inputs: []string{filepath.Join("..", "samples", "data")}, Out: out,
		Registry: reg, Corpus: func() []detectors.CorpusDetector { return defaults.Corpus(opt) }, Fake: defaults.Fake,
		Key: []byte("staged-test-key-0123456789"), ToolVersion: "test", Log: io.Discard, Workers: 2,
	}
}

// outputTree reads every output file of a run: the data, findings, report
// and ledger byte for byte, and the manifest as its subjects only (the rest
// of the manifest is run metadata: times, invocation, arguments).
func outputTree(t *testing.T, out string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == StagedDir {
				return filepath.SkipDir
			}
			return nil
		}
		switch rel {
		case markerName:
			return nil
		case "manifest.intoto.json":
			st, _, err := provenance.ReadStatement(p)
			if err != nil {
				return err
			}
			var subj []string
			for _, s := range st.Subject {
				subj = append(subj, s.Name+" "+s.Digest["sha256"])
			}
			sort.Strings(subj)
			tree[rel] = strings.Join(subj, "\n")
			return nil
		}
		b, err := os.ReadFile(p)
		tree[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func diffTrees(t *testing.T, want, got map[string]string) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: missing from the staged run", k)
		case g != v:
			i := 0
			for i < len(g) && i < len(v) && g[i] == v[i] {
				i++
			}
			t.Errorf("%s: differs at byte %d (in-process %d bytes, staged %d)", k, i, len(v), len(g))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: only in the staged run", k)
		}
	}
}

// runStaged runs every task of a staged run, the tasks of a stage
// concurrently, as separate scheduler tasks would.
func runStaged(t *testing.T, cfg Config, shards, partitions int) *StageOutcome {
	t.Helper()
	ctx := context.Background()
	opt := StageOptions{Shards: shards, Partitions: partitions, Scratch: t.TempDir()}
	if _, err := RunStage(ctx, cfg, StagePlan, 0, opt); err != nil {
		t.Fatalf("plan: %v", err)
	}
	fan := func(st Stage, n int) {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = RunStage(ctx, cfg, st, i, opt) }()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("%s %d/%d: %v", st, i, n, err)
			}
		}
	}
	fan(StageMap, shards)
	fan(StageReduce, partitions)
	fan(StageResolve, 1)
	fan(StageFinalize, shards)
	o, err := RunStage(ctx, cfg, StageCommit, 0, opt)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return o
}

// TestStagedMatchesInProcess is the scale-out contract: N staged tasks
// write the same bytes as one in-process run.
func TestStagedMatchesInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the samples through every stage")
	}
	inproc := t.TempDir()
	if _, err := Run(context.Background(), samplesConfig(t, inproc)); err != nil {
		t.Fatal(err)
	}
	want := outputTree(t, inproc)
	if len(want) < 10 {
		t.Fatalf("in-process run wrote only %d files", len(want))
	}
	for _, n := range []int{1, 4, 7} {
		t.Run(fmt.Sprintf("shards=%d", n), func(t *testing.T) {
			out := t.TempDir()
			o := runStaged(t, samplesConfig(t, out), n, 3)
			if o.Result == nil || o.Result.Report.Totals.RecordsIn == 0 {
				t.Fatalf("commit result %+v", o.Result)
			}
			diffTrees(t, want, outputTree(t, out))
			// The intermediates are gone; the plan and markers stay.
			for _, gone := range []string{"dedupe", "finalize"} {
				if _, err := os.Stat(filepath.Join(out, StagedDir, gone)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s/%s left behind: %v", StagedDir, gone, err)
				}
			}
		})
	}
}

// TestStagedSplitView: a file a corpus stage publishes (url-hashes.jsonl)
// reaches the staged run's outputs with the same bytes.
func TestStagedSplitView(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the samples through every stage")
	}
	cfg := func(out string) Config {
		c := samplesConfig(t, out)
		c.Corpus = nil
		c.SplitView = SplitViewConfig{URLField: "$.url"}
		return c
	}
	inproc := t.TempDir()
	if _, err := Run(context.Background(), cfg(inproc)); err != nil {
		t.Fatal(err)
	}
	want := outputTree(t, inproc)
	if len(want[URLHistoryName]) == 0 {
		t.Fatalf("in-process run wrote no %s", URLHistoryName)
	}
	out := t.TempDir()
	runStaged(t, cfg(out), 3, 2)
	diffTrees(t, want, outputTree(t, out))
}

// TestStagedBarriersAndIdempotence: a stage before its predecessor refuses
// with ErrNotReady; a task whose marker exists does nothing; a plan with a
// different config refuses.
func TestStagedBarriersAndIdempotence(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	cfg := samplesConfig(t, out)
	cfg.Corpus = nil
	opt := StageOptions{Shards: 2, Partitions: 2, Scratch: t.TempDir()}
	if _, err := RunStage(ctx, cfg, StageMap, 0, opt); !errors.Is(err, ErrNotReady) {
		t.Fatalf("map before plan: %v, want ErrNotReady", err)
	}
	if _, err := RunStage(ctx, cfg, StagePlan, 0, opt); err != nil {
		t.Fatal(err)
	}
	if o, err := RunStage(ctx, cfg, StagePlan, 0, opt); err != nil || !o.AlreadyComplete {
		t.Fatalf("second identical plan: %+v, %v", o, err)
	}
	other := cfg
	other.ShowValues = true
	if _, err := RunStage(ctx, other, StagePlan, 0, opt); !errors.Is(err, ErrPlanMismatch) {
		t.Fatalf("plan with another config: %v, want ErrPlanMismatch", err)
	}
	if _, err := RunStage(ctx, other, StageMap, 0, opt); !errors.Is(err, ErrPlanMismatch) {
		t.Fatalf("map with another config: %v, want ErrPlanMismatch", err)
	}
	newer := cfg
	newer.ToolVersion = cfg.ToolVersion + "-next"
	if _, err := RunStage(ctx, newer, StageMap, 0, opt); !errors.Is(err, ErrPlanMismatch) || !strings.Contains(err.Error(), "same binary") {
		t.Fatalf("map by another winnow version: %v, want ErrPlanMismatch", err)
	}
	for _, st := range []Stage{StageReduce, StageResolve, StageFinalize, StageCommit} {
		if _, err := RunStage(ctx, cfg, st, 0, opt); !errors.Is(err, ErrNotReady) {
			t.Errorf("%s before map: %v, want ErrNotReady", st, err)
		}
	}
	if _, err := RunStage(ctx, cfg, StageMap, 0, opt); err != nil {
		t.Fatal(err)
	}
	_, err := RunStage(ctx, cfg, StageReduce, 0, opt)
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "1 of 2") {
		t.Fatalf("reduce with one map of two: %v", err)
	}
	if o, err := RunStage(ctx, cfg, StageMap, 0, opt); err != nil || !o.AlreadyComplete {
		t.Fatalf("rerun of a complete map: %+v, %v", o, err)
	}
	if _, err := RunStage(ctx, cfg, StageMap, 2, opt); err == nil {
		t.Fatal("map 2/2 accepted")
	}
}

// TestStagedCorruptIntermediate: every kind of intermediate a later task
// reads is checked against its producer's digest, and the error names it.
func TestStagedCorruptIntermediate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the samples through every stage")
	}
	ctx := context.Background()
	cases := []struct {
		name    string
		before  Stage // the stage that reads the file
		pattern string
	}{
		{"sketch stream", StageResolve, "map/s00000-k*.sketch"},
		{"dedupe band file", StageReduce, "dedupe/map/band-p00000-s00001.wdd"},
		{"verdicts", StageFinalize, "resolve/s00001.verdicts"},
		{"findings part", StageCommit, "finalize/s00000-*/.winnow-staging/findings.parquet"},
		{"data part", StageCommit, "finalize/s00001-*/.winnow-staging/data/*/*"},
	}
	order := []Stage{StagePlan, StageMap, StageReduce, StageResolve, StageFinalize, StageCommit}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			cfg := samplesConfig(t, out)
			opt := StageOptions{Shards: 2, Partitions: 2, Scratch: t.TempDir()}
			counts := map[Stage]int{StagePlan: 1, StageMap: 2, StageReduce: 2, StageResolve: 1, StageFinalize: 2, StageCommit: 1}
			for _, st := range order {
				if st == tc.before {
					break
				}
				for i := range counts[st] {
					if _, err := RunStage(ctx, cfg, st, i, opt); err != nil {
						t.Fatalf("%s %d: %v", st, i, err)
					}
				}
			}
			matches, _ := filepath.Glob(filepath.Join(out, StagedDir, filepath.FromSlash(tc.pattern)))
			if len(matches) == 0 {
				t.Fatalf("no file matches %s", tc.pattern)
			}
			sort.Strings(matches)
			victim := matches[0]
			b, err := os.ReadFile(victim)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 8 {
				t.Fatalf("%s: only %d bytes", victim, len(b))
			}
			b[len(b)/2] ^= 0x5a
			if err := os.WriteFile(victim, b, 0o644); err != nil {
				t.Fatal(err)
			}
			var firstErr error
			for i := range counts[tc.before] {
				if _, err := RunStage(ctx, cfg, tc.before, i, opt); err != nil {
					firstErr = err
					break
				}
			}
			if firstErr == nil {
				t.Fatalf("%s accepted a corrupted %s", tc.before, victim)
			}
			if !strings.Contains(firstErr.Error(), filepath.Base(victim)) {
				t.Errorf("error does not name %s: %v", filepath.Base(victim), firstErr)
			}
			if _, err := os.Stat(filepath.Join(out, "manifest.intoto.json")); err == nil {
				t.Errorf("a manifest was published despite the corrupt %s", victim)
			}
		})
	}
}

// TestStagedConcurrentCommits: two commits racing produce one manifest;
// the loser reports the claim or that the run is complete.
func TestStagedConcurrentCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the samples through every stage")
	}
	ctx := context.Background()
	out := t.TempDir()
	cfg := samplesConfig(t, out)
	cfg.Corpus = nil
	opt := StageOptions{Shards: 2, Partitions: 2, Scratch: t.TempDir()}
	for _, st := range []Stage{StagePlan, StageMap, StageReduce, StageResolve, StageFinalize} {
		n := map[Stage]int{StageMap: 2, StageReduce: 2, StageFinalize: 2}[st]
		for i := range max(n, 1) {
			if _, err := RunStage(ctx, cfg, st, i, opt); err != nil {
				t.Fatalf("%s %d: %v", st, i, err)
			}
		}
	}
	const racers = 4
	var wg sync.WaitGroup
	outcomes := make([]*StageOutcome, racers)
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() { defer wg.Done(); outcomes[i], errs[i] = RunStage(ctx, cfg, StageCommit, 0, opt) }()
	}
	wg.Wait()
	winners := 0
	for i := range racers {
		switch {
		case errs[i] == nil && outcomes[i].Result != nil:
			winners++
		case errs[i] == nil && outcomes[i].AlreadyComplete:
		case errors.Is(errs[i], ErrCommitClaimed):
		default:
			t.Errorf("commit %d: %+v, %v", i, outcomes[i], errs[i])
		}
	}
	if winners != 1 {
		t.Fatalf("%d commits published, want exactly 1", winners)
	}
	m, err := os.ReadFile(filepath.Join(out, "manifest.intoto.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(m, []byte(`"invocationId"`)); n != 1 {
		t.Errorf("manifest has %d invocation ids", n)
	}
	if o, err := RunStage(ctx, cfg, StageCommit, 0, opt); err != nil || !o.AlreadyComplete {
		t.Errorf("commit after the run: %+v, %v", o, err)
	}
}

// TestStagedIndex: a staged run with --index updates the persistent dedupe
// index like an in-process run: version 2 against version 1's index gives
// the same bytes either way.
func TestStagedIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the samples through every stage")
	}
	web := filepath.Join("..", "samples", "data", "web")
	all := filepath.Join("..", "samples", "data")
	version := func(cfg Config, v, index string, inputs ...string) Config {
		cfg.Corpus = nil
		cfg.Inputs = inputs
		cfg.Dedupe.Index, cfg.Dedupe.Version = index, v
		return cfg
	}
	// In-process: v1, then v2 against v1's index.
	inIdx := filepath.Join(t.TempDir(), "index")
	if _, err := Run(context.Background(), version(samplesConfig(t, t.TempDir()), "v1", inIdx, web)); err != nil {
		t.Fatal(err)
	}
	inV2 := t.TempDir()
	res, err := Run(context.Background(), version(samplesConfig(t, inV2), "v2", inIdx, all))
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.FindingsByKind["dup.exact"]+res.Report.FindingsByKind["dup.near"] == 0 {
		t.Fatal("v2 found no duplicates at all")
	}
	// Staged, 3 shards: the same two versions.
	stIdx := filepath.Join(t.TempDir(), "index")
	runStaged(t, version(samplesConfig(t, t.TempDir()), "v1", stIdx, web), 3, 2)
	stV2 := t.TempDir()
	runStaged(t, version(samplesConfig(t, stV2), "v2", stIdx, all), 3, 2)
	want, got := outputTree(t, inV2), outputTree(t, stV2)
	diffTrees(t, want, got)
	if !strings.Contains(want["report.json"], "dup") {
		t.Error("report without duplicates")
	}
	if _, err := os.Stat(filepath.Join(stIdx, "CURRENT")); err != nil {
		t.Errorf("staged run did not save the index: %v", err)
	}
}

func TestAssignShards(t *testing.T) {
	files := func(sizes ...int64) []PlanFile {
		var out []PlanFile
		for _, s := range sizes {
			out = append(out, PlanFile{Size: s})
		}
		return out
	}
	tests := []struct {
		name  string
		files []PlanFile
		n     int
		want  []int
	}{
		{"even", files(10, 10, 10, 10), 2, []int{0, 2}},
		{"one shard", files(5, 7), 1, []int{0}},
		{"more shards than files", files(10, 10), 4, []int{0, 0, 1, 1}},
		{"big first file leaves shard 0 empty", files(80, 20), 3, []int{0, 0, 1}},
		{"no files", nil, 3, []int{0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := assignShards(tc.files, tc.n)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			// Every file is in exactly one shard.
			p := &RunPlan{Files: tc.files, ShardStarts: got}
			seen := 0
			for i := range tc.n {
				lo, hi := p.shardRange(i)
				if lo > hi {
					t.Fatalf("shard %d: [%d, %d)", i, lo, hi)
				}
				seen += hi - lo
			}
			if seen != len(tc.files) {
				t.Fatalf("%d files in shards, want %d", seen, len(tc.files))
			}
		})
	}
}
