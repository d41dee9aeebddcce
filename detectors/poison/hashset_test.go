package poison

import (
	"math/rand/v2"
	"testing"
)

// TestU64Set: the set agrees with a map, whatever the sizing hint (too
// small ones grow), across resets, with the key 0 and colliding keys.
func TestU64Set(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 8))
	var s u64Set
	for round := 0; round < 200; round++ {
		n := rng.IntN(300)
		s.reset(rng.IntN(n + 1))
		ref := map[uint64]bool{}
		for i := 0; i < n; i++ {
			k := rng.Uint64()
			switch rng.IntN(4) {
			case 0:
				k = uint64(rng.IntN(8)) // small keys, 0 among them
			case 1:
				k = uint64(rng.IntN(4)) << 60 // same low bits
			}
			if got, want := s.add(k), !ref[k]; got != want {
				t.Fatalf("round %d: add(%x) = %v, want %v", round, k, got, want)
			}
			ref[k] = true
		}
		for i := 0; i < 100; i++ {
			k := rng.Uint64N(10)
			if i%2 == 0 {
				k = rng.Uint64()
			}
			if got := s.has(k); got != ref[k] {
				t.Fatalf("round %d: has(%x) = %v", round, k, got)
			}
		}
		for k := range ref {
			if !s.has(k) {
				t.Fatalf("round %d: %x lost", round, k)
			}
		}
	}
}
