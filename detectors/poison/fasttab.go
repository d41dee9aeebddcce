package poison

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// Per-code-point tables for the Basic Multilingual Plane, derived once (on
// first use) from the unidata tables, so that the hot loops of the
// normalizer and of Homoglyph do one load per character instead of a trie
// lookup, a confusable lookup and a case mapping. Characters outside the
// BMP take the general path; tests check every BMP entry against it.

// Normalization entries (normTab): the kind in bits 0–1.
const (
	normEmit   = iota // emit (entry>>2)&3 bytes (0–3), held in bits 8–31, first byte lowest
	normSpace         // a collapsing space
	normMapped        // emit the pool bytes at entry>>8, (entry>>2)&31 long
	normSlow          // call addRune
)

// Homoglyph entry bits; bits 0–7 hold the script.
const (
	homDICP      = 1 << 8  // default-ignorable
	homWordy     = 1 << 9  // letter, mark or number
	homLetter    = 1 << 10 // letter
	homProto     = 1 << 11 // non-ASCII with a prototype of ASCII letters/digits
	homDeceptive = 1 << 12 // homProto and Common or fullwidth
	homNoProto   = 1 << 13 // non-ASCII letter: neither it nor its lowercase has an ASCII prototype
	homHan       = 1 << 14 // plainHan
)

type bmpTables struct {
	norm [0x10000]uint32
	hom  [0x10000]uint16
	pool []byte
}

// bmpTab returns the shared tables (immutable after construction; safe
// for concurrent use).
var bmpTab = sync.OnceValue(buildBMP)

func buildBMP() *bmpTables {
	t := &bmpTables{}
	var raw [utf8.UTFMax]byte
	var z normalizer
	for r := rune(0); r < 0x10000; r++ {
		t.hom[r] = homEntry(r)
		if r < utf8.RuneSelf {
			switch m := asciiNorm[r]; m {
			case 0:
				t.norm[r] = normEmit
			case ' ':
				t.norm[r] = normSpace
			default:
				t.norm[r] = uint32(m)<<8 | 1<<2 | normEmit
			}
			continue
		}
		if r >= 0xD800 && r <= 0xDFFF {
			t.norm[r] = normSlow // never decoded
			continue
		}
		enc := raw[:utf8.EncodeRune(raw[:], r)]
		z.dst = append(z.dst[:0], 'x') // a non-space: a space would show
		z.addRune(r, enc, 0)
		out := z.dst[1:]
		switch {
		case string(out) == " ":
			t.norm[r] = normSpace
		case containsSpace(out):
			t.norm[r] = normSlow
		case len(out) <= 3:
			v := uint32(len(out))<<2 | normEmit
			for k, c := range out {
				v |= uint32(c) << (8 + 8*k)
			}
			t.norm[r] = v
		case len(out) < 32 && len(t.pool) < 1<<24:
			t.norm[r] = uint32(len(t.pool))<<8 | uint32(len(out))<<2 | normMapped
			t.pool = append(t.pool, out...)
		default:
			t.norm[r] = normSlow
		}
	}
	return t
}

func containsSpace(b []byte) bool {
	for _, c := range b {
		if c == ' ' {
			return true
		}
	}
	return false
}

// homEntry computes the Homoglyph entry of r (the table holds it for the
// BMP).
func homEntry(r rune) uint16 {
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
	if r >= utf8.RuneSelf && p.Has(unidata.Confusable) {
		if proto, _ := unidata.Prototype(r); asciiWord(proto) {
			e |= homProto
			if p.Script == unidata.ScriptCommon || r >= 0xFF21 && r <= 0xFF5A {
				e |= homDeceptive
			}
		}
	}
	if r >= utf8.RuneSelf && p.Has(unidata.Letter) {
		lp, _ := unidata.Prototype(unicode.ToLower(r))
		sp, _ := unidata.Prototype(r)
		if !asciiWord(lp) && !asciiWord(sp) {
			e |= homNoProto
		}
	}
	if plainHan(r) {
		e |= homHan
	}
	return e
}
