package scanner

import (
	"encoding/json"
	"testing"
)

func TestAddFilePaths(t *testing.T) {
	names := []string{"data/a.jsonl", `we"ird <name>.parquet`}
	path := func(i int64) (string, bool) {
		if i < 0 || i >= int64(len(names)) {
			return "", false
		}
		return names[i], true
	}
	tests := []struct{ name, in, want string }{
		{"record ref", `{"file":1,"row":5}`, `{"file":1,"path":"we\"ird \u003cname\u003e.parquet","row":5}`},
		{"nested lists keep order and numbers", `{"score":0.6278,"examples":[{"file":0,"row":1},{"file":1,"row":2}],"z":[1,2.50,{"a":null}]}`,
			`{"score":0.6278,"examples":[{"file":0,"path":"data/a.jsonl","row":1},{"file":1,"path":"we\"ird \u003cname\u003e.parquet","row":2}],"z":[1,2.50,{"a":null}]}`},
		{"unknown index untouched", `{"file":9,"row":0}`, `{"file":9,"row":0}`},
		{"file that is not a number", `{"file":"x","n":true}`, `{"file":"x","n":true}`},
		{"file as the last member", `{"row":3,"file":0}`, `{"row":3,"file":0,"path":"data/a.jsonl"}`},
		{"empty containers", `{"a":{},"b":[],"c":[{}]}`, `{"a":{},"b":[],"c":[{}]}`},
		{"top-level scalar", `42`, `42`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := addFilePaths([]byte(tc.in), path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Fatal("invalid JSON")
			}
		})
	}
	if _, err := addFilePaths([]byte(`{"file":`), path); err == nil {
		t.Fatal("truncated JSON accepted")
	}
}

func FuzzAddFilePaths(f *testing.F) {
	f.Add([]byte(`{"examples":[{"file":0,"row":1}],"x":1.5e3}`))
	f.Add([]byte(`[{"file":1},{"file":-1},"s",null,true]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		got, err := addFilePaths(b, func(i int64) (string, bool) { return "p", i == 0 })
		if err != nil {
			return // e.g. nesting beyond the decoder's limits
		}
		if !json.Valid(got) {
			t.Fatalf("invalid output %q from %q", got, b)
		}
	})
}
