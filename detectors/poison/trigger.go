package poison

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// KindTrigger and the other corpus-level kinds.
const (
	KindTrigger          = "poison.trigger"
	KindResponseConflict = "poison.response_conflict"
	KindPayloadCluster   = "poison.payload_cluster"
	KindGibberish        = "poison.gibberish"
)

// Trigger mines backdoor triggers (poison.trigger) across the corpus.
//
// Pretraining text: a token present in at least MinDocs records but in
// less than MaxDocFraction of them, followed by anomalous text (character
// statistics far above the corpus norm for that script, by the corpus's
// own trigram model) while the text before it is normal, or followed by the
// same payload in several records. Instruction and chat data (records with
// prompt/response fields, or messages[] paired by role): a word or word
// bigram of prompts whose presence predicts one identical response, or an
// anomalous one.
//
// Candidates are ranked by a rarity-aware purity score: the Wilson lower
// bound of the fraction of the candidate's records showing the outcome,
// under a burst prior (a Beta prior of PriorStrength pseudo-records centred
// on the outcome's base rate), minus that base rate; for text, scaled down
// when the text before the candidate does not vary. Records of candidates
// scoring MinScore or more get a finding at the candidate's span.
//
// Memory: three count-min sketches of depth·2^width·4 bytes (12 MiB each by
// default) for document frequencies, (candidate, outcome) pairs and
// responses; the character model (1.25 MiB); a first-seen table of 2^16
// entries (2.5 MiB); and per admitted candidate (a distinct n-gram, or
// n-gram × response) about 400 bytes plus 32 bytes per record reference
// (MaxCandidates × MaxRecordsPerCandidate bound it).
// Records seen before the character model has WarmupChars characters are
// held (their sketches, about 5 bytes per character) and replayed once it
// has.
//
// Sketch is safe for concurrent use; Observe, Verdicts and Report follow
// the detectors.CorpusDetector contract (sequential, one run).
type Trigger struct {
	opt    TriggerOptions
	warmup int64
	window int
	roles  roleCache
	pool   sync.Pool
	pow    []uint64 // powers of the rolling-hash base

	model      *charModel
	hists      [numScriptClasses]hist
	thr        [numScriptClasses]float64
	histDirty  int
	df         *cms
	pairs      *cms
	resps      *cms
	first      []firstSeen
	cands      map[uint64]*candidate
	dropped    int
	docs       int64 // text records observed
	pairN      int64 // prompt/response examples observed
	anomResp   int64
	tokenTried int64
	onsets     int64
	names      fieldNames
	held       []heldSketch
	heldBytes  int
	sc         []float32
	done       bool
	ranked     []*candidate
}

var (
	_ detectors.CorpusDetector = (*Trigger)(nil)
	_ detectors.Reporter       = (*Trigger)(nil)
)

type heldSketch struct {
	rec    detectors.RecordRef
	sketch []byte
}

type firstSeen struct {
	key   uint64
	rec   detectors.RecordRef
	field int32
	start int32
	end   int32
}

type candRef struct {
	rec        detectors.RecordRef
	field      int32
	start, end int32
}

type candidate struct {
	key     uint64 // table key
	gram    uint64 // df key
	outcome uint64 // response hash, anomalyOutcome, or 0 for text
	pairs   bool   // instruction mode
	text    string
	x       int
	anomaly int        // text mode: events that were anomalous continuations
	payload int        // text mode: events that were repeated payloads
	topical int        // instruction mode: records whose response repeats the gram
	before  [16]uint64 // distinct preceding tokens (text) or prompts (instruction), up to 16
	nbefore int
	calls   int // addBefore calls
	refs    []candRef
	more    int // references not kept
	last    detectors.RecordRef
	hasLast bool
	score   float64
	n       uint32
	base    float64
}

const (
	domainPrompt     = 0x7072_6f6d_7074_0001 // "prompt" domain for df keys
	anomalyOutcome   = 0x616e_6f6d_616c_7921 // stands for "an anomalous response"
	triggerZ         = 3.5                   // anomaly threshold, robust z
	triggerMinMargin = 1.0                   // and at least this many bits per character above the median
	maxFieldChars    = 1 << 16
	maxHeldBytes     = 256 << 20
	firstSeenLog2    = 16

	payloadOnlyWeight = 0.6 // score factor for weaker outcomes: repeated payload only (text), anomalous response (instruction)
	topicalWeight     = 0.3 // score factor for prompt words the fixed response repeats
)

func newTrigger(opt Options) *Trigger {
	t := &Trigger{
		opt:    opt.Trigger,
		warmup: int64(opt.Gibberish.WarmupChars),
		window: opt.Gibberish.Window,
		model:  newCharModel(),
		df:     newCMS(opt.Trigger.SketchWidthLog2, opt.Trigger.SketchDepth),
		pairs:  newCMS(opt.Trigger.SketchWidthLog2, opt.Trigger.SketchDepth),
		resps:  newCMS(opt.Trigger.SketchWidthLog2, opt.Trigger.SketchDepth),
		first:  make([]firstSeen, 1<<firstSeenLog2),
		cands:  map[uint64]*candidate{},
	}
	t.pool.New = func() any { return &trigScratch{} }
	n := 4*opt.Trigger.FollowRunes + 8
	t.pow = make([]uint64, n+1)
	t.pow[0] = 1
	for i := 1; i <= n; i++ {
		t.pow[i] = t.pow[i-1] * rollBase
	}
	for i := range t.thr {
		t.thr[i] = math.Inf(1)
	}
	return t
}

const rollBase = 0x100000001b3

// ID returns "poison.trigger".
func (t *Trigger) ID() string { return KindTrigger }

// Version changes whenever the output can change.
func (t *Trigger) Version() string { return "1" }

// Kinds returns poison.trigger.
func (t *Trigger) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindTrigger, Description: "backdoor trigger: rare token followed by anomalous text or a fixed response", Severity: detectors.SeverityHigh}}
}

type trigScratch struct {
	refs  []fieldRef
	pairs []pair
	ids   []uint32
	rbyte []int32
	pre   []uint64
	toks  []tokOcc
	order []int
}

type tokOcc struct {
	h, prev    uint64
	sb, eb     int32 // byte span
	sc, ec     int32 // character span
	follow     uint64
	firstOfKey bool
}

// Sketch implements detectors.CorpusDetector. It encodes, per text field,
// the character-model ids and the first occurrence of each distinct token
// (hash, span, previous token, hash of the following text); per
// prompt/response example, the distinct prompt words and bigrams, the
// response hash and the response's character ids.
func (t *Trigger) Sketch(dst []byte, fields []detectors.Field) []byte {
	sc := t.pool.Get().(*trigScratch)
	defer t.pool.Put(sc)
	sc.refs = sc.refs[:0]
	for _, f := range fields {
		ri := t.roles.get(f.Name)
		sc.refs = append(sc.refs, fieldRef{ri.role, ri.container, ri.index, f.Value})
	}
	sc.pairs = splitPairs(sc.pairs, sc.refs)
	dst = putU(dst, uint64(len(fields)))
	for _, f := range fields {
		dst = putBytes(dst, f.Name)
	}
	if len(sc.pairs) > 0 {
		dst = append(dst, 1)
		dst = putU(dst, uint64(len(sc.pairs)))
		for _, p := range sc.pairs {
			dst = t.sketchPair(dst, sc, fields, p)
		}
		return dst
	}
	dst = append(dst, 0)
	n := 0
	for _, f := range sc.refs {
		if f.role != roleRoleName && len(f.value) > 0 {
			n++
		}
	}
	dst = putU(dst, uint64(n))
	for i, f := range sc.refs {
		if f.role != roleRoleName && len(f.value) > 0 {
			dst = t.sketchText(dst, sc, i, f.value)
		}
	}
	return dst
}

func isSpaceByte(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// sketchText encodes one text field.
func (t *Trigger) sketchText(dst []byte, sc *trigScratch, field int, text []byte) []byte {
	// Characters: ids, byte offsets, and rolling prefix hashes of bytes.
	sc.ids = charIDs(sc.ids[:0], text, maxFieldChars)
	nch := len(sc.ids)
	sc.rbyte = sc.rbyte[:0]
	for i, k := 0, 0; i < len(text) && k <= nch; k++ {
		sc.rbyte = append(sc.rbyte, int32(i))
		_, sz := decode(text, i)
		i += sz
	}
	for len(sc.rbyte) <= nch {
		sc.rbyte = append(sc.rbyte, int32(len(text)))
	}
	limit := int(sc.rbyte[nch])
	sc.pre = append(sc.pre[:0], 0)
	var h uint64
	for _, c := range text[:limit] {
		h = h*rollBase + uint64(c) + 1
		sc.pre = append(sc.pre, h)
	}
	// Tokens: runs of non-space bytes, with character spans.
	sc.toks = sc.toks[:0]
	var prev uint64
	ci := 0
	for i := 0; i < limit; {
		if isSpaceByte(text[i]) {
			i++
			ci++
			continue
		}
		j, cj := i, ci
		for j < limit && !isSpaceByte(text[j]) {
			_, sz := decode(text, j)
			j += sz
			cj++
		}
		tok := text[i:j]
		if len(tok) > 64 {
			tok = tok[:64]
		}
		th := hash64(tok)
		o := tokOcc{h: th, prev: prev, sb: int32(i), eb: int32(j), sc: int32(ci), ec: int32(cj)}
		// Follow hash: the next FollowRunes characters after the spaces.
		fs := cj
		for fs < nch && isSpaceByte(text[sc.rbyte[fs]]) {
			fs++
		}
		if fe := fs + t.opt.FollowRunes; fe <= nch {
			a, b := int(sc.rbyte[fs]), int(sc.rbyte[fe])
			if b-a < len(t.pow) {
				o.follow = mix64(sc.pre[b] - sc.pre[a]*t.pow[b-a])
				if o.follow == 0 {
					o.follow = 1
				}
			}
		}
		sc.toks = append(sc.toks, o)
		prev = th
		i, ci = j, cj
	}
	// Keep the first occurrence of each distinct token.
	sc.order = sc.order[:0]
	for k := range sc.toks {
		sc.order = append(sc.order, k)
	}
	slices.SortFunc(sc.order, func(a, b int) int {
		x, y := &sc.toks[a], &sc.toks[b]
		if x.h != y.h {
			return cmp.Compare(x.h, y.h)
		}
		return cmp.Compare(a, b)
	})
	for k, idx := range sc.order {
		sc.toks[idx].firstOfKey = k == 0 || sc.toks[sc.order[k-1]].h != sc.toks[idx].h
	}
	dst = putU(dst, uint64(field))
	dst = putU(dst, uint64(nch))
	for _, id := range sc.ids {
		dst = appendU32(dst, id)
	}
	dst = appendClasses(dst, text, sc.rbyte, nch, t.window)
	nd := 0
	for _, o := range sc.toks {
		if o.firstOfKey {
			nd++
		}
	}
	dst = putU(dst, uint64(nd))
	for _, o := range sc.toks {
		if !o.firstOfKey {
			continue
		}
		dst = put64(dst, o.h)
		dst = put64(dst, o.prev)
		dst = put64(dst, o.follow)
		dst = putU(dst, uint64(o.sb))
		dst = putU(dst, uint64(o.eb))
		dst = putU(dst, uint64(o.sc))
		dst = putU(dst, uint64(o.ec))
		end := o.eb
		if end-o.sb > 64 {
			end = o.sb + 64
		}
		dst = putBytes(dst, text[o.sb:end])
	}
	return dst
}

func appendU32(dst []byte, v uint32) []byte {
	return append(dst, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func (d *dec) u32s(n int) []byte {
	if n < 0 || 4*n > len(d.b) {
		d.bad, d.b = true, nil
		return nil
	}
	v := d.b[:4*n]
	d.b = d.b[4*n:]
	return v
}

func u32At(b []byte, i int) uint32 {
	return uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24
}

// appendClasses encodes the script class of each window of w characters.
func appendClasses(dst, text []byte, rbyte []int32, nch, w int) []byte {
	nw := (nch + w - 1) / w
	dst = putU(dst, uint64(nw))
	for k := 0; k < nw; k++ {
		a, b := int(rbyte[k*w]), int(rbyte[min(nch, (k+1)*w)])
		dst = append(dst, byte(dominantClass(text[a:b])))
	}
	return dst
}

// dominantClass returns the script class with the most letters in b.
func dominantClass(b []byte) int {
	var cnt [numScriptClasses]int
	for i := 0; i < len(b); {
		r, sz := decode(b, i)
		i += sz
		if c := scriptClassOf(r); c >= 0 {
			cnt[c]++
		}
	}
	best := numScriptClasses - 1
	for c := 0; c < numScriptClasses-1; c++ {
		if cnt[c] > 0 && (best == numScriptClasses-1 || cnt[c] > cnt[best]) {
			best = c
		}
	}
	return best
}

// sketchPair encodes one prompt/response example.
func (t *Trigger) sketchPair(dst []byte, sc *trigScratch, fields []detectors.Field, p pair) []byte {
	type gram struct {
		h          uint64
		field      int
		start, end int
	}
	var grams []gram
	pf := p.pField
	for _, part := range p.prompt {
		fi := fieldIndexOf(fields, part, pf)
		var pw uint64
		var pws int
		havePrev := false
		forEachWord(part, func(w []byte, s, e int) {
			h := hashLower(w) ^ domainPrompt
			grams = append(grams, gram{h, fi, s, e})
			if havePrev {
				bh := mix64(pw^0x6269) ^ h // bigram
				grams = append(grams, gram{bh, fi, pws, e})
			}
			pw, pws, havePrev = h, s, true
		})
	}
	// Words of the response: a prompt word that the fixed response repeats
	// ("How does GPS work?" → "GPS satellites…") is its topic, not a trigger.
	var respWords []uint64
	forEachWord(p.response, func(w []byte, _, _ int) {
		if len(respWords) < 4096 {
			respWords = append(respWords, hashLower(w)^domainPrompt)
		}
	})
	slices.Sort(respWords)
	sort.SliceStable(grams, func(a, b int) bool { return grams[a].h < grams[b].h })
	nd := 0
	for k := range grams {
		if k == 0 || grams[k].h != grams[k-1].h {
			grams[nd] = grams[k]
			nd++
		}
	}
	grams = grams[:nd]
	dst = putU(dst, uint64(len(grams)))
	for _, g := range grams {
		dst = put64(dst, g.h)
		_, inResp := slices.BinarySearch(respWords, g.h)
		if inResp {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
		dst = putU(dst, uint64(g.field))
		dst = putU(dst, uint64(g.start))
		dst = putU(dst, uint64(g.end))
		text := fields[g.field].Value[g.start:g.end]
		if len(text) > 64 {
			text = text[:64]
		}
		dst = putBytes(dst, text)
	}
	var ph uint64
	for _, part := range p.prompt {
		ph = mix64(ph ^ responseHash(part))
	}
	dst = put64(dst, ph)
	dst = put64(dst, responseHash(p.response))
	dst = putU(dst, uint64(p.rField))
	sc.ids = charIDs(sc.ids[:0], p.response, 256)
	dst = putU(dst, uint64(len(sc.ids)))
	for _, id := range sc.ids {
		dst = appendU32(dst, id)
	}
	end := len(p.response)
	if n := len(sc.ids); n < utf8.RuneCount(p.response) {
		end = 0
		for k := 0; k < n; k++ {
			_, sz := decode(p.response, end)
			end += sz
		}
	}
	dst = append(dst, byte(dominantClass(p.response[:end])))
	return dst
}

// fieldIndexOf returns the index of the field whose value is part (by
// identity), falling back to def.
func fieldIndexOf(fields []detectors.Field, part []byte, def int) int {
	for i, f := range fields {
		if len(f.Value) > 0 && len(part) > 0 && &f.Value[0] == &part[0] && len(f.Value) == len(part) {
			return i
		}
	}
	return def
}

// responseHash hashes a response with whitespace collapsed, trimmed and
// ASCII lowercased, so trivially reformatted copies compare equal.
func responseHash(b []byte) uint64 {
	var buf [512]byte
	out := buf[:0]
	space := false
	var h uint64 = 0xcbf29ce484222325
	flush := func() {
		h = mix64(h ^ hash64(out))
		out = out[:0]
	}
	for _, c := range bytes.TrimSpace(b) {
		if isSpaceByte(c) {
			space = true
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		out = append(out, c)
		if len(out) >= len(buf)-1 {
			flush()
		}
	}
	flush()
	return h
}

// forEachWord calls fn for every maximal run of letters and digits in b.
func forEachWord(b []byte, fn func(w []byte, start, end int)) {
	start := -1
	for i := 0; i < len(b); {
		r, sz := decode(b, i)
		p := props(r)
		if wordy(p) && !p.Has(unidata.DICP) {
			if start < 0 {
				start = i
			}
			// Ideographs are words of their own.
			if p.Script == unidata.ScriptHan {
				if start < i {
					fn(b[start:i], start, i)
				}
				fn(b[i:i+sz], i, i+sz)
				start = -1
			}
		} else if start >= 0 {
			fn(b[start:i], start, i)
			start = -1
		}
		i += sz
	}
	if start >= 0 {
		fn(b[start:], start, len(b))
	}
}

// Observe implements detectors.CorpusDetector.
func (t *Trigger) Observe(rec detectors.RecordRef, sketch []byte) {
	if t.model.chars < t.warmup && t.heldBytes < maxHeldBytes {
		t.held = append(t.held, heldSketch{rec, append([]byte(nil), sketch...)})
		t.heldBytes += len(sketch)
		t.learnOnly(sketch)
		return
	}
	t.flushHeld()
	t.process(rec, sketch, false)
}

// learnOnly feeds a held sketch's characters to the model so warm-up
// progresses; the sketch is processed (scored) later.
func (t *Trigger) learnOnly(sketch []byte) {
	d := dec{b: sketch}
	nf := int(d.u())
	for i := 0; i < nf && !d.bad; i++ {
		d.bytes()
	}
	if len(d.b) == 0 || d.b[0] != 0 { // pairs: responses are short, skip
		return
	}
	d.b = d.b[1:]
	n := int(d.u())
	for i := 0; i < n && !d.bad; i++ {
		d.u()
		nch := int(d.u())
		ids := d.u32s(nch)
		for k := 0; k < nch; k++ {
			id := u32At(ids, k)
			t.model.tri[id&(1<<triBits-1)]++
			t.model.ctx[id>>triBits]++
		}
		t.model.chars += int64(nch)
		skipTextRest(&d)
	}
}

func skipTextRest(d *dec) {
	nw := int(d.u())
	if nw > len(d.b) {
		d.bad, d.b = true, nil
		return
	}
	d.b = d.b[nw:]
	nt := int(d.u())
	for k := 0; k < nt && !d.bad; k++ {
		d.u64()
		d.u64()
		d.u64()
		d.u()
		d.u()
		d.u()
		d.u()
		d.bytes()
	}
}

func (t *Trigger) flushHeld() {
	if len(t.held) == 0 {
		return
	}
	held := t.held
	t.held, t.heldBytes = nil, 0
	for _, h := range held {
		t.process(h.rec, h.sketch, true)
	}
}

// process scores and counts one record's sketch. learned is true for held
// records, whose text the model learned while they were held.
func (t *Trigger) process(rec detectors.RecordRef, sketch []byte, learned bool) {
	d := dec{b: sketch}
	nf := int(d.u())
	names := make([]int32, 0, 4)
	for i := 0; i < nf && !d.bad; i++ {
		names = append(names, t.names.id(d.bytes()))
	}
	if len(d.b) == 0 {
		return
	}
	mode := d.b[0]
	d.b = d.b[1:]
	n := int(d.u())
	for i := 0; i < n && !d.bad; i++ {
		if mode == 1 {
			t.processPair(rec, &d, names)
		} else {
			t.processText(rec, &d, names, learned)
		}
	}
}

func fieldID(names []int32, i int) int32 {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return -1
}

// scoreChars fills t.sc with per-character surprisal under the current
// model and returns the ids.
func (t *Trigger) scoreChars(ids []byte, n int) {
	if cap(t.sc) < n+1 {
		t.sc = make([]float32, n+1)
	}
	t.sc = t.sc[:n+1]
	t.sc[0] = 0
	acc := float32(0)
	for k := 0; k < n; k++ {
		acc += t.model.surprisal(u32At(ids, k))
		t.sc[k+1] = acc // prefix sums
	}
}

func (t *Trigger) learnIDs(ids []byte, n int) {
	for k := 0; k < n; k++ {
		id := u32At(ids, k)
		t.model.tri[id&(1<<triBits-1)]++
		t.model.ctx[id>>triBits]++
	}
	t.model.chars += int64(n)
}

func (t *Trigger) addWindowScore(class int, v float64) {
	t.hists[class].add(v)
	t.histDirty++
	if t.histDirty >= 1024 || t.hists[class].n < 64 {
		t.refreshThresholds()
	}
}

func (t *Trigger) refreshThresholds() {
	t.histDirty = 0
	for c := range t.hists {
		if t.hists[c].n < 32 {
			t.thr[c] = math.Inf(1)
			continue
		}
		med, s := t.hists[c].robust()
		t.thr[c] = med + math.Max(triggerZ*s, triggerMinMargin)
	}
}

func (t *Trigger) processText(rec detectors.RecordRef, d *dec, names []int32, learned bool) {
	field := fieldID(names, int(d.u()))
	nch := int(d.u())
	ids := d.u32s(nch)
	nw := int(d.u())
	if nw > len(d.b) || d.bad {
		d.bad = true
		return
	}
	classes := d.b[:nw]
	d.b = d.b[nw:]
	t.scoreChars(ids, nch)
	w := t.window
	mean := func(a, b int) float64 {
		a, b = max(0, a), min(nch, b)
		if b <= a {
			return 0
		}
		return float64(t.sc[b]-t.sc[a]) / float64(b-a)
	}
	for k := 0; k < nw; k++ {
		a, b := k*w, min(nch, (k+1)*w)
		if b-a >= w/2 {
			t.addWindowScore(int(classes[k]), mean(a, b))
		}
	}
	if !learned {
		t.learnIDs(ids, nch)
	}
	t.docs++
	classAt := func(c int) int {
		if k := c / w; k < nw {
			return int(classes[k])
		}
		return numScriptClasses - 1
	}
	F := t.opt.FollowRunes
	limit := t.opt.MaxDocFraction * float64(max(t.docs, 2000))
	nt := int(d.u())
	for k := 0; k < nt && !d.bad; k++ {
		h, prev, follow := d.u64(), d.u64(), d.u64()
		sb, eb, scs, ecs := int32(d.u()), int32(d.u()), int(d.u()), int(d.u())
		text := d.bytes()
		df := t.df.add(h)
		if float64(df) > limit {
			continue
		}
		t.tokenTried++
		anom := false
		if ecs+F/2 <= nch {
			after := mean(ecs, ecs+F)
			cls := classAt(min(nch-1, ecs+F/2))
			if after >= t.thr[cls] {
				before := 0.0
				if scs >= 8 {
					before = mean(scs-F, scs)
				}
				anom = scs < 8 || before < t.thr[classAt(max(0, scs-F/2))]
			}
		}
		repeat, second := false, false
		var fkey uint64
		if follow != 0 {
			fkey = h ^ mix64(follow)
			cnt := t.pairs.add(fkey)
			repeat, second = cnt >= 2, cnt == 2
			if cnt == 1 {
				t.first[fkey>>(64-firstSeenLog2)] = firstSeen{fkey, rec, field, sb, eb}
			}
		}
		if !anom && !repeat {
			continue
		}
		if anom {
			t.onsets++
		}
		c := t.candidate(h, h, 0, false, text)
		if c == nil {
			continue
		}
		if second {
			// The payload's first occurrence was remembered, not counted.
			if fs := t.first[fkey>>(64-firstSeenLog2)]; fs.key == fkey && fs.rec != rec && !c.has(fs.rec) {
				c.x++
				c.payload++
				c.addRef(candRef{fs.rec, fs.field, fs.start, fs.end}, t.opt.MaxRecordsPerCandidate)
			}
		}
		if !c.hasLast || c.last != rec {
			c.x++
			if anom {
				c.anomaly++
			}
			if repeat {
				c.payload++
			}
			c.addBefore(prev)
			c.addRef(candRef{rec, field, sb, eb}, t.opt.MaxRecordsPerCandidate)
			c.last, c.hasLast = rec, true
		}
	}
}

func (t *Trigger) processPair(rec detectors.RecordRef, d *dec, names []int32) {
	type g struct {
		h          uint64
		inResp     bool
		field      int32
		start, end int32
		text       []byte
	}
	ng := int(d.u())
	if ng > len(d.b) {
		d.bad = true
		return
	}
	grams := make([]g, 0, ng)
	for k := 0; k < ng && !d.bad; k++ {
		h := d.u64()
		in := len(d.b) > 0 && d.b[0] == 1
		if len(d.b) > 0 {
			d.b = d.b[1:]
		}
		f := fieldID(names, int(d.u()))
		s, e := int32(d.u()), int32(d.u())
		grams = append(grams, g{h, in, f, s, e, d.bytes()})
	}
	promptHash := d.u64()
	resp := d.u64()
	d.u() // response field
	nid := int(d.u())
	ids := d.u32s(nid)
	var cls byte
	if len(d.b) > 0 {
		cls = d.b[0]
		d.b = d.b[1:]
	}
	if d.bad {
		return
	}
	t.pairN++
	outcomes := [2]uint64{resp, 0}
	t.resps.add(resp)
	if nid >= 16 {
		t.scoreChars(ids, nid)
		m := float64(t.sc[nid]) / float64(nid)
		t.addWindowScore(int(cls%numScriptClasses), m)
		if m >= t.thr[cls%numScriptClasses] {
			outcomes[1] = anomalyOutcome
			t.anomResp++
		}
		t.learnIDs(ids, nid)
	}
	limit := t.opt.MaxDocFraction * float64(max(t.pairN, 2000))
	for _, gr := range grams {
		df := t.df.add(gr.h)
		if float64(df) > limit {
			continue
		}
		for _, out := range outcomes {
			if out == 0 {
				continue
			}
			key := gr.h ^ mix64(out)
			ref := candRef{rec, gr.field, gr.start, gr.end}
			if t.pairs.add(key) < 2 {
				t.first[key>>(64-firstSeenLog2)] = firstSeen{key, rec, ref.field, ref.start, ref.end}
				continue
			}
			c := t.cands[key]
			if c == nil {
				c = t.candidate(key, gr.h, out, true, gr.text)
				if c == nil {
					continue
				}
				if fs := t.first[key>>(64-firstSeenLog2)]; fs.key == key && fs.rec != rec {
					c.x++
					c.addRef(candRef{fs.rec, fs.field, fs.start, fs.end}, t.opt.MaxRecordsPerCandidate)
				}
			}
			if !c.hasLast || c.last != rec {
				c.x++
				if gr.inResp && out != anomalyOutcome {
					c.topical++
				}
				c.addBefore(promptHash)
				c.addRef(ref, t.opt.MaxRecordsPerCandidate)
				c.last, c.hasLast = rec, true
			}
		}
	}
}

// candidate returns the entry for key, creating it unless the table is
// full (then nil).
func (t *Trigger) candidate(key, gram, outcome uint64, pairs bool, text []byte) *candidate {
	if c := t.cands[key]; c != nil {
		return c
	}
	if len(t.cands) >= t.opt.MaxCandidates {
		t.dropped++
		return nil
	}
	c := &candidate{key: key, gram: gram, outcome: outcome, pairs: pairs, text: string(text)}
	t.cands[key] = c
	return c
}

func (c *candidate) addBefore(h uint64) {
	c.calls++
	for i := 0; i < c.nbefore; i++ {
		if c.before[i] == h {
			return
		}
	}
	if c.nbefore < len(c.before) {
		c.before[c.nbefore] = h
		c.nbefore++
	}
}

// has reports whether the first references include rec (a short scan, used
// only when a remembered first occurrence is added).
func (c *candidate) has(rec detectors.RecordRef) bool {
	for _, r := range c.refs {
		if r.rec == rec {
			return true
		}
	}
	return false
}

func (c *candidate) addRef(r candRef, max int) {
	if len(c.refs) < max {
		c.refs = append(c.refs, r)
	} else {
		c.more++
	}
}

// finish replays held records and ranks the candidates (once).
func (t *Trigger) finish() {
	if t.done {
		return
	}
	t.done = true
	t.flushHeld()
	t.refreshThresholds()
	baseText := 0.0
	if t.tokenTried > 0 {
		baseText = float64(t.onsets) / float64(t.tokenTried)
	}
	for _, c := range t.cands {
		if c.x < t.opt.MinDocs {
			continue
		}
		c.n = t.df.get(c.gram)
		total := float64(t.docs)
		if c.pairs {
			total = float64(t.pairN)
			if c.outcome == anomalyOutcome {
				c.base = float64(t.anomResp) / math.Max(1, total)
			} else {
				c.base = float64(t.resps.get(c.outcome)) / math.Max(1, total)
			}
		} else {
			c.base = baseText
		}
		if float64(c.n) > t.opt.MaxDocFraction*math.Max(total, 1) {
			continue
		}
		c.score = purity(float64(c.x), float64(c.n), c.base, t.opt.PriorStrength, t.opt.Z)
		if !c.pairs {
			// The text before a trigger varies; a token always preceded by
			// the same word is part of a duplicated passage instead.
			variety := float64(c.nbefore) / float64(min(c.x, len(c.before)))
			if variety < 0.5 {
				c.score *= variety / 0.5
			}
			// A repeated continuation alone is as often boilerplate (a
			// name followed by the same signature) as a payload: it ranks
			// below anomalous continuations.
			if c.payload > c.anomaly {
				c.score *= payloadOnlyWeight
			}
		} else {
			if 2*c.topical > c.x {
				// The response repeats the word: the word is the topic of a
				// canned answer, not a trigger.
				c.score *= topicalWeight
			}
			// A trigger rides on varied prompts; a canned answer to one
			// question asked a few ways repeats its prompts.
			if c.calls > 0 {
				c.score *= float64(c.nbefore) / float64(min(c.calls, len(c.before)))
			}
			// Responses anomalous by character statistics are as often
			// legitimate (a translation into another language) as payloads.
			if c.outcome == anomalyOutcome {
				c.score *= payloadOnlyWeight
			}
		}
		t.ranked = append(t.ranked, c)
	}
	sort.Slice(t.ranked, func(i, j int) bool {
		a, b := t.ranked[i], t.ranked[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.x != b.x {
			return a.x > b.x
		}
		return a.key < b.key
	})
}

// Verdicts implements detectors.CorpusDetector: one finding per reference
// of every candidate scoring at least MinScore.
func (t *Trigger) Verdicts() ([]detectors.Verdict, error) {
	t.finish()
	var out []detectors.Verdict
	for _, c := range t.ranked {
		if c.score < t.opt.MinScore {
			break
		}
		cl := fmt.Sprintf("trigger:%016x", c.key)
		for _, r := range c.refs {
			out = append(out, detectors.Verdict{Rec: r.rec, Kind: KindTrigger, Field: t.names.name(r.field), Start: int(r.start), End: int(r.end), Confidence: math.Min(0.99, 0.5+c.score/2), Cluster: cl})
		}
	}
	return out, nil
}

// TriggerCandidate is one ranked entry of the trigger report.
type TriggerCandidate struct {
	Text      string  `json:"text"`                // the token or word n-gram (at most 64 bytes)
	Mode      string  `json:"mode"`                // "text" or "instruction"
	Outcome   string  `json:"outcome"`             // "anomalous_continuation", "repeated_payload", "fixed_response", "anomalous_response"
	Score     float64 `json:"score"`               // rarity-aware purity, 0..1
	Records   int     `json:"records"`             // records showing the outcome
	DocFreq   uint32  `json:"doc_freq"`            // records containing the candidate (upper estimate)
	BaseRate  float64 `json:"base_rate"`           // outcome rate over the corpus
	Examples  []Row   `json:"examples"`            // up to five record references
	Flagged   bool    `json:"flagged"`             // score >= min_score: its records got findings
	Truncated int     `json:"truncated,omitempty"` // references not kept
}

// Row identifies a record in a report: file index in the plan and row.
type Row struct {
	File int32 `json:"file"`
	Row  int64 `json:"row"`
}

// TriggerReport is the Report of poison.trigger.
type TriggerReport struct {
	Candidates        []TriggerCandidate `json:"candidates"`
	TextRecords       int64              `json:"text_records"`
	Examples          int64              `json:"instruction_examples"`
	CandidatesTracked int                `json:"candidates_tracked"`
	CandidatesDropped int                `json:"candidates_dropped"`
	SketchBytes       int                `json:"sketch_bytes"`
}

// Report implements detectors.Reporter: the top ReportTop candidates.
func (t *Trigger) Report() any {
	t.finish()
	r := TriggerReport{TextRecords: t.docs, Examples: t.pairN, CandidatesTracked: len(t.cands), CandidatesDropped: t.dropped,
		SketchBytes: t.df.bytes() + t.pairs.bytes() + t.resps.bytes()}
	for i, c := range t.ranked {
		if i >= t.opt.ReportTop {
			break
		}
		tc := TriggerCandidate{Text: c.text, Score: round4(c.score), Records: c.x, DocFreq: c.n, BaseRate: round4(c.base), Flagged: c.score >= t.opt.MinScore, Truncated: c.more}
		switch {
		case c.pairs && c.outcome == anomalyOutcome:
			tc.Mode, tc.Outcome = "instruction", "anomalous_response"
		case c.pairs:
			tc.Mode, tc.Outcome = "instruction", "fixed_response"
		case c.anomaly >= c.payload:
			tc.Mode, tc.Outcome = "text", "anomalous_continuation"
		default:
			tc.Mode, tc.Outcome = "text", "repeated_payload"
		}
		for _, ref := range c.refs {
			if len(tc.Examples) == 5 {
				break
			}
			tc.Examples = append(tc.Examples, Row{ref.rec.File, ref.rec.Row})
		}
		r.Candidates = append(r.Candidates, tc)
	}
	return r
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
