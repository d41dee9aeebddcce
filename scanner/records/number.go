package records

import (
	"math"
	"math/bits"
	"strconv"
)

// AppendDecimalWords appends the two's-complement integer held in w
// (little-endian 64-bit words, at most four) scaled by 10^-scale, as text
// that strconv.ParseFloat reads: "-12.345", "0.005", "1200" for a negative
// scale, or "12345e-400" when the scale is beyond ±100. w is overwritten.
// Readers use it for keep-policy scores of DECIMAL columns (ScalarReader).
// It is safe for concurrent use; dst and w belong to the caller.
func AppendDecimalWords(dst []byte, w []uint64, scale int) []byte {
	neg := int64(w[len(w)-1]) < 0
	if neg { // two's-complement negation
		carry := uint64(1)
		for i := range w {
			w[i], carry = bits.Add64(^w[i], 0, carry)
		}
	}
	// 2^256 has 78 decimal digits; 19-digit chunks fill at most 5.
	var digits [5 * 19]byte
	pos := len(digits)
	for {
		var rem uint64
		zero := true
		for i := len(w) - 1; i >= 0; i-- {
			w[i], rem = bits.Div64(rem, w[i], 1e19)
			if w[i] != 0 {
				zero = false
			}
		}
		for k := 0; k < 19; k++ {
			pos--
			digits[pos] = byte('0' + rem%10)
			rem /= 10
		}
		if zero {
			break
		}
	}
	for pos < len(digits)-1 && digits[pos] == '0' {
		pos++
	}
	s := digits[pos:]
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case scale < -100 || scale > 100:
		dst = append(dst, s...)
		dst = append(dst, 'e')
		return strconv.AppendInt(dst, int64(-scale), 10)
	case scale <= 0:
		dst = append(dst, s...)
		for ; scale < 0; scale++ {
			dst = append(dst, '0')
		}
		return dst
	case len(s) <= scale:
		dst = append(dst, '0', '.')
		for k := len(s); k < scale; k++ {
			dst = append(dst, '0')
		}
		return append(dst, s...)
	}
	dst = append(dst, s[:len(s)-scale]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-scale:]...)
}

// Float16 returns the value of an IEEE 754 half-precision number stored
// little-endian (Parquet's FLOAT16, Arrow's float16) as a float32; the
// conversion is exact.
func Float16(lo, hi byte) float32 {
	h := uint32(hi)<<8 | uint32(lo)
	sign := (h >> 15) << 31
	exp := (h >> 10) & 0x1f
	frac := h & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac * 2^-24
		f := float32(frac) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
