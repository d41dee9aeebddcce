package pii

import "github.com/winnow-data/winnow/detectors"

// Byte classes. classTab is a read-only table built once; the scans below
// test a bit of it per probed byte.
const (
	cDigit       uint32 = 1 << iota // 0-9
	cUpper                          // A-Z
	cLower                          // a-z
	cHex                            // 0-9 A-F a-f
	cIPv4                           // 0-9 .
	cIPv6                           // 0-9 A-F a-f : .
	cMAC                            // 0-9 A-F a-f : - .
	cIBAN                           // 0-9 A-Z
	cGapSD                          // ' ' '-'  (card, aadhaar, cn mobile, ssn)
	cGapSpace                       // ' '      (nino, iban)
	cGapPhone                       // ' ' - . ( )
	cSpace                          // ASCII white space
	cEmailLocal                     // A-Z a-z 0-9 . _ % + -
	cEmailDomain                    // A-Z a-z 0-9 . -
	cURLStop                        // bytes that end a URL authority
	cNum                            // digits and bytes of supported Unicode digits
	cNumSD                          // cNum ' ' -
	cNumPhone                       // cNum ' ' - . ( ) +
	cUpperNum                       // A-Z 0-9 ' '

	cAlpha = cUpper | cLower
	cAlnum = cDigit | cAlpha
)

var classTab = func() (t [256]uint32) {
	set := func(bit uint32, chars string) {
		for i := 0; i < len(chars); i++ {
			t[chars[i]] |= bit
		}
	}
	const (
		digits = "0123456789"
		upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		lower  = "abcdefghijklmnopqrstuvwxyz"
		hex    = digits + "ABCDEFabcdef"
	)
	set(cDigit, digits)
	set(cUpper, upper)
	set(cLower, lower)
	set(cHex, hex)
	set(cIPv4, digits+".")
	set(cIPv6, hex+":.")
	set(cMAC, hex+":-.")
	set(cIBAN, digits+upper)
	set(cGapSD, " -")
	set(cGapSpace, " ")
	set(cGapPhone, " -.()")
	set(cSpace, " \t\n\r\v\f")
	set(cEmailLocal, digits+upper+lower+"._%+-")
	set(cEmailDomain, digits+upper+lower+".-")
	set(cURLStop, " \t\n\r\v\f/?#\"'<>\\`")
	for c := 0x80; c < 0x100; c++ {
		if digitTab[c] != 0 {
			t[c] |= cNum | cNumSD | cNumPhone
		}
	}
	set(cNum|cNumSD|cNumPhone, digits)
	set(cNumSD, " -")
	set(cNumPhone, " -.()+")
	set(cUpperNum, upper+digits+" ")
	return t
}()

func is(c byte, class uint32) bool { return classTab[c]&class != 0 }

// isWordByte reports whether c is an ASCII letter, digit or underscore.
func isWordByte(c byte) bool { return classTab[c]&cAlnum != 0 || c == '_' }

// nextRun finds the first maximal run of bytes of the given class that lies
// in text[pos:], is at least minLen bytes long, and returns its bounds.
// text[pos-1] is treated as a boundary. It probes one byte per minLen when
// the text has no such run (Horspool-style skipping).
func nextRun(text []byte, pos int, class uint32, minLen int) (start, end int, ok bool) {
	if minLen < 1 {
		minLen = 1
	}
	n := len(text)
	tab := &classTab
	for p := pos + minLen - 1; p < n; p += minLen {
		if tab[text[p]]&class == 0 {
			continue
		}
		// The run through p must reach back to i = p-minLen+1.
		i := p - minLen + 1
		q := p - 1
		for q >= i && tab[text[q]]&class != 0 {
			q--
		}
		if q >= i {
			p = q // resume with i = q+1
			continue
		}
		e := p + 1
		for e < n && tab[text[e]]&class != 0 {
			e++
		}
		return i, e, true
	}
	return 0, 0, false
}

// maxDigitRuneBytes is the longest UTF-8 encoding of a supported digit.
const maxDigitRuneBytes = 3

// digitTab flags bytes that can be part of a supported digit: ASCII
// digits (dAscii), lead bytes of the supported Unicode digit blocks
// (dLead: D9, DB, E0, EF) and bytes that can follow such a lead (dCont).
// Any other byte is never inside a digit, so probes reject it at once.
const (
	dAscii = 1 << iota
	dLead
	dCont
)

var digitTab = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = dAscii
	}
	for _, c := range []byte{0xD9, 0xDB, 0xE0, 0xEF} {
		t[c] = dLead
	}
	for c := 0x90; c <= 0x99; c++ { // EF BC 90-99
		t[c] = dCont
	}
	for c := 0xA0; c <= 0xAF; c++ { // D9 A0-A9, E0 A5 A6-AF
		t[c] = dCont
	}
	for c := 0xB0; c <= 0xB9; c++ { // DB B0-B9
		t[c] = dCont
	}
	t[0xBC] = dCont // EF BC
	return t
}()

// unicodeDigit decodes a supported non-ASCII digit whose lead byte is at
// text[i] (full-width U+FF10-FF19, Arabic-Indic U+0660-0669, extended
// Arabic-Indic U+06F0-06F9, Devanagari U+0966-096F).
func unicodeDigit(text []byte, i int) (val, size int) {
	rest := len(text) - i
	switch text[i] {
	case 0xEF:
		if rest >= 3 && text[i+1] == 0xBC && text[i+2]-0x90 < 10 {
			return int(text[i+2] - 0x90), 3
		}
	case 0xD9:
		if rest >= 2 && text[i+1]-0xA0 < 10 {
			return int(text[i+1] - 0xA0), 2
		}
	case 0xDB:
		if rest >= 2 && text[i+1]-0xB0 < 10 {
			return int(text[i+1] - 0xB0), 2
		}
	case 0xE0:
		if rest >= 3 && text[i+1] == 0xA5 && text[i+2]-0xA6 < 10 {
			return int(text[i+2] - 0xA6), 3
		}
	}
	return 0, 0
}

// digitAt decodes a digit (ASCII or supported Unicode form) starting at
// byte i. size is 0 when there is none.
func digitAt(text []byte, i int) (val, size int) {
	c := text[i]
	if c-'0' < 10 {
		return int(c - '0'), 1
	}
	if digitTab[c]&dLead == 0 {
		return 0, 0
	}
	return unicodeDigit(text, i)
}

// digitCovering reports the digit rune, if any, that contains byte p and
// returns its start and size.
func digitCovering(text []byte, p int) (start, size int) {
	t := digitTab[text[p]]
	switch {
	case t == 0:
		return 0, 0
	case t == dAscii:
		return p, 1
	case t == dLead:
		_, sz := unicodeDigit(text, p)
		return p, sz
	}
	for s := p - 1; s >= 0 && s >= p-2; s-- {
		if digitTab[text[s]] == dLead {
			if _, sz := unicodeDigit(text, s); sz > 0 && s+sz > p {
				return s, sz
			}
			return 0, 0
		}
		if digitTab[text[s]] != dCont {
			return 0, 0
		}
	}
	return 0, 0
}

// digitEndingAt returns the start of the digit rune that ends exactly at
// byte e (exclusive), or -1.
func digitEndingAt(text []byte, lo, e int) int {
	if e <= lo {
		return -1
	}
	c := text[e-1]
	if c-'0' < 10 {
		return e - 1
	}
	if digitTab[c] != dCont {
		return -1
	}
	for k := 2; k <= maxDigitRuneBytes && e-k >= lo; k++ {
		if _, sz := digitAt(text, e-k); sz == k {
			return e - k
		}
	}
	return -1
}

// digitRunStart walks back from a digit starting at s to the first digit of
// its run, not before lo, counting digits.
func digitRunStart(text []byte, lo, s int) (start, count int) {
	count = 1
	for {
		if s > lo && text[s-1]-'0' < 10 {
			s--
			count++
			continue
		}
		p := digitEndingAt(text, lo, s)
		if p < 0 {
			return s, count
		}
		s = p
		count++
	}
}

// digitRunEnd walks forward from byte e over digits and returns the end of
// the run and the number of digits passed.
func digitRunEnd(text []byte, e int) (end, count int) {
	for e < len(text) {
		if text[e]-'0' < 10 {
			e++
			count++
			continue
		}
		_, sz := digitAt(text, e)
		if sz == 0 {
			break
		}
		e += sz
		count++
	}
	return e, count
}

// digitScan describes the windows of one digit-based detector. A window
// is a maximal chain of digit groups joined by gaps of 1..maxGap bytes of
// gapClass (maxGap 0: no gaps). Windows that are shorter than minBytes,
// hold fewer than minTotal digits, or have no group of minRun digits are
// skipped: the detector's validator never accepts them (the reference tests
// check this). iter finds the windows by scanning the text; runIter builds
// the same windows from the digit runs of a detectors.Set's shared digit
// pass. Build it with newDigitScan; it is only read afterwards.
type digitScan struct {
	gapClass uint32
	maxGap   int
	minRun   int
	minTotal int
	minBytes int
	kind     [256]uint8 // kDigit, kGap, kUni or 0 per byte
}

// Probe kinds of a byte.
const (
	kNone  = iota
	kDigit // ASCII digit
	kGap   // gap byte
	kUni   // may be part of a supported Unicode digit
)

func newDigitScan(gapClass uint32, maxGap, minRun, minTotal, minBytes int) *digitScan {
	sc := &digitScan{gapClass: gapClass, maxGap: maxGap, minRun: minRun, minTotal: minTotal, minBytes: max(minBytes, 1)}
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9':
			sc.kind[c] = kDigit
		case maxGap > 0 && classTab[c]&gapClass != 0:
			sc.kind[c] = kGap
		case digitTab[c] != 0:
			sc.kind[c] = kUni
		}
	}
	return sc
}

// digitIter walks the windows of one digitScan over a text. It lives on
// the caller's stack.
type digitIter struct {
	sc   *digitScan
	text []byte
	pos  int
}

func (sc *digitScan) iter(text []byte) digitIter { return digitIter{sc: sc, text: text} }

// next returns the next window, in text order.
func (it *digitIter) next() (start, end int, ok bool) {
	start, end, ok = it.sc.next(it.text, it.pos)
	if ok {
		it.pos = end
	}
	return start, end, ok
}

// next finds the first window that lies in text[pos:] (text[pos-1] is a
// boundary). It probes one byte per minBytes: a window of minBytes bytes
// must cover the probe, so a probe that is neither a digit nor a gap byte
// between digits rules out every window through it.
func (sc *digitScan) next(text []byte, pos int) (start, end int, ok bool) {
	n := len(text)
	step, maxGap := sc.minBytes, sc.maxGap
	kind := &sc.kind
	// p is the probe; the window searched starts at i = p-step+1.
	for p := pos + step - 1; p < n; p += step {
		k := kind[text[p]]
		if k == kNone {
			continue
		}
		i := p - step + 1
		var ds int // start of a digit of the chain through p
		switch k {
		case kDigit:
			ds = p
		case kGap:
			if p > i && p+1 < n && kind[text[p-1]] == kNone && kind[text[p+1]] == kNone {
				continue // a lone gap byte between non-digits: prose spaces
			}
			gs, ge := p, p+1
			for gs > i && ge-gs <= maxGap && kind[text[gs-1]] == kGap {
				gs--
			}
			for ge < n && ge-gs <= maxGap && kind[text[ge]] == kGap {
				ge++
			}
			if ge-gs > maxGap || ge >= n || gs == i {
				continue
			}
			if c := kind[text[ge]]; c != kDigit && (c != kUni || !digitAfter(text, ge)) {
				continue
			}
			if kind[text[gs-1]] == kDigit {
				ds = gs - 1
			} else if ds = digitEndingAt(text, i, gs); ds < 0 {
				continue
			}
		default:
			// A continuation byte of a supported digit has its lead byte
			// one or two bytes back; most Chinese text fails here.
			if digitTab[text[p]] == dCont && p >= 2 && digitTab[text[p-1]] != dLead && digitTab[text[p-2]] != dLead {
				continue
			}
			s, sz := digitCovering(text, p)
			if sz == 0 {
				continue
			}
			ds = s
		}
		ws, we, total, maxRun := sc.expand(text, pos, ds)
		if we-ws < step || total < sc.minTotal || maxRun < sc.minRun {
			p = we - 1 // resume with i = we
			continue
		}
		return ws, we, true
	}
	return 0, 0, false
}

// expand grows the digit starting at ds into its maximal chain, not
// crossing lo on the left, and counts its digits and longest run.
func (sc *digitScan) expand(text []byte, lo, ds int) (start, end, total, maxRun int) {
	n := len(text)
	kind := &sc.kind
	rs, before := sc.runStart(text, lo, ds)
	re, after := sc.runEnd(text, ds)
	total = before + after - 1
	maxRun = total
	if sc.maxGap == 0 {
		return rs, re, total, maxRun
	}
	for {
		k := 0
		for k < sc.maxGap && rs-k-1 >= lo && kind[text[rs-k-1]] == kGap {
			k++
		}
		if k == 0 {
			break
		}
		var p int
		if rs-k-1 >= lo && kind[text[rs-k-1]] == kDigit {
			p = rs - k - 1
		} else if p = digitEndingAt(text, lo, rs-k); p < 0 {
			break
		}
		var cnt int
		rs, cnt = sc.runStart(text, lo, p)
		total += cnt
		maxRun = max(maxRun, cnt)
	}
	for {
		k := 0
		for k < sc.maxGap && re+k < n && kind[text[re+k]] == kGap {
			k++
		}
		if k == 0 || re+k >= n {
			break
		}
		if c := kind[text[re+k]]; c != kDigit && (c != kUni || !digitAfter(text, re+k)) {
			break
		}
		var cnt int
		re, cnt = sc.runEnd(text, re+k)
		total += cnt
		maxRun = max(maxRun, cnt)
	}
	return rs, re, total, maxRun
}

// runStart walks back from the digit starting at s to the first digit of
// its run (not before lo) and counts the digits, s's included.
func (sc *digitScan) runStart(text []byte, lo, s int) (start, count int) {
	count = 1
	for {
		for s > lo && sc.kind[text[s-1]] == kDigit {
			s--
			count++
		}
		if s <= lo || sc.kind[text[s-1]] != kUni {
			return s, count
		}
		p := digitEndingAt(text, lo, s)
		if p < 0 {
			return s, count
		}
		s = p
		count++
	}
}

// runEnd walks forward from the digit starting at s to the end of its run
// and counts the digits, s's included.
func (sc *digitScan) runEnd(text []byte, s int) (end, count int) {
	n := len(text)
	for s < n {
		k := sc.kind[text[s]]
		if k == kDigit {
			s++
			count++
			continue
		}
		if k != kUni {
			break
		}
		_, sz := digitAt(text, s)
		if sz == 0 {
			break
		}
		s += sz
		count++
	}
	return s, count
}

// Window limits: longer windows are marked over and rejected by validators.
const (
	maxWinDigits = 40
	maxWinGroups = 12
)

// group is one digit group of a window: digits d[d0:d1] of the window,
// bytes [s,e) of the text.
type group struct {
	d0, d1 int
	s, e   int
}

func (g group) len() int { return g.d1 - g.d0 }

// digitWindow is a parsed window: its normalized ASCII digits and groups.
// It lives on the caller's stack.
type digitWindow struct {
	start, end int
	over       bool
	n          int
	ng         int
	maxRun     int // digits in the longest group
	d          [maxWinDigits]byte
	g          [maxWinGroups]group
}

// parse fills w from text[start:end], a window found by nextDigitWindow (or
// by the reference scanner), splitting it into digit groups.
func (w *digitWindow) parse(text []byte, start, end int) {
	w.start, w.end, w.over, w.n, w.ng, w.maxRun = start, end, false, 0, 0, 0
	i := start
	inGroup := false
	for i < end {
		v, sz := digitAt(text, i)
		if sz == 0 {
			if inGroup {
				w.closeGroup(i)
				inGroup = false
			}
			i++
			continue
		}
		if !inGroup {
			if w.ng == maxWinGroups {
				w.over = true
				return
			}
			w.g[w.ng] = group{d0: w.n, s: i}
			w.ng++
			inGroup = true
		}
		if w.n == maxWinDigits {
			w.over = true
			return
		}
		w.d[w.n] = byte('0' + v)
		w.n++
		i += sz
	}
	if inGroup {
		w.closeGroup(end)
	}
}

func (w *digitWindow) closeGroup(e int) {
	g := &w.g[w.ng-1]
	g.d1, g.e = w.n, e
	if g.len() > w.maxRun {
		w.maxRun = g.len()
	}
}

// digits returns the normalized digits of groups a..b inclusive, which
// must be contiguous in w.d.
func (w *digitWindow) digits(a, b int) []byte { return w.d[w.g[a].d0:w.g[b].d1] }

// gap returns the bytes between group k-1 and group k.
func (w *digitWindow) gap(text []byte, k int) []byte { return text[w.g[k-1].e:w.g[k].s] }

// sameGaps reports whether every gap between groups a..b is the same single
// byte, returning it (0 when a == b).
func (w *digitWindow) sameGaps(text []byte, a, b int) (byte, bool) {
	var sep byte
	for k := a + 1; k <= b; k++ {
		gp := w.gap(text, k)
		if len(gp) != 1 || (sep != 0 && gp[0] != sep) {
			return 0, false
		}
		sep = gp[0]
	}
	return sep, true
}

// groupsAre reports whether groups a..b have exactly the given lengths.
func (w *digitWindow) groupsAre(a, b int, lens ...int) bool {
	if b-a+1 != len(lens) {
		return false
	}
	for k, l := range lens {
		if w.g[a+k].len() != l {
			return false
		}
	}
	return true
}

// Boundary helpers. A match must not touch an ASCII letter, digit or
// underscore on either side (non-ASCII text such as Chinese is a boundary).
func wordBefore(text []byte, i int) bool { return i > 0 && isWordByte(text[i-1]) }
func wordAfter(text []byte, i int) bool  { return i < len(text) && isWordByte(text[i]) }

// digitBefore / digitAfter report a digit of any supported form next to i.
func digitBefore(text []byte, i int) bool { return digitEndingAt(text, 0, i) >= 0 }
func digitAfter(text []byte, i int) bool {
	if i >= len(text) {
		return false
	}
	_, sz := digitAt(text, i)
	return sz > 0
}

// chainScan finds windows made of tokens (maximal runs of an ASCII class)
// joined by single gap bytes: "DE89 3704 0044", "AB 12 34 56 C". Windows
// shorter than minBytes are skipped; it probes one byte per minBytes. Build
// it with newChainScan; it is only read afterwards.
type chainScan struct {
	minBytes int
	kind     [256]uint8 // kDigit marks token bytes here, kGap gap bytes
}

func newChainScan(token, gap uint32, minBytes int) *chainScan {
	sc := &chainScan{minBytes: max(minBytes, 1)}
	for c := 0; c < 256; c++ {
		switch {
		case classTab[c]&token != 0:
			sc.kind[c] = kDigit
		case classTab[c]&gap != 0:
			sc.kind[c] = kGap
		}
	}
	return sc
}

// next finds the first window in text[pos:] (text[pos-1] is a boundary).
func (sc *chainScan) next(text []byte, pos int) (start, end int, ok bool) {
	n := len(text)
	step := sc.minBytes
	kind := &sc.kind
	for p := pos + step - 1; p < n; p += step {
		k := kind[text[p]]
		if k == kNone {
			continue
		}
		if k == kGap {
			i := p - step + 1
			if p == i || p+1 >= n || kind[text[p-1]] != kDigit || kind[text[p+1]] != kDigit {
				continue
			}
		}
		s := p
		for s > pos {
			if kind[text[s-1]] == kDigit {
				s--
			} else if kind[text[s-1]] == kGap && s-2 >= pos && kind[text[s-2]] == kDigit {
				s -= 2
			} else {
				break
			}
		}
		e := p + 1
		for e < n {
			if kind[text[e]] == kDigit {
				e++
			} else if kind[text[e]] == kGap && e+1 < n && kind[text[e+1]] == kDigit {
				e += 2
			} else {
				break
			}
		}
		if e-s < step {
			p = e - 1 // resume with i = e
			continue
		}
		return s, e, true
	}
	return 0, 0, false
}

// chainGroups splits the window text[s:e] at gap bytes into at most
// len(gs) groups [gs[k], ge[k]) and returns their number.
func chainGroups(text []byte, s, e int, gap byte, gs, ge []int) int {
	ng := 0
	for i := s; i < e && ng < len(gs); {
		j := i
		for j < e && text[j] != gap {
			j++
		}
		gs[ng], ge[ng] = i, j
		ng++
		i = j + 1
	}
	return ng
}

// chain returns the digit chains the Set must find for this scan: every
// window is a chain of runs joined by gaps of at most maxGap bytes, with
// at least minTotal digits.
func (sc *digitScan) chain() detectors.DigitChain {
	return detectors.DigitChain{MaxGap: sc.maxGap, MinDigits: sc.minTotal}
}

// runIter walks the windows of one digitScan given the maximal digit runs
// of a text (see detectors.DigitWindowed: runs may include runs of no
// window). It yields exactly the windows of iter, in the same order. It
// lives on the caller's stack.
type runIter struct {
	sc   *digitScan
	text []byte
	runs []detectors.DigitRun
	k    int
}

func (sc *digitScan) runIter(text []byte, runs []detectors.DigitRun) runIter {
	return runIter{sc: sc, text: text, runs: runs}
}

// next returns the next window, in text order. A window is a maximal
// chain of runs, each separated from the previous one by 1..maxGap gap
// bytes. A run missing from the list leaves digits between its neighbours,
// which are no gap bytes, so it never joins them by mistake. A chain the
// list holds only in part is one that the Set did not need to list: it
// lies in no qualifying chain, so it holds fewer than minTotal digits, and
// so does every part of it.
func (it *runIter) next() (start, end int, ok bool) {
	sc, runs, text := it.sc, it.runs, it.text
	for it.k < len(runs) {
		r := runs[it.k]
		it.k++
		total, maxRun, end := r.Digits, r.Digits, r.End
		for it.k < len(runs) {
			q := runs[it.k]
			if q.Start-end > sc.maxGap || !sc.allGap(text[end:q.Start]) {
				break
			}
			it.k++
			total += q.Digits
			maxRun = max(maxRun, q.Digits)
			end = q.End
		}
		if end-r.Start < sc.minBytes || total < sc.minTotal || maxRun < sc.minRun {
			continue
		}
		return r.Start, end, true
	}
	return 0, 0, false
}

// allGap reports whether every byte of b is a gap byte.
func (sc *digitScan) allGap(b []byte) bool {
	for _, c := range b {
		if sc.kind[c] != kGap {
			return false
		}
	}
	return true
}

// runAround returns the maximal run of class bytes around byte p (which
// must be of the class), not reaching before lo.
func runAround(text []byte, lo, p int, class uint32) (start, end int) {
	tab := &classTab
	s, e := p, p+1
	for s > lo && tab[text[s-1]]&class != 0 {
		s--
	}
	for e < len(text) && tab[text[e]]&class != 0 {
		e++
	}
	return s, e
}

// around returns the maximal window of the chain scan around byte p (a
// token byte), not reaching before lo, as next would find it.
func (sc *chainScan) around(text []byte, lo, p int) (start, end int) {
	n := len(text)
	kind := &sc.kind
	s := p
	for s > lo {
		if kind[text[s-1]] == kDigit {
			s--
		} else if kind[text[s-1]] == kGap && s-2 >= lo && kind[text[s-2]] == kDigit {
			s -= 2
		} else {
			break
		}
	}
	e := p + 1
	for e < n {
		if kind[text[e]] == kDigit {
			e++
		} else if kind[text[e]] == kGap && e+1 < n && kind[text[e+1]] == kDigit {
			e += 2
		} else {
			break
		}
	}
	return s, e
}
