package dedupe

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// resolveInput is what the resolve step reads.
type resolveInput struct {
	opts   Options
	params uint64
	edges  []string // one edge file per partition
	nodes  []string // one node file per partition
	recs   []source // record sources, each sorted by node
	prior  *Prior
	tmpDir string // for sort runs
}

// guardBudget bounds the similarity checks spent on one component to
// guardBudget × its size; see settle.
const guardBudget = 64

// resolveCore clusters the candidate edges with union-find, streams the
// records of the clustered nodes through an external sort by cluster, and
// settles each cluster (keep policy, verification, giant-cluster guard).
//
// Memory: 12 bytes per candidate record (sorted node keys and union-find
// parents), the sort buffer (≤ Options.MemBytes), the members of one
// cluster at a time, and the returned Dups.
func resolveCore(ctx context.Context, in resolveInput) (*Result, error) {
	o := in.opts
	nodes, err := loadNodes(in)
	if err != nil {
		return nil, err
	}
	if uint64(len(nodes)) >= math.MaxUint32 {
		return nil, fmt.Errorf("dedupe: %d candidate records exceed the 2^32-1 a resolve supports", len(nodes))
	}
	parent := make([]uint32, len(nodes))
	for i := range parent {
		parent[i] = uint32(i)
	}
	var edges int64
	for r, name := range in.edges {
		n, err := unionEdges(ctx, name, r, in, nodes, parent)
		if err != nil {
			return nil, err
		}
		edges += n
	}
	// Flatten, and bound the number of drops to size Result.Dups once: a
	// component keeps at least one record, and its root (smallest node) is
	// an index record iff it has any.
	maxDrops := 0
	for i := range parent {
		parent[i] = find(parent, uint32(i))
		if nodeCurrent(nodes[i]) {
			maxDrops++
			if parent[i] == uint32(i) {
				maxDrops--
			}
		}
	}

	rsize := recSize(o.hashes())
	sorter := &extSorter{
		dir: in.tmpDir, size: 8 + rsize, limit: int(min(o.MemBytes, math.MaxInt32)),
		hdr: fileHeader{kind: kindCRec, flags: flagSorted | flagUnique, entrySize: uint32(8 + rsize),
			keyLen: 16, partitions: 1, params: in.params},
	}
	defer sorter.cleanup()
	var records int64
	m, err := newMerger(in.recs, 8)
	if err != nil {
		return nil, err
	}
	crec := make([]byte, 8+rsize)
	j := 0
	var prev uint64
	for i := 0; ; i++ {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		e, err := m.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(e) != rsize {
			return nil, fmt.Errorf("dedupe: record entry of %d bytes, want %d: %w", len(e), rsize, ErrMismatch)
		}
		node := binary.BigEndian.Uint64(e)
		if i > 0 && node <= prev {
			return nil, fmt.Errorf("dedupe: record (%d, %d): %w", nodeFile(node), nodeRow(node), ErrDuplicateRecord)
		}
		prev = node
		if nodeCurrent(node) {
			records++
		}
		if j < len(nodes) && nodes[j] < node {
			return nil, fmt.Errorf("dedupe: candidate record (%d, %d) has no record entry: inconsistent inputs", nodeFile(nodes[j]), nodeRow(nodes[j]))
		}
		if j < len(nodes) && nodes[j] == node {
			binary.BigEndian.PutUint64(crec, nodes[parent[j]])
			copy(crec[8:], e)
			if err := sorter.add(crec); err != nil {
				return nil, err
			}
			j++
		}
	}
	if j < len(nodes) {
		return nil, fmt.Errorf("dedupe: candidate record (%d, %d) has no record entry: inconsistent inputs", nodeFile(nodes[j]), nodeRow(nodes[j]))
	}
	nNodes := len(nodes)
	nodes, parent = nil, nil // free before the cluster pass

	src, err := sorter.finish()
	if err != nil {
		return nil, err
	}
	c := newClusterer(o, in.prior)
	c.res.Dups = make([]Dup, 0, maxDrops)
	c.res.Stats.Records = records
	c.res.Stats.Edges = edges
	c.res.Stats.CandidateRecords = int64(nNodes)
	if err := c.run(ctx, src, rsize); err != nil {
		return nil, err
	}
	return c.finish(), nil
}

// loadNodes merges the per-partition node files into one sorted list of
// distinct nodes. A node appears in the file of every partition where it has
// an edge, so the files are merged twice: once to count the distinct nodes,
// once to fill a slice of exactly that size.
func loadNodes(in resolveInput) ([]uint64, error) {
	var nodes []uint64
	count := 0
	for pass := range 2 {
		if pass == 1 {
			nodes = make([]uint64, 0, count)
		}
		err := func() error {
			var set openSet
			defer set.closeAll()
			var srcs []source
			for p, name := range in.nodes {
				r, err := set.open(name, kindNode, in.params, p, len(in.nodes))
				if err != nil {
					return err
				}
				if r.hdr.entrySize != nodeSize || r.hdr.keyLen != nodeSize {
					return corruptf(name, 12, "entry size %d, want %d", r.hdr.entrySize, nodeSize)
				}
				srcs = append(srcs, r)
			}
			m, err := newMerger(srcs, nodeSize)
			if err != nil {
				return err
			}
			var last uint64
			for i := 0; ; i++ {
				e, err := m.next()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				n := binary.BigEndian.Uint64(e)
				if i > 0 && n == last {
					continue
				}
				last = n
				if pass == 0 {
					count++
				} else {
					nodes = append(nodes, n)
				}
			}
		}()
		if err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

func unionEdges(ctx context.Context, name string, p int, in resolveInput, nodes []uint64, parent []uint32) (int64, error) {
	r, err := openBlockFile(name, kindEdge)
	if err != nil {
		return 0, err
	}
	defer r.close()
	if err := r.checkParams(in.params, p, len(in.edges)); err != nil {
		return 0, err
	}
	if r.hdr.entrySize != edgeSize {
		return 0, corruptf(name, 12, "entry size %d, want %d", r.hdr.entrySize, edgeSize)
	}
	var n int64
	for {
		if n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		e, err := r.next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		a, oka := search(nodes, binary.BigEndian.Uint64(e))
		b, okb := search(nodes, binary.BigEndian.Uint64(e[8:]))
		if !oka || !okb {
			return 0, corruptf(name, -1, "edge %d names a record missing from the node files", n)
		}
		union(parent, a, b)
		n++
	}
}

func search(s []uint64, x uint64) (uint32, bool) {
	lo, hi := 0, len(s)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if s[h] < x {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return uint32(lo), lo < len(s) && s[lo] == x
}

// find returns x's root, halving the path on the way.
func find(p []uint32, x uint32) uint32 {
	for p[x] != x {
		p[x] = p[p[x]]
		x = p[x]
	}
	return x
}

// union links the larger root under the smaller, so every root is its
// component's smallest index, hence its smallest node.
func union(p []uint32, a, b uint32) {
	ra, rb := find(p, a), find(p, b)
	switch {
	case ra < rb:
		p[rb] = ra
	case rb < ra:
		p[ra] = rb
	}
}

// extSorter sorts fixed-size entries by their first 16 bytes (two big-endian
// uint64), spilling sorted runs to dir beyond limit bytes.
type extSorter struct {
	dir   string
	size  int
	limit int
	hdr   fileHeader
	slab  []byte
	keys  []sortKey
	runs  []string
	open  []*blockReader
}

type sortKey struct {
	a, b uint64
	off  int
}

func cmpSortKey(x, y sortKey) int {
	if c := cmp.Compare(x.a, y.a); c != 0 {
		return c
	}
	return cmp.Compare(x.b, y.b)
}

func (s *extSorter) add(e []byte) error {
	s.keys = append(s.keys, sortKey{binary.BigEndian.Uint64(e), binary.BigEndian.Uint64(e[8:]), len(s.slab)})
	s.slab = append(s.slab, e...)
	if len(s.slab)+len(s.keys)*24 >= s.limit/2 {
		return s.spill()
	}
	return nil
}

func (s *extSorter) spill() error {
	if len(s.keys) == 0 {
		return nil
	}
	if s.dir == "" {
		return errors.New("dedupe: sort buffer full and no temporary directory")
	}
	slices.SortFunc(s.keys, cmpSortKey)
	name := filepath.Join(s.dir, fmt.Sprintf("crec-run-%05d.wdd", len(s.runs)))
	w, err := createBlockFile(name, s.hdr, false)
	if err != nil {
		return err
	}
	for _, k := range s.keys {
		if err := w.add(s.slab[k.off : k.off+s.size]); err != nil {
			w.abort()
			return err
		}
	}
	if err := w.commit(); err != nil {
		return err
	}
	s.runs = append(s.runs, name)
	s.slab, s.keys = s.slab[:0], s.keys[:0]
	return nil
}

// finish returns the sorted stream of everything added.
func (s *extSorter) finish() (source, error) {
	if len(s.runs) == 0 {
		slices.SortFunc(s.keys, cmpSortKey)
		return &keyedSource{s: s}, nil
	}
	if err := s.spill(); err != nil {
		return nil, err
	}
	s.slab, s.keys = nil, nil
	srcs := make([]source, 0, len(s.runs))
	for _, name := range s.runs {
		r, err := openBlockFile(name, s.hdr.kind)
		if err != nil {
			return nil, err
		}
		s.open = append(s.open, r)
		srcs = append(srcs, r)
	}
	return newMerger(srcs, 16)
}

func (s *extSorter) cleanup() {
	for _, r := range s.open {
		r.close()
	}
	for _, name := range s.runs {
		os.Remove(name)
	}
}

type keyedSource struct {
	s *extSorter
	i int
}

func (k *keyedSource) next() ([]byte, error) {
	if k.i == len(k.s.keys) {
		return nil, io.EOF
	}
	off := k.s.keys[k.i].off
	k.i++
	return k.s.slab[off : off+k.s.size], nil
}

// member is one record of a cluster being settled.
type member struct {
	node      uint64
	eff       uint64 // ordering key: the index record's node for twins
	size      int64
	keep      float64
	exact     Key
	hasSig    bool
	sig       []byte
	current   bool // a record of this run
	protected bool // an index record, or this run's copy of one: never dropped
	provNode  uint64
	hasProv   bool
	absorbed  bool // an index record represented by its twin
	sim       float64
}

type group struct {
	leader  int   // index into clusterer.members
	members []int // joined members, in join order
}

type clusterer struct {
	opts    Options
	prior   *Prior
	res     *Result
	slab    []byte
	members []member
	order   []int
	groups  []group
	twins   []uint64
	hist    [64]int64
	exactOf map[Key]int
}

func newClusterer(o Options, p *Prior) *clusterer {
	return &clusterer{opts: o, prior: p, res: &Result{}}
}

// run consumes the (root, record) stream sorted by root and settles each
// cluster.
func (c *clusterer) run(ctx context.Context, src source, rsize int) error {
	var root uint64
	n := 0
	for i := 0; ; i++ {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		r := binary.BigEndian.Uint64(e)
		if n > 0 && r != root {
			c.settle(n, rsize)
			n = 0
		}
		if n == 0 {
			c.slab = c.slab[:0]
		}
		root = r
		c.slab = append(c.slab, e[8:]...)
		n++
	}
	if n > 0 {
		c.settle(n, rsize)
	}
	return nil
}

// settle decides one connected component of n records held in c.slab.
//
// Members are ranked by preference: records of the persistent index (and
// this run's copies of them) first, then the keep policy, then plan order.
// Walking the ranking, each member joins the first existing group whose
// leader it matches, or else leads a new group. When verification applies
// (always, unless SkipVerify, and always for components above
// MaxClusterSize), matching means an equal exact key or an estimated
// Jaccard similarity ≥ Threshold with the leader; otherwise every member
// joins the first group. Each group's leader is its kept record. The checks
// spent on a component are capped at guardBudget × its size; past the cap a
// member only joins a leader with the same exact key.
func (c *clusterer) settle(n, rsize int) {
	o := &c.opts
	c.members = c.members[:0]
	hasPrior, hasCurrent := false, false
	for i := range n {
		r := decodeRec(c.slab[i*rsize : (i+1)*rsize])
		m := member{node: r.node, eff: r.node, size: r.size, keep: r.keep, exact: r.exact,
			hasSig: r.hasSig, sig: r.sig, current: nodeCurrent(r.node)}
		if !m.current {
			m.protected, m.provNode, m.hasProv = true, r.node, true
			hasPrior = true
		} else {
			hasCurrent = true
		}
		c.members = append(c.members, m)
	}
	if hasPrior && hasCurrent && c.prior != nil {
		c.matchTwins()
	}
	c.order = c.order[:0]
	for i := range c.members {
		if !c.members[i].absorbed {
			c.order = append(c.order, i)
		}
	}
	slices.SortFunc(c.order, func(a, b int) int { return c.compare(&c.members[a], &c.members[b]) })

	size := len(c.order)
	giant := size > o.MaxClusterSize
	check := !o.SkipVerify || giant
	budget := guardBudget * size
	c.groups = c.groups[:0]
	clear(c.exactOf)
	rejected := 0
	for _, mi := range c.order {
		m := &c.members[mi]
		joined := -1
		switch {
		case len(c.groups) == 0:
		case !check:
			joined = 0
			m.sim = c.similarity(m, &c.members[c.groups[0].leader])
		case budget > 0:
			for gi := range c.groups {
				l := &c.members[c.groups[gi].leader]
				budget--
				if s := c.similarity(m, l); s >= o.Threshold {
					joined, m.sim = gi, s
					break
				}
				if budget <= 0 {
					break
				}
			}
		default:
			if c.exactOf == nil {
				c.exactOf = map[Key]int{}
			}
			if len(c.exactOf) == 0 {
				for gi := len(c.groups) - 1; gi >= 0; gi-- {
					c.exactOf[c.members[c.groups[gi].leader].exact] = gi
				}
			}
			if gi, ok := c.exactOf[m.exact]; ok {
				joined, m.sim = gi, 1
			}
		}
		if joined < 0 {
			if len(c.groups) > 0 {
				rejected++
			}
			c.groups = append(c.groups, group{leader: mi})
			if len(c.exactOf) > 0 {
				if _, ok := c.exactOf[m.exact]; !ok {
					c.exactOf[m.exact] = len(c.groups) - 1
				}
			}
			continue
		}
		c.groups[joined].members = append(c.groups[joined].members, mi)
	}
	if check {
		c.res.Stats.VerifyRejected += int64(rejected)
	}
	multi, singles := 0, 0
	for gi := range c.groups {
		if len(c.groups[gi].members) == 0 {
			singles++
			continue
		}
		multi++
		c.emit(&c.groups[gi])
	}
	if giant {
		c.res.Stats.Giant = append(c.res.Stats.Giant, GiantCluster{
			Cluster: ClusterID(c.members[c.groups[0].leader].eff), Size: size,
			Clusters: multi, Singletons: singles,
		})
	}
}

// compare ranks members: protected first, then the keep policy, then eff.
func (c *clusterer) compare(a, b *member) int {
	if a.protected != b.protected {
		if a.protected {
			return -1
		}
		return 1
	}
	switch c.opts.Keep {
	case KeepLongest:
		if x := cmp.Compare(b.size, a.size); x != 0 {
			return x
		}
	case KeepMax:
		if x := cmp.Compare(nanLow(b.keep), nanLow(a.keep)); x != 0 {
			return x
		}
	}
	return cmp.Compare(a.eff, b.eff)
}

func nanLow(f float64) float64 {
	if math.IsNaN(f) {
		return math.Inf(-1)
	}
	return f
}

func (c *clusterer) similarity(m, l *member) float64 {
	if m.exact == l.exact {
		return 1
	}
	if !m.hasSig || !l.hasSig {
		return 0
	}
	return estimateJaccard(m.sig, l.sig)
}

// matchTwins identifies each record of this run with the index record it
// is a copy of: same file path (of an unchanged file), same row, same exact
// key. The twin takes the index record's place and provenance.
func (c *clusterer) matchTwins() {
	type cand struct {
		node uint64 // the current node the index record would have
		mi   int
	}
	var cands []cand
	for i := range c.members {
		m := &c.members[i]
		if m.current {
			continue
		}
		f := c.prior.currentFile(nodeFile(m.node))
		if f < 0 {
			continue
		}
		cands = append(cands, cand{currentBit | uint64(f)<<fileShift | uint64(nodeRow(m.node)), i})
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(a.node, b.node) })
	for i := range c.members {
		m := &c.members[i]
		if !m.current {
			continue
		}
		k, ok := slices.BinarySearchFunc(cands, m.node, func(x cand, n uint64) int { return cmp.Compare(x.node, n) })
		if !ok {
			continue
		}
		p := &c.members[cands[k].mi]
		if p.absorbed || p.exact != m.exact {
			continue
		}
		p.absorbed = true
		m.eff, m.protected, m.provNode, m.hasProv = p.node, true, p.node, true
		c.twins = append(c.twins, m.node)
	}
}

// emit records the drops and statistics of one group.
func (c *clusterer) emit(g *group) {
	st := &c.res.Stats
	l := &c.members[g.leader]
	id := ClusterID(l.eff)
	kept := NoRecord
	if l.current {
		kept = nodeID(l.node)
	}
	var prov *Provenance
	if l.hasProv && c.prior != nil {
		p := c.prior.provenance(l.provNode)
		prov = &p
	}
	dropped := 0
	for _, mi := range g.members {
		m := &c.members[mi]
		if !m.current || m.protected {
			continue
		}
		kind := DupNear
		if m.exact == l.exact {
			kind = DupExact
			st.DroppedExact++
		} else {
			st.DroppedNear++
		}
		c.res.Dups = append(c.res.Dups, Dup{ID: nodeID(m.node), Kind: kind, Cluster: id, Kept: kept, Similarity: m.sim, Prior: prov})
		st.Dropped++
		st.BytesRemoved += m.size
		if prov != nil {
			st.PriorMatches++
		}
		dropped++
	}
	if dropped == 0 {
		return
	}
	size := len(g.members) + 1
	st.Clusters++
	c.hist[bucketOf(size)]++
	if c.opts.TopClusters == 0 {
		return
	}
	top := st.Largest
	if len(top) == c.opts.TopClusters {
		last := top[len(top)-1]
		if size < last.Size || size == last.Size && id > last.Cluster {
			return
		}
	}
	var sample []RecordID
	if l.current {
		sample = append(sample, nodeID(l.node))
	}
	for _, mi := range g.members {
		if m := &c.members[mi]; m.current {
			sample = append(sample, nodeID(m.node))
		}
	}
	slices.SortFunc(sample, RecordID.Compare)
	sample = slices.Clip(sample[:min(5, len(sample))])
	cs := ClusterSummary{Cluster: id, Size: size, Kept: kept, Prior: prov, Sample: sample}
	i, _ := slices.BinarySearchFunc(top, cs, func(a, b ClusterSummary) int {
		if a.Size != b.Size {
			return cmp.Compare(b.Size, a.Size)
		}
		return cmp.Compare(a.Cluster, b.Cluster)
	})
	top = slices.Insert(top, i, cs)
	if len(top) > c.opts.TopClusters {
		top = top[:c.opts.TopClusters]
	}
	st.Largest = top
}

// bucketOf returns the histogram bucket of a cluster size ≥ 2: bucket b
// holds sizes in (2^b, 2^(b+1)], with bucket 0 holding size 2.
func bucketOf(size int) int {
	b := 0
	for s := size - 1; s > 1; s >>= 1 {
		b++
	}
	return b
}

func (c *clusterer) finish() *Result {
	st := &c.res.Stats
	for b, n := range c.hist {
		if n == 0 {
			continue
		}
		lo, hi := int64(1)<<b+1, int64(1)<<(b+1)
		if b == 0 {
			lo = 2
		}
		st.SizeHistogram = append(st.SizeHistogram, SizeBucket{Min: lo, Max: hi, Clusters: n})
	}
	slices.SortFunc(c.res.Dups, func(a, b Dup) int { return a.ID.Compare(b.ID) })
	slices.SortFunc(st.Giant, func(a, b GiantCluster) int { return cmp.Compare(a.Cluster, b.Cluster) })
	slices.Sort(c.twins)
	c.res.twins = c.twins
	return c.res
}
