package detectors

import "bytes"

// Hit is a Match together with the index of the detector that reported it in
// the Set's detector list.
type Hit struct {
	Match
	Det int32
}

// Set is a registry compiled for scanning: one cheap prefilter pass over each
// value decides which detectors run. A Set is immutable and safe for
// concurrent use; per-goroutine scratch space lives in a Scratch.
type Set struct {
	dets     []Detector
	always   []int32         // detectors without keywords
	keywords []string        // distinct lowercase keywords
	kwDets   [][]int32       // keyword index -> detectors that asked for it
	kinds    map[string]Kind // kind name -> Kind
	filter   func(kind string) bool
}

// Compile builds a Set from the registry. If only is non-nil, matches whose
// kind it rejects are discarded (used by --kinds).
func Compile(r *Registry, only func(kind string) bool) *Set {
	s := &Set{dets: r.Detectors(), kinds: map[string]Kind{}, filter: only}
	kwIndex := map[string]int{}
	for i, d := range s.dets {
		for _, k := range d.Kinds() {
			s.kinds[k.Name] = k
		}
		p, ok := d.(Prefiltered)
		if !ok || len(p.Keywords()) == 0 {
			s.always = append(s.always, int32(i))
			continue
		}
		for _, kw := range p.Keywords() {
			j, ok := kwIndex[kw]
			if !ok {
				j = len(s.keywords)
				kwIndex[kw] = j
				s.keywords = append(s.keywords, kw)
				s.kwDets = append(s.kwDets, nil)
			}
			s.kwDets[j] = append(s.kwDets[j], int32(i))
		}
	}
	return s
}

// Detectors returns the compiled detectors; Hit.Det indexes this slice.
func (s *Set) Detectors() []Detector { return s.dets }

// Kind returns the description of a kind reported by one of the detectors.
func (s *Set) Kind(name string) (Kind, bool) { k, ok := s.kinds[name]; return k, ok }

// Scratch is per-goroutine working memory for Set.Detect. The zero value is
// ready to use. A Scratch must not be shared between goroutines.
type Scratch struct {
	lower   []byte
	run     []bool
	matches []Match
}

// Detect runs the prefilter over text, then every detector it selects, and
// appends their matches to dst in detector order. text is not retained.
func (s *Set) Detect(dst []Hit, text []byte, sc *Scratch) []Hit {
	if cap(sc.run) < len(s.dets) {
		sc.run = make([]bool, len(s.dets))
	}
	run := sc.run[:len(s.dets)]
	clear(run)
	for _, i := range s.always {
		run[i] = true
	}
	if len(s.keywords) > 0 {
		sc.lower = appendLowerASCII(sc.lower[:0], text)
		for j, kw := range s.keywords {
			if bytes.Contains(sc.lower, []byte(kw)) {
				for _, i := range s.kwDets[j] {
					run[i] = true
				}
			}
		}
	}
	for i, d := range s.dets {
		if !run[i] {
			continue
		}
		sc.matches = d.Detect(sc.matches[:0], text)
		for _, m := range sc.matches {
			if s.filter != nil && !s.filter(m.Kind) {
				continue
			}
			dst = append(dst, Hit{Match: m, Det: int32(i)})
		}
	}
	return dst
}

func appendLowerASCII(dst, src []byte) []byte {
	n := len(dst)
	dst = append(dst, src...)
	b := dst[n:]
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return dst
}
