package secrets

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/winnow-data/winnow/detectors"
)

// rule is one token format. Its token expression is
//
//	lead · (prefix₁ | prefix₂ | …) · body
//
// where the prefixes are literals (also the prefilter keywords), lead is an
// optional fixed-width ASCII expression before them and body the rest. The
// reported span is the named group "s" in body, or the whole token.
//
// Semantics (what the windowed matcher reproduces exactly, and what the
// tests compare it against) are those of one whole-value scan:
//
//	full := (?:^|left) (token) (?:right|$)
//	for each m in full.FindAllSubmatchIndex(value, -1):
//	    if accept(span of m): report it
//
// left and right are single-character class expressions for the byte
// allowed just before and just after the token ("" = no condition); like
// any part of a match, the boundary characters are consumed.
//
// Why keyword windows give exactly these findings: every match of full
// begins at a token start t = (keyword position - len(lead)), or one rune
// before it for the left boundary; the token expression has no assertions
// and a bounded length, so a match at t depends only on a window of that
// length at t; and ruleSet.scan visits the candidate starts in ascending
// order, skipping those before the end of the previous match, which is
// FindAll's leftmost, non-overlapping iteration. compile enforces the
// structural conditions; the equivalence tests and fuzz target check the
// result against full.FindAllSubmatchIndex.
type rule struct {
	kind     string
	conf     float64
	lead     string
	prefixes []string
	caseless bool // prefixes match ASCII case-insensitively
	// next, for rules with a prefix shorter than four bytes, is a class
	// holding every byte that can follow such a prefix; the keywords are
	// then the prefix extended by each of those bytes, so that every
	// keyword has four bytes (the prefilter's fast path). compile checks
	// the class against the token expression.
	next  string
	body  string
	left  string
	right string
	// minEntropy is the Shannon entropy (bits per byte) the reported span
	// needs; 0 means no check.
	minEntropy float64
	// keepPlaceholders disables the placeholder filter (EXAMPLE, xxxx,
	// 123456, …) for formats where it would reject real values.
	keepPlaceholders bool
	// valid, if set, is a structural check of the span (checksum, decoded
	// length, context).
	valid func(text []byte, s, e int) bool
	// keyValue declares that the token is a key name (the prefix plus at
	// most suffixMax key characters [A-Za-z0-9_.-]) followed by an
	// assignment: optional backslash and quote, up to four spaces, then =
	// or :. The matcher uses it as a cheap necessary condition before
	// running the regexp; the equivalence tests check that it never
	// rejects a match.
	keyValue  bool
	suffixMax int
}

// Common boundary classes.
const (
	notAlnum  = `[^A-Za-z0-9]`
	notWord   = `[^A-Za-z0-9_]`
	notB64URL = `[^A-Za-z0-9_-]`
	notB64    = `[^A-Za-z0-9+/=]`
)

// compiledRule is a rule ready for matching.
type compiledRule struct {
	rule
	token   string         // token expression (lead, prefixes, body)
	full    *regexp.Regexp // whole-value reference expression (tests, docs)
	sub0    *submatcher    // anchored: token at the window start
	subMid  *submatcher    // anchored: one left-boundary rune, then token; nil without left
	group   int            // submatch index of the reported span
	leadLen int            // bytes before the keyword
	// assignRun is the longest key name of a keyValue rule, 0 otherwise.
	assignRun int
	minTok    int     // fewest bytes of a token
	window    int     // bytes an anchored match can span, plus slack
	leftOK    byteSet // bytes that may precede the token
	pos       []uint8 // precheck: pos[k] indexes sets, for token byte k
	sets      []byteSet
	kws       []string // prefilter keywords
}

// windowSlack covers a multi-byte rune straddling the window end: any rune
// starting inside the reach of a match is decoded from the same bytes as in
// the whole value.
const windowSlack = 4

func prefixExpr(ps []string, caseless bool) string {
	alts := make([]string, len(ps))
	for i, p := range ps {
		var b strings.Builder
		for j := 0; j < len(p); j++ {
			c := p[j]
			switch {
			case caseless && c >= 'a' && c <= 'z':
				fmt.Fprintf(&b, "[%c%c]", c, c-'a'+'A')
			case caseless && c >= 'A' && c <= 'Z':
				fmt.Fprintf(&b, "[%c%c]", c-'A'+'a', c)
			default:
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		alts[i] = b.String()
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// compile checks the rule's structural requirements and builds its
// matchers. The rule table is fixed, so an error here is a programming error
// that the package tests catch.
func (r rule) compile() (*compiledRule, error) {
	if len(r.prefixes) == 0 {
		return nil, fmt.Errorf("rule %s: no prefixes", r.kind)
	}
	for _, p := range r.prefixes {
		for i := 0; i < len(p); i++ {
			if p[i] >= 0x80 {
				return nil, fmt.Errorf("rule %s: non-ASCII prefix %q", r.kind, p)
			}
		}
	}
	c := &compiledRule{rule: r}
	if r.keyValue {
		for _, p := range r.prefixes {
			for i := 0; i < len(p); i++ {
				if !isKeyChar(p[i]) {
					return nil, fmt.Errorf("rule %s: key prefix %q has a non-key character", r.kind, p)
				}
			}
			c.assignRun = max(c.assignRun, len(p)+r.suffixMax)
		}
	}
	tok := r.lead + prefixExpr(r.prefixes, r.caseless) + r.body
	if !strings.Contains(r.body, "(?P<s>") {
		tok = "(?P<s>" + tok + ")"
	}
	c.token = tok
	tre, err := parse(tok)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.kind, err)
	}
	if hasAssertion(tre) {
		return nil, fmt.Errorf("rule %s: token expression has an assertion", r.kind)
	}
	mn, mx := widths(tre)
	if mx < 0 {
		return nil, fmt.Errorf("rule %s: token length is unbounded", r.kind)
	}
	if mn == 0 {
		return nil, fmt.Errorf("rule %s: token can be empty", r.kind)
	}
	c.minTok = mn
	if r.lead != "" {
		lre, err := parse(r.lead)
		if err != nil {
			return nil, fmt.Errorf("rule %s: lead: %w", r.kind, err)
		}
		lmn, lmx := widths(lre)
		if lmn != lmx {
			return nil, fmt.Errorf("rule %s: lead is not fixed-width", r.kind)
		}
		if s, ok := positionSets(lre); !ok || len(s) != lmn {
			return nil, fmt.Errorf("rule %s: lead is not plain ASCII", r.kind)
		}
		c.leadLen = lmn
	}
	leftExpr, rightExpr := "", ""
	if r.left != "" {
		leftExpr = "(?:" + r.left + ")"
		if c.leftOK, err = classSet(r.left); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.kind, err)
		}
	}
	if r.right != "" {
		rightExpr = "(?:" + r.right + "|$)"
		if _, err := classSet(r.right); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.kind, err)
		}
	}
	full := tok + rightExpr
	if leftExpr != "" {
		full = "(?:^|" + r.left + ")" + full
	}
	if c.full, err = regexp.Compile(full); err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.kind, err)
	}
	if c.sub0, err = newSubmatcher("^" + tok + rightExpr); err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.kind, err)
	}
	if leftExpr != "" {
		if c.subMid, err = newSubmatcher("^" + leftExpr + tok + rightExpr); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.kind, err)
		}
	}
	c.group = slices.Index(c.sub0.names, "s")
	if c.group < 0 || c.full.SubexpIndex("s") < 0 || (c.subMid != nil && slices.Index(c.subMid.names, "s") != c.group) {
		return nil, fmt.Errorf("rule %s: no span group", r.kind)
	}
	// Longest anchored match: boundary rune + token + boundary rune.
	c.window = mx + windowSlack
	if leftExpr != "" {
		c.window += 4
	}
	if rightExpr != "" {
		c.window += 4
	}
	sets, _ := positionSets(tre)
	index := map[byteSet]uint8{}
	for _, s := range sets {
		i, ok := index[s]
		if !ok {
			i = uint8(len(c.sets))
			index[s] = i
			c.sets = append(c.sets, s)
		}
		c.pos = append(c.pos, i)
	}
	if err := c.buildKeywords(); err != nil {
		return nil, err
	}
	return c, nil
}

// keywords returns the rule's prefilter keywords.
func (c *compiledRule) keywords() []string { return c.kws }

// buildKeywords derives the prefilter keywords: the lowercase prefixes,
// those shorter than four bytes extended by each byte of next. Every token
// starts with one of them.
func (c *compiledRule) buildKeywords() error {
	seen := map[string]bool{}
	add := func(k string) {
		if k = strings.ToLower(k); !seen[k] {
			seen[k] = true
			c.kws = append(c.kws, k)
		}
	}
	var next byteSet
	if c.next != "" {
		var err error
		if next, err = classSet(c.next); err != nil {
			return fmt.Errorf("rule %s: next: %w", c.kind, err)
		}
	}
	for _, p := range c.prefixes {
		if len(p) >= 4 || c.next == "" {
			add(p)
			continue
		}
		// Every byte that can follow p in a token must be in next.
		re, err := parse(c.lead + prefixExpr([]string{p}, c.caseless) + c.body)
		if err != nil {
			return fmt.Errorf("rule %s: %w", c.kind, err)
		}
		sets, _ := positionSets(re)
		at := c.leadLen + len(p)
		if at >= len(sets) {
			return fmt.Errorf("rule %s: byte after prefix %q is not at a fixed offset", c.kind, p)
		}
		for b := 0; b < 256; b++ {
			if sets[at].has(byte(b)) && (b >= 0x80 || !next.has(byte(b))) {
				return fmt.Errorf("rule %s: byte %#x can follow %q but is not in next", c.kind, b, p)
			}
		}
		for b := 0; b < 0x80; b++ {
			if next.has(byte(b)) {
				add(p + string(rune(b)))
			}
		}
	}
	return nil
}

// pre is a cheap necessary condition for a token starting at t: the byte
// before it may precede a token, enough bytes remain, and the fixed leading
// positions hold allowed bytes.
func (c *compiledRule) pre(text []byte, t int) bool {
	if c.subMid != nil && t > 0 && !c.leftOK.has(text[t-1]) {
		return false
	}
	if len(text)-t < c.minTok {
		return false
	}
	for k, si := range c.pos {
		if !c.sets[si].has(text[t+k]) {
			return false
		}
	}
	return c.assignRun == 0 || assignmentAhead(text, t, c.assignRun)
}

func isKeyChar(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' }

// assignmentAhead reports whether text[t:] is a run of at most maxRun key
// characters followed by an optional backslash, an optional quote, up to
// four spaces and then = or :. Because the run is maximal and none of the
// following characters is a key character, every key name followed by an
// assignment passes this test.
func assignmentAhead(text []byte, t, maxRun int) bool {
	i, end := t, min(len(text), t+maxRun+1)
	for i < end && isKeyChar(text[i]) {
		i++
	}
	if i-t > maxRun || i >= len(text) {
		return false
	}
	if text[i] == '\\' {
		i++
	}
	if i < len(text) && (text[i] == '"' || text[i] == '\'' || text[i] == '`') {
		i++
	}
	for n := 0; n < 4 && i < len(text) && isSpace(text[i]); n++ {
		i++
	}
	return i < len(text) && (text[i] == '=' || text[i] == ':')
}

// isSpace is the regexp class \s.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// matchAt runs the anchored matcher for a token starting at t. It returns
// the end of the whole match (consumed input) and the reported span, or ok
// false.
func (c *compiledRule) matchAt(text []byte, t int) (end, s, e int, ok bool) {
	sub, from := c.sub0, t
	if c.subMid != nil && t > 0 {
		sub, from = c.subMid, t-1
	}
	w := text[from:min(len(text), from+c.window)]
	var caps [maxCaps]int
	if !sub.match(w, caps[:sub.ncap]) {
		return 0, 0, 0, false
	}
	return from + caps[1], from + caps[2*c.group], from + caps[2*c.group+1], true
}

// start returns where the anchored match for a token at t begins.
func (c *compiledRule) start(t int) int {
	if c.subMid != nil && t > 0 {
		return t - 1
	}
	return t
}

// accept applies the post-match filters to the span [s, e).
func (c *compiledRule) accept(text []byte, s, e int) bool {
	tok := text[s:e]
	if c.minEntropy > 0 && entropy(tok) < c.minEntropy {
		return false
	}
	if !c.keepPlaceholders && looksPlaceholder(tok) {
		return false
	}
	if c.valid != nil && !c.valid(text, s, e) {
		return false
	}
	return true
}

func (c *compiledRule) match(s, e int) detectors.Match {
	return detectors.Match{Kind: c.kind, Start: s, End: e, Confidence: c.conf}
}

// maxRules bounds the rules of one detector so that per-call state fits in
// fixed arrays on the stack.
const maxRules = 16

// scanState is the per-value, per-rule progress of a windowed scan: the end
// of the last match (later matches may not start before it) and the last
// token start tried.
type scanState struct {
	lastEnd [maxRules]int
	lastT   [maxRules]int
}

func newScanState() scanState {
	var st scanState
	for i := range st.lastT {
		st.lastT[i] = -1
	}
	return st
}

// ruleSet is a group of compiled rules with their keywords: the matching
// core shared by the provider detectors and the generic one.
type ruleSet struct {
	rules    []*compiledRule
	keywords []string
	kwRules  [][]uint8 // keyword index -> rules starting with it
	index    *detectors.KeywordIndex
}

func newRuleSet(rules []rule) (*ruleSet, error) {
	if len(rules) > maxRules {
		return nil, fmt.Errorf("%d rules in one detector, at most %d", len(rules), maxRules)
	}
	rs := &ruleSet{}
	kwIndex := map[string]int{}
	for i, r := range rules {
		c, err := r.compile()
		if err != nil {
			return nil, err
		}
		rs.rules = append(rs.rules, c)
		for _, kw := range c.keywords() {
			j, ok := kwIndex[kw]
			if !ok {
				j = len(rs.keywords)
				kwIndex[kw] = j
				rs.keywords = append(rs.keywords, kw)
				rs.kwRules = append(rs.kwRules, nil)
			}
			rs.kwRules[j] = append(rs.kwRules[j], uint8(i))
		}
	}
	rs.index = detectors.NewKeywordIndex(rs.keywords)
	return rs, nil
}

// scan processes keyword occurrences in ascending position order, carrying
// st across calls for the same value.
func (rs *ruleSet) scan(dst []detectors.Match, text []byte, hits []detectors.KeywordHit, st *scanState) []detectors.Match {
	for _, h := range hits {
		for _, ri := range rs.kwRules[h.Keyword] {
			c := rs.rules[ri]
			t := h.Pos - c.leadLen
			if t < 0 || t == st.lastT[ri] {
				continue
			}
			st.lastT[ri] = t
			if c.start(t) < st.lastEnd[ri] || !c.pre(text, t) {
				continue
			}
			end, s, e, ok := c.matchAt(text, t)
			if !ok {
				continue
			}
			st.lastEnd[ri] = end
			if c.accept(text, s, e) {
				dst = append(dst, c.match(s, e))
			}
		}
	}
	return dst
}

// hitBuffer is the chunk size of Detect's own keyword scan.
const hitBuffer = 256

// detect is a whole-value scan: it finds keyword occurrences itself, in
// bounded chunks, and feeds them to scan.
func (rs *ruleSet) detect(dst []detectors.Match, text []byte) []detectors.Match {
	st := newScanState()
	var buf [hitBuffer]detectors.KeywordHit
	for pos := 0; pos < len(text); {
		var hits []detectors.KeywordHit
		hits, pos = rs.index.AppendHits(buf[:0], text, pos)
		dst = rs.scan(dst, text, hits, &st)
	}
	return dst
}

// ruleDetector is a Detector made of rules: one per provider family.
type ruleDetector struct {
	id       string
	version  string
	kinds    []detectors.Kind
	set      *ruleSet
	examples []detectors.Example
}

var (
	_ detectors.Detector = (*ruleDetector)(nil)
	_ detectors.Windowed = (*ruleDetector)(nil)
	_ detectors.Exampler = (*ruleDetector)(nil)
)

// ID returns the stable detector ID, e.g. "secrets.github".
func (d *ruleDetector) ID() string { return d.id }

// Version changes whenever the detector's rules change.
func (d *ruleDetector) Version() string { return d.version }

// Kinds lists every kind the detector's rules report. The slice must not be
// modified.
func (d *ruleDetector) Kinds() []detectors.Kind { return d.kinds }

// Keywords returns the lowercase literal prefixes of the detector's rules.
// The slice must not be modified.
func (d *ruleDetector) Keywords() []string { return d.set.keywords }

// Detect appends every token found in text to dst. It does not retain text
// and is safe for concurrent use.
func (d *ruleDetector) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	return d.set.detect(dst, text)
}

// DetectHits is Detect restricted to the keyword occurrences hits (see
// detectors.Windowed). It does not retain text or hits and is safe for
// concurrent use.
func (d *ruleDetector) DetectHits(dst []detectors.Match, text []byte, hits []detectors.KeywordHit) []detectors.Match {
	st := newScanState()
	return d.set.scan(dst, text, hits, &st)
}

// Examples returns true positives and near misses for the registry tests.
func (d *ruleDetector) Examples() []detectors.Example { return d.examples }
