package ciformat

import (
	"bufio"
	"container/heap"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/winnow-data/winnow/detectors"
)

// WriteGitHub writes GitHub Actions workflow commands for the output
// directory outDir to w, one per line:
//
//  1. one `::error title=winnow --fail-on::MESSAGE` per clause of
//     opt.Policy that fails;
//  2. one annotation per finding, most severe first (then in file, row,
//     field, offset order): `::error file=F,line=L,title=KIND::MESSAGE`
//     for high and critical kinds, `::warning` for medium, `::notice` for
//     low and info. line is the record's line for JSONL files (as in
//     WriteSARIF) and omitted for Parquet and Arrow (the message names the
//     row);
//  3. when findings exceed the cap (opt.MaxAnnotations, default
//     DefaultMaxAnnotations), one `::notice title=winnow::…` line saying
//     how many were left out and where to find them.
//
// Values are escaped as GitHub's toolkit does: % CR LF in messages, and
// also : and , in properties. No matched value is ever written.
//
// Output is deterministic. Memory is bounded by the cap, not by the
// number of findings. On error, w may hold partial output. Safe to call
// concurrently on different writers.
func WriteGitHub(w io.Writer, outDir string, opt Options) error {
	r, err := load(outDir, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if !opt.Policy.IsZero() {
		fails, err := EvaluateOutput(outDir, opt.Policy, opt.Kinds)
		if err != nil {
			return err
		}
		for _, f := range fails {
			fmt.Fprintf(bw, "::error title=%s::%s\n", ghProperty("winnow --fail-on"), ghData(f.Message))
		}
	}
	limit := opt.MaxAnnotations
	if limit == 0 {
		limit = DefaultMaxAnnotations
	}
	sel := &annotationHeap{}
	var total int64
	seq := 0
	err = r.each(func(f *Finding) error {
		total++
		a := annotation{sev: r.kind(f.Kind).sev, file: r.fileRank(f.File), seq: seq, f: copyFinding(f)}
		seq++
		if limit < 0 || sel.Len() < limit {
			heap.Push(sel, a)
			return nil
		}
		if limit > 0 && a.less(sel.items[0]) {
			sel.items[0] = a
			heap.Fix(sel, 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	list := sel.sorted()
	for i := range list {
		r.writeAnnotation(bw, &list[i])
	}
	if left := total - int64(len(list)); left > 0 {
		name := "the findings file"
		if r.findings != "" {
			name = filepath.Base(r.findings)
		}
		fmt.Fprintf(bw, "::notice title=%s::%s\n", ghProperty("winnow"), ghData(fmt.Sprintf(
			"%d of %d findings annotated, most severe first; %d more are in %s (see report.json for counts per kind)",
			len(list), total, left, name)))
	}
	return bw.Flush()
}

// fileRank orders files as report.json lists them; others after, by name.
func (r *run) fileRank(file string) int {
	if i, ok := r.fileIdx[file]; ok {
		return i
	}
	return len(r.fileIdx)
}

func ghLevel(s detectors.Severity) string {
	switch {
	case s >= detectors.SeverityHigh:
		return "error"
	case s == detectors.SeverityMedium:
		return "warning"
	}
	return "notice"
}

func (r *run) writeAnnotation(w *bufio.Writer, a *annotation) {
	f := &a.f
	w.WriteString("::")
	w.WriteString(ghLevel(a.sev))
	w.WriteString(" file=")
	w.WriteString(ghProperty(filepath.ToSlash(f.File)))
	if r.fileFormat(f.File) == "jsonl" && f.Row >= 0 {
		w.WriteString(",line=")
		w.WriteString(strconv.FormatInt(f.line(), 10))
	}
	w.WriteString(",title=")
	w.WriteString(ghProperty(f.Kind))
	w.WriteString("::")
	w.WriteString(ghData(findingText(f) + ", severity " + a.sev.String()))
	w.WriteByte('\n')
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	if !strings.ContainsAny(s, "%\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "\r", "%0D")
	return strings.ReplaceAll(s, "\n", "%0A")
}

// ghProperty escapes a workflow command property value.
func ghProperty(s string) string {
	s = ghData(s)
	s = strings.ReplaceAll(s, ":", "%3A")
	return strings.ReplaceAll(s, ",", "%2C")
}

// copyFinding returns a copy of f that does not alias the reader's row;
// the raw value is dropped, as no writer outputs it.
func copyFinding(f *Finding) Finding {
	c := *f
	c.Value = nil
	if f.KeptFile != nil {
		s := *f.KeptFile
		c.KeptFile = &s
	}
	if f.KeptRow != nil {
		v := *f.KeptRow
		c.KeptRow = &v
	}
	if f.Similarity != nil {
		v := *f.Similarity
		c.Similarity = &v
	}
	if f.Line != nil {
		v := *f.Line
		c.Line = &v
	}
	if f.Cluster != nil {
		s := *f.Cluster
		c.Cluster = &s
	}
	if f.Detail != nil {
		s := *f.Detail
		c.Detail = &s
	}
	return c
}

// annotation is one candidate finding for the GitHub output.
type annotation struct {
	sev  detectors.Severity
	file int
	seq  int // position in the findings file: the final tie-break
	f    Finding
}

// less orders annotations: most severe first, then by file, row, field,
// offset, kind, and findings-file order.
func (a annotation) less(b annotation) bool {
	if a.sev != b.sev {
		return a.sev > b.sev
	}
	if a.file != b.file {
		return a.file < b.file
	}
	if a.f.File != b.f.File {
		return a.f.File < b.f.File
	}
	if a.f.Row != b.f.Row {
		return a.f.Row < b.f.Row
	}
	if a.f.Field != b.f.Field {
		return a.f.Field < b.f.Field
	}
	if a.f.Start != b.f.Start {
		return a.f.Start < b.f.Start
	}
	if a.f.Kind != b.f.Kind {
		return a.f.Kind < b.f.Kind
	}
	return a.seq < b.seq
}

// annotationHeap is a max-heap under less (its root is the worst kept
// candidate), so a bounded selection keeps the best ones.
type annotationHeap struct{ items []annotation }

func (h *annotationHeap) Len() int           { return len(h.items) }
func (h *annotationHeap) Less(i, j int) bool { return h.items[j].less(h.items[i]) }
func (h *annotationHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *annotationHeap) Push(x any)         { h.items = append(h.items, x.(annotation)) }
func (h *annotationHeap) Pop() any {
	n := len(h.items) - 1
	x := h.items[n]
	h.items = h.items[:n]
	return x
}

// sorted empties the heap into best-first order.
func (h *annotationHeap) sorted() []annotation {
	out := make([]annotation, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(annotation)
	}
	return out
}
