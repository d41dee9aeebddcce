package poison

import "github.com/winnow-data/winnow/detectors"

// NewCorpus returns fresh corpus-level detectors for one run, configured by
// opt: poison.trigger, poison.response_conflict, poison.payload_cluster and
// poison.gibberish. Each holds the state of one run; construct new ones for
// every run. opt must be valid (Options.Validate); an invalid opt is a
// programmer error and panics.
func NewCorpus(opt Options) []detectors.CorpusDetector {
	if err := opt.Validate(); err != nil {
		panic(err)
	}
	return []detectors.CorpusDetector{newTrigger(opt), newConflict(opt), newPayload(opt), newGibberish(opt)}
}
