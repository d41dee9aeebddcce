package storage

import (
	"context"
	"encoding/binary"
	"testing"
)

// FuzzReaderAt drives one ReaderAt (tiny windows, so every fuzz input
// exercises alignment, sequential growth, read-ahead, eviction and direct
// reads) with a sequence of reads and compares each with the bytes.
// Each 4 input bytes are one read: a 16-bit offset and a 16-bit length.
func FuzzReaderAt(f *testing.F) {
	ctx := context.Background()
	const size = 5000
	data := randBytes(size, 11)
	s := newStore(f, Options{ReadMinFetch: 16, ReadMaxFetch: 256, ReadCacheBytes: 1024})
	b, err := s.Open(ctx, "mem://fuzz/")
	if err != nil {
		f.Fatal(err)
	}
	if err := b.WriteFile(ctx, "obj", data); err != nil {
		f.Fatal(err)
	}
	seq := func(ops ...[2]uint16) []byte {
		var p []byte
		for _, op := range ops {
			p = binary.LittleEndian.AppendUint16(p, op[0])
			p = binary.LittleEndian.AppendUint16(p, op[1])
		}
		return p
	}
	f.Add(seq([2]uint16{4992, 8}, [2]uint16{4000, 992}))                     // footer, then its body
	f.Add(seq([2]uint16{0, 100}, [2]uint16{100, 100}, [2]uint16{200, 300}))  // a stream
	f.Add(seq([2]uint16{10, 1000}, [2]uint16{4999, 10}, [2]uint16{5000, 1})) // direct, end, past end
	f.Add(seq([2]uint16{3000, 0}, [2]uint16{17, 15}, [2]uint16{31, 2}))      // empty and straddling reads
	f.Fuzz(func(t *testing.T, ops []byte) {
		r, err := b.OpenReaderAt(ctx, "obj")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for i := 0; i+4 <= len(ops) && i < 400; i += 4 {
			off := int64(binary.LittleEndian.Uint16(ops[i:])) % (size + 100)
			n := int(binary.LittleEndian.Uint16(ops[i+2:])) % 1500
			checkReadAt(t, r, data, off, n)
		}
		if st := r.Stats(); st.BytesFetched > 0 && st.Requests == 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}
