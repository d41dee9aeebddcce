package provenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
)

// The types below are winnow's own rendering of the in-toto Statement v1
// and SLSA Provenance v1 JSON (see README for why not the protobuf types of
// github.com/in-toto/attestation). Field names and nesting follow the specs
// exactly; maps marshal with sorted keys, lists are sorted by the writer, and
// numbers inside raw parameters keep their original text.

// Statement is an in-toto Statement v1 with a SLSA Provenance v1 predicate.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     Provenance           `json:"predicate"`
}

// ResourceDescriptor is the in-toto ResourceDescriptor v1. At least one of
// URI, Digest and Content is set.
type ResourceDescriptor struct {
	Name             string            `json:"name,omitempty"`
	URI              string            `json:"uri,omitempty"`
	Digest           map[string]string `json:"digest,omitempty"`
	Content          []byte            `json:"content,omitempty"`
	DownloadLocation string            `json:"downloadLocation,omitempty"`
	MediaType        string            `json:"mediaType,omitempty"`
	// Annotations is a JSON object, kept raw so that integers survive.
	Annotations json.RawMessage `json:"annotations,omitempty"`
}

// Provenance is the SLSA Provenance v1 predicate.
type Provenance struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition is SLSA's buildDefinition.
type BuildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   ExternalParameters   `json:"externalParameters"`
	InternalParameters   json.RawMessage      `json:"internalParameters,omitempty"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies"`
}

// ExternalParameters are winnow's external parameters: the resolved config
// (defaults filled in) and the CLI arguments.
type ExternalParameters struct {
	Config json.RawMessage `json:"config"`
	Args   []string        `json:"args"`
}

// RunDetails is SLSA's runDetails.
type RunDetails struct {
	Builder    Builder              `json:"builder"`
	Metadata   BuildMetadata        `json:"metadata"`
	Byproducts []ResourceDescriptor `json:"byproducts,omitempty"`
}

// Builder is SLSA's builder: winnow's id and version map ("winnow", "go",
// "vcs.revision", "vcs.modified").
type Builder struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

// BuildMetadata is SLSA's run metadata, the only non-deterministic part of
// the manifest. Times are RFC 3339 in UTC.
type BuildMetadata struct {
	InvocationID string `json:"invocationId,omitempty"`
	StartedOn    string `json:"startedOn,omitempty"`
	FinishedOn   string `json:"finishedOn,omitempty"`
}

// Resolved-dependency roles, in each dependency's "role" annotation.
const (
	DependencyInput = "input"
	DependencyPack  = "pack"
)

// ErrBadManifest marks a manifest that is not a well-formed winnow
// provenance statement.
var ErrBadManifest = errors.New("invalid manifest")

// maxManifestBytes bounds what ParseStatement and the readers accept.
const maxManifestBytes = 256 << 20

// ParseStatement decodes and validates a manifest: the in-toto and SLSA type
// URIs, every subject's name (a clean relative path with forward slashes,
// unique) and sha256 digest, and the resolved dependencies' digests. Errors
// wrap ErrBadManifest. The returned Statement does not alias b.
func ParseStatement(b []byte) (*Statement, error) {
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadManifest, maxManifestBytes)
	}
	var st Statement
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrBadManifest)
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	return &st, nil
}

func (st *Statement) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadManifest}, args...)...))
	}
	if st.Type != StatementType {
		bad("_type %q, want %q", st.Type, StatementType)
	}
	if st.PredicateType != PredicateSLSA {
		bad("predicateType %q, want %q", st.PredicateType, PredicateSLSA)
	}
	if len(st.Subject) == 0 {
		bad("no subjects")
	}
	seen := make(map[string]bool, len(st.Subject))
	for i, s := range st.Subject {
		if !localSlashPath(s.Name) {
			bad("subject %d: name %q is not a relative path inside the output", i, s.Name)
		} else if seen[s.Name] {
			bad("subject %q listed twice", s.Name)
		}
		seen[s.Name] = true
		if !validHex(s.Digest["sha256"]) {
			bad("subject %q: no valid sha256 digest", s.Name)
		}
	}
	for i, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if d.Name == "" && d.URI == "" {
			bad("resolvedDependencies[%d]: no name or uri", i)
		}
		if !validHex(d.Digest["sha256"]) {
			bad("resolvedDependencies[%d] %q: no valid sha256 digest", i, depName(d))
		}
	}
	if len(errs) > 8 {
		errs = append(errs[:8], fmt.Errorf("%w: and %d more problems", ErrBadManifest, len(errs)-8))
	}
	return errors.Join(errs...)
}

// localSlashPath reports whether p is a clean, relative, forward-slash path
// that stays inside its root ("data/a.jsonl", not "../x", "/x", "a//b").
func localSlashPath(p string) bool {
	if p == "" || strings.ContainsAny(p, "\\\x00") || strings.HasPrefix(p, "/") {
		return false
	}
	if path.Clean(p) != p {
		return false
	}
	return p != "." && p != ".." && !strings.HasPrefix(p, "../")
}

func depName(d ResourceDescriptor) string {
	if d.Name != "" {
		return d.Name
	}
	return d.URI
}

// depRole returns the "role" annotation of a resolved dependency.
func depRole(d ResourceDescriptor) string {
	if len(d.Annotations) == 0 {
		return ""
	}
	var a struct {
		Role string `json:"role"`
	}
	if json.Unmarshal(d.Annotations, &a) != nil {
		return ""
	}
	return a.Role
}

// Inputs returns the resolved dependencies whose role is DependencyInput, in
// manifest order. The slice is new; its elements share memory with st.
func (st *Statement) Inputs() []ResourceDescriptor {
	var out []ResourceDescriptor
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if depRole(d) == DependencyInput {
			out = append(out, d)
		}
	}
	return out
}

// marshalJSON encodes v as indented JSON with a trailing newline and no HTML
// escaping. Output is deterministic for deterministic v.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// canonicalJSON renders v as compact JSON with object keys sorted at every
// level and numbers kept as written, so that the same value always gives the
// same bytes whether it arrives as a struct, a map or raw JSON.
func canonicalJSON(v any) (json.RawMessage, error) {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		raw = buf.Bytes()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
