package dedupe

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// pairWithJaccard returns two texts of n distinct words whose word 5-gram
// shingle sets have Jaccard similarity as close to s as n allows, and that
// similarity. B keeps A's first k words and replaces the rest.
func pairWithJaccard(rng *rand.Rand, n int, s float64) (string, string, float64) {
	word := func() string {
		var b strings.Builder
		for range 9 {
			b.WriteByte(byte('a' + rng.IntN(26)))
		}
		return b.String()
	}
	a := make([]string, n)
	for i := range a {
		a[i] = word()
	}
	sh := n - 4 // shingles per text
	shared := int(math.Round(2 * float64(sh) * s / (1 + s)))
	k := shared + 4
	b := append([]string{}, a[:k]...)
	for len(b) < n {
		b = append(b, word())
	}
	j := float64(shared) / float64(2*sh-shared)
	return strings.Join(a, " "), strings.Join(b, " "), j
}

func TestEstimateAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 31))
	fp, _ := NewFingerprinter(Options{})
	for _, s := range []float64{0.2, 0.5, 0.7, 0.9} {
		for _, n := range []int{20, 300} {
			var sumErr float64
			const trials = 100
			for range trials {
				a, b, j := pairWithJaccard(rng, n, s)
				est, err := fp.Similarity(fp.Sketch(nil, []byte(a)), fp.Sketch(nil, []byte(b)))
				if err != nil {
					t.Fatal(err)
				}
				sumErr += est - j
			}
			// The estimator is unbiased: the mean error over 100 pairs has a
			// standard deviation of about 0.005.
			if bias := sumErr / trials; math.Abs(bias) > 0.03 {
				t.Errorf("s=%.1f n=%d: mean error %.3f", s, n, bias)
			}
		}
	}
}

// TestDetectionCurve prints the theoretical LSH detection probability
// P(candidate | Jaccard s) = 1 − (1 − s^r)^b for the default 14 bands × 8
// rows, and checks it against the rate at which generated pairs of known
// similarity share a band key.
func TestDetectionCurve(t *testing.T) {
	t.Logf("LSH %d bands × %d rows, threshold ≈ %.3f", DefaultBands, DefaultRows, LSHThreshold(DefaultBands, DefaultRows))
	t.Log("  s     P(detect)")
	for s := 0.1; s < 1.001; s += 0.1 {
		t.Logf("  %.1f   %.4f", s, DetectionProbability(s, DefaultBands, DefaultRows))
	}
	rng := rand.New(rand.NewPCG(41, 41))
	fp, _ := NewFingerprinter(Options{})
	const trials = 400
	for _, s := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} {
		hits := 0
		var js float64
		for range trials {
			a, b, j := pairWithJaccard(rng, 300, s)
			js += j
			if shareBand(fp.Sketch(nil, []byte(a)), fp.Sketch(nil, []byte(b)), DefaultBands) {
				hits++
			}
		}
		want := DetectionProbability(js/trials, DefaultBands, DefaultRows)
		got := float64(hits) / trials
		sd := math.Sqrt(want * (1 - want) / trials)
		t.Logf("  s=%.2f empirical %.3f theoretical %.3f", js/trials, got, want)
		if math.Abs(got-want) > 4*sd+0.02 {
			t.Errorf("s=%.2f: empirical detection %.3f, theoretical %.3f", js/trials, got, want)
		}
	}
}

func shareBand(a, b []byte, bands int) bool {
	for i := range bands {
		off := sketchHeader + 8*i
		if binary.LittleEndian.Uint64(a[off:]) == binary.LittleEndian.Uint64(b[off:]) {
			return true
		}
	}
	return false
}

func TestDetectionProbability(t *testing.T) {
	cases := []struct {
		s          float64
		bands, row int
		want       float64
	}{
		{0, 14, 8, 0},
		{1, 14, 8, 1},
		{0.5, 1, 1, 0.5},
		{0.5, 2, 1, 0.75},
		{0.8, 14, 8, 1 - math.Pow(1-math.Pow(0.8, 8), 14)},
	}
	for _, c := range cases {
		if got := DetectionProbability(c.s, c.bands, c.row); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("P(%v, %d, %d) = %v, want %v", c.s, c.bands, c.row, got, c.want)
		}
	}
	th := LSHThreshold(14, 8)
	if p := DetectionProbability(th, 14, 8); p < 0.4 || p > 0.7 {
		t.Errorf("threshold %.3f has detection probability %.3f", th, p)
	}
}

// The probe table must reproduce the hashed probe sequence exactly, so
// sketches do not depend on the table size.
func TestDensifyTable(t *testing.T) {
	for _, k := range []int{1, 7, 112, 1024} {
		table := newProbeTable(k)
		for i := range k {
			for a := range densifyProbes {
				if uint64(table[i*densifyProbes+a]) != probe(i, uint64(a), uint64(k)) {
					t.Fatalf("k=%d bin %d probe %d differs", k, i, a)
				}
			}
		}
	}
	// A single non-empty bin fills every bin.
	mins := make([]uint64, 112)
	for i := range mins {
		mins[i] = emptyBin
	}
	mins[77] = 12345
	sig := make([]uint32, 112)
	densify(mins, sig, newProbeTable(112))
	for i, v := range sig {
		if v != 12345 {
			t.Fatalf("bin %d = %d", i, v)
		}
	}
}
