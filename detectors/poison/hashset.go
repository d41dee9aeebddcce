package poison

// u64Set is a set of 64-bit hash keys with open addressing (linear
// probing), reset and reused from one record to the next. Not safe for
// concurrent use (one per sketch scratch).
type u64Set struct {
	slots []uint64 // 0: empty; the key 0 is held by zero
	zero  bool
	mask  uint64
	n     int // keys in slots
}

// reset empties the set, sized for up to n keys.
func (s *u64Set) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(s.slots) < size {
		s.slots = make([]uint64, size)
	} else {
		s.slots = s.slots[:size]
		clear(s.slots)
	}
	s.zero, s.mask, s.n = false, uint64(size-1), 0
}

// add inserts k and reports whether it was absent. The table doubles
// when it would be more than half full.
func (s *u64Set) add(k uint64) bool {
	if k == 0 {
		added := !s.zero
		s.zero = true
		return added
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	for i := mix64(k) & s.mask; ; i = (i + 1) & s.mask {
		switch s.slots[i] {
		case k:
			return false
		case 0:
			s.slots[i] = k
			s.n++
			return true
		}
	}
}

func (s *u64Set) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*max(len(old), 8))
	s.mask, s.n = uint64(len(s.slots)-1), 0
	for _, k := range old {
		if k != 0 {
			s.add(k)
		}
	}
}

// has reports whether k is in the set.
func (s *u64Set) has(k uint64) bool {
	if k == 0 {
		return s.zero
	}
	for i := mix64(k) & s.mask; ; i = (i + 1) & s.mask {
		switch s.slots[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}
