//go:build !goexperiment.simd || !amd64

package dedupe

// simdKernel reports whether shingleMins5 uses the SIMD kernel.
const simdKernel = false

// shingleMins5 is shingleMins5Scalar in builds without GOEXPERIMENT=simd.
func shingleMins5(toks []uint64, c *[5]uint64, mins []uint64) {
	shingleMins5Scalar(toks, c, mins)
}
