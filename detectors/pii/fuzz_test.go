package pii

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/winnow-data/winnow/detectors"
)

// Fuzz targets for every parser and validator. Each must accept arbitrary
// bytes, including invalid UTF-8, without panicking, and keep its
// algebraic properties. Seeds live in testdata/fuzz/<Target>/.

func isASCIIDigits(b []byte) bool { return len(b) > 0 && allDigits(b) }

func FuzzLuhn(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		luhnValid(b)
		if isASCIIDigits(b) && len(b) < 64 {
			full := append(bytes.Clone(b), luhnCheckDigit(b))
			if !luhnValid(full) {
				t.Fatalf("%s + check digit is not Luhn valid", b)
			}
		}
	})
}

func FuzzVerhoeff(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		verhoeffValid(b)
		if isASCIIDigits(b) && len(b) < 64 {
			full := append(bytes.Clone(b), verhoeffCheckDigit(b))
			if !verhoeffValid(full) {
				t.Fatalf("%s + check digit is not Verhoeff valid", b)
			}
			// Verhoeff catches every single-digit error.
			wrong := bytes.Clone(full)
			wrong[0] = '0' + (wrong[0]-'0'+1)%10
			if verhoeffValid(wrong) {
				t.Fatalf("single-digit error in %s not caught", full)
			}
		}
	})
}

func FuzzIBANMod97(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		rem, ok := ibanMod97(b)
		if ok && (rem < 0 || rem > 96) {
			t.Fatalf("remainder %d", rem)
		}
	})
}

func FuzzGB11643(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		cnidValid(b)
		c, ok := gb11643CheckChar(b)
		if ok != (len(b) == 17 && allDigits(b)) {
			t.Fatalf("gb11643CheckChar(%q) ok = %v", b, ok)
		}
		if ok && !(c == 'X' || c >= '0' && c <= '9') {
			t.Fatalf("check char %q", c)
		}
	})
}

func FuzzBase58Check(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := base58Decode25(b)
		if !ok {
			return
		}
		base58CheckValid(p)
		if enc := base58Encode(nil, p[:]); !bytes.Equal(enc, b) {
			t.Fatalf("round trip %q -> %q", b, enc)
		}
	})
}

func FuzzSegwit(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if segwitValid(b) && (len(b) < 14 || len(b) > 90) {
			t.Fatalf("accepted length %d", len(b))
		}
	})
}

func FuzzEIP55(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		eip55Valid(b)
		if len(b) == 40 {
			lower := bytes.ToLower(b)
			for _, c := range lower {
				if !is(c, cHex) {
					return
				}
			}
			eip55Case(lower)
			if !eip55Valid(lower) {
				t.Fatalf("eip55Case(%s) = %s is not valid", b, lower)
			}
		}
	})
}

// FuzzParseIP checks the allocation-free IP parsers against net/netip.
func FuzzParseIP(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.IndexByte(b, '%') >= 0 {
			return // zones never reach the parsers
		}
		want, err := netip.ParseAddr(string(b))
		if a, ok := parseIPv4(b); ok != (err == nil && want.Is4()) || ok && a != want {
			t.Fatalf("parseIPv4(%q) = %v, %v; netip %v, %v", b, a, ok, want, err)
		}
		if a, ok := parseIPv6(b); ok != (err == nil && want.Is6()) || ok && a != want {
			t.Fatalf("parseIPv6(%q) = %v, %v; netip %v, %v", b, a, ok, want, err)
		}
	})
}

func FuzzParseMAC(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var oct [6]byte
		if parseMAC(b, &oct) && len(b) != 17 && len(b) != 14 {
			t.Fatalf("accepted %q", b)
		}
	})
}

// FuzzDigitWindow checks the digit scanners and window parser: windows lie
// in the text, are found in order, and parse into groups that cover them.
func FuzzDigitWindow(f *testing.F) {
	scans := []*digitScan{cardScan, ssnScan, aadhaarScan, cnMobileScan, cnidScan, phoneScan}
	f.Fuzz(func(t *testing.T, text []byte) {
		var w digitWindow
		all := detectors.AppendDigitRuns(nil, text)
		for _, sc := range scans {
			var windows [][2]int
			last := 0
			it := sc.iter(text)
			for {
				s, e, ok := it.next()
				if !ok {
					break
				}
				if s < last || e <= s || e > len(text) {
					t.Fatalf("window [%d,%d) after %d in %d bytes", s, e, last, len(text))
				}
				last = e
				windows = append(windows, [2]int{s, e})
				w.parse(text, s, e)
				if !w.over && (w.ng == 0 || w.g[0].s != s || w.g[w.ng-1].e != e || w.n < sc.minTotal) {
					t.Fatalf("window %q parsed into %d groups, %d digits", text[s:e], w.ng, w.n)
				}
			}
			// The windows formed from the digit runs are the same, given
			// every run or only those of qualifying chains.
			for _, runs := range [][]detectors.DigitRun{all, qualifyingRuns(all, sc.chain())} {
				var got [][2]int
				ri := sc.runIter(text, runs)
				for {
					s, e, ok := ri.next()
					if !ok {
						break
					}
					got = append(got, [2]int{s, e})
				}
				if !slices.Equal(got, windows) {
					t.Fatalf("run windows %v, scan windows %v in %q", got, windows, text)
				}
			}
		}
	})
}

func FuzzContextTerms(f *testing.F) {
	f.Fuzz(func(t *testing.T, text []byte, start uint16) {
		c := newConfig(DefaultOptions())
		s := int(start) % (len(text) + 1)
		for _, k := range []*ctx{ssnCtx, phoneCtx, cardCtx, cnidCtx} {
			c.context(text, s, k)
		}
	})
}

// FuzzPhoneValidation checks the allocation-free numbering-plan check
// against libphonenumber on arbitrary digit strings.
func FuzzPhoneValidation(f *testing.F) {
	p := newPhonePlan(nil)
	f.Fuzz(func(t *testing.T, digits []byte) {
		if !isASCIIDigits(digits) || len(digits) < 4 || len(digits) > 17 {
			return
		}
		l := callingCodeLen(digits)
		if l == 0 {
			return
		}
		cp := p.cc[num(digits[:l])]
		for _, m := range cp.metas {
			if m.GetNationalPrefixTransformRule() != "" {
				return // not replicated, see regionRules.transform
			}
		}
		got := cp.validIntl(digits[l:])
		n, err := phonenumbers.Parse("+"+string(digits), "ZZ")
		want := err == nil && phonenumbers.IsValidNumber(n) && strconv.Itoa(int(n.GetCountryCode())) == string(digits[:l])
		if got != want {
			t.Fatalf("+%s: got %v, libphonenumber %v", digits, got, want)
		}
	})
}
