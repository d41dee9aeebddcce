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
// record's other prose fields. A count-min sketch counts shingles; a
// shingle seen again becomes a candidate (its first occurrence is recovered
// from a direct-mapped first-seen table when still there). At the end,
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
// Memory: the sketch (depth·2^width·4 bytes, 12 MiB by default), the
// first-seen table (2^FirstSeenLog2 × 64 bytes, 64 MiB by default), and per
// candidate shingle about 100 bytes plus 56 bytes per occurrence; at the
// end, an index of 8 bytes per occurrence of the clusters.
//
// Sketch is safe for concurrent use; Observe, Verdicts and Report follow
// the detectors.CorpusDetector contract.
type PayloadCluster struct {
	opt   PayloadOptions
	roles roleCache
	pool  sync.Pool
	pow   []uint64

	cms     *cms
	first   []payloadFirst
	cands   map[uint64]*payloadCand
	dropped int
	records int64
	names   fieldNames
	done    bool
	ranked  []*payloadCluster
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

type payloadFirst struct {
	h uint64
	payloadOcc
}

type payloadCand struct {
	h    uint64
	occ  []payloadOcc
	more int
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
		cms:   newCMS(opt.Payload.SketchWidthLog2, opt.Payload.SketchDepth),
		first: make([]payloadFirst, 1<<opt.Payload.FirstSeenLog2),
		cands: map[uint64]*payloadCand{},
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
func (p *PayloadCluster) Version() string { return "2" }

// Kinds returns poison.payload_cluster.
func (p *PayloadCluster) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindPayloadCluster, Description: "long span repeated across many unrelated records", Severity: detectors.SeverityMedium}}
}

type payloadScratch struct {
	rbyte  []int32
	letter []int32 // prefix counts of letters by character
	wstart []int32 // prefix counts of word starts
	pre    []uint64
	words  []uint64
	fwords [][]uint64 // words per prose field
	refs   []fieldRef
	pairs  []pair
	side   []bool // prompt-side fields of instruction records
	sh     []shingle
	starts []int32
}

type shingle struct {
	h          uint64
	field      int
	start, end int // bytes
}

// Sketch implements detectors.CorpusDetector: per field, the SimHashes of
// its first simhashWords words and of the record's other prose fields,
// then the distinct shingle hashes with their byte spans.
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
		if p.roles.get(f.Name).role == roleRoleName {
			continue
		}
		if !isProse(f.Value) {
			continue // ids, URLs and other metadata are site structure, not content
		}
		prose++
		ws := sc.fwords[fi]
		forEachWord(f.Value, func(w []byte, _, _ int) {
			if len(ws) < simhashWords {
				ws = append(ws, hashWordFolded(w))
			}
		})
		sc.fwords[fi] = ws
		p.shingles(sc, fi, f.Value)
	}
	slices.SortFunc(sc.sh, func(a, b shingle) int { return cmp.Compare(a.h, b.h) })
	dst = putU(dst, uint64(len(fields)))
	for fi, f := range fields {
		dst = putBytes(dst, f.Name)
		own := simhash64(sc.fwords[fi])
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
			rest = simhash64(sc.words)
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
	n := 0
	for k := range sc.sh {
		if k == 0 || sc.sh[k].h != sc.sh[k-1].h {
			n++
		}
	}
	dst = putU(dst, uint64(n))
	for k, s := range sc.sh {
		if k > 0 && s.h == sc.sh[k-1].h {
			continue
		}
		dst = put64(dst, s.h)
		dst = putU(dst, uint64(s.field))
		dst = putU(dst, uint64(s.start))
		dst = putU(dst, uint64(s.end))
	}
	return dst
}

// shingles appends the qualifying shingles of one field.
func (p *PayloadCluster) shingles(sc *payloadScratch, field int, text []byte) {
	L := p.opt.MinSpan
	sc.rbyte, sc.letter, sc.wstart = sc.rbyte[:0], append(sc.letter[:0], 0), append(sc.wstart[:0], 0)
	starts := sc.starts[:0]
	defer func() { sc.starts = starts[:0] }()
	prevWordy := false
	cjk := 0
	nch := 0
	for i := 0; i < len(text) && nch < maxFieldChars; nch++ {
		r, sz := decode(text, i)
		pr := props(r)
		w := wordy(pr)
		isStart := w && !prevWordy
		if w && (pr.Script == unidata.ScriptHan || pr.Script == unidata.ScriptHiragana || pr.Script == unidata.ScriptKatakana) {
			if cjk%4 == 0 {
				isStart = true
			}
			cjk++
		} else {
			cjk = 0
		}
		sc.rbyte = append(sc.rbyte, int32(i))
		l := sc.letter[len(sc.letter)-1]
		if pr.Has(unidata.Letter) {
			l++
		}
		sc.letter = append(sc.letter, l)
		ws := sc.wstart[len(sc.wstart)-1]
		if isStart {
			ws++
			starts = append(starts, int32(nch))
		}
		sc.wstart = append(sc.wstart, ws)
		prevWordy = w
		i += sz
	}
	if nch < L {
		return
	}
	end := len(text)
	if nch < len(sc.rbyte) {
		end = int(sc.rbyte[nch])
	}
	sc.rbyte = append(sc.rbyte, int32(end))
	sc.pre = append(sc.pre[:0], 0)
	var h uint64
	for _, c := range text[:end] {
		if c >= '0' && c <= '9' {
			c = '0' // spans that differ only in numbers are one template
		}
		h = h*rollBase + uint64(c) + 1
		sc.pre = append(sc.pre, h)
	}
	for _, s := range starts {
		e := int(s) + L
		if e > nch {
			break
		}
		if 2*int(sc.letter[e]-sc.letter[s]) < L || sc.wstart[e]-sc.wstart[s] < 3 {
			continue
		}
		a, b := int(sc.rbyte[s]), int(sc.rbyte[e])
		if b-a >= len(p.pow) {
			continue
		}
		hv := mix64(sc.pre[b] - sc.pre[a]*p.pow[b-a])
		sc.sh = append(sc.sh, shingle{hv, field, a, b})
	}
}

// Observe implements detectors.CorpusDetector.
func (p *PayloadCluster) Observe(rec detectors.RecordRef, sketch []byte) {
	d := dec{b: sketch}
	nf := int(d.u())
	type fieldInfo struct {
		id        int32
		own, rest uint64
		flen      int32
		prompt    bool
	}
	var buf [16]fieldInfo
	fs := buf[:0]
	for i := 0; i < nf && !d.bad; i++ {
		fi := fieldInfo{id: p.names.id(d.bytes())}
		fi.own, fi.rest, fi.flen = d.u64(), d.u64(), int32(d.u())
		if len(d.b) == 0 {
			d.bad = true
			return
		}
		fi.prompt = d.b[0] == 1
		d.b = d.b[1:]
		fs = append(fs, fi)
	}
	p.records++
	n := int(d.u())
	mask := uint64(len(p.first) - 1)
	for k := 0; k < n && !d.bad; k++ {
		h := d.u64()
		fi, s, e := int(d.u()), int32(d.u()), int32(d.u())
		if fi < 0 || fi >= len(fs) {
			d.bad = true
			return
		}
		f := fs[fi]
		occ := payloadOcc{rec, f.id, int32(fi), s, e, f.flen, f.prompt, f.own, f.rest}
		slot := &p.first[mix64(h)&mask]
		if p.cms.add(h) < 2 {
			*slot = payloadFirst{h, occ}
			continue
		}
		c := p.cands[h]
		if c == nil {
			if len(p.cands) >= p.opt.MaxClusters {
				p.dropped++
				continue
			}
			c = &payloadCand{h: h}
			p.cands[h] = c
			if slot.h == h && slot.rec != rec {
				c.occ = append(c.occ, slot.payloadOcc)
			}
		}
		if len(c.occ) < p.opt.MaxRecordsPerCluster {
			c.occ = append(c.occ, occ)
		} else {
			c.more++
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
	for _, c := range p.cands {
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
	Clusters         []PayloadReportCluster `json:"clusters"`
	Records          int64                  `json:"records"`
	ShinglesTracked  int                    `json:"shingles_tracked"`
	ShinglesDropped  int                    `json:"shingles_dropped"`
	SketchBytes      int                    `json:"sketch_bytes"`
	FirstSeenEntries int                    `json:"first_seen_entries"`
}

// Report implements detectors.Reporter.
func (p *PayloadCluster) Report() any {
	p.finish()
	r := PayloadReport{Records: p.records, ShinglesTracked: len(p.cands), ShinglesDropped: p.dropped, SketchBytes: p.cms.bytes(), FirstSeenEntries: len(p.first)}
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
