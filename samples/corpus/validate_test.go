package corpus

// Independent validators for the planted values. They are written from the
// specifications, not by calling the generator's helpers, so a bug in a
// generator's checksum code is caught here.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"hash/crc32"
	"math/big"
	"strings"
	"testing"
	"unicode"
)

// normalizeDigits maps full-width, Arabic-Indic and Devanagari digits and
// full-width letters/punctuation to ASCII.
func normalizeDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '０' && c <= '９':
			b.WriteRune('0' + c - '０')
		case c >= '\uFF01' && c <= '\uFF5E':
			b.WriteRune(c - 0xFEE0)
		case c >= '٠' && c <= '٩':
			b.WriteRune('0' + c - '٠')
		case c >= '०' && c <= '९':
			b.WriteRune('0' + c - '०')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// validLuhn reports whether the digit string passes the Luhn check.
func validLuhn(d string) bool {
	if len(d) < 2 {
		return false
	}
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// cardBrandOK checks the IIN range and length of a card number.
func cardBrandOK(d string) bool {
	p2 := atoiPrefix(d, 2)
	p4 := atoiPrefix(d, 4)
	switch {
	case d[0] == '4':
		return len(d) == 16
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return len(d) == 16
	case p2 == 34 || p2 == 37:
		return len(d) == 15
	case strings.HasPrefix(d, "6011"), p2 == 62:
		return len(d) == 16
	case p4 >= 3528 && p4 <= 3589:
		return len(d) == 16
	}
	return false
}

func atoiPrefix(s string, n int) int {
	v := 0
	for i := 0; i < n && i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

var ibanLengths = map[string]int{"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "BE": 16}

// validIBAN checks the length for the country and the ISO 7064 mod-97 rule.
func validIBAN(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 5 || ibanLengths[s[:2]] != len(s) {
		return false
	}
	r := s[4:] + s[:4]
	var num strings.Builder
	for _, c := range r {
		switch {
		case c >= '0' && c <= '9':
			num.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			num.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(num.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// validSSN checks area, group and serial ranges.
func validSSN(s string) bool {
	d := onlyDigits(s)
	if len(d) != 9 {
		return false
	}
	area, group, serial := atoiPrefix(d, 3), atoiPrefix(d[3:], 2), atoiPrefix(d[5:], 4)
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

var gbWeights = []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// validCNID checks the GB 11643 check character and the birth date.
func validCNID(s string) bool {
	s = strings.ToUpper(s)
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += int(s[i]-'0') * gbWeights[i]
	}
	want := "10X98765432"[sum%11]
	y, m, d := atoiPrefix(s[6:], 4), atoiPrefix(s[10:], 2), atoiPrefix(s[12:], 2)
	return s[17] == want && y >= 1900 && y <= 2025 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && s[0] >= '1'
}

// validCNMobile checks an 11-digit number starting 1[3-9].
func validCNMobile(s string) bool {
	d := onlyDigits(s)
	d = strings.TrimPrefix(d, "86")
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// validNINO checks the UK National Insurance number format rules.
func validNINO(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) != 9 {
		return false
	}
	a, b := s[0], s[1]
	if strings.ContainsRune("DFIQUV", rune(a)) || strings.ContainsRune("DFIOQUV", rune(b)) {
		return false
	}
	switch s[:2] {
	case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
		return false
	}
	return onlyDigits(s[2:8]) == s[2:8] && strings.ContainsRune("ABCD", rune(s[8]))
}

var (
	vD = [10][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	vP = [8][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// validVerhoeff checks a number including its Verhoeff check digit.
func validVerhoeff(d string) bool {
	c := 0
	for i := 0; i < len(d); i++ {
		c = vD[c][vP[i%8][d[len(d)-1-i]-'0']]
	}
	return c == 0
}

func validAadhaar(s string) bool {
	d := onlyDigits(s)
	return len(d) == 12 && d[0] >= '2' && validVerhoeff(d)
}

const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// validBase58Check decodes s and checks the double-SHA-256 checksum.
func validBase58Check(s string) bool {
	n := new(big.Int)
	for _, c := range s {
		i := strings.IndexRune(b58, c)
		if i < 0 {
			return false
		}
		n.Mul(n, big.NewInt(58))
		n.Add(n, big.NewInt(int64(i)))
	}
	raw := n.Bytes()
	for _, c := range s {
		if c != '1' {
			break
		}
		raw = append([]byte{0}, raw...)
	}
	if len(raw) != 25 || (raw[0] != 0 && raw[0] != 5) {
		return false
	}
	h := sha256.Sum256(raw[:21])
	h = sha256.Sum256(h[:])
	return string(h[:4]) == string(raw[21:])
}

// validBech32 checks a segwit address: bech32 for v0, bech32m for v1+.
func validBech32(s string) bool {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	i := strings.LastIndexByte(s, '1')
	if i < 1 || len(s)-i < 8 {
		return false
	}
	hrp := s[:i]
	var vals []byte
	for j := 0; j < len(hrp); j++ {
		vals = append(vals, hrp[j]>>5)
	}
	vals = append(vals, 0)
	for j := 0; j < len(hrp); j++ {
		vals = append(vals, hrp[j]&31)
	}
	var data []byte
	for _, c := range s[i+1:] {
		k := strings.IndexRune(charset, c)
		if k < 0 {
			return false
		}
		data = append(data, byte(k))
	}
	vals = append(vals, data...)
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range vals {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for k := 0; k < 5; k++ {
			if top>>k&1 == 1 {
				chk ^= gen[k]
			}
		}
	}
	want := uint32(1)
	if data[0] > 0 {
		want = 0x2bc830a3
	}
	return chk == want
}

// validEIP55 checks the mixed-case checksum of an Ethereum address.
func validEIP55(s string) bool {
	if len(s) != 42 || !strings.HasPrefix(s, "0x") {
		return false
	}
	body := s[2:]
	h := keccak256([]byte(strings.ToLower(body)))
	for i, c := range body {
		nib := h[i/2] >> 4
		if i%2 == 1 {
			nib = h[i/2] & 0xf
		}
		switch {
		case c >= 'a' && c <= 'f':
			if nib >= 8 {
				return false
			}
		case c >= 'A' && c <= 'F':
			if nib < 8 {
				return false
			}
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return true
}

func validWallet(s string) bool {
	switch {
	case strings.HasPrefix(s, "bc1"):
		return validBech32(s)
	case strings.HasPrefix(s, "0x"):
		return validEIP55(s)
	default:
		return validBase58Check(s)
	}
}

// validGitHubClassic checks the CRC-32 suffix of a ghp_/gho_/ghs_ token.
func validGitHubClassic(s string) bool {
	_, body, ok := strings.Cut(s, "_")
	if !ok || len(body) != 36 {
		return false
	}
	want := crc32.ChecksumIEEE([]byte(body[:30]))
	var got uint64
	for _, c := range body[30:] {
		i := strings.IndexRune(base62, c)
		if i < 0 {
			return false
		}
		got = got*62 + uint64(i)
	}
	return got == uint64(want)
}

// validJWT checks the three base64url parts and the JSON header.
func validJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h map[string]string
	if json.Unmarshal(hdr, &h) != nil || h["alg"] != "HS256" || h["typ"] != "JWT" {
		return false
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !json.Valid(body) {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	return err == nil && len(sig) == 32
}

func validIPv4Public(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	var o [4]int
	for i, p := range parts {
		if p == "" || len(p) > 3 || onlyDigits(p) != p {
			return false
		}
		o[i] = atoiPrefix(p, 3)
		if o[i] > 255 {
			return false
		}
	}
	private := o[0] == 10 || o[0] == 127 || o[0] == 0 || o[0] >= 224 ||
		o[0] == 172 && o[1] >= 16 && o[1] <= 31 || o[0] == 192 && o[1] == 168 ||
		o[0] == 169 && o[1] == 254 || o[0] == 100 && o[1] >= 64 && o[1] <= 127
	return !private
}

func isBidiControl(c rune) bool {
	return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069
}

func isInvisible(c rune) bool {
	switch c {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E:
		return true
	}
	return false
}

func isTagChar(c rune) bool { return c >= 0xE0000 && c <= 0xE007F }

// mixedScript reports whether a word mixes Latin with Cyrillic or Greek.
func mixedScript(s string) bool {
	latin, other := false, false
	for _, c := range s {
		switch {
		case unicode.Is(unicode.Latin, c):
			latin = true
		case unicode.Is(unicode.Cyrillic, c), unicode.Is(unicode.Greek, c):
			other = true
		}
	}
	return latin && other
}

// TestValidatorsOnKnownVectors pins the test validators to published
// examples, so that they are not merely consistent with the generators.
func TestValidatorsOnKnownVectors(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"luhn visa test number", func(s string) bool { return validLuhn(onlyDigits(s)) }, "4111 1111 1111 1111", true},
		{"luhn wiki example", validLuhn, "79927398713", true},
		{"luhn off by one", validLuhn, "79927398710", false},
		{"iban gb example", validIBAN, "GB82 WEST 1234 5698 7654 32", true},
		{"iban de example", validIBAN, "DE89370400440532013000", true},
		{"iban bad digits", validIBAN, "DE88370400440532013000", false},
		{"gb11643 example", validCNID, "11010519491231002X", true},
		{"gb11643 wrong check", validCNID, "110105194912310021", false},
		{"verhoeff 2363", validVerhoeff, "2363", true},
		{"verhoeff 2364", validVerhoeff, "2364", false},
		{"base58check genesis", validBase58Check, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", true},
		{"base58check altered", validBase58Check, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", false},
		{"bech32 bip173", validBech32, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", true},
		{"bech32m bip350", validBech32, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", true},
		{"bech32 altered", validBech32, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", false},
		{"eip55 example", validEIP55, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", true},
		{"eip55 wrong case", validEIP55, "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed", false},
		{"nino hmrc example prefix", validNINO, "QQ123456C", false},
		{"nino valid", validNINO, "AB 12 34 56 C", true},
		{"ssn area 666", validSSN, "666-12-3456", false},
		{"ssn ok", validSSN, "123-45-6789", true},
		{"ipv4 private", validIPv4Public, "192.168.1.20", false},
		{"ipv4 public", validIPv4Public, "81.2.69.160", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if h := keccak256(nil); strings.ToLower(string(hexEncode(h[:]))) != "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" {
		t.Errorf("keccak256(\"\") = %x", h)
	}
}

func hexEncode(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, hexLower[c>>4], hexLower[c&15])
	}
	return out
}

// TestNegativesFailValidation checks that look-alike generators really
// produce values that fail the corresponding checks.
func TestNegativesFailValidation(t *testing.T) {
	for i := 0; i < 200; i++ {
		r := newRNG(7, 0, uint64(i))
		if v := r.luhnInvalid16(); validLuhn(onlyDigits(v)) {
			t.Fatalf("luhnInvalid16 %q passes Luhn", v)
		}
		if v := r.badIBAN(); validIBAN(v) {
			t.Fatalf("badIBAN %q passes mod-97", v)
		}
		if v := r.aadhaarInvalid(); validAadhaar(v) {
			t.Fatalf("aadhaarInvalid %q passes Verhoeff", v)
		}
		if v := r.cnIDInvalid(); validCNID(v) {
			t.Fatalf("cnIDInvalid %q passes GB 11643", v)
		}
		if v := r.invalidSSN(); validSSN(v) {
			t.Fatalf("invalidSSN %q is a valid SSN", v)
		}
		if v := r.luhnInvalid("3" + r.digits(18)); validLuhn(v) {
			t.Fatalf("luhnInvalid %q passes Luhn", v)
		}
		if v := r.privateIPv4(); validIPv4Public(v) {
			t.Fatalf("privateIPv4 %q is public", v)
		}
	}
}
