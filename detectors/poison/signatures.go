package poison

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

//go:embed signatures.yaml
var signaturesYAML []byte

// SignaturesSHA256 returns the hex SHA-256 digest of the embedded signature
// file (signatures.yaml), for provenance manifests.
func SignaturesSHA256() string {
	s := sha256.Sum256(signaturesYAML)
	return hex.EncodeToString(s[:])
}

// Signature is one entry of a signature file (see signatures.yaml for the
// format). Values are read-only after parsing.
type Signature struct {
	ID           string   `yaml:"id"`
	Kind         string   `yaml:"kind"`
	Lang         string   `yaml:"lang"`
	Confidence   float64  `yaml:"confidence"`
	Anchors      []string `yaml:"anchors"`
	Pattern      string   `yaml:"pattern"`
	UnlessQuoted bool     `yaml:"unless_quoted"`
	Lookback     int      `yaml:"lookback"`
	Match        []string `yaml:"match"`
	NoMatch      []string `yaml:"no_match"`

	anchors []string // normalized
}

type signatureFile struct {
	Version    int         `yaml:"version"`
	Signatures []Signature `yaml:"signatures"`
}

// ErrBadSignatures is wrapped by every error ParseSignatures returns.
var ErrBadSignatures = errors.New("poison: bad signature file")

// ParseSignatures parses and compiles a signature file, reporting every
// problem at once. Kinds are written without the "poison." prefix.
func ParseSignatures(data []byte) ([]Signature, error) {
	var f signatureFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignatures, err)
	}
	var errs []error
	if f.Version != 1 {
		errs = append(errs, fmt.Errorf("%w: version %d, want 1", ErrBadSignatures, f.Version))
	}
	seen := map[string]bool{}
	for i := range f.Signatures {
		s := &f.Signatures[i]
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%w: signature %d (%s): %s", ErrBadSignatures, i, s.ID, fmt.Sprintf(format, args...)))
		}
		if s.ID == "" || seen[s.ID] {
			bad("missing or duplicate id")
		}
		seen[s.ID] = true
		switch s.Kind {
		case "prompt_injection":
			s.Kind = KindPromptInjection
		case "template_token":
			s.Kind = KindTemplateToken
		default:
			bad("unknown kind %q", s.Kind)
		}
		if s.Lookback < 0 || s.Lookback > 256 {
			bad("lookback %d not in 0..256", s.Lookback)
		}
		if s.Confidence <= 0 || s.Confidence > 1 {
			bad("confidence %v not in (0, 1]", s.Confidence)
		}
		if len(s.Anchors) == 0 {
			bad("no anchors")
		}
		for _, a := range s.Anchors {
			n := normalizeString(a)
			if n == "" || strings.ContainsAny(n, " \t\r\n") {
				bad("anchor %q is empty or has spaces after normalization", a)
				continue
			}
			s.anchors = append(s.anchors, n)
		}
		if _, err := regexp.Compile("^(?:" + normalizePattern(s.Pattern) + ")"); err != nil {
			bad("pattern: %v", err)
		} else if _, err := patternMaxLen(normalizePattern(s.Pattern)); err != nil {
			bad("%v", err)
		}
		if len(s.Match) == 0 {
			bad("no match examples")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return f.Signatures, nil
}

// normalizePattern maps the non-ASCII literal characters of a pattern the
// way input text is normalized, quoting any regexp metacharacter the
// mapping produces (fullwidth "｜" becomes a literal "|").
func normalizePattern(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		b.WriteString(regexp.QuoteMeta(normalizeNonASCII(string(r))))
	}
	return b.String()
}

// sigEngine finds the signatures of a signature file. Every match of a
// signature begins with one of its anchors. Anchors are looked for in the
// normalized text without normalizing whole values: ASCII words whose first
// bytes may begin an anchor are walked through an automaton (detectASCII),
// and runs of characters holding a non-ASCII one that a prefilter cannot
// rule out (runfilter.go) are normalized and scanned (detectMixed); each
// candidate signature's pattern, compiled as ^(?:pattern), is tried once
// at the anchor on at most the pattern's maximum match length, in a
// normalized window around it (tryWindow). detectNorm, which normalizes
// the whole value, is the reference the tests compare with. The engine is
// immutable and safe for concurrent use; per-call scratch space comes from
// a sync.Pool.
type sigEngine struct {
	sigs     []Signature
	res      []*regexp.Regexp     // anchored (^) patterns by signature
	maxLen   []int                // window per signature: its longest match, capped
	bySig    [][]int32            // anchor id -> signature indices
	alen     []int32              // anchor id -> length
	wordy    []bool               // anchor id -> starts with an ASCII letter or digit
	ac       *acAuto              // every anchor
	acASCII  *acAuto              // the ASCII anchors only (smaller table), or nil
	asciiIDs []int32              // acASCII anchor id -> anchor id
	starts   []byte               // non-nil: every anchor starts with one of these bytes
	cls      [256]uint8           // ASCII byte classes for detectASCII: clsWord, clsPunct, clsKept
	pair     [1 << 16 / 64]uint64 // first two bytes of every ASCII word anchor
	pass3    [1 << 16 / 64]uint64 // tripleKey of the first three normalized bytes of the words nextASCII walks from
	keptNorm [256]uint16          // keptBit | asciiNorm[c&0x7F] for the bytes normalization keeps, else 0
	short    [1 << 16 / 64]uint64 // the two bytes of every two-byte ASCII word anchor
	triple   [1 << 16 / 64]uint64 // tripleKey of the first three bytes of the longer ones
	back     []int                // anchor id -> longest lookback of its signatures
	fwd      []int                // anchor id -> longest window of its signatures
	// runTab is the BMP normalization table (fasttab.go) with normSep set
	// on characters no anchor occurrence can include: whitespace, and
	// characters none of whose normalized characters occur in an anchor.
	runTab *[0x10000]uint32
	cps    *cpSets // first code points of the anchors (runfilter.go)
	pool   sync.Pool
}

// normSep marks separators in sigEngine.runTab (bit 7 is unused by the
// normalization entries).
const normSep = 1 << 7

type sigScratch struct {
	z       normalizer // windows (and the whole value in detectNorm)
	zr      normalizer // one run, with offsets
	run     []byte     // one run, normalized
	hits    []acHit
	pending []pendingMatch
}

type pendingMatch struct {
	ns, ne int32 // normalized span
	sig    int32
}

func newSigEngine(all []Signature, window int, minConf float64) (*sigEngine, error) {
	e := &sigEngine{}
	var anchors, asciiAnchors []string
	index := map[string]int{}
	for _, s := range all {
		if s.Confidence < minConf {
			continue
		}
		pat := normalizePattern(s.Pattern)
		re, err := regexp.Compile("^(?:" + pat + ")")
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadSignatures, s.ID, err)
		}
		n, err := patternMaxLen(pat)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadSignatures, s.ID, err)
		}
		si := int32(len(e.sigs))
		e.sigs = append(e.sigs, s)
		e.res = append(e.res, re)
		e.maxLen = append(e.maxLen, min(n, window))
		for _, a := range s.anchors {
			id, ok := index[a]
			if !ok {
				id = len(anchors)
				index[a] = id
				anchors = append(anchors, a)
				e.bySig = append(e.bySig, nil)
				e.alen = append(e.alen, int32(len(a)))
				e.wordy = append(e.wordy, isASCIIAlnum(a[0]))
				if isASCII([]byte(a)) {
					asciiAnchors = append(asciiAnchors, a)
					e.asciiIDs = append(e.asciiIDs, int32(id))
					if !isASCIIAlnum(a[0]) {
						e.cls[a[0]] |= clsPunct
					} else if len(a) >= 2 {
						k := uint16(a[0])<<8 | uint16(a[1])
						e.pair[k/64] |= 1 << (k % 64)
						if len(a) == 2 {
							e.short[k/64] |= 1 << (k % 64)
						} else {
							t := tripleKey(a[0], a[1], a[2])
							e.triple[t/64] |= 1 << (t % 64)
						}
					} else {
						return nil, fmt.Errorf("%w: anchor %q too short", ErrBadSignatures, a)
					}
				}
			}
			e.bySig[id] = append(e.bySig[id], si)
		}
	}
	if len(e.sigs) == 0 {
		return nil, fmt.Errorf("%w: no signatures", ErrBadSignatures)
	}
	var err error
	if e.ac, err = newAC(anchors); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignatures, err)
	}
	if len(asciiAnchors) > 0 {
		if e.acASCII, err = newAC(asciiAnchors); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadSignatures, err)
		}
	}
	for c := 0; c < 256; c++ {
		if isASCIIAlnum(byte(c)) {
			e.cls[c] |= clsWord
		}
		if c < 0x80 && asciiNorm[c] != 0 {
			e.cls[c] |= clsKept
		}
	}
	if fb := e.ac.firstBytes(); len(fb) <= 4 {
		e.starts = fb
	}
	e.back = make([]int, len(anchors))
	e.fwd = make([]int, len(anchors))
	for id := range anchors {
		for _, si := range e.bySig[id] {
			e.back[id] = max(e.back[id], e.sigs[si].Lookback)
			e.fwd[id] = max(e.fwd[id], e.maxLen[si])
		}
	}
	for c := 0x80; c < 0x100; c++ {
		e.cls[c] = clsKept // a non-ASCII byte ends an ASCII word (detectMixed)
	}
	// keptNorm and pass3: nextASCII's test of the first three bytes of a
	// word when they are all kept, as the pair/short/triple tests decide
	// it (hashed: collisions only let more words through).
	for c := 0; c < 256; c++ {
		if e.cls[c]&clsKept != 0 {
			e.keptNorm[c] = keptBit | uint16(asciiNorm[c&0x7F])
		}
	}
	for pk := 0; pk < 1<<16; pk++ {
		if e.pair[pk/64]&(1<<(pk%64)) == 0 {
			continue
		}
		a0, a1 := byte(pk>>8), byte(pk)
		for a2 := 0; a2 < 128; a2++ {
			t := tripleKey(a0, a1, byte(a2))
			if e.short[pk/64]&(1<<(pk%64)) != 0 || e.triple[t/64]&(1<<(t%64)) != 0 {
				e.pass3[t/64] |= 1 << (t % 64)
			}
		}
	}
	e.runTab = buildRunTab(anchors)
	e.cps = newCPSets(anchors, e.runTab)
	e.pool.New = func() any { return &sigScratch{} }
	return e, nil
}

// patternMaxLen returns the longest match, in bytes, of a regular
// expression, or an error if it is unbounded (signatures must use bounded
// repetition so the window after an anchor can be sized).
func patternMaxLen(pat string) (int, error) {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return 0, err
	}
	n := maxLen(re.Simplify())
	if n < 0 {
		return 0, fmt.Errorf("pattern is unbounded (use {m,n} instead of * and +)")
	}
	return n, nil
}

func maxLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
			if re.Flags&syntax.FoldCase != 0 {
				n += 2 // a case variant may be longer
			}
		}
		return n
	case syntax.OpCharClass:
		w := 1
		for i := 1; i < len(re.Rune); i += 2 {
			w = max(w, utf8.RuneLen(re.Rune[i]))
		}
		return w
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			m := maxLen(sub)
			if m < 0 {
				return -1
			}
			n += m
		}
		return n
	case syntax.OpAlternate:
		n := 0
		for _, sub := range re.Sub {
			m := maxLen(sub)
			if m < 0 {
				return -1
			}
			n = max(n, m)
		}
		return n
	case syntax.OpRepeat:
		if re.Max < 0 {
			return -1
		}
		m := maxLen(re.Sub[0])
		if m < 0 {
			return -1
		}
		return m * re.Max
	case syntax.OpStar, syntax.OpPlus:
		return -1
	}
	return 0 // empty, anchors, word boundaries
}

// detect appends the signature matches in text to dst.
func (e *sigEngine) detect(dst []detectors.Match, text []byte) []detectors.Match {
	sc := e.pool.Get().(*sigScratch)
	defer e.pool.Put(sc)
	first := len(dst)
	if isASCII(text) {
		return e.detectASCII(dst, first, sc, text)
	}
	return e.detectMixed(dst, first, sc, text)
}

// buildRunTab returns the BMP normalization table with normSep set on
// whitespace and on the characters whose normalized form holds no
// character of any anchor. Characters that normalize to nothing stay
// transparent; those normalized by addRune (normSlow) are never
// separators.
func buildRunTab(anchors []string) *[0x10000]uint32 {
	inAnchor := map[rune]bool{}
	for _, a := range anchors {
		for _, r := range a {
			inAnchor[r] = true
		}
	}
	bt := bmpTab()
	t := new([0x10000]uint32)
	var out []byte
	for r := range t {
		v := bt.norm[r]
		t[r] = v
		switch v & 3 {
		case normSpace:
			t[r] |= normSep
			continue
		case normSlow:
			continue
		case normEmit:
			out = out[:0]
			for k := range v >> 2 & 3 {
				out = append(out, byte(v>>(8+8*k)))
			}
		case normMapped:
			out = append(out[:0], bt.pool[v>>8:v>>8+v>>2&31]...)
		}
		if len(out) == 0 {
			continue // transparent
		}
		sep := true
		for _, c := range string(out) {
			if inAnchor[c] {
				sep = false
			}
		}
		if sep {
			t[r] |= normSep
		}
	}
	return t
}

// detectMixed handles any value without normalizing it whole. Every
// anchor occurrence in the normalized value lies within the normalized
// form of one run of characters without separators (runTab). Occurrences
// made of ASCII bytes only are found by detectASCII's word-start walks
// (a non-ASCII byte ends an ASCII word there); the runs holding a
// non-ASCII character are walked once with the prefilter of runfilter.go,
// and those it cannot rule out are normalized and scanned by the full
// automaton (fullRun). Tests compare it with detectNorm, and with
// detectMixedRef (the same without the prefilter) match for match.
func (e *sigEngine) detectMixed(dst []detectors.Match, first int, sc *sigScratch, text []byte) []detectors.Match {
	dst = e.detectASCII(dst, first, sc, text)
	cs := e.cps
	t := cs.tab
	pos := 0
outer:
	for {
		q := indexNonASCII(text, pos)
		if q >= len(text) {
			return dst
		}
		rs := q
		for rs > pos && text[rs-1] < utf8.RuneSelf && t[text[rs-1]]&fSep == 0 {
			rs--
		}
		// Walk from rs through runs and the separators between them, until
		// an ASCII byte follows a separator. A run is a stretch without
		// separators holding a non-ASCII byte; the current one starts at
		// rs. cs.scan handles the characters of one code point and the
		// separators; the rest are handled here.
		var st mayState
		maybe := false
		i := rs
		for {
			var why int
			i, rs, maybe, why = cs.scan(text, i, rs, &st, maybe)
			switch why {
			case stopEnd:
				if maybe {
					dst = e.endRun(dst, first, sc, text, rs, len(text))
				}
				return dst
			case stopASCII:
				pos = i
				continue outer
			case stopSep:
				// The separator at i ends a run the prefilter could not
				// rule out; scan then steps over the separator.
				dst = e.endRun(dst, first, sc, text, rs, i)
				maybe, st = false, mayState{}
				continue
			}
			r, n := decode(text, i)
			switch {
			case n == 1 && r == utf8.RuneError:
				// An invalid byte: dropped by normalization, never a
				// separator.
			case r >= 0x10000:
				// Never a separator; copied unless addRune transforms it.
				if !maybe {
					maybe = unidata.Lookup(r).Flags&transformed != 0 || cs.stepBytes(&st, text[i:i+n])
				}
			case t[r]&fOther != 0:
				if !maybe {
					maybe = e.stepOther(&st, text, i)
				}
			}
			// (A BMP character marked fNone normalizes to nothing.
			// cpSets.scan and decode agree on what is valid UTF-8, so
			// separators never get here.)
			i += n
		}
	}
}

// endRun processes the stretch text[rs:re] without separators that the
// prefilter could not rule out: with fullRun if it holds a non-ASCII byte
// (it is a run; its first non-ASCII byte begins a character that is not a
// separator), else nothing (detectASCII's).
func (e *sigEngine) endRun(dst []detectors.Match, first int, sc *sigScratch, text []byte, rs, re int) []detectors.Match {
	if q := indexNonASCII(text[:re], rs); q < re {
		// fullRun finds the same end, re (TestDetectMixedRef).
		dst, _ = e.fullRun(dst, first, sc, text, q, rs)
	}
	return dst
}

// fullRun normalizes the run of text starting at rs and holding the
// non-ASCII character (or invalid byte) at q, scans it with the automaton
// and tries the occurrences whose bytes include a non-ASCII character. It
// returns the end of the run.
func (e *sigEngine) fullRun(dst []detectors.Match, first int, sc *sigScratch, text []byte, q, rs int) ([]detectors.Match, int) {
	var re int
	sc.run, re = e.normRun(sc.run[:0], text, q, rs)
	if len(sc.run) == 0 {
		return dst, re
	}
	sc.hits = e.ac.scan(sc.hits[:0], sc.run, 0)
	if len(sc.hits) == 0 {
		return dst, re
	}
	z := &sc.zr
	z.dst, z.offs, z.track = z.dst[:0], z.offs[:0], true
	z.add(text, rs, re)
	for _, h := range sc.hits {
		ns, ne := int(h.End-e.alen[h.Anchor]), int(h.End)
		if ne > len(z.offs) || ns < 0 {
			continue // cannot happen: both normalizations agree
		}
		s, last := int(z.offs[ns]), int(z.offs[ne-1])
		if indexNonASCII(text[:last+1], s) > last {
			continue // ASCII bytes only: detectASCII's
		}
		k := 0
		for j := ns; j > 0 && z.offs[j-1] == int32(s); j-- {
			k++
		}
		dst = e.tryWindow(dst, first, sc, text, s, k, h.Anchor)
	}
	return dst, re
}

// normRun appends to d the normalized form of the run of text holding the
// non-ASCII character at q and starting at rs (rs <= q), and returns it and
// the end of the run: the first separator at or after q, or len(text).
func (e *sigEngine) normRun(d []byte, text []byte, q, rs int) ([]byte, int) {
	t := e.runTab
	var z normalizer
	i := rs
	for i < len(text) {
		if cap(d)-len(d) < 4 {
			d = slices.Grow(d, 64+len(d))
		}
		var v uint32
		var r rune
		n := 1
		if c := text[i]; c < utf8.RuneSelf {
			v = t[c]
		} else {
			r, n = decode(text, i)
			if n == 1 { // invalid: dropped
				i++
				continue
			}
			if r >= 0x10000 {
				z.dst = d
				z.addRune(r, text[i:i+n], i)
				d = z.dst
				i += n
				continue
			}
			v = t[r]
		}
		if v&normSep != 0 && i >= q {
			break
		}
		switch v & 3 {
		case normEmit:
			l := len(d)
			d = d[:l+4]
			binary.LittleEndian.PutUint32(d[l:], v>>8)
			d = d[:l+int(v>>2&3)]
		case normMapped:
			o := v >> 8
			d = append(d, bmpTab().pool[o:o+v>>2&31]...)
		default: // normSlow (separators never get here)
			z.dst = d
			z.addRune(r, text[i:i+n], i)
			d = z.dst
		}
		i += n
	}
	return d, i
}

// tryWindow tries the signatures of anchor id whose first byte is byte k of
// the normalized form of the character at text[s:]. It normalizes a window
// around s, widened until it holds as much normalized text before and after
// the anchor as tryAt may read (or reaches the ends of the value), so the
// outcome is what tryAt would decide on the whole normalized value.
func (e *sigEngine) tryWindow(dst []detectors.Match, first int, sc *sigScratch, text []byte, s, k int, id int32) []detectors.Match {
	back, fwd := e.back[id]+1, e.fwd[id]+utf8.UTFMax
	mb, mf := back+16, fwd+16 // widened below while too short
	var p int
	for {
		lo, hi := max(0, s-mb), min(len(text), s+mf)
		for j := 0; j < utf8.UTFMax-1 && lo > 0 && text[lo]&0xC0 == 0x80; j++ {
			lo-- // start at a character boundary
		}
		sc.z.dst, sc.z.offs, sc.z.track = sc.z.dst[:0], sc.z.offs[:0], true
		sc.z.add(text, lo, hi)
		offs := sc.z.offs
		p, _ = slices.BinarySearch(offs, int32(s))
		p += k
		if p >= len(offs) || int(offs[p]) != s {
			return dst // cannot happen: the character at s has k+1 bytes
		}
		if (p >= back || lo == 0) && (len(offs)-p >= fwd || hi == len(text)) {
			break
		}
		mb, mf = 2*mb, 2*mf
	}
	sc.pending = e.tryAt(sc.pending[:0], sc.z.dst, p, id)
	for _, pm := range sc.pending {
		start, end := origSpan(text, sc.z.offs, int(pm.ns), int(pm.ne))
		dst = e.add(dst, first, text, int(pm.sig), start, end)
	}
	return dst
}

// detectNorm normalizes the whole value and scans it; it handles any input.
// It is the reference path: tests compare detectASCII and detectMixed with
// it.
func (e *sigEngine) detectNorm(dst []detectors.Match, first int, sc *sigScratch, text []byte) []detectors.Match {
	sc.z.dst, sc.z.offs, sc.z.track = sc.z.dst[:0], sc.z.offs[:0], false
	sc.z.add(text, 0, len(text))
	norm := sc.z.dst
	if e.starts != nil {
		sc.hits = e.ac.scanSparse(sc.hits[:0], norm, e.starts)
	} else {
		sc.hits = e.ac.scan(sc.hits[:0], norm, 0)
	}
	if len(sc.hits) == 0 {
		return dst
	}
	sc.pending = sc.pending[:0]
	for _, h := range sc.hits {
		sc.pending = e.tryAt(sc.pending, norm, int(h.End-e.alen[h.Anchor]), h.Anchor)
	}
	if len(sc.pending) == 0 {
		return dst
	}
	// Something matched: normalize again, tracking where each output byte
	// came from, and map the matches back.
	sc.z.dst, sc.z.offs, sc.z.track = sc.z.dst[:0], sc.z.offs[:0], true
	sc.z.add(text, 0, len(text))
	for _, pm := range sc.pending {
		start, end := origSpan(text, sc.z.offs, int(pm.ns), int(pm.ne))
		dst = e.add(dst, first, text, int(pm.sig), start, end)
	}
	return dst
}

// keptBit marks the kept bytes in sigEngine.keptNorm.
const keptBit = 1 << 8

const (
	clsWord  = 1 << iota // ASCII letter or digit
	clsPunct             // first byte of a punctuation anchor
	clsKept              // survives normalization (not a control byte)
)

// detectASCII handles ASCII values without normalizing them whole: anchors
// are looked for only at word starts and at punctuation anchor bytes, by
// walking the automaton from there over the raw bytes (case folded, control
// bytes skipped); around each anchor a small window is normalized and the
// signatures tried on it.
func (e *sigEngine) detectASCII(dst []detectors.Match, first int, sc *sigScratch, text []byte) []detectors.Match {
	if e.acASCII == nil || e.starts != nil && !containsAny(text, e.starts) {
		return dst
	}
	for i := 0; ; {
		var w int
		if w, i = e.nextASCII(text, i); w < 0 {
			return dst
		}
		dst = e.walkASCII(dst, first, sc, text, w)
	}
}

// nextASCII finds the next place at or after i where detectASCII walks the
// automaton: a word start whose first bytes may begin an anchor, or the
// first byte of a punctuation anchor. It returns that place and where to
// go on from, or -1 and len(text). (A function without calls, so that its
// loops keep their variables in registers.)
func (e *sigEngine) nextASCII(text []byte, i int) (int, int) {
	cls := &e.cls
	for i < len(text) {
		k := cls[text[i]]
		if k&clsWord == 0 {
			if k&clsPunct != 0 {
				return i, i + 1
			}
			i++
			if text[i-1] >= utf8.RuneSelf {
				i = indexASCII(text, i) // detectMixed: skip non-ASCII text
			}
			continue
		}
		// A word starts at i: skip to its end (control bytes do not end
		// a word), and walk only if its first two bytes begin an anchor.
		w := i
		i++
		for i < len(text) && cls[text[i]]&(clsWord|clsKept) != clsKept {
			i++
		}
		if w+2 < len(text) {
			// The common case, the two bytes after w kept: the test below
			// in one table load (pass3), passed by about one word in 20.
			if k1, k2 := e.keptNorm[text[w+1]], e.keptNorm[text[w+2]]; k1&k2&keptBit != 0 {
				t := tripleKey(asciiNorm[text[w]&0x7F], byte(k1), byte(k2))
				if e.pass3[t/64]&(1<<(t%64)) == 0 {
					continue
				}
				return w, i
			}
		}
		// The second byte normalization keeps: in the word, or the byte
		// ending it ("d.a.n").
		j := w + 1
		for j < i && cls[text[j]]&clsKept == 0 {
			j++
		}
		if j == len(text) {
			continue
		}
		a0, a1 := asciiNorm[text[w]&0x7F], asciiNorm[text[j]&0x7F]
		pk := uint16(a0)<<8 | uint16(a1)
		if e.pair[pk/64]&(1<<(pk%64)) == 0 {
			continue
		}
		if e.short[pk/64]&(1<<(pk%64)) == 0 {
			// Every anchor with these two bytes is longer: its third byte
			// must follow (the next byte normalization keeps).
			k := j + 1
			for k < len(text) && cls[text[k]]&clsKept == 0 {
				k++
			}
			if k == len(text) {
				continue
			}
			t := tripleKey(a0, a1, asciiNorm[text[k]&0x7F])
			if e.triple[t/64]&(1<<(t%64)) == 0 {
				continue
			}
		}
		return w, i
	}
	return -1, len(text)
}

// tripleKey hashes three normalized ASCII bytes to 16 bits.
func tripleKey(a, b, c byte) uint32 {
	return (uint32(a)<<14 | uint32(b)<<7 | uint32(c)) * 0x9E3779B1 >> 16
}

// walkASCII runs the ASCII automaton from text[i] and tries the anchors
// that begin exactly there.
func (e *sigEngine) walkASCII(dst []detectors.Match, first int, sc *sigScratch, text []byte, i int) []detectors.Match {
	a := e.acASCII
	// Walk from i; an output counts only if its anchor began at i.
	st, kept := uint32(0), 0
	for j := i; j < len(text) && kept < a.maxLen; j++ {
		col := a.col[text[j]]
		if col != acSkip {
			kept++
		}
		st = a.delta[st+col]
		if st == 0 {
			break
		}
		if st < a.firstOut {
			continue
		}
		row := st / uint32(a.ncol)
		for _, aid := range a.outList[a.outOff[row]:a.outOff[row+1]] {
			id := e.asciiIDs[aid]
			if int(e.alen[id]) == kept {
				dst = e.tryWindow(dst, first, sc, text, i, 0, id)
			}
		}
	}
	return dst
}

// tryAt tries the signatures of anchor id, found at norm[p:], and appends
// the matches (normalized coordinates) to pending.
func (e *sigEngine) tryAt(pending []pendingMatch, norm []byte, p int, id int32) []pendingMatch {
	if e.wordy[id] && p > 0 && isASCIIAlnum(norm[p-1]) {
		return pending // the anchor starts inside a word
	}
	for _, si := range e.bySig[id] {
		// Try the anchor itself and, with lookback, each word start (or,
		// before a non-ASCII anchor, each character) up to Lookback bytes
		// before it.
		lo := max(0, p-e.sigs[si].Lookback)
		for q := p; q >= lo; q-- {
			if q != p {
				if e.wordy[id] && !(q == 0 || norm[q-1] == ' ') || !e.wordy[id] && norm[q]&0xC0 == 0x80 {
					continue
				}
			}
			hi := min(len(norm), q+e.maxLen[si])
			for hi < len(norm) && norm[hi]&0xC0 == 0x80 {
				hi++
			}
			if m := e.res[si].FindIndex(norm[q:hi]); m != nil && m[1] > m[0] {
				pending = append(pending, pendingMatch{int32(q + m[0]), int32(q + m[1]), si})
				break
			}
		}
	}
	return pending
}

// add appends a match of signature si at text[start:end] unless it is a
// quoted mention or nested in a match of the same kind already in
// dst[first:] (overlapping anchors such as 以前の and 前の match nested
// spans; the widest is kept).
func (e *sigEngine) add(dst []detectors.Match, first int, text []byte, si, start, end int) []detectors.Match {
	s := &e.sigs[si]
	if end <= start || s.UnlessQuoted && quoted(text, start, end) {
		return dst
	}
	for k := first; k < len(dst); k++ {
		if dst[k].Kind != s.Kind {
			continue
		}
		if dst[k].Start <= start && end <= dst[k].End {
			dst[k].Confidence = max(dst[k].Confidence, s.Confidence)
			return dst
		}
		if start <= dst[k].Start && dst[k].End <= end {
			dst[k] = detectors.Match{Kind: s.Kind, Start: start, End: end, Confidence: max(dst[k].Confidence, s.Confidence)}
			return dst
		}
	}
	return append(dst, detectors.Match{Kind: s.Kind, Start: start, End: end, Confidence: s.Confidence})
}

// containsAny reports whether b holds any of the bytes in set.
func containsAny(b, set []byte) bool {
	for _, c := range set {
		if bytes.IndexByte(b, c) >= 0 {
			return true
		}
	}
	return false
}

// quoted reports whether text[s:e] is wrapped in a pair of quotes or lies
// inside an inline code span (backticks on the same line): a mention of a
// token rather than a use.
func quoted(text []byte, s, e int) bool {
	if s == 0 || e >= len(text) {
		return false
	}
	ticks := 0
	for i := s - 1; i >= 0 && text[i] != '\n'; i-- {
		if text[i] == '`' {
			ticks++
		}
	}
	if ticks%2 == 1 {
		for i := e; i < len(text) && text[i] != '\n'; i++ {
			if text[i] == '`' {
				return true
			}
		}
	}
	if a := text[s-1]; (a == '`' || a == '"' || a == '\'') && text[e] == a {
		return true
	}
	l, _ := decodeLast(text, s)
	r, _ := decode(text, e)
	switch l {
	case '“':
		return r == '”'
	case '‘':
		return r == '’'
	case '「':
		return r == '」'
	case '«':
		return r == '»'
	}
	return false
}
