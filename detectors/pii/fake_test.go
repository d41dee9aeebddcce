package pii

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/winnow-data/winnow/detectors"
)

var fakeKey = []byte("test key")

// TestFakeProperties checks, per kind, that fakes keep the format, pass the
// kind's validators, differ from the input and are deterministic per key.
func TestFakeProperties(t *testing.T) {
	tests := []struct {
		kind, value string
		check       func(t *testing.T, fake string)
	}{
		{KindCreditCard, "4111 1111 1111 1111", func(t *testing.T, f string) {
			wantLayout(t, f, "dddd dddd dddd dddd")
			d := digitsOnly(f)
			if d[0] != '4' || !luhnValid([]byte(d)) {
				t.Errorf("fake card %s: brand prefix or Luhn lost", f)
			}
		}},
		{KindCreditCard, "5555-5555-5555-4444", func(t *testing.T, f string) {
			wantLayout(t, f, "dddd-dddd-dddd-dddd")
			if d := digitsOnly(f); d[:2] != "55" || !luhnValid([]byte(d)) {
				t.Errorf("fake card %s: brand prefix or Luhn lost", f)
			}
		}},
		{KindCreditCard, "378282246310005", func(t *testing.T, f string) {
			if len(f) != 15 || f[:2] != "37" || !luhnValid([]byte(f)) {
				t.Errorf("fake amex %s", f)
			}
		}},
		{KindCreditCard, "2221000000000009", func(t *testing.T, f string) {
			if f[:4] != "2221" || !luhnValid([]byte(f)) {
				t.Errorf("fake mastercard %s", f)
			}
		}},
		{KindEmail, "john.doe@example.com", func(t *testing.T, f string) {
			local, dom, ok := strings.Cut(f, "@")
			if !ok || len(local) != len("john.doe") {
				t.Errorf("fake email %s: local part length", f)
			}
			if dom != "example.com" && dom != "example.org" && dom != "example.net" {
				t.Errorf("fake email %s: domain", f)
			}
		}},
		{KindIPAddress, "8.8.8.8", func(t *testing.T, f string) {
			a := netip.MustParseAddr(f)
			if !a.Is4() || ipClass(a) != "documentation" {
				t.Errorf("fake IPv4 %s not in a documentation range", f)
			}
		}},
		{KindIPAddress, "2001:4860:4860::8888", func(t *testing.T, f string) {
			a := netip.MustParseAddr(f)
			if !a.Is6() || !netip.MustParsePrefix("2001:db8::/32").Contains(a) {
				t.Errorf("fake IPv6 %s not in 2001:db8::/32", f)
			}
		}},
		{KindPhone, "+44 20 7946 0958", func(t *testing.T, f string) {
			wantLayout(t, f, "+dd dd dddd dddd")
			if f[:3] != "+44" {
				t.Errorf("fake phone %s lost the country code", f)
			}
		}},
		{KindPhone, "(415) 555-2671", func(t *testing.T, f string) {
			wantLayout(t, f, "(ddd) ddd-dddd")
		}},
		{KindIBAN, "DE89 3704 0044 0532 0130 00", func(t *testing.T, f string) {
			wantLayout(t, f, "DEdd dddd dddd dddd dddd dd")
			compact := strings.ReplaceAll(f, " ", "")
			if rem, ok := ibanMod97([]byte(compact)); !ok || rem != 1 {
				t.Errorf("fake IBAN %s fails mod-97", f)
			}
		}},
		{KindIBAN, "GB82WEST12345698765432", func(t *testing.T, f string) {
			if f[:2] != "GB" || len(f) != 22 || !is(f[4], cUpper) {
				t.Errorf("fake IBAN %s lost country, length or letters", f)
			}
			if rem, ok := ibanMod97([]byte(f)); !ok || rem != 1 {
				t.Errorf("fake IBAN %s fails mod-97", f)
			}
		}},
		{KindCNResidentID, "11010519491231002X", func(t *testing.T, f string) {
			if len(f) != 18 || f[:2] != "11" || !cnidValid([]byte(f)) {
				t.Errorf("fake CN ID %s invalid", f)
			}
		}},
		{KindCNResidentID, "３２０１０６１９８５１１２０４５３７", func(t *testing.T, f string) {
			if f[:2] != "32" || !cnidValid([]byte(f)) {
				t.Errorf("fake CN ID %s invalid", f)
			}
		}},
		{KindINAadhaar, "2345 6789 0124", func(t *testing.T, f string) {
			wantLayout(t, f, "dddd dddd dddd")
			if !aadhaarValid([]byte(digitsOnly(f))) {
				t.Errorf("fake Aadhaar %s fails Verhoeff", f)
			}
		}},
		{KindUSSSN, "536-22-8495", func(t *testing.T, f string) {
			wantLayout(t, f, "ddd-dd-dddd")
			if !ssnValid([]byte(digitsOnly(f))) {
				t.Errorf("fake SSN %s invalid", f)
			}
		}},
		{KindCNMobile, "+86 138-0013-8000", func(t *testing.T, f string) {
			wantLayout(t, f, "+dd ddd-dddd-dddd")
			if f[:8] != "+86 138-" {
				t.Errorf("fake CN mobile %s lost country code or operator prefix", f)
			}
		}},
		{KindUKNINO, "AB 12 34 56 C", func(t *testing.T, f string) {
			if len(f) != 13 || !ninoPrefixValid(f[0], f[1]) || !isNINOSuffix(f[12]) {
				t.Errorf("fake NINO %s invalid", f)
			}
		}},
		{KindMACAddress, "00:1A:2B:3C:4D:5E", func(t *testing.T, f string) {
			var oct [6]byte
			if !parseMAC([]byte(f), &oct) || f[2] != ':' {
				t.Fatalf("fake MAC %s does not parse", f)
			}
			if oct[0]&1 != 0 || oct[0]&2 == 0 {
				t.Errorf("fake MAC %s is not unicast, locally administered", f)
			}
		}},
		{KindCryptoWallet, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", func(t *testing.T, f string) {
			if f[0] != '1' || !btcLegacyValid([]byte(f)) {
				t.Errorf("fake P2PKH %s invalid", f)
			}
		}},
		{KindCryptoWallet, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", func(t *testing.T, f string) {
			if f[0] != '3' || !btcLegacyValid([]byte(f)) {
				t.Errorf("fake P2SH %s invalid", f)
			}
		}},
		{KindCryptoWallet, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", func(t *testing.T, f string) {
			if len(f) != 42 || !segwitValid([]byte(f)) {
				t.Errorf("fake bech32 %s invalid", f)
			}
		}},
		{KindCryptoWallet, "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", func(t *testing.T, f string) {
			if len(f) != 62 || f[3] != 'p' || !segwitValid([]byte(f)) {
				t.Errorf("fake bech32m %s invalid", f)
			}
		}},
		{KindCryptoWallet, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", func(t *testing.T, f string) {
			if len(f) != 42 || !eip55Valid([]byte(f[2:])) || strings.ToLower(f) == f {
				t.Errorf("fake ETH %s lacks a valid EIP-55 checksum", f)
			}
		}},
		{KindURLCredentials, "admin:s3cretPass", func(t *testing.T, f string) {
			wantLayout(t, f, "aaaaa:adaaaaaaaa")
		}},
		{"secret.github_token", "ghp_abc", func(t *testing.T, f string) {
			if !strings.HasPrefix(f, "[secret.github_token:") || len(f) != len("[secret.github_token:]")+16 {
				t.Errorf("unknown kind tag %s", f)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.value, func(t *testing.T) {
			f := string(Fake(nil, tt.kind, []byte(tt.value), fakeKey))
			if f == tt.value {
				t.Fatalf("fake equals the value")
			}
			if again := string(Fake([]byte("prefix:"), tt.kind, []byte(tt.value), fakeKey)); again != "prefix:"+f {
				t.Fatalf("not deterministic or not append-style: %q vs %q", again, f)
			}
			if other := string(Fake(nil, tt.kind, []byte(tt.value), []byte("other key"))); other == f {
				t.Errorf("another key gave the same fake %q", f)
			}
			tt.check(t, f)
		})
	}
}

// TestFakeDetectedAgain checks that fakes of detected values are
// themselves detected as the same kind (they stay realistic), except
// documentation IPs, which pii.ip_address suppresses by design.
func TestFakeDetectedAgain(t *testing.T) {
	ds := Detectors(DefaultOptions())
	for _, d := range ds {
		if d.ID() == KindIPAddress || d.ID() == KindURLCredentials || d.ID() == KindEmail {
			continue
		}
		for _, ex := range d.(detectors.Exampler).Examples() {
			if ex.Kind == "" {
				continue
			}
			i := strings.Index(ex.Text, ex.Want)
			fake := Fake(nil, ex.Kind, []byte(ex.Want), fakeKey)
			text := []byte(ex.Text[:i] + string(fake) + ex.Text[i+len(ex.Want):])
			var got bool
			for _, m := range d.Detect(nil, text) {
				got = got || string(text[m.Start:m.End]) == string(fake)
			}
			if !got {
				t.Errorf("%s: fake %q of %q in %q not detected", d.ID(), fake, ex.Want, text)
			}
		}
	}
}

// TestFakePhoneKeepsCountry checks that international fakes keep their
// calling code, for every country's example number.
func TestFakePhoneKeepsCountry(t *testing.T) {
	for region := range phonenumbers.GetSupportedRegions() {
		ex := phonenumbers.GetExampleNumber(region)
		if ex == nil {
			continue
		}
		v := phonenumbers.Format(ex, phonenumbers.INTERNATIONAL)
		f := string(Fake(nil, KindPhone, []byte(v), fakeKey))
		cc := "+" + itoa(int(ex.GetCountryCode()))
		if !strings.HasPrefix(f, cc) || len(f) != len(v) {
			t.Errorf("%s: fake %q of %q lost %s or length", region, f, v, cc)
		}
	}
}

func TestFakeNeverEchoesEmail(t *testing.T) {
	var buf []byte
	for _, v := range []string{"a@b.co", "very.long.name+tag@sub.example.co.uk", "用户@例子.中国", "@", ""} {
		buf = Fake(buf[:0], KindEmail, []byte(v), fakeKey)
		if bytes.Contains(buf, []byte(v)) && v != "" && v != "@" {
			t.Errorf("fake %q contains %q", buf, v)
		}
	}
}

func FuzzFake(f *testing.F) {
	kinds := []string{KindEmail, KindPhone, KindCreditCard, KindIBAN, KindUSSSN, KindIPAddress,
		KindMACAddress, KindCNResidentID, KindCNMobile, KindUKNINO, KindINAadhaar,
		KindCryptoWallet, KindURLCredentials, "other.kind"}
	for i, k := range kinds {
		f.Add(uint8(i), []byte("4111 1111 1111 1111"))
		f.Add(uint8(i), []byte(k))
	}
	f.Add(uint8(11), []byte("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"))
	f.Add(uint8(11), []byte("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))
	f.Add(uint8(3), []byte("DE89 3704 0044 0532 0130 00"))
	f.Add(uint8(5), []byte("\xff\xfe::"))
	f.Fuzz(func(t *testing.T, k uint8, value []byte) {
		kind := kinds[int(k)%len(kinds)]
		a := Fake(nil, kind, value, fakeKey)
		b := Fake(nil, kind, value, fakeKey)
		if !bytes.Equal(a, b) {
			t.Fatalf("not deterministic: %q vs %q", a, b)
		}
	})
}

// wantLayout checks that fake has the layout: 'd' a digit, 'a' a letter or
// digit, anything else itself.
func wantLayout(t *testing.T, fake, layout string) {
	t.Helper()
	if len(fake) != len(layout) {
		t.Errorf("fake %q does not have the layout %q", fake, layout)
		return
	}
	for i := 0; i < len(layout); i++ {
		c := fake[i]
		switch layout[i] {
		case 'd':
			if c < '0' || c > '9' {
				t.Errorf("fake %q does not have the layout %q", fake, layout)
				return
			}
		case 'a':
			if !is(c, cAlnum) {
				t.Errorf("fake %q does not have the layout %q", fake, layout)
				return
			}
		default:
			if c != layout[i] {
				t.Errorf("fake %q does not have the layout %q", fake, layout)
				return
			}
		}
	}
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
