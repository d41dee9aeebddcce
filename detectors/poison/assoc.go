package poison

// assoc is a fixed-size, 4-way set-associative table from 64-bit keys to
// values of type V: a key may live in any of the four slots of its set, and
// inserting into a full set evicts the entry inserted longest ago. Compared
// with a direct-mapped table of the same size, an entry survives about as
// many later insertions as the table has slots instead of being lost to the
// first colliding key. Memory is fixed: 2^log2 × (16 bytes + sizeof(V)).
// Not safe for concurrent use (the corpus detectors use it from Observe).
type assoc[V any] struct {
	keys  []uint64 // 0: empty
	age   []uint64 // insertion stamp
	vals  []V
	shift uint
	clock uint64
}

const assocWays = 4

func newAssoc[V any](log2 int) *assoc[V] {
	log2 = max(log2, 2)
	n := 1 << log2
	return &assoc[V]{keys: make([]uint64, n), age: make([]uint64, n), vals: make([]V, n), shift: uint(64 - (log2 - 2))}
}

// slotKey maps the reserved empty key 0 to 1; a real key of 1 then shares
// its entries (a negligible 2^-64 event).
func slotKey(k uint64) uint64 { return max(k, 1) }

func (a *assoc[V]) set(k uint64) int {
	return int(mix64(k^0x7a3c_91e5_0d2b_4f68)>>a.shift) * assocWays
}

// get returns the value stored for k, or nil. The pointer is valid until the
// next put.
func (a *assoc[V]) get(k uint64) *V {
	k = slotKey(k)
	s := a.set(k)
	for i := s; i < s+assocWays; i++ {
		if a.keys[i] == k {
			return &a.vals[i]
		}
	}
	return nil
}

// put returns the slot for k, reusing k's entry or evicting the oldest
// entry of its set; the caller overwrites the value. The pointer is valid
// until the next put.
func (a *assoc[V]) put(k uint64) *V {
	k = slotKey(k)
	s := a.set(k)
	victim := -1
	for i := s; i < s+assocWays; i++ {
		if a.keys[i] == k {
			victim = i
			break
		}
	}
	if victim < 0 {
		victim = s
		for i := s; i < s+assocWays; i++ {
			if a.keys[i] == 0 {
				victim = i
				break
			}
			if a.age[i] < a.age[victim] {
				victim = i
			}
		}
	}
	a.clock++
	a.keys[victim], a.age[victim] = k, a.clock
	return &a.vals[victim]
}

// del removes k if present.
func (a *assoc[V]) del(k uint64) {
	k = slotKey(k)
	s := a.set(k)
	for i := s; i < s+assocWays; i++ {
		if a.keys[i] == k {
			a.keys[i] = 0
			var zero V
			a.vals[i] = zero
			return
		}
	}
}

// len returns the number of slots.
func (a *assoc[V]) len() int { return len(a.keys) }
