package pii

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// The reference implementation finds candidate windows with one plain
// regular expression per detector over the whole value, and validates them
// with the same validators as the fast path. Agreement proves that the fast
// scans (skipping by minimum run length, '@' / "://" search, chain
// expansion) never hide a window a full scan finds.

const refDigit = `[0-9\x{FF10}-\x{FF19}\x{0660}-\x{0669}\x{06F0}-\x{06F9}\x{0966}-\x{096F}]`

func digitChainRE(gap string, maxGap int) *regexp.Regexp {
	if maxGap == 0 {
		return regexp.MustCompile(refDigit + `+`)
	}
	return regexp.MustCompile(fmt.Sprintf(`%s+(?:%s{1,%d}%s+)*`, refDigit, gap, maxGap, refDigit))
}

var (
	refCardRE     = digitChainRE(`[ \-]`, 1)
	refPhoneRE    = digitChainRE(`[ \-.()]`, 3)
	refCNIDRE     = digitChainRE(``, 0)
	refEmailRE    = regexp.MustCompile(`[A-Za-z0-9._%+\-\p{L}\p{M}\p{N}]+@[A-Za-z0-9.\-\p{L}\p{M}\p{N}]+`)
	refURLRE      = regexp.MustCompile("://[^ \\t\\n\\r\\v\\f/?#\"'<>\\\\`]*")
	refIPv4RE     = regexp.MustCompile(`[0-9.]+`)
	refIPv6RE     = regexp.MustCompile(`[0-9A-Fa-f:.]+`)
	refMACRE      = regexp.MustCompile(`[0-9A-Fa-f:.\-]+`)
	refAlnumRE    = regexp.MustCompile(`[0-9A-Za-z]+`)
	refIBANRE     = regexp.MustCompile(`[A-Z0-9]+(?: [A-Z0-9]+)*`)
	refDigitCheck = map[string]*regexp.Regexp{
		KindCreditCard: refCardRE, KindUSSSN: refCardRE, KindINAadhaar: refCardRE,
		KindCNMobile: refCardRE, KindPhone: refPhoneRE,
		KindCNResidentID: refCNIDRE,
	}
)

// refDetect runs the reference implementation of detector d.
func refDetect(d detectors.Detector, dst []detectors.Match, text []byte) []detectors.Match {
	each := func(re *regexp.Regexp, f func(s, e int)) {
		for _, loc := range re.FindAllIndex(text, -1) {
			f(loc[0], loc[1])
		}
	}
	var w digitWindow
	digit := func(check func([]detectors.Match, []byte, int, int, *digitWindow) []detectors.Match) {
		each(refDigitCheck[d.ID()], func(s, e int) { dst = check(dst, text, s, e, &w) })
	}
	switch d := d.(type) {
	case *CreditCard:
		digit(d.check)
	case *USSSN:
		digit(d.check)
	case *INAadhaar:
		digit(d.check)
	case *CNMobile:
		digit(d.check)
	case *UKNINO:
		each(refIBANRE, func(s, e int) { dst = d.check(dst, text, s, e) })
	case *Phone:
		digit(d.check)
	case *CNResidentID:
		digit(d.check)
	case *Email:
		each(refEmailRE, func(s, e int) {
			at := s + bytes.IndexByte(text[s:e], '@')
			dst = d.check(dst, text, s, at, e)
		})
	case *URLCredentials:
		each(refURLRE, func(s, e int) { dst = d.check(dst, text, s, e) })
	case *IPAddress:
		base := len(dst)
		each(refIPv6RE, func(s, e int) { dst = d.checkV6(dst, text, s, e) })
		nv6 := len(dst)
		each(refIPv4RE, func(s, e int) { dst = d.checkV4(dst, text, s, e, dst[base:nv6]) })
		sortMatches(dst[base:])
	case *MACAddress:
		each(refMACRE, func(s, e int) { dst = d.check(dst, text, s, e) })
	case *CryptoWallet:
		each(refAlnumRE, func(s, e int) { dst = d.check(dst, text, s, e) })
	case *IBAN:
		each(refIBANRE, func(s, e int) { dst = d.check(dst, text, s, e) })
	default:
		panic("no reference for " + d.ID())
	}
	return dst
}

// agree compares fast and reference results of every detector on text.
func agree(t testing.TB, ds []detectors.Detector, text []byte) {
	t.Helper()
	for _, d := range ds {
		fast := d.Detect(nil, text)
		ref := refDetect(d, nil, text)
		if !reflect.DeepEqual(fast, ref) {
			t.Fatalf("%s disagrees on %q:\nfast %v\nref  %v", d.ID(), text, fast, ref)
		}
		for _, m := range fast {
			if m.Start < 0 || m.End > len(text) || m.Start >= m.End || m.Confidence <= 0 || m.Confidence > 1 {
				t.Fatalf("%s: bad match %+v on %q", d.ID(), m, text)
			}
		}
		if wd, ok := d.(detectors.Windowed); ok {
			if got := wd.DetectHits(nil, text, keywordHits(wd.Keywords(), text)); !reflect.DeepEqual(got, fast) {
				t.Fatalf("%s: DetectHits %v, Detect %v on %q", d.ID(), got, fast, text)
			}
		}
		if dw, ok := d.(detectors.DigitWindowed); ok {
			agreeDigits(t, dw, text, fast)
		}
	}
}

// agreeDigits checks DetectDigits against Detect's result fast, given every
// digit run of text and given only the runs of qualifying chains (as the
// Set passes them), and that Detect finds nothing without such a chain.
func agreeDigits(t testing.TB, dw detectors.DigitWindowed, text []byte, fast []detectors.Match) {
	t.Helper()
	all := detectors.AppendDigitRuns(nil, text)
	if got := dw.DetectDigits(nil, text, all); !reflect.DeepEqual(got, fast) {
		t.Fatalf("%s: DetectDigits(all runs) %v, Detect %v on %q", dw.ID(), got, fast, text)
	}
	c := dw.DigitChain()
	chained := qualifyingRuns(all, c)
	if len(chained) == 0 && c.MinDigits > 0 {
		if len(fast) > 0 {
			t.Fatalf("%s: Detect found %v without a chain qualifying under %+v in %q", dw.ID(), fast, c, text)
		}
		return
	}
	if got := dw.DetectDigits(nil, text, chained); !reflect.DeepEqual(got, fast) {
		t.Fatalf("%s: DetectDigits(chained runs) %v, Detect %v on %q", dw.ID(), got, fast, text)
	}
}

// qualifyingRuns returns the runs of the chains that qualify under c, as
// detectors.DigitChain defines them.
func qualifyingRuns(runs []detectors.DigitRun, c detectors.DigitChain) []detectors.DigitRun {
	if c.MinDigits <= 0 {
		return runs
	}
	var out []detectors.DigitRun
	for k := 0; k < len(runs); {
		j, total := k, runs[k].Digits
		for j+1 < len(runs) && runs[j+1].Start-runs[j].End <= c.MaxGap {
			j++
			total += runs[j].Digits
		}
		if total >= c.MinDigits {
			out = append(out, runs[k:j+1]...)
		}
		k = j + 1
	}
	return out
}

// agreeSet checks that a Set compiled from ds reports, per detector,
// exactly what the detector's own Detect reports.
func agreeSet(t testing.TB, set *detectors.Set, sc *detectors.Scratch, text []byte) {
	t.Helper()
	hits := set.Detect(nil, text, sc)
	for i, d := range set.Detectors() {
		var got []detectors.Match
		for _, h := range hits {
			if int(h.Det) == i {
				got = append(got, h.Match)
			}
		}
		if want := d.Detect(nil, text); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Set %v, Detect %v on %q", d.ID(), got, want, text)
		}
	}
}

// mixedCorpus returns the committed mixed texts plus every example text.
func mixedCorpus(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "mixed", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no mixed corpus: %v", err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
		// Each line alone, too: boundaries at the value's edges matter.
		out = append(out, bytes.Split(b, []byte("\n"))...)
	}
	for _, d := range Detectors(DefaultOptions()) {
		for _, e := range d.(detectors.Exampler).Examples() {
			out = append(out, []byte(e.Text))
		}
	}
	for _, s := range digitEdgeCases {
		out = append(out, []byte(s))
	}
	return out
}

// digitEdgeCases are values where finding windows from the Set's digit runs
// could go wrong: several matches in one chain, ASCII digits after a
// Unicode digit in the same run, runs at the value's edges.
var digitEdgeCases = []string{
	"IBANs DE89 3704 0044 0532 0130 00 GB82 WEST 1234 5698 7654 32 in one chain",
	"NINOs AB 12 34 56 C AB123456C CE 123456 D in one chain",
	"wallet １0xabcdefabcdefabcdefabcdefabcdefabcdefabcd after a full-width digit",
	"btc ٣1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa and ०3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
	"IBAN ۱DE89370400440532013000 and NINO १AB123456C",
	"4111 1111 1111 1111 4111-1111-1111-1111 415-555-2671 536-22-8495 2345 6789 0124",
	"8.8.8.8",
	"ip 1.1.1.1.2 8.8.8.8 9.9.9.9.",
	"0x52908400098527886E0F7030069857D2E4169EE7",
}

func allOptionSets() []Options {
	def := DefaultOptions()
	open := DefaultOptions()
	open.IP = IPOptions{}
	open.MinConfidence = 0
	open.PhoneRegions = []string{"US", "GB", "DE", "FR", "AU", "CN", "IN", "IT"}
	return []Options{def, open}
}

func TestFastPathAgreesWithReference(t *testing.T) {
	corpus := mixedCorpus(t)
	for i, opt := range allOptionSets() {
		ds := Detectors(opt)
		set := detectors.Compile(detectors.MustRegistry(ds...), nil)
		var sc detectors.Scratch
		t.Run(fmt.Sprintf("options%d", i), func(t *testing.T) {
			found := map[string]int{}
			for _, text := range corpus {
				agree(t, ds, text)
				agreeSet(t, set, &sc, text)
				for _, d := range ds {
					for _, m := range d.Detect(nil, text) {
						found[m.Kind]++
					}
				}
			}
			// The corpus must exercise every detector, or agreement
			// proves little.
			for _, d := range ds {
				if found[d.ID()] == 0 {
					t.Errorf("corpus has no %s finding", d.ID())
				}
			}
		})
	}
}

func FuzzDetectAgreesWithReference(f *testing.F) {
	for _, text := range mixedCorpus(f) {
		if len(text) < 512 {
			f.Add(text)
		}
	}
	sets := [][]detectors.Detector{}
	var compiled []*detectors.Set
	for _, opt := range allOptionSets() {
		ds := Detectors(opt)
		sets = append(sets, ds)
		compiled = append(compiled, detectors.Compile(detectors.MustRegistry(ds...), nil))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var sc detectors.Scratch
		for i, ds := range sets {
			agree(t, ds, text)
			agreeSet(t, compiled[i], &sc, text)
		}
	})
}

// keywordHits lists every ASCII case-insensitive occurrence of the
// keywords in text, sorted by position, as the Set's index reports them.
func keywordHits(kws []string, text []byte) []detectors.KeywordHit {
	lower := make([]byte, len(text))
	for i, c := range text {
		lower[i] = lowerASCII(c)
	}
	var hits []detectors.KeywordHit
	for i := range text {
		for k, kw := range kws {
			if bytes.HasPrefix(lower[i:], []byte(kw)) {
				hits = append(hits, detectors.KeywordHit{Pos: i, Keyword: int32(k)})
			}
		}
	}
	return hits
}
