package poison

// The tables behind PayloadCluster.Observe, laid out so that the
// sequential pass over the corpus touches as little memory as possible.

// payloadSeen is payload_cluster's count-min sketch of shingles: the lines,
// rows, counters and conservative update of cms, reduced to the one
// question Observe asks of it: was the shingle seen before (an estimate of
// 2 or more after counting it)?
//
// That answer depends on the counters only through min(counter, 2): with
// f(v) = min(v, 2), the conservative update e = min(c) + 1, c = max(c, e)
// becomes f(e) = min(f(min(c)) + 1, 2), f(c) = max(f(c), f(e)), because f
// is monotone (and cms's cap at 2^32−1 is above 2). So each counter keeps
// two bits (0, 1 or "2 or more") and a line of 16 counters is one uint32:
// 2^widthLog2 bytes instead of 16·2^widthLog2 (1 MiB instead of 16 MiB by
// default), small enough to stay in the cache where cms misses it for
// nearly every shingle. Not safe for concurrent use.
//
// Sketch computes which counters of its line a shingle uses (selector, one
// byte), so that Observe, which runs sequentially, need not.
type payloadSeen struct {
	lines []uint32 // counter i of a line in bits 2i and 2i+1
	depth int
	seg   uint64 // counters per row segment (16/depth)
	shift uint
	// counters[s] is the low bit of each 2-bit counter that selector s
	// stands for.
	counters [256]uint32
	// spare is a bit no selector uses (0 if none: seg^depth > 128), which
	// the sketch may use as a flag.
	spare uint8
}

func newPayloadSeen(widthLog2, depth int) *payloadSeen {
	n := max(widthLog2-2, 0)
	depth = max(1, min(depth, 8))
	c := &payloadSeen{lines: make([]uint32, 1<<n), depth: depth, seg: uint64(16 / depth), shift: uint(64 - n)}
	sels := uint64(1) // distinct selectors: seg^depth
	for range depth {
		sels *= c.seg
	}
	if sels <= 128 {
		c.spare = 0x80
	}
	for s := range c.counters {
		v := uint64(s)
		for r := range uint64(depth) {
			c.counters[s] |= 1 << (2 * (r*c.seg + v%c.seg))
			v /= c.seg
		}
	}
	return c
}

// line returns the index of the line of a shingle whose mixed hash is m
// (mix64 of its hash), as cms.slots picks it.
func (c *payloadSeen) line(m uint64) uint64 { return m >> c.shift & uint64(len(c.lines)-1) }

// selector returns which counters of its line the shingle hash h uses, as
// cms.slots picks them: the offset of the counter of each row r within
// its segment is digit r of the selector in base seg (seg^depth <= 256 for
// every depth from 1 to 8). Safe for concurrent use.
func (c *payloadSeen) selector(h uint64) uint8 {
	var s, w uint64 = 0, 1
	x := mix64(h ^ 0x9e3779b97f4a7c15)
	for r := 0; r < c.depth; r++ {
		s += (x & 0xFFFF) * c.seg >> 16 * w
		w *= c.seg
		x >>= 16
		if r == 3 {
			x = mix64(h ^ 0x7f4a7c159e3779b9)
		}
	}
	return uint8(s)
}

// add counts one occurrence of the shingle with selector sel in line i
// and reports whether it was seen before: whether cms.add would return 2
// or more.
func (c *payloadSeen) add(i uint64, sel uint8) bool {
	s := c.counters[sel]
	v := c.lines[i]
	nz := (v | v>>1) & 0x55555555 // low bit of every nonzero counter
	if nz&s == s {
		// Every counter is at least 1: the estimate becomes 2, and so do
		// the counters.
		c.lines[i] = v&^(s|s<<1) | s<<1
		return true
	}
	c.lines[i] = v | s&^nz // zero counters become 1
	return false
}

// touch loads the line i (a prefetch, see PayloadCluster.Observe).
func (c *payloadSeen) touch(i uint64) uint32 { return c.lines[i] }

// bytes is the memory the sketch holds (the report's sketch_bytes).
func (c *payloadSeen) bytes() int { return len(c.lines) * 4 }

// payloadFirst is a first-seen table slot: a shingle seen once, and where.
// It packs a payloadOcc and the shingle's hash in one 64-byte cache line.
type payloadFirst struct {
	// key is mix64 of the shingle hash with bit 0 holding prompt: bit 0 of
	// the mixed hash is implied by the slot (its low bits are the slot's
	// index).
	key              uint64
	row              int64
	own, rest, bloom uint64
	file, field      int32
	fidx, start, end int32
	flen             int32
}

// holds reports whether the slot holds the shingle with mixed hash m, the
// slot being the one of m.
func (f *payloadFirst) holds(m uint64) bool { return (f.key^m)&^1 == 0 }

// occ returns the occurrence the slot holds.
func (f *payloadFirst) occ() payloadOcc {
	o := payloadOcc{field: f.field, fidx: f.fidx, start: f.start, end: f.end, flen: f.flen, prompt: f.key&1 != 0, own: f.own, rest: f.rest, bloom: f.bloom}
	o.rec.File, o.rec.Row = f.file, f.row
	return o
}

// payloadCands holds the candidates (shingles seen in more than one
// record) in creation order, indexed with open addressing (at most half
// full), behind a filter that sets one bit per candidate in a bitmap of
// 16 bits per index slot: most shingles Observe looks up are not
// candidates (the count-min sketch overestimates), and the filter answers
// most of them (all but about 1/32) from a table 8 times smaller than the
// index. Candidates are never removed. Not safe for concurrent use.
//
// Candidates are looked up by mixed hash (mix64 of their hash), which
// Observe has; their hash, for the cluster ids, is recovered with unmix64.
type payloadCands struct {
	list   []payloadCand
	slots  []payloadSlot
	filter []uint64
	log2   uint // len(slots) == 1 << log2
}

type payloadSlot struct {
	m uint64 // mix64 of the candidate's hash
	i int32  // index in list + 1; 0: empty
}

// payloadSlotMul spreads a mixed hash over the slots and the filter (the
// other tables use its lowest and highest bits as they are).
const payloadSlotMul = 0xd6e8feb86659fd93

// len returns the number of candidates.
func (t *payloadCands) len() int { return len(t.list) }

// maybe reports whether the shingle with mixed hash m may be a candidate
// (false: certainly not).
func (t *payloadCands) maybe(m uint64) bool {
	if t.log2 == 0 {
		return false
	}
	k := m * payloadSlotMul >> (64 - t.log2 - 4)
	return t.filter[k>>6]&(1<<(k&63)) != 0
}

// find returns the index of the candidate whose hash has mixed hash m, or
// -1.
func (t *payloadCands) find(m uint64) int {
	if !t.maybe(m) {
		return -1
	}
	mask := uint64(len(t.slots) - 1)
	for i := m * payloadSlotMul >> (64 - t.log2); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.i == 0 {
			return -1
		}
		if s.m == m {
			return int(s.i - 1)
		}
	}
}

// add appends a new candidate whose hash has mixed hash m (not yet
// present) and returns its index.
func (t *payloadCands) add(m uint64) int {
	if 2*(len(t.list)+1) > len(t.slots) {
		t.grow()
	}
	t.list = append(t.list, payloadCand{h: unmix64(m)})
	t.insert(m, len(t.list))
	return len(t.list) - 1
}

func (t *payloadCands) insert(m uint64, i int) {
	k := m * payloadSlotMul >> (64 - t.log2 - 4)
	t.filter[k>>6] |= 1 << (k & 63)
	mask := uint64(len(t.slots) - 1)
	j := m * payloadSlotMul >> (64 - t.log2)
	for t.slots[j].i != 0 {
		j = (j + 1) & mask
	}
	t.slots[j] = payloadSlot{m, int32(i)}
}

// grow doubles the index and the filter (at least 16 slots) and re-inserts
// the candidates.
func (t *payloadCands) grow() {
	t.log2 = max(t.log2+1, 4)
	t.slots = make([]payloadSlot, 1<<t.log2)
	t.filter = make([]uint64, 1<<(t.log2+4-6))
	for i := range t.list {
		t.insert(mix64(t.list[i].h), i+1)
	}
}

// unmix64 inverts mix64: unmix64(mix64(x)) == x.
func unmix64(x uint64) uint64 {
	x ^= x>>31 ^ x>>62
	x *= mulInverse(0x94d049bb133111eb)
	x ^= x>>27 ^ x>>54
	x *= mulInverse(0xbf58476d1ce4e5b9)
	x ^= x>>30 ^ x>>60
	return x
}

// mulInverse returns the inverse of the odd number a modulo 2^64 (Newton's
// iteration: each step doubles the correct low bits, from 3).
func mulInverse(a uint64) uint64 {
	x := a // a·a ≡ 1 mod 8
	for range 5 {
		x *= 2 - a*x
	}
	return x
}
