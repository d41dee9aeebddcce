package dedupe

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// version runs one dataset version: it opens the index in dir (if any),
// adds docs, resolves and, if save is set, saves the index back to dir.
func version(t *testing.T, dir, label string, files []FileRef, docs []doc, save bool) *Result {
	t.Helper()
	opts := Options{Version: label, Files: files, TempDir: t.TempDir()}
	idx, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	p, err := OpenPrior(dir, opts)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	default:
		if err := idx.UsePrior(p); err != nil {
			t.Fatal(err)
		}
	}
	sk := sketchAll(t, opts, docs, 3, 1)
	for i, d := range docs {
		if err := idx.Add(d.id, sk[i], int64(len(d.text)), d.keep); err != nil {
			t.Fatal(err)
		}
	}
	res, err := idx.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if save {
		if err := idx.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

type wantDup struct {
	id    RecordID
	kind  Kind
	kept  RecordID
	prior *Provenance
}

func checkDups(t *testing.T, res *Result, want []wantDup) {
	t.Helper()
	var got []wantDup
	for _, d := range res.Dups {
		got = append(got, wantDup{d.ID, d.Kind, d.Kept, d.Prior})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dups:\n got %s\nwant %s", fmtDups(got), fmtDups(want))
	}
}

func fmtDups(ds []wantDup) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %v %v kept %v", d.kind, d.id, d.kept)
		if d.prior != nil {
			fmt.Fprintf(&b, " prior %+v", *d.prior)
		}
	}
	return b.String()
}

func TestIncremental(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	s := make([]string, 6)
	for i := range s {
		s[i] = synthDoc(rng, 120)
	}
	trainEdited := strings.Replace(trainDoc, "Tuesday", "Wednesday", 1)
	v1files := []FileRef{{"a.jsonl", "sha256:a1"}, {"b.jsonl", "sha256:b1"}}
	v1 := []doc{
		{id: RecordID{0, 0}, text: gardenDoc},
		{id: RecordID{0, 1}, text: trainDoc},
		{id: RecordID{0, 2}, text: s[0]},
		{id: RecordID{1, 0}, text: s[1]}, // b.jsonl is deleted in v2
		{id: RecordID{1, 1}, text: s[2]},
	}
	aRows := v1[:3]
	cRows := []doc{
		{id: RecordID{1, 0}, text: gardenDoc},   // exact copy of v1 a.jsonl:0
		{id: RecordID{1, 1}, text: trainEdited}, // near copy of v1 a.jsonl:1
		{id: RecordID{1, 2}, text: s[1]},        // copy of a deleted v1 record
		{id: RecordID{1, 3}, text: s[3]},        // new
		{id: RecordID{1, 4}, text: s[3]},        // in-run duplicate
	}
	v2files := []FileRef{{"a.jsonl", "sha256:a1"}, {"c.jsonl", "sha256:c2"}}
	a0 := &Provenance{"v1", "a.jsonl", 0}
	a1 := &Provenance{"v1", "a.jsonl", 1}

	newIndex := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "index")
		res := version(t, dir, "v1", v1files, v1, true)
		if len(res.Dups) != 0 {
			t.Fatalf("v1 has dups: %+v", res.Dups)
		}
		return dir
	}

	t.Run("unchanged file rescanned", func(t *testing.T) {
		dir := newIndex(t)
		res := version(t, dir, "v2", v2files, append(append([]doc{}, aRows...), cRows...), false)
		checkDups(t, res, []wantDup{
			{RecordID{1, 0}, DupExact, RecordID{0, 0}, a0},
			{RecordID{1, 1}, DupNear, RecordID{0, 1}, a1},
			{RecordID{1, 4}, DupExact, RecordID{1, 3}, nil},
		})
		if res.Stats.PriorMatches != 2 {
			t.Errorf("prior matches %d", res.Stats.PriorMatches)
		}
	})
	t.Run("unchanged file not rescanned", func(t *testing.T) {
		dir := newIndex(t)
		res := version(t, dir, "v2", v2files, cRows, false)
		checkDups(t, res, []wantDup{
			{RecordID{1, 0}, DupExact, NoRecord, a0},
			{RecordID{1, 1}, DupNear, NoRecord, a1},
			{RecordID{1, 4}, DupExact, RecordID{1, 3}, nil},
		})
	})
	t.Run("changed file stops counting", func(t *testing.T) {
		dir := newIndex(t)
		files := []FileRef{{"a.jsonl", "sha256:a2"}, {"c.jsonl", "sha256:c2"}}
		changedA := []doc{{id: RecordID{0, 0}, text: s[4]}, {id: RecordID{0, 1}, text: s[5]}}
		res := version(t, dir, "v2", files, append(changedA, cRows...), false)
		checkDups(t, res, []wantDup{{RecordID{1, 4}, DupExact, RecordID{1, 3}, nil}})
	})
	t.Run("three versions in place", func(t *testing.T) {
		dir := newIndex(t)
		version(t, dir, "v2", v2files, append(append([]doc{}, aRows...), cRows...), true)
		cur, err := os.ReadFile(filepath.Join(dir, currentName))
		if err != nil || string(cur) != "gen-000002\n" {
			t.Fatalf("CURRENT = %q, %v", cur, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "gen-000001")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("old generation not removed: %v", err)
		}
		v3files := []FileRef{{"a.jsonl", "sha256:a1"}, {"c.jsonl", "sha256:c2"}, {"d.jsonl", "sha256:d3"}}
		p, err := OpenPrior(dir, Options{Version: "v3", Files: v3files})
		if err != nil {
			t.Fatal(err)
		}
		want := PriorStats{Versions: []string{"v1", "v2"}, Files: 3, LiveFiles: 3, Records: 3 + 2, LiveRecords: 5}
		if got := p.Stats(); !reflect.DeepEqual(got, want) {
			t.Errorf("prior stats %+v, want %+v", got, want)
		}
		dRows := []doc{
			{id: RecordID{2, 0}, text: s[3]},      // stored by v2 as c.jsonl:3
			{id: RecordID{2, 1}, text: gardenDoc}, // v2's copy was a twin: provenance stays v1
			{id: RecordID{2, 2}, text: s[1]},      // stored by v2 as c.jsonl:2
			{id: RecordID{2, 3}, text: "brand new text for version three"},
		}
		res := version(t, dir, "v3", v3files, dRows, true)
		checkDups(t, res, []wantDup{
			{RecordID{2, 0}, DupExact, NoRecord, &Provenance{"v2", "c.jsonl", 3}},
			{RecordID{2, 1}, DupExact, NoRecord, a0},
			{RecordID{2, 2}, DupExact, NoRecord, &Provenance{"v2", "c.jsonl", 2}},
		})
	})
	t.Run("errors", func(t *testing.T) {
		dir := newIndex(t)
		if _, err := OpenPrior(t.TempDir(), Options{Version: "v2", Files: v2files}); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("empty dir: %v", err)
		}
		if _, err := OpenPrior(dir, Options{Version: "v1", Files: v2files}); !errors.Is(err, ErrVersionExists) {
			t.Errorf("repeated version: %v", err)
		}
		if _, err := OpenPrior(dir, Options{Version: "v2", Files: v2files, NGram: 3}); !errors.Is(err, ErrMismatch) {
			t.Errorf("other params: %v", err)
		}
		if _, err := OpenPrior(dir, Options{Version: "v2"}); err == nil {
			t.Error("missing files accepted")
		}
		// A prior opened for other Files does not fit the index.
		other, err := OpenPrior(dir, Options{Version: "v2", Files: v1files})
		if err != nil {
			t.Fatal(err)
		}
		idx2, _ := New(Options{Version: "v2", Files: v2files, TempDir: t.TempDir()})
		defer idx2.Close()
		if err := idx2.UsePrior(other); !errors.Is(err, ErrMismatch) {
			t.Errorf("prior for other files: %v", err)
		}
		// Saving over an index that was not opened is refused.
		opts := Options{Version: "v2", Files: v2files, TempDir: t.TempDir()}
		idx, _ := New(opts)
		defer idx.Close()
		if err := idx.Save(dir); !errors.Is(err, ErrState) {
			t.Errorf("save before resolve: %v", err)
		}
		idx.Resolve(context.Background())
		if err := idx.Save(dir); !errors.Is(err, ErrState) {
			t.Errorf("overwrite: %v", err)
		}
		// A damaged meta.json or partition file is reported by name.
		meta := filepath.Join(dir, "gen-000001", metaName)
		b := readFile(t, meta)
		os.WriteFile(meta, []byte(strings.Replace(string(b), `"a.jsonl"`, `"x.jsonl"`, 1)), 0o644)
		var ce *CorruptError
		if _, err := OpenPrior(dir, Options{Version: "v2", Files: v2files}); !errors.As(err, &ce) || ce.File != meta {
			t.Errorf("corrupt meta: %v", err)
		}
		os.WriteFile(meta, b, 0o644)
		band := filepath.Join(dir, "gen-000001", "band-p00003.wdd")
		corruptFile(t, band, func(b []byte) []byte { return b[:len(b)-5] })
		res := func() error {
			opts := Options{Version: "v2", Files: v2files, TempDir: t.TempDir()}
			p, err := OpenPrior(dir, opts)
			if err != nil {
				return err
			}
			idx, _ := New(opts)
			defer idx.Close()
			idx.UsePrior(p)
			_, err = idx.Resolve(context.Background())
			return err
		}()
		if !errors.As(res, &ce) || ce.File != band {
			t.Errorf("corrupt band file: %v", res)
		}
	})
}

// TestIncrementalSharded checks that the sharded steps with a persistent
// index give the in-process result and save byte-identical index files.
func TestIncrementalSharded(t *testing.T) {
	docs := plantedCorpus(240, 13)
	files := []FileRef{{"f0", "0"}, {"f1", "1"}, {"f2", "2"}, {"f3", "3"}}
	// v1 holds files f0 and f1 (their records only).
	var v1 []doc
	for _, d := range docs {
		if d.id.File < 2 {
			v1 = append(v1, d)
		}
	}
	base := filepath.Join(t.TempDir(), "v1")
	version(t, base, "v1", files[:2], v1, true)

	copyDir := func(t *testing.T) string {
		dst := filepath.Join(t.TempDir(), "index")
		if err := os.CopyFS(dst, os.DirFS(base)); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	// v2: all four files, f0 and f1 unchanged.
	inproc := copyDir(t)
	want := version(t, inproc, "v2", files, docs, true)
	if want.Stats.PriorMatches == 0 {
		t.Fatal("no record matched the previous version")
	}

	sharded := copyDir(t)
	opts := Options{Version: "v2", Files: files, TempDir: t.TempDir()}
	p, err := OpenPrior(sharded, opts)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	sk := sketchAll(t, opts, docs, 2, 5)
	for s := range 3 {
		idx, _ := New(opts)
		for i, d := range docs {
			if i%3 == s {
				if err := idx.Add(d.id, sk[i], int64(len(d.text)), d.keep); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := idx.WriteBandPartitions(work, s); err != nil {
			t.Fatal(err)
		}
		idx.Close()
	}
	plan := Plan{Dir: work, Shards: 3, Options: opts, Prior: p}
	for r := range DefaultPartitions {
		if err := plan.ReduceEdges(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := plan.ResolveClusters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sharded result differs:\n got %+v\nwant %+v", got.Stats, want.Stats)
	}
	if err := plan.SaveIndex(got, sharded); err != nil {
		t.Fatal(err)
	}
	a, b := dirFiles(t, inproc), dirFiles(t, sharded)
	if !reflect.DeepEqual(a, b) {
		t.Error("saved index files differ between in-process and sharded runs")
	}
}

func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		names = append(names, rel)
		out[rel] = string(readFile(t, path))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("empty index")
	}
	return out
}
