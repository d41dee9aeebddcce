package pii

import "github.com/winnow-data/winnow/detectors"

// MACAddress detects 48-bit MAC addresses: six hex octets joined by ':' or
// by '-' (one kind throughout), or Cisco's dotted form aaaa.bbbb.cccc. The
// all-zero and broadcast (ff:ff:ff:ff:ff:ff) addresses are skipped.
//
// MACAddress is immutable and safe for concurrent use.
type MACAddress struct{ c *config }

var _ detectors.Detector = (*MACAddress)(nil)
var _ detectors.Exampler = (*MACAddress)(nil)

// ID returns "pii.mac_address".
func (*MACAddress) ID() string { return KindMACAddress }

// Version returns the detector's output version.
func (*MACAddress) Version() string { return version }

// Kinds returns the single kind pii.mac_address. The slice is fresh.
func (*MACAddress) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindMACAddress, Description: "hardware MAC address", Severity: detectors.SeverityLow}}
}

const macMinRun = 14 // aaaa.bbbb.cccc

var macCtx = newCtx(
	[]string{"mac", "mac address", "ether", "hwaddr", "bssid", "wifi", "wlan", "eth0", "device", "物理地址", "mac地址"},
	negCommonList,
)

// Detect appends every MAC address in text to dst.
func (d *MACAddress) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	for pos := 0; ; {
		s, e, ok := nextRun(text, pos, cMAC, macMinRun)
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e)
		pos = e
	}
}

func (d *MACAddress) check(dst []detectors.Match, text []byte, s, e int) []detectors.Match {
	if wordBefore(text, s) || wordAfter(text, e) {
		return dst
	}
	if (e-s == 18 || e-s == 15) && text[e-1] == '.' {
		e-- // sentence end
	}
	var oct [6]byte
	if !parseMAC(text[s:e], &oct) {
		return dst
	}
	if oct == [6]byte{} || oct == [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff} {
		return dst
	}
	base := 0.8
	letters := false
	for _, c := range text[s:e] {
		if is(c, cAlpha) {
			letters = true
			break
		}
	}
	if !letters {
		base = 0.6 // decimal-only octets read like other dotted numbers
	}
	return d.c.appendMatch(dst, KindMACAddress, s, e, d.c.score(base, text, s, macCtx))
}

// parseMAC parses "aa:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff" or
// "aabb.ccdd.eeff" into oct.
func parseMAC(b []byte, oct *[6]byte) bool {
	switch len(b) {
	case 17:
		sep := b[2]
		if sep != ':' && sep != '-' {
			return false
		}
		for i := 0; i < 6; i++ {
			p := b[i*3:]
			if !is(p[0], cHex) || !is(p[1], cHex) || (i < 5 && p[2] != sep) {
				return false
			}
			oct[i] = byte(hexVal(p[0])<<4 | hexVal(p[1]))
		}
		return true
	case 14:
		for i := 0; i < 3; i++ {
			p := b[i*5:]
			if i < 2 && p[4] != '.' {
				return false
			}
			for k := 0; k < 4; k++ {
				if !is(p[k], cHex) {
					return false
				}
			}
			oct[2*i] = byte(hexVal(p[0])<<4 | hexVal(p[1]))
			oct[2*i+1] = byte(hexVal(p[2])<<4 | hexVal(p[3]))
		}
		return true
	}
	return false
}
