package poison

import (
	"math/rand/v2"
	"testing"
)

// TestSimhashRef checks the lane-counting SimHash against the textbook one.
func TestSimhashRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for it := 0; it < 200; it++ {
		n := rng.IntN(700)
		f := make([]uint64, n)
		for i := range f {
			f[i] = rng.Uint64()
		}
		var v [64]int
		for _, x := range f {
			for b := 0; b < 64; b++ {
				if x>>b&1 == 1 {
					v[b]++
				} else {
					v[b]--
				}
			}
		}
		var ref uint64
		for b := 0; b < 64; b++ {
			if v[b] > 0 {
				ref |= 1 << b
			}
		}
		if got := simhash64(f); got != ref {
			t.Fatalf("n=%d got %x want %x", n, got, ref)
		}
	}
}
