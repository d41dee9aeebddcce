package poison

import (
	"encoding/binary"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// Invisible finds characters that render as nothing but change what a
// tokenizer or a filter sees: zero-width and other default-ignorable code
// points inside words or in runs, BACKSPACE (U+0008) and DELETE (U+007F),
// and private-use characters.
//
// Legitimate uses are not reported: ZWJ inside emoji sequences, ZWJ/ZWNJ
// between letters of scripts that use them (Arabic and Persian, Indic and
// other Brahmic scripts…), ZWSP in scripts written without spaces, a single
// variation selector after an emoji, a CJK ideograph or another non-ASCII
// symbol, a soft hyphen inside a word, a leading BOM. Bidi controls and tag
// characters are left to Bidi and TagChar.
//
// Confidence: runs of eight or more 0.97, runs of two or more 0.9,
// BACKSPACE/DELETE 0.9, a single character inside a word 0.8, a stray
// filler or selector 0.7, private-use characters 0.4 (0.7 in runs of three
// or more).
//
// Invisible is safe for concurrent use and does not allocate.
type Invisible struct{}

var _ detectors.Detector = Invisible{}
var _ detectors.Exampler = Invisible{}
var _ detectors.PlainASCIIQuiet = Invisible{}

// PlainASCIIQuiet implements detectors.PlainASCIIQuiet: the only ASCII
// bytes reported are BACKSPACE and DELETE.
func (Invisible) PlainASCIIQuiet() {}

// ID returns "poison.invisible_char".
func (Invisible) ID() string { return KindInvisible }

// Version changes whenever the output can change.
func (Invisible) Version() string { return "1" }

// Kinds returns poison.invisible_char.
func (Invisible) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindInvisible, Description: "zero-width, default-ignorable, backspace/delete and private-use characters", Severity: detectors.SeverityMedium}}
}

// invisLead marks the UTF-8 lead bytes of every code point Invisible may
// report; other multi-byte characters are skipped without decoding.
var invisLead = [256]bool{0xC2: true, 0xCD: true, 0xD8: true, 0xE1: true, 0xE2: true, 0xE3: true, 0xEE: true, 0xEF: true, 0xF0: true, 0xF3: true, 0xF4: true}

// invisMaybe refines invisLead with the second and third bytes for the
// lead bytes shared with common text (E1: Hangul jamo, Georgian…; E2:
// punctuation and symbols; E3:
// kana; EF: fullwidth forms) and the second byte for the two-byte lead
// bytes (C2: Latin-1, CD: combining marks, D8: Arabic). It may answer true
// for characters Invisible ignores, never false for one it reports.
func invisMaybe(b []byte, i int) bool {
	if i+1 >= len(b) {
		return true
	}
	c1 := b[i+1]
	switch b[i] {
	case 0xC2: // 00AD
		return c1 == 0xAD
	case 0xCD: // 034F
		return c1 == 0x8F
	case 0xD8: // 061C (reported by Bidi, kept for safety)
		return c1 == 0x9C
	}
	if i+2 >= len(b) {
		return true
	}
	c2 := b[i+2]
	switch b[i] {
	case 0xE1: // 115F 1160, 17B4 17B5, 180B–180F
		return c1 == 0x85 && (c2 == 0x9F || c2 == 0xA0) || c1 == 0x9E && (c2 == 0xB4 || c2 == 0xB5) || c1 == 0xA0 && c2 >= 0x8B && c2 <= 0x8F
	case 0xE2: // 200B–200F, 202A–202E, 2060–206F
		return c1 == 0x80 && (c2 >= 0x8B && c2 <= 0x8F || c2 >= 0xAA && c2 <= 0xAE) || c1 == 0x81 && c2 >= 0xA0 && c2 <= 0xAF
	case 0xE3: // 3164
		return c1 == 0x85 && c2 == 0xA4
	case 0xEF: // F000–F8FF private use, FE00–FE0F, FEFF, FFA0, FFF0–FFF8
		return c1 <= 0xA3 || c1 == 0xB8 && c2 <= 0x8F || c1 == 0xBB && c2 == 0xBF || c1 == 0xBE && c2 == 0xA0 || c1 == 0xBF && c2 >= 0xB0 && c2 <= 0xB8
	}
	return true
}

// invisClass says how Invisible treats a code point.
const (
	invNone    = iota
	invHidden  // default-ignorable: reported inside words or in runs
	invControl // BACKSPACE, DELETE: always reported
	invPrivate // private use
)

func invisClass(r rune, p unidata.Props) int {
	switch {
	case r == 0x08 || r == 0x7F:
		return invControl
	case p.Has(unidata.Private):
		return invPrivate
	case !p.Has(unidata.DICP):
		return invNone
	case r >= 0xE0000 && r <= 0xE007F: // tags: TagChar
		return invNone
	case r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069: // bidi: Bidi
		return invNone
	}
	return invHidden
}

// invisStop marks the bytes invisNext must look at: BACKSPACE, DELETE and
// the lead bytes of invisLead.
var invisStop = func() (t [256]uint8) {
	for c, ok := range invisLead {
		if ok {
			t[c] = 1
		}
	}
	t[0x08], t[0x7F] = 1, 1
	return t
}()

// invisSecond refines invisLead with the second byte: for a lead byte c,
// bit k is set if invisMaybe may answer true for c followed by a byte
// whose low six bits are k (and any third byte). Zero for other bytes.
var invisSecond = func() (t [256]uint64) {
	b := make([]byte, 4)
	for c, ok := range invisLead {
		if !ok {
			continue
		}
		b[0] = byte(c)
		for b1 := 0; b1 < 256; b1++ {
			b[1] = byte(b1)
			for b2 := 0; b2 < 256; b2++ {
				if b[2] = byte(b2); invisMaybe(b, 0) {
					t[c] |= 1 << (b1 & 63)
					break
				}
			}
		}
	}
	return t
}()

// invisNext finds the next candidate at or after i: it returns its index,
// rune, length and class, or i == len(text) when there is none.
func invisNext(text []byte, i int) (int, rune, int, int) {
	stop := &invisStop
	for i < len(text) {
		// Skip 32 bytes at a time while all are ASCII below DELETE and
		// none is BACKSPACE (x + lsb8 carries into the high bit only from
		// 0x7F when no byte has it set).
		for i+32 <= len(text) {
			b := text[i : i+32 : i+32]
			w, x := binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:])
			y, z := binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
			bw, bx, by, bz := w^0x08*lsb8, x^0x08*lsb8, y^0x08*lsb8, z^0x08*lsb8
			if (w|x|y|z|(w+lsb8)|(x+lsb8)|(y+lsb8)|(z+lsb8)|
				(bw-lsb8)&^bw|(bx-lsb8)&^bx|(by-lsb8)&^by|(bz-lsb8)&^bz)&hiBits != 0 {
				break
			}
			i += 32
		}
		// Skip eight bytes at a time while none needs a look.
		for i+8 <= len(text) {
			b := text[i : i+8 : i+8]
			if stop[b[0]]|stop[b[1]]|stop[b[2]]|stop[b[3]]|stop[b[4]]|stop[b[5]]|stop[b[6]]|stop[b[7]] != 0 {
				break
			}
			i += 8
		}
		// Look at the next eight bytes one by one (then try the skips
		// again).
		for end := min(i+8, len(text)); i < end; {
			c := text[i]
			if stop[c] == 0 {
				i++
				continue
			}
			if c < 0x80 {
				return i, rune(c), 1, invControl
			}
			if i+2 < len(text) && invisSecond[c]>>(text[i+1]&63)&1 == 0 || !invisMaybe(text, i) {
				// Not a candidate: step one byte. Continuation bytes are
				// not lead bytes, so the rest of the character is skipped
				// the same way, and a stray byte is left behind as decode
				// would.
				i++
				continue
			}
			r, n := decode(text, i)
			if k := invisClass(r, unidata.Lookup(r)); k != invNone {
				return i, r, n, k
			}
			i += n
		}
	}
	return len(text), 0, 0, invNone
}

// noJoinerScripts never need ZWJ/ZWNJ between letters.
func noJoinerScript(s unidata.Script) bool {
	switch s {
	case unidata.ScriptLatin, unidata.ScriptCyrillic, unidata.ScriptGreek, unidata.ScriptArmenian,
		unidata.ScriptGeorgian, unidata.ScriptCherokee, unidata.ScriptHan, unidata.ScriptHiragana,
		unidata.ScriptKatakana, unidata.ScriptHangul, unidata.ScriptCommon, unidata.ScriptInherited, unidata.ScriptUnknown:
		return true
	}
	return false
}

// spacelessScript reports scripts written without spaces between words
// where ZWSP marks word boundaries. CJK is not among them: any character
// boundary is a line-break opportunity there, and ZWSP inside Chinese text
// is the classic way to split a filtered word.
func spacelessScript(s unidata.Script) bool {
	switch s {
	case unidata.ScriptThai, unidata.ScriptLao, unidata.ScriptKhmer, unidata.ScriptMyanmar, unidata.ScriptTibetan,
		unidata.ScriptJavanese, unidata.ScriptBalinese,
		unidata.ScriptTaiTham, unidata.ScriptNewTaiLue, unidata.ScriptTaiViet:
		return true
	}
	return false
}

func isVS(r rune) bool { return r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF }

func emojiish(r rune, p unidata.Props) bool {
	return p.Any(unidata.ExtPict|unidata.EmojiModifier) || r == 0xFE0F || r == 0x20E3 || r >= 0x1F1E6 && r <= 0x1F1FF
}

// identChar reports whether r continues a word or an identifier (letters,
// marks, numbers and the underscore).
func identChar(r rune, p unidata.Props) bool { return r == '_' || wordy(p) }

// legitSingle reports whether the lone invisible r between prev and next
// (-1 at the value's edges) is a legitimate use.
func legitSingle(r rune, at int, prev, next rune) bool {
	pp, np := props(prev), props(next)
	if prev < 0 {
		pp = unidata.Props{}
	}
	if next < 0 {
		np = unidata.Props{}
	}
	inWord := prev >= 0 && next >= 0 && identChar(prev, pp) && identChar(next, np)
	switch {
	case isVS(r):
		// One selector after a non-ASCII symbol, ideograph, emoji or letter,
		// or after a keycap base (0-9 # *).
		if prev < 0 || isVS(prev) {
			return false
		}
		if prev >= 0x80 {
			return !pp.Any(unidata.Space | unidata.Control | unidata.DICP)
		}
		// Keycap bases: 1️⃣ is 1 + VS16 + U+20E3.
		return (r == 0xFE0F || r == 0xFE0E) && (prev >= '0' && prev <= '9' || prev == '#' || prev == '*')
	case r == 0x200D: // ZWJ
		if emojiish(prev, pp) && next >= 0 && np.Any(unidata.ExtPict|unidata.Emoji) && next >= 0x80 {
			return true
		}
		// ZWJ shapes Brahmic conjuncts after a virama; in right-to-left
		// scripts it is all but unused in running text (Persian uses ZWNJ).
		return joinerScripts(prev, next, pp, np) && !pp.Has(unidata.RTL) && pp.Has(unidata.Mark)
	case r == 0x200C: // ZWNJ
		// Persian and other Arabic-script languages put ZWNJ between
		// letters; Brahmic scripts after a virama.
		return joinerScripts(prev, next, pp, np) && (pp.Has(unidata.RTL) || pp.Has(unidata.Mark))
	case r == 0x200B: // ZWSP
		if !inWord {
			return true
		}
		return spacelessScript(pp.Script) || spacelessScript(np.Script)
	case r == 0xFEFF:
		return at == 0 || !inWord
	case r == 0x00AD: // soft hyphen: a hyphenation hint inside words
		return true
	case r == 0x034F: // CGJ
		return !(isASCIILetter(prev) && isASCIILetter(next))
	case r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0: // Hangul fillers
		return pp.Script == unidata.ScriptHangul || np.Script == unidata.ScriptHangul
	case r == 0x17B4 || r == 0x17B5:
		return pp.Script == unidata.ScriptKhmer
	case r >= 0x180B && r <= 0x180F:
		return pp.Script == unidata.ScriptMongolian
	case r == 0x2060: // word joiner
		return !inWord
	}
	return false
}

// joinerScripts reports whether prev and next are letters or marks of one
// script that uses ZWJ/ZWNJ.
func joinerScripts(prev, next rune, pp, np unidata.Props) bool {
	if prev < 0 || next < 0 || !pp.Any(unidata.Letter|unidata.Mark) || !np.Any(unidata.Letter|unidata.Mark) {
		return false
	}
	ps, ns := pp.Script, np.Script
	if ps == unidata.ScriptInherited { // a combining mark: trust the other side
		ps = ns
	}
	return ps == ns && !noJoinerScript(ps)
}

// legitPair accepts the two-character runs of emoji ZWJ sequences:
// emoji + VS16 + ZWJ + emoji.
func legitPair(a, b rune, prev, next rune) bool {
	return a == 0xFE0F && b == 0x200D && prev >= 0x80 && props(prev).Any(unidata.ExtPict|unidata.Emoji) &&
		next >= 0x80 && props(next).Any(unidata.ExtPict|unidata.Emoji)
}

// Detect implements detectors.Detector.
func (Invisible) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	i, r, n, k := invisNext(text, 0)
	for i < len(text) {
		// Gather the run of consecutive candidates of the same family.
		start, end := i, i+n
		first := r
		var second rune = -1
		count := 1
		priv := k == invPrivate
		ctrl := k == invControl
		for end < len(text) {
			r2, n2 := decode(text, end)
			k2 := invisClass(r2, props(r2))
			if k2 == invNone || (k2 == invPrivate) != priv {
				break
			}
			if count == 1 {
				second = r2
			}
			ctrl = ctrl || k2 == invControl
			count++
			end += n2
		}
		prev, _ := decodeLast(text, start)
		next := rune(-1)
		if end < len(text) {
			next, _ = decode(text, end)
		}
		conf := 0.0
		switch {
		case priv:
			conf = 0.4
			if count >= 3 {
				conf = 0.7
			}
		case ctrl:
			conf = 0.9
		case count >= 8:
			conf = 0.97
		case count == 2 && legitPair(first, second, prev, next):
		case count >= 2:
			conf = 0.9
		case legitSingle(first, start, prev, next):
		case prev >= 0 && next >= 0 && identChar(prev, props(prev)) && identChar(next, props(next)):
			conf = 0.8
		default:
			conf = 0.7
		}
		if conf > 0 {
			dst = append(dst, detectors.Match{Kind: KindInvisible, Start: start, End: end, Confidence: conf})
		}
		i, r, n, k = invisNext(text, end)
	}
	return dst
}

// Examples implements detectors.Exampler.
func (Invisible) Examples() []detectors.Example {
	return []detectors.Example{
		{Text: "please ign\u200bore this", Kind: KindInvisible, Want: "\u200b"},
		{Text: "pass\u200c\u200d\u2060word", Kind: KindInvisible, Want: "\u200c\u200d\u2060"},
		{Text: "hidden \u200b\u200c\u200b\u200c\u200b\u200c\u200b\u200c\u200b payload", Kind: KindInvisible, Want: "\u200b\u200c\u200b\u200c\u200b\u200c\u200b\u200c\u200b"},
		{Text: "rm -rf /tmp/x\b\b\b\b\b\bsafe", Kind: KindInvisible, Want: "\b\b\b\b\b\b"},
		{Text: "delete\x7fme", Kind: KindInvisible, Want: "\x7f"},
		{Text: "smile 😀\ufe00\ufe01\ufe02\ufe03\U000E0100\U000E0101 ok", Kind: KindInvisible, Want: "\ufe00\ufe01\ufe02\ufe03\U000E0100\U000E0101"},
		{Text: "name\u3164 = 1", Kind: KindInvisible, Want: "\u3164"},
		{Text: "敏\u200b感词过滤", Kind: KindInvisible, Want: "\u200b"},
		{Text: "في ال\u200dأسواق", Kind: KindInvisible, Want: "\u200d"},
		{Text: "वाले अ\u200dक्सर", Kind: KindInvisible, Want: "\u200d"},
		{Text: "word A\ufe0f here", Kind: KindInvisible, Want: "\ufe0f"},
		{Text: "icon \ue000\ue001\ue002 glyphs", Kind: KindInvisible, Want: "\ue000\ue001\ue002"},
		{Text: "bo\ufeffm", Kind: KindInvisible, Want: "\ufeff"},
		// Near misses: legitimate joiners and selectors.
		{Text: "family 👨\u200d👩\u200d👧 and eye 👁\ufe0f\u200d🗨\ufe0f and heart ❤\ufe0f and keycap 1\ufe0f\u20e3"},
		{Text: "می\u200cخواهم به خانه بروم"},                     // Persian ZWNJ
		{Text: "क्\u200dष and र्\u200dय in Devanagari"},          // Indic ZWJ
		{Text: "ภาษาไทย\u200bเขียนติดกัน"},                       // Thai ZWSP
		{Text: "\ufeffleading byte order mark"},                  // BOM at start
		{Text: "Donau\u00addampf\u00adschiff"},                   // soft hyphens
		{Text: "葛\U000E0100城市 and 辻\ufe00 ideographic variants"}, // IVS after Han
		{Text: "word \u200b next word"},                          // ZWSP between words
	}
}
