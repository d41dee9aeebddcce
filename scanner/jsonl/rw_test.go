package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/winnow-data/winnow/scanner/records"
)

// roundTrip reads all of data as name and writes it back with decide
// choosing each record's decision and edits. It returns data and quarantine
// outputs (decompressed) and the batches' values.
func roundTrip(t testing.TB, name string, data []byte, opt records.ReadOptions,
	decide func(b *records.Batch) ([]records.Decision, []records.Edit)) (out, quar []byte, vals []string, err error) {
	out, quar, vals, _, err = roundTripBad(t, name, data, opt, decide)
	return out, quar, vals, err
}

// roundTripBad is roundTrip that also returns the 1-based lines of bad
// records.
func roundTripBad(t testing.TB, name string, data []byte, opt records.ReadOptions,
	decide func(b *records.Batch) ([]records.Decision, []records.Edit)) (out, quar []byte, vals []string, badLines []int64, err error) {
	r, err := Open(records.Source{Name: name, R: bytes.NewReader(data), Size: int64(len(data))}, opt)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer r.Close()
	var dataBuf, quarBuf bytes.Buffer
	w, err := r.NewWriter(records.Sinks{Data: &dataBuf, Quarantine: func() (io.Writer, error) { return &quarBuf, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var b records.Batch
	for {
		rerr := r.Next(&b)
		if rerr != nil && rerr != io.EOF {
			return nil, nil, nil, nil, rerr
		}
		for _, bad := range b.Bad {
			var re *records.RecordError
			if errors.As(bad.Err, &re) {
				badLines = append(badLines, re.Line)
			}
		}
		for i := 0; i < b.NumValues(); i++ {
			vals = append(vals, string(b.FieldName(i))+"="+string(b.Value(i)))
		}
		dec := make([]records.Decision, b.N)
		var edits []records.Edit
		if decide != nil {
			dec, edits = decide(&b)
		}
		if err := w.WriteBatch(&b, dec, edits); err != nil {
			t.Fatal(err)
		}
		if rerr == io.EOF {
			break
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return decompress(t, name, dataBuf.Bytes()), decompress(t, name, quarBuf.Bytes()), vals, badLines, nil
}

// withoutLines removes the given 1-based lines (with their newline).
func withoutLines(in []byte, lines []int64) []byte {
	parts := bytes.SplitAfter(in, []byte("\n"))
	drop := map[int64]bool{}
	for _, l := range lines {
		drop[l] = true
	}
	var out []byte
	for i, p := range parts {
		if !drop[int64(i+1)] {
			out = append(out, p...)
		}
	}
	return out
}

func decompress(t testing.TB, name string, b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	c, _ := Detect(name)
	switch c {
	case Gzip:
		zr, err := kgzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	case Zstd:
		zr, _ := zstd.NewReader(bytes.NewReader(b))
		defer zr.Close()
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return b
}

func compress(t testing.TB, c Compression, b []byte) []byte {
	var buf bytes.Buffer
	s, err := newStream(c, &buf)
	if err != nil {
		t.Fatal(err)
	}
	s.w.Write(b)
	s.flush()
	return buf.Bytes()
}

const clean = `{"id":1,"text":"alice@example.org wrote","n":1.50e3, "x" : [ 1 ,2 ] }
{"id":2,"text":"caf\u00e9 \"quoted\"","meta":{"url":"http://a.b/c"}}

   
{"id":5,"text":"last, no newline"}`

const sample = `{"id":1,"text":"alice@example.org wrote","n":1.50e3, "x" : [ 1 ,2 ] }
{"id":2,"text":"caf\u00e9 \"quoted\"","meta":{"url":"http://a.b/c"}}

   
{"id":3,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}
{"id":4,"text": broken}
{"id":5,"text":"last, no newline"}`

func TestRoundTripIdentity(t *testing.T) {
	inputs := map[string]string{
		"plain":         clean,
		"crlf":          strings.ReplaceAll(clean, "\n", "\r\n"),
		"trailing nl":   clean + "\n",
		"blank tail":    clean + "\n\n\n",
		"only blank":    "\n\n  \n",
		"one record":    `{"a":"b"}`,
		"leading blank": "\n\n" + clean,
	}
	for name, in := range inputs {
		for _, opt := range []records.ReadOptions{{}, {BatchRows: 1}, {BatchBytes: 10}, {BatchBytes: 64, BatchRows: 2}} {
			out, quar, _, err := roundTrip(t, "x.jsonl", []byte(in), opt, nil)
			if err != nil {
				t.Fatalf("%s %+v: %v", name, opt, err)
			}
			if !bytes.Equal(out, []byte(in)) || len(quar) != 0 {
				t.Errorf("%s %+v: output differs\n got %q\nwant %q", name, opt, out, in)
			}
		}
	}
}

func TestCompressedRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name  string
		codec Compression
	}{{"x.jsonl.gz", Gzip}, {"x.jsonl.zst", Zstd}, {"x.json.zst", Zstd}, {"x.ndjson", None}} {
		in := compress(t, c.codec, []byte(sample))
		out, quar, vals, err := roundTrip(t, c.name, in, records.ReadOptions{BatchRows: 2}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(out, withoutLines([]byte(sample), []int64{6})) || !bytes.Contains(quar, []byte("broken")) {
			t.Errorf("%s: content differs", c.name)
		}
		if len(vals) != 8 {
			t.Errorf("%s: %d values: %q", c.name, len(vals), vals)
		}
	}
}

func TestValuesAndBadRecords(t *testing.T) {
	r, err := Open(records.Source{Name: "s.jsonl", R: strings.NewReader(sample), Size: int64(len(sample))}, records.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b records.Batch
	if err := r.Next(&b); err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF with records", err)
	}
	if b.N != 5 {
		t.Fatalf("N = %d, want 5", b.N)
	}
	var got []string
	for i := 0; i < b.NumValues(); i++ {
		got = append(got, string(b.FieldName(i))+"|"+string(b.Value(i))+"|"+string(rune('0'+b.ValueRec[i])))
	}
	want := []string{
		"$.text|alice@example.org wrote|0",
		"$.text|café \"quoted\"|1",
		"$.meta.url|http://a.b/c|1",
		"$.messages[0].role|user|2", "$.messages[0].content|hi|2",
		"$.messages[1].role|assistant|2", "$.messages[1].content|yo|2",
		"$.text|last, no newline|4",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("values:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(b.Bad) != 1 || b.Bad[0].Rec != 3 {
		t.Fatalf("Bad = %+v", b.Bad)
	}
	var re *records.RecordError
	if !errors.As(b.Bad[0].Err, &re) || re.Line != 6 || re.Row != 3 || !errors.Is(b.Bad[0].Err, records.ErrBadRecord) {
		t.Errorf("bad record error = %v (%+v)", b.Bad[0].Err, re)
	}
	if msg := b.Bad[0].Err.Error(); msg != "s.jsonl:6: invalid character 'b' looking for a value (byte 16)" {
		t.Errorf("message = %q", msg)
	}
}

func TestEditsAndQuarantine(t *testing.T) {
	out, quar, _, err := roundTrip(t, "x.jsonl", []byte(sample), records.ReadOptions{BatchRows: 2}, func(b *records.Batch) ([]records.Decision, []records.Edit) {
		dec := make([]records.Decision, b.N)
		var edits []records.Edit
		for i := 0; i < b.NumValues(); i++ {
			v := string(b.Value(i))
			switch {
			case strings.Contains(v, "alice@"):
				dec[b.ValueRec[i]].Action = records.Redact
				edits = append(edits, records.Edit{Value: i, Data: []byte(strings.Replace(v, "alice@example.org", "[EMAIL]", 1))})
			case v == "hi":
				dec[b.ValueRec[i]] = records.Decision{Action: records.Drop, Reason: "poison.trigger"}
			case strings.HasPrefix(v, "café"):
				dec[b.ValueRec[i]].Action = records.Redact
				edits = append(edits, records.Edit{Value: i, Data: []byte("new \"q\"\n")})
			}
		}
		for _, bad := range b.Bad {
			dec[bad.Rec] = records.Decision{Action: records.Drop, Reason: "input.bad_record: " + bad.Err.Error()}
		}
		return dec, edits
	})
	if err != nil {
		t.Fatal(err)
	}
	wantOut := `{"id":1,"text":"[EMAIL] wrote","n":1.50e3, "x" : [ 1 ,2 ] }
{"id":2,"text":"new \"q\"\n","meta":{"url":"http://a.b/c"}}

   
{"id":5,"text":"last, no newline"}`
	if string(out) != wantOut {
		t.Errorf("data:\n%s\nwant:\n%s", out, wantOut)
	}
	wantQuar := `{"id":3,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"_winnow_reason":"poison.trigger"}
{"_winnow_reason":"input.bad_record: x.jsonl:6: invalid character 'b' looking for a value (byte 16)","_winnow_raw":"{\"id\":4,\"text\": broken}"}
`
	if string(quar) != wantQuar {
		t.Errorf("quarantine:\n%s\nwant:\n%s", quar, wantQuar)
	}
}

func TestQuarantineShapes(t *testing.T) {
	tests := []struct{ rec, want string }{
		{`{}`, `{"_winnow_reason":"r"}`},
		{`{ }`, `{"_winnow_reason":"r"}`},
		{`{"a":1}  `, `{"a":1,"_winnow_reason":"r"}`},
		{`["x"]`, `{"_winnow_reason":"r","_winnow_raw":"[\"x\"]"}`},
		{`"s"`, `{"_winnow_reason":"r","_winnow_raw":"\"s\""}`},
	}
	for _, tt := range tests {
		got := string(appendQuarantined(nil, []byte(tt.rec), "r", false))
		if got != tt.want+"\n" {
			t.Errorf("%s: got %s want %s", tt.rec, got, tt.want)
		}
	}
}

func TestLongLines(t *testing.T) {
	long := `{"text":"` + strings.Repeat("abcdefgh", 600_000) + `"}` // 4.8 MB, > one read chunk
	in := "{\"a\":\"1\"}\n" + long + "\n{\"b\":\"2\"}\n"
	out, _, vals, err := roundTrip(t, "x.jsonl", []byte(in), records.ReadOptions{BatchBytes: 1 << 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in || len(vals) != 3 {
		t.Fatalf("long line round trip failed (%d values)", len(vals))
	}
	_, _, _, err = roundTrip(t, "x.jsonl", []byte(in), records.ReadOptions{MaxRecordBytes: 1 << 20}, nil)
	var fe *records.FileError
	if !errors.As(err, &fe) || !errors.Is(err, records.ErrRecordTooLarge) || fe.Where != "line 2" {
		t.Fatalf("err = %v, want FileError at line 2 wrapping ErrRecordTooLarge", err)
	}
}

func TestCorruptCompressed(t *testing.T) {
	gz := compress(t, Gzip, []byte(strings.Repeat(sample+"\n", 200)))
	gz = gz[:len(gz)/2]
	_, _, _, err := roundTrip(t, "x.jsonl.gz", gz, records.ReadOptions{}, nil)
	if !errors.Is(err, records.ErrCorrupt) {
		t.Fatalf("truncated gzip: err = %v, want ErrCorrupt", err)
	}
	_, err = Open(records.Source{Name: "y.jsonl.gz", R: strings.NewReader("not gzip"), Size: 8}, records.ReadOptions{})
	if !errors.Is(err, records.ErrCorrupt) {
		t.Fatalf("bad gzip header: err = %v", err)
	}
	zs := compress(t, Zstd, []byte(strings.Repeat(sample+"\n", 200)))
	zs[len(zs)/2] ^= 0xff
	_, _, _, err = roundTrip(t, "x.jsonl.zst", zs, records.ReadOptions{}, nil)
	if !errors.Is(err, records.ErrCorrupt) {
		t.Fatalf("corrupt zstd: err = %v, want ErrCorrupt", err)
	}
}

func TestFieldFilter(t *testing.T) {
	for _, tt := range []struct {
		pat  []string
		want int
	}{{[]string{"$.text"}, 3}, {[]string{"messages[*].content"}, 2}, {[]string{"$.meta"}, 1}, {[]string{"$.messages[1]"}, 2}, {[]string{"$.nope"}, 0}} {
		f, err := records.NewFieldFilter(tt.pat)
		if err != nil {
			t.Fatal(err)
		}
		_, _, vals, err := roundTrip(t, "x.jsonl", []byte(sample), records.ReadOptions{Fields: f}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) != tt.want {
			t.Errorf("%v: %d values %q, want %d", tt.pat, len(vals), vals, tt.want)
		}
	}
}

// FuzzReadWrite: any input, read in small batches and written back with
// every record kept, reproduces the input byte for byte except for the bad
// records, which go to the quarantine one line each; it never panics.
func FuzzReadWrite(f *testing.F) {
	f.Add([]byte(sample), uint8(2))
	f.Add([]byte("\n\r\n{}\r\n[1]\n\"x\"\n{bad\n"), uint8(1))
	f.Add([]byte("{\"a\":\"\\ud800\"}\n\xff\xfe\n"), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, rows uint8) {
		out, quar, _, bad, err := roundTripBad(t, "f.jsonl", in, records.ReadOptions{BatchRows: int(rows%8) + 1, BatchBytes: 32}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := withoutLines(in, bad); !bytes.Equal(out, want) {
			t.Fatalf("round trip differs:\n got %q\nwant %q", out, want)
		}
		if n := bytes.Count(quar, []byte("\n")); n != len(bad) {
			t.Fatalf("%d quarantine lines for %d bad records", n, len(bad))
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(quar, []byte("\n")), []byte("\n")) {
			if len(quar) > 0 && !json.Valid(line) {
				t.Fatalf("quarantine line is not valid JSON: %q", line)
			}
		}
	})
}
