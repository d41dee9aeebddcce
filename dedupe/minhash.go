package dedupe

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/zeebo/xxh3"
)

// Key is a 128-bit exact-duplicate key (XXH3-128 of the raw or normalized
// text). At 10^10 records the probability that two different texts share a
// key is below 10^-18, so keys are compared without confirming bytes.
type Key struct{ Hi, Lo uint64 }

// ExactKey returns the exact key of text's raw bytes. It is safe for
// concurrent use and does not allocate.
func ExactKey(text []byte) Key {
	k := xxh3.Hash128(text)
	return Key{Hi: k.Hi, Lo: k.Lo}
}

// Sketch layout (all integers little-endian):
//
//	[0]                 sketchVersion
//	[1]                 flags (flagSig: the text had at least one token)
//	[2:18]              exact key: Hi, Lo
//	[18:18+8B]          B band keys (uint64)
//	[18+8B:18+8B+K]     K = B·R b-bit MinHash values (low 8 bits)
const (
	sketchVersion = 1
	flagSig       = 1
	sketchHeader  = 18
)

// SketchSize returns the length of a sketch for o (242 bytes with the
// default 14 bands × 8 rows), after defaults are applied.
func (o Options) SketchSize() int {
	o = o.withDefaults()
	return sketchHeader + 8*o.Bands + o.hashes()
}

const emptyBin = 1 << 32

// Fingerprinter computes sketches: the exact key, the LSH band keys and a
// compact MinHash signature of a text.
//
// MinHash uses one-permutation hashing with optimal densification
// (Shrivastava, ICML 2017): each shingle is hashed once to 64 bits; the high
// 32 bits pick one of K = Bands·Rows bins and the low 32 bits compete for the
// bin's minimum. Empty bins borrow the value of the first non-empty bin along
// a fixed pseudo-random probe sequence that depends only on the bin number,
// so two texts with the same shingle set always get the same signature and
// Pr[value i agrees] equals the Jaccard similarity of the shingle sets. This
// costs one hash per shingle instead of K.
//
// A Fingerprinter holds reusable buffers: use one per goroutine. It is not
// safe for concurrent use; different Fingerprinters with the same Options
// produce identical sketches.
type Fingerprinter struct {
	opts    Options
	coef    []uint64 // per-position shingle multipliers
	toks    []uint64
	scratch []byte
	mins    []uint64
	sig     []uint32
	probes  []uint16 // densification probe table
	z       normalizer
}

// NewFingerprinter returns a Fingerprinter for opts (defaults applied).
func NewFingerprinter(opts Options) (*Fingerprinter, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	return newFingerprinter(o), nil
}

// newFingerprinter returns a Fingerprinter for resolved options.
func newFingerprinter(o Options) *Fingerprinter {
	m := max(o.NGram, o.CharNGram)
	fp := &Fingerprinter{
		opts:   o,
		coef:   make([]uint64, m),
		mins:   make([]uint64, o.hashes()),
		sig:    make([]uint32, o.hashes()),
		probes: newProbeTable(o.hashes()),
		z:      normalizer{fold: newFolder()},
	}
	for j := range fp.coef {
		fp.coef[j] = fmix64(prime3+uint64(j)*prime1) | 1
	}
	return fp
}

// SketchSize returns the length of the sketches fp appends.
func (fp *Fingerprinter) SketchSize() int { return fp.opts.SketchSize() }

// Sketch appends the sketch of text to dst and returns the extended slice.
// text is only read during the call. With a dst of sufficient capacity,
// Sketch does not allocate (buffers grow to the longest text seen).
func (fp *Fingerprinter) Sketch(dst, text []byte) []byte {
	o := &fp.opts
	k := fp.ExactKey(text)
	hasSig := fp.signature(text)
	var flags byte
	if hasSig {
		flags = flagSig
	}
	dst = append(dst, sketchVersion, flags)
	dst = binary.LittleEndian.AppendUint64(dst, k.Hi)
	dst = binary.LittleEndian.AppendUint64(dst, k.Lo)
	if !hasSig {
		n := 8*o.Bands + o.hashes()
		for range n {
			dst = append(dst, 0)
		}
		return dst
	}
	sig := fp.sig
	for b := range o.Bands {
		dst = binary.LittleEndian.AppendUint64(dst, bandKey(b, sig[b*o.Rows:(b+1)*o.Rows]))
	}
	for _, v := range sig {
		dst = append(dst, byte(v))
	}
	return dst
}

// ExactKey returns the exact key of text: over its raw bytes, or over its
// normalized form when Options.Normalize is set.
func (fp *Fingerprinter) ExactKey(text []byte) Key {
	if fp.opts.Normalize {
		text = fp.z.normalize(text)
	}
	return ExactKey(text)
}

// signature fills fp.sig with the densified one-permutation MinHash of
// text's shingles and reports whether text had any token.
func (fp *Fingerprinter) signature(text []byte) bool {
	toks, cjk := tokenize(text, fp.toks[:0], &fp.scratch)
	fp.toks = toks
	if len(toks) == 0 {
		return false
	}
	n := fp.opts.NGram
	if 2*cjk > len(toks) {
		n = fp.opts.CharNGram
	}
	n = min(n, len(toks))
	mins := fp.mins
	for i := range mins {
		mins[i] = emptyBin
	}
	k := uint64(len(mins))
	coef := fp.coef[:n]
	if n == 5 {
		shingleMins5(toks, (*[5]uint64)(coef), mins)
	} else {
		for i := 0; i+n <= len(toks); i++ {
			var h uint64
			for j, c := range coef {
				h += toks[i+j] * c
			}
			h = fmix64(h)
			bin := (h >> 32) * k >> 32
			if v := h & 0xffffffff; v < mins[bin] {
				mins[bin] = v
			}
		}
	}
	densify(mins, fp.sig, fp.probes)
	return true
}

// probeTable holds the first densifyProbes bins of every bin's probe
// sequence, so densification usually needs no hashing.
const densifyProbes = 32

func newProbeTable(k int) []uint16 {
	t := make([]uint16, k*densifyProbes)
	for i := range k {
		for a := range densifyProbes {
			t[i*densifyProbes+a] = uint16(probe(i, uint64(a), uint64(k)))
		}
	}
	return t
}

// probe returns attempt a of bin i's probe sequence over k bins.
func probe(i int, a, k uint64) uint64 {
	return (fmix64(seedDen^uint64(i)<<32^a) >> 32) * k >> 32
}

// densify copies mins into sig, filling each empty bin i with the value of
// the first non-empty bin on bin i's probe sequence (a fixed pseudo-random
// sequence of bins that depends only on i). At least one bin of mins must
// be non-empty. table is newProbeTable(len(mins)).
func densify(mins []uint64, sig []uint32, table []uint16) {
	k := uint64(len(mins))
	for i, v := range mins {
		if v != emptyBin {
			sig[i] = uint32(v)
			continue
		}
		found := false
		for _, j := range table[i*densifyProbes : (i+1)*densifyProbes] {
			if mins[j] != emptyBin {
				sig[i] = uint32(mins[j])
				found = true
				break
			}
		}
		for a := uint64(densifyProbes); !found && a < 64*k; a++ {
			if j := probe(i, a, k); mins[j] != emptyBin {
				sig[i] = uint32(mins[j])
				found = true
			}
		}
		if !found { // probability < e^-64; deterministic fallback
			for d := uint64(1); d < k; d++ {
				if j := (uint64(i) + d) % k; mins[j] != emptyBin {
					sig[i] = uint32(mins[j])
					break
				}
			}
		}
	}
}

// bandKey hashes band b's rows into a 64-bit LSH key. The band number is
// mixed in so equal rows in different bands give different keys.
func bandKey(b int, rows []uint32) uint64 {
	h := seedBnd ^ uint64(b+1)*prime3
	for _, v := range rows {
		h = bits.RotateLeft64(h^uint64(v)*prime2, 27) * prime1
	}
	return fmix64(h)
}

// equalBytes counts the positions where a and b (same length) hold the same
// byte.
func equalBytes(a, b []byte) int {
	n := 0
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
		// High bit of each byte of t is set iff that byte of x is non-zero.
		t := ((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f) | x
		n += 8 - bits.OnesCount64(t&0x8080808080808080)
	}
	for ; i < len(a); i++ {
		if a[i] == b[i] {
			n++
		}
	}
	return n
}

// estimateJaccard estimates the Jaccard similarity of two texts from their
// b-bit (8-bit) MinHash values: a value pair agrees with probability
// J + (1-J)/256, so J ≈ (agree/K - 1/256) / (1 - 1/256), clamped to [0, 1].
func estimateJaccard(a, b []byte) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	p := float64(equalBytes(a, b)) / float64(len(a))
	j := (p - 1.0/256) / (1 - 1.0/256)
	return math.Min(1, math.Max(0, j))
}

// Similarity estimates the Jaccard similarity of the shingle sets of the two
// texts whose sketches (made by fp or a Fingerprinter with the same Options)
// are a and b, from their MinHash signatures. Texts with equal exact keys
// have similarity 1; a text without tokens has similarity 0 to any other
// text. It returns ErrBadSketch if a sketch does not have fp's layout.
func (fp *Fingerprinter) Similarity(a, b []byte) (float64, error) {
	n := fp.SketchSize()
	if len(a) != n || len(b) != n || a[0] != sketchVersion || b[0] != sketchVersion {
		return 0, fmt.Errorf("dedupe: similarity: %w", ErrBadSketch)
	}
	if string(a[2:sketchHeader]) == string(b[2:sketchHeader]) {
		return 1, nil
	}
	if a[1]&flagSig == 0 || b[1]&flagSig == 0 {
		return 0, nil
	}
	off := sketchHeader + 8*fp.opts.Bands
	return estimateJaccard(a[off:], b[off:]), nil
}

// DetectionProbability returns the probability that LSH with the given
// bands and rows makes a pair with Jaccard similarity s a candidate:
// 1 − (1 − s^rows)^bands.
func DetectionProbability(s float64, bands, rows int) float64 {
	return 1 - math.Pow(1-math.Pow(s, float64(rows)), float64(bands))
}

// LSHThreshold returns (1/bands)^(1/rows), the usual estimate of the
// similarity at which the LSH detection curve rises steepest (about 0.72
// for 14 × 8).
func LSHThreshold(bands, rows int) float64 {
	return math.Pow(1/float64(bands), 1/float64(rows))
}
