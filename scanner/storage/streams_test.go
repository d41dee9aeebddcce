package storage

import (
	"context"
	"fmt"
	"testing"
)

// TestInterleavedStreams reads one object as k sequential streams in
// lockstep (as a Parquet reader does with k column chunks) and bounds the
// refetching the cache causes.
func TestInterleavedStreams(t *testing.T) {
	ctx := context.Background()
	const size = 32 << 20
	data := randBytes(size, 12)
	s := newStore(t, Options{})
	b, err := s.Open(ctx, "mem://streams/")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFile(ctx, "obj", data); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprint(k, " streams"), func(t *testing.T) {
			r, err := b.OpenReaderAt(ctx, "obj")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			span := int64(size / k)
			p := make([]byte, 4<<10)
			for pos := int64(0); pos < span; pos += int64(len(p)) {
				for i := 0; i < k; i++ {
					off := int64(i)*span + pos
					n := min(int64(len(p)), span-pos)
					checkReadAt(t, r, data, off, int(n))
				}
			}
			st := r.Stats()
			t.Logf("%d streams: %d requests, %.2fx bytes fetched", k, st.Requests, float64(st.BytesFetched)/size)
			// Each stream's read-ahead may run one window into the next
			// stream's bytes (a Parquet column chunk into the next chunk);
			// anything beyond that is cache thrashing.
			if limit := int64(size + (k-1)*DefaultReadMaxFetch); st.BytesFetched > limit {
				t.Errorf("fetched %d bytes, want at most %d", st.BytesFetched, limit)
			}
			if st.Requests > int64(16*k) {
				t.Errorf("%d requests for %d streams", st.Requests, k)
			}
		})
	}
}
