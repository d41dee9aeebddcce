package dedupe

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// A small news-style grammar for real-looking documents.
var (
	evSubjects = []string{
		"The city council", "Local residents", "The company", "Researchers at the state university", "The new mayor",
		"Several teachers", "The health department", "A group of farmers", "The regional transport authority",
		"Hospital managers", "The opposition party", "Environmental groups", "The school board", "Small business owners",
		"The water utility", "Police officials", "The football club", "A consortium of banks", "The museum director",
		"Union representatives", "The planning committee", "Volunteers from the food bank", "The airport operator",
		"Independent auditors", "The county sheriff",
	}
	evVerbs = []string{
		"announced", "rejected", "approved", "criticized", "studied", "proposed", "delayed", "funded", "reviewed",
		"questioned", "welcomed", "postponed", "defended", "launched", "suspended", "expanded", "investigated",
		"supported", "challenged", "presented", "revised", "cancelled", "endorsed", "publicized", "examined",
	}
	evObjects = []string{
		"a plan to expand the bus network", "the budget for next year", "new rules for short-term rentals",
		"a study on air quality near schools", "the proposal to close the old library", "a program of free health checks",
		"plans for a second bridge across the river", "the decision to raise parking fees", "a pilot project for electric buses",
		"the merger with a rival supplier", "new safety standards for construction sites", "a scheme to plant ten thousand trees",
		"the renovation of the central market", "a tax break for young families", "the move to a four-day school week",
		"a review of emergency response times", "the sale of public land to developers", "a new recycling center",
		"an agreement on nurse salaries", "the contract for waste collection", "a festival celebrating local music",
		"the reopening of the northern rail line", "a loan to modernize the port", "limits on night flights",
		"a campaign against illegal dumping",
	}
	evClauses = []string{
		"after months of debate", "despite strong opposition from neighbors", "according to a report published on Monday",
		"in a statement released late on Friday", "following a public consultation", "at a crowded meeting on Thursday evening",
		"citing rising costs", "with the support of the governor", "amid concerns about the environment",
		"before the summer holidays", "to the surprise of many observers", "after a series of complaints",
		"under pressure from local businesses", "as part of a wider reform", "in response to falling revenue",
		"without giving a reason", "after an independent review", "with a narrow majority", "for the third time this year",
		"ahead of the regional elections",
	}
	evQuotes = []string{
		"We listened carefully to everyone who came forward", "This is a good day for the whole community",
		"The numbers simply do not add up", "Nobody asked the people who will be affected",
		"We expect to see results within a year", "It is too early to say what the long-term impact will be",
		"Our priority remains the safety of residents", "We will keep fighting until the decision is reversed",
		"The process was open and transparent", "Families cannot afford another increase",
	}
	evSpeakers = []string{"a spokesperson said", "the chairman told reporters", "one resident said", "an official added",
		"the director said in an interview", "a local shop owner said"}
	evSynonyms = map[string]string{
		"announced": "declared", "rejected": "dismissed", "approved": "endorsed", "criticized": "condemned",
		"plan": "proposal", "residents": "inhabitants", "company": "firm", "new": "fresh", "Several": "A number of",
		"report": "study", "meeting": "session", "concerns": "worries", "complaints": "grievances", "budget": "spending plan",
		"rules": "regulations", "decision": "ruling", "officials": "authorities", "expand": "extend", "project": "scheme",
		"agreement": "deal", "rising": "growing", "strong": "fierce", "public": "community", "surprise": "astonishment",
	}
	evHeader = "Home | News | Local | Politics | Business | Sports | Weather | Obituaries | Contact us\nSubscribe to our daily newsletter and never miss a story from your neighborhood.\n\n"
	evFooter = "\n\nComments are moderated and may take up to a day to appear. Copyright 2024 The Valley Courier, a member of the Independent Press Network. All rights reserved. Privacy policy | Terms of use | Advertise with us | Cookie settings"
)

func pick(rng *rand.Rand, s []string) string { return s[rng.IntN(len(s))] }

func evSentence(rng *rand.Rand) string {
	if rng.IntN(5) == 0 {
		return "\"" + pick(rng, evQuotes) + ",\" " + pick(rng, evSpeakers) + "."
	}
	return pick(rng, evSubjects) + " " + pick(rng, evVerbs) + " " + pick(rng, evObjects) + " " + pick(rng, evClauses) + "."
}

func evDoc(rng *rand.Rand) []string {
	n := 10 + rng.IntN(16)
	out := make([]string, n)
	for i := range out {
		out[i] = evSentence(rng)
	}
	return out
}

func evJoin(sents []string) string {
	var b strings.Builder
	for i, s := range sents {
		if i > 0 {
			if i%4 == 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

type evEdit int

const (
	evInsert evEdit = iota
	evDelete
	evReorder
	evBoilerplate
	evSynonymSwap
	evCombined
	evEdits
)

var evEditNames = [...]string{"insertion", "deletion", "reordering", "boilerplate", "synonym swaps", "combined"}

func evApply(rng *rand.Rand, e evEdit, sents []string) string {
	s := slices.Clone(sents)
	insert := func() {
		i := rng.IntN(len(s) + 1)
		s = slices.Insert(s, i, evSentence(rng))
	}
	del := func() {
		i := rng.IntN(len(s))
		s = slices.Delete(s, i, i+1)
	}
	syn := func(k int) string {
		text := evJoin(s)
		keys := make([]string, 0, len(evSynonyms))
		for w := range evSynonyms {
			keys = append(keys, w)
		}
		slices.Sort(keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		done := 0
		for _, w := range keys {
			if done == k {
				break
			}
			if strings.Contains(text, " "+w+" ") {
				text = strings.Replace(text, " "+w+" ", " "+evSynonyms[w]+" ", 1)
				done++
			}
		}
		return text
	}
	switch e {
	case evInsert:
		insert()
		if rng.IntN(2) == 0 {
			insert()
		}
	case evDelete:
		del()
		if len(s) > 12 && rng.IntN(2) == 0 {
			del()
		}
	case evReorder:
		for range 2 {
			i, j := rng.IntN(len(s)), rng.IntN(len(s))
			s[i], s[j] = s[j], s[i]
		}
	case evBoilerplate:
		return evHeader + evJoin(s) + evFooter
	case evSynonymSwap:
		return syn(4)
	case evCombined:
		insert()
		del()
		return syn(2)
	}
	return evJoin(s)
}

// TestPrecisionRecall runs labelled samples through the default pipeline:
// each base document has one near-duplicate made by a known edit, and one
// unrelated document from the same template (same site boilerplate, other
// content) as a negative. It prints precision and recall and requires
// precision ≥ 0.95 and recall ≥ 0.90.
func TestPrecisionRecall(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 7))
	const bases = 180
	var docs []doc
	family := map[RecordID]int{} // record → family (base index), negatives get their own
	edit := map[RecordID]evEdit{}
	add := func(file int32, text string, fam int) RecordID {
		id := RecordID{File: file, Row: int64(len(docs))}
		docs = append(docs, doc{id: id, text: text})
		family[id] = fam
		return id
	}
	var jsum [evEdits]float64
	var jmin [evEdits]float64
	for i := range jmin {
		jmin[i] = 1
	}
	var cnt [evEdits]int
	for b := range bases {
		sents := evDoc(rng)
		e := evEdit(b % int(evEdits))
		base := evJoin(sents)
		v := evApply(rng, e, sents)
		if e != evBoilerplate && rng.IntN(2) == 0 {
			// Half the documents come from a site with boilerplate, on
			// both copies.
			base = evHeader + base + evFooter
			v = evHeader + v + evFooter
		}
		add(0, base, b)
		id := add(1, v, b)
		edit[id] = e
		j := trueJaccard(base, v, DefaultNGram)
		jsum[e] += j
		jmin[e] = min(jmin[e], j)
		cnt[e]++
		// Negative: same template, unrelated content.
		add(2, evHeader+evJoin(evDoc(rng))+evFooter, bases+b)
	}
	for e := range evEdits {
		t.Logf("  %-14s pairs %3d  true Jaccard mean %.3f min %.3f",
			evEditNames[e], cnt[e], jsum[e]/float64(cnt[e]), jmin[e])
	}
	for _, c := range []struct {
		name  string
		opts  Options
		check bool
	}{
		{"default (verified)", Options{}, true},
		{"SkipVerify (LSH only)", Options{SkipVerify: true}, false},
	} {
		res := resolveDocs(t, c.opts, docs, nil, 4)
		var tp, fp int
		var found [evEdits]int
		for _, d := range res.Dups {
			if d.Kept != NoRecord && family[d.Kept] == family[d.ID] {
				tp++
				if e, ok := edit[d.ID]; ok {
					found[e]++
				}
			} else {
				fp++
				t.Logf("  false positive: %v kept %v similarity %.3f", d.ID, d.Kept, d.Similarity)
			}
		}
		precision := float64(tp) / float64(max(1, tp+fp))
		recall := float64(tp) / bases
		var per []string
		for e := range evEdits {
			per = append(per, fmt.Sprintf("%s %.2f", evEditNames[e], float64(found[e])/float64(cnt[e])))
		}
		t.Logf("%s: %d labelled pairs, %d negatives, %d dropped: precision %.3f recall %.3f (%s)",
			c.name, bases, bases, len(res.Dups), precision, recall, strings.Join(per, ", "))
		if c.check && (precision < 0.95 || recall < 0.90) {
			t.Errorf("precision %.3f (want ≥ 0.95), recall %.3f (want ≥ 0.90)", precision, recall)
		}
	}
}

// trueJaccard computes the exact Jaccard similarity of two texts' shingle
// sets (using the package tokenizer).
func trueJaccard(a, b string, n int) float64 {
	set := func(s string) map[[8]uint64]bool {
		toks, _ := tokens(s)
		out := map[[8]uint64]bool{}
		k := min(n, len(toks))
		for i := 0; i+k <= len(toks); i++ {
			var key [8]uint64
			copy(key[:], toks[i:i+k])
			out[key] = true
		}
		return out
	}
	sa, sb := set(a), set(b)
	inter := 0
	for k := range sa {
		if sb[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}
