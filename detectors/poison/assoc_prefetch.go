package poison

// setOf returns the index of k's set (its first slot).
func (a *assoc[V]) setOf(k uint64) uint32 { return uint32(a.set(slotKey(k))) }

// prefetch starts loading the keys and insertion stamps of the sets
// (setOf) without waiting for them (see prefetchIdx). It changes nothing.
func (a *assoc[V]) prefetch(sets []uint32) {
	mask := uint32(len(a.keys) - 1)
	prefetchIdx64(&a.keys[0], sets, mask, 3)
	prefetchIdx64(&a.age[0], sets, mask, 3)
}
