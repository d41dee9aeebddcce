package dedupe

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// vocab is a fixed pseudo-English vocabulary for synthetic documents.
var vocab = func() []string {
	rng := rand.New(rand.NewPCG(1, 2))
	cons := "bcdfghjklmnprstvwz"
	vows := "aeiou"
	seen := map[string]bool{}
	var out []string
	for len(out) < 5000 {
		n := 1 + rng.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteByte(cons[rng.IntN(len(cons))])
			b.WriteByte(vows[rng.IntN(len(vows))])
			if rng.IntN(2) == 0 {
				b.WriteByte(cons[rng.IntN(len(cons))])
			}
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}()

// synthWords returns n words drawn from vocab with a Zipf-like skew.
func synthWords(rng *rand.Rand, n int) []string {
	z := rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1))
	w := make([]string, n)
	for i := range w {
		w[i] = vocab[z.Uint64()]
	}
	return w
}

// synthDoc returns a document of n words with sentence punctuation and
// capitalization.
func synthDoc(rng *rand.Rand, n int) string {
	return joinSentences(synthWords(rng, n))
}

func joinSentences(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			if i%12 == 0 {
				b.WriteString(". ")
				w = strings.ToUpper(w[:1]) + w[1:]
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w)
	}
	b.WriteByte('.')
	return b.String()
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
