package poison

import (
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// TestCleanFalsePositives: the per-record poison kinds fire on at most 0.1%
// of clean multilingual documents (English, code, Chinese, Japanese,
// Russian, Arabic, Hindi, Persian, emoji chat and more).
func TestCleanFalsePositives(t *testing.T) {
	docs := cleanDocs(t, 5000, 1)
	reg := detectors.MustRegistry(Detectors(DefaultOptions())...)
	set := detectors.Compile(reg, nil)
	var sc detectors.Scratch
	flagged := 0
	shown := 0
	for _, d := range docs {
		hits := set.Detect(nil, []byte(d), &sc)
		if len(hits) > 0 {
			flagged++
			if shown < 10 {
				shown++
				h := hits[0]
				t.Logf("false positive %s (%.2f) %q in %q", h.Kind, h.Confidence, d[h.Start:h.End], d)
			}
		}
	}
	rate := float64(flagged) / float64(len(docs))
	t.Logf("clean documents flagged: %d of %d (%.3f%%)", flagged, len(docs), 100*rate)
	if rate > 0.001 {
		t.Errorf("false-positive rate %.3f%% > 0.1%%", 100*rate)
	}
}
