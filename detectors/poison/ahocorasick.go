package poison

import (
	"bytes"
	"fmt"
	"sort"
)

// acAuto is an Aho–Corasick automaton compiled to a dense DFA over byte
// columns. ASCII uppercase letters share the column of their lowercase form,
// and ASCII control bytes other than whitespace leave the state unchanged,
// so the automaton finds lowercase anchors in raw ASCII text the way the
// normalizer would see them. States are numbered so that those with output
// come last, and transitions store the target's row offset, so the inner
// loop is one table load and one compare per byte. It is immutable and safe
// for concurrent use.
type acAuto struct {
	col      [256]uint32
	ncol     int
	delta    []uint32 // row offset of state s (s*ncol) + column -> row offset of next state
	firstOut uint32   // row offset of the first state with output
	outOff   []int32  // anchors ending at state s: outList[outOff[s]:outOff[s+1]]
	outList  []int32
	maxLen   int // longest anchor, in bytes
}

const acSkip = 1 // column of ignored control bytes; column 0 is "any other byte"

// acHit is an anchor occurrence ending at End (exclusive).
type acHit struct {
	End    int32
	Anchor int32
}

func newAC(anchors []string) (*acAuto, error) {
	a := &acAuto{}
	// Columns: 0 other, 1 skip, then every byte used by an anchor.
	next := uint32(2)
	for _, s := range anchors {
		a.maxLen = max(a.maxLen, len(s))
		if s == "" {
			return nil, fmt.Errorf("empty anchor")
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' {
				return nil, fmt.Errorf("anchor %q is not lowercase", s)
			}
			if c == ' ' || c < 0x20 || c == 0x7F {
				return nil, fmt.Errorf("anchor %q holds whitespace or a control byte", s)
			}
			if a.col[c] == 0 {
				a.col[c] = next
				next++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		a.col[c] = a.col[c+32]
	}
	for c := 0; c < 0x20; c++ {
		if c < '\t' || c > '\r' {
			a.col[c] = acSkip
		}
	}
	a.col[0x7F] = acSkip
	a.ncol = int(next)

	// Trie.
	type node struct {
		child map[uint32]int
		fail  int
		out   []int32
	}
	nodes := []node{{child: map[uint32]int{}}}
	for id, s := range anchors {
		n := 0
		for i := 0; i < len(s); i++ {
			c := a.col[s[i]]
			m, ok := nodes[n].child[c]
			if !ok {
				m = len(nodes)
				nodes = append(nodes, node{child: map[uint32]int{}})
				nodes[n].child[c] = m
			}
			n = m
		}
		nodes[n].out = append(nodes[n].out, int32(id))
	}
	// BFS: failure links, outputs, and transitions by node number.
	trans := make([]int32, len(nodes)*a.ncol)
	queue := []int{}
	for c := 0; c < a.ncol; c++ {
		if m, ok := nodes[0].child[uint32(c)]; ok && c != acSkip {
			trans[c] = int32(m)
			queue = append(queue, m)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		nodes[n].out = append(nodes[n].out, nodes[nodes[n].fail].out...)
		for c := 0; c < a.ncol; c++ {
			idx := n*a.ncol + c
			if c == acSkip {
				trans[idx] = int32(n)
				continue
			}
			if m, ok := nodes[n].child[uint32(c)]; ok {
				nodes[m].fail = int(trans[nodes[n].fail*a.ncol+c])
				trans[idx] = int32(m)
				queue = append(queue, m)
			} else {
				trans[idx] = trans[nodes[n].fail*a.ncol+c]
			}
		}
	}
	// Renumber: the root first, states without output, then with output.
	order := make([]int, 0, len(nodes))
	for pass := 0; pass < 2; pass++ {
		for i := range nodes {
			if (len(nodes[i].out) > 0) == (pass == 1) {
				order = append(order, i)
			}
		}
	}
	if len(order) == 0 || order[0] != 0 {
		return nil, fmt.Errorf("root state has output")
	}
	num := make([]int, len(nodes))
	a.firstOut = uint32(len(nodes) * a.ncol)
	for newID, old := range order {
		num[old] = newID
		if len(nodes[old].out) > 0 && uint32(newID*a.ncol) < a.firstOut {
			a.firstOut = uint32(newID * a.ncol)
		}
	}
	if uint64(len(nodes))*uint64(a.ncol) > 1<<31 {
		return nil, fmt.Errorf("automaton too large")
	}
	a.delta = make([]uint32, len(nodes)*a.ncol)
	a.outOff = make([]int32, len(nodes)+1)
	for newID, old := range order {
		for c := 0; c < a.ncol; c++ {
			a.delta[newID*a.ncol+c] = uint32(num[trans[old*a.ncol+c]] * a.ncol)
		}
		out := nodes[old].out
		sort.Slice(out, func(x, y int) bool { return out[x] < out[y] })
		a.outList = append(a.outList, out...)
		a.outOff[newID+1] = int32(len(a.outList))
	}
	return a, nil
}

// scan appends every anchor occurrence in text[from:] to hits (not
// necessarily in order). Long texts are scanned as two interleaved halves
// so the two dependent load chains overlap.
func (a *acAuto) scan(hits []acHit, text []byte, from int) []acHit {
	if n := len(text) - from; n >= 512 {
		return a.scan2(hits, text, from)
	}
	return a.scan1(hits, text, from)
}

func (a *acAuto) scan1(hits []acHit, text []byte, from int) []acHit {
	s := uint32(0)
	delta, col, firstOut := a.delta, &a.col, a.firstOut
	for i := from; i < len(text); i++ {
		s = delta[s+col[text[i]]]
		if s >= firstOut {
			hits = a.emit(hits, s, i)
		}
	}
	return hits
}

// scan2 runs two automata over text[from:mid] and text[mid-overlap:] in
// one loop. The second half's hits ending at or before mid are the first
// half's and are dropped.
func (a *acAuto) scan2(hits []acHit, text []byte, from int) []acHit {
	mid := from + (len(text)-from)/2
	j0 := max(from, mid-a.maxLen+1)
	t1, t2 := text[from:mid], text[j0:]
	delta, col, firstOut := a.delta, &a.col, a.firstOut
	s1, s2 := uint32(0), uint32(0)
	n := len(t1)
	for i := 0; i < n; i++ {
		s1 = delta[s1+col[t1[i]]]
		s2 = delta[s2+col[t2[i]]]
		if s1 >= firstOut {
			hits = a.emit(hits, s1, from+i)
		}
		if s2 >= firstOut && j0+i+1 > mid {
			hits = a.emit(hits, s2, j0+i)
		}
	}
	for i := n; i < len(t2); i++ {
		s2 = delta[s2+col[t2[i]]]
		if s2 >= firstOut && j0+i+1 > mid {
			hits = a.emit(hits, s2, j0+i)
		}
	}
	// An anchor spread by skipped control bytes may start before j0 and end
	// after mid: carry the first automaton on until it has read maxLen
	// bytes that are not skipped. Hits found twice are harmless.
	for i, k := mid, 0; i < len(text) && k < a.maxLen; i++ {
		c := col[text[i]]
		if c != acSkip {
			k++
		}
		s1 = delta[s1+c]
		if s1 >= firstOut {
			hits = a.emit(hits, s1, i)
		}
	}
	return hits
}

func (a *acAuto) emit(hits []acHit, row uint32, i int) []acHit {
	st := row / uint32(a.ncol)
	for _, id := range a.outList[a.outOff[st]:a.outOff[st+1]] {
		hits = append(hits, acHit{End: int32(i + 1), Anchor: id})
	}
	return hits
}

// firstBytes returns the distinct bytes that move the automaton out of the
// root state (anchor first bytes and their uppercase forms).
func (a *acAuto) firstBytes() []byte {
	var bs []byte
	for c := 0; c < 256; c++ {
		if a.delta[a.col[c]] != 0 {
			bs = append(bs, byte(c))
		}
	}
	return bs
}

// scanSparse is scan for automata whose anchors start with one of a few
// bytes (starts, at most 4): from the root state it jumps with
// bytes.IndexByte to the next start byte.
func (a *acAuto) scanSparse(hits []acHit, text []byte, starts []byte) []acHit {
	var next [4]int
	for k := range starts {
		next[k] = -1 // not yet searched
	}
	s := uint32(0)
	for i := 0; i < len(text); i++ {
		if s == 0 {
			j := len(text)
			for k, c := range starts {
				if next[k] < i {
					if n := bytes.IndexByte(text[i:], c); n >= 0 {
						next[k] = i + n
					} else {
						next[k] = len(text)
					}
				}
				j = min(j, next[k])
			}
			if j >= len(text) {
				return hits
			}
			i = j
		}
		s = a.delta[s+a.col[text[i]]]
		if s >= a.firstOut {
			hits = a.emit(hits, s, i)
		}
	}
	return hits
}
