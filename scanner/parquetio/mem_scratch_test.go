package parquetio

import (
	"os"
	"testing"
	"runtime"
)

func TestMemScratch(t *testing.T) {
	d, _ := os.ReadFile("/tmp/mem1.bin")
	var ms runtime.MemStats
	fuzzOpenBody(t, d)
	runtime.ReadMemStats(&ms)
	t.Log(ms.TotalAlloc>>20, "MB total alloc")
}
