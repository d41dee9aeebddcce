// Package provenance writes and checks the provenance of a winnow run
// (DESIGN §5, §8; issue 6):
//
//   - the ledger, OUT/ledger.parquet: one row per input record with its
//     hash, decision, reasons, detectors and where it went (LedgerWriter,
//     ReadLedger);
//   - the manifest, OUT/manifest.intoto.json: an in-toto Statement v1 with a
//     SLSA Provenance v1 predicate whose subjects are every output file
//     (WriteProvenance, ParseStatement);
//   - OUT/croissant.json: a Croissant 1.1 description of the output with a
//     sha256 for every file, RAI fields and prov:wasDerivedFrom;
//   - an optional DSSE envelope, OUT/manifest.intoto.dsse.json, signed with
//     an ed25519 key (Sign, VerifyEnvelope);
//   - Verify, which re-hashes an output directory (and optionally the inputs)
//     and reconciles the ledger with report.json; PinCheck for
//     `winnow clean --pin`.
//
// Everything written here is deterministic except the run metadata of the
// manifest (invocation id, start and finish times): the same inputs, config
// and tool give the same ledger, croissant.json and subjects, and a manifest
// that differs only in predicate.runDetails.metadata.
//
// The package holds no global mutable state: every function is safe for
// concurrent use, and so are values it returns once the caller stops
// modifying them. A LedgerWriter is the exception: one goroutine at a time. Raw record values never reach
// it: the engine passes hashes, kinds and counts only.
package provenance

// Names of the files this package writes or reads, relative to OUT.
const (
	ManifestName  = "manifest.intoto.json"
	EnvelopeName  = "manifest.intoto.dsse.json"
	CroissantName = "croissant.json"
	LedgerName    = "ledger.parquet"
	ReportName    = "report.json"
	// MarkerName and StagingName are the engine's marker file and staging
	// directory, and StagedName the directory of a staged run's plan and
	// completion markers; Verify ignores them.
	MarkerName  = ".winnow"
	StagingName = ".winnow-staging"
	StagedName  = "_winnow"
)

// In-toto and SLSA identifiers used in the manifest.
const (
	StatementType     = "https://in-toto.io/Statement/v1"
	PredicateSLSA     = "https://slsa.dev/provenance/v1"
	PayloadTypeInToto = "application/vnd.in-toto+json"
	// BuildTypeClean and BuildTypeScan name winnow's build types: a clean run
	// and a scan (audit-only) run. Their external parameters are
	// {"config": resolved config, "args": CLI arguments}.
	BuildTypeClean = "https://github.com/winnow-data/winnow/buildtypes/clean/v1"
	BuildTypeScan  = "https://github.com/winnow-data/winnow/buildtypes/scan/v1"
	// BuilderID identifies the winnow CLI as the builder.
	BuilderID = "https://github.com/winnow-data/winnow/cmd/winnow"
)
