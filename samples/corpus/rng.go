package corpus

import (
	"math/rand/v2"
	"strings"
)

// Stream salts keep the corpora independent even with the same seed.
const (
	saltWeb   = 0x77656220636f7270 // "web corp"
	saltZH    = 0x7a6820636f727075
	saltChat  = 0x6368617420636f72
	saltCode  = 0x636f646520636f72
	saltMulti = 0x6d756c746920636f
)

// rng wraps a PCG-backed *rand.Rand with the small helpers the generators
// need. Each document gets its own stream, derived from the corpus seed and
// the document index, so documents do not depend on how much randomness
// their predecessors consumed.
type rng struct{ *rand.Rand }

func newRNG(seed, salt uint64, stream uint64) rng {
	return rng{rand.New(rand.NewPCG(seed^salt, stream*0x9e3779b97f4a7c15+1))}
}

func (r rng) pick(xs []string) string { return xs[r.IntN(len(xs))] }

// chance reports true with probability p.
func (r rng) chance(p float64) bool { return p > 0 && r.Float64() < p }

// between returns an int in [lo, hi].
func (r rng) between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// digits returns n random decimal digits.
func (r rng) digits(n int) string { return r.from("0123456789", n) }

// from returns n characters drawn from the ASCII alphabet.
func (r rng) from(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// bytes returns n random bytes.
func (r rng) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// sample returns k distinct indices of [0, n) in random order.
func (r rng) sample(n, k int) []int {
	if k > n {
		k = n
	}
	p := r.Perm(n)
	return p[:k]
}

// weighted picks an index with probability proportional to w[i].
func (r rng) weighted(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	x := r.Float64() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

const (
	alphaUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	alphaLower = "abcdefghijklmnopqrstuvwxyz"
	alnum      = "0123456789" + alphaUpper + alphaLower
	base62     = alnum
	hexLower   = "0123456789abcdef"
)

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
