package secrets

import (
	"hash/crc32"
	"math"
)

// entropy returns the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int32
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	h := 0.0
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFold reports whether b contains the lowercase ASCII word,
// ignoring ASCII case.
func containsFold(b []byte, word string) bool {
	n := len(word)
outer:
	for i := 0; i+n <= len(b); i++ {
		for j := 0; j < n; j++ {
			if lowerByte(b[i+j]) != word[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// hasPrefixFold reports whether b starts with the lowercase ASCII word,
// ignoring ASCII case.
func hasPrefixFold(b []byte, word string) bool {
	return len(b) >= len(word) && containsFold(b[:len(word)], word)
}

// placeholderWords mark documentation values and redacted templates.
var placeholderWords = []string{
	"example", "sample", "dummy", "placeholder", "redacted", "changeme",
	"your_", "your-", "yourkey", "yoursecret", "yourtoken", "insert_",
	"xxxxx", "*****", "....",
}

// longestRun returns the length of the longest run of equal bytes in b and
// the longest run of consecutive ascending or descending bytes (abcd, 4321)
// among ASCII letters and digits.
func longestRun(b []byte) (same, seq int) {
	same, seq = min(len(b), 1), min(len(b), 1)
	curSame, curUp, curDown := 1, 1, 1
	for i := 1; i < len(b); i++ {
		p, c := lowerByte(b[i-1]), lowerByte(b[i])
		if c == p {
			curSame++
		} else {
			curSame = 1
		}
		alnum := isAlnum(c) && isAlnum(p)
		if alnum && c == p+1 {
			curUp++
		} else {
			curUp = 1
		}
		if alnum && c+1 == p {
			curDown++
		} else {
			curDown = 1
		}
		same = max(same, curSame)
		seq = max(seq, curUp, curDown)
	}
	return same, seq
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// looksPlaceholder reports whether a token looks like a documentation
// example or template rather than a live credential: a placeholder word, a
// run of six or more equal characters, or a run of six or more consecutive
// ones (123456, abcdef). Random tokens contain these with negligible
// probability.
func looksPlaceholder(tok []byte) bool {
	for _, w := range placeholderWords {
		if containsFold(tok, w) {
			return true
		}
	}
	same, seq := longestRun(tok)
	return same >= 6 || seq >= 6
}

// base62 is the digit order of GitHub's token checksums.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// githubChecksumOK checks a GitHub token of the form "gh?_" + 30 base62
// characters + 6 base62 characters that encode, most significant digit
// first and zero-padded, the CRC-32 (IEEE) of those 30 characters. Source:
// GitHub Engineering blog, "Behind GitHub's new authentication token formats"
// (2021): a 30-character random part followed by a 6-character CRC32
// checksum in base62.
func githubChecksumOK(text []byte, s, e int) bool {
	tok := text[s:e]
	if len(tok) != 40 || tok[3] != '_' {
		return false
	}
	body, sum := tok[4:34], tok[34:]
	var want uint64
	for _, c := range sum {
		d := base62Digit(c)
		if d < 0 {
			return false
		}
		want = want*62 + uint64(d)
	}
	return want <= math.MaxUint32 && uint32(want) == crc32.ChecksumIEEE(body)
}

func base62Digit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// bech32 alphabet and checksum (BIP-173), used by age secret keys.
const bech32Chars = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Polymod(values func(yield func(byte) bool)) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for v := range values {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (b>>i)&1 != 0 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// bech32OK verifies the BIP-173 checksum of a bech32 string (either case,
// not mixed), whose human-readable part ends at the last '1'.
func bech32OK(tok []byte) bool {
	sep := -1
	upper, lower := false, false
	for i, c := range tok {
		if c == '1' {
			sep = i
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
		if c >= 'a' && c <= 'z' {
			lower = true
		}
	}
	if sep < 1 || len(tok)-sep-1 < 6 || upper && lower {
		return false
	}
	data := tok[sep+1:]
	for _, c := range data {
		if indexByte(bech32Chars, lowerByte(c)) < 0 {
			return false
		}
	}
	hrp := tok[:sep]
	seq := func(yield func(byte) bool) {
		for _, c := range hrp {
			if !yield(lowerByte(c) >> 5) {
				return
			}
		}
		if !yield(0) {
			return
		}
		for _, c := range hrp {
			if !yield(lowerByte(c) & 31) {
				return
			}
		}
		for _, c := range data {
			if !yield(byte(indexByte(bech32Chars, lowerByte(c)))) {
				return
			}
		}
	}
	return bech32Polymod(seq) == 1
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// base64Len returns the number of bytes standard base64 text (with
// padding) decodes to, or -1 if it is not well-formed.
func base64Len(b []byte) int {
	if len(b)%4 != 0 {
		return -1
	}
	pad := 0
	for i := len(b) - 1; i >= 0 && b[i] == '='; i-- {
		pad++
	}
	if pad > 2 {
		return -1
	}
	for _, c := range b[:len(b)-pad] {
		if !(isAlnum(c) || c == '+' || c == '/') {
			return -1
		}
	}
	return len(b)/4*3 - pad
}
