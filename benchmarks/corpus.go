// Package benchmarks generates large synthetic corpora and measures winnow
// end to end and per stage. Inputs are generated here, never committed and
// never made by unit tests. It also scores secret scanners' findings
// against the secrets the generator planted (see Score).
package benchmarks

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
)

// Doc kinds in the generated mix.
const (
	docWeb = iota
	docChinese
	docChat
	docCode
)

// DocLang returns the language label of a doc kind returned by Text ("en",
// "zh", "code").
func DocLang(kind int) string {
	return [...]string{"en", "zh", "en", "code"}[kind]
}

// plant is one planted finding inside a text buffer: its expected kind and
// its byte span in the decoded text.
type plant struct {
	kind       string
	start, end int
}

// textBuf is one field's text under construction.
type textBuf struct {
	b      []byte
	plants []plant
}

func (t *textBuf) reset() { t.b, t.plants = t.b[:0], t.plants[:0] }

// Label is one planted finding of a generated corpus: where it is and what
// a scanner should call it. The generator fills Field, Start, End, Col,
// ColEnd, Kind and SHA256; the caller that writes files fills File, Row
// and Line. Labels never carry the raw value, only its SHA-256.
type Label struct {
	File string `json:"file"`
	// Row is the 0-based record index in File; Line is the 1-based line of
	// a JSONL file (Row+1), 0 for other formats.
	Row  int64 `json:"row"`
	Line int64 `json:"line,omitempty"`
	// Field is the JSON path ($.text, $.messages[1].content) or column.
	Field string `json:"field"`
	// Start and End are byte offsets into the field's decoded value.
	Start int `json:"start"`
	End   int `json:"end"`
	// Col and ColEnd are 0-based byte offsets into the raw JSONL line
	// (after JSON escaping); both 0 for other formats.
	Col    int `json:"col,omitempty"`
	ColEnd int `json:"col_end,omitempty"`
	// Kind is the winnow kind the planted value is an instance of, e.g.
	// secret.github_token, pii.email.
	Kind string `json:"kind"`
	// SHA256 is the hex SHA-256 of the decoded planted value.
	SHA256 string `json:"sha256"`
}

// Generator writes records of a realistic mix: English web text (with
// per-topic vocabulary, varied sentence structure, titles, lists and
// boilerplate), Chinese news-style text, chat transcripts and code or
// config files, with planted secrets, PII and poison at realistic rates
// and a small share of exact and near duplicates. It is deterministic for
// a seed and not safe for concurrent use.
type Generator struct {
	rng *rand.Rand
	v   *vocab
	id  int64

	// PlantRate is the fraction of records that carry a planted PII or
	// poison finding (default 0.04).
	PlantRate float64
	// SecretScale multiplies the per-doc-kind secret rates (web 0.1%,
	// Chinese 0.05%, chat 1%, code 3%); default 1.
	SecretScale float64
	// ExactDupRate and NearDupRate are the fractions of web and Chinese
	// records that repeat an earlier one, verbatim or lightly edited
	// (defaults 0.02 and 0.02).
	ExactDupRate, NearDupRate float64

	ring    [][]byte // recent plant-free docs, for duplicates
	ringPos int
	bufs    [4]textBuf
	labels  []Label
	scratch []byte
}

const ringSize = 512

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	return &Generator{
		rng:          rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		v:            newVocab(),
		PlantRate:    0.04,
		SecretScale:  1,
		ExactDupRate: 0.02,
		NearDupRate:  0.02,
	}
}

// --- random helpers ---

func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

// pick draws from list with a Zipf-like skew toward the front.
func (g *Generator) pick(list []string) string {
	u := g.rng.Float64()
	return list[int(u*u*float64(len(list)))]
}

// uni draws uniformly from list.
func (g *Generator) uni(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *Generator) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// Text returns one document's text and its kind (a chat is its turns
// joined by blank lines). Plants are not reported; use AppendJSONL or
// AppendText for labels.
func (g *Generator) Text() (string, int) {
	t, kind := g.AppendText(nil)
	return string(t), kind
}

// AppendText appends one document's text to dst and returns it with the
// doc kind; the document's labels (field "text", offsets relative to the
// start of the appended text) are available from Labels until the next
// call.
func (g *Generator) AppendText(dst []byte) ([]byte, int) {
	g.id++
	g.labels = g.labels[:0]
	kind := g.docKind()
	if kind == docChat {
		n := g.chat()
		base := len(dst)
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, "\n\n"...)
			}
			off := len(dst) - base
			dst = append(dst, g.bufs[i].b...)
			g.addLabels("text", &g.bufs[i], off)
		}
		return dst, kind
	}
	tb := &g.bufs[0]
	g.doc(kind, tb)
	g.addLabels("text", tb, 0)
	return append(dst, tb.b...), kind
}

// Labels returns the labels of the last record made by AppendText or
// AppendJSONL. The slice belongs to the generator and is overwritten by
// the next call; copy what you keep.
func (g *Generator) Labels() []Label { return g.labels }

func (g *Generator) docKind() int {
	switch k := g.rng.IntN(20); {
	case k < 10:
		return docWeb
	case k < 14:
		return docChinese
	case k < 17:
		return docChat
	default:
		return docCode
	}
}

// doc writes one document of kind into tb.
func (g *Generator) doc(kind int, tb *textBuf) {
	tb.reset()
	if (kind == docWeb || kind == docChinese) && g.dup(tb) {
		return
	}
	secret := g.chance(g.SecretScale * [...]float64{0.001, 0.0005, 0.01, 0.03}[kind])
	other := g.chance(g.PlantRate)
	switch kind {
	case docWeb:
		g.web(tb, secret, other)
	case docChinese:
		g.chinese(tb, secret, other)
	case docCode:
		g.code(tb, secret, other)
	}
	if len(tb.plants) == 0 && (kind == docWeb || kind == docChinese) {
		g.remember(tb.b)
	}
}

// remember keeps a copy of a plant-free doc for later duplicates.
func (g *Generator) remember(b []byte) {
	if len(g.ring) < ringSize {
		g.ring = append(g.ring, append([]byte(nil), b...))
		return
	}
	g.ring[g.ringPos] = append(g.ring[g.ringPos][:0], b...)
	g.ringPos = (g.ringPos + 1) % ringSize
}

// dup writes an exact or near copy of an earlier doc into tb, if the dice
// say so.
func (g *Generator) dup(tb *textBuf) bool {
	if len(g.ring) == 0 {
		return false
	}
	u := g.rng.Float64()
	if u >= g.ExactDupRate+g.NearDupRate {
		return false
	}
	src := g.ring[g.rng.IntN(len(g.ring))]
	if u < g.ExactDupRate {
		tb.b = append(tb.b, src...)
		return true
	}
	// Near copy: replace about 2% of the space-separated words, or for
	// text without spaces swap the tail; then maybe add a boilerplate line.
	words := 0
	for i := 0; i < len(src); i++ {
		if src[i] == ' ' {
			words++
		}
	}
	if words > 20 {
		skip := false
		for i := 0; i < len(src); i++ {
			c := src[i]
			if skip {
				if c == ' ' || c == '\n' || c == '.' || c == ',' {
					skip = false
					tb.b = append(tb.b, c)
				}
				continue
			}
			tb.b = append(tb.b, c)
			if c == ' ' && g.rng.IntN(50) == 0 {
				tb.b = append(tb.b, g.pick(g.v.adjs)...)
				skip = true
			}
		}
	} else {
		cut := len(src) * 9 / 10
		for cut > 0 && src[cut]&0xc0 == 0x80 { // keep whole UTF-8 sequences
			cut--
		}
		tb.b = append(tb.b, src[:cut]...)
		if src[0] < 0x80 {
			tb.b = append(tb.b, ' ')
			tb.b = g.sentence(tb.b, g.topic())
		} else {
			g.zhSentence(tb, nil)
		}
	}
	if g.chance(0.5) {
		tb.b = append(tb.b, "\n\n"...)
		tb.b = append(tb.b, g.uni(g.v.boilerplate)...)
	}
	return true
}

// --- JSONL ---

// AppendJSONL appends one JSONL record (a line ending in '\n') to dst and
// returns the extended slice; dst is not retained.
// Its labels, with Field, spans and columns relative to the start of the
// appended line, are available from Labels until the next call.
func (g *Generator) AppendJSONL(dst []byte) []byte {
	g.id++
	g.labels = g.labels[:0]
	line := len(dst)
	kind := g.docKind()
	id := g.id
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, id, 10)
	if kind == docChat {
		n := g.chat()
		dst = append(dst, `,"messages":[`...)
		roles := [...]string{"user", "assistant"}
		first := 0 // index of the first generated turn in messages[]
		if g.chance(0.2) {
			first = 1
			dst = append(dst, `{"role":"system","content":"`...)
			dst = append(dst, g.uni(systemPrompts)...)
			dst = append(dst, `"},`...)
		}
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"role":"`...)
			dst = append(dst, roles[i%2]...)
			dst = append(dst, `","content":"`...)
			field := "$.messages[" + strconv.Itoa(i+first) + "].content"
			dst = g.appendField(dst, line, field, &g.bufs[i])
			dst = append(dst, `"}`...)
		}
		dst = append(dst, `],"source":"chat"}`+"\n"...)
		return dst
	}
	tb := &g.bufs[0]
	g.doc(kind, tb)
	dst = append(dst, `,"url":"https://`...)
	dst = append(dst, [...]string{"news.example.com/a/", "www.example.cn/n/", "", "code.example.org/f/"}[kind]...)
	dst = strconv.AppendInt(dst, id, 36)
	dst = append(dst, `","text":"`...)
	dst = g.appendField(dst, line, "$.text", tb)
	dst = append(dst, `","meta":{"lang":"`...)
	dst = append(dst, DocLang(kind)...)
	dst = append(dst, `","score":`...)
	dst = strconv.AppendFloat(dst, float64(g.rng.IntN(1000))/1000, 'f', 3, 64)
	dst = append(dst, "}}\n"...)
	return dst
}

// appendField JSON-escapes tb into dst and records its plants as labels,
// with columns relative to line (the offset in dst where the line starts).
func (g *Generator) appendField(dst []byte, line int, field string, tb *textBuf) []byte {
	prev := 0
	for _, p := range tb.plants {
		dst = appendJSONString(dst, tb.b[prev:p.start])
		col := len(dst) - line
		dst = appendJSONString(dst, tb.b[p.start:p.end])
		sum := sha256.Sum256(tb.b[p.start:p.end])
		g.labels = append(g.labels, Label{Field: field, Start: p.start, End: p.end,
			Col: col, ColEnd: len(dst) - line, Kind: p.kind, SHA256: hex.EncodeToString(sum[:])})
		prev = p.end
	}
	return appendJSONString(dst, tb.b[prev:])
}

// addLabels records tb's plants as labels of field, shifted by off.
func (g *Generator) addLabels(field string, tb *textBuf, off int) {
	for _, p := range tb.plants {
		sum := sha256.Sum256(tb.b[p.start:p.end])
		g.labels = append(g.labels, Label{Field: field, Start: off + p.start, End: off + p.end,
			Kind: p.kind, SHA256: hex.EncodeToString(sum[:])})
	}
}

// appendJSONString appends s escaped for the inside of a JSON string:
// quote, backslash and control characters are escaped; all other bytes,
// including non-ASCII UTF-8, are copied.
func appendJSONString(dst, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// JSONL returns about size bytes of JSONL.
func (g *Generator) JSONL(size int) []byte {
	out := make([]byte, 0, size+64<<10)
	for len(out) < size {
		out = g.AppendJSONL(out)
	}
	return out
}
