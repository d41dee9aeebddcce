package poison

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/winnow-data/winnow/detectors"
)

// ResponseConflict finds near-duplicate prompts with conflicting responses
// (poison.response_conflict): the footprint of a poisoned copy of a clean
// example, or of label flipping. Prompts are compared by MinHash estimates
// of the Jaccard similarity of their word trigram sets (order matters:
// prompts made of the same words or sentences in another order are not
// near duplicates), responses by that of their word unigram and bigram sets
// (16 hashes each; prompts of fewer than six words are skipped). Prompts
// match when the estimate is at least MinPromptSimilarity, responses
// conflict when it is at most MaxResponseSimilarity. Candidate pairs come
// from 4 LSH bands of 4 rows, kept in a direct-mapped table of 2^TableLog2
// slots (the newest record wins a slot), so a pair is found when no other
// record took the slot in between: memory is fixed at 160 bytes per slot
// (40 MiB by default) plus two 1 and 4 MiB count-min sketches, and recall
// is approximate on very large corpora.
//
// Both records of an isolated conflicting pair get a document-level finding
// with confidence 0.5 (the responses may both be right). Not reported, only
// counted: prompts seen with three or more different answers (questions
// with many valid answers), and templates: pairs whose prompt band is
// shared by more than maxConflictGroup examples, or one of whose examples
// has more than maxConflictDegree near-duplicate prompts (the same question
// asked again and again gets different valid answers; a poisoned copy
// stands next to one clean example).
//
// Sketch is safe for concurrent use; Observe, Verdicts and Report follow
// the detectors.CorpusDetector contract.
type ResponseConflict struct {
	opt       ConflictOptions
	roles     roleCache
	pool      sync.Pool
	table     []conflictSlot
	groups    *cms // examples per prompt band key
	degree    *cms // near-duplicate prompts found per example
	pairs     int64
	seen      map[[2]detectors.RecordRef]bool
	byKey     map[uint64][][2]detectors.RecordRef
	keys      []uint64
	nconf     int
	multi     int
	templates int
	reported  int
}

var (
	_ detectors.CorpusDetector = (*ResponseConflict)(nil)
	_ detectors.Reporter       = (*ResponseConflict)(nil)
)

const (
	mhK    = 16
	mhBand = 4
)

type conflictSlot struct {
	key    uint64
	rec    detectors.RecordRef
	used   bool
	prompt [mhK]uint32
	resp   [mhK]uint32
}

func newConflict(opt Options) *ResponseConflict {
	c := &ResponseConflict{opt: opt.Conflict, table: make([]conflictSlot, 1<<opt.Conflict.TableLog2), groups: newCMS(conflictGroupLog2, 3), degree: newCMS(conflictGroupLog2+2, 3), seen: map[[2]detectors.RecordRef]bool{}, byKey: map[uint64][][2]detectors.RecordRef{}}
	c.pool.New = func() any { return &conflictScratch{} }
	return c
}

// ID returns "poison.response_conflict".
func (c *ResponseConflict) ID() string { return KindResponseConflict }

// Version changes whenever the output can change.
func (c *ResponseConflict) Version() string { return "2" }

// Kinds returns poison.response_conflict.
func (c *ResponseConflict) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindResponseConflict, Description: "near-duplicate prompts with conflicting responses", Severity: detectors.SeverityMedium}}
}

type conflictScratch struct {
	refs  []fieldRef
	pairs []pair
}

// maxConflictGroup is the most examples whose prompts may share the LSH
// band of a reported pair: an example and its poisoned copy, and one more
// copy of either. Prompts written from one template (the same question
// about different things, the same sentences in another order) share their
// bands with many other examples and legitimately get different answers.
const maxConflictGroup = 3

// maxConflictDegree is the most near-duplicate prompts either example of a
// reported pair may have (its partner and one copy).
const maxConflictDegree = 2

// conflictGroupLog2 sizes the count-min sketch of examples per prompt band
// (16 × 2^16 bytes = 1 MiB).
const conflictGroupLog2 = 16

// minConflictWords is the least number of words a prompt needs to be
// compared: short prompts ("Thanks!", "Go on") legitimately get every
// possible answer.
const minConflictWords = 6

// minhashWords fills sig with the MinHash of b's lowercased word unigrams
// and bigrams (trigrams true: of its word trigrams, so that texts made of
// the same words or sentences in another order differ) and returns the
// number of words.
func minhashWords(sig *[mhK]uint32, b []byte, trigrams bool) int {
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	words := 0
	var prev, prev2 uint64
	add := func(h uint64) {
		// One mix, then a different odd multiplier per hash function
		// (multiply-shift hashing of the mixed feature).
		x := mix64(h)
		for i := range sig {
			v := uint32((x ^ x>>29) * mhMult[i] >> 32)
			if v < sig[i] {
				sig[i] = v
			}
		}
	}
	forEachWord(b, func(w []byte, _, _ int) {
		h := hashLower(w)
		words++
		switch {
		case !trigrams:
			add(h)
			if prev != 0 {
				add(mix64(prev ^ h<<1))
			}
		case prev2 != 0:
			add(mix64(prev2^mix64(prev^h<<1)) + 3)
		}
		prev2, prev = prev, h
	})
	if trigrams && words < 3 && words > 0 {
		add(mix64(prev2 ^ prev<<1))
	}
	return words
}

// mhMult holds the odd multipliers of the MinHash functions.
var mhMult = func() (m [mhK]uint64) {
	for i := range m {
		m[i] = mix64(uint64(i)+0x51ed_27c3_a1b2_9e37) | 1
	}
	return
}()

func similarity(a, b *[mhK]uint32) float64 {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return float64(n) / mhK
}

// Sketch implements detectors.CorpusDetector: per prompt/response example,
// the two MinHash signatures.
func (c *ResponseConflict) Sketch(dst []byte, fields []detectors.Field) []byte {
	sc := c.pool.Get().(*conflictScratch)
	defer c.pool.Put(sc)
	sc.refs = sc.refs[:0]
	for _, f := range fields {
		ri := c.roles.get(f.Name)
		sc.refs = append(sc.refs, fieldRef{ri.role, ri.container, ri.index, f.Value})
	}
	sc.pairs = splitPairs(sc.pairs, sc.refs)
	dst = putU(dst, uint64(len(sc.pairs)))
	var p, r [mhK]uint32
	for _, pr := range sc.pairs {
		np := minhashWords(&p, pr.last, true) // a shared system prompt would make every prompt alike
		nr := minhashWords(&r, pr.response, false)
		if np < minConflictWords || nr == 0 {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		for _, v := range p {
			dst = appendU32(dst, v)
		}
		for _, v := range r {
			dst = appendU32(dst, v)
		}
	}
	return dst
}

// Observe implements detectors.CorpusDetector.
func (c *ResponseConflict) Observe(rec detectors.RecordRef, sketch []byte) {
	d := dec{b: sketch}
	n := int(d.u())
	mask := uint64(len(c.table) - 1)
	for k := 0; k < n && !d.bad; k++ {
		if len(d.b) == 0 {
			return
		}
		ok := d.b[0] == 1
		d.b = d.b[1:]
		if !ok {
			continue
		}
		raw := d.u32s(2 * mhK)
		if d.bad {
			return
		}
		var p, r [mhK]uint32
		for i := 0; i < mhK; i++ {
			p[i] = u32At(raw, i)
			r[i] = u32At(raw, mhK+i)
		}
		c.pairs++
		var partners [mhK / mhBand]detectors.RecordRef
		np := 0
		for b := 0; b < mhK/mhBand; b++ {
			key := uint64(b + 1)
			for i := b * mhBand; i < (b+1)*mhBand; i++ {
				key = mix64(key ^ uint64(p[i]))
			}
			c.groups.add(key)
			s := &c.table[key&mask]
			if s.used && s.key == key && s.rec != rec && similarity(&s.prompt, &p) >= c.opt.MinPromptSimilarity {
				// A near-duplicate prompt: count it once per partner.
				if !slices.Contains(partners[:np], s.rec) {
					partners[np] = s.rec
					np++
					c.degree.add(recordKey(s.rec))
					c.degree.add(recordKey(rec))
				}
				if similarity(&s.resp, &r) <= c.opt.MaxResponseSimilarity {
					c.conflict(s.rec, rec, key)
				}
			}
			*s = conflictSlot{key: key, rec: rec, used: true, prompt: p, resp: r}
		}
	}
}

// recordKey hashes a record reference for the degree sketch.
func recordKey(r detectors.RecordRef) uint64 {
	return mix64(uint64(r.File)<<40 ^ uint64(r.Row) ^ 0x6465_6772_6565)
}

func (c *ResponseConflict) conflict(a, b detectors.RecordRef, key uint64) {
	k := [2]detectors.RecordRef{a, b}
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.nconf++
	if len(c.byKey[key]) < 3 {
		c.byKey[key] = append(c.byKey[key], k)
	}
	if len(c.byKey[key]) == 1 {
		c.keys = append(c.keys, key)
	}
}

// Verdicts implements detectors.CorpusDetector. Only isolated pairs are
// reported: a prompt seen with three or more different answers is a
// question with many valid answers, not a poisoned copy.
func (c *ResponseConflict) Verdicts() ([]detectors.Verdict, error) {
	var out []detectors.Verdict
	c.multi = 0
	c.templates = 0
	for _, key := range c.keys {
		ps := c.byKey[key]
		if len(ps) != 1 {
			c.multi++
			continue
		}
		if c.groups.get(key) > maxConflictGroup ||
			c.degree.get(recordKey(ps[0][0])) > maxConflictDegree || c.degree.get(recordKey(ps[0][1])) > maxConflictDegree {
			// Many prompts share this band: a template asked with
			// different contents, not one example and its altered copy.
			c.templates++
			continue
		}
		id := fmt.Sprintf("conflict:%016x", key)
		out = append(out,
			detectors.Verdict{Rec: ps[0][0], Kind: KindResponseConflict, Confidence: 0.5, Cluster: id},
			detectors.Verdict{Rec: ps[0][1], Kind: KindResponseConflict, Confidence: 0.5, Cluster: id})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rec.Less(out[j].Rec) })
	c.reported = len(out) / 2
	return out, nil
}

// ConflictReport is the Report of poison.response_conflict.
type ConflictReport struct {
	Examples    int64 `json:"instruction_examples"`
	Conflicts   int   `json:"conflicting_pairs"`    // pairs found
	Reported    int   `json:"reported_pairs"`       // isolated pairs given findings
	MultiAnswer int   `json:"multi_answer_prompts"` // prompts with three or more answers, not reported
	Templates   int   `json:"template_prompts"`     // pairs whose prompt band is shared by more than maxConflictGroup examples, not reported
	TableSlots  int   `json:"table_slots"`
}

// Report implements detectors.Reporter (call it after Verdicts).
func (c *ResponseConflict) Report() any {
	return ConflictReport{Examples: c.pairs, Conflicts: c.nconf, Reported: c.reported, MultiAnswer: c.multi, Templates: c.templates, TableSlots: len(c.table)}
}
