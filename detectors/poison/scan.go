package poison

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"

	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

const (
	hiBits = 0x8080808080808080 // the high bit of every byte
	lsb8   = 0x0101010101010101 // the low bit of every byte
)

// isASCII reports whether b holds only bytes below 0x80, testing 32 bytes
// per iteration.
func isASCII(b []byte) bool {
	for len(b) >= 32 {
		c := b[:32:32]
		if (binary.LittleEndian.Uint64(c[0:])|binary.LittleEndian.Uint64(c[8:])|
			binary.LittleEndian.Uint64(c[16:])|binary.LittleEndian.Uint64(c[24:]))&hiBits != 0 {
			return false
		}
		b = b[32:]
	}
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&hiBits != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// indexNonASCII returns the index of the first byte >= 0x80 in b at or after
// from, or len(b).
func indexNonASCII(b []byte, from int) int {
	i := from
	for ; i+8 <= len(b); i += 8 {
		if w := binary.LittleEndian.Uint64(b[i:i+8:i+8]) & hiBits; w != 0 {
			return i + trailingZeroBytes(w)
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return i
		}
	}
	return len(b)
}

// indexASCII returns the index of the first byte < 0x80 in b at or after
// from, or len(b).
func indexASCII(b []byte, from int) int {
	i := from
	for ; i+8 <= len(b); i += 8 {
		if w := ^binary.LittleEndian.Uint64(b[i:i+8:i+8]) & hiBits; w != 0 {
			return i + trailingZeroBytes(w)
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x80 {
			return i
		}
	}
	return len(b)
}

// hasByte reports whether any byte of the little-endian word w equals c
// (the classic SWAR zero-byte test applied to w^c).
func hasByte(w uint64, c byte) bool {
	x := w ^ (0x0101010101010101 * uint64(c))
	return (x-0x0101010101010101)&^x&hiBits != 0
}

// trailingZeroBytes returns the index of the lowest non-zero byte of w
// (8 if w is 0).
func trailingZeroBytes(w uint64) int { return bits.TrailingZeros64(w) >> 3 }

// decode returns the rune at b[i:] and its length; invalid bytes decode as
// utf8.RuneError with length 1.
func decode(b []byte, i int) (rune, int) {
	c := b[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	// Inline the two- and three-byte forms (E0 and ED have a narrower
	// second byte: no overlong forms, no surrogates); four-byte forms and
	// every invalid sequence go through utf8.DecodeRune.
	if c >= 0xC2 && c < 0xE0 && i+1 < len(b) && b[i+1]&0xC0 == 0x80 {
		return rune(c&0x1F)<<6 | rune(b[i+1]&0x3F), 2
	}
	if c >= 0xE0 && c < 0xF0 && i+2 < len(b) && b[i+1]&0xC0 == 0x80 && b[i+2]&0xC0 == 0x80 &&
		(c != 0xE0 || b[i+1] >= 0xA0) && (c != 0xED || b[i+1] < 0xA0) {
		return rune(c&0x0F)<<12 | rune(b[i+1]&0x3F)<<6 | rune(b[i+2]&0x3F), 3
	}
	return utf8.DecodeRune(b[i:])
}

// plainHan reports whether r is a CJK Unified Ideograph (U+4E00–U+9FFF)
// without a confusable mapping: a Han letter with no other property, so
// hot loops can skip the property lookup.
func plainHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF && hanConfusable[(r-0x4E00)>>6]&(1<<((r-0x4E00)&63)) == 0
}

var hanConfusable = func() (t [(0x9FFF - 0x4E00 + 64) / 64]uint64) {
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		p := unidata.Lookup(r)
		if p.Flags != unidata.Letter || p.Script != unidata.ScriptHan {
			t[(r-0x4E00)>>6] |= 1 << ((r - 0x4E00) & 63)
		}
	}
	return
}()

// decodeLast returns the rune ending at b[:i] and its length, or (-1, 0) at
// the start.
func decodeLast(b []byte, i int) (rune, int) {
	if i <= 0 {
		return -1, 0
	}
	c := b[i-1]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeLastRune(b[:i])
}

// props returns the Unicode properties of r, with a table for ASCII.
func props(r rune) unidata.Props {
	if r >= 0 && r < utf8.RuneSelf {
		return asciiProps[r]
	}
	return unidata.Lookup(r)
}

var asciiProps = func() (t [128]unidata.Props) {
	for i := range t {
		t[i] = unidata.Lookup(rune(i))
	}
	return t
}()

func isASCIILetter(c rune) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isASCIIAlnum(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9'
}

// wordy reports whether a rune with properties p continues a word: letters,
// marks and numbers.
func wordy(p unidata.Props) bool {
	return p.Any(unidata.Letter | unidata.Mark | unidata.Digit | unidata.Number)
}
