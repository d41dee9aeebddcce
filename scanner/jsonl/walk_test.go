package jsonl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

type leafOut struct {
	path, value, literal string
}

func walkAll(t testing.TB, rec string, want func([]byte) bool) ([]leafOut, error) {
	var w Walker
	var out []leafOut
	err := w.Walk([]byte(rec), want, func(l *Leaf) {
		out = append(out, leafOut{string(l.Path), string(l.Value), rec[l.Start:l.End]})
	})
	return out, err
}

func TestWalkLeaves(t *testing.T) {
	tests := []struct {
		name string
		rec  string
		want []leafOut
	}{
		{"flat", `{"text":"hello","n":1}`, []leafOut{{"$.text", "hello", `"hello"`}}},
		{"nested", `{"meta":{"url":"http://x","lang":"en"}}`, []leafOut{{"$.meta.url", "http://x", `"http://x"`}, {"$.meta.lang", "en", `"en"`}}},
		{"messages", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}`, []leafOut{
			{"$.messages[0].role", "user", `"user"`}, {"$.messages[0].content", "hi", `"hi"`},
			{"$.messages[1].role", "assistant", `"assistant"`}, {"$.messages[1].content", "yo", `"yo"`}}},
		{"escapes", `{"t":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00"}`, []leafOut{{"$.t", "a\"b\\c/d\n\té😀", `"a\"b\\c\/d\n\t\u00e9\ud83d\ude00"`}}},
		{"lone surrogate kept as WTF-8", `{"t":"x\udc00y"}`, []leafOut{{"$.t", "x\xed\xb0\x80y", `"x\udc00y"`}}},
		{"odd keys", `{"a b":"1","it's":"2","":"3","9x":"4"}`, []leafOut{{"$['a b']", "1", `"1"`}, {`$['it\'s']`, "2", `"2"`}, {"$['']", "3", `"3"`}, {"$['9x']", "4", `"4"`}}},
		{"arrays of arrays", `[["a",["b"]],"c",[]]`, []leafOut{{"$[0][0]", "a", `"a"`}, {"$[0][1][0]", "b", `"b"`}, {"$[1]", "c", `"c"`}}},
		{"top-level string", `  "solo"  `, []leafOut{{"$", "solo", `"solo"`}}},
		{"empty containers", `{"a":{},"b":[],"c":"z"}`, []leafOut{{"$.c", "z", `"z"`}}},
		{"keys are not values", `{"email@x.com":1}`, nil},
		{"whitespace", "{ \"a\" :\t\"b\" , \"c\" : [ \"d\" ] }", []leafOut{{"$.a", "b", `"b"`}, {"$.c[0]", "d", `"d"`}}},
		{"numbers and literals", `{"a":-0.5e+10,"b":true,"c":false,"d":null,"e":"s"}`, []leafOut{{"$.e", "s", `"s"`}}},
		{"raw utf8 and invalid bytes pass", "{\"t\":\"日本\xff\"}", []leafOut{{"$.t", "日本\xff", "\"日本\xff\""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := walkAll(t, tt.rec, nil)
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestWalkErrors(t *testing.T) {
	tests := []struct {
		rec    string
		offset int
		msg    string
	}{
		{`{"a":}`, 5, "invalid character '}' looking for a value"},
		{`{"a":"b"`, 8, "unexpected end of record"},
		{`{"a" "b"}`, 5, "missing ':' after object key"},
		{`{"a":"b",}`, 9, "invalid character '}' looking for object key"},
		{`{"a":tru}`, 5, "invalid literal"},
		{`{"a":01}`, 6, "invalid character '1' after object value"},
		{`{"a":1.}`, 5, "invalid number"},
		{`{"a":"\x"}`, 6, "invalid escape 'x'"},
		{`{"a":"\u12"}`, 6, "invalid \\u escape"},
		{"{\"a\":\"b\tc\"}", 7, "invalid control character 0x09 in string"},
		{`{"a":"b"} x`, 10, "invalid character 'x' after top-level value"},
		{`[1,2`, 4, "unexpected end of record"},
		{`{"a":"unterminated`, 5, "unterminated string"},
		{``, 0, "empty record"},
		{`{1:2}`, 1, "invalid character '1' looking for object key"},
		{`[1 2]`, 3, "invalid character '2' after array element"},
	}
	for _, tt := range tests {
		t.Run(tt.rec, func(t *testing.T) {
			_, err := walkAll(t, tt.rec, nil)
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("err = %v (%T), want *SyntaxError", err, err)
			}
			if se.Offset != tt.offset || se.Msg != tt.msg {
				t.Errorf("got (%d, %q), want (%d, %q)", se.Offset, se.Msg, tt.offset, tt.msg)
			}
		})
	}
}

func TestWalkDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := walkAll(t, deep, nil); err == nil {
		t.Fatal("no error for excessive nesting")
	}
	ok := strings.Repeat("[", 100) + `"x"` + strings.Repeat("]", 100)
	got, err := walkAll(t, ok, nil)
	if err != nil || len(got) != 1 || got[0].path != "$"+strings.Repeat("[0]", 100) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestWalkFilter(t *testing.T) {
	rec := `{"text":"a","meta":{"url":"b"},"messages":[{"content":"c"}]}`
	want := func(p []byte) bool { return string(p) == "$.meta.url" }
	got, err := walkAll(t, rec, want)
	if err != nil || len(got) != 1 || got[0].value != "b" {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\`, "ctl\x00\x1f\n\r\t", "日本語 é", "\u2028"} {
		lit := AppendString(nil, []byte(s))
		var back string
		if err := json.Unmarshal(lit, &back); err != nil || back != s {
			t.Errorf("AppendString(%q) = %s, decodes to %q, %v", s, lit, back, err)
		}
	}
}

// FuzzWalk checks the walker against encoding/json: the same records are
// valid, and every decoded string leaf equals what encoding/json decodes.
func FuzzWalk(f *testing.F) {
	for _, s := range []string{
		`{"text":"hello"}`, `{"a":[1,2,{"b":"c"}]}`, `{"t":"\u00e9\ud83d\ude00\n"}`, `[]`, `"x"`, `{"a":-1.5e3}`,
		`{"a":`, `{"a":"\udc00"}`, `{"a b":{"c":["d","e"]}}`, "{\"a\":\"\xff\"}", `{"x":tru}`, `  {"k" : null }  `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		var w Walker
		var leaves []string
		err := w.Walk(rec, nil, func(l *Leaf) {
			if l.Start < 0 || l.End > len(rec) || l.Start >= l.End || rec[l.Start] != '"' || rec[l.End-1] != '"' {
				t.Fatalf("bad literal span [%d,%d) in %q", l.Start, l.End, rec)
			}
			leaves = append(leaves, string(l.Value))
		})
		if !utf8.Valid(rec) {
			return // encoding/json replaces invalid bytes; only check no panic
		}
		valid := json.Valid(rec)
		if (err == nil) != valid {
			t.Fatalf("Walk err=%v but json.Valid=%v for %q", err, valid, rec)
		}
		if err != nil {
			return
		}
		want := tokenLeaves(t, rec)
		if len(want) != len(leaves) {
			t.Fatalf("leaf count %d, encoding/json %d for %q", len(leaves), len(want), rec)
		}
		for i := range want {
			if utf8.ValidString(leaves[i]) && leaves[i] != want[i] {
				t.Fatalf("leaf %d = %q, encoding/json %q", i, leaves[i], want[i])
			}
		}
	})
}

// tokenLeaves lists the string values (not keys) of a valid JSON document in
// order, using encoding/json's token stream.
func tokenLeaves(t *testing.T, rec []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(rec))
	type level struct{ object, wantKey bool }
	var stack []level
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		top := len(stack) - 1
		switch x := tok.(type) {
		case json.Delim:
			switch x {
			case '{':
				stack = append(stack, level{object: true, wantKey: true})
				continue
			case '[':
				stack = append(stack, level{})
				continue
			default:
				stack = stack[:top]
				top--
			}
		case string:
			if top >= 0 && stack[top].object && stack[top].wantKey {
				stack[top].wantKey = false
				continue
			}
			out = append(out, x)
		}
		if top >= 0 && stack[top].object {
			stack[top].wantKey = true
		}
	}
}
