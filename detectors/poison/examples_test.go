package poison

import (
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// TestExamples runs every detector's true-positive and near-miss examples
// through the real prefilter and matcher (detectors.Compile).
func TestExamples(t *testing.T) {
	for _, d := range Detectors(DefaultOptions()) {
		ex, ok := d.(detectors.Exampler)
		if !ok {
			t.Errorf("%s has no examples", d.ID())
			continue
		}
		set := detectors.Compile(detectors.MustRegistry(d), nil)
		var sc detectors.Scratch
		for i, e := range ex.Examples() {
			hits := set.Detect(nil, []byte(e.Text), &sc)
			name := d.ID() + "/" + string(rune('a'+i%26)) + "_" + strings.ReplaceAll(trunc(e.Text, 24), "/", "_")
			t.Run(name, func(t *testing.T) {
				for _, h := range hits {
					if h.Start < 0 || h.End > len(e.Text) || h.Start > h.End {
						t.Fatalf("match %+v outside text of %d bytes", h.Match, len(e.Text))
					}
				}
				if e.Kind == "" {
					for _, h := range hits {
						t.Errorf("negative example %q: unexpected %s %q (%.2f)", e.Text, h.Kind, e.Text[h.Start:h.End], h.Confidence)
					}
					return
				}
				found := false
				for _, h := range hits {
					if h.Kind == e.Kind && (e.Want == "" || e.Text[h.Start:h.End] == e.Want) {
						found = true
					}
				}
				if !found {
					var got []string
					for _, h := range hits {
						got = append(got, h.Kind+":"+e.Text[h.Start:h.End])
					}
					t.Errorf("example %q: want %s %q, got %q", e.Text, e.Kind, e.Want, got)
				}
			})
		}
	}
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
