package poison

import (
	"encoding/binary"
	"unicode/utf8"
)

// A prefilter for the runs of detectMixed. Normalizing a run and scanning
// it with the automaton costs about 10 ns per character; in Cyrillic,
// Arabic, Devanagari or Japanese text nearly every word is a run (almost
// every character may belong to an anchor), and nearly none holds an
// anchor. detectMixed walks the runs once (cpSets.scan) and asks of each
// whether its normalized form may hold an anchor:
//
//   - every anchor occurrence starts with the anchor's first three code
//     points (its first two, or its only one, if it is shorter), found
//     consecutively in the normalized run;
//   - a shift-and over position classes (first code point of some anchor,
//     second of some anchor, third of some anchor) finds the places where
//     that may be the case with a few operations per character;
//   - there, hashed sets of the anchors' first code points decide (step).
//
// So a run the prefilter rules out holds no anchor, and detectMixed skips
// it; the others go through the full path (fullRun), unchanged. One table
// load per character (cpSets.tab) gives the normalized code point, its
// classes and whether it is a separator; characters normalizing to
// nothing, to several code points or outside the BMP take a slower path
// with the same logic. TestDetectMixedRef and FuzzRunFilter compare
// detectMixed with detectMixedRef, which sends every run through the full
// path, match for match and in order.

// Entries of cpSets.tab: bits 8–31 hold the key of the normalized code
// point (its UTF-8 bytes, first byte lowest) of characters that normalize
// to exactly one; bits 0–7 the flags below.
const (
	fPos0    = 1 << iota // first code point of an anchor of two or more
	fPos1                // second code point of an anchor of three or more
	fPos2                // third code point of an anchor of three or more
	fEnd2                // second code point of an anchor of two
	fOnly                // the code point of an anchor of one
	fSep                 // a separator (normSep)
	fNone                // normalizes to nothing
	fOther               // several code points, or normSlow: see runTab
	fPosMask = fPos0 | fPos1 | fPos2 | fEnd2 | fOnly
)

// cpSets holds the first code points of the (normalized) anchors: their
// position classes, per normalized code point (pos) and per BMP character
// (tab), and hashed bit sets of their first code points. It is immutable.
type cpSets struct {
	tab   *[0x10000]uint32
	pos   map[uint32]uint32 // key -> position classes
	bmp   *[0x10000]uint8   // BMP code point -> position classes
	one   [1 << cpSetBits / 64]uint64
	two   [1 << cpSetBits / 64]uint64
	three [1 << cpSetBits / 64]uint64
}

const cpSetBits = 16

func cpHash1(a uint32) uint32 {
	return uint32(uint64(a) * 0x9E3779B97F4A7C15 >> (64 - cpSetBits))
}

func cpHash2(a, b uint32) uint32 {
	return uint32((uint64(a)<<32 | uint64(b)) * 0x9E3779B97F4A7C15 >> (64 - cpSetBits))
}

func cpHash3(a, b, c uint32) uint32 {
	return uint32((uint64(a)<<42 ^ uint64(b)<<21 ^ uint64(c)) * 0xD6E8FEB86659FD93 >> (64 - cpSetBits))
}

func bitOn(s []uint64, h uint32) { s[h/64] |= 1 << (h % 64) }

func bitIsOn(s *[1 << cpSetBits / 64]uint64, h uint32) bool {
	return s[h/64%uint32(len(s))]&(1<<(h%64)) != 0
}

// rawKey returns the key of the UTF-8 encoded code point b.
func rawKey(b []byte) uint32 {
	k := uint32(0)
	for i := len(b) - 1; i >= 0; i-- {
		k = k<<8 | uint32(b[i])
	}
	return k
}

// newCPSets builds the sets of the normalized anchors from runTab.
func newCPSets(anchors []string, runTab *[0x10000]uint32) *cpSets {
	s := &cpSets{tab: new([0x10000]uint32), bmp: new([0x10000]uint8), pos: map[uint32]uint32{}}
	for _, a := range anchors {
		var k []uint32
		var buf [utf8.UTFMax]byte
		for _, r := range a {
			k = append(k, rawKey(buf[:utf8.EncodeRune(buf[:], r)]))
			if len(k) == 3 {
				break
			}
		}
		switch len(k) {
		case 1:
			s.pos[k[0]] |= fOnly
			bitOn(s.one[:], cpHash1(k[0]))
		case 2:
			s.pos[k[0]] |= fPos0
			s.pos[k[1]] |= fEnd2
			bitOn(s.two[:], cpHash2(k[0], k[1]))
		case 3:
			s.pos[k[0]] |= fPos0
			s.pos[k[1]] |= fPos1
			s.pos[k[2]] |= fPos2
			bitOn(s.three[:], cpHash3(k[0], k[1], k[2]))
		}
	}
	for k, b := range s.pos {
		if r, _ := utf8.DecodeRune(binary.LittleEndian.AppendUint32(nil, k)); r < 0x10000 {
			s.bmp[r] = uint8(b)
		}
	}
	for r, v := range runTab {
		switch {
		case v&normSep != 0:
			s.tab[r] = fSep
		case v&(3|3<<2) == normEmit: // emits nothing
			s.tab[r] = fNone
		case v&3 == normEmit:
			out := make([]byte, v>>2&3)
			for k := range out {
				out[k] = byte(v >> (8 + 8*k))
			}
			if utf8.RuneCount(out) != 1 {
				s.tab[r] = fOther
				continue
			}
			key := v >> 8
			s.tab[r] = key<<8 | s.pos[key]
		default:
			s.tab[r] = fOther
		}
	}
	return s
}

// mayState is the prefilter's state in a run: the keys of the previous two
// code points (0: none) and the shift-and bits (fPos0–fPos2: the code
// point one, two, three back may begin an anchor's first three).
type mayState struct {
	p1, p2, d uint32
}

// step adds the code point of key u and classes b (its fPosMask bits) and
// reports whether an anchor of one or two code points may end there, or
// the first three of a longer one.
func (cs *cpSets) step(st *mayState, u, b uint32) bool {
	hit := false
	if st.d&fPos0 != 0 && b&fEnd2 != 0 && bitIsOn(&cs.two, cpHash2(st.p1, u)) ||
		b&fOnly != 0 && bitIsOn(&cs.one, cpHash1(u)) {
		hit = true
	}
	st.d = (st.d<<1 | fPos0) & b & (fPos0 | fPos1 | fPos2)
	if st.d&fPos2 != 0 && bitIsOn(&cs.three, cpHash3(st.p2, st.p1, u)) {
		hit = true
	}
	st.p2, st.p1 = st.p1, u
	return hit
}

// stepBytes steps over every code point of out (normalized text) and
// reports whether step reported a possible anchor.
func (cs *cpSets) stepBytes(st *mayState, out []byte) bool {
	for len(out) > 0 {
		r, m := utf8.DecodeRune(out)
		k := rawKey(out[:m])
		var b uint32
		if r < 0x10000 {
			b = uint32(cs.bmp[r])
		} else {
			b = cs.pos[k]
		}
		if cs.step(st, k, b) {
			return true
		}
		out = out[m:]
	}
	return false
}

// Why cpSets.scan stopped.
const (
	stopEnd   = iota // at the end of text
	stopASCII        // at an ASCII byte after a separator
	stopSep          // at a separator ending a run that may hold an anchor
	stopChar         // at a character that normalizes to nothing or to several code points, one outside the BMP, or an invalid byte
)

// scan walks text from i, in the run starting at rs with prefilter state
// st and maybe (which stays true once set in a run). It steps over the
// characters that normalize to one code point, and over separators
// (which start a new run after them) unless they end a run that may hold
// an anchor; it returns where and why it stopped, and the start of the
// current run. Keeping this loop in a small function keeps its variables
// in registers.
func (cs *cpSets) scan(text []byte, i, rs int, st *mayState, maybe bool) (int, int, bool, int) {
	t := cs.tab
	p1, p2, d := st.p1, st.p2, st.d
	why := stopEnd
	for i < len(text) {
		c := text[i]
		var f uint32
		n := 1
		switch {
		case c < utf8.RuneSelf:
			f = t[c]
		case c&0xE0 == 0xC0:
			if c < 0xC2 || i+1 >= len(text) || text[i+1]^0x80 >= 0x40 {
				why = stopChar
				goto out
			}
			f, n = t[rune(c&0x1F)<<6|rune(text[i+1]&0x3F)], 2
		case c&0xF0 == 0xE0:
			if i+2 >= len(text) || (text[i+1]^0x80)|(text[i+2]^0x80) >= 0x40 {
				why = stopChar
				goto out
			}
			r := rune(c&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
			if r < 0x800 || uint32(r)-0xD800 < 0x800 { // overlong, surrogate
				why = stopChar
				goto out
			}
			f, n = t[r], 3
		default:
			why = stopChar
			goto out
		}
		if f&(fSep|fNone|fOther) != 0 {
			if f&fSep == 0 {
				why = stopChar
				goto out
			}
			if maybe {
				why = stopSep
				goto out
			}
			// A separator: a new run starts after it, unless an ASCII
			// byte follows (detectMixed's outer loop skips ASCII text).
			i += n
			rs, p1, p2, d = i, 0, 0, 0
			if i < len(text) && text[i] < utf8.RuneSelf {
				why = stopASCII
				goto out
			}
			continue
		}
		if maybe {
			i += n
			continue
		}
		// step, inlined: the hash tests only where the shift-and allows.
		u, b := f>>8, f&fPosMask
		if b&fOnly != 0 && bitIsOn(&cs.one, cpHash1(u)) || d&fPos0 != 0 && b&fEnd2 != 0 && bitIsOn(&cs.two, cpHash2(p1, u)) {
			maybe = true
		}
		d = (d<<1 | fPos0) & b & (fPos0 | fPos1 | fPos2)
		if d&fPos2 != 0 && bitIsOn(&cs.three, cpHash3(p2, p1, u)) {
			maybe = true
		}
		p2, p1 = p1, u
		i += n
	}
out:
	st.p1, st.p2, st.d = p1, p2, d
	return i, rs, maybe, why
}

// stepOther steps over the code points of the character at text[i]
// (in the BMP, marked fOther) and reports whether an anchor may occur
// there; normSlow characters always may.
func (e *sigEngine) stepOther(st *mayState, text []byte, i int) bool {
	r, _ := decode(text, i)
	v := e.runTab[r]
	switch v & 3 {
	case normEmit:
		var buf [4]byte
		l := v >> 2 & 3
		for k := range l {
			buf[k] = byte(v >> (8 + 8*k))
		}
		return e.cps.stepBytes(st, buf[:l])
	case normMapped:
		o := v >> 8
		return e.cps.stepBytes(st, bmpTab().pool[o:o+v>>2&31])
	}
	return true
}
