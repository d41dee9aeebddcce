// The reference implementation of poison.payload_cluster: payload.go as
// it was before the fast paths (payload_tables.go, payload_shingles.go),
// its names prefixed with ref, up to Observe (finish, Verdicts and Report
// were left as they were, so the reference hands its observed state to
// them: see post). The equivalence tests compare verdicts, reports,
// shingles and SimHash words with it.

package poison

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// refPayload is PayloadCluster before the fast paths (see the file
// comment).
type refPayload struct {
	opt   PayloadOptions
	roles roleCache
	pool  sync.Pool
	pow   []uint64

	cms       *cms
	sink      uint64 // keeps the loads of Observe's prefetch pass
	first     []refFirst
	cands     map[uint64]*refCand
	dropped   int
	records   int64
	stored    int // occurrences kept in candidates
	saturated int // candidates too common to track
	fieldBuf  []refField
	shBuf     []refObsShingle
	names     fieldNames
	all       Options         // what newRefPayload got
	out       *PayloadCluster // set by post
}

type refOcc struct {
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
func (o *refOcc) sim() uint64 {
	if o.whole() {
		return o.rest
	}
	return o.own
}

// whole reports whether the span is most of its field (a whole response or
// message) in a record with other prose fields.
func (o *refOcc) whole() bool { return o.rest != 0 && 2*int(o.end-o.start) >= int(o.flen) }

type refFirst struct {
	h uint64
	refOcc
}

type refCand struct {
	h    uint64
	occ  []refOcc
	more int  // occurrences counted but not kept
	sat  bool // saturated: too common to track, occurrences only counted
}

// refSimhashWords is how many words (from the start of the record) its
// SimHash covers: enough to tell near-duplicate records apart cheaply.
const refSimhashWords = 128

func newRefPayload(opt Options) *refPayload {
	p := &refPayload{
		opt:   opt.Payload,
		all:   opt,
		cms:   newCMS(opt.Payload.SketchWidthLog2, opt.Payload.SketchDepth),
		first: make([]refFirst, 1<<opt.Payload.FirstSeenLog2),
		cands: map[uint64]*refCand{},
	}
	p.pool.New = func() any { return &refScratch{} }
	n := 4*opt.Payload.MinSpan + 8
	p.pow = make([]uint64, n+1)
	p.pow[0] = 1
	for i := 1; i <= n; i++ {
		p.pow[i] = p.pow[i-1] * rollBase
	}
	return p
}

// ID returns "poison.payload_cluster".
func (p *refPayload) ID() string { return KindPayloadCluster }

// Version changes whenever the output can change.
func (p *refPayload) Version() string { return "3" }

// Kinds returns poison.payload_cluster.
func (p *refPayload) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindPayloadCluster, Description: "long span repeated across many unrelated records", Severity: detectors.SeverityMedium}}
}

type refScratch struct {
	words  []uint64
	fwords [][]uint64 // words per prose field
	refs   []fieldRef
	pairs  []pair
	side   []bool // prompt-side fields of instruction records
	sh     []refShingle
	queue  []refAnchor // word starts waiting for the end of their refShingle
	set    []uint64    // open-addressing set of the record's refShingle hashes
}

type refShingle struct {
	h          uint64
	field      int
	start, end int // bytes
}

// Sketch implements detectors.CorpusDetector: per field, the SimHashes of
// its first refSimhashWords words and of the record's other prose fields,
// then the distinct qualifying refShingle hashes of its prose fields with
// their field and byte spans (start as a delta from the previous one in
// the same field, end as a length).
func (p *refPayload) Sketch(dst []byte, fields []detectors.Field) []byte {
	sc := p.pool.Get().(*refScratch)
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
		own := simhash64(sc.fwords[fi])
		var rest uint64
		if prose > 1 && len(sc.fwords[fi]) > 0 {
			sc.words = sc.words[:0]
			for k := range fields {
				if k == fi {
					continue
				}
				for _, w := range sc.fwords[k] {
					if len(sc.words) == refSimhashWords {
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
	dst = putU(dst, uint64(len(kept)))
	field, prev := -1, 0
	for _, s := range kept {
		if s.field != field {
			field, prev = s.field, 0
		}
		dst = put64(dst, s.h)
		dst = putU(dst, uint64(s.field))
		dst = putU(dst, uint64(s.start-prev))
		dst = putU(dst, uint64(s.end-s.start))
		prev = s.start
	}
	return dst
}

// shingles appends the qualifying shingles of one field to sc.sh and its
// first refSimhashWords word hashes to sc.fwords[field], in one pass over its
// characters: every refAnchor (word start) waits in a queue until the pass is
// MinSpan characters further, then its span's letters, word starts and
// rolling hash are known.
func (p *refPayload) shingles(sc *refScratch, field int, text []byte) {
	L := p.opt.MinSpan
	ws := sc.fwords[field]
	q := sc.queue[:0]
	head := 0
	prevWordy := false
	wordStart := -1 // byte start of the current SimHash word
	cjk := 0
	nch := 0
	var letters, starts int32
	var h uint64 // rolling hash of the bytes before i, digits folded
	i := 0
	for i < len(text) && nch < maxFieldChars {
		// The refAnchor L characters back ends here.
		if head < len(q) && int(q[head].ch)+L == nch {
			a := q[head]
			head++
			if 2*int(letters-a.letters) >= L && starts-a.starts >= 3 && i-int(a.b) < len(p.pow) {
				sc.sh = append(sc.sh, refShingle{mix64(h - a.h*p.pow[i-int(a.b)]), field, int(a.b), i})
			}
		}
		c := text[i]
		var w, letter, dicp, han, cjkScript bool
		sz := 1
		if c < 0x80 {
			ac := asciiClass[c]
			w, letter = ac&acWordy != 0, ac&acLetter != 0
		} else {
			var r rune
			r, sz = decode(text, i)
			pr := props(r)
			w, letter, dicp = wordy(pr), pr.Has(unidata.Letter), pr.Has(unidata.DICP)
			han = pr.Script == unidata.ScriptHan
			cjkScript = w && (han || pr.Script == unidata.ScriptHiragana || pr.Script == unidata.ScriptKatakana)
		}
		isStart := w && !prevWordy
		if cjkScript {
			if cjk%4 == 0 {
				isStart = true
			}
			cjk++
		} else {
			cjk = 0
		}
		// SimHash words: maximal runs of word characters (not default
		// ignorables), every ideograph a word of its own.
		if len(ws) < refSimhashWords {
			if w && !dicp {
				if han {
					if wordStart >= 0 {
						ws = append(ws, hashWordFolded(text[wordStart:i]))
					}
					if len(ws) < refSimhashWords {
						ws = append(ws, hashWordFolded(text[i:i+sz]))
					}
					wordStart = -1
				} else if wordStart < 0 {
					wordStart = i
				}
			} else if wordStart >= 0 {
				ws = append(ws, hashWordFolded(text[wordStart:i]))
				wordStart = -1
			}
		}
		if isStart {
			if head == len(q) {
				q, head = q[:0], 0
			}
			q = append(q, refAnchor{ch: int32(nch), b: int32(i), letters: letters, starts: starts, h: h})
			starts++
		}
		if letter {
			letters++
		}
		for _, x := range text[i : i+sz] {
			if x >= '0' && x <= '9' {
				x = '0' // spans that differ only in numbers are one template
			}
			h = h*rollBase + uint64(x) + 1
		}
		prevWordy = w
		i += sz
		nch++
	}
	if head < len(q) && int(q[head].ch)+L == nch {
		a := q[head]
		if 2*int(letters-a.letters) >= L && starts-a.starts >= 3 && i-int(a.b) < len(p.pow) {
			sc.sh = append(sc.sh, refShingle{mix64(h - a.h*p.pow[i-int(a.b)]), field, int(a.b), i})
		}
	}
	if wordStart >= 0 && len(ws) < refSimhashWords {
		ws = append(ws, hashWordFolded(text[wordStart:i]))
	}
	sc.fwords[field] = ws
	sc.queue = q[:0]
}

// refAnchor is a word start waiting for the end of its refShingle: its character
// and byte offsets, the letters and word starts before it, and the rolling
// hash of the bytes before it.
type refAnchor struct {
	ch, b           int32
	letters, starts int32
	h               uint64
}

// Observe implements detectors.CorpusDetector.
func (p *refPayload) Observe(rec detectors.RecordRef, sketch []byte) {
	d := dec{b: sketch}
	nf := int(d.u())
	fs := p.fieldBuf[:0]
	for i := 0; i < nf && !d.bad; i++ {
		fi := refField{id: p.names.id(d.bytes())}
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
	// The record's shingles, and which repeated spans too common to track
	// (saturated candidates) it holds, as a 64-bit Bloom filter: records
	// sharing one are related.
	sh := p.shBuf[:0]
	var bloom uint64
	field, prev := -1, int32(0)
	for k := 0; k < n && !d.bad; k++ {
		h := d.u64()
		fi := int(d.u())
		if fi != field {
			field, prev = fi, 0
		}
		s := prev + int32(d.u())
		e := s + int32(d.u())
		prev = s
		if fi < 0 || fi >= len(fs) || d.bad {
			d.bad = true
			break
		}
		sh = append(sh, refObsShingle{h: h, fidx: int32(fi), start: s, end: e})
	}
	p.shBuf = sh
	if d.bad {
		return
	}
	// Load the sketch line and first-seen slot of every refShingle first:
	// independent loads, whose cache misses overlap, where the updates
	// below would wait for them one at a time. The updates run in the
	// same order as without it.
	mask := uint64(len(p.first) - 1)
	var sink uint64
	for i := range sh {
		sink += uint64(p.cms.touch(sh[i].h)) + p.first[mix64(sh[i].h)&mask].h
	}
	p.sink += sink
	for i := range sh {
		x := &sh[i]
		x.est = p.cms.add(x.h)
		if x.est >= 2 {
			if x.c = p.cands[x.h]; x.c != nil && x.c.sat {
				bloom |= 1 << (mix64(x.h) & 63)
			}
		}
	}
	for _, x := range sh {
		f := fs[x.fidx]
		occ := refOcc{rec, f.id, x.fidx, x.start, x.end, f.flen, f.prompt, f.own, f.rest, bloom}
		if x.est < 2 {
			p.first[mix64(x.h)&mask] = refFirst{x.h, occ}
			continue
		}
		c := x.c
		if c == nil {
			if len(p.cands) >= p.opt.MaxClusters {
				p.dropped++
				continue
			}
			c = &refCand{h: x.h}
			p.cands[x.h] = c
			if slot := &p.first[mix64(x.h)&mask]; slot.h == x.h && slot.rec != rec {
				c.occ = append(c.occ, slot.refOcc)
				p.stored++
			}
		}
		if c.sat || len(c.occ) >= p.opt.MaxRecordsPerCluster {
			c.more++
			continue
		}
		c.occ = append(c.occ, occ)
		p.stored++
		if len(c.occ) > p.satLimit() {
			p.saturate(c)
		}
	}
	if p.stored > p.opt.MaxOccurrences {
		p.shed()
	}
}

// refObsShingle is one refShingle of the record being observed.
type refObsShingle struct {
	h          uint64
	fidx       int32
	start, end int32
	est        uint32   // count-min estimate after this occurrence
	c          *refCand // the candidate, when est >= 2 and one exists
}

// refField is what Observe keeps of one field of the record.
type refField struct {
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
func (p *refPayload) satLimit() int {
	return int(math.Max(4*p.opt.MaxDocFraction*float64(p.records), float64(rarityFloorDocs*p.opt.MinDocs)))
}

// saturate stops tracking c's occurrences: they are counted, and records
// holding c mark it in their relatedness filter.
func (p *refPayload) saturate(c *refCand) {
	c.more += len(c.occ)
	p.stored -= len(c.occ)
	c.occ, c.sat = nil, true
	p.saturated++
}

// shed keeps the stored occurrences within MaxOccurrences: it saturates
// every candidate holding more than a limit, halving the limit until at
// most three quarters of the budget are in use. The outcome depends only
// on the candidates, not on map order.
func (p *refPayload) shed() {
	lim := p.satLimit()
	for p.stored > 3*p.opt.MaxOccurrences/4 && lim > 1 {
		lim /= 2
		for _, c := range p.cands {
			if !c.sat && len(c.occ) > lim {
				p.saturate(c)
			}
		}
	}
}

// post returns the production detector holding the state the reference
// observed (its candidates in hash order: the production finish does not
// depend on their order), so that both share finish, Verdicts and Report,
// which the fast paths left as they were: the reference checks Sketch and
// Observe.
func (p *refPayload) post() *PayloadCluster {
	if p.out != nil {
		return p.out
	}
	q := newPayload(p.all)
	q.dropped, q.records, q.stored, q.saturated, q.names = p.dropped, p.records, p.stored, p.saturated, p.names
	for _, c := range p.cands {
		pc := payloadCand{h: c.h, more: c.more, sat: c.sat}
		for _, o := range c.occ {
			pc.occ = append(pc.occ, payloadOcc(o))
		}
		q.cands.list = append(q.cands.list, pc)
	}
	slices.SortFunc(q.cands.list, func(a, b payloadCand) int { return cmp.Compare(a.h, b.h) })
	p.out = q
	return q
}

// Verdicts implements detectors.CorpusDetector through post.
func (p *refPayload) Verdicts() ([]detectors.Verdict, error) { return p.post().Verdicts() }

// Report implements detectors.Reporter through post.
func (p *refPayload) Report() any { return p.post().Report() }
