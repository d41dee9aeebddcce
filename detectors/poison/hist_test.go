package poison

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestHistTracked checks that the running quartiles of robust equal the
// scanning quantile after every add, for values drifting up, down and
// jumping about.
func TestHistTracked(t *testing.T) {
	cases := []struct {
		name string
		next func(r *rand.Rand, i int) float64
	}{
		{"uniform", func(r *rand.Rand, _ int) float64 { return r.Float64() * 24 }},
		{"rising", func(r *rand.Rand, i int) float64 { return float64(i)/200 + r.Float64() }},
		{"falling", func(r *rand.Rand, i int) float64 { return 20 - float64(i)/200 + r.Float64() }},
		{"clumped", func(r *rand.Rand, _ int) float64 { return float64(r.IntN(3)) * 5 }},
		{"out_of_range", func(r *rand.Rand, _ int) float64 { return r.Float64()*60 - 20 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var h hist
			if m, _ := h.robust(); m != 0 {
				t.Fatalf("empty median = %v", m)
			}
			for i := 0; i < 3000; i++ {
				h.add(c.next(r, i))
				if i%(1+r.IntN(7)) != 0 {
					continue
				}
				med, scale := h.robust()
				want := h.quantile(0.5)
				iqr := h.quantile(0.75) - h.quantile(0.25)
				if med != want || scale != max(iqr/1.349, 0.05) {
					t.Fatalf("add %d: robust = %v, %v; want %v, iqr %v", i, med, scale, want, iqr)
				}
			}
		})
	}
}

// TestEntropy8 checks entropy8 against the plain sum over all 256 byte
// values, bit for bit (the sketch rounds it, so it must not drift).
func TestEntropy8(t *testing.T) {
	plain := func(b []byte) float64 {
		var cnt [256]int
		for _, c := range b {
			cnt[c]++
		}
		e := 0.0
		for _, c := range cnt {
			if c > 0 {
				p := float64(c) / float64(len(b))
				e -= p * math.Log2(p)
			}
		}
		return e
	}
	r := rand.New(rand.NewPCG(3, 4))
	cases := map[string][]byte{
		"empty":  nil,
		"one":    []byte("a"),
		"ascii":  []byte("the quick brown fox jumps over the lazy dog, again and again"),
		"repeat": bytes.Repeat([]byte("ab"), 200),
	}
	for i := 0; i < 50; i++ {
		b := make([]byte, 1+r.IntN(400))
		span := 1 + r.IntN(256)
		for j := range b {
			b[j] = byte(r.IntN(span))
		}
		cases[fmt.Sprintf("random%d", i)] = b
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if got, want := entropy8(b), plain(b); got != want {
				t.Fatalf("entropy8 = %v, want %v", got, want)
			}
		})
	}
}
