package dedupe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// doc is one test record.
type doc struct {
	id   RecordID
	text string
	keep float64
}

// sketchAll computes the sketches of docs with the given number of workers,
// each owning a Fingerprinter and taking records in a shuffled order.
func sketchAll(t testing.TB, opts Options, docs []doc, workers int, seed uint64) [][]byte {
	t.Helper()
	out := make([][]byte, len(docs))
	perm := rand.New(rand.NewPCG(seed, 99)).Perm(len(docs))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := range workers {
		wg.Go(func() {
			fp, err := NewFingerprinter(opts)
			if err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			for i := w; i < len(perm); i += workers {
				j := perm[i]
				out[j] = fp.Sketch(nil, []byte(docs[j].text))
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return out
}

// resolveDocs adds docs (in the given order of indexes, or plan order if
// nil) to a fresh Index and resolves it.
func resolveDocs(t testing.TB, opts Options, docs []doc, order []int, workers int) *Result {
	t.Helper()
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	sk := sketchAll(t, opts, docs, workers, uint64(len(order)))
	idx, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if order == nil {
		for i := range docs {
			order = append(order, i)
		}
	}
	for _, i := range order {
		d := docs[i]
		if err := idx.Add(d.id, sk[i], int64(len(d.text)), d.keep); err != nil {
			t.Fatal(err)
		}
	}
	res, err := idx.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// rows builds docs in file 0 with consecutive rows.
func rows(texts ...string) []doc {
	out := make([]doc, len(texts))
	for i, s := range texts {
		out[i] = doc{id: RecordID{0, int64(i)}, text: s}
	}
	return out
}

const gardenDoc = `Community gardens have spread across the city over the past decade, turning vacant lots into places where neighbors grow vegetables, share tools and trade advice. Organizers say the gardens do more than supply fresh produce. They give older residents a reason to leave the house, teach children where food comes from and make streets feel safer after dark.

The city council approved a plan last spring that offers small grants for water lines, raised beds and fencing. Applications are reviewed every quarter by a volunteer committee, which visits each site before money is released. Critics argue that the program favors neighborhoods that already have strong associations, while supporters point to new gardens opening in districts that had none five years ago.

Either way, waiting lists for plots keep growing. Several schools now run their own beds as part of the science curriculum, and a local food bank collects surplus harvests every Saturday morning during the summer. The parks department expects to publish a map of every garden, with opening hours and contact details, before the end of the year.`

const trainDoc = `The regional rail operator announced on Tuesday that it will replace its oldest diesel trains with battery electric units by the end of the decade. The new fleet will run on the northern branch lines, where overhead wires would be too expensive to install across long rural stretches and several historic viaducts.

Engineers tested two prototypes through the winter and reported that cold weather reduced range by less than a fifth. Charging stations will be built at the terminal stations and at one depot in the middle of the network. Passenger groups welcomed the plan but asked for more frequent service on weekends, when many trains are currently cancelled for maintenance work.

The operator expects the first units to enter service within three years, subject to approval from the safety regulator. Ticket prices will not change as a result of the investment, a spokesperson said, and the retired diesel trains will be sold to a heritage railway.`

const header = "Home | News | Local | Business | Sports | Weather | Contact us | Subscribe to our newsletter\n\n"
const footer = "\n\nCopyright 2024 The Riverside Daily Gazette. All rights reserved. Privacy policy | Terms of use | Cookie settings"

func sentences(s string) []string {
	var out []string
	for _, para := range strings.Split(s, "\n\n") {
		for _, sent := range strings.SplitAfter(para, ". ") {
			if sent = strings.TrimSpace(sent); sent != "" {
				out = append(out, sent)
			}
		}
	}
	return out
}

func swapWords(s string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestDetection(t *testing.T) {
	sents := sentences(gardenDoc)
	reordered := append([]string{}, sents...)
	reordered[1], reordered[5] = reordered[5], reordered[1]
	deleted := append(append([]string{}, sents[:4]...), sents[5:]...)
	inserted := append(append(append([]string{}, sents[:3]...), "A spokesperson for the mayor said the program would be reviewed again next year."), sents[3:]...)
	const zh1 = "城市社区花园在过去十年中迅速发展，把空地变成了邻居们种植蔬菜、分享工具和交流经验的地方。组织者说，这些花园不仅提供新鲜的农产品，还让老年居民有理由走出家门，让孩子们了解食物从哪里来。市议会去年春天批准了一项计划，为水管、苗床和围栏提供小额补助。"
	const zh2 = "城市社区花园在过去十年中迅速发展，把空地变成了邻居们种植蔬菜、分享工具和交流经验的地方。组织者表示，这些花园不仅提供新鲜的农产品，还让老年居民有理由走出家门，让孩子们了解食物从哪里来。市议会去年春天批准了一项计划，为水管、苗床和围栏提供小额补助。"
	const zh3 = "地区铁路运营商周二宣布，将在十年内用电池电动列车取代最老的柴油列车。新车队将在北部支线运行，那里的架空电线安装成本太高。工程师在冬季测试了两台样车，报告说寒冷天气使续航里程减少不到五分之一。"
	cases := []struct {
		name      string
		opts      Options
		a, b      string
		wantKind  Kind // 0: not a duplicate
		minSim    float64
		normalize bool
	}{
		{name: "exact copy", a: gardenDoc, b: gardenDoc, wantKind: DupExact, minSim: 1},
		{name: "case and whitespace", a: gardenDoc, b: strings.ToUpper(strings.ReplaceAll(gardenDoc, " ", "  ")), wantKind: DupNear, minSim: 0.99},
		{name: "case and whitespace normalized", opts: Options{Normalize: true}, a: gardenDoc, b: strings.ToUpper(strings.ReplaceAll(gardenDoc, " ", " \t ")), wantKind: DupExact, minSim: 1},
		{name: "punctuation", a: gardenDoc, b: strings.NewReplacer(",", "", ".", "!").Replace(gardenDoc), wantKind: DupNear, minSim: 0.99},
		{name: "sentence inserted", a: gardenDoc, b: strings.Join(inserted, " "), wantKind: DupNear, minSim: 0.8},
		{name: "sentence deleted", a: gardenDoc, b: strings.Join(deleted, " "), wantKind: DupNear, minSim: 0.8},
		{name: "sentences reordered", a: gardenDoc, b: strings.Join(reordered, " "), wantKind: DupNear, minSim: 0.8},
		{name: "boilerplate header and footer", a: gardenDoc, b: header + gardenDoc + footer, wantKind: DupNear, minSim: 0.75},
		{name: "synonym swaps", a: gardenDoc, b: swapWords(gardenDoc, "vacant", "empty", "approved", "passed", "critics", "opponents"), wantKind: DupNear, minSim: 0.8},
		{name: "chinese near copy", a: zh1, b: zh2, wantKind: DupNear, minSim: 0.8},
		{name: "empty texts", a: "", b: "", wantKind: DupExact, minSim: 1},
		{name: "negative same template", a: header + gardenDoc + footer, b: header + trainDoc + footer},
		{name: "negative different text", a: gardenDoc, b: trainDoc},
		{name: "negative first half only", a: gardenDoc, b: strings.Join(sents[:len(sents)/2], " ")},
		{name: "negative short texts", a: "Thanks for the quick reply!", b: "Thanks for the reply, see you soon."},
		{name: "negative chinese", a: zh1, b: zh3},
		{name: "negative empty and text", a: "", b: "..."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := resolveDocs(t, c.opts, rows(c.a, c.b), nil, 1)
			if c.wantKind == 0 {
				if len(res.Dups) != 0 {
					t.Fatalf("want no duplicate, got %+v", res.Dups)
				}
				return
			}
			if len(res.Dups) != 1 {
				t.Fatalf("want one duplicate, got %+v", res.Dups)
			}
			d := res.Dups[0]
			if d.ID != (RecordID{0, 1}) || d.Kept != (RecordID{0, 0}) || d.Kind != c.wantKind {
				t.Errorf("got %+v, want row 1 dropped as %v of row 0", d, c.wantKind)
			}
			if d.Similarity < c.minSim {
				t.Errorf("similarity %.3f < %.3f", d.Similarity, c.minSim)
			}
			if d.Prior != nil {
				t.Errorf("unexpected prior %+v", d.Prior)
			}
		})
	}
}

func TestKeepPolicy(t *testing.T) {
	sents := sentences(gardenDoc)
	short := strings.Join(sents[:len(sents)-1], " ")
	long := gardenDoc + " The first map will be printed and handed out at libraries."
	docs := []doc{
		{id: RecordID{0, 5}, text: short, keep: 0.2},
		{id: RecordID{1, 0}, text: gardenDoc, keep: 0.9},
		{id: RecordID{1, 3}, text: long, keep: math.NaN()},
		{id: RecordID{2, 0}, text: gardenDoc, keep: 0.9},
		{id: RecordID{2, 1}, text: trainDoc, keep: 5},
	}
	cases := []struct {
		keep KeepPolicy
		want RecordID
	}{
		{KeepFirst, RecordID{0, 5}},
		{KeepLongest, RecordID{1, 3}},
		{KeepMax, RecordID{1, 0}}, // tie with (2,0) goes to plan order; NaN ranks lowest
	}
	for _, c := range cases {
		t.Run(c.keep.String(), func(t *testing.T) {
			res := resolveDocs(t, Options{Keep: c.keep}, docs, []int{4, 2, 0, 3, 1}, 3)
			if len(res.Dups) != 3 {
				t.Fatalf("want 3 dups, got %+v", res.Dups)
			}
			for _, d := range res.Dups {
				if d.Kept != c.want || d.ID == c.want {
					t.Errorf("dup %+v: want kept %v", d, c.want)
				}
				if d.Cluster != res.Dups[0].Cluster {
					t.Errorf("dups in different clusters: %+v", res.Dups)
				}
			}
			if got := res.Stats.Largest[0]; got.Size != 4 || got.Kept != c.want {
				t.Errorf("largest cluster %+v", got)
			}
		})
	}
}

func TestParseKeep(t *testing.T) {
	cases := []struct {
		in    string
		want  KeepPolicy
		field string
		err   bool
	}{
		{"", KeepFirst, "", false},
		{"first", KeepFirst, "", false},
		{"longest", KeepLongest, "", false},
		{"max:meta.quality", KeepMax, "meta.quality", false},
		{"max:", 0, "", true},
		{"last", 0, "", true},
	}
	for _, c := range cases {
		p, f, err := ParseKeep(c.in)
		if (err != nil) != c.err || p != c.want || f != c.field {
			t.Errorf("ParseKeep(%q) = %v, %q, %v", c.in, p, f, err)
		}
	}
}

// plantedCorpus returns n documents in 4 files where about a third are
// exact or edited copies of earlier ones.
func plantedCorpus(n int, seed uint64) []doc {
	rng := rand.New(rand.NewPCG(seed, 1))
	var docs []doc
	for i := range n {
		id := RecordID{File: int32(i % 4), Row: int64(i / 4)}
		var text string
		switch {
		case i > 10 && rng.IntN(6) == 0:
			text = docs[rng.IntN(len(docs))].text
		case i > 10 && rng.IntN(5) == 0:
			w := strings.Fields(docs[rng.IntN(len(docs))].text)
			k := rng.IntN(len(w))
			w[k] = "edited"
			text = strings.Join(w, " ")
		default:
			text = synthDoc(rng, 80+rng.IntN(200))
		}
		docs = append(docs, doc{id: id, text: text, keep: float64(rng.IntN(4))})
	}
	return docs
}

func TestDeterminism(t *testing.T) {
	docs := plantedCorpus(400, 3)
	base := resolveDocs(t, Options{}, docs, nil, 1)
	if base.Stats.Dropped < 60 {
		t.Fatalf("planted corpus too easy: %d dropped", base.Stats.Dropped)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, c := range []struct {
		name    string
		opts    Options
		workers int
		shuffle bool
	}{
		{"8 workers", Options{}, 8, false},
		{"shuffled adds", Options{}, 3, true},
		{"3 partitions and spills", Options{Partitions: 3, MemBytes: 1 << 16}, 8, true},
		{"1 partition", Options{Partitions: 1}, 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var order []int
			if c.shuffle {
				order = rng.Perm(len(docs))
			}
			got := resolveDocs(t, c.opts, docs, order, c.workers)
			if !reflect.DeepEqual(got, base) {
				t.Errorf("result differs:\n got %+v\nwant %+v", got.Stats, base.Stats)
			}
		})
	}
	for _, keep := range []KeepPolicy{KeepLongest, KeepMax} {
		t.Run("keep "+keep.String(), func(t *testing.T) {
			a := resolveDocs(t, Options{Keep: keep}, docs, nil, 1)
			b := resolveDocs(t, Options{Keep: keep, Partitions: 5, MemBytes: 1 << 16}, docs, rng.Perm(len(docs)), 8)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("result differs")
			}
		})
	}
}

func TestShardedPlan(t *testing.T) {
	docs := plantedCorpus(300, 11)
	base := resolveDocs(t, Options{Partitions: 4}, docs, nil, 1)
	var edgeBytes [][]byte
	for _, shards := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d shards", shards), func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{Partitions: 4, TempDir: t.TempDir(), MemBytes: 1 << 16}
			sk := sketchAll(t, opts, docs, 4, 1)
			for s := range shards {
				idx, err := New(opts)
				if err != nil {
					t.Fatal(err)
				}
				for i, d := range docs {
					// Assign records to shards by hashing, not by file, to
					// exercise arbitrary partitionings.
					if int(fmix64(uint64(i))%uint64(shards)) != s {
						continue
					}
					if err := idx.Add(d.id, sk[i], int64(len(d.text)), d.keep); err != nil {
						t.Fatal(err)
					}
				}
				if err := idx.WriteBandPartitions(dir, s); err != nil {
					t.Fatal(err)
				}
				idx.Close()
			}
			plan := Plan{Dir: dir, Shards: shards, Options: opts}
			for r := range 4 {
				if err := plan.ReduceEdges(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			res, err := plan.ResolveClusters(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res, base) {
				t.Errorf("sharded result differs:\n got %+v\nwant %+v", res.Stats, base.Stats)
			}
			e, _ := reduceNames(dir, 2)
			edgeBytes = append(edgeBytes, readFile(t, e))
		})
	}
	if len(edgeBytes) == 2 && string(edgeBytes[0]) != string(edgeBytes[1]) {
		t.Error("reduce output bytes depend on the shard count")
	}
}

func TestGiantClusterGuard(t *testing.T) {
	// A chain: document i is a window of a long word stream, shifted by a
	// few words from document i-1, so neighbours are near duplicates but the
	// ends of the chain share nothing.
	rng := rand.New(rand.NewPCG(21, 21))
	stream := synthWords(rng, 4000)
	var docs []doc
	const n, width, step = 40, 200, 12
	for i := range n {
		docs = append(docs, doc{id: RecordID{0, int64(i)}, text: strings.Join(stream[i*step:i*step+width], " ")})
	}
	t.Run("blind merge chains", func(t *testing.T) {
		res := resolveDocs(t, Options{SkipVerify: true, MaxClusterSize: 1000}, docs, nil, 2)
		if res.Stats.Clusters != 1 || res.Stats.Dropped < n/2 {
			t.Fatalf("expected one chained cluster, got %+v", res.Stats)
		}
		low := 0
		for _, d := range res.Dups {
			if d.Similarity < 0.5 {
				low++
			}
		}
		if low == 0 {
			t.Fatal("chaining should drop records unlike the kept one")
		}
	})
	t.Run("guard splits", func(t *testing.T) {
		opts := Options{SkipVerify: true, MaxClusterSize: 8}
		res := resolveDocs(t, opts, docs, nil, 2)
		if len(res.Stats.Giant) != 1 {
			t.Fatalf("want one giant cluster, got %+v", res.Stats.Giant)
		}
		g := res.Stats.Giant[0]
		if g.Size != n || g.Clusters < 3 {
			t.Errorf("giant %+v", g)
		}
		for _, d := range res.Dups {
			if d.Similarity < DefaultThreshold {
				t.Errorf("dup %+v below threshold", d)
			}
		}
		if res.Stats.VerifyRejected == 0 {
			t.Error("no member split off")
		}
	})
	t.Run("verify splits too", func(t *testing.T) {
		res := resolveDocs(t, Options{}, docs, nil, 2)
		for _, d := range res.Dups {
			if d.Similarity < DefaultThreshold {
				t.Errorf("dup %+v below threshold", d)
			}
		}
		if len(res.Stats.Giant) != 0 {
			t.Errorf("component of %d is not giant at the default limit", n)
		}
	})
}

func TestSpill(t *testing.T) {
	docs := plantedCorpus(300, 9)
	base := resolveDocs(t, Options{}, docs, nil, 1)
	opts := Options{MemBytes: 1 << 16, TempDir: t.TempDir()}
	sk := sketchAll(t, opts, docs, 2, 0)
	idx, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	for i, d := range docs {
		if err := idx.Add(d.id, sk[i], int64(len(d.text)), d.keep); err != nil {
			t.Fatal(err)
		}
	}
	if len(idx.runs) < 3 {
		t.Fatalf("expected several spill runs, got %d", len(idx.runs))
	}
	res, err := idx.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, base) {
		t.Error("spilled result differs")
	}
}

func TestAddErrors(t *testing.T) {
	idx, err := New(Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	fp := idx.NewFingerprinter()
	sk := fp.Sketch(nil, []byte("hello world"))
	cases := []struct {
		name   string
		id     RecordID
		sketch []byte
		want   error
	}{
		{"short sketch", RecordID{0, 0}, sk[:10], ErrBadSketch},
		{"bad version", RecordID{0, 0}, append([]byte{9}, sk[1:]...), ErrBadSketch},
		{"negative row", RecordID{0, -1}, sk, ErrRange},
		{"file too large", RecordID{MaxFiles, 0}, sk, ErrRange},
		{"row too large", RecordID{0, MaxRows}, sk, ErrRange},
	}
	for _, c := range cases {
		if err := idx.Add(c.id, c.sketch, 1, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if err := idx.Add(RecordID{0, 1}, sk, 11, 0); err != nil {
		t.Fatal(err)
	}
	if err := idx.Add(RecordID{0, 1}, sk, 11, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Resolve(context.Background()); !errors.Is(err, ErrDuplicateRecord) {
		t.Errorf("duplicate add: got %v", err)
	}
	if err := idx.Add(RecordID{0, 2}, sk, 11, 0); err != nil && !errors.Is(err, ErrState) {
		t.Errorf("add after failed resolve: %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	_, err := New(Options{NGram: -1, Bands: 100, Rows: 100, Threshold: 2, MemBytes: 5})
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"NGram", "Bands", "Threshold", "MemBytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestResolveCancel(t *testing.T) {
	docs := plantedCorpus(50, 1)
	opts := Options{TempDir: t.TempDir()}
	sk := sketchAll(t, opts, docs, 1, 0)
	idx, _ := New(opts)
	defer idx.Close()
	for i, d := range docs {
		idx.Add(d.id, sk[i], 1, 0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := idx.Resolve(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestStats(t *testing.T) {
	var texts []string
	// Clusters of sizes 2, 3 and 5 (exact copies), plus singletons.
	rng := rand.New(rand.NewPCG(4, 4))
	for _, size := range []int{2, 3, 5} {
		text := synthDoc(rng, 150)
		for range size {
			texts = append(texts, text)
		}
	}
	texts = append(texts, gardenDoc, "unrelated short note")
	res := resolveDocs(t, Options{TopClusters: 2}, rows(texts...), nil, 1)
	st := res.Stats
	if st.Clusters != 3 || st.Dropped != 7 || st.DroppedExact != 7 || st.Records != int64(len(texts)) {
		t.Errorf("stats %+v", st)
	}
	wantHist := []SizeBucket{{2, 2, 1}, {3, 4, 1}, {5, 8, 1}}
	if !reflect.DeepEqual(st.SizeHistogram, wantHist) {
		t.Errorf("histogram %+v, want %+v", st.SizeHistogram, wantHist)
	}
	if len(st.Largest) != 2 || st.Largest[0].Size != 5 || st.Largest[1].Size != 3 {
		t.Errorf("largest %+v", st.Largest)
	}
	if got := st.Largest[0].Sample; len(got) != 5 || got[0] != (RecordID{0, 5}) {
		t.Errorf("sample %+v", got)
	}
	var bytes int64
	for _, d := range res.Dups {
		bytes += int64(len(texts[d.ID.Row]))
	}
	if st.BytesRemoved != bytes {
		t.Errorf("bytes removed %d, want %d", st.BytesRemoved, bytes)
	}
	if d, ok := res.Lookup(RecordID{0, 6}); !ok || d.Kept != (RecordID{0, 5}) {
		t.Errorf("lookup: %+v %v", d, ok)
	}
	if _, ok := res.Lookup(RecordID{0, 5}); ok {
		t.Error("kept record looked up as dup")
	}
}

func TestSpillFailureIsSticky(t *testing.T) {
	notDir := t.TempDir() + "/file"
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{MemBytes: 1 << 16, TempDir: notDir}
	docs := plantedCorpus(200, 2)
	sk := sketchAll(t, opts, docs, 1, 0)
	idx, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	var first error
	for i, d := range docs {
		if err := idx.Add(d.id, sk[i], 1, 0); err != nil {
			first = err
			break
		}
	}
	if first == nil {
		t.Fatal("spilling into a non-directory succeeded")
	}
	if err := idx.Add(RecordID{9, 9}, sk[0], 1, 0); err == nil {
		t.Error("Add after a failed spill succeeded")
	}
	if _, err := idx.Resolve(context.Background()); err == nil {
		t.Error("Resolve after a failed spill succeeded")
	}
}
