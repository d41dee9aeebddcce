package records

import (
	"strings"
	"testing"
)

func TestFieldFilter(t *testing.T) {
	tests := []struct {
		patterns []string
		path     string
		col      string
		want     bool
	}{
		{[]string{"$.text"}, "$.text", "text", true},
		{[]string{"text"}, "$.text", "text", true},
		{[]string{"$.text"}, "$.texts", "texts", false},
		{[]string{"$.meta"}, "$.meta.url", "meta.url", true},
		{[]string{"meta.url"}, "$.meta.url", "meta.url", true},
		{[]string{"$.messages[*].content"}, "$.messages[12].content", "", true},
		{[]string{"$.messages[*].content"}, "$.messages[x].content", "", false},
		{[]string{"$.messages[*].content"}, "$.messages[].content", "", false},
		{[]string{"$.messages[1]"}, "$.messages[1].content", "", true},
		{[]string{"$.messages[1]"}, "$.messages[10].content", "", false},
		{[]string{"messages.content"}, "", "messages.content", true},
		{[]string{"messages"}, "", "messages.role", true},
		{[]string{"a", "b"}, "$.b", "b", true},
	}
	for _, tt := range tests {
		f, err := NewFieldFilter(tt.patterns)
		if err != nil {
			t.Fatal(err)
		}
		if tt.path != "" {
			if got := f.MatchJSONPath([]byte(tt.path)); got != tt.want {
				t.Errorf("%v MatchJSONPath(%s) = %v", tt.patterns, tt.path, got)
			}
		}
		if tt.col != "" {
			if got := f.MatchColumn([]byte(tt.col)); got != tt.want {
				t.Errorf("%v MatchColumn(%s) = %v", tt.patterns, tt.col, got)
			}
		}
	}
	if f, err := NewFieldFilter(nil); f != nil || err != nil || !f.MatchJSONPath([]byte("$.x")) || !f.MatchColumn([]byte("x")) {
		t.Error("nil filter must select everything")
	}
	if _, err := NewFieldFilter([]string{"$.a[*"}); err == nil {
		t.Error("unbalanced brackets accepted")
	}
}

// FuzzFieldFilter: matching never panics, a path always matches itself, and
// replacing every index by [*] still matches.
func FuzzFieldFilter(f *testing.F) {
	f.Add("$.messages[3].content", "$.messages[*].content")
	f.Add("$['a b'][0]", "$['a b']")
	f.Add("$", "$")
	f.Fuzz(func(t *testing.T, path, pattern string) {
		if ff, err := NewFieldFilter([]string{pattern}); err == nil {
			ff.MatchJSONPath([]byte(path))
			ff.MatchColumn([]byte(path))
		}
		if !strings.HasPrefix(path, "$") || strings.Count(path, "[") != strings.Count(path, "]") || strings.TrimSpace(path) != path {
			return
		}
		self, err := NewFieldFilter([]string{path})
		if err != nil {
			return
		}
		if !self.MatchJSONPath([]byte(path)) {
			t.Fatalf("%q does not match itself", path)
		}
		wild := indexRE(path)
		if w, err := NewFieldFilter([]string{wild}); err == nil && !w.MatchJSONPath([]byte(path)) {
			t.Fatalf("%q does not match %q", wild, path)
		}
	})
}

// indexRE replaces every [digits] by [*].
func indexRE(p string) string {
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			j := i + 1
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j > i+1 && j < len(p) && p[j] == ']' {
				sb.WriteString("[*]")
				i = j
				continue
			}
		}
		sb.WriteByte(p[i])
	}
	return sb.String()
}
