package poison

import (
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// BenchmarkCharObserve measures the Observe of the character-model
// detectors (poison.trigger, poison.gibberish) past their warm-up, as on a
// corpus larger than WarmupChars: BenchmarkSketch's observe sub-benchmarks
// run on fewer characters than the default warm-up, so they measure only
// the learning of held records. Here the warm-up is 64,000 characters and
// each iteration ends with Verdicts and Report (the replay of held
// records and the final re-scoring are part of the cost). One record
// in eight is a prompt/response example, so both of Trigger's modes run.
func BenchmarkCharObserve(b *testing.B) {
	docs := benchDocs(b, 2000, 3)
	var total int64
	recs := make([][]detectors.Field, len(docs))
	for i, d := range docs {
		if i%8 != 0 {
			recs[i] = []detectors.Field{{Name: []byte("$.text"), Value: []byte(d)}}
			total += int64(len(d))
			continue
		}
		cut := len(d) / 3
		for cut < len(d) && d[cut]&0xC0 == 0x80 {
			cut++
		}
		recs[i] = []detectors.Field{{Name: []byte("$.prompt"), Value: []byte(d[:cut])}, {Name: []byte("$.response"), Value: []byte(d[cut:])}}
		total += int64(len(d))
	}
	opt := DefaultOptions()
	opt.Gibberish.WarmupChars = 64_000
	for _, id := range []string{KindTrigger, KindGibberish} {
		proto := newCorpusByID(opt, id)
		b.Run(id+"/sketch", func(b *testing.B) {
			var buf []byte
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				for _, r := range recs {
					buf = proto.Sketch(buf[:0], r)
				}
			}
			reportCPU(b, c0, total)
		})
		b.Run(id+"/observe", func(b *testing.B) {
			sk := make([][]byte, len(recs))
			for i, r := range recs {
				sk[i] = proto.Sketch(nil, r)
			}
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := 0.0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d := newCorpusByID(opt, id)
				prefault(d)
				b.StartTimer()
				c0 := cpuSeconds()
				for j, s := range sk {
					d.Observe(detectors.RecordRef{Row: int64(j)}, s)
				}
				if _, err := d.Verdicts(); err != nil {
					b.Fatal(err)
				}
				if r, ok := d.(detectors.Reporter); ok {
					_ = r.Report()
				}
				cpu += cpuSeconds() - c0
			}
			if cpu > 0 {
				b.ReportMetric(float64(total)*float64(b.N)/1e6/cpu, "MB/cpu-s")
			}
		})
	}
}

// prefault writes to every page of the large tables of d, so that
// benchmarks of a fresh detector do not measure the kernel's first-touch
// page faults (amortized on a real corpus).
func prefault(d detectors.CorpusDetector) {
	lines := func(c *cms) {
		for i := 0; i < len(c.lines); i += 64 {
			c.lines[i][0] = 0
		}
	}
	model := func(m *charModel) {
		for i := 0; i < len(m.tri); i += 1024 {
			m.tri[i] = 0
		}
	}
	switch d := d.(type) {
	case *Trigger:
		lines(d.df)
		lines(d.pairs)
		lines(d.resps)
		model(d.model)
		prefaultAssoc(d.firstText)
		prefaultAssoc(d.firstPair)
		prefaultAssoc(d.respFirst)
	case *Gibberish:
		model(d.model)
	}
}

func prefaultAssoc[V any](a *assoc[V]) {
	var zero V
	for i := 0; i < len(a.keys); i += 512 {
		a.keys[i], a.age[i] = 0, 0
	}
	for i := range a.vals {
		a.vals[i] = zero
	}
}
