package dedupe

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func benchCorpus(n, words int) [][]byte {
	rng := rand.New(rand.NewPCG(7, 8))
	docs := make([][]byte, n)
	for i := range docs {
		docs[i] = []byte(synthDoc(rng, words))
	}
	return docs
}

func BenchmarkSketch(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 9))
	long := benchCorpus(64, 400)
	short := benchCorpus(64, 30)
	var cyr, cjk [][]byte
	for range 16 {
		var c, z strings.Builder
		for range 300 {
			c.WriteString(cyrWords[rng.IntN(len(cyrWords))])
			c.WriteByte(' ')
		}
		for range 200 {
			z.WriteString(cjkWords[rng.IntN(len(cjkWords))])
		}
		cyr = append(cyr, []byte(c.String()))
		cjk = append(cjk, []byte(z.String()))
	}
	for _, c := range []struct {
		name string
		opts Options
		docs [][]byte
	}{
		{"english-2.5KB", Options{}, long},
		{"english-2.5KB-normalize", Options{Normalize: true}, long},
		{"english-200B", Options{}, short},
		{"cyrillic", Options{}, cyr},
		{"chinese", Options{}, cjk},
	} {
		b.Run(c.name, func(b *testing.B) {
			var total int64
			for _, d := range c.docs {
				total += int64(len(d))
			}
			fp, err := NewFingerprinter(c.opts)
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, 0, fp.SketchSize())
			b.SetBytes(total / int64(len(c.docs)))
			b.ReportAllocs()
			i := 0
			var bytes int64
			cpu0 := cpuTime()
			for b.Loop() {
				d := c.docs[i%len(c.docs)]
				dst = fp.Sketch(dst[:0], d)
				bytes += int64(len(d))
				i++
			}
			// MB per CPU second: steadier than wall-clock MB/s on a
			// shared machine.
			b.ReportMetric(float64(bytes)/1e6/(float64(cpuTime()-cpu0)/1e9), "cpu-MB/s")
		})
	}
}

var cyrWords = strings.Fields("город совет план жители компания исследователи университет новый мэр учителя департамент здоровья группа фермеров транспорт больница партия школа бизнес вода полиция клуб банк музей директор")
var cjkWords = strings.Fields("城市 社区 花园 过去 十年 迅速 发展 空地 邻居 种植 蔬菜 分享 工具 交流 经验 地方 组织者 新鲜 农产品 老年 居民 孩子 食物 议会 计划 补助")

func BenchmarkExactKey(b *testing.B) {
	docs := benchCorpus(16, 2000)
	b.SetBytes(int64(len(docs[0])))
	b.ReportAllocs()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		_ = ExactKey(docs[i%len(docs)])
		i++
	}
	b.ReportMetric(float64(i)*float64(len(docs[0]))/1e6/(float64(cpuTime()-cpu0)/1e9), "cpu-MB/s")
}

// synthSketches returns n sketches shaped like a corpus where about a fifth
// of the records are exact or near copies of others, without computing
// MinHash over text: near copies share the exact key or half their band
// keys and most signature bytes with their family.
func synthSketches(o Options, n int, seed uint64) [][]byte {
	o = o.withDefaults()
	rng := rand.New(rand.NewPCG(seed, 3))
	k := o.hashes()
	out := make([][]byte, n)
	for i := range out {
		fam := uint64(i)
		near := false
		if i > 0 && rng.IntN(5) == 0 {
			fam = uint64(rng.IntN(i))
			near = rng.IntN(2) == 0
		}
		s := make([]byte, 0, sketchHeader+8*o.Bands+k)
		s = append(s, sketchVersion, flagSig)
		ex := fmix64(fam + 1)
		if near {
			ex = fmix64(uint64(i) + 1<<40)
		}
		s = binary.LittleEndian.AppendUint64(s, ex)
		s = binary.LittleEndian.AppendUint64(s, ex^prime1)
		for b := range o.Bands {
			key := fmix64(fam<<8 | uint64(b))
			if near && b%2 == 1 {
				key = fmix64(uint64(i)<<8 | uint64(b) | 1<<62)
			}
			s = binary.LittleEndian.AppendUint64(s, key)
		}
		for j := range k {
			v := byte(fmix64(fam<<16 | uint64(j)))
			if near && j%10 == 0 {
				v ^= 0x55
			}
			s = append(s, v)
		}
		out[i] = s
	}
	return out
}

// BenchmarkResolve measures Add and Resolve on synthetic sketches of 200k
// records (records/s and allocated bytes per record).
func BenchmarkResolve(b *testing.B) {
	const n = 200_000
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"in-memory", Options{}},
		{"spilled", Options{MemBytes: 8 << 20}},
	} {
		b.Run(c.name, func(b *testing.B) {
			opts := c.opts
			opts.TempDir = b.TempDir()
			sk := synthSketches(opts, n, 1)
			b.ReportAllocs()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			cpu0 := cpuTime()
			var dropped int64
			for b.Loop() {
				idx, err := New(opts)
				if err != nil {
					b.Fatal(err)
				}
				for i, s := range sk {
					if err := idx.Add(RecordID{File: int32(i >> 16), Row: int64(i & 0xffff)}, s, 1000, 0); err != nil {
						b.Fatal(err)
					}
				}
				res, err := idx.Resolve(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				dropped = res.Stats.Dropped
				idx.Close()
			}
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/n, "cpu-ns/record")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/n, "allocB/record")
			b.ReportMetric(float64(dropped)/n, "dropped/record")
		})
	}
}

// cpuTime returns the process's user+system CPU time in nanoseconds; on a
// shared machine it is a steadier measure than wall time.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
