package benchmarks

import (
	"strconv"
	"strings"
)

// English web text from a small grammar: noun phrases with determiners,
// adjectives and prepositional phrases, about twenty sentence shapes
// (statements, quotes, questions, statistics, passives, relative and
// subordinate clauses, instructions), per-topic vocabulary mixed with
// general vocabulary, and page furniture (titles, bylines, lists,
// boilerplate).

var (
	weekdays      = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	months        = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	preps         = []string{"in", "on", "near", "across", "for", "with", "from", "after", "before", "during", "without", "under", "over", "through", "around", "behind", "beyond", "inside"}
	modals        = []string{"should", "could", "might", "will", "must", "may", "would", "can"}
	numberWords   = []string{"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "a dozen", "several", "hundreds of", "thousands of"}
	subordinates  = []string{"because", "although", "while", "after", "before", "since", "unless", "once", "when", "even though"}
	saidVerbs     = []string{"said", "told reporters", "wrote in a statement", "explained", "added", "noted", "argued", "admitted"}
	systemPrompts = []string{"You are a helpful assistant.", "You are a concise coding assistant.", "Answer in the user's language.",
		"You are a friendly tutor. Explain step by step.", "你是一个乐于助人的助手。"}
)

func (g *Generator) topic() *topic { return &g.v.topics[g.rng.IntN(len(g.v.topics))] }

// noun returns a singular or plural noun, from the topic or the general
// list.
func (g *Generator) noun(t *topic, plural bool) string {
	ns, ps := g.v.nouns, g.v.plurals
	if g.chance(0.45) {
		ns, ps = t.nouns, t.plurals
	}
	u := g.rng.Float64()
	i := int(u * u * float64(len(ns)))
	if plural {
		return ps[i]
	}
	return ns[i]
}

func (g *Generator) verb(t *topic) *verbForms {
	if g.chance(0.35) {
		return &t.verbs[g.rng.IntN(len(t.verbs))]
	}
	u := g.rng.Float64()
	return &g.v.verbs[int(u*u*float64(len(g.v.verbs)))]
}

func (g *Generator) adj(t *topic) string {
	if g.chance(0.35) {
		return g.uni(t.adjs)
	}
	return g.pick(g.v.adjs)
}

func article(next string) string {
	if next != "" && strings.IndexByte("aeiouAEIOU", next[0]) >= 0 && !strings.HasPrefix(next, "uni") && !strings.HasPrefix(next, "use") && !strings.HasPrefix(next, "one") {
		return "an "
	}
	return "a "
}

// np appends a noun phrase.
func (g *Generator) np(b []byte, t *topic, plural bool) []byte {
	var a1, a2 string
	if g.chance(0.45) {
		a1 = g.adj(t)
		if g.chance(0.12) {
			a2 = g.adj(t)
		}
	}
	n := g.noun(t, plural)
	first := n
	if a1 != "" {
		first = a1
	}
	if plural {
		switch g.rng.IntN(9) {
		case 0, 1:
			b = append(b, "the "...)
		case 2:
			b = append(b, "some "...)
		case 3:
			b = append(b, "many "...)
		case 4:
			b = append(b, g.uni(numberWords)...)
			b = append(b, ' ')
		case 5:
			b = append(b, "their "...)
		case 6:
			b = append(b, "these "...)
		case 7:
			b = append(b, "most "...)
		}
	} else {
		switch g.rng.IntN(9) {
		case 0, 1, 2:
			b = append(b, "the "...)
		case 3, 4:
			b = append(b, article(first)...)
		case 5:
			b = append(b, "this "...)
		case 6:
			b = append(b, "their "...)
		case 7:
			b = append(b, "our "...)
		default:
			b = append(b, "every "...)
		}
	}
	if a1 != "" {
		b = append(b, a1...)
		b = append(b, ' ')
		if a2 != "" {
			b = append(b, a2...)
			b = append(b, ' ')
		}
	}
	b = append(b, n...)
	if g.chance(0.12) {
		b = append(b, " of the "...)
		b = append(b, g.noun(t, false)...)
	}
	return b
}

// subject appends a subject: a noun phrase, a person, an organisation or a
// city. It reports whether the subject is plural.
func (g *Generator) subject(b []byte, t *topic) ([]byte, bool) {
	switch g.rng.IntN(10) {
	case 0, 1:
		return g.person(b), false
	case 2:
		return g.org(b), false
	case 3:
		return append(b, g.uni(g.v.cities)...), false
	case 4, 5, 6:
		return g.np(b, t, true), true
	}
	return g.np(b, t, false), false
}

func (g *Generator) person(b []byte) []byte {
	b = append(b, g.uni(g.v.first)...)
	b = append(b, ' ')
	return append(b, g.uni(g.v.last)...)
}

func (g *Generator) org(b []byte) []byte {
	if g.chance(0.3) {
		b = append(b, "the "...)
		b = append(b, g.uni(g.v.cities)...)
		b = append(b, ' ')
	} else {
		b = append(b, g.uni(g.v.orgParts)...)
		b = append(b, ' ')
	}
	return append(b, g.uni(g.v.orgSuf)...)
}

func (g *Generator) year() int { return g.between(1995, 2025) }

func (g *Generator) timeExpr(b []byte) []byte {
	switch g.rng.IntN(10) {
	case 0:
		b = append(b, "on "...)
		return append(b, g.uni(weekdays)...)
	case 1:
		b = append(b, "last "...)
		return append(b, g.uni([]string{"week", "month", "year", "spring", "weekend", "summer", "night"})...)
	case 2:
		b = append(b, "in "...)
		return append(b, g.uni(months)...)
	case 3:
		b = append(b, "in "...)
		return strconv.AppendInt(b, int64(g.year()), 10)
	case 4:
		b = append(b, "earlier this "...)
		return append(b, g.uni([]string{"week", "month", "year"})...)
	case 5:
		b = append(b, "over the past "...)
		b = append(b, g.uni(numberWords[:9])...)
		return append(b, " years"...)
	case 6:
		b = append(b, "by the end of "...)
		return append(b, g.uni(months)...)
	case 7:
		b = append(b, "on "...)
		b = append(b, g.uni(months)...)
		b = append(b, ' ')
		return strconv.AppendInt(b, int64(g.between(1, 28)), 10)
	case 8:
		return append(b, g.uni([]string{"this morning", "yesterday", "two days later", "at the time", "for years", "in recent months"})...)
	}
	b = append(b, "since "...)
	return strconv.AppendInt(b, int64(g.year()), 10)
}

func (g *Generator) pp(b []byte, t *topic) []byte {
	b = append(b, g.uni(preps)...)
	b = append(b, ' ')
	if g.chance(0.3) {
		return append(b, g.uni(g.v.cities)...)
	}
	return g.np(b, t, g.chance(0.3))
}

// clause appends subject + past-tense verb phrase.
func (g *Generator) clause(b []byte, t *topic) []byte {
	b, _ = g.subject(b, t)
	b = append(b, ' ')
	if g.chance(0.15) {
		b = append(b, g.pick(g.v.advs)...)
		b = append(b, ' ')
	}
	b = append(b, g.verb(t).past...)
	b = append(b, ' ')
	b = g.np(b, t, g.chance(0.35))
	if g.chance(0.3) {
		b = append(b, ' ')
		b = g.pp(b, t)
	}
	return b
}

// sentence appends one English sentence.
func (g *Generator) sentence(b []byte, t *topic) []byte {
	start := len(b)
	switch g.rng.IntN(20) {
	case 0, 1, 2:
		b = g.clause(b, t)
		b = append(b, '.')
	case 3:
		b = g.timeExpr(b)
		b = append(b, ", "...)
		b = g.clause(b, t)
		b = append(b, '.')
	case 4:
		b = append(b, "According to "...)
		b = g.person(b)
		title := g.uni(g.v.titles)
		b = append(b, ", "...)
		b = append(b, article(title)...)
		b = append(b, title...)
		b = append(b, " at "...)
		b = g.org(b)
		b = append(b, ", "...)
		b = g.clause(b, t)
		b = append(b, '.')
	case 5:
		b = g.clause(b, t)
		b = append(b, ", but "...)
		var pl bool
		b, pl = g.subject(b, t)
		_ = pl
		b = append(b, " did not "...)
		b = append(b, g.verb(t).base...)
		b = append(b, ' ')
		b = g.np(b, t, false)
		b = append(b, '.')
	case 6:
		b = append(b, g.uni(subordinates)...)
		b = append(b, ' ')
		b = g.clause(b, t)
		b = append(b, ", "...)
		b = g.clause(b, t)
		b = append(b, '.')
	case 7:
		b = append(b, g.uni([]string{"Why do ", "How did ", "When will ", "Can "})...)
		b = g.np(b, t, true)
		b = append(b, ' ')
		b = append(b, g.verb(t).base...)
		b = append(b, ' ')
		b = g.np(b, t, false)
		b = append(b, '?')
	case 8:
		b = append(b, g.verb(t).base...)
		b = append(b, ' ')
		b = g.np(b, t, g.chance(0.3))
		if g.chance(0.5) {
			b = append(b, ' ')
			b = append(b, g.pick(g.v.advs)...)
		}
		b = append(b, ", then "...)
		b = append(b, g.verb(t).base...)
		b = append(b, ' ')
		b = g.np(b, t, false)
		b = append(b, '.')
	case 9:
		b = append(b, g.uni([]string{"About ", "Nearly ", "More than ", "Only ", "Roughly "})...)
		b = strconv.AppendInt(b, int64(g.between(2, 95)), 10)
		b = append(b, " percent of "...)
		b = append(b, g.noun(t, true)...)
		b = append(b, ' ')
		b = append(b, g.verb(t).past...)
		b = append(b, ' ')
		b = g.np(b, t, false)
		b = append(b, g.uni([]string{", up from ", ", down from ", ", compared with "})...)
		b = strconv.AppendInt(b, int64(g.between(2, 95)), 10)
		b = append(b, " percent in "...)
		b = strconv.AppendInt(b, int64(g.year()), 10)
		b = append(b, '.')
	case 10:
		b, _ = g.subject(b, t)
		b = append(b, ' ')
		b = append(b, g.verb(t).past...)
		b = append(b, ' ')
		b = g.np(b, t, false)
		b = append(b, ", "...)
		b = g.np(b, t, true)
		b = append(b, " and "...)
		b = g.np(b, t, false)
		b = append(b, '.')
	case 11:
		b = g.np(b, t, false)
		b = append(b, " that "...)
		b = g.clause(b, t)
		b = append(b, " was "...)
		b = append(b, g.adj(t)...)
		b = append(b, '.')
	case 12:
		pl := g.chance(0.4)
		b = g.np(b, t, pl)
		if pl {
			b = append(b, " were "...)
		} else {
			b = append(b, " was "...)
		}
		b = append(b, g.verb(t).part...)
		b = append(b, " by "...)
		b, _ = g.subject(b, t)
		if g.chance(0.5) {
			b = append(b, ' ')
			b = g.timeExpr(b)
		}
		b = append(b, '.')
	case 13:
		b = append(b, g.uni([]string{"It was ", "That is not ", "The result looked ", "Nobody expected it to be so ", "It felt "})...)
		b = append(b, g.adj(t)...)
		b = append(b, '.')
	case 14:
		b = g.np(b, t, true)
		b = append(b, ' ')
		b = append(b, g.verb(t).base...)
		b = append(b, ' ')
		b = g.np(b, t, false)
		b = append(b, " when "...)
		b = g.np(b, t, false)
		b = append(b, ' ')
		b = append(b, g.verb(t).third...)
		b = append(b, ' ')
		b = g.np(b, t, g.chance(0.5))
		b = append(b, '.')
	case 15:
		b, _ = g.subject(b, t)
		b = append(b, ' ')
		b = append(b, g.uni(modals)...)
		b = append(b, ' ')
		b = append(b, g.verb(t).base...)
		b = append(b, ' ')
		b = g.np(b, t, g.chance(0.4))
		if g.chance(0.4) {
			b = append(b, ' ')
			b = append(b, g.pick(g.v.advs)...)
		}
		b = append(b, '.')
	case 16:
		b = g.np(b, t, false)
		b = append(b, " has "...)
		b = append(b, g.verb(t).part...)
		b = append(b, ' ')
		b = g.np(b, t, true)
		b = append(b, " since "...)
		b = strconv.AppendInt(b, int64(g.year()), 10)
		b = append(b, '.')
	case 17:
		b = append(b, '"')
		qs := len(b)
		b = g.clause(b, t)
		capitalize(b, qs)
		b = append(b, ",\" "...)
		b = g.person(b)
		b = append(b, ' ')
		b = append(b, g.uni(saidVerbs)...)
		b = append(b, '.')
	case 18:
		b = append(b, "In "...)
		b = append(b, g.uni(g.v.cities)...)
		b = append(b, ", "...)
		b = g.clause(b, t)
		b = append(b, '.')
	default:
		b = append(b, "The "...)
		b = append(b, g.noun(t, false)...)
		b = append(b, " costs $"...)
		b = strconv.AppendInt(b, int64(g.between(3, 2500)), 10)
		if g.chance(0.5) {
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(g.between(10, 99)), 10)
		}
		b = append(b, " and "...)
		b = append(b, g.verb(t).third...)
		b = append(b, ' ')
		b = g.np(b, t, g.chance(0.5))
		b = append(b, '.')
	}
	capitalize(b, start)
	return b
}

func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func capitalize(b []byte, i int) {
	if i < len(b) && b[i] >= 'a' && b[i] <= 'z' {
		b[i] -= 'a' - 'A'
	}
}

func (g *Generator) title(b []byte, t *topic) []byte {
	s := len(b)
	switch g.rng.IntN(5) {
	case 0:
		b = append(b, "How to "...)
		b = append(b, g.verb(t).base...)
		b = append(b, ' ')
		b = g.np(b, t, false)
	case 1:
		b = strconv.AppendInt(b, int64(g.between(3, 25)), 10)
		b = append(b, ' ')
		b = append(b, g.adj(t)...)
		b = append(b, ' ')
		b = append(b, g.noun(t, true)...)
		b = append(b, " to "...)
		b = append(b, g.verb(t).base...)
		b = append(b, " in "...)
		b = strconv.AppendInt(b, int64(g.year()), 10)
	case 2:
		b = append(b, g.uni(g.v.cities)...)
		b = append(b, ' ')
		b = append(b, g.noun(t, true)...)
		b = append(b, ' ')
		b = append(b, g.verb(t).third...)
		b = append(b, ' ')
		b = g.np(b, t, false)
	case 3:
		b = append(b, "Why "...)
		b = append(b, g.noun(t, true)...)
		b = append(b, " are "...)
		b = append(b, g.adj(t)...)
		b = append(b, " again"...)
	default:
		b = append(b, "Review: "...)
		b = g.org(b)
		b = append(b, ' ')
		b = append(b, g.noun(t, false)...)
	}
	capitalize(b, s)
	return b
}

// web writes one web page into tb.
func (g *Generator) web(tb *textBuf, secret, other bool) {
	t := g.topic()
	if g.chance(0.7) {
		tb.b = g.title(tb.b, t)
		tb.b = append(tb.b, "\n\n"...)
	}
	if g.chance(0.2) {
		tb.b = append(tb.b, "By "...)
		tb.b = g.person(tb.b)
		tb.b = append(tb.b, " | "...)
		tb.b = append(tb.b, g.uni(months)...)
		tb.b = append(tb.b, ' ')
		tb.b = strconv.AppendInt(tb.b, int64(g.between(1, 28)), 10)
		tb.b = append(tb.b, ", "...)
		tb.b = strconv.AppendInt(tb.b, int64(g.year()), 10)
		tb.b = append(tb.b, "\n\n"...)
	}
	paras := 1 + g.rng.IntN(6)
	plantAt := g.rng.IntN(paras)
	for p := 0; p < paras; p++ {
		if p > 0 {
			tb.b = append(tb.b, "\n\n"...)
		}
		n := 2 + g.rng.IntN(6)
		for s := 0; s < n; s++ {
			if s > 0 {
				tb.b = append(tb.b, ' ')
			}
			tb.b = g.sentence(tb.b, t)
		}
		if p == plantAt && other {
			tb.b = append(tb.b, ' ')
			g.plantOther(tb, false)
		}
		if p == plantAt && secret {
			tb.str(g.uni([]string{" For example:\n\n", " Our config looked like this:\n\n", "\n\n"}))
			g.plantSecret(tb, g.rng.IntN(numCtx))
		}
		if g.chance(0.1) {
			for i, n := 0, 3+g.rng.IntN(4); i < n; i++ {
				tb.b = append(tb.b, "\n- "...)
				s := len(tb.b)
				tb.b = g.np(tb.b, t, g.chance(0.3))
				capitalize(tb.b, s)
			}
		}
	}
	if g.chance(0.3) {
		tb.b = append(tb.b, "\n\n"...)
		for i, n := 0, 1+g.rng.IntN(3); i < n; i++ {
			if i > 0 {
				tb.b = append(tb.b, " | "...)
			}
			tb.b = append(tb.b, g.uni(g.v.boilerplate)...)
		}
	}
}

// --- Chinese ---

func (g *Generator) zhSentence(tb *textBuf, _ *topic) {
	v := g.v
	b := tb.b
	pct := func(b []byte) []byte { return append(strconv.AppendInt(b, int64(g.between(1, 60)), 10), '%') }
	switch g.rng.IntN(11) {
	case 0:
		b = append(b, g.uni(v.zhTime)+"，"+g.uni(v.zhPlace)+"的"+g.pick(v.zhSubj)+g.pick(v.zhVerb)+"了"+g.uni(v.zhAdj)+"的"+g.pick(v.zhNoun)+"。"...)
	case 1:
		b = append(b, g.pick(v.zhSubj)+"表示，"+g.pick(v.zhNoun)+"的"+g.pick(v.zhNoun)+g.uni(v.zhAdv)+g.uni(v.zhAdj)+"。"...)
	case 2:
		b = append(b, "据"+g.uni(v.zhPlace)+"媒体报道，"+g.pick(v.zhSubj)+"将于"+g.uni(v.zhTime)+g.pick(v.zhVerb)+g.pick(v.zhNoun)+"。"...)
	case 3:
		b = append(b, "与去年相比，"+g.pick(v.zhNoun)+"的"+g.uni([]string{"数量", "规模", "比例", "价格"})+g.uni([]string{"增长了", "下降了", "提高了"})...)
		b = pct(b)
		b = append(b, "。"...)
	case 4:
		b = append(b, "很多"+g.pick(v.zhSubj)+"认为，"+g.pick(v.zhNoun)+"和"+g.pick(v.zhNoun)+"之间的关系越来越"+g.uni(v.zhAdj)+"。"...)
	case 5:
		b = append(b, "如果你想"+g.pick(v.zhVerb)+g.pick(v.zhNoun)+"，可以先"+g.pick(v.zhVerb)+"一下"+g.pick(v.zhNoun)+"。"...)
	case 6:
		b = append(b, g.uni(v.zhConn)+"，"+g.pick(v.zhSubj)+g.uni(v.zhAdv)+g.pick(v.zhVerb)+g.pick(v.zhNoun)+"，"+g.pick(v.zhNoun)+"也"+g.uni(v.zhAdv)+g.uni(v.zhAdj)+"。"...)
	case 7:
		b = append(b, g.uni(v.zhPlace)+"共有"+g.uni(v.zhNum)+g.uni(v.zhMeasure)+g.pick(v.zhNoun)+"项目，其中约"...)
		b = pct(b)
		b = append(b, "已经"+g.pick(v.zhVerb)+"。"...)
	case 8:
		b = append(b, "这"+g.uni(v.zhMeasure)+g.pick(v.zhNoun)+"的"+g.pick(v.zhNoun)+g.uni(v.zhAdv)+g.uni(v.zhAdj)+"，"+g.pick(v.zhSubj)+"对此"+g.uni(v.zhAdv)+g.pick(v.zhVerb)+"。"...)
	case 9:
		b = append(b, g.uni(v.zhTime)+"，"+g.uni(v.zhPlace)+"举办了一场关于"+g.pick(v.zhNoun)+"的活动，吸引了"...)
		b = strconv.AppendInt(b, int64(g.between(1, 50)), 10)
		b = append(b, "万名"+g.pick(v.zhSubj)+"参加。"...)
	default:
		b = append(b, g.pick(v.zhSubj)+g.uni([]string{"希望", "建议", "担心", "指出"})+g.pick(v.zhNoun)+"能够"+g.uni(v.zhAdv)+g.pick(v.zhVerb)+"，"+g.uni([]string{"让", "使", "帮助"})+g.pick(v.zhSubj)+g.pick(v.zhVerb)+"更多"+g.pick(v.zhNoun)+"。"...)
	}
	tb.b = b
}

func (g *Generator) chinese(tb *textBuf, secret, other bool) {
	if g.chance(0.6) {
		tb.str(g.uni(g.v.zhPlace) + g.pick(g.v.zhVerb) + "新的" + g.pick(g.v.zhNoun) + g.pick(g.v.zhNoun) + "\n")
	}
	paras := 1 + g.rng.IntN(5)
	plantAt := g.rng.IntN(paras)
	for p := 0; p < paras; p++ {
		if p > 0 {
			tb.str("\n")
		}
		for s, n := 0, 3+g.rng.IntN(7); s < n; s++ {
			g.zhSentence(tb, nil)
		}
		if p == plantAt && other {
			g.plantOther(tb, true)
		}
		if p == plantAt && secret {
			tb.str("配置如下：\n")
			g.plantSecret(tb, g.rng.IntN(numCtx-1))
			tb.str("\n")
		}
	}
}

// --- chat ---

// chat writes 2 or 4 turns into g.bufs and returns the count.
func (g *Generator) chat() int {
	n := 2
	if g.chance(0.3) {
		n = 4
	}
	secret := g.chance(g.SecretScale * 0.01)
	other := g.chance(g.PlantRate)
	zh := g.chance(0.15)
	plantTurn := 0
	if g.chance(0.2) {
		plantTurn = 1
	}
	t := g.topic()
	for i := 0; i < n; i++ {
		tb := &g.bufs[i]
		tb.reset()
		user := i%2 == 0
		switch {
		case zh && user:
			tb.str(g.uni([]string{"请问如何", "怎样才能", "能不能帮我"}) + g.pick(g.v.zhVerb) + g.pick(g.v.zhNoun) + "？")
			if g.chance(0.5) {
				g.zhSentence(tb, nil)
			}
		case zh:
			for s, k := 0, 2+g.rng.IntN(6); s < k; s++ {
				g.zhSentence(tb, nil)
			}
		case user:
			g.userTurn(tb, t)
		default:
			g.assistantTurn(tb, t)
		}
		if i == plantTurn && other {
			tb.str(" ")
			g.plantOther(tb, zh)
		}
		if i == plantTurn && secret {
			if g.chance(0.5) {
				tb.str(" " + g.uni([]string{"My config:", "Here's what I have:", "This is my .env:", "I'm running:"}) + "\n\n```\n")
				g.plantSecret(tb, g.rng.IntN(numCtx-1))
				tb.str("\n```")
			} else {
				tb.str(" ")
				g.plantSecret(tb, ctxProse)
			}
		}
	}
	return n
}

func (g *Generator) userTurn(tb *textBuf, t *topic) {
	lang := g.uni(g.v.languages)
	if g.chance(0.3) { // context first, question after
		tb.b = g.sentence(tb.b, t)
		tb.str(" ")
	}
	switch g.rng.IntN(6) {
	case 0:
		a := g.adj(t)
		tb.str("How do I " + g.verb(t).base + " " + article(a) + a + " " + g.noun(t, false) + " in " + lang + "?")
	case 1:
		tb.str("Can you explain why my " + g.adj(t) + " " + g.noun(t, false) + " " + g.verb(t).third + " " + g.pick(g.v.advs) + "?")
	case 2:
		tb.str("What's the difference between " + g.adj(t) + " " + g.noun(t, true) + " and " + g.noun(t, true) + " " + g.uni(preps) + " " + g.uni(g.v.cities) + "?")
	case 3:
		tb.str("Write a " + lang + " function that " + g.uni(g.v.idVerbs) + "s a list of " + g.uni(g.v.idNouns) + "s and returns the " + g.uni(g.v.idNouns) + " with the " + g.uni([]string{"highest", "lowest", "newest", "oldest", "longest"}) + " " + g.uni(g.v.idNouns) + ".")
	case 4:
		tb.str("I'm trying to " + g.uni(g.v.idVerbs) + " the " + g.uni(g.v.idNouns) + " but it keeps failing. Here is my code:\n\n```\n")
		g.codeLines(tb, g.rng.IntN(3), 3+g.rng.IntN(8))
		tb.str("```")
	default:
		tb.b = g.sentence(tb.b, t)
		tb.b = append(tb.b, ' ')
		tb.b = g.sentence(tb.b, t)
		tb.str(" Any advice?")
	}
	if g.chance(0.4) {
		tb.str(" ")
		tb.b = g.sentence(tb.b, t)
	}
}

func (g *Generator) assistantTurn(tb *textBuf, t *topic) {
	for p, n := 0, 1+g.rng.IntN(3); p < n; p++ {
		if p > 0 {
			tb.str("\n\n")
		}
		for s, k := 0, 1+g.rng.IntN(4); s < k; s++ {
			if s > 0 {
				tb.str(" ")
			}
			tb.b = g.sentence(tb.b, t)
		}
	}
	switch g.rng.IntN(3) {
	case 0:
		tb.str("\n\nHere's an example:\n\n```\n")
		g.codeLines(tb, g.rng.IntN(3), 4+g.rng.IntN(12))
		tb.str("```")
	case 1:
		for i, n := 0, 2+g.rng.IntN(4); i < n; i++ {
			tb.str("\n" + strconv.Itoa(i+1) + ". ")
			s := len(tb.b)
			tb.b = append(tb.b, g.verb(t).base...)
			tb.b = append(tb.b, ' ')
			tb.b = g.np(tb.b, t, g.chance(0.3))
			tb.b = append(tb.b, '.')
			capitalize(tb.b, s)
		}
	}
}

// --- code ---

const (
	langPython = iota
	langGo
	langJS
	langYAML
	langEnv
	langShell
	langSQL
)

func (g *Generator) ident(snake bool) string {
	v, n := g.uni(g.v.idVerbs), g.uni(g.v.idNouns)
	if g.chance(0.3) {
		return n
	}
	if snake {
		return v + "_" + n
	}
	return v + strings.ToUpper(n[:1]) + n[1:]
}

// nonSecret appends a high-entropy value that is not a secret: commit
// hashes, UUIDs, checksums, integrity strings, documentation placeholders.
func (g *Generator) nonSecret(tb *textBuf, comment string) {
	switch g.rng.IntN(6) {
	case 0:
		tb.str(comment + " fixed in commit ")
		tb.b = g.rand(tb.b, hexLower, 40)
	case 1:
		tb.str(comment + " request id ")
		tb.b = g.rand(tb.b, hexLower, 8)
		for _, n := range []int{4, 4, 4, 12} {
			tb.b = append(tb.b, '-')
			tb.b = g.rand(tb.b, hexLower, n)
		}
	case 2:
		tb.str(comment + " sha256: ")
		tb.b = g.rand(tb.b, hexLower, 64)
	case 3:
		tb.str(comment + " \"integrity\": \"sha512-")
		tb.b = g.rand(tb.b, b64chars, 86)
		tb.str("==\"")
	case 4:
		tb.str(comment + " e.g. aws_access_key_id = AKIAIOSFODNN7EXAMPLE")
	default:
		tb.str(comment + " api_key: \"<your-api-key>\"")
	}
}

// codeLines writes about n lines of code in language lang.
func (g *Generator) codeLines(tb *textBuf, lang, n int) {
	t := g.topic()
	for i := 0; i < n; i++ {
		switch lang {
		case langPython:
			g.pyLine(tb, t, i)
		case langGo:
			g.goLine(tb, t, i)
		default:
			g.jsLine(tb, t, i)
		}
		tb.str("\n")
	}
}

func (g *Generator) comment(tb *textBuf, t *topic, mark string) {
	tb.str(mark + " ")
	s := len(tb.b)
	tb.b = g.np(tb.b, t, g.chance(0.3))
	if g.chance(0.5) {
		tb.b = append(tb.b, ' ')
		tb.b = append(tb.b, g.verb(t).third...)
		tb.b = append(tb.b, ' ')
		tb.b = g.np(tb.b, t, false)
	}
	capitalize(tb.b, s)
}

func (g *Generator) pyLine(tb *textBuf, t *topic, i int) {
	ind := "    "
	switch g.rng.IntN(10) {
	case 0:
		tb.str("def " + g.ident(true) + "(" + g.uni(g.v.idNouns) + ", " + g.uni(g.v.idNouns) + "=None):")
	case 1:
		tb.str(ind + "if " + g.uni(g.v.idNouns) + " is None:")
	case 2:
		tb.str(ind + g.uni(g.v.idNouns) + " = " + g.uni(g.v.idNouns) + ".get(\"" + g.uni(g.v.idNouns) + "\", " + strconv.Itoa(g.rng.IntN(100)) + ")")
	case 3:
		tb.str(ind + "for " + g.uni(g.v.idNouns) + " in " + g.uni(g.v.idNouns) + "s:")
	case 4:
		tb.str(ind + ind + "logger.info(\"")
		s := len(tb.b)
		tb.b = g.np(tb.b, t, false)
		capitalize(tb.b, s)
		tb.str(" %s\", " + g.uni(g.v.idNouns) + ")")
	case 5:
		tb.str(ind + "return " + g.ident(true) + "(" + g.uni(g.v.idNouns) + ")")
	case 6:
		g.comment(tb, t, ind+"#")
	case 7:
		tb.str("import " + g.uni(g.v.pyMods))
	case 8:
		if g.chance(0.15) {
			g.nonSecret(tb, ind+"#")
		} else {
			tb.str(ind + g.uni(g.v.idNouns) + " += " + g.uni(g.v.idNouns) + "[" + strconv.Itoa(i) + "] * " + strconv.Itoa(g.between(2, 9)))
		}
	default:
		tb.str(ind + "raise ValueError(f\"invalid " + g.uni(g.v.idNouns) + ": {" + g.uni(g.v.idNouns) + "!r}\")")
	}
}

func (g *Generator) goLine(tb *textBuf, t *topic, _ int) {
	switch g.rng.IntN(10) {
	case 0:
		tb.str("func (s *" + upperFirst(g.uni(g.v.idNouns)) + "Service) " + upperFirst(g.ident(false)) + "(ctx context.Context, " + g.uni(g.v.idNouns) + " string) error {")
	case 1:
		tb.str("\tif err != nil {\n\t\treturn fmt.Errorf(\"" + g.uni(g.v.idVerbs) + " " + g.uni(g.v.idNouns) + ": %w\", err)\n\t}")
	case 2:
		tb.str("\t" + g.uni(g.v.idNouns) + ", err := s." + g.ident(false) + "(ctx, " + g.uni(g.v.idNouns) + ")")
	case 3:
		tb.str("\tfor i, " + g.uni(g.v.idNouns) + " := range " + g.uni(g.v.idNouns) + "s {")
	case 4:
		g.comment(tb, t, "\t//")
	case 5:
		tb.str("\treturn nil\n}")
	case 6:
		tb.str("\t" + g.uni(g.v.idNouns) + " := make([]" + g.uni([]string{"string", "int", "byte", "float64"}) + ", 0, " + strconv.Itoa(1<<g.rng.IntN(12)) + ")")
	case 7:
		if g.chance(0.15) {
			g.nonSecret(tb, "\t//")
		} else {
			tb.str("\tlog.Printf(\"" + g.uni(g.v.idNouns) + "=%v " + g.uni(g.v.idNouns) + "=%d\", " + g.uni(g.v.idNouns) + ", len(" + g.uni(g.v.idNouns) + "))")
		}
	case 8:
		tb.str("import \"" + g.uni(g.v.goPkgs) + "\"")
	default:
		tb.str("\tdefer " + g.uni(g.v.idNouns) + ".Close()")
	}
}

func (g *Generator) jsLine(tb *textBuf, t *topic, _ int) {
	switch g.rng.IntN(9) {
	case 0:
		tb.str("const " + g.ident(false) + " = async (" + g.uni(g.v.idNouns) + ") => {")
	case 1:
		tb.str("  const res = await fetch(`/api/" + g.uni(g.v.idNouns) + "s/${" + g.uni(g.v.idNouns) + ".id}`);")
	case 2:
		tb.str("  if (!res.ok) throw new Error(\"" + g.uni(g.v.idVerbs) + " failed: \" + res.status);")
	case 3:
		tb.str("  return " + g.uni(g.v.idNouns) + "s.filter((x) => x." + g.uni(g.v.idNouns) + " > " + strconv.Itoa(g.rng.IntN(50)) + ").map((x) => x.id);")
	case 4:
		g.comment(tb, t, "  //")
	case 5:
		tb.str("};")
	case 6:
		tb.str("import " + g.uni(g.v.jsMods) + " from '" + g.uni(g.v.jsMods) + "';")
	case 7:
		if g.chance(0.15) {
			g.nonSecret(tb, "  //")
		} else {
			tb.str("  console.log(`" + g.uni(g.v.idNouns) + ": ${" + g.uni(g.v.idNouns) + "}`);")
		}
	default:
		tb.str("  let " + g.uni(g.v.idNouns) + " = " + strconv.Itoa(g.rng.IntN(1000)) + ";")
	}
}

// code writes one source or config file into tb.
func (g *Generator) code(tb *textBuf, secret, other bool) {
	t := g.topic()
	lang := g.rng.IntN(7)
	n := 10 + g.rng.IntN(50)
	plantAt := g.rng.IntN(n)
	ctx := [...]int{ctxPython, ctxGo, ctxJS, ctxYAML, ctxEnv, ctxExport, ctxEnv}[lang]
	if lang == langSQL && secret {
		lang, ctx = langEnv, ctxEnv
	}
	for i := 0; i < n; i++ {
		switch lang {
		case langPython:
			g.pyLine(tb, t, i)
		case langGo:
			g.goLine(tb, t, i)
		case langJS:
			g.jsLine(tb, t, i)
		case langYAML:
			g.yamlLine(tb, t, i)
		case langEnv:
			g.envLine(tb, t)
		case langShell:
			g.shellLine(tb, t)
		default:
			g.sqlLine(tb, t)
		}
		tb.str("\n")
		if i == plantAt && secret {
			if ctx == ctxExport && g.chance(0.3) {
				ctx = ctxCurl
			}
			g.plantSecret(tb, ctx)
			tb.str("\n")
		}
		if i == plantAt && other {
			if lang == langGo || lang == langJS {
				tb.str("// ")
			} else {
				tb.str("# ")
			}
			g.plantOther(tb, false)
			tb.str("\n")
		}
	}
}

func (g *Generator) yamlLine(tb *textBuf, t *topic, i int) {
	switch g.rng.IntN(7) {
	case 0:
		tb.str(g.uni(g.v.idNouns) + ":")
	case 1:
		tb.str("  " + g.uni(g.v.idNouns) + ": " + strconv.Itoa(g.rng.IntN(10000)))
	case 2:
		tb.str("  " + g.uni(g.v.idNouns) + ": " + g.uni([]string{"true", "false", "null", "debug", "info", "0.0.0.0", "localhost", "30s", "${" + strings.ToUpper(g.uni(g.v.idNouns)) + "}"}))
	case 3:
		tb.str("  - name: " + g.ident(true))
	case 4:
		g.comment(tb, t, "#")
	case 5:
		if g.chance(0.2) {
			g.nonSecret(tb, "#")
		} else {
			tb.str("  image: " + g.uni(g.v.idNouns) + ":" + strconv.Itoa(g.rng.IntN(5)) + "." + strconv.Itoa(i))
		}
	default:
		tb.str("  url: https://" + g.uni(g.v.idNouns) + ".example.com/" + g.uni(g.v.idNouns))
	}
}

func (g *Generator) envLine(tb *textBuf, t *topic) {
	k := strings.ToUpper(g.uni(g.v.idNouns) + "_" + g.uni(g.v.idNouns))
	switch g.rng.IntN(6) {
	case 0:
		tb.str(k + "=" + strconv.Itoa(g.rng.IntN(65536)))
	case 1:
		tb.str(k + "=" + g.uni([]string{"true", "false", "debug", "production", "us-east-1", "changeme", "/var/lib/app"}))
	case 2:
		tb.str(k + "_URL=https://" + g.uni(g.v.idNouns) + ".internal:" + strconv.Itoa(g.between(1000, 9999)))
	case 3:
		g.comment(tb, t, "#")
	case 4:
		if g.chance(0.2) {
			g.nonSecret(tb, "#")
		} else {
			tb.str(k + "_NAME=" + g.ident(true))
		}
	default:
		tb.str(k + "_PASSWORD=${" + k + "_PASSWORD}")
	}
}

func (g *Generator) shellLine(tb *textBuf, t *topic) {
	switch g.rng.IntN(7) {
	case 0:
		tb.str("docker run --rm -p " + strconv.Itoa(g.between(3000, 9000)) + ":80 -e LOG_LEVEL=" + g.uni([]string{"debug", "info"}) + " " + g.uni(g.v.idNouns) + ":latest")
	case 1:
		tb.str("curl -fsSL https://" + g.uni(g.v.idNouns) + ".example.com/install.sh | sh")
	case 2:
		tb.str("git clone https://github.com/" + strings.ToLower(g.uni(g.v.first)) + "/" + g.ident(true) + ".git")
	case 3:
		g.comment(tb, t, "#")
	case 4:
		tb.str("kubectl apply -f k8s/" + g.uni(g.v.idNouns) + ".yaml")
	case 5:
		if g.chance(0.2) {
			g.nonSecret(tb, "#")
		} else {
			tb.str("echo \"" + g.uni(g.v.idVerbs) + "ing " + g.uni(g.v.idNouns) + "s...\"")
		}
	default:
		tb.str("export " + strings.ToUpper(g.uni(g.v.idNouns)) + "_DIR=/opt/" + g.uni(g.v.idNouns))
	}
}

func (g *Generator) sqlLine(tb *textBuf, t *topic) {
	tbl := g.uni(g.v.idNouns) + "s"
	switch g.rng.IntN(5) {
	case 0:
		tb.str("SELECT id, " + g.uni(g.v.idNouns) + ", " + g.uni(g.v.idNouns) + " FROM " + tbl + " WHERE created_at > NOW() - INTERVAL '" + strconv.Itoa(g.between(1, 30)) + " days';")
	case 1:
		tb.str("CREATE INDEX idx_" + tbl + "_" + g.uni(g.v.idNouns) + " ON " + tbl + " (" + g.uni(g.v.idNouns) + ");")
	case 2:
		tb.str("INSERT INTO " + tbl + " (" + g.uni(g.v.idNouns) + ", " + g.uni(g.v.idNouns) + ") VALUES ('" + g.pick(g.v.nouns) + "', " + strconv.Itoa(g.rng.IntN(1000)) + ");")
	case 3:
		g.comment(tb, t, "--")
	default:
		tb.str("UPDATE " + tbl + " SET " + g.uni(g.v.idNouns) + " = " + g.uni(g.v.idNouns) + " + 1 WHERE id = " + strconv.Itoa(g.rng.IntN(100000)) + ";")
	}
}
