package pii

import "github.com/winnow-data/winnow/detectors"

// IBAN detects International Bank Account Numbers: a country in the SWIFT
// IBAN registry, exactly that country's length, and a correct ISO 7064
// mod-97 check, written either compact ("DE89370400440532013000") or in
// groups of four separated by single spaces ("DE89 3704 0044 0532 0130
// 00"). Letters must be uppercase.
//
// IBAN is immutable and safe for concurrent use.
type IBAN struct{ c *config }

var _ detectors.Detector = (*IBAN)(nil)
var _ detectors.Exampler = (*IBAN)(nil)
var _ detectors.DigitWindowed = (*IBAN)(nil)

// ID returns "pii.iban".
func (*IBAN) ID() string { return KindIBAN }

// Version returns the detector's output version.
func (*IBAN) Version() string { return version }

// Kinds returns the single kind pii.iban. The slice is fresh.
func (*IBAN) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindIBAN, Description: "international bank account number (mod-97 valid)", Severity: detectors.SeverityHigh}}
}

// ibanLengths is the SWIFT IBAN registry: country code -> IBAN length.
var ibanLengths = map[[2]byte]int{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28,
	{'B', 'A'}: 20, {'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'I'}: 27,
	{'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21, {'C', 'R'}: 22, {'C', 'Y'}: 28,
	{'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'J'}: 27, {'D', 'K'}: 18, {'D', 'O'}: 28,
	{'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'K'}: 18,
	{'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'I'}: 23,
	{'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'N'}: 28, {'H', 'R'}: 21,
	{'H', 'U'}: 28, {'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26,
	{'I', 'T'}: 27, {'J', 'O'}: 30, {'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28,
	{'L', 'C'}: 32, {'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21,
	{'L', 'Y'}: 25, {'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'K'}: 19,
	{'M', 'N'}: 20, {'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'I'}: 28,
	{'N', 'L'}: 18, {'N', 'O'}: 15, {'O', 'M'}: 23, {'P', 'K'}: 24, {'P', 'L'}: 28,
	{'P', 'S'}: 29, {'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22,
	{'R', 'U'}: 33, {'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'D'}: 18, {'S', 'E'}: 24,
	{'S', 'I'}: 19, {'S', 'K'}: 24, {'S', 'M'}: 27, {'S', 'O'}: 23, {'S', 'T'}: 25,
	{'S', 'V'}: 28, {'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29,
	{'V', 'A'}: 22, {'V', 'G'}: 24, {'X', 'K'}: 20, {'Y', 'E'}: 30,
}

const (
	ibanMinLen    = 15 // Norway
	ibanMaxLen    = 34
	maxChainGroup = 24
)

var ibanCtx = newCtx(
	[]string{"iban", "account", "bank", "transfer", "wire", "sepa", "konto", "账户", "账号", "银行", "汇款"},
	negCommonList,
)

// ibanScan finds chains of [A-Z0-9] groups joined by single spaces that
// are long enough to hold an IBAN.
var ibanScan = newChainScan(cIBAN, cGapSpace, ibanMinLen)

// Detect appends every IBAN in text to dst.
func (d *IBAN) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	for pos := 0; ; {
		s, e, ok := ibanScan.next(text, pos)
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e)
		pos = e
	}
}

// DigitChain asks for the runs of at least two digits: every IBAN has its
// two check digits in a row (see detectors.DigitWindowed).
func (*IBAN) DigitChain() detectors.DigitChain { return detectors.DigitChain{MinDigits: 2} }

// DetectDigits is Detect over the chains around the check digits of
// possible IBANs, found from the digit runs of the Set's shared digit pass
// (see detectors.DigitWindowed): the run that starts with an IBAN's check
// digits follows its two-letter country code.
func (d *IBAN) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	lo := 0 // end of the last chain looked at
	for _, r := range runs {
		if r.Start < lo || r.Digits < 2 || !upperPairBefore(text, r.Start) {
			continue
		}
		s, e := ibanScan.around(text, lo, r.Start)
		lo = e
		if e-s >= ibanScan.minBytes {
			dst = d.check(dst, text, s, e)
		}
	}
	return dst
}

// upperPairBefore reports two ASCII capital letters right before text[i].
func upperPairBefore(text []byte, i int) bool {
	return i >= 2 && is(text[i-1], cUpper) && is(text[i-2], cUpper)
}

// check validates the chain text[s:e] of space-separated groups.
func (d *IBAN) check(dst []detectors.Match, text []byte, s, e int) []detectors.Match {
	var gs, ge [maxChainGroup]int
	ng := chainGroups(text, s, e, ' ', gs[:], ge[:])
	for a := 0; a < ng; a++ {
		g := text[gs[a]:ge[a]]
		if len(g) < 4 || !is(g[0], cUpper) || !is(g[1], cUpper) || !is(g[2], cDigit) || !is(g[3], cDigit) {
			continue
		}
		want, ok := ibanLengths[[2]byte{g[0], g[1]}]
		if !ok {
			continue
		}
		if a == 0 && wordBefore(text, gs[a]) {
			continue
		}
		last := -1
		switch {
		case len(g) == want:
			last = a
		case len(g) == 4:
			total := 4
			for k := a + 1; k < ng; k++ {
				l := ge[k] - gs[k]
				if l > 4 {
					break
				}
				total += l
				if total == want {
					last = k
					break
				}
				if l < 4 || total > want {
					break
				}
			}
		}
		if last < 0 || (last == ng-1 && wordAfter(text, ge[last])) {
			continue
		}
		var buf [ibanMaxLen]byte
		n := 0
		for k := a; k <= last; k++ {
			n += copy(buf[n:], text[gs[k]:ge[k]])
		}
		if rem, ok := ibanMod97(buf[:n]); !ok || rem != 1 {
			continue
		}
		dst = d.c.appendMatch(dst, KindIBAN, gs[a], ge[last], d.c.score(0.95, text, gs[a], ibanCtx))
		a = last
	}
	return dst
}
