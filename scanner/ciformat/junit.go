package ciformat

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteJUnit writes the output directory outDir as JUnit XML to w, in the
// common shape CI systems read (GitLab, Jenkins, Azure, CircleCI):
//
//	<testsuites name="winnow" tests failures errors>
//	  <testsuite name=FILE tests failures errors skipped time>   one per input file, report order
//	    <properties> records_in, kept, redacted, dropped, format
//	    <testcase name=KIND classname=FILE time>                 one per kind with findings in the run, sorted
//	      <failure message type=KIND>positions</failure>          if the case fails
//	      <system-out>counts</system-out>                         if it passes with findings
//	  <testsuite name="winnow --fail-on">                          when opt.Policy has clauses
//	    <testcase name=CLAUSE classname="winnow.fail-on">         one per clause, <failure> if it fails
//
// A (file, kind) case fails when the file has findings of that kind and
// the kind counts toward a clause of opt.Policy that fails on the whole
// run (the --fail-on suite says which and why). So the failures agree with
// the exit code: with a passing policy, no case fails. Failure bodies list
// up to opt.MaxFailureRows positions (row, field, byte offsets), never
// values. Times are 0: the output must not depend on the clock.
//
// Output is deterministic. Memory grows with files × kinds plus the
// listed positions. The findings are read in full before anything is
// written to w. Safe to call concurrently on different writers.
func WriteJUnit(w io.Writer, outDir string, opt Options) error {
	r, err := load(outDir, opt)
	if err != nil {
		return err
	}
	var fails []Failure
	if !opt.Policy.IsZero() {
		if fails, err = EvaluateOutput(outDir, opt.Policy, opt.Kinds); err != nil {
			return err
		}
	}
	failedBy := map[string][]int{} // kind → indexes into fails
	for i, f := range fails {
		for _, k := range f.Kinds {
			failedBy[k] = append(failedBy[k], i)
		}
	}
	maxRows := opt.MaxFailureRows
	if maxRows == 0 {
		maxRows = DefaultMaxFailureRows
	}

	type tally struct {
		findings, records int64
		lastRow           int64
		rows              []string
	}
	perFile := map[string]map[string]*tally{}
	extraKinds := map[string]bool{}
	err = r.each(func(f *Finding) error {
		m := perFile[f.File]
		if m == nil {
			m = map[string]*tally{}
			perFile[f.File] = m
		}
		t := m[f.Kind]
		if t == nil {
			t = &tally{lastRow: -1}
			m[f.Kind] = t
		}
		t.findings++
		if f.Row != t.lastRow {
			t.records++
			t.lastRow = f.Row
		}
		if _, failing := failedBy[f.Kind]; failing && (maxRows < 0 || len(t.rows) < maxRows) {
			t.rows = append(t.rows, positionText(f))
		}
		extraKinds[f.Kind] = true
		return nil
	})
	if err != nil {
		return err
	}
	kinds := r.ruleKinds(extraKinds)

	// Files in report order, then any the findings name that the report
	// does not, by name.
	files := make([]FileReport, 0, len(r.rep.Files))
	listed := map[string]bool{}
	for _, f := range r.rep.Files {
		if !listed[f.File] {
			listed[f.File] = true
			files = append(files, f)
		}
	}
	var unlisted []string
	for f := range perFile {
		if !listed[f] {
			unlisted = append(unlisted, f)
		}
	}
	sort.Strings(unlisted)
	for _, f := range unlisted {
		files = append(files, FileReport{File: f, Format: r.fileFormat(f)})
	}

	doc := junitSuites{Name: "winnow"}
	for _, fr := range files {
		s := junitSuite{Name: fr.File, Time: "0"}
		s.Properties = &junitProps{Props: []junitProp{
			{Name: "format", Value: fr.Format},
			{Name: "records_in", Value: strconv.FormatInt(fr.RecordsIn, 10)},
			{Name: "kept", Value: strconv.FormatInt(fr.Kept, 10)},
			{Name: "redacted", Value: strconv.FormatInt(fr.Redacted, 10)},
			{Name: "dropped", Value: strconv.FormatInt(fr.Dropped, 10)},
		}}
		for _, k := range kinds {
			c := junitCase{Name: k, Classname: fr.File, Time: "0"}
			sev := r.kind(k).sev
			t := perFile[fr.File][k]
			switch {
			case t == nil:
			case len(failedBy[k]) > 0:
				var clauses []string
				var body strings.Builder
				for _, i := range failedBy[k] {
					clauses = append(clauses, fails[i].Clause.String())
					fmt.Fprintf(&body, "--fail-on %s failed: %s\n", fails[i].Clause, fails[i].Message)
				}
				for _, p := range t.rows {
					body.WriteString(p)
					body.WriteByte('\n')
				}
				if more := t.findings - int64(len(t.rows)); more > 0 {
					fmt.Fprintf(&body, "... and %d more\n", more)
				}
				c.Failure = &junitFailure{
					Type: k,
					Message: fmt.Sprintf("%s in %s (severity %s); fails --fail-on %s",
						plural(t.findings, "finding"), plural(t.records, "record"), sev, strings.Join(clauses, ",")),
					Text: xmlSafe(body.String()),
				}
				s.Failures++
			default:
				c.SystemOut = &junitText{Text: xmlSafe(fmt.Sprintf("%s in %s (severity %s); within --fail-on %s\n",
					plural(t.findings, "finding"), plural(t.records, "record"), sev, opt.Policy))}
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		doc.Suites = append(doc.Suites, s)
	}
	if !opt.Policy.IsZero() {
		s := junitSuite{Name: "winnow --fail-on", Time: "0"}
		j := 0 // Evaluate returns failures in clause order
		for _, cl := range opt.Policy.Clauses {
			c := junitCase{Name: cl.String(), Classname: "winnow.fail-on", Time: "0"}
			if j < len(fails) && fails[j].Clause == cl {
				c.Failure = &junitFailure{Type: "fail-on", Message: fails[j].Message, Text: xmlSafe(fails[j].Message + "\n")}
				s.Failures++
				j++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		doc.Suites = append(doc.Suites, s)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
	}

	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// positionText locates a finding without its value.
func positionText(f *Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "row %d", f.Row)
	if f.Field != "" {
		fmt.Fprintf(&b, ", %s bytes %d-%d", f.Field, f.Start, f.End)
	}
	if f.KeptFile != nil && f.KeptRow != nil {
		fmt.Fprintf(&b, ", duplicate of %s row %d", *f.KeptFile, *f.KeptRow)
	}
	fmt.Fprintf(&b, " (detector %s", f.Detector)
	if f.Action != "" {
		fmt.Fprintf(&b, ", action %s", f.Action)
	}
	b.WriteString(")")
	return b.String()
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       string      `xml:"time,attr"`
	Properties *junitProps `xml:"properties,omitempty"`
	Cases      []junitCase `xml:"testcase"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// xmlSafe replaces characters XML 1.0 cannot hold (most C0 controls,
// invalid UTF-8) with U+FFFD. CDATA sections, unlike escaped text, are
// not sanitized by encoding/xml.
func xmlSafe(s string) string {
	ok := func(r rune) bool {
		return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
	}
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !ok(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || !ok(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}
