package ciformat

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// ciDir holds the ready-made CI integrations that use this package's
// formats and policy syntax.
const ciDir = "../../deploy/ci"

const (
	wantPolicy   = "secret.*=any,pii.*>0"
	wantBaseline = ".winnow-baseline.json"
	installCmd   = "go install github.com/winnow-data/winnow/cmd/winnow@latest"
)

func readYAML(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(b)
}

// TestCIIntegrations checks that the GitHub workflow, the GitLab job and
// the pre-commit hook parse, agree on the policy and baseline, and use the
// report files the CLI writes.
func TestCIIntegrations(t *testing.T) {
	t.Run("github", func(t *testing.T) {
		var wf struct {
			Env  map[string]string `yaml:"env"`
			Jobs map[string]struct {
				Steps []struct {
					Uses string            `yaml:"uses"`
					Run  string            `yaml:"run"`
					If   string            `yaml:"if"`
					With map[string]string `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		readYAML(t, filepath.Join(ciDir, "github-actions.yml"), &wf)
		checkPolicyVar(t, wf.Env["WINNOW_FAIL_ON"])
		if wf.Env["WINNOW_BASELINE"] != wantBaseline {
			t.Errorf("WINNOW_BASELINE = %q", wf.Env["WINNOW_BASELINE"])
		}
		steps := wf.Jobs["winnow"].Steps
		var all strings.Builder
		found := map[string]bool{}
		for _, s := range steps {
			all.WriteString(s.Run)
			switch {
			case strings.HasPrefix(s.Uses, "actions/checkout@"):
				found["checkout"] = s.With["fetch-depth"] == "0"
			case strings.HasPrefix(s.Uses, "actions/setup-go@"):
				found["setup-go"] = true
			case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
				found["upload"] = s.With["sarif_file"] == "winnow-out/report.sarif" && strings.Contains(s.If, "always()")
			}
		}
		for _, k := range []string{"checkout", "setup-go", "upload"} {
			if !found[k] {
				t.Errorf("workflow step %s missing or misconfigured", k)
			}
		}
		run := all.String()
		for _, want := range []string{installCmd, "--since", "--baseline", `--fail-on "$WINNOW_FAIL_ON"`, "--report sarif,github", "-o winnow-out"} {
			if !strings.Contains(run, want) {
				t.Errorf("workflow does not run %q", want)
			}
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		var ci map[string]any
		src := readYAML(t, filepath.Join(ciDir, "gitlab-ci.yml"), &ci)
		vars, _ := ci["variables"].(map[string]any)
		checkPolicyVar(t, vars["WINNOW_FAIL_ON"].(string))
		if vars["WINNOW_BASELINE"] != wantBaseline {
			t.Errorf("WINNOW_BASELINE = %v", vars["WINNOW_BASELINE"])
		}
		job, _ := ci["winnow"].(map[string]any)
		art, _ := job["artifacts"].(map[string]any)
		reports, _ := art["reports"].(map[string]any)
		if reports["junit"] != "winnow-out/report.junit.xml" || art["when"] != "always" {
			t.Errorf("artifacts = %v", art)
		}
		for _, want := range []string{installCmd, "--since", "--baseline", `--fail-on "$WINNOW_FAIL_ON"`, "--report junit", "-o winnow-out"} {
			if !strings.Contains(src, want) {
				t.Errorf("job does not run %q", want)
			}
		}
	})
	t.Run("pre-commit", func(t *testing.T) {
		hooksFile := filepath.Join(ciDir, ".pre-commit-hooks.yaml")
		root := filepath.Join(ciDir, "..", "..")
		if _, err := os.Stat(filepath.Join(root, ".pre-commit-hooks.yaml")); err == nil {
			hooksFile = filepath.Join(root, ".pre-commit-hooks.yaml")
		}
		var hooks []struct {
			ID       string `yaml:"id"`
			Entry    string `yaml:"entry"`
			Language string `yaml:"language"`
			Files    string `yaml:"files"`
		}
		readYAML(t, hooksFile, &hooks)
		if len(hooks) == 0 || hooks[0].ID != "winnow" || hooks[0].Language != "script" {
			t.Fatalf("hooks = %+v", hooks)
		}
		h := hooks[0]
		st, err := os.Stat(filepath.Join(root, h.Entry))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Fatalf("hook entry %s is not an executable file: %v", h.Entry, err)
		}
		script, _ := os.ReadFile(filepath.Join(root, h.Entry))
		m := regexp.MustCompile(`WINNOW_FAIL_ON:-'([^']*)'`).FindSubmatch(script)
		if m == nil {
			t.Fatal("hook script has no default WINNOW_FAIL_ON")
		}
		checkPolicyVar(t, string(m[1]))
		if !strings.Contains(string(script), "WINNOW_BASELINE:-"+wantBaseline) {
			t.Error("hook script's default baseline differs")
		}
		re, err := regexp.Compile(h.Files)
		if err != nil {
			t.Fatalf("files pattern: %v", err)
		}
		for name, want := range map[string]bool{
			"data/a.jsonl": true, "a.JSONL.zst": true, "b.json.gz": true, "c.ndjson": true, "d.parquet": true,
			"e.pq": true, "f.arrow": true, "g.feather": true, "README.md": false, "x.csv": false, "y.jsonl.bak": false,
		} {
			if re.MatchString(name) != want {
				t.Errorf("files pattern matches %s = %v, want %v", name, !want, want)
			}
		}
	})
}

func checkPolicyVar(t *testing.T, s string) {
	t.Helper()
	if s != wantPolicy {
		t.Errorf("policy %q, want the shared default %q", s, wantPolicy)
	}
	if _, err := ParsePolicy(s); err != nil {
		t.Errorf("policy %q does not parse: %v", s, err)
	}
}
