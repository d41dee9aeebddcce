package poison

import (
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// PayloadCluster finds the same long span (MinSpan characters or more)
// repeated in many otherwise unrelated records (poison.payload_cluster):
// a planted payload, spam or an injected instruction copied into documents
// that have nothing else in common.
//
// Each record contributes the hashes of its MinSpan-character shingles
// anchored at word starts (every fourth character in CJK runs), keeping
// shingles that are at least half letters and hold three word starts, plus
// a 64-bit SimHash of its first 128 words. A count-min sketch counts shingles; a
// shingle seen again becomes a candidate (its first occurrence is recovered
// from a direct-mapped first-seen table when still there). At the end,
// shingles with the same records merge into clusters; records whose
// SimHashes are within 12 bits of each other count as one (near
// duplicates are not "unrelated"). Clusters in at least MinDocs unrelated
// records and at most MaxDocFraction of all records give a finding on each
// record's span; more common ones (boilerplate) are only reported.
//
// Memory: the sketch (depth·2^width·4 bytes, 12 MiB by default), the
// first-seen table (2^FirstSeenLog2 × 48 bytes, 48 MiB by default), and per
// candidate shingle about 100 bytes plus 40 bytes per occurrence.
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
	field      int32
	start, end int32
	sim        uint64
}

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
	groups  int
	h       uint64
	flagged bool
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
func (p *PayloadCluster) Version() string { return "1" }

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
	sh     []shingle
	starts []int32
}

type shingle struct {
	h          uint64
	field      int
	start, end int
}

// Sketch implements detectors.CorpusDetector: the record's SimHash, field
// names, and distinct shingle hashes with their byte spans.
func (p *PayloadCluster) Sketch(dst []byte, fields []detectors.Field) []byte {
	sc := p.pool.Get().(*payloadScratch)
	defer p.pool.Put(sc)
	sc.words = sc.words[:0]
	sc.sh = sc.sh[:0]
	for fi, f := range fields {
		if p.roles.get(f.Name).role == roleRoleName {
			continue
		}
		if len(sc.words) < simhashWords {
			forEachWord(f.Value, func(w []byte, _, _ int) {
				if len(sc.words) < simhashWords {
					sc.words = append(sc.words, hashLower(w))
				}
			})
		}
		p.shingles(sc, fi, f.Value)
	}
	sort.Slice(sc.sh, func(a, b int) bool { return sc.sh[a].h < sc.sh[b].h })
	dst = put64(dst, simhash64(sc.words))
	dst = putU(dst, uint64(len(fields)))
	for _, f := range fields {
		dst = putBytes(dst, f.Name)
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
	sim := d.u64()
	nf := int(d.u())
	var names [16]int32
	ids := names[:0]
	for i := 0; i < nf && !d.bad; i++ {
		ids = append(ids, p.names.id(d.bytes()))
	}
	p.records++
	n := int(d.u())
	mask := uint64(len(p.first) - 1)
	for k := 0; k < n && !d.bad; k++ {
		h := d.u64()
		fi, s, e := int(d.u()), int32(d.u()), int32(d.u())
		occ := payloadOcc{rec, fieldID(ids, fi), s, e, sim}
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

func (p *PayloadCluster) finish() {
	if p.done {
		return
	}
	p.done = true
	// Merge shingles with the same record set into clusters.
	byKey := map[uint64]*payloadCluster{}
	var keys []uint64
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
		cl.occ = append(cl.occ, c.occ...)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		cl := byKey[k]
		// One span per record and field: the union of its shingles.
		sort.Slice(cl.occ, func(i, j int) bool {
			a, b := cl.occ[i], cl.occ[j]
			if a.rec != b.rec {
				return a.rec.Less(b.rec)
			}
			if a.field != b.field {
				return a.field < b.field
			}
			return a.start < b.start
		})
		merged := cl.occ[:0]
		for _, o := range cl.occ {
			if n := len(merged); n > 0 && merged[n-1].rec == o.rec && merged[n-1].field == o.field {
				merged[n-1].start = min(merged[n-1].start, o.start)
				merged[n-1].end = max(merged[n-1].end, o.end)
				continue
			}
			merged = append(merged, o)
		}
		cl.occ = merged
		var reps []uint64
		lastRec := detectors.RecordRef{File: -1}
		for _, o := range cl.occ {
			if o.rec == lastRec {
				continue
			}
			lastRec = o.rec
			cl.records++
			if len(reps) >= 4*p.opt.MinDocs {
				continue
			}
			same := false
			for _, r := range reps {
				if hamming(r, o.sim) <= 12 {
					same = true
					break
				}
			}
			if !same {
				reps = append(reps, o.sim)
			}
		}
		cl.groups = len(reps)
		cl.flagged = cl.groups >= p.opt.MinDocs && float64(cl.records) <= p.opt.MaxDocFraction*float64(p.records)
		if cl.groups >= 2 {
			p.ranked = append(p.ranked, cl)
		}
	}
	sort.SliceStable(p.ranked, func(i, j int) bool {
		a, b := p.ranked[i], p.ranked[j]
		if a.groups != b.groups {
			return a.groups > b.groups
		}
		if a.records != b.records {
			return a.records > b.records
		}
		return a.h < b.h
	})
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
	Records   int         `json:"records"`   // records holding the span
	Unrelated int         `json:"unrelated"` // of which mutually unrelated (capped at 4×min_docs)
	Flagged   bool        `json:"flagged"`   // its records got findings
	Examples  []SpanInRow `json:"examples"`  // up to five
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
		rc := PayloadReportCluster{Cluster: fmt.Sprintf("payload:%016x", cl.h), Records: cl.records, Unrelated: cl.groups, Flagged: cl.flagged}
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
