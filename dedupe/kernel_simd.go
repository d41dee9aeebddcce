//go:build goexperiment.simd && amd64

package dedupe

import "simd/archsimd"

// simdKernel reports whether shingleMins5 uses the SIMD kernel: built with
// GOEXPERIMENT=simd and running on a CPU with AVX-512 (64-bit lane
// multiplies, VPMULLQ). It is fixed at program start.
var simdKernel = archsimd.X86.AVX512()

// shingleMins5 computes what shingleMins5Scalar computes. With AVX-512 it
// hashes eight consecutive 5-grams per step in 512-bit vectors (the same
// wrapping 64-bit arithmetic, so the hashes are bit-identical) and folds
// them into the bins with scalar compares; the tail and other CPUs use the
// scalar loop.
func shingleMins5(toks []uint64, c *[5]uint64, mins []uint64) {
	if !simdKernel || len(toks) < 12 {
		shingleMins5Scalar(toks, c, mins)
		return
	}
	var (
		c0 = archsimd.BroadcastUint64x8(c[0])
		c1 = archsimd.BroadcastUint64x8(c[1])
		c2 = archsimd.BroadcastUint64x8(c[2])
		c3 = archsimd.BroadcastUint64x8(c[3])
		c4 = archsimd.BroadcastUint64x8(c[4])
		m1 = archsimd.BroadcastUint64x8(0xff51afd7ed558ccd)
		m2 = archsimd.BroadcastUint64x8(0xc4ceb9fe1a85ec53)
		kv = archsimd.BroadcastUint64x8(uint64(len(mins)))
		lo = archsimd.BroadcastUint64x8(0xffffffff)
	)
	var bins, vals [8]uint64
	i := 0
	for ; i+12 <= len(toks); i += 8 {
		h := archsimd.LoadUint64x8Slice(toks[i:]).Mul(c0)
		h = h.Add(archsimd.LoadUint64x8Slice(toks[i+1:]).Mul(c1))
		h = h.Add(archsimd.LoadUint64x8Slice(toks[i+2:]).Mul(c2))
		h = h.Add(archsimd.LoadUint64x8Slice(toks[i+3:]).Mul(c3))
		h = h.Add(archsimd.LoadUint64x8Slice(toks[i+4:]).Mul(c4))
		h = h.Xor(h.ShiftAllRight(33)).Mul(m1)
		h = h.Xor(h.ShiftAllRight(33)).Mul(m2)
		h = h.Xor(h.ShiftAllRight(33))
		h.ShiftAllRight(32).Mul(kv).ShiftAllRight(32).Store(&bins)
		h.And(lo).Store(&vals)
		for j, b := range bins {
			if v := vals[j]; v < mins[b] {
				mins[b] = v
			}
		}
	}
	shingleMins5Scalar(toks[i:], c, mins)
}
