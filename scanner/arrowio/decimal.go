package arrowio

import (
	"github.com/winnow-data/winnow/scanner/records"
)

// appendDecimalWords is records.AppendDecimalWords.
func appendDecimalWords(dst []byte, w []uint64, scale int) []byte {
	return records.AppendDecimalWords(dst, w, scale)
}

// halfToFloat32 is records.Float16.
func halfToFloat32(lo, hi byte) float32 { return records.Float16(lo, hi) }
