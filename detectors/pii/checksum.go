package pii

import (
	"crypto/sha256"
	"hash"
	"sync"

	"golang.org/x/crypto/sha3"
)

// The validators below take normalized ASCII input and never allocate.
// They return false, never panic, on malformed input.

// luhnValid reports whether the ASCII digits pass the Luhn check.
func luhnValid(digits []byte) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// luhnCheckDigit returns the digit that completes payload to a valid Luhn
// number (payload holds ASCII digits and has no check digit yet).
func luhnCheckDigit(payload []byte) byte {
	sum := 0
	double := true
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

// ibanMod97 returns the IBAN remainder of s (uppercase letters and digits,
// in IBAN order: country, check digits, BBAN) after the ISO 13616
// rearrangement; a valid IBAN gives 1. ok is false for any other byte.
func ibanMod97(s []byte) (rem int, ok bool) {
	if len(s) < 4 {
		return 0, false
	}
	rem = 0
	add := func(c byte) bool {
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range s[4:] {
		if !add(c) {
			return 0, false
		}
	}
	for _, c := range s[:4] {
		if !add(c) {
			return 0, false
		}
	}
	return rem, true
}

// Verhoeff tables (dihedral group D5).
var (
	verhoeffD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
		{5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
		{7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
		{4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
		{7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
	verhoeffInv = [10]byte{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}
)

// verhoeffValid reports whether the ASCII digits (check digit last) pass.
func verhoeffValid(digits []byte) bool {
	if len(digits) == 0 {
		return false
	}
	c := byte(0)
	for i := 0; i < len(digits); i++ {
		d := digits[len(digits)-1-i] - '0'
		if d > 9 {
			return false
		}
		c = verhoeffD[c][verhoeffP[i%8][d]]
	}
	return c == 0
}

// verhoeffCheckDigit returns the check digit for payload (ASCII digits).
func verhoeffCheckDigit(payload []byte) byte {
	c := byte(0)
	for i := 0; i < len(payload); i++ {
		d := payload[len(payload)-1-i] - '0'
		c = verhoeffD[c][verhoeffP[(i+1)%8][d%10]]
	}
	return '0' + verhoeffInv[c]
}

// gb11643CheckChar returns the ISO 7064 MOD 11-2 check character ('0'-'9'
// or 'X') of the first 17 digits of a Chinese resident ID.
func gb11643CheckChar(d17 []byte) (byte, bool) {
	if len(d17) != 17 {
		return 0, false
	}
	sum := 0
	w := 1
	// Weights are 2^(17-i) mod 11; compute from the right.
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11
		d := int(d17[i] - '0')
		if d < 0 || d > 9 {
			return 0, false
		}
		sum += d * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X', true
	}
	return byte('0' + v), true
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58Decode25 decodes s into exactly 25 bytes (a Bitcoin address
// payload). ok is false for a bad character or any other length.
func base58Decode25(s []byte) (out [25]byte, ok bool) {
	if len(s) == 0 || len(s) > 40 {
		return out, false
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// Big-endian base-256 accumulator; any overflow past 25 bytes fails.
	var acc [25]byte
	for _, c := range s {
		v := base58Index[c]
		if v < 0 {
			return out, false
		}
		carry := int(v)
		for i := len(acc) - 1; i >= 0; i-- {
			carry += int(acc[i]) * 58
			acc[i] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return out, false
		}
	}
	// The number of leading zero bytes must equal the number of leading '1's.
	lead := 0
	for lead < len(acc) && acc[lead] == 0 {
		lead++
	}
	if lead != zeros {
		return out, false
	}
	return acc, true
}

// base58CheckValid reports whether the 25-byte payload's last 4 bytes are
// the double-SHA256 checksum of the first 21.
func base58CheckValid(p [25]byte) bool {
	h1 := sha256.Sum256(p[:21])
	h2 := sha256.Sum256(h1[:])
	return h2[0] == p[21] && h2[1] == p[22] && h2[2] == p[23] && h2[3] == p[24]
}

// base58Encode appends the base58 encoding of b to dst.
func base58Encode(dst []byte, b []byte) []byte {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	var buf [64]byte // enough for 40 input bytes
	n := 0
	for _, x := range b[zeros:] {
		carry := int(x)
		for i := 0; i < n; i++ {
			carry += int(buf[i]) << 8
			buf[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			buf[n] = byte(carry % 58)
			n++
			carry /= 58
		}
	}
	for i := 0; i < zeros; i++ {
		dst = append(dst, '1')
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, base58Alphabet[buf[i]])
	}
	return dst
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

var bech32Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(bech32Charset); i++ {
		t[bech32Charset[i]] = int8(i)
		t[bech32Charset[i]-32*boolByte(bech32Charset[i] >= 'a')] = int8(i)
	}
	return t
}()

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

const (
	bech32Const  = 1
	bech32mConst = 0x2bc830a3
)

// bech32Polymod computes the BIP 173 checksum polynomial over values.
func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// bech32HRP is the expanded human-readable part "bc" of mainnet addresses.
var bech32HRP = [5]byte{'b' >> 5, 'c' >> 5, 0, 'b' & 31, 'c' & 31}

// segwitValid reports whether s is a valid mainnet SegWit address
// (BIP 173 / BIP 350): hrp "bc", a single case, a correct bech32 checksum
// for witness version 0 or bech32m for versions 1-16, and a program of a
// valid length.
func segwitValid(s []byte) bool {
	if len(s) < 14 || len(s) > 90 {
		return false
	}
	lower, upper := false, false
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		}
	}
	if lower && upper {
		return false
	}
	if lowerASCII(s[0]) != 'b' || lowerASCII(s[1]) != 'c' || s[2] != '1' {
		return false
	}
	data := s[3:]
	var buf [len(bech32HRP) + 90]byte
	vals := append(buf[:0], bech32HRP[:]...)
	for _, c := range data {
		v := bech32Index[c]
		if v < 0 {
			return false
		}
		vals = append(vals, byte(v))
	}
	pm := bech32Polymod(vals)
	vals = vals[len(bech32HRP):]
	ver := vals[0]
	switch {
	case ver > 16:
		return false
	case ver == 0 && pm != bech32Const:
		return false
	case ver > 0 && pm != bech32mConst:
		return false
	}
	// Convert the program (after the version, before the 6 checksum
	// values) from 5-bit to 8-bit groups.
	prog := vals[1 : len(vals)-6]
	acc, bits, n := uint32(0), uint(0), 0
	for _, v := range prog {
		acc = (acc<<5 | uint32(v)) & 0xfff
		bits += 5
		if bits >= 8 {
			bits -= 8
			n++
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return false
	}
	if n < 2 || n > 40 {
		return false
	}
	if ver == 0 && n != 20 && n != 32 {
		return false
	}
	return true
}

// bech32Checksum returns the 6 checksum values for hrp "bc" and data.
func bech32Checksum(data []byte, constant uint32) [6]byte {
	var buf [len(bech32HRP) + 96]byte
	vals := append(buf[:0], bech32HRP[:]...)
	vals = append(vals, data...)
	vals = append(vals, 0, 0, 0, 0, 0, 0)
	pm := bech32Polymod(vals) ^ constant
	var out [6]byte
	for i := 0; i < 6; i++ {
		out[i] = byte(pm>>(5*(5-i))) & 31
	}
	return out
}

var keccakPool = sync.Pool{New: func() any { return sha3.NewLegacyKeccak256() }}

// keccak256 returns the legacy Keccak-256 digest of b (Ethereum's hash).
func keccak256(b []byte) (out [32]byte) {
	h := keccakPool.Get().(hash.Hash)
	h.Reset()
	h.Write(b)
	h.Sum(out[:0])
	keccakPool.Put(h)
	return out
}

// eip55Valid reports whether the 40 hex characters follow the EIP-55
// mixed-case checksum.
func eip55Valid(hex40 []byte) bool {
	if len(hex40) != 40 {
		return false
	}
	var lower [40]byte
	for i, c := range hex40 {
		if !is(c, cHex) {
			return false
		}
		lower[i] = lowerASCII(c)
	}
	h := keccak256(lower[:])
	for i, c := range hex40 {
		if c >= '0' && c <= '9' {
			continue
		}
		nib := h[i/2]
		if i%2 == 0 {
			nib >>= 4
		}
		upper := nib&0xf >= 8
		if upper != (c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// eip55Case rewrites 40 lowercase hex characters in place into their EIP-55
// mixed-case form.
func eip55Case(hex40 []byte) {
	h := keccak256(hex40)
	for i, c := range hex40 {
		if c < 'a' {
			continue
		}
		nib := h[i/2]
		if i%2 == 0 {
			nib >>= 4
		}
		if nib&0xf >= 8 {
			hex40[i] = c - 32
		}
	}
}
