package scanner

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/winnow-data/winnow/scanner/provenance"
)

// selectChanged narrows e.files to the files changed since a git revision
// (--since) or whose digest differs from an earlier manifest
// (--since-manifest). Unchanged files are listed as skipped.
func (e *engine) selectChanged() error {
	if e.cfg.Since == "" && e.cfg.SinceManifest == "" {
		return nil
	}
	keep := make([]bool, len(e.files))
	if e.cfg.Since != "" {
		changed, err := gitChanged(e.cfg.Since)
		if err != nil {
			return err
		}
		for i, f := range e.files {
			abs, err := filepath.Abs(f.Path)
			if err == nil {
				if real, err := filepath.EvalSymlinks(abs); err == nil {
					abs = real
				}
			}
			keep[i] = changed[abs]
		}
	}
	if e.cfg.SinceManifest != "" {
		st, _, err := provenance.ReadStatement(e.cfg.SinceManifest)
		if err != nil {
			return fmt.Errorf("--since-manifest: %w", err)
		}
		old := map[string]string{}
		for _, in := range st.Inputs() {
			old[in.Name] = in.Digest["sha256"]
		}
		ds, err := e.inputDigests()
		if err != nil {
			return err
		}
		for i, f := range e.files {
			if d, ok := old[f.Path]; !ok || d != ds[i] {
				keep[i] = true
			}
		}
	}
	// Unchanged files stay in the plan (their indexes and digests keep the
	// dedupe index's earlier records of them live) but are not read.
	for i := range e.files {
		if !keep[i] {
			e.skipped[i] = "unchanged"
		}
	}
	return nil
}

// gitChanged returns the absolute paths of files that differ between rev
// and the working tree, plus untracked files, in the repository containing
// the current directory.
func gitChanged(rev string) (map[string]bool, error) {
	top, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("--since %s: not in a git repository: %w", rev, err)
	}
	root := strings.TrimSpace(string(top))
	out := map[string]bool{}
	diff, err := git("diff", "--name-only", "-z", "--diff-filter=ACMRT", rev, "--")
	if err != nil {
		return nil, fmt.Errorf("--since %s: %w", rev, err)
	}
	untracked, err := git("ls-files", "--others", "--exclude-standard", "-z", "--full-name", ":/")
	if err != nil {
		return nil, fmt.Errorf("--since %s: %w", rev, err)
	}
	for _, list := range [][]byte{diff, untracked} {
		for _, p := range bytes.Split(list, []byte{0}) {
			if len(p) > 0 {
				abs := filepath.Join(root, filepath.FromSlash(string(p)))
				if real, err := filepath.EvalSymlinks(abs); err == nil {
					abs = real
				}
				out[abs] = true
			}
		}
	}
	return out, nil
}

func git(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// BaselineEntry is one accepted finding: the sha256 of the record's content
// (the ledger's record_hash), the kind and the finding's value_hash (empty
// for document-level findings). Keys survive file moves, row shifts and
// re-sharding because none of them is a position.
type BaselineEntry struct {
	RecordHash string `json:"record_hash"`
	Kind       string `json:"kind"`
	ValueHash  string `json:"value_hash"`
}

// Baseline is the content of a baseline file (`winnow baseline`).
type Baseline struct {
	Version int             `json:"version"`
	KeyID   string          `json:"key_id"`
	Entries []BaselineEntry `json:"entries"`
}

type baselineKey struct {
	rec  [32]byte
	kind string
	val  string
}

// LoadBaseline reads a baseline file.
func LoadBaseline(path string) (*Baseline, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	var bl Baseline
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bl); err != nil {
		return nil, fmt.Errorf("--baseline %s: %w", path, err)
	}
	if bl.Version != 1 {
		return nil, fmt.Errorf("--baseline %s: unsupported version %d", path, bl.Version)
	}
	return &bl, nil
}

func (bl *Baseline) index() (map[baselineKey]bool, error) {
	m := make(map[baselineKey]bool, len(bl.Entries))
	for i, e := range bl.Entries {
		var k baselineKey
		if n, err := hexDecode(k.rec[:], e.RecordHash); err != nil || n != 32 {
			return nil, fmt.Errorf("--baseline: entry %d: bad record_hash", i+1)
		}
		k.kind, k.val = e.Kind, e.ValueHash
		m[k] = true
	}
	return m, nil
}

// WriteBaseline writes the findings of an output directory (ledger +
// findings) as a baseline file, sorted and deduplicated.
func WriteBaseline(outDir, path string, key []byte) (int, error) {
	hashes := map[string]map[int64]string{} // file -> row -> record hash
	err := provenance.ReadLedger(filepath.Join(outDir, provenance.LedgerName), func(r *provenance.LedgerRow) error {
		m := hashes[r.File]
		if m == nil {
			m = map[int64]string{}
			hashes[r.File] = m
		}
		m[r.Row] = r.RecordHash
		return nil
	})
	if err != nil {
		return 0, err
	}
	rows, err := readFindingsDir(outDir)
	if err != nil {
		return 0, err
	}
	seen := map[BaselineEntry]bool{}
	bl := Baseline{Version: 1, KeyID: keyID(key), Entries: []BaselineEntry{}}
	for _, r := range rows {
		h, ok := hashes[r.File][r.Row]
		if !ok {
			return 0, fmt.Errorf("finding %s row %d has no ledger row", r.File, r.Row)
		}
		e := BaselineEntry{RecordHash: h, Kind: r.Kind, ValueHash: r.ValueHash}
		if !seen[e] {
			seen[e] = true
			bl.Entries = append(bl.Entries, e)
		}
	}
	sort.Slice(bl.Entries, func(i, j int) bool {
		a, b := bl.Entries[i], bl.Entries[j]
		if a.RecordHash != b.RecordHash {
			return a.RecordHash < b.RecordHash
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.ValueHash < b.ValueHash
	})
	js, err := json.MarshalIndent(bl, "", "  ")
	if err != nil {
		return 0, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(js, '\n'), 0o644); err != nil {
		return 0, err
	}
	return len(bl.Entries), os.Rename(tmp, path)
}

// readFindingsDir reads findings.jsonl or findings.parquet of an output dir.
func readFindingsDir(outDir string) ([]FindingRow, error) {
	if b, err := os.ReadFile(filepath.Join(outDir, "findings.jsonl")); err == nil {
		var rows []FindingRow
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var r FindingRow
			if err := dec.Decode(&r); err != nil {
				if errors.Is(err, io.EOF) {
					return rows, nil
				}
				return nil, fmt.Errorf("findings.jsonl: %w", err)
			}
			rows = append(rows, r)
		}
	}
	return readFindingsParquet(filepath.Join(outDir, "findings.parquet"))
}

func hexDecode(dst []byte, s string) (int, error) {
	if hex.DecodedLen(len(s)) != len(dst) {
		return 0, errors.New("bad length")
	}
	return hex.Decode(dst, []byte(s))
}
