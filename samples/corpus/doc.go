// Package corpus deterministically generates realistic documents (English web
// pages, Chinese articles, chat/instruction rows, source files and
// multilingual text) with planted findings at known places: PII, secrets,
// poisoning and duplicates, plus look-alike negatives that must not be
// reported.
//
// Every generator is a pure function of its seed, the number of documents and
// its Options: it uses math/rand/v2 PCG streams, never the clock, and never
// lets map iteration order reach the output. Document i depends only on
// documents 0..i, so Web(seed, 100, o) is a prefix of Web(seed, 200, o).
//
// The committed sample corpora under samples/data are written by
// samples/gen from these generators; tests elsewhere may call them to build
// larger evaluation corpora in memory, write them with WriteJSONL,
// WriteChatParquet or WriteCodeArrow, and place the labels with Place.
//
// Every function is safe for concurrent use: the package has no mutable
// global state (its pools are read-only). Returned documents and labels are
// fresh allocations owned by the caller. Generation is deterministic for a
// given module version; changing a pool changes the output.
package corpus

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Shape says which fields of a Doc are set and how it is serialised.
type Shape uint8

// Document shapes.
const (
	// ShapeText documents have ID, URL (optional), Text, Lang and Source.
	// JSONL: {"id","url","text","meta":{"lang","source"}}.
	ShapeText Shape = iota
	// ShapeChat documents have Messages, Source and Score, and either Num
	// (Parquet rows) or ID and Lang (JSONL records).
	// JSONL: {"id","messages":[{"role","content"}],"meta":{"lang","source"}}.
	ShapeChat
	// ShapeCode documents have Repo, Path, Content and Stars.
	// JSONL: {"repo","path","content","stars"}.
	ShapeCode
)

// Message is one chat turn.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Doc is one generated record. Which fields are set depends on Shape.
//
// Labels locate everything planted in the document. As returned by the
// generators, a label's File is "" and its Row is the document's index in the
// returned slice (DupOfRow likewise indexes that slice); Field is a JSON path
// such as "$.text" or "$.messages[2].content". Place rewrites them for a
// file layout.
//
// A Doc owns its strings and slices; generators return fresh values, so the
// caller may modify them freely.
type Doc struct {
	Shape Shape

	ID  string // text and JSONL chat records
	Num int64  // chat rows written to Parquet (column "id")

	URL  string
	Text string

	Messages []Message
	Score    *float64 // nil is a null score

	Lang   string
	Source string

	Repo    string
	Path    string
	Content string
	Stars   int64

	Labels []Label
}

// Label is one expected finding. Start and End are half-open byte offsets
// into the decoded UTF-8 value of Field. Field is a JSON path for JSONL
// ("$.text", "$.messages[2].content") and a column path for Parquet and Arrow
// ("text", "messages.content"; list levels omitted). Document-level labels
// (duplicates, bad records) have Field "" and Start = End = 0.
//
// For duplicates, DupOfFile and DupOfRow point at the first occurrence of the
// content in plan order (files sorted by path, then row); they are empty and
// zero otherwise. Note is free text for humans.
type Label struct {
	File      string `json:"file"`
	Row       int64  `json:"row"`
	Field     string `json:"field"`
	Start     int64  `json:"start"`
	End       int64  `json:"end"`
	Kind      string `json:"kind"`
	DupOfFile string `json:"dup_of_file"`
	DupOfRow  int64  `json:"dup_of_row"`
	Note      string `json:"note"`
}

// Family returns the part of the kind before the first dot ("pii").
func (l Label) Family() string {
	f, _, _ := strings.Cut(l.Kind, ".")
	return f
}

// DocLevel reports whether the label names a whole document rather than a
// span.
func (l Label) DocLevel() bool { return l.Field == "" }

// CompareLabels orders labels by file, row, field, start and kind, then by
// end and note so that the order is total.
func CompareLabels(a, b Label) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Row, b.Row),
		cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Start, b.Start),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.End, b.End),
		cmp.Compare(a.Note, b.Note),
	)
}

// SortLabels sorts labels in place with CompareLabels.
func SortLabels(labels []Label) { slices.SortStableFunc(labels, CompareLabels) }

// Options sets how often things are planted. Each rate is the probability
// that a document receives at least one item of that family. The zero value
// plants nothing and makes no duplicates: a clean corpus, useful for
// false-positive measurement. DefaultOptions gives typical rates.
type Options struct {
	PII     float64
	Secrets float64
	Poison  float64
	// Dups is the probability that a document is an exact or near copy of
	// an earlier original document.
	Dups float64
	// Negatives is the probability that a document carries look-alikes
	// (order numbers, version strings, placeholders, legitimate emoji
	// sequences...) that must not be reported.
	Negatives float64
}

// DefaultOptions returns the rates used for the committed samples of web
// text: PII 0.15, secrets 0.06, poison 0.10, duplicates 0.07, negatives 0.35.
func DefaultOptions() Options {
	return Options{PII: 0.15, Secrets: 0.06, Poison: 0.10, Dups: 0.07, Negatives: 0.35}
}

// Location is where a generated document ends up: a file path (relative to
// the data root, e.g. "web/web-00000.jsonl") and a 0-based row.
type Location struct {
	File string
	Row  int64
}

// Place returns the labels of docs with File, Row, DupOfFile and DupOfRow
// filled in from loc, which maps a document's index in docs to its location,
// and Field converted to the naming of the file's format (FieldName). The
// result is sorted. docs is not modified.
func Place(docs []Doc, loc func(i int) Location) []Label {
	var out []Label
	for i := range docs {
		at := loc(i)
		for _, l := range docs[i].Labels {
			l.File, l.Row = at.File, at.Row
			if strings.HasPrefix(l.Kind, "dup.") {
				src := loc(int(l.DupOfRow))
				l.DupOfFile, l.DupOfRow = src.File, src.Row
			}
			if l.Field != "" {
				col := FieldName(l.Field, at.File)
				if col != l.Field {
					l.Note = strings.TrimSuffix(l.Field+"; "+l.Note, "; ")
					l.Field = col
				}
			}
			out = append(out, l)
		}
	}
	SortLabels(out)
	return out
}

// Columnar reports whether file is a Parquet or Arrow file, whose fields are
// named by column path.
func Columnar(file string) bool {
	return strings.HasSuffix(file, ".parquet") || strings.HasSuffix(file, ".arrow")
}

// FieldName converts a JSON path to the naming used for file: unchanged for
// JSONL files, and the column path for Parquet and Arrow files, where list
// indices are dropped ("$.messages[2].content" -> "messages.content").
func FieldName(jsonPath, file string) string {
	if !Columnar(file) {
		return jsonPath
	}
	p := strings.TrimPrefix(strings.TrimPrefix(jsonPath, "$"), ".")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				break
			}
			i += j
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// ErrLabels marks a malformed expected-labels file.
var ErrLabels = errors.New("malformed labels file")

// LoadExpected reads an expected.jsonl file (one Label per line, as written
// by WriteExpected). Blank lines are skipped. A malformed line is reported
// with its line number and wraps ErrLabels.
func LoadExpected(path string) ([]Label, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	labels, err := ReadExpected(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return labels, nil
}

// ReadExpected reads labels in the expected.jsonl format from r.
func ReadExpected(r io.Reader) ([]Label, error) {
	var out []Label
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var l Label
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("line %d: %w: %v", line, ErrLabels, err)
		}
		if l.Kind == "" {
			return nil, fmt.Errorf("line %d: %w: empty kind", line, ErrLabels)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteExpected writes labels to w, one JSON object per line, in the given
// order (sort them first with SortLabels).
func WriteExpected(w io.Writer, labels []Label) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for _, l := range labels {
		buf = appendLabel(buf[:0], l)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func appendLabel(dst []byte, l Label) []byte {
	dst = append(dst, `{"file":`...)
	dst = appendJSONString(dst, l.File, false)
	dst = fmt.Appendf(dst, `,"row":%d,"field":`, l.Row)
	dst = appendJSONString(dst, l.Field, false)
	dst = fmt.Appendf(dst, `,"start":%d,"end":%d,"kind":`, l.Start, l.End)
	dst = appendJSONString(dst, l.Kind, false)
	dst = append(dst, `,"dup_of_file":`...)
	dst = appendJSONString(dst, l.DupOfFile, false)
	dst = fmt.Appendf(dst, `,"dup_of_row":%d,"note":`, l.DupOfRow)
	dst = appendJSONString(dst, l.Note, true)
	return append(dst, '}')
}

// CountKinds returns the number of labels per kind.
func CountKinds(labels []Label) map[string]int {
	m := map[string]int{}
	for _, l := range labels {
		m[l.Kind]++
	}
	return m
}
