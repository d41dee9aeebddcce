package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
