package benchmarks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/scanner"
)

// GitleaksFinding is the part of one gitleaks JSON report entry that the
// scorer reads. Lines are 1-based. Columns are 1-based byte columns as
// gitleaks computes them, which are off by one on all but the first line
// of a chunk and relative to the chunk start on the line where a chunk
// starts; the scorer therefore locates Match in the line text when it
// has it, and uses the columns only as a hint.
type GitleaksFinding struct {
	RuleID      string `json:"RuleID"`
	File        string `json:"File"`
	StartLine   int64  `json:"StartLine"`
	EndLine     int64  `json:"EndLine"`
	StartColumn int    `json:"StartColumn"`
	EndColumn   int    `json:"EndColumn"`
	Match       string `json:"Match"`
	Secret      string `json:"Secret"`
}

// ScoreInput is what Score compares. All slices are read, never modified
// or retained.
type ScoreInput struct {
	// Labels are the planted findings; only those whose Kind starts with
	// KindPrefix are scored.
	Labels     []Label
	KindPrefix string
	// Winnow findings (findings.parquet or findings.jsonl rows) and the
	// gitleaks report; either may be nil when that tool was not run.
	Winnow   []scanner.FindingRow
	Gitleaks []GitleaksFinding
	// DataDir is the corpus directory the Label files are relative to;
	// findings' file paths are made relative to it (or reduced to their
	// base name when they are not under it).
	DataDir string
	// Line returns the raw bytes of a 1-based line of a file (a path
	// relative to DataDir), used to locate gitleaks matches exactly; nil
	// means use gitleaks' columns. See LineReader.
	Line func(file string, line int64) ([]byte, error)
}

// ToolScore is one tool's result.
type ToolScore struct {
	Tool     string `json:"tool"`
	Planted  int    `json:"planted"`
	Found    int    `json:"found"`     // labels overlapped by a finding
	LineHits int    `json:"line_hits"` // labels whose line has any finding
	Findings int    `json:"findings"`  // findings reported in total
	// Unplanted counts, per rule or kind, findings that overlap no scored
	// label (false positives, or real detections of unplanted values such
	// as documentation placeholders).
	Unplanted map[string]int `json:"unplanted"`
	// ByKind counts found labels per label kind; Rules lists, per label
	// kind, the rules or kinds that found them.
	ByKind map[string]int            `json:"by_kind"`
	Rules  map[string]map[string]int `json:"rules"`
}

// Recall is Found/Planted (0 when nothing was planted).
func (s *ToolScore) Recall() float64 { return ratio(s.Found, s.Planted) }

// LineRecall is LineHits/Planted.
func (s *ToolScore) LineRecall() float64 { return ratio(s.LineHits, s.Planted) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ScoreResult is Score's output: per-kind planted counts and each tool's
// score.
type ScoreResult struct {
	Planted map[string]int `json:"planted"`
	Tools   []*ToolScore   `json:"tools"`
}

type span struct{ start, end int }

func (a span) overlaps(b span) bool { return a.start < b.end && b.start < a.end }

type lineKey struct {
	file string
	line int64
}

// Score matches each tool's findings to the planted labels: a winnow
// finding matches a label in the same file, row and field whose byte span
// it overlaps; a gitleaks finding matches a label on the same line whose
// raw (JSON-escaped) column span its secret overlaps. A label counts as
// found once, however many findings overlap it. It returns an error only
// when a line cannot be read. It does not modify in and is safe for
// concurrent use if in.Line is.
func Score(in ScoreInput) (*ScoreResult, error) {
	res := &ScoreResult{Planted: map[string]int{}}
	byLine := map[lineKey][]int{}
	var scored []Label
	for _, l := range in.Labels {
		if !strings.HasPrefix(l.Kind, in.KindPrefix) {
			continue
		}
		l.File = filepath.ToSlash(l.File)
		if l.Line == 0 {
			l.Line = l.Row + 1
		}
		byLine[lineKey{l.File, l.Line}] = append(byLine[lineKey{l.File, l.Line}], len(scored))
		scored = append(scored, l)
		res.Planted[l.Kind]++
	}
	if in.Winnow != nil {
		ts := newToolScore("winnow", len(scored))
		found := make([]bool, len(scored))
		lineHit := map[lineKey]bool{}
		for _, f := range in.Winnow {
			ts.Findings++
			k := lineKey{relFile(in.DataDir, f.File), f.Row + 1}
			lineHit[k] = true
			hit := false
			for _, i := range byLine[k] {
				l := &scored[i]
				if l.Field == f.Field && (span{int(f.Start), int(f.End)}).overlaps(span{l.Start, l.End}) {
					hit = true
					ts.match(found, i, l.Kind, f.Kind)
				}
			}
			if !hit {
				ts.Unplanted[f.Kind]++
			}
		}
		ts.lineHits(scored, lineHit)
		res.Tools = append(res.Tools, ts)
	}
	if in.Gitleaks != nil {
		ts := newToolScore("gitleaks", len(scored))
		found := make([]bool, len(scored))
		lineHit := map[lineKey]bool{}
		for _, f := range in.Gitleaks {
			ts.Findings++
			k := lineKey{relFile(in.DataDir, f.File), f.StartLine}
			lineHit[k] = true
			sp, err := gitleaksSpan(in.Line, k, f)
			if err != nil {
				return nil, err
			}
			hit := false
			for _, i := range byLine[k] {
				l := &scored[i]
				if f.EndLine == f.StartLine && sp.overlaps(span{l.Col, l.ColEnd}) {
					hit = true
					ts.match(found, i, l.Kind, f.RuleID)
				}
			}
			if !hit {
				ts.Unplanted[f.RuleID]++
			}
		}
		ts.lineHits(scored, lineHit)
		res.Tools = append(res.Tools, ts)
	}
	return res, nil
}

func newToolScore(tool string, planted int) *ToolScore {
	return &ToolScore{Tool: tool, Planted: planted, Unplanted: map[string]int{}, ByKind: map[string]int{}, Rules: map[string]map[string]int{}}
}

func (ts *ToolScore) match(found []bool, i int, kind, rule string) {
	if ts.Rules[kind] == nil {
		ts.Rules[kind] = map[string]int{}
	}
	ts.Rules[kind][rule]++
	if !found[i] {
		found[i] = true
		ts.Found++
		ts.ByKind[kind]++
	}
}

func (ts *ToolScore) lineHits(scored []Label, lineHit map[lineKey]bool) {
	for _, l := range scored {
		if lineHit[lineKey{l.File, l.Line}] {
			ts.LineHits++
		}
	}
}

// gitleaksSpan returns the 0-based, half-open byte span of f's secret in
// its line: found by locating Match (nearest to the reported column) and
// Secret within it when the line text is available, else from the
// columns, widened by one byte to cover gitleaks' off-by-one.
func gitleaksSpan(line func(string, int64) ([]byte, error), k lineKey, f GitleaksFinding) (span, error) {
	colSpan := span{max(f.StartColumn-2, 0), f.EndColumn}
	if line == nil || f.Match == "" {
		return colSpan, nil
	}
	text, err := line(k.file, k.line)
	if err != nil {
		return span{}, fmt.Errorf("gitleaks finding %s:%d: %w", k.file, k.line, err)
	}
	best, bestDist := -1, 0
	for off := 0; ; {
		i := bytes.Index(text[off:], []byte(f.Match))
		if i < 0 {
			break
		}
		p := off + i
		d := p - (f.StartColumn - 1)
		if d < 0 {
			d = -d
		}
		if best < 0 || d < bestDist {
			best, bestDist = p, d
		}
		off = p + 1
	}
	if best < 0 { // e.g. a match found after decoding: trust the columns
		return colSpan, nil
	}
	if s := strings.Index(f.Match, f.Secret); f.Secret != "" && s >= 0 {
		return span{best + s, best + s + len(f.Secret)}, nil
	}
	return span{best, best + len(f.Match)}, nil
}

// relFile makes a finding's file path comparable with Label.File.
func relFile(dataDir, file string) string {
	file = filepath.Clean(file)
	if dataDir != "" {
		if r, err := filepath.Rel(filepath.Clean(dataDir), file); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		if abs, err := filepath.Abs(file); err == nil {
			if d, err := filepath.Abs(dataDir); err == nil {
				if r, err := filepath.Rel(d, abs); err == nil && !strings.HasPrefix(r, "..") {
					return filepath.ToSlash(r)
				}
			}
		}
	}
	return filepath.Base(file)
}

// LineReader returns a Line function for ScoreInput that reads lines of
// files under dir. On the first request for a file it reads the file once
// and keeps the lines listed for it in want (see WantedLines); a request
// for any other line is an error. The returned function is not safe for
// concurrent use.
func LineReader(dir string, want map[string][]int64) func(string, int64) ([]byte, error) {
	cache := map[lineKey][]byte{}
	loaded := map[string]error{}
	return func(file string, line int64) ([]byte, error) {
		if err, ok := loaded[file]; ok {
			if err != nil {
				return nil, err
			}
		} else {
			err := readLines(filepath.Join(dir, filepath.FromSlash(file)), want[file], func(n int64, b []byte) {
				cache[lineKey{file, n}] = append([]byte(nil), b...)
			})
			loaded[file] = err
			if err != nil {
				return nil, err
			}
		}
		b, ok := cache[lineKey{file, line}]
		if !ok {
			return nil, fmt.Errorf("%s: line %d not read (not in the wanted set or past the end)", file, line)
		}
		return b, nil
	}
}

func readLines(path string, lines []int64, fn func(int64, []byte)) error {
	if len(lines) == 0 {
		return nil
	}
	want := map[int64]bool{}
	last := int64(0)
	for _, l := range lines {
		want[l] = true
		last = max(last, l)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var long []byte
	for n := int64(1); n <= last; n++ {
		b, err := readLine(br, &long)
		if len(b) == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: line %d: %w", path, n, err)
		}
		if want[n] {
			fn(n, bytes.TrimRight(b, "\r\n"))
		}
	}
	return nil
}

// readLine returns the next line, including its '\n'; it is valid until
// the next call. Lines longer than the reader's buffer are assembled in
// *long.
func readLine(br *bufio.Reader, long *[]byte) ([]byte, error) {
	*long = (*long)[:0]
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			*long = append(*long, chunk...)
			continue
		}
		if len(*long) > 0 {
			*long = append(*long, chunk...)
			chunk = *long
		}
		return chunk, err
	}
}

// ReadLabels reads a labels JSONL file written by benchmarks/gen. The
// caller owns the returned slice.
func ReadLabels(path string) ([]Label, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Label
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var l Label
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: label %d: %w", path, len(out)+1, err)
		}
		out = append(out, l)
	}
}

// ReadGitleaksReport reads a gitleaks JSON report (a JSON array). The
// caller owns the returned slice.
func ReadGitleaksReport(path string) ([]GitleaksFinding, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := []GitleaksFinding{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// ReadWinnowFindings reads winnow's findings.parquet or findings.jsonl
// (chosen by extension). The caller owns the returned slice.
func ReadWinnowFindings(path string) ([]scanner.FindingRow, error) {
	out := []scanner.FindingRow{}
	if strings.HasSuffix(path, ".jsonl") {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		dec := json.NewDecoder(bufio.NewReader(f))
		for {
			var r scanner.FindingRow
			if err := dec.Decode(&r); errors.Is(err, io.EOF) {
				return out, nil
			} else if err != nil {
				return nil, fmt.Errorf("%s: finding %d: %w", path, len(out)+1, err)
			}
			out = append(out, r)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := parquet.NewGenericReader[scanner.FindingRow](pf)
	defer r.Close()
	out = make([]scanner.FindingRow, r.NumRows())
	n, err := r.Read(out)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out[:n], nil
}

// WantedLines lists, per file relative to dataDir, the lines that
// gitleaks findings point at: the set to pass to LineReader.
func WantedLines(dataDir string, fs []GitleaksFinding) map[string][]int64 {
	out := map[string][]int64{}
	for _, f := range fs {
		k := relFile(dataDir, f.File)
		out[k] = append(out[k], f.StartLine)
	}
	return out
}

// Markdown writes the result as a recall table and a per-kind table.
func (r *ScoreResult) Markdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| tool | planted | found | recall | recall (by line) | findings | findings on no planted secret |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range r.Tools {
		fmt.Fprintf(&b, "| %s | %d | %d | %.1f%% | %.1f%% | %d | %d |\n", t.Tool, t.Planted, t.Found,
			100*t.Recall(), 100*t.LineRecall(), t.Findings, sum(t.Unplanted))
	}
	b.WriteString("\n| planted kind | planted |")
	for _, t := range r.Tools {
		fmt.Fprintf(&b, " %s found | %s rules |", t.Tool, t.Tool)
	}
	b.WriteString("\n|---|---:|")
	for range r.Tools {
		b.WriteString("---:|---|")
	}
	b.WriteString("\n")
	for _, k := range sortedKeys(r.Planted) {
		fmt.Fprintf(&b, "| %s | %d |", k, r.Planted[k])
		for _, t := range r.Tools {
			fmt.Fprintf(&b, " %d | %s |", t.ByKind[k], countList(t.Rules[k]))
		}
		b.WriteString("\n")
	}
	for _, t := range r.Tools {
		if len(t.Unplanted) > 0 {
			fmt.Fprintf(&b, "\n%s findings on no planted secret: %s\n", t.Tool, countList(t.Unplanted))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// countList renders {"a": 2, "b": 1} as "a (2), b (1)", largest first.
func countList(m map[string]int) string {
	ks := sortedKeys(m)
	sort.SliceStable(ks, func(i, j int) bool { return m[ks[i]] > m[ks[j]] })
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s (%d)", k, m[k]))
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, ", ")
}
