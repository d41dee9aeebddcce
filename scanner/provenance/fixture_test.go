package provenance

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/expected")

// fixture is a small fake clean run: inputs under root/corpus and a staged
// output directory under root/out with data, quarantine, findings, report
// and ledger, but no provenance yet.
type fixture struct {
	root string // holds corpus/ and out/
	out  string
	run  *Run
}

// Input records; each line is one record.
var (
	inputA = []string{
		`{"text":"hello world"}`,
		`{"text":"mail me at someone@example.com"}`,
		`{"text":"key AKIAIOSFODNN7EXAMPLE"}`,
	}
	inputB = []string{
		`{"messages":[{"content":"pаypal"}]}`,
		`{"messages":[{"content":"fine"}]}`,
	}
)

func writeFile(t testing.TB, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func lines(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

// fixtureLedger is the ledger of the fixture run.
func fixtureLedger() []LedgerRow {
	const det = "pii.email@1"
	return []LedgerRow{
		{File: "corpus/web/a.jsonl", Row: 0, RecordHash: RecordHash([]byte(inputA[0])), Decision: DecisionKept, OutputFile: "data/web/a.jsonl", OutputRow: 0},
		{File: "corpus/web/a.jsonl", Row: 1, RecordHash: RecordHash([]byte(inputA[1])), Decision: DecisionRedacted,
			Reasons: []string{"pii.email"}, Detectors: []string{det}, OutputFile: "data/web/a.jsonl", OutputRow: 1},
		{File: "corpus/web/a.jsonl", Row: 2, RecordHash: RecordHash([]byte(inputA[2])), Decision: DecisionDropped,
			Reasons: []string{"secret.aws_access_key_id"}, Detectors: []string{"secrets.aws@2"}, OutputFile: "quarantine/web/a.jsonl", OutputRow: 0},
		{File: "corpus/b.jsonl", Row: 0, RecordHash: RecordHash([]byte(inputB[0])), Decision: DecisionKept,
			Reasons: []string{"poison.homoglyph"}, Detectors: []string{"poison.homoglyph@1"}, OutputFile: "data/b.jsonl", OutputRow: 0},
		{File: "corpus/b.jsonl", Row: 1, RecordHash: RecordHash([]byte(inputB[1])), Decision: DecisionKept, OutputFile: "data/b.jsonl", OutputRow: 1},
	}
}

const fixtureReport = `{
  "tool": {"name": "winnow", "version": "0.3.0"},
  "mode": "clean",
  "totals": {"files": 2, "records_in": 5, "kept": 3, "redacted": 1, "dropped": 1, "findings": 3, "bytes_in": 190},
  "files": [
    {"file": "corpus/b.jsonl", "format": "jsonl", "records_in": 2, "kept": 2, "redacted": 0, "dropped": 0, "findings": 1, "output": "data/b.jsonl"},
    {"file": "corpus/web/a.jsonl", "format": "jsonl", "records_in": 3, "kept": 1, "redacted": 1, "dropped": 1, "findings": 2, "output": "data/web/a.jsonl", "quarantine": "quarantine/web/a.jsonl"}
  ],
  "findings_by_kind": {"pii.email": 1, "poison.homoglyph": 1, "secret.aws_access_key_id": 1},
  "records_by_kind": {"pii.email": 1, "poison.homoglyph": 1, "secret.aws_access_key_id": 1},
  "dropped_by_kind": {"secret.aws_access_key_id": 1}
}
`

// fixtureConfig stands for the engine's resolved config view.
type fixtureConfig struct {
	Mode           string            `json:"mode"`
	Inputs         []string          `json:"inputs"`
	Out            string            `json:"out"`
	FindingsFormat string            `json:"findings_format"`
	Policy         map[string]string `json:"policy"`
	KeySHA256      string            `json:"key_sha256"`
	MinConfidence  float64           `json:"min_confidence"`
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	root := t.TempDir()
	fx := &fixture{root: root, out: filepath.Join(root, "out")}
	writeFile(t, filepath.Join(root, "corpus/web/a.jsonl"), lines(inputA...))
	writeFile(t, filepath.Join(root, "corpus/b.jsonl"), lines(inputB...))

	writeFile(t, filepath.Join(fx.out, "data/web/a.jsonl"), lines(inputA[0], `{"text":"mail me at [pii.email]"}`))
	writeFile(t, filepath.Join(fx.out, "quarantine/web/a.jsonl"), lines(`{"text":"key AKIAIOSFODNN7EXAMPLE","_winnow_reason":"secret.aws_access_key_id"}`))
	writeFile(t, filepath.Join(fx.out, "data/b.jsonl"), lines(inputB...))
	writeFile(t, filepath.Join(fx.out, "findings.jsonl"), lines(
		`{"file":"corpus/b.jsonl","row":0,"field":"$.messages[0].content","start":0,"end":7,"kind":"poison.homoglyph","detector":"poison.homoglyph","confidence":0.9,"action":"report","value_hash":"h1"}`,
		`{"file":"corpus/web/a.jsonl","row":1,"field":"$.text","start":11,"end":31,"kind":"pii.email","detector":"pii.email","confidence":1,"action":"redact","value_hash":"h2"}`,
		`{"file":"corpus/web/a.jsonl","row":2,"field":"$.text","start":4,"end":24,"kind":"secret.aws_access_key_id","detector":"secrets.aws","confidence":1,"action":"drop","value_hash":"h3"}`,
	))
	writeFile(t, filepath.Join(fx.out, ReportName), []byte(fixtureReport))
	writeFile(t, filepath.Join(fx.out, MarkerName), []byte("written by winnow\n"))
	writeLedger(t, filepath.Join(fx.out, LedgerName), fixtureLedger())

	fx.run = &Run{
		Mode:         "clean",
		ToolVersion:  "0.3.0",
		VCSRevision:  "0123456789abcdef0123456789abcdef01234567",
		GoVersion:    "go1.26.8",
		InvocationID: "11111111-2222-4333-8444-555555555555",
		Start:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		End:          time.Date(2026, 1, 2, 3, 4, 7, 250_000_000, time.UTC),
		Args:         []string{"clean", "-o", "out", "corpus"},
		Config: fixtureConfig{
			Mode: "clean", Inputs: []string{"corpus"}, Out: "out", FindingsFormat: "jsonl",
			Policy:    map[string]string{"secret.*": "drop", "pii.*": "redact", "poison.*": "report"},
			KeySHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", MinConfidence: 0.5,
		},
		Internal: map[string]any{"workers": 2},
		Inputs: []Input{
			{Path: "corpus/web/a.jsonl", SHA256: mustHash(t, filepath.Join(root, "corpus/web/a.jsonl"))},
			{Path: "corpus/b.jsonl", SHA256: mustHash(t, filepath.Join(root, "corpus/b.jsonl"))},
		},
		Packs: []Pack{
			{Name: "unicode/confusables@15.1", SHA256: sha256Hex("confusables")},
			{Name: "secrets/rules@3", SHA256: sha256Hex("rules")},
		},
		Files: []OutFile{
			{Rel: "data/web/a.jsonl", Fields: []Field{{Name: "$.text"}}},
			{Rel: "quarantine/web/a.jsonl", Fields: []Field{{Name: "$.text"}}},
			{Rel: "data/b.jsonl", Fields: []Field{{Name: "$.messages[*].content", IsArray: true}}},
			{Rel: "findings.jsonl"},
			{Rel: ReportName},
			{Rel: LedgerName},
		},
		Summary: Summary{
			Files: 2, RecordsIn: 5, Kept: 3, Redacted: 1, Dropped: 1,
			FindingsByKind: map[string]int64{"pii.email": 1, "poison.homoglyph": 1, "secret.aws_access_key_id": 1},
			RecordsByKind:  map[string]int64{"pii.email": 1, "poison.homoglyph": 1, "secret.aws_access_key_id": 1},
			DroppedByKind:  map[string]int64{"secret.aws_access_key_id": 1},
			Detectors:      []string{"secrets.aws@2", "pii.email@1", "poison.homoglyph@1"},
			Policy:         []PolicyRule{{"secret.*", "drop"}, {"pii.*", "redact (mask)"}, {"poison.*", "report"}},
		},
		Dataset: Dataset{Name: "fixture-corpus", License: "https://spdx.org/licenses/CC-BY-4.0.html"},
	}
	return fx
}

func (fx *fixture) write(t testing.TB) *Statement {
	t.Helper()
	st, err := WriteProvenance(context.Background(), fx.out, fx.run)
	if err != nil {
		t.Fatalf("WriteProvenance: %v", err)
	}
	return st
}

func (fx *fixture) verify(t testing.TB, opt VerifyOptions) (*VerifyResult, error) {
	t.Helper()
	if opt.InputRoot == "" {
		opt.InputRoot = fx.root
	}
	return Verify(context.Background(), fx.out, opt)
}

func writeLedger(t testing.TB, p string, rows []LedgerRow) {
	t.Helper()
	var buf bytes.Buffer
	lw := NewLedgerWriter(&buf)
	if err := lw.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, buf.Bytes())
}

func mustHash(t testing.TB, p string) string {
	t.Helper()
	s, _, err := HashFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// reseal plays an attacker without the signing key: it recomputes
// croissant.json's sha256 values and the manifest subjects from the files as
// they are now, so only the internal consistency checks can catch a change.
func reseal(t testing.TB, dir string) {
	t.Helper()
	crPath := filepath.Join(dir, CroissantName)
	var cr map[string]any
	b, err := os.ReadFile(crPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cr); err != nil {
		t.Fatal(err)
	}
	for _, d := range cr["distribution"].([]any) {
		fo := d.(map[string]any)
		fo["sha256"] = mustHash(t, filepath.Join(dir, filepath.FromSlash(fo["contentUrl"].(string))))
	}
	nb, _ := json.MarshalIndent(cr, "", "  ")
	writeFile(t, crPath, nb)

	mPath := filepath.Join(dir, ManifestName)
	st, _, err := ReadStatement(mPath)
	if err != nil {
		t.Fatal(err)
	}
	for i := range st.Subject {
		st.Subject[i].Digest["sha256"] = mustHash(t, filepath.Join(dir, filepath.FromSlash(st.Subject[i].Name)))
	}
	mb, err := marshalJSON(st)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mPath, mb)
}

func testKey(t testing.TB, seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	return priv.Public().(ed25519.PublicKey), priv
}

// hasProblem reports whether res lists a problem of kind k naming file.
func hasProblem(res *VerifyResult, k ProblemKind, file string) bool {
	for _, p := range res.Problems {
		if p.Kind == k && p.File == file {
			return true
		}
	}
	return false
}

func problemList(res *VerifyResult) string {
	var b strings.Builder
	for _, p := range res.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}
