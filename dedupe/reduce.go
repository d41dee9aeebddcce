package dedupe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// reduceTarget says where reducePartition writes and what the headers carry.
type reduceTarget struct {
	edges, nodes string
	partition    int
	partitions   int
	params       uint64
	sync         bool
}

// reducePartition merges the sorted exact and band entries of one partition
// and writes its candidate edges and the sorted, de-duplicated list of nodes
// that have an edge.
//
// Entries sharing a key form a group; a group of g records yields the g−1
// edges (first, other) where first is the group's smallest node. The edge
// file is in emission order (groups in key order, members in node order), so
// its bytes depend only on the merged entries. It returns the number of
// edges written.
func reducePartition(ctx context.Context, exactSrcs, bandSrcs []source, t reduceTarget) (int64, error) {
	ew, err := createBlockFile(t.edges, fileHeader{
		kind: kindEdge, entrySize: edgeSize, partition: uint32(t.partition),
		partitions: uint32(t.partitions), params: t.params,
	}, t.sync)
	if err != nil {
		return 0, err
	}
	g := grouper{ctx: ctx, w: ew}
	err = g.run(exactSrcs, exactSize, 16)
	if err == nil {
		err = g.run(bandSrcs, bandSize, 8)
	}
	if err != nil {
		ew.abort()
		return 0, err
	}
	if err := ew.commit(); err != nil {
		return 0, err
	}
	slices.Sort(g.nodes)
	g.nodes = slices.Compact(g.nodes)
	nw, err := createBlockFile(t.nodes, fileHeader{
		kind: kindNode, flags: flagSorted | flagUnique, entrySize: nodeSize, keyLen: nodeSize,
		partition: uint32(t.partition), partitions: uint32(t.partitions), params: t.params,
	}, t.sync)
	if err != nil {
		return 0, err
	}
	var b [8]byte
	for _, n := range g.nodes {
		binary.BigEndian.PutUint64(b[:], n)
		if err := nw.add(b[:]); err != nil {
			nw.abort()
			return 0, err
		}
	}
	return g.edges, nw.commit()
}

type grouper struct {
	ctx   context.Context
	w     *blockWriter
	nodes []uint64
	edges int64
	buf   [edgeSize]byte
}

// run merges srcs (entries of size bytes: a groupLen-byte key, then a node)
// and emits the edges of every group.
func (g *grouper) run(srcs []source, size, groupLen int) error {
	m, err := newMerger(srcs, size)
	if err != nil {
		return err
	}
	var key [16]byte
	var first, prev uint64
	members := 0
	for i := 0; ; i++ {
		if i&0xffff == 0 {
			if err := g.ctx.Err(); err != nil {
				return err
			}
		}
		e, err := m.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		node := binary.BigEndian.Uint64(e[groupLen:])
		if members > 0 && string(e[:groupLen]) == string(key[:groupLen]) {
			if node == prev {
				return fmt.Errorf("dedupe: record (%d, %d): %w", nodeFile(node), nodeRow(node), ErrDuplicateRecord)
			}
			if members == 1 {
				g.nodes = append(g.nodes, first)
			}
			g.nodes = append(g.nodes, node)
			binary.BigEndian.PutUint64(g.buf[0:], first)
			binary.BigEndian.PutUint64(g.buf[8:], node)
			if err := g.w.add(g.buf[:]); err != nil {
				return err
			}
			g.edges++
			members++
			prev = node
			continue
		}
		copy(key[:], e[:groupLen])
		first, prev = node, node
		members = 1
	}
}
