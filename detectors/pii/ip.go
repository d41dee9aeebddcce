package pii

import (
	"bytes"
	"net/netip"

	"github.com/winnow-data/winnow/detectors"
)

// IPAddress detects IPv4 addresses (dotted quads) and IPv6 addresses
// (RFC 4291 text forms, incl. "::" and an embedded IPv4 tail). Addresses
// that identify no one are suppressed per IPOptions: private, loopback,
// link-local, multicast, unspecified, reserved and documentation ranges,
// and dotted quads that read as versions ("version 1.2.3.4", "v1.2.3.4").
// Dotted runs of more than four numbers (OIDs, SNMP) and numbers with
// leading zeros are never addresses. Parsing is done by zero-allocation
// byte parsers producing net/netip addresses (fuzzed against
// netip.ParseAddr); classification uses net/netip.
//
// IPAddress is immutable and safe for concurrent use.
type IPAddress struct{ c *config }

var _ detectors.Detector = (*IPAddress)(nil)
var _ detectors.Exampler = (*IPAddress)(nil)
var _ detectors.DigitWindowed = (*IPAddress)(nil)

// ID returns "pii.ip_address".
func (*IPAddress) ID() string { return KindIPAddress }

// Version returns the detector's output version.
func (*IPAddress) Version() string { return version }

// Kinds returns the single kind pii.ip_address. The slice is fresh.
func (*IPAddress) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindIPAddress, Description: "public IPv4 or IPv6 address", Severity: detectors.SeverityLow}}
}

const (
	ipv6MinRunAll   = 2 // "::"
	ipv6MinRunPub   = 6 // "2000::": global unicast needs a 4-digit first group
	versionCtxBytes = 16
)

var ipCtx = newCtx(
	[]string{"ip", "ipv4", "ipv6", "ip address", "addr", "address", "host", "client", "server", "remote", "source", "src", "dst", "from", "地址", "ip地址"},
	nil,
)

var versionCtx = newCtx(
	[]string{"version", "ver", "v", "release", "build", "firmware", "fw", "rev", "revision", "版本"},
	nil,
)

// ipv6MinRun is the shortest IPv6 text the options can let through.
func (d *IPAddress) ipv6MinRun() int {
	o := d.c.ip
	if o.SuppressUnspecified && o.SuppressLoopback && o.SuppressPrivate && o.SuppressLinkLocal &&
		o.SuppressMulticast && o.SuppressReserved {
		return ipv6MinRunPub
	}
	return ipv6MinRunAll
}

// Detect appends every reportable IP address in text to dst, in order of
// position.
func (d *IPAddress) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	base := len(dst)
	dst = d.detectV6(dst, text)
	// Every IPv4 address has a '.' between digits: find dots, and grow
	// those between digits into their run of [0-9.].
	nv6 := len(dst)
	lo := 0 // end of the last run: runs are maximal, so none crosses it
	for pos := 0; pos < len(text); {
		k := bytes.IndexByte(text[pos:], '.')
		if k < 0 {
			break
		}
		dot := pos + k
		if !dotBetweenDigits(text, dot) {
			pos = dot + 1
			continue
		}
		dst, lo = d.v4Around(dst, text, dot, lo, dst[base:nv6])
		pos = lo
	}
	sortMatches(dst[base:])
	return dst
}

// DigitChain asks for every digit run of every value: IPv4 addresses are
// found from the runs, IPv6 addresses (which may hold no decimal digit)
// by a search for ':' (see detectors.DigitWindowed).
func (*IPAddress) DigitChain() detectors.DigitChain { return detectors.DigitChain{MinDigits: 0} }

// DetectDigits is Detect with the dots between digits taken from runs, the
// digit runs found by the Set's shared digit pass (see
// detectors.DigitWindowed): such a dot ends one run and the next run
// starts right after it.
func (d *IPAddress) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	base := len(dst)
	dst = d.detectV6(dst, text)
	nv6 := len(dst)
	lo := 0
	for k := 0; k+1 < len(runs); k++ {
		dot := runs[k].End
		if dot < lo || runs[k+1].Start != dot+1 || !dotBetweenDigits(text, dot) {
			continue
		}
		dst, lo = d.v4Around(dst, text, dot, lo, dst[base:nv6])
	}
	sortMatches(dst[base:])
	return dst
}

// dotBetweenDigits reports a '.' at text[dot] with an ASCII digit on
// either side.
func dotBetweenDigits(text []byte, dot int) bool {
	return text[dot] == '.' && dot > 0 && dot+1 < len(text) && is(text[dot-1], cDigit) && is(text[dot+1], cDigit)
}

// detectV6 appends the IPv6 addresses of text. Every IPv6 address has a
// ':': it finds colons with a vectorized search and grows each into its
// run of [0-9A-Fa-f:.].
func (d *IPAddress) detectV6(dst []detectors.Match, text []byte) []detectors.Match {
	minRun := d.ipv6MinRun()
	for pos := 0; pos < len(text); {
		k := bytes.IndexByte(text[pos:], ':')
		if k < 0 {
			break
		}
		s, e := pos+k, pos+k+1
		for s > pos && is(text[s-1], cIPv6) {
			s--
		}
		for e < len(text) && is(text[e], cIPv6) {
			e++
		}
		if e-s >= minRun {
			dst = d.checkV6(dst, text, s, e)
		}
		pos = e
	}
	return dst
}

// v4Around grows the dot between digits at text[dot] into its run of
// [0-9.], not reaching before lo, checks the run and returns its end.
func (d *IPAddress) v4Around(dst []detectors.Match, text []byte, dot, lo int, v6 []detectors.Match) ([]detectors.Match, int) {
	s, e := dot-1, dot+2
	for s > lo && is(text[s-1], cIPv4) {
		s--
	}
	for e < len(text) && is(text[e], cIPv4) {
		e++
	}
	return d.checkV4(dst, text, s, e, v6), e
}

// checkV6 validates the IPv6 candidate run text[s:e].
func (d *IPAddress) checkV6(dst []detectors.Match, text []byte, s, e int) []detectors.Match {
	if e-s < d.ipv6MinRun() || wordBefore(text, s) || wordAfter(text, e) {
		return dst
	}
	for e > s && text[e-1] == '.' {
		e--
	}
	if e-s >= 2 && text[e-1] == ':' && text[e-2] != ':' {
		e--
	}
	colons := 0
	for _, c := range text[s:e] {
		if c == ':' {
			colons++
		}
	}
	if colons < 2 {
		return dst
	}
	a, ok := parseIPv6(text[s:e])
	if !ok || d.suppressed(a) {
		return dst
	}
	return d.c.appendMatch(dst, KindIPAddress, s, e, d.c.score(0.8, text, s, ipCtx))
}

// checkV4 validates the dotted run text[s:e]; v6 holds the IPv6 matches
// already reported, whose embedded IPv4 tails are not reported again.
func (d *IPAddress) checkV4(dst []detectors.Match, text []byte, s, e int, v6 []detectors.Match) []detectors.Match {
	ls, le := s, e
	for ls < le && text[ls] == '.' {
		ls++
	}
	for le > ls && text[le-1] == '.' {
		le--
	}
	if (ls > s && wordBefore(text, s)) || wordAfter(text, e) {
		return dst // dotted identifiers: "x.1.2.3.4", "4.3.2.1.in-addr"
	}
	o := d.c.ip
	if ls == s && wordBefore(text, s) {
		if c := text[s-1]; !(c == 'v' || c == 'V') || o.SuppressVersionContext || wordBefore(text, s-1) {
			return dst
		}
	}
	a, ok := parseIPv4(text[ls:le])
	if !ok {
		return dst
	}
	for _, m := range v6 {
		if m.Start < le && ls < m.End {
			return dst
		}
	}
	if o.SuppressVersionContext && versionLike(text, ls, d.c.ctxWindow) {
		return dst
	}
	if d.suppressed(a) {
		return dst
	}
	return d.c.appendMatch(dst, KindIPAddress, ls, le, d.c.score(0.8, text, ls, ipCtx))
}

// versionLike reports a dotted quad that reads as a version: "pkg-1.2.3.4",
// "pkg_1.2.3.4" or a version term just before it.
func versionLike(text []byte, s, window int) bool {
	if s >= 2 && (text[s-1] == '-' || text[s-1] == '_') && isWordByte(text[s-2]) {
		return true
	}
	if window > versionCtxBytes {
		window = versionCtxBytes
	}
	lo := s - window
	if lo < 0 {
		lo = 0
	}
	return versionCtx.pos.in(text[lo:s])
}

// Special-purpose ranges not covered by netip's predicates.
var (
	pfxCGNAT     = netip.MustParsePrefix("100.64.0.0/10")
	pfxThisNet   = netip.MustParsePrefix("0.0.0.0/8")
	pfxIETF      = netip.MustParsePrefix("192.0.0.0/24")
	pfxBenchmark = netip.MustParsePrefix("198.18.0.0/15")
	pfxClassE    = netip.MustParsePrefix("240.0.0.0/4")
	pfxGlobal6   = netip.MustParsePrefix("2000::/3")
	pfxDocs      = [...]netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("2001:db8::/32"),
		netip.MustParsePrefix("3fff::/20"),
	}
)

// ipClass names the suppressible class of an address ("" for public).
func ipClass(a netip.Addr) string {
	if a.Is4In6() {
		a = a.Unmap()
	}
	switch {
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsMulticast():
		return "multicast"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsPrivate() || pfxCGNAT.Contains(a):
		return "private"
	}
	for _, p := range pfxDocs {
		if p.Contains(a) {
			return "documentation"
		}
	}
	if a.Is4() {
		if pfxThisNet.Contains(a) || pfxIETF.Contains(a) || pfxBenchmark.Contains(a) || pfxClassE.Contains(a) {
			return "reserved"
		}
		return ""
	}
	if !pfxGlobal6.Contains(a) {
		return "reserved"
	}
	return ""
}

func (d *IPAddress) suppressed(a netip.Addr) bool {
	o := d.c.ip
	switch ipClass(a) {
	case "unspecified":
		return o.SuppressUnspecified
	case "loopback":
		return o.SuppressLoopback
	case "multicast":
		return o.SuppressMulticast
	case "link-local":
		return o.SuppressLinkLocal
	case "private":
		return o.SuppressPrivate
	case "documentation":
		return o.SuppressDocumentation
	case "reserved":
		return o.SuppressReserved
	}
	return false
}

// parseIPv4 parses a dotted quad of decimal numbers 0-255 without leading
// zeros, as netip.ParseAddr does, without allocating.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	part, val, digits := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || part > 3 {
				return netip.Addr{}, false
			}
			ip[part] = byte(val)
			part++
			val, digits = 0, 0
			continue
		}
		c := b[i] - '0'
		if c > 9 || (digits > 0 && val == 0) {
			return netip.Addr{}, false
		}
		val = val*10 + int(c)
		digits++
		if val > 255 {
			return netip.Addr{}, false
		}
	}
	if part != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(ip), true
}

// parseIPv6 parses an RFC 4291 IPv6 text address (no zone) as
// netip.ParseAddr does, without allocating.
func parseIPv6(b []byte) (netip.Addr, bool) {
	var ip [16]byte
	ellipsis := -1
	i := 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis = 0
		b = b[2:]
		if len(b) == 0 {
			return netip.AddrFrom16(ip), true
		}
	}
	for len(b) > 0 {
		off, acc := 0, 0
		for off < 4 && off < len(b) && is(b[off], cHex) {
			acc = acc<<4 | hexVal(b[off])
			off++
		}
		if off == 0 {
			return netip.Addr{}, false
		}
		if off < len(b) && b[off] == '.' {
			if (ellipsis < 0 && i != 12) || i > 12 {
				return netip.Addr{}, false
			}
			v4, ok := parseIPv4(b)
			if !ok {
				return netip.Addr{}, false
			}
			a4 := v4.As4()
			copy(ip[i:], a4[:])
			i += 4
			b = nil
			break
		}
		if off < len(b) && is(b[off], cHex) {
			return netip.Addr{}, false
		}
		if i >= 16 {
			return netip.Addr{}, false
		}
		ip[i], ip[i+1] = byte(acc>>8), byte(acc)
		i += 2
		b = b[off:]
		if len(b) == 0 {
			break
		}
		if b[0] != ':' || len(b) == 1 {
			return netip.Addr{}, false
		}
		b = b[1:]
		if b[0] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = i
			b = b[1:]
			if len(b) == 0 {
				break
			}
		}
		if i == 16 {
			return netip.Addr{}, false
		}
	}
	if ellipsis < 0 {
		if i != 16 {
			return netip.Addr{}, false
		}
	} else {
		if i == 16 {
			return netip.Addr{}, false
		}
		n := i - ellipsis
		copy(ip[16-n:], ip[ellipsis:i])
		clear(ip[ellipsis : 16-n])
	}
	return netip.AddrFrom16(ip), true
}

func hexVal(c byte) int {
	switch {
	case c <= '9':
		return int(c - '0')
	case c >= 'a':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

// sortMatches orders a few matches by start (insertion sort, no
// allocation).
func sortMatches(ms []detectors.Match) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Start < ms[j-1].Start; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}
