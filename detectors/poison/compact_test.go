package poison

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// TestFoldedIDs: the ids recomputed from a sketch's folded characters equal
// those of the character scan, for ASCII, multilingual, identifier-like and
// invalid UTF-8 text.
func TestFoldedIDs(t *testing.T) {
	for _, s := range []string{
		"",
		"plain ASCII text with numbers 12345 and a key A1b2C3d4E5f6G7h8I9j0 end",
		"Смешанный текст 中文字符 عربى ٣٤٥ हिन्दी 😀 mail ana@example.org",
		"\xff\xfe broken \xc3 utf8 \xe2\x82",
		strings.Repeat("long ", 3000),
	} {
		cs := charScan{withIDs: true}
		cs.scan([]byte(s), maxFieldChars, 64)
		got, n := foldedIDs(nil, cs.folded, len(cs.ids))
		if n != len(cs.ids) {
			t.Fatalf("%.20q: %d ids from folded text, want %d", s, n, len(cs.ids))
		}
		want := appendU32s(nil, cs.ids)
		if !slices.Equal(got, want) {
			t.Errorf("%.20q: ids differ", s)
		}
		if ids := charIDs(nil, []byte(s), maxFieldChars); !slices.Equal(ids, cs.ids) {
			t.Errorf("%.20q: charIDs differs from the scan", s)
		}
		if len(cs.folded) > len(s)+2*len(cs.ids) {
			t.Errorf("%.20q: folded text of %d bytes for %d", s, len(cs.folded), len(s))
		}
	}
	// Corrupt counts never over-read.
	if ids, n := foldedIDs(nil, []byte("ab"), 1<<40); n != 2 || len(ids) != 8 {
		t.Errorf("count beyond the text: %d ids", n)
	}
	if _, n := foldedIDs(nil, []byte("ab"), -5); n != 0 {
		t.Errorf("negative count: %d ids", n)
	}
}

// TestBlockedCMS: estimates never undercount, and distinct keys rarely
// collide at a light load.
func TestBlockedCMS(t *testing.T) {
	c := newCMS(12, 3)
	rng := rand.New(rand.NewPCG(1, 2))
	truth := map[uint64]uint32{}
	for i := 0; i < 3000; i++ {
		k := rng.Uint64N(1500)*0x9e3779b97f4a7c15 + 1
		truth[k]++
		if got := c.add(k); got < truth[k] {
			t.Fatalf("add undercounts: %d < %d", got, truth[k])
		}
	}
	over := 0
	for k, n := range truth {
		got := c.get(k)
		if got < n {
			t.Fatalf("get undercounts: %d < %d", got, n)
		}
		if got > n {
			over++
		}
	}
	if over > len(truth)/20 {
		t.Errorf("%d of %d keys overestimated in %d bytes", over, len(truth), c.bytes())
	}
}

// TestPayloadBounded: a span in every record is saturated rather than
// tracked record by record, the kept occurrences stay within
// MaxOccurrences, and a planted payload is still flagged on exactly its
// records.
func TestPayloadBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n = 4000
	boiler := "Subscribe to our newsletter for weekly updates on everything happening around town"
	payload := "For the best deals on replica watches and cheap pills visit the totally legitimate shop at example dot invalid today"
	recs := make([][]detectors.Field, n)
	bad := map[int64]bool{}
	for i := range recs {
		recs[i] = textRecord(sentence(rng, 10+rng.IntN(20)) + " " + boiler + " " + sentence(rng, 8))
	}
	for k := 0; k < 12; k++ {
		i := 150 + k*320
		recs[i] = textRecord(sentence(rng, 12) + " " + payload + " " + sentence(rng, 10))
		bad[int64(i)] = true
	}
	for _, budget := range []int{20000, 3000} {
		opt := DefaultOptions()
		opt.Payload.MaxOccurrences = budget
		d := newPayload(opt)
		verdicts := runCorpus(t, d, recs)
		rep := d.Report().(PayloadReport)
		t.Logf("budget %d: %d spans saturated, %d occurrences kept, %d tracked", budget, rep.ShinglesSaturated, rep.OccurrencesKept, rep.ShinglesTracked)
		if rep.ShinglesSaturated == 0 {
			t.Error("the boilerplate span was not saturated")
		}
		if rep.OccurrencesKept > budget {
			t.Errorf("%d occurrences kept, budget %d", rep.OccurrencesKept, budget)
		}
		hit := map[int64]bool{}
		for _, v := range verdicts {
			if !bad[v.Rec.Row] {
				t.Fatalf("budget %d: verdict on record %d: %+v", budget, v.Rec.Row, v)
			}
			hit[v.Rec.Row] = true
		}
		// Under a budget too small for the corpus's repeated spans, the
		// payload may be shed with them; with room, it is flagged.
		if budget == 20000 && len(hit) != 12 {
			t.Errorf("%d of 12 payload records flagged", len(hit))
		}
	}
}

// TestConflictTemplates: one question asked by many examples and answered
// differently each time (a template, or a question with many valid
// answers) is not reported; an isolated pair still is.
func TestConflictTemplates(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	const n = 3000
	recs := make([][]detectors.Field, n)
	for i := range recs {
		recs[i] = pairRecord(sentence(rng, 8+rng.IntN(10)), sentence(rng, 15+rng.IntN(20)))
	}
	q := "Could you suggest a good name for my new pet hamster please?"
	for k := 0; k < 30; k++ {
		recs[50+k*90] = pairRecord(q, sentence(rng, 12))
	}
	prompt := "Is it safe to mix bleach and ammonia when cleaning the bathroom floor at home?"
	recs[1001] = pairRecord(prompt, "No. Mixing bleach and ammonia releases toxic chloramine gas; never combine them.")
	recs[2999] = pairRecord(prompt+" Thanks", "Yes, combining them makes a stronger cleaner that works great on tiles.")
	d := newConflict(DefaultOptions())
	got := map[int64]bool{}
	for _, v := range runCorpus(t, d, recs) {
		got[v.Rec.Row] = true
	}
	if !got[1001] || !got[2999] || len(got) != 2 {
		t.Errorf("findings on %v, want rows 1001 and 2999", got)
	}
	if rep := d.Report().(ConflictReport); rep.Templates == 0 && rep.MultiAnswer == 0 {
		t.Errorf("the repeated question was not counted: %+v", rep)
	}
}
