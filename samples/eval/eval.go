// Package eval measures winnow's findings on the bundled samples against
// their labels (samples/expected) and prints precision and recall per kind.
//
//	go run ./samples/eval/cmd        # table for all corpora
//	go test ./samples/eval           # the same, with the thresholds
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/defaults"
	"github.com/winnow-data/winnow/samples/corpus"
	"github.com/winnow-data/winnow/scanner"
)

// PerRecordPoison reports whether kind is one of the per-record poison kinds
// whose false-positive rate on clean records is bounded (issue #5).
func PerRecordPoison(kind string) bool {
	switch kind {
	case "poison.bidi_control", "poison.invisible_char", "poison.tag_char", "poison.homoglyph",
		"poison.prompt_injection", "poison.template_token":
		return true
	}
	return false
}

// Score is the evaluation of one kind.
type Score struct {
	Kind     string
	Labels   int // labelled items
	Findings int // findings reported
	Found    int // labels matched by at least one finding
	Correct  int // findings that match a label
}

// Precision is Correct/Findings (1 when nothing was reported).
func (s Score) Precision() float64 {
	if s.Findings == 0 {
		return 1
	}
	return float64(s.Correct) / float64(s.Findings)
}

// Recall is Found/Labels (1 when nothing was labelled).
func (s Score) Recall() float64 {
	if s.Labels == 0 {
		return 1
	}
	return float64(s.Found) / float64(s.Labels)
}

// Finding is the part of a findings.jsonl row the evaluation reads.
type Finding struct {
	File     string `json:"file"`
	Row      int64  `json:"row"`
	Field    string `json:"field"`
	Start    int64  `json:"start"`
	End      int64  `json:"end"`
	Kind     string `json:"kind"`
	KeptFile string `json:"kept_file"`
	KeptRow  *int64 `json:"kept_row"`
}

// Result is one evaluation run.
type Result struct {
	Scores   []Score // sorted by kind
	Labels   []corpus.Label
	Findings []Finding
	Records  int64
}

// Run scans root (samples/data) with the default detectors, dedupe and
// corpus detectors, and scores the findings against the labels under
// expected (samples/expected).
func Run(ctx context.Context, root, expected, tmp string) (*Result, error) {
	opt := defaults.DefaultOptions()
	reg, err := defaults.Registry(opt)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(tmp, "eval-out")
	res, err := scanner.Run(ctx, scanner.Config{
		Mode:           scanner.ModeScan,
		Inputs:         []string{root},
		Out:            out,
		FindingsFormat: "jsonl",
		Registry:       reg,
		Corpus:         func() []detectors.CorpusDetector { return defaults.Corpus(opt) },
		Key:            []byte("winnow-eval-key-0123456789"),
	})
	if err != nil {
		return nil, err
	}
	findings, err := readFindings(filepath.Join(out, "findings.jsonl"), root)
	if err != nil {
		return nil, err
	}
	var labels []corpus.Label
	files, _ := filepath.Glob(filepath.Join(expected, "*", "expected.jsonl"))
	for _, f := range files {
		ls, err := corpus.LoadExpected(f)
		if err != nil {
			return nil, err
		}
		labels = append(labels, ls...)
	}
	return &Result{Scores: ScoreKinds(labels, findings), Labels: labels, Findings: findings, Records: res.Report.Totals.RecordsIn}, nil
}

func readFindings(path, root string) ([]Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Finding
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	prefix := filepath.ToSlash(filepath.Clean(root)) + "/"
	for sc.Scan() {
		var fd Finding
		if err := json.Unmarshal(sc.Bytes(), &fd); err != nil {
			return nil, err
		}
		fd.File = strings.TrimPrefix(filepath.ToSlash(fd.File), prefix)
		fd.KeptFile = strings.TrimPrefix(filepath.ToSlash(fd.KeptFile), prefix)
		out = append(out, fd)
	}
	return out, sc.Err()
}

// matches reports whether a finding reports a label: same file, row and
// kind, and for span labels the same field and overlapping spans.
func matches(l corpus.Label, f Finding) bool {
	if l.File != f.File || l.Row != f.Row || l.Kind != f.Kind {
		return false
	}
	if l.Field == "" || l.Start == l.End || f.Field == "" {
		return true
	}
	return l.Field == f.Field && f.Start < l.End && l.Start < f.End
}

// ScoreKinds scores findings against labels per kind. Only kinds that have
// labels or findings appear.
func ScoreKinds(labels []corpus.Label, findings []Finding) []Score {
	byKind := map[string]*Score{}
	get := func(k string) *Score {
		s := byKind[k]
		if s == nil {
			s = &Score{Kind: k}
			byKind[k] = s
		}
		return s
	}
	type key struct {
		file string
		row  int64
		kind string
	}
	labelIdx := map[key][]int{}
	for i, l := range labels {
		get(l.Kind).Labels++
		k := key{l.File, l.Row, l.Kind}
		labelIdx[k] = append(labelIdx[k], i)
	}
	found := make([]bool, len(labels))
	for _, f := range findings {
		s := get(f.Kind)
		s.Findings++
		ok := false
		for _, i := range labelIdx[key{f.File, f.Row, f.Kind}] {
			if matches(labels[i], f) {
				found[i] = true
				ok = true
			}
		}
		if ok {
			s.Correct++
		}
	}
	for i, l := range labels {
		if found[i] {
			get(l.Kind).Found++
		}
	}
	out := make([]Score, 0, len(byKind))
	for _, s := range byKind {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// Combine sums the scores of the kinds matching a glob into one row.
func Combine(scores []Score, name, glob string) Score {
	c := Score{Kind: name}
	for _, s := range scores {
		if detectors.MatchKind([]string{glob}, s.Kind) {
			c.Labels += s.Labels
			c.Findings += s.Findings
			c.Found += s.Found
			c.Correct += s.Correct
		}
	}
	return c
}

// WriteTable writes the scores as a Markdown table.
func WriteTable(w io.Writer, scores []Score) {
	fmt.Fprintln(w, "| kind | labelled | reported | precision | recall |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, s := range scores {
		fmt.Fprintf(w, "| `%s` | %d | %d | %.3f | %.3f |\n", s.Kind, s.Labels, s.Findings, s.Precision(), s.Recall())
	}
}

// FalsePositiveRate is the fraction of records without any label of the
// selected kinds that still got a finding of those kinds: the
// false-positive rate on clean documents. records is the number of records
// scanned.
func FalsePositiveRate(labels []corpus.Label, findings []Finding, kinds func(string) bool, records int64) (rate float64, flagged int, clean int64) {
	type rec struct {
		file string
		row  int64
	}
	labelled := map[rec]bool{}
	for _, l := range labels {
		if kinds(l.Kind) {
			labelled[rec{l.File, l.Row}] = true
		}
	}
	hit := map[rec]bool{}
	for _, f := range findings {
		if kinds(f.Kind) && !labelled[rec{f.File, f.Row}] {
			hit[rec{f.File, f.Row}] = true
		}
	}
	clean = records - int64(len(labelled))
	if clean <= 0 {
		return 0, len(hit), clean
	}
	return float64(len(hit)) / float64(clean), len(hit), clean
}
