package corpus

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// draft is a document under construction: its non-text fields in doc and
// its text fields as segs, so near-duplicate edits keep spans exact.
type draft struct {
	doc    Doc
	fields []field
}

func (d *draft) clone() draft {
	c := draft{doc: d.doc}
	c.doc.Messages = append([]Message(nil), d.doc.Messages...)
	c.doc.Labels = nil
	if d.doc.Score != nil {
		s := *d.doc.Score
		c.doc.Score = &s
	}
	c.fields = make([]field, len(d.fields))
	for i := range d.fields {
		c.fields[i] = d.fields[i].clone()
	}
	return c
}

// field returns the draft field with the given path, or nil.
func (d *draft) field(path string) *field {
	for i := range d.fields {
		if d.fields[i].path == path {
			return &d.fields[i]
		}
	}
	return nil
}

var msgPath = regexp.MustCompile(`^\$\.messages\[(\d+)\]\.content$`)

// finish renders the text fields into a Doc for row, appending extra
// (document-level) labels.
func (d *draft) finish(row int, extra ...Label) Doc {
	doc := d.doc
	doc.Messages = append([]Message(nil), d.doc.Messages...)
	doc.Labels = nil
	for i := range d.fields {
		f := &d.fields[i]
		text, labels := f.render(int64(row))
		switch f.path {
		case "$.text":
			doc.Text = text
		case "$.url":
			doc.URL = text
		case "$.content":
			doc.Content = text
		default:
			m := msgPath.FindStringSubmatch(f.path)
			if m == nil {
				panic("corpus: unknown field path " + f.path)
			}
			k, _ := strconv.Atoi(m[1])
			doc.Messages[k].Content = text
		}
		doc.Labels = append(doc.Labels, labels...)
	}
	for _, l := range extra {
		l.Row = int64(row)
		doc.Labels = append(doc.Labels, l)
	}
	SortLabels(doc.Labels)
	return doc
}

// builder makes the documents of one corpus.
type builder interface {
	// original returns a new document.
	original(r rng, i int) draft
	// identity gives a copy (of src) the identifiers of document i.
	identity(r rng, i int, d *draft)
	// near edits a copy in place to make a near duplicate and describes
	// the edits.
	near(r rng, d *draft) string
}

// minDupSources is how many originals must exist before copies start.
const minDupSources = 8

// generate runs a builder for n documents. Each document has its own
// random stream, so document i depends only on documents before it.
func generate(seed, salt uint64, n int, opt Options, b builder) []Doc {
	docs := make([]Doc, n)
	drafts := make([]draft, n)
	var originals []int
	for i := 0; i < n; i++ {
		r := newRNG(seed, salt, uint64(i))
		if len(originals) >= minDupSources && r.chance(opt.Dups) {
			src := originals[r.IntN(len(originals))]
			d := drafts[src].clone()
			b.identity(r, i, &d)
			kind, note := KindDupExact, "exact copy"
			if r.chance(0.6) {
				kind, note = KindDupNear, "near copy: "+b.near(r, &d)
			}
			drafts[i] = d
			docs[i] = d.finish(i, Label{Kind: kind, DupOfRow: int64(src), Note: note})
			continue
		}
		drafts[i] = b.original(r, i)
		originals = append(originals, i)
		docs[i] = drafts[i].finish(i)
	}
	return docs
}

// nearKit holds a language's material for near-duplicate edits.
type nearKit struct {
	voc        vocab
	headers    []string
	footers    []string
	insertions []string
	synonyms   [][2]string
	joiner     string // between sentences of a paragraph
	brk        string // between paragraphs
	wordSwap   bool   // synonyms replace whole ASCII words only
	code       bool   // templates use ⟨slot⟩ delimiters; synonyms rename every occurrence
	maxOps     int    // at most this many edits (default 3)
}

func (k nearKit) expand(r rng, tmpl string) seg {
	if k.code {
		return expandCode(r, k.voc, map[string]string{"sha": r.gitSHA()}, tmpl)
	}
	return expand(r, k.voc, tmpl)
}

// edit applies one to three edits to f and returns their description. The
// result always differs from the input.
func (k nearKit) edit(r rng, f *field) string {
	ops := []string{"header", "footer", "insert", "delete", "swap", "synonyms"}
	var done []string
	hi := k.maxOps
	if hi <= 0 {
		hi = 3
	}
	want := r.between(1, hi)
	for _, i := range r.Perm(len(ops)) {
		if len(done) == want {
			break
		}
		if k.apply(r, f, ops[i]) {
			done = append(done, ops[i])
		}
	}
	if len(done) == 0 {
		k.apply(r, f, "footer")
		done = append(done, "footer")
	}
	return strings.Join(done, "+")
}

func (k nearKit) apply(r rng, f *field, op string) bool {
	switch op {
	case "header":
		if len(k.headers) == 0 {
			return false
		}
		s := k.expand(r, r.pick(k.headers))
		s.sep, s.fixed = "\n", true
		f.segs = insertSeg(f.segs, 0, s)
		return true
	case "footer":
		if len(k.footers) == 0 || len(f.segs) == 0 {
			return false
		}
		s := k.expand(r, r.pick(k.footers))
		s.fixed = true
		f.segs[len(f.segs)-1].sep = k.brk
		f.segs = append(f.segs, s)
		return true
	case "insert":
		movable := k.movable(f)
		if len(k.insertions) == 0 || len(movable) < 2 {
			return false
		}
		at := movable[r.IntN(len(movable))]
		s := k.expand(r, r.pick(k.insertions))
		s.sep = k.joiner
		f.segs = insertSeg(f.segs, at, s)
		return true
	case "delete":
		var cands []int
		for _, i := range k.movable(f) {
			if len(f.segs[i].spans) == 0 && i > 0 {
				cands = append(cands, i)
			}
		}
		if len(cands) < 4 {
			return false
		}
		i := cands[r.IntN(len(cands))]
		f.segs[i-1].sep = f.segs[i].sep
		f.segs = append(f.segs[:i], f.segs[i+1:]...)
		return true
	case "swap":
		movable := k.movable(f)
		if len(movable) < 3 {
			return false
		}
		j := r.IntN(len(movable) - 1)
		a, b := movable[j], movable[j+1]
		if f.segs[a].text == f.segs[b].text {
			return false
		}
		f.segs[a].text, f.segs[b].text = f.segs[b].text, f.segs[a].text
		f.segs[a].spans, f.segs[b].spans = f.segs[b].spans, f.segs[a].spans
		return true
	case "synonyms":
		if k.code {
			return k.renameAll(r, f)
		}
		n := 0
		want := r.between(2, 4)
		for _, si := range r.Perm(len(f.segs)) {
			s := &f.segs[si]
			if len(s.spans) > 0 || s.block {
				continue
			}
			for _, pi := range r.Perm(len(k.synonyms)) {
				p := k.synonyms[pi]
				if t, ok := k.swapWord(s.text, p[0], p[1]); ok {
					s.text = t
					n++
					break
				}
			}
			if n >= want {
				break
			}
		}
		return n > 0
	}
	panic(fmt.Sprintf("corpus: unknown edit %q", op))
}

// movable lists the segs that edits may move: not fixed and not blocks.
func (k nearKit) movable(f *field) []int {
	var out []int
	for i, s := range f.segs {
		if !s.fixed && !s.block {
			out = append(out, i)
		}
	}
	return out
}

// swapWord replaces the first occurrence of from with to.
func (k nearKit) swapWord(text, from, to string) (string, bool) {
	off := 0
	for {
		i := strings.Index(text[off:], from)
		if i < 0 {
			return text, false
		}
		i += off
		j := i + len(from)
		if !k.wordSwap || (i == 0 || !isWordByte(text[i-1])) && (j == len(text) || !isWordByte(text[j])) {
			return text[:i] + to + text[j:], true
		}
		off = j
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// renameAll renames one identifier in every seg without spans.
func (k nearKit) renameAll(r rng, f *field) bool {
	for _, pi := range r.Perm(len(k.synonyms)) {
		p := k.synonyms[pi]
		changed := false
		for i := range f.segs {
			s := &f.segs[i]
			if len(s.spans) > 0 {
				continue
			}
			for {
				t, ok := k.swapWord(s.text, p[0], p[1])
				if !ok {
					break
				}
				s.text, changed = t, true
			}
		}
		if changed {
			return true
		}
	}
	return false
}
