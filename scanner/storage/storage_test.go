package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	ctx := context.Background()
	fixture := map[string]int{
		"in/shards/a.jsonl":         10,
		"in/shards/b.jsonl.zst":     20,
		"in/shards/sub/c.parquet":   30,
		"in/shards/sub/.d.jsonl":    1,
		"in/shards/.hidden/x.jsonl": 2,
		"in/shards2/y.jsonl":        40,
		"in/other/z.jsonl":          50,
		"in/2024/01/p.jsonl":        60,
		"in/2024/02/q.jsonl":        70,
		"in/2025/01/r.jsonl":        80,
	}
	cases := []struct {
		name, input string
		root        string // expected root, relative to the backend
		want        []string
		wantErr     error
	}{
		{name: "prefix", input: "in/shards", root: "in/shards/", want: []string{"a.jsonl", "b.jsonl.zst", "sub/c.parquet"}},
		{name: "prefix slash", input: "in/shards/", root: "in/shards/", want: []string{"a.jsonl", "b.jsonl.zst", "sub/c.parquet"}},
		{name: "object", input: "in/shards/sub/c.parquet", root: "in/shards/sub/", want: []string{"c.parquet"}},
		{name: "hidden object named", input: "in/shards/sub/.d.jsonl", root: "in/shards/sub/", want: []string{".d.jsonl"}},
		{name: "glob files", input: "in/shards/*.jsonl", root: "in/shards/", want: []string{"a.jsonl"}},
		{name: "glob dirs", input: "in/shards/*", root: "in/shards/", want: []string{".hidden/x.jsonl", "a.jsonl", "b.jsonl.zst", "sub/c.parquet"}},
		{name: "glob two levels", input: "in/20*/01/*.jsonl", root: "in/", want: []string{"2024/01/p.jsonl", "2025/01/r.jsonl"}},
		{name: "glob class", input: "in/2024/0[2-9]", root: "in/2024/", want: []string{"02/q.jsonl"}},
		{name: "glob prefix sibling", input: "in/shards*/*.jsonl", root: "in/", want: []string{"shards/a.jsonl", "shards2/y.jsonl"}},
		{name: "missing prefix", input: "in/nope", wantErr: ErrNotFound},
		{name: "empty glob", input: "in/shards/*.arrow", wantErr: ErrNotFound},
		{name: "bad glob", input: "in/shards/[a", wantErr: ErrBadURL},
	}
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, Options{})
			w := openRoot(t, s, be, "")
			for k, n := range fixture {
				if err := w.WriteFile(ctx, k, bytes.Repeat([]byte{'x'}, n)); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					root, objs, err := s.Expand(ctx, be.url(tc.input))
					if tc.wantErr != nil {
						if !errors.Is(err, tc.wantErr) {
							t.Fatalf("Expand(%s) error = %v, want %v", tc.input, err, tc.wantErr)
						}
						if !strings.Contains(err.Error(), tc.input) {
							t.Errorf("error %q does not name %q", err, tc.input)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if got, want := root.Root().String(), be.url(tc.root); !strings.HasPrefix(want, got) || !strings.HasSuffix(got, tc.root) {
						t.Errorf("root = %s, want %s", got, redact(want))
					}
					var keys []string
					for _, o := range objs {
						keys = append(keys, o.Key)
						full := strings.TrimPrefix(root.Root().Key+"/"+o.Key, "/")
						full = full[strings.Index(full, "in/"):]
						if o.Size != int64(fixture[full]) {
							t.Errorf("%s: size %d, want %d", o.Key, o.Size, fixture[full])
						}
						if !strings.HasSuffix(o.Name, "/"+full) || strings.Contains(o.Name, "?") {
							t.Errorf("%s: Name %q", o.Key, o.Name)
						}
					}
					if fmt.Sprint(keys) != fmt.Sprint(tc.want) {
						t.Errorf("keys = %q, want %q", keys, tc.want)
					}
					// Every listed object opens both through the root and by URL.
					o := objs[0]
					ra, err := root.OpenReaderAt(ctx, o.Key)
					if err != nil {
						t.Fatal(err)
					}
					defer ra.Close()
					rb, err := s.OpenReaderAt(ctx, o.URL)
					if err != nil {
						t.Fatal(err)
					}
					defer rb.Close()
					if ra.Size() != o.Size || rb.Size() != o.Size || rb.Name() != o.Name {
						t.Errorf("opened sizes %d, %d (name %s), want %d (%s)", ra.Size(), rb.Size(), rb.Name(), o.Size, o.Name)
					}
				})
			}
		})
	}
}

// checkReadAt compares r.ReadAt(len n at off) with the bytes of want,
// following io.ReaderAt.
func checkReadAt(t *testing.T, r io.ReaderAt, want []byte, off int64, n int) {
	t.Helper()
	p := make([]byte, n)
	got, err := r.ReadAt(p, off)
	wantN := 0
	if off < int64(len(want)) {
		wantN = min(n, len(want)-int(off))
	}
	if got != wantN {
		t.Fatalf("ReadAt(len %d, off %d) = %d bytes, want %d (err %v)", n, off, got, wantN, err)
	}
	if got > 0 && !bytes.Equal(p[:got], want[off:off+int64(got)]) {
		t.Fatalf("ReadAt(len %d, off %d): bytes differ", n, off)
	}
	if wantN < n && err != io.EOF {
		t.Fatalf("ReadAt(len %d, off %d): short read with err %v, want io.EOF", n, off, err)
	}
	if wantN == n && err != nil && !(err == io.EOF && off+int64(n) >= int64(len(want))) {
		t.Fatalf("ReadAt(len %d, off %d): err %v", n, off, err)
	}
}

// smallRead makes the cache logic visible on small objects.
var smallRead = Options{ReadMinFetch: 4 << 10, ReadMaxFetch: 64 << 10, ReadCacheBytes: 256 << 10}

func TestReadAtRandom(t *testing.T) {
	ctx := context.Background()
	data := randBytes(3<<20+123, 1)
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			for _, opt := range []Options{{}, smallRead} {
				s := newStore(t, opt)
				b := openRoot(t, s, be, "r")
				if err := b.WriteFile(ctx, "obj.bin", data); err != nil {
					t.Fatal(err)
				}
				r, err := b.OpenReaderAt(ctx, "obj.bin")
				if err != nil {
					t.Fatal(err)
				}
				if r.Size() != int64(len(data)) {
					t.Fatalf("Size = %d, want %d", r.Size(), len(data))
				}
				rng := randSource(2)
				size := int64(len(data))
				for i := 0; i < 300; i++ {
					var off int64
					switch rng.IntN(4) {
					case 0: // near the end, including past it
						off = size - int64(rng.IntN(100<<10)) + 50<<10
					default:
						off = rng.Int64N(size)
					}
					n := rng.IntN(200 << 10)
					if rng.IntN(20) == 0 {
						n = 5 << 20 // a large direct read
					}
					checkReadAt(t, r, data, off, n)
				}
				r.Close()
				if _, err := r.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrClosed) {
					t.Errorf("ReadAt after Close: %v, want ErrClosed", err)
				}
			}
		})
	}
}

func TestReadAtConcurrent(t *testing.T) {
	ctx := context.Background()
	data := randBytes(2<<20+7, 3)
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, smallRead)
			b := openRoot(t, s, be, "c")
			if err := b.WriteFile(ctx, "obj.bin", data); err != nil {
				t.Fatal(err)
			}
			r, err := b.OpenReaderAt(ctx, "obj.bin")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for g := range 8 {
				wg.Go(func() {
					rng := randSource(uint64(10 + g))
					// Half the goroutines stream, half jump around.
					var next int64
					for i := 0; i < 150; i++ {
						n := 1 + rng.IntN(32<<10)
						off := rng.Int64N(int64(len(data)))
						if g%2 == 0 {
							off = next % int64(len(data))
						}
						p := make([]byte, n)
						got, err := r.ReadAt(p, off)
						if err != nil && err != io.EOF {
							errs <- err
							return
						}
						if !bytes.Equal(p[:got], data[off:off+int64(got)]) || (got < n && off+int64(got) != int64(len(data))) {
							errs <- fmt.Errorf("goroutine %d: ReadAt(len %d, off %d) = %d bytes, wrong", g, n, off, got)
							return
						}
						next = off + int64(got)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// rangeLen returns the length of an HTTP "bytes=a-b" range.
func rangeLen(t *testing.T, h string) int64 {
	t.Helper()
	var a, b int64
	if _, err := fmt.Sscanf(h, "bytes=%d-%d", &a, &b); err != nil {
		t.Fatalf("range header %q: %v", h, err)
	}
	return b - a + 1
}

func TestReadAheadSequential(t *testing.T) {
	ctx := context.Background()
	const size = 10<<20 + 5
	data := randBytes(size, 4)
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, Options{})
			b := openRoot(t, s, be, "seq")
			if err := b.WriteFile(ctx, "stream.jsonl", data); err != nil {
				t.Fatal(err)
			}
			var before int
			if be.s3 != nil {
				before = len(be.s3.log())
			}
			r, err := b.OpenReaderAt(ctx, "stream.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			// A decompressor-like consumer: 4 KiB reads front to back.
			got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatal("sequential read differs")
			}
			st := r.Stats()
			t.Logf("%d requests, %d bytes fetched", st.Requests, st.BytesFetched)
			// Windows ramp 64K, 128K, … 4M: 10 MiB take about 9 requests;
			// 4 KiB requests would take 2,561.
			if st.Requests > 12 {
				t.Errorf("%d requests for a %d-byte stream", st.Requests, size)
			}
			if st.BytesFetched > size+DefaultReadMaxFetch {
				t.Errorf("fetched %d bytes for a %d-byte object", st.BytesFetched, size)
			}
			if be.s3 == nil {
				return
			}
			var gets int64
			for _, req := range be.s3.log()[before:] {
				if req.method != "GET" {
					continue
				}
				gets++
				n := rangeLen(t, req.rng)
				if n > DefaultReadMaxFetch {
					t.Errorf("request of %d bytes exceeds ReadMaxFetch", n)
				}
			}
			if gets != st.Requests {
				t.Errorf("server saw %d GETs, Stats says %d", gets, st.Requests)
			}
		})
	}
}

func TestReadAtRequestShapes(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t)
	s := newStore(t, Options{})
	b, err := s.Open(ctx, f.url("shapes"))
	if err != nil {
		t.Fatal(err)
	}
	const size = 9 << 20
	data := randBytes(size, 5)
	if err := b.WriteFile(ctx, "t.parquet", data); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		reads [][2]int64 // off, len
		want  []int64    // range lengths the server sees, in order
	}{
		// Parquet: the 8-byte tail, then a 20 KB footer just before it:
		// one aligned 64 KiB window serves both.
		{name: "footer", reads: [][2]int64{{size - 8, 8}, {size - 8 - 20000, 20000}}, want: []int64{64 << 10}},
		// A column chunk of 5 MiB: one exact request, not cached.
		{name: "column chunk", reads: [][2]int64{{1000, 5 << 20}}, want: []int64{5 << 20}},
		// Two small reads in one window: one request.
		{name: "page headers", reads: [][2]int64{{100, 1024}, {30000, 1024}}, want: []int64{64 << 10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := b.OpenReaderAt(ctx, "t.parquet")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			before := len(f.log())
			for _, rd := range tc.reads {
				checkReadAt(t, r, data, rd[0], int(rd[1]))
			}
			var got []int64
			for _, req := range f.log()[before:] {
				if req.method == "GET" {
					got = append(got, rangeLen(t, req.rng))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("range lengths = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLargeWriteRoundTrip(t *testing.T) {
	ctx := context.Background()
	data := randBytes(11<<20+3, 6) // three 5 MiB parts, the last short
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, Options{PartSize: 5 << 20})
			b := openRoot(t, s, be, "out")
			var before int
			if be.s3 != nil {
				before = len(be.s3.log())
			}
			w, err := b.NewWriter(ctx, "data/big.jsonl", nil)
			if err != nil {
				t.Fatal(err)
			}
			for p := data; len(p) > 0; {
				n := min(len(p), 1<<20+17)
				if _, err := w.Write(p[:n]); err != nil {
					t.Fatal(err)
				}
				p = p[n:]
			}
			if w.Written() != int64(len(data)) {
				t.Errorf("Written = %d", w.Written())
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); !errors.Is(err, ErrClosed) {
				t.Errorf("second Close: %v, want ErrClosed", err)
			}
			got, err := b.ReadFile(ctx, "data/big.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("round trip differs: %d bytes back, %d written", len(got), len(data))
			}
			rc, err := b.NewReader(ctx, "data/big.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			got, err = io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("streamed read differs (err %v)", err)
			}
			if be.s3 == nil {
				return
			}
			parts, starts := 0, 0
			for _, req := range be.s3.log()[before:] {
				if _, ok := req.query["uploads"]; ok && req.method == "POST" {
					starts++
				}
				if _, ok := req.query["partNumber"]; ok && req.method == "PUT" {
					parts++
				}
			}
			if starts != 1 || parts != 3 {
				t.Errorf("server saw %d multipart uploads with %d parts, want 1 with 3", starts, parts)
			}
		})
	}
}

func TestAbortLeavesNoObject(t *testing.T) {
	ctx := context.Background()
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, Options{PartSize: 5 << 20})
			b := openRoot(t, s, be, "abort")
			cases := []struct {
				name string
				n    int // bytes written before aborting
				how  string
			}{
				{"small abort", 1000, "abort"},
				{"multipart abort", 6 << 20, "abort"},
				{"cancelled context", 6 << 20, "cancel"},
				{"nothing written", 0, "abort"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					key := "part/" + strings.ReplaceAll(tc.name, " ", "-") + ".jsonl"
					wctx, cancel := context.WithCancel(ctx)
					defer cancel()
					w, err := b.NewWriter(wctx, key, nil)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := w.Write(randBytes(tc.n, 7)); err != nil {
						t.Fatal(err)
					}
					switch tc.how {
					case "abort":
						if err := w.Abort(); err != nil {
							t.Fatal(err)
						}
					case "cancel":
						cancel()
						if err := w.Close(); !errors.Is(err, context.Canceled) {
							t.Fatalf("Close after cancel: %v, want context.Canceled", err)
						}
					}
					if ok, err := b.Exists(ctx, key); err != nil || ok {
						t.Fatalf("Exists after %s = %v, %v; want false", tc.how, ok, err)
					}
				})
			}
			// An aborted rewrite keeps the previous object.
			if err := b.WriteFile(ctx, "keep.json", []byte("v1")); err != nil {
				t.Fatal(err)
			}
			w, err := b.NewWriter(ctx, "keep.json", nil)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("v2 partial"))
			if err := w.Abort(); err != nil {
				t.Fatal(err)
			}
			if got, err := b.ReadFile(ctx, "keep.json"); err != nil || string(got) != "v1" {
				t.Fatalf("after aborted rewrite: %q, %v; want v1", got, err)
			}
			objs, err := b.List(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 1 || objs[0].Key != "keep.json" {
				t.Errorf("left behind: %v", objs)
			}
			if be.s3 != nil {
				aborts := 0
				for _, req := range be.s3.log() {
					if _, ok := req.query["uploadId"]; ok && req.method == "DELETE" {
						aborts++
					}
				}
				if aborts != 2 {
					t.Errorf("server saw %d multipart aborts, want 2", aborts)
				}
			}
		})
	}
}

func TestCreateIfAbsent(t *testing.T) {
	ctx := context.Background()
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, Options{})
			b := openRoot(t, s, be, "run")
			if err := b.CheckCreateIfAbsent(ctx); err != nil {
				t.Fatalf("CheckCreateIfAbsent: %v", err)
			}
			const key = "markers/map/0003.done"
			if err := b.CreateIfAbsent(ctx, key, []byte("first")); err != nil {
				t.Fatal(err)
			}
			err := b.CreateIfAbsent(ctx, key, []byte("second"))
			if !errors.Is(err, ErrExist) {
				t.Fatalf("second create: %v, want ErrExist", err)
			}
			if !strings.Contains(err.Error(), b.Name(key)) {
				t.Errorf("error %q does not name %s", err, b.Name(key))
			}
			if got, _ := b.ReadFile(ctx, key); string(got) != "first" {
				t.Errorf("marker = %q after a failed create, want first", got)
			}

			// Racing creates: exactly one wins, and its payload stays.
			const racers = 8
			var wg sync.WaitGroup
			results := make([]error, racers)
			for i := range racers {
				wg.Go(func() {
					results[i] = b.CreateIfAbsent(ctx, "markers/commit.done", []byte(fmt.Sprint("racer ", i)))
				})
			}
			wg.Wait()
			winner := -1
			for i, err := range results {
				switch {
				case err == nil:
					if winner >= 0 {
						t.Errorf("racers %d and %d both created the marker", winner, i)
					}
					winner = i
				case !errors.Is(err, ErrExist):
					t.Errorf("racer %d: %v", i, err)
				}
			}
			if winner < 0 {
				t.Fatal("no racer created the marker")
			}
			if got, _ := b.ReadFile(ctx, "markers/commit.done"); string(got) != fmt.Sprint("racer ", winner) {
				t.Errorf("marker = %q, want the winner's (racer %d)", got, winner)
			}
			objs, err := b.List(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 2 {
				t.Errorf("objects after creates: %v (probe or temporary files left?)", objs)
			}
			if be.name == "file" {
				ents, _ := os.ReadDir(filepath.Join("/", b.Root().Key, "markers"))
				for _, e := range ents {
					if strings.HasSuffix(e.Name(), ".tmp") {
						t.Errorf("temporary file left: %s", e.Name())
					}
				}
			}
		})
	}
}

func TestCheckCreateIfAbsentDetectsIgnoringServer(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t)
	f.dropIfNoneMatch.Store(true)
	s := newStore(t, Options{})
	b, err := s.Open(ctx, f.url("run"))
	if err != nil {
		t.Fatal(err)
	}
	err = b.CheckCreateIfAbsent(ctx)
	if !errors.Is(err, ErrConditionalWrites) {
		t.Fatalf("CheckCreateIfAbsent against a server ignoring If-None-Match: %v, want ErrConditionalWrites", err)
	}
	if objs, _ := b.List(ctx, ""); len(objs) != 0 {
		t.Errorf("probe left behind: %v", objs)
	}
}

func TestErrorsNameTheObject(t *testing.T) {
	ctx := context.Background()
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := newStore(t, Options{})
			b := openRoot(t, s, be, "errs")
			name := b.Name("missing/a.jsonl")
			ops := []struct {
				op   string
				err  func() error
				kind error
			}{
				{"stat", func() error { _, err := b.Stat(ctx, "missing/a.jsonl"); return err }, ErrNotFound},
				{"read", func() error { _, err := b.ReadFile(ctx, "missing/a.jsonl"); return err }, ErrNotFound},
				{"read", func() error { _, err := b.OpenReaderAt(ctx, "missing/a.jsonl"); return err }, ErrNotFound},
				{"read", func() error { _, err := b.NewReader(ctx, "missing/a.jsonl"); return err }, ErrNotFound},
				{"delete", func() error { return b.Delete(ctx, "missing/a.jsonl") }, ErrNotFound},
				{"write", func() error { _, err := b.NewWriter(ctx, "missing//a.jsonl", nil); return err }, ErrBadKey},
				{"create", func() error { return b.CreateIfAbsent(ctx, "missing/../a.jsonl", nil) }, ErrBadKey},
			}
			for _, o := range ops {
				err := o.err()
				if !errors.Is(err, o.kind) {
					t.Errorf("%s: %v, want %v", o.op, err, o.kind)
					continue
				}
				var se *Error
				if !errors.As(err, &se) || se.Op != o.op {
					t.Errorf("%s: %#v is not an *Error with Op %q", o.op, err, o.op)
				}
				msg := err.Error()
				if !strings.Contains(msg, strings.TrimSuffix(name, "a.jsonl")) || strings.Contains(msg, "endpoint=") {
					t.Errorf("%s: message %q should name %s without parameters", o.op, msg, name)
				}
			}
		})
	}
}

func TestStoreClosed(t *testing.T) {
	ctx := context.Background()
	s, err := NewStore(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Open(ctx, "mem://x/root")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFile(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Open(ctx, "mem://x/root"); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close: %v, want ErrClosed", err)
	}
	if _, err := b.ReadFile(ctx, "k"); err == nil {
		t.Error("ReadFile on a closed store's bucket succeeded")
	}
}

func TestOptionsValidate(t *testing.T) {
	err := Options{ReadMinFetch: -1, ReadMaxFetch: 1 << 20, ReadCacheBytes: 1 << 20, PartSize: 1 << 20}.Validate()
	if err == nil {
		t.Fatal("bad options accepted")
	}
	for _, field := range []string{"ReadMinFetch", "ReadCacheBytes", "PartSize"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not report %s", err, field)
		}
	}
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}

func TestReadAtCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := newStore(t, Options{})
	b, err := s.Open(ctx, "mem://c/")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFile(ctx, "o", randBytes(1<<20, 9)); err != nil {
		t.Fatal(err)
	}
	r, err := b.OpenReaderAt(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	done := make(chan error, 1)
	go func() { _, err := r.ReadAt(make([]byte, 10), 5); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "mem://c/o") {
			t.Errorf("ReadAt after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadAt hung after cancel")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	newFakeS3(t)
	s := newStore(t, Options{})
	cases := []struct {
		url, want string
		kind      error
	}{
		{"s3://b/k?bogus=1", `unknown query parameter "bogus"`, nil},
		{"mem://b/k?x=1", "mem URLs take no parameters", ErrBadURL},
		{"s3://b/*.jsonl", "cannot be a glob", ErrBadURL},
		{"ftp://b/k", "unsupported scheme", ErrBadURL},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			_, err := s.Open(ctx, tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open(%s) = %v, want an error saying %q", tc.url, err, tc.want)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("Open(%s) = %v, want %v", tc.url, err, tc.kind)
			}
		})
	}
}
