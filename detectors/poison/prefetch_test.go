package poison

import (
	"slices"
	"testing"
)

// TestPrefetch: the prefetches read and change nothing, whatever the
// indexes (masked into the table, or not: a prefetch never faults), and
// leave the caller's registers and stack as they were.
func TestPrefetch(t *testing.T) {
	tab32 := make([]uint32, 1<<12)
	tab64 := make([]uint64, 1<<10)
	for i := range tab32 {
		tab32[i] = uint32(i * 7)
	}
	for i := range tab64 {
		tab64[i] = uint64(i) * 0x9e3779b97f4a7c15
	}
	want32, want64 := slices.Clone(tab32), slices.Clone(tab64)
	idx := []uint32{0, 1, 63, 64, 4095, 4096, 1 << 31, ^uint32(0)}
	a, b, c := 11, 22, 33
	for _, n := range []int{0, 1, len(idx)} {
		prefetchIdx(&tab32[0], idx[:n], 1<<12-1, 2)
		prefetchIdx(&tab32[0], idx[:n], ^uint32(0), 6) // unmasked: past the table
		prefetchIdx64(&tab64[0], idx[:n], 1<<10-1, 3)
	}
	if !slices.Equal(tab32, want32) || !slices.Equal(tab64, want64) {
		t.Fatal("a prefetch changed its table")
	}
	if a+b+c != 66 {
		t.Fatal("locals changed")
	}
	m := newCMS(12, 3)
	m.add(5)
	m.prefetch([]uint32{m.lineOf(5), m.lineOf(6)})
	if m.get(5) != 1 || m.get(6) != 0 {
		t.Fatal("cms prefetch changed counts")
	}
}
