package pii

import (
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

func testRegistry(t testing.TB, opt Options) *detectors.Registry {
	t.Helper()
	r, err := detectors.NewRegistry(Detectors(opt)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestExamples runs every detector's examples through the real prefilter
// and matcher of a compiled Set holding all pii detectors.
func TestExamples(t *testing.T) {
	reg := testRegistry(t, DefaultOptions())
	set := detectors.Compile(reg, nil)
	var sc detectors.Scratch
	for _, d := range reg.Detectors() {
		exs := d.(detectors.Exampler).Examples()
		own := map[string]bool{}
		for _, k := range d.Kinds() {
			own[k.Name] = true
		}
		for i, ex := range exs {
			t.Run(d.ID()+"/"+itoa(i), func(t *testing.T) {
				hits := set.Detect(nil, []byte(ex.Text), &sc)
				var got []string
				for _, h := range hits {
					if own[h.Kind] {
						got = append(got, h.Kind+"="+ex.Text[h.Start:h.End])
					}
				}
				if ex.Kind == "" {
					if len(got) > 0 {
						t.Errorf("negative %q: got %v", ex.Text, got)
					}
					return
				}
				want := ex.Kind + "=" + ex.Want
				for _, g := range got {
					if g == want {
						return
					}
				}
				t.Errorf("positive %q: want %s, got %v", ex.Text, want, got)
			})
		}
	}
}

// TestDetectorInvariants checks properties every detector must have.
func TestDetectorInvariants(t *testing.T) {
	designKinds := []string{KindEmail, KindPhone, KindCreditCard, KindIBAN, KindUSSSN,
		KindIPAddress, KindMACAddress, KindCNResidentID, KindCNMobile, KindUKNINO,
		KindINAadhaar, KindCryptoWallet, KindURLCredentials}
	ds := Detectors(DefaultOptions())
	if len(ds) != len(designKinds) {
		t.Fatalf("got %d detectors, want %d", len(ds), len(designKinds))
	}
	seen := map[string]bool{}
	for _, d := range ds {
		t.Run(d.ID(), func(t *testing.T) {
			ks := d.Kinds()
			if len(ks) != 1 || ks[0].Name != d.ID() {
				t.Errorf("want exactly one kind named like the ID, got %+v", ks)
			}
			if d.Version() == "" || !strings.HasPrefix(d.ID(), "pii.") {
				t.Errorf("bad ID/version %q %q", d.ID(), d.Version())
			}
			if ks[0].Description == "" {
				t.Error("empty description")
			}
			exs := d.(detectors.Exampler).Examples()
			var pos, negs int
			for _, e := range exs {
				if e.Kind == "" {
					negs++
				} else {
					pos++
					if e.Want == "" || !strings.Contains(e.Text, e.Want) {
						t.Errorf("positive %q: Want %q not in text", e.Text, e.Want)
					}
				}
			}
			if pos < 3 || negs < 5 {
				t.Errorf("want >= 3 positives and >= 5 negatives, got %d, %d", pos, negs)
			}
			if p, ok := d.(detectors.Prefiltered); ok {
				for _, kw := range p.Keywords() {
					if strings.ToLower(kw) != kw || kw == "" {
						t.Errorf("keyword %q must be lowercase and non-empty", kw)
					}
					for _, e := range exs {
						if e.Kind != "" && !strings.Contains(strings.ToLower(e.Text), kw) && len(p.Keywords()) == 1 {
							t.Errorf("positive %q lacks the only keyword %q", e.Text, kw)
						}
					}
				}
			}
		})
		seen[d.ID()] = true
	}
	for _, k := range designKinds {
		if !seen[k] {
			t.Errorf("no detector for %s", k)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
