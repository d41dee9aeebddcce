// Package secrets detects credentials in text: provider tokens with a
// documented format (one detector per provider family, such as
// "secrets.github"), PEM and OpenSSH private keys, JSON Web Tokens, and
// high-entropy values assigned to password/secret/token-like names.
//
// Every provider rule starts with a literal keyword. The detectors are
// detectors.Windowed: given the keyword occurrences found by the Set's
// one-pass prefilter, they run each rule's anchored regexp only in a small
// window at each occurrence, which gives exactly the findings of running
// each rule's full regexp over the whole value (see rule).
//
// All detectors are immutable and safe for concurrent use.
package secrets

import (
	"errors"
	"fmt"

	"github.com/winnow-data/winnow/detectors"
)

// Options configures the secrets detectors. The zero value of a numeric
// field means its default.
type Options struct {
	// GenericMinEntropy is the Shannon entropy, in bits per byte, that a
	// value assigned to a password/secret/token-like name needs to be
	// reported as secret.generic_high_entropy. Default 3.0; range (0, 8].
	GenericMinEntropy float64 `yaml:"generic_min_entropy" toml:"generic_min_entropy" json:"generic_min_entropy"`
	// GenericMinLength is the shortest such value reported, in bytes.
	// Default 8; range [4, 128].
	GenericMinLength int `yaml:"generic_min_length" toml:"generic_min_length" json:"generic_min_length"`
	// ReportTestKeys also reports test-mode keys (Stripe sk_test_/rk_test_).
	// Default false: they cannot reach production data and documentation is
	// full of them.
	ReportTestKeys bool `yaml:"report_test_keys" toml:"report_test_keys" json:"report_test_keys"`
}

// Defaults of Options.
const (
	DefaultGenericMinEntropy = 3.0
	DefaultGenericMinLength  = 8
)

// DefaultOptions returns the default options.
func DefaultOptions() Options {
	return Options{GenericMinEntropy: DefaultGenericMinEntropy, GenericMinLength: DefaultGenericMinLength}
}

// Validate reports every out-of-range field at once.
func (o Options) Validate() error {
	var errs []error
	if o.GenericMinEntropy < 0 || o.GenericMinEntropy > 8 {
		errs = append(errs, fmt.Errorf("secrets: generic_min_entropy %v out of range (0, 8]", o.GenericMinEntropy))
	}
	if o.GenericMinLength != 0 && (o.GenericMinLength < 4 || o.GenericMinLength > 128) {
		errs = append(errs, fmt.Errorf("secrets: generic_min_length %d out of range [4, 128]", o.GenericMinLength))
	}
	return errors.Join(errs...)
}

// withDefaults fills zero and out-of-range fields with defaults.
func (o Options) withDefaults() Options {
	if o.GenericMinEntropy <= 0 || o.GenericMinEntropy > 8 {
		o.GenericMinEntropy = DefaultGenericMinEntropy
	}
	if o.GenericMinLength < 4 || o.GenericMinLength > 128 {
		o.GenericMinLength = DefaultGenericMinLength
	}
	return o
}

// Detectors returns every secrets detector configured by opt, in ID order
// of construction (the registry sorts them). Fields that fail Validate are
// replaced by their defaults. The returned detectors are new, immutable and
// safe for concurrent use; the caller owns the slice.
func Detectors(opt Options) []detectors.Detector {
	opt = opt.withDefaults()
	var out []detectors.Detector
	for _, f := range providers(opt) {
		out = append(out, mustRuleDetector(f))
	}
	out = append(out, mustRuleDetector(genericFamily(opt)))
	out = append(out, &PrivateKey{}, &JWT{})
	return out
}

func mustRuleDetector(f family) *ruleDetector {
	set, err := newRuleSet(f.rules)
	if err != nil {
		// The rule table is fixed and covered by the package tests.
		panic(fmt.Sprintf("secrets: detector %s: %v", f.id, err))
	}
	return &ruleDetector{id: f.id, version: f.version, kinds: f.kinds, set: set, examples: f.examples}
}

// base64Bytes returns a validator requiring the span to be well-formed
// standard base64 of exactly n bytes.
func base64Bytes(n int) func(text []byte, s, e int) bool {
	return func(text []byte, s, e int) bool { return base64Len(text[s:e]) == n }
}
