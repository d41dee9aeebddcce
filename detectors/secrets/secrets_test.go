package secrets

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

func registry(t testing.TB, opt Options) *detectors.Registry {
	t.Helper()
	reg, err := detectors.NewRegistry(Detectors(opt)...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestExamples runs every detector's examples through the real prefilter
// and matcher (detectors.Compile(reg, nil).Detect).
func TestExamples(t *testing.T) {
	reg := registry(t, DefaultOptions())
	set := detectors.Compile(reg, nil)
	var sc detectors.Scratch
	for di, d := range reg.Detectors() {
		ex, ok := d.(detectors.Exampler)
		if !ok {
			t.Errorf("%s has no examples", d.ID())
			continue
		}
		kinds := map[string]bool{}
		for _, k := range d.Kinds() {
			kinds[k.Name] = true
		}
		covered := map[string]bool{}
		var npos, nneg int
		for i, e := range ex.Examples() {
			t.Run(fmt.Sprintf("%s/%d", d.ID(), i), func(t *testing.T) {
				hits := set.Detect(nil, []byte(e.Text), &sc)
				if e.Kind == "" {
					nneg++
					for _, h := range hits {
						if kinds[h.Kind] {
							t.Errorf("near miss %q: reported %s [%d,%d) %q by %s", e.Text, h.Kind, h.Start, h.End,
								e.Text[h.Start:h.End], reg.Detectors()[h.Det].ID())
						}
					}
					return
				}
				npos++
				if !kinds[e.Kind] {
					t.Fatalf("example kind %s not in Kinds()", e.Kind)
				}
				covered[e.Kind] = true
				for _, h := range hits {
					if int(h.Det) == di && h.Kind == e.Kind && (e.Want == "" || e.Text[h.Start:h.End] == e.Want) {
						if h.Confidence <= 0 || h.Confidence > 1 {
							t.Errorf("confidence %v out of (0, 1]", h.Confidence)
						}
						return
					}
				}
				var got []string
				for _, h := range hits {
					got = append(got, fmt.Sprintf("%s %q", h.Kind, e.Text[h.Start:h.End]))
				}
				t.Errorf("text %q: want %s %q, got %v", e.Text, e.Kind, e.Want, got)
			})
		}
		if npos == 0 || nneg == 0 {
			t.Errorf("%s: %d positive and %d negative examples; want at least one of each", d.ID(), npos, nneg)
		}
		for k := range kinds {
			if !covered[k] {
				t.Errorf("%s: kind %s has no positive example", d.ID(), k)
			}
		}
	}
}

func TestCatalogueInvariants(t *testing.T) {
	ds := Detectors(DefaultOptions())
	rules := 0
	kinds := map[string]bool{}
	for _, d := range ds {
		if !strings.HasPrefix(d.ID(), "secrets.") || d.Version() == "" {
			t.Errorf("bad ID/version %q %q", d.ID(), d.Version())
		}
		declared := map[string]bool{}
		for _, k := range d.Kinds() {
			if !detectors.ValidKindName(k.Name) || !strings.HasPrefix(k.Name, "secret.") || k.Description == "" {
				t.Errorf("%s: bad kind %+v", d.ID(), k)
			}
			declared[k.Name] = true
			kinds[k.Name] = true
		}
		p, ok := d.(detectors.Prefiltered)
		if !ok || len(p.Keywords()) == 0 {
			t.Errorf("%s has no keywords", d.ID())
			continue
		}
		for _, kw := range p.Keywords() {
			if kw != strings.ToLower(kw) || len(kw) < 4 {
				t.Errorf("%s: keyword %q must be lowercase and at least 4 bytes (the prefilter fast path)", d.ID(), kw)
			}
		}
		if _, ok := d.(detectors.Windowed); !ok {
			t.Errorf("%s is not Windowed", d.ID())
		}
		rd, ok := d.(*ruleDetector)
		if !ok {
			continue
		}
		used := map[string]bool{}
		for _, c := range rd.set.rules {
			used[c.kind] = true
			if !declared[c.kind] {
				t.Errorf("%s: rule kind %s missing from Kinds()", d.ID(), c.kind)
			}
			if c.conf <= 0 || c.conf > 1 {
				t.Errorf("%s: rule %s confidence %v", d.ID(), c.kind, c.conf)
			}
			if rd.id != "secrets.generic" {
				rules++
			}
		}
		for k := range declared {
			if !used[k] {
				t.Errorf("%s: kind %s has no rule", d.ID(), k)
			}
		}
	}
	if rules < 60 {
		t.Errorf("%d provider token formats, want at least 60", rules)
	}
	for _, k := range []string{"secret.aws_access_key_id", "secret.github_token", "secret.slack_token", "secret.stripe_key",
		"secret.google_api_key", "secret.openai_key", "secret.private_key", "secret.jwt", "secret.generic_high_entropy"} {
		if !kinds[k] {
			t.Errorf("DESIGN §6 kind %s missing", k)
		}
	}
	t.Logf("%d detectors, %d provider rules, %d kinds", len(ds), rules, len(kinds))
}

func TestReportTestKeys(t *testing.T) {
	text := []byte("stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'")
	for _, report := range []bool{false, true} {
		opt := DefaultOptions()
		opt.ReportTestKeys = report
		set := detectors.Compile(registry(t, opt), nil)
		var sc detectors.Scratch
		found := false
		for _, h := range set.Detect(nil, text, &sc) {
			found = found || h.Kind == "secret.stripe_key"
		}
		if found != report {
			t.Errorf("ReportTestKeys=%v: reported=%v", report, found)
		}
	}
}

func TestOptions(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("zero options (all defaults): %v", err)
	}
	err := Options{GenericMinEntropy: 9, GenericMinLength: 2}.Validate()
	if err == nil || !strings.Contains(err.Error(), "generic_min_entropy") || !strings.Contains(err.Error(), "generic_min_length") {
		t.Fatalf("want both problems reported, got %v", err)
	}
	if got := (Options{GenericMinLength: 2}).withDefaults(); got.GenericMinLength != DefaultGenericMinLength {
		t.Fatalf("out-of-range length not defaulted: %+v", got)
	}
	// A stricter entropy threshold drops a value the default reports.
	text := []byte("DB_PASSWORD=Xk9#mP2$vL8qT4")
	count := func(opt Options) int {
		set := detectors.Compile(registry(t, opt), nil)
		var sc detectors.Scratch
		return len(set.Detect(nil, text, &sc))
	}
	if n := count(DefaultOptions()); n != 1 {
		t.Fatalf("default: %d findings", n)
	}
	if n := count(Options{GenericMinEntropy: 4.5}); n != 0 {
		t.Fatalf("entropy 4.5: %d findings", n)
	}
}

func TestFilters(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"AKIAIOSFODNN7EXAMPLE", true},
		{"xoxb-xxxxx", true},
		{"abc123456def", true},
		{"zzzzzz", true},
		{"fedcba", true},
		{"p4s28UcLDmDoSaWw5ctB", false},
		{"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", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := looksPlaceholder([]byte(tt.in)); got != tt.want {
				t.Errorf("looksPlaceholder(%q) = %v", tt.in, got)
			}
		})
	}
	if e := entropy([]byte("aaaa")); e != 0 {
		t.Errorf("entropy(aaaa) = %v", e)
	}
	if e := entropy([]byte("abcd")); e != 2 {
		t.Errorf("entropy(abcd) = %v", e)
	}
	if !githubChecksumOK([]byte("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"), 0, 40) {
		t.Error("valid GitHub checksum rejected")
	}
	if githubChecksumOK([]byte("ghu_16C7e42F292c6912E7710c838347Ae178B4a"), 0, 40) {
		t.Error("invalid GitHub checksum accepted")
	}
	// BIP-173 test vectors.
	for _, v := range []string{"A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"} {
		if !bech32OK([]byte(v)) {
			t.Errorf("bech32 %q rejected", v)
		}
	}
	for _, v := range []string{"A12UEL5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxx", "1qzzfhee"} {
		if bech32OK([]byte(v)) {
			t.Errorf("bech32 %q accepted", v)
		}
	}
}

// TestDetectAllocs checks that values without findings cost no allocation,
// through the whole Set.
func TestDetectAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	set := detectors.Compile(registry(t, DefaultOptions()), nil)
	var sc detectors.Scratch
	texts := [][]byte{
		benchCorpus(64<<10, false),
		[]byte("Keywords everywhere but nothing real: token password secret ghp_ sk-ant- AKIA -----BEGIN eyJ"),
	}
	dst := make([]detectors.Hit, 0, 64)
	for i, text := range texts {
		if hits := set.Detect(dst[:0], text, &sc); len(hits) != 0 {
			t.Fatalf("text %d: unexpected findings %v", i, hits)
		}
		if n := testing.AllocsPerRun(20, func() { set.Detect(dst[:0], text, &sc) }); n != 0 {
			t.Errorf("text %d: %.1f allocations per value without findings", i, n)
		}
	}
}

// TestConcurrentDetect runs one Set from several goroutines (each with its
// own Scratch) and checks every result against a sequential run; with -race
// it also checks the detectors share no mutable state.
func TestConcurrentDetect(t *testing.T) {
	set := detectors.Compile(registry(t, DefaultOptions()), nil)
	texts := [][]byte{benchCorpus(32<<10, true), benchCorpus(48<<10, true), []byte(strings.Join(benchPlanted, " "))}
	want := make([][]detectors.Hit, len(texts))
	var sc detectors.Scratch
	for i, text := range texts {
		want[i] = set.Detect(nil, text, &sc)
		if len(want[i]) == 0 {
			t.Fatalf("text %d: no findings", i)
		}
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			var sc detectors.Scratch
			for r := 0; r < 5; r++ {
				for i, text := range texts {
					if got := set.Detect(nil, text, &sc); !slices.Equal(got, want[i]) {
						errs <- fmt.Sprintf("goroutine result differs on text %d", i)
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

func sortMatches(ms []detectors.Match) []detectors.Match {
	slices.SortFunc(ms, func(a, b detectors.Match) int {
		switch {
		case a.Start != b.Start:
			return a.Start - b.Start
		case a.End != b.End:
			return a.End - b.End
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return ms
}
