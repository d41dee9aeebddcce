package poison

import (
	"encoding/binary"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// Normalization for signature matching. Each input character becomes:
//
//   - nothing, if it is default-ignorable, a format or control character
//     (other than whitespace), an invalid UTF-8 byte, or a combining mark of
//     script Inherited (so zero-widths, soft hyphens, bidi controls, tags
//     and stacked diacritics cannot split a phrase);
//   - a single space, if it is whitespace and the output does not already
//     end in one (whitespace runs collapse; leading whitespace is dropped);
//   - its lowercase form, mapped to its UTS #39 confusable prototype when it
//     has one and is not ASCII (so Cyrillic "о", fullwidth "ｏ" and
//     mathematical "𝐨" all become "o"), the prototype lowercased again.
//
// ASCII letters are only lowercased: their confusable mappings (I→l, 0→O)
// would destroy ordinary text. The result is valid UTF-8.

// asciiNorm maps an ASCII byte to its normalized form: 0 drops it, ' '
// collapses into a single space.
var asciiNorm = func() (t [128]byte) {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) + 32
		case c == ' ' || c >= '\t' && c <= '\r':
			t[c] = ' '
		case c < 0x20 || c == 0x7F:
			t[c] = 0
		default:
			t[c] = byte(c)
		}
	}
	return t
}()

// normalizer appends the normalized form of src to dst. When track is true
// it also appends, for every output byte, the offset in src (plus base) of
// the input character it came from.
type normalizer struct {
	dst   []byte
	offs  []int32
	track bool
	tab   *bmpTables // set on first use
}

func (z *normalizer) space(off int) {
	if n := len(z.dst); n == 0 || z.dst[n-1] == ' ' {
		return
	}
	z.dst = append(z.dst, ' ')
	if z.track {
		z.offs = append(z.offs, int32(off))
	}
}

func (z *normalizer) emit(b []byte, off int) {
	z.dst = append(z.dst, b...)
	if z.track {
		for range b {
			z.offs = append(z.offs, int32(off))
		}
	}
}

func (z *normalizer) emitRune(r rune, off int) {
	var buf [utf8.UTFMax]byte
	z.emit(buf[:utf8.EncodeRune(buf[:], r)], off)
}

// addASCII is add for input known to be ASCII, without offset tracking.
func (z *normalizer) addASCII(src []byte) {
	dst := z.dst
	for _, c := range src {
		m := asciiNorm[c&0x7F]
		if m == ' ' {
			if n := len(dst); n == 0 || dst[n-1] == ' ' {
				continue
			}
		} else if m == 0 {
			continue
		}
		dst = append(dst, m)
	}
	z.dst = dst
}

// add normalizes src[from:to] (whole characters) with offsets relative to
// src. Characters of the BMP take their output from the table of
// fasttab.go; addRef in the tests is the same without it.
func (z *normalizer) add(src []byte, from, to int) {
	if z.tab == nil {
		z.tab = bmpTab()
	}
	if !z.track {
		z.addUntracked(src, from, to)
		return
	}
	t := z.tab
	i := from
	for i < to {
		c := src[i]
		if c < utf8.RuneSelf {
			switch m := asciiNorm[c]; m {
			case 0:
			case ' ':
				z.space(i)
			default:
				z.dst = append(z.dst, m)
				z.offs = append(z.offs, int32(i))
			}
			i++
			continue
		}
		r, n := decode(src[:to], i)
		if n == 1 { // invalid
			i++
			continue
		}
		if r >= 0x10000 {
			z.addRune(r, src[i:i+n], i)
			i += n
			continue
		}
		switch v := t.norm[r]; v & 3 {
		case normEmit:
			for k := range v >> 2 & 3 {
				z.dst = append(z.dst, byte(v>>(8+8*k)))
				z.offs = append(z.offs, int32(i))
			}
		case normSpace:
			z.space(i)
		case normMapped:
			o := v >> 8
			for _, b := range t.pool[o : o+v>>2&31] {
				z.dst = append(z.dst, b)
				z.offs = append(z.offs, int32(i))
			}
		default:
			z.addRune(r, src[i:i+n], i)
		}
		i += n
	}
}

// addUntracked is add without offsets: one table entry per character, and
// up to three output bytes stored at once.
func (z *normalizer) addUntracked(src []byte, from, to int) {
	t := z.tab
	d := z.dst
	for i := from; i < to; {
		if cap(d)-len(d) < 4 {
			d = slices.Grow(d, 4+2*(to-i))
		}
		var v uint32
		var r rune
		n := 1
		if c := src[i]; c < utf8.RuneSelf {
			v = t.norm[c]
		} else {
			r, n = decode(src[:to], i)
			if n == 1 { // invalid
				i++
				continue
			}
			if r >= 0x10000 {
				z.dst = d
				z.addRune(r, src[i:i+n], i)
				d = z.dst
				i += n
				continue
			}
			v = t.norm[r]
		}
		switch v & 3 {
		case normEmit:
			l := len(d)
			d = d[:l+4]
			binary.LittleEndian.PutUint32(d[l:], v>>8)
			d = d[:l+int(v>>2&3)]
		case normSpace:
			if l := len(d); l > 0 && d[l-1] != ' ' {
				d = append(d, ' ')
			}
		case normMapped:
			o := v >> 8
			d = append(d, t.pool[o:o+v>>2&31]...)
		default: // non-ASCII: the output has inner spaces
			z.dst = d
			z.addRune(r, src[i:i+n], i)
			d = z.dst
		}
		i += n
	}
	z.dst = d
}

// transformed marks the flags under which addRune does more than copy.
const transformed = unidata.Space | unidata.DICP | unidata.Format | unidata.Control | unidata.Mark | unidata.Upper | unidata.Confusable

func (z *normalizer) addRune(r rune, raw []byte, off int) {
	p := unidata.Lookup(r)
	if p.Flags&transformed == 0 && raw != nil {
		z.dst = append(z.dst, raw...)
		if z.track {
			for range raw {
				z.offs = append(z.offs, int32(off))
			}
		}
		return
	}
	switch {
	case p.Has(unidata.Space):
		z.space(off)
		return
	case p.Any(unidata.DICP | unidata.Format | unidata.Control):
		return
	case p.Has(unidata.Mark) && p.Script == unidata.ScriptInherited:
		return
	}
	if p.Has(unidata.Upper) {
		r = unicode.ToLower(r)
		p = unidata.Lookup(r)
		raw = nil
	}
	if p.Has(unidata.Confusable) {
		proto, _ := unidata.Prototype(r)
		for _, pr := range proto {
			if pr < utf8.RuneSelf {
				if m := asciiNorm[pr]; m == ' ' {
					z.space(off)
				} else if m != 0 {
					z.dst = append(z.dst, m)
					if z.track {
						z.offs = append(z.offs, int32(off))
					}
				}
				continue
			}
			z.emitRune(unicode.ToLower(pr), off)
		}
		return
	}
	if raw != nil {
		z.emit(raw, off)
		return
	}
	z.emitRune(r, off)
}

// normalizeString returns the normalized form of s (for compiling
// signatures; not on the hot path).
func normalizeString(s string) string {
	var z normalizer
	z.add([]byte(s), 0, len(s))
	return string(z.dst)
}

// normalizeNonASCII normalizes only the non-ASCII characters of s and keeps
// ASCII bytes as they are: regular-expression syntax is ASCII, literal text
// in other scripts must look like normalized input.
func normalizeNonASCII(s string) string {
	var out []byte
	var z normalizer
	for _, r := range s {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
			continue
		}
		z.dst = z.dst[:0]
		z.addRune(r, []byte(string(r)), 0)
		out = append(out, z.dst...)
	}
	return string(out)
}

// origSpan maps the normalized range [ns, ne) back to the smallest range of
// src holding every character that produced it. offs are the tracked
// offsets of the normalization of src.
func origSpan(src []byte, offs []int32, ns, ne int) (int, int) {
	if ne <= ns || ns < 0 || ne > len(offs) {
		return 0, 0
	}
	start := int(offs[ns])
	last := int(offs[ne-1])
	_, n := decode(src, last)
	return start, last + n
}
