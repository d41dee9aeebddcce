package poison

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// charScan is the result of one pass over a field's characters, shared by
// the character-model detectors (poison.trigger, poison.gibberish): the
// packed trigram ids of the character model (see charIDs), the byte
// offset of every character, the script class of every window of w
// characters (dominantClass) and the byte ranges of identifier-like runs
// (identRunEnd), and the folded characters themselves, from which
// foldedIDs recomputes the ids (sketches carry them: about one byte per
// character of Latin text instead of four). The slices are reused by the next scan; a charScan is
// owned by one goroutine.
type charScan struct {
	n          int      // characters scanned
	withIDs    bool     // compute ids (sketches carry the folded characters instead)
	ids        []uint32 // with withIDs
	folded     []byte   // the folded characters (see foldedIDs), UTF-8
	rbyte      []int32  // byte offset of each character, and the end (n+1 entries)
	classes    []byte   // script class per window of w characters (the last may be short)
	structured []int32  // identifier-like runs: start/end byte pairs
}

// Hashing of the character model's contexts: multiply-shift hashing of
// the folded runes (p2, p1, r).
const (
	chK1 = 0x9e3779b97f4a7c15
	chK2 = 0xc2b2ae3d27d4eb4f
	chK3 = 0x165667b19e3779f9
	chK4 = 0xd6e8feb86659fd93
)

// packID packs the trigram bucket (low triBits) and the context bucket of
// the character r after p2, p1.
func packID(p2, p1, r rune) uint32 {
	hc := uint64(p2)*chK1 ^ uint64(p1)*chK2
	tri := uint32((hc ^ uint64(r)*chK3) * chK4 >> (64 - triBits))
	ctx := uint32((hc + 0x5bd1e995) * chK3 >> (64 - ctxBits))
	return tri | ctx<<triBits
}

// scan fills cs for the first max characters of text, with windows of w
// characters (w <= 0: no classes).
func (cs *charScan) scan(text []byte, max, w int) {
	cs.ids, cs.rbyte, cs.classes, cs.structured, cs.folded = cs.ids[:0], cs.rbyte[:0], cs.classes[:0], cs.structured[:0], cs.folded[:0]
	var p1, p2 rune = ' ', ' '
	maskEnd := 0
	var cnt [numScriptClasses]int32
	visible, symbols, inWin := 0, 0, 0
	flush := func() {
		best := classNone
		for c := 0; c < classSymbolic; c++ {
			if cnt[c] > 0 && (best == classNone || cnt[c] > cnt[best]) {
				best = c
			}
		}
		if best == 0 && float64(symbols) >= symbolShare*float64(visible) {
			best = classSymbolic
		}
		cs.classes = append(cs.classes, byte(best))
		cnt = [numScriptClasses]int32{}
		visible, symbols, inWin = 0, 0, 0
	}
	i, n := 0, 0
	defer func() { cs.n = n }()
	for ; i < len(text) && n < max; n++ {
		c := text[i]
		cs.rbyte = append(cs.rbyte, int32(i))
		var r rune
		sz := 1
		if c < 0x80 {
			if i >= maskEnd && c > ' ' && c < 0x7f && (i == 0 || !isGraphicASCII(text[i-1])) {
				if e := identRunEnd(text, i); e > i {
					maskEnd = e
					cs.structured = append(cs.structured, int32(i), int32(e))
				}
			}
			if c > ' ' && c < 0x7f {
				visible++
				if !isASCIIAlnum(c) {
					symbols++
				} else if c > '9' {
					cnt[0]++
				}
			}
			switch {
			case i < maskEnd:
				r = identRune
			case c >= '0' && c <= '9':
				r = '0'
			default:
				r = rune(c)
			}
		} else {
			r, sz = decode(text, i)
			visible++
			p := unidata.Lookup(r)
			if k := scriptClassOfProps(p); k >= 0 {
				cnt[k]++
			}
			if i < maskEnd {
				r = identRune
			} else if p.Has(unidata.Digit) {
				r = '0'
			}
		}
		i += sz
		if cs.withIDs {
			cs.ids = append(cs.ids, packID(p2, p1, r))
		}
		if r < utf8.RuneSelf {
			cs.folded = append(cs.folded, byte(r))
		} else {
			cs.folded = utf8.AppendRune(cs.folded, r)
		}
		p2, p1 = p1, r
		if w > 0 {
			if inWin++; inWin == w {
				flush()
			}
		}
	}
	cs.rbyte = append(cs.rbyte, int32(i))
	if w > 0 && inWin > 0 {
		flush()
	}
}

// scriptClassOfProps is scriptClassOf for a non-ASCII character's
// properties.
func scriptClassOfProps(p unidata.Props) int {
	if !p.Has(unidata.Letter) {
		return -1
	}
	switch p.Script {
	case unidata.ScriptLatin, unidata.ScriptArmenian, unidata.ScriptGeorgian:
		return 0
	case unidata.ScriptHan, unidata.ScriptHiragana, unidata.ScriptKatakana, unidata.ScriptHangul, unidata.ScriptBopomofo:
		return 1
	case unidata.ScriptCyrillic, unidata.ScriptGreek:
		return 2
	}
	if p.Has(unidata.RTL) {
		return 3
	}
	return 4
}

// foldedIDs appends to dst the packed ids (4 bytes each, little endian) of
// the first n folded characters (as charScan.folded holds them) and
// returns it with the number of ids appended, which is less than n when
// folded ends early. The ids equal those charScan computed.
func foldedIDs(dst, folded []byte, n int) ([]byte, int) {
	n = max(0, min(n, len(folded))) // every character takes a byte or more
	start := len(dst)
	dst = slices.Grow(dst, 4*n)[:start+4*n]
	out := dst[start:]
	var p1, p2 rune = ' ', ' '
	k := 0
	for i := 0; i < len(folded) && k < n; k++ {
		r, sz := rune(folded[i]), 1
		if r >= utf8.RuneSelf {
			r, sz = decode(folded, i)
		}
		i += sz
		binary.LittleEndian.PutUint32(out[4*k:], packID(p2, p1, r))
		p2, p1 = p1, r
	}
	return dst[:start+4*k], k
}
