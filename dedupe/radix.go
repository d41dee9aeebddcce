package dedupe

import (
	"cmp"
	"slices"
)

// Sorting the band and exact entries dominates Add's spills and the
// in-process Resolve. Keys are uniformly distributed 64-bit hashes, so an
// LSD radix sort on the key (6 passes of 11 bits) followed by sorting each
// run of equal keys by node beats comparison sorting severalfold.

const (
	radixBits  = 11
	radixSize  = 1 << radixBits
	radixMin   = 2048 // below this, comparison sorting is faster
	radixPasse = (64 + radixBits - 1) / radixBits
)

// radixSort sorts s by key(e) using tmp (grown as needed) as scratch and
// returns the scratch for reuse. It is stable.
func radixSort[T any](s, tmp []T, key func(*T) uint64) []T {
	if cap(tmp) < len(s) {
		tmp = make([]T, len(s))
	}
	tmp = tmp[:len(s)]
	src, dst := s, tmp
	var count [radixSize]int
	for pass := range radixPasse {
		shift := uint(pass * radixBits)
		clear(count[:])
		for i := range src {
			count[key(&src[i])>>shift&(radixSize-1)]++
		}
		if count[key(&src[0])>>shift&(radixSize-1)] == len(src) {
			continue // every entry has the same digit
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for i := range src {
			d := key(&src[i]) >> shift & (radixSize - 1)
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
	return tmp
}

// sortBandInto sorts e by (key, node).
func sortBandInto(e, tmp []bandEntry) []bandEntry {
	if len(e) < radixMin {
		slices.SortFunc(e, cmpBand)
		return tmp
	}
	tmp = radixSort(e, tmp, func(b *bandEntry) uint64 { return b.key })
	for i := 0; i < len(e); {
		j := i + 1
		for j < len(e) && e[j].key == e[i].key {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(e[i:j], func(a, b bandEntry) int { return cmp.Compare(a.node, b.node) })
		}
		i = j
	}
	return tmp
}

// sortExactInto sorts e by (hi, lo, node).
func sortExactInto(e, tmp []exactEntry) []exactEntry {
	if len(e) < radixMin {
		slices.SortFunc(e, cmpExact)
		return tmp
	}
	tmp = radixSort(e, tmp, func(x *exactEntry) uint64 { return x.hi })
	for i := 0; i < len(e); {
		j := i + 1
		for j < len(e) && e[j].hi == e[i].hi {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(e[i:j], cmpExact)
		}
		i = j
	}
	return tmp
}
