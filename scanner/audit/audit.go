// Package audit renders winnow's HTML audit report (OUT/report.html) from a
// run's report.json and findings file.
//
// The page is one self-contained file: inline CSS, inline SVG charts, no
// JavaScript, no fonts, images or other network resources (a
// Content-Security-Policy of default-src 'none' enforces it). It shows
// counts, positions and keyed value hashes only: the findings rows are read
// into Finding, which has no field for raw values, and every string that
// reaches the page is escaped by html/template after invisible and
// direction-changing characters are made visible. Trigger candidates, the
// only corpus text in report.json, are shown with personal-looking words
// masked and their context replaced by a fixed mask.
//
// Output is deterministic: the same inputs and Options give the same bytes.
// No time or host name is written unless passed in Options.Generated.
package audit

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"iter"
	"os"
	"path/filepath"
)

// Options tune the page. The zero value is ready to use. Options are
// copied by the functions that take them.
type Options struct {
	// Title is the page title and heading; default "Data audit report".
	Title string
	// Generated, if not empty, is shown verbatim as the generation time
	// or run id. Leave it empty to keep the page byte-for-byte
	// reproducible.
	Generated string
	// MaxFiles caps the rows of the per-file table; past it the files
	// with the most findings are shown. Default 500.
	MaxFiles int
	// TopTriggers is how many poison trigger candidates to show.
	// Default 10.
	TopTriggers int
	// TopClusters is how many duplicate and payload clusters to list.
	// Default 10.
	TopClusters int
	// TopRecurring is how many repeated value hashes to list per kind.
	// Default 3.
	TopRecurring int
}

func (o Options) title() string {
	if o.Title == "" {
		return "Data audit report"
	}
	return o.Title
}

func (o Options) maxFiles() int     { return positiveOr(o.MaxFiles, 500) }
func (o Options) topTriggers() int  { return positiveOr(o.TopTriggers, 10) }
func (o Options) topClusters() int  { return positiveOr(o.TopClusters, 10) }
func (o Options) topRecurring() int { return positiveOr(o.TopRecurring, 3) }

func positiveOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// PageFile is the name WriteFile gives the page inside an output directory.
const PageFile = "report.html"

// Render writes the HTML audit report of the winnow output directory
// outDir to w. It reads outDir/report.json (required) and the findings file
// (findings.parquet, else findings.jsonl; if neither exists the page says
// so and omits the per-finding breakdown). The page is built in memory and
// written to w with a single Write only when complete, so a failed render
// writes nothing. Render is safe for concurrent use with distinct writers.
func Render(w io.Writer, outDir string, opt Options) error {
	report, err := os.ReadFile(filepath.Join(outDir, ReportFile))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return RenderFrom(w, report, ReadFindings(outDir), opt)
}

// RenderFrom writes the HTML audit report built from the bytes of a
// report.json and a stream of findings to w. findings may be nil (no
// per-finding breakdown); if it yields an error wrapping ErrNoFindings the
// page notes that no findings file exists, and any other error aborts the
// render. report is only read. Like Render, it writes to w once, after
// the page is complete. Safe for concurrent use with distinct arguments.
func RenderFrom(w io.Writer, report []byte, findings iter.Seq2[Finding, error], opt Options) error {
	p, err := parseReport(report)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	var fs *findingStats
	var findErr error
	if findings != nil {
		fs, findErr = collectFindings(findings)
		if findErr != nil && !errors.Is(findErr, ErrNoFindings) {
			return findErr
		}
	}
	v := build(p, fs, findErr, opt)
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("audit: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("audit: write: %w", err)
	}
	return nil
}

// WriteFile renders outDir's report into outDir/report.html, writing a
// temporary file first and renaming it into place, so readers never see a
// partial page. It returns the path written.
func WriteFile(outDir string, opt Options) (string, error) {
	var buf bytes.Buffer
	if err := Render(&buf, outDir, opt); err != nil {
		return "", err
	}
	dst := filepath.Join(outDir, PageFile)
	tmp, err := os.CreateTemp(outDir, ".report-*.html")
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	_, werr := tmp.Write(buf.Bytes())
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("audit: %s: %w", dst, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("audit: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("audit: %w", err)
	}
	return dst, nil
}

//go:embed page.html.tmpl
var pageSource string

// page is parsed once; a parse error is a programmer error caught by every
// test, hence Must.
var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).Parse(pageSource))
