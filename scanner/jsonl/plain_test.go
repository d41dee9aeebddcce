package jsonl

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestPlainRunMatchesScalar: the build's plainRun (SIMD under
// GOEXPERIMENT=simd on AVX2) equals the scalar reference on every length
// and position of every special byte class.
func TestPlainRunMatchesScalar(t *testing.T) {
	t.Logf("SIMD kernel: %v", simdPlain)
	plain := bytes.Repeat([]byte("héllo wörld 0123456789 abc\x7f\xff"), 8)
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short", []byte("abc")},
		{"all plain", plain},
	}
	for _, special := range []byte{'"', '\\', 0x00, 0x1f, '\n', '\t'} {
		for _, pos := range []int{0, 1, 31, 32, 33, 63, 64, 100, len(plain) - 1} {
			b := append([]byte(nil), plain...)
			b[pos] = special
			tests = append(tests, struct {
				name string
				b    []byte
			}{string(rune('A'+pos%26)) + "-" + string(rune('0'+special%10)), b})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = byte(0x20 + r.IntN(0xe0))
			if r.IntN(150) == 0 {
				b[i] = []byte{'"', '\\', 0x01, 0x1f}[r.IntN(4)]
			}
		}
		tests = append(tests, struct {
			name string
			b    []byte
		}{"random" + string(rune('a'+n%26)), b})
	}
	for _, tc := range tests {
		for off := range min(len(tc.b), 40) + 1 {
			if got, want := plainRun(tc.b[off:]), plainRunScalar(tc.b[off:]); got != want {
				t.Fatalf("%s at offset %d: plainRun %d, scalar %d", tc.name, off, got, want)
			}
		}
	}
}

func FuzzPlainRun(f *testing.F) {
	f.Add([]byte(`plain text with a "quote" and a \ backslash`))
	f.Add(bytes.Repeat([]byte("x"), 70))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := plainRun(b), plainRunScalar(b); got != want {
			t.Fatalf("plainRun %d, scalar %d", got, want)
		}
	})
}

func BenchmarkPlainRun(b *testing.B) {
	s := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog. "), 100)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		plainRun(s)
	}
}
