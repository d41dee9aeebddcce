package scanner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/winnow-data/winnow/scanner/provenance"
)

const (
	tmpName     = ".winnow-tmp"
	stagingName = ".winnow-staging"
	markerName  = ".winnow"
	markerText  = "written by winnow; safe to replace with a new run\n"
)

// outputs owns the output directory. Everything is written under
// OUT/.winnow-staging and moved into place by commit, so an interrupted run
// never leaves a file in OUT that looks complete.
type outputs struct {
	root      string
	stage     string
	mode      Mode
	findName  string
	findFile  *os.File
	findBuf   *bufio.Writer
	fw        findingsWriter
	ledFile   *os.File
	ledBuf    *bufio.Writer
	ledger    *provenance.LedgerWriter
	committed bool
}

// checkOutDir refuses an output directory that exists and was not
// written by winnow (it must be absent, empty, or carry the marker).
func checkOutDir(root string) error {
	if st, err := os.Stat(root); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("--out %s: exists and is not a directory", root)
		}
		ents, err := os.ReadDir(root)
		if err != nil {
			return fmt.Errorf("--out %s: %w", root, err)
		}
		if len(ents) > 0 {
			if _, err := os.Stat(filepath.Join(root, markerName)); err != nil {
				return fmt.Errorf("--out %s: directory is not empty and was not written by winnow; choose a new or empty directory", root)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--out %s: %w", root, err)
	}
	return nil
}

func openOutputs(root string, mode Mode, findingsFormat string) (*outputs, error) {
	if err := checkOutDir(root); err != nil {
		return nil, err
	}
	o := &outputs{root: root, stage: filepath.Join(root, stagingName), mode: mode}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, markerName), []byte(markerText), 0o644); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	if err := os.RemoveAll(o.tmpDir()); err != nil {
		return nil, fmt.Errorf("--out: removing stale temporary directory: %w", err)
	}
	if err := os.RemoveAll(o.stage); err != nil {
		return nil, fmt.Errorf("--out: removing stale staging directory: %w", err)
	}
	if err := os.MkdirAll(o.stage, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	if err := os.MkdirAll(o.tmpDir(), 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	o.findName = "findings." + findingsFormat
	f, err := os.Create(filepath.Join(o.stage, o.findName))
	if err != nil {
		return nil, err
	}
	o.findFile = f
	o.findBuf = bufio.NewWriterSize(f, 1<<20)
	o.fw, err = newFindingsWriter(findingsFormat, o.findBuf)
	if err != nil {
		f.Close()
		return nil, err
	}
	lf, err := os.Create(filepath.Join(o.stage, provenance.LedgerName))
	if err != nil {
		f.Close()
		return nil, err
	}
	o.ledFile, o.ledBuf = lf, bufio.NewWriterSize(lf, 1<<20)
	o.ledger = provenance.NewLedgerWriter(o.ledBuf)
	return o, nil
}

func (o *outputs) writeFindings(rows []FindingRow) error {
	if len(rows) == 0 {
		return nil
	}
	if err := o.fw.Write(rows); err != nil {
		return fmt.Errorf("writing %s: %w", o.findName, err)
	}
	return nil
}

// StagePath returns the staging path for an output file relative to OUT.
func (o *outputs) stagePath(rel string) string {
	return filepath.Join(o.stage, filepath.FromSlash(rel))
}

// writeFile writes a whole small output file (report, manifest) to the stage.
func (o *outputs) writeFile(rel string, data []byte) error {
	p := o.stagePath(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// commit finishes the findings, writes report.json and moves every staged
// entry into OUT, replacing the previous run's.
func (o *outputs) commit(rep *Report, extraFn, provenanceFn func(stage string) error) error {
	if err := o.closeFindings(); err != nil {
		return err
	}
	if err := o.closeLedger(); err != nil {
		return err
	}
	js, err := rep.MarshalIndent()
	if err != nil {
		return err
	}
	if err := o.writeFile("report.json", js); err != nil {
		return err
	}
	if o.mode == ModeClean {
		// data/ always exists in clean mode, even if every record was dropped.
		if err := os.MkdirAll(filepath.Join(o.stage, "data"), 0o755); err != nil {
			return err
		}
	}
	if extraFn != nil {
		if err := extraFn(o.stage); err != nil {
			return err
		}
	}
	if provenanceFn != nil {
		if err := provenanceFn(o.stage); err != nil {
			return fmt.Errorf("writing provenance: %w", err)
		}
	}
	ents, err := os.ReadDir(o.stage)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	// Remove the previous run's managed outputs, then move the new ones in.
	for _, old := range []string{"data", "quarantine", "findings.parquet", "findings.jsonl", "report.json",
		"ledger.parquet", "manifest.intoto.json", "manifest.intoto.dsse.json", "croissant.json", URLHistoryName, "report.html", "report.sarif", "report.junit.xml"} {
		if err := os.RemoveAll(filepath.Join(o.root, old)); err != nil {
			return fmt.Errorf("replacing %s: %w", old, err)
		}
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(o.stage, n), filepath.Join(o.root, n)); err != nil {
			return fmt.Errorf("publishing %s: %w", n, err)
		}
	}
	o.committed = true
	os.RemoveAll(o.tmpDir())
	return os.RemoveAll(o.stage)
}

// tmpDir is scratch space for spill files (dedupe), removed with the run.
func (o *outputs) tmpDir() string { return filepath.Join(o.root, tmpName) }

func (o *outputs) closeLedger() error {
	if o.ledger == nil {
		return nil
	}
	err := o.ledger.Close()
	if ferr := o.ledBuf.Flush(); err == nil {
		err = ferr
	}
	if cerr := o.ledFile.Close(); err == nil {
		err = cerr
	}
	o.ledger = nil
	if err != nil {
		return fmt.Errorf("writing ledger: %w", err)
	}
	return nil
}

func (o *outputs) closeFindings() error {
	if o.fw == nil {
		return nil
	}
	err := o.fw.Close()
	if ferr := o.findBuf.Flush(); err == nil {
		err = ferr
	}
	if cerr := o.findFile.Close(); err == nil {
		err = cerr
	}
	o.fw = nil
	if err != nil {
		return fmt.Errorf("writing %s: %w", o.findName, err)
	}
	return nil
}

// abort removes the staging directory unless the run committed.
func (o *outputs) abort() {
	if o.committed {
		return
	}
	if o.fw != nil {
		o.findFile.Close()
		o.fw = nil
	}
	if o.ledger != nil {
		o.ledFile.Close()
		o.ledger = nil
	}
	os.RemoveAll(o.stage)
	os.RemoveAll(o.tmpDir())
}

// fileSinks are the staged outputs of one input file.
type fileSinks struct {
	o       *outputs
	rel     string
	data    *os.File
	dataBuf *bufio.Writer
	quar    *os.File
	quarBuf *bufio.Writer
	quarRel string
	dataRel string
}

func (o *outputs) fileSinks(rel string) (*fileSinks, error) {
	s := &fileSinks{o: o, rel: rel, dataRel: "data/" + rel}
	p := o.stagePath(s.dataRel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	s.data, s.dataBuf = f, bufio.NewWriterSize(f, 1<<20)
	return s, nil
}

func (s *fileSinks) sinks() recordsSinks {
	return recordsSinks{Data: s.dataBuf, Quarantine: s.openQuarantine}
}

func (s *fileSinks) openQuarantine() (io.Writer, error) {
	if s.quarBuf != nil {
		return s.quarBuf, nil
	}
	s.quarRel = "quarantine/" + s.rel
	p := s.o.stagePath(s.quarRel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	s.quar, s.quarBuf = f, bufio.NewWriterSize(f, 1<<20)
	return s.quarBuf, nil
}

// publish flushes and closes the file's outputs and returns their paths
// relative to OUT ("" for no quarantine).
func (s *fileSinks) publish() (data, quar string, err error) {
	for _, p := range []struct {
		f *os.File
		b *bufio.Writer
	}{{s.data, s.dataBuf}, {s.quar, s.quarBuf}} {
		if p.f == nil {
			continue
		}
		if e := p.b.Flush(); e != nil && err == nil {
			err = e
		}
		if e := p.f.Close(); e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("writing outputs of %s: %w", s.rel, err)
	}
	return s.dataRel, s.quarRel, nil
}

// discard closes and deletes the file's staged outputs.
func (s *fileSinks) discard() {
	for _, f := range []*os.File{s.data, s.quar} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}
