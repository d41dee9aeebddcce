package parquetio

import (
	"math"

	"github.com/winnow-data/winnow/scanner/records"
)

// maxDecimalBytes is the widest decimal Scalar formats: 32 bytes, the width
// of Arrow's decimal256 and more than any Parquet writer uses in practice
// (precision 38 needs 16).
const maxDecimalBytes = 32

// appendDecimalBE appends the decimal text of the big-endian two's-complement
// integer be scaled by 10^-scale (a Parquet DECIMAL stored as BYTE_ARRAY or
// FIXED_LEN_BYTE_ARRAY). It returns false, appending nothing, when be is
// empty or wider than maxDecimalBytes.
func appendDecimalBE(dst, be []byte, scale int) ([]byte, bool) {
	if len(be) == 0 || len(be) > maxDecimalBytes {
		return dst, false
	}
	var w [maxDecimalBytes / 8]uint64
	if be[0]&0x80 != 0 { // sign-extend
		for i := range w {
			w[i] = math.MaxUint64
		}
	}
	for i, c := range be {
		bit := uint(len(be)-1-i) * 8
		word, shift := bit/64, bit%64
		w[word] = w[word]&^(0xff<<shift) | uint64(c)<<shift
	}
	return appendDecimalWords(dst, w[:], scale), true
}

// appendDecimalInt appends v scaled by 10^-scale (a DECIMAL stored as INT32
// or INT64).
func appendDecimalInt(dst []byte, v int64, scale int) []byte {
	w := [1]uint64{uint64(v)}
	return appendDecimalWords(dst, w[:], scale)
}

// appendDecimalWords is records.AppendDecimalWords.
func appendDecimalWords(dst []byte, w []uint64, scale int) []byte {
	return records.AppendDecimalWords(dst, w, scale)
}

// float16 is records.Float16.
func float16(lo, hi byte) float32 { return records.Float16(lo, hi) }
