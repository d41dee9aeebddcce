package dedupe

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Hash constants. All seeds are fixed: sketches are a pure function of the
// text and Options.
const (
	prime1  = 0x9E3779B97F4A7C15
	prime2  = 0xC2B2AE3D27D4EB4F
	prime3  = 0x165667B19E3779F9
	seedTok = 0x2d358dccaa6c78a5
	seedDen = 0x8bb84b93962eacc9
	seedBnd = 0x4b33a62ed433d4a3
)

// fmix64 is a 64-bit avalanche finalizer (every input bit affects every
// output bit).
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

const asciiFold = 0x2020202020202020

// asciiWord marks the ASCII bytes that belong to words: letters and digits.
var asciiWord = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	return t
}()

// hashToken hashes b[start:end]. With fold set, every byte is ORed with 0x20,
// which lowercases ASCII letters and leaves digits unchanged; it is only used
// for tokens made of ASCII letters and digits. Bytes beyond end (up to 7) may
// be read from b but do not affect the result.
func hashToken(b []byte, start, end int, fold bool) uint64 {
	var or uint64
	if fold {
		or = asciiFold
	}
	n := end - start
	h := seedTok ^ uint64(n)*prime1
	i := start
	for ; i+8 <= end; i += 8 {
		w := binary.LittleEndian.Uint64(b[i:]) | or
		h = bits.RotateLeft64(h^(w*prime2), 31) * prime1
	}
	if rem := end - i; rem > 0 {
		var w uint64
		if i+8 <= len(b) {
			w = binary.LittleEndian.Uint64(b[i:]) & (1<<(8*uint(rem)) - 1)
		} else {
			for j := rem - 1; j >= 0; j-- {
				w = w<<8 | uint64(b[i+j])
			}
		}
		w |= or & (1<<(8*uint(rem)) - 1)
		h = bits.RotateLeft64(h^(w*prime2), 31) * prime1
	}
	return fmix64(h)
}

// noSpace reports whether r belongs to a script written without spaces
// between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar). Such
// characters are tokens of their own.
func noSpace(r rune) bool {
	switch {
	case r < 0x0E00:
		return false
	case r <= 0x0EFF: // Thai, Lao
		return true
	case r >= 0x1000 && r <= 0x109F: // Myanmar
		return true
	case r >= 0x1780 && r <= 0x17FF: // Khmer
		return true
	case r >= 0x3040 && r <= 0x30FF: // Hiragana, Katakana
		return true
	case r >= 0x31F0 && r <= 0x31FF: // Katakana phonetic extensions
		return true
	case r >= 0x3400 && r <= 0x4DBF, r >= 0x4E00 && r <= 0x9FFF: // CJK ideographs
		return true
	case r >= 0xF900 && r <= 0xFAFF: // CJK compatibility ideographs
		return true
	case r >= 0xFF66 && r <= 0xFF9F: // half-width Katakana
		return true
	case r >= 0x20000 && r <= 0x3FFFF: // CJK extensions B…
		return true
	}
	return false
}

// wordRune reports whether r is part of a word: a letter, a number or a
// combining mark.
func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// Rune classes for tokenizing.
const (
	classSep     = iota // separates tokens
	classWord           // part of a word
	classNoSpace        // a token of its own (script without spaces)
)

type runeInfo struct {
	lower rune
	class uint8
}

// smallRunes caches the class and lowercase of every rune below U+0800
// (all one- and two-byte UTF-8 sequences: Latin, Greek, Cyrillic, Armenian,
// Hebrew, Arabic, …). It is computed once and never modified.
var smallRunes = func() *[0x800]runeInfo {
	var t [0x800]runeInfo
	for r := range rune(len(t)) {
		t[r] = runeInfo{lower: unicode.ToLower(r), class: classSep}
		if wordRune(r) {
			t[r].class = classWord
		}
	}
	return &t
}()

// classify returns r's class and lowercase form.
func classify(r rune) (rune, uint8) {
	if r < 0x800 {
		x := smallRunes[r]
		return x.lower, x.class
	}
	switch {
	case noSpace(r):
		return r, classNoSpace
	case wordRune(r):
		return unicode.ToLower(r), classWord
	}
	return r, classSep
}

// decodeRune is utf8.DecodeRune with an inlined two-byte fast path.
func decodeRune(b []byte) (rune, int) {
	if len(b) >= 2 && b[0] >= 0xC2 && b[0] < 0xE0 && b[1]&0xC0 == 0x80 {
		return rune(b[0]&0x1F)<<6 | rune(b[1]&0x3F), 2
	}
	return utf8.DecodeRune(b)
}

// tokenize appends the hashes of text's tokens to toks and returns them with
// the number of tokens that are characters of a script without spaces.
//
// A token is a maximal run of word characters (letters, numbers, marks),
// lowercased; each character of a script without spaces is a token of its
// own. Everything else (spaces, punctuation, symbols, invalid UTF-8)
// separates tokens.
func tokenize(text []byte, toks []uint64, scratch *[]byte) ([]uint64, int) {
	cjk := 0
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c < utf8.RuneSelf {
			if !asciiWord[c] {
				i++
				continue
			}
			start := i
			for i < n && text[i] < utf8.RuneSelf && asciiWord[text[i]] {
				i++
			}
			if i < n && text[i] >= utf8.RuneSelf {
				if r, _ := decodeRune(text[i:]); classOf(r) == classWord {
					var h uint64
					h, i = runeToken(text, start, scratch)
					toks = append(toks, h)
					continue
				}
			}
			toks = append(toks, hashToken(text, start, i, true))
			continue
		}
		r, size := decodeRune(text[i:])
		switch classOf(r) {
		case classNoSpace:
			toks = append(toks, hashToken(text, i, i+size, false))
			cjk++
			i += size
		case classWord:
			var h uint64
			h, i = runeToken(text, i, scratch)
			toks = append(toks, h)
		default:
			i += size
		}
	}
	return toks, cjk
}

func classOf(r rune) uint8 {
	_, c := classify(r)
	return c
}

// runeToken lowercases the word starting at text[start] into scratch, hashes
// it and returns the hash and the index after the word. The word stops at
// the first rune that is not a word rune (including characters of scripts
// without spaces).
func runeToken(text []byte, start int, scratch *[]byte) (uint64, int) {
	buf := (*scratch)[:0]
	i := start
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if !asciiWord[c] {
				break
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			i++
			continue
		}
		r, size := decodeRune(text[i:])
		lower, class := classify(r)
		if class != classWord {
			break
		}
		if lower >= 0x80 && lower < 0x800 {
			buf = append(buf, byte(0xC0|lower>>6), byte(0x80|lower&0x3F))
		} else {
			buf = utf8.AppendRune(buf, lower)
		}
		i += size
	}
	*scratch = buf
	return hashToken(buf, 0, len(buf), false), i
}

// isASCII reports whether every byte of b is below 0x80.
func isASCII(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiNorm maps ASCII bytes to their normalized form: uppercase letters to
// lowercase, whitespace to ' ', everything else to itself.
var asciiNorm = func() (t [128]byte) {
	for c := range t {
		t[c] = byte(c)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c - 'A' + 'a')
	}
	for _, c := range " \t\n\v\f\r" {
		t[c] = ' '
	}
	return t
}()

// normalizer produces the normalized text exact keys are computed over when
// Options.Normalize is set: case-folded (Unicode full case folding), NFC,
// whitespace runs collapsed to one ASCII space, leading and trailing
// whitespace removed. It reuses its buffers; it is not safe for concurrent
// use.
type normalizer struct {
	fold transform.Transformer
	a, b []byte
}

// normalize returns the normalized form of text. The result aliases the
// normalizer's buffers and is valid until the next call.
func (z *normalizer) normalize(text []byte) []byte {
	if isASCII(text) {
		if cap(z.a) < len(text) {
			z.a = make([]byte, len(text)+len(text)/4)
		}
		out := z.a[:len(text)]
		j := 0
		space := false
		for _, c := range text {
			x := asciiNorm[c]
			if x == ' ' {
				space = j > 0
				continue
			}
			if space {
				out[j] = ' '
				j++
				space = false
			}
			out[j] = x
			j++
		}
		return out[:j]
	}
	z.a = transformAppend(z.fold, z.a[:0], text)
	z.b = norm.NFC.Append(z.b[:0], z.a...)
	out := z.a[:0]
	space := false
	for i := 0; i < len(z.b); {
		r, size := utf8.DecodeRune(z.b[i:])
		if unicode.IsSpace(r) {
			space = len(out) > 0
			i += size
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, z.b[i:i+size]...)
		i += size
	}
	z.a = out
	return out
}

// transformAppend appends t(src) to dst, growing dst as needed.
func transformAppend(t transform.Transformer, dst, src []byte) []byte {
	t.Reset()
	need := 3*len(src) + 16 // case folding expands at most threefold
	for {
		if cap(dst)-len(dst) < need {
			grown := make([]byte, len(dst), len(dst)+need)
			copy(grown, dst)
			dst = grown
		}
		nDst, nSrc, err := t.Transform(dst[len(dst):cap(dst)], src, true)
		dst = dst[:len(dst)+nDst]
		src = src[nSrc:]
		switch err {
		case nil:
			return dst
		case transform.ErrShortDst:
			need = 2*need + len(src)
		default:
			// Not reachable for case folding with atEOF set; keep the
			// rest unchanged rather than lose bytes.
			return append(dst, src...)
		}
	}
}

// newFolder returns a Unicode full case folding transformer.
func newFolder() transform.Transformer { return cases.Fold() }
