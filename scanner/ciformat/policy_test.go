package ciformat

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		in    string
		want  []Clause
		canon string
	}{
		{"none", nil, "none"},
		{" NONE ", nil, "none"},
		{"low", []Clause{{Op: OpSeverity, Severity: detectors.SeverityLow}}, "low"},
		{"High", []Clause{{Op: OpSeverity, Severity: detectors.SeverityHigh}}, "high"},
		{"secret.*=any", []Clause{{Kind: "secret.*", Op: OpAny}}, "secret.*=any"},
		{"pii.credit_card>0", []Clause{{Kind: "pii.credit_card", Op: OpCount}}, "pii.credit_card>0"},
		{"pii.email>250", []Clause{{Kind: "pii.email", Op: OpCount, Count: 250}}, "pii.email>250"},
		{"dup.exact>1%", []Clause{{Kind: "dup.exact", Op: OpPercent, PercentMicro: 1_000_000}}, "dup.exact>1%"},
		{"poison.*>0.01%", []Clause{{Kind: "poison.*", Op: OpPercent, PercentMicro: 10_000}}, "poison.*>0.01%"},
		{"dup.*>.5%", []Clause{{Kind: "dup.*", Op: OpPercent, PercentMicro: 500_000}}, "dup.*>0.5%"},
		{"dup.*>100%", []Clause{{Kind: "dup.*", Op: OpPercent, PercentMicro: 100_000_000}}, "dup.*>100%"},
		{"dup.*>0.000001%", []Clause{{Kind: "dup.*", Op: OpPercent, PercentMicro: 1}}, "dup.*>0.000001%"},
		{"dup.*>007.50%", []Clause{{Kind: "dup.*", Op: OpPercent, PercentMicro: 7_500_000}}, "dup.*>7.5%"},
		{
			"secret.*=any,pii.credit_card>0,dup.exact>1%,poison.*>0.01%",
			[]Clause{
				{Kind: "secret.*", Op: OpAny},
				{Kind: "pii.credit_card", Op: OpCount},
				{Kind: "dup.exact", Op: OpPercent, PercentMicro: 1_000_000},
				{Kind: "poison.*", Op: OpPercent, PercentMicro: 10_000},
			},
			"secret.*=any,pii.credit_card>0,dup.exact>1%,poison.*>0.01%",
		},
		{
			" secret.* = any , high , pii.[ei]*> 3 ",
			[]Clause{
				{Kind: "secret.*", Op: OpAny},
				{Op: OpSeverity, Severity: detectors.SeverityHigh},
				{Kind: "pii.[ei]*", Op: OpCount, Count: 3},
			},
			"secret.*=any,high,pii.[ei]*>3",
		},
		{"*=any", []Clause{{Kind: "*", Op: OpAny}}, "*=any"},
		{"pii.email>9223372036854775807", []Clause{{Kind: "pii.email", Op: OpCount, Count: math.MaxInt64}}, "pii.email>9223372036854775807"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePolicy(tt.in)
			if err != nil {
				t.Fatalf("ParsePolicy(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(p.Clauses, tt.want) {
				t.Errorf("clauses = %+v, want %+v", p.Clauses, tt.want)
			}
			if got := p.String(); got != tt.canon {
				t.Errorf("String() = %q, want %q", got, tt.canon)
			}
			if p.IsZero() != (len(tt.want) == 0) {
				t.Errorf("IsZero() = %v", p.IsZero())
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		in     string
		index  int // 0-based clause index, -1 for the whole expression
		clause string
		reason string // substring of the reason
	}{
		{"", -1, "", "empty policy"},
		{"   ", -1, "", "empty policy"},
		{"secret.*=any,", 1, "", "empty clause"},
		{",high", 0, "", "empty clause"},
		{"severe", 0, "severe", "not a severity or threshold"},
		{"secret.*", 0, "secret.*", "no threshold for kind glob"},
		{"pii.email", 0, "pii.email", "write pii.email=any"},
		{"none,high", 0, "none", "cannot be combined"},
		{"high,none", 1, "none", "cannot be combined"},
		{"secret.*=all", 0, "secret.*=all", "'=' takes only any"},
		{"secret.*=1", 0, "secret.*=1", "'=' takes only any"},
		{"pii.*>=1", 0, "pii.*>=1", "'>=' is not supported"},
		{"pii.*<5", 0, "pii.*<5", "'<' is not supported"},
		{"=any", 0, "=any", "missing kind glob"},
		{">3", 0, ">3", "missing kind glob"},
		{"Secret.*=any", 0, "Secret.*=any", "uppercase"},
		{"secret/x=any", 0, "secret/x=any", "character not found in kind names"},
		{"pii.[email=any", 0, "pii.[email=any", "malformed"},
		{"pii=any", 0, "pii=any", "matches no kind: kinds are family.name (try pii.*)"},
		{"pii.*>", 0, "pii.*>", "not a whole number"},
		{"pii.*>x", 0, "pii.*>x", "not a whole number"},
		{"pii.*>-1", 0, "pii.*>-1", "not a whole number"},
		{"pii.*>1.5", 0, "pii.*>1.5", "not a whole number"},
		{"pii.*>99999999999999999999", 0, "pii.*>99999999999999999999", "not a whole number"},
		{"pii.*>9999999999999999999", 0, "pii.*>9999999999999999999", "out of range"},
		{"dup.*>%", 0, "dup.*>%", "not a number"},
		{"dup.*>.%", 0, "dup.*>.%", "not a number"},
		{"dup.*>1.2.3%", 0, "dup.*>1.2.3%", "not a number"},
		{"dup.*>abc%", 0, "dup.*>abc%", "not a number"},
		{"dup.*>101%", 0, "dup.*>101%", "above 100%"},
		{"dup.*>1000%", 0, "dup.*>1000%", "above 100%"},
		{"dup.*>100.000001%", 0, "dup.*>100.000001%", "above 100%"},
		{"dup.*>0.0000001%", 0, "dup.*>0.0000001%", "more than 6 decimal places"},
		{"high,pii.*>1,dup.exact=some", 2, "dup.exact=some", "'=' takes only any"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParsePolicy(tt.in)
			if err == nil {
				t.Fatalf("ParsePolicy(%q) = nil error", tt.in)
			}
			if !errors.Is(err, ErrPolicy) {
				t.Errorf("error %v does not wrap ErrPolicy", err)
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *PolicyError", err)
			}
			if pe.Index != tt.index || pe.Clause != tt.clause {
				t.Errorf("clause = %d %q, want %d %q", pe.Index, pe.Clause, tt.index, tt.clause)
			}
			if !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", pe.Reason, tt.reason)
			}
			if tt.index >= 0 && !strings.Contains(err.Error(), `"`+tt.clause+`"`) {
				t.Errorf("message %q does not name the clause", err.Error())
			}
		})
	}
}

// sampleCounts is a small run: 1000 records in.
func sampleCounts() Counts {
	return Counts{
		RecordsIn: 1000,
		FindingsByKind: map[string]int64{
			"secret.github_token": 2, "secret.jwt": 1,
			"pii.email": 40, "pii.credit_card": 3, "pii.phone": 0,
			"dup.exact": 32, "dup.near": 5,
			"poison.bidi_control": 1,
		},
		RecordsByKind: map[string]int64{
			"secret.github_token": 2, "secret.jwt": 1,
			"pii.email": 30, "pii.credit_card": 3,
			"dup.exact": 32, "dup.near": 5,
			"poison.bidi_control": 1,
		},
		Severity: map[string]detectors.Severity{
			"secret.github_token": detectors.SeverityCritical, "secret.jwt": detectors.SeverityMedium,
			"pii.email": detectors.SeverityMedium, "pii.credit_card": detectors.SeverityHigh,
			"dup.exact": detectors.SeverityLow, "dup.near": detectors.SeverityLow,
			// poison.bidi_control has no severity: it counts as low.
		},
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		policy string
		edit   func(*Counts)
		want   []string // failure messages, in clause order
	}{
		{policy: "none", want: nil},
		{policy: "secret.*=any", want: []string{"secret.*: 3 findings, any fails [secret.github_token 2, secret.jwt 1]"}},
		{policy: "secret.github_token=any", want: []string{"secret.github_token: 2 findings, any fails"}},
		{policy: "pii.phone=any", want: nil}, // zero findings
		{policy: "pii.ssn=any", want: nil},   // kind absent
		{policy: "pii.credit_card>0", want: []string{"pii.credit_card: 3 findings > 0"}},
		{policy: "pii.credit_card>3", want: nil}, // 3 is not more than 3
		{policy: "pii.credit_card>2", want: []string{"pii.credit_card: 3 findings > 2"}},
		{policy: "dup.exact>1%", want: []string{"dup.exact: 3.2% of records > 1% (32 of 1000)"}},
		{policy: "dup.exact>3.2%", want: nil}, // exactly 3.2% does not exceed
		{policy: "dup.exact>3.19%", want: []string{"dup.exact: 3.20% of records > 3.19% (32 of 1000)"}},
		{policy: "poison.*>0.01%", want: []string{"poison.*: 0.10% of records > 0.01% (1 of 1000)"}},
		{policy: "poison.*>0.1%", want: nil},
		// Without RecordsMatching, a multi-kind glob sums records per kind.
		{policy: "dup.*>3.6%", want: []string{"dup.*: 3.7% of records > 3.6% (37 of 1000) [dup.exact 32, dup.near 5]"}},
		// With it, the exact union is used.
		{
			policy: "dup.*>3.6%",
			edit:   func(c *Counts) { c.RecordsMatching = map[string]int64{"dup.*": 36} },
			want:   nil,
		},
		{
			policy: "dup.*>3.5%",
			edit:   func(c *Counts) { c.RecordsMatching = map[string]int64{"dup.*": 36} },
			want:   []string{"dup.*: 3.6% of records > 3.5% (36 of 1000) [dup.exact 32, dup.near 5]"},
		},
		{policy: "dup.exact>0%", edit: func(c *Counts) { c.RecordsIn = 0 }, want: nil}, // no records in
		{policy: "critical", want: []string{"critical: 2 findings of severity critical or above [secret.github_token 2 critical]"}},
		{policy: "high", want: []string{"high: 5 findings of severity high or above [pii.credit_card 3 high, secret.github_token 2 critical]"}},
		{
			policy: "low",
			want:   []string{"low: 84 findings of severity low or above [pii.email 40 medium, dup.exact 32 low, dup.near 5 low, pii.credit_card 3 high, secret.github_token 2 critical, +2 more]"},
		},
		{policy: "info", edit: func(c *Counts) { c.FindingsByKind = map[string]int64{} }, want: nil},
		{
			policy: "secret.*=any,pii.*>100,dup.exact>1%,critical",
			want: []string{
				"secret.*: 3 findings, any fails [secret.github_token 2, secret.jwt 1]",
				"dup.exact: 3.2% of records > 1% (32 of 1000)",
				"critical: 2 findings of severity critical or above [secret.github_token 2 critical]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			p, err := ParsePolicy(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			c := sampleCounts()
			if tt.edit != nil {
				tt.edit(&c)
			}
			var got []string
			for _, f := range p.Evaluate(c) {
				got = append(got, f.Message)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Evaluate(%s):\n got %q\nwant %q", tt.policy, got, tt.want)
			}
		})
	}
}

func TestEvaluateFailureFields(t *testing.T) {
	p, err := ParsePolicy("pii.*>40")
	if err != nil {
		t.Fatal(err)
	}
	fs := p.Evaluate(sampleCounts())
	if len(fs) != 1 {
		t.Fatalf("got %d failures, want 1", len(fs))
	}
	f := fs[0]
	if f.Findings != 43 || f.Records != 33 || !reflect.DeepEqual(f.Kinds, []string{"pii.credit_card", "pii.email"}) {
		t.Errorf("failure = %+v", f)
	}
	if f.Clause != p.Clauses[0] {
		t.Errorf("clause = %v", f.Clause)
	}
}

func TestExceedsPercent(t *testing.T) {
	tests := []struct {
		records, in, pm int64
		want            bool
	}{
		{1, 100, 1_000_000, false},    // 1% is not above 1%
		{2, 100, 1_000_000, true},     // 2% > 1%
		{3, 300, 1_000_000, false},    // exactly 1%, no float rounding
		{1, 3, 33_333_333, true},      // 33.3333333…% > 33.333333%
		{1, 3, 33_333_334, false},     // < 33.333334%
		{0, 100, 0, false},            // no records never exceeds
		{1, 100, 0, true},             // >0% fails on one record
		{5, 0, 0, false},              // no records in
		{101, 100, 100_000_000, true}, // an overcounted upper bound can exceed 100%
		{math.MaxInt64, math.MaxInt64, 99_999_999, true},
		{math.MaxInt64 / 2, math.MaxInt64, 50_000_000, false},
		{-1, 100, 0, false},
	}
	for _, tt := range tests {
		if got := exceedsPercent(tt.records, tt.in, tt.pm); got != tt.want {
			t.Errorf("exceedsPercent(%d, %d, %d) = %v, want %v", tt.records, tt.in, tt.pm, got, tt.want)
		}
	}
}

func TestFormatShare(t *testing.T) {
	tests := []struct {
		records, in, pm int64
		want            string
	}{
		{32, 1000, 1_000_000, "3.2"},
		{104, 10000, 1_000_000, "1.04"},  // "1.0" would not read as above 1
		{11, 100000, 10_000, "0.011"},    // threshold 0.01 has 2 decimals; 0.01 is not above
		{1, 3, 33_333_333, "33.3333333"}, // needs a decimal past the threshold's 6
		{50, 100, 0, "50.0"},
	}
	for _, tt := range tests {
		if got := formatShare(tt.records, tt.in, tt.pm); got != tt.want {
			t.Errorf("formatShare(%d, %d, %d) = %q, want %q", tt.records, tt.in, tt.pm, got, tt.want)
		}
	}
}

func TestClauseMatches(t *testing.T) {
	tests := []struct {
		clause string
		kind   string
		sev    detectors.Severity
		want   bool
	}{
		{"secret.*=any", "secret.jwt", 0, true},
		{"secret.*=any", "pii.email", 0, false},
		{"pii.e*>0", "pii.email", 0, true},
		{"pii.e*>0", "pii.phone", 0, false},
		{"*=any", "dup.near", 0, true},
		{"high", "anything", detectors.SeverityHigh, true},
		{"high", "anything", detectors.SeverityCritical, true},
		{"high", "anything", detectors.SeverityMedium, false},
	}
	for _, tt := range tests {
		p, err := ParsePolicy(tt.clause)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Clauses[0].Matches(tt.kind, tt.sev); got != tt.want {
			t.Errorf("%s matches %s (%s) = %v, want %v", tt.clause, tt.kind, tt.sev, got, tt.want)
		}
	}
}
