//go:build !amd64 || purego

package poison

// prefetchIdx is a no-op where no prefetch instruction is wired in (see
// prefetch_amd64.go).
func prefetchIdx(base *uint32, idx []uint32, mask, shift uint32) {}

// prefetchIdx64 is a no-op too.
func prefetchIdx64(base *uint64, idx []uint32, mask, shift uint32) {}
