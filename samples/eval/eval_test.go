package eval

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/samples/corpus"
)

// TestSamples runs winnow on the bundled samples and holds it to the issues'
// quality bars: precision and recall ≥ 0.95 for checksum-validated PII;
// duplicates precision ≥ 0.95 and recall ≥ 0.90; recall ≥ 0.95 on planted
// Unicode attacks, injections and template tokens; ≤ 0.1% of clean records
// flagged by per-record poison kinds. It prints the whole table.
func TestSamples(t *testing.T) {
	root := filepath.Join("..", "data")
	res, err := Run(context.Background(), root, filepath.Join("..", "expected"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	WriteTable(&sb, res.Scores)
	t.Logf("%d records\n%s", res.Records, sb.String())
	byKind := map[string]Score{}
	for _, s := range res.Scores {
		byKind[s.Kind] = s
	}
	check := func(s Score, minP, minR float64) {
		t.Helper()
		if s.Labels == 0 {
			t.Errorf("%s: no labels in the samples", s.Kind)
			return
		}
		if s.Precision() < minP || s.Recall() < minR {
			t.Errorf("%s: precision %.3f (want ≥ %.2f), recall %.3f (want ≥ %.2f); %d labelled, %d reported",
				s.Kind, s.Precision(), minP, s.Recall(), minR, s.Labels, s.Findings)
		}
	}
	for _, k := range []string{"pii.credit_card", "pii.iban", "pii.cn_resident_id", "pii.in_aadhaar", "pii.crypto_wallet", "pii.email"} {
		check(byKind[k], 0.95, 0.95)
	}
	check(Combine(res.Scores, "dup.*", "dup.*"), 0.95, 0.90)
	for _, k := range []string{"poison.bidi_control", "poison.invisible_char", "poison.tag_char", "poison.homoglyph",
		"poison.prompt_injection", "poison.template_token"} {
		check(byKind[k], 0, 0.95)
	}
	rate, flagged, clean := FalsePositiveRate(res.Labels, res.Findings, PerRecordPoison, res.Records)
	if rate > 0.001 {
		t.Errorf("per-record poison kinds flag %d of %d clean records (%.3f%%, want ≤ 0.1%%)", flagged, clean, 100*rate)
	}
	if _, err := os.Stat(root); err != nil {
		t.Fatal(err)
	}
}

func TestScoreKinds(t *testing.T) {
	labels := loadLabels(t, `{"file":"a","row":1,"field":"$.t","start":0,"end":5,"kind":"pii.email"}
{"file":"a","row":2,"field":"$.t","start":3,"end":9,"kind":"pii.email"}
{"file":"a","row":4,"kind":"dup.exact"}`)
	findings := []Finding{
		{File: "a", Row: 1, Field: "$.t", Start: 1, End: 4, Kind: "pii.email"}, // overlaps: correct
		{File: "a", Row: 2, Field: "$.u", Start: 3, End: 9, Kind: "pii.email"}, // other field: wrong
		{File: "a", Row: 3, Field: "$.t", Start: 0, End: 2, Kind: "pii.email"}, // unlabelled: wrong
		{File: "a", Row: 4, Kind: "dup.exact"},                                 // document-level: correct
		{File: "a", Row: 4, Field: "$.t", Start: 0, End: 2, Kind: "pii.phone"}, // unlabelled kind
	}
	got := map[string]Score{}
	for _, s := range ScoreKinds(labels, findings) {
		got[s.Kind] = s
	}
	if s := got["pii.email"]; s.Found != 1 || s.Correct != 1 || s.Findings != 3 || s.Labels != 2 {
		t.Errorf("pii.email %+v", s)
	}
	if s := got["dup.exact"]; s.Precision() != 1 || s.Recall() != 1 {
		t.Errorf("dup.exact %+v", s)
	}
	if s := got["pii.phone"]; s.Precision() != 0 || s.Labels != 0 {
		t.Errorf("pii.phone %+v", s)
	}
}

func loadLabels(t *testing.T, jsonl string) []corpus.Label {
	ls, err := corpus.ReadExpected(strings.NewReader(jsonl + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return ls
}
