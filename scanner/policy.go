package scanner

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/winnow-data/winnow/scanner/records"
)

// Operator is how a redacted span is replaced.
type Operator string

// Redaction operators.
const (
	// OpMask replaces the span with a label such as [EMAIL].
	OpMask Operator = "mask"
	// OpHash replaces the span with a keyed HMAC-SHA256 tag such as
	// [EMAIL:3f9a0c1b2d4e], consistent across the corpus for one key.
	OpHash Operator = "hash"
	// OpFake replaces the span with a keyed, format-preserving surrogate
	// (kinds without a surrogate generator fall back to OpHash).
	OpFake Operator = "fake"
)

// Rule maps kinds (a glob such as "pii.*") to an action.
type Rule struct {
	Kinds    string   `yaml:"kinds" toml:"kinds" json:"kinds"`
	Action   string   `yaml:"action" toml:"action" json:"action"` // report | redact | drop
	Operator Operator `yaml:"operator,omitempty" toml:"operator,omitempty" json:"operator,omitempty"`
	// MinConfidence ignores matching findings below this confidence (they
	// are neither reported nor acted on). Default 0.
	MinConfidence float64 `yaml:"min_confidence,omitempty" toml:"min_confidence,omitempty" json:"min_confidence,omitempty"`
}

// Policy is an ordered rule list: the first rule whose glob matches a kind
// decides. Kinds no rule matches are reported only.
type Policy struct {
	Rules []Rule `yaml:"rules" toml:"rules" json:"rules"`
}

// DefaultPolicy redacts secrets and PII with masks, drops poison and
// duplicates, and quarantines input problems (issue #2 defaults). The
// statistical poison signals whose precision depends on the corpus
// (gibberish windows, payload clusters, response conflicts) are reported
// only; a config can turn them into drops.
func DefaultPolicy() Policy {
	return Policy{Rules: []Rule{
		{Kinds: "secret.*", Action: "redact", Operator: OpMask},
		{Kinds: "pii.*", Action: "redact", Operator: OpMask},
		{Kinds: "poison.gibberish", Action: "report"},
		{Kinds: "poison.payload_cluster", Action: "report"},
		{Kinds: "poison.response_conflict", Action: "report"},
		{Kinds: "poison.*", Action: "drop"},
		{Kinds: "dup.*", Action: "drop"},
		{Kinds: "input.*", Action: "drop"},
	}}
}

// Validate reports every malformed rule at once.
func (p Policy) Validate() error {
	var errs []error
	for i, r := range p.Rules {
		if _, err := path.Match(r.Kinds, "x.y"); err != nil || r.Kinds == "" {
			errs = append(errs, fmt.Errorf("policy rule %d: bad kinds glob %q", i+1, r.Kinds))
		}
		switch r.Action {
		case "report", "drop":
		case "redact":
			switch r.Operator {
			case "", OpMask, OpHash, OpFake:
			default:
				errs = append(errs, fmt.Errorf("policy rule %d (%s): unknown operator %q (want mask, hash or fake)", i+1, r.Kinds, r.Operator))
			}
		default:
			errs = append(errs, fmt.Errorf("policy rule %d (%s): unknown action %q (want report, redact or drop)", i+1, r.Kinds, r.Action))
		}
		if r.MinConfidence < 0 || r.MinConfidence > 1 {
			errs = append(errs, fmt.Errorf("policy rule %d (%s): min_confidence %v outside 0..1", i+1, r.Kinds, r.MinConfidence))
		}
	}
	return errors.Join(errs...)
}

// resolved is a compiled policy decision for one kind.
type resolved struct {
	action  records.Action // Keep means report only
	op      Operator
	minConf float64
	label   string // "redact", "drop" or "report", for findings
}

// policyCache resolves kinds to decisions; kinds are few, so a map built on
// first use per worker avoids repeated glob matching.
type policyCache struct {
	p Policy
	m map[string]resolved
}

func newPolicyCache(p Policy) *policyCache { return &policyCache{p: p, m: map[string]resolved{}} }

func (c *policyCache) get(kind string) resolved {
	if r, ok := c.m[kind]; ok {
		return r
	}
	r := resolved{action: records.Keep, label: "report"}
	for _, rule := range c.p.Rules {
		if ok, _ := path.Match(rule.Kinds, kind); ok {
			switch rule.Action {
			case "redact":
				r = resolved{action: records.Redact, op: rule.Operator, label: "redact"}
				if r.op == "" {
					r.op = OpMask
				}
			case "drop":
				r = resolved{action: records.Drop, label: "drop"}
			}
			r.minConf = rule.MinConfidence
			break
		}
	}
	c.m[kind] = r
	return r
}

// maskLabel returns the mask for a kind: "[EMAIL]" for pii.email,
// "[GITHUB_TOKEN]" for secret.github_token.
func maskLabel(dst []byte, kind string) []byte {
	_, name, _ := strings.Cut(kind, ".")
	dst = append(dst, '[')
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' {
			c -= 32
		}
		dst = append(dst, c)
	}
	return append(dst, ']')
}

// Hasher computes keyed HMAC-SHA256 value hashes. It is not safe for
// concurrent use; each worker owns one.
type Hasher struct {
	key []byte
	sum [sha256.Size]byte
	h   hashState
}

type hashState interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
	Reset()
}

// NewHasher returns a Hasher for key. The key is copied.
func NewHasher(key []byte) *Hasher {
	k := append([]byte(nil), key...)
	return &Hasher{key: k, h: hmac.New(sha256.New, k)}
}

// Sum returns HMAC-SHA256(key, value). The result aliases the Hasher's
// buffer and is valid until the next call.
func (h *Hasher) Sum(value []byte) []byte {
	h.h.Reset()
	h.h.Write(value)
	return h.h.Sum(h.sum[:0])
}

// ValueHash returns the findings' value_hash: the first 16 bytes of the
// HMAC in hex. The same value gets the same hash under one key, whatever its
// kind, so recurring values can be counted without revealing them.
func (h *Hasher) ValueHash(value []byte) string {
	return hex.EncodeToString(h.Sum(value)[:16])
}
