package dedupe

import (
	"bytes"
	"strings"
	"testing"
)

func tokens(s string) ([]uint64, int) {
	var scratch []byte
	return tokenize([]byte(s), nil, &scratch)
}

func TestTokenize(t *testing.T) {
	h := func(s string) uint64 { return hashToken([]byte(s), 0, len(s), false) }
	cases := []struct {
		name string
		text string
		want []uint64
		cjk  int
	}{
		{"ascii case and punctuation", "Hello, WORLD! hello-world", []uint64{h("hello"), h("world"), h("hello"), h("world")}, 0},
		{"digits", "in 2024 a1b2", []uint64{h("in"), h("2024"), h("a1b2")}, 0},
		{"non-ascii word folded", "Café CAFÉ naïve", []uint64{h("café"), h("café"), h("naïve")}, 0},
		{"cyrillic", "Привет МИР", []uint64{h("привет"), h("мир")}, 0},
		{"han characters are tokens", "中文abc字", []uint64{h("中"), h("文"), h("abc"), h("字")}, 3},
		{"thai characters are tokens", "สวัส", []uint64{h("ส"), h("ว"), h("ั"), h("ส")}, 4},
		{"invalid utf-8 separates", "ab\xffcd", []uint64{h("ab"), h("cd")}, 0},
		{"combining mark stays in word", "e\u0301te", []uint64{h("e\u0301te")}, 0},
		{"empty", " \t.,;", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, cjk := tokens(c.text)
			if len(got) != len(c.want) || cjk != c.cjk {
				t.Fatalf("got %d tokens (%d cjk), want %d (%d)", len(got), cjk, len(c.want), c.cjk)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("token %d differs", i)
				}
			}
		})
	}
}

// The ASCII fast path (OR 0x20, word loads past the token end) must hash
// exactly like the slow path over lowercased bytes.
func TestHashTokenPaths(t *testing.T) {
	for _, w := range []string{"a", "Ab", "HELLO", "Seventeen", "abcdefgh", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"} {
		lower := []byte(strings.ToLower(w))
		want := hashToken(lower, 0, len(lower), false)
		padded := []byte(w + " trailing bytes")
		if got := hashToken(padded, 0, len(w), true); got != want {
			t.Errorf("%q with trailing bytes: hash differs", w)
		}
		exact := []byte(w)
		if got := hashToken(exact, 0, len(w), true); got != want {
			t.Errorf("%q at end of buffer: hash differs", w)
		}
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"  Hello\t\tWorld \n", "hello world"},
		{"Straße", "strasse"},
		{"e\u0301cole", "école"},
		{"ÉCOLE\u00a0\u2003Paris", "école paris"},
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ"},
		{"", ""},
		{" \n ", ""},
	}
	z := normalizer{fold: newFolder()}
	for _, c := range cases {
		if got := string(z.normalize([]byte(c.in))); got != c.want {
			t.Errorf("normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSketchAllocs(t *testing.T) {
	for _, normalize := range []bool{false, true} {
		fp, err := NewFingerprinter(Options{Normalize: normalize})
		if err != nil {
			t.Fatal(err)
		}
		texts := [][]byte{[]byte(gardenDoc), []byte("ÉCOLE Straße 城市社区花园在过去十年中迅速发展 " + trainDoc)}
		dst := make([]byte, 0, fp.SketchSize())
		for _, text := range texts {
			dst = fp.Sketch(dst[:0], text) // warm the buffers
			allocs := testing.AllocsPerRun(20, func() { dst = fp.Sketch(dst[:0], text) })
			if allocs != 0 {
				t.Errorf("normalize=%t: %v allocations per sketch", normalize, allocs)
			}
		}
	}
}

func TestSketchLayout(t *testing.T) {
	fp, _ := NewFingerprinter(Options{})
	a := fp.Sketch([]byte("prefix"), []byte(gardenDoc))
	if !bytes.HasPrefix(a, []byte("prefix")) || len(a) != len("prefix")+242 || fp.SketchSize() != 242 {
		t.Fatalf("sketch length %d", len(a))
	}
	a = a[len("prefix"):]
	if k := ExactKey([]byte(gardenDoc)); k != fp.ExactKey([]byte(gardenDoc)) {
		t.Error("exact key differs from the raw key without Normalize")
	}
	empty := fp.Sketch(nil, []byte("  ...  "))
	if empty[1]&flagSig != 0 {
		t.Error("text without tokens has a signature")
	}
	if s, _ := fp.Similarity(a, empty); s != 0 {
		t.Errorf("similarity to empty text %v", s)
	}
	if _, err := fp.Similarity(a, a[:10]); err == nil {
		t.Error("short sketch accepted")
	}
	// Fewer tokens than the n-gram size still get a signature.
	short := fp.Sketch(nil, []byte("two words"))
	if short[1]&flagSig == 0 {
		t.Error("short text has no signature")
	}
}
