package pii

import "unicode/utf8"

// Context scoring. A match's confidence starts at a per-format base, rises
// when a positive term for its kind appears shortly before it and falls when
// a negative term does. ASCII terms match case-insensitively and only as
// whole words (ASCII word boundaries on both sides; an internal space also
// matches '-' or '_'); terms with non-ASCII bytes (Chinese, Hindi) match
// as-is.

const (
	ctxBoost   = 0.15
	ctxPenalty = 0.4
)

// terms is a compiled list of context terms: ASCII terms indexed by their
// first byte, other terms kept as-is. Build it with newTerms; it is only
// read afterwards.
type terms struct {
	first   [256]uint8 // 1 + index into byFirst, 0: no ASCII term starts here
	byFirst [][]string
	other   []string
}

func newTerms(list ...string) *terms {
	t := &terms{}
	for _, s := range list {
		ascii := true
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				ascii = false
			}
		}
		if s == "" {
			continue
		}
		if !ascii {
			t.other = append(t.other, s)
			continue
		}
		c := lowerASCII(s[0])
		if t.first[c] == 0 {
			t.byFirst = append(t.byFirst, nil)
			t.first[c] = uint8(len(t.byFirst))
			if c >= 'a' && c <= 'z' {
				t.first[c-32] = t.first[c]
			}
		}
		k := t.first[c] - 1
		t.byFirst[k] = append(t.byFirst[k], s)
	}
	return t
}

// Negative context shared by the numeric kinds: identifiers that are not
// personal data.
var negCommonList = []string{
	"isbn", "issn", "doi", "version", "ver", "sha", "sha1", "sha256", "md5",
	"uuid", "guid", "hash", "checksum", "commit", "build", "order", "order no",
	"order id", "order number", "invoice", "invoice no", "tracking", "serial",
	"serial no", "sku", "part no", "ticket", "transaction id", "txid", "ref",
	"订单", "订单号", "版本", "序列号", "快递单号", "运单号", "发票",
}

// ctx holds the positive and negative terms of one kind.
type ctx struct {
	pos, neg *terms
}

func newCtx(pos, neg []string) *ctx { return &ctx{pos: newTerms(pos...), neg: newTerms(neg...)} }

// score applies context to base for a match starting at start.
func (c *config) score(base float64, text []byte, start int, k *ctx) float64 {
	pos, neg := c.context(text, start, k)
	if pos {
		base += ctxBoost
	}
	if neg {
		base -= ctxPenalty
	}
	return base
}

// context reports whether a positive or negative term of k occurs in the
// window of ctxWindow bytes before start.
func (c *config) context(text []byte, start int, k *ctx) (pos, neg bool) {
	win := c.window(text, start)
	return k.pos.in(win), k.neg.in(win)
}

// positive reports whether a positive term of k occurs before start.
func (c *config) positive(text []byte, start int, k *ctx) bool {
	return k.pos.in(c.window(text, start))
}

// window returns the ctxWindow bytes before start, from a rune start.
func (c *config) window(text []byte, start int) []byte {
	lo := start - c.ctxWindow
	if lo < 0 {
		lo = 0
	}
	for lo > 0 && lo < start && !utf8.RuneStart(text[lo]) {
		lo++
	}
	return text[lo:start]
}

// in reports whether any term occurs in win.
func (t *terms) in(win []byte) bool {
	if t == nil {
		return false
	}
	if len(t.byFirst) > 0 {
		for i := 0; i < len(win); i++ {
			f := t.first[win[i]]
			if f == 0 || (i > 0 && isWordByte(win[i-1])) {
				continue
			}
			for _, term := range t.byFirst[f-1] {
				j := i + len(term)
				if j <= len(win) && (j == len(win) || !isWordByte(win[j])) && equalFoldTerm(win[i:j], term) {
					return true
				}
			}
		}
	}
	for _, term := range t.other {
		if containsString(win, term) {
			return true
		}
	}
	return false
}

func equalFoldTerm(b []byte, term string) bool {
	for k := 0; k < len(term); k++ {
		c, t := lowerASCII(b[k]), term[k]
		if c == t {
			continue
		}
		if t == ' ' && (c == '-' || c == '_') {
			continue
		}
		return false
	}
	return true
}

func lowerASCII(c byte) byte {
	if c-'A' < 26 {
		return c + 32
	}
	return c
}

// containsString reports whether s occurs in b, without converting either.
func containsString(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if b[i] == s[0] && string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}
