//go:build !unix

package parquetio

import "time"

// processCPU is unavailable here; benchmarks then omit the per-CPU metric.
func processCPU() time.Duration { return 0 }
