// Package defaults assembles winnow's built-in detectors into an explicit
// registry. It is the only place that lists them; there is no init()
// registration.
package defaults

import (
	"errors"
	"fmt"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/pii"
	"github.com/winnow-data/winnow/detectors/poison"
	"github.com/winnow-data/winnow/detectors/secrets"
)

// Options configures every built-in detector family. Start from
// DefaultOptions; a config file's "detectors.<family>" tables overlay it.
type Options struct {
	PII     pii.Options     `yaml:"pii" json:"pii"`
	Secrets secrets.Options `yaml:"secrets" json:"secrets"`
	Poison  poison.Options  `yaml:"poison" json:"poison"`
}

// DefaultOptions returns the documented defaults of every family.
func DefaultOptions() Options {
	return Options{
		PII:     pii.DefaultOptions(),
		Secrets: secrets.DefaultOptions(),
		Poison:  poison.DefaultOptions(),
	}
}

// families lists the detector families a config file may configure under
// "detectors".
var families = []string{"pii", "poison", "secrets"}

// ConfigSource is a parsed config file able to decode per-family options
// (scanner.FileConfig implements it).
type ConfigSource interface {
	DecodeDetectors(family string, dst any) error
	CheckFamilies(known []string) error
}

// ApplyConfig overlays the config file's "detectors" tables onto opt. A nil
// source leaves opt unchanged.
func ApplyConfig(src ConfigSource, opt *Options) error {
	if src == nil {
		return nil
	}
	if err := src.CheckFamilies(families); err != nil {
		return err
	}
	if err := src.DecodeDetectors("pii", &opt.PII); err != nil {
		return err
	}
	if err := src.DecodeDetectors("secrets", &opt.Secrets); err != nil {
		return err
	}
	if err := src.DecodeDetectors("poison", &opt.Poison); err != nil {
		return err
	}
	return opt.Validate()
}

// Validate reports every invalid option at once.
func (o Options) Validate() error {
	var errs []error
	if err := o.PII.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("detectors.pii: %w", err))
	}
	if err := o.Secrets.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("detectors.secrets: %w", err))
	}
	if err := o.Poison.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("detectors.poison: %w", err))
	}
	return errors.Join(errs...)
}

// Registry returns a fresh registry of all per-record detectors.
func Registry(opt Options) (*detectors.Registry, error) {
	var ds []detectors.Detector
	ds = append(ds, pii.Detectors(opt.PII)...)
	ds = append(ds, secrets.Detectors(opt.Secrets)...)
	ds = append(ds, poison.Detectors(opt.Poison)...)
	return detectors.NewRegistry(ds...)
}

// Pack is a rule or data pack a detector embeds (a signature list, a
// Unicode table), with the hex sha256 of its bytes, for the manifest.
type Pack struct {
	Name   string
	SHA256 string
}

// Packs lists the rule and data packs the built-in detectors embed.
func Packs() []Pack {
	var out []Pack
	for _, f := range poison.DataFiles() {
		out = append(out, Pack{Name: f.Name + "@" + f.Version, SHA256: f.SHA256})
	}
	return out
}

// Fake produces the keyed, format-preserving surrogate of the fake
// redaction operator (see pii.Fake); safe for concurrent use.
func Fake(dst []byte, kind string, value, key []byte) []byte { return pii.Fake(dst, kind, value, key) }

// CorpusKind is a kind reported by a corpus-level detector, with the
// detector's ID.
type CorpusKind struct {
	detectors.Kind
	Detector string
}

// CorpusKinds lists the kinds of the corpus-level detectors without
// building them (Corpus allocates their sketches, about 200 MiB). A test
// keeps it equal to what Corpus reports.
func CorpusKinds() []CorpusKind {
	return []CorpusKind{
		{detectors.Kind{Name: "poison.gibberish", Description: "text window whose character statistics are outliers for the corpus", Severity: detectors.SeverityLow}, "poison.gibberish"},
		{detectors.Kind{Name: "poison.payload_cluster", Description: "long span repeated across many unrelated records", Severity: detectors.SeverityMedium}, "poison.payload_cluster"},
		{detectors.Kind{Name: "poison.response_conflict", Description: "near-duplicate prompts with conflicting responses", Severity: detectors.SeverityMedium}, "poison.response_conflict"},
		{detectors.Kind{Name: "poison.trigger", Description: "backdoor trigger: rare token followed by anomalous text or a fixed response", Severity: detectors.SeverityHigh}, "poison.trigger"},
	}
}

// Corpus returns fresh corpus-level detectors for one run.
func Corpus(opt Options) []detectors.CorpusDetector { return poison.NewCorpus(opt.Poison) }
