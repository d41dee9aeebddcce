package dedupe

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestFeistelPermutes(t *testing.T) {
	for _, m := range []uint64{1, 2, 3, 5, 64, 100, 1000, 4097} {
		t.Run("", func(t *testing.T) {
			f := newFeistel(m, m*7)
			seen := make([]bool, m)
			fixed := 0
			for x := range m {
				y := f.enc(x)
				if y >= m || seen[y] {
					t.Fatalf("m=%d: enc(%d) = %d repeats or is out of range", m, x, y)
				}
				seen[y] = true
				if y == x {
					fixed++
				}
				if back := f.dec(y); back != x {
					t.Fatalf("m=%d: dec(enc(%d)) = %d", m, x, back)
				}
			}
			if m >= 100 && fixed > int(m/10) {
				t.Errorf("m=%d: %d fixed points, not a shuffle", m, fixed)
			}
		})
	}
}

// runSynthetic writes the corpus's map output, runs every reduce task and
// the resolve step, as separate processes would.
func runSynthetic(t *testing.T, c SyntheticCorpus, o Options) *Result {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if err := c.WriteMap(ctx, dir, o, 2); err != nil {
		t.Fatal(err)
	}
	plan := Plan{Dir: dir, Shards: max(c.Shards, 1), Options: o}
	for r := range o.WithDefaults().Partitions {
		if err := plan.ReduceEdges(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	res, err := plan.ResolveClusters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSyntheticResolve(t *testing.T) {
	cases := []struct {
		name string
		c    SyntheticCorpus
		o    Options
	}{
		{"sharded-giant", SyntheticCorpus{Records: 20000, Shards: 3, RowsPerFile: 1000, GiantSize: 600, GiantParts: 8, Seed: 1},
			Options{Partitions: 4, MaxClusterSize: 100}},
		{"spilled-skipverify", SyntheticCorpus{Records: 30000, ExactFrac: 0.2, NearFrac: 0.05, GiantSize: 1200, GiantParts: 63, Seed: 2},
			Options{Partitions: 3, SkipVerify: true, MemBytes: 1 << 16, MaxClusterSize: 700}},
		{"small-giant-unverified", SyntheticCorpus{Records: 5000, Shards: 2, GiantSize: 90, GiantParts: 3, Seed: 3},
			Options{Partitions: 2, SkipVerify: true, Bands: 20, Rows: 5}},
		{"no-giant-near-only", SyntheticCorpus{Records: 8000, Shards: 4, ExactFrac: -1, NearFrac: 0.3, GiantSize: -1, Seed: 4},
			Options{Partitions: 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.TempDir = t.TempDir()
			var want []Dup
			st, err := tc.c.Expect(tc.o, func(d Dup) { want = append(want, d) })
			if err != nil {
				t.Fatal(err)
			}
			if st.Dropped == 0 || int64(len(want)) != st.Dropped {
				t.Fatalf("planted %d drops, stats say %d", len(want), st.Dropped)
			}
			slices.SortFunc(want, func(a, b Dup) int { return a.ID.Compare(b.ID) })
			res := runSynthetic(t, tc.c, tc.o)
			got := res.Stats
			got.Largest, got.PriorMatches = nil, 0
			if !statsEqual(got, st) {
				t.Errorf("stats:\n got %+v\nwant %+v", got, st)
			}
			if len(res.Dups) != len(want) {
				t.Fatalf("%d dups, planted %d", len(res.Dups), len(want))
			}
			for i := range want {
				if g, w := res.Dups[i], want[i]; g != w {
					t.Fatalf("dup %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			t.Logf("%d records: %d candidates, %d edges, %d clusters, %d dropped (%d exact, %d near), giant %+v",
				st.Records, st.CandidateRecords, st.Edges, st.Clusters, st.Dropped, st.DroppedExact, st.DroppedNear, st.Giant)
		})
	}
}

func statsEqual(a, b Stats) bool {
	return a.Records == b.Records && a.CandidateRecords == b.CandidateRecords && a.Edges == b.Edges &&
		a.Clusters == b.Clusters && a.Dropped == b.Dropped && a.DroppedExact == b.DroppedExact &&
		a.DroppedNear == b.DroppedNear && a.BytesRemoved == b.BytesRemoved && a.VerifyRejected == b.VerifyRejected &&
		slices.Equal(a.SizeHistogram, b.SizeHistogram) && slices.Equal(a.Giant, b.Giant)
}

// The synthetic map files must be byte-identical to what
// Index.WriteBandPartitions writes for the same records.
func TestSyntheticMatchesIndex(t *testing.T) {
	c := SyntheticCorpus{Records: 6000, Shards: 2, RowsPerFile: 700, GiantSize: 300, GiantParts: 5, Seed: 9}
	o := Options{Partitions: 3, MaxClusterSize: 50, TempDir: t.TempDir()}
	synth, ref := t.TempDir(), t.TempDir()
	if err := c.WriteMap(context.Background(), synth, o, 0); err != nil {
		t.Fatal(err)
	}
	p, err := newSynthPlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	for s := range c.Shards {
		idx, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		for pos := p.shardStart(s); pos < p.shardStart(s+1); pos++ {
			l := p.locate(int64(p.rec.dec(uint64(pos))))
			v := p.variantOf(l.cluster, l.member)
			if err := idx.Add(nodeID(p.node(pos)), p.sketchOf(pos), p.sizeOf(l.cluster, v), 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := idx.WriteBandPartitions(ref, s); err != nil {
			t.Fatal(err)
		}
		idx.Close()
	}
	names, err := filepath.Glob(filepath.Join(ref, "map", "*.wdd"))
	if err != nil || len(names) != c.Shards*(2*o.Partitions+1) {
		t.Fatalf("%d reference files (%v)", len(names), err)
	}
	for _, name := range names {
		want := readFile(t, name)
		got, err := os.ReadFile(filepath.Join(synth, "map", filepath.Base(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: synthetic file (%d bytes) differs from the Index's (%d bytes)", filepath.Base(name), len(got), len(want))
		}
	}
}

func TestSyntheticInvalid(t *testing.T) {
	cases := []struct {
		name string
		c    SyntheticCorpus
		o    Options
	}{
		{"no-records", SyntheticCorpus{}, Options{}},
		{"too-many-parts", SyntheticCorpus{Records: 10000, GiantSize: 1000, GiantParts: 64}, Options{}},
		{"too-many-dups", SyntheticCorpus{Records: 1000, ExactFrac: 0.6, NearFrac: 0.5}, Options{}},
		{"too-few-hashes", SyntheticCorpus{Records: 1000}, Options{Bands: 2, Rows: 2}},
		{"threshold-too-high", SyntheticCorpus{Records: 1000}, Options{Threshold: 0.9}},
		{"too-many-files", SyntheticCorpus{Records: 1 << 24, RowsPerFile: 1}, Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.c.Expect(tc.o, nil); err == nil {
				t.Error("no error")
			}
		})
	}
}
