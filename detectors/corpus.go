package detectors

// RecordRef identifies a record within a run: the index of its file in the
// run's plan (files sorted by path) and its 0-based row within that file.
type RecordRef struct {
	File int32
	Row  int64
}

// Less orders references in plan order: by file, then row.
func (r RecordRef) Less(o RecordRef) bool {
	if r.File != o.File {
		return r.File < o.File
	}
	return r.Row < o.Row
}

// Field is one scanned value of a record as handed to corpus detectors.
// Name is the field path (DESIGN §3); both slices are owned by the caller and
// valid only during the call.
type Field struct {
	Name  []byte
	Value []byte
}

// Verdict is a finding decided at corpus level, after every record has been
// observed. Field, Start and End are zero for document-level verdicts.
type Verdict struct {
	Rec        RecordRef
	Kind       string
	Field      string
	Start, End int
	Confidence float64
	// Cluster optionally groups verdicts that belong together (a trigger, a
	// payload cluster).
	Cluster string
}

// CorpusDetector finds kinds that only corpus-wide statistics reveal, such as
// backdoor triggers or payloads repeated across documents. The engine drives
// it in two steps of pass 1 and one reduce:
//
//  1. Sketch is called from many workers at once, once per record. It
//     appends a compact observation of the record to dst and returns it. It
//     must be safe for concurrent use and must not retain fields.
//  2. Observe is called once per record, sequentially and in plan order,
//     with that record's sketch. The sketch slice is reused after the call.
//  3. Verdicts is called once, after the last Observe, and returns the
//     findings in any order; the engine sorts them.
//
// A CorpusDetector holds the state of one run: construct a fresh one per run.
type CorpusDetector interface {
	ID() string
	Version() string
	Kinds() []Kind
	Sketch(dst []byte, fields []Field) []byte
	Observe(rec RecordRef, sketch []byte)
	Verdicts() ([]Verdict, error)
}

// Reporter is an optional CorpusDetector capability: a JSON-marshalable
// summary (for example ranked trigger candidates) that the engine places in
// report.json under "corpus"."<ID>". It is called after Verdicts and must be
// deterministic.
type Reporter interface {
	Report() any
}
