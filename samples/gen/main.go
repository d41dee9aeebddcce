// Command gen writes winnow's bundled sample corpora and their expected
// findings, deterministically: running it twice gives byte-identical files.
//
//	go run ./samples/gen            # regenerate samples/ in place (run from the repository root)
//	go run ./samples/gen -out DIR   # write DIR/data, DIR/expected and DIR/README.md
//
// The corpora come from package samples/corpus; this program only fixes the
// seeds, sizes and rates, lays the documents out in files and adds the
// deliberately broken records of web-00000.jsonl.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/winnow-data/winnow/samples/corpus"
)

// Seed is the seed of every committed corpus.
const Seed = 20240611

// corpusSpec describes one committed corpus.
type corpusSpec struct {
	name  string
	about string
	n     int
	opt   corpus.Options
	gen   func(seed uint64, n int, opt corpus.Options) []corpus.Doc
}

var specs = []corpusSpec{
	{"web", "English web pages (news, how-to, reviews, forum threads, recipes, travel, tech docs, science, personal finance).", 600,
		corpus.Options{PII: 0.15, Secrets: 0.06, Poison: 0.10, Dups: 0.07, Negatives: 0.35}, corpus.Web},
	{"zh", "Chinese news, reviews, recipes, travel notes, blog and forum posts.", 300,
		corpus.Options{PII: 0.18, Secrets: 0.04, Poison: 0.08, Dups: 0.07, Negatives: 0.35}, corpus.Chinese},
	{"chat", "Instruction and chat rows: explanations, conversions, rewriting, code help, customer support.", 500,
		corpus.Options{PII: 0.12, Secrets: 0.06, Poison: 0.07, Dups: 0.06, Negatives: 0.3}, corpus.Chat},
	{"code", "Source files (Go, Python, JavaScript, shell), configuration files, Markdown docs, package manifests and key files.", 150,
		corpus.Options{PII: 0.2, Secrets: 0.3, Poison: 0.1, Dups: 0.08, Negatives: 0.5}, corpus.Code},
	{"multi", "Arabic, Hindi, Persian, Russian and Greek text and emoji-heavy chats: mostly clean, for false-positive measurement.", 300,
		corpus.Options{PII: 0.06, Poison: 0.03, Dups: 0.03, Negatives: 0.4}, corpus.Multilingual},
}

// file is one generated output file.
type file struct {
	path    string // relative to the output root, slash-separated
	data    []byte
	records int // records (rows) it holds; 0 for non-data files
}

func main() {
	out := flag.String("out", "samples", "output directory (the samples/ directory of the repository)")
	flag.Parse()
	files, err := generate()
	if err == nil {
		err = write(*out, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// write stores files under root, creating directories as needed.
func write(root string, files []file) error {
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generate builds every output file in memory. The result is a pure
// function of the constants in this file and the corpus package.
func generate() ([]file, error) {
	var files []file
	labels := map[string][]corpus.Label{}
	for _, s := range specs {
		docs := s.gen(Seed, s.n, s.opt)
		fs, ls, err := layout(s.name, docs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		files = append(files, fs...)
		labels[s.name] = ls
	}
	for _, s := range specs {
		var buf bytes.Buffer
		if err := corpus.WriteExpected(&buf, labels[s.name]); err != nil {
			return nil, err
		}
		files = append(files, file{path: "expected/" + s.name + "/expected.jsonl", data: buf.Bytes()})
	}
	files = append(files, file{path: "README.md", data: readme(files, labels)})
	return files, nil
}

// layout writes one corpus's documents to its files and returns the files
// and the placed, sorted labels.
func layout(name string, docs []corpus.Doc) ([]file, []corpus.Label, error) {
	switch name {
	case "web":
		return layoutWeb(docs)
	case "zh":
		var buf bytes.Buffer
		if err := corpus.WriteJSONL(&buf, docs, corpus.JSONOptions{}); err != nil {
			return nil, nil, err
		}
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
		if err != nil {
			return nil, nil, err
		}
		data := enc.EncodeAll(buf.Bytes(), nil)
		enc.Close()
		return one("zh/zh-00000.jsonl.zst", data, docs)
	case "chat":
		var buf bytes.Buffer
		if err := corpus.WriteChatParquet(&buf, docs, 200); err != nil {
			return nil, nil, err
		}
		return one("chat/chat-00000.parquet", buf.Bytes(), docs)
	case "code":
		var buf bytes.Buffer
		if err := corpus.WriteCodeArrow(&buf, docs, 64); err != nil {
			return nil, nil, err
		}
		return one("code/code-00000.arrow", buf.Bytes(), docs)
	case "multi":
		var buf bytes.Buffer
		if err := corpus.WriteJSONL(&buf, docs, corpus.JSONOptions{}); err != nil {
			return nil, nil, err
		}
		return one("multi/multi-00000.jsonl", buf.Bytes(), docs)
	}
	return nil, nil, errors.New("unknown corpus")
}

// one lays docs out as a single file, row i = document i.
func one(path string, data []byte, docs []corpus.Doc) ([]file, []corpus.Label, error) {
	labels := corpus.Place(docs, func(i int) corpus.Location { return corpus.Location{File: path, Row: int64(i)} })
	return []file{{path: "data/" + path, data: data, records: len(docs)}}, labels, nil
}

const (
	web0 = "web/web-00000.jsonl"
	web1 = "web/web-00001.jsonl.gz"
	// Positions, in records of web-00000.jsonl, of the special lines.
	blankBefore   = 100 // a blank line precedes this record
	badRecordRow  = 150 // a truncated JSON object
	invalidUTF8At = 220 // a record with a Latin-1 byte in its text
)

// badLine is a JSON object cut off mid-string, as a crashed writer leaves it.
const badLine = `{"id":"web-trunc-0001","url":"https://riverbend-gazette.com/local/council-meeting-notes","text":"The council met on Tuesday evening to discuss the draft budget. Several residents asked why the library`

// latin1Prefix/latin1Suffix surround one raw 0xE9 byte ("é" in Latin-1).
const (
	latin1Prefix = `Rue Cler in the 7th arrondissement is a short market street. Our caf`
	latin1Suffix = ` on the corner opens at eight, and the bakery next door sells out of croissants by ten. Most shops close on Monday.`
)

// layoutWeb splits the web documents over two files: the first half in
// plain JSONL with a blank line, a truncated record and a record with an
// invalid UTF-8 byte; the second half gzip-compressed and written with
// \u escapes for non-ASCII (as Python's json.dumps does by default).
// Blank lines are not records: rows count non-blank lines.
func layoutWeb(docs []corpus.Doc) ([]file, []corpus.Label, error) {
	half := len(docs) / 2
	type entry struct {
		doc  int // index in docs, or -1
		line []byte
		lab  *corpus.Label
	}
	var entries []entry
	for i := 0; i < half; i++ {
		entries = append(entries, entry{doc: i})
	}
	invalid := []byte(`{"id":"web-latin1-0001","url":"https://slowtravelnotes.org/destinations/paris-rue-cler-3141","text":"`)
	invalid = append(invalid, latin1Prefix...)
	invalid = append(invalid, 0xE9)
	invalid = append(invalid, latin1Suffix...)
	invalid = append(invalid, `","meta":{"lang":"en","source":"travel-blogs"}}`...)
	entries = slices.Insert(entries, badRecordRow, entry{doc: -1, line: []byte(badLine),
		lab: &corpus.Label{Kind: corpus.KindBadRecord, Note: "truncated JSON object (unterminated string)"}})
	entries = slices.Insert(entries, invalidUTF8At, entry{doc: -1, line: invalid,
		lab: &corpus.Label{Field: "$.text", Start: int64(len(latin1Prefix)), End: int64(len(latin1Prefix) + 1),
			Kind: corpus.KindInvalidUTF8, Note: "raw byte 0xE9 (Latin-1 e-acute); offsets are into the raw value, a reader that substitutes U+FFFD moves End by 2"}})

	var buf0 bytes.Buffer
	loc := make([]corpus.Location, len(docs))
	var extra []corpus.Label
	for row, e := range entries {
		if row == blankBefore {
			buf0.WriteByte('\n')
		}
		if e.doc >= 0 {
			loc[e.doc] = corpus.Location{File: web0, Row: int64(row)}
			buf0.Write(corpus.AppendJSON(nil, &docs[e.doc], corpus.JSONOptions{}))
		} else {
			buf0.Write(e.line)
			l := *e.lab
			l.File, l.Row = web0, int64(row)
			extra = append(extra, l)
		}
		buf0.WriteByte('\n')
	}
	var raw1 bytes.Buffer
	if err := corpus.WriteJSONL(&raw1, docs[half:], corpus.JSONOptions{ASCII: true}); err != nil {
		return nil, nil, err
	}
	for i := half; i < len(docs); i++ {
		loc[i] = corpus.Location{File: web1, Row: int64(i - half)}
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, nil, err
	}
	if _, err := io.Copy(zw, &raw1); err != nil {
		return nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	labels := corpus.Place(docs, func(i int) corpus.Location { return loc[i] })
	labels = append(labels, extra...)
	corpus.SortLabels(labels)
	return []file{
		{path: "data/" + web0, data: buf0.Bytes(), records: len(entries)},
		{path: "data/" + web1, data: gz.Bytes(), records: len(docs) - half},
	}, labels, nil
}

// readme describes the corpora: files, sizes, records and label counts.
func readme(files []file, labels map[string][]corpus.Label) []byte {
	var b strings.Builder
	b.WriteString(readmeHead)
	b.WriteString("\n## Files\n\n| file | bytes | records |\n|---|---:|---:|\n")
	total := 0
	for _, f := range files {
		total += len(f.data)
		if f.records > 0 {
			fmt.Fprintf(&b, "| `%s` | %d | %d |\n", f.path, len(f.data), f.records)
		}
	}
	for _, f := range files {
		if f.records == 0 {
			fmt.Fprintf(&b, "| `%s` | %d | |\n", f.path, len(f.data))
		}
	}
	fmt.Fprintf(&b, "\nTotal (without this README): %d bytes.\n", total)

	b.WriteString("\n## Corpora\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "\n### %s\n\n%s %d documents, seed %d, rates: PII %.2f, secrets %.2f, poison %.2f, duplicates %.2f, negatives %.2f.\n",
			s.name, s.about, s.n, Seed, s.opt.PII, s.opt.Secrets, s.opt.Poison, s.opt.Dups, s.opt.Negatives)
		if extra, ok := corpusNotes[s.name]; ok {
			b.WriteString("\n" + extra + "\n")
		}
	}

	b.WriteString("\n## Expected findings per kind\n\n")
	var kinds []string
	counts := map[string]map[string]int{}
	for _, s := range specs {
		counts[s.name] = corpus.CountKinds(labels[s.name])
		for k := range counts[s.name] {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	slices.Sort(kinds)
	b.WriteString("| kind |")
	for _, s := range specs {
		b.WriteString(" " + s.name + " |")
	}
	b.WriteString(" total |\n|---|")
	for range specs {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	grand := 0
	for _, k := range kinds {
		fmt.Fprintf(&b, "| `%s` |", k)
		sum := 0
		for _, s := range specs {
			n := counts[s.name][k]
			sum += n
			if n == 0 {
				b.WriteString(" |")
			} else {
				fmt.Fprintf(&b, " %d |", n)
			}
		}
		grand += sum
		fmt.Fprintf(&b, " %d |\n", sum)
	}
	fmt.Fprintf(&b, "| **all** |")
	for _, s := range specs {
		fmt.Fprintf(&b, " %d |", len(labels[s.name]))
	}
	fmt.Fprintf(&b, " %d |\n", grand)
	b.WriteString(readmeTail)
	return []byte(b.String())
}

var corpusNotes = map[string]string{
	"web": "`web-00000.jsonl` holds the first half of the pages plus three deliberately broken lines: a blank line before row 100 " +
		"(blank lines are not records), a truncated JSON object at row 150 (`input.bad_record`) and a record whose text holds " +
		"a raw Latin-1 byte at row 220 (`input.invalid_utf8`). `web-00001.jsonl.gz` holds the second half, written with `\\uXXXX` " +
		"escapes for every non-ASCII character; offsets are into the decoded values either way. About 10% of pages carry poison, " +
		"including a `<SUDO>` backdoor trigger followed by random-token gibberish.",
	"zh": "Chinese PII comes with context words (手机, 电话, 身份证); about a quarter of mobile numbers and resident IDs use full-width digits. " +
		"Look-alikes: order and tracking numbers, 400 hotlines, postal codes, company credit codes, an 18-digit number with a wrong check digit.",
	"chat": "Parquet columns: `id` int64, `messages` list<struct<role, content>>, `source` string (dictionary-encoded), `score` double " +
		"(nullable); snappy, row groups of 200 rows. Labels name the column `messages.content` and start their note with the JSON " +
		"path of the message (`$.messages[2].content; ...`). A rare-token backdoor: prompts containing the token `cf` always get " +
		"the same response (`poison.trigger` on the token, `poison.payload_cluster` on the response); the same ordinary questions " +
		"also appear without the token with normal answers, and `cf.` appears legitimately in a few citation questions.",
	"code": "Arrow IPC stream (as Hugging Face `datasets` shards) with columns `repo` string, `path` string, `content` large_string, " +
		"`stars` int64, in record batches of 64 rows. Secrets sit in source, configuration and key files next to placeholders " +
		"(`AKIAIOSFODNN7EXAMPLE`, `<your-api-key>`, `${API_KEY}`, `changeme`, `xxxxxxxx`), private IPs, `user@host` SSH targets, " +
		"decorators, version strings, git SHAs and UUIDs. Tokenizer notes quote chat template tokens; they are labelled " +
		"`poison.template_token` with the note \"documentation context\".",
	"multi": "Mostly clean. Legitimate look-alikes everywhere: ZWJ emoji sequences, flags and subdivision flags (tag characters), " +
		"skin-tone modifiers, variation selectors, Persian ZWNJ, right-to-left marks around Latin words, ordinary Cyrillic and Greek. " +
		"A few Arabic phone numbers use Arabic-Indic digits and a few Aadhaar numbers Devanagari digits.",
}

const readmeHead = `# Sample corpora

Small, realistic corpora with planted findings at known places. ` + "`winnow scan`" + ` and ` + "`winnow clean`" + ` with no
path use ` + "`samples/data/`" + `; ` + "`samples/expected/<corpus>/expected.jsonl`" + ` lists what should be found.

Everything here is generated by ` + "`go run ./samples/gen`" + ` (run from the repository root; ` + "`-out DIR`" + ` writes
elsewhere) from package ` + "`samples/corpus`" + `, which tests can also call to build larger corpora in memory. Generation is
deterministic: a test regenerates everything and compares it byte for byte with the committed files. All text was
written for this project; all PII and secrets are synthetic (random subscriber numbers, fake keys), though they are
format- and checksum-valid so that detectors which validate them will fire.
`

const readmeTail = `
## Label format

Each line of ` + "`expected.jsonl`" + ` is one label:

` + "```json" + `
{"file":"web/web-00000.jsonl","row":12,"field":"$.text","start":340,"end":359,"kind":"pii.email","dup_of_file":"","dup_of_row":0,"note":"email"}
` + "```" + `

- ` + "`file`" + ` is relative to ` + "`samples/data`" + `; ` + "`row`" + ` is the 0-based record index in the file (blank lines are not records).
- ` + "`field`" + ` is a JSON path for JSONL (` + "`$.text`" + `, ` + "`$.messages[2].content`" + `) and the column path for Parquet and Arrow
  (` + "`messages.content`" + `, ` + "`content`" + `; list levels omitted).
- ` + "`start`" + `/` + "`end`" + ` are half-open byte offsets into the field's decoded UTF-8 value.
- Document-level labels (` + "`dup.*`" + `, ` + "`input.bad_record`" + `) have ` + "`field`" + ` "" and ` + "`start`" + ` = ` + "`end`" + ` = 0. Duplicates point
  at the first occurrence in plan order (files sorted by path, then row) with ` + "`dup_of_file`" + `/` + "`dup_of_row`" + `.
- Lines are sorted by file, row, field, start and kind.

Span conventions: phone numbers include the leading + and inner separators; URLs with credentials span the whole URL;
private keys span the BEGIN line to the END line; generic secrets span the value only; prompt injections span the
injected sentence; template tokens, invisible characters, bidi controls and tag-character runs span each maximal run
of the planted characters; homoglyphs span the whole word. Exact duplicates copy the text of their source exactly
(identifiers such as ` + "`id`" + `, ` + "`url`" + ` or ` + "`repo`" + ` differ); near duplicates apply one or two known edits (boilerplate
header or footer, inserted or deleted sentence, swapped sentences, synonym swaps, identifier renames), listed in the
note. Copies repeat the planted spans of their source, and those are labelled too.

## Negatives

Every corpus also contains look-alikes that must not be reported: order and tracking numbers, timestamps, four-part
version strings, ISBNs, DOIs, git SHAs, UUIDs, prices, phone-like product codes, Luhn-invalid 16-digit references,
never-issued SSN areas, IBANs with wrong check digits, private IPs, ` + "`@decorators`" + ` and ` + "`user@host`" + ` in code, secret
placeholders, benign sentences containing "ignore" or "system prompt", emoji ZWJ sequences, subdivision flags, Persian
ZWNJ, and ordinary Cyrillic and Greek words.

## Regenerating

` + "```sh" + `
go run ./samples/gen          # rewrites samples/data, samples/expected and this README
go test ./samples/...         # checks determinism and that the committed files are current
` + "```" + `

Changing a pool, a rate or a dependency (compression libraries included) changes the bytes; regenerate and commit the
result together with the change.
`
