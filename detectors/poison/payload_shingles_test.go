package poison

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// payloadTextPieces are the building blocks of random field texts for the
// shingling equivalence tests: ASCII words, digits, punctuation, Latin
// with diacritics, combining marks, Cyrillic, Arabic, Devanagari, Han,
// kana, default ignorables, emoji, and bytes that are not UTF-8.
var payloadTextPieces = []string{
	"the", "Quick", "BROWN", "fox", "jumps", "over", "lazy", "dogs", "a", "I",
	"42", "2024-05-01", "3.14", "x9", "A1b2C3", "_", "-", ".", ",", "!", "?", "(", ")", "\"", "'", "/", "\\", "@", "#",
	" ", " ", " ", "  ", "\n", "\t", "\r\n",
	"café", "naïve", "Ünïcödé", "e\u0301", "\u0301", "ß", "ǅ",
	"привет", "Мир", "مرحبا", "नमस्ते", "संस्कृत",
	"中文", "汉字", "测试文本", "日本語", "ひらがな", "カタカナ", "ｶﾀｶﾅ", "한국어",
	"\u00ad", "\u200b", "\u200d", "\ufeff", "soft\u00adhyphen", "zero\u200bwidth",
	"😀", "👍🏽", "\U0001F1FA\U0001F1F8",
	"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf0\x9f", "\x80\x80",
	"supercalifragilisticexpialidociousWordThatIsQuiteLong",
	"ThisIsAnExtremelyLongIdentifierThatGoesOnAndOnForMoreThanSixtyFourBytes_0123456789",
}

// payloadRandomText joins about n random pieces, now and then separated by
// no space at all.
func payloadRandomText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(payloadTextPieces[rng.IntN(len(payloadTextPieces))])
		if rng.IntN(4) != 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// checkShingles fails t unless PayloadCluster.shingles gives the same
// shingles and SimHash words for text as the reference implementation.
func checkShingles(t *testing.T, minSpan int, text []byte) {
	t.Helper()
	// Only MinSpan and the powers of the rolling hash matter here: small
	// tables keep the detectors cheap to make.
	opt := DefaultOptions()
	opt.Payload.MinSpan = minSpan
	opt.Payload.SketchWidthLog2, opt.Payload.FirstSeenLog2 = 8, 4
	p, ref := newPayload(opt), newRefPayload(opt)
	sc := &payloadScratch{fwords: make([][]uint64, 2)}
	rs := &refScratch{fwords: make([][]uint64, 2)}
	// A field before, so that scratch reuse and field numbers are covered.
	p.shingles(sc, 0, []byte("warm up the scratch tables with a first field of plain words"))
	ref.shingles(rs, 0, []byte("warm up the scratch tables with a first field of plain words"))
	p.shingles(sc, 1, text)
	ref.shingles(rs, 1, text)
	if len(sc.sh) != len(rs.sh) {
		t.Fatalf("min_span %d, %q: %d shingles, reference %d", minSpan, text, len(sc.sh), len(rs.sh))
	}
	for i, s := range sc.sh {
		r := rs.sh[i]
		if s.h != r.h || int(s.field) != r.field || int(s.start) != r.start || int(s.end) != r.end {
			t.Fatalf("min_span %d, %q: shingle %d is %+v, reference %+v", minSpan, text, i, s, r)
		}
	}
	for f := range 2 {
		if !slices.Equal(sc.fwords[f], rs.fwords[f]) {
			t.Fatalf("min_span %d, %q: field %d words %x, reference %x", minSpan, text, f, sc.fwords[f], rs.fwords[f])
		}
	}
}

// TestPayloadShinglesEquivalence: the two-pass shingling (payloadChars,
// eight ASCII bytes at a time, word starts and SimHash words from
// bitmaps) equals the one-pass reference on random multilingual texts,
// texts with invalid UTF-8, and texts longer than maxFieldChars.
func TestPayloadShinglesEquivalence(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	rounds := 3000
	if testing.Short() {
		rounds = 500
	}
	for i := 0; i < rounds; i++ {
		minSpan := []int{16, 17, 50, 63, 64, 65, 128, 200}[rng.IntN(8)]
		checkShingles(t, minSpan, []byte(payloadRandomText(rng, rng.IntN(300))))
	}
	// Bench documents (ten languages, code, chat).
	for _, d := range benchDocs(t, 200, 5) {
		checkShingles(t, 50, []byte(d))
	}
	// Past maxFieldChars characters, ASCII and multi-byte.
	long := strings.Repeat("Lorem ipsum dolor sit amet, 12 consectetur adipiscing elit. ", maxFieldChars/60+50)
	checkShingles(t, 50, []byte(long))
	checkShingles(t, 50, []byte(strings.Repeat("中文测试文本，", maxFieldChars/7+10)))
	checkShingles(t, 50, []byte(strings.Repeat("é", maxFieldChars-3)+long))
	// Bytes that are not UTF-8 (one-byte characters that are not ASCII),
	// alone and between words.
	checkShingles(t, 16, []byte(strings.Repeat("\xff", maxFieldChars+10)))
	checkShingles(t, 50, []byte(strings.Repeat("word\xffnext \x80", maxFieldChars/10)))
	// Words at the SimHash limit and at the 32- and 64-byte limits of the
	// folded word hash.
	for n := 120; n < 140; n++ {
		checkShingles(t, 50, []byte(strings.Repeat("Word ", n)))
	}
	for n := 1; n < 80; n++ {
		checkShingles(t, 16, []byte(strings.Repeat("Ab9", n/3)+strings.Repeat("z", n%3)+" tail words here and more words to span"))
	}
}

// FuzzPayloadShingles: the shingling equals the reference on arbitrary
// bytes.
func FuzzPayloadShingles(f *testing.F) {
	f.Add([]byte("Hello, World! 123 café 中文测试 \xff tail words to make a span"), uint8(16))
	f.Add([]byte("The quick brown fox jumps over the lazy dog and keeps on running far away"), uint8(50))
	f.Fuzz(func(t *testing.T, text []byte, span uint8) {
		checkShingles(t, 16+int(span)%100, text)
	})
}

// TestHashFolded: hashFolded equals hashWordFolded on words of every
// length around the xxhash block sizes, of every byte value.
func TestHashFolded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabets := []string{"aZ09", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789@[`{/:", "é中\xff\x80"}
	for i := 0; i < 20000; i++ {
		n := rng.IntN(80)
		w := make([]byte, n)
		al := alphabets[rng.IntN(len(alphabets))]
		for j := range w {
			if rng.IntN(5) == 0 {
				w[j] = byte(rng.IntN(256))
			} else {
				w[j] = al[rng.IntN(len(al))]
			}
		}
		if got, want := hashFolded(w), hashWordFolded(w); got != want {
			t.Fatalf("%q: %x, want %x", w, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		for n := 1; n <= 9; n++ {
			w := bytes.Repeat([]byte{byte(c)}, n)
			if got, want := hashFolded(w), hashWordFolded(w); got != want {
				t.Fatalf("%q: %x, want %x", w, got, want)
			}
		}
	}
}

// TestASCIIClasses: the eight-byte ASCII classes agree with the
// per-character properties (asciiClass) for every byte in every lane.
func TestASCIIClasses(t *testing.T) {
	for c := 0; c < 128; c++ {
		for lane := 0; lane < 8; lane++ {
			x := uint64(c) << (8 * lane)
			if lane > 0 {
				x |= ' ' // a neighbour below
			}
			letters, digits := asciiLettersDigits(x)
			wantL := asciiClass[c]&acLetter != 0
			wantW := asciiClass[c]&acWordy != 0
			gotL := movemask(letters)>>lane&1 == 1
			gotW := movemask(letters|digits)>>lane&1 == 1
			if gotL != wantL || gotW != wantW {
				t.Fatalf("byte %#x lane %d: letter %v wordy %v, want %v %v", c, lane, gotL, gotW, wantL, wantW)
			}
		}
	}
	// A plain-ASCII field has no DICP characters: the bitmaps of the
	// eight-byte path need none.
	for c := 0; c < 128; c++ {
		if asciiProps[c].Has(unidata.DICP) {
			t.Fatalf("ASCII %#x is a default ignorable", c)
		}
	}
}

// TestSimhash: the bit-sliced simhash equals simhash64 for every number of
// features up to past 255, on random and on skewed (mostly equal) bits.
func TestSimhash(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 300; n++ {
		for round := 0; round < 20; round++ {
			feats := make([]uint64, n)
			bias := rng.Uint64()
			for i := range feats {
				switch round % 4 {
				case 0:
					feats[i] = rng.Uint64()
				case 1:
					feats[i] = bias ^ rng.Uint64()&rng.Uint64()&rng.Uint64()
				case 2:
					feats[i] = bias // all equal: every count 0 or n
				default:
					if i%2 == 0 { // counts of exactly n/2
						feats[i] = bias
					} else {
						feats[i] = ^bias
					}
				}
			}
			if got, want := simhash(feats), simhash64(feats); got != want {
				t.Fatalf("%d features (round %d): %x, want %x", n, round, got, want)
			}
		}
	}
}
