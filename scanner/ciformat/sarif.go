package ciformat

import (
	"bufio"
	"bytes"
	"container/heap"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/winnow-data/winnow/detectors"
)

// SARIFSchemaURI is the $schema written into SARIF logs: the OASIS SARIF
// 2.1.0 schema (errata 01), the same text as testdata/sarif-schema-2.1.0.json.
const SARIFSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// informationURI is the driver's informationUri (the module's repository).
const informationURI = "https://github.com/winnow-data/winnow"

// WriteSARIF writes the findings of the winnow output directory outDir as
// a SARIF 2.1.0 log with one run to w.
//
// The run's tool.driver is winnow with one rule per kind that report.json
// counts findings for (sorted; rule text from opt.Kinds, else generic per family;
// defaultConfiguration.level and the security-severity property from the
// kind's severity). Each finding becomes one result, in findings-file
// order, with ruleId = kind and a message naming the kind, field, row and
// detector. No matched value is written, even if the findings have one.
//
// Locations. SARIF addresses text by line and column, and has no notion of
// a record in a columnar file, so:
//   - JSONL (.jsonl/.json, compressed or not): physicalLocation with the
//     file and region.startLine = the finding's line if the findings file
//     has a line column, else row+1. row+1 is the line of the record in
//     the decompressed file when the file has no blank lines (winnow skips
//     blank lines when counting records).
//   - Parquet and Arrow: physicalLocation with the file only (no region: a
//     row has no line or stable byte range in a columnar, compressed file).
//   - Always: a logicalLocation naming the field (fullyQualifiedName
//     "row N: FIELD"), and a location property bag {row, field, start,
//     end} with the 0-based row and the finding's byte offsets into the
//     field's UTF-8 value.
//   - Duplicates carry a relatedLocation for the kept copy.
//
// partialFingerprints are stable across runs and row shifts: valueHash/v1
// is kind:value_hash, and primaryLocationLineHash is a hash of (kind,
// field, value_hash) with the occurrence number within the file, so that
// upload tools need not read the data file to compute one. Findings
// without a value_hash (document-level duplicates) are keyed by row.
//
// At most opt.MaxResults results are written (default
// DefaultMaxSARIFResults, GitHub code scanning's limit per run); past it,
// the most severe findings are kept, in findings-file order, and the run's
// properties.results_omitted counts the rest.
//
// The log is indented except for the results, which are compact, one per
// line (half the size and time of indenting them, and still diffable).
//
// Output is deterministic. WriteSARIF streams the findings file once
// (twice when capping) and holds one result at a time, plus the positions
// of the kept findings when capping. On error, w may hold a partial log:
// write to a temporary file and rename it. Safe to call concurrently on
// different writers.
func WriteSARIF(w io.Writer, outDir string, opt Options) error {
	r, err := load(outDir, opt)
	if err != nil {
		return err
	}
	kinds := r.ruleKinds(nil)
	ruleIndex := make(map[string]int, len(kinds))
	rules := make([]sarifRule, len(kinds))
	for i, k := range kinds {
		ruleIndex[k] = i
		rules[i] = r.sarifRule(k)
	}

	bw := bufio.NewWriterSize(w, 1<<16)
	name := r.rep.Tool.Name
	if name == "" {
		name = "winnow"
	}
	driver := sarifDriver{Name: name, Version: r.rep.Tool.Version, InformationURI: informationURI, Rules: rules}
	fmt.Fprintf(bw, "{\n  \"$schema\": %q,\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": {\n        \"driver\": ", SARIFSchemaURI)
	if err := (&jsonWriter{}).write(bw, driver, "        "); err != nil {
		return err
	}
	bw.WriteString("\n      },\n      \"results\": [")

	limit := opt.MaxResults
	if limit == 0 {
		limit = DefaultMaxSARIFResults
	}
	var keep map[int]bool // findings-file positions to write; nil: all, up to limit
	if limit > 0 && r.rep.Totals.Findings > int64(limit) {
		if keep, err = r.mostSevere(limit); err != nil {
			return err
		}
	}

	fp := newFingerprinter()
	first := true
	var jw jsonWriter
	var seq, written, omitted int
	err = r.each(func(f *Finding) error {
		fps := fp.of(f) // every finding counts toward occurrence numbers
		i := seq
		seq++
		if keep != nil && !keep[i] || keep == nil && limit > 0 && written >= limit {
			omitted++
			return nil
		}
		written++
		idx, ok := ruleIndex[f.Kind]
		res := r.sarifResult(f, idx, ok, fps)
		if first {
			bw.WriteString("\n        ")
			first = false
		} else {
			bw.WriteString(",\n        ")
		}
		return jw.write(bw, res, "") // one compact result per line
	})
	if err != nil {
		return err
	}
	if !first {
		bw.WriteString("\n      ")
	}
	bw.WriteString("],\n      \"properties\": ")
	t := r.rep.Totals
	props := sarifRunProps{Files: t.Files, RecordsIn: t.RecordsIn, Kept: t.Kept, Redacted: t.Redacted, Dropped: t.Dropped,
		Findings: t.Findings, ResultsOmitted: omitted}
	if err := (&jsonWriter{}).write(bw, props, "      "); err != nil {
		return err
	}
	bw.WriteString("\n    }\n  ]\n}\n")
	return bw.Flush()
}

// jsonWriter encodes values indented under a prefix (compact when the
// prefix is empty), without HTML escaping and without the encoder's
// trailing newline, reusing its buffer.
type jsonWriter struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func (j *jsonWriter) write(w *bufio.Writer, v any, prefix string) error {
	if j.enc == nil {
		j.enc = json.NewEncoder(&j.buf)
		j.enc.SetEscapeHTML(false)
	}
	j.buf.Reset()
	if prefix == "" {
		j.enc.SetIndent("", "")
	} else {
		j.enc.SetIndent(prefix, "  ")
	}
	if err := j.enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")))
	return err
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	FullDescription      sarifMessage       `json:"fullDescription"`
	Help                 sarifMessage       `json:"help"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags"`
	Severity         string   `json:"severity"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           *int              `json:"ruleIndex,omitempty"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          *sarifMessage  `json:"message,omitempty"`
	Properties       any            `json:"properties,omitempty"` // *sarifLocFields or *sarifRowOnly
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int64 `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifLocFields struct {
	Row   int64  `json:"row"`
	Field string `json:"field"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
}

type sarifRowOnly struct {
	Row int64 `json:"row"`
}

type sarifResultProps struct {
	Severity   string   `json:"severity"`
	Detector   string   `json:"detector"`
	Confidence float64  `json:"confidence"`
	Action     string   `json:"action"`
	ValueHash  string   `json:"value_hash,omitempty"`
	Cluster    *string  `json:"cluster,omitempty"`
	Similarity *float64 `json:"similarity,omitempty"`
	Detail     *string  `json:"detail,omitempty"`
}

type sarifRunProps struct {
	Files     int   `json:"files"`
	RecordsIn int64 `json:"records_in"`
	Kept      int64 `json:"kept"`
	Redacted  int64 `json:"redacted"`
	Dropped   int64 `json:"dropped"`
	Findings  int64 `json:"findings"`
	// ResultsOmitted counts the findings left out by Options.MaxResults.
	ResultsOmitted int `json:"results_omitted,omitempty"`
}

// mostSevere returns the findings-file positions of the n findings that
// come first in annotation order (most severe first).
func (r *run) mostSevere(n int) (map[int]bool, error) {
	sel := &annotationHeap{}
	seq := 0
	err := r.each(func(f *Finding) error {
		a := annotation{sev: r.kind(f.Kind).sev, file: r.fileRank(f.File), seq: seq,
			f: Finding{File: f.File, Row: f.Row, Field: f.Field, Start: f.Start, Kind: f.Kind}}
		seq++
		if sel.Len() < n {
			heap.Push(sel, a)
		} else if a.less(sel.items[0]) {
			sel.items[0] = a
			heap.Fix(sel, 0)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	keep := make(map[int]bool, sel.Len())
	for _, a := range sel.items {
		keep[a.seq] = true
	}
	return keep, nil
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s detectors.Severity) string {
	switch {
	case s >= detectors.SeverityHigh:
		return "error"
	case s == detectors.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub code scanning's 0–10 score per severity
// (critical ≥ 9, high 7–8.9, medium 4–6.9, low 0.1–3.9).
func securitySeverity(s detectors.Severity) string {
	switch s {
	case detectors.SeverityCritical:
		return "9.5"
	case detectors.SeverityHigh:
		return "8.0"
	case detectors.SeverityMedium:
		return "5.5"
	case detectors.SeverityLow:
		return "3.0"
	}
	return ""
}

func (r *run) sarifRule(kind string) sarifRule {
	ki := r.kind(kind)
	fam, _, _ := strings.Cut(kind, ".")
	props := sarifRuleProps{Tags: []string{fam}, Severity: ki.sev.String()}
	if fam == "pii" || fam == "secret" || fam == "poison" {
		props.Tags = []string{fam, "security"}
		props.SecuritySeverity = securitySeverity(ki.sev)
	}
	desc := strings.TrimSuffix(ki.desc, ".")
	return sarifRule{
		ID:                   kind,
		ShortDescription:     sarifMessage{Text: desc},
		FullDescription:      sarifMessage{Text: desc + ". Severity: " + ki.sev.String() + "."},
		Help:                 sarifMessage{Text: "winnow reports the kind, the record and byte offsets, and a keyed hash of the value (value_hash), never the value. `winnow clean` redacts or drops such records according to its policy; accept a finding with `winnow baseline`."},
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(ki.sev)},
		Properties:           props,
	}
}

// findingText describes a finding in words, with no value: "pii.email in
// $.text at row 6 (detector pii.email, action redact)".
func findingText(f *Finding) string {
	var b strings.Builder
	b.WriteString(f.Kind)
	if f.Field != "" {
		b.WriteString(" in ")
		b.WriteString(f.Field)
	} else {
		b.WriteString(": record")
	}
	b.WriteString(" at row ")
	b.WriteString(strconv.FormatInt(f.Row, 10))
	if f.KeptFile != nil && f.KeptRow != nil {
		fmt.Fprintf(&b, ", duplicate of %s row %d", *f.KeptFile, *f.KeptRow)
		if f.Similarity != nil && *f.Similarity < 1 {
			fmt.Fprintf(&b, " (similarity %.2f)", *f.Similarity)
		}
	}
	b.WriteString(" (detector ")
	b.WriteString(f.Detector)
	if f.Action != "" {
		b.WriteString(", action ")
		b.WriteString(f.Action)
	}
	b.WriteString(")")
	return b.String()
}

// sarifLocationOf locates a record: the file, and for JSONL the line (0
// for unknown, e.g. the kept copy of a duplicate, where row+1 is used).
func (r *run) sarifLocationOf(file string, row, line int64) sarifPhysical {
	p := sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(file)}}
	if r.fileFormat(file) == "jsonl" && row >= 0 {
		if line <= 0 {
			line = row + 1
		}
		p.Region = &sarifRegion{StartLine: line}
	}
	return p
}

// sarifResult converts one finding; hasRule is false for a kind that
// report.json does not list (the result then has a ruleId but no index).
func (r *run) sarifResult(f *Finding, ruleIdx int, hasRule bool, fps map[string]string) sarifResult {
	ki := r.kind(f.Kind)
	name, kind := f.Field, "property"
	if name == "" {
		name, kind = "record", "object"
	}
	fq := "row " + strconv.FormatInt(f.Row, 10)
	if f.Field != "" {
		fq += ": " + f.Field
	}
	loc := sarifLocation{
		PhysicalLocation: r.sarifLocationOf(f.File, f.Row, f.line()),
		LogicalLocations: []sarifLogical{{Name: name, FullyQualifiedName: fq, Kind: kind}},
		Properties:       &sarifLocFields{Row: f.Row, Field: f.Field, Start: f.Start, End: f.End},
	}
	res := sarifResult{
		RuleID:              f.Kind,
		Level:               sarifLevel(ki.sev),
		Message:             sarifMessage{Text: findingText(f)},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: fps,
		Properties: sarifResultProps{
			Severity: ki.sev.String(), Detector: f.Detector, Confidence: f.Confidence, Action: f.Action,
			ValueHash: f.ValueHash, Cluster: f.Cluster, Similarity: f.Similarity, Detail: f.Detail,
		},
	}
	if hasRule {
		res.RuleIndex = &ruleIdx
	}
	if f.KeptFile != nil && f.KeptRow != nil {
		res.RelatedLocations = []sarifLocation{{
			PhysicalLocation: r.sarifLocationOf(*f.KeptFile, *f.KeptRow, 0),
			Message:          &sarifMessage{Text: "kept copy at row " + strconv.FormatInt(*f.KeptRow, 10)},
			Properties:       &sarifRowOnly{Row: *f.KeptRow},
		}}
	}
	return res
}

// fingerprinter numbers repeated (kind, field, value) keys within a file.
// It holds the keys of the current file only.
type fingerprinter struct {
	file string
	seen map[string]int
}

func newFingerprinter() *fingerprinter { return &fingerprinter{seen: map[string]int{}} }

func (p *fingerprinter) of(f *Finding) map[string]string {
	if f.File != p.file {
		p.file = f.File
		clear(p.seen)
	}
	h := sha256.New()
	h.Write([]byte(f.Kind))
	h.Write([]byte{0})
	h.Write([]byte(f.Field))
	h.Write([]byte{0})
	if f.ValueHash != "" {
		h.Write([]byte(f.ValueHash))
	} else {
		fmt.Fprintf(h, "row %d", f.Row)
	}
	key := hex.EncodeToString(h.Sum(nil)[:8])
	p.seen[key]++
	out := map[string]string{"primaryLocationLineHash": key + ":" + strconv.Itoa(p.seen[key])}
	if f.ValueHash != "" {
		out["valueHash/v1"] = f.Kind + ":" + f.ValueHash
	}
	return out
}

// artifactURI turns an input path into a SARIF artifactLocation.uri:
// relative paths stay relative (slash-separated, percent-encoded), absolute
// paths become file:// URIs, and URLs such as s3://bucket/key are kept.
func artifactURI(file string) string {
	if i := strings.Index(file, "://"); i > 0 && isScheme(file[:i]) {
		return file
	}
	p := filepath.ToSlash(file)
	if strings.HasPrefix(p, "/") {
		return "file://" + escapePath(p, false)
	}
	if len(p) >= 3 && p[1] == ':' && p[2] == '/' && isLetter(p[0]) { // C:/x on Windows
		return "file:///" + escapePath(p, false)
	}
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	return escapePath(p, true)
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func isScheme(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		b := s[i]
		if !(isLetter(b) || b >= '0' && b <= '9' || b == '+' || b == '-' || b == '.') {
			return false
		}
	}
	return true
}

// escapePath percent-encodes everything but RFC 3986 pchar and "/". In a
// relative reference a ":" in the first segment would read as a scheme,
// so it is encoded there.
func escapePath(p string, relative bool) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	firstSeg := relative
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			firstSeg = false
			b.WriteByte(c)
		case c == ':' && firstSeg:
			b.WriteString("%3A")
		case isLetter(c) || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}
