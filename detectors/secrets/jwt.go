package secrets

import (
	"bytes"

	"github.com/winnow-data/winnow/detectors"
)

// JWT is the secrets.jwt detector: JSON Web Tokens in JWS compact
// serialization (RFC 7515 §7.1, RFC 7519): three base64url segments joined
// by dots, where the first decodes to a JSON object with an "alg" member
// holding a string, the second decodes to a JSON object, and the third (the
// signature) has at least 16 characters. The segments are decoded and the
// JSON is validated structurally, without allocating; unsigned tokens
// (alg "none", empty signature) and JWE (five segments) are not reported.
//
// The zero value is ready to use; it is immutable and safe for concurrent
// use.
type JWT struct{}

var (
	_ detectors.Detector = (*JWT)(nil)
	_ detectors.Windowed = (*JWT)(nil)
	_ detectors.Exampler = (*JWT)(nil)
)

// Limits of a JWT, in base64url characters per segment.
const (
	jwtMaxHeader  = 4 << 10
	jwtMaxPayload = 64 << 10
	jwtMaxSig     = 4 << 10
	jwtMinSig     = 16
	jsonMaxDepth  = 64
)

var jwtKinds = []detectors.Kind{kind("secret.jwt", "JSON Web Token (signed, with a JSON header naming alg)", medium)}

// ID returns "secrets.jwt".
func (*JWT) ID() string { return "secrets.jwt" }

// Version changes whenever the detector's output can change.
func (*JWT) Version() string { return "1" }

// Kinds returns secret.jwt.
func (*JWT) Kinds() []detectors.Kind { return jwtKinds }

// "eyJ" is the base64url encoding of `{"`, the start of every header; the
// keywords add the next base64url character (folded), so that each has four
// bytes for the prefilter's fast path.
var jwtKeywords = func() []string {
	var out []string
	for _, c := range "abcdefghijklmnopqrstuvwxyz0123456789-_" {
		out = append(out, "eyj"+string(c))
	}
	return out
}()

// Keywords returns "eyj" followed by each base64url character.
func (*JWT) Keywords() []string { return jwtKeywords }

// Detect appends every JWT in text to dst. It does not retain text and is
// safe for concurrent use.
func (*JWT) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	end := 0
	for off := 0; off < len(text); {
		i := bytes.Index(text[off:], []byte("eyJ"))
		if i < 0 {
			break
		}
		p := off + i
		off = p + 1
		if p < end {
			continue
		}
		if e, ok := parseJWT(text, p); ok {
			dst = append(dst, detectors.Match{Kind: "secret.jwt", Start: p, End: e, Confidence: 0.9})
			end = e
		}
	}
	return dst
}

// DetectHits is Detect restricted to the keyword occurrences in hits (see
// detectors.Windowed).
func (*JWT) DetectHits(dst []detectors.Match, text []byte, hits []detectors.KeywordHit) []detectors.Match {
	end := 0
	for _, h := range hits {
		if h.Pos < end {
			continue
		}
		if e, ok := parseJWT(text, h.Pos); ok {
			dst = append(dst, detectors.Match{Kind: "secret.jwt", Start: h.Pos, End: e, Confidence: 0.9})
			end = e
		}
	}
	return dst
}

func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// b64urlRun returns the end of the run of base64url characters at text[i:],
// or -1 if it is longer than max.
func b64urlRun(text []byte, i, max int) int {
	j := i
	for j < len(text) && isB64URL(text[j]) {
		j++
		if j-i > max {
			return -1
		}
	}
	return j
}

// parseJWT parses a token starting at text[p] and returns its end.
func parseJWT(text []byte, p int) (int, bool) {
	if !bytes.HasPrefix(text[p:], []byte("eyJ")) || p+3 >= len(text) || !isB64URL(text[p+3]) {
		return 0, false
	}
	if p > 0 && (isB64URL(text[p-1]) || text[p-1] == '.') {
		return 0, false
	}
	h := b64urlRun(text, p, jwtMaxHeader)
	if h < 0 || h >= len(text) || text[h] != '.' {
		return 0, false
	}
	pl := b64urlRun(text, h+1, jwtMaxPayload)
	if pl < 0 || pl == h+1 || pl >= len(text) || text[pl] != '.' {
		return 0, false
	}
	s := b64urlRun(text, pl+1, jwtMaxSig)
	if s < 0 || s-(pl+1) < jwtMinSig {
		return 0, false
	}
	if s+1 < len(text) && text[s] == '.' && isB64URL(text[s+1]) {
		return 0, false // more segments: JWE or something else
	}
	if hasAlg, ok := validJSONObject(text[p:h], true); !ok || !hasAlg {
		return 0, false
	}
	if _, ok := validJSONObject(text[h+1:pl], false); !ok {
		return 0, false
	}
	return s, true
}

// b64urlReader decodes unpadded base64url one byte at a time.
type b64urlReader struct {
	src   []byte
	i     int
	acc   uint32
	nbits uint
	bad   bool
}

var b64urlValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// next returns the next decoded byte, or ok false at the end of the input
// or on an invalid character (then bad is set).
func (r *b64urlReader) next() (byte, bool) {
	for r.nbits < 8 {
		if r.i >= len(r.src) {
			return 0, false
		}
		v := b64urlValue[r.src[r.i]]
		if v < 0 {
			r.bad = true
			return 0, false
		}
		r.i++
		r.acc = r.acc<<6 | uint32(v)
		r.nbits += 6
	}
	r.nbits -= 8
	return byte(r.acc >> r.nbits), true
}

// jsonScanner validates JSON read from a base64url segment with one byte of
// lookahead.
type jsonScanner struct {
	r   b64urlReader
	c   byte
	eof bool
}

func (s *jsonScanner) advance() {
	var ok bool
	s.c, ok = s.r.next()
	s.eof = !ok
}

func (s *jsonScanner) skipSpace() {
	for !s.eof && (s.c == ' ' || s.c == '\t' || s.c == '\n' || s.c == '\r') {
		s.advance()
	}
}

// validJSONObject reports whether the base64url segment seg decodes to
// exactly one JSON object (surrounding whitespace allowed) and, if top is
// set, whether that object has a member "alg" whose value is a string.
func validJSONObject(seg []byte, wantAlg bool) (hasAlg, ok bool) {
	if len(seg)%4 == 1 {
		return false, false
	}
	s := jsonScanner{r: b64urlReader{src: seg}}
	s.advance()
	s.skipSpace()
	if s.eof || s.c != '{' {
		return false, false
	}
	hasAlg, ok = s.object(0, wantAlg)
	if !ok {
		return false, false
	}
	s.skipSpace()
	return hasAlg, s.eof && !s.r.bad
}

// object parses an object at '{'; with alg set it reports whether a member
// named exactly "alg" has a string value.
func (s *jsonScanner) object(depth int, alg bool) (hasAlg, ok bool) {
	if depth >= jsonMaxDepth {
		return false, false
	}
	s.advance() // '{'
	s.skipSpace()
	if !s.eof && s.c == '}' {
		s.advance()
		return false, true
	}
	for {
		if s.eof || s.c != '"' {
			return false, false
		}
		isAlg, ok := s.str(alg)
		if !ok {
			return false, false
		}
		s.skipSpace()
		if s.eof || s.c != ':' {
			return false, false
		}
		s.advance()
		s.skipSpace()
		if isAlg && !s.eof && s.c == '"' {
			hasAlg = true
		}
		if !s.value(depth + 1) {
			return false, false
		}
		s.skipSpace()
		if s.eof {
			return false, false
		}
		switch s.c {
		case ',':
			s.advance()
			s.skipSpace()
		case '}':
			s.advance()
			return hasAlg, true
		default:
			return false, false
		}
	}
}

func (s *jsonScanner) value(depth int) bool {
	if s.eof {
		return false
	}
	switch c := s.c; {
	case c == '{':
		_, ok := s.object(depth, false)
		return ok
	case c == '[':
		return s.array(depth)
	case c == '"':
		_, ok := s.str(false)
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return false
}

func (s *jsonScanner) array(depth int) bool {
	if depth >= jsonMaxDepth {
		return false
	}
	s.advance() // '['
	s.skipSpace()
	if !s.eof && s.c == ']' {
		s.advance()
		return true
	}
	for {
		if !s.value(depth + 1) {
			return false
		}
		s.skipSpace()
		if s.eof {
			return false
		}
		switch s.c {
		case ',':
			s.advance()
			s.skipSpace()
		case ']':
			s.advance()
			return true
		default:
			return false
		}
	}
}

func (s *jsonScanner) literal(word string) bool {
	for i := 0; i < len(word); i++ {
		if s.eof || s.c != word[i] {
			return false
		}
		s.advance()
	}
	return true
}

func (s *jsonScanner) digits() int {
	n := 0
	for !s.eof && s.c >= '0' && s.c <= '9' {
		s.advance()
		n++
	}
	return n
}

func (s *jsonScanner) number() bool {
	if s.c == '-' {
		s.advance()
	}
	if s.eof {
		return false
	}
	if s.c == '0' {
		s.advance()
	} else if s.digits() == 0 {
		return false
	}
	if !s.eof && s.c == '.' {
		s.advance()
		if s.digits() == 0 {
			return false
		}
	}
	if !s.eof && (s.c == 'e' || s.c == 'E') {
		s.advance()
		if !s.eof && (s.c == '+' || s.c == '-') {
			s.advance()
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

// str parses a string at '"'. With cmp set it reports whether the string
// is exactly alg (written without escapes).
func (s *jsonScanner) str(cmp bool) (isAlg, ok bool) {
	const alg = "alg"
	s.advance() // '"'
	n, same := 0, cmp
	for {
		if s.eof {
			return false, false
		}
		c := s.c
		switch {
		case c == '"':
			s.advance()
			return same && n == len(alg), true
		case c < 0x20:
			return false, false
		case c == '\\':
			same = false
			s.advance()
			if s.eof {
				return false, false
			}
			switch s.c {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.advance()
			case 'u':
				s.advance()
				for k := 0; k < 4; k++ {
					if s.eof || !isHex(s.c) {
						return false, false
					}
					s.advance()
				}
			default:
				return false, false
			}
			continue
		}
		if same && (n >= len(alg) || c != alg[n]) {
			same = false
		}
		n++
		s.advance()
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// Examples returns true positives and near misses.
func (*JWT) Examples() []detectors.Example {
	// {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890","name":"John Doe","iat":1516239022} (RFC-style sample)
	const hs = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	// {"typ":"JWT","alg":"ES256","kid":"k1"} . {"iss":"https://issuer.example","exp":1900000000,"scope":["read","write"],"admin":false}
	const es = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiZXhwIjoxOTAwMDAwMDAwLCJzY29wZSI6WyJyZWFkIiwid3JpdGUiXSwiYWRtaW4iOmZhbHNlfQ.MEUCIQDx1mZl3gGq0Kp4M8RzV2bqP9yH6Qw4dJ1tLk0aXo5cPQIgT3c"
	return []detectors.Example{
		pos("secret.jwt", "Authorization: Bearer "+hs, hs),
		pos("secret.jwt", `{"id_token":"`+es+`"}`, es),
		pos("secret.jwt", "token="+hs+". Next sentence.", hs),
		// {"typ":"JWT"} has no alg.
		neg("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
		// Payload is not JSON ("hello world").
		neg("eyJhbGciOiJIUzI1NiJ9.aGVsbG8gd29ybGQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
		// Header is not valid JSON: {"alg":"HS256" (unterminated).
		neg("eyJhbGciOiJIUzI1NiI.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
		// Unsigned (alg none, empty signature).
		neg("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0."),
		// Only two segments.
		neg("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"),
		neg("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.<payload>.<signature>"),
	}
}
