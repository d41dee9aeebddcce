package pii

import "github.com/winnow-data/winnow/detectors"

// UKNINO detects UK National Insurance numbers: a two-letter prefix (first
// letter not D, F, I, Q, U or V; second not D, F, I, O, Q, U or V; not BG,
// GB, KN, NK, NT, TN or ZZ), six digits and a suffix A-D, written compact
// ("AB123456C") or with single spaces ("AB 12 34 56 C", "AB 123456 C").
// Letters must be uppercase and digits ASCII.
//
// UKNINO is immutable and safe for concurrent use.
type UKNINO struct{ c *config }

var _ detectors.Detector = (*UKNINO)(nil)
var _ detectors.Exampler = (*UKNINO)(nil)
var _ detectors.DigitWindowed = (*UKNINO)(nil)

// ID returns "pii.uk_nino".
func (*UKNINO) ID() string { return KindUKNINO }

// Version returns the detector's output version.
func (*UKNINO) Version() string { return version }

// Kinds returns the single kind pii.uk_nino. The slice is fresh.
func (*UKNINO) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindUKNINO, Description: "UK national insurance number", Severity: detectors.SeverityHigh}}
}

// ninoScan finds chains of [A-Z0-9] groups joined by single spaces that
// are long enough to hold a NINO ("AB123456C" is the shortest).
var ninoScan = newChainScan(cIBAN, cGapSpace, ninoMinLen)

const ninoMinLen = 9

var ninoCtx = newCtx(
	[]string{"national insurance", "nino", "ni number", "ni no", "nin", "insurance number"},
	negCommonList,
)

// Detect appends every National Insurance number in text to dst.
func (d *UKNINO) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	for pos := 0; ; {
		s, e, ok := ninoScan.next(text, pos)
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e)
		pos = e
	}
}

// DigitChain asks for the runs of at least two digits: every NINO has at
// least two of its six digits in a row (see detectors.DigitWindowed).
func (*UKNINO) DigitChain() detectors.DigitChain { return detectors.DigitChain{MinDigits: 2} }

// DetectDigits is Detect over the chains around the first digits of
// possible NINOs, found from the digit runs of the Set's shared digit pass
// (see detectors.DigitWindowed): the run of a NINO's first digits follows
// its two-letter prefix ("AB123456C") or the prefix and a space
// ("AB 12 34 56 C", "AB 123456 C").
func (d *UKNINO) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	lo := 0 // end of the last chain looked at
	for _, r := range runs {
		if r.Start < lo || r.Digits < 2 {
			continue
		}
		if !upperPairBefore(text, r.Start) && !(r.Start >= 1 && text[r.Start-1] == ' ' && upperPairBefore(text, r.Start-1)) {
			continue
		}
		s, e := ninoScan.around(text, lo, r.Start)
		lo = e
		if e-s >= ninoScan.minBytes {
			dst = d.check(dst, text, s, e)
		}
	}
	return dst
}

// check finds NINOs among the space-separated groups of the chain
// text[s:e]: "AB123456C", "AB123456 C", "AB 123456 C", "AB 123456C" or
// "AB 12 34 56 C".
func (d *UKNINO) check(dst []detectors.Match, text []byte, s, e int) []detectors.Match {
	var gs, ge [maxChainGroup]int
	ng := chainGroups(text, s, e, ' ', gs[:], ge[:])
	grp := func(k int) []byte { return text[gs[k]:ge[k]] }
	for a := 0; a < ng; a++ {
		g := grp(a)
		if len(g) < 2 || !ninoPrefixValid(g[0], g[1]) || (a == 0 && wordBefore(text, s)) {
			continue
		}
		last := -1 // group holding the suffix letter
		switch {
		case len(g) == 9 && allDigits(g[2:8]) && isNINOSuffix(g[8]):
			last = a
		case len(g) == 8 && allDigits(g[2:]) && a+1 < ng && isNINOSuffixGroup(grp(a+1)):
			last = a + 1
		case len(g) == 2 && a+1 < ng:
			h := grp(a + 1)
			switch {
			case len(h) == 7 && allDigits(h[:6]) && isNINOSuffix(h[6]):
				last = a + 1
			case len(h) == 6 && allDigits(h) && a+2 < ng && isNINOSuffixGroup(grp(a+2)):
				last = a + 2
			case len(h) == 2 && a+4 < ng && allDigits(h) && len(grp(a+2)) == 2 && allDigits(grp(a+2)) &&
				len(grp(a+3)) == 2 && allDigits(grp(a+3)) && isNINOSuffixGroup(grp(a+4)):
				last = a + 4
			}
		}
		if last < 0 || (last == ng-1 && wordAfter(text, e)) {
			continue
		}
		dst = d.c.appendMatch(dst, KindUKNINO, gs[a], ge[last], d.c.score(0.85, text, gs[a], ninoCtx))
		a = last
	}
	return dst
}

func isNINOSuffix(c byte) bool        { return c >= 'A' && c <= 'D' }
func isNINOSuffixGroup(g []byte) bool { return len(g) == 1 && isNINOSuffix(g[0]) }

func allDigits(b []byte) bool {
	for _, c := range b {
		if c-'0' >= 10 {
			return false
		}
	}
	return true
}

// ninoPrefixValid applies HMRC's prefix rules.
func ninoPrefixValid(a, b byte) bool {
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return false
	}
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch b {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch uint16(a)<<8 | uint16(b) {
	case 'B'<<8 | 'G', 'G'<<8 | 'B', 'K'<<8 | 'N', 'N'<<8 | 'K', 'N'<<8 | 'T', 'T'<<8 | 'N', 'Z'<<8 | 'Z':
		return false
	}
	return true
}
