package poison

import (
	"encoding/binary"
	"math/bits"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// payloadChars is the per-character record of one field that
// PayloadCluster.shingles builds in its first pass and reads in its
// second: for character c (in text order, at most maxFieldChars), the
// rolling hash of the bytes before it and its byte offset (entry n: the
// end), and bitmaps of its classes.
type payloadChars struct {
	hs     []uint64 // rolling hash of the bytes before each character (digits folded)
	offs   []int32  // byte offset of each character
	wordy  []uint64 // letters, marks, digits and numbers
	letter []uint64
	forced []uint64 // word starts forced in CJK runs (every fourth character)
	ign    []uint64 // wordy default ignorables: not part of SimHash words
	han    []uint64 // wordy Han characters: SimHash words of their own
	starts []uint64 // word starts: shingle anchors
	words  *wordCache
}

// wordCache remembers the hashes of recent words of up to eight bytes (a
// direct-mapped cache: words repeat, and a hit costs less than hashing).
type wordCache [1 << wordCacheLog2]struct {
	key uint64 // the word's bytes, little-endian
	n   uint64 // its length; 0: empty
	h   uint64 // hashWordFolded of it
}

const wordCacheLog2 = 12

// hash returns hashWordFolded(text[b:e]).
func (c *wordCache) hash(text []byte, b, e int) uint64 {
	n := e - b
	if n == 0 || n > 8 {
		return hashFolded(text[b:e])
	}
	var key uint64
	if b+8 <= len(text) {
		key = binary.LittleEndian.Uint64(text[b:]) & (1<<(8*n) - 1) // all of it for n = 8
	} else {
		for k := e - 1; k >= b; k-- {
			key = key<<8 | uint64(text[k])
		}
	}
	slot := &c[(key*0x9e3779b97f4a7c15+uint64(n))>>(64-wordCacheLog2)]
	if slot.key == key && slot.n == uint64(n) {
		return slot.h
	}
	h := hashFolded(text[b:e])
	slot.key, slot.n, slot.h = key, uint64(n), h
	return h
}

// reset sizes the tables for up to n characters, bitmaps cleared (with a
// zero word past the end, so windows may read one word ahead).
func (pc *payloadChars) reset(n int) {
	if cap(pc.hs) < n+1 {
		pc.hs = make([]uint64, n+1)
		pc.offs = make([]int32, n+1)
	}
	pc.hs, pc.offs = pc.hs[:n+1], pc.offs[:n+1]
	w := n>>6 + 2
	for _, b := range []*[]uint64{&pc.wordy, &pc.letter, &pc.forced, &pc.ign, &pc.han, &pc.starts} {
		if cap(*b) < w {
			*b = make([]uint64, w)
		}
		*b = (*b)[:w]
		clear(*b)
	}
}

// payloadASCII holds, per ASCII byte, the value its byte adds to the
// rolling hash (the byte with digits folded to '0', plus one) in the low
// byte, and its classes above: bit 8 wordy, bit 9 letter.
var payloadASCII = func() (t [128]uint16) {
	for c := 0; c < 128; c++ {
		x := c
		if x >= '0' && x <= '9' {
			x = '0'
		}
		t[c] = uint16(x + 1)
		if asciiClass[c]&acWordy != 0 {
			t[c] |= 1 << 8
		}
		if asciiClass[c]&acLetter != 0 {
			t[c] |= 1 << 9
		}
	}
	return
}()

// shingles appends the qualifying shingles of one field to sc.sh and its
// first simhashWords word hashes to sc.fwords[field].
//
// A first pass over the characters records, for each, the rolling hash
// of the bytes before it, its byte offset and its classes (payloadChars),
// eight ASCII characters at a time where it can. The word starts
// (anchors) and the SimHash words follow from the class bitmaps. A second
// pass visits the anchors: the shingle of an anchor at character c spans
// characters c to c+MinSpan, its letters and word starts are bit counts
// over that window, and its hash is mix64 of the rolling hash of its
// bytes.
func (p *PayloadCluster) shingles(sc *payloadScratch, field int, text []byte) {
	L := p.opt.MinSpan
	pc := &sc.chars
	pc.reset(min(len(text), maxFieldChars))
	hs, offs := pc.hs, pc.offs
	wordyBits, letterBits := pc.wordy, pc.letter
	lim := len(hs) - 1
	var h uint64 // rolling hash of the bytes before i, digits folded
	i, n := 0, 0
	cjk := 0
	var hom *[0x10000]uint16 // the BMP classes, once a character needs them
	// Offsets are recorded from the first non-ASCII byte on; before it,
	// a character's offset is its index.
	recOffs := false
	for i < len(text) && n < lim {
		if n&63 <= 56 && i+8 <= len(text) && n+8 <= lim {
			if x := binary.LittleEndian.Uint64(text[i:]); x&hiBits == 0 {
				letters, digits := asciiLettersDigits(x)
				s := uint(n & 63)
				wordyBits[n>>6] |= movemask(letters|digits) << s
				letterBits[n>>6] |= movemask(letters) << s
				dm := digits >> 7 * 0xFF
				x = x&^dm | dm&0x3030303030303030 // digits folded to '0'
				hs := hs[n : n+8 : n+8]
				offs := offs[n : n+8 : n+8]
				// h after k more bytes is h·B^k + q_k, where q_k, the hash
				// of those k bytes alone, does not wait for h.
				x += 0x0101010101010101
				q1 := x & 0xFF
				q2 := q1*rollBase + x>>8&0xFF
				q3 := q2*rollBase + x>>16&0xFF
				q4 := q3*rollBase + x>>24&0xFF
				q5 := q4*rollBase + x>>32&0xFF
				q6 := q5*rollBase + x>>40&0xFF
				q7 := q6*rollBase + x>>48&0xFF
				q8 := q7*rollBase + x>>56
				hs[0], hs[1], hs[2], hs[3] = h, h*rollPow[1]+q1, h*rollPow[2]+q2, h*rollPow[3]+q3
				hs[4], hs[5], hs[6], hs[7] = h*rollPow[4]+q4, h*rollPow[5]+q5, h*rollPow[6]+q6, h*rollPow[7]+q7
				h = h*rollPow[8] + q8
				if recOffs {
					for k := range 8 {
						offs[k] = int32(i + k)
					}
				}
				cjk = 0
				i += 8
				n += 8
				continue
			}
		}
		c := text[i]
		if c < 0x80 {
			t := payloadASCII[c]
			hs[n] = h
			if recOffs {
				offs[n] = int32(i)
			}
			h = h*rollBase + uint64(t&0xFF)
			wordyBits[n>>6] |= uint64(t>>8&1) << (n & 63)
			letterBits[n>>6] |= uint64(t>>9&1) << (n & 63)
			cjk = 0
			i++
			n++
			continue
		}
		if !recOffs {
			// The first non-ASCII byte: the offsets of the ASCII
			// characters before it, which were left out.
			for k := range n {
				offs[k] = int32(k)
			}
			recOffs = true
		}
		r, sz := decode(text, i)
		var cl uint16 // script and classes, as in bmpTables.hom
		if r < 0x10000 {
			if hom == nil {
				hom = &bmpTab().hom
			}
			cl = hom[r]
		} else {
			cl = charClass(r)
		}
		hs[n], offs[n] = h, int32(i)
		bit := uint64(1) << (n & 63)
		if cl&homWordy != 0 {
			wordyBits[n>>6] |= bit
			script := unidata.Script(cl)
			han := script == unidata.ScriptHan
			if han || script == unidata.ScriptHiragana || script == unidata.ScriptKatakana {
				if cjk%4 == 0 {
					pc.forced[n>>6] |= bit
				}
				cjk++
			} else {
				cjk = 0
			}
			if cl&homDICP != 0 {
				pc.ign[n>>6] |= bit
			} else if han {
				pc.han[n>>6] |= bit
			}
		} else {
			cjk = 0
		}
		if cl&homLetter != 0 {
			letterBits[n>>6] |= bit
		}
		for _, x := range text[i : i+sz] {
			h = h*rollBase + uint64(x) + 1 // bytes of multi-byte characters: no digits
		}
		i += sz
		n++
	}
	hs[n], offs[n] = h, int32(i)
	oneByte := !recOffs // no offsets recorded: each is its character's index
	sc.fwords[field] = pc.simWords(sc.fwords[field], text, n, oneByte)
	// Word starts: a wordy character after a non-wordy one, or forced.
	var carry uint64
	for k := 0; k <= n>>6; k++ {
		w := wordyBits[k]
		pc.starts[k] = w&^(w<<1|carry) | pc.forced[k]
		carry = w >> 63
	}
	// The anchors whose shingle ends within the characters seen.
	last := n - L
	startBits := pc.starts
	for k := 0; k <= last>>6 && last >= 0; k++ {
		for m := startBits[k]; m != 0; m &= m - 1 {
			a := k<<6 | bits.TrailingZeros64(m)
			if a > last {
				break
			}
			if L <= 64 {
				// The window's bits in one word (a shift by 64 gives 0).
				j, s := a>>6, uint(a&63)
				lw := (letterBits[j]>>s | letterBits[j+1]<<(64-s)) & (1<<L - 1)
				sw := (startBits[j]>>s | startBits[j+1]<<(64-s)) & (1<<L - 1)
				if 2*bits.OnesCount64(lw) < L || bits.OnesCount64(sw) < 3 {
					continue
				}
			} else if 2*bitCount(letterBits, a, L) < L || bitCount(startBits, a, L) < 3 {
				continue
			}
			b, e := int32(a), int32(a+L)
			if !oneByte {
				b, e = offs[a], offs[a+L]
			}
			if int(e-b) >= len(p.pow) {
				continue
			}
			sc.sh = append(sc.sh, shingle{mix64(hs[a+L] - hs[a]*p.pow[e-b]), int32(field), b, e})
		}
	}
}

// asciiLettersDigits returns, for eight ASCII bytes, the high bit of each
// byte that is a letter and of each that is a digit.
func asciiLettersDigits(x uint64) (letters, digits uint64) {
	const ones = 0x0101010101010101
	l := x | 0x20*ones // letters lowercased; no other byte becomes a letter
	letters = (l + (0x80-'a')*ones) &^ (l + (0x80-'z'-1)*ones) & hiBits
	digits = (x + (0x80-'0')*ones) &^ (x + (0x80-'9'-1)*ones) & hiBits
	return
}

// charClass returns the script and the classes of r that shingling needs
// (wordy, letter, default ignorable), as bmpTables.hom holds them for the
// BMP.
func charClass(r rune) uint16 {
	p := props(r)
	e := uint16(p.Script)
	if p.Has(unidata.DICP) {
		e |= homDICP
	}
	if wordy(p) {
		e |= homWordy
	}
	if p.Has(unidata.Letter) {
		e |= homLetter
	}
	return e
}

// rollPow[k] is rollBase^k.
var rollPow = func() (t [9]uint64) {
	t[0] = 1
	for k := 1; k < len(t); k++ {
		t[k] = t[k-1] * rollBase
	}
	return
}()

// movemask gathers the high bits of the eight bytes of x into the low
// eight bits (byte k to bit k).
func movemask(x uint64) uint64 { return (x >> 7 * 0x0102040810204080) >> 56 }

// bitCount returns the number of bits set among bits a to a+l-1 of bm,
// which holds at least one word past bit a+l-1.
func bitCount(bm []uint64, a, l int) int {
	n := 0
	for ; l >= 64; a, l = a+64, l-64 {
		n += bits.OnesCount64(bitsFrom(bm, a))
	}
	if l > 0 {
		n += bits.OnesCount64(bitsFrom(bm, a) & (1<<l - 1))
	}
	return n
}

// bitsFrom returns the 64 bits of bm from bit a on.
func bitsFrom(bm []uint64, a int) uint64 {
	j, s := a>>6, uint(a&63)
	x := bm[j] >> s
	if s != 0 {
		x |= bm[j+1] << (64 - s)
	}
	return x
}

// simWords appends to ws the hashes (hashWordFolded) of the first
// simhashWords words among the n characters recorded in pc (if oneByte,
// all of them ASCII, their offsets not recorded): maximal runs of word
// characters that are not default ignorables, every ideograph a word of
// its own.
func (pc *payloadChars) simWords(ws []uint64, text []byte, n int, oneByte bool) []uint64 {
	if pc.words == nil {
		pc.words = new(wordCache)
	}
	c := 0
	for len(ws) < simhashWords {
		// The next word character at or after c.
		k := c >> 6
		if k > n>>6 {
			break
		}
		m := (pc.wordy[k] &^ pc.ign[k]) >> (c & 63) << (c & 63)
		if m == 0 {
			c = (k + 1) << 6
			continue
		}
		c = k<<6 | bits.TrailingZeros64(m)
		if c >= n {
			break
		}
		e := c + 1
		if pc.han[k]&(1<<(c&63)) == 0 {
			// The run ends at the first character that is not a word
			// character or is an ideograph.
			for {
				k := e >> 6
				r := ^(pc.wordy[k] &^ pc.ign[k] &^ pc.han[k]) >> (e & 63)
				if r != 0 {
					e += bits.TrailingZeros64(r)
					break
				}
				e = (k + 1) << 6
			}
			e = min(e, n)
		}
		if oneByte {
			ws = append(ws, pc.words.hash(text, c, e))
		} else {
			ws = append(ws, pc.words.hash(text, int(pc.offs[c]), int(pc.offs[e])))
		}
		c = e
	}
	return ws
}

// hashFolded equals hashWordFolded(w): xxhash of w with ASCII letters
// lowercased and digits folded to 0, computed without copying words
// shorter than 32 bytes (the short form of xxhash64, eight bytes folded at
// once).
func hashFolded(w []byte) uint64 {
	if len(w) >= 32 {
		return hashWordFolded(w)
	}
	const (
		prime1 uint64 = 11400714785074694791
		prime2 uint64 = 14029467366897019727
		prime3 uint64 = 1609587929392839161
		prime4 uint64 = 9650029242287828579
		prime5 uint64 = 2870177450012600261
	)
	h := prime5 + uint64(len(w))
	for ; len(w) >= 8; w = w[8:] {
		k := fold8(binary.LittleEndian.Uint64(w)) * prime2
		k = bits.RotateLeft64(k, 31) * prime1
		h ^= k
		h = bits.RotateLeft64(h, 27)*prime1 + prime4
	}
	if len(w) >= 4 {
		h ^= fold8(uint64(binary.LittleEndian.Uint32(w))) * prime1
		h = bits.RotateLeft64(h, 23)*prime2 + prime3
		w = w[4:]
	}
	for _, c := range w {
		h ^= fold8(uint64(c)) * prime5
		h = bits.RotateLeft64(h, 11) * prime1
	}
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

// fold8 lowercases the ASCII letters and folds the digits to '0' among
// the eight bytes of x (as hashWordFolded does byte by byte).
func fold8(x uint64) uint64 {
	const ones = 0x0101010101010101
	a := x &^ hiBits
	ascii := ^x & hiBits
	upper := (a + (0x80-'A')*ones) &^ (a + (0x80-'Z'-1)*ones) & ascii
	digit := (a + (0x80-'0')*ones) &^ (a + (0x80-'9'-1)*ones) & ascii
	x += upper >> 2
	dm := digit >> 7 * 0xFF
	return x&^dm | dm&('0'*ones)
}

// simhash equals simhash64(feats): bit k is set when more than half of
// the features have it. Up to 255 features, the bits are counted
// bit-sliced: plane j of the count of every bit position is one word, the
// features are added sixteen at a time through a tree of carry-save
// adders (Harley–Seal), and one comparison of the planes against the
// threshold gives all 64 bits.
func simhash(feats []uint64) uint64 {
	total := len(feats)
	if total > 255 {
		return simhash64(feats)
	}
	// p[j]: bit j of every position's count.
	var p [8]uint64
	f := feats
	for ; len(f) >= 16; f = f[16:] {
		var twosA, twosB, foursA, foursB, eightsA, eightsB, sixteens uint64
		twosA, p[0] = csa(p[0], f[0], f[1])
		twosB, p[0] = csa(p[0], f[2], f[3])
		foursA, p[1] = csa(p[1], twosA, twosB)
		twosA, p[0] = csa(p[0], f[4], f[5])
		twosB, p[0] = csa(p[0], f[6], f[7])
		foursB, p[1] = csa(p[1], twosA, twosB)
		eightsA, p[2] = csa(p[2], foursA, foursB)
		twosA, p[0] = csa(p[0], f[8], f[9])
		twosB, p[0] = csa(p[0], f[10], f[11])
		foursA, p[1] = csa(p[1], twosA, twosB)
		twosA, p[0] = csa(p[0], f[12], f[13])
		twosB, p[0] = csa(p[0], f[14], f[15])
		foursB, p[1] = csa(p[1], twosA, twosB)
		eightsB, p[2] = csa(p[2], foursA, foursB)
		sixteens, p[3] = csa(p[3], eightsA, eightsB)
		for j := 4; j < len(p) && sixteens != 0; j++ {
			p[j], sixteens = p[j]^sixteens, p[j]&sixteens
		}
	}
	for _, c := range f {
		for j := 0; j < len(p) && c != 0; j++ {
			p[j], c = p[j]^c, p[j]&c
		}
	}
	// count > total/2, that is count >= t, compared from the top plane.
	t := uint(total/2 + 1)
	var gt uint64
	eq := ^uint64(0)
	for j := len(p) - 1; j >= 0; j-- {
		if t>>j&1 == 1 {
			eq &= p[j]
		} else {
			gt |= eq & p[j]
			eq &^= p[j]
		}
	}
	return gt | eq
}

// csa is a carry-save adder of three bit-sliced one-bit numbers: the
// carry and the sum of a+b+c in every position.
func csa(a, b, c uint64) (carry, sum uint64) {
	u := a ^ b
	return a&b | u&c, u ^ c
}
