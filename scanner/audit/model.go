package audit

import (
	"cmp"
	"errors"
	"iter"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// family groups finding kinds by the part of their name before the dot.
type family struct {
	Key, Label, Short, Color string
}

// families in display order; the last one catches unknown prefixes.
var families = [...]family{
	{"pii", "PII", "PII", "#2563eb"},
	{"secret", "Secrets", "Secrets", "#c2410c"},
	{"poison", "Poisoning", "Poison", "#7c3aed"},
	{"dup", "Duplicates", "Dups", "#0f766e"},
	{"input", "Input problems", "Input", "#64748b"},
	{"other", "Other", "Other", "#a16207"},
}

func familyIndex(kind string) int {
	prefix, _, _ := strings.Cut(kind, ".")
	for i, f := range families[:len(families)-1] {
		if f.Key == prefix {
			return i
		}
	}
	return len(families) - 1
}

// Outcome colours: kept, redacted, dropped.
const (
	colorKept     = "#15803d"
	colorRedacted = "#b45309"
	colorDropped  = "#b91c1c"
)

// num is a count shown on the page: Raw goes to data-value, Text is shown.
type num struct {
	Raw  int64
	Text string
}

func mkNum(n int64) num { return num{Raw: n, Text: fmtInt(n)} }

// findingStats aggregates the findings stream.
type findingStats struct {
	rows     int64
	byKind   map[string]*kindStats
	fileKind map[string]map[string]int64 // file → kind → findings
}

type kindStats struct {
	redact, drop, report, otherAction int64
	confSum                           float64
	detectors                         map[string]struct{}
}

func collectFindings(seq iter.Seq2[Finding, error]) (*findingStats, error) {
	fs := &findingStats{byKind: map[string]*kindStats{}, fileKind: map[string]map[string]int64{}}
	for f, err := range seq {
		if err != nil {
			return nil, err
		}
		fs.rows++
		ks := fs.byKind[f.Kind]
		if ks == nil {
			ks = &kindStats{detectors: map[string]struct{}{}}
			fs.byKind[f.Kind] = ks
		}
		switch f.Action {
		case "redact":
			ks.redact++
		case "drop":
			ks.drop++
		case "report":
			ks.report++
		default:
			ks.otherAction++
		}
		ks.confSum += f.Confidence
		if f.Detector != "" {
			ks.detectors[f.Detector] = struct{}{}
		}
		m := fs.fileKind[f.File]
		if m == nil {
			m = map[string]int64{}
			fs.fileKind[f.File] = m
		}
		m[f.Kind]++
	}
	return fs, nil
}

// view is everything the template shows, fully formatted. Building it is
// where all decisions are made; the template only lays it out.
type view struct {
	Title       string
	Generated   string
	Tool        string
	Mode        string
	Meta        []kv
	Cards       []card
	RecordsLead string
	Conserved   bool
	ConserveMsg string
	Outcome     stackBar
	Families    []familyCard
	Findings    num

	KindChart *barChart
	Kinds     []kindRow
	HasFind   bool
	FindNote  string

	Files     []fileRow
	FilesNote string
	FamCols   []family
	Matrix    *matrix
	TopKinds  bool // per-file "top kinds" column, shown when there is no matrix
	Legend    []kv // outcome legend: label → share

	Dedupe *dedupeView

	Triggers     []triggerRow
	TriggerNote  string
	HasTrigger   bool
	Payloads     []payloadRow
	PayloadNote  string
	HasPayload   bool
	Recurrence   []recurRow
	Warnings     []string
	Skipped      []skippedRow
	Stats        []statGroup
	HasNotes     bool
	FileIndexMsg string
}

type kv struct {
	Key, Value string
}

type card struct {
	ID, Label, Class, Sub string
	Value                 num
}

type familyCard struct {
	family
	ID       string
	Findings num
	Kinds    int
	Records  num
	KindWord string
}

type kindRow struct {
	Kind, Family, FamKey, Severity, SevClass string
	Findings, Records                        num
	Actions                                  []kv // Key: action, Value: findings
	MeanConf, Detectors, Distinct            string
}

type fileRow struct {
	Name, Path, Format                 string
	RecordsIn, Kept, Redacted, Dropped num
	Findings                           num
	HasFamilies                        bool
	Families                           []string
	TopKinds                           []kv
	Bar                                stackBar
	Warnings                           []string
}

type matrix struct {
	Files []matrixCol
	Rows  []matrixRow
}

// matrixCol heads a file column: the short name split into its directory
// (with trailing slash, may be empty) and base name.
type matrixCol struct {
	Dir, Base, Path string
}

type matrixRow struct {
	Kind   string
	FamKey string
	Cells  []matrixCell
	Total  string
}

type matrixCell struct {
	Text, Class, Title string
}

type dedupeView struct {
	Stats   []kv
	Hist    *histChart
	Largest []clusterRow
	Giant   []giantCluster
	Note    string
}

type clusterRow struct {
	Cluster string
	Size    string
	Kept    recordLink
	Members []refGroup
	More    int
}

type recordLink struct {
	Name, Path, Row, Extra string
}

type triggerRow struct {
	Rank                 int
	Parts                []snippetPart
	Mode, Outcome, Score string
	ScoreW               string
	Records, DocFreq     string
	Rate, BaseRate, Lift string
	Flagged              bool
	Examples             []refGroup
	More                 int64
}

type payloadRow struct {
	Cluster            string
	Records, Unrelated string
	Flagged            bool
	Examples           []refGroup
}

type recurRow struct {
	Kind, FamKey string
	Findings     string
	Distinct     string
	Factor       string
	Top          []recurItem
	NoRepeats    bool
}

type recurItem struct {
	Hash, Count, Records string
}

type skippedRow struct {
	File, Reason string
}

type statGroup struct {
	Name  string
	Items []kv
}

// build turns the parsed report and aggregated findings into a view.
func build(p *parsed, fs *findingStats, findErr error, opt Options) *view {
	d := &p.doc
	v := &view{
		Title:     visible(opt.title()),
		Generated: visible(opt.Generated),
		Mode:      visible(d.Mode),
	}
	v.Tool = visible(strings.TrimSpace(d.Tool.Name + " " + d.Tool.Version))
	if v.Tool == "" {
		v.Tool = "winnow"
	}
	t := d.Totals
	v.Findings = mkNum(t.Findings)
	v.Meta = []kv{{"Mode", orDash(v.Mode)}, {"Tool", v.Tool}, {"Input files", fmtInt(int64(len(d.Files)))}, {"Input size", fmtBytes(t.BytesIn)}}
	if v.Generated != "" {
		v.Meta = append(v.Meta, kv{"Generated", v.Generated})
	}

	// Records.
	kept, redacted, dropped := "Kept unchanged", "Redacted", "Dropped"
	v.RecordsLead = "What happened to every input record: written unchanged, written with redactions, or dropped to quarantine."
	if d.Mode == "scan" {
		kept, redacted, dropped = "Would keep", "Would redact", "Would drop"
		v.RecordsLead = "Scan only: no data was written. The counts show what clean would do with every input record under the same policy."
	}
	v.Cards = []card{
		{ID: "records-in", Label: "Records in", Class: "in", Value: mkNum(t.RecordsIn), Sub: fmtInt(int64(len(d.Files))) + " " + plural(len(d.Files), "file", "files") + " · " + fmtBytes(t.BytesIn)},
		{ID: "records-kept", Label: kept, Class: "kept", Value: mkNum(t.Kept), Sub: fmtPct(t.Kept, t.RecordsIn) + " of records"},
		{ID: "records-redacted", Label: redacted, Class: "redacted", Value: mkNum(t.Redacted), Sub: fmtPct(t.Redacted, t.RecordsIn) + " of records"},
		{ID: "records-dropped", Label: dropped, Class: "dropped", Value: mkNum(t.Dropped), Sub: fmtPct(t.Dropped, t.RecordsIn) + " of records"},
	}
	sum := t.Kept + t.Redacted + t.Dropped
	v.Conserved = sum == t.RecordsIn
	if v.Conserved {
		v.ConserveMsg = "Every input record is accounted for: " + fmtInt(t.RecordsIn) + " in = " + fmtInt(t.Kept) + " kept + " + fmtInt(t.Redacted) + " redacted + " + fmtInt(t.Dropped) + " dropped."
	} else {
		v.ConserveMsg = "Records do not add up: " + fmtInt(t.RecordsIn) + " in, but kept + redacted + dropped = " + fmtInt(sum) + "."
	}
	v.Outcome = newStackBar("outcome", 1000, 28, t.Kept, t.Redacted, t.Dropped)
	v.Legend = []kv{
		{"kept", kept + " · " + fmtPct(t.Kept, t.RecordsIn)},
		{"redacted", redacted + " · " + fmtPct(t.Redacted, t.RecordsIn)},
		{"dropped", dropped + " · " + fmtPct(t.Dropped, t.RecordsIn)},
	}

	// Families.
	famFind := make([]int64, len(families))
	famKinds := make([]int, len(families))
	famRecs := make([]int64, len(families))
	for k, n := range d.FindingsByKind {
		i := familyIndex(k)
		famFind[i] += n
		famKinds[i]++
		famRecs[i] += d.RecordsByKind[k]
	}
	for i, f := range families {
		if f.Key == "other" && famKinds[i] == 0 {
			continue
		}
		v.Families = append(v.Families, familyCard{family: f, ID: "findings-" + f.Key, Findings: mkNum(famFind[i]), Kinds: famKinds[i], Records: mkNum(famRecs[i]), KindWord: plural(famKinds[i], "kind", "kinds")})
	}

	// Findings per kind.
	v.HasFind = fs != nil
	switch {
	case fs == nil && errors.Is(findErr, ErrNoFindings):
		v.FindNote = "No findings file was found next to report.json, so actions, confidence and the per-file breakdown are not shown."
	case fs == nil:
		v.FindNote = "The findings file was not read, so actions, confidence and the per-file breakdown are not shown."
	case fs.rows != t.Findings:
		v.FindNote = "The findings file holds " + fmtInt(fs.rows) + " rows while report.json counts " + fmtInt(t.Findings) + " findings."
	}
	kinds := slices.Sorted(maps.Keys(d.FindingsByKind))
	if fs != nil {
		for k := range fs.byKind {
			if _, ok := d.FindingsByKind[k]; !ok {
				kinds = append(kinds, k)
			}
		}
		slices.Sort(kinds)
	}
	for _, k := range kinds {
		f := families[familyIndex(k)]
		sev := d.Severity[k]
		row := kindRow{
			Kind: visible(k), Family: f.Label, FamKey: f.Key,
			Severity: orDash(visible(sev)), SevClass: sevClass(sev),
			Findings: mkNum(d.FindingsByKind[k]), Records: mkNum(d.RecordsByKind[k]),
			MeanConf: "–", Detectors: "–", Distinct: "–",
		}
		if r, ok := d.Recurrence[k]; ok {
			row.Distinct = fmtInt(r.Distinct)
		}
		if fs != nil {
			if ks := fs.byKind[k]; ks != nil {
				for _, a := range []struct {
					name string
					n    int64
				}{{"drop", ks.drop}, {"redact", ks.redact}, {"report", ks.report}, {"other", ks.otherAction}} {
					if a.n > 0 {
						row.Actions = append(row.Actions, kv{a.name, fmtInt(a.n)})
					}
				}
				n := ks.redact + ks.drop + ks.report + ks.otherAction
				if n > 0 {
					row.MeanConf = fmtFloat(ks.confSum/float64(n), 2)
				}
				if len(ks.detectors) > 0 {
					row.Detectors = visible(strings.Join(slices.Sorted(maps.Keys(ks.detectors)), ", "))
				}
			}
		} else if n := d.DroppedByKind[k]; n > 0 {
			row.Actions = []kv{{"drop", fmtInt(n)}}
		}
		v.Kinds = append(v.Kinds, row)
	}
	v.KindChart = newKindChart(d.FindingsByKind)

	// Files: one column per family, "other" only when such kinds exist.
	cols := []int{0, 1, 2, 3, 4}
	other := len(families) - 1
	for _, k := range kinds {
		if familyIndex(k) == other {
			cols = append(cols, other)
			break
		}
	}
	for _, i := range cols {
		v.FamCols = append(v.FamCols, families[i])
	}
	v.Files, v.FilesNote, v.Matrix = buildFiles(d, fs, cols, opt)
	v.TopKinds = fs != nil && v.Matrix == nil

	// Duplicates.
	names := newFileNamer(d)
	if p.dedupe != nil {
		v.Dedupe = buildDedupe(p.dedupe, names, opt)
	}

	// Poison.
	if p.trigger != nil {
		v.HasTrigger = true
		v.Triggers, v.TriggerNote = buildTriggers(p.trigger, names, opt)
	}
	if p.payload != nil {
		v.HasPayload = true
		v.Payloads, v.PayloadNote = buildPayloads(p.payload, names, opt)
	}
	if !names.direct {
		v.FileIndexMsg = "Some input files were skipped, so record references in this section are shown by plan index (file #N) rather than by path."
	}

	// Recurrence.
	for _, k := range slices.Sorted(maps.Keys(d.Recurrence)) {
		r := d.Recurrence[k]
		row := recurRow{Kind: visible(k), FamKey: families[familyIndex(k)].Key, Findings: fmtInt(d.FindingsByKind[k]), Distinct: fmtInt(r.Distinct), Factor: "–"}
		if r.Distinct > 0 {
			row.Factor = fmtFloat(float64(d.FindingsByKind[k])/float64(r.Distinct), 2) + "×"
		}
		for _, top := range r.Top {
			if top.Count < 2 || len(row.Top) >= opt.topRecurring() {
				continue
			}
			row.Top = append(row.Top, recurItem{Hash: visible(top.ValueHash), Count: fmtInt(top.Count), Records: fmtInt(top.Records) + " " + plural(int(min(top.Records, 2)), "record", "records")})
		}
		row.NoRepeats = len(row.Top) == 0
		v.Recurrence = append(v.Recurrence, row)
	}

	// Notes.
	for _, w := range d.Warnings {
		v.Warnings = append(v.Warnings, visible(w))
	}
	for _, s := range d.Skipped {
		v.Skipped = append(v.Skipped, skippedRow{File: visible(s.File), Reason: visible(s.Reason)})
	}
	v.Stats = buildStats(p.other)
	v.HasNotes = len(v.Warnings) > 0 || len(v.Skipped) > 0 || len(v.Stats) > 0
	return v
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func sevClass(s string) string {
	switch s {
	case "critical", "high", "medium", "low", "info":
		return "sev-" + s
	}
	return "sev-none"
}

// fileNamer turns plan file indexes of corpus reports into display names.
// Indexes equal positions in report.files only when no file was skipped.
type fileNamer struct {
	direct bool
	paths  []string
	short  []string
	index  map[string]int
}

func newFileNamer(d *reportDoc) *fileNamer {
	n := &fileNamer{direct: len(d.Skipped) == 0}
	for _, f := range d.Files {
		n.paths = append(n.paths, f.File)
	}
	n.short = shortNames(n.paths)
	n.index = make(map[string]int, len(n.paths))
	for i, p := range n.paths {
		n.index[p] = i
	}
	return n
}

// link names a record by the path the report gives with its file index,
// or, in older reports without paths, by the index.
func (n *fileNamer) link(file int64, path string, row int64) recordLink {
	l := recordLink{Row: fmtInt(row)}
	if path != "" {
		if i, ok := n.index[path]; ok {
			l.Name, l.Path = visible(n.short[i]), visible(n.paths[i])
		} else {
			l.Name, l.Path = visible(path), visible(path)
		}
		return l
	}
	if n.direct && file >= 0 && file < int64(len(n.paths)) {
		l.Name, l.Path = visible(n.short[file]), visible(n.paths[file])
	} else {
		l.Name = "file #" + fmtInt(file)
		l.Path = l.Name
	}
	return l
}

// refGroup is a run of record references to one file.
type refGroup struct {
	Name, Path string
	Rows       []kv // Key: row number, Value: extra detail (may be empty)
}

// groupRefs merges consecutive references to the same file.
func groupRefs(links []recordLink) []refGroup {
	var out []refGroup
	for _, l := range links {
		if n := len(out); n > 0 && out[n-1].Path == l.Path && out[n-1].Name == l.Name {
			out[n-1].Rows = append(out[n-1].Rows, kv{l.Row, l.Extra})
			continue
		}
		out = append(out, refGroup{Name: l.Name, Path: l.Path, Rows: []kv{{l.Row, l.Extra}}})
	}
	return out
}

// shortNames strips the longest common directory prefix from paths.
func shortNames(paths []string) []string {
	out := make([]string, len(paths))
	if len(paths) == 0 {
		return out
	}
	dirs := func(p string) []string {
		parts := strings.Split(p, "/")
		return parts[:len(parts)-1]
	}
	common := dirs(paths[0])
	for _, p := range paths[1:] {
		d := dirs(p)
		i := 0
		for i < len(common) && i < len(d) && common[i] == d[i] {
			i++
		}
		common = common[:i]
	}
	cut := 0
	for _, c := range common {
		cut += len(c) + 1
	}
	for i, p := range paths {
		out[i] = p[cut:]
	}
	return out
}

func buildFiles(d *reportDoc, fs *findingStats, cols []int, opt Options) ([]fileRow, string, *matrix) {
	type idx struct {
		i int
		f fileReport
	}
	list := make([]idx, len(d.Files))
	for i, f := range d.Files {
		list[i] = idx{i, f}
	}
	note := ""
	if limit := opt.maxFiles(); len(list) > limit {
		slices.SortStableFunc(list, func(a, b idx) int {
			if c := cmp.Compare(b.f.Findings, a.f.Findings); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		list = list[:limit]
		slices.SortFunc(list, func(a, b idx) int { return cmp.Compare(a.i, b.i) })
		note = "Showing the " + fmtInt(int64(limit)) + " files with the most findings out of " + fmtInt(int64(len(d.Files))) + "."
	}
	short := shortNames(func() []string {
		var ps []string
		for _, f := range d.Files {
			ps = append(ps, f.File)
		}
		return ps
	}())
	var rows []fileRow
	for _, e := range list {
		f := e.f
		r := fileRow{
			Name: visible(short[e.i]), Path: visible(f.File), Format: orDash(visible(f.Format)),
			RecordsIn: mkNum(f.RecordsIn), Kept: mkNum(f.Kept), Redacted: mkNum(f.Redacted), Dropped: mkNum(f.Dropped),
			Findings: mkNum(f.Findings),
			Bar:      newStackBar("", 100, 5, f.Kept, f.Redacted, f.Dropped),
		}
		for _, w := range f.Warnings {
			r.Warnings = append(r.Warnings, visible(w))
		}
		if fs != nil {
			r.HasFamilies = true
			fam := make([]int64, len(families))
			kinds := fs.fileKind[f.File]
			for k, n := range kinds {
				fam[familyIndex(k)] += n
			}
			for _, i := range cols {
				if n := fam[i]; n == 0 {
					r.Families = append(r.Families, "·")
				} else {
					r.Families = append(r.Families, fmtInt(n))
				}
			}
			top := slices.SortedFunc(maps.Keys(kinds), func(a, b string) int {
				if c := cmp.Compare(kinds[b], kinds[a]); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			for _, k := range top[:min(3, len(top))] {
				r.TopKinds = append(r.TopKinds, kv{visible(k), fmtInt(kinds[k])})
			}
		}
		rows = append(rows, r)
	}
	var mx *matrix
	if fs != nil && len(d.Files) > 0 && len(d.Files) <= maxMatrixFiles {
		mx = buildMatrix(d, fs, short)
	}
	return rows, note, mx
}

// maxMatrixFiles is the most files shown as columns of the kind × file
// matrix; past it the page would not fit.
const maxMatrixFiles = 8

func buildMatrix(d *reportDoc, fs *findingStats, short []string) *matrix {
	mx := &matrix{}
	for i, f := range d.Files {
		dir, base := "", short[i]
		if j := strings.LastIndexByte(base, '/'); j >= 0 {
			dir, base = base[:j+1], base[j+1:]
		}
		mx.Files = append(mx.Files, matrixCol{Dir: visible(dir), Base: visible(base), Path: visible(f.File)})
	}
	kindSet := map[string]struct{}{}
	var peak int64
	for _, f := range d.Files {
		for k, n := range fs.fileKind[f.File] {
			kindSet[k] = struct{}{}
			peak = max(peak, n)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(kindSet)) {
		row := matrixRow{Kind: visible(k), FamKey: families[familyIndex(k)].Key}
		var total int64
		for i, f := range d.Files {
			n := fs.fileKind[f.File][k]
			total += n
			c := matrixCell{Text: "·", Class: "h0", Title: visible(k) + " in " + visible(short[i]) + ": 0"}
			if n > 0 {
				level := min(max(int(math.Ceil(5*float64(n)/float64(peak))), 1), 5)
				c = matrixCell{Text: fmtInt(n), Class: "h" + strconv.Itoa(level), Title: visible(k) + " in " + visible(short[i]) + ": " + fmtInt(n)}
			}
			row.Cells = append(row.Cells, c)
		}
		row.Total = fmtInt(total)
		mx.Rows = append(mx.Rows, row)
	}
	if len(mx.Rows) == 0 {
		return nil
	}
	return mx
}

func buildDedupe(s *dedupeStats, names *fileNamer, opt Options) *dedupeView {
	dv := &dedupeView{Stats: []kv{
		{"Duplicate clusters", fmtInt(s.Clusters)},
		{"Records dropped", fmtInt(s.Dropped)},
		{"Exact duplicates", fmtInt(s.DroppedExact)},
		{"Near duplicates", fmtInt(s.DroppedNear)},
		{"Bytes removed", fmtBytes(s.BytesRemoved)},
		{"Candidate records", fmtInt(s.CandidateRecords)},
		{"Candidate pairs", fmtInt(s.Edges)},
		{"Rejected on verification", fmtInt(s.VerifyRejected)},
		{"Matches in earlier versions", fmtInt(s.PriorMatches)},
	}}
	dv.Hist = newHistChart(s.SizeHistogram)
	for _, c := range s.Largest[:min(len(s.Largest), opt.topClusters())] {
		row := clusterRow{Cluster: visible(c.Cluster), Size: fmtInt(c.Size)}
		if c.Prior != nil {
			row.Kept = recordLink{Name: visible(c.Prior.File), Path: visible(c.Prior.File), Row: fmtInt(c.Prior.Row), Extra: "version " + visible(c.Prior.Version)}
		} else {
			row.Kept = names.link(c.Kept.File, c.Kept.Path, c.Kept.Row)
		}
		var members []recordLink
		for _, m := range c.Sample {
			if c.Prior == nil && m == c.Kept {
				continue
			}
			members = append(members, names.link(m.File, m.Path, m.Row))
		}
		row.Members = groupRefs(members)
		shown := len(c.Sample)
		if c.Prior != nil {
			shown++ // the kept record is not a member of this run
		}
		row.More = max(0, int(c.Size)-shown)
		dv.Largest = append(dv.Largest, row)
	}
	for _, g := range s.Giant {
		g.Cluster = visible(g.Cluster)
		dv.Giant = append(dv.Giant, g)
	}
	if len(s.Largest) > opt.topClusters() {
		dv.Note = "Showing the " + fmtInt(int64(opt.topClusters())) + " largest of the " + fmtInt(int64(len(s.Largest))) + " clusters listed in report.json."
	}
	return dv
}

// humanize turns an identifier such as "repeated_payload" into a label.
func humanize(s string) string {
	s = strings.ReplaceAll(visible(s), "_", " ")
	if s == "" {
		return "–"
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func buildTriggers(tr *triggerReport, names *fileNamer, opt Options) ([]triggerRow, string) {
	var rows []triggerRow
	top := opt.topTriggers()
	for i, c := range tr.Candidates {
		if i >= top {
			break
		}
		r := triggerRow{
			Rank:     i + 1,
			Parts:    maskTrigger(c.Text),
			Mode:     humanize(c.Mode),
			Outcome:  humanize(c.Outcome),
			Score:    fmtFloat(c.Score, 3),
			ScoreW:   coord(60 * min(max(c.Score, 0), 1)),
			Records:  fmtInt(c.Records),
			DocFreq:  fmtInt(c.DocFreq),
			BaseRate: fmtRate(c.BaseRate),
			Rate:     "–",
			Lift:     "–",
			Flagged:  c.Flagged,
		}
		if c.DocFreq > 0 {
			rate := float64(c.Records) / float64(c.DocFreq)
			r.Rate = fmtRate(min(rate, 1))
			if c.BaseRate > 0 {
				r.Lift = fmtFloat(rate/c.BaseRate, 0) + "×"
			}
		}
		var ex []recordLink
		for _, e := range c.Examples {
			ex = append(ex, names.link(e.File, e.Path, e.Row))
		}
		r.Examples = groupRefs(ex)
		r.More = max(0, c.Records-int64(len(c.Examples)))
		rows = append(rows, r)
	}
	note := ""
	if len(tr.Candidates) > top {
		note = "Showing the top " + fmtInt(int64(top)) + " of " + fmtInt(int64(len(tr.Candidates))) + " ranked candidates."
	}
	return rows, note
}

func buildPayloads(pr *payloadReport, names *fileNamer, opt Options) ([]payloadRow, string) {
	var rows []payloadRow
	top := opt.topClusters()
	for i, c := range pr.Clusters {
		if i >= top {
			break
		}
		r := payloadRow{Cluster: visible(c.Cluster), Records: fmtInt(c.Records), Unrelated: fmtInt(c.Unrelated), Flagged: c.Flagged}
		var ex []recordLink
		for _, e := range c.Examples {
			l := names.link(e.File, e.Path, e.Row)
			l.Extra = visible(e.Field) + " bytes " + fmtInt(e.Start) + "–" + fmtInt(e.End)
			ex = append(ex, l)
		}
		r.Examples = groupRefs(ex)
		rows = append(rows, r)
	}
	note := ""
	if len(pr.Clusters) > top {
		note = "Showing " + fmtInt(int64(top)) + " of " + fmtInt(int64(len(pr.Clusters))) + " clusters."
	}
	return rows, note
}

// buildStats flattens the numeric and boolean statistics of corpus
// detectors into labelled rows. Strings and arrays are left out on purpose:
// they could carry corpus text.
func buildStats(other map[string]any) []statGroup {
	var groups []statGroup
	for _, name := range slices.Sorted(maps.Keys(other)) {
		var items []kv
		flattenStats("", other[name], 0, &items)
		if len(items) > 0 {
			groups = append(groups, statGroup{Name: visible(name), Items: items})
		}
	}
	return groups
}

const maxStatItems = 60

func flattenStats(prefix string, v any, depth int, out *[]kv) {
	if len(*out) >= maxStatItems || depth > 3 {
		return
	}
	switch x := v.(type) {
	case float64:
		s := fmtFloat(x, 4)
		if x < 1e15 && x > -1e15 && x == math.Trunc(x) {
			s = fmtInt(int64(x))
		} else {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		*out = append(*out, kv{visible(prefix), s})
	case bool:
		s := "no"
		if x {
			s = "yes"
		}
		*out = append(*out, kv{visible(prefix), s})
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			key := strings.ReplaceAll(k, "_", " ")
			if prefix != "" {
				key = prefix + " · " + key
			}
			flattenStats(key, x[k], depth+1, out)
		}
	}
}
