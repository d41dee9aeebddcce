package audit

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The structs below mirror the parts of report.json (scanner.Report) the
// page shows. They are declared here, not imported, because package scanner
// imports this package. Unknown keys are ignored, so the report may grow.

type reportDoc struct {
	Tool           toolInfo                   `json:"tool"`
	Mode           string                     `json:"mode"`
	Totals         totals                     `json:"totals"`
	Files          []fileReport               `json:"files"`
	Skipped        []skippedFile              `json:"skipped"`
	FindingsByKind map[string]int64           `json:"findings_by_kind"`
	RecordsByKind  map[string]int64           `json:"records_by_kind"`
	DroppedByKind  map[string]int64           `json:"dropped_by_kind"`
	Recurrence     map[string]recur           `json:"recurrence"`
	Corpus         map[string]json.RawMessage `json:"corpus"`
	Warnings       []string                   `json:"warnings"`
	Severity       map[string]string          `json:"severity_by_kind"`
}

type toolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type totals struct {
	Files     int64 `json:"files"`
	RecordsIn int64 `json:"records_in"`
	Kept      int64 `json:"kept"`
	Redacted  int64 `json:"redacted"`
	Dropped   int64 `json:"dropped"`
	Findings  int64 `json:"findings"`
	BytesIn   int64 `json:"bytes_in"`
}

type fileReport struct {
	File      string   `json:"file"`
	Format    string   `json:"format"`
	RecordsIn int64    `json:"records_in"`
	Kept      int64    `json:"kept"`
	Redacted  int64    `json:"redacted"`
	Dropped   int64    `json:"dropped"`
	Findings  int64    `json:"findings"`
	BytesIn   int64    `json:"bytes_in"`
	Warnings  []string `json:"warnings"`
}

type skippedFile struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

type recur struct {
	Distinct int64      `json:"distinct_values"`
	Top      []recurTop `json:"top"`
}

type recurTop struct {
	ValueHash string `json:"value_hash"`
	Count     int64  `json:"count"`
	Records   int64  `json:"records"`
}

// corpus["dedupe"]
type dedupeStats struct {
	Records          int64            `json:"records"`
	CandidateRecords int64            `json:"candidate_records"`
	Edges            int64            `json:"candidate_edges"`
	Clusters         int64            `json:"clusters"`
	Dropped          int64            `json:"dropped"`
	DroppedExact     int64            `json:"dropped_exact"`
	DroppedNear      int64            `json:"dropped_near"`
	PriorMatches     int64            `json:"prior_matches"`
	BytesRemoved     int64            `json:"bytes_removed"`
	VerifyRejected   int64            `json:"verify_rejected"`
	SizeHistogram    []sizeBucket     `json:"cluster_size_histogram"`
	Largest          []clusterSummary `json:"largest_clusters"`
	Giant            []giantCluster   `json:"giant_clusters"`
}

type sizeBucket struct {
	Min      int64 `json:"min"`
	Max      int64 `json:"max"`
	Clusters int64 `json:"clusters"`
}

type recordRef struct {
	File int64  `json:"file"`
	Path string `json:"path"` // the file's path (reports since the path was added)
	Row  int64  `json:"row"`
}

type provenance struct {
	Version string `json:"version"`
	File    string `json:"file"`
	Row     int64  `json:"row"`
}

type clusterSummary struct {
	Cluster string      `json:"cluster"`
	Size    int64       `json:"size"`
	Kept    recordRef   `json:"kept"`
	Prior   *provenance `json:"prior"`
	Sample  []recordRef `json:"sample"`
}

type giantCluster struct {
	Cluster    string `json:"cluster"`
	Size       int64  `json:"size"`
	Clusters   int64  `json:"clusters"`
	Singletons int64  `json:"singletons"`
}

// corpus["poison.trigger"]
type triggerReport struct {
	Candidates []triggerCandidate `json:"candidates"`
}

type triggerCandidate struct {
	Text      string      `json:"text"`
	Mode      string      `json:"mode"`
	Outcome   string      `json:"outcome"`
	Score     float64     `json:"score"`
	Records   int64       `json:"records"`
	DocFreq   int64       `json:"doc_freq"`
	BaseRate  float64     `json:"base_rate"`
	Examples  []recordRef `json:"examples"`
	Flagged   bool        `json:"flagged"`
	Truncated int64       `json:"truncated"`
}

// corpus["poison.payload_cluster"]
type payloadReport struct {
	Clusters []payloadCluster `json:"clusters"`
}

type payloadCluster struct {
	Cluster   string      `json:"cluster"`
	Records   int64       `json:"records"`
	Unrelated int64       `json:"unrelated"`
	Flagged   bool        `json:"flagged"`
	Examples  []spanInRow `json:"examples"`
}

type spanInRow struct {
	File  int64  `json:"file"`
	Path  string `json:"path"`
	Row   int64  `json:"row"`
	Field string `json:"field"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
}

// Corpus keys with a dedicated section.
const (
	corpusDedupe  = "dedupe"
	corpusTrigger = "poison.trigger"
	corpusPayload = "poison.payload_cluster"
)

// ErrBadReport is wrapped by Render and RenderFrom when report.json cannot
// be decoded.
var ErrBadReport = errors.New("invalid report.json")

// parsed is report.json with its known corpus sections decoded.
type parsed struct {
	doc     reportDoc
	dedupe  *dedupeStats
	trigger *triggerReport
	payload *payloadReport
	// other holds the remaining corpus sections as decoded JSON values.
	other map[string]any
}

func parseReport(b []byte) (*parsed, error) {
	var p parsed
	if err := json.Unmarshal(b, &p.doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadReport, scrubJSONError(err))
	}
	for key, raw := range p.doc.Corpus {
		var dst any
		switch key {
		case corpusDedupe:
			p.dedupe = new(dedupeStats)
			dst = p.dedupe
		case corpusTrigger:
			p.trigger = new(triggerReport)
			dst = p.trigger
		case corpusPayload:
			p.payload = new(payloadReport)
			dst = p.payload
		default:
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("%w: corpus %q: %w", ErrBadReport, key, scrubJSONError(err))
			}
			if p.other == nil {
				p.other = map[string]any{}
			}
			p.other[key] = v
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, fmt.Errorf("%w: corpus %q: %w", ErrBadReport, key, scrubJSONError(err))
		}
	}
	// The trigger and payload reports also carry scalar statistics; show
	// those with the other detector statistics.
	for _, key := range []string{corpusTrigger, corpusPayload} {
		raw, ok := p.doc.Corpus[key]
		if !ok {
			continue
		}
		var v map[string]any
		if json.Unmarshal(raw, &v) == nil {
			if p.other == nil {
				p.other = map[string]any{}
			}
			p.other[key] = v
		}
	}
	return &p, nil
}
