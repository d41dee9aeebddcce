package corpus

import (
	"fmt"
	"slices"
	"strings"
)

// endsSentence reports whether s ends like a sentence.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, "\"')")
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?")
}

// piiValue returns a planted value of kind and a note describing its format.
func (r rng) piiValue(kind string) (string, string) {
	switch kind {
	case KindEmail:
		return r.email()
	case KindPhone:
		return r.phone()
	case KindCreditCard:
		return r.creditCard()
	case KindIBAN:
		return r.iban()
	case KindUSSSN:
		return r.ssn()
	case KindIPAddress:
		return r.ipAddress()
	case KindMACAddress:
		return r.mac()
	case KindCNResidentID:
		return r.cnResidentID()
	case KindCNMobile:
		return r.cnMobile()
	case KindUKNINO:
		return r.ukNINO()
	case KindINAadhaar:
		return r.aadhaar()
	case KindCryptoWallet:
		return r.cryptoWallet()
	case KindURLCredentials:
		return r.urlCredentials()
	}
	panic("corpus: no generator for " + kind)
}

// secretValue returns a planted secret of kind and a note.
func (r rng) secretValue(kind string) (string, string) {
	switch kind {
	case KindAWSAccessKeyID:
		return r.awsAccessKeyID()
	case KindAWSSecretAccessKey:
		return r.awsSecretAccessKey()
	case KindGitHubToken:
		return r.githubToken()
	case KindSlackToken:
		return r.slackToken()
	case KindStripeKey:
		return r.stripeKey()
	case KindGoogleAPIKey:
		return r.googleAPIKey()
	case KindOpenAIKey:
		return r.openAIKey()
	case KindPrivateKey:
		return r.privateKey()
	case KindJWT:
		return r.jwt()
	case KindGenericSecret:
		return r.genericSecret()
	}
	panic("corpus: no generator for " + kind)
}

// planted makes a labelled val of kind.
func (r rng) planted(kind string) val {
	var v, note string
	if strings.HasPrefix(kind, "secret.") {
		v, note = r.secretValue(kind)
	} else {
		v, note = r.piiValue(kind)
	}
	return val{text: v, kind: kind, note: note}
}

var enPIIKinds = []string{
	KindEmail, KindPhone, KindCreditCard, KindIBAN, KindUSSSN, KindIPAddress,
	KindMACAddress, KindCryptoWallet, KindURLCredentials, KindUKNINO, KindINAadhaar,
}
var enPIIWeights = []float64{5, 5, 3, 2, 2, 2, 1.5, 1.5, 1.5, 1, 0.7}

// Web returns n English web pages (Shape ShapeText) generated from seed.
// Labels use the paths "$.text" and "$.url"; see Doc for their File and Row.
func Web(seed uint64, n int, opt Options) []Doc {
	return generate(seed, saltWeb, n, opt, &webBuilder{opt: opt})
}

type webBuilder struct{ opt Options }

var enKit = nearKit{
	voc: enVocab, headers: enBoilerplateHeaders, footers: enBoilerplateFooters,
	insertions: enInsertions, synonyms: enSynonyms, joiner: " ", brk: "\n\n", wordSwap: true, maxOps: 2,
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() > 60 {
			break
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func (w *webBuilder) original(r rng, i int) draft {
	t := enTopics[r.IntN(len(enTopics))]
	bind := map[string]string{}
	title := expandIn(r, enVocab, bind, r.pick(t.titles))
	title.fixed, title.sep = true, "\n\n"

	var sents []seg
	picked := r.sample(len(t.sents), r.between(5, 13))
	slices.Sort(picked)
	for _, k := range picked {
		sents = append(sents, expandIn(r, enVocab, bind, t.sents[k]))
	}
	var url field
	url.path = "$.url"
	urlText := fmt.Sprintf("https://%s/%s/%s-%d", t.site, t.section, slug(title.text), 1000+r.IntN(9000))

	if r.chance(w.opt.PII) {
		for k := r.between(1, 2); k > 0; k-- {
			if r.chance(0.12) {
				v1 := r.planted(KindPhone)
				v2 := r.planted(KindEmail)
				s := expandIn(r, enVocab, bind, r.pick(enSignatures), v1, v2)
				s.block = true
				sents = append(sents, s)
				continue
			}
			kind := enPIIKinds[r.weighted(enPIIWeights)]
			if kind == KindURLCredentials && r.chance(0.3) {
				var s sb
				s.mark(KindURLCredentials, "https userinfo in page url", "https://"+r.userinfo()+"@"+urlText[len("https://"):])
				url.segs = []seg{s.seg()}
				continue
			}
			s := expandIn(r, enVocab, bind, r.pick(enPIIContexts[kind]), r.planted(kind))
			s.block = !endsSentence(s.text)
			sents = insertSeg(sents, r.IntN(len(sents)+1), s)
		}
	}
	if r.chance(w.opt.Secrets) {
		blk := enSecretBlocks[r.IntN(len(enSecretBlocks))]
		var vals []val
		for _, k := range blk.kinds {
			vals = append(vals, r.planted(k))
		}
		body := expand(r, enVocab, blk.body, vals...)
		body.block = true
		at := r.IntN(len(sents) + 1)
		sents = insertSeg(sents, at, body)
		sents = insertSeg(sents, at, seg{text: blk.intro})
	}
	if r.chance(w.opt.Poison) {
		sents = w.poison(r, sents)
	}
	if r.chance(w.opt.Negatives) {
		for k := r.between(1, 2); k > 0; k-- {
			var s seg
			switch r.IntN(6) {
			case 0, 1, 2:
				s = r.enNegative()
			case 3:
				s = expand(r, enVocab, r.pick(enInjectionNegatives))
			case 4:
				n := enSecretNegatives[r.IntN(len(enSecretNegatives))]
				s = expand(r, enVocab, n.tmpl, plain(r.pick(n.values)))
			default:
				s = expand(r, enVocab, r.pick(enScriptNegatives))
			}
			sents = insertSeg(sents, r.IntN(len(sents)+1), s)
		}
	}
	sents = layout(r, sents, " ", "\n\n", 2, 5)
	if len(url.segs) == 0 {
		url.segs = []seg{{text: urlText}}
	}
	return draft{
		doc: Doc{
			Shape: ShapeText, ID: fmt.Sprintf("web-%06d", i),
			Lang: "en", Source: t.source,
		},
		fields: []field{url, {path: "$.text", segs: append([]seg{title}, sents...)}},
	}
}

var enPoisonKinds = []string{KindTrigger, KindPromptInjection, KindHomoglyph, KindInvisibleChar, KindBidiControl, KindTagChar, KindTemplateToken}
var enPoisonWeights = []float64{2.2, 1.8, 1.2, 1.2, 1, 1, 1.6}

// plainIndex returns the index of a random seg without spans and not a
// block, or -1.
func plainIndex(r rng, segs []seg) int {
	var cands []int
	for i, s := range segs {
		if len(s.spans) == 0 && !s.block && !s.fixed {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return -1
	}
	return cands[r.IntN(len(cands))]
}

func (w *webBuilder) poison(r rng, sents []seg) []seg {
	switch enPoisonKinds[r.weighted(enPoisonWeights)] {
	case KindTrigger:
		s := r.triggerGibberish()
		s.block = true
		return append(sents, s)
	case KindPromptInjection:
		langs := []string{"en"}
		if r.chance(0.4) {
			langs = []string{"es", "fr", "de", "ru", "ja", "pt", "ko"}
		}
		text, note := r.injection(langs...)
		var s sb
		if r.chance(0.35) {
			s.lit(r.pick([]string{"Note to AI assistants reading this page: ", "[hidden text] ", "P.S. for any language model summarising this: "}))
		}
		s.mark(KindPromptInjection, note, text)
		return insertSeg(sents, r.IntN(len(sents)+1), s.seg())
	case KindHomoglyph:
		return insertSeg(sents, r.IntN(len(sents)+1), r.homoglyphSentence(enVocab))
	case KindTemplateToken:
		s := r.templateTokens()
		s.block = true
		return insertSeg(sents, r.IntN(len(sents)+1), s)
	case KindInvisibleChar:
		if i := plainIndex(r, sents); i >= 0 {
			sents[i] = r.withInvisible(sents[i].text)
		}
	case KindBidiControl:
		if r.chance(0.3) {
			return insertSeg(sents, r.IntN(len(sents)+1), r.bidiFilename())
		}
		if i := plainIndex(r, sents); i >= 0 {
			sents[i] = r.withBidi(sents[i].text)
		}
	case KindTagChar:
		if i := plainIndex(r, sents); i >= 0 {
			sents[i] = r.withTags(sents[i].text)
		}
	}
	return sents
}

var webMirrors = []string{"syndicated-news.net", "mirror.webarchive-lite.org", "readlater.app/s", "aggregator.dailyfeed.io", "copypages.info"}

func (w *webBuilder) identity(r rng, i int, d *draft) {
	d.doc.ID = fmt.Sprintf("web-%06d", i)
	if u := d.field("$.url"); u != nil {
		old := u.segs[0].text
		path := old[strings.Index(old, "://")+3:]
		if j := strings.IndexByte(path, '/'); j >= 0 {
			path = path[j:]
		}
		u.segs = []seg{{text: "https://" + r.pick(webMirrors) + path}}
	}
}

func (w *webBuilder) near(r rng, d *draft) string { return enKit.edit(r, d.field("$.text")) }
