package detectors

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naiveHits lists every ASCII case-insensitive occurrence of every keyword,
// by position, then keyword index.
func naiveHits(keywords []string, text []byte) []KeywordHit {
	var out []KeywordHit
	for i := range text {
		for k, kw := range keywords {
			if kw != "" && i+len(kw) <= len(text) && equalFoldASCII(text[i:i+len(kw)], kw) {
				out = append(out, KeywordHit{Pos: i, Keyword: int32(k)})
			}
		}
	}
	return out
}

func equalFoldASCII(b []byte, s string) bool {
	for i := range b {
		if asciiFold[b[i]] != asciiFold[s[i]] {
			return false
		}
	}
	return true
}

func sortHits(h []KeywordHit) {
	slices.SortFunc(h, func(a, b KeywordHit) int {
		if a.Pos != b.Pos {
			return a.Pos - b.Pos
		}
		return int(a.Keyword - b.Keyword)
	})
}

// scanAll runs AppendHits to the end with buffers of capacity bufCap,
// resuming whenever it stops early.
func scanAll(x *KeywordIndex, text []byte, bufCap int) []KeywordHit {
	var all []KeywordHit
	buf := make([]KeywordHit, 0, bufCap)
	pos := 0
	for {
		var got []KeywordHit
		got, pos = x.AppendHits(buf[:0], text, pos)
		all = append(all, got...)
		if pos >= len(text) {
			return all
		}
		if len(got) == 0 {
			panic("AppendHits made no progress")
		}
	}
}

var indexKeywordSets = [][]string{
	{"ghp_", "akia", "-----begin", "password", "token", "sk-", "sk-ant-", "hf_"},
	{"@", "a", "ab", "abc", "abcd", "abcde"},
	{"xy", "x", "yx"},
	{"sk-", "sk-proj-", "t3blbkfj"},
	{"ee", "eee", "eeee", "eeeee"},
	{"\x00", "\xff\xfe", "é"},
	{"Token", "PASSWORD"}, // upper case input is folded
}

func TestKeywordIndexMatchesNaive(t *testing.T) {
	texts := []string{
		"",
		"a",
		"ab",
		"abc",
		"abcd",
		"no keywords in here at all",
		"my Password is hunter2, TOKEN=ghp_xxx and sk-ant-api and SK-PROJ-x",
		"AKIA AkIa akia -----BEGIN RSA PRIVATE KEY----- hf_hf_HF_",
		"eeeeeeeeeee",
		"xyxyxyxyx yx x",
		"\x00\xff\xfe\xff\xfeé\xc3",
		"t3blbkfjT3BlbkFJ",
		"abcde@abcd@abc@ab@a@",
		"aAbBcC@@ééToKeN",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("abcdeABxyXY@-_ske\x00\xff\xfe\xc3\xa9")
	for range 200 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(b))
	}
	for si, kws := range indexKeywordSets {
		x := NewKeywordIndex(kws)
		lower := make([]string, len(kws))
		for i, k := range kws {
			lower[i] = lowerASCII(k)
		}
		for ti, text := range texts {
			want := naiveHits(lower, []byte(text))
			for _, bufCap := range []int{0, 1, x.MaxHitsPerPos(), 7, 1024} {
				t.Run(fmt.Sprintf("set%d/text%d/cap%d", si, ti, bufCap), func(t *testing.T) {
					got := scanAll(x, []byte(text), bufCap)
					sortHits(got)
					if !slices.Equal(got, want) {
						t.Fatalf("text %q keywords %q:\n got %v\nwant %v", text, kws, got, want)
					}
				})
			}
		}
	}
}

func TestKeywordIndexOrderAndResume(t *testing.T) {
	x := NewKeywordIndex([]string{"sk-", "sk-ant-", "ant"})
	text := []byte("xx sk-ant-yy SK-ANT- ant")
	got, pos := x.AppendHits(make([]KeywordHit, 0, 64), text, 0)
	if pos != len(text) {
		t.Fatalf("pos = %d, want %d", pos, len(text))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Pos < got[i-1].Pos {
			t.Fatalf("hits not in position order: %v", got)
		}
	}
	// Resuming from an offset only reports occurrences at or after it.
	got, _ = x.AppendHits(make([]KeywordHit, 0, 64), text, 4)
	for _, h := range got {
		if h.Pos < 4 {
			t.Fatalf("hit %v before resume offset", h)
		}
	}
}

// --- fake detectors for Set tests ---

// kwSpans reports every occurrence of its keywords as a match of its kind,
// extended by ext bytes (clipped). Windowed fakes compute the same from the
// hits they are given, so any hit the Set loses or invents shows up.
type kwSpans struct {
	id       string
	kind     string
	kws      []string
	ext      int
	windowed bool
}

func (d *kwSpans) ID() string         { return d.id }
func (d *kwSpans) Version() string    { return "1" }
func (d *kwSpans) Kinds() []Kind      { return []Kind{{Name: d.kind}} }
func (d *kwSpans) Keywords() []string { return d.kws }
func (d *kwSpans) span(text []byte, h KeywordHit) Match {
	return Match{Kind: d.kind, Start: h.Pos, End: min(len(text), h.Pos+len(d.kws[h.Keyword])+d.ext), Confidence: 1}
}

func (d *kwSpans) Detect(dst []Match, text []byte) []Match {
	for _, h := range naiveHits(d.kws, text) {
		dst = append(dst, d.span(text, h))
	}
	return dst
}

type kwSpansWindowed struct{ kwSpans }

func (d *kwSpansWindowed) DetectHits(dst []Match, text []byte, hits []KeywordHit) []Match {
	for _, h := range hits {
		dst = append(dst, d.span(text, h))
	}
	return dst
}

// digits has no keywords: it reports every run of ASCII digits.
type digits struct{}

func (digits) ID() string      { return "test.digits" }
func (digits) Version() string { return "1" }
func (digits) Kinds() []Kind   { return []Kind{{Name: "test.digits"}} }
func (digits) Detect(dst []Match, text []byte) []Match {
	for i := 0; i < len(text); {
		if text[i] < '0' || text[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		dst = append(dst, Match{Kind: "test.digits", Start: i, End: j, Confidence: 1})
		i = j
	}
	return dst
}

func testRegistry(t testing.TB) *Registry {
	t.Helper()
	return MustRegistry(
		&kwSpansWindowed{kwSpans{id: "test.secretw", kind: "test.secret", kws: []string{"ghp_", "sk-", "sk-ant-", "password"}, ext: 6}},
		&kwSpans{id: "test.emailish", kind: "test.at", kws: []string{"@"}, ext: 2},
		&kwSpansWindowed{kwSpans{id: "test.shortw", kind: "test.short", kws: []string{"x", "xy", "abc"}, ext: 0}},
		&kwSpans{id: "test.pem", kind: "test.pem", kws: []string{"-----begin", "password"}, ext: 3},
		digits{},
	)
}

// unfiltered runs every detector of the registry on the whole value.
func unfiltered(r *Registry, text []byte, only func(string) bool) []Hit {
	var out []Hit
	for i, d := range r.Detectors() {
		for _, m := range d.Detect(nil, text) {
			if only == nil || only(m.Kind) {
				out = append(out, Hit{Match: m, Det: int32(i)})
			}
		}
	}
	return out
}

func sortSetHits(h []Hit) {
	slices.SortFunc(h, func(a, b Hit) int {
		switch {
		case a.Det != b.Det:
			return int(a.Det - b.Det)
		case a.Start != b.Start:
			return a.Start - b.Start
		case a.End != b.End:
			return a.End - b.End
		}
		return strings.Compare(a.Kind, b.Kind)
	})
}

func checkAgrees(t *testing.T, s *Set, r *Registry, sc *Scratch, text []byte, only func(string) bool) {
	t.Helper()
	got := s.Detect(nil, text, sc)
	want := unfiltered(r, text, only)
	sortSetHits(got)
	sortSetHits(want)
	if !slices.Equal(got, want) {
		t.Fatalf("text %q:\n got %v\nwant %v", text, got, want)
	}
}

var setTexts = []string{
	"",
	"plain text with nothing",
	"GHP_abc sk-ant-api03 password=hunter2 a@b 42",
	"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
	"xyxyx abcabc @@@ 123 456",
	"PassWord PASSWORD password",
	"é中文 sk-\xff\xfe ghp_",
	"x",
	"@",
}

func TestSetAgreesWithUnfiltered(t *testing.T) {
	r := testRegistry(t)
	s := Compile(r, nil)
	var sc Scratch
	for i, text := range setTexts {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkAgrees(t, s, r, &sc, []byte(text), nil)
		})
	}
}

func TestSetKindFilter(t *testing.T) {
	r := testRegistry(t)
	only := func(kind string) bool { return MatchKind([]string{"test.s*"}, kind) }
	s := Compile(r, only)
	var sc Scratch
	for i, text := range setTexts {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkAgrees(t, s, r, &sc, []byte(text), only)
			for _, h := range s.Detect(nil, []byte(text), &sc) {
				if !only(h.Kind) {
					t.Fatalf("kind %q passed the filter", h.Kind)
				}
			}
		})
	}
	// A filter that rejects everything runs nothing.
	none := Compile(r, func(string) bool { return false })
	if got := none.Detect(nil, []byte(setTexts[2]), &sc); len(got) != 0 {
		t.Fatalf("reject-all filter reported %v", got)
	}
}

func TestSetScratchReuse(t *testing.T) {
	r := testRegistry(t)
	s := Compile(r, nil)
	var shared Scratch
	// Alternate long and short values so stale scratch contents would leak
	// into later results.
	texts := append([]string{strings.Repeat("ghp_ sk- x@y 12 ", 500)}, setTexts...)
	texts = append(texts, setTexts[0], texts[0], "")
	for i, text := range texts {
		var fresh Scratch
		got := s.Detect(nil, []byte(text), &shared)
		want := s.Detect(nil, []byte(text), &fresh)
		if !slices.Equal(got, want) {
			t.Fatalf("value %d: reused scratch gave %v, fresh %v", i, got, want)
		}
	}
	// A Scratch used with a larger Set, then a smaller one, stays valid.
	small := Compile(MustRegistry(digits{}), nil)
	if got := small.Detect(nil, []byte("a 1 b 22"), &shared); len(got) != 2 {
		t.Fatalf("small set: got %v", got)
	}
}

func TestSetTooManyHitsFallsBack(t *testing.T) {
	r := testRegistry(t)
	s := Compile(r, nil)
	var sc Scratch
	// More occurrences than minHitLimit: windowed detectors must be run on
	// the whole value instead, with the same result.
	text := []byte(strings.Repeat("xy", minHitLimit) + " sk-ant- ghp_")
	checkAgrees(t, s, r, &sc, text, nil)
}

func TestSetDetectAllocs(t *testing.T) {
	r := MustRegistry(
		&kwSpansWindowed{kwSpans{id: "test.secretw", kind: "test.secret", kws: []string{"ghp_", "sk-ant-", "password"}}},
	)
	s := Compile(r, nil)
	var sc Scratch
	text := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 200))
	dst := make([]Hit, 0, 16)
	s.Detect(dst, text, &sc)
	if n := testing.AllocsPerRun(100, func() { s.Detect(dst[:0], text, &sc) }); n != 0 {
		t.Fatalf("Detect allocated %.1f times per value without findings", n)
	}
	withHit := append(append([]byte{}, text...), " ghp_ here"...)
	s.Detect(dst, withHit, &sc)
	if n := testing.AllocsPerRun(100, func() { s.Detect(dst[:0], withHit, &sc) }); n != 0 {
		t.Fatalf("Detect allocated %.1f times per value with a keyword hit", n)
	}
}

func FuzzSetAgreesWithUnfiltered(f *testing.F) {
	for _, s := range setTexts {
		f.Add([]byte(s))
	}
	r := testRegistry(f)
	s := Compile(r, nil)
	f.Fuzz(func(t *testing.T, text []byte) {
		var sc Scratch
		checkAgrees(t, s, r, &sc, text, nil)
		// The index alone agrees with the naive scan, at any buffer size.
		kws := []string{"ghp_", "sk-", "sk-ant-", "password", "@", "x", "xy", "abc", "-----begin"}
		x := NewKeywordIndex(kws)
		got := scanAll(x, text, 3)
		sortHits(got)
		if want := naiveHits(kws, text); !slices.Equal(got, want) {
			t.Fatalf("index: got %v want %v", got, want)
		}
	})
}

func benchText(size int) []byte {
	parts := []string{
		"The committee met on Tuesday to review the quarterly budget and discuss the pathway to a sustainable data strategy. ",
		"我们在周二开会讨论了季度预算以及可持续数据战略的路径。请把报告发到共享目录。",
		"func (s *Server) handle(w http.ResponseWriter, r *http.Request) { token := r.Header.Get(\"Authorization\"); if token == \"\" { return } }\n",
		"database:\n  host: db.internal\n  port: 5432\n  user: app\n  password_file: /run/secrets/db\n",
		"user: can you help me with my task? assistant: Sure, here's how to ask for the key-value store access.\n",
	}
	var b []byte
	for i := 0; len(b) < size; i++ {
		b = append(b, parts[i%len(parts)]...)
	}
	return b[:size]
}

func BenchmarkKeywordIndex(b *testing.B) {
	kws := []string{"akia", "asia", "ghp_", "gho_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "hooks.slack.com",
		"sk_live_", "aiza", "sk-proj-", "sk-ant-", "hf_", "npm_", "pypi-", "sg.", "key-", "accountkey=",
		"dop_v1_", "shpat_", "dapi", "hvs.", "dp.pt.", "lin_api_", "secret_", "pmak-", "eaaa", "atatt3",
		"nrak-", "glsa_", "pul-", "dckr_pat_", "age-secret-key-1", "-----begin", "eyj", "password", "passwd",
		"token", "secret", "api_key", "apikey", "access_key", "pwd"}
	x := NewKeywordIndex(kws)
	text := benchText(1 << 20)
	buf := make([]KeywordHit, 0, 4096)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		pos := 0
		for pos < len(text) {
			var got []KeywordHit
			got, pos = x.AppendHits(buf[:0], text, pos)
			n += len(got)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}
