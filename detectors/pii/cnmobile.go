package pii

import "github.com/winnow-data/winnow/detectors"

// CNMobile detects mainland China mobile numbers: 11 digits 1[3-9]x whose
// first three digits are an allocated operator prefix (China Mobile,
// Unicom, Telecom, Broadnet, MVNO and data ranges), optionally after +86 or
// 86, written compact or grouped 3-4-4 / 3-8 with one kind of separator.
// The number must not be part of a longer digit run.
//
// CNMobile is immutable and safe for concurrent use.
type CNMobile struct{ c *config }

var _ detectors.Detector = (*CNMobile)(nil)
var _ detectors.Exampler = (*CNMobile)(nil)
var _ detectors.DigitWindowed = (*CNMobile)(nil)

// ID returns "pii.cn_mobile".
func (*CNMobile) ID() string { return KindCNMobile }

// Version returns the detector's output version.
func (*CNMobile) Version() string { return version }

// Kinds returns the single kind pii.cn_mobile. The slice is fresh.
func (*CNMobile) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindCNMobile, Description: "mainland China mobile phone number", Severity: detectors.SeverityMedium}}
}

var cnMobileScan = newDigitScan(cGapSD, 1, 4, 11, 11) // gaps, max gap, min run, min digits, min bytes

var cnMobileCtx = newCtx(
	[]string{"手机", "手机号", "手机号码", "电话", "联系电话", "联系方式", "联系", "致电", "微信", "mobile", "phone", "tel", "cell", "call", "whatsapp"},
	negCommonList,
)

// cnMobilePrefixes marks the allocated 3-digit prefixes 130-199.
var cnMobilePrefixes = func() (t [100]bool) {
	for _, r := range [][2]int{
		{30, 39}, {45, 49}, {50, 53}, {55, 59}, {62, 62}, {65, 67},
		{70, 78}, {80, 89}, {90, 93}, {95, 99},
	} {
		for p := r[0]; p <= r[1]; p++ {
			t[p] = true
		}
	}
	return t
}()

// Detect appends every mainland China mobile number in text to dst.
func (d *CNMobile) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	var w digitWindow
	it := cnMobileScan.iter(text)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// DigitChain returns the digit chains that can hold mobile numbers (see
// detectors.DigitWindowed).
func (*CNMobile) DigitChain() detectors.DigitChain { return cnMobileScan.chain() }

// DetectDigits is Detect over the windows formed by the digit runs found by
// the Set's shared digit pass (see detectors.DigitWindowed).
func (d *CNMobile) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	var w digitWindow
	it := cnMobileScan.runIter(text, runs)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// check tries sub-chains of the window split at spaces, longest first.
func (d *CNMobile) check(dst []detectors.Match, text []byte, s, e int, w *digitWindow) []detectors.Match {
	if wordBefore(text, s) || wordAfter(text, e) {
		return dst
	}
	w.parse(text, s, e)
	if w.over || w.maxRun < cnMobileScan.minRun || w.n < 11 {
		return dst
	}
	for a := 0; a < w.ng; a++ {
		if a > 0 && text[w.g[a].s-1] != ' ' {
			continue
		}
		for b := w.ng - 1; b >= a; b-- {
			if b < w.ng-1 && text[w.g[b].e] != ' ' {
				continue
			}
			if s, ok := cnMobileCandidate(text, w, a, b); ok {
				dst = d.c.appendMatch(dst, KindCNMobile, s, w.g[b].e, d.c.score(0.85, text, s, cnMobileCtx))
				a = b
				break
			}
		}
	}
	return dst
}

// cnMobileCandidate validates groups a..b and returns the match start
// (which includes a leading '+').
func cnMobileCandidate(text []byte, w *digitWindow, a, b int) (start int, ok bool) {
	digits := w.digits(a, b)
	start = w.g[a].s
	plus := start > 0 && text[start-1] == '+'
	if plus && !(a == 0) {
		return 0, false
	}
	first := a // first group of the national number
	switch {
	case len(digits) == 13 && digits[0] == '8' && digits[1] == '6':
		digits = digits[2:]
		switch w.g[a].len() {
		case 2:
			first = a + 1 // "86 138 0013 8000": the separator after 86 may differ
		case 13:
		default:
			return 0, false
		}
		if plus {
			start--
		}
	case len(digits) == 11 && !plus:
	default:
		return 0, false
	}
	if digits[0] != '1' || !cnMobilePrefixes[int(digits[1]-'0')*10+int(digits[2]-'0')] {
		return 0, false
	}
	if _, same := w.sameGaps(text, first, b); !same {
		return 0, false
	}
	if !(first == b || w.groupsAre(first, b, 3, 4, 4) || w.groupsAre(first, b, 3, 8)) {
		return 0, false
	}
	return start, true
}
