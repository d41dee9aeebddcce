package secrets

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// reference is the specification every detector is checked against: each
// rule's full regexp over the whole value (rule semantics), and for the
// parser detectors an attempt at every byte offset.
func reference(d detectors.Detector, text []byte) []detectors.Match {
	var out []detectors.Match
	switch d := d.(type) {
	case *ruleDetector:
		for _, c := range d.set.rules {
			g := c.full.SubexpIndex("s")
			for _, loc := range c.full.FindAllSubmatchIndex(text, -1) {
				if s, e := loc[2*g], loc[2*g+1]; c.accept(text, s, e) {
					out = append(out, c.match(s, e))
				}
			}
		}
	case *PrivateKey:
		for p, end := 0, 0; p < len(text); p++ {
			if p < end {
				continue
			}
			if e, conf, ok := parsePEM(text, p); ok {
				out = append(out, detectors.Match{Kind: "secret.private_key", Start: p, End: e, Confidence: conf})
				end = e
			}
		}
	case *JWT:
		for p, end := 0, 0; p < len(text); p++ {
			if p < end {
				continue
			}
			if e, ok := parseJWT(text, p); ok {
				out = append(out, detectors.Match{Kind: "secret.jwt", Start: p, End: e, Confidence: 0.9})
				end = e
			}
		}
	default:
		panic(fmt.Sprintf("no reference for %T", d))
	}
	return sortMatches(out)
}

// checkEquivalent compares, for every detector, the reference with Detect,
// with DetectHits given the naive keyword occurrences, and with the whole
// Set (real prefilter).
func checkEquivalent(t *testing.T, reg *detectors.Registry, set *detectors.Set, text []byte) {
	t.Helper()
	var sc detectors.Scratch
	fromSet := make([][]detectors.Match, len(reg.Detectors()))
	for _, h := range set.Detect(nil, text, &sc) {
		fromSet[h.Det] = append(fromSet[h.Det], h.Match)
	}
	for i, d := range reg.Detectors() {
		want := reference(d, text)
		got := sortMatches(d.Detect(nil, text))
		if !slices.Equal(got, want) {
			t.Fatalf("%s Detect on %q:\n got %v\nwant %v", d.ID(), text, got, want)
		}
		w := d.(detectors.Windowed)
		hits := naiveKeywordHits(w.Keywords(), text)
		got = sortMatches(w.DetectHits(nil, text, hits))
		if !slices.Equal(got, want) {
			t.Fatalf("%s DetectHits on %q:\n got %v\nwant %v", d.ID(), text, got, want)
		}
		if got := sortMatches(fromSet[i]); !slices.Equal(got, want) {
			t.Fatalf("%s via Set on %q:\n got %v\nwant %v", d.ID(), text, got, want)
		}
	}
}

func naiveKeywordHits(kws []string, text []byte) []detectors.KeywordHit {
	var out []detectors.KeywordHit
	for i := range text {
		for k, kw := range kws {
			if i+len(kw) <= len(text) && asciiOnlyEqual(text[i:i+len(kw)], kw) {
				out = append(out, detectors.KeywordHit{Pos: i, Keyword: int32(k)})
			}
		}
	}
	return out
}

// asciiOnlyEqual rules out Unicode case folds (K and the Kelvin sign):
// keywords are compared ASCII case-insensitively.
func asciiOnlyEqual(b []byte, kw string) bool {
	for i := range b {
		if lowerByte(b[i]) != kw[i] {
			return false
		}
	}
	return true
}

// equivalenceTexts builds values around every example: the example itself,
// glued to neighbours, doubled, truncated, case-flipped and with hostile
// bytes around it.
func equivalenceTexts(reg *detectors.Registry) []string {
	var ex []string
	for _, d := range reg.Detectors() {
		for _, e := range d.(detectors.Exampler).Examples() {
			ex = append(ex, e.Text)
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	affixes := []string{"", "x", "_", "=", " ", "\n", "é", "\xff", "\"", "-", ".", "A", "0", "中"}
	var out []string
	for i, s := range ex {
		out = append(out, s)
		a, b := affixes[rng.IntN(len(affixes))], affixes[rng.IntN(len(affixes))]
		out = append(out, a+s+b)
		out = append(out, s+s, s+" "+s)
		out = append(out, s+ex[(i+1)%len(ex)])
		if len(s) > 2 {
			cut := 1 + rng.IntN(len(s)-1)
			out = append(out, s[:cut], s[cut:])
		}
		out = append(out, strings.ToUpper(s), strings.ToLower(s))
		// One random byte changed.
		if len(s) > 0 {
			b := []byte(s)
			const subst = "aZ9_-.=:\"'\n\x00\xc3"
			b[rng.IntN(len(b))] = subst[rng.IntN(len(subst))]
			out = append(out, string(b))
		}
	}
	return out
}

func TestWindowedEqualsFullScan(t *testing.T) {
	reg := registry(t, DefaultOptions())
	set := detectors.Compile(reg, nil)
	texts := equivalenceTexts(reg)
	if testing.Short() {
		texts = texts[:len(texts)/4]
	}
	for i, text := range texts {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkEquivalent(t, reg, set, []byte(text))
		})
	}
}

// TestLongValueChunks covers Detect's chunked keyword scan: more keyword
// occurrences than one hit buffer, with tokens in between.
func TestLongValueChunks(t *testing.T) {
	reg := registry(t, DefaultOptions())
	set := detectors.Compile(reg, nil)
	var b strings.Builder
	for i := 0; i < 3*hitBuffer; i++ {
		b.WriteString("token ghp_ sk-ant- ")
		if i%97 == 0 {
			b.WriteString("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 AKIA5HGAZYXDOWG7M6RX ")
		}
	}
	checkEquivalent(t, reg, set, []byte(b.String()))
}

func FuzzWindowedEqualsFullScan(f *testing.F) {
	reg := registry(f, DefaultOptions())
	set := detectors.Compile(reg, nil)
	for _, d := range reg.Detectors() {
		for _, e := range d.(detectors.Exampler).Examples() {
			f.Add([]byte(e.Text))
		}
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		checkEquivalent(t, reg, set, text)
	})
}
