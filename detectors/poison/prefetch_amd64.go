//go:build !purego

package poison

// prefetchIdx asks the processor to load, for every i of idx, the cache
// line at base + (i&mask)<<shift bytes, without waiting for it: the loads
// of a batch of scattered counters overlap, and overlap with the work that
// precedes their use. It reads and changes nothing (a prefetch never
// faults).
//
//go:noescape
func prefetchIdx(base *uint32, idx []uint32, mask, shift uint32)

// prefetchIdx64 is prefetchIdx for a table of 64-bit words.
//
//go:noescape
func prefetchIdx64(base *uint64, idx []uint32, mask, shift uint32)
