package pii

import "github.com/winnow-data/winnow/detectors"

// CryptoWallet detects cryptocurrency addresses:
//   - Bitcoin legacy addresses (P2PKH "1…", P2SH "3…"): base58 of 25 bytes
//     with the matching version byte and a valid double-SHA256 checksum;
//   - Bitcoin SegWit addresses ("bc1…"): a valid bech32 (witness v0) or
//     bech32m (v1+) checksum and program length (BIP 173 / BIP 350);
//   - Ethereum addresses ("0x" + 40 hex): mixed case must satisfy the
//     EIP-55 Keccak-256 checksum; single-case addresses carry no checksum
//     and are reported with lower confidence.
//
// CryptoWallet is immutable and safe for concurrent use.
type CryptoWallet struct{ c *config }

var _ detectors.Detector = (*CryptoWallet)(nil)
var _ detectors.Exampler = (*CryptoWallet)(nil)
var _ detectors.DigitWindowed = (*CryptoWallet)(nil)

// ID returns "pii.crypto_wallet".
func (*CryptoWallet) ID() string { return KindCryptoWallet }

// Version returns the detector's output version.
func (*CryptoWallet) Version() string { return version }

// Kinds returns the single kind pii.crypto_wallet. The slice is fresh.
func (*CryptoWallet) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindCryptoWallet, Description: "Bitcoin or Ethereum wallet address", Severity: detectors.SeverityMedium}}
}

const cryptoMinRun = 26 // shortest legacy Bitcoin address

var cryptoCtx = newCtx(
	[]string{"btc", "bitcoin", "eth", "ether", "ethereum", "wallet", "address", "send", "pay", "donate", "钱包", "地址", "比特币", "以太坊"},
	[]string{"tx", "txid", "tx hash", "transaction", "hash", "block", "commit", "sha", "keccak", "topic", "contract", "token id", "storage", "slot"},
)

// Detect appends every wallet address in text to dst.
func (d *CryptoWallet) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	for pos := 0; ; {
		s, e, ok := nextRun(text, pos, cAlnum, cryptoMinRun)
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e)
		pos = e
	}
}

// DigitChain asks for every digit run: every address starts with an ASCII
// digit ("1…", "3…", "0x…") or has one right after its prefix ("bc1…"),
// see detectors.DigitWindowed.
func (*CryptoWallet) DigitChain() detectors.DigitChain { return detectors.DigitChain{MinDigits: 1} }

// DetectDigits is Detect over the alphanumeric runs that start where an
// address can start, found from the digit runs of the Set's shared digit
// pass (see detectors.DigitWindowed): at an ASCII digit that no letter or
// ASCII digit precedes, or two bytes before a run whose "1" follows "bc".
// check rejects runs that start any other way.
func (d *CryptoWallet) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	lo := 0 // end of the last alphanumeric run looked at
	for _, r := range runs {
		if s := r.Start; s >= 2 && text[s] == '1' && text[s-1]|0x20 == 'c' && text[s-2]|0x20 == 'b' {
			dst, lo = d.checkFrom(dst, text, s-2, lo)
		}
		if r.End-r.Start == r.Digits {
			// ASCII digits only: most are numbers in prose, too short
			// to be an address.
			if e := r.End; e-r.Start < cryptoMinRun && (e == len(text) || !is(text[e], cAlnum)) {
				continue
			}
			dst, lo = d.checkFrom(dst, text, r.Start, lo)
			continue
		}
		for i := r.Start; i < r.End; i++ {
			if text[i]-'0' < 10 {
				dst, lo = d.checkFrom(dst, text, i, lo)
			}
		}
	}
	return dst
}

// checkFrom checks the alphanumeric run that starts at text[s], if one
// does and it is long enough, unless it ends before lo; it returns the new
// lo.
func (d *CryptoWallet) checkFrom(dst []detectors.Match, text []byte, s, lo int) ([]detectors.Match, int) {
	if s < lo || s > 0 && is(text[s-1], cAlnum) {
		return dst, lo // inside a run, or inside one already checked
	}
	if s+cryptoMinRun > len(text) || !is(text[s+cryptoMinRun-1], cAlnum) {
		return dst, lo // too short (the run may end anywhere before)
	}
	_, e := runAround(text, s, s, cAlnum)
	if e-s >= cryptoMinRun {
		dst = d.check(dst, text, s, e)
	}
	return dst, e
}

func (d *CryptoWallet) check(dst []detectors.Match, text []byte, s, e int) []detectors.Match {
	if wordBefore(text, s) || wordAfter(text, e) {
		return dst // part of an identifier (underscore)
	}
	if s > 0 && (text[s-1] == '-' || text[s-1] == '.') && s > 1 && isWordByte(text[s-2]) {
		return dst // file names, dotted/dashed identifiers
	}
	b := text[s:e]
	var base float64
	switch {
	case len(b) == 42 && b[0] == '0' && b[1] == 'x':
		conf, ok := ethConfidence(b[2:])
		if !ok {
			return dst
		}
		base = conf
	case len(b) >= 42 && len(b) <= 62 && (b[0] == 'b' || b[0] == 'B'):
		if !segwitValid(b) {
			return dst
		}
		base = 0.95
	case len(b) >= 26 && len(b) <= 35 && (b[0] == '1' || b[0] == '3'):
		if !btcLegacyValid(b) {
			return dst
		}
		base = 0.95
	default:
		return dst
	}
	return d.c.appendMatch(dst, KindCryptoWallet, s, e, d.c.score(base, text, s, cryptoCtx))
}

// ethConfidence checks the 40 hex characters of an Ethereum address.
func ethConfidence(h []byte) (float64, bool) {
	lower, upper, zero := false, false, true
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'f':
			lower = true
		case c >= 'A' && c <= 'F':
			upper = true
		case c >= '0' && c <= '9':
		default:
			return 0, false
		}
		if c != '0' {
			zero = false
		}
	}
	switch {
	case zero:
		return 0, false // the zero address burns tokens; it is nobody's
	case lower && upper:
		if !eip55Valid(h) {
			return 0, false
		}
		return 0.95, true
	default:
		return 0.6, true
	}
}

// btcLegacyValid checks a base58check P2PKH ("1…", version 0) or P2SH
// ("3…", version 5) address.
func btcLegacyValid(b []byte) bool {
	p, ok := base58Decode25(b)
	if !ok || !base58CheckValid(p) {
		return false
	}
	return (b[0] == '1' && p[0] == 0x00) || (b[0] == '3' && p[0] == 0x05)
}
