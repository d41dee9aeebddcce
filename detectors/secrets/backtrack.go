package secrets

import (
	"errors"
	"regexp/syntax"
	"sync"
	"unicode/utf8"
)

// submatcher finds the submatch positions of an anchored regexp without
// allocating, which regexp.Regexp cannot do (every Find*Index call returns a
// new slice). It runs a bit-state backtracker over the program that
// regexp.Compile itself builds (Perl flags, simplified), exploring
// alternatives in priority order, so the first match it finds is the
// leftmost-first match Go's regexp reports. The equivalence tests check it
// against regexp.FindAllSubmatchIndex.
//
// The visited set (program counter × input position) is laid out position
// by position and cleared lazily as the search reaches further positions,
// so a failed attempt costs only what it scanned.
type submatcher struct {
	prog  *syntax.Prog
	ncap  int
	names []string  // capture group names, by group index
	ascii []byteSet // per instruction: the ASCII bytes a rune instruction matches
}

// maxCaps bounds the capture slots of a rule expression (groups × 2).
const maxCaps = 8

func newSubmatcher(expr string) (*submatcher, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	n := 2 * (re.MaxCap() + 1)
	if n > maxCaps {
		return nil, errTooManyGroups
	}
	m := &submatcher{prog: prog, ncap: n, names: re.CapNames(), ascii: make([]byteSet, len(prog.Inst))}
	for pc := range prog.Inst {
		inst := &prog.Inst[pc]
		for c := 0; c < utf8.RuneSelf; c++ {
			var ok bool
			switch inst.Op {
			case syntax.InstRune, syntax.InstRune1:
				ok = inst.MatchRune(rune(c))
			case syntax.InstRuneAny:
				ok = true
			case syntax.InstRuneAnyNotNL:
				ok = c != '\n'
			}
			if ok {
				m.ascii[pc].add(byte(c))
			}
		}
	}
	return m, nil
}

var errTooManyGroups = errors.New("too many capture groups")

// btJob is a backtracking point: resume at pc/pos, or (capture) restore
// caps[slot] to pos.
type btJob struct {
	pc      uint32
	capture bool
	slot    int32
	pos     int
}

type btScratch struct {
	visited []uint64
	jobs    []btJob
}

var btPool = sync.Pool{New: func() any { return new(btScratch) }}

// match runs the program anchored at w[0] and fills caps (len ncap) with
// the submatch positions of the first match in priority order.
func (m *submatcher) match(w []byte, caps []int) bool {
	st := btPool.Get().(*btScratch)
	ok, jobs := m.run(st, w, caps)
	st.jobs = jobs[:0]
	btPool.Put(st)
	return ok
}

func (m *submatcher) run(st *btScratch, w []byte, caps []int) (bool, []btJob) {
	ninst := len(m.prog.Inst)
	words := (ninst*(len(w)+1) + 63) / 64
	if cap(st.visited) < words {
		st.visited = make([]uint64, words)
	}
	visited := st.visited[:words]
	cleared := 0 // bits below this (a multiple of 64) are cleared
	for i := range caps {
		caps[i] = -1
	}
	// Group 0 is not in the program: it spans from the anchor to the match.
	caps[0] = 0
	jobs := append(st.jobs[:0], btJob{pc: uint32(m.prog.Start)})
	for len(jobs) > 0 {
		j := jobs[len(jobs)-1]
		jobs = jobs[:len(jobs)-1]
		if j.capture {
			caps[j.slot] = j.pos
			continue
		}
		pc, pos := j.pc, j.pos
	step:
		for {
			k := pos*ninst + int(pc)
			if k >= cleared {
				next := (k>>6 + 1) << 6
				clear(visited[cleared>>6 : next>>6])
				cleared = next
			}
			if visited[k>>6]&(1<<(k&63)) != 0 {
				break
			}
			visited[k>>6] |= 1 << (k & 63)
			inst := &m.prog.Inst[pc]
			switch inst.Op {
			case syntax.InstFail:
				break step
			case syntax.InstAlt, syntax.InstAltMatch:
				jobs = append(jobs, btJob{pc: inst.Arg, pos: pos})
				pc = inst.Out
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
				if pos >= len(w) {
					break step
				}
				if c := w[pos]; c < utf8.RuneSelf {
					if !m.ascii[pc].has(c) {
						break step
					}
					pos++
					pc = inst.Out
					continue
				}
				r, size := utf8.DecodeRune(w[pos:])
				switch inst.Op {
				case syntax.InstRuneAny:
				case syntax.InstRuneAnyNotNL:
					if r == '\n' {
						break step
					}
				default:
					if !inst.MatchRune(r) {
						break step
					}
				}
				pos += size
				pc = inst.Out
			case syntax.InstCapture:
				if int(inst.Arg) < len(caps) {
					jobs = append(jobs, btJob{capture: true, slot: int32(inst.Arg), pos: caps[inst.Arg]})
					caps[inst.Arg] = pos
				}
				pc = inst.Out
			case syntax.InstEmptyWidth:
				before, after := rune(-1), rune(-1)
				if pos > 0 {
					before, _ = utf8.DecodeLastRune(w[:pos])
				}
				if pos < len(w) {
					after, _ = utf8.DecodeRune(w[pos:])
				}
				if syntax.EmptyOp(inst.Arg)&^syntax.EmptyOpContext(before, after) != 0 {
					break step
				}
				pc = inst.Out
			case syntax.InstNop:
				pc = inst.Out
			case syntax.InstMatch:
				caps[1] = pos
				return true, jobs
			default:
				break step
			}
		}
	}
	return false, jobs
}
