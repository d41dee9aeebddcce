package pii

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/winnow-data/winnow/detectors"
)

// Email detects e-mail addresses: a local part, '@', and a domain of at
// least two labels whose last label is a real TLD. It rejects decorators
// and handles ("@name"), hosts without a TLD ("user@localhost"), image
// names ("logo@2x.png"), package versions ("lodash@4.17.21"), the userinfo
// of URLs, scp-style remotes ("git@github.com:owner/repo") and method
// calls. Local parts and domains may hold non-ASCII letters (EAI / IDN);
// where Chinese or Japanese text runs straight into an ASCII address
// ("邮箱zhang@qq.com的"), the address stops at the script change.
//
// Email has no Keywords although every match contains '@': a one-byte
// keyword would push the Set's shared keyword index off its fast path, and
// Detect finds '@' with a vectorized byte search anyway.
//
// Email is immutable and safe for concurrent use.
type Email struct{ c *config }

var _ detectors.Detector = (*Email)(nil)
var _ detectors.Exampler = (*Email)(nil)

// ID returns "pii.email".
func (*Email) ID() string { return KindEmail }

// Version returns the detector's output version.
func (*Email) Version() string { return version }

// Kinds returns the single kind pii.email. The slice is fresh.
func (*Email) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindEmail, Description: "e-mail address", Severity: detectors.SeverityMedium}}
}

var emailCtx = newCtx([]string{"email", "e-mail", "mail", "contact", "邮箱", "邮件", "电子邮件", "联系"}, nil)

// Detect appends every e-mail address in text to dst.
func (d *Email) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	pos := 0
	for pos < len(text) {
		k := bytes.IndexByte(text[pos:], '@')
		if k < 0 {
			break
		}
		at := pos + k
		ls, de, ok := emailWindow(text, pos, at)
		if !ok {
			pos = at + 1
			continue
		}
		dst = d.check(dst, text, ls, at, de)
		pos = de
	}
	return dst
}

// isEmailRune reports whether a non-ASCII rune may appear in a local part
// or domain (letters, marks and numbers of any script).
func isEmailRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r))
}

// emailWindow grows the '@' at 'at' into the maximal local part (not
// crossing lo) and domain around it.
func emailWindow(text []byte, lo, at int) (ls, de int, ok bool) {
	ls = at
	for ls > lo {
		c := text[ls-1]
		if c < utf8.RuneSelf {
			if !is(c, cEmailLocal) {
				break
			}
			ls--
			continue
		}
		r, sz := utf8.DecodeLastRune(text[lo:ls])
		if !isEmailRune(r) {
			break
		}
		ls -= sz
	}
	de = at + 1
	for de < len(text) {
		c := text[de]
		if c < utf8.RuneSelf {
			if !is(c, cEmailDomain) {
				break
			}
			de++
			continue
		}
		r, sz := utf8.DecodeRune(text[de:])
		if !isEmailRune(r) {
			break
		}
		de += sz
	}
	return ls, de, ls < at && de > at+1
}

// isCJK reports whether r is a Han, Hiragana, Katakana or Hangul rune.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// check validates the window text[ls:de] with '@' at 'at'.
func (d *Email) check(dst []detectors.Match, text []byte, ls, at, de int) []detectors.Match {
	if ls > 0 && (text[ls-1] == '@' || is(text[ls-1], cEmailLocal)) {
		return dst
	}
	// Chinese/Japanese text running into an ASCII local part: keep the
	// ASCII tail.
	for i := ls; i < at; {
		r, sz := utf8.DecodeRune(text[i:at])
		i += sz
		if isCJK(r) && i < at && text[i] < utf8.RuneSelf {
			ls = i
		}
	}
	for ls < at && text[ls] == '.' {
		ls++
	}
	local := text[ls:at]
	if len(local) == 0 || len(local) > 64 || local[len(local)-1] == '.' || bytes.Contains(local, []byte("..")) {
		return dst
	}
	if inURLUserinfo(text, ls) {
		return dst
	}
	// The domain: stop where ASCII runs into CJK, then drop trailing dots
	// and hyphens (sentence punctuation).
	end := de
	if text[at+1] < utf8.RuneSelf {
		for i := at + 1; i < de; {
			r, sz := utf8.DecodeRune(text[i:de])
			if isCJK(r) {
				end = i
				break
			}
			i += sz
		}
	}
	for end > at+1 && (text[end-1] == '.' || text[end-1] == '-') {
		end--
	}
	if end == de && de < len(text) {
		switch c := text[de]; {
		case c == '@' || c == '(' || c == '_':
			return dst
		case c == ':' && de+1 < len(text) && !is(text[de+1], cSpace):
			return dst // scp-style remote or host:port
		}
	}
	if !validEmailDomain(text[at+1 : end]) {
		return dst
	}
	return d.c.appendMatch(dst, KindEmail, ls, end, d.c.score(0.9, text, ls, emailCtx))
}

// validEmailDomain checks labels, the TLD and image-density suffixes.
func validEmailDomain(dom []byte) bool {
	if len(dom) < 4 || len(dom) > 253 {
		return false
	}
	labels := 0
	last := 0
	for i := 0; i <= len(dom); i++ {
		if i < len(dom) && dom[i] != '.' {
			continue
		}
		l := dom[last:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		if labels == 0 && isDensitySuffix(l) {
			return false // logo@2x.png
		}
		labels++
		if i == len(dom) {
			return labels >= 2 && validTLD(l)
		}
		last = i + 1
	}
	return false
}

// isDensitySuffix reports labels such as "2x" or "3x" used in image names.
func isDensitySuffix(l []byte) bool {
	if len(l) < 2 || lowerASCII(l[len(l)-1]) != 'x' {
		return false
	}
	for _, c := range l[:len(l)-1] {
		if c-'0' >= 10 {
			return false
		}
	}
	return true
}

// inURLUserinfo reports whether the local part starting at ls sits in the
// authority of a URL ("https://user:pw@host"), which pii.url_credentials
// reports instead.
func inURLUserinfo(text []byte, ls int) bool {
	for j := ls - 1; j >= 0 && ls-j <= 256; j-- {
		c := text[j]
		if c == '/' {
			return j >= 2 && text[j-1] == '/' && text[j-2] == ':'
		}
		if is(c, cURLStop) || c == '@' {
			return false
		}
	}
	return false
}
