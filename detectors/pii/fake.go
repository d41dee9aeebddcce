package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strings"
	"sync"
	"unicode/utf8"
)

// Fake appends to dst a keyed, format-preserving surrogate for value, a
// span of the given pii kind, and returns the extended slice. The surrogate
// is a pure function of (kind, value, key): the same value and key give the
// same fake in every record, file and shard, and nothing about value can be
// learned from it without the key (HMAC-SHA256 keyed by key). Formats are
// kept so that downstream parsers and models see realistic data:
//
//   - pii.credit_card: same length, separators and brand prefix; Luhn valid.
//   - pii.email: a keyed local part of the same length at example.com,
//     example.org or example.net.
//   - pii.ip_address: an address in a documentation range (192.0.2.0/24,
//     198.51.100.0/24, 203.0.113.0/24; 2001:db8::/32 for IPv6).
//   - pii.phone: the "+country code" (if any), a trunk 0, the first
//     national digit and every non-digit kept, the other digits keyed;
//     numbers valid in their numbering plan are preferred.
//   - pii.iban: same country, length and grouping; mod-97 valid.
//   - pii.cn_resident_id: same province, keyed date and sequence; GB 11643
//     check character valid.
//   - pii.in_aadhaar: same grouping, first digit 2-9; Verhoeff valid.
//   - pii.us_ssn, pii.cn_mobile, pii.uk_nino, pii.mac_address,
//     pii.crypto_wallet, pii.url_credentials: same layout with keyed
//     content that still passes the kind's own checks (valid SSN area,
//     operator prefix, NINO prefix, unicast MAC, wallet checksums).
//   - any other kind: "[<kind>:<16 hex digits>]".
//
// Unicode digits in value come out as ASCII digits. Values that do not
// parse as their kind fall back to replacing each letter and digit in
// place. Fake never panics. dst and value are owned by the caller; value is
// not retained. Fake is safe for concurrent use.
func Fake(dst []byte, kind string, value []byte, key []byte) []byte {
	s := newKeyStream(key, kind, value)
	switch kind {
	case KindCreditCard:
		return fakeCard(dst, value, s)
	case KindEmail:
		return fakeEmail(dst, value, s)
	case KindIPAddress:
		return fakeIP(dst, value, s)
	case KindPhone:
		return fakePhone(dst, value, s)
	case KindIBAN:
		return fakeIBAN(dst, value, s)
	case KindCNResidentID:
		return fakeCNID(dst, value, s)
	case KindINAadhaar:
		return fakeAadhaar(dst, value, s)
	case KindUSSSN:
		return fakeSSN(dst, value, s)
	case KindCNMobile:
		return fakeCNMobile(dst, value, s)
	case KindUKNINO:
		return fakeNINO(dst, value, s)
	case KindMACAddress:
		return fakeMAC(dst, value, s)
	case KindCryptoWallet:
		return fakeWallet(dst, value, s)
	case KindURLCredentials:
		return fakeShape(dst, value, s)
	}
	dst = append(dst, '[')
	dst = append(dst, kind...)
	dst = append(dst, ':')
	var tag [8]byte
	s.read(tag[:])
	dst = hex.AppendEncode(dst, tag[:])
	return append(dst, ']')
}

// keyStream is an HMAC-SHA256 based stream of keyed pseudo-random bytes:
// block i is HMAC(key, kind 0x00 value 0x00 i).
type keyStream struct {
	mac   []byte // HMAC(key, kind || 0 || value): the stream's seed
	key   []byte
	buf   [32]byte
	off   int
	block uint32
}

func newKeyStream(key []byte, kind string, value []byte) *keyStream {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(value)
	return &keyStream{mac: h.Sum(nil), key: key, off: len(keyStream{}.buf)}
}

func (s *keyStream) read(p []byte) {
	for i := range p {
		if s.off == len(s.buf) {
			h := hmac.New(sha256.New, s.key)
			h.Write(s.mac)
			var n [4]byte
			binary.BigEndian.PutUint32(n[:], s.block)
			h.Write(n[:])
			h.Sum(s.buf[:0])
			s.block++
			s.off = 0
		}
		p[i] = s.buf[s.off]
		s.off++
	}
}

// intn returns a keyed number in [0, n) (n > 0; bias below 2^-40).
func (s *keyStream) intn(n int) int {
	var b [8]byte
	s.read(b[:])
	return int(binary.BigEndian.Uint64(b[:]) % uint64(n))
}

func (s *keyStream) digit() byte { return byte('0' + s.intn(10)) }

// digitsOf returns the normalized digits of value and, for each, the byte
// offset where it starts (ASCII and supported Unicode digit forms).
func digitsOf(value []byte) (digits []byte, at []int) {
	for i := 0; i < len(value); {
		if v, sz := digitAt(value, i); sz > 0 {
			digits = append(digits, byte('0'+v))
			at = append(at, i)
			i += sz
			continue
		}
		i++
	}
	return digits, at
}

// relayout writes newDigits into the layout of value: every digit of value
// (ASCII or Unicode) is replaced, in order, by the next new digit; every
// other byte is copied.
func relayout(dst, value, newDigits []byte) []byte {
	k := 0
	for i := 0; i < len(value); {
		if _, sz := digitAt(value, i); sz > 0 && k < len(newDigits) {
			dst = append(dst, newDigits[k])
			k++
			i += sz
			continue
		}
		dst = append(dst, value[i])
		i++
	}
	return dst
}

// fakeShape replaces letters by keyed letters of the same case and digits
// by keyed digits, keeping everything else; the fallback for values that
// do not parse as their kind.
func fakeShape(dst, value []byte, s *keyStream) []byte {
	for i := 0; i < len(value); {
		c := value[i]
		switch {
		case c >= 'a' && c <= 'z':
			dst = append(dst, byte('a'+s.intn(26)))
		case c >= 'A' && c <= 'Z':
			dst = append(dst, byte('A'+s.intn(26)))
		case c >= '0' && c <= '9':
			dst = append(dst, s.digit())
		default:
			if _, sz := digitAt(value, i); sz > 0 {
				dst = append(dst, s.digit())
				i += sz
				continue
			}
			if c >= utf8.RuneSelf {
				// Other non-ASCII letters become ASCII letters.
				_, sz := utf8.DecodeRune(value[i:])
				dst = append(dst, byte('a'+s.intn(26)))
				i += sz
				continue
			}
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

func fakeCard(dst, value []byte, s *keyStream) []byte {
	d, _ := digitsOf(value)
	keep, ok := 0, len(d) >= 12
	if ok {
		keep, ok = cardBrand(d)
	}
	if !ok {
		keep = min(1, len(d))
	}
	if len(d) < 2 {
		return fakeShape(dst, value, s)
	}
	nd := make([]byte, len(d))
	copy(nd, d[:keep])
	for i := keep; i < len(d)-1; i++ {
		nd[i] = s.digit()
	}
	nd[len(d)-1] = luhnCheckDigit(nd[:len(d)-1])
	return relayout(dst, value, nd)
}

var fakeEmailDomains = [...]string{"example.com", "example.org", "example.net"}

func fakeEmail(dst, value []byte, s *keyStream) []byte {
	at := strings.LastIndexByte(string(value), '@')
	n := utf8.RuneCount(value[:max(at, 0)])
	n = min(max(n, 3), 64)
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	dst = append(dst, byte('a'+s.intn(26)))
	for i := 1; i < n; i++ {
		dst = append(dst, alnum[s.intn(len(alnum))])
	}
	dst = append(dst, '@')
	return append(dst, fakeEmailDomains[s.intn(len(fakeEmailDomains))]...)
}

var fakeV4Nets = [...][3]byte{{192, 0, 2}, {198, 51, 100}, {203, 0, 113}}

func fakeIP(dst, value []byte, s *keyStream) []byte {
	v6 := strings.IndexByte(string(value), ':') >= 0
	if !v6 {
		n := fakeV4Nets[s.intn(len(fakeV4Nets))]
		a := netip.AddrFrom4([4]byte{n[0], n[1], n[2], byte(1 + s.intn(254))})
		return a.AppendTo(dst)
	}
	var b [16]byte
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	s.read(b[4:])
	return netip.AddrFrom16(b).AppendTo(dst)
}

func fakePhone(dst, value []byte, s *keyStream) []byte {
	d, _ := digitsOf(value)
	if len(d) == 0 {
		return fakeShape(dst, value, s)
	}
	intl := strings.IndexByte(string(value), '+') >= 0
	keep := 0
	if intl {
		keep = callingCodeLen(d)
	}
	// Keep the calling code, a trunk '0' and the first digit after it
	// (so the number stays in a plausible range), and key the rest. Try a
	// few times for a number that is valid in its numbering plan.
	if keep < len(d) && d[keep] == '0' {
		keep++
	}
	keep = min(keep+1, len(d))
	plan := fakePhonePlan()
	nd := make([]byte, len(d))
	copy(nd, d[:keep])
	for try := 0; try < 32; try++ {
		for i := keep; i < len(d); i++ {
			nd[i] = s.digit()
		}
		if plan.fakeValid(nd, intl) {
			break
		}
	}
	return relayout(dst, value, nd)
}

// fakePhonePlan is the numbering plan Fake checks its phone numbers
// against: built once, on first use, and only read afterwards.
var fakePhonePlan = sync.OnceValue(func() *phonePlan { return newPhonePlan(DefaultOptions().PhoneRegions) })

// fakeValid reports whether digits ("+"-less) form a valid number:
// international when intl, else national in one of the plan's regions.
func (p *phonePlan) fakeValid(digits []byte, intl bool) bool {
	if intl {
		l := callingCodeLen(digits)
		if l == 0 {
			return false
		}
		cp := p.cc[num(digits[:l])]
		return cp != nil && cp.validIntl(digits[l:])
	}
	for _, r := range p.national {
		cp := p.cc[r.cc]
		switch {
		case r.cc == nanpCallingCode && len(digits) == 10:
			if cp.validIntl(digits) {
				return true
			}
		case r.cc == nanpCallingCode && len(digits) == 11 && digits[0] == '1':
			if cp.validIntl(digits[1:]) {
				return true
			}
		case r.prefix != "" && strings.HasPrefix(string(digits), r.prefix):
			if cp.validFor(r.region, digits) {
				return true
			}
		}
	}
	return false
}

// callingCodeLen returns the length of the ITU calling code that starts d
// (calling codes are prefix-free), or 0.
func callingCodeLen(d []byte) int {
	if len(d) == 0 || d[0] == '0' {
		return 0
	}
	supported := callingCodes()
	for l := 1; l <= 3 && l < len(d); l++ {
		if supported[num(d[:l])] {
			return l
		}
	}
	return 0
}

func fakeIBAN(dst, value []byte, s *keyStream) []byte {
	var chars []byte
	for _, c := range value {
		if c != ' ' {
			chars = append(chars, c)
		}
	}
	if len(chars) < 5 || !is(chars[0], cUpper) || !is(chars[1], cUpper) {
		return fakeShape(dst, value, s)
	}
	out := make([]byte, len(chars))
	copy(out, chars[:2])
	out[2], out[3] = '0', '0'
	for i := 4; i < len(chars); i++ {
		switch c := chars[i]; {
		case c >= 'A' && c <= 'Z':
			out[i] = byte('A' + s.intn(26))
		case c >= 'a' && c <= 'z':
			out[i] = byte('A' + s.intn(26))
		default:
			out[i] = s.digit()
		}
	}
	rem, ok := ibanMod97(out)
	if !ok {
		return fakeShape(dst, value, s)
	}
	check := 98 - rem
	out[2], out[3] = byte('0'+check/10), byte('0'+check%10)
	k := 0
	for _, c := range value {
		if c == ' ' {
			dst = append(dst, ' ')
			continue
		}
		dst = append(dst, out[k])
		k++
	}
	return dst
}

func fakeCNID(dst, value []byte, s *keyStream) []byte {
	d, _ := digitsOf(value)
	if len(d) < 17 || !cnProvinces[int(d[0]-'0')*10+int(d[1]-'0')] {
		return fakeShape(dst, value, s)
	}
	var id [18]byte
	copy(id[:2], d[:2])
	for i := 2; i < 6; i++ {
		id[i] = s.digit()
	}
	y, m := 1950+s.intn(56), 1+s.intn(12)
	day := 1 + s.intn(28)
	date := [8]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10),
		byte('0' + m/10), byte('0' + m%10), byte('0' + day/10), byte('0' + day%10),
	}
	copy(id[6:14], date[:])
	for i := 14; i < 17; i++ {
		id[i] = s.digit()
	}
	id[17], _ = gb11643CheckChar(id[:17])
	// IDs have no separators: 18 ASCII characters, check character last.
	return append(dst, id[:]...)
}

func fakeAadhaar(dst, value []byte, s *keyStream) []byte {
	d, _ := digitsOf(value)
	if len(d) != 12 {
		return fakeShape(dst, value, s)
	}
	nd := make([]byte, 12)
	nd[0] = byte('2' + s.intn(8))
	for i := 1; i < 11; i++ {
		nd[i] = s.digit()
	}
	nd[11] = verhoeffCheckDigit(nd[:11])
	return relayout(dst, value, nd)
}

func fakeSSN(dst, value []byte, s *keyStream) []byte {
	d, _ := digitsOf(value)
	if len(d) != 9 {
		return fakeShape(dst, value, s)
	}
	nd := make([]byte, 9)
	for {
		for i := range nd {
			nd[i] = s.digit()
		}
		if ssnValid(nd) {
			break
		}
	}
	return relayout(dst, value, nd)
}

func fakeCNMobile(dst, value []byte, s *keyStream) []byte {
	d, _ := digitsOf(value)
	if len(d) < 11 {
		return fakeShape(dst, value, s)
	}
	nd := make([]byte, len(d))
	keep := len(d) - 8 // the country code (if any) and the operator prefix
	copy(nd, d[:keep])
	for i := keep; i < len(d); i++ {
		nd[i] = s.digit()
	}
	return relayout(dst, value, nd)
}

func fakeNINO(dst, value []byte, s *keyStream) []byte {
	const letters = "ABCEGHJKLMNPRSTWXYZ" // allowed as first and second letter
	var a, b byte
	for {
		a, b = letters[s.intn(len(letters))], letters[s.intn(len(letters))]
		if ninoPrefixValid(a, b) {
			break
		}
	}
	letter := 0
	var out []byte
	for _, c := range value {
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			switch letter {
			case 0:
				out = append(out, a)
			case 1:
				out = append(out, b)
			default:
				out = append(out, byte('A'+s.intn(4)))
			}
			letter++
		case c >= '0' && c <= '9':
			out = append(out, s.digit())
		default:
			out = append(out, c)
		}
	}
	return append(dst, out...)
}

func fakeMAC(dst, value []byte, s *keyStream) []byte {
	upper := strings.ContainsAny(string(value), "ABCDEF")
	const lowerHex, upperHex = "0123456789abcdef", "0123456789ABCDEF"
	hexd := lowerHex
	if upper {
		hexd = upperHex
	}
	first := true
	nib := 0
	for _, c := range value {
		if !is(c, cHex) {
			dst = append(dst, c)
			continue
		}
		v := s.intn(16)
		if nib == 1 && first {
			v = v&^3 | 2 // locally administered, unicast
			first = false
		}
		nib++
		dst = append(dst, hexd[v])
	}
	return dst
}

func fakeWallet(dst, value []byte, s *keyStream) []byte {
	switch {
	case len(value) == 42 && value[0] == '0' && value[1] == 'x':
		var raw [20]byte
		s.read(raw[:])
		h := hex.AppendEncode(nil, raw[:])
		if conf, ok := ethConfidence(value[2:]); ok && conf > 0.9 {
			eip55Case(h)
		}
		dst = append(dst, "0x"...)
		return append(dst, h...)
	case len(value) >= 14 && (value[0] == 'b' || value[0] == 'B') && segwitValid(value):
		return fakeSegwit(dst, value, s)
	case len(value) > 0 && (value[0] == '1' || value[0] == '3'):
		var p [25]byte
		if value[0] == '3' {
			p[0] = 0x05
		}
		s.read(p[1:21])
		h1 := sha256.Sum256(p[:21])
		h2 := sha256.Sum256(h1[:])
		copy(p[21:], h2[:4])
		return base58Encode(dst, p[:])
	}
	return fakeShape(dst, value, s)
}

// fakeSegwit keeps the witness version, program length and case of a
// bech32/bech32m address and keys the program.
func fakeSegwit(dst, value []byte, s *keyStream) []byte {
	upper := value[0] == 'B'
	data := value[3:]
	ver := bech32Index[data[0]]
	nprog := len(data) - 7 // 5-bit program values
	vals := make([]byte, 0, 1+nprog)
	vals = append(vals, byte(ver))
	// Key whole bytes and regroup them into 5-bit values with zero padding,
	// as a real encoder would.
	nbytes := nprog * 5 / 8
	raw := make([]byte, nbytes)
	s.read(raw)
	acc, bits := uint32(0), uint(0)
	for _, b := range raw {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			vals = append(vals, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		vals = append(vals, byte(acc<<(5-bits))&31)
	}
	constant := uint32(bech32Const)
	if ver > 0 {
		constant = bech32mConst
	}
	sum := bech32Checksum(vals, constant)
	out := append([]byte("bc1"), nil...)
	for _, v := range vals {
		out = append(out, bech32Charset[v])
	}
	for _, v := range sum {
		out = append(out, bech32Charset[v])
	}
	if upper {
		for i, c := range out {
			if c >= 'a' && c <= 'z' {
				out[i] = c - 32
			}
		}
	}
	return append(dst, out...)
}
