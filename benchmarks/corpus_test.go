package benchmarks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// genLines generates n JSONL records with a high secret rate and returns
// the lines and their labels (Line filled in).
func genLines(t *testing.T, seed uint64, n int) ([][]byte, []Label) {
	t.Helper()
	g := NewGenerator(seed)
	g.SecretScale = 20
	g.PlantRate = 0.3
	var lines [][]byte
	var labels []Label
	for i := 0; i < n; i++ {
		line := g.AppendJSONL(nil)
		lines = append(lines, line)
		for _, l := range g.Labels() {
			l.Row, l.Line = int64(i), int64(i+1)
			labels = append(labels, l)
		}
	}
	return lines, labels
}

// fieldValue returns the decoded string at a label's JSON path.
func fieldValue(t *testing.T, line []byte, field string) string {
	t.Helper()
	var rec struct {
		Text     string `json:"text"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("invalid JSON line: %v", err)
	}
	if field == "$.text" {
		return rec.Text
	}
	i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(field, "$.messages["), "].content"))
	if err != nil || i >= len(rec.Messages) {
		t.Fatalf("bad field %q", field)
	}
	return rec.Messages[i].Content
}

func TestGeneratorLabelsPointAtValues(t *testing.T) {
	lines, labels := genLines(t, 3, 3000)
	kinds := map[string]int{}
	for _, l := range labels {
		line := lines[l.Row]
		v := fieldValue(t, line, l.Field)
		if l.Start < 0 || l.End > len(v) || l.Start >= l.End {
			t.Fatalf("line %d: span %d..%d out of field %s (len %d)", l.Line, l.Start, l.End, l.Field, len(v))
		}
		sum := sha256.Sum256([]byte(v[l.Start:l.End]))
		if hex.EncodeToString(sum[:]) != l.SHA256 {
			t.Errorf("line %d %s: sha256 of the decoded span does not match the label", l.Line, l.Kind)
		}
		var raw string
		if err := json.Unmarshal([]byte(`"`+string(line[l.Col:l.ColEnd])+`"`), &raw); err != nil || raw != v[l.Start:l.End] {
			t.Errorf("line %d %s: raw columns %d..%d do not hold the escaped value (%v)", l.Line, l.Kind, l.Col, l.ColEnd, err)
		}
		kinds[l.Kind]++
	}
	for _, want := range []string{"secret.aws_access_key_id", "secret.aws_secret_access_key", "secret.github_token",
		"secret.slack_token", "secret.slack_webhook", "secret.stripe_key", "secret.private_key", "secret.jwt",
		"secret.google_api_key", "secret.openai_key", "secret.generic_high_entropy", "pii.email", "poison.prompt_injection"} {
		if kinds[want] == 0 {
			t.Errorf("no %s planted in 3000 records (kinds: %v)", want, kinds)
		}
	}
}

func TestGeneratorDeterministicAndValid(t *testing.T) {
	a := NewGenerator(9).JSONL(1 << 20)
	b := NewGenerator(9).JSONL(1 << 20)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different corpora")
	}
	if c := NewGenerator(10).JSONL(1 << 20); bytes.Equal(a[:4096], c[:4096]) {
		t.Fatal("different seeds gave the same corpus")
	}
	if !utf8.Valid(a) {
		t.Fatal("corpus is not valid UTF-8")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(a, []byte("\n")), []byte("\n")) {
		if !json.Valid(line) {
			t.Fatalf("line %d is not valid JSON: %.200s", i+1, line)
		}
	}
}

// TestGeneratorVariety guards against template-heavy text: the share of
// distinct sentences and word 5-grams in English web text must be high.
func TestGeneratorVariety(t *testing.T) {
	g := NewGenerator(5)
	g.ExactDupRate, g.NearDupRate = 0, 0
	sentences, distinct := 0, map[string]bool{}
	grams, distinctGrams := 0, map[string]bool{}
	words := map[string]bool{}
	for sentences < 5000 {
		tb := &g.bufs[0]
		tb.reset()
		g.web(tb, false, false)
		for _, s := range strings.FieldsFunc(string(tb.b), func(r rune) bool { return r == '.' || r == '?' || r == '\n' }) {
			s = strings.TrimSpace(s)
			if len(s) < 20 {
				continue
			}
			sentences++
			distinct[s] = true
			w := strings.Fields(s)
			for _, x := range w {
				words[strings.ToLower(x)] = true
			}
			for i := 0; i+5 <= len(w); i++ {
				grams++
				distinctGrams[strings.Join(w[i:i+5], " ")] = true
			}
		}
	}
	if r := float64(len(distinct)) / float64(sentences); r < 0.97 {
		t.Errorf("only %.1f%% of %d sentences are distinct", 100*r, sentences)
	}
	if r := float64(len(distinctGrams)) / float64(grams); r < 0.9 {
		t.Errorf("only %.1f%% of %d word 5-grams are distinct", 100*r, grams)
	}
	if len(words) < 2000 {
		t.Errorf("vocabulary of %d words in 5000 sentences; want >= 2000", len(words))
	}
	t.Logf("%d sentences, %.1f%% distinct; %.1f%% distinct 5-grams; %d words",
		sentences, 100*float64(len(distinct))/float64(sentences), 100*float64(len(distinctGrams))/float64(grams), len(words))
}

func TestGeneratorAppendTextLabels(t *testing.T) {
	g := NewGenerator(4)
	g.SecretScale, g.PlantRate = 20, 0.3
	n := 0
	for i := 0; i < 2000; i++ {
		text, _ := g.AppendText([]byte("prefix that is not part of the text"))
		text = text[len("prefix that is not part of the text"):]
		for _, l := range g.Labels() {
			n++
			if l.Field != "text" || l.End > len(text) {
				t.Fatalf("record %d: label %+v out of range (len %d)", i, l, len(text))
			}
			sum := sha256.Sum256(text[l.Start:l.End])
			if hex.EncodeToString(sum[:]) != l.SHA256 {
				t.Errorf("record %d %s: span does not hold the planted value", i, l.Kind)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d labels in 2000 records", n)
	}
}

// BenchmarkGenerateJSONL measures corpus generation speed (the issue asks
// for > 100 MB/s so that multi-GB corpora are cheap to make).
func BenchmarkGenerateJSONL(b *testing.B) {
	g := NewGenerator(1)
	var buf []byte
	n := 0
	for i := 0; i < 1000; i++ {
		buf = g.AppendJSONL(buf[:0])
		n += len(buf)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 1000; j++ {
			buf = g.AppendJSONL(buf[:0])
		}
	}
}
