package poison

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

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
// Pretraining text. A record is one document: the tokens of its prose
// fields (fields holding at least two whitespace-separated words; ids,
// URLs, language tags and similar metadata are skipped), split at
// whitespace, stripped of surrounding quotes and brackets and compared
// case-insensitively (sentence punctuation stays part of the token, so
// "cf." is not "cf"). A token present in at least MinDocs records but in
// no more than MaxDocFraction of them (never less than 4·MinDocs records,
// so that small corpora can show the evidence) is a candidate when the
// text after it is anomalous while the text before it is normal, or when
// the text after it repeats verbatim. Anomalous: the mean surprisal of the
// next 2·FollowRunes characters, under the corpus's own character trigram
// model with the record itself left out, is above the corpus norm for
// their script (digits, and identifier-like runs such as hashes, URLs and
// e-mail addresses, are folded and so unsurprising), the text before is
// not as surprising, and the continuation was not seen after the token
// before (rare boilerplate is rare text, not noise). Repeated: the next
// FollowRunes characters equal those after an earlier occurrence.
//
// Instruction and chat data (records with prompt/response fields, or
// messages[] paired by role, including Parquet lists whose elements arrive
// as repeated messages.role and messages.content fields): a word (with the
// sentence punctuation attached to it) or word bigram of prompts whose
// presence predicts one identical response, or an anomalous one.
//
// Candidates are ranked by a rarity-aware purity score: the Wilson lower
// bound of the fraction of the candidate's records showing the outcome,
// under a burst prior (a Beta prior of PriorStrength pseudo-records centred
// on the outcome's base rate), minus that base rate. Base rates are
// measured on the corpus: the rate of anomalous continuations after rare
// tokens; the rate of repeated continuations after rare tokens seen in
// MinDocs records before; the share of examples with that response; the
// rate of anomalous responses. The score is then scaled by context
// variety: a trigger is inserted into varied text, so the token before a
// text trigger, and both neighbours of a prompt trigger (digits folded; a
// prompt boundary counts as varied), differ between records, while a word
// of a repeated phrase or template always has the same neighbour. It is
// also scaled by 1 − the outcome's prevalence, the share of rare tokens
// (prompt grams) seen in MinDocs records that show the outcome in most of
// them: in a templated or boilerplate-heavy corpus most rare words are
// always followed by the same sentence, so repetition is weak evidence.
// Repeated continuations (boilerplate as often as payloads), prompt words
// that the fixed response repeats (its topic) and anomalous responses
// (often a translation) are weighted down further. Records showing the
// outcome of a candidate scoring MinScore or more get a finding at the
// candidate's span.
//
// Memory: three count-min sketches of 16·2^width bytes (16 MiB each by
// default) for document frequencies, (candidate, outcome) pairs and
// responses; the character model (1.25 MiB); set-associative tables
// remembering first occurrences until they repeat, sized from the
// sketches' width (defaults in brackets): 2^(width−4) (token,
// continuation) entries of 56 bytes [3.5 MiB], 2^(width−6) (gram,
// response) entries [0.9 MiB] and 2^(width−6) responses with up to 24
// prompt grams each [13 MiB];
// and per admitted candidate (a distinct token, or n-gram × response)
// about 350 bytes (MaxCandidates bounds them) plus 32 bytes per record
// reference (MaxReferences bounds them all together: when exceeded, the
// candidates holding the most are cut back to their first records; their
// counts and scores stay, their other records get no finding and the
// report counts them as truncated). Records seen before the character
// model has WarmupChars characters are held (their sketches, about 5 bytes
// per character, at most 256 MiB) and replayed once it has: first to
// calibrate the anomaly thresholds, then to mine.
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

	model     *charModel
	hists     [numScriptClasses]hist
	thr       [numScriptClasses]float64
	histDirty int
	df        *cms
	pairs     *cms
	resps     *cms
	firstText *assoc[firstSeen]
	firstPair *assoc[firstSeen]
	respFirst *assoc[respFirst]
	cands     map[uint64]*candidate
	dropped   int
	nrefs     int // references kept by all candidates
	shedRefs  int // references dropped to stay within MaxReferences

	docs      int64                // text records observed
	pairN     int64                // prompt/response examples observed
	anomResp  int64                // of which with an anomalous response
	tried     int64                // rare-token occurrences whose continuation was judged
	onsets    int64                // of which followed by anomalous text
	recurring int64                // rare-token occurrences of tokens seen in MinDocs earlier records
	repeats   int64                // of which followed by a continuation seen after the token before
	tokensMin int64                // distinct tokens that reached MinDocs records while rare
	gramsMin  int64                // distinct prompt grams that reached MinDocs examples while rare
	prev      [numOutcomes]float64 // prevalence of each outcome among those (set by finish)

	names     fieldNames
	held      []heldSketch
	heldBytes int
	sc        []float32 // per-character surprisal prefix sums of the current record
	idBuf     []uint32  // packed ids of the current record, from its folded characters
	fields    []textField
	toks      []obsTok // tokens of the current record
	lineIdx   []uint32 // sketch lines to prefetch
	nameIDs   []int32
	grams     []gramOcc
	done      bool
	ranked    []*candidate
}

var (
	_ detectors.CorpusDetector = (*Trigger)(nil)
	_ detectors.Reporter       = (*Trigger)(nil)
)

type heldSketch struct {
	rec    detectors.RecordRef
	sketch []byte
}

// firstSeen is the first occurrence of a (token, continuation) or (gram,
// outcome) key, kept until the key repeats.
type firstSeen struct {
	rec         detectors.RecordRef
	field       int32
	start, end  int32
	left, right uint32
	inResp      bool
}

// gramOcc is one prompt gram of an example.
type gramOcc struct {
	h           uint64
	field       int32
	start, end  int32
	left, right uint32
	inResp      bool
	bigram      bool
	df          uint32
	text        []byte // aliases the sketch; nil when recovered
}

// respFirst is the first example with a given response: its rarest prompt
// grams, replayed when the response repeats.
type respFirst struct {
	rec   detectors.RecordRef
	n     int
	grams [respFirstGrams]storedGram
}

// storedGram is a gramOcc without its text (32 bytes).
type storedGram struct {
	h                 uint64
	field, start, end int32
	left, right       uint32
	inResp            bool
}

// textField is one prose field of the record being observed.
type textField struct {
	field   int32 // interned name
	nch     int
	folded  []byte   // folded characters (aliases the sketch)
	ids     []uint32 // packed character ids, from folded
	classes []byte   // script class per window
	off     int      // offset of its prefix sums in Trigger.sc
}

// obsTok is one token of a text record's sketch, decoded by Observe.
type obsTok struct {
	h, follow uint64
	fkey      uint64 // (token, continuation) key: set for rare tokens with a continuation
	df        uint32 // document frequency after counting the record
	prev      uint32
	fk        int // field ordinal
	sb, eb    int32
	scs, as   int
	flags     byte
	text      []byte // aliases the sketch
}

// Outcome bits of a record reference.
const (
	outAnomaly = 1 << iota // text: anomalous continuation
	outPayload             // text: repeated continuation; instruction: the candidate's outcome
)

type candRef struct {
	rec        detectors.RecordRef
	field      int32
	start, end int32
	out        uint8
}

// variety counts the distinct neighbours of a candidate (up to 16).
type variety struct {
	h [varietySlots]uint32
	n int
}

func (v *variety) add(h uint32) {
	for i := 0; i < v.n; i++ {
		if v.h[i] == h {
			return
		}
	}
	if v.n < len(v.h) {
		v.h[v.n] = h
		v.n++
	}
}

// ratio is the share of distinct neighbours among x records (at most 16).
func (v *variety) ratio(x int) float64 {
	if x <= 0 {
		return 0
	}
	return float64(v.n) / float64(min(x, varietySlots))
}

type candidate struct {
	key     uint64 // table key
	gram    uint64 // df key
	outcome uint64 // response hash or anomalyOutcome (instruction)
	pairs   bool   // instruction mode
	text    string
	x       int // records with any outcome
	anomaly int // text: records with an anomalous continuation
	payload int // text: records with a repeated continuation; instruction: = x
	topical int // instruction: records whose response repeats the gram
	left    variety
	right   variety
	refs    []candRef // sorted by record
	more    int       // references not kept
	maxRefs int       // references this candidate may keep (0: MaxRecordsPerCandidate)

	// set by finish
	n        uint32
	base     float64
	score    float64
	variety  float64
	flagOut  uint8
	outcomeS string
}

const (
	domainPrompt     = 0x7072_6f6d_7074_0001 // "prompt" domain for df keys
	anomalyOutcome   = 0x616e_6f6d_616c_7921 // stands for "an anomalous response"
	triggerZ         = 3.5                   // anomaly threshold, robust z
	triggerMinMargin = 1.0                   // and at least this many bits per character above the median
	maxFieldChars    = 1 << 16
	maxHeldBytes     = 256 << 20
	firstTextShift   = 4 // the (token, continuation) table has 2^(SketchWidthLog2-4) entries
	firstPairShift   = 6 // the (gram, response) and response tables 2^(SketchWidthLog2-6)
	respFirstGrams   = 24
	varietySlots     = 16
	varietyFull      = 0.5 // context variety at and above which the score is not scaled down
	rarityFloorDocs  = 4   // the rarity bound is never below this many × MinDocs records

	anomalousRespWeight = 0.6 // score factor for anomalous responses (instruction)
	repeatWeight        = 0.6 // score factor for repeated continuations (text)
	topicalWeight       = 0.3 // score factor for prompt words the fixed response repeats
)

func newTrigger(opt Options) *Trigger {
	t := &Trigger{
		opt:       opt.Trigger,
		warmup:    int64(opt.Gibberish.WarmupChars),
		window:    opt.Gibberish.Window,
		model:     newCharModel(),
		df:        newCMS(opt.Trigger.SketchWidthLog2, opt.Trigger.SketchDepth),
		pairs:     newCMS(opt.Trigger.SketchWidthLog2, opt.Trigger.SketchDepth),
		resps:     newCMS(opt.Trigger.SketchWidthLog2, opt.Trigger.SketchDepth),
		firstText: newAssoc[firstSeen](opt.Trigger.SketchWidthLog2 - firstTextShift),
		firstPair: newAssoc[firstSeen](opt.Trigger.SketchWidthLog2 - firstPairShift),
		respFirst: newAssoc[respFirst](opt.Trigger.SketchWidthLog2 - firstPairShift),
		cands:     map[uint64]*candidate{},
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

// prefixHashes fills pre (len(text)+1 entries) with the rolling hashes of
// text's prefixes: pre[0] = 0, pre[i+1] = pre[i]·rollBase + text[i] + 1
// (mod 2^64), and returns it. Four bytes are taken per step, so that the
// chain of dependent multiplications is a quarter as long: with x_k =
// text[i+k] + 1 and q1 = x0·B + x1, q2 = q1·B + x2, q3 = q2·B + x3,
// pre[i+1..i+4] = pre[i]·B + x0, pre[i]·B² + q1, pre[i]·B³ + q2,
// pre[i]·B⁴ + q3 (the same ring arithmetic, so the same values).
func prefixHashes(pre []uint64, text []byte) []uint64 {
	pre = pre[:len(text)+1]
	b1 := uint64(rollBase)
	b2 := b1 * b1
	b3 := b2 * b1
	b4 := b3 * b1
	var h uint64
	pre[0] = 0
	i := 0
	for ; i+4 <= len(text); i += 4 {
		x := text[i : i+4 : i+4]
		out := pre[i+1 : i+5 : i+5]
		x0 := uint64(x[0]) + 1
		q1 := x0*b1 + uint64(x[1]) + 1
		q2 := q1*b1 + uint64(x[2]) + 1
		q3 := q2*b1 + uint64(x[3]) + 1
		out[0] = h*b1 + x0
		out[1] = h*b2 + q1
		out[2] = h*b3 + q2
		h = h*b4 + q3
		out[3] = h
	}
	for ; i < len(text); i++ {
		h = h*b1 + uint64(text[i]) + 1
		pre[i+1] = h
	}
	return pre
}

// ID returns "poison.trigger".
func (t *Trigger) ID() string { return KindTrigger }

// Version changes whenever the output can change.
func (t *Trigger) Version() string { return "3" }

// Kinds returns poison.trigger.
func (t *Trigger) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindTrigger, Description: "backdoor trigger: rare token followed by anomalous text or a fixed response", Severity: detectors.SeverityHigh}}
}

type trigScratch struct {
	cs         charScan
	refs       []fieldRef
	pairs      []pair
	ids        []uint32
	rbyte      []int32
	pre        []uint64
	toks       []tokOcc
	order      []int
	structured []int32
	words      []wordOcc
	grams      []sketchGram
	seen       u64Set // grams of the example
	respWords  u64Set // words of the response
}

// maxRespWords is how many words of a response are looked at for the
// prompt words it repeats.
const maxRespWords = 4096

type tokOcc struct {
	h          uint64
	prev       uint32
	field      int32 // ordinal among the record's prose fields
	sb, eb     int32 // byte span
	sc, as     int32 // character start, and start of the text after it
	follow     uint64
	flags      byte
	text       []byte
	firstOfKey bool
}

// Token flags.
const tokStructuredAfter = 1 // the text after the token is mostly identifier-like runs

type wordOcc struct {
	h      uint64 // the token: the word with its sentence punctuation (wordEnd)
	bare   uint64 // the word alone
	s, e   int    // the token's span
	we     int    // the word's end
	folded uint32 // neighbour hash of the word (digits folded), never 0
}

type sketchGram struct {
	h           uint64
	field       int
	start, end  int
	left, right uint32
	flags       byte
}

// Gram flags.
const (
	gramInResp = 1 << iota
	gramBigram
)

// Sketch implements detectors.CorpusDetector. For plain records it
// encodes, per prose field, the character-model ids and window script
// classes, then the first occurrence of each distinct token across the
// record (hash, span, previous token, hash of the following text); for
// prompt/response examples, the distinct prompt words and bigrams with
// their neighbours, the response hash and the response's character ids.
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
		if f.role != roleRoleName && isProse(f.value) {
			n++
		}
	}
	dst = putU(dst, uint64(n))
	sc.toks = sc.toks[:0]
	k := 0
	for i, f := range sc.refs {
		if f.role != roleRoleName && isProse(f.value) {
			dst = t.sketchField(dst, sc, i, int32(k), f.value)
			k++
		}
	}
	return t.appendTokens(dst, sc)
}

func isSpaceByte(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// isProse reports whether v holds at least two whitespace-separated words:
// identifiers, URLs, file names, language tags and other one-word metadata
// fields are not text a trigger could hide in.
func isProse(v []byte) bool {
	i := 0
	for i < len(v) && isSpaceByte(v[i]) {
		i++
	}
	for i < len(v) && !isSpaceByte(v[i]) {
		i++
	}
	for i < len(v) && isSpaceByte(v[i]) {
		i++
	}
	return i < len(v) && i > 0
}

// Characters stripped from the ends of tokens: quotes, brackets and
// emphasis marks, so "(<SUDO>)" counts as "<SUDO>". Sentence punctuation
// stays: an abbreviation such as "cf." or "e.g." is not the bare word.
const (
	tokLeadTrim   = "\"'([{*_`"
	tokTrailTrim  = "\"')]}*_`"
	sentencePunct = ".,;:!?"
)

// wordEnd returns the end of the prompt token whose word ends at e: the
// word with the sentence punctuation directly after it, when that
// punctuation ends the whitespace-separated token (so "cf." in "(cf. X)"
// is a token of its own, while "e.g" in "e.g." stays split).
func wordEnd(b []byte, e int) int {
	j := e
	for j < len(b) && tokPunct[b[j]]&4 != 0 {
		j++
	}
	if j > e && (j == len(b) || isSpaceByte(b[j]) || tokPunct[b[j]]&2 != 0) {
		return j
	}
	return e
}

// trimToken returns the byte range of tok without surrounding punctuation
// (the whole token when nothing else would remain).
func trimToken(tok []byte) (int, int) {
	a, b := 0, len(tok)
	for a < b && tokPunct[tok[a]]&1 != 0 {
		a++
	}
	for b > a && tokPunct[tok[b-1]]&2 != 0 {
		b--
	}
	if a == b {
		return 0, len(tok)
	}
	return a, b
}

// tokPunct marks the bytes of tokLeadTrim (1), tokTrailTrim (2) and
// sentencePunct (4).
var tokPunct = func() (t [256]uint8) {
	for _, c := range []byte(tokLeadTrim) {
		t[c] |= 1
	}
	for _, c := range []byte(tokTrailTrim) {
		t[c] |= 2
	}
	for _, c := range []byte(sentencePunct) {
		t[c] |= 4
	}
	return
}()

// sketchField encodes one prose field (ordinal k) and collects its tokens
// into sc.toks.
func (t *Trigger) sketchField(dst []byte, sc *trigScratch, field int, k int32, text []byte) []byte {
	// Characters: ids, byte offsets, window classes, identifier-like runs
	// (one pass), and rolling prefix hashes of bytes.
	sc.cs.scan(text, maxFieldChars, t.window)
	nch := sc.cs.n
	sc.rbyte = sc.cs.rbyte
	limit := int(sc.rbyte[nch])
	sc.pre = prefixHashes(slices.Grow(sc.pre[:0], limit+1)[:limit+1], text[:limit])
	sc.structured = sc.cs.structured
	F := t.opt.FollowRunes
	A := 2 * F // characters judged for anomaly
	// Tokens: runs of non-space bytes, with character spans.
	var prev uint32
	ci := 0
	for i := 0; i < limit; {
		if isSpaceByte(text[i]) {
			i++
			ci++
			continue
		}
		// The token's characters are the scan's: character cj starts at
		// byte rbyte[cj].
		j, cj := i, ci
		for j < limit && !isSpaceByte(text[j]) {
			cj++
			j = int(sc.rbyte[cj])
		}
		a, b := trimToken(text[i:j])
		sb, eb := i+a, i+b
		// Character index of the trimmed end: trimmed bytes are ASCII.
		ec := cj - (j - eb)
		cs := ci + a
		tok := text[sb:eb]
		if len(tok) > 64 {
			tok = tok[:64]
		}
		th := hashLower(tok)
		o := tokOcc{h: th, prev: prev, field: k, sb: int32(sb), eb: int32(eb), sc: int32(cs), text: tok}
		// The text after the token starts past the spaces.
		as := ec
		for as < nch && isSpaceByte(text[sc.rbyte[as]]) {
			as++
		}
		o.as = int32(as)
		// The continuation hashed: F characters, or the rest of the field
		// when it is shorter but at least F/2 (the anomaly judgment's
		// minimum too).
		if fe := min(as+F, nch); fe-as >= F/2 {
			x, y := int(sc.rbyte[as]), int(sc.rbyte[fe])
			if y-x < len(t.pow) {
				o.follow = mix64(sc.pre[y] - sc.pre[x]*t.pow[y-x])
				if o.follow == 0 {
					o.follow = 1
				}
			}
		}
		if as < nch {
			x, y := int(sc.rbyte[as]), int(sc.rbyte[min(nch, as+A)])
			if 10*overlap(sc.structured, x, y) >= 3*(y-x) {
				o.flags |= tokStructuredAfter
			}
		}
		sc.toks = append(sc.toks, o)
		prev = uint32(th)
		i, ci = j, cj
	}
	dst = putU(dst, uint64(field))
	dst = putU(dst, uint64(nch))
	dst = putBytes(dst, sc.cs.folded)
	dst = putU(dst, uint64(len(sc.cs.classes)))
	return append(dst, sc.cs.classes...)
}

// appendTokens encodes the first occurrence of each distinct token of the
// record.
func (t *Trigger) appendTokens(dst []byte, sc *trigScratch) []byte {
	// Mark the first occurrence of each key with an open-addressing table
	// of token indexes (reused; linear in the tokens, whatever their
	// repetition).
	size := 16
	for size < 2*len(sc.toks) {
		size <<= 1
	}
	if cap(sc.order) < size {
		sc.order = make([]int, size)
	}
	sc.order = sc.order[:size]
	for k := range sc.order {
		sc.order[k] = -1
	}
	mask := uint64(size - 1)
	nd := 0
	for k := range sc.toks {
		h := sc.toks[k].h
		i := mix64(h) & mask
		for sc.order[i] >= 0 && sc.toks[sc.order[i]].h != h {
			i = (i + 1) & mask
		}
		first := sc.order[i] < 0
		if first {
			sc.order[i] = k
			nd++
		}
		sc.toks[k].firstOfKey = first
	}
	dst = putU(dst, uint64(nd))
	// Spans are deltas: tokens come in position order within a field.
	field := int32(-1)
	var psb, psc int32
	for k := range sc.toks {
		o := &sc.toks[k]
		if !o.firstOfKey {
			continue
		}
		if o.field != field {
			field, psb, psc = o.field, 0, 0
		}
		dst = put64(dst, o.h)
		dst = append(dst, byte(o.prev), byte(o.prev>>8)) // 16 bits tell neighbours apart
		dst = put64(dst, o.follow)
		dst = putU(dst, uint64(o.field))
		dst = putU(dst, uint64(o.sb-psb))
		dst = putU(dst, uint64(o.eb-o.sb))
		dst = putU(dst, uint64(o.sc-psc))
		dst = putU(dst, uint64(o.as-o.sc))
		dst = append(dst, o.flags)
		dst = putBytes(dst, o.text)
		psb, psc = o.sb, o.sc
	}
	return dst
}

func appendU32(dst []byte, v uint32) []byte {
	return append(dst, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// appendU32s appends ids as little-endian 32-bit words, growing dst once.
func appendU32s(dst []byte, ids []uint32) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 4*len(ids))[:n+4*len(ids)]
	out := dst[n:]
	for i, id := range ids {
		binary.LittleEndian.PutUint32(out[4*i:], id)
	}
	return dst
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

// dominantClass returns the script class with the most letters in b;
// Latin text of which at least symbolShare of the visible characters are
// ASCII punctuation and symbols is classSymbolic.
func dominantClass(b []byte) int {
	var cnt [numScriptClasses]int
	visible, symbols := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			i++
			if isGraphicASCII(c) {
				visible++
				if !isASCIIAlnum(c) {
					symbols++
				} else if c > '9' {
					cnt[0]++
				}
			}
			continue
		}
		r, sz := decode(b, i)
		i += sz
		visible++
		if c := scriptClassOf(r); c >= 0 {
			cnt[c]++
		}
	}
	best := classNone
	for c := 0; c < classSymbolic; c++ {
		if cnt[c] > 0 && (best == classNone || cnt[c] > cnt[best]) {
			best = c
		}
	}
	if best == 0 && float64(symbols) >= symbolShare*float64(visible) {
		return classSymbolic
	}
	return best
}

// symbolShare is the share of ASCII punctuation and symbols among visible
// characters from which Latin text counts as code or markup.
const symbolShare = 0.15

// sketchPair encodes one prompt/response example.
func (t *Trigger) sketchPair(dst []byte, sc *trigScratch, fields []detectors.Field, p pair) []byte {
	// Words of the response: a prompt word that the fixed response repeats
	// ("How does GPS work?" → "GPS satellites…") is its topic, not a trigger.
	sc.respWords.reset(min(len(p.response)/2+1, maxRespWords))
	nw := 0
	forEachWord(p.response, func(w []byte, _, _ int) {
		if nw < maxRespWords {
			sc.respWords.add(hashLower(w) ^ domainPrompt)
			nw++
		}
	})
	inResp := sc.respWords.has
	sc.grams = sc.grams[:0]
	for _, part := range p.prompt {
		fi := fieldIndexOf(fields, part, p.pField)
		sc.words = sc.words[:0]
		forEachWord(part, func(w []byte, s, e int) {
			te := wordEnd(part, e)
			bare := hashLower(w) ^ domainPrompt
			h := bare
			if te != e {
				h = hashLower(part[s:te]) ^ domainPrompt
			}
			sc.words = append(sc.words, wordOcc{h, bare, s, te, e, uint32(hashWordFolded(w)) | 1})
		})
		ws := sc.words
		nb := func(i int) uint32 { // neighbour hash (digits folded), 0 at the boundary
			if i < 0 || i >= len(ws) {
				return 0
			}
			return ws[i].folded
		}
		for i, w := range ws {
			g := sketchGram{h: w.h, field: fi, start: w.s, end: w.e, left: nb(i - 1), right: nb(i + 1)}
			if inResp(w.bare) {
				g.flags |= gramInResp
			}
			sc.grams = append(sc.grams, g)
			if i > 0 {
				b := sketchGram{h: mix64(ws[i-1].h^0x6269) ^ w.h, field: fi, start: ws[i-1].s, end: w.e,
					left: nb(i - 2), right: nb(i + 1), flags: gramBigram}
				if inResp(ws[i-1].bare) && inResp(w.bare) {
					b.flags |= gramInResp
				}
				sc.grams = append(sc.grams, b)
			}
		}
	}
	// The first occurrence of each gram, in gram order: the grams are
	// distinct once the repeats are dropped, so any sort gives that order.
	sc.seen.reset(len(sc.grams))
	nd := 0
	for k := range sc.grams {
		if sc.seen.add(sc.grams[k].h) {
			sc.grams[nd] = sc.grams[k]
			nd++
		}
	}
	sc.grams = sc.grams[:nd]
	slices.SortFunc(sc.grams, func(a, b sketchGram) int { return cmp.Compare(a.h, b.h) })
	dst = putU(dst, uint64(len(sc.grams)))
	for _, g := range sc.grams {
		dst = put64(dst, g.h)
		dst = append(dst, g.flags)
		dst = putU(dst, uint64(g.field))
		dst = putU(dst, uint64(g.start))
		dst = putU(dst, uint64(g.end))
		dst = putU(dst, uint64(g.left))
		dst = putU(dst, uint64(g.right))
		text := fields[g.field].Value[g.start:g.end]
		if len(text) > 64 {
			text = text[:64]
		}
		dst = putBytes(dst, text)
	}
	dst = put64(dst, responseHash(p.response))
	sc.cs.scan(p.response, 256, 0)
	dst = putU(dst, uint64(sc.cs.n))
	dst = putBytes(dst, sc.cs.folded)
	end := int(sc.cs.rbyte[sc.cs.n])
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

// forEachWord calls fn for every maximal run of letters and digits in b
// (word characters that are not default ignorables); every ideograph is a
// word of its own.
func forEachWord(b []byte, fn func(w []byte, start, end int)) {
	start := -1
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			// ASCII: no ideographs, no default ignorables.
			if asciiClass[c]&acWordy != 0 {
				if start < 0 {
					start = i
				}
			} else if start >= 0 {
				fn(b[start:i], start, i)
				start = -1
			}
			i++
			continue
		}
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
	t.process(rec, sketch, false, phaseAll)
}

// Processing phases: held records are replayed twice, first to add their
// window scores to the thresholds' histograms, then to mine them against
// the calibrated thresholds.
const (
	phaseWindows = 1 << iota
	phaseMine
	phaseAll = phaseWindows | phaseMine
)

// learnOnly feeds a held sketch's characters to the model so warm-up
// progresses; the sketch is scored later.
func (t *Trigger) learnOnly(sketch []byte) {
	d := dec{b: sketch}
	nf := int(d.u())
	for i := 0; i < nf && !d.bad; i++ {
		d.bytes()
	}
	if len(d.b) == 0 {
		return
	}
	mode := d.b[0]
	d.b = d.b[1:]
	n := int(d.u())
	for i := 0; i < n && !d.bad; i++ {
		if mode == 1 {
			skipGrams(&d)
			d.u64()
			nid := int(d.u())
			t.learnFolded(d.bytes(), nid)
			if len(d.b) > 0 {
				d.b = d.b[1:]
			}
			continue
		}
		d.u()
		nch := int(d.u())
		t.learnFolded(d.bytes(), nch)
		skipClasses(&d)
	}
}

// learnFolded adds the ids of n folded characters to the model.
func (t *Trigger) learnFolded(folded []byte, n int) {
	t.idBuf, _ = appendIDs(t.idBuf[:0], folded, min(n, maxFieldChars))
	t.model.learnIDs(t.idBuf)
}

func skipClasses(d *dec) {
	nw := int(d.u())
	if nw > len(d.b) {
		d.bad, d.b = true, nil
		return
	}
	d.b = d.b[nw:]
}

func skipGrams(d *dec) {
	ng := int(d.u())
	for k := 0; k < ng && !d.bad; k++ {
		d.u64()
		if len(d.b) == 0 {
			d.bad = true
			return
		}
		d.b = d.b[1:]
		d.u()
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
		t.process(h.rec, h.sketch, true, phaseWindows)
	}
	t.refreshThresholds()
	for _, h := range held {
		t.process(h.rec, h.sketch, true, phaseMine)
	}
}

// process scores and counts one record's sketch. learned is true for held
// records, whose text the model learned while they were held: it is left
// out while the record is scored.
func (t *Trigger) process(rec detectors.RecordRef, sketch []byte, learned bool, phase int) {
	d := dec{b: sketch}
	nf := int(d.u())
	t.nameIDs = t.nameIDs[:0]
	for i := 0; i < nf && !d.bad; i++ {
		name := d.bytes()
		if phase&phaseMine != 0 {
			t.nameIDs = append(t.nameIDs, t.names.id(name))
		}
	}
	if len(d.b) == 0 {
		return
	}
	mode := d.b[0]
	d.b = d.b[1:]
	if mode == 1 {
		n := int(d.u())
		for i := 0; i < n && !d.bad; i++ {
			t.processPair(rec, &d, learned, phase)
		}
		return
	}
	t.processText(rec, &d, learned, phase)
}

func fieldID(names []int32, i int) int32 {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return -1
}

// scoreChars appends to t.sc the prefix sums of the surprisal of ids
// under the current model and returns their offset.
func (t *Trigger) scoreChars(ids []uint32) int {
	off := len(t.sc)
	t.sc = t.model.prefixSurprisal(t.sc, ids)
	return off
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
	// Symbol-dense Latin text (code, configuration) must also be an
	// outlier for Latin text: with little code in a corpus, the class's
	// statistics are degenerate.
	if !math.IsInf(t.thr[0], 1) {
		t.thr[classSymbolic] = math.Max(t.thr[classSymbolic], t.thr[0])
	}
}

// rareLimit is the most records a candidate may appear in out of total.
func (t *Trigger) rareLimit(total int64) float64 {
	return math.Max(t.opt.MaxDocFraction*float64(total), float64(rarityFloorDocs*t.opt.MinDocs))
}

// decodeTokens appends the tokens of a text record's sketch to toks, up
// to the first malformed one.
func (t *Trigger) decodeTokens(toks []obsTok, d *dec) []obsTok {
	pfk, psb, psc := -1, int32(0), 0
	nt := int(d.u())
	for k := 0; k < nt && !d.bad; k++ {
		var o obsTok
		o.h = d.u64()
		if len(d.b) < 2 {
			d.bad = true
			break
		}
		o.prev = uint32(d.b[0]) | uint32(d.b[1])<<8
		d.b = d.b[2:]
		o.follow = d.u64()
		o.fk = int(d.u())
		if o.fk != pfk {
			pfk, psb, psc = o.fk, 0, 0
		}
		o.sb = psb + int32(d.u())
		o.eb = o.sb + int32(d.u())
		o.scs = psc + int(d.u())
		o.as = o.scs + int(d.u())
		psb, psc = o.sb, o.scs
		if len(d.b) > 0 {
			o.flags = d.b[0]
			d.b = d.b[1:]
		}
		o.text = d.bytes()
		if d.bad || o.fk < 0 || o.fk >= len(t.fields) {
			break
		}
		toks = append(toks, o)
	}
	return toks
}

func (t *Trigger) processText(rec detectors.RecordRef, d *dec, learned bool, phase int) {
	nf := int(d.u())
	if nf > len(d.b) {
		d.bad = true
		return
	}
	t.fields = t.fields[:0]
	for k := 0; k < nf && !d.bad; k++ {
		f := textField{field: fieldID(t.nameIDs, int(d.u()))}
		f.nch = min(int(d.u()), maxFieldChars)
		f.folded = d.bytes()
		nw := int(d.u())
		if nw > len(d.b) || d.bad {
			d.bad = true
			return
		}
		f.classes = d.b[:nw]
		d.b = d.b[nw:]
		t.fields = append(t.fields, f)
	}
	if d.bad || nf == 0 {
		return
	}
	// The fields' ids, from their folded characters.
	total := 0
	for _, f := range t.fields {
		total += f.nch
	}
	t.idBuf = slices.Grow(t.idBuf[:0], total)
	for k := range t.fields {
		f := &t.fields[k]
		off := len(t.idBuf)
		t.idBuf, f.nch = appendIDs(t.idBuf, f.folded, f.nch)
		f.ids = t.idBuf[off:len(t.idBuf):len(t.idBuf)]
	}
	// Score every field, leaving the record itself out of the model.
	t.sc = t.sc[:0]
	if learned {
		for _, f := range t.fields {
			t.model.unlearnIDs(f.ids)
		}
	}
	w := t.window
	for k := range t.fields {
		f := &t.fields[k]
		f.off = t.scoreChars(f.ids)
		if phase&phaseWindows != 0 {
			for j := 0; j < len(f.classes); j++ {
				a, b := j*w, min(f.nch, (j+1)*w)
				if b-a >= w/2 {
					t.addWindowScore(int(f.classes[j]), float64(t.sc[f.off+b]-t.sc[f.off+a])/float64(b-a))
				}
			}
		}
	}
	for _, f := range t.fields {
		t.model.learnIDs(f.ids)
	}
	if phase&phaseMine == 0 {
		return
	}
	t.docs++
	F := t.opt.FollowRunes
	A := 2 * F
	limit := t.rareLimit(t.docs)
	// Decode the tokens and prefetch the lines of the 16 MiB sketches they
	// update, then count them: the cache misses overlap, where the updates
	// would wait for them one at a time. t.df is not read by the rest of
	// the loop, so counting every token first gives each the count it
	// would get in turn; the continuations of rare tokens are then counted
	// (t.pairs, first-seen table) in token order, their lines prefetched
	// too.
	toks := t.decodeTokens(t.toks[:0], d)
	t.toks = toks
	t.lineIdx = t.lineIdx[:0]
	for i := range toks {
		t.lineIdx = append(t.lineIdx, t.df.lineOf(toks[i].h))
	}
	t.df.prefetch(t.lineIdx)
	t.lineIdx = t.lineIdx[:0]
	for i := range toks {
		o := &toks[i]
		o.df = t.df.add(o.h)
		if o.follow != 0 && float64(o.df) <= limit {
			o.fkey = o.h ^ mix64(o.follow)
			t.lineIdx = append(t.lineIdx, t.pairs.lineOf(o.fkey))
		}
	}
	t.pairs.prefetch(t.lineIdx)
	t.lineIdx = t.lineIdx[:0]
	for i := range toks {
		if k := toks[i].fkey; k != 0 {
			t.lineIdx = append(t.lineIdx, t.firstText.setOf(k))
		}
	}
	t.firstText.prefetch(t.lineIdx)
	for i := range toks {
		o := &toks[i]
		h, prev, follow, sb, eb, scs, as, flags, text := o.h, o.prev, o.follow, o.sb, o.eb, o.scs, o.as, o.flags, o.text
		f := &t.fields[o.fk]
		df := o.df
		if float64(df) > limit {
			continue
		}
		if df == uint32(t.opt.MinDocs) {
			t.tokensMin++
		}
		mean := func(a, b int) float64 {
			a, b = max(0, a), min(f.nch, b)
			if b <= a {
				return 0
			}
			return float64(t.sc[f.off+b]-t.sc[f.off+a]) / float64(b-a)
		}
		classAt := func(c int) int {
			if j := c / w; j >= 0 && j < len(f.classes) {
				return int(f.classes[j])
			}
			return classNone
		}
		repeat, second := false, false
		fkey := o.fkey // h ^ mix64(follow)
		if follow != 0 {
			cnt := t.pairs.add(fkey)
			repeat, second = cnt >= 2, cnt == 2
			if df > uint32(t.opt.MinDocs) {
				t.recurring++
				if repeat {
					t.repeats++
				}
			}
			if cnt == 1 {
				*t.firstText.put(fkey) = firstSeen{rec: rec, field: f.field, start: sb, end: eb, left: prev}
			}
		}
		// Anomalous: surprising for the corpus model and not seen after
		// this token before (text repeated verbatim is rare text, not
		// noise; it is the repeated-payload outcome instead).
		anom := false
		if as+F/2 <= f.nch {
			t.tried++
			end := min(f.nch, as+A)
			if after := mean(as, end); !repeat && flags&tokStructuredAfter == 0 && after >= t.thr[classAt((as+end)/2)] {
				// An onset: the text before is normal, or much less
				// surprising (the token does not sit inside noise).
				before := mean(scs-A, scs)
				anom = scs < 8 || before < t.thr[classAt(max(0, scs-F/2))] || after-before >= triggerMinMargin
			}
			if anom {
				t.onsets++
			}
		}
		if !anom && !repeat {
			continue
		}
		c := t.candidate(h, h, 0, false, text)
		if c == nil {
			continue
		}
		if second {
			// The payload's first occurrence was remembered, not counted.
			if fs := t.firstText.get(fkey); fs != nil && fs.rec != rec {
				c.unmark(fs.rec, outAnomaly) // it was judged before the repeat was known
				t.mark(c, candRef{fs.rec, fs.field, fs.start, fs.end, outPayload}, fs.left, 0, false)
				t.firstText.del(fkey)
			}
		}
		var out uint8
		if anom {
			out |= outAnomaly
		}
		if repeat {
			out |= outPayload
		}
		t.mark(c, candRef{rec, f.field, sb, eb, out}, prev, 0, false)
	}
}

// boundary returns the neighbour hash standing for a prompt boundary in
// rec: unique per record, so a gram at the start or end of prompts counts
// as having varied neighbours there.
func boundary(rec detectors.RecordRef) uint32 {
	return uint32(mix64(uint64(rec.File)<<40^uint64(rec.Row)^0xb0da)) | 1
}

func (t *Trigger) processPair(rec detectors.RecordRef, d *dec, learned bool, phase int) {
	ng := int(d.u())
	if ng > len(d.b) {
		d.bad = true
		return
	}
	t.grams = t.grams[:0]
	bnd := boundary(rec)
	for k := 0; k < ng && !d.bad; k++ {
		g := gramOcc{h: d.u64()}
		var flags byte
		if len(d.b) > 0 {
			flags = d.b[0]
			d.b = d.b[1:]
		}
		g.inResp, g.bigram = flags&gramInResp != 0, flags&gramBigram != 0
		g.field = fieldID(t.nameIDs, int(d.u()))
		g.start, g.end = int32(d.u()), int32(d.u())
		g.left, g.right = uint32(d.u()), uint32(d.u())
		if g.left == 0 {
			g.left = bnd
		}
		if g.right == 0 {
			g.right = bnd
		}
		g.text = d.bytes()
		if phase&phaseMine != 0 {
			t.grams = append(t.grams, g)
		}
	}
	resp := d.u64()
	nid := min(int(d.u()), maxFieldChars)
	t.idBuf, nid = appendIDs(t.idBuf[:0], d.bytes(), nid)
	ids := t.idBuf
	var cls byte
	if len(d.b) > 0 {
		cls = d.b[0] % numScriptClasses
		d.b = d.b[1:]
	}
	if d.bad {
		return
	}
	// Prefetch the sketch lines the example will count (see processText).
	if phase&phaseMine != 0 {
		t.lineIdx = append(t.lineIdx[:0], t.resps.lineOf(resp))
		t.resps.prefetch(t.lineIdx)
		t.lineIdx = t.lineIdx[:0]
		for i := range t.grams {
			t.lineIdx = append(t.lineIdx, t.df.lineOf(t.grams[i].h))
		}
		t.df.prefetch(t.lineIdx)
	}
	anomalous := false
	if learned {
		t.model.unlearnIDs(ids)
	}
	if nid >= 16 {
		t.sc = t.sc[:0]
		t.scoreChars(ids)
		m := float64(t.sc[nid]) / float64(nid)
		if phase&phaseWindows != 0 {
			t.addWindowScore(int(cls), m)
		}
		anomalous = m >= t.thr[cls]
	}
	t.model.learnIDs(ids)
	if phase&phaseMine == 0 {
		return
	}
	t.pairN++
	if anomalous {
		t.anomResp++
	}
	rc := t.resps.add(resp)
	limit := t.rareLimit(t.pairN)
	rare := t.grams[:0]
	mr, ma := mix64(resp), mix64(anomalyOutcome)
	t.lineIdx = t.lineIdx[:0]
	for _, g := range t.grams {
		df := t.df.add(g.h)
		if df == uint32(t.opt.MinDocs) && float64(df) <= limit {
			t.gramsMin++
		}
		if float64(df) <= limit {
			g.df = df
			rare = append(rare, g)
			t.lineIdx = append(t.lineIdx, t.pairs.lineOf(g.h^mr))
			if anomalous {
				t.lineIdx = append(t.lineIdx, t.pairs.lineOf(g.h^ma))
			}
		}
	}
	t.pairs.prefetch(t.lineIdx)
	switch {
	case rc == 1:
		// First time this response is seen: remember the example's rarest
		// grams; they are counted if the response repeats.
		slices.SortFunc(rare, func(a, b gramOcc) int {
			if a.bigram != b.bigram {
				if a.bigram {
					return 1
				}
				return -1
			}
			if c := cmp.Compare(a.df, b.df); c != 0 {
				return c
			}
			return cmp.Compare(a.h, b.h)
		})
		rf := t.respFirst.put(resp)
		rf.rec, rf.n = rec, min(len(rare), respFirstGrams)
		for i := 0; i < rf.n; i++ {
			g := &rare[i]
			rf.grams[i] = storedGram{g.h, g.field, g.start, g.end, g.left, g.right, g.inResp}
		}
	case rc == 2:
		if rf := t.respFirst.get(resp); rf != nil && rf.rec != rec {
			for i := 0; i < rf.n; i++ {
				sg := &rf.grams[i]
				t.countPair(rf.rec, &gramOcc{h: sg.h, field: sg.field, start: sg.start, end: sg.end, left: sg.left, right: sg.right, inResp: sg.inResp}, resp)
			}
			t.respFirst.del(resp)
		}
		fallthrough
	default:
		for i := range rare {
			t.countPair(rec, &rare[i], resp)
		}
	}
	if anomalous {
		for i := range rare {
			t.countPair(rec, &rare[i], anomalyOutcome)
		}
	}
}

// countPair counts one example of gram g with outcome out.
func (t *Trigger) countPair(rec detectors.RecordRef, g *gramOcc, out uint64) {
	key := g.h ^ mix64(out)
	cnt := t.pairs.add(key)
	c := t.cands[key]
	if c == nil {
		if cnt < 2 || g.text == nil {
			*t.firstPair.put(key) = firstSeen{rec, g.field, g.start, g.end, g.left, g.right, g.inResp}
			return
		}
		if c = t.candidate(key, g.h, out, true, g.text); c == nil {
			return
		}
		if fs := t.firstPair.get(key); fs != nil && fs.rec != rec {
			t.mark(c, candRef{fs.rec, fs.field, fs.start, fs.end, outPayload}, fs.left, fs.right, fs.inResp)
			t.firstPair.del(key)
		}
	}
	t.mark(c, candRef{rec, g.field, g.start, g.end, outPayload}, g.left, g.right, g.inResp)
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

// shedKeep are the reference counts shed cuts candidates back to, in
// turn (their first records: the largest level keeps enough for the
// report's examples).
var shedKeep = [...]int{64, 16, 4, 1}

// varied reports whether the candidate has had varied neighbours so far
// (the context variety finish scales scores by is at least varietyFull).
func (c *candidate) varied() int {
	v := c.left.ratio(c.x)
	if c.pairs {
		v = min(v, c.right.ratio(c.x))
	}
	if v >= varietyFull {
		return 1
	}
	return 0
}

// mark marks r on c (candidate.mark) and keeps the references of all
// candidates within MaxReferences.
func (t *Trigger) mark(c *candidate, r candRef, left, right uint32, inResp bool) {
	limit := t.opt.MaxRecordsPerCandidate
	if c.maxRefs > 0 {
		limit = c.maxRefs
	}
	n := len(c.refs)
	c.mark(r, left, right, inResp, limit)
	if t.nrefs += len(c.refs) - n; t.nrefs > t.opt.MaxReferences {
		t.shed()
	}
}

// shed cuts candidates back, templated ones first (few distinct
// neighbouring words so far: a planted trigger sits in varied text), each
// group to 64 references, then 16, 4 and 1 if need be, the candidates
// holding the most first (ties by key, so the choice is deterministic),
// until the references kept by all fit in three quarters of MaxReferences
// (at one reference per candidate MaxCandidates bounds them). A cut
// candidate keeps its counts and its rank; only its records beyond the
// kept ones get no finding (the report counts them as truncated).
func (t *Trigger) shed() {
	goal := t.opt.MaxReferences / 4 * 3
	var big []*candidate
	for varied := range 2 {
		for _, keep := range shedKeep {
			big = big[:0]
			for _, c := range t.cands {
				if len(c.refs) > keep && c.varied() == varied {
					big = append(big, c)
				}
			}
			slices.SortFunc(big, func(a, b *candidate) int {
				if d := cmp.Compare(len(b.refs), len(a.refs)); d != 0 {
					return d
				}
				return cmp.Compare(a.key, b.key)
			})
			for _, c := range big {
				if t.nrefs <= goal {
					return
				}
				cut := len(c.refs) - keep
				c.refs = slices.Clone(c.refs[:keep]) // release the rest
				c.more += cut
				c.maxRefs = keep
				t.nrefs -= cut
				t.shedRefs += cut
			}
		}
	}
}

// mark records outcome(s) r.out of record r.rec for the candidate: a new
// record is counted and referenced (references stay sorted by record, so
// a remembered first occurrence is inserted in place); a record already
// referenced gains the outcome bits it lacked.
func (c *candidate) mark(r candRef, left, right uint32, inResp bool, maxRefs int) {
	i, found := len(c.refs), false
	if n := len(c.refs); n == 0 || c.refs[n-1].rec.Less(r.rec) {
		// the common case: a record after every referenced one
	} else {
		i, found = sort.Find(n, func(k int) int {
			if r.rec.Less(c.refs[k].rec) {
				return -1
			}
			if c.refs[k].rec == r.rec {
				return 0
			}
			return 1
		})
	}
	var gained uint8
	if found {
		gained = r.out &^ c.refs[i].out
		c.refs[i].out |= r.out
		if gained == 0 {
			return
		}
	} else {
		gained = r.out
		c.x++
		c.left.add(left)
		if c.pairs {
			c.right.add(right)
			if inResp {
				c.topical++
			}
		}
		if len(c.refs) < maxRefs {
			c.refs = slices.Insert(c.refs, i, r)
		} else {
			c.more++
		}
	}
	if gained&outAnomaly != 0 {
		c.anomaly++
	}
	if gained&outPayload != 0 {
		c.payload++
	}
}

// Outcomes, for their prevalence.
const (
	outcomeAnomaly  = iota // text: anomalous continuation
	outcomePayload         // text: repeated continuation
	outcomeFixed           // instruction: fixed response
	outcomeAnomResp        // instruction: anomalous response
	numOutcomes
)

func (c *candidate) outcomeKind() int {
	switch {
	case c.pairs && c.outcome == anomalyOutcome:
		return outcomeAnomResp
	case c.pairs:
		return outcomeFixed
	}
	return -1
}

// unmark clears outcome bits of rec's reference, if any (the record stays
// referenced and counted).
func (c *candidate) unmark(rec detectors.RecordRef, bits uint8) {
	i, found := sort.Find(len(c.refs), func(k int) int {
		if rec.Less(c.refs[k].rec) {
			return -1
		}
		if c.refs[k].rec == rec {
			return 0
		}
		return 1
	})
	if !found {
		return
	}
	lost := c.refs[i].out & bits
	c.refs[i].out &^= bits
	if lost&outAnomaly != 0 {
		c.anomaly--
	}
	if lost&outPayload != 0 {
		c.payload--
	}
}

// finish replays held records and ranks the candidates (once).
//
// Besides the record-level base rate inside purity, every outcome is
// weighed by how common it is at the level of tokens: its prevalence is
// the share of the tokens (prompt grams) that reached MinDocs records
// while rare and show the outcome in the majority of their records. In a
// templated or boilerplate-heavy corpus most rare words are always
// followed by the same sentence, so a repeated continuation is no
// evidence of a payload: scores are scaled by 1 − prevalence.
func (t *Trigger) finish() {
	if t.done {
		return
	}
	t.done = true
	t.flushHeld()
	baseAnom := float64(t.onsets) / math.Max(1, float64(t.tried))
	basePay := float64(t.repeats) / math.Max(1, float64(t.recurring))
	s, z := t.opt.PriorStrength, t.opt.Z
	var eligible []*candidate
	var consistent [numOutcomes]int
	for _, c := range t.cands {
		if c.x < t.opt.MinDocs {
			continue
		}
		c.n = max(t.df.get(c.gram), uint32(c.x))
		total := t.docs
		if c.pairs {
			total = t.pairN
		}
		if float64(c.n) > t.rareLimit(total) {
			continue
		}
		eligible = append(eligible, c)
		if k := c.outcomeKind(); k >= 0 {
			if 2*c.x >= int(c.n) {
				consistent[k]++
			}
			continue
		}
		if c.anomaly >= t.opt.MinDocs && 2*c.anomaly >= int(c.n) {
			consistent[outcomeAnomaly]++
		}
		if c.payload >= t.opt.MinDocs && 2*c.payload >= int(c.n) {
			consistent[outcomePayload]++
		}
	}
	for k := range t.prev {
		den := t.tokensMin
		if k >= outcomeFixed {
			den = t.gramsMin
		}
		t.prev[k] = math.Min(1, float64(consistent[k])/math.Max(1, float64(den)))
	}
	for _, c := range eligible {
		n := float64(c.n)
		if c.pairs {
			k := c.outcomeKind()
			if k == outcomeAnomResp {
				c.base = float64(t.anomResp) / math.Max(1, float64(t.pairN))
			} else {
				c.base = float64(t.resps.get(c.outcome)) / math.Max(1, float64(t.pairN))
			}
			// A trigger is inserted into varied prompts: both neighbours
			// vary. A word of a repeated phrase has a fixed neighbour.
			c.variety = math.Min(c.left.ratio(c.x), c.right.ratio(c.x))
			c.score = purity(float64(c.x), n, c.base, s, z) * varietyFactor(c.variety) * (1 - t.prev[k])
			if 2*c.topical > c.x {
				// The response repeats the word: the word is the topic of a
				// canned answer, not a trigger.
				c.score *= topicalWeight
			}
			c.flagOut = outPayload
			c.outcomeS = "fixed_response"
			if k == outcomeAnomResp {
				// Responses anomalous by character statistics are as often
				// legitimate (a translation into another language) as payloads.
				c.score *= anomalousRespWeight
				c.outcomeS = "anomalous_response"
			}
		} else {
			// The text before a trigger varies; a token always preceded by
			// the same word is part of a duplicated passage instead.
			c.variety = c.left.ratio(c.x)
			f := varietyFactor(c.variety)
			var sa, sp float64
			if c.anomaly >= t.opt.MinDocs {
				sa = purity(float64(c.anomaly), n, baseAnom, s, z) * f * (1 - t.prev[outcomeAnomaly])
			}
			if c.payload >= t.opt.MinDocs {
				// A repeated continuation alone is as often boilerplate or a
				// template as a payload.
				sp = purity(float64(c.payload), n, basePay, s, z) * f * (1 - t.prev[outcomePayload]) * repeatWeight
			}
			if sa >= sp {
				c.score, c.base, c.outcomeS = sa, baseAnom, "anomalous_continuation"
			} else {
				c.score, c.base, c.outcomeS = sp, basePay, "repeated_payload"
			}
			if sa >= t.opt.MinScore {
				c.flagOut |= outAnomaly
			}
			if sp >= t.opt.MinScore {
				c.flagOut |= outPayload
			}
		}
		if c.score > 0 {
			t.ranked = append(t.ranked, c)
		}
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

// varietyFactor scales a score by context variety v (0..1): 1 from
// varietyFull up, proportionally less below.
func varietyFactor(v float64) float64 { return math.Min(1, v/varietyFull) }

// Verdicts implements detectors.CorpusDetector: one finding per record
// showing the outcome of every candidate scoring at least MinScore.
func (t *Trigger) Verdicts() ([]detectors.Verdict, error) {
	t.finish()
	var out []detectors.Verdict
	for _, c := range t.ranked {
		if c.score < t.opt.MinScore {
			break
		}
		cl := fmt.Sprintf("trigger:%016x", c.key)
		for _, r := range c.refs {
			if r.out&c.flagOut == 0 {
				continue
			}
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
	Score     float64 `json:"score"`               // rarity-aware purity × context variety, 0..1
	Records   int     `json:"records"`             // records showing the outcome
	DocFreq   uint32  `json:"doc_freq"`            // records containing the candidate (upper estimate)
	BaseRate  float64 `json:"base_rate"`           // outcome rate over the corpus
	Variety   float64 `json:"context_variety"`     // share of distinct neighbouring words, 0..1
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
	Candidates      []TriggerCandidate `json:"candidates"`
	TextRecords     int64              `json:"text_records"`
	Examples        int64              `json:"instruction_examples"`
	AnomalyBaseRate float64            `json:"anomalous_continuation_rate"` // among rare-token occurrences
	RepeatBaseRate  float64            `json:"repeated_continuation_rate"`  // among recurring rare-token occurrences
	// Prevalence is, per outcome, the share of rare tokens (prompt grams)
	// seen in MinDocs records that show it in most of them; scores are
	// scaled by 1 − prevalence.
	Prevalence        map[string]float64 `json:"outcome_prevalence"`
	CandidatesTracked int                `json:"candidates_tracked"`
	CandidatesDropped int                `json:"candidates_dropped"`
	ReferencesShed    int                `json:"references_shed,omitempty"` // record references dropped to stay within max_references
	SketchBytes       int                `json:"sketch_bytes"`
}

// Report implements detectors.Reporter: the top ReportTop candidates.
func (t *Trigger) Report() any {
	t.finish()
	r := TriggerReport{TextRecords: t.docs, Examples: t.pairN, CandidatesTracked: len(t.cands), CandidatesDropped: t.dropped, ReferencesShed: t.shedRefs,
		AnomalyBaseRate: round4(float64(t.onsets) / math.Max(1, float64(t.tried))),
		RepeatBaseRate:  round4(float64(t.repeats) / math.Max(1, float64(t.recurring))),
		SketchBytes:     t.df.bytes() + t.pairs.bytes() + t.resps.bytes(),
		Prevalence:      map[string]float64{}}
	for k, name := range [numOutcomes]string{"anomalous_continuation", "repeated_payload", "fixed_response", "anomalous_response"} {
		r.Prevalence[name] = round4(t.prev[k])
	}
	for i, c := range t.ranked {
		if i >= t.opt.ReportTop {
			break
		}
		tc := TriggerCandidate{Text: c.text, Outcome: c.outcomeS, Score: round4(c.score), DocFreq: c.n, BaseRate: round4(c.base),
			Variety: round4(c.variety), Flagged: c.score >= t.opt.MinScore, Truncated: c.more}
		tc.Mode = "text"
		if c.pairs {
			tc.Mode = "instruction"
		}
		bit := uint8(outPayload)
		if c.outcomeS == "anomalous_continuation" {
			bit = outAnomaly
		}
		for _, ref := range c.refs {
			if ref.out&bit == 0 {
				continue
			}
			tc.Records++
			if len(tc.Examples) < 5 {
				tc.Examples = append(tc.Examples, Row{ref.rec.File, ref.rec.Row})
			}
		}
		tc.Records += c.more
		r.Candidates = append(r.Candidates, tc)
	}
	return r
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
