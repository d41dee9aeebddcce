package pii

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhonePlanMatchesLibphonenumber checks the allocation-free validator
// against libphonenumber itself on the example numbers of every region and
// on random numbers around them.
func TestPhonePlanMatchesLibphonenumber(t *testing.T) {
	p := newPhonePlan(nil)
	r := rand.New(rand.NewPCG(7, 11))
	checked, mismatches := 0, 0
	for region := range phonenumbers.GetSupportedRegions() {
		ex := phonenumbers.GetExampleNumber(region)
		if ex == nil {
			continue
		}
		cc := int(ex.GetCountryCode())
		nsn := phonenumbers.GetNationalSignificantNumber(ex)
		cands := []string{nsn}
		for k := 0; k < 40; k++ {
			b := []byte(nsn)
			// Mutate one or two digits, or change the length by one.
			switch r.IntN(4) {
			case 0:
				b = b[:len(b)-1]
			case 1:
				b = append(b, byte('0'+r.IntN(10)))
			default:
				for m := 0; m <= r.IntN(2); m++ {
					b[r.IntN(len(b))] = byte('0' + r.IntN(10))
				}
			}
			cands = append(cands, string(b))
		}
		// Regions whose national prefix needs a transform rule (e.g. NF,
		// AR, MX) are not replicated; see regionRules.transform.
		transform := false
		for _, m := range p.cc[cc].metas {
			transform = transform || m.GetNationalPrefixTransformRule() != ""
		}
		for _, c := range cands {
			if len(c) == 0 {
				continue
			}
			num, err := phonenumbers.Parse("+"+strconv.Itoa(cc)+c, "ZZ")
			want := err == nil && phonenumbers.IsValidNumber(num) && int(num.GetCountryCode()) == cc
			cp := p.cc[cc]
			got := cp != nil && cp.validIntl([]byte(c))
			checked++
			if got != want && !transform {
				mismatches++
				if mismatches <= 10 {
					t.Errorf("+%d %s: got %v, libphonenumber says %v", cc, c, got, want)
				}
			}
		}
	}
	if checked < 5000 {
		t.Fatalf("checked only %d numbers", checked)
	}
	t.Logf("checked %d numbers, %d mismatches", checked, mismatches)
}

// TestPhoneNationalMatchesLibphonenumber checks national-format validation
// of the configured regions against libphonenumber.
func TestPhoneNationalMatchesLibphonenumber(t *testing.T) {
	regions := []string{"GB", "DE", "FR", "AU"}
	p := newPhonePlan(regions)
	r := rand.New(rand.NewPCG(3, 5))
	for _, rp := range p.national {
		cp := p.cc[rp.cc]
		ex := phonenumbers.GetExampleNumber(rp.region)
		nat := rp.prefix + phonenumbers.GetNationalSignificantNumber(ex)
		for k := 0; k < 300; k++ {
			b := []byte(nat)
			if k > 0 {
				b[len(rp.prefix)+r.IntN(len(b)-len(rp.prefix))] = byte('0' + r.IntN(10))
				if r.IntN(3) == 0 {
					b = append(b, byte('0'+r.IntN(10)))
				}
			}
			num, err := phonenumbers.Parse(string(b), rp.region)
			want := err == nil && phonenumbers.IsValidNumberForRegion(num, rp.region)
			if got := cp.validFor(rp.region, b); got != want {
				t.Errorf("%s %s: got %v, libphonenumber says %v", rp.region, b, got, want)
			}
		}
	}
}
