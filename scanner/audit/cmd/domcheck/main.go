// Command domcheck checks a DOM dumped by a browser from report.html
// against the report.json it was rendered from, for
// scripts/html-report-check.sh:
//
//   - the elements records-in, records-kept, records-redacted,
//     records-dropped and findings-total exist once each, and both their
//     data-value and their visible text (thousands separators removed)
//     equal the totals in report.json;
//   - the page has inline SVG charts and no <script>, <link>, <img> or
//     <iframe>;
//   - with -values FILE (a findings.jsonl written with --show-values),
//     no raw value of 8 bytes or more occurs in the DOM's text or
//     attributes.
//
// It prints one line per problem and exits 1 if there is any, 2 on bad
// usage or unreadable input.
//
// Usage:
//
//	domcheck -report OUT/report.json -dom dom.html [-values OUT/findings.jsonl]
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// errFailed reports that checks ran and found problems.
var errFailed = errors.New("DOM check failed")

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errFailed):
		os.Exit(1)
	default:
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "domcheck:", err)
		}
		os.Exit(2)
	}
}

type totals struct {
	RecordsIn int64 `json:"records_in"`
	Kept      int64 `json:"kept"`
	Redacted  int64 `json:"redacted"`
	Dropped   int64 `json:"dropped"`
	Findings  int64 `json:"findings"`
}

// minValueLen is the shortest raw value searched for; shorter ones (single
// invisible characters, short numbers) occur in any page by chance.
const minValueLen = 8

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("domcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reportPath := fs.String("report", "", "report.json the page was rendered from")
	domPath := fs.String("dom", "", "DOM dump (chromium --dump-dom)")
	valuesPath := fs.String("values", "", "findings.jsonl written with --show-values; its values must not appear")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *reportPath == "" || *domPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("-report and -dom are required")
	}
	rb, err := os.ReadFile(*reportPath)
	if err != nil {
		return err
	}
	var rep struct {
		Totals totals `json:"totals"`
	}
	if err := json.Unmarshal(rb, &rep); err != nil {
		return fmt.Errorf("%s: %w", *reportPath, err)
	}
	df, err := os.Open(*domPath)
	if err != nil {
		return err
	}
	defer df.Close()
	doc, err := html.Parse(df)
	if err != nil {
		return fmt.Errorf("%s: %w", *domPath, err)
	}
	var values []string
	if *valuesPath != "" {
		if values, err = readValues(*valuesPath); err != nil {
			return err
		}
	}
	problems := check(doc, rep.Totals, values)
	for _, p := range problems {
		fmt.Fprintln(stdout, "FAIL:", p)
	}
	if len(problems) > 0 {
		return errFailed
	}
	t := rep.Totals
	fmt.Fprintf(stdout, "ok: records in %d = kept %d + redacted %d + dropped %d, findings %d, all shown in the DOM", t.RecordsIn, t.Kept, t.Redacted, t.Dropped, t.Findings)
	if *valuesPath != "" {
		fmt.Fprintf(stdout, "; none of %d raw values present", len(values))
	}
	fmt.Fprintln(stdout)
	return nil
}

func readValues(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var row struct {
			Value *string `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("%s: line %d: invalid JSON", path, line)
		}
		if row.Value == nil {
			continue
		}
		v := strings.TrimSpace(*row.Value)
		if len(v) >= minValueLen && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// check returns one message per problem found in doc.
func check(doc *html.Node, t totals, values []string) []string {
	var problems []string
	want := []struct {
		id string
		n  int64
	}{
		{"records-in", t.RecordsIn},
		{"records-kept", t.Kept},
		{"records-redacted", t.Redacted},
		{"records-dropped", t.Dropped},
		{"findings-total", t.Findings},
	}
	byID := map[string][]*html.Node{}
	var svgs int
	var text strings.Builder
	for n := range doc.Descendants() {
		switch n.Type {
		case html.ElementNode:
			for _, a := range n.Attr {
				if a.Key == "id" {
					byID[a.Val] = append(byID[a.Val], n)
				}
				text.WriteString(a.Val)
				text.WriteByte('\n')
			}
			switch n.Data {
			case "svg":
				svgs++
			case "script", "link", "img", "iframe", "object", "embed":
				problems = append(problems, "page has a <"+n.Data+"> element")
			}
		case html.TextNode:
			text.WriteString(n.Data)
			text.WriteByte('\n')
		}
	}
	for _, w := range want {
		nodes := byID[w.id]
		if len(nodes) != 1 {
			problems = append(problems, fmt.Sprintf("#%s: found %d elements, want 1", w.id, len(nodes)))
			continue
		}
		n := nodes[0]
		wantS := strconv.FormatInt(w.n, 10)
		var dv string
		for _, a := range n.Attr {
			if a.Key == "data-value" {
				dv = a.Val
			}
		}
		if dv != wantS {
			problems = append(problems, fmt.Sprintf("#%s: data-value %q, report.json says %s", w.id, dv, wantS))
		}
		if shown := strings.ReplaceAll(strings.TrimSpace(textOf(n)), ",", ""); shown != wantS {
			problems = append(problems, fmt.Sprintf("#%s: shows %q, report.json says %s", w.id, textOf(n), wantS))
		}
	}
	if svgs == 0 {
		problems = append(problems, "page has no inline SVG chart")
	}
	all := text.String()
	leaks := 0
	for _, v := range values {
		if strings.Contains(all, v) {
			leaks++
		}
	}
	if leaks > 0 {
		// The values themselves are not printed: they are raw PII.
		problems = append(problems, fmt.Sprintf("%d raw finding values appear in the page", leaks))
	}
	return problems
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
