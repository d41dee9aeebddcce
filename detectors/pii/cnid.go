package pii

import "github.com/winnow-data/winnow/detectors"

// CNResidentID detects 18-character PRC resident identity card numbers
// (GB 11643-1999): a province-level region code in use, a birth date
// between 1900-01-01 and 2025-12-31 that exists in the calendar, a
// sequence code and the ISO 7064 MOD 11-2 check character (a digit or X).
// The number must not be part of a longer run of digits.
//
// CNResidentID is immutable and safe for concurrent use.
type CNResidentID struct{ c *config }

var _ detectors.Detector = (*CNResidentID)(nil)
var _ detectors.Exampler = (*CNResidentID)(nil)
var _ detectors.DigitWindowed = (*CNResidentID)(nil)

// ID returns "pii.cn_resident_id".
func (*CNResidentID) ID() string { return KindCNResidentID }

// Version returns the detector's output version.
func (*CNResidentID) Version() string { return version }

// Kinds returns the single kind pii.cn_resident_id. The slice is fresh.
func (*CNResidentID) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindCNResidentID, Description: "PRC resident identity card number (GB 11643)", Severity: detectors.SeverityHigh}}
}

var cnidScan = newDigitScan(0, 0, 17, 17, 17) // gaps, max gap, min run, min digits, min bytes

const (
	cnidMinYear = 1900
	cnidMaxYear = 2025
)

var cnidCtx = newCtx(
	[]string{"身份证", "身份证号", "身份证号码", "公民身份号码", "证件号", "证件号码", "id card", "resident id", "id number", "id no"},
	negCommonList,
)

// Detect appends every resident ID number in text to dst.
func (d *CNResidentID) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	var w digitWindow
	it := cnidScan.iter(text)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// DigitChain returns the digit chains that can hold resident ID numbers (see
// detectors.DigitWindowed).
func (*CNResidentID) DigitChain() detectors.DigitChain { return cnidScan.chain() }

// DetectDigits is Detect over the windows formed by the digit runs found by
// the Set's shared digit pass (see detectors.DigitWindowed).
func (d *CNResidentID) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	var w digitWindow
	it := cnidScan.runIter(text, runs)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

func (d *CNResidentID) check(dst []detectors.Match, text []byte, s, e int, w *digitWindow) []detectors.Match {
	if wordBefore(text, s) {
		return dst
	}
	w.parse(text, s, e)
	if w.over || w.maxRun < cnidScan.minRun || w.ng != 1 {
		return dst
	}
	var id [18]byte
	end := w.end
	switch w.n {
	case 18:
		copy(id[:], w.d[:18])
	case 17:
		copy(id[:], w.d[:17])
		switch {
		case end < len(text) && (text[end] == 'X' || text[end] == 'x'):
			end++
		case end+3 <= len(text) && string(text[end:end+3]) == "Ｘ":
			end += 3
		default:
			return dst
		}
		id[17] = 'X'
	default:
		return dst
	}
	if wordAfter(text, end) || !cnidValid(id[:]) {
		return dst
	}
	return d.c.appendMatch(dst, KindCNResidentID, w.start, end, d.c.score(0.9, text, w.start, cnidCtx))
}

// cnProvinces holds the first two digits of every province-level region.
var cnProvinces = [100]bool{
	11: true, 12: true, 13: true, 14: true, 15: true,
	21: true, 22: true, 23: true,
	31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 37: true,
	41: true, 42: true, 43: true, 44: true, 45: true, 46: true,
	50: true, 51: true, 52: true, 53: true, 54: true,
	61: true, 62: true, 63: true, 64: true, 65: true,
	71: true, 81: true, 82: true,
}

// cnidValid checks region, birth date and check character of an 18-byte
// ID (17 ASCII digits and a digit or 'X').
func cnidValid(id []byte) bool {
	if len(id) != 18 {
		return false
	}
	for _, c := range id[:17] {
		if c-'0' >= 10 {
			return false
		}
	}
	if !cnProvinces[int(id[0]-'0')*10+int(id[1]-'0')] {
		return false
	}
	if !validDate(num(id[6:10]), num(id[10:12]), num(id[12:14]), cnidMinYear, cnidMaxYear) {
		return false
	}
	want, ok := gb11643CheckChar(id[:17])
	return ok && want == id[17]
}

// num parses ASCII digits (callers have checked them).
func num(d []byte) int {
	v := 0
	for _, c := range d {
		v = v*10 + int(c-'0')
	}
	return v
}

// validDate reports whether y-m-d exists and y is within [minY, maxY].
func validDate(y, m, d, minY, maxY int) bool {
	if y < minY || y > maxY || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}
