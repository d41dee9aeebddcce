package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
)

func TestValidJSONObject(t *testing.T) {
	tests := []struct {
		json           string
		wantOK, hasAlg bool
	}{
		{`{"alg":"HS256"}`, true, true},
		{` { "typ" : "JWT" , "alg" : "RS256" } `, true, true},
		{`{"alg":null}`, true, false},
		{`{"x":{"alg":"HS256"}}`, true, false},
		{`{"algo":"x"}`, true, false},
		{`{"\u0061lg":"x"}`, true, false}, // escaped names are not matched
		{`{}`, true, false},
		{`{"a":[1,-2.5e+3,true,false,null,"s\n\u00e9",{"b":[]}]}`, true, false},
		{`[1,2]`, false, false},
		{`{"a":1,}`, false, false},
		{`{"a":01}`, false, false},
		{`{"a":"x`, false, false},
		{`{"a":"\x"}`, false, false},
		{`{"a":1} x`, false, false},
		{"{\"a\":\"\x01\"}", false, false},
		{`{"a":tru}`, false, false},
		{`{"a":-}`, false, false},
		{`{"a":1.}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			seg := base64.RawURLEncoding.EncodeToString([]byte(tt.json))
			hasAlg, ok := validJSONObject([]byte(seg), true)
			if ok != tt.wantOK || hasAlg != tt.hasAlg {
				t.Errorf("validJSONObject(%s) = %v, %v; want %v, %v", tt.json, hasAlg, ok, tt.hasAlg, tt.wantOK)
			}
		})
	}
	deep := bytes.Repeat([]byte(`{"a":`), jsonMaxDepth+1)
	if _, ok := validJSONObject([]byte(base64.RawURLEncoding.EncodeToString(deep)), false); ok {
		t.Error("unterminated deep nesting accepted")
	}
	if _, ok := validJSONObject([]byte("eyJ!"), false); ok {
		t.Error("invalid base64url accepted")
	}
}

// FuzzJSONObject compares the allocation-free validator with encoding/json
// on arbitrary bytes, and never panics.
func FuzzJSONObject(f *testing.F) {
	for _, s := range []string{`{"alg":"HS256"}`, `{"a":[1,{"b":null}]}`, `{`, `[]`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seg := []byte(base64.RawURLEncoding.EncodeToString(data))
		hasAlg, ok := validJSONObject(seg, true)
		trimmed := bytes.TrimLeft(data, " \t\r\n")
		want := json.Valid(data) && len(trimmed) > 0 && trimmed[0] == '{'
		if ok != want {
			t.Fatalf("validJSONObject(%q) ok=%v, encoding/json says %v", data, ok, want)
		}
		if ok && !bytes.Contains(data, []byte(`\`)) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			v, has := m["alg"]
			wantAlg := has && len(v) > 0 && v[0] == '"'
			// With duplicate names Unmarshal keeps the last; the
			// validator reports any.
			if hasAlg != wantAlg && bytes.Count(data, []byte(`"alg"`)) < 2 {
				t.Fatalf("hasAlg(%q) = %v, want %v", data, hasAlg, wantAlg)
			}
		}
	})
}

// FuzzJWT parses at every offset of arbitrary bytes: never panics, and a
// reported token is in bounds and starts with eyJ.
func FuzzJWT(f *testing.F) {
	for _, e := range (&JWT{}).Examples() {
		f.Add([]byte(e.Text))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		for p := range text {
			if e, ok := parseJWT(text, p); ok {
				if e <= p || e > len(text) || !bytes.HasPrefix(text[p:], []byte("eyJ")) || bytes.Count(text[p:e], []byte(".")) != 2 {
					t.Fatalf("bad token [%d,%d) in %q", p, e, text)
				}
			}
		}
	})
}

// FuzzPEM frames PEM blocks at every offset of arbitrary bytes: never
// panics, and a reported block is in bounds and starts with -----BEGIN.
func FuzzPEM(f *testing.F) {
	for _, e := range (&PrivateKey{}).Examples() {
		f.Add([]byte(e.Text))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		for p := range text {
			if e, conf, ok := parsePEM(text, p); ok {
				if e <= p || e > len(text) || e-p > pemMaxBlock || !bytes.HasPrefix(text[p:], []byte("-----BEGIN ")) || conf <= 0 || conf > 1 {
					t.Fatalf("bad block [%d,%d) in %q", p, e, text)
				}
			}
		}
	})
}

func TestPEMFraming(t *testing.T) {
	tests := []struct {
		name, text string
		want       string // "" = no finding
	}{
		{"crlf", stringsReplace(testECKey, "\n", "\r\n"), stringsReplace(testECKey, "\n", "\r\n")},
		{"double escaped", stringsReplace(testECKey, "\n", `\\n`), stringsReplace(testECKey, "\n", `\\n`)},
		{"escaped crlf", stringsReplace(testECKey, "\n", `\r\n`), stringsReplace(testECKey, "\n", `\r\n`)},
		{"quoted lines", "\"" + stringsReplace(testECKey, "\n", "\\n\" +\n\"") + "\"", ""},
		{"label mismatch", stringsReplace(testECKey, "-----END EC", "-----END RSA"), ""},
		{"truncated short", testECKey[:100], ""},
		{"truncated long", testRSAKey[:400], testRSAKey[:400]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := (&PrivateKey{}).Detect(nil, []byte(tt.text))
			switch {
			case tt.want == "" && tt.name != "quoted lines":
				if len(ms) != 0 {
					t.Fatalf("got %v", ms)
				}
			case tt.want != "":
				if len(ms) != 1 || tt.text[ms[0].Start:ms[0].End] != tt.want {
					t.Fatalf("got %v, want the whole block", ms)
				}
			default:
				// Source-code string concatenation: a block is still found.
				if len(ms) != 1 {
					t.Fatalf("got %v", ms)
				}
			}
		})
	}
}

func stringsReplace(s, old, new string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(old), []byte(new)))
}
