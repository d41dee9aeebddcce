//go:build !unix

package poison

func cpuSeconds() float64 { return 0 }
