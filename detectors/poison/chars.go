package poison

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// charScan is the result of one pass over a field's characters, shared by
// the character-model detectors (poison.trigger, poison.gibberish): the
// packed trigram ids of the character model (see charIDs), the byte
// offset of every character, the script class of every window of w
// characters (dominantClass) and the byte ranges of identifier-like runs
// (identRunEnd), and the folded characters themselves, from which
// appendIDs recomputes the ids (sketches carry them: about one byte per
// character of Latin text instead of four). The slices are reused by the next scan; a charScan is
// owned by one goroutine.
type charScan struct {
	n          int      // characters scanned
	withIDs    bool     // compute ids (sketches carry the folded characters instead)
	ids        []uint32 // with withIDs
	folded     []byte   // the folded characters (see appendIDs), UTF-8
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

// ASCII facts for scan, per byte (0 for bytes >= 0x80).
const (
	abGraphic = 1 << iota // printable, not a space: isGraphicASCII
	abSymbol              // graphic, neither a letter nor a digit
	abLetter              // A–Z, a–z
	abDigit               // 0–9
	abAtColon             // '@' or ':': identRunEnd must look closer
)

// foldASCII is the folded form of each ASCII character outside
// identifier-like runs: digits fold to '0'.
var foldASCII = func() (t [128]byte) {
	for c := range t {
		t[c] = byte(c)
		if c >= '0' && c <= '9' {
			t[c] = '0'
		}
	}
	return
}()

var asciiBits = func() (t [256]uint8) {
	for c := 0; c < 0x80; c++ {
		b := byte(c)
		if !isGraphicASCII(b) {
			continue
		}
		t[c] = abGraphic
		switch {
		case b >= '0' && b <= '9':
			t[c] |= abDigit
		case b|0x20 >= 'a' && b|0x20 <= 'z':
			t[c] |= abLetter
		default:
			t[c] |= abSymbol
		}
		if b == '@' || b == ':' {
			t[c] |= abAtColon
		}
	}
	return
}()

// SWAR tests on eight ASCII bytes (every byte below 0x80) at once: each
// returns bit 7 of every byte that passes, 0 elsewhere. Range tests add a
// constant to bytes below 0x80 and never carry into the next byte.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x80 * swarOnes
)

// swarRange marks the bytes of x in [lo, hi].
func swarRange(x uint64, lo, hi byte) uint64 {
	return (x + (0x80-uint64(lo))*swarOnes) &^ (x + (0x80-uint64(hi)-1)*swarOnes) & swarHigh
}

// swarGraphic marks the graphic bytes (isGraphicASCII).
func swarGraphic(x uint64) uint64 { return swarRange(x, '!', '~') }

// swarDigit marks the digits.
func swarDigit(x uint64) uint64 { return swarRange(x, '0', '9') }

// swarLetter marks the letters (the lowercase of a letter is in a–z, and
// no other byte's is).
func swarLetter(x uint64) uint64 { return swarRange(x|0x20*swarOnes, 'a', 'z') }

// swarAtColon is not zero when x holds '@' or ':' (a zero byte test, whose
// borrows may mark more bytes, but only when one matches).
func swarAtColon(x uint64) uint64 {
	a, c := x^'@'*swarOnes, x^':'*swarOnes
	return ((a-swarOnes)&^a | (c-swarOnes)&^c) & swarHigh
}

// scan fills cs for the first max characters of text, with windows of w
// characters (w <= 0: no classes).
func (cs *charScan) scan(text []byte, max, w int) {
	nmax := min(len(text), max) // every character takes a byte or more
	if nmax < 0 {
		nmax = 0
	}
	cs.classes, cs.structured = cs.classes[:0], cs.structured[:0]
	rbyte := slices.Grow(cs.rbyte[:0], nmax+1)[:nmax+1]
	// The folded text is never longer than the text read, except that an
	// invalid byte folds to U+FFFD (three bytes): the slow path grows it.
	folded := slices.Grow(cs.folded[:0], len(text))[:len(text)]
	var ids []uint32
	if cs.withIDs {
		ids = slices.Grow(cs.ids[:0], nmax)[:nmax]
	} else {
		cs.ids = cs.ids[:0]
	}
	classTab := charClassTab()
	var p1, p2 rune = ' ', ' '
	maskEnd := 0 // end of the identifier-like run being masked
	runEnd := 0  // end of the last graphic ASCII run looked at
	i, n, nf := 0, 0, 0
	for i < len(text) && n < nmax {
		stop := nmax // one window of w characters per round
		if w > 0 {
			stop = min(nmax, n+w)
		}
		var cnt [numScriptClasses]int32
		visible, symbols := 0, 0
		for i < len(text) && n < stop {
			if ids == nil && i >= runEnd && i+16 <= len(text) && n+16 <= stop {
				// Sixteen ASCII bytes outside any run looked at: their
				// prefix up to the last byte that is not graphic holds
				// whole runs only, of at most fifteen characters and
				// without '@' or ':', so none is identifier-like, and
				// every character is itself (digits folded) with no run
				// to look at.
				x0, x1 := binary.LittleEndian.Uint64(text[i:]), binary.LittleEndian.Uint64(text[i+8:])
				g0, g1 := swarGraphic(x0), swarGraphic(x1)
				if (x0|x1)&swarHigh == 0 && swarAtColon(x0)|swarAtColon(x1) == 0 && g0&g1 != swarHigh {
					// m bytes: pm0 and pm1 mask them in x0 and x1.
					var m int
					var pm0, pm1 uint64
					if ng := ^g1 & swarHigh; ng != 0 {
						m = 8 + (63-bits.LeadingZeros64(ng))/8 + 1
						pm0, pm1 = ^uint64(0), ^uint64(0)>>(128-8*m)
					} else {
						m = (63-bits.LeadingZeros64(^g0&swarHigh))/8 + 1
						pm0 = ^uint64(0) >> (64 - 8*m)
					}
					d0, d1 := swarDigit(x0), swarDigit(x1)
					l0, l1 := swarLetter(x0), swarLetter(x1)
					f := folded[nf : nf+16 : nf+16]
					binary.LittleEndian.PutUint64(f, x0&^(d0>>7*0xFF)|(d0>>7*'0'))
					binary.LittleEndian.PutUint64(f[8:], x1&^(d1>>7*0xFF)|(d1>>7*'0'))
					rb, b := rbyte[n:n+16:n+16], int32(i)
					rb[0], rb[1], rb[2], rb[3], rb[4], rb[5], rb[6], rb[7] = b, b+1, b+2, b+3, b+4, b+5, b+6, b+7
					rb[8], rb[9], rb[10], rb[11], rb[12], rb[13], rb[14], rb[15] = b+8, b+9, b+10, b+11, b+12, b+13, b+14, b+15
					visible += bits.OnesCount64(g0&pm0) + bits.OnesCount64(g1&pm1)
					symbols += bits.OnesCount64(g0&^(d0|l0)&pm0) + bits.OnesCount64(g1&^(d1|l1)&pm1)
					cnt[0] += int32(bits.OnesCount64(l0&pm0) + bits.OnesCount64(l1&pm1))
					i, n, nf = i+m, n+m, nf+m
					continue
				}
			}
			c := text[i]
			rbyte[n] = int32(i)
			var r rune
			if c < 0x80 {
				b := asciiBits[c]
				if b&abGraphic != 0 {
					k := 0 // characters of the run written
					if i >= runEnd {
						// A run starts here (the previous byte is not graphic
						// ASCII, or it would belong to the run looked at
						// last): one pass finds its end and kind (identRunEnd,
						// which only runs with '@' or ':' need) and writes its
						// characters up to the end of the window.
						room := stop - n
						j := i
						var acc uint8
						for j < len(text) {
							c := text[j]
							bj := asciiBits[c]
							if bj&abGraphic == 0 {
								break
							}
							acc |= bj
							if k < room {
								rbyte[n+k] = int32(j)
								folded[nf+k] = foldASCII[c]
								symbols += int(bj / abSymbol & 1)
								cnt[0] += int32(bj / abLetter & 1)
								k++
							}
							j++
						}
						runEnd = j
						ident := j-i >= identMinLen && acc&abDigit != 0 && acc&abLetter != 0
						if acc&abAtColon != 0 {
							ident = identRunEnd(text, i) > i
						}
						if ident {
							maskEnd = j
							cs.structured = append(cs.structured, int32(i), int32(j))
							for q := nf; q < nf+k; q++ {
								folded[q] = identRune
							}
						}
					} else {
						// The rest of a run begun in an earlier window: all
						// masked or none.
						e := min(runEnd, i+stop-n)
						masked := i < maskEnd
						for j := i; j < e; j++ {
							c := text[j]
							bj := asciiBits[c]
							rbyte[n+k] = int32(j)
							symbols += int(bj / abSymbol & 1)
							cnt[0] += int32(bj / abLetter & 1)
							r := foldASCII[c]
							if masked {
								r = identRune
							}
							folded[nf+k] = r
							k++
						}
					}
					if ids != nil {
						for q := 0; q < k; q++ {
							r := rune(folded[nf+q])
							ids[n+q] = packID(p2, p1, r)
							p2, p1 = p1, r
						}
					}
					visible += k
					i, n, nf = i+k, n+k, nf+k
					continue
				}
				r = rune(c)
				i++
				folded[nf] = c
				nf++
			} else {
				var sz int
				if c >= 0xE1 && c <= 0xEF && c != 0xED && i+2 < len(text) && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80 {
					// A three-byte sequence without decode's special
					// cases (E0: overlong forms, ED: surrogates).
					r, sz = rune(c&0x0F)<<12|rune(text[i+1]&0x3F)<<6|rune(text[i+2]&0x3F), 3
				} else {
					r, sz = decode(text, i)
				}
				visible++
				var cd uint8
				if r < 0x10000 {
					cd = classTab[r]
				} else {
					cd = charClassDigit(r)
				}
				if k := cd & ccClass; k != 0 {
					cnt[k-1]++
				}
				switch {
				case i < maskEnd:
					r = identRune
					folded[nf] = identRune
					nf++
				case cd&ccDigit != 0:
					r = '0'
					folded[nf] = '0'
					nf++
				case sz > 1:
					// A valid sequence: its encoding is the text's.
					nf += copy(folded[nf:nf+sz], text[i:i+sz])
				default:
					// U+FFFD for an invalid byte: three bytes for one.
					if need := nf + utf8.UTFMax + len(text) - i - sz; need > len(folded) {
						folded = slices.Grow(folded[:nf], need-nf)[:need]
					}
					nf += utf8.EncodeRune(folded[nf:], r)
				}
				i += sz
			}
			if ids != nil {
				ids[n] = packID(p2, p1, r)
			}
			p2, p1 = p1, r
			n++
		}
		if w > 0 {
			cs.classes = append(cs.classes, windowClass(&cnt, visible, symbols))
		}
	}
	rbyte[n] = int32(i)
	cs.n = n
	cs.rbyte = rbyte[:n+1]
	cs.folded = folded[:nf]
	if cs.withIDs {
		cs.ids = ids[:n]
	}
}

// windowClass returns the script class of a window from its letter counts
// per class and its visible and symbol characters (see dominantClass).
func windowClass(cnt *[numScriptClasses]int32, visible, symbols int) byte {
	best := classNone
	for c := 0; c < classSymbolic; c++ {
		if cnt[c] > 0 && (best == classNone || cnt[c] > cnt[best]) {
			best = c
		}
	}
	if best == 0 && float64(symbols) >= symbolShare*float64(visible) {
		best = classSymbolic
	}
	return byte(best)
}

// Entries of charClassTab: the script class plus one (0: none) and
// whether the character is a decimal digit.
const (
	ccClass = 7
	ccDigit = 8
)

// charClassDigit returns the charClassTab entry of r: scriptClassOfProps
// and the Digit property of its properties.
func charClassDigit(r rune) uint8 {
	p := unidata.Lookup(r)
	e := uint8(scriptClassOfProps(p) + 1)
	if p.Has(unidata.Digit) {
		e |= ccDigit
	}
	return e
}

// charClassTab returns the charClassDigit entries of the BMP (64 KiB,
// built on first use; immutable, safe for concurrent use): one load per
// character in scan instead of a trie lookup.
var charClassTab = sync.OnceValue(func() *[0x10000]uint8 {
	t := new([0x10000]uint8)
	for r := range t {
		t[r] = charClassDigit(rune(r))
	}
	return t
})

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

// appendIDs appends to dst the packed ids of the first n folded
// characters (as charScan.folded holds them) and returns it with the
// number of ids appended, which is less than n when folded ends early.
// The ids equal those charScan computes (packID); the products of each
// character with the hashing constants are computed once (and looked up
// for ASCII) instead of once per id they enter.
func appendIDs(dst []uint32, folded []byte, n int) ([]uint32, int) {
	n = max(0, min(n, len(folded))) // every character takes a byte or more
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	out := dst[start:]
	// packID(p2, p1, r) hashes p2·chK1 ^ p1·chK2 with r·chK3: a1 and b1
	// are p1·chK1 and p1·chK2, a2 is p2·chK1.
	sp := &asciiProducts[' ']
	a2, a1, b1 := sp[0], sp[0], sp[1]
	k := 0
	for i := 0; i < len(folded) && k < n; k++ {
		var m1, m2, m3 uint64
		if c := folded[i]; c < utf8.RuneSelf {
			mk := &asciiProducts[c]
			m1, m2, m3 = mk[0], mk[1], mk[2]
			i++
		} else {
			r, sz := decode(folded, i)
			i += sz
			m1, m2, m3 = uint64(r)*chK1, uint64(r)*chK2, uint64(r)*chK3
		}
		hc := a2 ^ b1
		tri := uint32((hc ^ m3) * chK4 >> (64 - triBits))
		ctx := uint32((hc + 0x5bd1e995) * chK3 >> (64 - ctxBits))
		out[k] = tri | ctx<<triBits
		a2, a1, b1 = a1, m1, m2
	}
	return dst[:start+k], k
}

// asciiProducts holds c·chK1, c·chK2 and c·chK3 of every ASCII character.
var asciiProducts = func() (t [utf8.RuneSelf][3]uint64) {
	for c := range t {
		t[c] = [3]uint64{uint64(c) * chK1, uint64(c) * chK2, uint64(c) * chK3}
	}
	return
}()
