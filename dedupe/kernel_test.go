package dedupe

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zeebo/xxh3"
)

// shingleMins5 (the SIMD kernel under GOEXPERIMENT=simd with AVX-512, else
// the scalar loop) must give the same bins as shingleMins5Scalar. Run under
// both `go test` and `GOEXPERIMENT=simd go test`.
func TestShingleKernelMatchesScalar(t *testing.T) {
	t.Logf("SIMD kernel in use: %v", simdKernel)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{1, 7, 112, 128, 1024} {
		for _, n := range []int{0, 4, 5, 11, 12, 13, 19, 20, 21, 100, 1001} {
			t.Run(fmt.Sprintf("k%d-n%d", k, n), func(t *testing.T) {
				for range 20 {
					toks := make([]uint64, n)
					for i := range toks {
						toks[i] = rng.Uint64()
						if rng.IntN(4) == 0 && i > 0 { // repeated tokens
							toks[i] = toks[rng.IntN(i)]
						}
					}
					var c [5]uint64
					for i := range c {
						c[i] = rng.Uint64() | 1
					}
					want := make([]uint64, k)
					for i := range want {
						want[i] = emptyBin
					}
					got := slices.Clone(want)
					shingleMins5Scalar(toks, &c, want)
					shingleMins5(toks, &c, got)
					if !slices.Equal(got, want) {
						t.Fatalf("bins differ from the scalar kernel")
					}
				}
			})
		}
	}
}

// TestSketchGolden pins the sketches of a fixed corpus, so every build (with
// or without GOEXPERIMENT=simd) must produce the same bytes.
func TestSketchGolden(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	docs := []string{"", "one", "a b c d", "The quick brown fox jumps over the lazy dog."}
	for _, n := range []int{5, 12, 13, 40, 400} {
		docs = append(docs, synthDoc(rng, n))
	}
	docs = append(docs, "城市社区花园过去十年迅速发展空地邻居种植蔬菜分享工具交流经验", "город совет план жители компания исследователи университет новый мэр")
	for _, c := range []struct {
		name string
		opts Options
		want uint64
	}{
		{"defaults", Options{}, 0x801cecae4ac0f051},
		{"ngram3", Options{NGram: 3, Bands: 20, Rows: 5}, 0x4551f68ea4965bd1},
	} {
		t.Run(c.name, func(t *testing.T) {
			fp, err := NewFingerprinter(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, d := range docs {
				all = fp.Sketch(all, []byte(d))
			}
			if got := xxh3.Hash(all); got != c.want {
				t.Errorf("sketch digest %#x, want %#x", got, c.want)
			}
		})
	}
}

// BenchmarkShingleKernel measures the signature kernel alone over the
// tokens of 2.5 KB English documents (bytes are text bytes).
func BenchmarkShingleKernel(b *testing.B) {
	docs := benchCorpus(64, 400)
	var total int64
	var toks [][]uint64
	var scratch []byte
	for _, d := range docs {
		tk, _ := tokenize(d, nil, &scratch)
		toks = append(toks, tk)
		total += int64(len(d))
	}
	c := [5]uint64{3, 5, 7, 9, 11}
	mins := make([]uint64, 112)
	for _, impl := range []struct {
		name string
		fn   func([]uint64, *[5]uint64, []uint64)
	}{
		{"scalar", shingleMins5Scalar},
		{fmt.Sprintf("dispatch-simd=%v", simdKernel), shingleMins5},
	} {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(total / int64(len(docs)))
			b.ReportAllocs()
			i := 0
			cpu0 := cpuTime()
			var bytes int64
			for b.Loop() {
				impl.fn(toks[i%len(toks)], &c, mins)
				bytes += int64(len(docs[i%len(docs)]))
				i++
			}
			b.ReportMetric(float64(bytes)/1e6/(float64(cpuTime()-cpu0)/1e9), "cpu-MB/s")
		})
	}
}
