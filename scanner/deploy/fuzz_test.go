package deploy

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzShQuote checks that every string comes back from shQuote as exactly
// one shell word with the same bytes.
func FuzzShQuote(f *testing.F) {
	for _, s := range []string{"", "a", "a b", "it's", "''", `\'`, "$(x)", "a\nb", "\xff", "-n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := shQuote(s)
		words, ok := shWords(q)
		if !ok || len(words) != 1 || words[0] != s {
			t.Fatalf("shQuote(%q) = %s reads back as %q (ok %v)", s, q, words, ok)
		}
	})
}

// FuzzK8sEscape checks that Kubernetes' expansion undoes k8sEscape
// whatever variables are defined.
func FuzzK8sEscape(f *testing.F) {
	for _, s := range []string{"", "$", "$$", "$(A)", "$$(A)", "$(A", "a$b$(B)c", "$(A)$"} {
		f.Add(s)
	}
	env := map[string]string{"A": "x", "B": "$(A)", "": "empty"}
	f.Fuzz(func(t *testing.T, s string) {
		if got := expandK8s(k8sEscape(s), env); got != s {
			t.Fatalf("expand(k8sEscape(%q)) = %q", s, got)
		}
	})
}

// FuzzParseQuantity checks that parseQuantity never panics and that the
// sbatch --mem it leads to is never less than the quantity, and less
// than one MiB more.
func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"4Gi", "512Mi", "1.5G", "1000", "0", "1e3", "9999999999999999999Pi", ".5Gi", "1."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseQuantity(s)
		if err != nil {
			return
		}
		if b == 0 {
			t.Fatalf("parseQuantity(%q) = 0 without an error", s)
		}
		m := slurmMem(b)
		n, unit := m[:len(m)-1], m[len(m)-1]
		back, err := parseQuantity(n + map[byte]string{'G': "Gi", 'M': "Mi"}[unit])
		if err != nil || back < b || back-b >= 1<<20 {
			t.Fatalf("parseQuantity(%q) = %d; slurmMem = %s = %d bytes, %v", s, b, m, back, err)
		}
	})
}

// FuzzRenderK8s renders arbitrary inputs and output and checks that the
// YAML parses and that, after Kubernetes' expansion, plan receives them
// unchanged.
func FuzzRenderK8s(f *testing.F) {
	for _, s := range [][2]string{
		{"s3://b/in", "s3://b/out"},
		{"a b/'c'", "/data/$(HOME)"},
		{"-x", "file:///data/o?x=1&y=2"},
		{"\"\\\n#:", "- [a]: {b}"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, in, out string) {
		s := Spec{Inputs: []string{in}, Out: out, Shards: 2, Image: "img"}
		var buf bytes.Buffer
		if err := Render(&buf, TargetK8s, s); err != nil {
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("error %v is not ErrInvalidSpec", err)
			}
			return
		}
		d := docs(t, buf.Bytes())
		args := strs(t, get(t, d[0], "spec", "template", "spec", "containers", 0, "args"))
		for i := range args {
			args[i] = expandK8s(args[i], map[string]string{"HOME": "/root"})
		}
		want := wantArgv(s, "plan", 0, "")
		if strings.Join(args, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("plan runs %q, want %q", args, want)
		}
	})
}
