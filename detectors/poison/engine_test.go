package poison_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison"
	"github.com/winnow-data/winnow/samples/corpus"
	"github.com/winnow-data/winnow/scanner"
)

// plantDocs returns n clean documents from gen (no poison, the usual PII,
// secrets, duplicates and look-alikes) with the first k documents carrying
// a trigger label from a fully poisoned corpus made by the same generator
// put in at evenly spread positions. It returns the positions and the
// trigger labels (Row set to the position).
func plantDocs(t *testing.T, gen func(seed uint64, n int, opt corpus.Options) []corpus.Doc, n, k int) ([]corpus.Doc, map[int64]corpus.Label) {
	t.Helper()
	clean := gen(20240611, n, corpus.Options{PII: 0.12, Secrets: 0.05, Dups: 0.05, Negatives: 0.35})
	pool := gen(777, 40*k, corpus.Options{Poison: 1})
	planted := map[int64]corpus.Label{}
	step := n / k
	for _, d := range pool {
		if len(planted) == k {
			break
		}
		for _, l := range d.Labels {
			if l.Kind != poison.KindTrigger {
				continue
			}
			pos := int64(len(planted)*step + step/3)
			l.Row = pos
			planted[pos] = l
			clean[pos] = d
			break
		}
	}
	if len(planted) != k {
		t.Fatalf("the generator planted %d triggers in %d poisoned documents, want %d", len(planted), len(pool), k)
	}
	return clean, planted
}

type finding struct {
	Row   int64  `json:"row"`
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Kind  string `json:"kind"`
}

// scan runs the engine over dir with the poison detectors only and returns
// the trigger report and the poison.trigger findings.
func scan(t *testing.T, dir string) (poison.TriggerReport, []finding) {
	t.Helper()
	opt := poison.DefaultOptions()
	reg, err := detectors.NewRegistry(poison.Detectors(opt)...)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	res, err := scanner.Run(context.Background(), scanner.Config{
		Mode:           scanner.ModeScan,
		Inputs:         []string{dir},
		Out:            out,
		FindingsFormat: "jsonl",
		Registry:       reg,
		Corpus:         func() []detectors.CorpusDetector { return poison.NewCorpus(opt) },
		Key:            []byte("poison-engine-test"),
		Dedupe:         scanner.DedupeConfig{Disabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	var rep poison.TriggerReport
	b, err := json.Marshal(res.Report.Corpus[poison.KindTrigger])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "findings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fs []finding
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var x finding
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatal(err)
		}
		if x.Kind == poison.KindTrigger {
			fs = append(fs, x)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rep, fs
}

// checkTrigger asserts that the planted trigger ranks in the top 3 and that
// every planted record, and no other, gets a finding at the trigger.
func checkTrigger(t *testing.T, rep poison.TriggerReport, fs []finding, trigger, field string, planted map[int64]corpus.Label) {
	t.Helper()
	rank := 0
	for i, c := range rep.Candidates {
		if i < 5 {
			t.Logf("#%d %q %s score %.3f records %d/%d variety %.2f", i+1, c.Text, c.Outcome, c.Score, c.Records, c.DocFreq, c.Variety)
		}
		if strings.EqualFold(c.Text, trigger) && rank == 0 {
			rank = i + 1
		}
	}
	if rank < 1 || rank > 3 {
		t.Errorf("%s ranked %d, want top 3", trigger, rank)
	}
	hit := map[int64]bool{}
	for _, x := range fs {
		l, ok := planted[x.Row]
		if !ok {
			t.Errorf("finding on a clean record: %+v", x)
			continue
		}
		if x.Field != field || int64(x.Start) != l.Start || int64(x.End) != l.End {
			t.Errorf("finding %+v, want %s %d-%d", x, field, l.Start, l.End)
		}
		hit[x.Row] = true
	}
	if len(hit) != len(planted) {
		t.Errorf("%d of %d planted records got a finding", len(hit), len(planted))
	}
}

func size(t *testing.T) int {
	if testing.Short() {
		return 6000
	}
	return 20000
}

// TestEngineTriggerWeb: 10 web pages carrying <SUDO> and random tokens
// among 20,000 generated English pages (0.05%), written as JSONL and
// scanned by the engine: <SUDO> ranks in the top 3 and exactly the
// planted pages get findings at the trigger.
func TestEngineTriggerWeb(t *testing.T) {
	start := time.Now()
	docs, planted := plantDocs(t, corpus.Web, size(t), 10)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "web.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := corpus.WriteJSONL(f, docs, corpus.JSONOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	rep, fs := scan(t, dir)
	t.Logf("%d records: generated in %v, scanned in %v", len(docs), gen, time.Since(start)-gen)
	checkTrigger(t, rep, fs, corpus.WebTrigger, "$.text", planted)
}

// TestEngineTriggerChat: 10 chat rows whose prompt carries the rare token
// cf and whose answer is one fixed response, among 20,000 generated rows
// (0.05%) that include the same kinds of questions answered normally and
// "cf." in citations, written as Parquet (messages list<struct<role,
// content>>): cf ranks in the top 3 and exactly the planted rows get
// findings at the token.
func TestEngineTriggerChat(t *testing.T) {
	start := time.Now()
	docs, planted := plantDocs(t, corpus.Chat, size(t), 10)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "chat.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := corpus.WriteChatParquet(f, docs, 2000); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	rep, fs := scan(t, dir)
	t.Logf("%d records: generated in %v, scanned in %v", len(docs), gen, time.Since(start)-gen)
	checkTrigger(t, rep, fs, corpus.ChatTrigger, "messages.content", planted)
}
