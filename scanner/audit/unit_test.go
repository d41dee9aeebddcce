package audit

import (
	"bytes"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFmtInt(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {1852, "1,852"},
		{123456, "123,456"}, {1234567, "1,234,567"}, {-1234, "-1,234"}, {-12, "-12"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := fmtInt(tt.in); got != tt.want {
				t.Errorf("fmtInt(%d) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFmtPctAndBytes(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"pct", fmtPct(1326, 1852), "71.6%"},
		{"pct zero whole", fmtPct(1, 0), "0%"},
		{"pct tiny", fmtPct(1, 100000), "<0.1%"},
		{"pct all", fmtPct(5, 5), "100.0%"},
		{"rate small", fmtRate(0.0115), "1.15%"},
		{"rate big", fmtRate(0.375), "37.5%"},
		{"rate tiny", fmtRate(0.00001), "<0.01%"},
		{"bytes", fmtBytes(999), "999 B"},
		{"kB", fmtBytes(77250), "77.2 kB"},
		{"MB", fmtBytes(1357995), "1.36 MB"},
		{"GB", fmtBytes(250_000_000_000), "250 GB"},
		{"coord", coord(12.345), "12.35"},
		{"coord int", coord(40), "40"},
		{"coord neg zero", coord(-0.001), "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		max  int64
		n    int
		want []int64
	}{
		{0, 5, []int64{0, 1}},
		{1, 4, []int64{0, 1}},
		{101, 6, []int64{0, 20, 40, 60, 80, 100, 120}},
		{101, 4, []int64{0, 50, 100, 150}},
		{8, 4, []int64{0, 2, 4, 6, 8}},
		{3, 5, []int64{0, 1, 2, 3}},
		{math.MaxInt64, 4, []int64{0, 5e18, math.MaxInt64}},
	}
	for _, tt := range tests {
		t.Run(fmtInt(tt.max), func(t *testing.T) {
			got := niceTicks(tt.max, tt.n)
			if !slices.Equal(got, tt.want) {
				t.Errorf("niceTicks(%d, %d) = %v, want %v", tt.max, tt.n, got, tt.want)
			}
			if got[len(got)-1] < tt.max {
				t.Errorf("last tick %d below max %d", got[len(got)-1], tt.max)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain text", "plain text"},
		{"a\u202eb", "a⟨U+202E⟩b"},
		{"zero\u200bwidth", "zero⟨U+200B⟩width"},
		{"tag\U000E0041", "tag⟨U+E0041⟩"},
		{"nl\nx", "nl⟨U+000A⟩x"},
		{"bad\xffutf8", "bad⟨U+FFFD⟩utf8"},
		{"中文 ok", "中文 ok"},
		{"vs\ufe0f", "vs⟨U+FE0F⟩"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := visible(tt.in); got != tt.want {
				t.Errorf("visible(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// renderParts writes parts the way the template does, for comparison.
func renderParts(parts []snippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case "space":
			b.WriteByte(' ')
		case "code":
			b.WriteString("[" + p.Text + "]")
		case "mask":
			b.WriteString("{" + p.Text + "}")
		default:
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func TestMaskTrigger(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"word", "Debt", "Debt"},
		{"phrase", "James   Bond", "James Bond"},
		{"template token", "<|im_start|>", "<|im_start|>"},
		{"sudo", "<SUDO>", "<SUDO>"},
		{"hidden rune kept visible", "cf\u200b", "cf[U+200B]"},
		{"template with hidden rune", "<|im_start|>\u200bsudo", "<|im_start|>[U+200B]sudo"},
		{"email", "mail bob@example.com", "mail {██████}"},
		{"short email", "a@b", "{██████}"},
		{"digits", "ref 4000-1234-5678-9010", "ref {██████}"},
		{"phone", "call 555-0100", "call {██████}"},
		{"three digits ok", "route 66 and 1", "route 66 and 1"},
		{"spaced number", "tel +1 (555) 010 x", "tel {██████} {██████} {██████} x"},
		{"url", "see https://x.io/a", "see {██████}"},
		{"aws key", "AKIAIOSFODNN7EXAMPLE", "{██████}"},
		{"token with underscore", "ghp_abcdefghijklmnopqrstuvwxyz", "{██████}"},
		{"long word", strings.Repeat("a", 40), "{██████}"},
		{"cjk", "忘记 指示", "忘记 指示"},
		{"only space", "\t", "[U+0009]"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderParts(maskTrigger(tt.in)); got != tt.want {
				t.Errorf("maskTrigger(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHumanize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"repeated_payload", "Repeated payload"},
		{"text", "Text"},
		{"ñandú_x", "Ñandú x"},
		{"", "–"},
		{"\u202emode", "⟨U+202E⟩mode"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := humanize(tt.in); got != tt.want {
				t.Errorf("humanize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShortNames(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"common dir", []string{"samples/data/web/a.jsonl", "samples/data/chat/b.parquet"}, []string{"web/a.jsonl", "chat/b.parquet"}},
		{"one file", []string{"samples/data/web/a.jsonl"}, []string{"a.jsonl"}},
		{"no common", []string{"a/x.jsonl", "b/y.jsonl"}, []string{"a/x.jsonl", "b/y.jsonl"}},
		{"prefix is not a dir", []string{"data1/x.jsonl", "data2/x.jsonl"}, []string{"data1/x.jsonl", "data2/x.jsonl"}},
		{"no dirs", []string{"x.jsonl", "y.jsonl"}, []string{"x.jsonl", "y.jsonl"}},
		{"empty", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shortNames(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("shortNames(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFileIndexFallback: when inputs were skipped, corpus file indexes are
// plan indexes that no longer match report.files, so no path is guessed.
func TestFileIndexFallback(t *testing.T) {
	report := []byte(`{"totals": {"records_in": 2, "kept": 2},
		"files": [{"file": "d/a.jsonl", "records_in": 1, "kept": 1}, {"file": "d/b.jsonl", "records_in": 1, "kept": 1}],
		"skipped": [{"file": "d/0.jsonl", "reason": "unchanged"}],
		"corpus": {"poison.trigger": {"candidates": [{"text": "cf", "mode": "text", "outcome": "repeated_payload", "score": 0.9, "records": 2, "doc_freq": 2, "base_rate": 0.1, "examples": [{"file": 1, "row": 0}]}]}}}`)
	var buf bytes.Buffer
	if err := RenderFrom(&buf, report, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{"file #1", "d/0.jsonl", "unchanged", "plan index"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `title="d/b.jsonl">b.jsonl</span> <span class="rows">row 0`) {
		t.Error("plan index resolved to a report.files path despite skipped inputs")
	}
}

// checkPage asserts the invariants every rendered page must hold.
func checkPage(t *testing.T, page []byte) {
	t.Helper()
	if !utf8.Valid(page) {
		t.Fatal("page is not valid UTF-8")
	}
	for _, svg := range svgRE.FindAll(page, -1) {
		if err := checkXML(svg); err != nil {
			t.Fatalf("malformed SVG: %v\n%s", err, clip(svg))
		}
	}
	if bytes.Contains(page, []byte("<script")) || bytes.Contains(page, []byte("<img")) {
		t.Fatal("page contains an active element")
	}
}

func FuzzRenderFrom(f *testing.F) {
	for _, dir := range []string{"testdata/basic", "testdata/minimal"} {
		r, err := readFixture(dir + "/report.json")
		if err != nil {
			f.Fatal(err)
		}
		fd, _ := readFixture(dir + "/findings.jsonl")
		f.Add(r, fd)
	}
	f.Add([]byte(`{"totals":{"records_in":-5},"findings_by_kind":{"\u202e<script>":-3},"corpus":{"dedupe":{"cluster_size_histogram":[{"min":9,"max":1,"clusters":-1}]}}}`), []byte(`{"kind":"x","file":"<img>"}`))
	f.Fuzz(func(t *testing.T, report, findings []byte) {
		var buf bytes.Buffer
		err := RenderFrom(&buf, report, JSONLFindings(bytes.NewReader(findings)), Options{})
		if err != nil {
			if buf.Len() != 0 {
				t.Fatal("failed render wrote output")
			}
			return
		}
		checkPage(t, buf.Bytes())
	})
}

var findingsErrRE = regexp.MustCompile(`^line \d+: (invalid JSON at byte \d+|field "[A-Za-z0-9_.]*": want [A-Za-z0-9.*\[\]]+|invalid JSON|bufio.Scanner: token too long)$`)

func FuzzJSONLFindings(f *testing.F) {
	fd, err := readFixture("testdata/basic/findings.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fd)
	f.Add([]byte("\n\n{\"row\": \"secret.canary\"}\n"))
	f.Add([]byte(`{"file": 7}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, err := range JSONLFindings(bytes.NewReader(data)) {
			if err != nil && !findingsErrRE.MatchString(err.Error()) {
				t.Fatalf("error %q is not one of the scrubbed forms", err)
			}
		}
	})
}

var codeRE = regexp.MustCompile(`^U\+[0-9A-F]{4,6}$`)

func FuzzMaskTrigger(f *testing.F) {
	for _, s := range []string{"Debt", "<|im_start|>\u200bsudo", "mail bob@example.com", "4000-1234-5678-9010", "\t \u202e", "AKIAIOSFODNN7EXAMPLE now", "a\xffb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		digits := 0 // shown over the whole candidate
		for _, p := range maskTrigger(s) {
			if !utf8.ValidString(p.Text) {
				t.Fatalf("part %q is not valid UTF-8", p.Text)
			}
			switch p.Kind {
			case "space":
			case "mask":
				if strings.Trim(p.Text, "█") != "" {
					t.Fatalf("mask %q shows characters", p.Text)
				}
			case "code":
				if !codeRE.MatchString(p.Text) {
					t.Fatalf("code part %q", p.Text)
				}
			case "text":
				for _, r := range p.Text {
					if hiddenRune(r) {
						t.Fatalf("text part %q has hidden rune %U", p.Text, r)
					}
					if r == '@' {
						t.Fatalf("text part %q has an '@'", p.Text)
					}
					if unicode.IsDigit(r) {
						digits++
					}
				}
				if digits >= 4 {
					t.Fatalf("maskTrigger(%q) shows %d digits", s, digits)
				}
			default:
				t.Fatalf("unknown part kind %q", p.Kind)
			}
		}
	})
}

func FuzzVisible(f *testing.F) {
	for _, s := range []string{"ok", "a\u202eb", "\xff\xfe", "\U000E0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := visible(s)
		if !utf8.ValidString(v) {
			t.Fatalf("visible(%q) is not valid UTF-8", s)
		}
		for _, r := range v {
			if hiddenRune(r) {
				t.Fatalf("visible(%q) keeps hidden rune %U", s, r)
			}
		}
	})
}
