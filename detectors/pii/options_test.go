package pii

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/winnow-data/winnow/detectors"
	"gopkg.in/yaml.v3"
)

func TestDefaultOptionsValid(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestOptionsValidateReportsAll(t *testing.T) {
	o := DefaultOptions()
	o.MinConfidence = 2
	o.ContextWindow = -1
	o.PhoneRegions = []string{"US", "XX"}
	err := o.Validate()
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("error %v does not wrap ErrInvalidOptions", err)
	}
	for _, want := range []string{"min_confidence", "context_window", `"XX"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	// Invalid values fall back to defaults instead of breaking detection.
	if len(Detectors(o)) != 13 {
		t.Fatal("Detectors with invalid options")
	}
}

func TestOptionsDecode(t *testing.T) {
	const y = "min_confidence: 0.7\ncontext_window: 32\nphone_regions: [US, IN]\nip:\n  suppress_private: false\n"
	var fromYAML Options
	if err := yaml.Unmarshal([]byte(y), &fromYAML); err != nil {
		t.Fatal(err)
	}
	const tm = "min_confidence = 0.7\ncontext_window = 32\nphone_regions = [\"US\", \"IN\"]\n[ip]\nsuppress_private = false\n"
	var fromTOML Options
	if _, err := toml.Decode(tm, &fromTOML); err != nil {
		t.Fatal(err)
	}
	var fromJSON Options
	if err := json.Unmarshal([]byte(`{"min_confidence":0.7,"context_window":32,"phone_regions":["US","IN"],"ip":{"suppress_private":false}}`), &fromJSON); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]Options{"yaml": fromYAML, "toml": fromTOML, "json": fromJSON} {
		if o.MinConfidence != 0.7 || o.ContextWindow != 32 || len(o.PhoneRegions) != 2 || o.PhoneRegions[1] != "IN" {
			t.Errorf("%s: decoded %+v", name, o)
		}
	}
}

// TestIPSuppressionOptions checks that each suppression switch controls
// its class of addresses.
func TestIPSuppressionOptions(t *testing.T) {
	cases := []struct {
		text   string
		enable func(*IPOptions)
	}{
		{"host 10.1.2.3 up", func(o *IPOptions) { o.SuppressPrivate = false }},
		{"host fd12:3456:789a::1 up", func(o *IPOptions) { o.SuppressPrivate = false }},
		{"host 127.0.0.1 up", func(o *IPOptions) { o.SuppressLoopback = false }},
		{"host 169.254.1.1 up", func(o *IPOptions) { o.SuppressLinkLocal = false }},
		{"host 224.0.0.251 up", func(o *IPOptions) { o.SuppressMulticast = false }},
		{"host 0.0.0.0 up", func(o *IPOptions) { o.SuppressUnspecified = false }},
		{"host 240.1.2.3 up", func(o *IPOptions) { o.SuppressReserved = false }},
		{"host 192.0.2.7 up", func(o *IPOptions) { o.SuppressDocumentation = false }},
		{"host 2001:db8::7 up", func(o *IPOptions) { o.SuppressDocumentation = false }},
		{"version 1.2.3.4", func(o *IPOptions) { o.SuppressVersionContext = false }},
		{"v1.2.3.4", func(o *IPOptions) { o.SuppressVersionContext = false }},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			if n := countKind(DefaultOptions(), KindIPAddress, c.text); n != 0 {
				t.Fatalf("default options report %d", n)
			}
			o := DefaultOptions()
			c.enable(&o.IP)
			if n := countKind(o, KindIPAddress, c.text); n != 1 {
				t.Fatalf("with the switch off: %d findings, want 1", n)
			}
		})
	}
}

func TestMinConfidence(t *testing.T) {
	const text = "wallet 0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae"
	o := DefaultOptions()
	if countKind(o, KindCryptoWallet, text) != 1 {
		t.Fatal("lowercase ETH address with context not found")
	}
	o.MinConfidence = 0.9
	if countKind(o, KindCryptoWallet, text) != 0 {
		t.Fatal("min_confidence 0.9 kept a 0.75 match")
	}
}

func TestPhoneRegionsOption(t *testing.T) {
	const text = "call 011 2345 6789 now" // Delhi, national format
	if countKind(DefaultOptions(), KindPhone, text) != 0 {
		t.Fatal("IN national number found without IN in phone_regions")
	}
	o := DefaultOptions()
	o.PhoneRegions = append(o.PhoneRegions, "IN")
	if countKind(o, KindPhone, text) != 1 {
		t.Fatal("IN national number not found with IN in phone_regions")
	}
}

func countKind(o Options, kind, text string) int {
	n := 0
	for _, d := range Detectors(o) {
		for _, m := range d.Detect(nil, []byte(text)) {
			if m.Kind == kind {
				n++
			}
		}
	}
	return n
}

// TestContextTerms checks whole-word ASCII matching and as-is CJK
// matching.
func TestContextTerms(t *testing.T) {
	ts := newTerms("tel", "order no", "身份证")
	for _, tt := range []struct {
		win  string
		want bool
	}{
		{"Tel: ", true}, {"hotel ", false}, {"telephone", false}, {"(TEL)", true},
		{"order-no ", true}, {"order_no", true}, {"reorder no", false}, {"我的身份证号", true},
		{"身份", false}, {"", false},
	} {
		if got := ts.in([]byte(tt.win)); got != tt.want {
			t.Errorf("in(%q) = %v, want %v", tt.win, got, tt.want)
		}
	}
}

// TestUnicodeDigitOffsets checks that full-width, Arabic-Indic and
// Devanagari digits are matched with offsets into the original bytes.
func TestUnicodeDigitOffsets(t *testing.T) {
	reg, err := detectors.NewRegistry(Detectors(DefaultOptions())...)
	if err != nil {
		t.Fatal(err)
	}
	set := detectors.Compile(reg, nil)
	var sc detectors.Scratch
	for _, tt := range []struct{ text, kind, want string }{
		{"手机：１３８００１３８０００。", KindCNMobile, "１３８００１３８０００"},
		{"mobile ١٣٨٠٠١٣٨٠٠٠ here", KindCNMobile, "١٣٨٠٠١٣٨٠٠٠"},
		{"aadhaar ९८७६ ५४३२ १०१२", KindINAadhaar, "९८७६ ५४३२ १०१२"},
		{"card ۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱", KindCreditCard, "۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱"},
		{"身份证３２０１０６１９８５１１２０４５３Ｘ", "", ""},
	} {
		hits := set.Detect(nil, []byte(tt.text), &sc)
		var got []string
		for _, h := range hits {
			got = append(got, h.Kind+"="+tt.text[h.Start:h.End])
		}
		if tt.kind == "" {
			if len(got) > 0 {
				t.Errorf("%q: got %v", tt.text, got)
			}
			continue
		}
		if len(got) != 1 || got[0] != tt.kind+"="+tt.want {
			t.Errorf("%q: got %v, want %s=%s", tt.text, got, tt.kind, tt.want)
		}
	}
}
