package storage

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	wdKey := strings.TrimPrefix(filepath.ToSlash(wd), "/")
	cases := []struct {
		in      string
		want    Location
		wantErr error
	}{
		{in: "s3://bucket/prefix/a.jsonl?region=eu-west-1",
			want: Location{Scheme: "s3", Bucket: "bucket", Key: "prefix/a.jsonl", Query: url.Values{"region": {"eu-west-1"}}}},
		{in: "S3://bucket/prefix/",
			want: Location{Scheme: "s3", Bucket: "bucket", Key: "prefix", Dir: true}},
		{in: "s3://bucket",
			want: Location{Scheme: "s3", Bucket: "bucket"}},
		{in: "s3://b/shards/*.jsonl.zst?endpoint=http://127.0.0.1:9000&use_path_style=true",
			want: Location{Scheme: "s3", Bucket: "b", Key: "shards/*.jsonl.zst", Query: url.Values{"endpoint": {"http://127.0.0.1:9000"}, "use_path_style": {"true"}}}},
		{in: "s3://b/shard-%3F.jsonl",
			want: Location{Scheme: "s3", Bucket: "b", Key: "shard-?.jsonl"}},
		{in: "gs://bucket/a%20b/c",
			want: Location{Scheme: "gs", Bucket: "bucket", Key: "a b/c"}},
		{in: "azblob://container/x",
			want: Location{Scheme: "azblob", Bucket: "container", Key: "x"}},
		{in: "mem://t/",
			want: Location{Scheme: "mem", Bucket: "t"}},
		{in: "file:///data/in/../shards/",
			want: Location{Scheme: "file", Key: "data/shards", Dir: true}},
		{in: "file://localhost/data/a.jsonl",
			want: Location{Scheme: "file", Key: "data/a.jsonl"}},
		{in: "/data/a.jsonl",
			want: Location{Scheme: "file", Key: "data/a.jsonl"}},
		{in: "rel/dir/",
			want: Location{Scheme: "file", Key: wdKey + "/rel/dir", Dir: true}},
		{in: "rel/*.jsonl",
			want: Location{Scheme: "file", Key: wdKey + "/rel/*.jsonl"}},
		{in: "", wantErr: ErrBadURL},
		{in: "s3://", wantErr: ErrBadURL},
		{in: "s3:///key", wantErr: ErrBadURL},
		{in: "s3://AKIA:secret@bucket/k", wantErr: ErrBadURL},
		{in: "s3://b/k?prefix=x/", wantErr: ErrBadURL},
		{in: "s3://b/k#frag", wantErr: ErrBadURL},
		{in: "ftp://host/x", wantErr: ErrBadURL},
		{in: "file://host/x", wantErr: ErrBadURL},
		{in: "file:///x?create_dir=1", wantErr: ErrBadURL},
		{in: "file://rel", wantErr: ErrBadURL},
		{in: "s3://b/%zz", wantErr: ErrBadURL},
		{in: "s3://127.0.0.1:9000/bucket/k", wantErr: ErrBadURL},
		{in: "mem://\x86/k", wantErr: ErrBadURL},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error repeats the credentials: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
			back, err := Parse(got.URL())
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Errorf("Parse(URL() = %q) = %#v, %v; want %#v", got.URL(), back, err, got)
			}
			if strings.Contains(got.String(), "?") && !strings.Contains(got.Key, "?") {
				t.Errorf("String() %q shows the query", got.String())
			}
		})
	}
}

func TestLocationDisplay(t *testing.T) {
	l, err := Parse("s3://b/out/?endpoint=http://127.0.0.1:1&region=x")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.String(); got != "s3://b/out/" {
		t.Errorf("String = %q", got)
	}
	if got := l.Child("data/a.jsonl").String(); got != "s3://b/out/data/a.jsonl" {
		t.Errorf("Child.String = %q", got)
	}
	if got := l.Child("data/a.jsonl").URL(); got != "s3://b/out/data/a.jsonl?endpoint=http%3A%2F%2F127.0.0.1%3A1&region=x" {
		t.Errorf("Child.URL = %q", got)
	}
	f, _ := Parse("/tmp/x y/a.jsonl")
	if got := f.URL(); got != "file:///tmp/x%20y/a.jsonl" {
		t.Errorf("file URL = %q", got)
	}
	if got := f.String(); got != "file:///tmp/x y/a.jsonl" {
		t.Errorf("file String = %q", got)
	}
}

func TestIsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"s3://b": true, "file:///x": true, "gs://b/k": true, "x+y://z": true,
		"/abs/path": false, "rel/path": false, "://x": false, "a b://c": false, "C:\\x": false, "dir/s3://x": false,
	} {
		if got := IsURL(in); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"a": true, "data/x.jsonl": true, ".winnow/marker": true, "a b/ü.json": true,
		"": false, "/a": false, "a/": false, "a//b": false, "a/./b": false, "../a": false, "a\x00b": false, "a\\b": false, "\xff": false,
	} {
		if err := checkKey(key); (err == nil) != ok {
			t.Errorf("checkKey(%q) = %v, want ok=%v", key, err, ok)
		}
	}
}

func TestGlobHelpers(t *testing.T) {
	for pat, root := range map[string]string{
		"a/b/*.jsonl": "a/b", "*.jsonl": "", "a/2024-??/x": "a", "a/[ab]/c/*": "a", "plain/key": "plain/key",
	} {
		if got := globRoot(pat); got != root {
			t.Errorf("globRoot(%q) = %q, want %q", pat, got, root)
		}
	}
	for _, tc := range []struct {
		key         string
		n           int
		head, below string
	}{
		{"a/b/c", 1, "a", "b/c"}, {"a/b/c", 2, "a/b", "c"}, {"a/b/c", 3, "a/b/c", ""}, {"a/b/c", 4, "", ""}, {"a", 1, "a", ""},
	} {
		head, below := splitAt(tc.key, tc.n)
		if head != tc.head || below != tc.below {
			t.Errorf("splitAt(%q, %d) = %q, %q; want %q, %q", tc.key, tc.n, head, below, tc.head, tc.below)
		}
	}
}

// FuzzParse checks that Parse never panics, that what it accepts
// round-trips through URL, and that display strings never carry the query.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"s3://bucket/prefix/a.jsonl?region=eu-west-1",
		"s3://b/shards/*.jsonl.zst?endpoint=http://127.0.0.1:9000&use_path_style=true",
		"gs://b/a%20b/c/", "azblob://c/x", "file:///data/../x/", "rel/*.jsonl", "mem://t/",
		"s3://u:p@b/k", "s3://b/%3F[0-9]", "file://localhost/a", "s3://b//double//slash",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrBadURL", s, err)
			}
			return
		}
		if q := l.Query.Encode(); q != "" && strings.Contains(l.String(), q) {
			t.Fatalf("String() %q carries the query", l.String())
		}
		back, err := Parse(l.URL())
		if err != nil {
			t.Fatalf("Parse(%q).URL() = %q does not parse: %v", s, l.URL(), err)
		}
		if !reflect.DeepEqual(back, l) {
			t.Fatalf("round trip of %q via %q: %#v != %#v", s, l.URL(), back, l)
		}
	})
}
