package poison

import (
	"errors"
	"fmt"
)

// Options configures the poison detectors. The zero value is not useful:
// start from DefaultOptions and override fields. Options are plain values,
// safe to copy and to share read-only between goroutines.
type Options struct {
	// MinConfidence drops per-record matches below it. Default 0: report
	// every match with its confidence and let the policy decide.
	MinConfidence float64 `yaml:"min_confidence" toml:"min_confidence" json:"min_confidence"`

	// InjectionWindow is how many bytes of normalized text around a
	// signature anchor the signature patterns examine. Default 320.
	InjectionWindow int `yaml:"injection_window" toml:"injection_window" json:"injection_window"`

	// Trigger configures poison.trigger mining.
	Trigger TriggerOptions `yaml:"trigger" toml:"trigger" json:"trigger"`
	// Conflict configures poison.response_conflict.
	Conflict ConflictOptions `yaml:"response_conflict" toml:"response_conflict" json:"response_conflict"`
	// Payload configures poison.payload_cluster.
	Payload PayloadOptions `yaml:"payload_cluster" toml:"payload_cluster" json:"payload_cluster"`
	// Gibberish configures poison.gibberish.
	Gibberish GibberishOptions `yaml:"gibberish" toml:"gibberish" json:"gibberish"`
}

// TriggerOptions configures corpus-level trigger mining.
type TriggerOptions struct {
	// MinDocs is the least number of records in which a candidate must be
	// followed by anomalous text or an identical payload/response.
	// Default 5.
	MinDocs int `yaml:"min_docs" toml:"min_docs" json:"min_docs"`
	// MaxDocFraction: candidates present in more than this fraction of
	// records (and in more than 4·MinDocs records, so that small corpora
	// can show the evidence) are ordinary vocabulary, not triggers.
	// Default 0.01.
	MaxDocFraction float64 `yaml:"max_doc_fraction" toml:"max_doc_fraction" json:"max_doc_fraction"`
	// MinScore is the rarity-aware purity score (Wilson lower bound minus
	// the base rate, scaled by context variety and outcome prevalence, in
	// 0..1) at and above which a candidate's records get a finding.
	// Default 0.4: with a rare outcome, about seven records all showing
	// it, or ten of twelve.
	MinScore float64 `yaml:"min_score" toml:"min_score" json:"min_score"`
	// Z is the normal quantile of the Wilson bound. Default 1.96.
	Z float64 `yaml:"z" toml:"z" json:"z"`
	// PriorStrength is the weight, in pseudo-records, of the burst prior
	// that shrinks a candidate's purity toward the corpus base rate of the
	// outcome. Default 2.
	PriorStrength float64 `yaml:"prior_strength" toml:"prior_strength" json:"prior_strength"`
	// FollowRunes is how many characters after a candidate are hashed as
	// its payload; twice as many are judged for anomaly. Default 64.
	FollowRunes int `yaml:"follow_runes" toml:"follow_runes" json:"follow_runes"`
	// MaxCandidates caps the candidate table (entries). Default 65536.
	MaxCandidates int `yaml:"max_candidates" toml:"max_candidates" json:"max_candidates"`
	// MaxRecordsPerCandidate caps the record references kept per candidate
	// (further records are counted, not listed). Default 100000.
	MaxRecordsPerCandidate int `yaml:"max_records_per_candidate" toml:"max_records_per_candidate" json:"max_records_per_candidate"`
	// MaxReferences caps the record references kept by all candidates
	// together (32 bytes each, plus slice growth): when they exceed it, the
	// candidates holding the most are cut back to their first 64 records
	// (16, 4 or 1 if need be), and further records of those are counted,
	// not listed. Default 4194304 (128 MiB).
	MaxReferences int `yaml:"max_references" toml:"max_references" json:"max_references"`
	// SketchWidthLog2 and SketchDepth size the count-min sketches of
	// document frequencies: 2^width/4 cache lines of 16 uint32 counters,
	// depth of which count each key. Defaults 20 and 3 (16 MiB per sketch).
	SketchWidthLog2 int `yaml:"sketch_width_log2" toml:"sketch_width_log2" json:"sketch_width_log2"`
	SketchDepth     int `yaml:"sketch_depth" toml:"sketch_depth" json:"sketch_depth"`
	// ReportTop is how many ranked candidates Report lists. Default 20.
	ReportTop int `yaml:"report_top" toml:"report_top" json:"report_top"`
}

// ConflictOptions configures poison.response_conflict.
type ConflictOptions struct {
	// MinPromptSimilarity is the estimated Jaccard similarity of the prompts'
	// word shingles at or above which two prompts are near-duplicates.
	// Default 0.85.
	MinPromptSimilarity float64 `yaml:"min_prompt_similarity" toml:"min_prompt_similarity" json:"min_prompt_similarity"`
	// MaxResponseSimilarity is the estimated Jaccard similarity of the
	// responses at or below which they conflict. Default 0.1.
	MaxResponseSimilarity float64 `yaml:"max_response_similarity" toml:"max_response_similarity" json:"max_response_similarity"`
	// TableLog2 sizes the direct-mapped LSH band table (2^n slots of 160
	// bytes). Default 18.
	TableLog2 int `yaml:"table_log2" toml:"table_log2" json:"table_log2"`
}

// PayloadOptions configures poison.payload_cluster.
type PayloadOptions struct {
	// MinSpan is the shingle length in characters: spans at least this long
	// shared by many unrelated records form a cluster. Default 50.
	MinSpan int `yaml:"min_span" toml:"min_span" json:"min_span"`
	// MinDocs is the least number of distinct, otherwise unrelated records
	// sharing a span. Default 10.
	MinDocs int `yaml:"min_docs" toml:"min_docs" json:"min_docs"`
	// MaxDocFraction: spans in more than this fraction of records (and
	// more than 4·MinDocs records) are reported in the ranking but get no
	// per-record finding (boilerplate, templates). Default 0.005.
	MaxDocFraction float64 `yaml:"max_doc_fraction" toml:"max_doc_fraction" json:"max_doc_fraction"`
	// MaxClusters caps the candidate table (entries). Default 65536.
	MaxClusters int `yaml:"max_clusters" toml:"max_clusters" json:"max_clusters"`
	// MaxRecordsPerCluster caps the references kept per candidate.
	// Default 100000.
	MaxRecordsPerCluster int `yaml:"max_records_per_cluster" toml:"max_records_per_cluster" json:"max_records_per_cluster"`
	// MaxOccurrences caps the span occurrences all candidates keep
	// together (about 64 bytes each). When exceeded, the most common
	// candidates are no longer tracked record by record (they are counted
	// and never flagged); a candidate in more than four times
	// MaxDocFraction of the records seen so far (and more than 4·MinDocs)
	// is not tracked either. Default 1,048,576 (64 MiB).
	MaxOccurrences int `yaml:"max_occurrences" toml:"max_occurrences" json:"max_occurrences"`
	// FirstSeenLog2 sizes the direct-mapped table that remembers the first
	// record of each span until it repeats (2^n slots of 64 bytes).
	// Default 20.
	FirstSeenLog2 int `yaml:"first_seen_log2" toml:"first_seen_log2" json:"first_seen_log2"`
	// SketchWidthLog2 and SketchDepth size the span count-min sketch
	// (16·2^width bytes). Defaults 20 and 3.
	SketchWidthLog2 int `yaml:"sketch_width_log2" toml:"sketch_width_log2" json:"sketch_width_log2"`
	SketchDepth     int `yaml:"sketch_depth" toml:"sketch_depth" json:"sketch_depth"`
	// ReportTop is how many clusters Report lists. Default 20.
	ReportTop int `yaml:"report_top" toml:"report_top" json:"report_top"`
}

// GibberishOptions configures poison.gibberish.
type GibberishOptions struct {
	// Window is the window length in characters. Default 64.
	Window int `yaml:"window" toml:"window" json:"window"`
	// MinZ is the robust z-score (median/MAD of all windows' mean surprisal)
	// at and above which a window is an outlier. Default 5.
	MinZ float64 `yaml:"min_z" toml:"min_z" json:"min_z"`
	// WarmupChars is how many characters the corpus model learns before
	// windows are scored; earlier records are held and scored then.
	// Default 1,000,000.
	WarmupChars int `yaml:"warmup_chars" toml:"warmup_chars" json:"warmup_chars"`
	// MaxCandidates caps the windows held for final re-scoring. Default
	// 200000.
	MaxCandidates int `yaml:"max_candidates" toml:"max_candidates" json:"max_candidates"`
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{
		InjectionWindow: 320,
		Trigger: TriggerOptions{
			MinDocs:                5,
			MaxDocFraction:         0.01,
			MinScore:               0.4,
			Z:                      1.96,
			PriorStrength:          2,
			FollowRunes:            64,
			MaxCandidates:          1 << 16,
			MaxRecordsPerCandidate: 100000,
			MaxReferences:          1 << 22,
			SketchWidthLog2:        20,
			SketchDepth:            3,
			ReportTop:              20,
		},
		Conflict: ConflictOptions{
			MinPromptSimilarity:   0.85,
			MaxResponseSimilarity: 0.1,
			TableLog2:             18,
		},
		Payload: PayloadOptions{
			MinSpan:              50,
			MinDocs:              10,
			MaxDocFraction:       0.005,
			MaxClusters:          1 << 16,
			MaxRecordsPerCluster: 100000,
			MaxOccurrences:       1 << 20,
			FirstSeenLog2:        20,
			SketchWidthLog2:      20,
			SketchDepth:          3,
			ReportTop:            20,
		},
		Gibberish: GibberishOptions{
			Window:        64,
			MinZ:          5,
			WarmupChars:   1_000_000,
			MaxCandidates: 200000,
		},
	}
}

// ErrInvalidOptions is wrapped by every error Validate returns.
var ErrInvalidOptions = errors.New("poison: invalid options")

// Validate reports every invalid field at once, joined, each wrapping
// ErrInvalidOptions.
func (o Options) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%w: %s = %v, want %s", ErrInvalidOptions, field, v, want))
	}
	if o.MinConfidence < 0 || o.MinConfidence > 1 {
		bad("min_confidence", o.MinConfidence, "0..1")
	}
	if o.InjectionWindow < 32 || o.InjectionWindow > 1<<16 {
		bad("injection_window", o.InjectionWindow, "32..65536")
	}
	t := o.Trigger
	if t.MinDocs < 2 {
		bad("trigger.min_docs", t.MinDocs, ">= 2")
	}
	if t.MaxDocFraction <= 0 || t.MaxDocFraction > 1 {
		bad("trigger.max_doc_fraction", t.MaxDocFraction, "(0, 1]")
	}
	if t.MinScore < 0 || t.MinScore > 1 {
		bad("trigger.min_score", t.MinScore, "0..1")
	}
	if t.Z <= 0 || t.Z > 10 {
		bad("trigger.z", t.Z, "(0, 10]")
	}
	if t.PriorStrength < 0 {
		bad("trigger.prior_strength", t.PriorStrength, ">= 0")
	}
	if t.FollowRunes < 8 || t.FollowRunes > 4096 {
		bad("trigger.follow_runes", t.FollowRunes, "8..4096")
	}
	if t.MaxCandidates < 1 {
		bad("trigger.max_candidates", t.MaxCandidates, ">= 1")
	}
	if t.MaxRecordsPerCandidate < 1 {
		bad("trigger.max_records_per_candidate", t.MaxRecordsPerCandidate, ">= 1")
	}
	if t.MaxReferences < 1 {
		bad("trigger.max_references", t.MaxReferences, ">= 1")
	}
	if t.SketchWidthLog2 < 8 || t.SketchWidthLog2 > 30 {
		bad("trigger.sketch_width_log2", t.SketchWidthLog2, "8..30")
	}
	if t.SketchDepth < 1 || t.SketchDepth > 8 {
		bad("trigger.sketch_depth", t.SketchDepth, "1..8")
	}
	if t.ReportTop < 0 {
		bad("trigger.report_top", t.ReportTop, ">= 0")
	}
	c := o.Conflict
	if c.MinPromptSimilarity <= 0 || c.MinPromptSimilarity > 1 {
		bad("response_conflict.min_prompt_similarity", c.MinPromptSimilarity, "(0, 1]")
	}
	if c.MaxResponseSimilarity < 0 || c.MaxResponseSimilarity >= 1 {
		bad("response_conflict.max_response_similarity", c.MaxResponseSimilarity, "[0, 1)")
	}
	if c.TableLog2 < 4 || c.TableLog2 > 28 {
		bad("response_conflict.table_log2", c.TableLog2, "4..28")
	}
	p := o.Payload
	if p.MinSpan < 16 || p.MinSpan > 4096 {
		bad("payload_cluster.min_span", p.MinSpan, "16..4096")
	}
	if p.MinDocs < 2 {
		bad("payload_cluster.min_docs", p.MinDocs, ">= 2")
	}
	if p.MaxDocFraction <= 0 || p.MaxDocFraction > 1 {
		bad("payload_cluster.max_doc_fraction", p.MaxDocFraction, "(0, 1]")
	}
	if p.MaxClusters < 1 {
		bad("payload_cluster.max_clusters", p.MaxClusters, ">= 1")
	}
	if p.MaxRecordsPerCluster < 1 {
		bad("payload_cluster.max_records_per_cluster", p.MaxRecordsPerCluster, ">= 1")
	}
	if p.MaxOccurrences < 16 {
		bad("payload_cluster.max_occurrences", p.MaxOccurrences, ">= 16")
	}
	if p.FirstSeenLog2 < 4 || p.FirstSeenLog2 > 28 {
		bad("payload_cluster.first_seen_log2", p.FirstSeenLog2, "4..28")
	}
	if p.SketchWidthLog2 < 8 || p.SketchWidthLog2 > 30 {
		bad("payload_cluster.sketch_width_log2", p.SketchWidthLog2, "8..30")
	}
	if p.SketchDepth < 1 || p.SketchDepth > 8 {
		bad("payload_cluster.sketch_depth", p.SketchDepth, "1..8")
	}
	if p.ReportTop < 0 {
		bad("payload_cluster.report_top", p.ReportTop, ">= 0")
	}
	g := o.Gibberish
	if g.Window < 16 || g.Window > 4096 {
		bad("gibberish.window", g.Window, "16..4096")
	}
	if g.MinZ <= 0 {
		bad("gibberish.min_z", g.MinZ, "> 0")
	}
	if g.WarmupChars < 0 {
		bad("gibberish.warmup_chars", g.WarmupChars, ">= 0")
	}
	if g.MaxCandidates < 1 {
		bad("gibberish.max_candidates", g.MaxCandidates, ">= 1")
	}
	return errors.Join(errs...)
}
