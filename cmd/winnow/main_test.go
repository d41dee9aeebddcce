package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func writeCorpus(t *testing.T, lines ...string) string {
	dir := t.TempDir()
	p := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitCodes(t *testing.T) {
	clean := writeCorpus(t, `{"text":"hello world"}`)
	bad := writeCorpus(t, `{"text":"hello"}`, `{"text": nope}`)
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"no command", nil, 2, ""},
		{"unknown command", []string{"frobnicate"}, 2, ""},
		{"help", []string{"--help"}, 0, "winnow scan"},
		{"scan help", []string{"scan", "--help"}, 0, ""},
		{"clean help", []string{"clean", "-h"}, 0, ""},
		{"bad flag", []string{"scan", "--no-such-flag"}, 2, ""},
		{"scan clean data", []string{"scan", "-q", "-o", t.TempDir(), clean}, 0, "findings: none"},
		{"scan finds bad record", []string{"scan", "-q", "-o", t.TempDir(), bad}, 1, "input.bad_record"},
		{"fail-on above", []string{"scan", "-q", "--fail-on", "high", "-o", t.TempDir(), bad}, 0, "input.bad_record"},
		{"fail-on none", []string{"scan", "-q", "--fail-on", "none", "-o", t.TempDir(), bad}, 0, ""},
		{"bad fail-on", []string{"scan", "-q", "--fail-on", "sometimes", "-o", t.TempDir(), bad}, 2, ""},
		{"clean never exits 1", []string{"clean", "-q", "-o", t.TempDir(), bad}, 0, "1 dropped"},
		{"missing input", []string{"scan", "-q", "-o", t.TempDir(), "/nonexistent/x.jsonl"}, 2, ""},
		{"bad findings format", []string{"scan", "-q", "--findings-format", "csv", "-o", t.TempDir(), clean}, 2, ""},
		{"version", []string{"version"}, 0, "winnow "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("stdout lacks %q:\n%s", tt.out, out)
			}
		})
	}
}

func TestDetectorsCommand(t *testing.T) {
	out, _, code := runCLI(t, "detectors")
	if code != 0 || !strings.Contains(out, "KIND") || !strings.Contains(out, "input.bad_record") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	in := writeCorpus(t, `{"text":"hello"}`, `{"text": nope}`)
	yml := filepath.Join(dir, "c.yaml")
	os.WriteFile(yml, []byte("policy:\n  rules:\n    - {kinds: \"input.*\", action: report}\nfindings_format: jsonl\n"), 0o644)
	out := t.TempDir()
	stdout, stderr, code := runCLI(t, "clean", "-q", "--config", yml, "-o", out, in)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "findings.jsonl")); err != nil {
		t.Errorf("findings_format from config ignored: %v", err)
	}
	toml := filepath.Join(dir, "c.toml")
	os.WriteFile(toml, []byte("[policy]\n[[policy.rules]]\nkinds = \"input.*\"\naction = \"explode\"\n"), 0o644)
	if _, stderr, code := runCLI(t, "scan", "-q", "--config", toml, "-o", t.TempDir(), in); code != 2 || !strings.Contains(stderr, "unknown action") {
		t.Errorf("bad TOML policy: exit %d, %s", code, stderr)
	}
	typo := filepath.Join(dir, "t.yaml")
	os.WriteFile(typo, []byte("polcy: {}\n"), 0o644)
	if _, stderr, code := runCLI(t, "scan", "-q", "--config", typo, "-o", t.TempDir(), in); code != 2 || !strings.Contains(stderr, "polcy") {
		t.Errorf("typo key: exit %d, %s", code, stderr)
	}
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	in := writeCorpus(t, `{"text":"mail bob@example.com"}`, `{"text":"hello"}`, `{"text": broken}`)
	keys := filepath.Join(dir, "release")
	if _, errOut, code := runCLI(t, "keygen", keys); code != 0 {
		t.Fatalf("keygen: %d %s", code, errOut)
	}
	out := filepath.Join(dir, "out")
	if _, errOut, code := runCLI(t, "clean", "-q", "--sign-key", keys+".key", "-o", out, in); code != 0 {
		t.Fatalf("clean: %d %s", code, errOut)
	}
	if stdout, errOut, code := runCLI(t, "verify", "--inputs", "--pub-key", keys+".pub", "--rerun", out); code != 0 ||
		!strings.Contains(stdout, "signature valid") || !strings.Contains(stdout, "rerun: byte-identical outputs") {
		t.Fatalf("verify: %d\n%s\n%s", code, stdout, errOut)
	}
	// Tampering: change a byte of the data, delete the ledger, add a file.
	data := filepath.Join(out, "data", "in.jsonl")
	b, _ := os.ReadFile(data)
	os.WriteFile(data, append(b, ' '), 0o644)
	os.WriteFile(filepath.Join(out, "extra.txt"), []byte("x"), 0o644)
	stdout, _, code := runCLI(t, "verify", out)
	if code != 1 || !strings.Contains(stdout, "data/in.jsonl") || !strings.Contains(stdout, "extra.txt") {
		t.Fatalf("tampered verify: exit %d\n%s", code, stdout)
	}
	// A changed input is caught with --inputs.
	os.WriteFile(data, b, 0o644)
	os.Remove(filepath.Join(out, "extra.txt"))
	os.WriteFile(in, []byte(`{"text":"changed"}`+"\n"), 0o644)
	stdout, _, code = runCLI(t, "verify", "--inputs", out)
	if code != 1 || !strings.Contains(stdout, "in.jsonl") {
		t.Fatalf("changed input: exit %d\n%s", code, stdout)
	}
	// --pin refuses the changed input, --pin-report only warns.
	manifest := filepath.Join(out, "manifest.intoto.json")
	if _, errOut, code := runCLI(t, "clean", "-q", "--pin", manifest, "-o", filepath.Join(dir, "o2"), in); code != 2 || !strings.Contains(errOut, "pinned") {
		t.Fatalf("--pin: exit %d %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "clean", "-q", "--pin", manifest, "--pin-report", "-o", filepath.Join(dir, "o3"), in); code != 0 {
		t.Fatalf("--pin-report: exit %d %s", code, errOut)
	}
}

// TestDatasetCommits builds a git repository with two dataset commits:
// --since HEAD~1 scans only what the second commit changed, a baseline
// accepts known findings, and exit codes follow --fail-on.
func TestDatasetCommits(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	t.Chdir(repo)
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitRun("init", "-q")
	os.MkdirAll("data", 0o755)
	os.WriteFile("data/a.jsonl", []byte(`{"text":"write to alice@example.org about the meetup"}`+"\n"+`{"text":"nothing here"}`+"\n"), 0o644)
	gitRun("add", ".")
	gitRun("commit", "-qm", "v1")
	os.WriteFile("data/b.jsonl", []byte(`{"text":"contact carol.smith@example.com for the keys"}`+"\n"), 0o644)
	gitRun("add", ".")
	gitRun("commit", "-qm", "v2")

	// Only b.jsonl changed since HEAD~1.
	stdout, errOut, code := runCLI(t, "scan", "-q", "--findings-format", "jsonl", "--since", "HEAD~1", "-o", "out1", "data")
	if code != 1 || !strings.Contains(stdout, "1 files") || !strings.Contains(stdout, "1 records in") {
		t.Fatalf("--since HEAD~1: exit %d\n%s\n%s", code, stdout, errOut)
	}
	if _, _, code := runCLI(t, "scan", "-q", "--since", "HEAD", "-o", "out0", "data"); code != 0 {
		t.Fatalf("--since HEAD (nothing changed): exit %d", code)
	}
	// Accept everything found today; the same data then scans clean.
	if stdout, errOut, code := runCLI(t, "baseline", "-q", "--file", "baseline.json", "data"); code != 0 || !strings.Contains(stdout, "accepted findings") {
		t.Fatalf("baseline: exit %d\n%s\n%s", code, stdout, errOut)
	}
	if stdout, _, code := runCLI(t, "scan", "-q", "--baseline", "baseline.json", "-o", "out2", "data"); code != 0 || !strings.Contains(stdout, "suppressed") {
		t.Fatalf("scan with baseline: exit %d\n%s", code, stdout)
	}
	// Moving rows around keeps them accepted; a new finding is reported.
	os.WriteFile("data/a.jsonl", []byte(`{"text":"nothing here"}`+"\n"+`{"text":"call bob@example.net"}`+"\n"+`{"text":"write to alice@example.org about the meetup"}`+"\n"), 0o644)
	stdout, _, code = runCLI(t, "scan", "-q", "--baseline", "baseline.json", "--findings-format", "jsonl", "-o", "out3", "data")
	findings, _ := os.ReadFile("out3/findings.jsonl")
	if code != 1 || strings.Count(string(findings), "\n") != 1 || !strings.Contains(string(findings), `"row":1`) {
		t.Fatalf("shifted rows + one new finding: exit %d\n%s\n%s", code, stdout, findings)
	}
	// --fail-on above the new finding's severity passes.
	if _, _, code := runCLI(t, "scan", "-q", "--baseline", "baseline.json", "--fail-on", "high", "-o", "out4", "data"); code != 0 {
		t.Fatalf("--fail-on high: exit %d", code)
	}
}

// TestSinceWithIndex: a commit that re-adds text of an earlier dataset
// version is caught against that version's dedupe index, although only the
// changed file is scanned.
func TestSinceWithIndex(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	t.Chdir(repo)
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	old := `{"text":"The harbour festival returns this weekend with music, food stalls and a boat parade along the old quay."}`
	gitRun("init", "-q")
	os.MkdirAll("data", 0o755)
	os.WriteFile("data/a.jsonl", []byte(old+"\n"), 0o644)
	gitRun("add", "data")
	gitRun("commit", "-qm", "v1")
	if _, errOut, code := runCLI(t, "clean", "-q", "--index", "idx", "--dataset-version", "v1", "-o", "out1", "data"); code != 0 {
		t.Fatalf("clean v1: %d %s", code, errOut)
	}
	os.WriteFile("data/c.jsonl", []byte(`{"text":"Something new about gardening."}`+"\n"+old+"\n"), 0o644)
	gitRun("add", "data")
	gitRun("commit", "-qm", "v2")
	stdout, errOut, code := runCLI(t, "scan", "-q", "--findings-format", "jsonl", "--since", "HEAD~1", "--index", "idx", "--dataset-version", "v2", "-o", "out2", "data")
	findings, _ := os.ReadFile("out2/findings.jsonl")
	if code != 1 || !strings.Contains(string(findings), `"kind":"dup.exact"`) || !strings.Contains(string(findings), "duplicates dataset version v1: data/a.jsonl row 0") {
		t.Fatalf("exit %d\n%s\n%s\n%s", code, stdout, errOut, findings)
	}
}

func TestFakeOperator(t *testing.T) {
	dir := t.TempDir()
	in := writeCorpus(t, `{"text":"mail bob.jones@corp-mail.com or call"}`)
	cfg := filepath.Join(dir, "fake.yaml")
	os.WriteFile(cfg, []byte("policy:\n  rules:\n    - {kinds: \"pii.*\", action: redact, operator: fake}\n"), 0o644)
	out := filepath.Join(dir, "out")
	if _, errOut, code := runCLI(t, "clean", "-q", "--config", cfg, "-o", out, in); code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	b, _ := os.ReadFile(filepath.Join(out, "data", "in.jsonl"))
	if strings.Contains(string(b), "bob.jones") || !strings.Contains(string(b), "@example.") {
		t.Fatalf("fake email not substituted: %s", b)
	}
}

func TestFailOnThresholdsAndReports(t *testing.T) {
	in := writeCorpus(t, `{"text":"mail bob@example.com"}`, `{"text":"hello"}`, `{"text":"more text here"}`, `{"text":"and carol@example.org"}`)
	tests := []struct {
		failOn string
		code   int
		msg    string
	}{
		{"pii.email=any", 1, "pii.email"},
		{"pii.email>2", 0, ""},
		{"pii.email>1", 1, ""},
		{"pii.*>60%", 0, ""},
		{"pii.*>25%", 1, "%"},
		{"secret.*=any", 0, ""},
		{"medium", 1, ""},
		{"critical", 0, ""},
		{"pii=any", 2, "pii=any"},
	}
	for _, tt := range tests {
		t.Run(tt.failOn, func(t *testing.T) {
			_, errOut, code := runCLI(t, "scan", "-q", "--dedupe=false", "--fail-on", tt.failOn, "-o", t.TempDir(), in)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errOut, tt.msg)
			}
		})
	}
	out := t.TempDir()
	stdout, errOut, code := runCLI(t, "scan", "-q", "--fail-on", "none", "--report", "sarif,junit,github", "-o", out, in)
	if code != 0 || !strings.Contains(stdout, "::warning") && !strings.Contains(stdout, "::error") && !strings.Contains(stdout, "::notice") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errOut)
	}
	for _, f := range []string{"report.sarif", "report.junit.xml"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil || strings.Contains(string(b), "bob@example.com") {
			t.Errorf("%s: %v (or it leaks a raw value)", f, err)
		}
	}
	if _, _, code := runCLI(t, "verify", out); code != 0 {
		t.Errorf("reports are not covered by the manifest: verify exit %d", code)
	}
}

func TestSinceManifest(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll("data", 0o755)
	os.WriteFile("data/a.jsonl", []byte(`{"text":"alpha"}`+"\n"), 0o644)
	os.WriteFile("data/b.jsonl", []byte(`{"text":"beta"}`+"\n"), 0o644)
	if _, errOut, code := runCLI(t, "clean", "-q", "-o", "v1", "data"); code != 0 {
		t.Fatalf("clean: %d %s", code, errOut)
	}
	os.WriteFile("data/b.jsonl", []byte(`{"text":"beta, now with carol@example.org"}`+"\n"), 0o644)
	os.WriteFile("data/c.jsonl", []byte(`{"text":"gamma"}`+"\n"), 0o644)
	stdout, errOut, code := runCLI(t, "scan", "-q", "--since-manifest", "v1/manifest.intoto.json", "-o", "v2", "data")
	if code != 1 || !strings.Contains(stdout, "2 files") || !strings.Contains(stdout, "unchanged, not scanned: 1 files") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errOut)
	}
}

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		dedupe bool
		mem    int
		want   int64
	}{
		{false, 0, 900 << 20},
		{false, 1024, 900 << 20},
		{true, 0, (900 + 256) << 20},
		{true, 128, (900 + 128) << 20},
		{true, 1024, (900 + 1024) << 20},
	} {
		if got := memoryLimit(tc.dedupe, tc.mem); got != tc.want {
			t.Errorf("memoryLimit(%v, %d) = %d, want %d", tc.dedupe, tc.mem, got, tc.want)
		}
	}
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	env := map[string]string{"GOMEMLIMIT": "2GiB"}
	setMemoryLimit(true, 1024, func(k string) string { return env[k] })
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("with GOMEMLIMIT set the limit changed to %d", got)
	}
	setMemoryLimit(true, 1024, func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != memoryLimit(true, 1024) {
		t.Errorf("limit %d, want %d", got, memoryLimit(true, 1024))
	}
}
