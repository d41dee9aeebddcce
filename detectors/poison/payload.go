package poison

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// PayloadCluster finds the same long span (MinSpan characters or more)
// repeated in many otherwise unrelated records (poison.payload_cluster):
// a planted payload, spam or an injected instruction copied into documents
// that have nothing else in common, or one fixed response given to
// unrelated prompts.
//
// Only prose fields are shingled (at least two words: ids, URLs and other
// metadata are skipped). Each contributes the hashes of its
// MinSpan-character shingles anchored at word starts (every fourth
// character in CJK runs), keeping shingles that are at least half letters
// and hold three word starts; digits are folded, so spans that differ only
// in numbers are one template. Each field also gets two 64-bit SimHashes of
// word features (digits folded): of its own first 128 words and of the
// record's other prose fields. All of this comes from two passes over each
// field: one over its characters, one over its word starts (see shingles).
// A count-min sketch counts shingles; a shingle seen again becomes a
// candidate (its first occurrence is recovered from a direct-mapped
// first-seen table when still there). At the end,
// shingles with the same records merge into clusters (one span per record
// field, fields told apart by position since list columns repeat names).
//
// A cluster is flagged when it spans at most MaxDocFraction of the records
// (never less than 4·MinDocs records, so that small corpora can show the
// evidence), at least MinDocs distinct records, and its records are
// otherwise unrelated (relatedness): near duplicates count once (SimHashes
// within 12 bits: the field's own, or, for a span that is most of its field
// such as a whole response, the rest of the record's), and at most one in
// ten of the distinct records may share another repeated span with the
// others; pages of one site or template, canned answers and texts composed
// from one pool of sentences share many. Clusters mostly in prompt-side
// fields of instruction data (system prompts, task templates) are reported
// as prompt templates, never flagged. More common clusters (boilerplate)
// are only reported.
//
// Spans too common to be a planted payload are not tracked record by
// record: a candidate in more than four times MaxDocFraction of the
// records seen so far (and more than 4·MinDocs) is saturated: its
// occurrences are only counted, it is never flagged, and records holding
// it mark it in a 64-bit filter so that relatedness still sees the
// boilerplate they share. When the occurrences kept by all candidates
// exceed MaxOccurrences, the most common candidates are saturated too.
//
// Memory is bounded whatever the corpus: the sketch (2 bits per counter,
// 2^width bytes, 1 MiB by default: see payloadSeen; the report gives the
// 16·2^width bytes of the count-min sketch it stands for), the first-seen
// table (2^FirstSeenLog2 × 64 bytes, 64 MiB by default), MaxClusters
// candidates of about 100 bytes and their index (at most 72 bytes each)
// and at most MaxOccurrences occurrences of 64 bytes (64 MiB by default);
// at the end, an index of 8 bytes per kept occurrence. Each Sketch worker
// holds about 12 bytes per character of its longest field (at most
// maxFieldChars).
//
// Sketch is safe for concurrent use; Observe, Verdicts and Report follow
// the detectors.CorpusDetector contract.
type PayloadCluster struct {
	opt   PayloadOptions
	roles roleCache
	pool  sync.Pool
	pow   []uint64

	seen      *payloadSeen
	sink      uint64 // keeps the loads of Observe's prefetch pass
	first     []payloadFirst
	cands     payloadCands
	dropped   int
	records   int64
	stored    int // occurrences kept in candidates
	saturated int // candidates too common to track
	fieldBuf  []payloadField
	shBuf     []obsShingle
	names     fieldNames
	done      bool
	ranked    []*payloadCluster
}

var (
	_ detectors.CorpusDetector = (*PayloadCluster)(nil)
	_ detectors.Reporter       = (*PayloadCluster)(nil)
)

type payloadOcc struct {
	rec        detectors.RecordRef
	field      int32  // interned name
	fidx       int32  // position among the record's fields (names repeat in list columns)
	start, end int32  // bytes
	flen       int32  // length of the field in bytes
	prompt     bool   // in a prompt-side field (system or user message, prompt) of instruction data
	own, rest  uint64 // SimHashes of the field and of the record's other prose fields (0: none)
	// bloom marks the saturated candidates (spans too common to track) the
	// record held when observed, one bit each of 64.
	bloom uint64
}

// sim returns the SimHash that tells whether the occurrence's record is
// related to another: its field's, or, when the span is most of that field
// (a whole response), the rest of the record's.
func (o *payloadOcc) sim() uint64 {
	if o.whole() {
		return o.rest
	}
	return o.own
}

// whole reports whether the span is most of its field (a whole response or
// message) in a record with other prose fields.
func (o *payloadOcc) whole() bool { return o.rest != 0 && 2*int(o.end-o.start) >= int(o.flen) }

type payloadCand struct {
	h    uint64
	occ  []payloadOcc
	more int  // occurrences counted but not kept
	sat  bool // saturated: too common to track, occurrences only counted
}

type payloadCluster struct {
	occ     []payloadOcc // merged per record and field
	records int
	groups  int     // distinct records (near duplicates collapsed), among the first 4·MinDocs
	related float64 // share of those that are otherwise related (1 when not examined)
	h       uint64
	flagged bool
	// template: mostly in prompt-side fields of instruction data (a system
	// prompt or task template): reported, never flagged.
	template bool
}

// maxRelatedShare is the largest share of otherwise related records
// (relatedness) a flagged cluster may have: a planted payload's records
// have next to nothing else in common, but one in five may share some
// other span by chance.
const maxRelatedShare = 0.1

// clusterOcc locates one occurrence of a cluster.
type clusterOcc struct {
	cluster int32
	occ     int32
}

// hashWordFolded hashes a word for SimHash features, lowercased and with
// every digit folded to 0: numbers that differ (quantities, dates, ids) do
// not make otherwise identical records unrelated.
func hashWordFolded(w []byte) uint64 {
	if len(w) > 64 {
		return hash64(w)
	}
	var buf [64]byte
	for i, c := range w {
		switch {
		case c >= 'A' && c <= 'Z':
			c += 32
		case c >= '0' && c <= '9':
			c = '0'
		}
		buf[i] = c
	}
	return hash64(buf[:len(w)])
}

// simhashWords is how many words (from the start of the record) its
// SimHash covers: enough to tell near-duplicate records apart cheaply.
const simhashWords = 128

func newPayload(opt Options) *PayloadCluster {
	p := &PayloadCluster{
		opt:   opt.Payload,
		seen:  newPayloadSeen(opt.Payload.SketchWidthLog2, opt.Payload.SketchDepth),
		first: make([]payloadFirst, 1<<opt.Payload.FirstSeenLog2),
	}
	p.pool.New = func() any { return &payloadScratch{} }
	n := 4*opt.Payload.MinSpan + 8
	p.pow = make([]uint64, n+1)
	p.pow[0] = 1
	for i := 1; i <= n; i++ {
		p.pow[i] = p.pow[i-1] * rollBase
	}
	return p
}

// ID returns "poison.payload_cluster".
func (p *PayloadCluster) ID() string { return KindPayloadCluster }

// Version changes whenever the output can change.
func (p *PayloadCluster) Version() string { return "3" }

// Kinds returns poison.payload_cluster.
func (p *PayloadCluster) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindPayloadCluster, Description: "long span repeated across many unrelated records", Severity: detectors.SeverityMedium}}
}

type payloadScratch struct {
	words  []uint64
	fwords [][]uint64 // words per prose field
	refs   []fieldRef
	pairs  []pair
	side   []bool // prompt-side fields of instruction records
	sh     []shingle
	set    []uint64 // open-addressing set of the record's shingle hashes
	chars  payloadChars
}

type shingle struct {
	h          uint64
	field      int32
	start, end int32 // bytes
}

// Per-ASCII-byte classes for the fused character pass.
const (
	acWordy  = 1 << iota // letter or digit: continues a word
	acLetter             // letter
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		p := asciiProps[c]
		if wordy(p) {
			t[c] |= acWordy
		}
		if p.Has(unidata.Letter) {
			t[c] |= acLetter
		}
	}
	return
}()

// Sketch implements detectors.CorpusDetector: per field, the SimHashes of
// its first simhashWords words and of the record's other prose fields,
// then the distinct qualifying shingles of its prose fields field by
// field, each with what Observe needs of its hash (mix64 of it, and the
// counters it uses in its sketch line) and its byte span (start as a delta
// from the previous one in the same field, end as a length unless
// MinSpan).
func (p *PayloadCluster) Sketch(dst []byte, fields []detectors.Field) []byte {
	sc := p.pool.Get().(*payloadScratch)
	defer p.pool.Put(sc)
	sc.sh = sc.sh[:0]
	for len(sc.fwords) < len(fields) {
		sc.fwords = append(sc.fwords, nil)
	}
	sc.refs = sc.refs[:0]
	sc.side = sc.side[:0]
	for _, f := range fields {
		ri := p.roles.get(f.Name)
		sc.refs = append(sc.refs, fieldRef{ri.role, ri.container, ri.index, f.Value})
		sc.side = append(sc.side, false)
	}
	sc.pairs = splitPairs(sc.pairs, sc.refs)
	markPromptSide(sc.side, fields, sc.pairs)
	prose := 0
	for fi, f := range fields {
		sc.fwords[fi] = sc.fwords[fi][:0]
		if sc.refs[fi].role == roleRoleName || !isProse(f.Value) {
			continue // ids, URLs and other metadata are site structure, not content
		}
		prose++
		p.shingles(sc, fi, f.Value)
	}
	dst = putU(dst, uint64(len(fields)))
	for fi, f := range fields {
		dst = putBytes(dst, f.Name)
		own := simhash(sc.fwords[fi])
		var rest uint64
		if prose > 1 && len(sc.fwords[fi]) > 0 {
			sc.words = sc.words[:0]
			for k := range fields {
				if k == fi {
					continue
				}
				for _, w := range sc.fwords[k] {
					if len(sc.words) == simhashWords {
						break
					}
					sc.words = append(sc.words, w)
				}
			}
			rest = simhash(sc.words)
		}
		dst = put64(dst, own)
		dst = put64(dst, rest)
		dst = putU(dst, uint64(len(f.Value)))
		if sc.side[fi] {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	}
	// Distinct hashes, first occurrence kept (an open-addressing set).
	size := 16
	for size < 2*len(sc.sh) {
		size <<= 1
	}
	if cap(sc.set) < size {
		sc.set = make([]uint64, size)
	}
	sc.set = sc.set[:size]
	clear(sc.set)
	mask := uint64(size - 1)
	kept := sc.sh[:0]
	for _, s := range sc.sh {
		h := max(s.h, 1)
		i := h & mask
		for sc.set[i] != 0 && sc.set[i] != h {
			i = (i + 1) & mask
		}
		if sc.set[i] == h {
			continue
		}
		sc.set[i] = h
		kept = append(kept, s)
	}
	sc.sh = kept
	// Per field (fields are in order, each once): its number and count of
	// shingles, then per shingle the mixed hash and sketch counters
	// Observe needs (mix64 of the hash, payloadSeen.selector), the start
	// as a delta from the previous one and the length. A span of MinSpan
	// bytes (all ASCII) has no length but the selector's spare bit set,
	// when it has one.
	dst = putU(dst, uint64(len(kept)))
	for k := 0; k < len(kept); {
		field := kept[k].field
		e := k + 1
		for e < len(kept) && kept[e].field == field {
			e++
		}
		dst = putU(dst, uint64(field))
		dst = putU(dst, uint64(e-k))
		prev := int32(0)
		for _, s := range kept[k:e] {
			dst = put64(dst, mix64(s.h))
			sel, n := p.seen.selector(s.h), s.end-s.start
			if p.seen.spare != 0 && int(n) == p.opt.MinSpan {
				dst = append(dst, sel|p.seen.spare)
				dst = putU(dst, uint64(s.start-prev))
			} else {
				dst = append(dst, sel)
				dst = putU(dst, uint64(s.start-prev))
				dst = putU(dst, uint64(n))
			}
			prev = s.start
		}
		k = e
	}
	return dst
}

// Observe implements detectors.CorpusDetector.
func (p *PayloadCluster) Observe(rec detectors.RecordRef, sketch []byte) {
	d := dec{b: sketch}
	nf := int(d.u())
	fs := p.fieldBuf[:0]
	for i := 0; i < nf && !d.bad; i++ {
		fi := payloadField{id: p.names.id(d.bytes())}
		fi.own, fi.rest, fi.flen = d.u64(), d.u64(), int32(d.u())
		if len(d.b) == 0 {
			d.bad = true
			return
		}
		fi.prompt = d.b[0] == 1
		d.b = d.b[1:]
		fs = append(fs, fi)
	}
	p.fieldBuf = fs
	p.records++
	n := int(d.u())
	if n > len(d.b) {
		return
	}
	if p.cands.len() >= p.opt.MaxClusters {
		p.observeFull(rec, fs, &d, n)
		return
	}
	// The record's shingles.
	sh := p.shBuf[:0]
	for len(sh) < n && !d.bad {
		fi, cnt := int(d.u()), int(d.u())
		if fi < 0 || fi >= len(fs) || cnt <= 0 || cnt > n-len(sh) {
			d.bad = true
			break
		}
		prev := int32(0)
		for range cnt {
			m, sel, s, e := p.readShingle(&d, prev)
			if d.bad {
				break
			}
			prev = s
			sh = append(sh, obsShingle{m: m, sel: sel, fidx: int32(fi), start: s, end: e})
		}
	}
	p.shBuf = sh
	if d.bad {
		return
	}
	// Load the sketch line and first-seen slot of every shingle first, in
	// a loop of few instructions: independent loads, whose cache misses
	// overlap, where the updates below would wait for them one at a time.
	// The updates run in the same order as without it.
	mask := uint64(len(p.first) - 1)
	var sink uint64
	for i := range sh {
		m := sh[i].m
		sink += uint64(p.seen.touch(p.seen.line(m))) + p.first[m&mask].key
	}
	p.sink += sink
	// Count them (in order), and find which repeated spans too common to
	// track (saturated candidates) the record holds, as a 64-bit Bloom
	// filter: records sharing one are related.
	var bloom uint64
	for i := range sh {
		x := &sh[i]
		x.c = -1
		if x.again = p.seen.add(p.seen.line(x.m), x.sel); x.again {
			if x.c = int32(p.cands.find(x.m)); x.c >= 0 && p.cands.list[x.c].sat {
				bloom |= 1 << (x.m & 63)
			}
		}
	}
	for _, x := range sh {
		if !x.again {
			f := &fs[x.fidx]
			p.first[x.m&mask] = payloadFirst{key: x.m&^1 | b2u(f.prompt), row: rec.Row, own: f.own, rest: f.rest, bloom: bloom,
				file: rec.File, field: f.id, fidx: x.fidx, start: x.start, end: x.end, flen: f.flen}
			continue
		}
		ci := int(x.c)
		if ci < 0 {
			if p.cands.len() >= p.opt.MaxClusters {
				p.dropped++
				continue
			}
			ci = p.cands.add(x.m)
			if slot := &p.first[x.m&mask]; slot.holds(x.m) {
				if o := slot.occ(); o.rec != rec {
					p.cands.list[ci].occ = append(p.cands.list[ci].occ, o)
					p.stored++
				}
			}
		}
		c := &p.cands.list[ci]
		if c.sat || len(c.occ) >= p.opt.MaxRecordsPerCluster {
			c.more++
			continue
		}
		f := &fs[x.fidx]
		c.occ = append(c.occ, payloadOcc{rec, f.id, x.fidx, x.start, x.end, f.flen, f.prompt, f.own, f.rest, bloom})
		p.stored++
		if len(c.occ) > p.satLimit() {
			p.saturate(c)
		}
	}
	if p.stored > p.opt.MaxOccurrences {
		p.shed()
	}
}

// readShingle reads the next shingle of a field from d (see Sketch): its
// mixed hash, selector and span, its start being prev plus the delta.
// On a malformed sketch it sets d.bad.
func (p *PayloadCluster) readShingle(d *dec, prev int32) (m uint64, sel uint8, s, e int32) {
	if len(d.b) < 9 {
		d.bad = true
		return
	}
	m, sel = d.u64(), d.b[0]
	d.b = d.b[1:]
	s = prev + int32(d.u())
	if sel&p.seen.spare != 0 {
		return m, sel &^ p.seen.spare, s, s + int32(p.opt.MinSpan)
	}
	return m, sel, s, s + int32(d.u())
}

// observeFull is Observe once the candidate table is full: no candidate
// can be added, so the first-seen table is not needed, and the only
// shingles that are kept are those with a candidate (few). It reads and
// counts the n shingles of the record in d in one pass, then records the
// occurrences of those with a candidate: the same updates in the same
// order as Observe's passes. (On a malformed sketch, which is a
// programmer error, the shingles before the error are counted.)
func (p *PayloadCluster) observeFull(rec detectors.RecordRef, fs []payloadField, d *dec, n int) {
	hits := p.shBuf[:0]
	var bloom uint64
	for read := 0; read < n && !d.bad; {
		fi, cnt := int(d.u()), int(d.u())
		if fi < 0 || fi >= len(fs) || cnt <= 0 || cnt > n-read {
			d.bad = true
			break
		}
		read += cnt
		prev := int32(0)
		for range cnt {
			m, sel, s, e := p.readShingle(d, prev)
			if d.bad {
				break
			}
			prev = s
			if !p.seen.add(p.seen.line(m), sel) {
				continue
			}
			c := p.cands.find(m)
			if c < 0 {
				p.dropped++
				continue
			}
			if p.cands.list[c].sat {
				bloom |= 1 << (m & 63)
			}
			hits = append(hits, obsShingle{m: m, fidx: int32(fi), start: s, end: e, c: int32(c)})
		}
	}
	p.shBuf = hits
	for _, x := range hits {
		c := &p.cands.list[x.c]
		if c.sat || len(c.occ) >= p.opt.MaxRecordsPerCluster {
			c.more++
			continue
		}
		f := &fs[x.fidx]
		c.occ = append(c.occ, payloadOcc{rec, f.id, x.fidx, x.start, x.end, f.flen, f.prompt, f.own, f.rest, bloom})
		p.stored++
		if len(c.occ) > p.satLimit() {
			p.saturate(c)
		}
	}
	if p.stored > p.opt.MaxOccurrences {
		p.shed()
	}
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// obsShingle is one shingle of the record being observed.
type obsShingle struct {
	m          uint64 // mix64 of the shingle hash
	fidx       int32
	start, end int32
	c          int32 // the candidate (index in cands), when again and one exists, else -1
	sel        uint8 // its counters in its sketch line (payloadSeen.selector)
	again      bool  // seen before (count-min estimate of 2 or more after this occurrence)
}

// payloadField is what Observe keeps of one field of the record.
type payloadField struct {
	id        int32
	own, rest uint64
	flen      int32
	prompt    bool
}

// satLimit is the number of records beyond which a span is too common to
// be tracked occurrence by occurrence: four times the flagging limit of
// the records seen so far (MaxDocFraction, never less than 4·MinDocs). A
// span that common can be flagged at the end only if it was four times
// more frequent in the corpus's first part than overall.
func (p *PayloadCluster) satLimit() int {
	return int(math.Max(4*p.opt.MaxDocFraction*float64(p.records), float64(rarityFloorDocs*p.opt.MinDocs)))
}

// saturate stops tracking c's occurrences: they are counted, and records
// holding c mark it in their relatedness filter.
func (p *PayloadCluster) saturate(c *payloadCand) {
	c.more += len(c.occ)
	p.stored -= len(c.occ)
	c.occ, c.sat = nil, true
	p.saturated++
}

// shed keeps the stored occurrences within MaxOccurrences: it saturates
// every candidate holding more than a limit, halving the limit until at
// most three quarters of the budget are in use. The outcome depends only
// on the candidates, not on map order.
func (p *PayloadCluster) shed() {
	lim := p.satLimit()
	for p.stored > 3*p.opt.MaxOccurrences/4 && lim > 1 {
		lim /= 2
		for i := range p.cands.list {
			if c := &p.cands.list[i]; !c.sat && len(c.occ) > lim {
				p.saturate(c)
			}
		}
	}
}

// rareLimit is the most records a flagged cluster may span: MaxDocFraction
// of the records, but never less than 4·MinDocs so that small corpora can
// show the evidence.
func (p *PayloadCluster) rareLimit() float64 {
	return math.Max(p.opt.MaxDocFraction*float64(p.records), float64(rarityFloorDocs*p.opt.MinDocs))
}

func (p *PayloadCluster) finish() {
	if p.done {
		return
	}
	p.done = true
	// Merge shingles with the same record set into clusters. Each
	// shingle's occurrences are in plan order, one per record, so the
	// occurrences of a cluster's shingles line up record by record.
	byKey := map[uint64]*payloadCluster{}
	var keys []uint64
	var all []*payloadCluster
	members := map[uint64][][]payloadOcc{}
	for i := range p.cands.list {
		c := &p.cands.list[i]
		if len(c.occ) < 2 {
			continue
		}
		var k uint64 = 0x9e3779b97f4a7c15
		for _, o := range c.occ {
			k = mix64(k ^ uint64(o.rec.File)<<40 ^ uint64(o.rec.Row))
		}
		cl := byKey[k]
		if cl == nil {
			cl = &payloadCluster{h: c.h}
			byKey[k] = cl
			keys = append(keys, k)
		}
		cl.h = min(cl.h, c.h)
		members[k] = append(members[k], c.occ)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cl := byKey[k]
		// One span per record and field: the union of its shingles.
		lists := members[k]
		cl.occ = append([]payloadOcc(nil), lists[0]...)
		var extra []payloadOcc // shingles of the same records in other fields
		for _, l := range lists[1:] {
			for i, o := range l {
				if i >= len(cl.occ) || cl.occ[i].rec != o.rec {
					extra = append(extra, o) // a hash collision of record sets
					continue
				}
				if m := &cl.occ[i]; m.fidx == o.fidx {
					m.start, m.end = min(m.start, o.start), max(m.end, o.end)
				} else {
					extra = append(extra, o)
				}
			}
		}
		if len(extra) > 0 {
			cl.occ = append(cl.occ, extra...)
			slices.SortFunc(cl.occ, func(a, b payloadOcc) int {
				if a.rec != b.rec {
					if a.rec.Less(b.rec) {
						return -1
					}
					return 1
				}
				if a.fidx != b.fidx {
					return cmp.Compare(a.fidx, b.fidx)
				}
				return cmp.Compare(a.start, b.start)
			})
			merged := cl.occ[:0]
			for _, o := range cl.occ {
				if n := len(merged); n > 0 && merged[n-1].rec == o.rec && merged[n-1].fidx == o.fidx {
					merged[n-1].start = min(merged[n-1].start, o.start)
					merged[n-1].end = max(merged[n-1].end, o.end)
					continue
				}
				merged = append(merged, o)
			}
			cl.occ = merged
		}
		cl.records = 1
		for k := 1; k < len(cl.occ); k++ {
			if cl.occ[k].rec != cl.occ[k-1].rec {
				cl.records++
			}
		}
		all = append(all, cl)
	}
	limit := p.rareLimit()
	var uf unionFind
	var firsts [][]int // per cluster that could be flagged: its records' first occurrences
	need := map[detectors.RecordRef]bool{}
	for _, cl := range all {
		prompt := 0
		for _, o := range cl.occ {
			if o.prompt {
				prompt++
			}
		}
		cl.template = 2*prompt > len(cl.occ)
		first := p.firstRecords(cl)
		cl.groups, cl.related = p.distinct(cl, first, &uf), 1
		if cl.groups >= p.opt.MinDocs && float64(cl.records) <= limit && !cl.template {
			firsts = append(firsts, first)
			for _, k := range first {
				need[cl.occ[k].rec] = true
			}
		} else {
			firsts = append(firsts, nil)
		}
	}
	// Which clusters the records of those clusters hold, for relatedness.
	index := map[detectors.RecordRef][]clusterOcc{}
	for ci, cl := range all {
		for oi, o := range cl.occ {
			if need[o.rec] {
				index[o.rec] = append(index[o.rec], clusterOcc{int32(ci), int32(oi)})
			}
		}
	}
	for ci, cl := range all {
		if firsts[ci] != nil {
			cl.related = p.relatedShare(ci, all, firsts[ci], index, &uf)
		}
		cl.flagged = firsts[ci] != nil && cl.related <= maxRelatedShare
		if cl.groups >= 2 {
			p.ranked = append(p.ranked, cl)
		}
	}
	// Flagged clusters first, then by the number of unrelated records.
	sort.SliceStable(p.ranked, func(i, j int) bool {
		a, b := p.ranked[i], p.ranked[j]
		if a.flagged != b.flagged {
			return a.flagged
		}
		if ua, ub := float64(a.groups)*(1-a.related), float64(b.groups)*(1-b.related); ua != ub {
			return ua > ub
		}
		if a.groups != b.groups {
			return a.groups > b.groups
		}
		if a.records != b.records {
			return a.records > b.records
		}
		return a.h < b.h
	})
}

// firstRecords returns the index in cl.occ of the first occurrence of each
// of the cluster's first 4·MinDocs records.
func (p *PayloadCluster) firstRecords(cl *payloadCluster) []int {
	m := 4 * p.opt.MinDocs
	var first []int
	for k, o := range cl.occ {
		if len(first) == m {
			break
		}
		if k == 0 || o.rec != cl.occ[k-1].rec {
			first = append(first, k)
		}
	}
	return first
}

// distinct counts the distinct records among first: records whose
// SimHashes are within 12 bits are near duplicates and count once (see
// payloadOcc.sim). It leaves their grouping in uf.
func (p *PayloadCluster) distinct(cl *payloadCluster, first []int, uf *unionFind) int {
	uf.reset(len(first))
	for a := range first {
		sa := cl.occ[first[a]].sim()
		for b := 0; b < a; b++ {
			if hamming(sa, cl.occ[first[b]].sim()) <= 12 {
				uf.union(a, b)
			}
		}
	}
	return uf.groups
}

// relatedShare returns the share of the distinct records among first (see
// distinct) that are related to another: linked, directly or through other
// records, by sharing another repeated span outside this one (in a
// different place of the record); it is 1 − groups/distinct. Pages built
// from one template or site, canned answers and texts composed from one
// pool of sentences share other spans; records into which a payload was
// planted share nothing else.
func (p *PayloadCluster) relatedShare(ci int, all []*payloadCluster, first []int, index map[detectors.RecordRef][]clusterOcc, uf *unionFind) float64 {
	cl := all[ci]
	d := p.distinct(cl, first, uf)
	shared := map[int32][]int{}
	for a, k := range first {
		o := cl.occ[k]
		for _, co := range index[o.rec] {
			if int(co.cluster) == ci {
				continue
			}
			x := all[co.cluster].occ[co.occ]
			if x.fidx == o.fidx && x.start < o.end && o.start < x.end {
				continue // the same text region (a longer or shorter copy of this span)
			}
			if l := shared[co.cluster]; len(l) == 0 || l[len(l)-1] != a {
				shared[co.cluster] = append(l, a)
			}
		}
	}
	for _, l := range shared {
		for _, a := range l[1:] {
			uf.union(l[0], a)
		}
	}
	// Spans too common to track (saturated) shared by two records.
	for a := range first {
		ba := cl.occ[first[a]].bloom
		if ba == 0 {
			continue
		}
		for b := 0; b < a; b++ {
			if ba&cl.occ[first[b]].bloom != 0 {
				uf.union(a, b)
			}
		}
	}
	if d == 0 {
		return 1
	}
	return float64(d-uf.groups) / float64(d)
}

// unionFind is a reusable disjoint-set forest.
type unionFind struct {
	parent []int
	groups int
}

func (u *unionFind) reset(n int) {
	u.parent = u.parent[:0]
	for i := 0; i < n; i++ {
		u.parent = append(u.parent, i)
	}
	u.groups = n
}

func (u *unionFind) find(a int) int {
	for u.parent[a] != a {
		u.parent[a] = u.parent[u.parent[a]]
		a = u.parent[a]
	}
	return a
}

func (u *unionFind) union(a, b int) {
	if ra, rb := u.find(a), u.find(b); ra != rb {
		u.parent[ra] = rb
		u.groups--
	}
}

// Verdicts implements detectors.CorpusDetector.
func (p *PayloadCluster) Verdicts() ([]detectors.Verdict, error) {
	p.finish()
	var out []detectors.Verdict
	for _, cl := range p.ranked {
		if !cl.flagged {
			continue
		}
		conf := 0.6 + 0.35*math.Min(1, float64(cl.groups-p.opt.MinDocs)/float64(3*p.opt.MinDocs))
		id := fmt.Sprintf("payload:%016x", cl.h)
		for _, o := range cl.occ {
			out = append(out, detectors.Verdict{Rec: o.rec, Kind: KindPayloadCluster, Field: p.names.name(o.field), Start: int(o.start), End: int(o.end), Confidence: conf, Cluster: id})
		}
	}
	return out, nil
}

// PayloadReportCluster is one ranked cluster of the payload report.
type PayloadReportCluster struct {
	Cluster   string      `json:"cluster"`
	Records   int         `json:"records"`                   // records holding the span
	Unrelated int         `json:"unrelated"`                 // distinct records, near duplicates counted once (among the first 4×min_docs)
	Related   float64     `json:"related_share"`             // share of those sharing another repeated span (1: not examined)
	Flagged   bool        `json:"flagged"`                   // its records got findings
	Template  bool        `json:"prompt_template,omitempty"` // mostly in prompts of instruction data: not flagged
	Examples  []SpanInRow `json:"examples"`                  // up to five
}

// SpanInRow locates a span in a record.
type SpanInRow struct {
	File  int32  `json:"file"`
	Row   int64  `json:"row"`
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// PayloadReport is the Report of poison.payload_cluster.
type PayloadReport struct {
	Clusters        []PayloadReportCluster `json:"clusters"`
	Records         int64                  `json:"records"`
	ShinglesTracked int                    `json:"shingles_tracked"`
	ShinglesDropped int                    `json:"shingles_dropped"`
	// ShinglesSaturated counts repeated spans too common to track record
	// by record (boilerplate): counted, never flagged.
	ShinglesSaturated int `json:"shingles_saturated"`
	// OccurrencesKept is how many span occurrences the candidates hold at
	// the end (at most max_occurrences).
	OccurrencesKept  int `json:"occurrences_kept"`
	SketchBytes      int `json:"sketch_bytes"`
	FirstSeenEntries int `json:"first_seen_entries"`
}

// Report implements detectors.Reporter.
func (p *PayloadCluster) Report() any {
	p.finish()
	r := PayloadReport{Records: p.records, ShinglesTracked: p.cands.len(), ShinglesDropped: p.dropped, SketchBytes: p.seen.bytes(), FirstSeenEntries: len(p.first),
		ShinglesSaturated: p.saturated, OccurrencesKept: p.stored}
	for i, cl := range p.ranked {
		if i >= p.opt.ReportTop {
			break
		}
		rc := PayloadReportCluster{Cluster: fmt.Sprintf("payload:%016x", cl.h), Records: cl.records, Unrelated: cl.groups, Related: round4(cl.related), Flagged: cl.flagged, Template: cl.template}
		for _, o := range cl.occ {
			if len(rc.Examples) == 5 {
				break
			}
			rc.Examples = append(rc.Examples, SpanInRow{o.rec.File, o.rec.Row, p.names.name(o.field), int(o.start), int(o.end)})
		}
		r.Clusters = append(r.Clusters, rc)
	}
	return r
}
