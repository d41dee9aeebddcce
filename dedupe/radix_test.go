package dedupe

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 100, radixMin, 50_000} {
		band := make([]bandEntry, n)
		exact := make([]exactEntry, n)
		for i := range band {
			// Few distinct keys in part of the data to exercise runs of
			// equal keys; nodes in random order.
			k := rng.Uint64()
			if i%3 == 0 {
				k = uint64(rng.IntN(50))
			}
			band[i] = bandEntry{k, rng.Uint64()}
			exact[i] = exactEntry{k, uint64(rng.IntN(3)), rng.Uint64()}
		}
		wantB := slices.Clone(band)
		slices.SortFunc(wantB, cmpBand)
		sortBandInto(band, nil)
		if !slices.Equal(band, wantB) {
			t.Errorf("n=%d: band entries not sorted", n)
		}
		wantE := slices.Clone(exact)
		slices.SortFunc(wantE, cmpExact)
		sortExactInto(exact, nil)
		if !slices.Equal(exact, wantE) {
			t.Errorf("n=%d: exact entries not sorted", n)
		}
	}
}
