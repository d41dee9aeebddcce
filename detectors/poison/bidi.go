package poison

import (
	"bytes"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// Kind names reported by the per-record detectors.
const (
	KindBidi            = "poison.bidi_control"
	KindInvisible       = "poison.invisible_char"
	KindTag             = "poison.tag_char"
	KindHomoglyph       = "poison.homoglyph"
	KindPromptInjection = "poison.prompt_injection"
	KindTemplateToken   = "poison.template_token"
)

// Bidi finds Unicode bidirectional embedding, override and isolate controls
// (U+202A–202E, U+2066–2069) and, inside Latin words, the marks U+200E/200F.
//
// Controls left unbalanced within a line (an embedding or isolate never
// closed, or a PDF/PDI with nothing to close) are the Trojan Source pattern
// (CVE-2021-42574) and get confidence 0.99. Overrides (LRO/RLO) get 0.9.
// Balanced embeddings and isolates are reported at 0.6 only on lines with no
// right-to-left letters, where they have no legitimate use. One match covers
// a line's controls from the first to the last.
//
// Bidi is stateless and safe for concurrent use; Detect does not allocate
// unless it appends to dst beyond its capacity.
type Bidi struct{}

var _ detectors.Detector = Bidi{}
var _ detectors.Exampler = Bidi{}
var _ detectors.PlainASCIIQuiet = Bidi{}

// PlainASCIIQuiet implements detectors.PlainASCIIQuiet: bidi controls are
// not ASCII.
func (Bidi) PlainASCIIQuiet() {}

// ID returns "poison.bidi_control".
func (Bidi) ID() string { return KindBidi }

// Version changes whenever the output can change.
func (Bidi) Version() string { return "1" }

// Kinds returns poison.bidi_control.
func (Bidi) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindBidi, Description: "Unicode bidirectional control characters (Trojan Source, CVE-2021-42574)", Severity: detectors.SeverityHigh}}
}

// bidiKind classifies the 3-byte UTF-8 sequence at b[i:]: 0 none, or one of
// the bidi* constants.
const (
	bidiNone = iota
	bidiEmbed
	bidiOverride
	bidiPDF
	bidiIsolate
	bidiPDI
	bidiMark
)

func bidiAt(b []byte, i int) int {
	if i+2 >= len(b) || b[i] != 0xE2 {
		return bidiNone
	}
	c1, c2 := b[i+1], b[i+2]
	switch c1 {
	case 0x80:
		switch c2 {
		case 0xAA, 0xAB: // LRE, RLE
			return bidiEmbed
		case 0xAD, 0xAE: // LRO, RLO
			return bidiOverride
		case 0xAC:
			return bidiPDF
		case 0x8E, 0x8F: // LRM, RLM
			return bidiMark
		}
	case 0x81:
		switch c2 {
		case 0xA6, 0xA7, 0xA8: // LRI, RLI, FSI
			return bidiIsolate
		case 0xA9:
			return bidiPDI
		}
	}
	return bidiNone
}

// lineEnd returns the index of the line break at or after i (\n, \r,
// U+2028, U+2029), or len(b).
func lineEnd(b []byte, i int) int {
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '\n', '\r':
			return j
		case 0xE2:
			if j+2 < len(b) && b[j+1] == 0x80 && (b[j+2] == 0xA8 || b[j+2] == 0xA9) {
				return j
			}
		}
	}
	return len(b)
}

// lineStart returns the index just after the line break before i.
func lineStart(b []byte, i int) int {
	for j := i - 1; j >= 0; j-- {
		switch b[j] {
		case '\n', '\r':
			return j + 1
		case 0xA8, 0xA9:
			if j >= 2 && b[j-2] == 0xE2 && b[j-1] == 0x80 {
				return j + 1
			}
		}
	}
	return 0
}

// Detect implements detectors.Detector.
func (Bidi) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	if isASCII(text) {
		return dst
	}
	pos := 0
	for pos < len(text) {
		k := bytes.IndexByte(text[pos:], 0xE2)
		if k < 0 {
			break
		}
		i := pos + k
		if bidiAt(text, i) == bidiNone {
			pos = i + 1
			continue
		}
		ls, le := lineStart(text, i), lineEnd(text, i)
		if ls < pos {
			ls = pos // earlier part of this line had no control
		}
		dst = bidiLine(dst, text, ls, le)
		pos = le + 1
	}
	return dst
}

// bidiLine examines the controls of one line text[ls:le].
func bidiLine(dst []detectors.Match, text []byte, ls, le int) []detectors.Match {
	var stack [64]byte // 'E' embedding/override, 'I' isolate; depth capped
	depth, overflow := 0, 0
	unmatched := 0
	override := false
	first, last := -1, -1
	for i := ls; i < le; i++ {
		if text[i] != 0xE2 {
			continue
		}
		k := bidiAt(text, i)
		if k == bidiNone {
			continue
		}
		if k == bidiMark {
			// Marks matter only inside a Latin word, where they split it
			// invisibly.
			p, _ := decodeLast(text, i)
			if i+3 < len(text) && isASCIILetter(p) && isASCIILetter(rune(text[i+3])) {
				dst = append(dst, detectors.Match{Kind: KindBidi, Start: i, End: i + 3, Confidence: 0.5})
			}
			i += 2
			continue
		}
		if first < 0 {
			first = i
		}
		last = i + 3
		switch k {
		case bidiEmbed, bidiOverride:
			override = override || k == bidiOverride
			if depth < len(stack) {
				stack[depth] = 'E'
				depth++
			} else {
				overflow++
			}
		case bidiIsolate:
			if depth < len(stack) {
				stack[depth] = 'I'
				depth++
			} else {
				overflow++
			}
		case bidiPDF:
			if overflow > 0 {
				overflow--
			} else if depth > 0 && stack[depth-1] == 'E' {
				depth--
			} else {
				unmatched++
			}
		case bidiPDI:
			j := depth - 1
			for j >= 0 && stack[j] != 'I' {
				j--
			}
			if j >= 0 {
				depth = j
				overflow = 0
			} else {
				unmatched++
			}
		}
		i += 2
	}
	if first < 0 {
		return dst
	}
	conf := 0.0
	switch {
	case depth > 0 || overflow > 0 || unmatched > 0:
		conf = 0.99
	case override:
		conf = 0.9
	case !hasRTL(text[ls:le]):
		conf = 0.6
	default:
		return dst
	}
	return append(dst, detectors.Match{Kind: KindBidi, Start: first, End: last, Confidence: conf})
}

// hasRTL reports whether b contains a letter of a right-to-left script.
func hasRTL(b []byte) bool {
	for i := indexNonASCII(b, 0); i < len(b); {
		r, n := decode(b, i)
		if unidata.Lookup(r).Has(unidata.RTL) {
			return true
		}
		i = indexNonASCII(b, i+n)
	}
	return false
}

// Examples implements detectors.Exampler.
func (Bidi) Examples() []detectors.Example {
	return []detectors.Example{
		{Text: "access = \"user\u202e \u2066// check admin\u2069 \u2066\"", Kind: KindBidi, Want: "\u202e \u2066// check admin\u2069 \u2066"},
		{Text: "if x {\u202a} else {}", Kind: KindBidi, Want: "\u202a"},
		{Text: "stray close \u202c here", Kind: KindBidi, Want: "\u202c"},
		{Text: "file \u202egnp.exe\u202c done", Kind: KindBidi, Want: "\u202egnp.exe\u202c"},
		{Text: "balanced \u2067abc\u2069 in latin", Kind: KindBidi, Want: "\u2067abc\u2069"},
		{Text: "pass\u200eword", Kind: KindBidi, Want: "\u200e"},
		// Near misses: balanced isolates in Arabic text, marks between
		// words, look-alike punctuation.
		{Text: "قال \u2067Hello\u2069 ثم ذهب"},
		{Text: "مرحبا \u200f(123)"},
		{Text: "quotes \u201cfine\u201d and dashes \u2014 and \u2026"},
		{Text: "naïve café, “quoted” — done…"},
	}
}
