package corpus

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// generator is one corpus constructor under test.
type generator struct {
	name string
	fn   func(uint64, int, Options) []Doc
	n    int
}

var generators = []generator{
	{"web", Web, 300},
	{"zh", Chinese, 200},
	{"chat", Chat, 300},
	{"code", Code, 120},
	{"multi", Multilingual, 200},
}

// heavy plants something in nearly every document, to exercise every
// template and code path.
var heavy = Options{PII: 0.9, Secrets: 0.6, Poison: 0.6, Dups: 0.15, Negatives: 0.9}

func TestDeterministic(t *testing.T) {
	for _, g := range generators {
		t.Run(g.name, func(t *testing.T) {
			a := g.fn(42, g.n, DefaultOptions())
			b := g.fn(42, g.n, DefaultOptions())
			if !reflect.DeepEqual(a, b) {
				t.Fatal("two runs with the same seed differ")
			}
			c := g.fn(43, g.n, DefaultOptions())
			if reflect.DeepEqual(a, c) {
				t.Fatal("different seeds give the same corpus")
			}
			// Document i depends only on documents before it.
			short := g.fn(42, g.n/3, DefaultOptions())
			if !reflect.DeepEqual(short, a[:g.n/3]) {
				t.Fatal("a shorter run is not a prefix of a longer one")
			}
		})
	}
}

func TestZeroOptionsIsClean(t *testing.T) {
	for _, g := range generators {
		t.Run(g.name, func(t *testing.T) {
			for _, d := range g.fn(5, g.n, Options{}) {
				if len(d.Labels) > 0 {
					t.Fatalf("doc %s has labels with zero Options: %+v", docName(&d), d.Labels[0])
				}
			}
		})
	}
}

func docName(d *Doc) string {
	if d.Shape == ShapeCode {
		return d.Repo + "/" + d.Path
	}
	return d.ID
}

// fieldValue returns the value a JSON-path label points at.
func fieldValue(d *Doc, path string) (string, bool) {
	switch path {
	case "$.text":
		return d.Text, true
	case "$.url":
		return d.URL, true
	case "$.content":
		return d.Content, true
	}
	var k int
	if _, err := fmt.Sscanf(path, "$.messages[%d].content", &k); err == nil && k >= 0 && k < len(d.Messages) &&
		path == fmt.Sprintf("$.messages[%d].content", k) {
		return d.Messages[k].Content, true
	}
	return "", false
}

var (
	reEmail    = regexp.MustCompile(`^[a-z0-9._+-]+@[a-z0-9.-]+\.[a-z]{2,}$`)
	reAWSID    = regexp.MustCompile(`^(AKIA|ASIA)[A-Z2-7]{16}$`)
	reAWSKey   = regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`)
	reGHPAT    = regexp.MustCompile(`^github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}$`)
	reSlack    = regexp.MustCompile(`^xox[bp]-[0-9]{10,13}-[0-9]{10,13}(-[0-9]{10,13})?-[A-Za-z0-9]{24,32}$`)
	reStripe   = regexp.MustCompile(`^(sk|rk)_live_[A-Za-z0-9]{24,}$`)
	reGoogle   = regexp.MustCompile(`^AIza[0-9A-Za-z_-]{35}$`)
	reOpenAI   = regexp.MustCompile(`^sk-(proj-[A-Za-z0-9_-]{74}|[A-Za-z0-9]{20})T3BlbkFJ[A-Za-z0-9_-]{20,74}$`)
	templateOK = []string{"<|im_start|>", "<|im_end|>", "<|endoftext|>", "[INST]", "[/INST]", "<|begin_of_text|>",
		"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<start_of_turn>", "<end_of_turn>"}
)

// checkValue verifies that a labelled span holds a valid value of its kind.
func checkValue(kind, v string) error {
	n := normalizeDigits(v)
	ok := true
	switch kind {
	case KindEmail:
		ok = reEmail.MatchString(v)
	case KindPhone:
		d := onlyDigits(n)
		ok = len(d) >= 9 && len(d) <= 15 && strings.IndexFunc(n, func(c rune) bool { return !strings.ContainsRune("0123456789 +-()", c) }) < 0
	case KindCreditCard:
		d := onlyDigits(n)
		ok = validLuhn(d) && cardBrandOK(d)
	case KindIBAN:
		ok = validIBAN(v)
	case KindUSSSN:
		ok = validSSN(v)
	case KindIPAddress:
		ip := net.ParseIP(v)
		ok = ip != nil && ip.IsGlobalUnicast() && !ip.IsPrivate() && (ip.To4() == nil || validIPv4Public(v))
	case KindMACAddress:
		hw, err := net.ParseMAC(v)
		ok = err == nil && len(hw) == 6
	case KindCNResidentID:
		ok = validCNID(n)
	case KindCNMobile:
		ok = validCNMobile(n)
	case KindUKNINO:
		ok = validNINO(v)
	case KindINAadhaar:
		ok = validAadhaar(n)
	case KindCryptoWallet:
		ok = validWallet(v)
	case KindURLCredentials:
		u, err := url.Parse(v)
		if err != nil || u.User == nil {
			return fmt.Errorf("not a URL with user info: %v", err)
		}
		_, hasPass := u.User.Password()
		ok = hasPass && u.Host != ""
	case KindAWSAccessKeyID:
		ok = reAWSID.MatchString(v) && !strings.Contains(v, "EXAMPLE")
	case KindAWSSecretAccessKey:
		ok = reAWSKey.MatchString(v)
	case KindGitHubToken:
		ok = reGHPAT.MatchString(v) || validGitHubClassic(v)
	case KindSlackToken:
		ok = reSlack.MatchString(v)
	case KindStripeKey:
		ok = reStripe.MatchString(v)
	case KindGoogleAPIKey:
		ok = reGoogle.MatchString(v)
	case KindOpenAIKey:
		ok = reOpenAI.MatchString(v)
	case KindPrivateKey:
		return checkPrivateKey(v)
	case KindJWT:
		ok = validJWT(v)
	case KindGenericSecret:
		ok = len(v) >= 16 && !strings.ContainsAny(v, " \t\n\"'") && strings.IndexAny(v, "0123456789") >= 0
	case KindBidiControl:
		ok = allRunes(v, isBidiControl)
	case KindInvisibleChar:
		ok = allRunes(v, isInvisible)
	case KindTagChar:
		ok = utf8.RuneCountInString(v) >= 8 && allRunes(v, isTagChar)
	case KindHomoglyph:
		ok = mixedScript(v) && !strings.ContainsAny(v, " \t\n")
	case KindPromptInjection:
		ok = slices.ContainsFunc(injections, func(in struct{ lang, text string }) bool { return in.text == v })
	case KindTemplateToken:
		ok = slices.Contains(templateOK, v)
	case KindTrigger:
		ok = v == WebTrigger || v == ChatTrigger
	case KindGibberish:
		ok = utf8.RuneCountInString(v) >= 40
	case KindPayloadCluster:
		ok = v == ChatTriggerResponse
	default:
		return fmt.Errorf("unexpected span kind %q", kind)
	}
	if !ok {
		return errors.New("value does not validate")
	}
	return nil
}

func allRunes(s string, f func(rune) bool) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !f(c) {
			return false
		}
	}
	return true
}

// checkPrivateKey parses PEM keys with crypto/x509 and checks the OpenSSH
// container header.
func checkPrivateKey(v string) error {
	if !strings.HasPrefix(v, "-----BEGIN ") || !strings.HasSuffix(v, " PRIVATE KEY-----") {
		return errors.New("not a private key block")
	}
	blk, rest := pem.Decode([]byte(v))
	if blk == nil || len(bytes.TrimSpace(rest)) != 0 {
		return errors.New("PEM does not decode")
	}
	var err error
	switch blk.Type {
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(blk.Bytes)
	case "PRIVATE KEY":
		_, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "OPENSSH PRIVATE KEY":
		if !bytes.HasPrefix(blk.Bytes, []byte("openssh-key-v1\x00")) {
			err = errors.New("bad openssh header")
		}
	default:
		err = fmt.Errorf("unexpected block type %s", blk.Type)
	}
	return err
}

// checkDocs verifies every label of docs: sorted, inside its field, on rune
// boundaries, with a valid value; duplicate labels point at earlier
// original documents with the stated relationship.
func checkDocs(t *testing.T, docs []Doc) {
	t.Helper()
	ids := map[string]bool{}
	for i := range docs {
		d := &docs[i]
		if d.Shape != ShapeCode {
			if ids[d.ID] {
				t.Errorf("doc %d: duplicate id %s", i, d.ID)
			}
			ids[d.ID] = true
		}
		if !slices.IsSortedFunc(d.Labels, CompareLabels) {
			t.Errorf("doc %s: labels not sorted", docName(d))
		}
		for _, l := range d.Labels {
			if l.Row != int64(i) || l.File != "" {
				t.Errorf("doc %d: label %+v has wrong row/file", i, l)
			}
			if l.DocLevel() {
				if l.Start != 0 || l.End != 0 {
					t.Errorf("doc %d: document-level label with offsets: %+v", i, l)
				}
				checkDup(t, docs, i, l)
				continue
			}
			v, ok := fieldValue(d, l.Field)
			if !ok {
				t.Errorf("doc %s: label field %q does not exist", docName(d), l.Field)
				continue
			}
			if l.Start < 0 || l.End <= l.Start || l.End > int64(len(v)) {
				t.Errorf("doc %s: span [%d,%d) outside %s (len %d)", docName(d), l.Start, l.End, l.Field, len(v))
				continue
			}
			if !utf8.RuneStart(v[l.Start]) || int(l.End) < len(v) && !utf8.RuneStart(v[l.End]) {
				t.Errorf("doc %s: span [%d,%d) of %s splits a character", docName(d), l.Start, l.End, l.Kind)
			}
			if err := checkValue(l.Kind, v[l.Start:l.End]); err != nil {
				t.Errorf("doc %s %s [%d,%d) %s (%s): %v", docName(d), l.Field, l.Start, l.End, l.Kind, l.Note, err)
			}
		}
	}
}

// textOf concatenates a document's text fields.
func textOf(d *Doc) string {
	var b strings.Builder
	b.WriteString(d.Text)
	b.WriteString(d.Content)
	for _, m := range d.Messages {
		b.WriteString(m.Role + ": " + m.Content + "\n")
	}
	return b.String()
}

func checkDup(t *testing.T, docs []Doc, i int, l Label) {
	t.Helper()
	if l.Kind != KindDupExact && l.Kind != KindDupNear {
		t.Errorf("doc %d: unexpected document-level kind %s", i, l.Kind)
		return
	}
	src := int(l.DupOfRow)
	if src < 0 || src >= i {
		t.Errorf("doc %d: duplicate of %d, which does not precede it", i, src)
		return
	}
	for _, sl := range docs[src].Labels {
		if strings.HasPrefix(sl.Kind, "dup.") {
			t.Errorf("doc %d: source %d is itself a copy", i, src)
		}
	}
	a, b := textOf(&docs[i]), textOf(&docs[src])
	switch l.Kind {
	case KindDupExact:
		if a != b {
			t.Errorf("doc %d: dup.exact of %d but the texts differ", i, src)
		}
	case KindDupNear:
		if a == b {
			t.Errorf("doc %d: dup.near of %d but the texts are equal", i, src)
		}
		if j := jaccard(shingleSet(a), shingleSet(b)); j < 0.6 {
			t.Errorf("doc %d: dup.near of %d with similarity %.2f (%s)", i, src, j, l.Note)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, g := range generators {
		for _, opt := range []struct {
			name string
			o    Options
		}{{"default", DefaultOptions()}, {"heavy", heavy}} {
			t.Run(g.name+"/"+opt.name, func(t *testing.T) {
				docs := g.fn(11, g.n, opt.o)
				checkDocs(t, docs)
				if opt.name == "heavy" {
					counts := map[string]int{}
					for _, d := range docs {
						for _, l := range d.Labels {
							counts[l.Family()]++
						}
					}
					for _, fam := range []string{"pii", "poison", "dup"} {
						if counts[fam] == 0 {
							t.Errorf("no %s labels with heavy options", fam)
						}
					}
				}
			})
		}
	}
}

// shingleSet returns the sorted distinct hashes of the byte 5-grams of s.
func shingleSet(s string) []uint64 {
	if len(s) < 5 {
		return nil
	}
	out := make([]uint64, 0, len(s))
	for i := 0; i+5 <= len(s); i++ {
		h := uint64(14695981039346656037)
		for j := i; j < i+5; j++ {
			h ^= uint64(s[j])
			h *= 1099511628211
		}
		out = append(out, h)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

const minHashes = 64

// minHash returns the minimum of 64 independently mixed hashes of the set.
func minHash(set []uint64) [minHashes]uint64 {
	var out [minHashes]uint64
	for k := range out {
		out[k] = ^uint64(0)
	}
	for _, h := range set {
		for k := range out {
			x := (h ^ uint64(k)*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9
			x ^= x >> 31
			if x < out[k] {
				out[k] = x
			}
		}
	}
	return out
}

func jaccard(a, b []uint64) float64 {
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	if u := len(a) + len(b) - inter; u > 0 {
		return float64(inter) / float64(u)
	}
	return 0
}

// TestNoUnplannedNearDuplicates checks that documents which are not
// labelled as copies of each other are not near duplicates by text: the
// negatives "unrelated documents from the same template" must stay
// distinguishable from planted near duplicates.
func TestNoUnplannedNearDuplicates(t *testing.T) {
	const limit = 0.85
	for _, g := range generators {
		t.Run(g.name, func(t *testing.T) {
			docs := g.fn(3, g.n, DefaultOptions())
			root := make([]int, len(docs))
			sets := make([][]uint64, len(docs))
			for i := range docs {
				root[i] = i
				for _, l := range docs[i].Labels {
					if l.DocLevel() {
						root[i] = int(l.DupOfRow)
					}
				}
				sets[i] = shingleSet(textOf(&docs[i]))
			}
			// A MinHash sketch picks candidate pairs; candidates get the
			// exact Jaccard similarity.
			sk := make([][minHashes]uint64, len(docs))
			for i := range docs {
				sk[i] = minHash(sets[i])
			}
			worst := 0.0
			for i := range docs {
				for k := 0; k < i; k++ {
					if root[i] == root[k] {
						continue
					}
					same := 0
					for h := range sk[i] {
						if sk[i][h] == sk[k][h] {
							same++
						}
					}
					if float64(same)/minHashes < 0.5 {
						continue
					}
					j := jaccard(sets[i], sets[k])
					worst = max(worst, j)
					if j >= limit {
						t.Errorf("docs %d and %d are %.2f similar but not labelled as duplicates", k, i, j)
					}
				}
			}
			t.Logf("highest similarity between unrelated documents: %.2f", worst)
		})
	}
}

func TestPlace(t *testing.T) {
	docs := Chat(9, 120, heavy)
	labels := Place(docs, func(i int) Location { return Location{File: "chat/c.parquet", Row: int64(1000 + i)} })
	if !slices.IsSortedFunc(labels, CompareLabels) {
		t.Fatal("Place output not sorted")
	}
	n := 0
	for _, d := range docs {
		n += len(d.Labels)
	}
	if len(labels) != n {
		t.Fatalf("Place returned %d labels, docs have %d", len(labels), n)
	}
	for _, l := range labels {
		if l.File != "chat/c.parquet" || l.Row < 1000 {
			t.Fatalf("label not placed: %+v", l)
		}
		if strings.Contains(l.Field, "[") || strings.HasPrefix(l.Field, "$") {
			t.Fatalf("columnar label keeps a JSON path: %+v", l)
		}
		if l.Field != "" && !strings.HasPrefix(l.Note, "$.messages[") {
			t.Fatalf("columnar label note lacks the message path: %+v", l)
		}
		if strings.HasPrefix(l.Kind, "dup.") && (l.DupOfFile != "chat/c.parquet" || l.DupOfRow < 1000 || l.DupOfRow >= l.Row) {
			t.Fatalf("duplicate not placed: %+v", l)
		}
	}
}

func TestFieldName(t *testing.T) {
	tests := []struct{ path, file, want string }{
		{"$.text", "web/a.jsonl", "$.text"},
		{"$.messages[2].content", "multi/m.jsonl", "$.messages[2].content"},
		{"$.messages[2].content", "chat/c.parquet", "messages.content"},
		{"$.content", "code/c.arrow", "content"},
		{"$.meta.url", "x.parquet", "meta.url"},
		{"$.a[0].b[12].c", "x.arrow", "a.b.c"},
	}
	for _, tc := range tests {
		t.Run(tc.path+"@"+tc.file, func(t *testing.T) {
			if got := FieldName(tc.path, tc.file); got != tc.want {
				t.Errorf("FieldName = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExpectedRoundTrip(t *testing.T) {
	docs := Web(4, 150, heavy)
	labels := Place(docs, func(i int) Location { return Location{File: "web/w.jsonl", Row: int64(i)} })
	var buf bytes.Buffer
	if err := WriteExpected(&buf, labels); err != nil {
		t.Fatal(err)
	}
	got, err := ReadExpected(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, labels) {
		t.Fatal("labels changed in a write/read round trip")
	}
	for _, bad := range []string{`{"file":"a"`, `{"kind":"pii.email","extra":1}`, `{"file":"a","row":1}`} {
		if _, err := ReadExpected(strings.NewReader(bad + "\n")); !errors.Is(err, ErrLabels) {
			t.Errorf("ReadExpected(%q) error = %v, want ErrLabels", bad, err)
		}
	}
}

// TestJSONRoundTrip decodes AppendJSON's output with encoding/json.
func TestJSONRoundTrip(t *testing.T) {
	var all []Doc
	all = append(all, Web(6, 60, heavy)...)
	all = append(all, Multilingual(6, 60, heavy)...)
	all = append(all, Code(6, 30, heavy)...)
	for _, ascii := range []bool{false, true} {
		for i := range all {
			d := &all[i]
			line := AppendJSON(nil, d, JSONOptions{ASCII: ascii})
			if ascii {
				for _, c := range line {
					if c >= 0x80 {
						t.Fatalf("doc %s: non-ASCII byte in ASCII mode", docName(d))
					}
				}
			}
			var got struct {
				ID, URL, Text, Repo, Path, Content string
				Stars                              int64
				Messages                           []Message
				Meta                               struct{ Lang, Source string }
			}
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatalf("doc %s: %v", docName(d), err)
			}
			if got.Text != d.Text || got.URL != d.URL || got.Content != d.Content || got.ID != d.ID ||
				got.Stars != d.Stars || got.Repo != d.Repo || !reflect.DeepEqual(got.Messages, d.Messages) && len(d.Messages) > 0 {
				t.Fatalf("doc %s: JSON round trip changed the document (ascii=%v)", docName(d), ascii)
			}
		}
	}
}

func TestTemplatesExpand(t *testing.T) {
	r := newRNG(1, 2, 3)
	count := func(s string) int { return strings.Count(s, "{$}") }
	vals := func(n int) []val {
		out := make([]val, n)
		for i := range out {
			out[i] = plain("X")
		}
		return out
	}
	var all []string
	for _, tp := range append(slices.Clone(enTopics), zhTopics...) {
		all = append(all, tp.titles...)
		all = append(all, tp.sents...)
	}
	for _, k := range slices.Sorted(mapsKeys(enPIIContexts)) {
		all = append(all, enPIIContexts[k]...)
	}
	all = slices.Concat(all, enSignatures, enInjectionNegatives, enBoilerplateHeaders, enBoilerplateFooters,
		enInsertions, enScriptNegatives, homoglyphTemplates, chatSystemPrompts, citationQuestionsText(),
		emojiUserTemplates, emojiAssistantTemplates, arPIIContexts, hiPIIContexts, faPIIContexts, multiNegatives)
	for _, tmpl := range all {
		voc := enVocab
		if strings.ContainsFunc(tmpl, func(c rune) bool { return c >= 0x4e00 && c <= 0x9fff }) {
			voc = zhVocab
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("template %q: %v", tmpl, p)
				}
			}()
			expand(r, voc, tmpl, vals(count(tmpl))...)
		}()
	}
}

func citationQuestionsText() []string {
	var out []string
	for _, q := range citationQuestions {
		out = append(out, q.q)
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestOpenSSHKeyStructure(t *testing.T) {
	r := newRNG(1, 1, 1)
	blk, _ := pem.Decode([]byte(r.openSSHKey("test@host")))
	if blk == nil || blk.Type != "OPENSSH PRIVATE KEY" {
		t.Fatal("no OPENSSH PEM block")
	}
	b := blk.Bytes
	str := func() []byte {
		if len(b) < 4 {
			t.Fatal("truncated")
		}
		n := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if len(b) < 4+n {
			t.Fatal("truncated string")
		}
		s := b[4 : 4+n]
		b = b[4+n:]
		return s
	}
	magic := "openssh-key-v1\x00"
	if !bytes.HasPrefix(b, []byte(magic)) {
		t.Fatal("bad magic")
	}
	b = b[len(magic):]
	if string(str()) != "none" || string(str()) != "none" || len(str()) != 0 {
		t.Fatal("want unencrypted key")
	}
	b = b[4:] // number of keys
	str()     // public key
	priv := str()
	if len(b) != 0 || len(priv)%8 != 0 || !bytes.Equal(priv[0:4], priv[4:8]) {
		t.Fatal("private section malformed")
	}
	if !bytes.Contains(priv, []byte("test@host")) {
		t.Fatal("comment missing")
	}
}
