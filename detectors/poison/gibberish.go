package poison

import (
	"math"
	"sort"
	"sync"

	"github.com/winnow-data/winnow/detectors"
)

// Gibberish finds windows of text whose character statistics are outliers
// against a character trigram model built from the corpus itself
// (poison.gibberish), such as the random-token payloads that follow a
// backdoor trigger.
//
// Every text field is cut into windows of Window characters. A window's
// score is its mean surprisal, in bits per character, under the model of
// the records observed before it (the model learns each record after
// scoring it; records seen before WarmupChars characters are held and
// scored once the model has them; the model folds digits and
// identifier-like runs, see charIDs). Scores are compared within a script
// class (Latin, CJK, Cyrillic/Greek, RTL, Brahmic, symbol-dense Latin such
// as code, no letters) by a robust
// z-score (median and interquartile range of all windows of the class).
// Windows above MinZ-1.5 are kept as candidates and re-scored at the end
// with the final model, the window itself left out; those at MinZ or more, at least 2 bits per
// character above the class median, and whose byte entropy (the
// compression signal: order-0 bits per byte) is at least the class median
// are reported, adjacent windows merged. Windows mostly made of
// identifier-like runs (hashes, keys, URLs: 16+ printable ASCII
// characters without spaces, with a digit and a letter) are random by
// design and never reported.
//
// Memory: the model (1.25 MiB), seven histograms, and per candidate window
// 80 bytes plus 4 bytes per character (MaxCandidates bounds them).
// Held warm-up sketches take about 5 bytes per character.
//
// Sketch is safe for concurrent use; Observe, Verdicts and Report follow
// the detectors.CorpusDetector contract.
type Gibberish struct {
	opt     GibberishOptions
	roles   roleCache
	pool    sync.Pool
	model   *charModel
	scores  [numScriptClasses]hist
	ents    [numScriptClasses]hist
	held    []heldSketch
	heldB   int
	cands   []gibCand
	dropped int
	windows int64
	names   fieldNames
	sc      []float32
	idBuf   []uint32 // packed ids of the field being processed
	done    bool
	flagged []gibCand
}

var (
	_ detectors.CorpusDetector = (*Gibberish)(nil)
	_ detectors.Reporter       = (*Gibberish)(nil)
)

type gibCand struct {
	rec        detectors.RecordRef
	field      int32
	start, end int32
	class      uint8
	entropy    float32
	ids        []uint32 // packed character ids for re-scoring
	score      float64
	z          float64
}

// gibMinMargin is the least excess over the class median, in bits per
// character, for a window to be gibberish, whatever the z-score: on very
// uniform corpora the spread is so small that ordinary rare words would
// otherwise stand out.
const gibMinMargin = 2.0

func newGibberish(opt Options) *Gibberish {
	g := &Gibberish{opt: opt.Gibberish, model: newCharModel()}
	g.pool.New = func() any { return &gibScratch{} }
	return g
}

// ID returns "poison.gibberish".
func (g *Gibberish) ID() string { return KindGibberish }

// Version changes whenever the output can change.
func (g *Gibberish) Version() string { return "3" }

// Kinds returns poison.gibberish.
func (g *Gibberish) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindGibberish, Description: "text window whose character statistics are outliers for the corpus", Severity: detectors.SeverityLow}}
}

type gibScratch struct {
	cs  charScan
	ent entropyMemo
}

// structuredFlag marks, in a window's class byte, a window that is mostly
// identifier-like runs (hashes, UUIDs, keys, base64): random by design,
// not gibberish text.
const structuredFlag = 0x80

// overlap returns how many bytes of [a, b) the ranges cover.
func overlap(ranges []int32, a, b int) int {
	n := 0
	for k := 0; k+1 < len(ranges); k += 2 {
		n += max(0, min(b, int(ranges[k+1]))-max(a, int(ranges[k])))
	}
	return n
}

// Sketch implements detectors.CorpusDetector: per text field, the
// character ids and, per window, its byte span, script class and entropy.
func (g *Gibberish) Sketch(dst []byte, fields []detectors.Field) []byte {
	sc := g.pool.Get().(*gibScratch)
	defer g.pool.Put(sc)
	w := g.opt.Window
	n := 0
	for _, f := range fields {
		if g.roles.get(f.Name).role != roleRoleName && len(f.Value) > 0 {
			n++
		}
	}
	dst = putU(dst, uint64(n))
	for _, f := range fields {
		if g.roles.get(f.Name).role == roleRoleName || len(f.Value) == 0 {
			continue
		}
		text := f.Value
		dst = putBytes(dst, f.Name)
		sc.cs.scan(text, maxFieldChars, w)
		nch := sc.cs.n
		rbyte := sc.cs.rbyte
		dst = putU(dst, uint64(nch))
		dst = putBytes(dst, sc.cs.folded)
		nw := nch / w
		if nch%w >= w/2 {
			nw++
		}
		dst = putU(dst, uint64(nw))
		prev := int32(0)
		for k := 0; k < nw; k++ {
			a, b := k*w, min(nch, (k+1)*w)
			sa, sb := rbyte[a], rbyte[b]
			dst = putU(dst, uint64(sa-prev))
			dst = putU(dst, uint64(sb-sa))
			prev = sb
			cls := sc.cs.classes[k]
			if 10*overlap(sc.cs.structured, int(sa), int(sb)) >= 3*int(sb-sa) {
				cls |= structuredFlag
			}
			dst = append(dst, cls)
			dst = append(dst, byte(math.Round(sc.ent.entropy(text[sa:sb])*16)))
		}
	}
	return dst
}

// Observe implements detectors.CorpusDetector.
func (g *Gibberish) Observe(rec detectors.RecordRef, sketch []byte) {
	if g.model.chars < int64(g.opt.WarmupChars) && g.heldB < maxHeldBytes {
		g.held = append(g.held, heldSketch{rec, append([]byte(nil), sketch...)})
		g.heldB += len(sketch)
		g.process(rec, sketch, true, false)
		return
	}
	g.flush()
	g.process(rec, sketch, false, true)
}

func (g *Gibberish) flush() {
	held := g.held
	g.held, g.heldB = nil, 0
	for _, h := range held {
		g.process(h.rec, h.sketch, false, false)
	}
}

// process reads one sketch: with learn it adds the characters to the model,
// with score it scores the windows (before learning).
func (g *Gibberish) process(rec detectors.RecordRef, sketch []byte, learnOnly, learn bool) {
	d := dec{b: sketch}
	n := int(d.u())
	w := g.opt.Window
	for f := 0; f < n && !d.bad; f++ {
		name := d.bytes()
		nch := min(int(d.u()), maxFieldChars)
		g.idBuf, nch = appendIDs(g.idBuf[:0], d.bytes(), nch)
		ids := g.idBuf
		nw := int(d.u())
		if d.bad {
			return
		}
		if learnOnly {
			for k := 0; k < nw && !d.bad; k++ {
				d.u()
				d.u()
				if len(d.b) < 2 {
					d.bad = true
					return
				}
				d.b = d.b[2:]
			}
			g.model.learnIDs(ids)
			continue
		}
		field := g.names.id(name)
		prev := int32(0)
		for k := 0; k < nw && !d.bad; k++ {
			sa := prev + int32(d.u())
			sb := sa + int32(d.u())
			prev = sb
			if len(d.b) < 2 {
				d.bad = true
				return
			}
			structured := d.b[0]&structuredFlag != 0
			cls, ent := (d.b[0]&^structuredFlag)%numScriptClasses, float64(d.b[1])/16
			d.b = d.b[2:]
			a, b := k*w, min(nch, (k+1)*w)
			// a > b only in a corrupt sketch; the next window's counters
			// are prefetched while this one is scored.
			lo := min(a, b)
			g.model.prefetchAhead(ids[b:])
			score := float64(g.model.sumSurprisal(ids[lo:b])) / float64(b-a)
			g.scores[cls].add(score)
			g.ents[cls].add(ent)
			g.windows++
			if g.scores[cls].n < 64 || structured {
				continue
			}
			med, s := g.scores[cls].robust()
			if (score-med)/s < g.opt.MinZ-1.5 || score < g.floor(cls)-1.5*s {
				continue
			}
			if len(g.cands) >= g.opt.MaxCandidates {
				g.dropped++
				continue
			}
			g.cands = append(g.cands, gibCand{rec: rec, field: field, start: sa, end: sb, class: cls, entropy: float32(ent),
				ids: append([]uint32(nil), ids[lo:b]...)})
		}
		if learn {
			g.model.learnIDs(ids)
		}
	}
}

// floor is the least score at which a window of class cls can be
// gibberish besides its own class's statistics: symbol-dense Latin text
// (code, configuration) must also be an outlier for Latin text, since a
// corpus with little code has degenerate statistics for that class (a few
// repeated snippets the model predicts almost perfectly).
func (g *Gibberish) floor(cls uint8) float64 {
	if cls != classSymbolic || g.scores[0].n < 64 {
		return 0
	}
	med, s := g.scores[0].robust()
	return med + math.Max(g.opt.MinZ*s, gibMinMargin)
}

func (g *Gibberish) finish() {
	if g.done {
		return
	}
	g.done = true
	g.flush()
	var med, scale, entMed [numScriptClasses]float64
	for c := range g.scores {
		med[c], scale[c] = g.scores[c].robust()
		entMed[c] = g.ents[c].quantile(0.5)
	}
	for _, c := range g.cands {
		n := len(c.ids)
		if n == 0 {
			continue
		}
		// Score the window against the rest of the corpus: the final model
		// learned the window itself.
		g.model.unlearnIDs(c.ids)
		sum := g.model.sumSurprisal(c.ids)
		g.model.learnIDs(c.ids)
		c.score = float64(sum) / float64(n)
		c.z = (c.score - med[c.class]) / scale[c.class]
		if c.z >= g.opt.MinZ && c.score-med[c.class] >= gibMinMargin && c.score >= g.floor(c.class) && float64(c.entropy) >= entMed[c.class] {
			c.ids = nil
			g.flagged = append(g.flagged, c)
		}
	}
	g.cands = nil
	// Merge adjacent windows of one field.
	sort.SliceStable(g.flagged, func(i, j int) bool {
		a, b := g.flagged[i], g.flagged[j]
		if a.rec != b.rec {
			return a.rec.Less(b.rec)
		}
		if a.field != b.field {
			return a.field < b.field
		}
		return a.start < b.start
	})
	merged := g.flagged[:0]
	for _, c := range g.flagged {
		if n := len(merged); n > 0 && merged[n-1].rec == c.rec && merged[n-1].field == c.field && merged[n-1].end >= c.start {
			merged[n-1].end = max(merged[n-1].end, c.end)
			merged[n-1].z = max(merged[n-1].z, c.z)
			continue
		}
		merged = append(merged, c)
	}
	g.flagged = merged
}

// Verdicts implements detectors.CorpusDetector.
func (g *Gibberish) Verdicts() ([]detectors.Verdict, error) {
	g.finish()
	out := make([]detectors.Verdict, 0, len(g.flagged))
	for _, c := range g.flagged {
		conf := 0.5 + 0.45*math.Min(1, (c.z-g.opt.MinZ)/g.opt.MinZ)
		out = append(out, detectors.Verdict{Rec: c.rec, Kind: KindGibberish, Field: g.names.name(c.field), Start: int(c.start), End: int(c.end), Confidence: conf})
	}
	return out, nil
}

// GibberishReport is the Report of poison.gibberish.
type GibberishReport struct {
	Windows          int64              `json:"windows"`
	Flagged          int                `json:"flagged_spans"`
	CandidatesDrop   int                `json:"candidates_dropped"`
	ClassMedianBits  map[string]float64 `json:"class_median_bits"`
	ClassScaleBits   map[string]float64 `json:"class_scale_bits"`
	ModelCharsLearnt int64              `json:"model_chars"`
}

var classNames = [numScriptClasses]string{"latin", "cjk", "cyrillic_greek", "rtl", "brahmic_other", "symbolic", "no_letters"}

// Report implements detectors.Reporter.
func (g *Gibberish) Report() any {
	g.finish()
	r := GibberishReport{Windows: g.windows, Flagged: len(g.flagged), CandidatesDrop: g.dropped, ModelCharsLearnt: g.model.chars,
		ClassMedianBits: map[string]float64{}, ClassScaleBits: map[string]float64{}}
	for c := range g.scores {
		if g.scores[c].n == 0 {
			continue
		}
		m, s := g.scores[c].robust()
		r.ClassMedianBits[classNames[c]] = round4(m)
		r.ClassScaleBits[classNames[c]] = round4(s)
	}
	return r
}
