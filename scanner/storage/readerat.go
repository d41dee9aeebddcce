package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"gocloud.dev/blob"
)

// ReaderAt reads one object by range requests. It implements io.ReaderAt
// and is safe for concurrent ReadAt calls, so it can back a
// records.Source: Parquet and Arrow readers jump to the footer and then to
// row groups or record batches, JSONL readers stream front to back through
// an io.SectionReader.
//
// Request sizes (with the default Options):
//
//   - A read of at least ReadMaxFetch (4 MiB) uncached bytes is one request
//     of exactly that range, not cached: a Parquet column chunk costs one
//     GET.
//   - A smaller read that misses the cache fetches the ReadMinFetch-aligned
//     (64 KiB) window around it, so a Parquet footer and its 8-byte tail,
//     or a page header and the next, share one request.
//   - A read that starts where a cached window ends is sequential: it
//     fetches a window twice the size of the previous one (64 KiB, 128 KiB,
//     … up to 4 MiB), and once a sequential window is half consumed the next
//     one is fetched in the background. A JSONL stream thus settles at one
//     4 MiB request per 4 MiB with the next one in flight, whatever size
//     its reads are (1 MiB for plain JSONL, 32 KiB and less for gzip or
//     zstd decoders).
//   - Concurrent reads of the same missing window wait for one request.
//
// Cached windows are kept up to ReadCacheBytes (16 MiB) per ReaderAt.
// Interleaved streams (one per Parquet column chunk) each keep their own
// windows: windows a read has run off the end of are evicted first, then
// the least recently used, and windows grow and read ahead only into room
// not held by windows another stream has yet to read. A stream's
// read-ahead can run up to one window past its end (into the next column
// chunk); measured on k streams read in lockstep, the bytes fetched stay
// within the object plus (k-1) windows. Bytes returned are copied into
// the caller's buffer, which the ReaderAt never retains.
type ReaderAt struct {
	b      *blob.Bucket
	key    string // full bucket key
	name   string // display URL
	size   int64
	ctx    context.Context // for every request; cancelled by Close
	cancel context.CancelFunc
	opt    Options

	mu     sync.Mutex
	exts   []*extent
	cached int64
	tick   uint64
	closed bool
	wg     sync.WaitGroup // background fetches

	requests atomic.Int64
	fetched  atomic.Int64
}

// extent is one fetched (or being fetched) window [off, off+len(data)).
type extent struct {
	off  int64
	data []byte
	seq  bool // fetched as a continuation of the window before it
	// ahead is set once the window after this one has been requested.
	ahead bool
	// consumed is set once a read has reached the window's last byte: a
	// stream has moved past it, so it is the first to evict.
	consumed bool
	used     uint64        // LRU clock, guarded by ReaderAt.mu
	done     chan struct{} // closed when data (or err) is final
	err      error
}

func (e *extent) end() int64 { return e.off + int64(len(e.data)) }

// ReadStats counts a ReaderAt's traffic.
type ReadStats struct {
	// Requests is the number of range requests issued.
	Requests int64
	// BytesFetched is the number of bytes those requests returned
	// (including read-ahead never consumed).
	BytesFetched int64
}

// OpenReaderAt opens the object at key for random access. It issues one
// metadata request for the size. ctx bounds every later request: cancel it
// (or call Close) to abort reads in flight. The caller must Close the
// ReaderAt.
func (b *Bucket) OpenReaderAt(ctx context.Context, key string) (*ReaderAt, error) {
	name := b.Name(key)
	full := b.key(key)
	a, err := b.b.Attributes(ctx, full)
	if err != nil {
		return nil, wrapErr("read", name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	return &ReaderAt{b: b.b, key: full, name: name, size: a.Size, ctx: ctx, cancel: cancel, opt: b.opt}, nil
}

// Size returns the object's length in bytes, as it was at open.
func (r *ReaderAt) Size() int64 { return r.size }

// Name returns the object's display URL.
func (r *ReaderAt) Name() string { return r.name }

// Stats returns the traffic so far. Safe for concurrent use.
func (r *ReaderAt) Stats() ReadStats {
	return ReadStats{Requests: r.requests.Load(), BytesFetched: r.fetched.Load()}
}

// Close aborts background fetches, waits for them and drops the cache.
// ReadAt after Close returns an error wrapping ErrClosed. Close is safe to
// call more than once.
func (r *ReaderAt) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.exts, r.cached = nil, 0
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	return nil
}

// ReadAt reads len(p) bytes at off, following io.ReaderAt: n < len(p) only
// with an error, io.EOF at the end of the object. Errors are *Error values
// naming the object and the failed byte range.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &Error{Op: "read", URL: r.name, Err: fmt.Errorf("negative offset %d", off)}
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := len(p)
	short := false
	if int64(want) > r.size-off {
		want = int(r.size - off)
		short = true
	}
	done := 0
	for done < want {
		cur := off + int64(done)
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return done, &Error{Op: "read", URL: r.name, Kind: ErrClosed}
		}
		e := r.find(cur)
		fetch := false
		if e == nil {
			e = r.plan(cur, int64(want-done))
			if e == nil {
				// Large read: one request straight into p.
				r.mu.Unlock()
				n, err := r.fetch(p[done:want], cur)
				done += n
				if err != nil {
					return done, err
				}
				continue
			}
			r.insert(e)
			fetch = true
		}
		r.tick++
		e.used = r.tick
		r.mu.Unlock()
		if fetch {
			r.fill(e)
		}
		<-e.done
		if e.err != nil {
			r.drop(e)
			return done, e.err
		}
		n := copy(p[done:want], e.data[cur-e.off:])
		done += n
		if cur+int64(n) == e.end() {
			r.mu.Lock()
			e.consumed = true
			r.mu.Unlock()
		}
		r.readAhead(e, cur+int64(n))
	}
	if short {
		return want, io.EOF
	}
	return want, nil
}

// find returns the cached extent holding byte off, or nil. r.mu is held.
func (r *ReaderAt) find(off int64) *extent {
	for _, e := range r.exts {
		if e.off <= off && off < e.end() {
			return e
		}
	}
	return nil
}

// plan returns a new extent covering off for a read needing need more
// bytes, or nil when the read should bypass the cache. r.mu is held.
func (r *ReaderAt) plan(off, need int64) *extent {
	minF, maxF := r.opt.ReadMinFetch, r.opt.ReadMaxFetch
	// The window may not overlap cached bytes on either side.
	lo, hi := int64(0), r.size
	var prev *extent
	for _, e := range r.exts {
		if end := e.end(); end <= off && end > lo {
			lo = end
		}
		if e.off > off && e.off < hi {
			hi = e.off
		}
		if e.end() == off && (prev == nil || e.used > prev.used) {
			prev = e
		}
	}
	var start, end int64
	seq := prev != nil
	if seq {
		if need >= maxF {
			return nil
		}
		// Double the window, within what the cache can hold without
		// evicting windows other streams have yet to read.
		w := min(max(2*int64(len(prev.data)), minF), maxF, max(r.room(prev), minF))
		start, end = off, off+max(w, need)
	} else {
		if need >= maxF {
			return nil
		}
		start = off - off%minF
		end = off + need
		if rem := end % minF; rem != 0 {
			end += minF - rem
		}
		if end-start > maxF {
			start, end = off, off+need
		}
	}
	start = max(start, lo)
	end = min(end, hi)
	return &extent{off: start, data: make([]byte, end-start), seq: seq, done: make(chan struct{})}
}

// room returns the cache bytes not held by windows that some stream has
// yet to read (prev, the window a stream just left, counts as read).
// r.mu is held.
func (r *ReaderAt) room(prev *extent) int64 {
	room := r.opt.ReadCacheBytes
	for _, x := range r.exts {
		if !x.consumed && x != prev {
			room -= int64(len(x.data))
		}
	}
	return room
}

// insert adds e to the cache and evicts other extents (consumed ones
// first, then least recently used) beyond ReadCacheBytes. r.mu is held.
func (r *ReaderAt) insert(e *extent) {
	r.tick++
	e.used = r.tick
	r.exts = append(r.exts, e)
	r.cached += int64(len(e.data))
	for r.cached > r.opt.ReadCacheBytes && len(r.exts) > 1 {
		// Consumed windows go first, then the least recently used.
		victim := -1
		for i, x := range r.exts {
			if x == e {
				continue
			}
			if victim < 0 {
				victim = i
				continue
			}
			v := r.exts[victim]
			if x.consumed != v.consumed {
				if x.consumed {
					victim = i
				}
				continue
			}
			if x.used < v.used {
				victim = i
			}
		}
		r.remove(victim)
	}
}

// remove drops r.exts[i]. Readers already holding the extent keep using
// it. r.mu is held.
func (r *ReaderAt) remove(i int) {
	r.cached -= int64(len(r.exts[i].data))
	last := len(r.exts) - 1
	r.exts[i] = r.exts[last]
	r.exts[last] = nil
	r.exts = r.exts[:last]
}

// drop removes a failed extent so that a later read retries.
func (r *ReaderAt) drop(e *extent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.exts {
		if x == e {
			r.remove(i)
			return
		}
	}
}

// fill fetches e's bytes and publishes them.
func (r *ReaderAt) fill(e *extent) {
	_, e.err = r.fetch(e.data, e.off)
	close(e.done)
}

// readAhead starts fetching the window after e in the background once a
// sequential reader has consumed half of e.
func (r *ReaderAt) readAhead(e *extent, pos int64) {
	if !e.seq {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || e.ahead || pos < e.off+int64(len(e.data))/2 || e.end() >= r.size {
		return
	}
	e.ahead = true
	if r.find(e.end()) != nil {
		return
	}
	next := r.plan(e.end(), 1)
	if next == nil {
		return
	}
	// Read ahead only into room that consumed windows or free space
	// give: evicting a window another stream has yet to read would cost
	// that stream a second fetch.
	room := r.room(nil)
	if room < int64(len(next.data)) {
		if room < r.opt.ReadMinFetch {
			return
		}
		next.data = next.data[:room]
	}
	r.insert(next)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.fill(next)
	}()
}

// fetch reads exactly len(dst) bytes at off with one range request.
func (r *ReaderAt) fetch(dst []byte, off int64) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, r.readErr(off, len(dst), err)
	}
	r.requests.Add(1)
	rr, err := r.b.NewRangeReader(r.ctx, r.key, off, int64(len(dst)), readerOptions())
	if err != nil {
		return 0, r.readErr(off, len(dst), err)
	}
	n, err := io.ReadFull(rr, dst)
	r.fetched.Add(int64(n))
	if cerr := rr.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = fmt.Errorf("object ended after %d bytes of the range: it changed or shrank since it was opened at %d bytes", n, r.size)
	}
	if err != nil {
		return n, r.readErr(off, len(dst), err)
	}
	return n, nil
}

func (r *ReaderAt) readErr(off int64, n int, err error) error {
	e := wrapErr("read", r.name, fmt.Errorf("bytes [%d, %d): %w", off, off+int64(n), err))
	return e
}
