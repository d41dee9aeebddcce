package pii

import (
	"bytes"

	"github.com/winnow-data/winnow/detectors"
)

// URLCredentials detects credentials embedded in URLs,
// "scheme://user:password@host", and reports the "user:password" span.
// An empty password ("user:@host"), and placeholders such as "user:pass",
// "<password>", "${PASSWORD}", "****" or "xxx" are skipped. An empty user
// with a password ("redis://:secret@host") is reported.
//
// URLCredentials has no Keywords although every match contains "://":
// Detect finds it with a vectorized search at a small fraction of the cost
// of the Set's keyword pass, and a three-byte keyword would make that
// shared pass gate every keyword on three bytes instead of four.
//
// URLCredentials is immutable and safe for concurrent use.
type URLCredentials struct{ c *config }

var _ detectors.Detector = (*URLCredentials)(nil)
var _ detectors.Exampler = (*URLCredentials)(nil)

// ID returns "pii.url_credentials".
func (*URLCredentials) ID() string { return KindURLCredentials }

// Version returns the detector's output version.
func (*URLCredentials) Version() string { return version }

// Kinds returns the single kind pii.url_credentials. The slice is fresh.
func (*URLCredentials) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindURLCredentials, Description: "user name and password in a URL", Severity: detectors.SeverityHigh}}
}

var sepScheme = []byte("://")

// Detect appends the userinfo of every URL with credentials in text to dst.
func (d *URLCredentials) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	pos := 0
	for pos < len(text) {
		k := bytes.Index(text[pos:], sepScheme)
		if k < 0 {
			break
		}
		s := pos + k
		e := urlAuthorityEnd(text, s+3)
		dst = d.check(dst, text, s, e)
		pos = e
	}
	return dst
}

// urlAuthorityEnd returns where the authority starting at i ends.
func urlAuthorityEnd(text []byte, i int) int {
	for i < len(text) && !is(text[i], cURLStop) {
		i++
	}
	return i
}

// check validates the URL whose "://" is at s and whose authority ends
// at e.
func (d *URLCredentials) check(dst []detectors.Match, text []byte, s, e int) []detectors.Match {
	// A scheme: letters, digits, '+', '-', '.', starting with a letter.
	j := s
	for j > 0 && (is(text[j-1], cAlnum) || text[j-1] == '+' || text[j-1] == '-' || text[j-1] == '.') {
		j--
	}
	for j < s && !is(text[j], cAlpha) {
		j++
	}
	if j == s {
		return dst
	}
	auth := text[s+3 : e]
	at := bytes.LastIndexByte(auth, '@')
	if at <= 0 || at == len(auth)-1 {
		return dst // no userinfo, or no host
	}
	ui := auth[:at]
	colon := bytes.IndexByte(ui, ':')
	if colon < 0 || colon == len(ui)-1 {
		return dst // no password
	}
	user, pass := ui[:colon], ui[colon+1:]
	if placeholder(pass) || (len(user) > 0 && placeholder(user) && weakPassword(pass)) {
		return dst
	}
	start := s + 3
	return d.c.appendMatch(dst, KindURLCredentials, start, start+at, 0.95)
}

// placeholder reports values that stand for a credential rather than
// being one.
func placeholder(v []byte) bool {
	switch v[0] {
	case '<', '$', '{', '[', '%':
		return true
	}
	same := true
	for _, c := range v {
		if c != v[0] {
			same = false
			break
		}
	}
	if same && (v[0] == '*' || v[0] == 'x' || v[0] == 'X' || v[0] == '.' || v[0] == '-' || v[0] == '_') {
		return true
	}
	var buf [16]byte
	if len(v) > len(buf) {
		return false
	}
	for i, c := range v {
		buf[i] = lowerASCII(c)
	}
	switch string(buf[:len(v)]) {
	case "password", "passwd", "pass", "pwd", "secret", "user", "username", "usr",
		"login", "name", "changeme", "yourpassword", "your_password", "mypassword",
		"my_password", "pw", "token", "apikey", "api_key", "redacted", "hidden",
		"example", "foo", "bar", "foobar", "test", "xxx", "pass123", "password123":
		return true
	}
	return false
}

// weakPassword reports passwords that only make sense as examples when the
// user name is itself a placeholder ("user:pass", "username:secret").
func weakPassword(v []byte) bool { return placeholder(v) || len(v) < 4 }
