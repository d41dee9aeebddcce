package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodDOM = `<html><body>
<span id="records-in" data-value="1852">1,852</span>
<span id="records-kept" data-value="1326">1,326</span>
<span id="records-redacted" data-value="303">303</span>
<span id="records-dropped" data-value="223">223</span>
<span id="findings-total" data-value="933">933</span>
<svg><rect/></svg><p title="hash 0a1b">text</p>
</body></html>`

const report = `{"totals": {"records_in": 1852, "kept": 1326, "redacted": 303, "dropped": 223, "findings": 933}}`

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		dom     string
		values  string
		wantErr error
		want    []string
	}{
		{"ok", goodDOM, "", nil, []string{"ok: records in 1852"}},
		{"ok with values", goodDOM, `{"value":"alice.canary@example.com"}` + "\n" + `{"row":1}` + "\n", nil, []string{"none of 1 raw values"}},
		{"wrong text", strings.Replace(goodDOM, ">1,326<", ">1,325<", 1), "", errFailed, []string{`#records-kept: shows "1,325"`}},
		{"wrong data-value", strings.Replace(goodDOM, `data-value="303"`, `data-value="304"`, 1), "", errFailed, []string{`#records-redacted: data-value "304"`}},
		{"missing id", strings.Replace(goodDOM, `id="findings-total"`, `id="other"`, 1), "", errFailed, []string{"#findings-total: found 0 elements"}},
		{"duplicate id", strings.Replace(goodDOM, "</body>", `<b id="records-in" data-value="1852">1852</b></body>`, 1), "", errFailed, []string{"#records-in: found 2 elements"}},
		{"script", strings.Replace(goodDOM, "</body>", "<script>x()</script></body>", 1), "", errFailed, []string{"<script>"}},
		{"no svg", strings.Replace(goodDOM, "<svg><rect/></svg>", "", 1), "", errFailed, []string{"no inline SVG"}},
		{"leak in text", strings.Replace(goodDOM, ">text<", ">alice.canary@example.com<", 1), `{"value":"alice.canary@example.com"}`, errFailed, []string{"1 raw finding values appear"}},
		{"leak in attribute", strings.Replace(goodDOM, "hash 0a1b", "alice.canary@example.com", 1), `{"value":"alice.canary@example.com"}`, errFailed, []string{"1 raw finding values appear"}},
		{"short values ignored", goodDOM, `{"value":"text"}`, nil, []string{"none of 0 raw values"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, s string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			args := []string{"-report", write("report.json", report), "-dom", write("dom.html", tt.dom)}
			if tt.values != "" {
				args = append(args, "-values", write("findings.jsonl", tt.values))
			}
			var out, errOut bytes.Buffer
			err := run(args, &out, &errOut)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "canary") {
				t.Error("output prints a raw value")
			}
		})
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(nil, &out, &errOut); err == nil || errors.Is(err, errFailed) {
		t.Errorf("err = %v, want a usage error", err)
	}
}
