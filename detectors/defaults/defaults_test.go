package defaults

import (
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// TestRegistryInvariants checks properties every built-in detector must have.
func TestRegistryInvariants(t *testing.T) {
	reg, err := Registry(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Detectors()) == 0 {
		t.Fatal("empty registry")
	}
	prev := ""
	for _, d := range reg.Detectors() {
		if d.ID() <= prev {
			t.Errorf("registry not sorted or has duplicates: %q after %q", d.ID(), prev)
		}
		prev = d.ID()
		if d.Version() == "" {
			t.Errorf("%s: empty version", d.ID())
		}
		for _, k := range d.Kinds() {
			if !detectors.ValidKindName(k.Name) || k.Description == "" {
				t.Errorf("%s: bad kind %+v", d.ID(), k)
			}
		}
		ex, ok := d.(detectors.Exampler)
		if !ok {
			t.Errorf("%s: no Examples()", d.ID())
			continue
		}
		var pos, neg int
		for _, e := range ex.Examples() {
			if e.Kind == "" {
				neg++
			} else {
				pos++
			}
		}
		if pos == 0 || neg == 0 {
			t.Errorf("%s: %d positive and %d negative examples; want both", d.ID(), pos, neg)
		}
	}
}

// TestAllExamplesThroughSet runs every detector's examples through the real
// prefilter and matcher of the full default set: positives are found with
// the exact substring, negatives produce no finding of the detector's kinds.
func TestAllExamplesThroughSet(t *testing.T) {
	reg, err := Registry(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	set := detectors.Compile(reg, nil)
	var sc detectors.Scratch
	for _, d := range reg.Detectors() {
		ex, ok := d.(detectors.Exampler)
		if !ok {
			continue
		}
		own := map[string]bool{}
		for _, k := range d.Kinds() {
			own[k.Name] = true
		}
		for _, e := range ex.Examples() {
			hits := set.Detect(nil, []byte(e.Text), &sc)
			if e.Kind == "" {
				for _, h := range hits {
					if own[h.Kind] && set.Detectors()[h.Det].ID() == d.ID() {
						t.Errorf("%s: negative %q reported %s %q", d.ID(), e.Text, h.Kind, e.Text[h.Start:h.End])
					}
				}
				continue
			}
			found := false
			for _, h := range hits {
				if h.Kind == e.Kind && (e.Want == "" || e.Text[h.Start:h.End] == e.Want) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: positive %q: no %s (want %q); got %v", d.ID(), e.Text, e.Kind, e.Want, hits)
			}
		}
	}
}

func TestCorpusDetectorsAreFresh(t *testing.T) {
	a, b := Corpus(DefaultOptions()), Corpus(DefaultOptions())
	for i := range a {
		if a[i] == b[i] {
			t.Errorf("Corpus returned a shared instance of %s", a[i].ID())
		}
	}
}

func TestCorpusKindsMatchDetectors(t *testing.T) {
	want := map[string]CorpusKind{}
	for _, k := range CorpusKinds() {
		want[k.Name] = k
	}
	n := 0
	for _, c := range Corpus(DefaultOptions()) {
		for _, k := range c.Kinds() {
			n++
			if w, ok := want[k.Name]; !ok || w.Kind != k || w.Detector != c.ID() {
				t.Errorf("CorpusKinds is stale for %s: have %+v, detector reports %+v from %s", k.Name, w, k, c.ID())
			}
		}
	}
	if n != len(want) {
		t.Errorf("CorpusKinds lists %d kinds, detectors report %d", len(want), n)
	}
}
