// Package ciformat turns a winnow output directory into what CI systems
// consume, and decides whether a scan fails.
//
//   - Policy is the --fail-on exit policy: per-kind thresholds such as
//     `secret.*=any,pii.credit_card>0,dup.exact>1%` and plain severities
//     such as `high`. ParsePolicy parses it; Policy.Evaluate says which
//     thresholds failed and why.
//   - WriteSARIF writes a SARIF 2.1.0 log for code-scanning UIs.
//   - WriteGitHub writes GitHub Actions workflow commands (annotations).
//   - WriteJUnit writes JUnit XML for CI test-report views.
//
// The writers read only report.json and the findings file (findings.jsonl
// or findings.parquet) of an output directory. The package mirrors those
// files' layout (DESIGN §5) in its own types and does not import package
// scanner, so it can run on the output of any winnow version that writes
// the same contract.
//
// Nothing here writes a raw matched value: a findings file written with
// --show-values has a `value` column, and every writer ignores it.
// Findings are identified by kind, position and value_hash (a keyed HMAC).
//
// All output is deterministic: the same output directory and Options give
// the same bytes. Output size is bounded where CI systems have limits:
// GitHub annotations (Options.MaxAnnotations) and SARIF results
// (Options.MaxResults, GitHub's 25,000 per run) keep the most severe
// findings and say how many were left out.
package ciformat
