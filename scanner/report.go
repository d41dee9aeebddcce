package scanner

import (
	"encoding/json"
	"sort"
	"time"
)

// Report is the content of report.json (DESIGN §5). It holds only
// deterministic values: the same inputs and config give the same bytes.
// Timings live in RunStats, which goes to the summary and the manifest.
type Report struct {
	Tool           ToolInfo         `json:"tool"`
	Mode           string           `json:"mode"`
	Totals         Totals           `json:"totals"`
	Files          []FileReport     `json:"files"`
	Skipped        []Skipped        `json:"skipped,omitempty"`
	FindingsByKind map[string]int64 `json:"findings_by_kind"`
	RecordsByKind  map[string]int64 `json:"records_by_kind"`
	DroppedByKind  map[string]int64 `json:"dropped_by_kind"`
	Recurrence     map[string]Recur `json:"recurrence,omitempty"`
	Corpus         map[string]any   `json:"corpus,omitempty"`
	// BaselineSuppressed counts findings suppressed by --baseline.
	BaselineSuppressed int64             `json:"baseline_suppressed,omitempty"`
	Warnings           []string          `json:"warnings,omitempty"`
	Severity           map[string]string `json:"severity_by_kind,omitempty"`
}

// ToolInfo names the tool that wrote a report.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Totals are the conservation counts: RecordsIn = Kept + Redacted + Dropped.
type Totals struct {
	Files     int   `json:"files"`
	RecordsIn int64 `json:"records_in"`
	Kept      int64 `json:"kept"`
	Redacted  int64 `json:"redacted"`
	Dropped   int64 `json:"dropped"`
	Findings  int64 `json:"findings"`
	BytesIn   int64 `json:"bytes_in"`
}

// FileReport is one input file's line in the report.
type FileReport struct {
	File       string   `json:"file"`
	Format     Format   `json:"format"`
	RecordsIn  int64    `json:"records_in"`
	Kept       int64    `json:"kept"`
	Redacted   int64    `json:"redacted"`
	Dropped    int64    `json:"dropped"`
	Findings   int64    `json:"findings"`
	BytesIn    int64    `json:"bytes_in"`
	Output     string   `json:"output,omitempty"`
	Quarantine string   `json:"quarantine,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
}

// Recur summarizes how often the values of one kind recur (by value hash).
type Recur struct {
	Distinct int64      `json:"distinct_values"`
	Top      []RecurTop `json:"top"`
}

// RecurTop is one frequent value, identified by its value_hash only.
type RecurTop struct {
	ValueHash string `json:"value_hash"`
	Count     int64  `json:"count"`
	Records   int64  `json:"records"`
}

// RunStats are the non-deterministic facts of a run: times and throughput.
type RunStats struct {
	Start, End time.Time
	Pass1      time.Duration
	Pass2      time.Duration
	BytesRead  int64
	Workers    int
}

// MarshalIndent returns the report as indented JSON with a trailing newline.
func (r *Report) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func (r *Report) addFile(f FileReport) {
	r.Files = append(r.Files, f)
	r.Totals.Files++
	r.Totals.RecordsIn += f.RecordsIn
	r.Totals.Kept += f.Kept
	r.Totals.Redacted += f.Redacted
	r.Totals.Dropped += f.Dropped
	r.Totals.Findings += f.Findings
	r.Totals.BytesIn += f.BytesIn
}

// recurrence tracks value-hash counts per kind for Report.Recurrence.
type recurrence struct {
	kinds map[string]map[string]*recurCount
}

type recurCount struct {
	count   int64
	records int64
	lastRec int64
	lastF   int
}

func (rc *recurrence) add(kind, hash string, file int, row int64) {
	if rc.kinds == nil {
		rc.kinds = map[string]map[string]*recurCount{}
	}
	m := rc.kinds[kind]
	if m == nil {
		m = map[string]*recurCount{}
		rc.kinds[kind] = m
	}
	c := m[hash]
	if c == nil {
		c = &recurCount{lastRec: -1, lastF: -1}
		m[hash] = c
	}
	c.count++
	if c.lastRec != row || c.lastF != file {
		c.records++
		c.lastRec, c.lastF = row, file
	}
}

func (rc *recurrence) summary(top int) map[string]Recur {
	if len(rc.kinds) == 0 {
		return nil
	}
	out := map[string]Recur{}
	for kind, m := range rc.kinds {
		list := make([]RecurTop, 0, len(m))
		for h, c := range m {
			list = append(list, RecurTop{ValueHash: h, Count: c.count, Records: c.records})
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].Count != list[j].Count {
				return list[i].Count > list[j].Count
			}
			return list[i].ValueHash < list[j].ValueHash
		})
		if len(list) > top {
			list = list[:top]
		}
		out[kind] = Recur{Distinct: int64(len(m)), Top: list}
	}
	return out
}
