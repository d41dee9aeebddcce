package pii

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestLuhn(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"4111111111111111", true}, {"4111111111111112", false}, {"378282246310005", true},
		{"0", false}, {"", false}, {"79927398713", true}, {"79927398710", false}, {"12a4", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := luhnValid([]byte(tt.in)); got != tt.want {
				t.Errorf("luhnValid(%q) = %v", tt.in, got)
			}
		})
	}
	if c := luhnCheckDigit([]byte("7992739871")); c != '3' {
		t.Errorf("luhnCheckDigit = %c, want 3", c)
	}
}

func TestIBANMod97(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"DE89370400440532013000", true}, {"GB82WEST12345698765432", true},
		{"NO9386011117947", true}, {"DE89370400440532013001", false}, {"DE8", false}, {"de89370400440532013000", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			rem, ok := ibanMod97([]byte(tt.in))
			if got := ok && rem == 1; got != tt.want {
				t.Errorf("ibanMod97(%q) = %d, %v", tt.in, rem, ok)
			}
		})
	}
}

func TestVerhoeff(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{{"2363", true}, {"2364", false}, {"234567890124", true}, {"234567890125", false}, {"", false}} {
		if got := verhoeffValid([]byte(tt.in)); got != tt.want {
			t.Errorf("verhoeffValid(%q) = %v", tt.in, got)
		}
	}
	if c := verhoeffCheckDigit([]byte("236")); c != '3' {
		t.Errorf("verhoeffCheckDigit(236) = %c, want 3", c)
	}
}

func TestGB11643(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"11010519491231002", "X"}, {"44030419900307231", "2"}, {"32010619851120453", "7"},
	} {
		c, ok := gb11643CheckChar([]byte(tt.in))
		if !ok || string(c) != tt.want {
			t.Errorf("gb11643CheckChar(%s) = %c, want %s", tt.in, c, tt.want)
		}
	}
	if _, ok := gb11643CheckChar([]byte("1101051949123100")); ok {
		t.Error("16 digits accepted")
	}
}

func TestBitcoin(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", true},
		{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", true},
		{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", false},
		{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNL0", false}, // '0' is not base58
		{"1111111111111111111114oLvT2", true},         // all-zero hash160, valid checksum
		{"2A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := btcLegacyValid([]byte(tt.in)); got != tt.want {
				t.Errorf("btcLegacyValid(%q) = %v", tt.in, got)
			}
		})
	}
}

func TestSegwit(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		// BIP 173 / BIP 350 test vectors (mainnet).
		{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", true},
		{"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", true},
		{"bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", true},
		{"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", true},
		{"BC1SW50QGDZ25J", true},
		{"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", true},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", false},                     // bad checksum
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", false}, // v1 with bech32 checksum
		{"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", false},                           // v0 with a 16-byte program
		{"bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", false},                     // mixed case
		{"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", false},                     // testnet hrp
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := segwitValid([]byte(tt.in)); got != tt.want {
				t.Errorf("segwitValid(%q) = %v", tt.in, got)
			}
		})
	}
}

func TestEIP55(t *testing.T) {
	// EIP-55 test vectors.
	for _, a := range []string{
		"5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"dbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"D1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		if !eip55Valid([]byte(a)) {
			t.Errorf("eip55Valid(%s) = false", a)
		}
		lower := []byte(strings.ToLower(a))
		eip55Case(lower)
		if string(lower) != a {
			t.Errorf("eip55Case(%s) = %s", strings.ToLower(a), lower)
		}
	}
	if eip55Valid([]byte("5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed")) {
		t.Error("wrong case accepted")
	}
}

func TestSSNValid(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{{"536228495", true}, {"000228495", false}, {"666228495", false}, {"900228495", false},
		{"536008495", false}, {"536220000", false}, {"078051120", false}, {"53622849", false}} {
		if got := ssnValid([]byte(tt.in)); got != tt.want {
			t.Errorf("ssnValid(%s) = %v", tt.in, got)
		}
	}
}

func TestCNIDValid(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"11010519491231002X", true}, {"440304199003072312", true},
		{"11010519491231002Y", false}, {"440304199003072313", false},
		{"51010720010229123X", false}, // 2001-02-29 does not exist
		{"990304199003072312", false}, // no province 99
		{"440304189903072312", false}, // before 1900
	} {
		if got := cnidValid([]byte(tt.in)); got != tt.want {
			t.Errorf("cnidValid(%s) = %v", tt.in, got)
		}
	}
}

func TestParseIP(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "255.255.255.255", "0.0.0.0", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3"} {
		want, err := netip.ParseAddr(s)
		got, ok := parseIPv4([]byte(s))
		if ok != (err == nil) || ok && got != want {
			t.Errorf("parseIPv4(%q) = %v, %v; netip: %v, %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"::", "::1", "2001:db8::1", "2001:4860:4860::8888", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7::", "1::2::3", ":1:2", "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:1.2.3.4", "::1.2.3"} {
		want, err := netip.ParseAddr(s)
		got, ok := parseIPv6([]byte(s))
		if err == nil && !want.Is6() {
			err = errNotV6
		}
		if ok != (err == nil) || ok && got != want {
			t.Errorf("parseIPv6(%q) = %v, %v; netip: %v, %v", s, got, ok, want, err)
		}
	}
	// Zones never reach the parser ('%' ends a candidate run); it rejects them.
	if _, ok := parseIPv6([]byte("fe80::1%eth0")); ok {
		t.Error("zone accepted")
	}
}

var errNotV6 = errors.New("not IPv6")

func TestParseMAC(t *testing.T) {
	var oct [6]byte
	for _, tt := range []struct {
		in   string
		want bool
	}{{"00:1A:2B:3C:4D:5E", true}, {"00-1a-2b-3c-4d-5e", true}, {"001a.2b3c.4d5e", true},
		{"00:1A-2B:3C:4D:5E", false}, {"00:1A:2B:3C:4D", false}, {"001a.2b3c.4d5", false}, {"0g:1A:2B:3C:4D:5E", false}} {
		if got := parseMAC([]byte(tt.in), &oct); got != tt.want {
			t.Errorf("parseMAC(%q) = %v", tt.in, got)
		}
	}
}
