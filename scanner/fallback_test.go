package scanner

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors/defaults"
)

// TestFallbackKinds: a secret with a specific kind is reported once, not a
// second time as secret.generic_high_entropy on the same span; the generic
// kind still reports values no specific rule knows, and when only it runs.
func TestFallbackKinds(t *testing.T) {
	reg, err := defaults.Registry(defaults.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		line  string
		kinds []string
		want  string
	}{
		{"specific wins", `{"text":"export AWS_SECRET_ACCESS_KEY=Zq8vR2mK9xL4pT7wN3bY6cJ1hF5gD0sA8eU2iO4k"}`, []string{"secret.*"}, "secret.aws_secret_access_key"},
		{"generic alone", `{"text":"DB_PASSWORD=Xk9#mP2$vL8qT4"}`, []string{"secret.*"}, "secret.generic_high_entropy"},
		{"generic when only it runs", `{"text":"export AWS_SECRET_ACCESS_KEY=Zq8vR2mK9xL4pT7wN3bY6cJ1hF5gD0sA8eU2iO4k"}`, []string{"secret.generic_high_entropy"}, "secret.generic_high_entropy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.jsonl")
			if err := os.WriteFile(in, []byte(tc.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := Config{Mode: ModeScan, Inputs: []string{in}, Out: filepath.Join(dir, "out"), Registry: reg, Kinds: tc.kinds,
				Key: []byte("fallback-test-key-0123"), ToolVersion: "test", FindingsFormat: "jsonl"}
			cfg.Dedupe.Disabled = true
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for k, n := range res.Report.FindingsByKind {
				for range n {
					got = append(got, k)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("findings %v, want exactly [%s]", got, tc.want)
			}
		})
	}
}
