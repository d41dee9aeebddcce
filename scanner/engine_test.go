package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/scanner/provenance"
	"github.com/winnow-data/winnow/scanner/records"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testEmail is a small regexp email detector for engine tests (the real one
// lives in detectors/pii).
type testEmail struct{}

var emailRE = regexp.MustCompile(`[a-z]+@[a-z]+\.(org|net|com)`)

func (testEmail) ID() string      { return "test.email" }
func (testEmail) Version() string { return "1" }
func (testEmail) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: "pii.email", Description: "test email", Severity: detectors.SeverityMedium}}
}
func (testEmail) Keywords() []string { return []string{"@"} }
func (testEmail) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	for _, m := range emailRE.FindAllIndex(text, -1) {
		dst = append(dst, detectors.Match{Kind: "pii.email", Start: m[0], End: m[1], Confidence: 0.9})
	}
	return dst
}

// testTrigger reports the word TRIGGER, which the default policy drops.
type testTrigger struct{}

func (testTrigger) ID() string      { return "test.trigger" }
func (testTrigger) Version() string { return "1" }
func (testTrigger) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: "poison.test_trigger", Description: "test", Severity: detectors.SeverityHigh}}
}
func (testTrigger) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	if i := bytes.Index(text, []byte("TRIGGER")); i >= 0 {
		dst = append(dst, detectors.Match{Kind: "poison.test_trigger", Start: i, End: i + 7, Confidence: 1})
	}
	return dst
}

// repeatCounter is a small corpus-level detector: records whose text was
// already seen earlier in plan order get "dup.test" pointing at nothing in
// particular. It exercises Sketch (concurrent), Observe (ordered) and
// Verdicts.
type repeatCounter struct {
	seen     map[string]bool
	verdicts []detectors.Verdict
	observed int
}

func (r *repeatCounter) ID() string      { return "test.repeat" }
func (r *repeatCounter) Version() string { return "1" }
func (r *repeatCounter) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: "dup.test", Description: "repeat", Severity: detectors.SeverityLow}}
}
func (r *repeatCounter) Sketch(dst []byte, fields []detectors.Field) []byte {
	for _, f := range fields {
		dst = append(dst, f.Value...)
		dst = append(dst, 0)
	}
	return dst
}
func (r *repeatCounter) Observe(rec detectors.RecordRef, sketch []byte) {
	r.observed++
	if len(sketch) == 0 {
		return
	}
	if r.seen[string(sketch)] {
		r.verdicts = append(r.verdicts, detectors.Verdict{Rec: rec, Kind: "dup.test", Confidence: 1, Cluster: "c1"})
	}
	r.seen[string(sketch)] = true
}
func (r *repeatCounter) Verdicts() ([]detectors.Verdict, error) { return r.verdicts, nil }
func (r *repeatCounter) Report() any                            { return map[string]int{"observed": r.observed} }

func testConfig(t *testing.T, mode Mode, out string, inputs ...string) Config {
	return Config{
		Mode:     mode,
		Inputs:   inputs,
		Out:      out,
		Registry: detectors.MustRegistry(testEmail{}, testTrigger{}),
		Corpus: func() []detectors.CorpusDetector {
			return []detectors.CorpusDetector{&repeatCounter{seen: map[string]bool{}}}
		},
		Key:         []byte("test-key-0123456789"),
		ToolVersion: "test",
	}
}

// readTree returns every file under dir (relative path -> content).
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return out
}

func TestCleanEndToEnd(t *testing.T) {
	out := t.TempDir()
	cfg := testConfig(t, ModeClean, out, "testdata/corpus")
	cfg.FindingsFormat = "jsonl"
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	// Conservation per file and in total.
	var sum Totals
	for _, f := range rep.Files {
		if f.RecordsIn != f.Kept+f.Redacted+f.Dropped {
			t.Errorf("%s: %d in != %d+%d+%d", f.File, f.RecordsIn, f.Kept, f.Redacted, f.Dropped)
		}
		sum.RecordsIn += f.RecordsIn
	}
	if rep.Totals.RecordsIn != 9 || sum.RecordsIn != 9 || rep.Totals.RecordsIn != rep.Totals.Kept+rep.Totals.Redacted+rep.Totals.Dropped {
		t.Fatalf("totals %+v", rep.Totals)
	}
	// 1,5,9 redacted; 4 bad, 6 invalid utf8, 7 repeat, 8 trigger dropped.
	if rep.Totals.Redacted != 3 || rep.Totals.Dropped != 4 || rep.Totals.Kept != 2 {
		t.Errorf("totals %+v", rep.Totals)
	}
	tree := readTree(t, out)
	wantA := `{"id":1,"text":"write to [EMAIL] or [EMAIL] today"}
{"id":2,"text":"nothing to see here"}
{"id":3,"text":"repeat me exactly"}

{"id":5,"messages":[{"role":"user","content":"mail [EMAIL]"},{"role":"assistant","content":"done"}]}
`
	if tree["data/a.jsonl"] != wantA {
		t.Errorf("data/a.jsonl:\n%s\nwant:\n%s", tree["data/a.jsonl"], wantA)
	}
	if q := tree["quarantine/sub/b.jsonl"]; !strings.Contains(q, `dup.test"`) || !strings.Contains(q, `"_winnow_reason":"poison.test_trigger"`) {
		t.Errorf("quarantine/sub/b.jsonl:\n%s", q)
	}
	if q := tree["quarantine/a.jsonl"]; !strings.Contains(q, "a.jsonl:4: invalid character 'o'") || !strings.Contains(q, "input.invalid_utf8") {
		t.Errorf("quarantine/a.jsonl:\n%s", q)
	}
	if _, ok := tree["data/sub/empty.jsonl"]; !ok {
		t.Error("empty input has no (empty) output")
	}
	if f := tree["findings.jsonl"]; strings.Contains(f, "alice@") || !strings.Contains(f, `"value_hash":"`) {
		t.Errorf("findings leak raw values or lack hashes:\n%s", f)
	}
	for name := range tree {
		if strings.Contains(name, stagingName) {
			t.Errorf("staging left behind: %s", name)
		}
	}
	// Golden report.
	golden := filepath.Join("testdata", "expected", "report.json")
	got := []byte(strings.ReplaceAll(tree["report.json"], out, "OUT"))
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report.json differs from %s (run with -update to accept):\n%s", golden, got)
	}
	goldenF := filepath.Join("testdata", "expected", "findings.jsonl")
	if *update {
		os.WriteFile(goldenF, []byte(tree["findings.jsonl"]), 0o644)
	}
	if want, _ := os.ReadFile(goldenF); string(want) != tree["findings.jsonl"] {
		t.Errorf("findings.jsonl differs from %s:\n%s", goldenF, tree["findings.jsonl"])
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	var trees []map[string]string
	for _, w := range []int{1, 3, 8} {
		for _, bb := range []int{0, 40} {
			out := t.TempDir()
			cfg := testConfig(t, ModeClean, out, "testdata/corpus")
			cfg.Workers = w
			cfg.Read.BatchBytes = bb
			cfg.Read.BatchRows = 2
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			trees = append(trees, readTree(t, out))
		}
	}
	for i := 1; i < len(trees); i++ {
		if len(trees[i]) != len(trees[0]) {
			t.Fatalf("run %d: %d files, run 0: %d", i, len(trees[i]), len(trees[0]))
		}
		for name, content := range trees[0] {
			if name == "manifest.intoto.json" {
				// Only run metadata and internal parameters may differ.
				if subjects(t, trees[i][name]) != subjects(t, content) {
					t.Errorf("run %d: manifest subjects differ", i)
				}
				continue
			}
			if trees[i][name] != content {
				t.Errorf("run %d: %s differs", i, name)
			}
		}
	}
}

// subjects returns the manifest's subject list as JSON.
func subjects(t *testing.T, manifest string) string {
	var st struct {
		Subject json.RawMessage `json:"subject"`
	}
	if err := json.Unmarshal([]byte(manifest), &st); err != nil {
		t.Fatal(err)
	}
	return string(st.Subject)
}

func TestScanWritesNoData(t *testing.T) {
	out := t.TempDir()
	res, err := Run(context.Background(), testConfig(t, ModeScan, out, "testdata/corpus/a.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tree := readTree(t, out)
	for name := range tree {
		if strings.HasPrefix(name, "data/") || strings.HasPrefix(name, "quarantine/") {
			t.Errorf("scan wrote %s", name)
		}
	}
	if _, ok := tree["findings.parquet"]; !ok {
		t.Error("no findings.parquet")
	}
	if res.MaxSeverity != detectors.SeverityMedium {
		t.Errorf("MaxSeverity = %v", res.MaxSeverity)
	}
}

func TestPolicyOperators(t *testing.T) {
	tests := []struct {
		rule Rule
		want string
	}{
		{Rule{Kinds: "pii.*", Action: "redact", Operator: OpMask}, `"write to [EMAIL] or [EMAIL] today"`},
		{Rule{Kinds: "pii.email", Action: "redact", Operator: OpHash}, `"write to [EMAIL:`},
		{Rule{Kinds: "pii.*", Action: "report"}, `"write to alice@example.org or bob@example.net today"`},
		{Rule{Kinds: "pii.email", Action: "redact", MinConfidence: 0.95}, `"write to alice@example.org or bob@example.net today"`},
	}
	for _, tt := range tests {
		t.Run(tt.rule.Kinds+"/"+tt.rule.Action+"/"+string(tt.rule.Operator), func(t *testing.T) {
			out := t.TempDir()
			cfg := testConfig(t, ModeClean, out, "testdata/corpus")
			cfg.Policy = &Policy{Rules: []Rule{tt.rule}}
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			data := readTree(t, out)["data/a.jsonl"]
			if !strings.Contains(data, tt.want) {
				t.Errorf("data/a.jsonl:\n%s\nwant it to contain %s", data, tt.want)
			}
		})
	}
	// The hash operator is consistent: the same email gets the same tag.
	out := t.TempDir()
	cfg := testConfig(t, ModeClean, out, "testdata/corpus")
	cfg.Policy = &Policy{Rules: []Rule{{Kinds: "pii.*", Action: "redact", Operator: OpHash}}}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	tree := readTree(t, out)
	tag := regexp.MustCompile(`\[EMAIL:[0-9a-f]{12}\]`)
	a := tag.FindAllString(tree["data/a.jsonl"], -1)
	b := tag.FindAllString(tree["data/sub/b.jsonl"], -1)
	if len(a) != 3 || len(b) != 1 || a[0] != b[0] || a[0] == a[1] {
		t.Errorf("hash tags a=%v b=%v: want alice's tag equal across files and distinct from bob's", a, b)
	}
}

func TestPolicyValidate(t *testing.T) {
	bad := Policy{Rules: []Rule{{Kinds: "pii.*", Action: "burn"}, {Kinds: "[", Action: "drop"}, {Kinds: "x.*", Action: "redact", Operator: "rot13"}, {Kinds: "y", Action: "drop", MinConfidence: 2}}}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"unknown action \"burn\"", "bad kinds glob \"[\"", "unknown operator \"rot13\"", "min_confidence 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestOnError(t *testing.T) {
	dir := t.TempDir()
	good := `{"text":"fine"}` + "\n"
	os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(dir, "b.jsonl.gz"), []byte("this is not gzip data"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.jsonl"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("skip me"), 0o644)

	_, err := Run(context.Background(), testConfig(t, ModeClean, t.TempDir(), dir))
	var fe *records.FileError
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.File, "b.jsonl.gz") || !errors.Is(err, records.ErrCorrupt) {
		t.Fatalf("on-error fail: err = %v", err)
	}

	out := t.TempDir()
	cfg := testConfig(t, ModeClean, out, dir)
	cfg.OnError = "skip"
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Files) != 2 || res.Report.Totals.RecordsIn != 2 {
		t.Errorf("files %+v", res.Report.Files)
	}
	var reasons []string
	for _, s := range res.Report.Skipped {
		reasons = append(reasons, filepath.Base(s.Path)+": "+s.Reason)
	}
	sort.Strings(reasons)
	if len(reasons) != 2 || !strings.HasPrefix(reasons[0], "b.jsonl.gz: ") || !strings.Contains(reasons[0], "corrupt") || reasons[1] != "notes.txt: unknown file format" {
		t.Errorf("skipped = %q", reasons)
	}
	if _, err := os.Stat(filepath.Join(out, "data", "b.jsonl.gz")); err == nil {
		t.Error("skipped file has an output")
	}
}

func TestInputErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a,b"), 0o644)
	tests := []struct {
		inputs []string
		want   string
	}{
		{[]string{filepath.Join(dir, "missing.jsonl")}, "no such file"},
		{[]string{filepath.Join(dir, "x.csv")}, "unknown file format"},
		{[]string{filepath.Join(dir, "*.nothing")}, "glob matches no file"},
	}
	for _, tt := range tests {
		_, err := Run(context.Background(), testConfig(t, ModeScan, t.TempDir(), tt.inputs...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.inputs, err, tt.want)
		}
	}
	// An unreadable file names the file.
	if os.Geteuid() != 0 {
		p := filepath.Join(dir, "locked.jsonl")
		os.WriteFile(p, []byte("{}\n"), 0o000)
		_, err := Run(context.Background(), testConfig(t, ModeScan, t.TempDir(), p))
		if err == nil || !strings.Contains(err.Error(), "locked.jsonl") {
			t.Errorf("unreadable: %v", err)
		}
	}
}

func TestOutRefusesForeignDirectory(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "precious.txt"), []byte("x"), 0o644)
	_, err := Run(context.Background(), testConfig(t, ModeClean, out, "testdata/corpus/a.jsonl"))
	if err == nil || !strings.Contains(err.Error(), "not written by winnow") {
		t.Fatalf("err = %v", err)
	}
	// A directory written by winnow is replaced, and stale outputs vanish.
	out2 := t.TempDir()
	if _, err := Run(context.Background(), testConfig(t, ModeClean, out2, "testdata/corpus")); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), testConfig(t, ModeClean, out2, "testdata/corpus/a.jsonl")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out2, "data", "sub", "b.jsonl")); err == nil {
		t.Error("stale output of the previous run survived")
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	_, err := Run(ctx, testConfig(t, ModeClean, out, "testdata/corpus"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	for name := range readTree(t, out) {
		if name != markerName {
			t.Errorf("cancelled run left %s", name)
		}
	}
}

func TestKindsAndFields(t *testing.T) {
	out := t.TempDir()
	cfg := testConfig(t, ModeScan, out, "testdata/corpus")
	cfg.Kinds = []string{"poison.*"}
	cfg.FindingsFormat = "jsonl"
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.FindingsByKind["pii.email"] != 0 || res.Report.FindingsByKind["poison.test_trigger"] != 1 {
		t.Errorf("--kinds poison.*: %v", res.Report.FindingsByKind)
	}
	cfg = testConfig(t, ModeScan, t.TempDir(), "testdata/corpus")
	cfg.Fields = []string{"$.messages[*].content"}
	res, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.FindingsByKind["pii.email"] != 1 {
		t.Errorf("--fields messages: %v", res.Report.FindingsByKind)
	}
}

func TestShowValues(t *testing.T) {
	out := t.TempDir()
	cfg := testConfig(t, ModeScan, out, "testdata/corpus/a.jsonl")
	cfg.FindingsFormat = "jsonl"
	cfg.ShowValues = true
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if f := readTree(t, out)["findings.jsonl"]; !strings.Contains(f, `"value":"alice@example.org"`) {
		t.Errorf("--show-values: %s", f)
	}
}

func TestProvenanceVerifies(t *testing.T) {
	out := t.TempDir()
	cfg := testConfig(t, ModeClean, out, "testdata/corpus")
	cfg.Provenance.Args = []string{"clean", "testdata/corpus"}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	res, err := provenance.Verify(context.Background(), out, provenance.VerifyOptions{Inputs: true})
	if err != nil || !res.OK() {
		t.Fatalf("fresh output does not verify: %v %v", err, res.Problems)
	}
	// Tamper with a data file: verify names it.
	p := filepath.Join(out, "data", "a.jsonl")
	b, _ := os.ReadFile(p)
	b[10] ^= 1
	os.WriteFile(p, b, 0o644)
	res, err = provenance.Verify(context.Background(), out, provenance.VerifyOptions{})
	if err == nil || res.OK() || !strings.Contains(fmt.Sprint(res.Problems), "data/a.jsonl") {
		t.Fatalf("tampered output verifies: %v %v", err, res.Problems)
	}
}

func TestIncrementalIndex(t *testing.T) {
	v1, v2 := t.TempDir(), t.TempDir()
	old := `{"text":"The harbour festival returns this weekend with music, food stalls and a boat parade along the old quay."}`
	other := `{"text":"A completely different note about compilers, register allocation and instruction scheduling."}`
	fresh := `{"text":"New in this version: a guide to repotting houseplants without damaging their roots."}`
	os.WriteFile(filepath.Join(v1, "a.jsonl"), []byte(old+"\n"+other+"\n"), 0o644)
	os.WriteFile(filepath.Join(v2, "b.jsonl"), []byte(fresh+"\n"+old+"\n"), 0o644)
	// Version 2 keeps a.jsonl unchanged: its records stay live in the index.
	// (A file missing from a new version counts as deleted.)
	os.WriteFile(filepath.Join(v2, "a.jsonl"), []byte(old+"\n"+other+"\n"), 0o644)
	index := filepath.Join(t.TempDir(), "index")

	cfg := testConfig(t, ModeClean, t.TempDir(), v1)
	cfg.Dedupe = DedupeConfig{Index: index, Version: "v1"}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cfg = testConfig(t, ModeClean, out, filepath.Join(v1, "a.jsonl"), filepath.Join(v2, "b.jsonl"))
	cfg.Corpus = nil
	cfg.FindingsFormat = "jsonl"
	cfg.Dedupe = DedupeConfig{Index: index, Version: "v2"}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Totals.Dropped != 1 || res.Report.FindingsByKind["dup.exact"] != 1 {
		t.Fatalf("v2 against the v1 index: %+v %v", res.Report.Totals, res.Report.FindingsByKind)
	}
	f := readTree(t, out)["findings.jsonl"]
	if !strings.Contains(f, `duplicates dataset version v1: `+filepath.Join(v1, "a.jsonl")+` row 0`) {
		t.Errorf("finding does not name the earlier record:\n%s", f)
	}
	// --index without a version label is refused.
	cfg = testConfig(t, ModeClean, t.TempDir(), v2)
	cfg.Dedupe = DedupeConfig{Index: index}
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "--dataset-version") {
		t.Errorf("err = %v", err)
	}
}

func TestSplitView(t *testing.T) {
	dir := t.TempDir()
	v1 := filepath.Join(dir, "v1.jsonl")
	os.WriteFile(v1, []byte(`{"url":"https://a.example/x","text":"original text"}`+"\n"+`{"url":"https://a.example/y","text":"stable"}`+"\n"), 0o644)
	out1 := filepath.Join(dir, "out1")
	cfg := testConfig(t, ModeClean, out1, v1)
	cfg.SplitView = SplitViewConfig{URLField: "$.url"}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	hist, err := os.ReadFile(filepath.Join(out1, URLHistoryName))
	if err != nil || strings.Count(string(hist), "\n") != 2 {
		t.Fatalf("history: %v\n%s", err, hist)
	}
	v2 := filepath.Join(dir, "v2.jsonl")
	os.WriteFile(v2, []byte(`{"url":"https://a.example/x","text":"poisoned text"}`+"\n"+`{"url":"https://a.example/y","text":"stable"}`+"\n"), 0o644)
	cfg = testConfig(t, ModeScan, filepath.Join(dir, "out2"), v2)
	cfg.SplitView = SplitViewConfig{URLField: "url", History: out1}
	cfg.FindingsFormat = "jsonl"
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.FindingsByKind["poison.split_view"] != 1 {
		t.Fatalf("findings %v", res.Report.FindingsByKind)
	}
	f, _ := os.ReadFile(filepath.Join(dir, "out2", "findings.jsonl"))
	if !strings.Contains(string(f), `"row":0`) || !strings.Contains(string(f), "content differs") {
		t.Errorf("findings:\n%s", f)
	}
}

// TestKeepMaxField: --keep max:FIELD keeps the duplicate with the highest
// numeric JSONL field, whichever comes first in plan order.
func TestKeepMaxField(t *testing.T) {
	dir := t.TempDir()
	text := "The same paragraph appears twice in this corpus with different quality scores attached."
	in := filepath.Join(dir, "a.jsonl")
	os.WriteFile(in, []byte(`{"text":"`+text+`","meta":{"quality":0.2}}`+"\n"+`{"text":"`+text+`","meta":{"quality":0.9}}`+"\n"), 0o644)
	for _, tt := range []struct {
		keep    string
		dropped int64
	}{{"first", 1}, {"max:meta.quality", 0}} {
		out := t.TempDir()
		cfg := testConfig(t, ModeClean, out, in)
		cfg.Corpus = nil
		cfg.FindingsFormat = "jsonl"
		cfg.Dedupe = DedupeConfig{Keep: tt.keep}
		if _, err := Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		f, _ := os.ReadFile(filepath.Join(out, "findings.jsonl"))
		want := fmt.Sprintf(`"row":%d,`, tt.dropped)
		if !strings.Contains(string(f), `"kind":"dup.exact"`) || !strings.Contains(string(f), want) {
			t.Errorf("--keep %s: want row %d dropped, findings:\n%s", tt.keep, tt.dropped, f)
		}
	}
	for _, c := range []struct {
		in   string
		want float64
	}{{"0.5", 0.5}, {" 3 ", 3}, {"1e2", 100}} {
		if got := parseScore([]byte(c.in)); got != c.want {
			t.Errorf("parseScore(%q) = %v", c.in, got)
		}
	}
	if !math.IsNaN(parseScore([]byte("high"))) {
		t.Error("parseScore of a non-number is not NaN")
	}
}
