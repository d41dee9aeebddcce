package secrets

import (
	"fmt"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// This file analyses rule regexps structurally (regexp/syntax trees) so that
// keyword-windowed matching can be proved equivalent to a whole-value scan:
// a bounded maximum match length fixes the window, the absence of
// assertions makes a match independent of bytes outside it, and the byte sets
// of the fixed-width leading positions give a cheap necessary precheck.

// byteSet is a set of byte values.
type byteSet [4]uint64

func (b *byteSet) add(c byte)      { b[c>>6] |= 1 << (c & 63) }
func (b *byteSet) has(c byte) bool { return b[c>>6]&(1<<(c&63)) != 0 }
func (b *byteSet) union(o byteSet) { b[0] |= o[0]; b[1] |= o[1]; b[2] |= o[2]; b[3] |= o[3] }
func (b *byteSet) addRange(lo, hi int) {
	for c := lo; c <= hi && c < 256; c++ {
		b.add(byte(c))
	}
}

func parse(expr string) (*syntax.Regexp, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return re, nil
}

// hasAssertion reports whether re contains a zero-width assertion (^ $ \A
// \z \b \B), which would make a match depend on bytes outside it.
func hasAssertion(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	for _, s := range re.Sub {
		if hasAssertion(s) {
			return true
		}
	}
	return false
}

// runeWidths returns the fewest and most input bytes one step matching a
// rune of the given set consumes. Go's regexp engine reads an invalid byte
// as U+FFFD of width 1.
func runeWidths(lo, hi rune) (int, int) {
	mn := utf8.RuneLen(lo)
	if lo <= utf8.RuneError && utf8.RuneError <= hi {
		mn = 1
	}
	if mn < 0 {
		mn = 1
	}
	mx := utf8.RuneLen(hi)
	if mx < 0 {
		mx = 4
	}
	return mn, mx
}

// foldOrbit returns r and every rune that case-folds to it.
func foldOrbit(r rune) []rune {
	out := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f)
	}
	return out
}

// widths returns the fewest and most bytes re can match; max is -1 when
// unbounded.
func widths(re *syntax.Regexp) (int, int) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0, 0
	case syntax.OpLiteral:
		mn, mx := 0, 0
		for _, r := range re.Rune {
			rs := []rune{r}
			if re.Flags&syntax.FoldCase != 0 {
				rs = foldOrbit(r)
			}
			a, b := 4, 0
			for _, x := range rs {
				w := utf8.RuneLen(x)
				a, b = min(a, w), max(b, w)
			}
			mn, mx = mn+a, mx+b
		}
		return mn, mx
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return 0, 0
		}
		mn, _ := runeWidths(re.Rune[0], re.Rune[0])
		_, mx := runeWidths(re.Rune[len(re.Rune)-1], re.Rune[len(re.Rune)-1])
		for i := 0; i < len(re.Rune); i += 2 {
			a, _ := runeWidths(re.Rune[i], re.Rune[i+1])
			mn = min(mn, a)
		}
		return mn, mx
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return 1, 4
	case syntax.OpCapture:
		return widths(re.Sub[0])
	case syntax.OpStar:
		return 0, -1
	case syntax.OpPlus:
		mn, _ := widths(re.Sub[0])
		return mn, -1
	case syntax.OpQuest:
		_, mx := widths(re.Sub[0])
		return 0, mx
	case syntax.OpRepeat:
		mn, mx := widths(re.Sub[0])
		if re.Max < 0 || mx < 0 {
			return mn * re.Min, -1
		}
		return mn * re.Min, mx * re.Max
	case syntax.OpConcat:
		mn, mx := 0, 0
		for _, s := range re.Sub {
			a, b := widths(s)
			mn += a
			if b < 0 || mx < 0 {
				mx = -1
			} else {
				mx += b
			}
		}
		return mn, mx
	case syntax.OpAlternate:
		mn, mx := -1, 0
		for _, s := range re.Sub {
			a, b := widths(s)
			if mn < 0 || a < mn {
				mn = a
			}
			if b < 0 || mx < 0 {
				mx = -1
			} else {
				mx = max(mx, b)
			}
		}
		return max(mn, 0), mx
	}
	return 0, -1
}

// maxPositionSets bounds the precheck length.
const maxPositionSets = 64

// positionSets returns, for the leading positions every match of re must
// have at fixed offsets, the set of bytes allowed there; complete reports
// whether re matches exactly len(sets) ASCII bytes (so a following element
// continues at a known offset).
func positionSets(re *syntax.Regexp) (sets []byteSet, complete bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return nil, true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			rs := []rune{r}
			if re.Flags&syntax.FoldCase != 0 {
				rs = foldOrbit(r)
			}
			var b byteSet
			for _, x := range rs {
				if x >= utf8.RuneSelf {
					return sets, false
				}
				b.add(byte(x))
			}
			sets = append(sets, b)
		}
		return sets, true
	case syntax.OpCharClass:
		var b byteSet
		for i := 0; i < len(re.Rune); i += 2 {
			if re.Rune[i+1] >= utf8.RuneSelf {
				return nil, false
			}
			b.addRange(int(re.Rune[i]), int(re.Rune[i+1]))
		}
		return []byteSet{b}, true
	case syntax.OpCapture:
		return positionSets(re.Sub[0])
	case syntax.OpPlus:
		s, _ := positionSets(re.Sub[0])
		return s, false
	case syntax.OpRepeat:
		s, ok := positionSets(re.Sub[0])
		if !ok {
			if re.Min > 0 {
				return s, false
			}
			return nil, false
		}
		for i := 0; i < re.Min && len(sets) < maxPositionSets; i++ {
			sets = append(sets, s...)
		}
		return sets, ok && re.Min == re.Max
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, ok := positionSets(sub)
			sets = append(sets, s...)
			if !ok || len(sets) >= maxPositionSets {
				return sets, false
			}
		}
		return sets, true
	case syntax.OpAlternate:
		var alts [][]byteSet
		complete = true
		n := -1
		for _, sub := range re.Sub {
			s, ok := positionSets(sub)
			alts = append(alts, s)
			if n < 0 || len(s) < n {
				n = len(s)
			}
			if !ok {
				complete = false
			}
		}
		for _, a := range alts {
			if len(a) != n {
				complete = false
			}
		}
		sets = make([]byteSet, n)
		for _, a := range alts {
			for i := 0; i < n; i++ {
				sets[i].union(a[i])
			}
		}
		return sets, complete
	}
	return nil, false
}

// classSet returns the bytes that can begin a match of a one-rune class
// expression such as `[^A-Za-z0-9]`, reading each byte as the engine would
// when it is followed by ASCII: itself if ASCII, else U+FFFD.
func classSet(expr string) (byteSet, error) {
	re, err := parse(expr)
	if err != nil {
		return byteSet{}, err
	}
	in := func(r rune) bool {
		switch re.Op {
		case syntax.OpCharClass:
			for i := 0; i < len(re.Rune); i += 2 {
				if re.Rune[i] <= r && r <= re.Rune[i+1] {
					return true
				}
			}
			return false
		case syntax.OpLiteral:
			return len(re.Rune) == 1 && re.Rune[0] == r
		case syntax.OpAnyChar:
			return true
		case syntax.OpAnyCharNotNL:
			return r != '\n'
		}
		return false
	}
	switch re.Op {
	case syntax.OpCharClass, syntax.OpLiteral, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
	default:
		return byteSet{}, fmt.Errorf("boundary %q is not a single character class", expr)
	}
	// The windowed matcher reads a lone non-ASCII byte where the whole-value
	// scan may read a whole rune; both must get the same answer.
	for _, r := range []rune{0x80, 0xE9, 0x4E2D, 0x10FFFF} {
		if in(r) != in(utf8.RuneError) {
			return byteSet{}, fmt.Errorf("boundary %q treats non-ASCII runes differently", expr)
		}
	}
	var b byteSet
	for c := 0; c < 256; c++ {
		r := rune(c)
		if c >= utf8.RuneSelf {
			r = utf8.RuneError
		}
		if in(r) {
			b.add(byte(c))
		}
	}
	return b, nil
}
