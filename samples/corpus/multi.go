package corpus

import (
	"fmt"
	"strconv"
)

// Multilingual returns n mostly clean documents for false-positive
// measurement: Arabic, Hindi, Persian, Russian and Greek text (Shape
// ShapeText) and emoji-heavy chats (Shape ShapeChat), full of legitimate
// look-alikes: ZWJ emoji sequences, flags and subdivision flags (which use
// tag characters), skin-tone modifiers, variation selectors, Persian ZWNJ,
// right-to-left marks and ordinary Cyrillic and Greek words. Labels use the
// paths "$.text" and "$.messages[i].content".
func Multilingual(seed uint64, n int, opt Options) []Doc {
	return generate(seed, saltMulti, n, opt, &multiBuilder{opt: opt})
}

type multiBuilder struct{ opt Options }

var multiKit = nearKit{
	voc: enVocab, joiner: " ", brk: "\n", maxOps: 1,
	headers: []string{"Advertisement", "منشور مثبت", "विज्ञापन"},
	footers: []string{"Shared from the community app", "تمت المشاركة عبر التطبيق", "ऐप से साझा किया गया"},
}

var multiLangs = []struct {
	lang, source string
	pool         []string
}{
	{"ar", "ar-news", arSentences},
	{"hi", "hi-forum", hiSentences},
	{"fa", "fa-blog", faSentences},
	{"ru", "ru-news", ruSentences},
	{"el", "el-news", elSentences},
}

func (r rng) iranMobile() (string, string) {
	return "+98 9" + r.digits(2) + " " + r.digits(3) + " " + r.digits(4), "ir mobile e164"
}

func (m *multiBuilder) original(r rng, i int) draft {
	id := fmt.Sprintf("multi-%06d", i)
	if r.chance(0.22) {
		return m.chat(r, id)
	}
	l := multiLangs[r.weighted([]float64{28, 24, 18, 5, 4})]
	var sents []seg
	for _, k := range r.sample(len(l.pool), r.between(3, 6)) {
		sents = append(sents, seg{text: l.pool[k]})
	}
	if r.chance(m.opt.PII) {
		var v val
		var tmpl string
		switch l.lang {
		case "ar":
			tmpl = r.pick(arPIIContexts)
			if tmpl == arPIIContexts[2] {
				v = r.planted(KindEmail)
			} else {
				t, note := r.arabicPhone()
				if r.chance(0.5) {
					t, note = localDigits(t, '٠'), note+", arabic-indic digits"
				}
				v = val{t, KindPhone, note}
			}
		case "hi":
			tmpl = r.pick(hiPIIContexts)
			if tmpl == hiPIIContexts[1] {
				t, note := r.indianMobile()
				v = val{t, KindPhone, note}
			} else {
				v = r.planted(KindINAadhaar)
				if r.chance(0.4) {
					v.text, v.note = localDigits(v.text, '०'), v.note+", devanagari digits"
				}
			}
		case "fa":
			tmpl = r.pick(faPIIContexts)
			if tmpl == faPIIContexts[1] {
				v = r.planted(KindEmail)
			} else {
				t, note := r.iranMobile()
				v = val{t, KindPhone, note}
			}
		default:
			tmpl = "Email: {$}"
			v = r.planted(KindEmail)
		}
		sents = insertSeg(sents, r.IntN(len(sents)+1), expand(r, enVocab, tmpl, v))
	}
	if r.chance(m.opt.Poison) {
		switch l.lang {
		case "ar", "hi", "fa":
			if r.chance(0.7) {
				text, note := r.injection(l.lang)
				var s sb
				s.mark(KindPromptInjection, note, text)
				sents = insertSeg(sents, r.IntN(len(sents)+1), s.seg())
			} else if j := plainIndex(r, sents); j >= 0 {
				sents[j] = r.withInvisible(sents[j].text)
			}
		default:
			text, note := r.injection("ru", "en")
			var s sb
			s.mark(KindPromptInjection, note, text)
			sents = insertSeg(sents, r.IntN(len(sents)+1), s.seg())
		}
	}
	if r.chance(m.opt.Negatives) && l.lang != "ru" && l.lang != "el" {
		k := map[string]int{"ar": 0, "hi": 1, "fa": 2}[l.lang]
		sents = insertSeg(sents, r.IntN(len(sents)+1), expand(r, enVocab, multiNegatives[k], plain(strconv.Itoa(r.between(10, 99))+"-"+r.digits(6))))
	}
	sents = layout(r, sents, " ", "\n", 2, 4)
	return draft{
		doc:    Doc{Shape: ShapeText, ID: id, Lang: l.lang, Source: l.source},
		fields: []field{{path: "$.text", segs: sents}},
	}
}

func (m *multiBuilder) chat(r rng, id string) draft {
	c := &convo{r: r, bind: map[string]string{}}
	turns := r.between(2, 4)
	users := r.sample(len(emojiUser), turns)
	bots := r.sample(len(emojiAssistant), turns)
	for t := 0; t < turns; t++ {
		u := seg{text: emojiUser[users[t]]}
		if r.chance(0.5) {
			u = c.fill(r.pick(emojiUserTemplates))
		}
		if t == 0 && r.chance(m.opt.Poison) {
			if r.chance(0.5) {
				u = joinSegs([]seg{u, r.homoglyphSentence(enVocab)}, " ")
			} else {
				u = r.withInvisible(u.text)
			}
		}
		if t == turns-1 && r.chance(0.6) {
			u = joinSegs([]seg{u, c.fill(r.pick([]string{"see you at {n:5-9} 🙌", "call me after {n:6-10}pm 📞", "{n:2-5} more days 🗓️", "meet at the {sight}? 📍"}))}, " ")
		}
		c.say("user", u)
		a := seg{text: emojiAssistant[bots[t]]}
		if r.chance(0.5) {
			a = c.fill(r.pick(emojiAssistantTemplates))
		}
		c.say("assistant", a)
	}
	return draft{
		doc:    Doc{Shape: ShapeChat, ID: id, Messages: c.msgs, Lang: "en", Source: "social-chat"},
		fields: c.fields,
	}
}

func (m *multiBuilder) identity(r rng, i int, d *draft) { d.doc.ID = fmt.Sprintf("multi-%06d", i) }

func (m *multiBuilder) near(r rng, d *draft) string {
	if f := d.field("$.text"); f != nil {
		return multiKit.edit(r, f)
	}
	return multiKit.edit(r, &d.fields[0]) + " in " + d.fields[0].path
}
