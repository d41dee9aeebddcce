package ciformat

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/winnow-data/winnow/detectors"
)

var update = flag.Bool("update", false, "rewrite testdata/expected from the current output")

// fixtureDir is a small winnow output directory: three input files (a
// Parquet file whose name has a comma and a colon, a clean JSONL file, and
// a JSONL file with PII, a secret, a bad record and an exact duplicate),
// findings written with --show-values.
const fixtureDir = "testdata/out"

// leakValues are the raw values in the fixture's `value` column. No output
// may contain them.
var leakValues = []string{"alice@example.com", "bob@example.org", "4111111111111111", "SECRET-VALUE-MUST-NOT-LEAK"}

// fixtureKinds is a partial catalogue: the other kinds fall back to
// report.json severities and generic descriptions.
var fixtureKinds = []detectors.Kind{
	{Name: "pii.email", Description: "email address", Severity: detectors.SeverityMedium},
	{Name: "secret.github_token", Description: "GitHub personal access or app token", Severity: detectors.SeverityCritical},
}

const fixturePolicy = "secret.*=any,pii.*>5,dup.*>10%,high,pii.*>25%"

func mustPolicy(t testing.TB, s string) Policy {
	t.Helper()
	p, err := ParsePolicy(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type writer func(io.Writer, string, Options) error

// goldenCases are the golden files and how each is made.
func goldenCases(t testing.TB) []struct {
	name string
	w    writer
	opt  Options
} {
	pol := mustPolicy(t, fixturePolicy)
	return []struct {
		name string
		w    writer
		opt  Options
	}{
		{"report.sarif", WriteSARIF, Options{Kinds: fixtureKinds}},
		{"github.txt", WriteGitHub, Options{Policy: pol, Kinds: fixtureKinds}},
		{"github-capped.txt", WriteGitHub, Options{Policy: pol, Kinds: fixtureKinds, MaxAnnotations: 3}},
		{"junit.xml", WriteJUnit, Options{Policy: pol, Kinds: fixtureKinds}},
		{"junit-rowcap.xml", WriteJUnit, Options{Policy: mustPolicy(t, "pii.*>0"), MaxFailureRows: 1}},
	}
}

func render(t testing.TB, w writer, dir string, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := w(&buf, dir, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			got := render(t, gc.w, fixtureDir, gc.opt)
			path := filepath.Join("testdata", "expected", gc.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update after checking the change):\n%s", path, firstDiff(got, want))
			}
			// Deterministic: a second run gives the same bytes.
			if again := render(t, gc.w, fixtureDir, gc.opt); !bytes.Equal(got, again) {
				t.Error("two runs gave different output")
			}
			for _, v := range leakValues {
				if bytes.Contains(got, []byte(v)) {
					t.Errorf("output contains the raw value %q", v)
				}
			}
		})
	}
}

func firstDiff(got, want []byte) string {
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + g + "\nwant: " + w
		}
	}
	return "(same lines)"
}

// writeParquetFindings converts a findings.jsonl into findings.parquet in
// dir, with the writer settings winnow itself uses.
func writeParquetFindings(t testing.TB, jsonlPath, dir string) {
	t.Helper()
	var rows []Finding
	if err := ReadFindings(jsonlPath, func(f *Finding) error {
		rows = append(rows, *f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, FindingsParquetFile))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	pw := parquet.NewGenericWriter[Finding](out, parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}))
	if _, err := pw.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
}

// copyFixture copies the fixture's report.json into a new directory.
func copyFixture(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(fixtureDir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestParquetFindings checks that a findings.parquet gives the same output
// as the same findings in JSONL.
func TestParquetFindings(t *testing.T) {
	dir := copyFixture(t)
	writeParquetFindings(t, filepath.Join(fixtureDir, FindingsJSONLFile), dir)
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			want := render(t, gc.w, fixtureDir, gc.opt)
			got := render(t, gc.w, dir, gc.opt)
			// The capped GitHub summary names the findings file.
			got = bytes.ReplaceAll(got, []byte(FindingsParquetFile), []byte(FindingsJSONLFile))
			if !bytes.Equal(got, want) {
				t.Errorf("parquet findings give different output:\n%s", firstDiff(got, want))
			}
		})
	}
}

func TestFindingsFileErrors(t *testing.T) {
	t.Run("missing report", func(t *testing.T) {
		err := WriteSARIF(io.Discard, t.TempDir(), Options{})
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v, want not-exist", err)
		}
	})
	t.Run("no findings file", func(t *testing.T) {
		err := WriteSARIF(io.Discard, copyFixture(t), Options{})
		if !errors.Is(err, ErrNoFindingsFile) {
			t.Errorf("err = %v, want ErrNoFindingsFile", err)
		}
	})
	t.Run("no findings at all", func(t *testing.T) {
		dir := t.TempDir()
		rep := `{"tool":{"name":"winnow","version":"v"},"totals":{"files":1,"records_in":2,"kept":2},"files":[{"file":"x.jsonl","format":"jsonl","records_in":2,"kept":2}],"findings_by_kind":{}}`
		if err := os.WriteFile(filepath.Join(dir, ReportFile), []byte(rep), 0o644); err != nil {
			t.Fatal(err)
		}
		sarif := render(t, WriteSARIF, dir, Options{})
		validateSARIF(t, sarif)
		if !bytes.Contains(sarif, []byte(`"results": []`)) {
			t.Errorf("want an empty results array:\n%s", sarif)
		}
		if gh := render(t, WriteGitHub, dir, Options{Policy: mustPolicy(t, "low")}); len(gh) != 0 {
			t.Errorf("GitHub output for a clean run = %q, want none", gh)
		}
		checkJUnit(t, render(t, WriteJUnit, dir, Options{Policy: mustPolicy(t, "low")}), 2, 0)
	})
	t.Run("both formats", func(t *testing.T) {
		dir := copyFixture(t)
		writeParquetFindings(t, filepath.Join(fixtureDir, FindingsJSONLFile), dir)
		b, _ := os.ReadFile(filepath.Join(fixtureDir, FindingsJSONLFile))
		os.WriteFile(filepath.Join(dir, FindingsJSONLFile), b, 0o644)
		if err := WriteSARIF(io.Discard, dir, Options{}); !errors.Is(err, ErrAmbiguousFindings) {
			t.Errorf("err = %v, want ErrAmbiguousFindings", err)
		}
		// An explicit choice resolves it.
		if err := WriteSARIF(io.Discard, dir, Options{FindingsFile: FindingsParquetFile}); err != nil {
			t.Error(err)
		}
	})
	t.Run("bad jsonl", func(t *testing.T) {
		dir := copyFixture(t)
		bad := `{"file":"a.jsonl","row":0,"kind":"pii.email"}` + "\n" + `{"file": "a.jsonl", "row": oops}` + "\n"
		os.WriteFile(filepath.Join(dir, FindingsJSONLFile), []byte(bad), 0o644)
		err := WriteSARIF(io.Discard, dir, Options{})
		if err == nil || !strings.Contains(err.Error(), "finding 1") {
			t.Errorf("err = %v, want a positioned error naming finding 1", err)
		}
	})
	t.Run("corrupt parquet", func(t *testing.T) {
		dir := copyFixture(t)
		writeParquetFindings(t, filepath.Join(fixtureDir, FindingsJSONLFile), dir)
		p := filepath.Join(dir, FindingsParquetFile)
		b, _ := os.ReadFile(p)
		for i := len(b) / 3; i < len(b)*2/3; i++ {
			b[i] ^= 0x5a
		}
		os.WriteFile(p, b, 0o644)
		for _, w := range []writer{WriteSARIF, WriteGitHub, WriteJUnit} {
			if err := w(io.Discard, dir, Options{}); err == nil {
				t.Error("corrupt findings.parquet read without error")
			}
		}
		os.WriteFile(p, []byte("PAR1 not parquet"), 0o644)
		if err := WriteSARIF(io.Discard, dir, Options{}); err == nil {
			t.Error("truncated findings.parquet read without error")
		}
	})
}

// loadSARIFSchema compiles the committed OASIS schema, offline.
func loadSARIFSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SARIFSchemaURI, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SARIFSchemaURI)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateSARIF(t testing.TB, b []byte) {
	t.Helper()
	if err := sarifSchemaErr(t, b); err != nil {
		t.Errorf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
}

func sarifSchemaErr(t testing.TB, b []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return loadSARIFSchema(t).Validate(inst)
}

func TestSARIFSchema(t *testing.T) {
	b := render(t, WriteSARIF, fixtureDir, Options{Kinds: fixtureKinds})
	validateSARIF(t, b)
	// The validator is not vacuous: broken logs fail.
	bad := []struct{ name, from, to string }{
		{"bad level", `"level": "error"`, `"level": "fatal"`},
		{"line zero", `"startLine":1`, `"startLine":0`},
		{"bad version", `"version": "2.1.0"`, `"version": "2.0.0"`},
		{"unknown property", `"ruleId":`, `"rule_id":"x","ruleId":`},
		{"unknown rule property", `"defaultConfiguration"`, `"default":1,"defaultConfiguration"`},
		{"bad uri", `"uri":"data/web/a.jsonl"`, `"uri":"data/web/%zz.jsonl"`},
		{"relative informationUri", `"informationUri": "https://github.com/winnow-data/winnow"`, `"informationUri": "winnow"`},
		{"missing message", `"message":{`, `"messag":{`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			mut := bytes.Replace(b, []byte(tt.from), []byte(tt.to), 1)
			if bytes.Equal(mut, b) {
				t.Fatalf("mutation %q not applied", tt.from)
			}
			if sarifSchemaErr(t, mut) == nil {
				t.Error("schema accepted an invalid log")
			}
		})
	}
}

// TestSARIFSchemaOutDir validates the SARIF of a real winnow output
// directory named by WINNOW_SARIF_OUTDIR (e.g. after `winnow scan -o DIR`).
func TestSARIFSchemaOutDir(t *testing.T) {
	dir := os.Getenv("WINNOW_SARIF_OUTDIR")
	if dir == "" {
		t.Skip("set WINNOW_SARIF_OUTDIR to a winnow output directory")
	}
	validateSARIF(t, render(t, WriteSARIF, dir, Options{}))
}

func TestSARIFLocations(t *testing.T) {
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }       `json:"artifactLocation"`
						Region           *struct{ StartLine int64 } `json:"region"`
					} `json:"physicalLocation"`
					Properties struct {
						Row   int64
						Field string
						Start int64
						End   int64
					} `json:"properties"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	b := render(t, WriteSARIF, fixtureDir, Options{})
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	var rows []Finding
	ReadFindings(filepath.Join(fixtureDir, FindingsJSONLFile), func(f *Finding) error { rows = append(rows, *f); return nil })
	res := log.Runs[0].Results
	// The last finding has a line column (blank lines before it): it wins
	// over row+1.
	if l := rows[len(rows)-1]; l.line() != 8 || l.Row != 5 {
		t.Fatalf("fixture: last finding row %d line %d, want row 5 line 8", l.Row, l.line())
	}
	if len(res) != len(rows) {
		t.Fatalf("%d results for %d findings", len(res), len(rows))
	}
	for i, r := range res {
		f, loc := rows[i], r.Locations[0]
		if r.RuleID != f.Kind || loc.Properties.Row != f.Row || loc.Properties.Field != f.Field ||
			loc.Properties.Start != f.Start || loc.Properties.End != f.End {
			t.Errorf("result %d = %+v, finding %+v", i, r, f)
		}
		isJSONL := strings.HasSuffix(f.File, ".jsonl")
		switch {
		case isJSONL && (loc.PhysicalLocation.Region == nil || loc.PhysicalLocation.Region.StartLine != f.line()):
			t.Errorf("result %d: JSONL region %+v, want line %d", i, loc.PhysicalLocation.Region, f.line())
		case !isJSONL && loc.PhysicalLocation.Region != nil:
			t.Errorf("result %d: Parquet result has a line region", i)
		}
		if f.ValueHash != "" && r.PartialFingerprints["valueHash/v1"] != f.Kind+":"+f.ValueHash {
			t.Errorf("result %d: fingerprints %v", i, r.PartialFingerprints)
		}
	}
}

// TestSARIFFingerprintsStable checks that fingerprints survive rows
// shifting (records inserted above) but tell repeated values apart.
func TestSARIFFingerprintsStable(t *testing.T) {
	fps := func(dir string) []string {
		var log struct {
			Runs []struct {
				Results []struct {
					PartialFingerprints map[string]string `json:"partialFingerprints"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(render(t, WriteSARIF, dir, Options{}), &log); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range log.Runs[0].Results {
			out = append(out, r.PartialFingerprints["primaryLocationLineHash"])
		}
		return out
	}
	base := fps(fixtureDir)
	// Shift every row by 100, as if records were inserted at the top.
	dir := copyFixture(t)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	ReadFindings(filepath.Join(fixtureDir, FindingsJSONLFile), func(f *Finding) error {
		f.Row += 100
		return enc.Encode(f)
	})
	os.WriteFile(filepath.Join(dir, FindingsJSONLFile), buf.Bytes(), 0o644)
	shifted := fps(dir)
	seen := map[string]bool{}
	for i := range base {
		if seen[base[i]] {
			t.Errorf("fingerprint %s repeats", base[i])
		}
		seen[base[i]] = true
	}
	// Findings with a value_hash keep their fingerprint; document-level
	// ones (no value_hash: results 2, 8, 9) are keyed by row and change.
	for i := range base {
		stable := i != 2 && i != 8 && i != 9
		if (base[i] == shifted[i]) != stable {
			t.Errorf("result %d: fingerprint %s -> %s (want stable=%v)", i, base[i], shifted[i], stable)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"data/a.jsonl", "data/a.jsonl"},
		{"./data/a.jsonl", "data/a.jsonl"},
		{"data/my file#1.jsonl", "data/my%20file%231.jsonl"},
		{"a:b/c.jsonl", "a%3Ab/c.jsonl"},
		{"C:/data/x.jsonl", "file:///C:/data/x.jsonl"},
		{"dir/a:b.jsonl", "dir/a:b.jsonl"},
		{"/abs/path/x.parquet", "file:///abs/path/x.parquet"},
		{"s3://bucket/key/x.parquet", "s3://bucket/key/x.parquet"},
		{"gs://b/x y.jsonl", "gs://b/x y.jsonl"},
		{"données/é.jsonl", "donn%C3%A9es/%C3%A9.jsonl"},
	}
	for _, tt := range tests {
		if got := artifactURI(tt.in); got != tt.want {
			t.Errorf("artifactURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGitHubEscaping(t *testing.T) {
	tests := []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"x,y:z", "x,y:z", "x%2Cy%3Az"},
		{"%0A", "%250A", "%250A"},
	}
	for _, tt := range tests {
		if got := ghData(tt.in); got != tt.data {
			t.Errorf("ghData(%q) = %q, want %q", tt.in, got, tt.data)
		}
		if got := ghProperty(tt.in); got != tt.prop {
			t.Errorf("ghProperty(%q) = %q, want %q", tt.in, got, tt.prop)
		}
	}
}

var ghCommand = regexp.MustCompile(`^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::[^\r\n]*$`)

func TestGitHubCap(t *testing.T) {
	tests := []struct {
		max          int
		annotations  int
		wantSummary  bool
		mostSevereTo string // kind of the last annotation kept
	}{
		{max: 1, annotations: 1, wantSummary: true, mostSevereTo: "secret.github_token"},
		{max: 3, annotations: 3, wantSummary: true, mostSevereTo: "pii.credit_card"},
		{max: 10, annotations: 10, wantSummary: false},
		{max: -1, annotations: 10, wantSummary: false},
		{max: 0, annotations: 10, wantSummary: false}, // default cap 50
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.max), func(t *testing.T) {
			out := render(t, WriteGitHub, fixtureDir, Options{MaxAnnotations: tt.max})
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			var ann []string
			summary := false
			for _, l := range lines {
				if !ghCommand.MatchString(l) {
					t.Errorf("not a workflow command: %q", l)
				}
				if strings.Contains(l, " file=") {
					ann = append(ann, l)
				} else if strings.HasPrefix(l, "::notice title=winnow::") {
					summary = true
				}
			}
			if len(ann) != tt.annotations || summary != tt.wantSummary {
				t.Errorf("%d annotations, summary %v; want %d, %v", len(ann), summary, tt.annotations, tt.wantSummary)
			}
			if tt.mostSevereTo != "" && !strings.Contains(ann[len(ann)-1], "title="+tt.mostSevereTo+"::") {
				t.Errorf("last kept annotation %q, want %s", ann[len(ann)-1], tt.mostSevereTo)
			}
		})
	}
}

// checkJUnit parses JUnit XML and checks its shape: a testsuites root whose
// counts add up, suites with the usual attributes, test cases with a name
// and classname. It returns nothing; wantSuites and wantFailures are the
// expected totals.
func checkJUnit(t testing.TB, b []byte, wantSuites, wantFailures int) {
	t.Helper()
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type tcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure"`
	}
	type suite struct {
		Name     string  `xml:"name,attr"`
		Tests    *int    `xml:"tests,attr"`
		Failures *int    `xml:"failures,attr"`
		Errors   *int    `xml:"errors,attr"`
		Cases    []tcase `xml:"testcase"`
	}
	var doc struct {
		XMLName  xml.Name
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Suites   []suite `xml:"testsuite"`
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("JUnit XML is not well-formed: %v", err)
	}
	if doc.XMLName.Local != "testsuites" {
		t.Fatalf("root element %q, want testsuites", doc.XMLName.Local)
	}
	tests, fails := 0, 0
	for _, s := range doc.Suites {
		if s.Name == "" || s.Tests == nil || s.Failures == nil || s.Errors == nil {
			t.Errorf("suite %+v lacks name/tests/failures/errors", s)
			continue
		}
		f := 0
		for _, c := range s.Cases {
			if c.Name == "" || c.Classname == "" || c.Time == "" {
				t.Errorf("test case %+v lacks name/classname/time", c)
			}
			if c.Failure != nil {
				f++
				if c.Failure.Message == "" || c.Failure.Type == "" {
					t.Errorf("failure without message or type in %s/%s", s.Name, c.Name)
				}
			}
		}
		if *s.Tests != len(s.Cases) || *s.Failures != f {
			t.Errorf("suite %s: tests=%d failures=%d, counted %d, %d", s.Name, *s.Tests, *s.Failures, len(s.Cases), f)
		}
		tests += len(s.Cases)
		fails += f
	}
	if doc.Tests != tests || doc.Failures != fails {
		t.Errorf("testsuites: tests=%d failures=%d, counted %d, %d", doc.Tests, doc.Failures, tests, fails)
	}
	if len(doc.Suites) != wantSuites || fails != wantFailures {
		t.Errorf("%d suites, %d failures; want %d, %d", len(doc.Suites), fails, wantSuites, wantFailures)
	}
}

func TestJUnitShape(t *testing.T) {
	tests := []struct {
		policy       string
		suites       int
		failures     int
		failingCases []string // "file|kind" that must fail
	}{
		{"none", 3, 0, nil},
		{"critical", 4, 2, []string{"data/web/a.jsonl|secret.github_token"}},
		// 5 file cases (secret, credit card, injection, two dup files) + 3 clauses.
		{fixturePolicy, 4, 8, []string{"data/chat/b,odd:name.parquet|dup.near", "data/web/a.jsonl|dup.exact"}},
		{"pii.*>3", 4, 4, []string{"data/chat/b,odd:name.parquet|pii.email", "data/web/a.jsonl|pii.credit_card"}},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			b := render(t, WriteJUnit, fixtureDir, Options{Policy: mustPolicy(t, tt.policy)})
			checkJUnit(t, b, tt.suites, tt.failures)
			for _, fc := range tt.failingCases {
				file, kind, _ := strings.Cut(fc, "|")
				re := regexp.MustCompile(`<testcase name="` + regexp.QuoteMeta(kind) + `" classname="` +
					regexp.QuoteMeta(file) + `" time="0">\s*<failure `)
				if !re.Match(b) {
					t.Errorf("case %s/%s does not fail", file, kind)
				}
			}
		})
	}
}

func TestLoadCountsExactUnion(t *testing.T) {
	p := mustPolicy(t, "pii.*>25%,dup.*>10%,pii.email>20%")
	c, err := LoadCounts(fixtureDir, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	// pii.email is in rows a0, a3, b2; pii.credit_card in a3: 3 records,
	// where summing records per kind would say 4.
	want := map[string]int64{"pii.*": 3, "dup.*": 2}
	if len(c.RecordsMatching) != len(want) || c.RecordsMatching["pii.*"] != 3 || c.RecordsMatching["dup.*"] != 2 {
		t.Errorf("RecordsMatching = %v, want %v (single-kind globs need no entry)", c.RecordsMatching, want)
	}
	fails, err := EvaluateOutput(fixtureDir, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fails {
		got = append(got, f.Message)
	}
	wantMsg := []string{
		"dup.*: 15.4% of records > 10% (2 of 13) [dup.exact 1, dup.near 1]",
		"pii.email: 23.1% of records > 20% (3 of 13)",
	}
	if strings.Join(got, "\n") != strings.Join(wantMsg, "\n") {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantMsg, "\n"))
	}
	// Catalogue severities override the report's.
	kinds := []detectors.Kind{{Name: "dup.exact", Severity: detectors.SeverityCritical}}
	fails, err = EvaluateOutput(fixtureDir, mustPolicy(t, "critical"), kinds)
	if err != nil {
		t.Fatal(err)
	}
	if len(fails) != 1 || strings.Join(fails[0].Kinds, ",") != "dup.exact,secret.github_token" {
		t.Errorf("critical with override: %+v", fails)
	}
}

func TestSARIFMaxResults(t *testing.T) {
	type result struct {
		RuleID              string            `json:"ruleId"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
	}
	parse := func(b []byte) (res []result, omitted int) {
		var log struct {
			Runs []struct {
				Results    []result `json:"results"`
				Properties struct {
					ResultsOmitted int `json:"results_omitted"`
				} `json:"properties"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(b, &log); err != nil {
			t.Fatal(err)
		}
		return log.Runs[0].Results, log.Runs[0].Properties.ResultsOmitted
	}
	all, omitted := parse(render(t, WriteSARIF, fixtureDir, Options{}))
	if len(all) != 10 || omitted != 0 {
		t.Fatalf("uncapped: %d results, %d omitted", len(all), omitted)
	}
	fpOf := map[string]string{}
	for _, r := range all {
		fpOf[r.PartialFingerprints["primaryLocationLineHash"]] = r.RuleID
	}
	tests := []struct {
		max     int
		want    []string
		omitted int
	}{
		{1, []string{"secret.github_token"}, 9},
		{3, []string{"poison.prompt_injection", "secret.github_token", "pii.credit_card"}, 7},
		{10, nil, 0},
		{-1, nil, 0},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.max), func(t *testing.T) {
			b := render(t, WriteSARIF, fixtureDir, Options{MaxResults: tt.max})
			validateSARIF(t, b)
			res, omitted := parse(b)
			if tt.want == nil {
				if len(res) != 10 || omitted != 0 {
					t.Errorf("%d results, %d omitted; want all", len(res), omitted)
				}
				return
			}
			var got []string
			for _, r := range res {
				got = append(got, r.RuleID)
				// Fingerprints do not depend on the cap.
				if fpOf[r.PartialFingerprints["primaryLocationLineHash"]] != r.RuleID {
					t.Errorf("fingerprint of %s changed under the cap", r.RuleID)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || omitted != tt.omitted {
				t.Errorf("results %v, omitted %d; want %v, %d", got, omitted, tt.want, tt.omitted)
			}
		})
	}
}
