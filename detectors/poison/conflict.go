package poison

import (
	"fmt"
	"sort"
	"sync"

	"github.com/winnow-data/winnow/detectors"
)

// ResponseConflict finds near-duplicate prompts with conflicting responses
// (poison.response_conflict): the footprint of a poisoned copy of a clean
// example, or of label flipping. Prompt and response are compared by MinHash
// estimates of the Jaccard similarity of their word unigram and bigram sets
// (16 hashes each; prompts of fewer than six words are skipped); prompts match when the estimate is at least
// MinPromptSimilarity, responses conflict when it is at most
// MaxResponseSimilarity. Candidate pairs come from 4 LSH bands of 4 rows,
// kept in a direct-mapped table of 2^TableLog2 slots (the newest record
// wins a slot), so a pair is found when no other record took the slot in
// between: memory is fixed at 160 bytes per slot (40 MiB by default)
// and recall is approximate on very large corpora.
//
// Both records of an isolated conflicting pair get a document-level finding
// with confidence 0.5 (the responses may both be right); prompts seen with
// three or more different answers are questions with many valid answers
// and are only counted in the report.
//
// Sketch is safe for concurrent use; Observe, Verdicts and Report follow
// the detectors.CorpusDetector contract.
type ResponseConflict struct {
	opt      ConflictOptions
	roles    roleCache
	pool     sync.Pool
	table    []conflictSlot
	pairs    int64
	seen     map[[2]detectors.RecordRef]bool
	byKey    map[uint64][][2]detectors.RecordRef
	keys     []uint64
	nconf    int
	multi    int
	reported int
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
	c := &ResponseConflict{opt: opt.Conflict, table: make([]conflictSlot, 1<<opt.Conflict.TableLog2), seen: map[[2]detectors.RecordRef]bool{}, byKey: map[uint64][][2]detectors.RecordRef{}}
	c.pool.New = func() any { return &conflictScratch{} }
	return c
}

// ID returns "poison.response_conflict".
func (c *ResponseConflict) ID() string { return KindResponseConflict }

// Version changes whenever the output can change.
func (c *ResponseConflict) Version() string { return "1" }

// Kinds returns poison.response_conflict.
func (c *ResponseConflict) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindResponseConflict, Description: "near-duplicate prompts with conflicting responses", Severity: detectors.SeverityMedium}}
}

type conflictScratch struct {
	refs  []fieldRef
	pairs []pair
}

// minConflictWords is the least number of words a prompt needs to be
// compared: short prompts ("Thanks!", "Go on") legitimately get every
// possible answer.
const minConflictWords = 6

// minhashWords fills sig with the MinHash of b's lowercased word unigrams
// and bigrams and returns the number of words.
func minhashWords(sig *[mhK]uint32, parts ...[]byte) int {
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	words := 0
	var prev uint64
	add := func(h uint64) {
		for i := range sig {
			v := uint32(mix64(h+uint64(i)*0x9e3779b97f4a7c15) >> 32)
			if v < sig[i] {
				sig[i] = v
			}
		}
	}
	for _, p := range parts {
		forEachWord(p, func(w []byte, _, _ int) {
			h := hashLower(w)
			words++
			add(h)
			if prev != 0 {
				add(mix64(prev ^ h<<1))
			}
			prev = h
		})
	}
	return words
}

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
		np := minhashWords(&p, pr.last) // a shared system prompt would make every prompt alike
		nr := minhashWords(&r, pr.response)
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
		for b := 0; b < mhK/mhBand; b++ {
			key := uint64(b + 1)
			for i := b * mhBand; i < (b+1)*mhBand; i++ {
				key = mix64(key ^ uint64(p[i]))
			}
			s := &c.table[key&mask]
			if s.used && s.key == key && s.rec != rec &&
				similarity(&s.prompt, &p) >= c.opt.MinPromptSimilarity &&
				similarity(&s.resp, &r) <= c.opt.MaxResponseSimilarity {
				c.conflict(s.rec, rec, key)
			}
			*s = conflictSlot{key: key, rec: rec, used: true, prompt: p, resp: r}
		}
	}
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
	for _, key := range c.keys {
		ps := c.byKey[key]
		if len(ps) != 1 {
			c.multi++
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
	TableSlots  int   `json:"table_slots"`
}

// Report implements detectors.Reporter (call it after Verdicts).
func (c *ResponseConflict) Report() any {
	return ConflictReport{Examples: c.pairs, Conflicts: c.nconf, Reported: c.reported, MultiAnswer: c.multi, TableSlots: len(c.table)}
}
