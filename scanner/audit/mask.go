package audit

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text that comes from the corpus or from input paths is shown only after
// two transformations:
//
//   - visible: characters that render invisibly or reorder text (controls,
//     bidi overrides, zero-width and tag characters, private use, invalid
//     UTF-8) are replaced by their U+XXXX names, so the page cannot be
//     visually spoofed and hidden poison characters become readable;
//   - maskTrigger: a trigger candidate is shown word by word, and a word
//     that looks like personal data or a credential (an '@', a run of
//     digits, a URL, a long mixed token) is replaced by a mask.
//
// html/template then escapes the result.

// hiddenRune reports whether r must not be shown as itself.
func hiddenRune(r rune) bool {
	if r == utf8.RuneError {
		return true
	}
	if unicode.IsControl(r) {
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs) ||
		(r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF) // variation selectors
}

func runeName(r rune) string {
	s := strings.ToUpper(strconv.FormatInt(int64(r), 16))
	for len(s) < 4 {
		s = "0" + s
	}
	return "U+" + s
}

// visible returns s with every hidden rune (see hiddenRune) written as
// ⟨U+XXXX⟩ and invalid UTF-8 bytes as ⟨U+FFFD⟩.
func visible(s string) string {
	clean := true
	for _, r := range s {
		if hiddenRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hiddenRune(r) {
			b.WriteString("⟨")
			b.WriteString(runeName(r))
			b.WriteString("⟩")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// snippetPart is one piece of a masked trigger snippet.
type snippetPart struct {
	Text string
	// Kind is "text" (shown), "code" (a hidden rune, Text is its U+ name),
	// "mask" (Text is a run of block characters standing for a masked
	// word) or "space".
	Kind string
}

// maxTriggerRunes bounds the candidate text shown; the detector caps it
// at 64 bytes already.
const maxTriggerRunes = 64

// maskText stands for a masked word. Its length is fixed so that it does
// not reveal the length of what it hides.
const maskText = "██████"

// maskTrigger splits a trigger candidate into shown words, hidden-rune
// codes and masks. Masked words contribute none of their characters.
func maskTrigger(s string) []snippetPart {
	var parts []snippetPart
	// Numbers split by spaces ("+1 555 010 0199") are masked as a whole:
	// once the candidate holds four digits, every word with a digit goes.
	manyDigits := countDigits(s) >= 4
	n := 0
	for word := range strings.FieldsFuncSeq(s, unicode.IsSpace) {
		if n >= maxTriggerRunes {
			parts = append(parts, snippetPart{Text: "…", Kind: "text"})
			break
		}
		if len(parts) > 0 {
			parts = append(parts, snippetPart{Kind: "space"})
		}
		if sensitiveWord(word) || manyDigits && countDigits(word) > 0 {
			parts = append(parts, snippetPart{Text: maskText, Kind: "mask"})
			n += utf8.RuneCountInString(maskText)
			continue
		}
		var cur strings.Builder
		flush := func() {
			if cur.Len() > 0 {
				parts = append(parts, snippetPart{Text: cur.String(), Kind: "text"})
				cur.Reset()
			}
		}
		for _, r := range word {
			if n >= maxTriggerRunes {
				break
			}
			n++
			if hiddenRune(r) {
				flush()
				parts = append(parts, snippetPart{Text: runeName(r), Kind: "code"})
				continue
			}
			cur.WriteRune(r)
		}
		flush()
	}
	if len(parts) == 0 && s != "" {
		// Only white space: show which.
		for _, r := range s {
			if len(parts) >= 8 {
				break
			}
			parts = append(parts, snippetPart{Text: runeName(r), Kind: "code"})
		}
	}
	return parts
}

// sensitiveWord reports whether a word of a trigger candidate could be (part
// of) a personal or secret value and must be masked: it holds an '@', a URL
// scheme or at least four digits, or one of its segments (split at
// brackets, pipes, quotes and hidden runes, which delimit template tokens
// but do not occur in keys) is a long token mixing letters with digits or
// symbols (keys, hashes, wallet addresses) or is very long.
func sensitiveWord(w string) bool {
	if strings.ContainsRune(w, '@') || strings.Contains(w, "://") {
		return true
	}
	if countDigits(w) >= 4 {
		return true
	}
	for seg := range strings.FieldsFuncSeq(w, func(r rune) bool {
		return hiddenRune(r) || strings.ContainsRune("<>|[](){}\"'`", r)
	}) {
		if longToken(seg) {
			return true
		}
	}
	return false
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// longToken reports whether a segment looks like a key, hash or address.
func longToken(w string) bool {
	digits, letters, other, runes := 0, 0, 0, 0
	for _, r := range w {
		runes++
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
		default:
			other++
		}
	}
	if runes >= 16 && letters > 0 && (digits > 0 || other > 0) {
		return true
	}
	return runes >= 32
}
