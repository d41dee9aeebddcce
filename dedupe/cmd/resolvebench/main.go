// Command resolvebench measures the dedupe pipeline: time, CPU, peak memory
// and disk per stage (map, reduce, resolve), each stage run in its own
// process so that peak RSS is per stage.
//
//	go run ./dedupe/cmd/resolvebench -n 10000000 -dir /big/disk/tmp
//	go run ./dedupe/cmd/resolvebench -synthetic -records 100000000 -shards 4 -dir /big/disk/tmp
//
// By default records are short synthetic texts (64 words from a
// 50,000-word vocabulary); a fraction -dup of them copy an earlier record,
// half of those exactly and half with one word changed. Sketches are
// computed by -workers Fingerprinters and added in plan order, as the
// engine does.
//
// With -synthetic, the map stage writes the map output of -shards shards
// directly (dedupe.SyntheticCorpus.WriteMap: planted clusters, no text, no
// MinHash), with -exact and -near fractions of exact and near copies and a
// giant component of -giant records; an expect stage computes what the
// resolve must find (SyntheticCorpus.Expect), and the resolve stage fails
// if its statistics differ.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/winnow-data/winnow/dedupe"
)

type config struct {
	N          int64   `json:"n"`
	Dup        float64 `json:"dup"`
	Mem        int64   `json:"mem"`
	Partitions int     `json:"partitions"`
	Workers    int     `json:"workers"`
	Dir        string  `json:"dir"`
	Stages     string  `json:"stages"`
	Synthetic  bool    `json:"synthetic"`
	Shards     int     `json:"shards"`
	Exact      float64 `json:"exact"`
	Near       float64 `json:"near"`
	Giant      int64   `json:"giant"`
	Seed       uint64  `json:"seed"`
}

// report is one stage's measurements, printed as a JSON line by the child.
type report struct {
	Stage     string  `json:"stage"`
	Wall      float64 `json:"wall_s"`
	CPU       float64 `json:"cpu_s"`
	PeakRSS   int64   `json:"peak_rss_bytes"`
	PeakHeap  int64   `json:"peak_heap_bytes"`
	DiskBytes int64   `json:"disk_bytes"`
	TempPeak  int64   `json:"temp_peak_bytes,omitempty"`
	Note      string  `json:"note,omitempty"`
}

func main() {
	var c config
	flag.Int64Var(&c.N, "n", 1_000_000, "records")
	flag.Int64Var(&c.N, "records", 1_000_000, "records (same as -n)")
	flag.BoolVar(&c.Synthetic, "synthetic", false, "write the map output of a planted-cluster corpus directly (no text, no MinHash)")
	flag.IntVar(&c.Shards, "shards", 1, "map shards (with -synthetic)")
	flag.Float64Var(&c.Exact, "exact", 0.10, "fraction of exact copies (with -synthetic)")
	flag.Float64Var(&c.Near, "near", 0.10, "fraction of near copies (with -synthetic)")
	flag.Int64Var(&c.Giant, "giant", 0, "records in the giant component (with -synthetic; 0: records/100, -1: none)")
	flag.Uint64Var(&c.Seed, "seed", 1, "corpus seed (with -synthetic)")
	flag.Float64Var(&c.Dup, "dup", 0.2, "fraction of records that copy an earlier one")
	flag.Int64Var(&c.Mem, "mem", 256<<20, "memory budget (Options.MemBytes)")
	flag.IntVar(&c.Partitions, "partitions", dedupe.DefaultPartitions, "band partitions")
	flag.IntVar(&c.Workers, "workers", runtime.GOMAXPROCS(0), "sketch workers")
	flag.StringVar(&c.Dir, "dir", "", "work directory (default: a new temporary directory, removed at the end)")
	stage := flag.String("stage", "all", "all, or one of map, reduce, resolve (internal)")
	flag.StringVar(&c.Stages, "stages", "", "stages to run with -stage all (later stages reuse -dir); default map,reduce,resolve (map,expect,reduce,resolve with -synthetic)")
	flag.Parse()
	if c.Stages == "" {
		c.Stages = "map,reduce,resolve"
		if c.Synthetic {
			c.Stages = "map,expect,reduce,resolve"
		}
	}
	if !c.Synthetic {
		c.Shards = 1
	}
	if err := run(c, *stage); err != nil {
		fmt.Fprintln(os.Stderr, "resolvebench:", err)
		os.Exit(1)
	}
}

func run(c config, stage string) error {
	if stage != "all" {
		r, err := runStage(c, stage)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	cleanup := false
	if c.Dir == "" {
		d, err := os.MkdirTemp("", "resolvebench-*")
		if err != nil {
			return err
		}
		c.Dir, cleanup = d, true
	}
	if cleanup {
		defer os.RemoveAll(c.Dir)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if c.Synthetic {
		fmt.Printf("synthetic records %d, shards %d, exact %.2f, near %.2f, giant %d, mem %d MiB, partitions %d, workers %d\n",
			c.N, c.Shards, c.Exact, c.Near, c.Giant, c.Mem>>20, c.Partitions, c.Workers)
	} else {
		fmt.Printf("records %d, dup fraction %.2f, mem %d MiB, partitions %d, workers %d\n", c.N, c.Dup, c.Mem>>20, c.Partitions, c.Workers)
	}
	fmt.Printf("%-8s %9s %9s %12s %12s %12s %12s  %s\n", "stage", "wall s", "cpu s", "peak RSS", "peak heap", "disk", "temp peak", "per record")
	for _, s := range strings.Split(c.Stages, ",") {
		cmd := exec.Command(self, "-stage", s, "-n", fmt.Sprint(c.N), "-dup", fmt.Sprint(c.Dup), "-mem", fmt.Sprint(c.Mem),
			"-partitions", fmt.Sprint(c.Partitions), "-workers", fmt.Sprint(c.Workers), "-dir", c.Dir,
			fmt.Sprintf("-synthetic=%t", c.Synthetic), "-shards", fmt.Sprint(c.Shards), "-exact", fmt.Sprint(c.Exact),
			"-near", fmt.Sprint(c.Near), "-giant", fmt.Sprint(c.Giant), "-seed", fmt.Sprint(c.Seed))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("stage %s: %w", s, err)
		}
		var r report
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("stage %s: %w", s, err)
		}
		n := float64(c.N)
		fmt.Printf("%-8s %9.1f %9.1f %12s %12s %12s %12s  %.1f B RSS, %.1f B heap, %.1f B disk, %.2f µs CPU  %s\n",
			r.Stage, r.Wall, r.CPU, size(r.PeakRSS), size(r.PeakHeap), size(r.DiskBytes), size(r.TempPeak),
			float64(r.PeakRSS)/n, float64(r.PeakHeap)/n, float64(r.DiskBytes)/n, r.CPU/n*1e6, r.Note)
	}
	return nil
}

func size(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func opts(c config) dedupe.Options {
	return dedupe.Options{MemBytes: c.Mem, Partitions: c.Partitions, TempDir: c.Dir}
}

func corpus(c config) dedupe.SyntheticCorpus {
	return dedupe.SyntheticCorpus{Records: c.N, Shards: c.Shards, ExactFrac: c.Exact, NearFrac: c.Near, GiantSize: c.Giant, Seed: c.Seed}
}

const expectFile = "expect.json"

func runStage(c config, stage string) (report, error) {
	start, cpu0 := time.Now(), cpuTime()
	before := diskUsage(c.Dir)
	peak, tempPeak := watchHeap(), watchDisk(c.Dir)
	r := report{Stage: stage}
	ctx := context.Background()
	var err error
	switch stage {
	case "map":
		if c.Synthetic {
			err = corpus(c).WriteMap(ctx, c.Dir, opts(c), c.Workers)
		} else {
			err = mapStage(c)
		}
	case "expect":
		var st dedupe.Stats
		if st, err = corpus(c).Expect(opts(c), nil); err == nil {
			err = os.WriteFile(filepath.Join(c.Dir, expectFile), summary(st), 0o644)
			r.Note = fmt.Sprintf("planted: candidates %d, edges %d, clusters %d, dropped %d (exact %d, near %d), giant %v",
				st.CandidateRecords, st.Edges, st.Clusters, st.Dropped, st.DroppedExact, st.DroppedNear, st.Giant)
		}
	case "reduce":
		plan := dedupe.Plan{Dir: c.Dir, Shards: c.Shards, Options: opts(c)}
		for p := range c.Partitions {
			if err = plan.ReduceEdges(ctx, p); err != nil {
				break
			}
		}
	case "resolve":
		plan := dedupe.Plan{Dir: c.Dir, Shards: c.Shards, Options: opts(c)}
		var res *dedupe.Result
		res, err = plan.ResolveClusters(ctx)
		if err == nil {
			st := res.Stats
			r.Note = fmt.Sprintf("candidates %d, edges %d, clusters %d, dropped %d (exact %d, near %d), giant %v",
				st.CandidateRecords, st.Edges, st.Clusters, st.Dropped, st.DroppedExact, st.DroppedNear, st.Giant)
			if c.Synthetic {
				err = checkExpected(c, st)
				if err == nil {
					r.Note += "; equals the planted clusters"
				}
			}
		}
	default:
		err = fmt.Errorf("unknown stage %q", stage)
	}
	if err != nil {
		return r, err
	}
	r.Wall = time.Since(start).Seconds()
	r.CPU = float64(cpuTime()-cpu0) / 1e9
	r.PeakHeap = peak()
	r.PeakRSS = peakRSS()
	r.TempPeak = max(0, tempPeak()-before)
	if stage != "resolve" {
		r.TempPeak = 0
	}
	r.DiskBytes = diskUsage(filepath.Join(c.Dir, stageDir(stage)))
	return r, nil
}

func stageDir(stage string) string {
	switch stage {
	case "map":
		return "map"
	case "reduce":
		return "reduce"
	}
	return "none"
}

// summary is the part of the resolve statistics that
// SyntheticCorpus.Expect predicts, as JSON.
func summary(st dedupe.Stats) []byte {
	st.Largest, st.PriorMatches = nil, 0
	if st.Giant == nil {
		st.Giant = []dedupe.GiantCluster{}
	}
	b, _ := json.Marshal(st)
	return b
}

// checkExpected compares the resolve statistics with those the expect stage
// stored.
func checkExpected(c config, st dedupe.Stats) error {
	want, err := os.ReadFile(filepath.Join(c.Dir, expectFile))
	if err != nil {
		return fmt.Errorf("no planted statistics (run the expect stage): %w", err)
	}
	if got := summary(st); string(got) != string(want) {
		return fmt.Errorf("resolve statistics differ from the planted clusters:\n got %s\nwant %s", got, want)
	}
	return nil
}

// mapStage generates the corpus, sketches it in parallel and adds it in
// plan order to one Index, then writes the shard's partition files.
func mapStage(c config) error {
	o := opts(c)
	idx, err := dedupe.New(o)
	if err != nil {
		return err
	}
	defer idx.Close()
	vocab := make([]string, 50_000)
	vr := rand.New(rand.NewPCG(1, 1))
	for i := range vocab {
		var b strings.Builder
		for range 3 + vr.IntN(6) {
			b.WriteByte(byte('a' + vr.IntN(26)))
		}
		vocab[i] = b.String()
	}
	text := func(dst []byte, family uint64, edit bool) []byte {
		r := rand.New(rand.NewPCG(family, 7))
		for w := range 64 {
			word := vocab[r.IntN(len(vocab))]
			if edit && w == 11 {
				word = "edited"
			}
			if w > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, word...)
		}
		return dst
	}
	const batch = 1 << 16
	sk := make([][]byte, batch)
	ids := make([]dedupe.RecordID, batch)
	fps := make([]*dedupe.Fingerprinter, c.Workers)
	for i := range fps {
		fps[i] = idx.NewFingerprinter()
	}
	rng := rand.New(rand.NewPCG(2, 2))
	fam := make([]uint64, batch)
	edit := make([]bool, batch)
	for base := int64(0); base < c.N; base += batch {
		n := int(min(batch, c.N-base))
		for i := range n {
			rec := base + int64(i)
			ids[i] = dedupe.RecordID{File: int32(rec >> 20), Row: rec & (1<<20 - 1)}
			fam[i], edit[i] = uint64(rec), false
			if rec > 0 && rng.Float64() < c.Dup {
				fam[i] = uint64(rng.Int64N(rec))
				edit[i] = rng.IntN(2) == 0
			}
		}
		var wg sync.WaitGroup
		for w := range c.Workers {
			wg.Go(func() {
				var buf []byte
				for i := w; i < n; i += c.Workers {
					buf = text(buf[:0], fam[i], edit[i])
					sk[i] = fps[w].Sketch(sk[i][:0], buf)
				}
			})
		}
		wg.Wait()
		for i := range n {
			if err := idx.Add(ids[i], sk[i], 200, 0); err != nil {
				return err
			}
		}
	}
	return idx.WriteBandPartitions(c.Dir, 0)
}

// watchHeap samples the Go heap until the returned function is called and
// returns the peak.
func watchHeap() func() int64 {
	var mu sync.Mutex
	var peak int64
	done := make(chan struct{})
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		peak = max(peak, int64(ms.HeapInuse+ms.StackInuse))
		mu.Unlock()
	}
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() int64 {
		close(done)
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// watchDisk samples the bytes under dir every second until the returned
// function is called and returns the peak.
func watchDisk(dir string) func() int64 {
	var mu sync.Mutex
	var peak int64
	done := make(chan struct{})
	sample := func() {
		n := diskUsage(dir)
		mu.Lock()
		peak = max(peak, n)
		mu.Unlock()
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() int64 {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// peakRSS returns the process's peak resident set size (VmHWM).
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func diskUsage(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
