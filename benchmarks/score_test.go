package benchmarks

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/scanner"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// The fixtures in testdata/score are a five-line corpus with six planted
// secrets (three on one line, one in a chat message, one after Chinese
// text) and a planted email, a gitleaks report (one finding on a line
// where gitleaks' columns are relative to a chunk start, one false
// positive) and winnow findings (one secret reported twice under two
// kinds, one in the wrong field, one false positive).
func loadScoreFixtures(t *testing.T) ScoreInput {
	t.Helper()
	dir := filepath.Join("testdata", "score")
	labels, err := ReadLabels(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	gl, err := ReadGitleaksReport(filepath.Join(dir, "gitleaks.json"))
	if err != nil {
		t.Fatal(err)
	}
	wf, err := ReadWinnowFindings(filepath.Join(dir, "findings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return ScoreInput{Labels: labels, KindPrefix: "secret.", Winnow: wf, Gitleaks: gl, DataDir: filepath.Join(dir, "data")}
}

type toolWant struct {
	found, lineHits, findings int
	unplanted                 map[string]int
}

func TestScore(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(in *ScoreInput)
		planted   int
		winnow    *toolWant
		gitleaks  *toolWant
		rulesKind string
		rules     map[string]int // winnow rules that found rulesKind
	}{
		{
			name:    "gitleaks matches located in the line text",
			edit:    func(in *ScoreInput) { in.Line = LineReader(in.DataDir, WantedLines(in.DataDir, in.Gitleaks)) },
			planted: 6,
			winnow: &toolWant{found: 5, lineHits: 5, findings: 8,
				unplanted: map[string]int{"secret.generic_high_entropy": 1, "secret.stripe_key": 1}},
			gitleaks:  &toolWant{found: 3, lineHits: 4, findings: 4, unplanted: map[string]int{"generic-api-key": 1}},
			rulesKind: "secret.aws_secret_access_key",
			rules:     map[string]int{"secret.aws_secret_access_key": 1, "secret.generic_high_entropy": 1},
		},
		{
			// Without the line text the chunk-relative columns miss.
			name:     "gitleaks columns only",
			planted:  6,
			gitleaks: &toolWant{found: 2, lineHits: 4, findings: 4, unplanted: map[string]int{"generic-api-key": 1, "aws-access-token": 1}},
		},
		{
			name:    "other kind prefix",
			edit:    func(in *ScoreInput) { in.KindPrefix = "pii." },
			planted: 1,
			winnow: &toolWant{found: 0, lineHits: 1, findings: 8, unplanted: map[string]int{
				"secret.github_token": 1, "secret.aws_access_key_id": 1, "secret.aws_secret_access_key": 1,
				"secret.generic_high_entropy": 3, "secret.stripe_key": 2}},
		},
		{
			name:     "gitleaks not run",
			edit:     func(in *ScoreInput) { in.Gitleaks = nil },
			planted:  6,
			winnow:   &toolWant{found: 5, lineHits: 5, findings: 8, unplanted: map[string]int{"secret.generic_high_entropy": 1, "secret.stripe_key": 1}},
			gitleaks: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := loadScoreFixtures(t)
			if tc.edit != nil {
				tc.edit(&in)
			}
			res, err := Score(in)
			if err != nil {
				t.Fatal(err)
			}
			tools := map[string]*ToolScore{}
			for _, ts := range res.Tools {
				tools[ts.Tool] = ts
				if ts.Planted != tc.planted {
					t.Errorf("%s: planted = %d, want %d", ts.Tool, ts.Planted, tc.planted)
				}
			}
			for name, want := range map[string]*toolWant{"winnow": tc.winnow, "gitleaks": tc.gitleaks} {
				got := tools[name]
				if want == nil {
					continue
				}
				if got == nil {
					t.Fatalf("no score for %s", name)
				}
				if got.Found != want.found || got.LineHits != want.lineHits || got.Findings != want.findings {
					t.Errorf("%s: found/line hits/findings = %d/%d/%d, want %d/%d/%d", name,
						got.Found, got.LineHits, got.Findings, want.found, want.lineHits, want.findings)
				}
				if !reflect.DeepEqual(got.Unplanted, want.unplanted) {
					t.Errorf("%s: unplanted = %v, want %v", name, got.Unplanted, want.unplanted)
				}
			}
			if tc.gitleaks == nil && tc.edit != nil && in.Gitleaks == nil && tools["gitleaks"] != nil {
				t.Error("gitleaks scored although it was not run")
			}
			if tc.rules != nil && !reflect.DeepEqual(tools["winnow"].Rules[tc.rulesKind], tc.rules) {
				t.Errorf("winnow rules for %s = %v, want %v", tc.rulesKind, tools["winnow"].Rules[tc.rulesKind], tc.rules)
			}
		})
	}
}

func TestScoreMarkdownGolden(t *testing.T) {
	in := loadScoreFixtures(t)
	in.Line = LineReader(in.DataDir, WantedLines(in.DataDir, in.Gitleaks))
	res, err := Score(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.Markdown(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "score", "expected.md")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("markdown differs from %s (go test -run Golden -update to accept):\n%s", golden, buf.Bytes())
	}
}

func TestRelFile(t *testing.T) {
	for _, tc := range []struct{ dir, file, want string }{
		{"/bench/data", "/bench/data/shard-00000.jsonl", "shard-00000.jsonl"},
		{"/bench/data", "/bench/data/sub/a.jsonl", "sub/a.jsonl"},
		{"/bench/data/", "/bench/data//shard.jsonl", "shard.jsonl"},
		{"data", "data/shard.jsonl", "shard.jsonl"},
		{"/bench/data", "/elsewhere/shard.jsonl", "shard.jsonl"},
		{"", "x/y/shard.jsonl", "shard.jsonl"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if got := relFile(tc.dir, tc.file); got != tc.want {
				t.Errorf("relFile(%q, %q) = %q, want %q", tc.dir, tc.file, got, tc.want)
			}
		})
	}
}

func TestLineReaderErrors(t *testing.T) {
	dir := filepath.Join("testdata", "score", "data")
	read := LineReader(dir, map[string][]int64{"shard-00000.jsonl": {2, 9}})
	if b, err := read("shard-00000.jsonl", 2); err != nil || !bytes.HasPrefix(b, []byte(`{"id":2,`)) {
		t.Fatalf("line 2 = %.20q, %v", b, err)
	}
	if _, err := read("shard-00000.jsonl", 3); err == nil {
		t.Error("line 3 was not asked for, want an error")
	}
	if _, err := read("shard-00000.jsonl", 9); err == nil {
		t.Error("line 9 is past the end, want an error")
	}
	if _, err := read("missing.jsonl", 1); err == nil {
		t.Error("missing file, want an error")
	}
}

func TestReadWinnowFindingsParquet(t *testing.T) {
	in := loadScoreFixtures(t)
	path := filepath.Join(t.TempDir(), "findings.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[scanner.FindingRow](f)
	if _, err := w.Write(in.Winnow); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadWinnowFindings(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in.Winnow) {
		t.Errorf("parquet round trip changed the findings:\n got %+v\nwant %+v", got, in.Winnow)
	}
}
