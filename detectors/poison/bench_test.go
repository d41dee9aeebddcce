package poison

import (
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// BenchmarkPerRecord measures every per-record poison detector together,
// through detectors.Set, on mixed multilingual documents (testdata/bench:
// English, Chinese, Russian, Arabic, Hindi, Japanese, Spanish, German, code
// and emoji chat, about half English by bytes); per detector in
// sub-benchmarks. BenchmarkPerRecordNearMiss runs the same on the clean
// pool of near-miss sentences (dense in anchor words), a worst case. Throughput is per core (the benchmark is sequential).
func BenchmarkPerRecord(b *testing.B) {
	docs := benchDocs(b, 2000, 2)
	var total int64
	bufs := make([][]byte, len(docs))
	for i, d := range docs {
		bufs[i] = []byte(d)
		total += int64(len(d))
	}
	ds := Detectors(DefaultOptions())
	run := func(b *testing.B, reg *detectors.Registry) {
		set := detectors.Compile(reg, nil)
		var sc detectors.Scratch
		hits := make([]detectors.Hit, 0, 64)
		b.SetBytes(total)
		b.ReportAllocs()
		b.ResetTimer()
		c0 := cpuSeconds()
		for i := 0; i < b.N; i++ {
			for _, d := range bufs {
				hits = set.Detect(hits[:0], d, &sc)
			}
		}
		reportCPU(b, c0, total)
	}
	b.Run("all", func(b *testing.B) { run(b, detectors.MustRegistry(ds...)) })
	for _, d := range ds {
		b.Run(d.ID(), func(b *testing.B) { run(b, detectors.MustRegistry(d)) })
	}
}

// reportCPU adds the throughput per CPU-second ("MB/cpu-s"), which stays
// meaningful when other processes share the machine.
func reportCPU(b *testing.B, c0 float64, bytesPerOp int64) {
	if c := cpuSeconds() - c0; c > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/1e6/c, "MB/cpu-s")
	}
}

func BenchmarkPerRecordNearMiss(b *testing.B) {
	docs := cleanDocs(b, 2000, 2)
	var total int64
	bufs := make([][]byte, len(docs))
	for i, d := range docs {
		bufs[i] = []byte(d)
		total += int64(len(d))
	}
	set := detectors.Compile(detectors.MustRegistry(Detectors(DefaultOptions())...), nil)
	var sc detectors.Scratch
	hits := make([]detectors.Hit, 0, 64)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		for _, d := range bufs {
			hits = set.Detect(hits[:0], d, &sc)
		}
	}
	reportCPU(b, c0, total)
}

// BenchmarkSketch measures each corpus detector's Sketch (the parallel
// part, per core) and Observe (the sequential part) on the multilingual
// bench documents, as MB of field text per second.
func BenchmarkSketch(b *testing.B) {
	docs := benchDocs(b, 2000, 3)
	var total int64
	recs := make([][]detectors.Field, len(docs))
	for i, d := range docs {
		recs[i] = []detectors.Field{{Name: []byte("$.text"), Value: []byte(d)}}
		total += int64(len(d))
	}
	opt := DefaultOptions()
	for _, proto := range NewCorpus(opt) {
		id := proto.ID()
		b.Run(id+"/sketch", func(b *testing.B) {
			d := proto
			var buf []byte
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				for _, r := range recs {
					buf = d.Sketch(buf[:0], r)
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
				if d == nil {
					b.Fatalf("no corpus detector %s", id)
				}
				b.StartTimer()
				c0 := cpuSeconds()
				for j, s := range sk {
					d.Observe(detectors.RecordRef{Row: int64(j)}, s)
				}
				cpu += cpuSeconds() - c0
			}
			if cpu > 0 {
				b.ReportMetric(float64(total)*float64(b.N)/1e6/cpu, "MB/cpu-s")
			}
		})
	}
}

// newCorpusByID constructs only the corpus detector id (NewCorpus builds
// all four, whose tables would dominate fast Observe benchmarks).
func newCorpusByID(opt Options, id string) detectors.CorpusDetector {
	switch id {
	case KindTrigger:
		return newTrigger(opt)
	case KindResponseConflict:
		return newConflict(opt)
	case KindPayloadCluster:
		return newPayload(opt)
	case KindGibberish:
		return newGibberish(opt)
	}
	return nil
}
