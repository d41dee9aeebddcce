package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies the fixture dir src into a new temporary directory.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestRun(t *testing.T) {
	const manifestA = "testdata/a/manifest.intoto.json"
	tests := []struct {
		name string
		b    string           // fixture compared with testdata/a, or "" for a modified copy of it
		edit func(dir string) // applied to the copy
		both bool             // apply edit to a copy of testdata/a too
		code int              // exit status
		want []string         // stdout lines
		err  string           // in stderr
		args func(a string) []string
	}{
		{name: "identical", b: "testdata/same", code: 0, err: "match"},
		{name: "same subjects, other order and run metadata, extra files ignored", b: "testdata/reordered", code: 0},
		{name: "changed", b: "testdata/changed", code: 1, want: []string{
			"data/extra.jsonl: only in B",
			"data/web/a.jsonl: differ at byte 27 (A 34 bytes, B 34 bytes)",
			"quarantine/: only in A",
			"report.html: differ at byte 37: one is a prefix of the other (A 37 bytes, B 51 bytes)",
			`manifest.intoto.json: subject "data/extra.jsonl" only in B`,
			`manifest.intoto.json: subject "data/web/a.jsonl" digest sha256:X (A) != sha256:Y (B)`,
			`manifest.intoto.json: subject "quarantine/web/a.jsonl" only in A`,
			`manifest.intoto.json: subject "report.html" digest sha256:X (A) != sha256:Y (B)`,
		}},
		{name: "missing required file", edit: func(d string) { os.Remove(filepath.Join(d, "ledger.parquet")) },
			code: 1, want: []string{"ledger.parquet: only in A"}},
		{name: "other findings format", edit: func(d string) {
			os.Rename(filepath.Join(d, "findings.parquet"), filepath.Join(d, "findings.jsonl"))
		}, code: 1, want: []string{"findings.jsonl: only in B", "findings.parquet: only in A"}},
		{name: "quarantine on one side only", edit: func(d string) {
			os.RemoveAll(filepath.Join(d, "quarantine"))
		}, code: 1, want: []string{"quarantine/: only in A"}},
		{name: "no quarantine on either side is fine", both: true, edit: func(d string) {
			os.RemoveAll(filepath.Join(d, "quarantine"))
		}, code: 0},
		{name: "no data on either side", both: true, edit: func(d string) {
			os.RemoveAll(filepath.Join(d, "data"))
		}, code: 1, want: []string{"data/: missing in both"}},
		{name: "no report.html on either side", both: true, edit: func(d string) {
			os.Remove(filepath.Join(d, "report.html"))
		}, code: 1, want: []string{"report.html: missing in both"}},
		{name: "no data", edit: func(d string) { os.RemoveAll(filepath.Join(d, "data")) },
			code: 1, want: []string{"data/: only in A"}},
		{name: "subject removed", edit: func(d string) {
			rewrite(t, filepath.Join(d, "manifest.intoto.json"), `"name": "report.json"`, `"name": "report.jsn"`)
		}, code: 1, want: []string{
			`manifest.intoto.json: subject "report.jsn" only in B`,
			`manifest.intoto.json: subject "report.json" only in A`,
		}},
		{name: "subject listed twice", edit: func(d string) {
			rewrite(t, filepath.Join(d, "manifest.intoto.json"), `"name": "report.json"`, `"name": "report.html"`)
		}, code: 1, want: []string{
			`manifest.intoto.json: subjects listed twice in B: ["report.html"]`,
			`manifest.intoto.json: subject "report.html" digest sha256:X (A) != sha256:Y (B)`,
			`manifest.intoto.json: subject "report.json" only in A`,
		}},
		{name: "manifest is not JSON", edit: func(d string) {
			os.WriteFile(filepath.Join(d, "manifest.intoto.json"), []byte("{"), 0o644)
		}, code: 2, err: "manifest.intoto.json"},
		{name: "manifest without subjects", edit: func(d string) {
			os.WriteFile(filepath.Join(d, "manifest.intoto.json"), []byte(`{"predicate":{}}`), 0o644)
		}, code: 2, err: "no subject list"},
		{name: "B missing", args: func(a string) []string { return []string{a, "testdata/nope"} }, code: 2, err: "nope"},
		{name: "B is a file", args: func(a string) []string { return []string{a, manifestA} }, code: 2, err: "not a directory"},
		{name: "usage", args: func(string) []string { return []string{"testdata/a"} }, code: 2, err: "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			if b == "" {
				b = copyTree(t, "testdata/a")
				if tt.edit != nil {
					tt.edit(b)
				}
			}
			a := "testdata/a"
			if tt.both {
				a = copyTree(t, a)
				tt.edit(a)
			}
			args := []string{a, b}
			if tt.args != nil {
				args = tt.args(a)
			}
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			var got []string
			if s := strings.TrimRight(stdout.String(), "\n"); s != "" {
				got = strings.Split(s, "\n")
			}
			if tt.want != nil && !sameLines(got, tt.want) {
				t.Errorf("stdout:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.want == nil && tt.code == 0 && len(got) != 0 {
				t.Errorf("differences reported for matching outputs:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.err) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.err)
			}
		})
	}
}

// sameLines compares got with want, where any "sha256:..." word stands
// for any digest.
func sameLines(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := maskDigests(got[i]), maskDigests(want[i])
		if g != w {
			return false
		}
	}
	return true
}

func maskDigests(s string) string {
	var out []string
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "sha256:") {
			f = "sha256:*"
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

func rewrite(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", file, old)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCompareFilesLarge(t *testing.T) {
	dir := t.TempDir()
	a := bytes.Repeat([]byte("0123456789abcdef"), 20000) // spans several read buffers
	b := append([]byte(nil), a...)
	b[200001] = 'X'
	fa, fb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(fa, a, 0o644)
	os.WriteFile(fb, b, 0o644)
	got, err := compareFiles(fa, fb)
	if err != nil || got != "differ at byte 200001 (A 320000 bytes, B 320000 bytes)" {
		t.Errorf("compareFiles = %q, %v", got, err)
	}
	if got, err := compareFiles(fa, fa); got != "" || err != nil {
		t.Errorf("compareFiles(a, a) = %q, %v", got, err)
	}
}
