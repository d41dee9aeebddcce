package dedupe

// The signature kernel folds the hashes of a text's word or character
// 5-grams (the default shingle size) into the MinHash bins. It has a scalar
// form (shingleMins5Scalar, always built) and, under GOEXPERIMENT=simd on
// amd64 CPUs with AVX-512, a vector form (kernel_simd.go) that hashes eight
// shingles at a time with simd/archsimd and gives bit-identical bins.
// shingleMins5 picks one; other builds use the scalar form
// (kernel_scalar.go).

// shingleMins5Scalar lowers mins[bin] to the low 32 bits of h for the hash h
// of every 5-gram of toks, where h = fmix64(Σ toks[i+j]·c[j]) and bin =
// (h>>32)·len(mins)>>32.
func shingleMins5Scalar(toks []uint64, c *[5]uint64, mins []uint64) {
	k := uint64(len(mins))
	c0, c1, c2, c3, c4 := c[0], c[1], c[2], c[3], c[4]
	for i := 0; i+5 <= len(toks); i++ {
		t := toks[i : i+5 : i+5]
		h := fmix64(t[0]*c0 + t[1]*c1 + t[2]*c2 + t[3]*c3 + t[4]*c4)
		bin := (h >> 32) * k >> 32
		if v := h & 0xffffffff; v < mins[bin] {
			mins[bin] = v
		}
	}
}
