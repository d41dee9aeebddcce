// Package pii implements winnow's personal-data detectors: one Detector per
// pii.* kind (DESIGN §6), each with real validation (checksums, numbering
// plans, registries of valid ranges) and context scoring.
//
// Every detector follows the same shape: one cheap byte scan finds candidate
// windows (digit chains, '@', "://", ':' and '.' between digits, long
// alphanumeric runs, ...), and only those windows go to the validator. The
// scans probe one byte per minimum match length (Horspool-style), or use
// vectorized byte search, so most of a value is never looked at byte by
// byte, and no regular expression runs over whole values. No detector has
// Keywords: each scan is cheaper than the Set's shared keyword pass. Detect
// does not allocate beyond growing dst (package regexp, used on phone
// candidates, may refill its internal pools after a GC).
//
// All detectors but Email, MACAddress and URLCredentials (whose matches
// need not hold a digit) are also detectors.DigitWindowed: in a
// detectors.Set they do not scan the value for digits themselves but build
// their windows from the digit runs of the Set's one shared digit pass
// (digit chains for the numeric kinds, the token or chain around an ASCII
// digit for IBAN, NINO and wallets, the dots between runs for IPv4), and
// are not called at all on values without a chain they could use
// (IPAddress is called on every value and still searches for the ':' of
// IPv6 addresses, which may hold no decimal digit). DetectDigits and Detect
// report exactly the same matches; the tests check this against the
// reference scan.
//
// Unicode digit forms (full-width ０-９, Arabic-Indic, extended
// Arabic-Indic and Devanagari digits) count as digits for the numeric kinds;
// reported offsets always point into the original bytes.
//
// All detectors are immutable after construction and safe for concurrent
// use. Build them with Detectors.
package pii

import "github.com/winnow-data/winnow/detectors"

// Kind names reported by this package (DESIGN §6).
const (
	KindEmail          = "pii.email"
	KindPhone          = "pii.phone"
	KindCreditCard     = "pii.credit_card"
	KindIBAN           = "pii.iban"
	KindUSSSN          = "pii.us_ssn"
	KindIPAddress      = "pii.ip_address"
	KindMACAddress     = "pii.mac_address"
	KindCNResidentID   = "pii.cn_resident_id"
	KindCNMobile       = "pii.cn_mobile"
	KindUKNINO         = "pii.uk_nino"
	KindINAadhaar      = "pii.in_aadhaar"
	KindCryptoWallet   = "pii.crypto_wallet"
	KindURLCredentials = "pii.url_credentials"
)

// version is the output version shared by every detector of the package; it
// changes whenever any detector's output can change.
const version = "1.0.0"

// Detectors returns one detector per pii kind, configured by opt. Invalid
// option values (see Options.Validate) are replaced by their defaults, so
// the result is always usable; callers that load options from a file should
// call Validate first to report mistakes. The returned detectors are
// immutable and safe for concurrent use; the slice is the caller's.
func Detectors(opt Options) []detectors.Detector {
	c := newConfig(opt)
	return []detectors.Detector{
		&Email{c: c},
		&Phone{c: c, p: newPhonePlan(c.phoneRegions)},
		&CreditCard{c: c},
		&IBAN{c: c},
		&USSSN{c: c},
		&IPAddress{c: c},
		&MACAddress{c: c},
		&CNResidentID{c: c},
		&CNMobile{c: c},
		&UKNINO{c: c},
		&INAadhaar{c: c},
		&CryptoWallet{c: c},
		&URLCredentials{c: c},
	}
}

// appendMatch appends a match if its confidence reaches the configured
// minimum.
func (c *config) appendMatch(dst []detectors.Match, kind string, start, end int, conf float64) []detectors.Match {
	if conf < c.minConfidence {
		return dst
	}
	if conf > 0.99 {
		conf = 0.99
	}
	return append(dst, detectors.Match{Kind: kind, Start: start, End: end, Confidence: conf})
}
