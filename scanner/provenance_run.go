package scanner

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/winnow-data/winnow/scanner/jsonl"
	"github.com/winnow-data/winnow/scanner/provenance"
)

// ProvenanceConfig are the run facts only the caller knows.
type ProvenanceConfig struct {
	// Args are the CLI arguments, recorded in the manifest (and replayed by
	// `winnow verify --rerun`).
	Args []string
	// DetectorOptions are the resolved per-family detector options.
	DetectorOptions any
	// Packs are the rule and data packs the detectors use, with digests.
	Packs []provenance.Pack
	// SignKey, if set, signs the manifest into manifest.intoto.dsse.json.
	SignKey ed25519.PrivateKey
}

// outFileInfo describes a data or quarantine output for croissant.json.
type outFileInfo struct {
	rel    string
	format Format
	fields []string
}

// configView is the resolved config as recorded in the manifest: every
// setting that can change the output bytes, and no secret.
type configView struct {
	Mode            string         `json:"mode"`
	Inputs          []string       `json:"inputs"`
	Fields          []string       `json:"fields"`
	Kinds           []string       `json:"kinds"`
	FindingsFormat  string         `json:"findings_format"`
	ShowValues      bool           `json:"show_values"`
	OnError         string         `json:"on_error"`
	Policy          Policy         `json:"policy"`
	KeyID           string         `json:"key_id"`
	MaxRecordBytes  int            `json:"max_record_bytes"`
	Dedupe          *dedupeView    `json:"dedupe"`
	Detectors       []string       `json:"detectors"`
	DetectorOptions any            `json:"detector_options,omitempty"`
	Corpus          []string       `json:"corpus_detectors"`
	Internal        map[string]any `json:"-"`
}

// dedupeView is the part of DedupeConfig that can change outputs, with
// defaults filled in; nil when dedupe is off.
type dedupeView struct {
	Normalize      bool     `json:"normalize"`
	NGram          int      `json:"ngram"`
	CharNGram      int      `json:"char_ngram"`
	Bands          int      `json:"bands"`
	Rows           int      `json:"rows"`
	Threshold      float64  `json:"threshold"`
	Verify         bool     `json:"verify"`
	MaxClusterSize int      `json:"max_cluster_size"`
	TopClusters    int      `json:"top_clusters"`
	Keep           string   `json:"keep"`
	Fields         []string `json:"fields"`
	Index          string   `json:"index,omitempty"`
	Version        string   `json:"dataset_version,omitempty"`
}

func newDedupeView(c DedupeConfig) *dedupeView {
	if c.Disabled {
		return nil
	}
	o := c.Options.WithDefaults()
	keep := c.Keep
	if keep == "" {
		keep = "first"
	}
	fields := c.Fields
	if len(fields) == 0 {
		fields = defaultDedupeFields
	}
	return &dedupeView{Normalize: o.Normalize, NGram: o.NGram, CharNGram: o.CharNGram, Bands: o.Bands, Rows: o.Rows,
		Threshold: o.Threshold, Verify: !o.SkipVerify, MaxClusterSize: o.MaxClusterSize, TopClusters: o.TopClusters,
		Keep: keep, Fields: fields, Index: c.Index, Version: c.Version}
}

// keyID identifies the HMAC key without revealing it: sha256 over a
// domain-separated copy of the key.
func keyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("winnow key id\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (e *engine) detectorList() []string {
	var out []string
	for _, d := range e.set.Detectors() {
		out = append(out, d.ID()+"@"+d.Version())
	}
	sort.Strings(out)
	return out
}

// writeProvenance writes croissant.json and manifest.intoto.json (and the
// DSSE envelope when a key is configured) into the stage.
func (e *engine) writeProvenance(ctx context.Context, stage string) error {
	digests, err := e.inputDigests()
	if err != nil {
		return err
	}
	view := e.configView()
	var inputs []provenance.Input
	for i, f := range e.files {
		if _, skipped := e.skipped[i]; skipped {
			continue
		}
		inputs = append(inputs, provenance.Input{Path: f.Path, SHA256: digests[i]})
	}
	var files []provenance.OutFile
	for _, of := range e.outFiles {
		o := provenance.OutFile{Rel: of.rel}
		switch of.format {
		case FormatJSONL:
			o.Format = provenance.FormatJSONL
			switch c, _ := jsonl.Detect(of.rel); c {
			case jsonl.Gzip:
				o.Compression = provenance.CompressionGzip
			case jsonl.Zstd:
				o.Compression = provenance.CompressionZstd
			}
		case FormatParquet:
			o.Format = provenance.FormatParquet
		case FormatArrow:
			o.Format = provenance.FormatArrow
		}
		for _, n := range of.fields {
			o.Fields = append(o.Fields, provenance.Field{Name: n, Type: provenance.TypeText})
		}
		files = append(files, o)
	}
	var rules []provenance.PolicyRule
	for _, r := range e.cfg.Policy.Rules {
		a := r.Action
		if a == "redact" {
			op := r.Operator
			if op == "" {
				op = OpMask
			}
			a += " (" + string(op) + ")"
		}
		rules = append(rules, provenance.PolicyRule{Kinds: r.Kinds, Action: a})
	}
	goVer, rev, modified := provenance.GoBuildInfo()
	t := e.report.Totals
	run := &provenance.Run{
		Mode: e.cfg.Mode.String(), ToolVersion: e.cfg.ToolVersion, VCSRevision: rev, VCSModified: modified, GoVersion: goVer,
		InvocationID: invocationID(), Start: e.stats.Start, End: e.stats.End,
		Args: e.cfg.Provenance.Args, Config: view,
		Internal: map[string]any{"workers": e.cfg.Workers, "batch_bytes": e.cfg.Read.BatchBytes, "in_flight": e.cfg.InFlight},
		Inputs:   inputs, Packs: e.cfg.Provenance.Packs, Files: files,
		Summary: provenance.Summary{
			Files: t.Files, RecordsIn: t.RecordsIn, Kept: t.Kept, Redacted: t.Redacted, Dropped: t.Dropped,
			FindingsByKind: e.report.FindingsByKind, RecordsByKind: e.report.RecordsByKind, DroppedByKind: e.report.DroppedByKind,
			Detectors: view.Detectors, Policy: rules,
		},
		SignKey: e.cfg.Provenance.SignKey, Workers: e.cfg.Workers,
	}
	if run.Args == nil {
		run.Args = []string{}
	}
	st, err := provenance.WriteProvenance(ctx, stage, run)
	if err == nil && e.checkSubjects != nil {
		err = e.checkSubjects(st)
	}
	return err
}

// configView is the run's configuration as the manifest records it (with
// defaults filled in); its digest pins a staged run's config.
func (e *engine) configView() configView {
	corpus := e.corpusIDs
	if corpus == nil {
		for _, c := range e.corpus {
			corpus = append(corpus, c.id())
		}
	}
	return configView{
		Mode: e.cfg.Mode.String(), Inputs: e.cfg.Inputs, Fields: e.cfg.Fields, Kinds: e.cfg.Kinds,
		FindingsFormat: e.cfg.FindingsFormat, ShowValues: e.cfg.ShowValues, OnError: e.cfg.OnError,
		Policy: *e.cfg.Policy, KeyID: keyID(e.cfg.Key), MaxRecordBytes: e.cfg.Read.MaxRecordBytes,
		Dedupe: newDedupeView(e.cfg.Dedupe), Detectors: e.detectorList(), DetectorOptions: e.cfg.Provenance.DetectorOptions,
		Corpus: corpus,
	}
}

// invocationID returns a random RFC 4122 version 4 UUID.
func invocationID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "00000000-0000-4000-8000-000000000000"
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:])
}
