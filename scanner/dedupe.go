package scanner

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"

	"github.com/winnow-data/winnow/dedupe"
	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/scanner/records"
)

// DedupeConfig configures duplicate detection (issue #4). The zero value
// enables exact and near-duplicate detection with the dedupe package's
// defaults (word 5-grams, 14 bands × 8 rows, verified clusters).
type DedupeConfig struct {
	// Disabled turns duplicate detection off.
	Disabled bool `json:"disabled,omitempty"`
	// Options are passed to the dedupe package (Files, Version and TempDir
	// are filled in by the engine).
	Options dedupe.Options `json:"options"`
	// Keep is the keep policy: "first" (default), "longest" or "max:FIELD".
	Keep string `json:"keep,omitempty"`
	// Index is the persistent index directory (--index): records that
	// duplicate an earlier dataset version are dropped and name the earlier
	// record; after a successful clean run the index is updated in place.
	Index string `json:"index,omitempty"`
	// Fields are the fields whose text is compared (--dedupe-fields, same
	// syntax as --fields). Default: the usual content fields (text, content,
	// messages[*].content, prompt, response, instruction, input, output,
	// completion, question, answer); a record with none of them is compared
	// on all its scanned values, so metadata such as ids and URLs does not
	// hide a copy.
	Fields []string `json:"fields,omitempty"`
	// Version labels this dataset version in the index. Default "v1" for a
	// new index, otherwise the previous label's successor is not guessed:
	// give --dataset-version.
	Version string `json:"version,omitempty"`
}

// DupKinds are the kinds the dedupe stage reports.
var DupKinds = []detectors.Kind{
	{Name: "dup.exact", Description: "document identical to an earlier one (raw bytes, or normalized text with --dedupe-normalize)", Severity: detectors.SeverityLow},
	{Name: "dup.near", Description: "near-duplicate document (MinHash/LSH, verified against the kept copy)", Severity: detectors.SeverityLow},
}

const dedupeDetector = "dedupe"

// defaultDedupeFields are the content fields compared by default.
var defaultDedupeFields = []string{
	"text", "content", "messages[*].content", "messages.content", "conversations[*].value", "conversations.value",
	"prompt", "response", "instruction", "input", "output", "completion", "question", "answer", "chosen", "rejected",
}

// dedupeStage plugs the dedupe package into pass 1.
type dedupeStage struct {
	idx      *dedupe.Index
	prior    *dedupe.Prior
	cfg      DedupeConfig
	keepMax  bool
	keepPath []byte
	res      *dedupe.Result
	files    []InputFile
	mode     Mode
	filter   *records.FieldFilter
	// plan, in a staged resolve task, resolves the map tasks' partitions
	// instead of idx.
	plan *dedupe.Plan
}

func newDedupeStage(cfg DedupeConfig, files []InputFile, digests func() ([]string, error), stage string, mode Mode) (*dedupeStage, error) {
	opt := cfg.Options
	fields := cfg.Fields
	if len(fields) == 0 {
		fields = defaultDedupeFields
	}
	filter, err := records.NewFieldFilter(fields)
	if err != nil {
		return nil, fmt.Errorf("--dedupe-fields: %w", err)
	}
	policy, field, err := dedupe.ParseKeep(cfg.Keep)
	if err != nil {
		return nil, fmt.Errorf("--keep: %w", err)
	}
	opt.Keep = policy
	if opt.TempDir == "" {
		opt.TempDir = stage
	}
	s := &dedupeStage{cfg: cfg, keepMax: policy == dedupe.KeepMax, keepPath: []byte(field), files: files, mode: mode, filter: filter}
	if cfg.Index != "" {
		ds, err := digests()
		if err != nil {
			return nil, err
		}
		opt.Files = make([]dedupe.FileRef, len(files))
		for i, f := range files {
			opt.Files[i] = dedupe.FileRef{Path: f.Path, Digest: "sha256:" + ds[i]}
		}
		opt.Version = cfg.Version
		if opt.Version == "" {
			return nil, errors.New("--index needs --dataset-version to label this version of the dataset")
		}
		p, err := dedupe.OpenPrior(cfg.Index, opt)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("--index %s: %w", cfg.Index, err)
		default:
			s.prior = p
		}
	}
	idx, err := dedupe.New(opt)
	if err != nil {
		return nil, fmt.Errorf("dedupe: %w", err)
	}
	if s.prior != nil {
		if err := idx.UsePrior(s.prior); err != nil {
			idx.Close()
			return nil, fmt.Errorf("--index %s: %w", cfg.Index, err)
		}
	}
	s.idx = idx
	return s, nil
}

func (s *dedupeStage) id() string              { return dedupeDetector }
func (s *dedupeStage) kinds() []detectors.Kind { return DupKinds }

// newSketcher: the dedupe sketch, then the text size and keep score.
func (s *dedupeStage) newSketcher() sketchFunc {
	fp := s.idx.NewFingerprinter()
	var text []byte
	return func(dst []byte, rec *recordView) []byte {
		text = text[:0]
		for _, f := range rec.fields {
			if s.filter.MatchJSONPath(f.Name) || s.filter.MatchColumn(f.Name) {
				if len(text) > 0 {
					text = append(text, '\n')
				}
				text = append(text, f.Value...)
			}
		}
		if len(text) == 0 {
			text = append(text, rec.text...)
		}
		dst = fp.Sketch(dst, text)
		score := 0.0
		if s.keepMax {
			score = math.NaN()
			for _, f := range rec.fields {
				if matchKeepField(f.Name, s.keepPath) {
					score = parseScore(f.Value)
					break
				}
			}
			if math.IsNaN(score) && rec.score != nil {
				score = rec.score(s.keepPath)
			}
		}
		dst = binary.LittleEndian.AppendUint64(dst, uint64(len(text)))
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(score))
	}
}

func (s *dedupeStage) observe(ref detectors.RecordRef, sketch []byte) error {
	if len(sketch) < 16 {
		return fmt.Errorf("short dedupe sketch")
	}
	n := len(sketch) - 16
	size := int64(binary.LittleEndian.Uint64(sketch[n:]))
	score := math.Float64frombits(binary.LittleEndian.Uint64(sketch[n+8:]))
	return s.idx.Add(dedupe.RecordID{File: ref.File, Row: ref.Row}, sketch[:n], size, score)
}

func (s *dedupeStage) reduce() ([]corpusHit, error) {
	var res *dedupe.Result
	var err error
	if s.plan != nil {
		// A staged resolve task: the records were added by the map tasks.
		res, err = s.plan.ResolveClusters(context.Background())
	} else {
		res, err = s.idx.Resolve(context.Background())
	}
	if err != nil {
		return nil, err
	}
	s.res = res
	out := make([]corpusHit, 0, len(res.Dups))
	for _, d := range res.Dups {
		h := corpusHit{rec: detectors.RecordRef{File: d.ID.File, Row: d.ID.Row}, corpusFinding: corpusFinding{
			row: d.ID.Row, kind: d.Kind.String(), detector: dedupeDetector, confidence: d.Similarity,
			cluster: d.Cluster.String(), similarity: d.Similarity,
		}}
		if d.Kept != dedupe.NoRecord {
			h.kept = &detectors.RecordRef{File: d.Kept.File, Row: d.Kept.Row}
		}
		if d.Prior != nil {
			h.detail = fmt.Sprintf("duplicates dataset version %s: %s row %d", d.Prior.Version, d.Prior.File, d.Prior.Row)
		}
		out = append(out, h)
	}
	return out, nil
}

func (s *dedupeStage) report() any {
	if s.res == nil {
		return nil
	}
	return s.res.Stats
}

// commit saves the persistent index after a successful clean run.
func (s *dedupeStage) commit() error {
	if s.cfg.Index == "" || s.mode != ModeClean || s.res == nil {
		return nil
	}
	if err := s.idx.Save(s.cfg.Index); err != nil {
		return fmt.Errorf("--index %s: saving: %w", s.cfg.Index, err)
	}
	return nil
}

func (s *dedupeStage) close() error { return s.idx.Close() }

// matchKeepField matches a field name against the --keep max: path, which
// may be given with or without the JSONL "$." prefix.
func matchKeepField(name, path []byte) bool {
	if string(name) == string(path) {
		return true
	}
	if len(name) > 2 && name[0] == '$' && name[1] == '.' && string(name[2:]) == string(path) {
		return true
	}
	return len(path) > 2 && path[0] == '$' && path[1] == '.' && string(path[2:]) == string(name)
}

// parseScore parses a decimal score; NaN when it is not a number.
func parseScore(b []byte) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}
