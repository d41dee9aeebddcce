package benchmarks

import (
	"testing"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/defaults"
)

// values returns about size bytes of realistic mixed values (web text,
// Chinese, chat turns, code) with planted findings in ~5% of them.
func values(size int) [][]byte {
	g := NewGenerator(7)
	var out [][]byte
	for n := 0; n < size; {
		t, _ := g.Text()
		out = append(out, []byte(t))
		n += len(t)
	}
	return out
}

func benchSet(b *testing.B, kinds []string) {
	reg, err := defaults.Registry(defaults.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	set := detectors.Compile(reg.Select(kinds), func(k string) bool { return detectors.MatchKind(kinds, k) })
	vals := values(16 << 20)
	var total int64
	for _, v := range vals {
		total += int64(len(v))
	}
	var sc detectors.Scratch
	var hits []detectors.Hit
	// Warm up: detectors compile lazily (e.g. numbering plans per country
	// code) on first use; that one-time cost is not per value.
	for _, v := range vals {
		hits = set.Detect(hits[:0], v, &sc)
	}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	found := 0
	for i := 0; i < b.N; i++ {
		for _, v := range vals {
			hits = set.Detect(hits[:0], v, &sc)
			found += len(hits)
		}
	}
	b.ReportMetric(float64(found)/float64(b.N), "findings/op")
	b.ReportMetric(float64(len(vals)), "values/op")
}

// BenchmarkDetectPIIAndSecrets: every PII and secrets detector through the
// real prefilter, one core (issue #3 target: ≥ 250 MB/s per core).
func BenchmarkDetectPIIAndSecrets(b *testing.B) { benchSet(b, []string{"pii.*", "secret.*"}) }

// BenchmarkDetectSecrets: the secrets detectors alone.
func BenchmarkDetectSecrets(b *testing.B) { benchSet(b, []string{"secret.*"}) }

// BenchmarkDetectPII: the PII detectors alone.
func BenchmarkDetectPII(b *testing.B) { benchSet(b, []string{"pii.*"}) }

// BenchmarkDetectPoison: the per-record poison detectors (issue #5 target:
// ≥ 300 MB/s per core).
func BenchmarkDetectPoison(b *testing.B) { benchSet(b, []string{"poison.*"}) }

// BenchmarkDetectAll: every per-record detector.
func BenchmarkDetectAll(b *testing.B) { benchSet(b, nil) }
