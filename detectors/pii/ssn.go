package pii

import "github.com/winnow-data/winnow/detectors"

// USSSN detects US Social Security Numbers written ddd-dd-dddd, and, only
// when a term such as "ssn" or "social security" precedes them, ddd dd dddd
// or ddddddddd. Area 000, 666 and 900-999, group 00 and serial 0000 are
// never issued and are rejected, as are the well-known published samples
// 078-05-1120 and 219-09-9999.
//
// USSSN is immutable and safe for concurrent use.
type USSSN struct{ c *config }

var _ detectors.Detector = (*USSSN)(nil)
var _ detectors.Exampler = (*USSSN)(nil)
var _ detectors.DigitWindowed = (*USSSN)(nil)

// ID returns "pii.us_ssn".
func (*USSSN) ID() string { return KindUSSSN }

// Version returns the detector's output version.
func (*USSSN) Version() string { return version }

// Kinds returns the single kind pii.us_ssn. The slice is fresh.
func (*USSSN) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindUSSSN, Description: "US social security number", Severity: detectors.SeverityHigh}}
}

var ssnScan = newDigitScan(cGapSD, 1, 4, 9, 9) // gaps, max gap, min run, min digits, min bytes

var ssnCtx = newCtx(
	[]string{"ssn", "ssns", "ss#", "social security", "social security number", "soc sec", "ssa", "tin", "taxpayer"},
	negCommonList,
)

// Detect appends every SSN in text to dst.
func (d *USSSN) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	var w digitWindow
	it := ssnScan.iter(text)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// DigitChain returns the digit chains that can hold SSNs (see
// detectors.DigitWindowed).
func (*USSSN) DigitChain() detectors.DigitChain { return ssnScan.chain() }

// DetectDigits is Detect over the windows formed by the digit runs found by
// the Set's shared digit pass (see detectors.DigitWindowed).
func (d *USSSN) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	var w digitWindow
	it := ssnScan.runIter(text, runs)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

func (d *USSSN) check(dst []detectors.Match, text []byte, s, e int, w *digitWindow) []detectors.Match {
	if wordBefore(text, s) || wordAfter(text, e) {
		return dst
	}
	w.parse(text, s, e)
	if w.over || w.maxRun < ssnScan.minRun || w.n != 9 {
		return dst
	}
	var base float64
	needCtx := false
	switch {
	case w.ng == 1:
		base, needCtx = 0.5, true
	case w.groupsAre(0, 2, 3, 2, 4):
		sep, ok := w.sameGaps(text, 0, 2)
		if !ok {
			return dst
		}
		base = 0.75
		if sep == ' ' {
			base, needCtx = 0.5, true
		}
	default:
		return dst
	}
	if !ssnValid(w.digits(0, w.ng-1)) {
		return dst
	}
	if needCtx && !d.c.positive(text, w.start, ssnCtx) {
		return dst
	}
	pos, neg := d.c.context(text, w.start, ssnCtx)
	if pos {
		base += ctxBoost
	}
	if neg {
		base -= ctxPenalty
	}
	return d.c.appendMatch(dst, KindUSSSN, w.start, w.end, base)
}

// ssnValid applies the SSA's never-issued rules to 9 ASCII digits.
func ssnValid(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	area := int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	if area == 0 || area == 666 || area >= 900 {
		return false
	}
	if d[3] == '0' && d[4] == '0' {
		return false
	}
	if string(d[5:]) == "0000" {
		return false
	}
	switch string(d) {
	case "078051120", "219099999":
		return false
	}
	return true
}
