package poison

// Reference implementations of the character machinery (the versions
// before the fast paths), which the equivalence tests compare the fast
// paths with.

import (
	"encoding/binary"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// refCharScan has charScan's fields.
type refCharScan struct {
	n          int
	withIDs    bool
	ids        []uint32
	folded     []byte
	rbyte      []int32
	classes    []byte
	structured []int32
}

// scan is the reference for charScan.scan: it fills cs for the first max characters of text, with windows of w
// characters (w <= 0: no classes).
func (cs *refCharScan) scan(text []byte, max, w int) {
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

// refFoldedIDs is the reference for foldedIDs: it appends to dst the packed ids (4 bytes each, little endian) of
// the first n folded characters (as charScan.folded holds them) and
// returns it with the number of ids appended, which is less than n when
// folded ends early. The ids equal those charScan computed.
func refFoldedIDs(dst, folded []byte, n int) ([]byte, int) {
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

// refSurprisal is the reference for charModel.surprisal.
func refSurprisal(tri, ctx []uint32, id uint32) float32 {
	c := ctx[id>>triBits]
	t := tri[id&(1<<triBits-1)]
	var lc, lt float32
	if c < uint32(len(refLog2TabV)) {
		lc = refLog2TabV[c]
	} else {
		lc = refFastLog2(float32(c) + alphaV)
	}
	if t < uint32(len(refLog2Tab)) {
		lt = refLog2Tab[t]
	} else {
		lt = refFastLog2(float32(t) + alpha)
	}
	return lc - lt
}

// refLog2Tab[n] = log2(n+α), refLog2TabV[n] = log2(n+αV).
var refLog2Tab, refLog2TabV = func() (t, v [4096]float32) {
	for i := range t {
		t[i] = float32(math.Log2(float64(i) + alpha))
		v[i] = float32(math.Log2(float64(i) + alphaV))
	}
	return
}()

// refLog2Mant[i] = log2(1 + i/256).
var refLog2Mant = func() (t [257]float32) {
	for i := range t {
		t[i] = float32(math.Log2(1 + float64(i)/256))
	}
	return
}()

// refFastLog2 is the reference for fastLog2.
func refFastLog2(x float32) float32 {
	b := math.Float32bits(x)
	e := float32(int32(b>>23&0xFF) - 127)
	m := b & (1<<23 - 1)
	i := m >> 15
	f := float32(m&(1<<15-1)) / (1 << 15)
	return e + refLog2Mant[i] + f*(refLog2Mant[i+1]-refLog2Mant[i])
}

// refHashLower is the reference for hashLower.
func refHashLower(b []byte) uint64 {
	if len(b) > 64 {
		return xxhash.Sum64(b)
	}
	var buf [64]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		buf[i] = c
	}
	return xxhash.Sum64(buf[:len(b)])
}
