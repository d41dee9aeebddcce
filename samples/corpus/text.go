package corpus

import (
	"fmt"
	"strconv"
	"strings"
)

// span is a planted item inside one seg, relative to the seg's text.
type span struct {
	start, end int
	kind, note string
}

// seg is one unit of a field's text (a sentence, a line, a block) followed by
// its separator. Near-duplicate edits move, drop or rewrite whole segs, so
// the spans they carry stay exact.
type seg struct {
	text  string
	sep   string
	spans []span
	fixed bool // title or header: never moved or deleted
	block bool // a paragraph of its own (pasted config, key block, list)
}

// field is the draft of one string field of a document.
type field struct {
	path string
	segs []seg
}

func (f *field) clone() field {
	c := field{path: f.path, segs: make([]seg, len(f.segs))}
	for i, s := range f.segs {
		s.spans = append([]span(nil), s.spans...)
		c.segs[i] = s
	}
	return c
}

// render concatenates the segs and returns the text and the span labels
// (with File "" and Row row).
func (f *field) render(row int64) (string, []Label) {
	var b strings.Builder
	var labels []Label
	for _, s := range f.segs {
		off := b.Len()
		for _, sp := range s.spans {
			labels = append(labels, Label{
				Row: row, Field: f.path,
				Start: int64(off + sp.start), End: int64(off + sp.end),
				Kind: sp.kind, Note: sp.note,
			})
		}
		b.WriteString(s.text)
		b.WriteString(s.sep)
	}
	return b.String(), labels
}

// val is a value inserted at a {$} placeholder; a non-empty kind makes it a
// labelled span.
type val struct{ text, kind, note string }

func plain(s string) val { return val{text: s} }

// vocab maps slot names to fillers. It is read-only once built.
type vocab map[string][]string

// expand fills a template. Slots:
//
//	{name}     a random filler from voc["name"]; the same slot name gets the
//	           same filler within one template. A trailing digit makes a
//	           distinct slot over the same list: {city2}.
//	{^name}    the filler with its first letter upper-cased ({_name}:
//	           lower-cased).
//	{n:lo-hi}  a random integer in [lo, hi].
//	{$}        the next of vals; labelled if its kind is set.
//
// A '{' not followed by a slot ('$', '^', a lowercase letter) is literal, so
// JSON and shell snippets need no escaping. It panics on an unknown slot or
// a wrong number of vals: templates are fixed program text and the tests
// expand all of them.
func expand(r rng, voc vocab, tmpl string, vals ...val) seg {
	return expandDelim(r, voc, nil, "{", "}", tmpl, vals...)
}

// expandIn is expand with slot bindings shared across calls (a whole
// document), so "{city}" names the same city in every sentence.
func expandIn(r rng, voc vocab, bound map[string]string, tmpl string, vals ...val) seg {
	return expandDelim(r, voc, bound, "{", "}", tmpl, vals...)
}

// expandCode is expand with ⟨slot⟩ delimiters, for source code where braces
// are common.
func expandCode(r rng, voc vocab, bound map[string]string, tmpl string, vals ...val) seg {
	return expandDelim(r, voc, bound, "⟨", "⟩", tmpl, vals...)
}

func isSlotStart(c byte) bool { return c == '$' || c == '^' || c == '_' || c >= 'a' && c <= 'z' }

func expandDelim(r rng, voc vocab, bound map[string]string, open, close string, tmpl string, vals ...val) seg {
	tmpl = strings.ReplaceAll(tmpl, "‵", "`")
	var b strings.Builder
	var spans []span
	if bound == nil {
		bound = map[string]string{}
	}
	next := 0
	for {
		i := strings.Index(tmpl, open)
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		if i+len(open) >= len(tmpl) || !isSlotStart(tmpl[i+len(open)]) {
			b.WriteString(tmpl[:i+len(open)])
			tmpl = tmpl[i+len(open):]
			continue
		}
		j := strings.Index(tmpl[i:], close)
		if j < 0 {
			panic(fmt.Sprintf("corpus: unterminated slot in template %q", tmpl))
		}
		b.WriteString(tmpl[:i])
		key := tmpl[i+len(open) : i+j]
		tmpl = tmpl[i+j+len(close):]
		if strings.ContainsAny(key, " \n\"'") {
			panic(fmt.Sprintf("corpus: malformed slot %q", key))
		}
		switch {
		case key == "$":
			if next >= len(vals) {
				panic(fmt.Sprintf("corpus: template needs more than %d values", len(vals)))
			}
			v := vals[next]
			next++
			if v.kind != "" {
				spans = append(spans, span{start: b.Len(), end: b.Len() + len(v.text), kind: v.kind, note: v.note})
			}
			b.WriteString(v.text)
		case strings.HasPrefix(key, "n:"):
			lo, hi, ok := strings.Cut(key[2:], "-")
			l, err1 := strconv.Atoi(lo)
			h, err2 := strconv.Atoi(hi)
			if !ok || err1 != nil || err2 != nil || h < l {
				panic(fmt.Sprintf("corpus: bad number slot %q", key))
			}
			b.WriteString(strconv.Itoa(r.between(l, h)))
		default:
			upper := strings.HasPrefix(key, "^")
			lower := strings.HasPrefix(key, "_")
			k := strings.TrimLeft(key, "^_")
			v, ok := bound[k]
			if !ok {
				list := voc[strings.TrimRight(k, "0123456789")]
				if len(list) == 0 {
					panic(fmt.Sprintf("corpus: unknown slot %q", key))
				}
				v = r.pick(list)
				bound[k] = v
			}
			if upper {
				v = capitalize(v)
			}
			if lower && v != "" {
				v = strings.ToLower(v[:1]) + v[1:]
			}
			b.WriteString(v)
		}
	}
	if next != len(vals) {
		panic(fmt.Sprintf("corpus: template used %d of %d values", next, len(vals)))
	}
	return seg{text: b.String(), spans: spans}
}

// insertSeg inserts s at index i of segs.
func insertSeg(segs []seg, i int, s seg) []seg {
	segs = append(segs, seg{})
	copy(segs[i+1:], segs[i:])
	segs[i] = s
	return segs
}

// layout lays sentences out as paragraphs: sentences joined by joiner,
// paragraphs by brk, block segs alone in their paragraph; the last seg gets
// no separator.
func layout(r rng, sents []seg, joiner, brk string, minPara, maxPara int) []seg {
	k := 0
	for i := range sents {
		sents[i].sep = joiner
		k++
		if sents[i].block {
			if i > 0 {
				sents[i-1].sep = brk
			}
			sents[i].sep = brk
			k = 0
			continue
		}
		if k >= minPara && (k >= maxPara || r.chance(0.35)) {
			sents[i].sep = brk
			k = 0
		}
	}
	if len(sents) > 0 {
		sents[len(sents)-1].sep = ""
	}
	return sents
}
