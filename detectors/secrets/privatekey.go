package secrets

import (
	"bytes"
	"math"

	"github.com/winnow-data/winnow/detectors"
)

// PrivateKey is the secrets.private_key detector: PEM private key blocks
// (RFC 7468 "-----BEGIN <label>-----" … "-----END <label>-----" with a
// label ending in PRIVATE KEY: PKCS#8, RSA, EC, DSA, ENCRYPTED, OPENSSH) and
// OpenPGP armored private key blocks (RFC 4880 §6.2, "PGP PRIVATE KEY
// BLOCK"). It reports the whole block, from BEGIN through the END line.
// Line breaks may be real or written as escape sequences (\n, \\n, \r\n),
// as in JSON or source code, and lines may be wrapped in quotes. A block
// whose END line is missing is reported up to the end of its base64 body,
// with lower confidence, if that body holds at least 256 base64 characters.
//
// The zero value is ready to use; it is immutable and safe for concurrent
// use.
type PrivateKey struct{}

var (
	_ detectors.Detector = (*PrivateKey)(nil)
	_ detectors.Windowed = (*PrivateKey)(nil)
	_ detectors.Exampler = (*PrivateKey)(nil)
)

// Limits of a PEM block.
const (
	pemMaxLabel    = 40
	pemMaxBlock    = 64 << 10 // bytes from BEGIN to END; 16384-bit RSA keys are ~13 KB
	pemMinB64      = 64       // base64 characters of a complete block
	pemMinB64Trunc = 256      // base64 characters of a block without END
	pemMaxHeaders  = 8
	pemMinEntropy  = 4.0 // bits per base64 character; random base64 is ~6
)

var privateKeyKinds = []detectors.Kind{
	kind("secret.private_key", "PEM, OpenSSH or PGP private key block", critical),
}

// ID returns "secrets.private_key".
func (*PrivateKey) ID() string { return "secrets.private_key" }

// Version changes whenever the detector's output can change.
func (*PrivateKey) Version() string { return "1" }

// Kinds returns secret.private_key.
func (*PrivateKey) Kinds() []detectors.Kind { return privateKeyKinds }

var privateKeyKeywords = []string{"-----begin"}

// Keywords returns the prefilter keyword "-----begin".
func (*PrivateKey) Keywords() []string { return privateKeyKeywords }

// Detect appends every private key block in text to dst. It does not retain
// text and is safe for concurrent use.
func (*PrivateKey) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	end := 0
	for off := 0; off < len(text); {
		i := bytes.Index(text[off:], []byte("-----BEGIN "))
		if i < 0 {
			break
		}
		p := off + i
		off = p + 1
		if p < end {
			continue
		}
		if e, conf, ok := parsePEM(text, p); ok {
			dst = append(dst, detectors.Match{Kind: "secret.private_key", Start: p, End: e, Confidence: conf})
			end = e
		}
	}
	return dst
}

// DetectHits is Detect restricted to the occurrences of "-----begin" in
// hits (see detectors.Windowed).
func (*PrivateKey) DetectHits(dst []detectors.Match, text []byte, hits []detectors.KeywordHit) []detectors.Match {
	end := 0
	for _, h := range hits {
		if h.Pos < end {
			continue
		}
		if e, conf, ok := parsePEM(text, h.Pos); ok {
			dst = append(dst, detectors.Match{Kind: "secret.private_key", Start: h.Pos, End: e, Confidence: conf})
			end = e
		}
	}
	return dst
}

func isB64(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '=' }

// pemLabelOK reports whether a BEGIN label names a private key.
func pemLabelOK(label []byte) bool {
	return bytes.HasSuffix(label, []byte("PRIVATE KEY")) || bytes.Equal(label, []byte("PGP PRIVATE KEY BLOCK"))
}

// newlineAt returns the length of a line break at text[i:]: a real \n or
// \r\n, or an escape sequence of one or more backslashes followed by n or r
// (then optionally another such escape, as in \r\n). It returns 0 if none.
func newlineAt(text []byte, i int) int {
	if i >= len(text) {
		return 0
	}
	switch text[i] {
	case '\n':
		return 1
	case '\r':
		if i+1 < len(text) && text[i+1] == '\n' {
			return 2
		}
		return 1
	case '\\':
		j := i
		for j < len(text) && text[j] == '\\' {
			j++
		}
		if j < len(text) && (text[j] == 'n' || text[j] == 'r') {
			return j + 1 - i
		}
	}
	return 0
}

// parsePEM parses a private key block starting at text[p]. It returns the
// end of the reported span and its confidence.
func parsePEM(text []byte, p int) (end int, conf float64, ok bool) {
	const begin = "-----BEGIN "
	if !bytes.HasPrefix(text[p:], []byte(begin)) {
		return 0, 0, false
	}
	i := p + len(begin)
	labelStart := i
	for i < len(text) && i-labelStart <= pemMaxLabel && (text[i] >= 'A' && text[i] <= 'Z' || text[i] >= '0' && text[i] <= '9' || text[i] == ' ') {
		i++
	}
	label := text[labelStart:i]
	if !bytes.HasPrefix(text[i:], []byte("-----")) || !pemLabelOK(label) {
		return 0, 0, false
	}
	i += 5
	limit := min(len(text), p+pemMaxBlock)
	var counts [256]int32
	b64, headers := 0, 0
	lastB64 := i
	lineStart := true
	for i < limit {
		c := text[i]
		if c == '-' && bytes.HasPrefix(text[i:], []byte("-----END ")) {
			j := i + len("-----END ")
			if bytes.HasPrefix(text[j:], label) && bytes.HasPrefix(text[j+len(label):], []byte("-----")) {
				if b64 >= pemMinB64 && b64Entropy(&counts, b64) >= pemMinEntropy {
					return j + len(label) + 5, 0.99, true
				}
				return 0, 0, false
			}
			break
		}
		if n := newlineAt(text, i); n > 0 {
			i += n
			lineStart = true
			continue
		}
		if lineStart {
			// A header line ("Proc-Type: 4,ENCRYPTED", "Version: GnuPG"):
			// a colon before the line ends.
			if h := headerLine(text, i, limit); h > 0 {
				headers++
				if headers > pemMaxHeaders {
					break
				}
				i = h
				continue
			}
		}
		switch {
		case isB64(c):
			counts[c]++
			b64++
			i++
			lastB64 = i
			lineStart = false
		case c == ' ' || c == '\t' || c == '"' || c == '\'':
			i++
		default:
			i = limit // anything else ends the body
		}
	}
	// No END line: a truncated block still leaks key material.
	if b64 >= pemMinB64Trunc && b64Entropy(&counts, b64) >= pemMinEntropy {
		return lastB64, 0.8, true
	}
	return 0, 0, false
}

// headerLine returns the index after a header line starting at i (the index
// of its line break), or 0 if the line has no colon within 128 bytes.
func headerLine(text []byte, i, limit int) int {
	colon := false
	for j := i; j < limit && j < i+128; j++ {
		if newlineAt(text, j) > 0 {
			if colon {
				return j
			}
			return 0
		}
		if text[j] == ':' {
			colon = true
		}
	}
	return 0
}

func b64Entropy(counts *[256]int32, n int) float64 {
	h := 0.0
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}

// Examples returns true positives and near misses.
func (*PrivateKey) Examples() []detectors.Example {
	return []detectors.Example{
		pos("secret.private_key", "key:\n"+testRSAKey+"\nend", testRSAKey),
		pos("secret.private_key", `{"private_key": "`+escapeNewlines(testPKCS8Key)+`\n"}`, escapeNewlines(testPKCS8Key)),
		pos("secret.private_key", testOpenSSHKey, testOpenSSHKey),
		pos("secret.private_key", testECKey, testECKey),
		pos("secret.private_key", testEncryptedKey, testEncryptedKey),
		pos("secret.private_key", testPGPKey, testPGPKey),
		neg("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"),
		neg("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----"),
		neg("-----BEGIN PRIVATE KEY-----\n<your private key here>\n-----END PRIVATE KEY-----"),
		neg("-----BEGIN PUBLIC KEY-----\n" + testPublicBody + "\n-----END PUBLIC KEY-----"),
		neg("-----BEGIN CERTIFICATE-----\n" + testPublicBody + "\n-----END CERTIFICATE-----"),
		neg("-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----"),
	}
}
