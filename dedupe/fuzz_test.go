package dedupe

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// validBlockFile returns the bytes of a small valid file of each shape the
// decoders see.
func validBlockFiles(t testing.TB) [][]byte {
	dir := t.TempDir()
	var out [][]byte
	add := func(name string, h fileHeader, src source) {
		path := filepath.Join(dir, name)
		if err := writeAll(path, h, src, false); err != nil {
			t.Fatal(err)
		}
		out = append(out, readFile(t, path))
	}
	add("band", headerFor(kindBand, 1, 3, 7, 0), &bandSource{ents: []bandEntry{{1, 2}, {1, 3}, {8, 1}}})
	add("exact", headerFor(kindExact, 0, 1, 7, 0), &exactSource{ents: []exactEntry{{1, 2, 3}, {4, 5, 6}}})
	rs := recSize(8)
	slab := make([]byte, 2*rs)
	putRec(slab, 1, 10, 0.5, Key{1, 2}, true, []byte("abcdefgh"))
	putRec(slab[rs:], 2, 11, 0.5, Key{1, 2}, false, nil)
	add("recs", headerFor(kindRec, 0, 1, 7, rs), &slabSource{slab: slab, size: rs})
	add("empty", headerFor(kindBand, 0, 1, 7, 0), &bandSource{})
	return out
}

// FuzzBlockReader feeds arbitrary bytes to the block file decoder: it must
// never panic, and whatever it accepts must be internally consistent.
func FuzzBlockReader(f *testing.F) {
	for _, b := range validBlockFiles(f) {
		f.Add(b)
		f.Add(b[:len(b)-3])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newBlockReader("fuzz.wdd", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("non-corrupt error %v", err)
			}
			return
		}
		all, err := r.readAll()
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("non-corrupt error %v", err)
			}
			return
		}
		if uint64(len(all)) != r.entries*uint64(r.hdr.entrySize) {
			t.Fatalf("accepted %d bytes for %d entries of %d", len(all), r.entries, r.hdr.entrySize)
		}
		if r.hdr.flags&flagSorted != 0 {
			s, k := int(r.hdr.entrySize), int(r.hdr.keyLen)
			for i := s; i < len(all); i += s {
				if bytes.Compare(all[i-s:i-s+k], all[i:i+k]) > 0 {
					t.Fatal("accepted entries out of order")
				}
			}
		}
	})
}

func validMeta(t testing.TB) []byte {
	m := indexMeta{
		Format: indexFormat, Params: "1f", NGram: 5, CharNGram: 5, Bands: 14, Rows: 8, Partitions: 16,
		Versions: []string{"v1", "v2"},
		Files: []indexFile{
			{Version: 0, Path: "a.jsonl", Digest: "sha256:aa", Records: 3},
			{Version: 1, Path: "b.jsonl", Records: 2},
		},
		Records: 5,
	}
	b, err := encodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeMeta feeds arbitrary bytes to the index metadata decoder: it
// must never panic, and what it accepts must survive a round trip.
func FuzzDecodeMeta(f *testing.F) {
	good := validMeta(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(bytes.Replace(good, []byte(`"records": 5`), []byte(`"records": 6`), 1))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeMeta("meta.json", data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("non-corrupt error %v", err)
			}
			return
		}
		b, err := encodeMeta(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := decodeMeta("meta.json", b)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzSketch checks the tokenizer and MinHash on arbitrary (also invalid
// UTF-8) text: no panic, deterministic, self-similarity 1.
func FuzzSketch(f *testing.F) {
	for _, s := range []string{"", "hello world", gardenDoc[:200], "城市社区花园在过去十年中迅速发展", "ÉCOLE école Straße STRASSE", "\xff\xfe a\u0301 b", "a b c d e f g"} {
		f.Add([]byte(s))
	}
	fp1, _ := NewFingerprinter(Options{Normalize: true})
	fp2, _ := NewFingerprinter(Options{Normalize: true})
	f.Fuzz(func(t *testing.T, text []byte) {
		a := fp1.Sketch(nil, text)
		b := fp2.Sketch(nil, text)
		if !bytes.Equal(a, b) || len(a) != fp1.SketchSize() {
			t.Fatal("sketch not deterministic")
		}
		if s, err := fp1.Similarity(a, b); err != nil || s != 1 {
			t.Fatalf("self similarity %v %v", s, err)
		}
	})
}
