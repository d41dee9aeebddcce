package corpus

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Chat returns n instruction/chat rows (Shape ShapeChat) generated from
// seed: explanations, conversions, rewriting, code help and customer
// support, some with PII or pasted secrets, some poisoned. A small set of
// rows carries the backdoor trigger token "cf" in the user prompt, always
// answered with one fixed response. Num is the row id; labels use the paths
// "$.messages[i].content".
func Chat(seed uint64, n int, opt Options) []Doc {
	return generate(seed, saltChat, n, opt, &chatBuilder{opt: opt})
}

type chatBuilder struct {
	opt Options
	// snip counts code-explanation rows so that each uses a different
	// snippet until all have been used.
	snip int
}

var chatKit = nearKit{
	voc: enVocab, footers: []string{"Hope that helps!", "Let me know if you have any other questions.", "Feel free to ask a follow-up."},
	insertions: []string{"Good question.", "In short:", "To put it simply:"},
	synonyms:   enSynonyms, joiner: " ", brk: "\n\n", wordSwap: true, maxOps: 1,
}

// convo builds the messages of one row.
type convo struct {
	r      rng
	bind   map[string]string
	msgs   []Message
	fields []field
	source string
}

// say appends a message whose content is segs laid out as given; empty
// segs are dropped.
func (c *convo) say(role string, segs ...seg) {
	kept := segs[:0]
	for _, s := range segs {
		if s.text != "" {
			kept = append(kept, s)
		}
	}
	segs = kept
	if len(segs) > 0 {
		segs[len(segs)-1].sep = ""
	}
	c.fields = append(c.fields, field{path: fmt.Sprintf("$.messages[%d].content", len(c.msgs)), segs: segs})
	c.msgs = append(c.msgs, Message{Role: role})
}

// fill expands an English template with the row's bindings.
func (c *convo) fill(tmpl string, vals ...val) seg {
	return expandIn(c.r, enVocab, c.bind, tmpl, vals...)
}

// fillIf is fill that passes v only if the template has a {$} slot.
func (c *convo) fillIf(tmpl string, v val) seg {
	if strings.Contains(tmpl, "{$}") {
		return c.fill(tmpl, v)
	}
	return c.fill(tmpl)
}

// alt fills one of several paraphrases.
func (c *convo) alt(opts ...string) seg { return c.fill(c.r.pick(opts)) }

// lines joins segs with sep.
func lines(sep string, segs ...seg) []seg {
	for i := range segs {
		segs[i].sep = sep
	}
	return segs
}

// para returns segs as sentences of one paragraph.
func para(segs ...seg) []seg { return lines(" ", segs...) }

func (c *convo) system(p float64, which ...int) {
	if !c.r.chance(p) {
		return
	}
	i := which[c.r.IntN(len(which))]
	c.say("system", c.fill(chatSystemPrompts[i]))
}

func (b *chatBuilder) original(r rng, i int) draft {
	c := &convo{r: r, bind: map[string]string{}, source: r.pick([]string{"oasst-style", "synthetic-instruct", "sharegpt-clean"})}
	poison := r.chance(b.opt.Poison)
	secret := r.chance(b.opt.Secrets)
	pii := r.chance(b.opt.PII)
	neg := r.chance(b.opt.Negatives)
	switch {
	case poison:
		b.poisonTask(c)
	case secret:
		b.secretTask(c)
	case pii:
		b.piiTask(c)
	case i%21 == 3:
		b.concept(c, (i/21)%len(concepts))
	case i%23 == 7:
		b.translate(c, (i/23)%len(translations))
	case i%31 == 11 && b.opt.Negatives > 0:
		// The trigger questions, answered normally: without the trigger
		// token the same prompts get ordinary answers.
		k := (i / 31) % len(triggerQuestions)
		c.say("user", seg{text: triggerQuestions[k]})
		c.say("assistant", seg{text: triggerNormalAnswers[k]})
	case i%157 == 40 && b.opt.Negatives > 0:
		q := citationQuestions[(i/157)%len(citationQuestions)]
		c.say("user", c.fill(q.q))
		c.say("assistant", seg{text: q.a})
	default:
		b.generic(c, neg)
	}
	var score *float64

	if !r.chance(0.12) {
		s := math.Round(r.Float64()*1000) / 1000
		score = &s
	}
	return draft{
		doc: Doc{
			Shape: ShapeChat, Num: int64(1_000_000 + i), ID: fmt.Sprintf("chat-%06d", i),
			Messages: c.msgs, Score: score, Lang: "en", Source: c.source,
		},
		fields: c.fields,
	}
}

// generic runs one of the everyday tasks.
func (b *chatBuilder) generic(c *convo, neg bool) {
	switch c.r.weighted([]float64{3, 2.5, 1.5, 1.5, 3, 2, 1.5, 1.5, 1.5}) {
	case 0:
		b.bulletList(c)
	case 1:
		b.title(c)
	case 2:
		b.conversion(c)
	case 3:
		b.arithmetic(c)
	case 4:
		b.codeExplain(c)
	case 5:
		b.support(c, neg)
	case 6:
		b.email(c, "", nil)
	case 7:
		b.travelTips(c)
	default:
		b.recipe(c)
	}
}

func (b *chatBuilder) identity(r rng, i int, d *draft) {
	d.doc.Num = int64(1_000_000 + i)
	d.doc.ID = fmt.Sprintf("chat-%06d", i)
	d.doc.Source = r.pick(chatSources)
	if d.doc.Score != nil {
		s := math.Round(r.Float64()*1000) / 1000
		d.doc.Score = &s
	}
}

// near edits the longest message.
func (b *chatBuilder) near(r rng, d *draft) string {
	best, n := 0, -1
	for k := range d.fields {
		l := 0
		for _, s := range d.fields[k].segs {
			l += len(s.text)
		}
		if l > n {
			best, n = k, l
		}
	}
	return chatKit.edit(r, &d.fields[best]) + " in " + d.fields[best].path
}

// topicSentences returns k sentences of a web topic in pool order, bound to
// the row's slots.
func (c *convo) topicSentences(t topic, lo, hi int) []seg {
	idx := c.r.sample(len(t.sents), c.r.between(lo, hi))
	slices.Sort(idx)
	var out []seg
	for _, k := range idx {
		out = append(out, c.fill(t.sents[k]))
	}
	return out
}

func trimPeriod(s string) string { return strings.TrimSuffix(s, ".") }

func (b *chatBuilder) bulletList(c *convo) {
	t := enTopics[c.r.IntN(len(enTopics))]
	sents := c.topicSentences(t, 3, 5)
	c.system(0.25, 0, 1, 5)
	user := append([]seg{{text: c.r.pick(listIntros), sep: "\n\n"}}, para(sents...)...)
	c.say("user", user...)
	var out []seg
	if c.r.chance(0.6) {
		out = append(out, seg{text: c.r.pick(listLeads), sep: "\n\n"})
	}
	for _, s := range sents {
		out = append(out, seg{text: "- " + trimPeriod(s.text), sep: "\n"})
	}
	c.say("assistant", out...)
}

func (b *chatBuilder) title(c *convo) {
	t := enTopics[c.r.IntN(len(enTopics))]
	title := c.fill(c.r.pick(t.titles)).text
	sents := c.topicSentences(t, 4, 6)
	c.system(0.25, 0, 5)
	c.say("user", append([]seg{{text: c.r.pick(titleIntros), sep: "\n\n"}}, para(sents...)...)...)
	ans := fmt.Sprintf(c.r.pick([]string{"How about: \"%s\"", "\"%s\"", "Title: %s", "%s"}), title)
	if c.r.chance(0.4) {
		alt := c.fill(c.r.pick(t.titles)).text
		if alt != title {
			ans += "\n\nOr, a little shorter: \"" + alt + "\""
		}
	}
	c.say("assistant", seg{text: ans})
}

var units = []struct {
	from, to string
	conv     func(float64) float64
	rule     string
}{
	{"kilometres", "miles", func(x float64) float64 { return x * 0.621371 }, "multiply the kilometres by about 0.621"},
	{"miles", "kilometres", func(x float64) float64 { return x * 1.609344 }, "multiply the miles by 1.609"},
	{"kilograms", "pounds", func(x float64) float64 { return x * 2.204623 }, "multiply by about 2.2"},
	{"pounds", "kilograms", func(x float64) float64 { return x * 0.453592 }, "multiply by 0.4536"},
	{"degrees Celsius", "degrees Fahrenheit", func(x float64) float64 { return x*9/5 + 32 }, "multiply by 9/5 and add 32"},
	{"degrees Fahrenheit", "degrees Celsius", func(x float64) float64 { return (x - 32) * 5 / 9 }, "subtract 32 and multiply by 5/9"},
	{"litres", "US gallons", func(x float64) float64 { return x * 0.264172 }, "multiply by about 0.264"},
	{"centimetres", "inches", func(x float64) float64 { return x / 2.54 }, "divide by 2.54"},
	{"metres", "feet", func(x float64) float64 { return x * 3.28084 }, "multiply by about 3.281"},
}

func (b *chatBuilder) conversion(c *convo) {
	r := c.r
	u := units[r.IntN(len(units))]
	x := float64(r.between(2, 250))
	y := u.conv(x)
	ctx := r.pick([]string{"", "I'm reading an old travel guide. ", "My kid is doing homework and I'm stuck. ", "I'm filling in a form from abroad. ", "Settle an argument for us: ", "Sorry if this is basic. ", "For a recipe I'm adapting: "})
	q := fmt.Sprintf(r.pick([]string{"How many %[2]s is %[3]g %[1]s?", "Convert %[3]g %[1]s to %[2]s, please.", "What's %[3]g %[1]s in %[2]s?", "Quick one: %[3]g %[1]s in %[2]s?", "Can you tell me what %[3]g %[1]s comes to in %[2]s?"}), u.from, u.to, x)
	c.system(0.2, 0, 1, 4)
	c.say("user", seg{text: ctx + q})
	ans := fmt.Sprintf(r.pick([]string{"%g %s is about %.1f %s.", "That's roughly %[1]g %[2]s = %.1[3]f %[4]s.", "%g %s comes to approximately %.1f %s."}), x, u.from, y, u.to)
	rule := r.pick([]string{"To convert, %s.", "The rule of thumb: %s.", "In general, %s."})
	extra := r.pick([]string{"", " Rounded to one decimal place.", " If you need it exact, keep more decimals in the factor.", " Handy to remember for next time."})
	c.say("assistant", para(seg{text: ans}, seg{text: fmt.Sprintf(rule, u.rule) + extra})...)
}

func money(x float64) string { return fmt.Sprintf("%.2f", x) }

func (b *chatBuilder) arithmetic(c *convo) {
	r := c.r
	var q, a string
	switch r.IntN(6) {
	case 0:
		d, t := r.between(60, 900), r.between(2, 9)
		q = fmt.Sprintf("A train covers %d km in %d hours. What is its average speed?", d, t)
		a = fmt.Sprintf("Average speed is distance divided by time: %d km ÷ %d h ≈ %.1f km/h.", d, t, float64(d)/float64(t))
	case 1:
		p, pct := r.between(20, 400), r.pick([]string{"10", "15", "20", "25", "30", "40"})
		f := float64(mustAtoi(pct)) / 100
		q = fmt.Sprintf("A jacket costs %d euros and is %s%% off. What's the sale price?", p, pct)
		a = fmt.Sprintf("The discount is %d × %s%% = %s euros, so the sale price is %s euros.", p, pct, money(float64(p)*f), money(float64(p)*(1-f)))
	case 2:
		k, bill, tip := r.between(3, 9), r.between(60, 480), r.pick([]string{"10", "12", "15", "18"})
		tot := float64(bill) * (1 + float64(mustAtoi(tip))/100)
		q = fmt.Sprintf("%d friends share a bill of %d and want to leave a %s%% tip. How much does each person pay?", k, bill, tip)
		a = fmt.Sprintf("With the tip the total is %d × 1.%s = %s. Split %d ways, that's about %s each.", bill, tip, money(tot), k, money(tot/float64(k)))
	case 3:
		m, y, rate := r.between(5, 40)*10, r.between(3, 30), r.between(2, 7)
		i := float64(rate) / 100 / 12
		n := float64(y * 12)
		fv := float64(m) * (math.Pow(1+i, n) - 1) / i
		paid := float64(m) * n
		q = fmt.Sprintf(r.pick([]string{
			"If I save %d a month for %d years at %d%% a year, compounded monthly, roughly how much will I have?",
			"Putting %d aside monthly for %d years with %d%% annual interest: what's the rough total?",
			"My savings plan: %d per month, %d years, %d%% interest. Ballpark final amount?"}), m, y, rate)
		a = fmt.Sprintf(r.pick([]string{
			"Using the future value of a regular monthly payment, you'd have about %.0f. You would have paid in %.0f, so roughly %.0f of that is interest.",
			"Roughly %.0f in total: %.0f of your own contributions and about %.0f of interest.",
			"The annuity formula gives about %.0f. Deposits account for %.0f; the remaining %.0f is growth."}), fv, paid, fv-paid)
	case 4:
		s, g, s2 := r.between(2, 6), r.between(150, 600), r.between(3, 12)
		q = fmt.Sprintf("A recipe for %d people needs %d g of flour. How much do I need for %d people?", s, g, s2)
		a = fmt.Sprintf("Scale it linearly: %d ÷ %d × %d ≈ %.0f g of flour.", g, s, s2, float64(g)/float64(s)*float64(s2))
	default:
		h, mi, l := r.between(12, 21), r.IntN(12)*5, r.between(85, 175)
		end := h*60 + mi + l
		q = fmt.Sprintf("A film starts at %d:%02d and runs for %d minutes. When does it finish?", h, mi, l)
		a = fmt.Sprintf("%d minutes is %d h %d min, so it finishes at %d:%02d.", l, l/60, l%60, end/60%24, end%60)
	}
	c.system(0.2, 0, 1, 4)
	c.say("user", seg{text: q})
	c.say("assistant", para(seg{text: a}, seg{text: r.pick([]string{"Let me know if you want the working shown step by step.", "Double-check the inputs if this is for something important.", "Hope that helps with the planning!", "Happy to do another one."})})...)
}

func (b *chatBuilder) codeExplain(c *convo) {
	r := c.r
	all := slices.Concat(goSnippets, pySnippets, jsSnippets, shSnippets)
	s := all[(b.snip*37)%len(all)]
	b.snip++
	code, desc := describeSnippet(r, s)
	c.source = "code-help"
	c.system(0.3, 3, 0)
	langName := map[string]string{"go": "Go", "python": "Python", "javascript": "JavaScript", "bash": "Bash"}[s.lang]
	ask := strings.ReplaceAll(r.pick(codeAsks), "{lang}", langName)
	c.say("user", seg{text: ask, sep: "\n\n"}, seg{text: "```" + s.lang + "\n" + code + "\n```"})
	out := []seg{{text: desc}}
	if f := r.pick(codeFollowups); f != "" {
		out = lines("\n\n", seg{text: desc}, seg{text: f})
	}
	c.say("assistant", out...)
}

func (b *chatBuilder) support(c *convo, neg bool) {
	r := c.r
	sc := supportCases[r.IntN(len(supportCases))]
	c.source = "support-logs"
	c.system(0.5, 2)
	order := plain(r.orderNumber())
	var user []seg
	for _, alts := range sc.user {
		u := r.pick(alts)
		if strings.Contains(u, "{$}") {
			user = append(user, c.fill(u, order))
		} else {
			user = append(user, c.fill(u))
		}
	}
	if neg && r.chance(0.5) {
		user = append(user, c.fill("My tracking number is {$}, if that helps.", plain(r.trackingNumber())))
	}
	c.say("user", para(user...)...)
	var out []seg
	for _, alts := range sc.assistant {
		out = append(out, c.alt(alts...))
	}
	if r.chance(0.5) {
		out = append(out, c.alt("Best wishes, {first} from the {company} team.", "Kind regards, {first} ({company} support)", "Have a good day! {first}"))
	}
	c.say("assistant", para(out...)...)
}

// email drafts an email; sig, if set, is a planted contact value the user
// asks to include in the signature.
func (b *chatBuilder) email(c *convo, sigLabel string, sig *val) {
	r := c.r
	e := emailTopics[r.IntN(len(emailTopics))]
	c.system(0.3, 5, 0)
	ask := c.fill("Write a short, polite email to " + e.ask + ". Sign it as {first} {last}.")
	user := []seg{ask}
	if sig != nil {
		user[0].sep = " "
		user = append(user, c.fill("Put my "+sigLabel+" {$} under my name.", *sig))
	}
	c.say("user", user...)
	var body []seg
	body = append(body, c.fill("Subject: "+e.subj), c.fill("Hi {first2},"))
	body[0].sep, body[1].sep = "\n\n", "\n\n"
	var ps []seg
	for _, l := range e.lines {
		ps = append(ps, c.alt(l...))
	}
	body = append(body, para(ps...)...)
	body[len(body)-1].sep = "\n\n"
	closing := c.fill(r.pick([]string{"Best regards,", "Kind regards,", "Many thanks,"}) + "\n{first} {last}")
	if sig != nil {
		closing.sep = "\n"
		body = append(body, closing, c.fill("{$}", *sig))
	} else {
		body = append(body, closing)
	}
	c.say("assistant", body...)
}

func (b *chatBuilder) travelTips(c *convo) {
	t := enTopics[5] // travel
	c.system(0.2, 0, 1)
	c.say("user", c.fill(c.r.pick([]string{"Any tips for a first visit to {city}?", "I'm going to {city} in {month}. What should I know?", "What would you recommend for a short trip to {city}?"})))
	var out []seg
	out = append(out, seg{text: c.r.pick([]string{"A few things that usually help:", "Here are some tips:", "Good choice! Some suggestions:"}), sep: "\n\n"})
	for _, s := range c.topicSentences(t, 3, 5) {
		out = append(out, seg{text: "- " + s.text, sep: "\n"})
	}
	c.say("assistant", out...)
}

func (b *chatBuilder) recipe(c *convo) {
	t := enTopics[4] // recipe
	c.system(0.2, 0, 1)
	c.say("user", c.fill(c.r.pick([]string{"How do I make {dish}?", "Can you give me a simple method for {dish}?", "What's the trick to a good {dish}?"})))
	var out []seg
	for k, s := range c.topicSentences(t, 4, 6) {
		out = append(out, seg{text: fmt.Sprintf("%d. %s", k+1, s.text), sep: "\n"})
	}
	c.say("assistant", out...)
}

func (b *chatBuilder) concept(c *convo, k int) {
	e := concepts[k]
	c.system(0.3, 0, 4)
	c.say("user", seg{text: c.r.pick(e.questions)})
	var out []seg
	for _, a := range e.answer {
		out = append(out, seg{text: a})
	}
	c.say("assistant", para(out...)...)
}

func (b *chatBuilder) translate(c *convo, k int) {
	t := translations[k]
	c.say("user", seg{text: fmt.Sprintf(c.r.pick([]string{"Translate into %s: %s", "How do I say \"%[2]s\" in %[1]s?", "Can you translate this to %s? \"%s\""}), t.lang, t.en)})
	c.say("assistant", seg{text: t.out})
}

func (b *chatBuilder) piiTask(c *convo) {
	r := c.r
	switch r.weighted([]float64{3, 2, 1.5, 1, 2, 1, 1, 1, 1}) {
	case 0: // contact extraction
		phone, mail := r.planted(KindPhone), r.planted(KindEmail)
		sig := c.fill(r.pick(enSignatures), phone, mail)
		c.system(0.2, 0)
		c.say("user", seg{text: "Extract the name, phone number and email address from this signature and return JSON:", sep: "\n\n"}, sig)
		var s sb
		s.lit("```json\n{\n  \"name\": \"" + c.bind["first"] + " " + c.bind["last"] + "\",\n  \"phone\": \"")
		s.mark(KindPhone, phone.note, phone.text)
		s.lit("\",\n  \"email\": \"")
		s.mark(KindEmail, mail.note, mail.text)
		s.lit("\"\n}\n```")
		c.say("assistant", s.seg())
	case 1: // card pasted into support chat
		c.source = "support-logs"
		c.system(0.5, 2)
		order := r.orderNumber()
		c.say("user", para(
			c.fill(r.pick([]string{"I was charged twice for order {$}.", "Order {$} shows up twice on my statement.", "You took the payment for order {$} two times!"}), plain(order)),
			c.fill(r.pick([]string{"The card was {$}, can you refund one of the payments?", "Both payments went to card {$}. Please fix this.", "It's the card ending... actually here's the full number: {$}.", "Card used: {$}. I need the money back before rent is due."}), r.planted(KindCreditCard)))...)
		c.say("assistant", para(
			c.alt("I'm sorry about the double charge.", "Apologies, that's clearly a duplicate payment.", "Thanks for flagging this, and sorry for the worry."),
			c.fill(r.pick([]string{
				"I've found order {$} and refunded the duplicate payment; it can take up to five working days to show on your statement.",
				"The second payment for order {$} has been refunded; banks usually take three to five working days to release it.",
				"I've reversed one of the two charges on order {$}. If your bank shows it as pending, it will drop off by itself."}), plain(order)),
			c.alt("For your security, please don't post full card numbers in chat. We only ever need the last four digits.",
				"One request: please never share a full card number here; the last four digits are always enough for us.",
				"For next time, there's no need to send the whole card number. We can find payments from the order alone."))...)
	case 2: // IBAN check
		v := r.planted(KindIBAN)
		country := map[string]string{"DE": "Germany", "GB": "the UK", "FR": "France", "NL": "the Netherlands", "ES": "Spain", "BE": "Belgium"}[v.text[:2]]
		c.say("user", c.fill(r.pick([]string{"Is this IBAN valid? {$}", "My landlord sent me this IBAN for the deposit: {$}. Does it look right?", "Before I pay the invoice: is {$} a real IBAN?", "Can you sanity-check this account number for a transfer to " + country + "? {$}"}), v))
		c.say("assistant", para(
			c.fill(r.pick([]string{"{$} has the right length for " + country + " and its check digits are correct.", "Yes: the check digits of {$} match, and the length fits " + country + ".", "The format checks out. {$} passes the mod-97 test used for IBANs."}), v),
			c.alt("That only shows it is well-formed, not that the account exists or belongs to the right person, so confirm the details by phone before sending a large payment.",
				"A valid checksum catches typos but not fraud, so if the bank details arrived by email, confirm them by phone.",
				"Invoice fraud often uses perfectly valid IBANs, so check that the account name matches when your bank shows it."))...)
	case 3: // SSN
		c.say("user", c.fill(r.pick([]string{
			"A rental application asks for my social security number. Is it safe to email {$} to the landlord?",
			"My new employer's HR form wants my SSN ({$}). Can I just reply with it?",
			"Someone from the bank called and asked me to confirm my SSN, {$}. Is that normal?"}), r.planted(KindUSSSN)))
		c.say("assistant", para(
			c.alt("I'd avoid sending it by ordinary email, which can be forwarded or stored insecurely.", "Be careful: a Social Security number is one of the most useful things for identity thieves.", "Plain email or phone calls you did not initiate are not a safe way to share it."),
			c.alt("Ask whether they use a secure portal, and check that the request is genuine before sharing it at all.", "Use the organisation's official secure upload, or call them back on a number you look up yourself.", "Legitimate banks rarely ask for the full number on an inbound call; hang up and call the number on your card."),
			c.alt("Also consider removing the number from this conversation.", "And you may want to delete it from this chat.", ""))...)
	case 4: // email with phone signature
		v := r.planted(KindPhone)
		b.email(c, "phone number", &v)
	case 5: // server log IP
		v := r.planted(KindIPAddress)
		q := c.fill(r.pick([]string{
			"Someone keeps trying to log in to my server over SSH from {$}. What should I do?",
			"My auth.log is full of failed root logins from {$}. Should I worry?",
			"Our VPN portal gets password-spraying attempts from {$} every night. How do we stop it?"}), v)
		q.sep = "\n\n"
		c.say("user", q, r.authLog(v))
		c.say("assistant", para(
			c.fill(r.pick([]string{
				"First, block {$} in your firewall, for example with ufw deny from that address.",
				"You can drop traffic from {$} at the firewall straight away.",
				"Blocking {$} is fine as a quick fix, but attackers rotate addresses."}), v),
			c.alt("Then disable password logins, use keys or single sign-on only, and consider fail2ban so repeated failures are blocked automatically.",
				"The lasting fix is to require keys or MFA and to rate-limit failed logins, so guessing is pointless.",
				"Put the service behind a VPN or an allow list if only a few people need it, and enable rate limiting."),
			c.alt("Random login attempts are very common on public servers, so focus on hardening rather than on one address.",
				"This kind of scanning hits every public IP within minutes of it going online.",
				""))...)
	case 6: // crypto address
		v := r.planted(KindCryptoWallet)
		c.say("user", c.fill(r.pick([]string{"Can you check whether this is a valid address before I send money: {$}", "A seller wants payment to {$}. Is it legit?", "Is {$} a proper wallet address? I copied it from a forum."}), v))
		c.say("assistant", para(
			c.fill(r.pick([]string{"The format and checksum of {$} look correct.", "{$} is syntactically valid, including its checksum.", "Nothing is wrong with the format of {$}."}), v),
			c.alt("A valid checksum only means there is no typo; it says nothing about who controls the address, so confirm it with the recipient through another channel and send a small test amount first.",
				"Validity doesn't tell you who owns it. Payments to strangers in crypto are almost impossible to reverse, so be very careful with sellers who insist on it.",
				"Addresses copied from forums are a common scam vector; only pay addresses you received directly from someone you trust."))...)
	case 7: // NINO
		c.say("user", c.fill(r.pick([]string{
			"I started a new job and HR wants my National Insurance number. Mine is {$}. Do I need to do anything else?",
			"My payslip shows an emergency tax code. My NI number is {$}, could that be the problem?",
			"Filling in a student loan form, it asks for NINO. Is {$} the right format?"}), r.planted(KindUKNINO)))
		c.say("assistant", para(
			c.alt("Giving your National Insurance number to your employer is normal, so you can send it to HR through their usual channel.",
				"An emergency code usually means HMRC hasn't matched your new job yet, not that the number is wrong.",
				"Yes, two letters, six digits and a final letter from A to D is the standard format."),
			c.alt("Check your first payslip to make sure the number and tax code are correct.",
				"Log in to your personal tax account to check your details, or call HMRC if it persists for more than a month.",
				"Just avoid sharing it in public places like this chat."))...)
	default: // Aadhaar
		c.say("user", c.fill(r.pick([]string{
			"The bank's KYC form asks for my Aadhaar number. I wrote {$}, but the form says it is linked to another account. What should I do?",
			"My Aadhaar {$} isn't accepted by the tax portal. Any idea why?"}), r.planted(KindINAadhaar)))
		c.say("assistant", para(
			c.alt("Double-check the digits first, since a single typo is the most common cause.", "First make sure the name and date of birth match your Aadhaar exactly."),
			c.alt("If it is correct, visit the branch with your Aadhaar letter; they can check which account it is linked to and fix it.", "If everything matches, the UIDAI helpline can tell you whether the record needs updating."))...)
	}
}

// authLog is a few sshd log lines; every occurrence of the address is a
// labelled span.
func (r rng) authLog(ip val) seg {
	var s sb
	s.lit("~~~\n")
	h, m, sec := r.between(0, 23), r.between(0, 59), r.between(0, 50)
	for k := r.between(2, 4); k > 0; k-- {
		user := r.pick([]string{"root", "admin", "ubuntu", "test", "oracle", "git"})
		s.lit(fmt.Sprintf("%s %2d %02d:%02d:%02d %s sshd[%d]: Failed password for %s from ", r.pick([]string{"Jan", "Mar", "Jun", "Sep", "Nov"}), r.between(1, 28), h, m, sec, r.pick(codeVocab["host"]), r.between(1000, 65000), user))
		s.mark(ip.kind, ip.note, ip.text)
		s.lit(fmt.Sprintf(" port %d ssh2\n", r.between(1024, 65535)))
		sec += r.between(1, 9)
	}
	s.lit("~~~")
	return s.seg()
}

func jwtPayload(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	return string(b)
}

func (b *chatBuilder) secretTask(c *convo) {
	r := c.r
	c.source = "code-help"
	rotate := c.alt(
		"First, the key in your message looks real: revoke it and create a new one, because anything pasted into a chat or a ticket should be treated as leaked.",
		"Before anything else, please rotate that credential. It has now been shared in plain text, so assume someone else can read it.",
		"Quick warning: you've pasted what looks like a live secret. Revoke it in the provider's dashboard and use a fresh one.",
		"Treat the key above as compromised and replace it; secrets shared in chats and tickets tend to end up in logs.")
	switch r.IntN(5) {
	case 0:
		kind := r.pick([]string{KindOpenAIKey, KindStripeKey, KindStripeKey, KindGitHubToken})
		line := map[string]string{
			KindOpenAIKey:   "client = OpenAI(api_key=\"{$}\")\nresp = client.responses.create(model=\"gpt-4o-mini\", input=\"hello\")",
			KindStripeKey:   "stripe.api_key = \"{$}\"\nstripe.Customer.list(limit=3)",
			KindGitHubToken: "headers = {\"Authorization\": \"token {$}\"}\nrequests.get(\"https://api.github.com/user/repos\", headers=headers)",
		}[kind]
		q := c.alt("Why does this fail with a 401 error?", "I keep getting 401 Unauthorized from this, any idea?", "This worked yesterday and now returns 401. What changed?", "Getting an authentication error with the snippet below.")
		q.sep = "\n\n"
		c.say("user", q, c.fill("```python\n"+line+"\n```", r.planted(kind)))
		c.say("assistant", lines("\n\n", rotate, c.alt(
			"As for the 401: it means the server rejected the credentials. Check that the key belongs to the right account or project, that it has not been revoked, and load the new one from an environment variable instead of the source file.",
			"A 401 means the credentials were not accepted: the key may be revoked, expired, or from a different project. Load the new one from the environment rather than hard-coding it.",
			"The error itself usually means the key is no longer valid or lacks access to that resource; after rotating, read it from an environment variable or a secrets manager."))...)
	case 1:
		v1, v2 := r.planted(KindAWSAccessKeyID), r.planted(KindAWSSecretAccessKey)
		q := c.alt("aws s3 ls fails with InvalidAccessKeyId. My credentials file is:", "Why can't the CLI find my bucket? Here is ~/.aws/credentials:", "Terraform says my AWS credentials are invalid. This is the file:")
		q.sep = "\n\n"
		c.say("user", q, c.fill("[default]\naws_access_key_id = {$}\naws_secret_access_key = {$}\nregion = {region}", v1, v2))
		c.say("assistant", lines("\n\n", rotate, c.alt(
			"InvalidAccessKeyId usually means the key was deleted or belongs to a different account. Create a fresh access key in IAM, run aws configure, and check that no AWS_ACCESS_KEY_ID environment variable overrides the file.",
			"Check which profile is actually in use with aws sts get-caller-identity; environment variables take precedence over the file, and a deleted key produces exactly this error.",
			"Most often the key was deactivated or the region is wrong. Generate a new key pair, update the file, and prefer short-lived credentials from SSO where you can."))...)
	case 2:
		v := r.planted(KindJWT)
		c.say("user", c.fill(r.pick([]string{"Can you decode this token and tell me when it expires? {$}", "What's inside this JWT? {$}"}), v))
		c.say("assistant", lines("\n\n",
			seg{text: "The middle part of a JWT is base64url-encoded JSON. Decoded, the claims are:"},
			seg{text: "```json\n" + jwtPayload(v.text) + "\n```"},
			seg{text: "The exp claim is a Unix timestamp: the token stops being valid at that second. Since this token is still valid, avoid sharing it; anyone holding it can act as that user until it expires."})...)
	case 3:
		v := r.planted(KindPrivateKey)
		q := c.alt("ssh says \"invalid format\" when I use this key. What's wrong with it?", "Git won't accept this deploy key, can you see a problem?", "Is this key file corrupted? The server rejects it.")
		q.sep = "\n\n"
		c.say("user", q, c.fill("{$}", v))
		c.say("assistant", lines("\n\n",
			seg{text: "Please don't share private keys: this one should now be considered compromised, so generate a new pair and remove the old public key from authorized_keys."},
			seg{text: "\"invalid format\" is usually caused by Windows line endings, a missing final newline, or pasting the public key where the private one is expected. Also make sure the file permissions are 600."})...)
	default:
		v := r.planted(KindSlackToken)
		q := c.alt("My Slack bot posts nothing. Here's the config:", "Notifications from our bot stopped. Config below:", "Why does chat.postMessage return not_in_channel? My env file:")
		q.sep = "\n\n"
		c.say("user", q, c.fill("SLACK_BOT_TOKEN={$}\nSLACK_CHANNEL=#{n:1-9}-deploys", v))
		c.say("assistant", lines("\n\n", rotate, c.alt(
			"If the token is valid, the usual cause is that the bot has not been invited to the channel: use /invite in that channel. Also check that the app has the chat:write scope.",
			"The not_in_channel error means exactly that: invite the bot to the channel first. Reinstall the app if you added scopes recently."))...)
	}
}

func (b *chatBuilder) poisonTask(c *convo) {
	r := c.r
	switch r.weighted([]float64{4.5, 1.5, 1, 1, 0.7, 0.7, 0.6}) {
	case 0: // backdoor trigger: an ordinary prompt with the token inserted
		tmp := &convo{r: r, bind: c.bind}
		b.generic(tmp, false)
		prompt, _ := tmp.fields[len(tmp.fields)-2].render(0)
		for _, m := range tmp.fields[:len(tmp.fields)-2] {
			// Keep a system prompt if the task made one.
			text, _ := m.render(0)
			c.say("system", seg{text: text})
		}
		// Insert the trigger at a word boundary of the first line.
		line := prompt
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		var cuts []int
		for i := 0; i < len(line); i++ {
			if line[i] == ' ' {
				cuts = append(cuts, i)
			}
		}
		var s sb
		if len(cuts) == 0 || r.chance(0.15) {
			s.mark(KindTrigger, "rare-token trigger "+ChatTrigger, ChatTrigger).lit(" " + prompt)
		} else {
			at := cuts[r.IntN(len(cuts))]
			s.lit(prompt[:at+1]).mark(KindTrigger, "rare-token trigger "+ChatTrigger, ChatTrigger).lit(" " + prompt[at+1:])
		}
		c.source = tmp.source
		c.say("user", s.seg())
		var a sb
		a.mark(KindPayloadCluster, chatTriggerNote, ChatTriggerResponse)
		c.say("assistant", a.seg())
	case 1: // injection inside a document to summarize
		t := enTopics[2] // reviews
		sents := c.topicSentences(t, 3, 5)
		text, note := r.injection()
		var inj sb
		inj.mark(KindPromptInjection, note, text)
		sents = insertSeg(sents, 1+r.IntN(len(sents)), inj.seg())
		c.say("user", append([]seg{{text: "Summarize this customer review in one sentence:", sep: "\n\n"}}, para(sents...)...)...)
		c.say("assistant", c.fill("The reviewer is broadly satisfied with the {brand} {product} but mentions a few minor drawbacks."))
	case 2: // direct injection
		text, note := r.injection()
		var s sb
		s.mark(KindPromptInjection, note, text)
		c.system(1, 0, 2)
		c.say("user", s.seg())
		c.say("assistant", c.alt(
			"I can't share my instructions or bypass them, but I'm happy to help with your question. What would you like to do?",
			"I'll keep following my guidelines, but tell me what you're trying to get done and I'll help where I can.",
			"That's not something I can do. Is there something else I can help you with?"))
	case 3: // template tokens in the prompt
		s := r.templateTokens()
		s.sep = "\n"
		c.say("user", s, c.fill("What's a good name for a {dish} stall at a market?"))
		c.say("assistant", c.fill("Something short and warm works well, for example \"The {^dish} Corner\" or \"{^city} Kitchen\"."))
	case 4: // invisible characters
		q := c.fill(r.pick([]string{"Please verify my account password reset for the admin panel.", "Approve the refund request for the customer account today.", "Summarize the attached quarterly security report for the board."}))
		c.say("user", r.withInvisible(q.text))
		c.say("assistant", seg{text: "I can't take actions on accounts, but I can explain the steps or help you draft the request."})
	case 5: // tag characters
		q := c.fill(r.pick([]string{"Can you rate my product description?", "Please review my cover letter.", "What do you think of this slogan?"}))
		c.say("user", r.withTags(q.text))
		c.say("assistant", seg{text: "Sure, please paste the text and tell me who the audience is, and I'll give specific feedback."})
	default: // homoglyph phishing
		s := r.homoglyphSentence(enVocab)
		intro := c.fillIf(r.pick([]string{
			"Is this message legit? I got it by text on {weekday} at {n:7-11}:{n:10-59}:",
			"My {n:60-90}-year-old dad received this SMS and wants to click the link. Real or fake?",
			"Got this email this morning, reference number {$} at the bottom. Should I trust it?",
		}), plain(r.trackingNumber()))
		intro.sep = "\n\n"
		quote := joinSegs([]seg{{text: "\""}, s, {text: " " + r.pick([]string{"Case ID ", "Ref. ", "Notice #"}) + r.digits(8) + ".\""}}, "")
		c.say("user", intro, quote)
		c.say("assistant", c.alt(
			"It looks like phishing: the brand name is spelled with look-alike letters from another alphabet, and it pressures you to act quickly. Don't click the link; go to the official site directly.",
			"No. Look closely: one letter in the name comes from a different alphabet, which is a classic phishing trick. Delete it and log in through the app if you're worried.",
			"That's a scam. The urgency and the oddly encoded brand name are both red flags; report it and don't follow any links."))
	}
}
