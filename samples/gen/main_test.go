package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/winnow-data/winnow/samples/corpus"
)

// readTree returns every file under root, keyed by slash-separated
// relative path.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGenerateTwice writes the samples into two temporary directories and
// compares them byte for byte, then compares them with the committed files.
func TestGenerateTwice(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		files, err := generate()
		if err != nil {
			t.Fatal(err)
		}
		if err := write(d, files); err != nil {
			t.Fatal(err)
		}
	}
	a, b := readTree(t, dirs[0]), readTree(t, dirs[1])
	if len(a) != len(b) {
		t.Fatalf("runs wrote %d and %d files", len(a), len(b))
	}
	for p, data := range a {
		if !bytes.Equal(data, b[p]) {
			t.Errorf("%s differs between two runs", p)
		}
	}

	// The committed samples must equal a fresh generation.
	for p, data := range a {
		committed, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(p)))
		if err != nil {
			t.Errorf("%s: %v (run `go run ./samples/gen`)", p, err)
			continue
		}
		if !bytes.Equal(committed, data) {
			t.Errorf("samples/%s is stale: run `go run ./samples/gen` and commit the result", p)
		}
	}
}

// generated returns one generation shared by the read-only tests.
var generated = sync.OnceValues(generate)

func TestTotalSize(t *testing.T) {
	files, err := generated()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		total += len(f.data)
	}
	if total > 4<<20 {
		t.Errorf("samples total %d bytes, want at most 4 MiB", total)
	}
}

// record is one decoded record of a data file: its string values by field
// name (JSON path for JSONL, column path plus message index for columnar).
type record struct {
	values map[string]string
	bad    bool
	raw    []byte
}

// loadData decodes every data file of a generation.
func loadData(t *testing.T, files []file) map[string][]record {
	t.Helper()
	out := map[string][]record{}
	for _, f := range files {
		if !strings.HasPrefix(f.path, "data/") {
			continue
		}
		name := strings.TrimPrefix(f.path, "data/")
		var recs []record
		switch {
		case strings.HasSuffix(name, ".jsonl"):
			recs = jsonlRecords(t, name, f.data)
		case strings.HasSuffix(name, ".jsonl.gz"):
			zr, err := gzip.NewReader(bytes.NewReader(f.data))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range raw {
				if c >= 0x80 {
					t.Fatalf("%s: non-ASCII byte, want \\u escapes", name)
				}
			}
			recs = jsonlRecords(t, name, raw)
		case strings.HasSuffix(name, ".jsonl.zst"):
			zr, err := zstd.NewReader(bytes.NewReader(f.data))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(zr)
			zr.Close()
			if err != nil {
				t.Fatal(err)
			}
			recs = jsonlRecords(t, name, raw)
		case strings.HasSuffix(name, ".parquet"):
			recs = parquetRecords(t, name, f.data)
		case strings.HasSuffix(name, ".arrow"):
			recs = arrowRecords(t, name, f.data)
		default:
			t.Fatalf("unexpected data file %s", name)
		}
		if len(recs) != f.records {
			t.Errorf("%s: decoded %d records, README says %d", name, len(recs), f.records)
		}
		out[name] = recs
	}
	return out
}

// flatten collects the string leaves of a decoded JSON value by JSON path.
func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case string:
		out[prefix] = x
	case map[string]any:
		for k, e := range x {
			flatten(prefix+"."+k, e, out)
		}
	case []any:
		for i, e := range x {
			flatten(prefix+"["+strconv.Itoa(i)+"]", e, out)
		}
	}
}

func jsonlRecords(t *testing.T, name string, data []byte) []record {
	t.Helper()
	var recs []record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec := record{values: map[string]string{}, raw: slices.Clone(line)}
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			rec.bad = true
		} else {
			flatten("$", v, rec.values)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

func parquetRecords(t *testing.T, name string, data []byte) []record {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(f.RowGroups()) < 2 {
		t.Errorf("%s: %d row groups, want at least 2", name, len(f.RowGroups()))
	}
	r := parquet.NewGenericReader[corpus.ChatRow](bytes.NewReader(data))
	defer r.Close()
	rows := make([]corpus.ChatRow, r.NumRows())
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("%s: %v", name, err)
	}
	var recs []record
	for _, row := range rows[:n] {
		rec := record{values: map[string]string{"source": row.Source}}
		for k, m := range row.Messages {
			rec.values[fmt.Sprintf("messages.content#%d", k)] = m.Content
			rec.values[fmt.Sprintf("messages.role#%d", k)] = m.Role
		}
		recs = append(recs, rec)
	}
	return recs
}

func arrowRecords(t *testing.T, name string, data []byte) []record {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer r.Release()
	var recs []record
	for r.Next() {
		rec := r.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			recs = append(recs, record{values: map[string]string{
				"repo":    rec.Column(0).(*array.String).Value(i),
				"path":    rec.Column(1).(*array.String).Value(i),
				"content": rec.Column(2).(*array.LargeString).Value(i),
			}})
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

// value returns the value a label points at, using the message index that
// columnar labels carry at the start of their note.
func (r record) value(l corpus.Label) (string, bool) {
	if corpus.Columnar(l.File) && strings.HasPrefix(l.Note, "$.messages[") {
		var k int
		if _, err := fmt.Sscanf(l.Note, "$.messages[%d]", &k); err != nil {
			return "", false
		}
		v, ok := r.values[fmt.Sprintf("%s#%d", l.Field, k)]
		return v, ok
	}
	v, ok := r.values[l.Field]
	return v, ok
}

// TestLabelsResolveInData decodes every committed data file as a reader
// would and checks that each expected label resolves to a record and a
// span inside the decoded value.
func TestLabelsResolveInData(t *testing.T) {
	files, err := generated()
	if err != nil {
		t.Fatal(err)
	}
	data := loadData(t, files)
	plan := slices.Sorted(func(yield func(string) bool) {
		for k := range data {
			if !yield(k) {
				return
			}
		}
	})
	rank := map[string]int{}
	for i, p := range plan {
		rank[p] = i
	}
	kinds := map[string]int{}
	var notes strings.Builder
	for _, s := range specs {
		var buf []byte
		for _, f := range files {
			if f.path == "expected/"+s.name+"/expected.jsonl" {
				buf = f.data
			}
		}
		labels, err := corpus.ReadExpected(bytes.NewReader(buf))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(labels, corpus.CompareLabels) {
			t.Errorf("%s: expected.jsonl is not sorted", s.name)
		}
		for _, l := range labels {
			kinds[l.Kind]++
			notes.WriteString(l.Note + "\n")
			recs, ok := data[l.File]
			if !ok || l.Row < 0 || l.Row >= int64(len(recs)) {
				t.Errorf("label %+v: no such record", l)
				continue
			}
			rec := recs[l.Row]
			switch {
			case l.Kind == corpus.KindBadRecord:
				if !rec.bad {
					t.Errorf("label %+v: record parses", l)
				}
				continue
			case rec.bad:
				t.Errorf("label %+v: record does not parse", l)
				continue
			case l.DocLevel():
				if !strings.HasPrefix(l.Kind, "dup.") {
					t.Errorf("label %+v: unexpected document-level kind", l)
				}
				src, ok := rank[l.DupOfFile]
				if !ok || src > rank[l.File] || src == rank[l.File] && l.DupOfRow >= l.Row {
					t.Errorf("label %+v: duplicate source is not an earlier record", l)
				}
				continue
			}
			v, ok := rec.value(l)
			if !ok {
				t.Errorf("label %+v: field not found", l)
				continue
			}
			if l.Start < 0 || l.End <= l.Start || l.End > int64(len(v)) {
				t.Errorf("label %+v: span outside value of length %d", l, len(v))
				continue
			}
			span := v[l.Start:l.End]
			if l.Kind == corpus.KindInvalidUTF8 {
				// encoding/json decodes the raw byte to U+FFFD; the raw
				// line still holds it.
				if !bytes.Contains(rec.raw, []byte{0xE9}) || !strings.HasPrefix(v[l.Start:], "\uFFFD") {
					t.Errorf("label %+v: invalid byte not found", l)
				}
				continue
			}
			if !utf8.ValidString(span) {
				t.Errorf("label %+v: span is not valid UTF-8", l)
			}
		}
	}
	for _, k := range []string{
		corpus.KindEmail, corpus.KindPhone, corpus.KindCreditCard, corpus.KindIBAN, corpus.KindUSSSN,
		corpus.KindCNResidentID, corpus.KindCNMobile, corpus.KindUKNINO, corpus.KindINAadhaar, corpus.KindIPAddress,
		corpus.KindMACAddress, corpus.KindCryptoWallet, corpus.KindURLCredentials,
		corpus.KindAWSAccessKeyID, corpus.KindGitHubToken, corpus.KindSlackToken, corpus.KindStripeKey,
		corpus.KindGoogleAPIKey, corpus.KindOpenAIKey, corpus.KindPrivateKey, corpus.KindJWT, corpus.KindGenericSecret,
		corpus.KindBidiControl, corpus.KindInvisibleChar, corpus.KindTagChar, corpus.KindHomoglyph,
		corpus.KindPromptInjection, corpus.KindTemplateToken, corpus.KindTrigger, corpus.KindGibberish,
		corpus.KindPayloadCluster, corpus.KindDupExact, corpus.KindDupNear, corpus.KindBadRecord, corpus.KindInvalidUTF8,
	} {
		if kinds[k] == 0 {
			t.Errorf("no %s label in the samples", k)
		}
	}
	// Variants the README promises.
	for _, want := range []string{"full-width digits", "arabic-indic digits", "devanagari digits", "documentation context",
		"trojan source", "(zh)", "(es)", "(fr)", "(de)", "(ar)", "(hi)", "eth eip55", "btc bech32", "btc p2pkh", "openssh", "rsa pkcs1"} {
		if !strings.Contains(notes.String(), want) {
			t.Errorf("no label note mentions %q", want)
		}
	}
}

// TestWebSpecialLines checks the broken lines of web-00000.jsonl.
func TestWebSpecialLines(t *testing.T) {
	files, err := generated()
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, f := range files {
		if f.path == "data/"+web0 {
			data = f.data
		}
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	blank, unparsable, invalid := 0, 0, 0
	for _, l := range lines {
		var v map[string]any
		switch {
		case len(l) == 0:
			blank++
		case json.Unmarshal(l, &v) != nil:
			unparsable++
		case !utf8.Valid(l):
			invalid++
		}
	}
	if blank != 1 || unparsable != 1 || invalid != 1 {
		t.Errorf("blank=%d unparsable=%d invalidUTF8=%d, want one of each", blank, unparsable, invalid)
	}
}
