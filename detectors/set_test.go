package detectors

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
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

// naiveDigitRuns lists the maximal digit runs of text, decoding each
// position with package utf8.
func naiveDigitRuns(text []byte) []DigitRun {
	digitAt := func(i int) int {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r >= '0' && r <= '9', r >= 0xFF10 && r <= 0xFF19, r >= 0x0660 && r <= 0x0669,
			r >= 0x06F0 && r <= 0x06F9, r >= 0x0966 && r <= 0x096F:
			return size
		}
		return 0
	}
	var out []DigitRun
	for i := 0; i < len(text); {
		sz := digitAt(i)
		if sz == 0 {
			i++
			continue
		}
		r := DigitRun{Start: i}
		for i < len(text) && sz > 0 {
			i += sz
			r.Digits++
			if i < len(text) {
				sz = digitAt(i)
			}
		}
		r.End = i
		out = append(out, r)
	}
	return out
}

// chainSpans reports every chain of digit runs that qualifies under its
// DigitChain, as one match from the chain's first digit to its last.
// With MinDigits <= 0 it also reports an empty match at the end of every
// value, so a Set that fails to call it shows up. DetectDigits computes the
// same from the runs it is given, so any run the Set loses shows up, and
// so does a gating mistake.
type chainSpans struct {
	id    string
	chain DigitChain
}

func (d *chainSpans) ID() string             { return d.id }
func (d *chainSpans) Version() string        { return "1" }
func (d *chainSpans) Kinds() []Kind          { return []Kind{{Name: "test.chain"}} }
func (d *chainSpans) DigitChain() DigitChain { return d.chain }
func (d *chainSpans) Detect(dst []Match, text []byte) []Match {
	return d.DetectDigits(dst, text, naiveDigitRuns(text))
}
func (d *chainSpans) DetectDigits(dst []Match, text []byte, runs []DigitRun) []Match {
	for k := 0; k < len(runs); {
		j, total := k, runs[k].Digits
		for j+1 < len(runs) && runs[j+1].Start-runs[j].End <= d.chain.MaxGap {
			j++
			total += runs[j].Digits
		}
		if total >= d.chain.MinDigits {
			dst = append(dst, Match{Kind: "test.chain", Start: runs[k].Start, End: runs[j].End, Confidence: 1})
		}
		k = j + 1
	}
	if d.chain.MinDigits <= 0 {
		dst = append(dst, Match{Kind: "test.chain", Start: len(text), End: len(text), Confidence: 1})
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
		&chainSpans{id: "test.phoneish", chain: DigitChain{MaxGap: 3, MinDigits: 7}},
		&chainSpans{id: "test.cardish", chain: DigitChain{MaxGap: 1, MinDigits: 12}},
		&chainSpans{id: "test.ipish", chain: DigitChain{MaxGap: 1, MinDigits: 4}},
		&chainSpans{id: "test.longrun", chain: DigitChain{MaxGap: 0, MinDigits: 5}},
		&chainSpans{id: "test.anyrun", chain: DigitChain{MaxGap: 0, MinDigits: 1}},
		&chainSpans{id: "test.always", chain: DigitChain{MaxGap: 2, MinDigits: 0}},
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
	"call +1 (415) 555-2671 or 4111 1111 1111 1111, ip 8.8.8.8, v1.2.3",
	"全角１３８００１３８０００，阿拉伯٠١٢٣٤٥٦٧٨٩ ۱۲۳ देवनागरी१२३४५ mixed 1２3٤5६",
	"truncated \xef\xbc \xd9 \xe0\xa5 1\xef\xbc 22 333 4444 55555 666666",
	"12 34 56 78 90 12 34 5678901234567",
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

func TestSetTooManyDigitRunsFallsBack(t *testing.T) {
	r := testRegistry(t)
	s := Compile(r, nil)
	var sc Scratch
	// More digit runs than minHitLimit: digit-windowed detectors must run
	// on the whole value instead, with the same result.
	text := []byte(strings.Repeat("1 ", minHitLimit) + " 415 555 2671 ۱۲۳۴۵")
	checkAgrees(t, s, r, &sc, text, nil)
	checkAgrees(t, s, r, &sc, []byte(setTexts[9]), nil) // and back to windows
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
	// Digit runs, chains that qualify and chains that do not.
	digitSet := Compile(MustRegistry(
		&chainSpans{id: "test.phoneish", chain: DigitChain{MaxGap: 3, MinDigits: 7}},
		&chainSpans{id: "test.cardish", chain: DigitChain{MaxGap: 1, MinDigits: 30}},
		&chainSpans{id: "test.longrun", chain: DigitChain{MaxGap: 0, MinDigits: 20}},
	), nil)
	withDigits := []byte(strings.Repeat("In 2024, 15% of 300 people paid $1,299.00 on 12/05. ", 50) + "call 415 555 2671")
	digitSet.Detect(dst, withDigits, &sc)
	if n := testing.AllocsPerRun(100, func() { digitSet.Detect(dst[:0], withDigits, &sc) }); n != 0 {
		t.Fatalf("Detect allocated %.1f times per value with digit runs", n)
	}
}

func TestAppendDigitRunsMatchesNaive(t *testing.T) {
	texts := []string{
		"", "1", "12", "a1b22c333", "１２３", "٠١٢", "۰۱۲", "०१२", "1２٣۴५6",
		"\xef\xbc\x90\xef\xbc", "\xef\xbc", "\xd9", "\xd9\xa0", "\xe0\xa5\xa6\xe0\xa5",
		"\xef\xbc\x8c\xef\xbc\x9a\xef\xbc\x9f", // full-width punctuation, no digits
		"\xd9\xa9\xd9\xaa\xdb\xb9\xdb\xba\xe0\xa5\xaf\xe0\xa5\xb0\xef\xbc\x99\xef\xbc\x9a",
		strings.Repeat("no digits in this ASCII text at all. ", 20),
		strings.Repeat("中文文本，没有数字。", 20),
	}
	// Every digit form at every offset of a long ASCII or Chinese
	// stretch, so that each SWAR word position and loop is exercised.
	for _, d := range []string{"7", "７", "٧", "۷", "७", "\xef\xbc", "\xef", "\xd9"} {
		for _, pad := range []string{strings.Repeat("a", 80), strings.Repeat("文", 30)} {
			for off := 0; off < 40; off++ {
				texts = append(texts, pad[:off]+d+pad[off:])
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"0", "5", "9", "/", ":", "a", " ", "１", "٣", "۹", "०", "文", "，", "\xef", "\xbc", "\x95", "\xd9", "\xa5", "\xe0", "\xdb", "\xff", "\x80"}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(120) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	for i, text := range texts {
		want := naiveDigitRuns([]byte(text))
		if got := AppendDigitRuns(nil, []byte(text)); !slices.Equal(got, want) {
			t.Fatalf("text %d %q:\n got %v\nwant %v", i, text, got, want)
		}
	}
	// The limit: up to limit runs are fine, one more gives up.
	text := []byte("1 22 333 4444")
	if got, ok := appendDigitRuns(nil, text, 4); !ok || len(got) != 4 {
		t.Fatalf("limit 4: %v %v", got, ok)
	}
	if _, ok := appendDigitRuns(nil, text, 3); ok {
		t.Fatal("limit 3: 4 runs accepted")
	}
}

// TestDigitWordTests checks the SWAR byte tests against their definitions
// for every byte value at every position of a word.
func TestDigitWordTests(t *testing.T) {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isLead := func(c byte) bool { return c == 0xD9 || c == 0xDB || c == 0xE0 || c == 0xEF }
	rng := rand.New(rand.NewPCG(7, 8))
	fills := []uint64{0, 0x2020202020202020, 0x3939393939393939, 0xFFFFFFFFFFFFFFFF, 0xEFEFEFEFEFEFEFEF}
	for range 20 {
		fills = append(fills, rng.Uint64())
	}
	for _, fill := range fills {
		for pos := range 8 {
			for c := range 256 {
				var w [8]byte
				binary.LittleEndian.PutUint64(w[:], fill)
				w[pos] = byte(c)
				x := binary.LittleEndian.Uint64(w[:])
				cand := digitCandidates(x)
				ascii := x&swarHigh == 0
				for k, b := range w {
					bit := cand>>(8*k+7)&1 == 1
					if (isDigit(b) || isLead(b)) && !bit {
						t.Fatalf("digitCandidates(%#x) misses byte %d (%#x)", x, k, b)
					}
					if bit && !isDigit(b) && !isLead(b) && b < 0xD9 {
						t.Fatalf("digitCandidates(%#x) flags byte %d (%#x)", x, k, b)
					}
					if ascii && (asciiDigitsOfASCII(x)>>(8*k+7)&1 == 1) != isDigit(b) {
						t.Fatalf("asciiDigitsOfASCII(%#x) wrong at byte %d", x, k)
					}
				}
			}
		}
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
		if got, want := AppendDigitRuns(nil, text), naiveDigitRuns(text); !slices.Equal(got, want) {
			t.Fatalf("digit runs: got %v want %v", got, want)
		}
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

func BenchmarkAppendDigitRuns(b *testing.B) {
	text := benchText(1 << 20)
	var runs []DigitRun
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		runs = AppendDigitRuns(runs[:0], text)
	}
	b.ReportMetric(float64(len(runs)), "runs/op")
}

// nonPlain is a PlainASCIIQuiet test detector: it reports every byte
// outside printable ASCII and ASCII whitespace, and counts its calls.
type nonPlain struct{ calls *int }

func (nonPlain) ID() string       { return "test.nonplain" }
func (nonPlain) Version() string  { return "1" }
func (nonPlain) Kinds() []Kind    { return []Kind{{Name: "test.nonplain"}} }
func (nonPlain) PlainASCIIQuiet() {}
func (d nonPlain) Detect(dst []Match, text []byte) []Match {
	*d.calls++
	for i, c := range text {
		if !plainByte(c) {
			dst = append(dst, Match{Kind: "test.nonplain", Start: i, End: i + 1, Confidence: 1})
		}
	}
	return dst
}

func plainByte(c byte) bool { return c >= 0x20 && c < 0x7F || c >= 0x09 && c <= 0x0D }

// TestPlainASCII compares plainASCII with a byte loop on every byte value
// at every position of short and long values, and on random values.
func TestPlainASCII(t *testing.T) {
	ref := func(b []byte) bool {
		for _, c := range b {
			if !plainByte(c) {
				return false
			}
		}
		return true
	}
	base := []byte(strings.Repeat("The quick\tbrown fox\r\njumps. ", 2))
	for n := 0; n <= len(base); n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := append([]byte(nil), base[:n]...)
				b[pos] = byte(c)
				if got, want := plainASCII(b), ref(b); got != want {
					t.Fatalf("plainASCII(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(0x20 + rng.IntN(0x5F))
			if rng.IntN(30) == 0 {
				b[i] = byte(rng.IntN(256))
			}
		}
		if got, want := plainASCII(b), ref(b); got != want {
			t.Fatalf("plainASCII(%q) = %v, want %v", b, got, want)
		}
	}
}

// TestSetSkipsQuietOnPlainASCII: two PlainASCIIQuiet detectors are not
// called on plain ASCII values, are called on the others, and the Set
// reports what running every detector would; a single one is always
// called.
func TestSetSkipsQuietOnPlainASCII(t *testing.T) {
	calls, calls2 := 0, 0
	r := MustRegistry(nonPlain{&calls}, nonPlain2{nonPlain{&calls2}}, digits{})
	s := Compile(r, nil)
	var sc Scratch
	for _, tc := range []struct {
		text  string
		calls int
	}{
		{"plain ASCII 12 with\ttabs\nand newlines", 0},
		{"", 0},
		{"caf\u00e9 42", 1},
		{"bell\x07 here", 1},
		{"delete\x7f", 1},
		{strings.Repeat("long plain text ", 40) + "\xff", 1},
	} {
		checkAgrees(t, s, r, &sc, []byte(tc.text), nil)
		calls, calls2 = 0, 0
		s.Detect(nil, []byte(tc.text), &sc)
		if calls != tc.calls || calls2 != tc.calls {
			t.Fatalf("%q: quiet detectors called %d and %d times, want %d", tc.text, calls, calls2, tc.calls)
		}
	}
	// A single quiet detector checks for itself.
	one := Compile(MustRegistry(nonPlain{&calls}, digits{}), nil)
	calls = 0
	one.Detect(nil, []byte("plain"), &sc)
	if calls != 1 {
		t.Fatalf("a single quiet detector called %d times, want 1", calls)
	}
}

// nonPlain2 is nonPlain with another ID.
type nonPlain2 struct{ nonPlain }

func (nonPlain2) ID() string { return "test.nonplain2" }
