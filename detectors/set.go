package detectors

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// Hit is a Match together with the index of the detector that reported it in
// the Set's detector list.
type Hit struct {
	Match
	Det int32
}

// Set is a registry compiled for scanning: one pass of a KeywordIndex over
// each value finds every keyword occurrence of every detector at once and
// decides which detectors run. Windowed detectors receive the
// occurrences; other Prefiltered detectors run on the whole value when one of
// their keywords occurs. Likewise one shared digit pass finds the digit runs
// of each value for all DigitWindowed detectors, which run only on values
// with a qualifying chain of runs. Other detectors without keywords always
// run, except that PlainASCIIQuiet ones (when there are two or more) are
// skipped on values of plain ASCII, after one shared check per value.
//
// A Set is immutable and safe for concurrent use; per-goroutine scratch space
// lives in a Scratch.
type Set struct {
	dets     []Detector
	windowed []Windowed      // per detector; nil if the detector is not Windowed
	digitWin []DigitWindowed // per detector; nil unless it gets digit runs
	chains   []DigitChain    // per detector: its DigitChain, if digitWin is set
	union    DigitChain      // loosest DigitChain with MaxGap > 0 and MinDigits > 0
	digitDet []int32         // active detectors that get digit runs
	active   []bool          // detector can report at least one kind the filter keeps
	always   []int32         // active detectors without keywords or digit runs
	quiet    []int32         // PlainASCIIQuiet ones among always, skipped on plain ASCII values (nil if fewer than two)
	index    *KeywordIndex   // all distinct keywords of the active detectors
	kwDets   [][]kwOwner     // index keyword -> detectors that asked for it
	kinds    map[string]Kind // kind name -> Kind
	filter   func(kind string) bool
}

// kwOwner names one detector that asked for a keyword, and the keyword's
// index in that detector's own Keywords() list.
type kwOwner struct {
	det   int32
	local int32
}

// Compile builds a Set from the registry. If only is non-nil, matches whose
// kind it rejects are discarded (used by --kinds), and detectors none of
// whose kinds it keeps do not run at all.
func Compile(r *Registry, only func(kind string) bool) *Set {
	s := &Set{dets: r.Detectors(), kinds: map[string]Kind{}, filter: only}
	s.windowed = make([]Windowed, len(s.dets))
	s.digitWin = make([]DigitWindowed, len(s.dets))
	s.chains = make([]DigitChain, len(s.dets))
	s.active = make([]bool, len(s.dets))
	kwIndex := map[string]int{}
	var keywords []string
	for i, d := range s.dets {
		for _, k := range d.Kinds() {
			s.kinds[k.Name] = k
			if only == nil || only(k.Name) {
				s.active[i] = true
			}
		}
		if !s.active[i] {
			continue
		}
		p, ok := d.(Prefiltered)
		if !ok || len(p.Keywords()) == 0 {
			if dw, ok := d.(DigitWindowed); ok {
				s.digitWin[i] = dw
				c := dw.DigitChain()
				s.chains[i] = c
				s.digitDet = append(s.digitDet, int32(i))
				if c.MaxGap > 0 && c.MinDigits > 0 {
					if s.union.MinDigits == 0 {
						s.union = c
					}
					s.union.MaxGap = max(s.union.MaxGap, c.MaxGap)
					s.union.MinDigits = min(s.union.MinDigits, c.MinDigits)
				}
				continue
			}
			s.always = append(s.always, int32(i))
			if _, ok := d.(PlainASCIIQuiet); ok {
				s.quiet = append(s.quiet, int32(i))
			}
			continue
		}
		if w, ok := d.(Windowed); ok {
			s.windowed[i] = w
		}
		for local, kw := range p.Keywords() {
			kw = lowerASCII(kw)
			j, ok := kwIndex[kw]
			if !ok {
				j = len(keywords)
				kwIndex[kw] = j
				keywords = append(keywords, kw)
				s.kwDets = append(s.kwDets, nil)
			}
			s.kwDets[j] = append(s.kwDets[j], kwOwner{det: int32(i), local: int32(local)})
		}
	}
	if len(keywords) > 0 {
		s.index = NewKeywordIndex(keywords)
	}
	// The shared plain-ASCII check pays when it stands for the scans of
	// two detectors or more; one detector looks for its bytes faster on
	// its own.
	if len(s.quiet) < 2 {
		s.quiet = nil
	}
	return s
}

// Detectors returns the compiled detectors; Hit.Det indexes this slice.
func (s *Set) Detectors() []Detector { return s.dets }

// Kind returns the description of a kind reported by one of the detectors.
func (s *Set) Kind(name string) (Kind, bool) { k, ok := s.kinds[name]; return k, ok }

// Scratch is per-goroutine working memory for Set.Detect. The zero value is
// ready to use. A Scratch must not be shared between goroutines; reusing one
// across calls is what makes Detect allocation-free in the steady state.
type Scratch struct {
	run     []bool
	count   []int32
	hits    []KeywordHit // all keyword occurrences of the value, Keyword = index keyword
	detHits []KeywordHit // the same, grouped by detector, Keyword = detector-local
	runs    []DigitRun   // all digit runs of the value
	chained []DigitRun   // the runs of the chains qualifying under Set.union
	// chainedOK: chained is up to date for the current value.
	chainedOK bool
	matches   []Match
}

// Hit-buffer bounds. A value whose keyword occurrences (or digit runs)
// exceed the limit is handled by the detectors' own Detect instead of
// windows, so that scratch memory stays proportional to a small fraction of
// the value. Buffers that grew past retainHits (retainRuns) are released
// after the call.
const (
	minHitLimit   = 1 << 15
	hitLimitRatio = 32 // at most one stored occurrence per this many bytes, above minHitLimit
	retainHits    = 1 << 18
	retainRuns    = 1 << 16
)

// Detect runs the prefilter over text, then every detector it selects, and
// appends their matches to dst in detector order. text is not retained. sc
// must not be used by another goroutine during the call.
func (s *Set) Detect(dst []Hit, text []byte, sc *Scratch) []Hit {
	n := len(s.dets)
	if cap(sc.run) < n {
		sc.run = make([]bool, n)
		sc.count = make([]int32, n+1)
	}
	run := sc.run[:n]
	clear(run)
	for _, i := range s.always {
		run[i] = true
	}
	windowed := false
	if s.index != nil {
		windowed = s.collect(text, sc, run)
	}
	digits := false
	if len(s.digitDet) > 0 {
		var ok bool
		sc.runs, ok = appendDigitRuns(sc.runs[:0], text, max(minHitLimit, len(text)/hitLimitRatio))
		sc.chainedOK = false
		if ok {
			digits = true
		} else {
			// Too many runs to keep: the detectors scan the value
			// themselves.
			for _, i := range s.digitDet {
				run[i] = true
			}
		}
	}
	if len(s.quiet) > 0 && plainASCII(text) {
		for _, i := range s.quiet {
			run[i] = false
		}
	}
	for i, d := range s.dets {
		if windowed && s.windowed[i] != nil {
			lo, hi := sc.count[i], sc.count[i+1]
			if lo == hi {
				continue
			}
			sc.matches = s.windowed[i].DetectHits(sc.matches[:0], text, sc.detHits[lo:hi])
		} else if digits && s.digitWin[i] != nil {
			runs, ok := s.chainRuns(i, sc)
			if !ok {
				continue
			}
			sc.matches = s.digitWin[i].DetectDigits(sc.matches[:0], text, runs)
		} else if run[i] {
			sc.matches = d.Detect(sc.matches[:0], text)
		} else {
			continue
		}
		dst = s.appendHits(dst, i, sc.matches)
	}
	if cap(sc.hits) > retainHits {
		sc.hits, sc.detHits = nil, nil
	}
	if cap(sc.runs) > retainRuns {
		sc.runs, sc.chained = nil, nil
	}
	return dst
}

// chainRuns returns the runs to hand to detector i, and whether to call it
// at all: whether some chain of sc.runs qualifies under its DigitChain.
// Detectors whose chains need no gap get every run; the others share the
// runs of sc.runs that lie in chains qualifying under the loosest of their
// DigitChains (s.union), computed once per value as sc.chained. (Computing
// each detector's own chains costs about as much as the detector skipping
// the chains it does not need.)
func (s *Set) chainRuns(i int, sc *Scratch) ([]DigitRun, bool) {
	c := s.chains[i]
	switch {
	case c.MinDigits <= 0:
		return sc.runs, true
	case c.MaxGap <= 0:
		for _, r := range sc.runs {
			if r.Digits >= c.MinDigits {
				return sc.runs, true
			}
		}
		return nil, false
	}
	if !sc.chainedOK {
		sc.chained = appendChained(sc.chained[:0], sc.runs, s.union)
		sc.chainedOK = true
	}
	return sc.chained, qualifies(sc.chained, c)
}

// appendChained appends the runs of the chains of runs that qualify under c.
func appendChained(dst, runs []DigitRun, c DigitChain) []DigitRun {
	for k := 0; k < len(runs); {
		j, total := k, runs[k].Digits
		for j+1 < len(runs) && runs[j+1].Start-runs[j].End <= c.MaxGap {
			j++
			total += runs[j].Digits
		}
		if total >= c.MinDigits {
			dst = append(dst, runs[k:j+1]...)
		}
		k = j + 1
	}
	return dst
}

// qualifies reports whether a chain of runs qualifies under c. runs must
// hold whole chains under c (every run between two listed runs that are at
// most c.MaxGap bytes apart is listed).
func qualifies(runs []DigitRun, c DigitChain) bool {
	total := 0
	for k, r := range runs {
		if k > 0 && r.Start-runs[k-1].End > c.MaxGap {
			total = 0
		}
		total += r.Digits
		if total >= c.MinDigits {
			return true
		}
	}
	return false
}

func (s *Set) appendHits(dst []Hit, det int, ms []Match) []Hit {
	for _, m := range ms {
		if s.filter != nil && !s.filter(m.Kind) {
			continue
		}
		dst = append(dst, Hit{Match: m, Det: int32(det)})
	}
	return dst
}

// collect finds every keyword occurrence in text. Non-windowed detectors with
// an occurrence are marked in run. It reports whether windowed detectors get
// their occurrences: then sc.detHits[sc.count[i]:sc.count[i+1]] holds detector
// i's. Otherwise (too many occurrences) windowed detectors with an occurrence
// are marked in run too, to be run on the whole value.
func (s *Set) collect(text []byte, sc *Scratch, run []bool) bool {
	limit := max(minHitLimit, len(text)/hitLimitRatio)
	if cap(sc.hits) == 0 {
		sc.hits = make([]KeywordHit, 0, 256)
	}
	hits := sc.hits[:0]
	pos := 0
	for {
		hits, pos = s.index.AppendHits(hits, text, pos)
		if pos >= len(text) {
			break
		}
		if len(hits) >= limit {
			// Too many occurrences to keep: note who has one, then keep
			// scanning with a fixed-size buffer only to note the rest.
			for {
				s.markAll(hits, run)
				if pos >= len(text) {
					sc.hits = hits[:0]
					return false
				}
				hits, pos = s.index.AppendHits(hits[:0], text, pos)
			}
		}
		hits = slices.Grow(hits, cap(hits))
	}
	sc.hits = hits
	count := sc.count[:len(s.dets)+1]
	clear(count)
	if len(hits) == 0 {
		return true
	}
	for _, h := range hits {
		for _, o := range s.kwDets[h.Keyword] {
			if s.windowed[o.det] != nil {
				count[o.det+1]++
			} else {
				run[o.det] = true
			}
		}
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	total := int(count[len(count)-1])
	if cap(sc.detHits) < total {
		sc.detHits = make([]KeywordHit, total, total+total/2)
	}
	out := sc.detHits[:total]
	// Fill using count[d] as the cursor of detector d, then shift back.
	for _, h := range hits {
		for _, o := range s.kwDets[h.Keyword] {
			if s.windowed[o.det] != nil {
				out[count[o.det]] = KeywordHit{Pos: h.Pos, Keyword: o.local}
				count[o.det]++
			}
		}
	}
	copy(count[1:], count[:len(count)-1])
	count[0] = 0
	return true
}

func (s *Set) markAll(hits []KeywordHit, run []bool) {
	for _, h := range hits {
		for _, o := range s.kwDets[h.Keyword] {
			run[o.det] = true
		}
	}
}

// AppendDigitRuns appends every maximal digit run of text (see DigitRun)
// to dst, sorted by Start, and returns the extended slice; it allocates
// only to grow dst. It does not retain text and is safe for concurrent use.
// It is the Set's shared digit pass, exported for tests and for callers of
// DetectDigits outside a Set.
func AppendDigitRuns(dst []DigitRun, text []byte) []DigitRun {
	dst, _ = appendDigitRuns(dst, text, -1)
	return dst
}

// SWAR constants: one byte value repeated in each of the eight bytes of a
// word.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
	swarLow7 = 0x7F7F7F7F7F7F7F7F
)

// plainASCII reports whether every byte of text is printable ASCII or
// ASCII whitespace (0x20–0x7E, 0x09–0x0D). It tests 32 bytes at a time
// for printable ASCII only, and eight bytes that hold whitespace exactly;
// no sum below carries into the next byte once no byte has its high bit
// set.
func plainASCII(text []byte) bool {
	for len(text) >= 32 {
		b := text[:32:32]
		w, x := binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:])
		y, z := binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
		if (w|x|y|z)&swarHigh != 0 {
			return false
		}
		// Bit 7 of x+0x60 is set iff the byte is >= 0x20, of x+0x01 iff
		// it is 0x7F.
		if (printable(w)&printable(x)&printable(y)&printable(z))&swarHigh != swarHigh {
			if !plainWord(w) || !plainWord(x) || !plainWord(y) || !plainWord(z) {
				return false
			}
		}
		text = text[32:]
	}
	for len(text) >= 8 {
		x := binary.LittleEndian.Uint64(text)
		if x&swarHigh != 0 || !plainWord(x) {
			return false
		}
		text = text[8:]
	}
	for _, c := range text {
		if c >= 0x7F || c < 0x20 && (c < 0x09 || c > 0x0D) {
			return false
		}
	}
	return true
}

// printable sets bit 7 of every byte of x in 0x20–0x7E; every byte of x
// must be below 0x80.
func printable(x uint64) uint64 {
	return (x + (0x80-0x20)*swarOnes) &^ (x + swarOnes)
}

// plainWord reports whether every byte of x is in 0x20–0x7E or 0x09–0x0D;
// every byte of x must be below 0x80.
func plainWord(x uint64) bool {
	below20 := ^(x + (0x80-0x20)*swarOnes)                            // bit 7: byte < 0x20
	space := (x + (0x80-0x09)*swarOnes) &^ (x + (0x7F-0x0D)*swarOnes) // bit 7: 0x09–0x0D
	del := x + swarOnes                                               // bit 7: 0x7F
	return (below20&^space|del)&swarHigh == 0
}

// appendDigitRuns is AppendDigitRuns that gives up, returning false, once
// dst holds limit runs and another one is found (limit < 0: no limit).
func appendDigitRuns(dst []DigitRun, text []byte, limit int) ([]DigitRun, bool) {
	n := len(text)
	i, sz := nextDigit(text, 0)
	for i < n {
		start, count := i, 0
		for sz > 0 {
			i += sz
			count++
			for i < n && text[i]-'0' < 10 {
				i++
				count++
			}
			if i >= n || text[i] < 0x80 {
				break // other ASCII bytes start no digit
			}
			sz = digitSize(text, i)
		}
		if len(dst) == limit {
			return dst, false
		}
		dst = append(dst, DigitRun{Start: start, End: i, Digits: count})
		i, sz = nextDigit(text, i)
	}
	return dst, true
}

// nextDigit returns the offset and length of the first digit that starts
// at or after i, or len(text), 0.
//
// It looks at eight bytes a word, by SWAR arithmetic: ASCII digits are
// flagged directly; in words with bytes >= 0x80, bytes that may lead a
// supported Unicode digit are flagged too (digitCandidates) and decoded.
// ASCII text without digits goes 32 bytes a step at four operations per
// word.
func nextDigit(text []byte, i int) (int, int) {
	n := len(text)
	for i+8 <= n {
		x := binary.LittleEndian.Uint64(text[i : i+8 : i+8])
		if x&swarHigh == 0 {
			if m := asciiDigitsOfASCII(x); m != 0 {
				return i + bits.TrailingZeros64(m)>>3, 1
			}
			i += 8
			for ; i+32 <= n; i += 32 {
				w := text[i : i+32 : i+32]
				a := binary.LittleEndian.Uint64(w)
				b := binary.LittleEndian.Uint64(w[8:])
				c := binary.LittleEndian.Uint64(w[16:])
				d := binary.LittleEndian.Uint64(w[24:])
				// Sums over bytes >= 0x80 may carry into the next byte,
				// but such bytes stop the loop anyway.
				if (a|b|c|d|digitBits(a)|digitBits(b)|digitBits(c)|digitBits(d))&swarHigh != 0 {
					break
				}
			}
			continue
		}
		for m := digitCandidates(x); m != 0; m &= m - 1 {
			p := i + bits.TrailingZeros64(m)>>3
			if sz := digitSize(text, p); sz > 0 {
				return p, sz
			}
		}
		i += 8
	}
	for ; i < n; i++ {
		if sz := digitSize(text, i); sz > 0 {
			return i, sz
		}
	}
	return n, 0
}

// Byte tests by SWAR arithmetic on t, a byte below 0x80: t+geDigit0
// has bit 7 set iff t >= '0', and t+gtDigit9 iff t > '9', which implies
// the former; their XOR has bit 7 set iff t is an ASCII digit. Neither sum
// carries into the next byte.
const (
	geDigit0 = (0x80 - '0') * swarOnes
	gtDigit9 = (0x80 - '9' - 1) * swarOnes
)

// digitBits has bit 7 of every byte of x set that is an ASCII digit, when
// every byte of x is below 0x80 (the other bits are garbage).
func digitBits(x uint64) uint64 { return (x + geDigit0) ^ (x + gtDigit9) }

// asciiDigitsOfASCII sets the high bit of every byte of x that is
// '0'..'9'; every byte of x must be below 0x80.
func asciiDigitsOfASCII(x uint64) uint64 { return digitBits(x) & swarHigh }

// digitCandidates sets the high bit of every byte of x that is an ASCII
// digit or may be the lead byte of a supported Unicode digit: it flags
// 0xD9-0xE0 and 0xEF-0xFF, a superset of 0xD9, 0xDB, 0xE0 and 0xEF that
// costs fewer operations (Chinese text has none of these but the 0xEF of
// full-width punctuation). With t = b-0x80 for b >= 0x80, b >= 0xEF iff
// t+0x11 has bit 7 set, and 0xD9 <= b <= 0xE0 iff exactly one of t+0x27
// and t+0x1F has.
func digitCandidates(x uint64) uint64 {
	t := x & swarLow7
	ascii := digitBits(t) &^ x
	high := t + 0x11*swarOnes                           // b >= 0xEF
	middle := (t + 0x27*swarOnes) ^ (t + 0x1F*swarOnes) // 0xD9 <= b <= 0xE0
	lead := (high | middle) & x
	return (ascii | lead) & swarHigh
}

// digitSize returns the length of the digit (see DigitRun) that starts at
// text[i], or 0.
func digitSize(text []byte, i int) int {
	c := text[i]
	if c-'0' < 10 {
		return 1
	}
	rest := len(text) - i
	switch c {
	case 0xEF: // U+FF10-FF19: EF BC 90-99
		if rest >= 3 && text[i+1] == 0xBC && text[i+2]-0x90 < 10 {
			return 3
		}
	case 0xD9: // U+0660-0669: D9 A0-A9
		if rest >= 2 && text[i+1]-0xA0 < 10 {
			return 2
		}
	case 0xDB: // U+06F0-06F9: DB B0-B9
		if rest >= 2 && text[i+1]-0xB0 < 10 {
			return 2
		}
	case 0xE0: // U+0966-096F: E0 A5 A6-AF
		if rest >= 3 && text[i+1] == 0xA5 && text[i+2]-0xA6 < 10 {
			return 3
		}
	}
	return 0
}

// KeywordIndex finds, in one left-to-right pass, every ASCII
// case-insensitive occurrence of a fixed set of keywords. It gates each
// position on a hash of the next one to four case-folded bytes (one bit test
// per keyword length class present, four bytes for every keyword of four or
// more bytes) and verifies the few positions that pass.
//
// A KeywordIndex is immutable and safe for concurrent use.
type KeywordIndex struct {
	keywords  []string
	classes   uint8            // bit c-1 set: some keyword has gate length c (1..4)
	gate1     [256 / 64]uint64 // class 1: indexed by the folded byte
	gate2     []uint64         // class 2: indexed by the two folded bytes (1<<16 bits)
	gate3     []uint64         // class 3: hashed (1<<gateBits bits)
	gate4     []uint64         // class 4: hashed
	slots     []kwSlot         // open addressing on (class, exact folded gate bytes)
	members   []int32          // keyword indexes, grouped per slot
	maxPerPos int
}

type kwSlot struct {
	key        uint32 // exact folded gate bytes, little-endian
	class      uint8  // 0 = empty slot
	start, end int32  // members[start:end]
}

const (
	gateBits  = 16
	gateWords = (1 << gateBits) / 64
	gateMul   = 0x9E3779B1
	foldBits  = 0x20202020
)

var asciiFold = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		t[i] = c
	}
	return t
}()

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = asciiFold[b[j]]
			}
			return string(b)
		}
	}
	return s
}

func gateHash(w uint32) uint32 { return (w * gateMul) >> (32 - gateBits) }

func bitSet(b []uint64, i uint32)       { b[i>>6] |= 1 << (i & 63) }
func bitTest(b []uint64, i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// NewKeywordIndex compiles keywords (ASCII, compared case-insensitively; the
// empty keyword is ignored). AppendHits reports KeywordHit.Keyword as the
// index into keywords. The index keeps its own copy of the slice.
func NewKeywordIndex(keywords []string) *KeywordIndex {
	x := &KeywordIndex{keywords: make([]string, len(keywords))}
	type group struct {
		class uint8
		key   uint32
		kws   []int32
	}
	var groups []group
	byKey := map[uint64]int{}
	for i, kw := range keywords {
		kw = lowerASCII(kw)
		x.keywords[i] = kw
		if kw == "" {
			continue
		}
		class := uint8(min(len(kw), 4))
		var key uint32
		for j := int(class) - 1; j >= 0; j-- {
			key = key<<8 | uint32(kw[j])
		}
		gk := uint64(class)<<32 | uint64(key)
		g, ok := byKey[gk]
		if !ok {
			g = len(groups)
			byKey[gk] = g
			groups = append(groups, group{class: class, key: key})
		}
		groups[g].kws = append(groups[g].kws, int32(i))
		x.classes |= 1 << (class - 1)
	}
	x.gate2 = make([]uint64, (1<<16)/64)
	x.gate3 = make([]uint64, (1<<gateBits)/64)
	x.gate4 = make([]uint64, (1<<gateBits)/64)
	size := 16
	for size < 2*len(groups) {
		size *= 2
	}
	x.slots = make([]kwSlot, size)
	for _, g := range groups {
		w := g.key | foldBits
		switch g.class {
		case 1:
			x.gate1[(w&0xFF)>>6] |= 1 << (w & 63)
		case 2:
			bitSet(x.gate2, w&0xFFFF)
		case 3:
			bitSet(x.gate3, gateHash(w&0xFFFFFF))
		case 4:
			bitSet(x.gate4, gateHash(w))
			if x.classes&4 != 0 {
				// With three-byte keywords present the scan gates on
				// three bytes only, so four-byte prefixes go there too.
				bitSet(x.gate3, gateHash(w&0xFFFFFF))
			}
		}
		h := x.slotHash(g.class, g.key)
		for x.slots[h].class != 0 {
			h = (h + 1) & uint32(size-1)
		}
		// Longer keywords first, so hits at one position come longest first.
		slices.SortStableFunc(g.kws, func(a, b int32) int { return len(x.keywords[b]) - len(x.keywords[a]) })
		x.slots[h] = kwSlot{key: g.key, class: g.class, start: int32(len(x.members))}
		x.members = append(x.members, g.kws...)
		x.slots[h].end = int32(len(x.members))
	}
	// The most occurrences one position can produce: every keyword that is a
	// prefix of the longest one matching there.
	for _, k := range x.keywords {
		n := 0
		for _, p := range x.keywords {
			if p != "" && len(p) <= len(k) && k[:len(p)] == p {
				n++
			}
		}
		x.maxPerPos = max(x.maxPerPos, n)
	}
	return x
}

func (x *KeywordIndex) slotHash(class uint8, key uint32) uint32 {
	return ((key ^ uint32(class)<<29) * gateMul >> 7) & uint32(len(x.slots)-1)
}

// Keywords returns the lowercase keywords in index order. The slice must not
// be modified.
func (x *KeywordIndex) Keywords() []string { return x.keywords }

// MaxHitsPerPos is the largest number of occurrences that can start at one
// position (keywords that are prefixes of one another).
func (x *KeywordIndex) MaxHitsPerPos() int { return x.maxPerPos }

// AppendHits scans text from byte offset from and appends every keyword
// occurrence that starts at or after from, in ascending Pos order, to dst. It
// returns the extended slice and the offset at which to resume: len(text)
// when the scan finished, or a smaller offset when dst ran out of capacity
// (it stops before a position whose occurrences might not fit, so resuming
// there loses and repeats nothing). It never grows a non-empty dst; given an
// empty dst with too little capacity it grows it to MaxHitsPerPos. It does
// not allocate otherwise and does not retain text or dst.
func (x *KeywordIndex) AppendHits(dst []KeywordHit, text []byte, from int) ([]KeywordHit, int) {
	if from < 0 {
		from = 0
	}
	if x.maxPerPos == 0 {
		return dst, len(text)
	}
	n := len(text)
	i := from
	g2 := (*[(1 << 16) / 64]uint64)(x.gate2)
	g1 := &x.gate1
	// One hashed gate per position: on four bytes, or on three when some
	// keyword has exactly three (then it holds every keyword's first three).
	gate, mask := (*[gateWords]uint64)(x.gate4), uint32(0xFFFFFFFF)
	if x.classes&4 != 0 {
		gate, mask = (*[gateWords]uint64)(x.gate3), 0xFFFFFF
	}
	if x.classes&3 == 0 {
		// Fast path: no keyword shorter than three bytes. Four positions
		// per step from one 8-byte load; only a step whose gate passes is
		// looked at position by position.
		for i+8 <= n {
			v := binary.LittleEndian.Uint64(text[i:i+8:i+8]) | foldBits<<32 | foldBits
			h0 := gateHash(uint32(v) & mask)
			h1 := gateHash(uint32(v>>8) & mask)
			h2 := gateHash(uint32(v>>16) & mask)
			h3 := gateHash(uint32(v>>24) & mask)
			m := gate[h0>>6]>>(h0&63) | gate[h1>>6]>>(h1&63) | gate[h2>>6]>>(h2&63) | gate[h3>>6]>>(h3&63)
			if m&1 == 0 {
				i += 4
				continue
			}
			for end := i + 4; i < end; i++ {
				w := binary.LittleEndian.Uint32(text[i:i+4:i+4]) | foldBits
				if h := gateHash(w & mask); gate[h>>6]&(1<<(h&63)) == 0 {
					continue
				}
				if cap(dst)-len(dst) < x.maxPerPos {
					if len(dst) > 0 {
						return dst, i
					}
					dst = slices.Grow(dst, x.maxPerPos)
				}
				dst = x.verifyAll(dst, text, i, w)
			}
		}
	}
	small := x.classes&3 != 0
	for ; i+4 <= n; i++ {
		w := binary.LittleEndian.Uint32(text[i:i+4:i+4]) | foldBits
		h := gateHash(w & mask)
		m := gate[h>>6] >> (h & 63)
		if small {
			m |= g2[(w&0xFFFF)>>6]>>(w&63) | g1[(w&0xFF)>>6]>>(w&63)
		}
		if m&1 == 0 {
			continue
		}
		if cap(dst)-len(dst) < x.maxPerPos {
			if len(dst) > 0 {
				return dst, i
			}
			dst = slices.Grow(dst, x.maxPerPos)
		}
		dst = x.verifyAll(dst, text, i, w)
	}
	// The last three positions: pad the window with zero bytes.
	for ; i < n; i++ {
		var w uint32
		for j := n - 1; j >= i; j-- {
			w = w<<8 | uint32(text[j])
		}
		if cap(dst)-len(dst) < x.maxPerPos {
			if len(dst) > 0 {
				return dst, i
			}
			dst = slices.Grow(dst, x.maxPerPos)
		}
		dst = x.verifyAll(dst, text, i, w|foldBits)
	}
	return dst, n
}

// verifyAll appends the occurrences at text[i:], whose next four bytes
// (zero-padded past the end) OR 0x20 are w, for every gate class that passes.
func (x *KeywordIndex) verifyAll(dst []KeywordHit, text []byte, i int, w uint32) []KeywordHit {
	rest := len(text) - i
	if h := gateHash(w); rest >= 4 && x.gate4[h>>6]&(1<<(h&63)) != 0 {
		dst = x.verify(dst, text, i, 4)
	}
	if h := gateHash(w & 0xFFFFFF); rest >= 3 && x.gate3[h>>6]&(1<<(h&63)) != 0 {
		dst = x.verify(dst, text, i, 3)
	}
	if rest >= 2 && bitTest(x.gate2, w&0xFFFF) {
		dst = x.verify(dst, text, i, 2)
	}
	if x.gate1[(w&0xFF)>>6]&(1<<(w&63)) != 0 {
		dst = x.verify(dst, text, i, 1)
	}
	return dst
}

// verify appends the keywords of gate class c that occur at text[i:]. The
// caller guarantees i+c <= len(text).
func (x *KeywordIndex) verify(dst []KeywordHit, text []byte, i, c int) []KeywordHit {
	var key uint32
	for j := c - 1; j >= 0; j-- {
		key = key<<8 | uint32(asciiFold[text[i+j]])
	}
	mask := uint32(len(x.slots) - 1)
	for h := x.slotHash(uint8(c), key); ; h = (h + 1) & mask {
		sl := &x.slots[h]
		if sl.class == 0 {
			return dst
		}
		if sl.class != uint8(c) || sl.key != key {
			continue
		}
		rest := text[i+c:]
	members:
		for _, k := range x.members[sl.start:sl.end] {
			kw := x.keywords[k]
			if len(kw)-c > len(rest) {
				continue
			}
			for j := c; j < len(kw); j++ {
				if asciiFold[rest[j-c]] != kw[j] {
					continue members
				}
			}
			dst = append(dst, KeywordHit{Pos: i, Keyword: k})
		}
		return dst
	}
}
