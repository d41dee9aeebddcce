//go:build !goexperiment.simd || !amd64

package jsonl

// simdPlain reports whether plainRun uses the SIMD kernel.
const simdPlain = false

// plainRun is plainRunScalar in builds without GOEXPERIMENT=simd.
func plainRun(b []byte) int { return plainRunScalar(b) }
