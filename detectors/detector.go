// Package detectors defines the Detector interface that every per-record
// detector implements, the Kind catalogue, and an explicit Registry.
//
// Implementations live in sub-packages (pii, secrets, poison). The package
// imports neither scanner nor dedupe: detectors see only bytes, never files.
package detectors

import (
	"fmt"
	"path"
	"strings"
)

// Severity orders findings for exit policies such as `scan --fail-on`.
type Severity int

// Severities, from least to most serious.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lowercase name of s ("info" … "critical").
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name as printed by Severity.String.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// Kind describes one finding kind, such as "pii.email". Names are stable,
// lowercase and of the form family.name (DESIGN §6).
type Kind struct {
	Name        string
	Description string
	Severity    Severity
	// Fallback marks a catch-all kind (secret.generic_high_entropy): the
	// engine drops its hit where a hit of another kind of the same family
	// overlaps it in the same value, so one secret is reported once, under
	// its specific kind.
	Fallback bool `json:",omitempty"`
}

// Family returns the part of the kind name before the first dot ("pii").
func (k Kind) Family() string {
	f, _, _ := strings.Cut(k.Name, ".")
	return f
}

// ValidKindName reports whether name has the form family.name with lowercase
// ASCII letters, digits and underscores.
func ValidKindName(name string) bool {
	fam, rest, ok := strings.Cut(name, ".")
	if !ok || fam == "" || rest == "" {
		return false
	}
	for _, part := range []string{fam, rest} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		}
	}
	return true
}

// MatchKind reports whether kind matches any of the glob patterns (path.Match
// syntax, e.g. "secret.*"). An empty pattern list matches every kind.
func MatchKind(patterns []string, kind string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, kind); ok {
			return true
		}
	}
	return false
}

// Match is one finding inside a scanned value: the half-open byte range
// [Start, End) of the value given to Detect, its kind and a confidence in 0..1.
//
// Kind should point at a string constant so that appending a Match does not
// allocate.
type Match struct {
	Kind       string
	Start, End int
	Confidence float64
}

// Detector finds spans of one or more kinds in a single UTF-8 (or, for
// invalid input, arbitrary) byte value.
//
// Implementations must be safe for concurrent use by multiple goroutines:
// the engine calls Detect from every worker at once. Per-call scratch space
// belongs in the caller's dst or in a sync.Pool, never in unguarded fields.
type Detector interface {
	// ID is the detector's stable identifier, e.g. "pii.email" or
	// "secrets.github". It appears in findings as `detector`.
	ID() string
	// Version changes whenever the detector's output can change. It goes into
	// the ledger and the manifest.
	Version() string
	// Kinds lists every kind the detector can report.
	Kinds() []Kind
	// Detect appends the matches found in text to dst and returns the
	// extended slice. text is owned by the caller and valid only during the
	// call; Detect must not retain it. Matches must lie within text.
	Detect(dst []Match, text []byte) []Match
}

// Prefiltered is an optional Detector capability: Detect needs to run only on
// values that contain at least one of the returned keywords. Keywords are
// compared ASCII case-insensitively and must be given in lowercase. A
// detector without this capability runs on every value.
type Prefiltered interface {
	Keywords() []string
}

// PlainASCIIQuiet is an optional Detector capability, a promise: Detect
// never reports anything in a value whose bytes are all printable ASCII or
// ASCII whitespace (0x20–0x7E and 0x09–0x0D), as for detectors of Unicode
// tricks. A Set with two or more such detectors among those that run on
// every value (without keywords or digit runs) checks each value once for
// all of them and does not call them on plain ASCII values.
type PlainASCIIQuiet interface {
	PlainASCIIQuiet()
}

// Example is a string a detector must (Kind != "") or must not (Kind == "")
// report. A negative example asserts that no match of any of the detector's
// kinds is reported.
type Example struct {
	Text string
	// Kind is the kind expected to be found, or "" for a near-miss negative.
	Kind string
	// Want, if not empty, is the exact matched substring expected.
	Want string
}

// Exampler is an optional Detector capability: true-positive and
// near-miss-negative examples. The registry tests run every detector's
// examples through the real prefilter and matcher; a detector whose examples
// fail is a bug.
type Exampler interface {
	Examples() []Example
}

// KeywordHit is one occurrence of a keyword in a scanned value: Pos is the
// byte offset of the keyword's first byte and Keyword its index in the
// Keywords() slice of the detector that receives the hit.
type KeywordHit struct {
	Pos     int
	Keyword int32
}

// Windowed is an optional capability of a Prefiltered detector: instead of
// scanning the whole value again, it looks only around the keyword
// occurrences that the Set's one-pass prefilter already found.
//
// The Set calls DetectHits with every ASCII case-insensitive occurrence of
// every one of the detector's keywords in text (overlapping occurrences
// included), sorted by Pos; occurrences at the same Pos come in unspecified
// order. DetectHits must append exactly the matches that Detect(dst, text)
// would append, in any order. hits and text are owned by the caller and valid
// only during the call. Like Detect, it must be safe for concurrent use.
//
// For values with an extreme number of keyword occurrences the Set may fall
// back to Detect, so Detect must stay correct on its own.
type Windowed interface {
	Prefiltered
	DetectHits(dst []Match, text []byte, hits []KeywordHit) []Match
}

// DigitRun is one maximal run of digits in a scanned value: the half-open
// byte range [Start, End) holds Digits digits and is bordered by no digit
// on either side. A digit is an ASCII digit 0-9 or the UTF-8 encoding of a
// full-width (U+FF10-FF19), Arabic-Indic (U+0660-0669), extended
// Arabic-Indic (U+06F0-06F9) or Devanagari (U+0966-096F) digit, so Digits
// may be smaller than End-Start.
type DigitRun struct {
	Start, End int
	Digits     int
}

// DigitChain describes which digit runs a DigitWindowed detector needs.
// A chain is a maximal sequence of digit runs in which each run starts at
// most MaxGap bytes after the previous one ends (any bytes in between;
// MaxGap 0: every run is a chain of its own). A chain qualifies when its
// runs hold at least MinDigits digits together. MinDigits <= 0 asks for
// every run of every value, and for a call even on values without digits.
type DigitChain struct {
	MaxGap    int
	MinDigits int
}

// DigitWindowed is an optional capability of a Detector without Keywords
// whose matches can all be found from the digit runs around them (card
// numbers, phone numbers, national IDs, ...): instead of scanning the whole
// value for digits itself, it gets the runs that the Set's one shared digit
// pass found. (A detector with Keywords is handled as Prefiltered; this
// capability is then ignored.)
//
// The Set calls DetectDigits only on values with at least one chain that
// qualifies under DigitChain() (on every value when MinDigits <= 0). runs
// holds, sorted by Start, every maximal digit run of text that belongs to a
// qualifying chain; it may hold other maximal digit runs of text too.
// DetectDigits must append exactly the matches that Detect(dst, text) would
// append, in the same order, and Detect must append nothing on a value
// without a qualifying chain. runs and text are owned by the caller and
// valid only during the call. Like Detect, DetectDigits must be safe for
// concurrent use. DigitChain must return the same value on every call.
//
// For values with an extreme number of digit runs the Set may fall back to
// Detect, so Detect must stay correct on its own.
type DigitWindowed interface {
	Detector
	DigitChain() DigitChain
	DetectDigits(dst []Match, text []byte, runs []DigitRun) []Match
}
