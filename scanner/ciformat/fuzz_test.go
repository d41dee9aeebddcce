package ciformat

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePolicy checks that the --fail-on parser never panics, that
// every error names a clause of the input and wraps ErrPolicy, and that a
// parsed policy prints back to an expression that parses to the same
// policy and can be evaluated.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		"secret.*=any,pii.credit_card>0,dup.exact>1%,poison.*>0.01%",
		"low", "HIGH", "none", "", ",", "secret.*", "pii.*>=1", "dup.*>100.0000001%",
		"pii.[ei]*>3", "pii.[email=any", "dup.*>.5%", "*=any,critical",
	} {
		f.Add(s)
	}
	counts := sampleCounts()
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := ParsePolicy(expr)
		if err != nil {
			if !errors.Is(err, ErrPolicy) {
				t.Fatalf("error %v does not wrap ErrPolicy", err)
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *PolicyError", err)
			}
			if pe.Index >= 0 && !strings.Contains(expr, pe.Clause) {
				t.Fatalf("clause %q is not part of %q", pe.Clause, expr)
			}
			if pe.Reason == "" {
				t.Fatal("empty reason")
			}
			return
		}
		s := p.String()
		q, err := ParsePolicy(s)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", s, expr, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip %q -> %q changed the policy: %+v vs %+v", expr, s, p, q)
		}
		if q.String() != s {
			t.Fatalf("String not stable: %q vs %q", s, q.String())
		}
		for _, fl := range p.Evaluate(counts) {
			if fl.Message == "" || !utf8.ValidString(fl.Message) {
				t.Fatalf("bad failure message %q", fl.Message)
			}
		}
	})
}
