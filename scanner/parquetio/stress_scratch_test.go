package parquetio

import (
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"
	"fmt"
)

func TestStressScratch(t *testing.T) {
	seeds := fuzzSeeds(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	bad := 0
	for iter := 0; iter < 30000; iter++ {
		s := seeds[rng.IntN(len(seeds))]
		d := append([]byte(nil), s...)
		for k := 0; k < 1+rng.IntN(4); k++ {
			switch rng.IntN(3) {
			case 0:
				d[rng.IntN(len(d))] = byte(rng.IntN(256))
			case 1:
				i := rng.IntN(len(d))
				d[i] ^= 1 << rng.IntN(8)
			case 2:
				i := rng.IntN(len(d) - 4)
				copy(d[i:], []byte{0xff, 0xff, 0xff, 0x7f})
			}
		}
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				os.WriteFile("/tmp/hang.bin", d, 0o644)
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				fmt.Fprintf(os.Stderr, "%s\n", buf[:n])
				os.Exit(3)
			}
		}()
		var ms, ms0 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		func() {
			defer close(done)
			t.Run("x", func(t *testing.T) {
				fuzzOpenBody(t, d)
			})
		}()
		runtime.ReadMemStats(&ms)
		if ms.TotalAlloc-ms0.TotalAlloc > 64<<20 {
			bad++
			os.WriteFile(fmt.Sprintf("/tmp/mem%d.bin", bad), d, 0o644)
			t.Logf("iter %d: %d MB", iter, (ms.TotalAlloc-ms0.TotalAlloc)>>20)
			if bad > 5 { t.Fatal("enough") }
		}
	}
}
