package pii

import "github.com/winnow-data/winnow/detectors"

// INAadhaar detects Indian Aadhaar numbers: 12 digits, the first 2-9, with
// a valid Verhoeff check digit, written 4-4-4 with one kind of separator
// (space or dash) or, only after a term such as "aadhaar" or "uid", as 12
// digits in a row. Numbers of one repeated digit are rejected.
//
// INAadhaar is immutable and safe for concurrent use.
type INAadhaar struct{ c *config }

var _ detectors.Detector = (*INAadhaar)(nil)
var _ detectors.Exampler = (*INAadhaar)(nil)
var _ detectors.DigitWindowed = (*INAadhaar)(nil)

// ID returns "pii.in_aadhaar".
func (*INAadhaar) ID() string { return KindINAadhaar }

// Version returns the detector's output version.
func (*INAadhaar) Version() string { return version }

// Kinds returns the single kind pii.in_aadhaar. The slice is fresh.
func (*INAadhaar) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindINAadhaar, Description: "Indian Aadhaar number (Verhoeff valid)", Severity: detectors.SeverityHigh}}
}

var aadhaarScan = newDigitScan(cGapSD, 1, 4, 12, 12) // gaps, max gap, min run, min digits, min bytes

var aadhaarCtx = newCtx(
	[]string{"aadhaar", "aadhar", "adhaar", "uid", "uidai", "aadhaar no", "आधार", "आधार संख्या"},
	negCommonList,
)

// Detect appends every Aadhaar number in text to dst.
func (d *INAadhaar) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	var w digitWindow
	it := aadhaarScan.iter(text)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// DigitChain returns the digit chains that can hold Aadhaar numbers (see
// detectors.DigitWindowed).
func (*INAadhaar) DigitChain() detectors.DigitChain { return aadhaarScan.chain() }

// DetectDigits is Detect over the windows formed by the digit runs found by
// the Set's shared digit pass (see detectors.DigitWindowed).
func (d *INAadhaar) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	var w digitWindow
	it := aadhaarScan.runIter(text, runs)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

func (d *INAadhaar) check(dst []detectors.Match, text []byte, s, e int, w *digitWindow) []detectors.Match {
	if wordBefore(text, s) || wordAfter(text, e) {
		return dst
	}
	w.parse(text, s, e)
	if w.over || w.maxRun < aadhaarScan.minRun || w.n != 12 {
		return dst
	}
	base := 0.8
	needCtx := false
	switch {
	case w.ng == 1:
		base, needCtx = 0.5, true
	case w.groupsAre(0, 2, 4, 4, 4):
		if _, ok := w.sameGaps(text, 0, 2); !ok {
			return dst
		}
	default:
		return dst
	}
	digits := w.digits(0, w.ng-1)
	if !aadhaarValid(digits) {
		return dst
	}
	if needCtx && !d.c.positive(text, w.start, aadhaarCtx) {
		return dst
	}
	pos, neg := d.c.context(text, w.start, aadhaarCtx)
	if pos {
		base += ctxBoost
	}
	if neg {
		base -= ctxPenalty
	}
	return d.c.appendMatch(dst, KindINAadhaar, w.start, w.end, base)
}

// aadhaarValid checks 12 ASCII digits: first digit 2-9, not one repeated
// digit, Verhoeff valid.
func aadhaarValid(d []byte) bool {
	return len(d) == 12 && d[0] >= '2' && d[0] <= '9' && !allSame(d) && verhoeffValid(d)
}
