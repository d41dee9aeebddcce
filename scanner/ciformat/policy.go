package ciformat

import (
	"errors"
	"fmt"
	"math/bits"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/winnow-data/winnow/detectors"
)

// ErrPolicy is wrapped by every error ParsePolicy returns, so callers can
// tell a bad --fail-on expression (a usage error) from other failures with
// errors.Is.
var ErrPolicy = errors.New("invalid fail-on policy")

// PolicyError describes the clause of a --fail-on expression that does
// not parse. It unwraps to ErrPolicy. The clause text is the user's own
// input, never data from a scanned record.
type PolicyError struct {
	Index  int    // 0-based position of the clause in the comma-separated list
	Clause string // the clause as written, trimmed of spaces
	Reason string // what is wrong with it
}

// Error implements error: `clause 2 "pii.*>x": threshold "x" is not …`.
func (e *PolicyError) Error() string {
	if e.Index < 0 {
		return e.Reason
	}
	return fmt.Sprintf("clause %d %q: %s", e.Index+1, e.Clause, e.Reason)
}

// Unwrap returns ErrPolicy.
func (e *PolicyError) Unwrap() error { return ErrPolicy }

// Op is the comparison a Clause makes.
type Op uint8

// The clause operators. Their exact meaning is documented on Clause.
const (
	OpAny      Op = iota + 1 // KIND_GLOB=any
	OpCount                  // KIND_GLOB>N
	OpPercent                // KIND_GLOB>P%
	OpSeverity               // a bare severity such as "high"
)

// percentScale is the fixed-point scale of Clause.PercentMicro: thresholds
// have at most 6 decimal places (0.000001%).
const percentScale = 1_000_000

// Clause is one threshold of a Policy. Let M be the kinds that have at
// least one finding and match Kind (path.Match syntax, e.g. "secret.*"):
//
//   - OpAny (`KIND_GLOB=any`) fails when the kinds in M have ≥ 1 finding.
//   - OpCount (`KIND_GLOB>N`) fails when the kinds in M have more than
//     Count findings in total; `>0` is the same as `=any`.
//   - OpPercent (`KIND_GLOB>P%`) fails when the records having at least
//     one finding of a kind in M are more than P% of records_in (the share
//     is compared exactly, in integers). With no records in, it cannot fail.
//   - OpSeverity (`low`, `high`, …) fails when any finding has a kind of at
//     least Severity. A kind with no known severity counts as low, as in
//     the engine.
//
// Thresholds count findings after baseline suppression, that is, what the
// output directory holds.
type Clause struct {
	Kind         string             // kind glob; empty for OpSeverity
	Op           Op                 // the comparison
	Count        int64              // OpCount: N
	PercentMicro int64              // OpPercent: P × 1e6, with 0 ≤ P ≤ 100
	Severity     detectors.Severity // OpSeverity: the least severity that fails
}

// String returns the clause in canonical form, which ParsePolicy accepts
// back: `secret.*=any`, `pii.credit_card>0`, `dup.exact>1%`, `high`.
func (c Clause) String() string {
	switch c.Op {
	case OpAny:
		return c.Kind + "=any"
	case OpCount:
		return c.Kind + ">" + strconv.FormatInt(c.Count, 10)
	case OpPercent:
		return c.Kind + ">" + formatMicro(c.PercentMicro) + "%"
	case OpSeverity:
		return c.Severity.String()
	}
	return fmt.Sprintf("clause(op %d)", c.Op)
}

// Matches reports whether a finding of kind, whose severity is sev,
// counts toward c: the kind glob matches, or for a severity clause the
// severity is at least c.Severity.
func (c Clause) Matches(kind string, sev detectors.Severity) bool {
	if c.Op == OpSeverity {
		return sev >= c.Severity
	}
	ok, err := path.Match(c.Kind, kind)
	return err == nil && ok
}

// Policy is a parsed --fail-on expression: a list of clauses, any one of
// which failing fails the scan. The zero Policy ("none") never fails. A
// Policy is immutable once parsed and safe for concurrent use.
type Policy struct {
	Clauses []Clause
}

// IsZero reports whether p has no clauses and so never fails ("none").
func (p Policy) IsZero() bool { return len(p.Clauses) == 0 }

// String returns the canonical expression, "none" for the zero Policy.
// ParsePolicy(p.String()) gives back an equal Policy.
func (p Policy) String() string {
	if p.IsZero() {
		return "none"
	}
	parts := make([]string, len(p.Clauses))
	for i, c := range p.Clauses {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// ParsePolicy parses a --fail-on expression (safe for concurrent use):
// comma-separated clauses, each one of
//
//	KIND_GLOB=any      e.g. secret.*=any
//	KIND_GLOB>N        e.g. pii.credit_card>0      (N a whole number)
//	KIND_GLOB>P%       e.g. dup.exact>1%, poison.*>0.01%  (0 ≤ P ≤ 100, ≤ 6 decimals)
//	SEVERITY           info, low, medium, high or critical
//	none               never fail (only on its own)
//
// Spaces around clauses and operators are ignored. Kind globs use
// path.Match syntax over lowercase kind names. An error is a *PolicyError
// naming the offending clause and wrapping ErrPolicy.
func ParsePolicy(expr string) (Policy, error) {
	if strings.TrimSpace(expr) == "" {
		return Policy{}, &PolicyError{Index: -1, Reason: "empty policy (want clauses such as secret.*=any,pii.*>0 or a severity, or none)"}
	}
	parts := strings.Split(expr, ",")
	var p Policy
	noneAt := -1
	for i, raw := range parts {
		s := strings.TrimSpace(raw)
		c, none, reason := parseClause(s)
		if reason != "" {
			return Policy{}, &PolicyError{Index: i, Clause: s, Reason: reason}
		}
		if none {
			noneAt = i
			continue
		}
		p.Clauses = append(p.Clauses, c)
	}
	if noneAt >= 0 && len(parts) > 1 {
		return Policy{}, &PolicyError{Index: noneAt, Clause: strings.TrimSpace(parts[noneAt]), Reason: "none cannot be combined with other clauses"}
	}
	return p, nil
}

const clauseForms = "want KIND_GLOB=any, KIND_GLOB>N, KIND_GLOB>P%, a severity (info, low, medium, high, critical) or none"

// parseClause parses one trimmed clause. It returns none=true for "none",
// or a non-empty reason when the clause is invalid.
func parseClause(s string) (c Clause, none bool, reason string) {
	if s == "" {
		return c, false, "empty clause (" + clauseForms + ")"
	}
	i := strings.IndexAny(s, "=><")
	if i < 0 {
		if strings.EqualFold(s, "none") {
			return c, true, ""
		}
		if sev, err := detectors.ParseSeverity(s); err == nil {
			return Clause{Op: OpSeverity, Severity: sev}, false, ""
		}
		if strings.ContainsAny(s, ".*?[") && validGlob(s) == "" {
			return c, false, fmt.Sprintf("no threshold for kind glob (write %s=any, %s>N or %s>P%%)", s, s, s)
		}
		return c, false, "not a severity or threshold (" + clauseForms + ")"
	}
	glob, op, rhs := strings.TrimSpace(s[:i]), s[i], strings.TrimSpace(s[i+1:])
	if glob == "" {
		return c, false, "missing kind glob before " + string(op) + " (" + clauseForms + ")"
	}
	if r := validGlob(glob); r != "" {
		return c, false, r
	}
	switch {
	case op == '<':
		return c, false, "'<' is not supported: thresholds say when to fail (use >N or >P%)"
	case op == '>' && strings.HasPrefix(rhs, "="):
		return c, false, "'>=' is not supported: use >N (e.g. >0 fails on one finding)"
	case op == '=':
		if rhs != "any" {
			return c, false, fmt.Sprintf("'=' takes only any, not %q (use >N for a count or >P%% for a share)", rhs)
		}
		return Clause{Kind: glob, Op: OpAny}, false, ""
	}
	if num, ok := strings.CutSuffix(rhs, "%"); ok {
		pm, r := parsePercent(strings.TrimSpace(num))
		if r != "" {
			return c, false, r
		}
		return Clause{Kind: glob, Op: OpPercent, PercentMicro: pm}, false, ""
	}
	if rhs == "" || len(rhs) > 19 || strings.Trim(rhs, "0123456789") != "" {
		return c, false, fmt.Sprintf("threshold %q is not a whole number of findings or a percentage like 1%%", rhs)
	}
	n, err := strconv.ParseInt(rhs, 10, 64)
	if err != nil {
		return c, false, fmt.Sprintf("threshold %q is out of range", rhs)
	}
	return Clause{Kind: glob, Op: OpCount, Count: n}, false, ""
}

// validGlob returns "" when g is a usable kind glob, else the reason.
func validGlob(g string) string {
	for i := 0; i < len(g); i++ {
		b := g[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || strings.IndexByte("_.*?[]^-", b) >= 0) {
			if b >= 'A' && b <= 'Z' {
				return fmt.Sprintf("kind glob %q has an uppercase letter (kinds are lowercase, e.g. pii.email)", g)
			}
			return fmt.Sprintf("kind glob %q has a character not found in kind names (%q)", g, string(rune(b)))
		}
	}
	if _, err := path.Match(g, ""); err != nil {
		return fmt.Sprintf("kind glob %q is malformed (unbalanced [ ])", g)
	}
	if !strings.ContainsAny(g, ".*?[") {
		return fmt.Sprintf("kind glob %q matches no kind: kinds are family.name (try %s.*)", g, g)
	}
	return ""
}

// parsePercent parses "1", "0.01", ".5" into P × 1e6.
func parsePercent(s string) (int64, string) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	bad := func() (int64, string) {
		return 0, fmt.Sprintf("percentage %q is not a number like 1%% or 0.01%%", s+"%")
	}
	if intPart == "" && frac == "" || strings.Trim(intPart, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return bad()
	}
	if hasDot && frac == "" && intPart == "" {
		return bad()
	}
	if len(frac) > 6 {
		return 0, fmt.Sprintf("percentage %q has more than 6 decimal places", s+"%")
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 3 {
		return 0, fmt.Sprintf("percentage %q is above 100%%", s+"%")
	}
	var v int64
	for _, d := range intPart {
		v = v*10 + int64(d-'0')
	}
	v *= percentScale
	scale := int64(percentScale / 10)
	for _, d := range frac {
		v += int64(d-'0') * scale
		scale /= 10
	}
	if v > 100*percentScale {
		return 0, fmt.Sprintf("percentage %q is above 100%%", s+"%")
	}
	return v, ""
}

// formatMicro formats P × 1e6 as a decimal without trailing zeros.
func formatMicro(pm int64) string {
	s := strconv.FormatInt(pm/percentScale, 10)
	if f := pm % percentScale; f != 0 {
		fs := strings.TrimRight(fmt.Sprintf("%06d", f), "0")
		s += "." + fs
	}
	return s
}

// Counts are the totals a Policy is evaluated against. The maps are read,
// never modified; the caller keeps ownership.
type Counts struct {
	// RecordsIn is the number of input records (report.json totals.records_in).
	RecordsIn int64
	// FindingsByKind is the number of findings per kind.
	FindingsByKind map[string]int64
	// RecordsByKind is the number of records with at least one finding, per kind.
	RecordsByKind map[string]int64
	// RecordsMatching, when it has an entry for a percent clause's kind glob,
	// is the exact number of records having a finding of any kind matching
	// that glob. Without an entry, the sum of RecordsByKind over the
	// matching kinds is used: exact when one kind matches, otherwise an upper
	// bound (a record with two matching kinds is counted twice). LoadCounts
	// fills it from the findings file.
	RecordsMatching map[string]int64
	// Severity gives each kind's severity. Kinds missing here count as low.
	Severity map[string]detectors.Severity
}

func (c *Counts) severity(kind string) detectors.Severity {
	if s, ok := c.Severity[kind]; ok {
		return s
	}
	return detectors.SeverityLow
}

// Failure is one failed clause of a Policy with the numbers behind it.
type Failure struct {
	Clause   Clause
	Kinds    []string // the kinds with findings that count toward the clause, sorted
	Findings int64    // findings of those kinds
	Records  int64    // records with such findings (as compared, for percent clauses)
	// Message says what failed without any record content, e.g.
	// "dup.exact: 3.2% of records > 1% (59 of 1852)".
	Message string
}

// Evaluate returns the clauses of p that c fails, in clause order, or nil
// when the scan passes. It does not modify c (or its maps) and is safe for
// concurrent use; the returned Failures are the caller's.
func (p Policy) Evaluate(c Counts) []Failure {
	if p.IsZero() {
		return nil
	}
	kinds := make([]string, 0, len(c.FindingsByKind))
	for k, n := range c.FindingsByKind {
		if n > 0 {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	var out []Failure
	for _, cl := range p.Clauses {
		f := Failure{Clause: cl}
		for _, k := range kinds {
			if cl.Matches(k, c.severity(k)) {
				f.Kinds = append(f.Kinds, k)
				f.Findings += c.FindingsByKind[k]
				f.Records += max(c.RecordsByKind[k], 0)
			}
		}
		failed := false
		switch cl.Op {
		case OpAny, OpSeverity:
			failed = f.Findings > 0
		case OpCount:
			failed = f.Findings > cl.Count
		case OpPercent:
			if n, ok := c.RecordsMatching[cl.Kind]; ok {
				f.Records = n
			}
			failed = exceedsPercent(f.Records, c.RecordsIn, cl.PercentMicro)
		}
		if !failed {
			continue
		}
		f.Message = failureMessage(&f, &c)
		out = append(out, f)
	}
	return out
}

// exceedsPercent reports whether records/recordsIn > pm/1e6 percent, i.e.
// records × 1e8 > pm × recordsIn, computed in 128 bits.
func exceedsPercent(records, recordsIn, pm int64) bool {
	if records <= 0 || recordsIn <= 0 || pm < 0 {
		return false
	}
	ah, al := bits.Mul64(uint64(records), 100*percentScale)
	bh, bl := bits.Mul64(uint64(pm), uint64(recordsIn))
	return ah > bh || ah == bh && al > bl
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.FormatInt(n, 10) + " " + word + "s"
}

func failureMessage(f *Failure, c *Counts) string {
	cl := f.Clause
	var b strings.Builder
	switch cl.Op {
	case OpAny:
		fmt.Fprintf(&b, "%s: %s, any fails", cl.Kind, plural(f.Findings, "finding"))
	case OpCount:
		fmt.Fprintf(&b, "%s: %s > %d", cl.Kind, plural(f.Findings, "finding"), cl.Count)
	case OpPercent:
		fmt.Fprintf(&b, "%s: %s%% of records > %s%% (%d of %d)", cl.Kind,
			formatShare(f.Records, c.RecordsIn, cl.PercentMicro), formatMicro(cl.PercentMicro), f.Records, c.RecordsIn)
	case OpSeverity:
		fmt.Fprintf(&b, "%s: %s of severity %s or above", cl.Severity, plural(f.Findings, "finding"), cl.Severity)
	}
	if len(f.Kinds) > 1 || cl.Op == OpSeverity {
		b.WriteString(" [")
		b.WriteString(kindList(f.Kinds, c, cl.Op == OpSeverity))
		b.WriteString("]")
	}
	return b.String()
}

// kindList names up to five kinds, most findings first.
func kindList(kinds []string, c *Counts, withSeverity bool) string {
	list := append([]string(nil), kinds...)
	sort.SliceStable(list, func(i, j int) bool {
		return c.FindingsByKind[list[i]] > c.FindingsByKind[list[j]]
	})
	const show = 5
	parts := make([]string, 0, show+1)
	for i, k := range list {
		if i == show {
			parts = append(parts, fmt.Sprintf("+%d more", len(list)-show))
			break
		}
		s := fmt.Sprintf("%s %d", k, c.FindingsByKind[k])
		if withSeverity {
			s += " " + c.severity(k).String()
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// formatShare formats records/recordsIn as a percentage with as many
// decimals as needed (at least the threshold's, at most 9) for the printed
// number to be above the threshold P = pm/1e6.
func formatShare(records, recordsIn, pm int64) string {
	share := float64(records) * 100 / float64(recordsIn)
	dec := 1
	if f := pm % percentScale; f != 0 {
		dec = len(strings.TrimRight(fmt.Sprintf("%06d", f), "0"))
	}
	for ; ; dec++ {
		s := strconv.FormatFloat(share, 'f', dec, 64)
		if dec >= 9 || decimalAbove(s, dec, pm) {
			return s
		}
	}
}

// decimalAbove reports whether the decimal s, with dec ≤ 9 fractional
// digits and a value of at most a few hundred, is above pm/1e6.
func decimalAbove(s string, dec int, pm int64) bool {
	n, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
	if err != nil || n > 1e12 {
		return true // not a share of valid counts; nothing to refine
	}
	// n/10^dec > pm/10^6  ⇔  n·10^6 > pm·10^dec
	p := int64(1)
	for i := 0; i < dec; i++ {
		p *= 10
	}
	return n*percentScale > pm*p
}
