//go:build goexperiment.simd && amd64

package jsonl

import (
	"math/bits"
	"simd/archsimd"
)

// simdPlain reports whether plainRun uses the SIMD kernel: built with
// GOEXPERIMENT=simd and running on a CPU with AVX2. It is fixed at program
// start.
var simdPlain = archsimd.X86.AVX2()

// plainRun computes what plainRunScalar computes, 32 bytes per step with
// AVX2 compares; the tail and other CPUs use the scalar loop.
func plainRun(b []byte) int {
	if !simdPlain || len(b) < 32 {
		return plainRunScalar(b)
	}
	quote := archsimd.BroadcastUint8x32('"')
	slash := archsimd.BroadcastUint8x32('\\')
	space := archsimd.BroadcastUint8x32(0x20)
	i := 0
	for ; i+32 <= len(b); i += 32 {
		v := archsimd.LoadUint8x32Slice(b[i:])
		m := v.Equal(quote).Or(v.Equal(slash)).Or(v.Less(space))
		if bits32 := m.ToBits(); bits32 != 0 {
			return i + bits.TrailingZeros32(bits32)
		}
	}
	return i + plainRunScalar(b[i:])
}
