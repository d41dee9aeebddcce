package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// fixtures are the output directories under testdata/ rendered by the
// tests.
var fixtures = []string{"basic", "minimal"}

func render(t testing.TB, dir string, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, dir, opt); err != nil {
		t.Fatalf("Render(%s): %v", dir, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			got := render(t, filepath.Join("testdata", name), Options{})
			golden := filepath.Join("testdata", name+".golden.html")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update after checking the change)\n%s", golden, firstDiff(got, want))
			}
		})
	}
}

func firstDiff(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y []byte
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if !bytes.Equal(x, y) {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + clip(x) + "\nwant: " + clip(y)
		}
	}
	return ""
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// rawStrings returns every "value" and "detail" of a findings.jsonl, the
// strings that must never reach the page.
func rawStrings(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct {
			Value  *string `json:"value"`
			Detail *string `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if row.Value != nil {
			out = append(out, *row.Value)
		}
		if row.Detail != nil {
			out = append(out, *row.Detail)
		}
	}
	return out
}

func TestNoRawValues(t *testing.T) {
	// Sensitive words inside trigger candidates of testdata/basic that
	// must be masked, in addition to the findings' values and details.
	triggerCanaries := []string{"trigger.canary", "example.org", "4000-1234-5678-9010", "5678"}
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			page := string(render(t, dir, Options{}))
			raws := rawStrings(t, filepath.Join(dir, FindingsJSONLFile))
			if name == "basic" {
				if len(raws) < 5 {
					t.Fatalf("fixture has only %d raw values; the test would prove little", len(raws))
				}
				raws = append(raws, triggerCanaries...)
				raws = append(raws, "strings are never shown", "bob.detail.canary")
			}
			for _, raw := range raws {
				for _, form := range []string{raw, html.EscapeString(raw), strings.TrimSpace(raw)} {
					if len(form) >= 3 && strings.Contains(page, form) {
						t.Errorf("page contains raw value %q", form)
					}
				}
			}
			if strings.Contains(page, "canary") {
				t.Errorf("page contains a canary string")
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	page := string(render(t, filepath.Join("testdata", "basic"), Options{Title: `Audit <script>alert("t")</script>`}))
	for _, bad := range []string{"<b>evil", "<script", "<img", "\u202e", "\u200b"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;b&gt;evil&lt;/b&gt;⟨U&#43;202E⟩gnp.jsonl", "Audit &lt;script&gt;", "U&#43;200B", "&lt;|im_start|&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

var svgRE = regexp.MustCompile(`(?s)<svg\b.*?</svg>`)

func TestSVGWellFormed(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			page := render(t, filepath.Join("testdata", name), Options{})
			svgs := svgRE.FindAll(page, -1)
			if name == "basic" && len(svgs) < 6 {
				t.Fatalf("found %d SVGs, want the outcome bar, kinds chart, histogram, file and score bars", len(svgs))
			}
			for i, svg := range svgs {
				if err := checkXML(svg); err != nil {
					t.Errorf("svg %d: %v\n%s", i, err, clip(svg))
				}
			}
		})
	}
}

// checkXML decodes b strictly as one XML element.
func checkXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 || roots != 1 {
		return errors.New("not a single balanced element")
	}
	return nil
}

func TestDeterministic(t *testing.T) {
	dir := filepath.Join("testdata", "basic")
	first := render(t, dir, Options{})
	for i := range 5 {
		if got := render(t, dir, Options{}); !bytes.Equal(got, first) {
			t.Fatalf("render %d differs from the first\n%s", i+2, firstDiff(got, first))
		}
	}
	// A Generated stamp is the only variable text.
	stamped := render(t, dir, Options{Generated: "2030-01-02 run 7"})
	if !bytes.Contains(stamped, []byte("2030-01-02 run 7")) {
		t.Error("Generated text missing")
	}
	if bytes.Contains(first, []byte("Generated")) {
		t.Error("page without Options.Generated mentions a generation time")
	}
}

// TestParquetMatchesJSONL writes the fixture's findings as Parquet, with
// raw values in a value column as --show-values does, and checks the page
// is identical to the JSONL one and holds no value.
func TestParquetMatchesJSONL(t *testing.T) {
	src := filepath.Join("testdata", "basic")
	dir := t.TempDir()
	report, err := os.ReadFile(filepath.Join(src, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), report, 0o644); err != nil {
		t.Fatal(err)
	}
	jl, err := os.ReadFile(filepath.Join(src, FindingsJSONLFile))
	if err != nil {
		t.Fatal(err)
	}
	var rows []fullRow
	for _, line := range bytes.Split(bytes.TrimSpace(jl), []byte("\n")) {
		var r fullRow
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	writeParquetFindings(t, filepath.Join(dir, FindingsParquetFile), rows)
	var n int
	for fd, err := range ReadFindings(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if fd.Kind == "" || fd.File == "" {
			t.Errorf("row %d decoded empty: %+v", n, fd)
		}
		n++
	}
	if n != len(rows) {
		t.Fatalf("read %d rows from Parquet, wrote %d", n, len(rows))
	}
	got := render(t, dir, Options{})
	want := render(t, src, Options{})
	if !bytes.Equal(got, want) {
		t.Errorf("Parquet and JSONL findings render differently\n%s", firstDiff(got, want))
	}
	for _, r := range rows {
		if r.Value != nil && bytes.Contains(got, []byte(*r.Value)) {
			t.Errorf("page contains value %q", *r.Value)
		}
	}
}

var numRE = regexp.MustCompile(`id="(records-in|records-kept|records-redacted|records-dropped|findings-total)" data-value="(\d+)"[^>]*>([0-9,]+)<`)

func TestKeyNumbers(t *testing.T) {
	page := render(t, filepath.Join("testdata", "basic"), Options{})
	want := map[string]string{"records-in": "1200", "records-kept": "1000", "records-redacted": "120", "records-dropped": "80", "findings-total": "14"}
	got := map[string]string{}
	for _, m := range numRE.FindAllSubmatch(page, -1) {
		id, raw, text := string(m[1]), string(m[2]), string(m[3])
		if strings.ReplaceAll(text, ",", "") != raw {
			t.Errorf("%s: shown %q but data-value %q", id, text, raw)
		}
		if _, dup := got[id]; dup {
			t.Errorf("id %s appears twice", id)
		}
		got[id] = raw
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s = %q, want %q", id, got[id], w)
		}
	}
	if !bytes.Contains(page, []byte(`id="conservation" data-ok="true"`)) {
		t.Error("conservation check not shown as passing")
	}
}

func TestSelfContained(t *testing.T) {
	page := string(render(t, filepath.Join("testdata", "basic"), Options{}))
	page = strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, bad := range []string{"http://", "https://", "//fonts", "<script", "<link", "<img", "<iframe", "@import", "url(", " src=", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if !strings.Contains(page, "default-src 'none'") {
		t.Error("no Content-Security-Policy")
	}
}

func TestErrors(t *testing.T) {
	t.Run("missing dir", func(t *testing.T) {
		err := Render(io.Discard, filepath.Join(t.TempDir(), "nope"), Options{})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("bad report", func(t *testing.T) {
		var buf bytes.Buffer
		err := RenderFrom(&buf, []byte(`{"totals": "secret.canary@example.com"}`), nil, Options{})
		if !errors.Is(err, ErrBadReport) {
			t.Errorf("err = %v, want ErrBadReport", err)
		}
		if err != nil && strings.Contains(err.Error(), "canary") {
			t.Errorf("error quotes input: %v", err)
		}
		if buf.Len() != 0 {
			t.Error("failed render wrote output")
		}
	})
	t.Run("bad findings line", func(t *testing.T) {
		dir := t.TempDir()
		copyFile(t, filepath.Join("testdata", "minimal", ReportFile), filepath.Join(dir, ReportFile))
		bad := "{\"file\":\"a.jsonl\",\"kind\":\"pii.email\"}\n{\"value\":\"x.canary@example.com\",\n"
		if err := os.WriteFile(filepath.Join(dir, FindingsJSONLFile), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		err := Render(&buf, dir, Options{})
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("err = %v, want one naming line 2", err)
		}
		if err != nil && strings.Contains(err.Error(), "canary") {
			t.Errorf("error quotes input: %v", err)
		}
		if buf.Len() != 0 {
			t.Error("failed render wrote output")
		}
	})
	t.Run("bad parquet", func(t *testing.T) {
		dir := t.TempDir()
		copyFile(t, filepath.Join("testdata", "minimal", ReportFile), filepath.Join(dir, ReportFile))
		if err := os.WriteFile(filepath.Join(dir, FindingsParquetFile), []byte("PAR1 not really"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Render(io.Discard, dir, Options{}); err == nil {
			t.Error("corrupt Parquet accepted")
		}
	})
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMissingFindingsAndConservation(t *testing.T) {
	report := []byte(`{"totals": {"records_in": 10, "kept": 5, "redacted": 1, "dropped": 1, "findings": 2},
		"files": [{"file": "x.jsonl", "records_in": 10, "kept": 5, "redacted": 1, "dropped": 1, "findings": 2}],
		"findings_by_kind": {"pii.email": 2}, "dropped_by_kind": {"pii.email": 1}}`)
	tests := []struct {
		name     string
		findings func(yield func(Finding, error) bool)
		want     []string
	}{
		{"nil", nil, []string{"was not read"}},
		{"no file", ReadFindings(t.TempDir()), []string{"No findings file was found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderFrom(&buf, report, tt.findings, Options{}); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			for _, w := range append(tt.want, `data-ok="false"`, "Records do not add up", "drop 1") {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}

func TestFindingsCountMismatchNoted(t *testing.T) {
	report := []byte(`{"totals": {"records_in": 1, "kept": 1, "findings": 3}, "findings_by_kind": {"pii.email": 3}}`)
	seq := func(yield func(Finding, error) bool) {
		yield(Finding{File: "a", Kind: "pii.email", Action: "redact"}, nil)
	}
	var buf bytes.Buffer
	if err := RenderFrom(&buf, report, seq, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "The findings file holds 1 rows while report.json counts 3 findings.") {
		t.Error("mismatch between findings file and report not noted")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{ReportFile, FindingsJSONLFile} {
		copyFile(t, filepath.Join("testdata", "basic", n), filepath.Join(dir, n))
	}
	path, err := WriteFile(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, PageFile) {
		t.Errorf("path = %s", path)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := render(t, dir, Options{}); !bytes.Equal(got, want) {
		t.Error("WriteFile and Render differ")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("dir holds %d entries, want 3 (temporary file left?)", len(entries))
	}
}

func TestLimits(t *testing.T) {
	page := string(render(t, filepath.Join("testdata", "basic"), Options{MaxFiles: 1, TopTriggers: 1, TopClusters: 1, TopRecurring: 1}))
	for _, want := range []string{
		"Showing the 1 files with the most findings out of 3.",
		"Showing the top 1 of 4 ranked candidates.",
		"Showing the 1 largest of the 2 clusters",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "8000010000000002") {
		t.Error("second cluster shown despite TopClusters=1")
	}
}

func ExampleRenderFrom() {
	report := []byte(`{"totals": {"records_in": 1852, "kept": 1326, "redacted": 303, "dropped": 223}}`)
	var buf bytes.Buffer
	if err := RenderFrom(&buf, report, nil, Options{}); err != nil {
		panic(err)
	}
	for line := range strings.Lines(buf.String()) {
		if strings.Contains(line, `id="records-in"`) {
			fmt.Print(strings.TrimSpace(line))
		}
	}
	// Output: <span class="num" id="records-in" data-value="1852" aria-describedby="records-in-label">1,852</span>
}

func readFixture(path string) ([]byte, error) { return os.ReadFile(filepath.FromSlash(path)) }

// fullRow mirrors scanner.FindingRow: every column winnow writes.
type fullRow struct {
	File       string   `parquet:"file,dict" json:"file"`
	Row        int64    `parquet:"row" json:"row"`
	Field      string   `parquet:"field,dict" json:"field"`
	Start      int64    `parquet:"start" json:"start"`
	End        int64    `parquet:"end" json:"end"`
	Kind       string   `parquet:"kind,dict" json:"kind"`
	Detector   string   `parquet:"detector,dict" json:"detector"`
	Confidence float64  `parquet:"confidence" json:"confidence"`
	Action     string   `parquet:"action,dict" json:"action"`
	ValueHash  string   `parquet:"value_hash" json:"value_hash"`
	Cluster    *string  `parquet:"cluster,optional" json:"cluster,omitempty"`
	KeptFile   *string  `parquet:"kept_file,optional" json:"kept_file,omitempty"`
	KeptRow    *int64   `parquet:"kept_row,optional" json:"kept_row,omitempty"`
	Similarity *float64 `parquet:"similarity,optional" json:"similarity,omitempty"`
	Detail     *string  `parquet:"detail,optional" json:"detail,omitempty"`
	Value      *string  `parquet:"value,optional" json:"value,omitempty"`
}

func writeParquetFindings(t testing.TB, path string, rows []fullRow) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[fullRow](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
