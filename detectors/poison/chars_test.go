package poison

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// charTexts returns texts exercising the character scan: ASCII prose,
// digits, identifier-like runs (hashes, e-mail addresses, URLs, near
// misses), multilingual text, invalid UTF-8 and control characters, plus
// random mixtures of those pieces.
func charTexts(rng *rand.Rand, n int) []string {
	pieces := []string{
		"the", "quick", "brown", "fox,", "(jumps)", "over", "lazy", "dogs.", "e.g.", "cf.",
		"555-1234", "2024", "3.14", "A1b2C3d4E5f6G7h8I9j0", "9f2a7c1e4b8d3f60a1c2", "abcdefghijklmnopq",
		"abcdefghijklmno1", "ana.lopez@example.org", "bo@x", "@handle", "a@b.c", "https://example.com/a/b?q=1",
		"http://q.zz", "ftp:/x", "key:value", "::", "mailto:x@y.z", "x:", "http://", "a:b//c", "@.",
		"Смешанный", "текст", "中文字符", "العربية", "٣٤٥", "हिन्दी", "日本語です", "Ελληνικά", "😀", "é", "ß",
		"\xff", "\xfe\xfd", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf0\x9f", "\x00", "\x7f", "\t", "\n", "  ", "\u00a0",
		"{\"k\": [1, 2]}", "if (x < 0) { return; }", "__init__", "***", "--", "«quoted»", "‘single’",
	}
	seps := []string{" ", " ", " ", "", "\n", "\t", ", ", "/", "-"}
	out := []string{"", "a", "1", "@", ":", "\xff", "é", strings.Repeat("x", 17) + "1"}
	for len(out) < n {
		var b strings.Builder
		k := rng.IntN(60)
		if rng.IntN(10) == 0 {
			k = 200 + rng.IntN(800)
		}
		for i := 0; i < k; i++ {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		out = append(out, b.String())
	}
	return out
}

// checkScan compares charScan.scan with the reference on text.
func checkScan(t *testing.T, cs *charScan, text []byte, max, w int, withIDs bool) {
	t.Helper()
	ref := refCharScan{withIDs: withIDs}
	ref.scan(text, max, w)
	cs.withIDs = withIDs
	cs.scan(text, max, w)
	switch {
	case cs.n != ref.n:
		t.Fatalf("%q max %d w %d: n %d, want %d", text, max, w, cs.n, ref.n)
	case !slices.Equal(cs.rbyte, ref.rbyte):
		t.Fatalf("%q max %d w %d: rbyte %v, want %v", text, max, w, cs.rbyte, ref.rbyte)
	case !slices.Equal(cs.folded, ref.folded):
		t.Fatalf("%q max %d w %d: folded %q, want %q", text, max, w, cs.folded, ref.folded)
	case !slices.Equal(cs.classes, ref.classes):
		t.Fatalf("%q max %d w %d: classes %v, want %v", text, max, w, cs.classes, ref.classes)
	case !slices.Equal(cs.structured, ref.structured):
		t.Fatalf("%q max %d w %d: structured %v, want %v", text, max, w, cs.structured, ref.structured)
	case withIDs && !slices.Equal(cs.ids, ref.ids):
		t.Fatalf("%q max %d w %d: ids differ", text, max, w)
	}
}

// TestScanMatchesReference: the fast character scan gives exactly the
// reference's characters, offsets, folded text, window classes,
// identifier-like runs and ids, whatever the limit and window (one
// charScan reused throughout, as Sketch reuses it).
func TestScanMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	var cs charScan
	for _, s := range charTexts(rng, 3000) {
		for _, mw := range [][2]int{{maxFieldChars, 64}, {256, 0}, {maxFieldChars, 0}, {7, 3}, {0, 64}, {1, 1}, {rng.IntN(100), 1 + rng.IntN(70)}} {
			checkScan(t, &cs, []byte(s), mw[0], mw[1], rng.IntN(2) == 0)
		}
	}
}

// TestAppendIDsMatchReference: appendIDs equals the reference on folded
// text (valid or not) for every count, appending after what dst holds.
func TestAppendIDsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	var cs charScan
	for _, s := range charTexts(rng, 1500) {
		cs.scan([]byte(s), maxFieldChars, 0)
		for _, folded := range [][]byte{cs.folded, []byte(s)} {
			for _, n := range []int{len(folded), cs.n, rng.IntN(len(folded) + 2), -1, 1 << 40} {
				checkAppendIDs(t, folded, n)
			}
		}
	}
}

func checkAppendIDs(t *testing.T, folded []byte, n int) {
	t.Helper()
	got, gn := appendIDs([]uint32{1, 2}, folded, n)
	want, wn := refFoldedIDs(nil, folded, n)
	if gn != wn || len(got) != 2+gn || got[0] != 1 || got[1] != 2 || !slices.Equal(appendU32s(nil, got[2:]), want) {
		t.Fatalf("%q n %d: %d ids, want %d (or different ids)", folded, n, gn, wn)
	}
}

// FuzzCharScan compares the character scan and appendIDs with their
// references on arbitrary bytes.
func FuzzCharScan(f *testing.F) {
	f.Add([]byte("plain text with a key A1b2C3d4E5f6G7h8I9j0 and ana@example.org"), 64, 3)
	f.Add([]byte("Смешанный 中文 \xff\xc3 ٣٤٥ http://q.zz"), 5, 2)
	f.Fuzz(func(t *testing.T, text []byte, max, w int) {
		max, w = max%(1<<17), w%200
		var cs charScan
		checkScan(t, &cs, text, max, w, true)
		checkAppendIDs(t, cs.folded, cs.n)
		checkAppendIDs(t, text, len(text))
	})
}

// TestEntropyMemo: the memoized entropy equals entropy8 bit for bit on
// windows of repeating and changing lengths, with one memo reused.
func TestEntropyMemo(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 2))
	var m entropyMemo
	for i := 0; i < 20000; i++ {
		n := 64
		switch r.IntN(4) {
		case 0:
			n = r.IntN(700)
		case 1:
			n = 192
		}
		b := make([]byte, n)
		span := 1 + r.IntN(256)
		for j := range b {
			b[j] = byte(r.IntN(span))
		}
		if got, want := m.entropy(b), entropy8(b); got != want {
			t.Fatalf("case %d (%d bytes): entropy = %v, want %v", i, n, got, want)
		}
	}
	// Counts with the top bit of their 16-bit lane set, and lengths at
	// the lanes' limit.
	for _, n := range []int{0x8000, 0x9C40, 1<<16 - 1, 1 << 16, 70000} {
		b := bytes.Repeat([]byte{'x'}, n)
		b[0], b[n-1] = 0xFF, 0
		if got, want := m.entropy(b), entropy8(b); got != want {
			t.Fatalf("%d bytes: entropy = %v, want %v", n, got, want)
		}
	}
}

// TestCharClassTab: every BMP entry of the table equals the property
// lookup it replaces.
func TestCharClassTab(t *testing.T) {
	tab := charClassTab()
	for r := rune(0); r < 0x10000; r++ {
		p := unidata.Lookup(r)
		if got, want := int(tab[r]&ccClass)-1, scriptClassOfProps(p); got != want {
			t.Fatalf("%U: class %d, want %d", r, got, want)
		}
		if got, want := tab[r]&ccDigit != 0, p.Has(unidata.Digit); got != want {
			t.Fatalf("%U: digit %v, want %v", r, got, want)
		}
	}
}

// TestLog2Count: log2Count equals the reference's logarithm of a count
// (the table below 4096, fastLog2 above) bit for bit, for every count
// below 2^25 and random ones up to 2^32−1, with both smoothing constants.
func TestLog2Count(t *testing.T) {
	if log2Tab != refLog2Tab || log2TabV != refLog2TabV || log2Mant != refLog2Mant {
		t.Fatal("log2 tables differ from the reference")
	}
	ref := func(n uint32, a float32, tab *[4096]float32) float32 {
		if n < 4096 {
			return tab[n]
		}
		return refFastLog2(float32(n) + a)
	}
	check := func(n uint32) {
		if got, want := log2Count(n, alpha, 0), ref(n, alpha, &refLog2Tab); got != want {
			t.Fatalf("tri count %d: %v, want %v", n, got, want)
		}
		if got, want := log2Count(n, alphaV, 1), ref(n, alphaV, &refLog2TabV); got != want {
			t.Fatalf("ctx count %d: %v, want %v", n, got, want)
		}
	}
	for n := uint32(0); n < 1<<25; n++ {
		check(n)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 1<<20; i++ {
		check(rng.Uint32())
	}
	for n := uint32(1<<32 - 1); n > 1<<32-1<<12; n-- {
		check(n)
	}
}

// TestSumSurprisal: the running sums and sums of the model equal the
// reference surprisal summed in order, bit for bit, for counts from empty
// to 2^32−1 (every branch of the logarithm).
func TestSumSurprisal(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	m := newCharModel()
	counts := func() uint32 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return rng.Uint32N(4096)
		case 2:
			return 4096 + rng.Uint32N(1<<16)
		case 3:
			return rng.Uint32N(1 << 24)
		case 4:
			return 1<<23 - 64 + rng.Uint32N(1<<7)
		}
		return rng.Uint32()
	}
	for i := range m.tri {
		m.tri[i] = counts()
	}
	for i := range m.ctx {
		m.ctx[i] = counts()
	}
	for round := 0; round < 50; round++ {
		ids := make([]uint32, rng.IntN(1000))
		for k := range ids {
			ids[k] = rng.Uint32()
		}
		want := []float32{0}
		acc := float32(0)
		for _, id := range ids {
			acc += refSurprisal(m.tri[:], m.ctx[:], id)
			want = append(want, acc)
		}
		got := m.prefixSurprisal([]float32{7}, ids)
		if got[0] != 7 || !slices.Equal(got[1:], want) {
			t.Fatalf("round %d: prefix sums differ", round)
		}
		if got := m.sumSurprisal(ids); got != acc {
			t.Fatalf("round %d: sum = %v, want %v", round, got, acc)
		}
	}
}

// TestLearnIDs: learning and unlearning ids move the counts as the
// reference loops do (unlearning stops at zero).
func TestLearnIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	m := newCharModel()
	tri, ctx := make([]uint32, len(m.tri)), make([]uint32, len(m.ctx))
	for round := 0; round < 100; round++ {
		ids := make([]uint32, rng.IntN(300))
		for k := range ids {
			ids[k] = rng.Uint32N(64) * 0x10001 // few buckets: repeats
		}
		if rng.IntN(3) == 0 {
			m.unlearnIDs(ids)
			for _, id := range ids {
				if tri[id&(1<<triBits-1)] > 0 {
					tri[id&(1<<triBits-1)]--
				}
				if ctx[id>>triBits] > 0 {
					ctx[id>>triBits]--
				}
			}
		} else {
			m.learnIDs(ids)
			for _, id := range ids {
				tri[id&(1<<triBits-1)]++
				ctx[id>>triBits]++
			}
		}
		if !slices.Equal(m.tri[:], tri) || !slices.Equal(m.ctx[:], ctx) {
			t.Fatalf("round %d: counts differ", round)
		}
	}
}

// foldedIDs is appendIDs with the ids as little-endian bytes (as
// TestFoldedIDs checks them).
func foldedIDs(dst, folded []byte, n int) ([]byte, int) {
	ids, k := appendIDs(nil, folded, n)
	return appendU32s(dst, ids), k
}

// TestHashLower: hashLower equals the byte-by-byte reference for every
// byte value at every position of a word, and for random words of every
// length up to past the 64-byte limit.
func TestHashLower(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 16; pos++ {
			b := make([]byte, 16)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			b[pos] = byte(c)
			if got, want := hashLower(b), refHashLower(b); got != want {
				t.Fatalf("%q: %x, want %x", b, got, want)
			}
		}
	}
	for n := 0; n <= 70; n++ {
		for r := 0; r < 50; r++ {
			b := make([]byte, n)
			for i := range b {
				const alphabet = "AZaz@[`{09 \x80\xc3\xffMq"
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			if got, want := hashLower(b), refHashLower(b); got != want {
				t.Fatalf("%q: %x, want %x", b, got, want)
			}
		}
	}
}

// TestPrefixHashes: the four-byte steps give the byte-by-byte rolling
// hashes for every length and content.
func TestPrefixHashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	for n := 0; n < 300; n++ {
		text := make([]byte, n)
		for i := range text {
			text[i] = byte(rng.Uint32())
		}
		got := prefixHashes(make([]uint64, n+1), text)
		var h uint64
		if got[0] != 0 {
			t.Fatalf("n %d: pre[0] = %x", n, got[0])
		}
		for i, c := range text {
			h = h*rollBase + uint64(c) + 1
			if got[i+1] != h {
				t.Fatalf("n %d: pre[%d] = %x, want %x", n, i+1, got[i+1], h)
			}
		}
	}
}

// TestSWAR: the eight-byte tests mark exactly the bytes the per-byte
// tests accept, for every ASCII byte at every position.
func TestSWAR(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for c := 0; c < 0x80; c++ {
		for pos := 0; pos < 8; pos++ {
			var b [8]byte
			for i := range b {
				b[i] = byte(rng.Uint32N(0x80))
			}
			b[pos] = byte(c)
			x := binary.LittleEndian.Uint64(b[:])
			at := false
			for i, v := range b {
				bit := uint64(0x80) << (8 * i)
				ab := asciiBits[v]
				if got := swarGraphic(x)&bit != 0; got != (ab&abGraphic != 0) {
					t.Fatalf("%q byte %d: graphic %v", b, i, got)
				}
				if got := swarDigit(x)&bit != 0; got != (ab&abDigit != 0) {
					t.Fatalf("%q byte %d: digit %v", b, i, got)
				}
				if got := swarLetter(x)&bit != 0; got != (ab&abLetter != 0) {
					t.Fatalf("%q byte %d: letter %v", b, i, got)
				}
				at = at || v == '@' || v == ':'
			}
			if got := swarAtColon(x) != 0; got != at {
				t.Fatalf("%q: '@' or ':' %v", b, got)
			}
		}
	}
}
