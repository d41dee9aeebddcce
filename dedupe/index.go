package dedupe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// Index collects the sketches of one run (or one shard of a run) and
// resolves them into duplicates.
//
// Add buffers, per record, one exact entry (24 bytes), one entry per band
// (16 bytes each) and one record entry (41 bytes + one byte per MinHash
// value): 401 bytes with the defaults. When the buffers reach half of
// Options.MemBytes (slice growth can double them), they are sorted and
// spilled as one run of checksummed files per partition, so Add's memory
// stays within MemBytes; on disk a record costs the same 401 bytes.
//
// An Index is not safe for concurrent use: call Add from one goroutine, in
// any order (the engine uses plan order). Sketches may be computed
// concurrently by separate Fingerprinters.
type Index struct {
	opts       Options
	params     uint64
	k          int
	rsize      int
	exact      [][]exactEntry
	band       [][]bandEntry
	recs       []byte
	recsSorted bool
	tmpExact   []exactEntry // radix sort scratch
	tmpBand    []bandEntry
	lastNode   uint64
	used       int64
	runs       []spillRun
	tmp        string
	prior      *Prior
	added      int64
	res        *Result
	err        error // sticky: a failed spill leaves the index unusable
	closed     bool
}

type spillRun struct {
	exact, band []string // per partition; "" if empty
	recs        string
}

// New returns an empty Index for opts (defaults applied).
func New(opts Options) (*Index, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	return &Index{
		opts:       o,
		params:     o.paramsDigest(),
		k:          o.hashes(),
		rsize:      recSize(o.hashes()),
		exact:      make([][]exactEntry, o.Partitions),
		band:       make([][]bandEntry, o.Partitions),
		recsSorted: true,
	}, nil
}

// Options returns the index's options with defaults filled in.
func (idx *Index) Options() Options { return idx.opts }

// NewFingerprinter returns a Fingerprinter with the index's options.
func (idx *Index) NewFingerprinter() *Fingerprinter {
	return newFingerprinter(idx.opts)
}

// UsePrior makes the run incremental: records are also matched against the
// persistent index p (see OpenPrior). Call it before Resolve. p must have
// been opened with this index's options (including Version and Files).
func (idx *Index) UsePrior(p *Prior) error {
	if idx.res != nil {
		return fmt.Errorf("dedupe: UsePrior after Resolve: %w", ErrState)
	}
	if err := p.matches(idx.opts); err != nil {
		return err
	}
	idx.prior = p
	return nil
}

// Add records one record's sketch. id is its plan position, sketch comes
// from a Fingerprinter with the same options (Add copies what it needs;
// the caller may reuse the slice), size is the text length in bytes (for
// KeepLongest and bytes-removed statistics) and keep is its keep-policy
// score (for KeepMax; pass 0 otherwise).
//
// Add returns ErrBadSketch, ErrRange, ErrState (after Resolve) or an I/O
// error from spilling. Adding the same id twice is detected by Resolve
// (ErrDuplicateRecord).
func (idx *Index) Add(id RecordID, sketch []byte, size int64, keep float64) error {
	if idx.res != nil || idx.closed {
		return fmt.Errorf("dedupe: Add after Resolve or Close: %w", ErrState)
	}
	if idx.err != nil {
		return idx.err
	}
	o := &idx.opts
	if len(sketch) != sketchHeader+8*o.Bands+idx.k || sketch[0] != sketchVersion {
		return fmt.Errorf("dedupe: record (%d, %d): %w", id.File, id.Row, ErrBadSketch)
	}
	node, err := nodeOf(id)
	if err != nil {
		return err
	}
	hi := binary.LittleEndian.Uint64(sketch[2:])
	lo := binary.LittleEndian.Uint64(sketch[10:])
	p := partitionOf(hi, o.Partitions)
	idx.exact[p] = append(idx.exact[p], exactEntry{hi, lo, node})
	hasSig := sketch[1]&flagSig != 0
	bands := sketch[sketchHeader : sketchHeader+8*o.Bands]
	if hasSig {
		for b := range o.Bands {
			key := binary.LittleEndian.Uint64(bands[8*b:])
			p := partitionOf(key, o.Partitions)
			idx.band[p] = append(idx.band[p], bandEntry{key, node})
		}
		idx.used += int64(o.Bands) * bandSize
	}
	n := len(idx.recs)
	idx.recs = slices.Grow(idx.recs, idx.rsize)[:n+idx.rsize]
	putRec(idx.recs[n:], node, size, keep, Key{hi, lo}, hasSig, sketch[sketchHeader+8*o.Bands:])
	if node < idx.lastNode {
		idx.recsSorted = false
	}
	idx.lastNode = node
	idx.added++
	idx.used += exactSize + int64(idx.rsize)
	if idx.used >= o.MemBytes/2 {
		if err := idx.spill(); err != nil {
			idx.err = fmt.Errorf("dedupe: spill failed, index unusable: %w", err)
			return idx.err
		}
	}
	return nil
}

// tempDir creates the index's private temporary directory on first use.
func (idx *Index) tempDir() (string, error) {
	if idx.tmp == "" {
		d, err := os.MkdirTemp(idx.opts.TempDir, "winnow-dedupe-*")
		if err != nil {
			return "", fmt.Errorf("dedupe: %w", err)
		}
		idx.tmp = d
	}
	return idx.tmp, nil
}

// freeze sorts the in-memory buffers.
func (idx *Index) freeze() {
	for r := range idx.exact {
		idx.tmpExact = sortExactInto(idx.exact[r], idx.tmpExact)
		idx.tmpBand = sortBandInto(idx.band[r], idx.tmpBand)
	}
	idx.tmpExact, idx.tmpBand = nil, nil
	if !idx.recsSorted {
		sort.Sort(&slabSorter{slab: idx.recs, size: idx.rsize, keyLen: 8, tmp: make([]byte, idx.rsize)})
		idx.recsSorted = true
	}
}

// spill writes the buffers as one sorted run and empties them.
func (idx *Index) spill() error {
	dir, err := idx.tempDir()
	if err != nil {
		return err
	}
	idx.freeze()
	run := spillRun{exact: make([]string, idx.opts.Partitions), band: make([]string, idx.opts.Partitions)}
	seq := len(idx.runs)
	for r := range idx.exact {
		if len(idx.exact[r]) > 0 {
			run.exact[r] = filepath.Join(dir, fmt.Sprintf("run%05d-exact-p%05d.wdd", seq, r))
			if err := writeAll(run.exact[r], idx.header(kindExact, r), &exactSource{ents: idx.exact[r]}, false); err != nil {
				return err
			}
		}
		if len(idx.band[r]) > 0 {
			run.band[r] = filepath.Join(dir, fmt.Sprintf("run%05d-band-p%05d.wdd", seq, r))
			if err := writeAll(run.band[r], idx.header(kindBand, r), &bandSource{ents: idx.band[r]}, false); err != nil {
				return err
			}
		}
		idx.exact[r] = idx.exact[r][:0]
		idx.band[r] = idx.band[r][:0]
	}
	run.recs = filepath.Join(dir, fmt.Sprintf("run%05d-recs.wdd", seq))
	if err := writeAll(run.recs, idx.header(kindRec, 0), &slabSource{slab: idx.recs, size: idx.rsize}, false); err != nil {
		return err
	}
	idx.recs = idx.recs[:0]
	idx.lastNode = 0
	idx.used = 0
	idx.runs = append(idx.runs, run)
	return nil
}

// header returns the file header for kind and partition r.
func (idx *Index) header(kind fileKind, r int) fileHeader {
	return headerFor(kind, r, idx.opts.Partitions, idx.params, idx.rsize)
}

func headerFor(kind fileKind, r, partitions int, params uint64, rsize int) fileHeader {
	h := fileHeader{kind: kind, flags: flagSorted, partition: uint32(r), partitions: uint32(partitions), params: params}
	switch kind {
	case kindExact:
		h.entrySize, h.keyLen = exactSize, exactSize
		h.flags |= flagUnique
	case kindBand:
		h.entrySize, h.keyLen = bandSize, bandSize
		h.flags |= flagUnique
	case kindRec:
		h.entrySize, h.keyLen = uint32(rsize), 8
		h.flags |= flagUnique
		h.partition, h.partitions = 0, 1
	}
	return h
}

// writeAll writes every entry of src to a new block file.
func writeAll(name string, h fileHeader, src source, sync bool) error {
	w, err := createBlockFile(name, h, sync)
	if err != nil {
		return err
	}
	for {
		e, err := src.next()
		if errors.Is(err, io.EOF) {
			return w.commit()
		}
		if err == nil {
			err = w.add(e)
		}
		if err != nil {
			w.abort()
			return err
		}
	}
}

// openSet tracks readers to close.
type openSet []*blockReader

func (s *openSet) open(name string, kind fileKind, params uint64, r, partitions int) (*blockReader, error) {
	br, err := openBlockFile(name, kind)
	if err != nil {
		return nil, err
	}
	*s = append(*s, br)
	if err := br.checkParams(params, r, partitions); err != nil {
		return nil, err
	}
	return br, nil
}

func (s *openSet) closeAll() {
	for _, r := range *s {
		r.close()
	}
	*s = nil
}

// sources returns the sorted sources of this index's entries of kind for
// partition r (for kindRec, r is ignored): spilled runs, then memory.
func (idx *Index) sources(kind fileKind, r int, set *openSet) ([]source, error) {
	var srcs []source
	for _, run := range idx.runs {
		name, part := run.recs, 0
		switch kind {
		case kindExact:
			name, part = run.exact[r], r
		case kindBand:
			name, part = run.band[r], r
		}
		if name == "" {
			continue
		}
		parts := idx.opts.Partitions
		if kind == kindRec {
			parts = 1
		}
		br, err := set.open(name, kind, idx.params, part, parts)
		if err != nil {
			return nil, err
		}
		if int(br.hdr.entrySize) != int(headerFor(kind, 0, 1, 0, idx.rsize).entrySize) {
			return nil, corruptf(name, 12, "entry size %d", br.hdr.entrySize)
		}
		srcs = append(srcs, br)
	}
	switch kind {
	case kindExact:
		srcs = append(srcs, &exactSource{ents: idx.exact[r]})
	case kindBand:
		srcs = append(srcs, &bandSource{ents: idx.band[r]})
	case kindRec:
		srcs = append(srcs, &slabSource{slab: idx.recs, size: idx.rsize})
	}
	return srcs, nil
}

// Resolve reduces everything added (and the persistent index, if any) into
// the records to drop. It may be called more than once and returns the same
// Result; Add is not allowed afterwards. The Result is read-only.
func (idx *Index) Resolve(ctx context.Context) (*Result, error) {
	if idx.res != nil {
		return idx.res, nil
	}
	if idx.closed {
		return nil, fmt.Errorf("dedupe: Resolve after Close: %w", ErrState)
	}
	if idx.err != nil {
		return nil, idx.err
	}
	idx.freeze()
	tmp, err := idx.tempDir()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(tmp, "resolve-*")
	if err != nil {
		return nil, fmt.Errorf("dedupe: %w", err)
	}
	defer os.RemoveAll(work)
	var opened openSet
	defer opened.closeAll()
	R := idx.opts.Partitions
	in := resolveInput{opts: idx.opts, params: idx.params, prior: idx.prior, tmpDir: work}
	for r := range R {
		ex, err := idx.sources(kindExact, r, &opened)
		if err != nil {
			return nil, err
		}
		bd, err := idx.sources(kindBand, r, &opened)
		if err != nil {
			return nil, err
		}
		if idx.prior != nil {
			pe, pb, err := idx.prior.partitionSources(r, &opened)
			if err != nil {
				return nil, err
			}
			ex, bd = append(ex, pe), append(bd, pb)
		}
		t := reduceTarget{
			edges:     filepath.Join(work, fmt.Sprintf("edges-p%05d.wdd", r)),
			nodes:     filepath.Join(work, fmt.Sprintf("nodes-p%05d.wdd", r)),
			partition: r, partitions: R, params: idx.params,
		}
		if _, err := reducePartition(ctx, ex, bd, t); err != nil {
			return nil, err
		}
		opened.closeAll()
		in.edges = append(in.edges, t.edges)
		in.nodes = append(in.nodes, t.nodes)
	}
	recs, err := idx.sources(kindRec, 0, &opened)
	if err != nil {
		return nil, err
	}
	if idx.prior != nil {
		pr, err := idx.prior.recSource(&opened)
		if err != nil {
			return nil, err
		}
		recs = append(recs, pr)
	}
	in.recs = recs
	res, err := resolveCore(ctx, in)
	if err != nil {
		return nil, err
	}
	idx.res = res
	return res, nil
}

// Save writes the persistent index for the next dataset version into dir
// (--index): the live records of the index opened with UsePrior, plus every
// record of this run that Resolve did not drop, each with its provenance
// (Options.Version, Options.Files path, row). It must follow Resolve and
// precede Close. dir may be the directory the prior index was opened from
// (updated in place, atomically: see the persistent index layout) or a new
// directory; Save refuses to overwrite an unrelated index.
func (idx *Index) Save(dir string) error {
	if idx.res == nil || idx.closed {
		return fmt.Errorf("dedupe: Save needs Resolve first and must precede Close: %w", ErrState)
	}
	return saveIndex(saveInput{
		dir: dir, opts: idx.opts, params: idx.params, rsize: idx.rsize, prior: idx.prior,
		current: idx.sources, excluded: excludedNodes(idx.res),
	})
}

// Close removes the index's temporary files. The Result stays valid.
func (idx *Index) Close() error {
	idx.closed = true
	idx.exact, idx.band, idx.recs = nil, nil, nil
	if idx.tmp == "" {
		return nil
	}
	err := os.RemoveAll(idx.tmp)
	idx.tmp = ""
	return err
}
