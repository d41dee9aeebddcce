package dedupe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// A sharded run (DESIGN §7) splits Index.Resolve into steps that separate
// processes run over a shared directory DIR:
//
//	map i/N     Index.WriteBandPartitions(DIR, i) after adding shard i's records:
//	            DIR/map/exact-pRRRRR-sSSSSS.wdd, DIR/map/band-pRRRRR-sSSSSS.wdd
//	            for every partition R, and DIR/map/recs-sSSSSS.wdd
//	reduce r/R  Plan.ReduceEdges(ctx, r): reads partition r of every shard and
//	            of the persistent index, writes DIR/reduce/edges-pRRRRR.wdd and
//	            DIR/reduce/nodes-pRRRRR.wdd
//	resolve     Plan.ResolveClusters(ctx): reads all edges, nodes and records
//	            and returns the Result; Plan.SaveIndex then updates --index.
//
// Every file is written to a temporary name, synced and renamed, and its
// bytes depend only on its inputs, so re-running a step is harmless. The
// steps neither write completion markers nor wait for each other: the
// engine runs a step only after all files of the previous one exist. The
// Result equals that of one Index holding every record, for any number of
// shards and any assignment of records to shards.

func mapName(kind fileKind, r, shard int) string {
	if kind == kindRec {
		return fmt.Sprintf("recs-s%05d.wdd", shard)
	}
	return fmt.Sprintf("%v-p%05d-s%05d.wdd", kind, r, shard)
}

// WriteBandPartitions writes the index's entries, merged and sorted, as the
// map output of shard into dir/map (created if needed). It may be called
// before or instead of Resolve, not after Close.
func (idx *Index) WriteBandPartitions(dir string, shard int) error {
	if idx.closed {
		return fmt.Errorf("dedupe: WriteBandPartitions after Close: %w", ErrState)
	}
	if idx.err != nil {
		return idx.err
	}
	if shard < 0 {
		return fmt.Errorf("dedupe: negative shard %d", shard)
	}
	out := filepath.Join(dir, "map")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	idx.freeze()
	write := func(kind fileKind, r int) error {
		var set openSet
		defer set.closeAll()
		srcs, err := idx.sources(kind, r, &set)
		if err != nil {
			return err
		}
		h := idx.header(kind, r)
		h.shard = uint32(shard)
		m, err := newMerger(srcs, int(h.keyLen))
		if err != nil {
			return err
		}
		return writeAll(filepath.Join(out, mapName(kind, r, shard)), h, m, true)
	}
	for r := range idx.opts.Partitions {
		if err := write(kindExact, r); err != nil {
			return err
		}
		if err := write(kindBand, r); err != nil {
			return err
		}
	}
	return write(kindRec, 0)
}

// Plan describes the reduce and resolve steps of a sharded run. Options
// must equal the options every map task used (Version and Files too when a
// persistent index is involved); Prior is the opened persistent index, or
// nil. A Plan holds no state: its methods may run in different processes.
type Plan struct {
	Dir     string
	Shards  int
	Options Options
	Prior   *Prior
}

func (p Plan) check() (Options, error) {
	o, err := p.Options.resolved()
	if err != nil {
		return o, err
	}
	if p.Shards < 1 {
		return o, fmt.Errorf("dedupe: plan needs at least one shard, have %d", p.Shards)
	}
	if p.Prior != nil {
		if err := p.Prior.matches(o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// mapSources opens the map files of kind and partition r of every shard.
func (p Plan) mapSources(o Options, kind fileKind, r int, set *openSet) ([]source, error) {
	params := o.paramsDigest()
	parts, part := o.Partitions, r
	if kind == kindRec {
		parts, part = 1, 0
	}
	want := headerFor(kind, r, o.Partitions, params, recSize(o.hashes()))
	var srcs []source
	for s := range p.Shards {
		name := filepath.Join(p.Dir, "map", mapName(kind, r, s))
		br, err := set.open(name, kind, params, part, parts)
		if err != nil {
			return nil, err
		}
		if br.hdr.entrySize != want.entrySize || br.hdr.keyLen != want.keyLen {
			return nil, corruptf(name, 12, "entry size %d, want %d", br.hdr.entrySize, want.entrySize)
		}
		srcs = append(srcs, br)
	}
	return srcs, nil
}

func reduceNames(dir string, r int) (edges, nodes string) {
	d := filepath.Join(dir, "reduce")
	return filepath.Join(d, fmt.Sprintf("edges-p%05d.wdd", r)), filepath.Join(d, fmt.Sprintf("nodes-p%05d.wdd", r))
}

// ReduceEdges runs reduce task r: it merges partition r of every shard's
// map output (and of the persistent index) and writes the partition's
// candidate edges and candidate records to Dir/reduce. A missing, corrupt
// or mismatched input file is an error naming the file.
func (p Plan) ReduceEdges(ctx context.Context, r int) error {
	o, err := p.check()
	if err != nil {
		return err
	}
	if r < 0 || r >= o.Partitions {
		return fmt.Errorf("dedupe: partition %d out of range [0, %d)", r, o.Partitions)
	}
	if err := os.MkdirAll(filepath.Join(p.Dir, "reduce"), 0o755); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	var set openSet
	defer set.closeAll()
	ex, err := p.mapSources(o, kindExact, r, &set)
	if err != nil {
		return err
	}
	bd, err := p.mapSources(o, kindBand, r, &set)
	if err != nil {
		return err
	}
	if p.Prior != nil {
		pe, pb, err := p.Prior.partitionSources(r, &set)
		if err != nil {
			return err
		}
		ex, bd = append(ex, pe), append(bd, pb)
	}
	edges, nodes := reduceNames(p.Dir, r)
	_, err = reducePartition(ctx, ex, bd, reduceTarget{
		edges: edges, nodes: nodes, partition: r, partitions: o.Partitions,
		params: o.paramsDigest(), sync: true,
	})
	return err
}

// ResolveClusters runs the resolve step over the output of every reduce
// task and every shard's records, and returns the duplicates. Temporary
// sort runs go to Options.TempDir and are removed.
func (p Plan) ResolveClusters(ctx context.Context) (*Result, error) {
	o, err := p.check()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(o.TempDir, "winnow-dedupe-resolve-*")
	if err != nil {
		return nil, fmt.Errorf("dedupe: %w", err)
	}
	defer os.RemoveAll(tmp)
	in := resolveInput{opts: o, params: o.paramsDigest(), prior: p.Prior, tmpDir: tmp}
	for r := range o.Partitions {
		e, n := reduceNames(p.Dir, r)
		in.edges = append(in.edges, e)
		in.nodes = append(in.nodes, n)
	}
	var set openSet
	defer set.closeAll()
	if in.recs, err = p.mapSources(o, kindRec, 0, &set); err != nil {
		return nil, err
	}
	if p.Prior != nil {
		pr, err := p.Prior.recSource(&set)
		if err != nil {
			return nil, err
		}
		in.recs = append(in.recs, pr)
	}
	return resolveCore(ctx, in)
}

// SaveIndex writes the persistent index for the next version from the map
// output and res (as returned by ResolveClusters); see Index.Save.
func (p Plan) SaveIndex(res *Result, dir string) error {
	if res == nil {
		return errors.New("dedupe: SaveIndex needs the Result of ResolveClusters")
	}
	return p.SaveIndexExcluding(res.Excluded(), dir)
}

// Excluded returns the sorted record nodes a saved index must not store
// (dropped records and twins of index records): what SaveIndexExcluding
// needs from the resolve step, 8 bytes per entry. The caller owns the slice.
func (r *Result) Excluded() []uint64 { return excludedNodes(r) }

// SaveIndexExcluding is SaveIndex for a process other than the one that ran
// ResolveClusters: excluded is that Result's Excluded().
func (p Plan) SaveIndexExcluding(excluded []uint64, dir string) error {
	o, err := p.check()
	if err != nil {
		return err
	}
	if !slices.IsSorted(excluded) {
		return errors.New("dedupe: SaveIndexExcluding needs the sorted nodes of Result.Excluded")
	}
	return saveIndex(saveInput{
		dir: dir, opts: o, params: o.paramsDigest(), rsize: recSize(o.hashes()), prior: p.Prior,
		current: func(kind fileKind, r int, set *openSet) ([]source, error) {
			return p.mapSources(o, kind, r, set)
		},
		excluded: excluded,
	})
}
