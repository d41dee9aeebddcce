package pii

import "github.com/winnow-data/winnow/detectors"

// CreditCard detects payment card numbers (PANs): a known issuer range
// (Visa, Mastercard incl. 2221-2720, American Express, Discover, JCB,
// UnionPay, Diners Club, Maestro) with a length that brand issues, a valid
// Luhn check digit, and either no separators or one separator (space or
// dash) used consistently in a standard grouping (4-4-4-4, 4-4-4-4-3,
// 4-6-5, 4-6-4).
//
// CreditCard is immutable and safe for concurrent use.
type CreditCard struct{ c *config }

var _ detectors.Detector = (*CreditCard)(nil)
var _ detectors.Exampler = (*CreditCard)(nil)
var _ detectors.DigitWindowed = (*CreditCard)(nil)

// ID returns "pii.credit_card".
func (*CreditCard) ID() string { return KindCreditCard }

// Version returns the detector's output version.
func (*CreditCard) Version() string { return version }

// Kinds returns the single kind pii.credit_card. The slice is fresh.
func (*CreditCard) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindCreditCard, Description: "payment card number (Luhn-valid, known issuer range)", Severity: detectors.SeverityHigh}}
}

var cardScan = newDigitScan(cGapSD, 1, 4, 12, 12) // gaps, max gap, min run, min digits, min bytes

var cardCtx = newCtx(
	[]string{"card", "credit", "debit", "visa", "mastercard", "amex", "american express", "discover", "jcb", "unionpay", "diners", "maestro", "cc", "pan", "payment", "信用卡", "银行卡", "卡号", "借记卡"},
	negCommonList,
)

// Detect appends every card number in text to dst.
func (d *CreditCard) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	var w digitWindow
	it := cardScan.iter(text)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// DigitChain returns the digit chains that can hold card numbers (see
// detectors.DigitWindowed).
func (*CreditCard) DigitChain() detectors.DigitChain { return cardScan.chain() }

// DetectDigits is Detect over the windows formed by the digit runs found by
// the Set's shared digit pass (see detectors.DigitWindowed).
func (d *CreditCard) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	var w digitWindow
	it := cardScan.runIter(text, runs)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// check tries the whole window, then sub-chains split at spaces, longest
// first from the left.
func (d *CreditCard) check(dst []detectors.Match, text []byte, s, e int, w *digitWindow) []detectors.Match {
	if wordBefore(text, s) || wordAfter(text, e) {
		return dst
	}
	w.parse(text, s, e)
	if w.over || w.maxRun < cardScan.minRun || w.n < 12 {
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
			if conf, ok := cardCandidate(text, w, a, b); ok {
				s, e := w.g[a].s, w.g[b].e
				dst = d.c.appendMatch(dst, KindCreditCard, s, e, d.c.score(conf, text, s, cardCtx))
				a = b
				break
			}
		}
	}
	return dst
}

// cardCandidate validates groups a..b of w as one card number.
func cardCandidate(text []byte, w *digitWindow, a, b int) (float64, bool) {
	digits := w.digits(a, b)
	if len(digits) < 12 || len(digits) > 19 {
		return 0, false
	}
	if _, ok := w.sameGaps(text, a, b); !ok {
		return 0, false
	}
	if !cardGrouping(w, a, b) {
		return 0, false
	}
	if !cardBrandLength(digits) || !luhnValid(digits) || allSame(digits) {
		return 0, false
	}
	return 0.85, true
}

// cardGrouping accepts one group, or 4-4-...-4 with a last group of 1..4,
// or 4-6-5 / 4-6-4.
func cardGrouping(w *digitWindow, a, b int) bool {
	if a == b {
		return true
	}
	if w.groupsAre(a, b, 4, 6, 5) || w.groupsAre(a, b, 4, 6, 4) {
		return true
	}
	for k := a; k < b; k++ {
		if w.g[k].len() != 4 {
			return false
		}
	}
	return w.g[b].len() >= 1 && w.g[b].len() <= 4
}

// cardBrand identifies the issuer of a PAN from its leading digits and
// returns the number of leading digits that identify the brand. ok is false
// for unknown ranges or a length the brand does not issue.
func cardBrand(d []byte) (prefixLen int, ok bool) {
	n := len(d)
	p := func(k int) int { // first k digits as a number
		v := 0
		for i := 0; i < k && i < n; i++ {
			v = v*10 + int(d[i]-'0')
		}
		return v
	}
	in := func(lo, hi int) bool { return n >= lo && n <= hi }
	switch {
	case d[0] == '4': // Visa
		return 1, n == 13 || n == 16 || n == 19
	case p(2) >= 51 && p(2) <= 55: // Mastercard
		return 2, n == 16
	case p(4) >= 2221 && p(4) <= 2720: // Mastercard 2-series
		return 4, n == 16
	case p(2) == 34 || p(2) == 37: // American Express
		return 2, n == 15
	case p(6) >= 622126 && p(6) <= 622925: // Discover / UnionPay co-brand
		return 6, in(16, 19)
	case p(4) == 6011: // Discover
		return 4, in(16, 19)
	case p(3) >= 644 && p(3) <= 649: // Discover
		return 3, in(16, 19)
	case p(2) == 65: // Discover
		return 2, in(16, 19)
	case p(2) == 62: // UnionPay
		return 2, in(16, 19)
	case p(4) >= 3528 && p(4) <= 3589: // JCB
		return 4, in(16, 19)
	case p(2) == 36: // Diners Club International
		return 2, in(14, 19)
	case p(3) >= 300 && p(3) <= 305: // Diners Club Carte Blanche
		return 3, in(14, 19)
	case p(4) == 3095: // Diners Club
		return 4, in(14, 19)
	case p(2) == 38 || p(2) == 39: // Diners Club
		return 2, in(14, 19)
	}
	switch p(4) { // Maestro
	case 5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763:
		return 4, in(12, 19)
	}
	return 0, false
}

func cardBrandLength(d []byte) bool {
	if len(d) == 0 {
		return false
	}
	_, ok := cardBrand(d)
	return ok
}

func allSame(d []byte) bool {
	for _, c := range d[1:] {
		if c != d[0] {
			return false
		}
	}
	return true
}
