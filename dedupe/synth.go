package dedupe

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// SyntheticCorpus describes a corpus of planted duplicate clusters whose map
// output (the exact, band and recs files of every shard and partition, as
// Index.WriteBandPartitions writes them) WriteMap writes directly: no text
// is generated and no MinHash is computed, so the reduce and resolve steps
// can be measured at 10^8 records on one machine. Expect says what resolving
// the files must give.
//
// Records 0 … Records−1 in plan order are split into Shards contiguous
// ranges; record r is RecordID{File: r / RowsPerFile, Row: r % RowsPerFile}.
// Members of a cluster are scattered over the plan by a pseudo-random
// permutation. Cluster sizes s ∈ [2, MaxCluster] follow P(s) ∝ s^−2.5, and
// their number is chosen so that about ExactFrac + NearFrac of all records
// are copies (members other than one per cluster). Within a cluster, member
// 0 is the original; every later member is either a new near variant or an
// exact copy of a uniformly chosen earlier member, with odds calibrated so
// that about ExactFrac of all records are dropped as dup.exact and NearFrac
// as dup.near under KeepFirst (an exact copy of a text that is not the
// kept one is a near duplicate of the kept record).
// A near variant has its own exact key, shares each LSH band key with the
// original with probability 1/4 (at least one band), and differs from it in
// about a tenth of the MinHash values, so any two members of a cluster have
// an estimated Jaccard similarity of at least 0.78 with the default 112
// values (WriteMap and Expect refuse parameters under which near variants
// would fail verification). The giant component
// (GiantSize records) is GiantParts such clusters that are mutually
// dissimilar but chained together by shared band keys, as LSH chaining does
// in real corpora: resolving it exercises the giant-cluster guard.
//
// Keys are distinct by construction (no accidental collisions), so the
// candidate components are exactly the planted clusters. Signatures are not
// consistent with band keys (the resolve step never recomputes band keys).
// A SyntheticCorpus is a plain value: its methods only read it and may run
// concurrently.
type SyntheticCorpus struct {
	// Records is the number of records. Required.
	Records int64
	// Shards is the number of map tasks whose output WriteMap writes.
	// Default 1.
	Shards int
	// RowsPerFile is the number of rows per input file. Default 1<<20.
	RowsPerFile int64
	// ExactFrac and NearFrac are the approximate fractions of records that
	// resolving drops as exact and as near duplicates (giant component
	// included). Defaults 0.10 and 0.10; a negative value means 0.
	ExactFrac, NearFrac float64
	// MaxCluster is the largest ordinary cluster. Default
	// Options.MaxClusterSize, so that only the giant component exceeds it.
	MaxCluster int
	// GiantSize is the number of records in the giant component. Default
	// Records/100 (none if that is below 2·GiantParts); negative means none.
	GiantSize int64
	// GiantParts is the number of dissimilar clusters chained into the giant
	// component, at most 63 (so that the giant-cluster guard never runs out
	// of its similarity-check budget). Default 32.
	GiantParts int
	// Seed selects the corpus; equal fields give identical files.
	Seed uint64
}

// Limits and shape constants of the synthetic corpus.
const (
	synthExponent  = 2.5 // cluster sizes: P(s) ∝ s^-synthExponent
	synthShareProb = 0.25
	synthNearEvery = 10 // a near variant changes one MinHash value in synthNearEvery
	synthMaxParts  = guardBudget - 1
	synthBigSize   = 64 // clusters above this size get precomputed member tables
)

// Salts of the generator's hash functions.
const (
	saltPos = 0x1000000000000001 * (iota + 1)
	saltExact
	saltBand
	saltVariant
	saltCopy
	saltShare
	saltForce
	saltSig
	saltMod
	saltSize
	saltKey
	saltLo
)

// synthClass is a run of equally sized clusters in slot space.
type synthClass struct {
	firstSlot    int64
	firstCluster int64
	size         int64
	count        int64
	giant        bool
}

// bigCluster holds the member tables of a large cluster.
type bigCluster struct {
	variant []int32 // member → its variant (the member index of the variant's first copy)
	offs    []int32 // variant v's copies are byVar[offs[v]:offs[v+1]]
	byVar   []int32
}

// synthPlan is a resolved SyntheticCorpus. It is read-only after
// newSynthPlan and safe for concurrent use.
type synthPlan struct {
	c          SyntheticCorpus
	o          Options
	k          int
	n          int64
	bands      int64
	parts      int64 // giant parts; they are clusters 0 … parts−1
	classes    []synthClass
	clusters   int64
	rec        feistel // slot → plan position
	exact      feistel // slot of an exact class's first member → exact key rank
	band       feistel // slot·bands + band → band key rank
	exactW     uint64
	bandW      uint64
	nearCut    uint64
	shareCut   uint64
	big        map[int64]*bigCluster
	copiesWant int64
}

func (c SyntheticCorpus) withDefaults(o Options) SyntheticCorpus {
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.RowsPerFile == 0 {
		c.RowsPerFile = 1 << 20
	}
	if c.ExactFrac == 0 {
		c.ExactFrac = 0.10
	}
	if c.NearFrac == 0 {
		c.NearFrac = 0.10
	}
	c.ExactFrac, c.NearFrac = max(c.ExactFrac, 0), max(c.NearFrac, 0)
	if c.MaxCluster == 0 {
		c.MaxCluster = o.MaxClusterSize
	}
	if c.GiantParts == 0 {
		c.GiantParts = 32
	}
	if c.GiantSize == 0 {
		c.GiantSize = c.Records / 100
		if c.GiantSize < 2*int64(c.GiantParts) {
			c.GiantSize = 0
		}
	}
	c.GiantSize = max(c.GiantSize, 0)
	return c
}

func newSynthPlan(c SyntheticCorpus, opts Options) (*synthPlan, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	c = c.withDefaults(o)
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	k := o.hashes()
	if c.Records < 1 {
		bad("Records %d must be ≥ 1", c.Records)
	}
	if c.Shards < 1 || int64(c.Shards) > max(c.Records, 1) {
		bad("Shards %d out of range [1, Records]", c.Shards)
	}
	if c.RowsPerFile < 1 || c.RowsPerFile > MaxRows {
		bad("RowsPerFile %d out of range [1, %d]", c.RowsPerFile, int64(MaxRows))
	} else if (c.Records-1)/c.RowsPerFile >= MaxFiles {
		bad("%d records at %d rows per file need more than %d files", c.Records, c.RowsPerFile, MaxFiles)
	}
	if c.ExactFrac+c.NearFrac >= 1 {
		bad("ExactFrac %v + NearFrac %v must be < 1", c.ExactFrac, c.NearFrac)
	}
	if c.MaxCluster < 2 {
		bad("MaxCluster %d must be ≥ 2", c.MaxCluster)
	}
	if c.GiantSize > 0 && (c.GiantParts < 1 || c.GiantParts > synthMaxParts || c.GiantSize < 2*int64(c.GiantParts)) {
		bad("giant component of %d records in %d parts: need 1 ≤ parts ≤ %d and ≥ 2 records per part", c.GiantSize, c.GiantParts, synthMaxParts)
	}
	// Two near variants differ in at most 2·⌈K/10⌉ values; they must still
	// pass verification against each other.
	if agree := float64(k-2*ceilDiv(k, synthNearEvery)) / float64(k); (agree-1.0/256)/(1-1.0/256) < o.Threshold || k < 16 {
		bad("%d MinHash values and threshold %v: near variants would not verify (need ≥ 16 values and threshold ≤ %.3f)", k, o.Threshold, (agree-1.0/256)/(1-1.0/256))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("dedupe: synthetic corpus: %w", errors.Join(errs...))
	}
	p := &synthPlan{c: c, o: o, k: k, n: c.Records, bands: int64(o.Bands)}
	if err := p.layout(); err != nil {
		return nil, err
	}
	s := c.Seed
	p.rec = newFeistel(uint64(p.n), s^saltPos)
	p.exact = newFeistel(uint64(p.n), s^saltExact)
	p.band = newFeistel(uint64(p.n)*uint64(p.bands), s^saltBand)
	p.exactW = math.MaxUint64 / uint64(p.n)
	p.bandW = math.MaxUint64 / (uint64(p.n) * uint64(p.bands))
	p.nearCut = probCut(p.calibrate())
	p.shareCut = probCut(synthShareProb)
	p.big = map[int64]*bigCluster{}
	for ci := range p.classes {
		cl := &p.classes[ci]
		if cl.size <= synthBigSize {
			continue
		}
		for j := range cl.count {
			p.big[cl.firstCluster+j] = p.buildBig(cl.firstCluster+j, cl.size)
		}
	}
	return p, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// probCut returns the threshold below which a uniform uint64 falls with
// probability f.
func probCut(f float64) uint64 {
	if f >= 1 {
		return math.MaxUint64
	}
	return uint64(f * (1 << 63) * 2)
}

// layout lays the clusters out in slot space: the giant component's parts,
// the ordinary clusters from largest to smallest, then the singletons.
func (p *synthPlan) layout() error {
	c := p.c
	var classes []synthClass
	add := func(size, count int64, giant bool) {
		if count > 0 {
			classes = append(classes, synthClass{size: size, count: count, giant: giant})
		}
	}
	var copies int64
	if c.GiantSize > 0 {
		k := int64(c.GiantParts)
		q, r := c.GiantSize/k, c.GiantSize%k
		add(q+1, r, true)
		add(q, k-r, true)
		p.parts = k
		copies = c.GiantSize - k
	}
	p.copiesWant = int64(math.Round((c.ExactFrac + c.NearFrac) * float64(c.Records)))
	if want := p.copiesWant - copies; want > 0 {
		var norm, mean float64
		for s := 2; s <= c.MaxCluster; s++ {
			w := math.Pow(float64(s), -synthExponent)
			norm += w
			mean += w * float64(s)
		}
		mean /= norm
		clusters := float64(want) / (mean - 1)
		// Rounding loses the tail where fewer than half a cluster is
		// expected; pairs make up the difference.
		counts := make([]int64, c.MaxCluster+1)
		for s := c.MaxCluster; s >= 2; s-- {
			counts[s] = int64(math.Round(clusters * math.Pow(float64(s), -synthExponent) / norm))
			want -= counts[s] * int64(s-1)
		}
		counts[2] = max(0, counts[2]+want)
		for s := c.MaxCluster; s >= 2; s-- {
			add(int64(s), counts[s], false)
		}
	}
	var slots, cl int64
	for i := range classes {
		classes[i].firstSlot, classes[i].firstCluster = slots, cl
		slots += classes[i].size * classes[i].count
		cl += classes[i].count
	}
	if slots > c.Records {
		return fmt.Errorf("dedupe: synthetic corpus: %d records cannot hold clusters of %d records (lower ExactFrac, NearFrac or GiantSize)", c.Records, slots)
	}
	if rest := c.Records - slots; rest > 0 {
		classes = append(classes, synthClass{firstSlot: slots, firstCluster: cl, size: 1, count: rest})
		cl += rest
	}
	p.classes, p.clusters = classes, cl
	return nil
}

// calibrate returns the probability that a copy is a new near variant
// (rather than an exact copy of an earlier member) for which the expected
// share of exact drops among all drops is ExactFrac / (ExactFrac +
// NearFrac). A copy is dropped as exact only if it carries the kept
// record's text, and the kept record is a uniformly random member, so the
// share is below the planted share of exact copies. The share is estimated
// by simulating 4096 clusters drawn from the layout in proportion to their
// drops, with a fixed seed, and
// solved for by bisection.
func (p *synthPlan) calibrate() float64 {
	f := p.c.ExactFrac + p.c.NearFrac
	switch {
	case f == 0:
		return 0.5
	case p.c.NearFrac == 0:
		return 0
	case p.c.ExactFrac == 0:
		return 1
	}
	want := p.c.ExactFrac / f
	var weights []float64
	var total float64
	for _, cl := range p.classes {
		w := 0.0
		if cl.size > 1 {
			w = float64(cl.count * (cl.size - 1))
		}
		total += w
		weights = append(weights, total)
	}
	if total == 0 {
		return p.c.NearFrac / f
	}
	rng := rand.New(rand.NewPCG(p.c.Seed, 17))
	type sample struct {
		size int64
		u    []float64 // per member: near-or-copy draw, copy source draw
		lead int64
	}
	samples := make([]sample, 4096)
	for i := range samples {
		ci := sort.SearchFloat64s(weights, rng.Float64()*total)
		ci = min(ci, len(p.classes)-1)
		size := p.classes[ci].size
		smp := sample{size: size, u: make([]float64, 2*size), lead: rng.Int64N(size)}
		for j := range smp.u {
			smp.u[j] = rng.Float64()
		}
		samples[i] = smp
	}
	share := func(q float64) float64 {
		// Clusters are drawn in proportion to their drops, so the mean of
		// the per-cluster shares estimates the share over all drops.
		var sum float64
		var variant []int64
		for _, smp := range samples {
			variant = variant[:0]
			for i := range smp.size {
				v := int64(0)
				if i > 0 {
					if smp.u[2*i] < q {
						v = i
					} else {
						v = variant[int64(smp.u[2*i+1]*float64(i))]
					}
				}
				variant = append(variant, v)
			}
			exact := -1 // the kept record
			for _, v := range variant {
				if v == variant[smp.lead] {
					exact++
				}
			}
			sum += float64(exact) / float64(smp.size-1)
		}
		return sum / float64(len(samples))
	}
	lo, hi := 0.0, 1.0 // share(lo) ≥ want ≥ share(hi)
	for range 30 {
		mid := (lo + hi) / 2
		if share(mid) > want {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// mix hashes three values with a salt.
func mix(salt, a, b, c uint64) uint64 {
	return fmix64(fmix64(fmix64(salt^a*prime1)^b*prime2) ^ c*prime3)
}

// synthLoc locates a slot: its cluster, the cluster's first slot and size,
// and the slot's member index.
type synthLoc struct {
	cluster, first, size, member int64
	giant                        bool
}

func (p *synthPlan) locate(slot int64) synthLoc {
	i := sort.Search(len(p.classes), func(i int) bool { return p.classes[i].firstSlot > slot }) - 1
	cl := &p.classes[i]
	off := slot - cl.firstSlot
	return synthLoc{
		cluster: cl.firstCluster + off/cl.size, first: slot - off%cl.size,
		size: cl.size, member: off % cl.size, giant: cl.giant,
	}
}

// clusterLoc returns the location of member 0 of cluster id.
func (p *synthPlan) clusterLoc(id int64) synthLoc {
	i := sort.Search(len(p.classes), func(i int) bool { return p.classes[i].firstCluster > id }) - 1
	cl := &p.classes[i]
	return synthLoc{cluster: id, first: cl.firstSlot + (id-cl.firstCluster)*cl.size, size: cl.size, giant: cl.giant}
}

// variantOf returns the variant of member i of cluster c: the member index
// of the first copy of the text member i carries.
func (p *synthPlan) variantOf(c, i int64) int64 {
	for i > 0 {
		if mix(saltVariant^p.c.Seed, uint64(c), uint64(i), 0) < p.nearCut {
			return i
		}
		i = int64(mix(saltCopy^p.c.Seed, uint64(c), uint64(i), 0) % uint64(i))
	}
	return 0
}

// variants returns the variant of every member of the cluster at l, using
// buf for small clusters.
func (p *synthPlan) variants(l synthLoc, buf []int32) []int32 {
	if b := p.big[l.cluster]; b != nil {
		return b.variant
	}
	buf = buf[:0]
	for i := range l.size {
		v := int64(0)
		if i > 0 {
			// A copy's variant is that of an earlier member, already known.
			if mix(saltVariant^p.c.Seed, uint64(l.cluster), uint64(i), 0) < p.nearCut {
				v = i
			} else {
				v = int64(buf[mix(saltCopy^p.c.Seed, uint64(l.cluster), uint64(i), 0)%uint64(i)])
			}
		}
		buf = append(buf, int32(v))
	}
	return buf
}

// table returns the variant table of the cluster at l and the scratch
// buffer to pass on (a large cluster's table is shared and never used as
// scratch).
func (p *synthPlan) table(l synthLoc, buf []int32) (vt, scratch []int32) {
	if b := p.big[l.cluster]; b != nil {
		return b.variant, buf
	}
	vt = p.variants(l, buf)
	return vt, vt
}

func (p *synthPlan) buildBig(c, size int64) *bigCluster {
	b := &bigCluster{}
	b.variant = p.variants(synthLoc{cluster: c, size: size}, make([]int32, 0, size))
	b.offs = make([]int32, size+1)
	for _, v := range b.variant {
		b.offs[v+1]++
	}
	for i := range size {
		b.offs[i+1] += b.offs[i]
	}
	b.byVar = make([]int32, size)
	next := slices.Clone(b.offs[:size])
	for i, v := range b.variant {
		b.byVar[next[v]] = int32(i)
		next[v]++
	}
	return b
}

// copiesOf appends the members whose variant is v.
func (p *synthPlan) copiesOf(l synthLoc, vt []int32, v int64, dst []int64) []int64 {
	if b := p.big[l.cluster]; b != nil {
		for _, i := range b.byVar[b.offs[v]:b.offs[v+1]] {
			dst = append(dst, l.first+int64(i))
		}
		return dst
	}
	for i, w := range vt {
		if int64(w) == v {
			dst = append(dst, l.first+int64(i))
		}
	}
	return dst
}

// shares reports whether variant v of cluster c carries the original's key
// for band b.
func (p *synthPlan) shares(c, v, b int64) bool {
	if v == 0 {
		return true
	}
	s := p.c.Seed
	return mix(saltShare^s, uint64(c), uint64(v), uint64(b)) < p.shareCut ||
		int64(mix(saltForce^s, uint64(c), uint64(v), 0)%uint64(p.bands)) == b
}

// bridged reports whether giant part j's original band-b key is shared with
// part j+1 (the chain that makes the parts one component).
func (p *synthPlan) bridged(j, b int64) bool {
	return j+1 < p.parts && j%p.bands == b
}

// origMembers appends the slots of cluster l's members that carry the
// original's key for band b.
func (p *synthPlan) origMembers(l synthLoc, b int64, buf []int32, dst []int64) ([]int64, []int32) {
	vt, buf := p.table(l, buf)
	for i, v := range vt {
		if p.shares(l.cluster, int64(v), b) {
			dst = append(dst, l.first+int64(i))
		}
	}
	return dst, buf
}

// bandGroup returns the slots of the records that share the band-b key of
// slot, if slot is the owner of that key (its group's first slot), else nil.
func (p *synthPlan) bandGroup(slot, b int64, buf []int32, dst []int64) ([]int64, []int32) {
	dst = dst[:0]
	l := p.locate(slot)
	if l.size == 1 {
		return append(dst, slot), buf
	}
	v := p.variantOf(l.cluster, l.member)
	if !p.shares(l.cluster, v, b) {
		if l.member != v {
			return nil, buf
		}
		vt, buf := p.table(l, buf)
		return p.copiesOf(l, vt, v, dst), buf
	}
	if l.member != 0 || l.giant && l.cluster > 0 && p.bridged(l.cluster-1, b) {
		return nil, buf
	}
	dst, buf = p.origMembers(l, b, buf, dst)
	for j := l.cluster; l.giant && p.bridged(j, b); j++ {
		dst, buf = p.origMembers(p.clusterLoc(j+1), b, buf, dst)
	}
	return dst, buf
}

// bandOwner returns the slot owning the band-b key of slot (see bandGroup).
func (p *synthPlan) bandOwner(slot, b int64) int64 {
	l := p.locate(slot)
	if l.size == 1 {
		return slot
	}
	v := p.variantOf(l.cluster, l.member)
	if !p.shares(l.cluster, v, b) {
		return l.first + v
	}
	for l.giant && l.cluster > 0 && p.bridged(l.cluster-1, b) {
		l = p.clusterLoc(l.cluster - 1)
	}
	return l.first
}

// exactGroup returns the slots sharing slot's exact key if slot is the first
// of them, else nil.
func (p *synthPlan) exactGroup(slot int64, buf []int32, dst []int64) ([]int64, []int32) {
	dst = dst[:0]
	l := p.locate(slot)
	if l.size == 1 {
		return append(dst, slot), buf
	}
	v := p.variantOf(l.cluster, l.member)
	if l.member != v {
		return nil, buf
	}
	vt, buf := p.table(l, buf)
	return p.copiesOf(l, vt, v, dst), buf
}

// keyAt returns the rank-th of a strictly increasing sequence of keys
// spread evenly over [0, 2^64) in buckets of width w.
func keyAt(rank, w, salt uint64) uint64 {
	return rank*w + fmix64(rank^salt)%w
}

func (p *synthPlan) bandKey(rank uint64) uint64 { return keyAt(rank, p.bandW, saltKey^p.c.Seed) }

func (p *synthPlan) exactKey(ownerSlot int64) Key {
	rank := p.exact.enc(uint64(ownerSlot))
	return Key{Hi: keyAt(rank, p.exactW, saltKey^p.c.Seed), Lo: fmix64(rank ^ saltLo ^ p.c.Seed)}
}

// rankRange returns the ranks in [0, m) whose keys (bucket width w) fall in
// partition r.
func (p *synthPlan) rankRange(m, w uint64, salt uint64, r int) (lo, hi uint64) {
	first := func(part int) uint64 {
		return uint64(sort.Search(int(m), func(i int) bool {
			return partitionOf(keyAt(uint64(i), w, salt), p.o.Partitions) >= part
		}))
	}
	return first(r), first(r + 1)
}

func (p *synthPlan) shardOf(pos int64) int {
	return int(((pos+1)*int64(p.c.Shards) - 1) / p.n)
}

func (p *synthPlan) shardStart(s int) int64 { return int64(s) * p.n / int64(p.c.Shards) }

func (p *synthPlan) node(pos int64) uint64 {
	return currentBit | uint64(pos/p.c.RowsPerFile)<<fileShift | uint64(pos%p.c.RowsPerFile)
}

// sizeOf returns the text size of variant v of cluster c (exact copies have
// equal sizes).
func (p *synthPlan) sizeOf(c, v int64) int64 {
	return 200 + int64(mix(saltSize^p.c.Seed, uint64(c), uint64(v), 0)%6000)
}

// sigOf writes the MinHash values of variant v of cluster c to dst (len K).
func (p *synthPlan) sigOf(c, v int64, dst []byte) {
	s := p.c.Seed
	for i := 0; i < len(dst); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], mix(saltSig^s, uint64(c), uint64(i), 0))
		copy(dst[i:], w[:])
	}
	if v == 0 {
		return
	}
	for i := int((synthNearEvery - v%synthNearEvery) % synthNearEvery); i < len(dst); i += synthNearEvery {
		dst[i] ^= byte(1 + mix(saltMod^s, uint64(c), uint64(v), uint64(i))%255)
	}
}

// WriteMap writes the map output of every shard of the corpus into dir/map
// (created if needed), exactly as Index.WriteBandPartitions would for each
// shard's records, using up to workers goroutines (default GOMAXPROCS when
// ≤ 0). opts must be the Options of the Plan that reduces the files; only
// its fingerprint and partition fields and MaxClusterSize matter. The files
// take 24 + 16·Bands + 41 + Bands·Rows bytes per record (401 with the
// defaults) plus 4 bytes per 64 KiB block; WriteMap holds a few MiB per
// worker.
func (c SyntheticCorpus) WriteMap(ctx context.Context, dir string, opts Options, workers int) error {
	p, err := newSynthPlan(c, opts)
	if err != nil {
		return err
	}
	out := filepath.Join(dir, "map")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct {
		kind fileKind
		r    int
	}
	var jobs []job
	for s := range p.c.Shards {
		jobs = append(jobs, job{kindRec, s})
	}
	for r := range p.o.Partitions {
		jobs = append(jobs, job{kindBand, r}, job{kindExact, r})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	for range min(workers, len(jobs)) {
		wg.Go(func() {
			for {
				mu.Lock()
				if first != nil || next == len(jobs) {
					mu.Unlock()
					return
				}
				j := jobs[next]
				next++
				mu.Unlock()
				var err error
				if j.kind == kindRec {
					err = p.writeRecs(ctx, out, j.r)
				} else {
					err = p.writePartition(ctx, out, j.kind, j.r)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// writePartition writes partition r of kind (exact or band) for every
// shard: the keys of the partition in order, each with its group's records
// in node order, each entry to its record's shard.
func (p *synthPlan) writePartition(ctx context.Context, out string, kind fileKind, r int) error {
	params := p.o.paramsDigest()
	ws := make([]*blockWriter, p.c.Shards)
	abort := func() {
		for _, w := range ws {
			if w != nil {
				w.abort()
			}
		}
	}
	for s := range ws {
		h := headerFor(kind, r, p.o.Partitions, params, recSize(p.k))
		h.shard = uint32(s)
		w, err := createBlockFile(filepath.Join(out, mapName(kind, r, s)), h, true)
		if err != nil {
			abort()
			return err
		}
		ws[s] = w
	}
	var (
		m, w    uint64
		salt    = saltKey ^ p.c.Seed
		members []int64
		pos     []int64
		buf     []int32
		e       [exactSize]byte
	)
	if kind == kindExact {
		m, w = uint64(p.n), p.exactW
	} else {
		m, w = uint64(p.n)*uint64(p.bands), p.bandW
	}
	lo, hi := p.rankRange(m, w, salt, r)
	for rank := lo; rank < hi; rank++ {
		if rank&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				abort()
				return err
			}
		}
		var size int
		if kind == kindExact {
			slot := int64(p.exact.dec(rank))
			if members, buf = p.exactGroup(slot, buf, members); members == nil {
				continue
			}
			k := p.exactKey(slot)
			binary.BigEndian.PutUint64(e[0:], k.Hi)
			binary.BigEndian.PutUint64(e[8:], k.Lo)
			size = exactSize
		} else {
			x := p.band.dec(rank)
			if members, buf = p.bandGroup(int64(x/uint64(p.bands)), int64(x%uint64(p.bands)), buf, members); members == nil {
				continue
			}
			binary.BigEndian.PutUint64(e[0:], p.bandKey(rank))
			size = bandSize
		}
		pos = pos[:0]
		for _, s := range members {
			pos = append(pos, int64(p.rec.enc(uint64(s))))
		}
		slices.Sort(pos)
		for _, x := range pos {
			binary.BigEndian.PutUint64(e[size-8:], p.node(x))
			if err := ws[p.shardOf(x)].add(e[:size]); err != nil {
				abort()
				return err
			}
		}
	}
	for i, wr := range ws {
		ws[i] = nil
		if err := wr.commit(); err != nil {
			abort()
			return err
		}
	}
	return nil
}

// writeRecs writes shard s's record file in node order.
func (p *synthPlan) writeRecs(ctx context.Context, out string, s int) error {
	h := headerFor(kindRec, 0, p.o.Partitions, p.o.paramsDigest(), recSize(p.k))
	h.shard = uint32(s)
	w, err := createBlockFile(filepath.Join(out, mapName(kindRec, 0, s)), h, true)
	if err != nil {
		return err
	}
	e := make([]byte, recSize(p.k))
	sig := make([]byte, p.k)
	for pos := p.shardStart(s); pos < p.shardStart(s+1); pos++ {
		if pos&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				w.abort()
				return err
			}
		}
		p.recEntry(pos, e, sig)
		if err := w.add(e); err != nil {
			w.abort()
			return err
		}
	}
	return w.commit()
}

// recEntry fills e with the record entry of plan position pos.
func (p *synthPlan) recEntry(pos int64, e, sig []byte) {
	l := p.locate(int64(p.rec.dec(uint64(pos))))
	v := p.variantOf(l.cluster, l.member)
	p.sigOf(l.cluster, v, sig)
	putRec(e, p.node(pos), p.sizeOf(l.cluster, v), 0, p.exactKey(l.first+v), true, sig)
}

// sketchOf returns the sketch Fingerprinter.Sketch would return for the
// record at plan position pos if its text had the planted keys and
// signature (for cross-checking WriteMap against Index).
func (p *synthPlan) sketchOf(pos int64) []byte {
	slot := int64(p.rec.dec(uint64(pos)))
	l := p.locate(slot)
	v := p.variantOf(l.cluster, l.member)
	k := p.exactKey(l.first + v)
	dst := []byte{sketchVersion, flagSig}
	dst = binary.LittleEndian.AppendUint64(dst, k.Hi)
	dst = binary.LittleEndian.AppendUint64(dst, k.Lo)
	for b := range p.bands {
		rank := p.band.enc(uint64(p.bandOwner(slot, b)*p.bands + b))
		dst = binary.LittleEndian.AppendUint64(dst, p.bandKey(rank))
	}
	sig := make([]byte, p.k)
	p.sigOf(l.cluster, v, sig)
	return append(dst, sig...)
}

// Expect returns the Stats that resolving the corpus's map output with opts
// and KeepFirst must give, and calls each (if not nil) with every planted
// duplicate, cluster by cluster. The Stats fields Records,
// CandidateRecords, Edges, Clusters, Dropped, DroppedExact, DroppedNear,
// BytesRemoved, VerifyRejected, SizeHistogram and Giant are filled; Largest
// and PriorMatches are not. Expect holds one cluster at a time (plus the
// member tables of clusters above 64 records, 12 bytes per member).
func (c SyntheticCorpus) Expect(opts Options, each func(Dup)) (Stats, error) {
	p, err := newSynthPlan(c, opts)
	if err != nil {
		return Stats{}, err
	}
	if p.o.Keep != KeepFirst {
		return Stats{}, fmt.Errorf("dedupe: synthetic corpus: Expect supports only KeepFirst, not %v", p.o.Keep)
	}
	type mem struct {
		pos     int64
		part    int64 // cluster id
		variant int64
	}
	st := Stats{Records: p.n}
	var hist [64]int64
	var (
		buf        []int32
		ms         []mem
		sigA, sigB = make([]byte, p.k), make([]byte, p.k)
	)
	// settle one component: parts are dissimilar clusters, all members of
	// a part are similar to each other.
	settle := func(ms []mem, giant bool) {
		size := len(ms)
		check := !p.o.SkipVerify || giant
		slices.SortFunc(ms, func(a, b mem) int { return cmp.Compare(a.pos, b.pos) })
		type grp struct {
			leader mem
			n      int
		}
		var groups []grp
		find := func(m mem) int {
			for gi := range groups {
				if !check || groups[gi].leader.part == m.part {
					return gi
				}
			}
			return -1
		}
		gi := make([]int, len(ms))
		for i, m := range ms {
			g := find(m)
			if g < 0 {
				if len(groups) > 0 && check {
					st.VerifyRejected++
				}
				groups = append(groups, grp{leader: m})
				g = len(groups) - 1
			} else {
				groups[g].n++
			}
			gi[i] = g
		}
		multi := 0
		for _, g := range groups {
			if g.n > 0 {
				multi++
				st.Clusters++
				hist[bucketOf(g.n+1)]++
			}
		}
		for i, m := range ms {
			l := groups[gi[i]].leader
			if l.pos == m.pos {
				continue
			}
			d := Dup{ID: nodeID(p.node(m.pos)), Kind: DupNear, Cluster: ClusterID(p.node(l.pos)), Kept: nodeID(p.node(l.pos)), Similarity: 1}
			if l.part == m.part && l.variant == m.variant {
				d.Kind = DupExact
				st.DroppedExact++
			} else {
				p.sigOf(m.part, m.variant, sigA)
				p.sigOf(l.part, l.variant, sigB)
				d.Similarity = estimateJaccard(sigA, sigB)
				st.DroppedNear++
			}
			st.Dropped++
			st.BytesRemoved += p.sizeOf(m.part, m.variant)
			if each != nil {
				each(d)
			}
		}
		if size > p.o.MaxClusterSize {
			st.Giant = append(st.Giant, GiantCluster{Cluster: ClusterID(p.node(ms[0].pos)), Size: size, Clusters: multi, Singletons: len(groups) - multi})
		}
	}
	// edges of one cluster: exact groups, and per band the original's group
	// plus one group per variant that does not share it.
	edges := func(l synthLoc, vt []int32) {
		variants := int64(0)
		for i, v := range vt {
			if int64(v) == int64(i) {
				variants++
			}
		}
		st.Edges += l.size - variants
		for b := range p.bands {
			groups := int64(1)
			for i, v := range vt {
				if int64(v) == int64(i) && v != 0 && !p.shares(l.cluster, int64(v), b) {
					groups++
				}
			}
			st.Edges += l.size - groups
		}
	}
	for ci := range p.classes {
		cl := &p.classes[ci]
		if cl.size < 2 {
			continue
		}
		for j := range cl.count {
			l := p.clusterLoc(cl.firstCluster + j)
			var vt []int32
			vt, buf = p.table(l, buf)
			edges(l, vt)
			st.CandidateRecords += l.size
			if !l.giant {
				ms = ms[:0]
			}
			for i, v := range vt {
				ms = append(ms, mem{pos: int64(p.rec.enc(uint64(l.first + int64(i)))), part: l.cluster, variant: int64(v)})
			}
			if !l.giant {
				settle(ms, l.size > int64(p.o.MaxClusterSize))
			} else if l.cluster == p.parts-1 {
				st.Edges += p.parts - 1 // one bridge between consecutive parts
				settle(ms, int64(len(ms)) > int64(p.o.MaxClusterSize))
				ms = nil
			}
		}
	}
	for b, n := range hist {
		if n == 0 {
			continue
		}
		lo, hi := int64(1)<<b+1, int64(1)<<(b+1)
		if b == 0 {
			lo = 2
		}
		st.SizeHistogram = append(st.SizeHistogram, SizeBucket{Min: lo, Max: hi, Clusters: n})
	}
	slices.SortFunc(st.Giant, func(a, b GiantCluster) int { return cmp.Compare(a.Cluster, b.Cluster) })
	return st, nil
}

// feistel is a keyed pseudo-random permutation of [0, m): an unbalanced
// Feistel network on the smallest power of two ≥ m, with cycle walking.
type feistel struct {
	m      uint64
	rb     uint
	lm, rm uint64
	k      [6]uint64
}

func newFeistel(m, seed uint64) feistel {
	n := uint(max(2, bits.Len64(max(m, 1)-1)))
	f := feistel{m: m, rb: n / 2}
	f.rm = 1<<f.rb - 1
	f.lm = 1<<(n-f.rb) - 1
	for i := range f.k {
		f.k[i] = fmix64(seed + uint64(i+1)*prime1)
	}
	return f
}

func (f *feistel) round(x uint64, inverse bool) uint64 {
	l, r := x>>f.rb, x&f.rm
	for j := range len(f.k) {
		i := j
		if inverse {
			i = len(f.k) - 1 - j
		}
		if i%2 == 0 {
			l ^= fmix64(r^f.k[i]) & f.lm
		} else {
			r ^= fmix64(l^f.k[i]) & f.rm
		}
	}
	return l<<f.rb | r
}

// enc maps x ∈ [0, m) to its image in [0, m).
func (f *feistel) enc(x uint64) uint64 {
	for {
		x = f.round(x, false)
		if x < f.m {
			return x
		}
	}
}

// dec is the inverse of enc.
func (f *feistel) dec(y uint64) uint64 {
	for {
		y = f.round(y, true)
		if y < f.m {
			return y
		}
	}
}
