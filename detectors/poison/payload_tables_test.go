package poison

import (
	"math/rand/v2"
	"testing"
)

// TestPayloadSeen: for every width and depth, on streams with many
// repeats and collisions, payloadSeen.add reports a shingle seen before
// exactly when cms.add returns 2 or more.
func TestPayloadSeen(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for depth := 1; depth <= 8; depth++ {
		for _, width := range []int{8, 10, 14} {
			ref, got := newCMS(width, depth), newPayloadSeen(width, depth)
			keys := make([]uint64, 1<<(width-1))
			for i := range keys {
				keys[i] = rng.Uint64()
			}
			for i := 0; i < 20<<width; i++ {
				// Skewed: a few keys often, most rarely.
				h := keys[int(float64(len(keys))*rng.Float64()*rng.Float64())]
				want := ref.add(h) >= 2
				if seen := got.add(got.line(mix64(h)), got.selector(h)); seen != want {
					t.Fatalf("width %d depth %d, step %d: seen %v, want %v", width, depth, i, seen, want)
				}
			}
			if 16*got.bytes() != ref.bytes() {
				t.Errorf("width %d depth %d: %d bytes, want 1/16 of the cms's %d", width, depth, got.bytes(), ref.bytes())
			}
		}
	}
}

// TestPayloadSeenSelectors: each selector stands for one counter in each
// row's segment, as cms.slots picks them, and the spare bit is free.
func TestPayloadSeenSelectors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for depth := 1; depth <= 8; depth++ {
		c, ref := newPayloadSeen(10, depth), newCMS(10, depth)
		for i := 0; i < 10000; i++ {
			h := rng.Uint64()
			_, idx := ref.slots(h)
			var want uint32
			for r := 0; r < depth; r++ {
				want |= 1 << (2 * idx[r])
			}
			sel := c.selector(h)
			if sel&c.spare != 0 || c.counters[sel] != want {
				t.Fatalf("depth %d: selector %d (spare %#x) is %#x, want %#x", depth, sel, c.spare, c.counters[sel], want)
			}
		}
		if (c.spare != 0) != (depth <= 3 || depth == 6 || depth == 7) {
			t.Errorf("depth %d: spare %#x", depth, c.spare)
		}
	}
}

// TestUnmix64: unmix64 inverts mix64.
func TestUnmix64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, x := range []uint64{0, 1, 1 << 63, ^uint64(0)} {
		if unmix64(mix64(x)) != x {
			t.Fatalf("unmix64(mix64(%#x)) = %#x", x, unmix64(mix64(x)))
		}
	}
	for i := 0; i < 100000; i++ {
		x := rng.Uint64()
		if unmix64(mix64(x)) != x {
			t.Fatalf("unmix64(mix64(%#x)) = %#x", x, unmix64(mix64(x)))
		}
	}
}

// TestPayloadCands: the candidate index finds exactly the candidates
// added, with their hashes, through every growth, like a map.
func TestPayloadCands(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var c payloadCands
	ref := map[uint64]int{}
	var keys []uint64
	for i := 0; i < 50000; i++ {
		h := rng.Uint64()
		if i%7 == 0 && len(keys) > 0 {
			h = keys[rng.IntN(len(keys))] // present
		}
		m := mix64(h)
		want, ok := ref[m]
		if !ok {
			want = -1
		}
		if got := c.find(m); got != want {
			t.Fatalf("step %d: find = %d, want %d", i, got, want)
		}
		if !ok {
			ref[m] = c.add(m)
			keys = append(keys, h)
		}
	}
	for i, h := range keys {
		if c.list[i].h != h {
			t.Fatalf("candidate %d: hash %#x, want %#x", i, c.list[i].h, h)
		}
	}
	if c.len() != len(keys) {
		t.Fatalf("%d candidates, want %d", c.len(), len(keys))
	}
}

// TestPayloadFirstZero: a first-seen slot never written holds the zero
// occurrence of hash 0, as a zeroed table of (hash, payloadOcc) pairs did;
// a written slot gives back what was stored.
func TestPayloadFirstZero(t *testing.T) {
	var f payloadFirst
	if !f.holds(mix64(0)) || f.holds(mix64(1)) || f.occ() != (payloadOcc{}) {
		t.Fatalf("zero slot: holds(0) %v, holds(1) %v, occ %+v", f.holds(mix64(0)), f.holds(mix64(1)), f.occ())
	}
	o := payloadOcc{field: 3, fidx: 4, start: 5, end: 60, flen: 70, prompt: true, own: 8, rest: 9, bloom: 10}
	o.rec.File, o.rec.Row = 11, 1<<40
	for _, m := range []uint64{0x1234_5678_9abc_def0, 0x1234_5678_9abc_def1} {
		f := payloadFirst{key: m&^1 | b2u(o.prompt), row: o.rec.Row, own: o.own, rest: o.rest, bloom: o.bloom,
			file: o.rec.File, field: o.field, fidx: o.fidx, start: o.start, end: o.end, flen: o.flen}
		if !f.holds(m) || f.holds(m^2) || f.occ() != o {
			t.Fatalf("slot of %#x: holds %v, occ %+v", m, f.holds(m), f.occ())
		}
	}
}
