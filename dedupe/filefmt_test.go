package dedupe

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeBandFile writes n sorted band entries and returns the file's path
// and bytes.
func writeBandFile(t *testing.T, dir string, n int) (string, []byte) {
	t.Helper()
	name := filepath.Join(dir, "band.wdd")
	ents := make([]bandEntry, n)
	for i := range ents {
		ents[i] = bandEntry{key: uint64(i) * 7919, node: currentBit | uint64(i)}
	}
	if err := writeAll(name, headerFor(kindBand, 2, 4, 42, 0), &bandSource{ents: ents}, false); err != nil {
		t.Fatal(err)
	}
	return name, readFile(t, name)
}

func readBandFile(name string) ([]byte, error) {
	r, err := openBlockFile(name, kindBand)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.readAll()
}

func TestBlockFileRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 4096, 4097, 10000} {
		name, _ := writeBandFile(t, t.TempDir(), n)
		got, err := readBandFile(name)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if len(got) != n*bandSize {
			t.Fatalf("n=%d: read %d bytes", n, len(got))
		}
		for i := range n {
			if k := binary.BigEndian.Uint64(got[i*bandSize:]); k != uint64(i)*7919 {
				t.Fatalf("entry %d key %d", i, k)
			}
		}
	}
}

func TestBlockFileCorruption(t *testing.T) {
	dir := t.TempDir()
	name, good := writeBandFile(t, dir, 10000) // 3 blocks
	blockLen := blockHeaderSize + perBlock(bandSize)*bandSize
	flip := func(off int) func([]byte) []byte {
		return func(b []byte) []byte { b[off] ^= 0x40; return b }
	}
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		reason string
	}{
		{"magic", flip(2), "bad magic"},
		{"header field", flip(21), "header checksum"},
		{"block payload", flip(headerSize + blockHeaderSize + 100), "block 0 checksum"},
		{"second block payload", flip(headerSize + blockLen + 50), "block 1 checksum"},
		{"block count", flip(headerSize + blockLen), "block 1"},
		{"footer count", func(b []byte) []byte { b[len(b)-footerSize] ^= 1; return b }, "footer checksum"},
		{"footer magic", flip(len(good) - 1), "footer"},
		{"truncated by one", func(b []byte) []byte { return b[:len(b)-1] }, "truncated"},
		{"truncated footer", func(b []byte) []byte { return b[:len(b)-footerSize] }, "truncated"},
		{"truncated mid block", func(b []byte) []byte { return b[:len(b)/2] }, "truncated"},
		{"truncated header", func(b []byte) []byte { return b[:10] }, "truncated"},
		{"empty", func(b []byte) []byte { return nil }, "truncated"},
		{"garbage appended", func(b []byte) []byte { return append(b, "garbage"...) }, "footer"},
		{"blocks swapped", func(b []byte) []byte {
			out := append([]byte{}, b[:headerSize]...)
			out = append(out, b[headerSize+blockLen:headerSize+2*blockLen]...)
			out = append(out, b[headerSize:headerSize+blockLen]...)
			return append(out, b[headerSize+2*blockLen:]...)
		}, "block 0 checksum"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := c.mutate(append([]byte{}, good...))
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".wdd")
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := readBandFile(path)
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want *CorruptError", err)
			}
			if ce.File != path || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if !strings.Contains(ce.Reason, c.reason) {
				t.Errorf("reason %q, want it to mention %q", ce.Reason, c.reason)
			}
		})
	}
	t.Run("out of order", func(t *testing.T) {
		path := filepath.Join(dir, "unsorted.wdd")
		w, err := createBlockFile(path, headerFor(kindBand, 0, 1, 42, 0), false)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []uint64{5, 3} {
			var e [bandSize]byte
			binary.BigEndian.PutUint64(e[:], k)
			w.started = false // bypass the writer's own check
			if err := w.add(e[:]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.commit(); err != nil {
			t.Fatal(err)
		}
		_, err = readBandFile(path)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "out of order") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("wrong kind", func(t *testing.T) {
		_, err := openBlockFile(name, kindExact)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("got %v", err)
		}
	})
}

// TestSpillCorruption corrupts or truncates each kind of file the in-process
// and sharded pipelines read and checks that resolving fails with an error
// naming that file instead of returning clusters.
func TestSpillCorruption(t *testing.T) {
	docs := plantedCorpus(200, 17)
	damage := map[string]func([]byte) []byte{
		"flipped":   func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)*2/3] },
	}
	for how, mutate := range damage {
		for _, pattern := range []string{"run00000-recs.wdd", "run00001-band-p00001.wdd", "run00000-exact-p00000.wdd"} {
			t.Run("spill "+how+" "+pattern, func(t *testing.T) {
				opts := Options{MemBytes: 1 << 16, Partitions: 2, TempDir: t.TempDir()}
				sk := sketchAll(t, opts, docs, 2, 0)
				idx, err := New(opts)
				if err != nil {
					t.Fatal(err)
				}
				defer idx.Close()
				for i, d := range docs {
					if err := idx.Add(d.id, sk[i], int64(len(d.text)), 0); err != nil {
						t.Fatal(err)
					}
				}
				path := filepath.Join(idx.tmp, pattern)
				corruptFile(t, path, mutate)
				res, err := idx.Resolve(context.Background())
				checkCorrupt(t, err, res, path)
			})
		}
	}
	for how, mutate := range damage {
		for _, rel := range []string{"map/band-p00001-s00001.wdd", "map/recs-s00000.wdd", "reduce/edges-p00000.wdd", "reduce/nodes-p00001.wdd"} {
			t.Run("plan "+how+" "+rel, func(t *testing.T) {
				dir := t.TempDir()
				opts := Options{Partitions: 2, TempDir: t.TempDir()}
				sk := sketchAll(t, opts, docs, 2, 0)
				for s := range 2 {
					idx, _ := New(opts)
					for i, d := range docs {
						if i%2 == s {
							idx.Add(d.id, sk[i], int64(len(d.text)), 0)
						}
					}
					if err := idx.WriteBandPartitions(dir, s); err != nil {
						t.Fatal(err)
					}
					idx.Close()
				}
				plan := Plan{Dir: dir, Shards: 2, Options: opts}
				path := filepath.Join(dir, rel)
				reduce := func() error {
					for r := range 2 {
						if err := plan.ReduceEdges(context.Background(), r); err != nil {
							return err
						}
					}
					return nil
				}
				if strings.HasPrefix(rel, "map/band") {
					corruptFile(t, path, mutate)
					checkCorrupt(t, reduce(), nil, path)
					return
				}
				if err := reduce(); err != nil {
					t.Fatal(err)
				}
				corruptFile(t, path, mutate)
				res, err := plan.ResolveClusters(context.Background())
				checkCorrupt(t, err, res, path)
			})
		}
	}
}

func corruptFile(t *testing.T, path string, mutate func([]byte) []byte) {
	t.Helper()
	b := readFile(t, path)
	if err := os.WriteFile(path, mutate(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkCorrupt(t *testing.T, err error, res *Result, path string) {
	t.Helper()
	if res != nil {
		t.Fatalf("got a result from corrupt input: %+v", res.Stats)
	}
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *CorruptError", err)
	}
	if ce.File != path {
		t.Errorf("error names %s, want %s", ce.File, path)
	}
}

func TestMergerOrder(t *testing.T) {
	a := &bandSource{ents: []bandEntry{{1, 1}, {3, 1}, {5, 1}}}
	b := &bandSource{ents: []bandEntry{{2, 2}, {3, 0}, {9, 9}}}
	c := &bandSource{}
	m, err := newMerger([]source{a, b, c}, bandSize)
	if err != nil {
		t.Fatal(err)
	}
	var got []bandEntry
	for {
		e, err := m.next()
		if err != nil {
			break
		}
		got = append(got, bandEntry{binary.BigEndian.Uint64(e), binary.BigEndian.Uint64(e[8:])})
	}
	want := []bandEntry{{1, 1}, {2, 2}, {3, 0}, {3, 1}, {5, 1}, {9, 9}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
