package scanner

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/winnow-data/winnow/detectors"
)

// SplitViewConfig enables split-view poisoning detection (Carlini et al.
// 2023): a record whose URL served different content in an earlier run.
type SplitViewConfig struct {
	// URLField names the field holding the record's source URL, e.g. "$.url"
	// or "url" (--url-field). Empty disables the check and the history.
	URLField string `json:"url_field,omitempty"`
	// History is an earlier run's url-hashes.jsonl, or its output directory
	// (--url-history). Without it, the run only writes its own history.
	History string `json:"history,omitempty"`
}

// URLHistoryName is the output file mapping each URL to the sha256 of the
// content the run saw for it, one JSON object per line in plan order.
const URLHistoryName = "url-hashes.jsonl"

// URLHash is one line of url-hashes.jsonl.
type URLHash struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

// SplitViewKinds are the kinds the split-view stage reports.
var SplitViewKinds = []detectors.Kind{
	{Name: "poison.split_view", Description: "URL whose content differs from what an earlier run saw (split-view poisoning)", Severity: detectors.SeverityHigh},
}

type splitViewStage struct {
	field   []byte
	history map[string][sha256.Size]byte
	hits    []corpusHit
	out     *bufio.Writer
	outFile *os.File
	stage   string
	line    []byte
}

func newSplitViewStage(cfg SplitViewConfig, stage string) (*splitViewStage, error) {
	s := &splitViewStage{field: []byte(cfg.URLField), stage: stage}
	if cfg.History != "" {
		p := cfg.History
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, URLHistoryName)
		}
		h, err := loadURLHistory(p)
		if err != nil {
			return nil, fmt.Errorf("--url-history: %w", err)
		}
		s.history = h
	}
	f, err := os.Create(filepath.Join(stage, URLHistoryName))
	if err != nil {
		return nil, err
	}
	s.outFile, s.out = f, bufio.NewWriterSize(f, 1<<20)
	return s, nil
}

func loadURLHistory(path string) (map[string][sha256.Size]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string][sha256.Size]byte{}
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for line := 1; ; line++ {
		var u URLHash
		if err := dec.Decode(&u); err != nil {
			if errors.Is(err, io.EOF) {
				return m, nil
			}
			return nil, fmt.Errorf("%s: entry %d: %w", path, line, err)
		}
		var h [sha256.Size]byte
		if n, err := hex.Decode(h[:], []byte(u.SHA256)); err != nil || n != sha256.Size {
			return nil, fmt.Errorf("%s: entry %d: bad sha256", path, line)
		}
		m[u.URL] = h
	}
}

func (s *splitViewStage) id() string              { return "poison.split_view" }
func (s *splitViewStage) kinds() []detectors.Kind { return SplitViewKinds }

// The sketch is the URL, a zero byte and the sha256 of the other scanned
// values; records without the URL field produce an empty sketch.
func (s *splitViewStage) newSketcher() sketchFunc {
	h := sha256.New()
	return func(dst []byte, rec *recordView) []byte {
		var url []byte
		h.Reset()
		for _, f := range rec.fields {
			if url == nil && matchKeepField(f.Name, s.field) {
				url = f.Value
				continue
			}
			h.Write(f.Name)
			h.Write([]byte{0})
			h.Write(f.Value)
			h.Write([]byte{0})
		}
		if url == nil {
			return dst
		}
		dst = append(append(dst, url...), 0)
		return h.Sum(dst)
	}
}

func (s *splitViewStage) observe(ref detectors.RecordRef, sketch []byte) error {
	if len(sketch) < sha256.Size+1 {
		return nil
	}
	url := sketch[:len(sketch)-sha256.Size-1]
	var sum [sha256.Size]byte
	copy(sum[:], sketch[len(sketch)-sha256.Size:])
	if old, ok := s.history[string(url)]; ok && old != sum {
		s.hits = append(s.hits, corpusHit{rec: ref, corpusFinding: corpusFinding{
			row: ref.Row, kind: "poison.split_view", detector: "poison.split_view", confidence: 1,
			detail: "content differs from the earlier run's (sha256 " + hex.EncodeToString(old[:8]) + "… now " + hex.EncodeToString(sum[:8]) + "…)",
		}})
	}
	line, _ := json.Marshal(URLHash{URL: string(url), SHA256: hex.EncodeToString(sum[:])})
	s.out.Write(line)
	return s.out.WriteByte('\n')
}

func (s *splitViewStage) reduce() ([]corpusHit, error) {
	if err := s.out.Flush(); err != nil {
		return nil, err
	}
	return s.hits, s.outFile.Close()
}

func (s *splitViewStage) report() any {
	if s.history == nil {
		return nil
	}
	return map[string]int{"history_urls": len(s.history), "changed": len(s.hits)}
}
