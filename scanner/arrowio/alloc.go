package arrowio

import (
	"errors"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

// errAllocLimit is the panic value of a refused allocation; the arrow
// library's recover, or ours, turns it into an error.
var errAllocLimit = errors.New("arrowio: allocation larger than the data can justify (corrupt lengths)")

// allocSlack is added to every allocation limit.
const allocSlack = 1 << 20

// limitAlloc wraps an allocator and refuses (by panicking with
// errAllocLimit) any single allocation above a limit that the package moves
// as it learns how much data it is handling. The arrow library sizes buffers
// from lengths found in the input, and reads some of them (those past the
// end of a message's node and buffer lists) without bounds checks; the limit
// keeps a damaged length from turning into a fatal out-of-memory error.
// It is safe for concurrent use.
type limitAlloc struct {
	mem   memory.Allocator
	limit atomic.Int64
}

func newLimitAlloc(mem memory.Allocator) *limitAlloc {
	a := &limitAlloc{mem: mem}
	a.limit.Store(allocSlack)
	return a
}

// setLimit sets the largest allocation allowed to n plus allocSlack.
func (a *limitAlloc) setLimit(n int64) {
	if n < 0 || n > 1<<62 {
		n = 1 << 62
	}
	a.limit.Store(n + allocSlack)
}

func (a *limitAlloc) check(size int) {
	if int64(size) > a.limit.Load() || size < 0 {
		panic(errAllocLimit)
	}
}

// Allocate implements memory.Allocator.
func (a *limitAlloc) Allocate(size int) []byte {
	a.check(size)
	return a.mem.Allocate(size)
}

// Reallocate implements memory.Allocator.
func (a *limitAlloc) Reallocate(size int, b []byte) []byte {
	a.check(size)
	return a.mem.Reallocate(size, b)
}

// Free implements memory.Allocator.
func (a *limitAlloc) Free(b []byte) { a.mem.Free(b) }
