package dedupe

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The persistent index (--index DIR) lets a run deduplicate a new dataset
// version against earlier ones. Layout:
//
//	DIR/CURRENT                  "gen-NNNNNN\n": the live generation
//	DIR/gen-NNNNNN/meta.json     parameters, version labels, file table
//	DIR/gen-NNNNNN/exact-pRRRRR.wdd, band-pRRRRR.wdd   per partition
//	DIR/gen-NNNNNN/recs.wdd      record entries (sizes, keep scores, signatures)
//
// Index records carry node keys into the file table; each file row holds its
// dataset version, path and digest, so every record has provenance
// (version, file, row). Save writes a complete new generation next to the
// old one and then replaces CURRENT with a rename, so the update is atomic:
// a crash leaves the previous generation in force.
//
// Liveness. When a run opens the index, an index file stays live if the
// current version (Options.Files) has a file with the same path and, when
// both digests are known, the same digest. Records of other files (deleted
// or changed in the new version) stop counting: they match nothing and Save
// drops them. A record of this run with the same path, row and exact key as
// a live index record is the same record (its "twin"): it is never dropped,
// it keeps the earlier provenance and its earlier rank, and Save does not
// store it twice.
const (
	indexFormat  = "winnow-dedupe-index/1"
	currentName  = "CURRENT"
	metaName     = "meta.json"
	genPrefix    = "gen-"
	maxMetaBytes = 1 << 30
)

// ErrVersionExists reports a Version label that the persistent index
// already holds.
var ErrVersionExists = errors.New("dataset version already in the index")

type indexMeta struct {
	Format     string      `json:"format"`
	Params     string      `json:"params"`
	Normalize  bool        `json:"normalize"`
	NGram      int         `json:"ngram"`
	CharNGram  int         `json:"char_ngram"`
	Bands      int         `json:"bands"`
	Rows       int         `json:"rows"`
	Partitions int         `json:"partitions"`
	Versions   []string    `json:"versions"`
	Files      []indexFile `json:"files"`
	Records    int64       `json:"records"`
	Checksum   string      `json:"checksum"`
}

type indexFile struct {
	Version int    `json:"version"`
	Path    string `json:"path"`
	Digest  string `json:"digest,omitempty"`
	Records int64  `json:"records"`
}

func metaChecksum(m indexMeta) (string, error) {
	m.Checksum = ""
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%08x", crc32.Checksum(b, crcTable)), nil
}

func encodeMeta(m indexMeta) ([]byte, error) {
	sum, err := metaChecksum(m)
	if err != nil {
		return nil, err
	}
	m.Checksum = sum
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// decodeMeta parses and validates meta.json; name is used in errors.
func decodeMeta(name string, data []byte) (indexMeta, error) {
	var m indexMeta
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil {
		return m, corruptf(name, -1, "bad JSON: %v", err)
	}
	if m.Format != indexFormat {
		return m, corruptf(name, -1, "unknown format %q", m.Format)
	}
	sum, err := metaChecksum(m)
	if err != nil || sum != m.Checksum {
		return m, corruptf(name, -1, "checksum mismatch")
	}
	if _, err := strconv.ParseUint(m.Params, 16, 64); err != nil {
		return m, corruptf(name, -1, "bad params digest")
	}
	if len(m.Files) > MaxFiles {
		return m, corruptf(name, -1, "%d files exceed the limit", len(m.Files))
	}
	if m.Partitions < 1 || m.Partitions > 1<<16 {
		return m, corruptf(name, -1, "bad partition count %d", m.Partitions)
	}
	seen := map[string]bool{}
	for _, v := range m.Versions {
		if v == "" || seen[v] {
			return m, corruptf(name, -1, "empty or repeated version label")
		}
		seen[v] = true
	}
	var n int64
	for i, f := range m.Files {
		if f.Version < 0 || f.Version >= len(m.Versions) || f.Records < 0 {
			return m, corruptf(name, -1, "file %d: bad version or record count", i)
		}
		if i > 0 && f.Version < m.Files[i-1].Version {
			return m, corruptf(name, -1, "file %d: files not ordered by version", i)
		}
		n += f.Records
	}
	if n != m.Records {
		return m, corruptf(name, -1, "file record counts sum to %d, want %d", n, m.Records)
	}
	return m, nil
}

// Prior is an opened persistent index: the records of earlier dataset
// versions that a run is deduplicated against. It is read-only and safe for
// concurrent use once opened; the files it reads must not change while it
// is in use.
type Prior struct {
	root    string
	gen     string
	genNum  int
	meta    indexMeta
	params  uint64
	version string
	files   []FileRef
	cur     []int32 // per index file: the current file with the same path if live, else -1
	live    []bool
}

// matches reports an error unless o has the Version and Files p was opened
// with.
func (p *Prior) matches(o Options) error {
	if p.params != o.paramsDigest() {
		return fmt.Errorf("dedupe: prior index opened with other options: %w", ErrMismatch)
	}
	if p.version != o.Version || !slices.Equal(p.files, o.Files) {
		return fmt.Errorf("dedupe: prior index opened with another Version or Files: %w", ErrMismatch)
	}
	return nil
}

// PriorStats summarizes an opened persistent index.
type PriorStats struct {
	Versions    []string `json:"versions"`
	Files       int      `json:"files"`
	LiveFiles   int      `json:"live_files"`
	Records     int64    `json:"records"`
	LiveRecords int64    `json:"live_records"`
}

// OpenPrior opens the persistent index in dir for a run with opts, which
// must carry the new Version label and the new version's Files (see the
// liveness rules above). It returns an error wrapping fs.ErrNotExist if dir
// holds no index yet (start without one and Save to create it),
// ErrMismatch if the index was built with other fingerprint parameters or
// partition count, ErrVersionExists if opts.Version is already in it, and a
// *CorruptError for a damaged index.
func OpenPrior(dir string, opts Options) (*Prior, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	if o.Version == "" || len(o.Files) == 0 {
		return nil, errors.New("dedupe: a persistent index needs Options.Version and Options.Files")
	}
	gen, num, err := readCurrent(dir)
	if err != nil {
		return nil, err
	}
	name := filepath.Join(gen, metaName)
	data, err := readLimited(name)
	if err != nil {
		return nil, err
	}
	m, err := decodeMeta(name, data)
	if err != nil {
		return nil, err
	}
	want := o.paramsDigest()
	if m.Params != strconv.FormatUint(want, 16) {
		return nil, fmt.Errorf("dedupe: index %s was built with normalize=%t ngram=%d char_ngram=%d bands=%d rows=%d partitions=%d, run has normalize=%t ngram=%d char_ngram=%d bands=%d rows=%d partitions=%d: %w",
			dir, m.Normalize, m.NGram, m.CharNGram, m.Bands, m.Rows, m.Partitions,
			o.Normalize, o.NGram, o.CharNGram, o.Bands, o.Rows, o.Partitions, ErrMismatch)
	}
	if slices.Contains(m.Versions, o.Version) {
		return nil, fmt.Errorf("dedupe: index %s: version %q: %w", dir, o.Version, ErrVersionExists)
	}
	p := &Prior{root: dir, gen: gen, genNum: num, meta: m, params: want,
		version: o.Version, files: slices.Clone(o.Files),
		cur: make([]int32, len(m.Files)), live: make([]bool, len(m.Files))}
	byPath := make(map[string]int, len(o.Files))
	for i, f := range o.Files {
		if _, dup := byPath[f.Path]; !dup {
			byPath[f.Path] = i
		}
	}
	for i, f := range m.Files {
		p.cur[i] = -1
		c, ok := byPath[f.Path]
		if !ok {
			continue
		}
		if d := o.Files[c].Digest; d != "" && f.Digest != "" && d != f.Digest {
			continue
		}
		p.cur[i] = int32(c)
		p.live[i] = true
	}
	return p, nil
}

func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("dedupe: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMetaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("dedupe: read %s: %w", name, err)
	}
	if len(data) > maxMetaBytes {
		return nil, corruptf(name, -1, "larger than %d bytes", maxMetaBytes)
	}
	return data, nil
}

// readCurrent returns the live generation directory of the index in dir.
func readCurrent(dir string) (string, int, error) {
	name := filepath.Join(dir, currentName)
	data, err := os.ReadFile(name)
	if err != nil {
		return "", 0, fmt.Errorf("dedupe: persistent index: %w", err)
	}
	num, err := parseGen(strings.TrimSuffix(string(data), "\n"))
	if err != nil {
		return "", 0, corruptf(name, 0, "%v", err)
	}
	return filepath.Join(dir, genName(num)), num, nil
}

func genName(n int) string { return fmt.Sprintf("%s%06d", genPrefix, n) }

func parseGen(s string) (int, error) {
	rest, ok := strings.CutPrefix(s, genPrefix)
	if !ok || len(rest) != 6 {
		return 0, fmt.Errorf("bad generation name %q", s)
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad generation name %q", s)
	}
	return n, nil
}

// Stats summarizes the index: versions, files and records, and how many of
// them are live for the current run.
func (p *Prior) Stats() PriorStats {
	s := PriorStats{Versions: slices.Clone(p.meta.Versions), Files: len(p.meta.Files), Records: p.meta.Records}
	for i, f := range p.meta.Files {
		if p.live[i] {
			s.LiveFiles++
			s.LiveRecords += f.Records
		}
	}
	return s
}

// currentFile returns the current file index of live index file f, or -1.
func (p *Prior) currentFile(f int) int {
	if f < 0 || f >= len(p.cur) {
		return -1
	}
	return int(p.cur[f])
}

// provenance returns where index record node came from.
func (p *Prior) provenance(node uint64) Provenance {
	f := p.meta.Files[nodeFile(node)]
	return Provenance{Version: p.meta.Versions[f.Version], File: f.Path, Row: nodeRow(node)}
}

// liveFilter returns a filter keeping entries of live files, reading the
// node at byte offset off; nodes outside the file table are corruption.
func (p *Prior) liveFilter(name string, off int) func([]byte) (bool, error) {
	return func(e []byte) (bool, error) {
		n := binary.BigEndian.Uint64(e[off:])
		f := nodeFile(n)
		if nodeCurrent(n) || f >= len(p.live) {
			return false, corruptf(name, -1, "record (%d, %d) outside the index file table", f, nodeRow(n))
		}
		return p.live[f], nil
	}
}

func (p *Prior) open(base string, kind fileKind, r, partitions int, set *openSet) (source, error) {
	name := filepath.Join(p.gen, base)
	br, err := set.open(name, kind, p.params, r, partitions)
	if err != nil {
		return nil, err
	}
	want := headerFor(kind, r, partitions, p.params, recSize(p.meta.Bands*p.meta.Rows))
	if br.hdr.entrySize != want.entrySize || br.hdr.keyLen != want.keyLen {
		return nil, corruptf(name, 12, "entry size %d, want %d", br.hdr.entrySize, want.entrySize)
	}
	off := 0
	switch kind {
	case kindExact:
		off = 16
	case kindBand:
		off = 8
	}
	return &filterSource{src: br, keep: p.liveFilter(name, off)}, nil
}

// partitionSources returns the live exact and band entries of partition r.
func (p *Prior) partitionSources(r int, set *openSet) (source, source, error) {
	ex, err := p.open(fmt.Sprintf("exact-p%05d.wdd", r), kindExact, r, p.meta.Partitions, set)
	if err != nil {
		return nil, nil, err
	}
	bd, err := p.open(fmt.Sprintf("band-p%05d.wdd", r), kindBand, r, p.meta.Partitions, set)
	if err != nil {
		return nil, nil, err
	}
	return ex, bd, nil
}

// recSource returns the live record entries.
func (p *Prior) recSource(set *openSet) (source, error) {
	return p.open("recs.wdd", kindRec, 0, 1, set)
}

// saveInput describes a Save.
type saveInput struct {
	dir      string
	opts     Options
	params   uint64
	rsize    int
	prior    *Prior
	current  func(kind fileKind, r int, set *openSet) ([]source, error)
	excluded []uint64 // current nodes not to store (dropped, or twins), sorted
}

// saveIndex writes a new generation holding the live index records and this
// run's stored records, then switches CURRENT to it.
func saveIndex(in saveInput) error {
	o := in.opts
	if o.Version == "" || len(o.Files) == 0 {
		return errors.New("dedupe: Save needs Options.Version and Options.Files")
	}
	if err := os.MkdirAll(in.dir, 0o755); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	oldGen, oldNum, err := readCurrent(in.dir)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	switch {
	case exists && in.prior == nil:
		return fmt.Errorf("dedupe: %s already holds an index; open it with OpenPrior to update it: %w", in.dir, ErrState)
	case exists && oldGen != in.prior.gen:
		if filepath.Clean(in.prior.root) == filepath.Clean(in.dir) {
			return fmt.Errorf("dedupe: index %s changed since it was opened: %w", in.dir, ErrState)
		}
		return fmt.Errorf("dedupe: %s holds another index: %w", in.dir, ErrState)
	}

	// New file table: live index files in order, then this version's.
	var m indexMeta
	var newIdx []int32
	if p := in.prior; p != nil {
		newIdx = make([]int32, len(p.meta.Files))
		vmap := make([]int, len(p.meta.Versions))
		for i := range vmap {
			vmap[i] = -1
		}
		for f, file := range p.meta.Files {
			newIdx[f] = -1
			if !p.live[f] {
				continue
			}
			if vmap[file.Version] < 0 {
				vmap[file.Version] = len(m.Versions)
				m.Versions = append(m.Versions, p.meta.Versions[file.Version])
			}
			newIdx[f] = int32(len(m.Files))
			m.Files = append(m.Files, indexFile{Version: vmap[file.Version], Path: file.Path, Digest: file.Digest})
		}
	}
	base := len(m.Files)
	if base+len(o.Files) > MaxFiles {
		return fmt.Errorf("dedupe: index would hold %d files: %w", base+len(o.Files), ErrRange)
	}
	m.Versions = append(m.Versions, o.Version)
	for _, f := range o.Files {
		m.Files = append(m.Files, indexFile{Version: len(m.Versions) - 1, Path: f.Path, Digest: f.Digest})
	}
	remap := func(n uint64) uint64 {
		if nodeCurrent(n) {
			return priorNodeOf(base+nodeFile(n), nodeRow(n))
		}
		return priorNodeOf(int(newIdx[nodeFile(n)]), nodeRow(n))
	}
	keepCurrent := func(off int) func([]byte) (bool, error) {
		return func(e []byte) (bool, error) {
			_, found := slices.BinarySearch(in.excluded, binary.BigEndian.Uint64(e[off:]))
			return !found, nil
		}
	}

	tmp, err := os.MkdirTemp(in.dir, ".gen-tmp-*")
	if err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	defer os.RemoveAll(tmp)
	var set openSet
	defer set.closeAll()
	write := func(kind fileKind, r, partitions int, base string, off int) error {
		srcs, err := in.current(kind, r, &set)
		if err != nil {
			return err
		}
		for i, s := range srcs {
			srcs[i] = &filterSource{src: s, keep: keepCurrent(off)}
		}
		if in.prior != nil {
			ps, err := in.prior.open(base, kind, r, partitions, &set)
			if err != nil {
				return err
			}
			srcs = append(srcs, ps)
		}
		h := headerFor(kind, r, partitions, in.params, in.rsize)
		mg, err := newMerger(srcs, int(h.keyLen))
		if err != nil {
			return err
		}
		w, err := createBlockFile(filepath.Join(tmp, base), h, true)
		if err != nil {
			return err
		}
		buf := make([]byte, h.entrySize)
		for {
			e, err := mg.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				copy(buf, e)
				n := remap(binary.BigEndian.Uint64(e[off:]))
				binary.BigEndian.PutUint64(buf[off:], n)
				if kind == kindRec {
					m.Files[nodeFile(n)].Records++
					m.Records++
				}
				err = w.add(buf)
			}
			if err != nil {
				w.abort()
				return err
			}
		}
		set.closeAll()
		return w.commit()
	}
	for r := range o.Partitions {
		if err := write(kindExact, r, o.Partitions, fmt.Sprintf("exact-p%05d.wdd", r), 16); err != nil {
			return err
		}
		if err := write(kindBand, r, o.Partitions, fmt.Sprintf("band-p%05d.wdd", r), 8); err != nil {
			return err
		}
	}
	if err := write(kindRec, 0, 1, "recs.wdd", 0); err != nil {
		return err
	}
	m.Format = indexFormat
	m.Params = strconv.FormatUint(in.params, 16)
	m.Normalize, m.NGram, m.CharNGram, m.Bands, m.Rows, m.Partitions = o.Normalize, o.NGram, o.CharNGram, o.Bands, o.Rows, o.Partitions
	data, err := encodeMeta(m)
	if err != nil {
		return fmt.Errorf("dedupe: encode index metadata: %w", err)
	}
	if err := writeFileSync(filepath.Join(tmp, metaName), data); err != nil {
		return err
	}
	newGen := filepath.Join(in.dir, genName(oldNum+1))
	if err := os.RemoveAll(newGen); err != nil { // left over by a crash before CURRENT moved
		return fmt.Errorf("dedupe: %w", err)
	}
	if err := os.Rename(tmp, newGen); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	if err := writeAtomic(filepath.Join(in.dir, currentName), []byte(genName(oldNum+1)+"\n")); err != nil {
		return err
	}
	if exists {
		os.RemoveAll(oldGen)
	}
	return nil
}

func writeFileSync(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("dedupe: write %s: %w", name, err)
	}
	return nil
}

// writeAtomic replaces name with data via a synced temporary file and a
// rename, then syncs the directory.
func writeAtomic(name string, data []byte) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("dedupe: write %s: %w", name, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// excludedNodes returns the sorted current nodes Save must not store: the
// dropped records and the twins of index records.
func excludedNodes(res *Result) []uint64 {
	out := make([]uint64, 0, len(res.Dups)+len(res.twins))
	for _, d := range res.Dups {
		n, _ := nodeOf(d.ID)
		out = append(out, n)
	}
	out = append(out, res.twins...)
	slices.Sort(out)
	return out
}
