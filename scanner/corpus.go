package scanner

import (
	"fmt"

	"github.com/winnow-data/winnow/detectors"
)

// corpusStage is one corpus-level analysis driven by the engine's pass 1
// (DESIGN §1): a per-worker sketcher (concurrent), an in-order observe, and
// a reduce into findings. Detectors (detectors.CorpusDetector) and dedupe
// both plug in through adapters.
type corpusStage interface {
	id() string
	kinds() []detectors.Kind
	// newSketcher returns a sketch function owned by one worker.
	newSketcher() sketchFunc
	// observe is called in plan order, one record at a time; sketch is
	// reused after the call.
	observe(ref detectors.RecordRef, sketch []byte) error
	// reduce returns the findings, in any order.
	reduce() ([]corpusHit, error)
	// report returns a JSON-marshalable summary for report.json, or nil.
	report() any
}

// recordView is what a sketcher sees of one record.
type recordView struct {
	fields []detectors.Field
	// text is the record's scanned values joined by "\n".
	text []byte
	// score returns the numeric value of a field (keep policies); NaN when
	// absent. Nil when the format cannot look fields up.
	score func(path []byte) float64
}

type sketchFunc func(dst []byte, rec *recordView) []byte

// corpusHit is a finding from a corpus stage, located by record.
type corpusHit struct {
	rec detectors.RecordRef
	corpusFinding
}

// committer is an optional corpusStage capability run after the outputs
// were published (the dedupe index update).
type committer interface{ commit() error }

// closer is an optional corpusStage capability releasing temporary files.
type closer interface{ close() error }

// detectorStage adapts a detectors.CorpusDetector.
type detectorStage struct{ d detectors.CorpusDetector }

func (s detectorStage) id() string              { return s.d.ID() }
func (s detectorStage) kinds() []detectors.Kind { return s.d.Kinds() }
func (s detectorStage) newSketcher() sketchFunc {
	return func(dst []byte, rec *recordView) []byte { return s.d.Sketch(dst, rec.fields) }
}
func (s detectorStage) observe(ref detectors.RecordRef, sketch []byte) error {
	s.d.Observe(ref, sketch)
	return nil
}
func (s detectorStage) reduce() ([]corpusHit, error) {
	vs, err := s.d.Verdicts()
	if err != nil {
		return nil, err
	}
	out := make([]corpusHit, 0, len(vs))
	for _, v := range vs {
		out = append(out, corpusHit{rec: v.Rec, corpusFinding: corpusFinding{
			row: v.Rec.Row, kind: v.Kind, detector: s.d.ID(), field: v.Field,
			start: v.Start, end: v.End, confidence: v.Confidence, cluster: v.Cluster,
		}})
	}
	return out, nil
}
func (s detectorStage) report() any {
	if r, ok := s.d.(detectors.Reporter); ok {
		return r.Report()
	}
	return nil
}

// releasedStage stands for a detector stage after reduce: its findings and
// report were taken, and dropping the detector frees its sketches and
// tables (hundreds of MiB) before pass 2. Only id and kinds remain.
type releasedStage struct {
	name string
	ks   []detectors.Kind
}

func (s releasedStage) id() string              { return s.name }
func (s releasedStage) kinds() []detectors.Kind { return s.ks }
func (s releasedStage) newSketcher() sketchFunc {
	return func(dst []byte, _ *recordView) []byte { return dst }
}
func (s releasedStage) observe(detectors.RecordRef, []byte) error {
	return fmt.Errorf("corpus stage %s: observe after reduce", s.name)
}
func (s releasedStage) reduce() ([]corpusHit, error) {
	return nil, fmt.Errorf("corpus stage %s: reduce after reduce", s.name)
}
func (s releasedStage) report() any { return nil }
