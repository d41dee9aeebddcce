// Package defaults assembles winnow's built-in detectors into an explicit
// registry. It is the only place that lists them; there is no init()
// registration.
package defaults

import (
	"github.com/winnow-data/winnow/detectors"
)

// Options configures every built-in detector family. Start from
// DefaultOptions.
type Options struct{}

// DefaultOptions returns the documented defaults of every family.
func DefaultOptions() Options { return Options{} }

// Families lists the detector families a config file may configure under
// "detectors".
var families = []string{}

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
	return src.CheckFamilies(families)
}

// Registry returns a fresh registry of all per-record detectors.
func Registry(opt Options) (*detectors.Registry, error) {
	var ds []detectors.Detector
	return detectors.NewRegistry(ds...)
}

// Corpus returns fresh corpus-level detectors for one run.
func Corpus(opt Options) []detectors.CorpusDetector { return nil }
