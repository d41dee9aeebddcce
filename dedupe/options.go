package dedupe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zeebo/xxh3"
)

// Defaults for Options. They are the FineWeb/datatrove setting: word 5-grams
// and 112 MinHash values as 14 bands of 8 rows.
const (
	DefaultNGram          = 5
	DefaultCharNGram      = 5
	DefaultBands          = 14
	DefaultRows           = 8
	DefaultThreshold      = 0.7
	DefaultMaxClusterSize = 1000
	DefaultMemBytes       = 256 << 20
	DefaultPartitions     = 16
	DefaultTopClusters    = 10
)

// Limits of the record id space. Node keys pack a file index and a row into
// 63 bits (see RecordID).
const (
	MaxFiles = 1 << 23 // file indexes are < MaxFiles
	MaxRows  = 1 << 40 // rows are < MaxRows
)

// KeepPolicy chooses which record of a duplicate cluster survives. Every
// policy is a pure function of the cluster's members, so the choice does not
// depend on worker count, Add order or sharding.
type KeepPolicy uint8

const (
	// KeepFirst keeps the member first in plan order (file index, then row).
	KeepFirst KeepPolicy = iota
	// KeepLongest keeps the member with the largest size; ties go to the
	// first in plan order.
	KeepLongest
	// KeepMax keeps the member with the highest keep score (the value passed
	// to Index.Add, e.g. a quality field); NaN ranks lowest; ties go to the
	// first in plan order.
	KeepMax
)

// String returns "first", "longest" or "max".
func (p KeepPolicy) String() string {
	switch p {
	case KeepFirst:
		return "first"
	case KeepLongest:
		return "longest"
	case KeepMax:
		return "max"
	}
	return fmt.Sprintf("keep(%d)", uint8(p))
}

// ParseKeep parses the --keep flag: "first", "longest" or "max:FIELD". It
// returns the policy and, for max, the field name the engine extracts the
// keep score from.
func ParseKeep(s string) (KeepPolicy, string, error) {
	switch {
	case s == "" || s == "first":
		return KeepFirst, "", nil
	case s == "longest":
		return KeepLongest, "", nil
	case strings.HasPrefix(s, "max:") && len(s) > len("max:"):
		return KeepMax, s[len("max:"):], nil
	}
	return 0, "", fmt.Errorf("dedupe: bad keep policy %q (want first, longest or max:FIELD)", s)
}

// FileRef names one input file of the current dataset version. The index in
// Options.Files is the RecordID.File of its records.
type FileRef struct {
	// Path is the input path as given (DESIGN §5 "file").
	Path string
	// Digest is the file's content digest from the plan (any stable string,
	// e.g. "sha256:…"). It is only used by the persistent index to decide
	// whether a file of an earlier version is unchanged; empty means unknown,
	// and then a matching path alone counts as unchanged.
	Digest string
}

// Options configures fingerprinting, clustering and storage. The zero value
// gives the defaults; New and NewFingerprinter fill them in. Fields that
// change fingerprints (Normalize, NGram, CharNGram, Bands, Rows) and
// Partitions must be the same for every worker, shard and index of a run;
// files record a digest of them and refuse to mix.
type Options struct {
	// Normalize computes exact keys over normalized text (case-folded, NFC,
	// whitespace runs collapsed to one space and trimmed) instead of raw
	// bytes. Default false. Near-duplicate shingles are always case- and
	// punctuation-insensitive.
	Normalize bool
	// NGram is the shingle size in words. Default 5.
	NGram int
	// CharNGram is the shingle size in characters for text written mostly
	// in scripts without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar).
	// Default 5.
	CharNGram int
	// Bands and Rows shape the LSH: Bands*Rows MinHash values, a pair is a
	// candidate if all Rows values of at least one band agree. Defaults 14
	// and 8. Bands*Rows must be at most 1024.
	Bands, Rows int
	// Threshold is the estimated Jaccard similarity a member must reach
	// against its cluster's kept record when clusters are verified. Default
	// 0.7. Must be in (0, 1].
	Threshold float64
	// SkipVerify turns off verification of ordinary clusters: every member
	// reached through LSH candidate pairs is dropped, as in FineWeb. Giant
	// clusters (above MaxClusterSize) are always verified. Default false:
	// every near-duplicate member is checked against the kept record.
	SkipVerify bool
	// MaxClusterSize is the giant-cluster guard: a connected component
	// larger than this is split by checking each member against its
	// representative instead of merged blindly, and is reported in
	// Stats.Giant. Default 1000.
	MaxClusterSize int
	// Keep is the keep policy. Default KeepFirst.
	Keep KeepPolicy
	// MemBytes bounds the memory Add buffers before spilling sorted runs to
	// TempDir, and the sort buffer of Resolve (--mem). Default 256 MiB.
	MemBytes int64
	// Partitions is the number of band partitions R (spill files and reduce
	// tasks). It does not change results. Default 16.
	Partitions int
	// TempDir holds spill files; default os.TempDir(). Index.Close removes
	// what the index created there.
	TempDir string
	// TopClusters is how many of the largest clusters Stats.Largest lists.
	// Default 10.
	TopClusters int
	// Version labels the current dataset version in the persistent index
	// (--index). Required by Index.Save and OpenPrior.
	Version string
	// Files is the current version's file table, indexed by RecordID.File.
	// Required for the persistent index (provenance and liveness); optional
	// otherwise.
	Files []FileRef
}

// WithDefaults returns o with zero fields replaced by their defaults, as New
// would use them (for recording the resolved configuration).
func (o Options) WithDefaults() Options { return o.withDefaults() }

// withDefaults returns o with zero fields replaced by defaults.
func (o Options) withDefaults() Options {
	if o.NGram == 0 {
		o.NGram = DefaultNGram
	}
	if o.CharNGram == 0 {
		o.CharNGram = DefaultCharNGram
	}
	if o.Bands == 0 {
		o.Bands = DefaultBands
	}
	if o.Rows == 0 {
		o.Rows = DefaultRows
	}
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.MaxClusterSize == 0 {
		o.MaxClusterSize = DefaultMaxClusterSize
	}
	if o.MemBytes == 0 {
		o.MemBytes = DefaultMemBytes
	}
	if o.Partitions == 0 {
		o.Partitions = DefaultPartitions
	}
	if o.TopClusters == 0 {
		o.TopClusters = DefaultTopClusters
	}
	return o
}

// validate reports every problem of a defaulted Options at once.
func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.NGram < 1 || o.NGram > 64 {
		bad("NGram %d out of range [1, 64]", o.NGram)
	}
	if o.CharNGram < 1 || o.CharNGram > 64 {
		bad("CharNGram %d out of range [1, 64]", o.CharNGram)
	}
	if o.Bands < 1 || o.Rows < 1 || o.Bands*o.Rows > 1024 {
		bad("Bands %d × Rows %d: need both ≥ 1 and a product ≤ 1024", o.Bands, o.Rows)
	}
	if !(o.Threshold > 0 && o.Threshold <= 1) {
		bad("Threshold %v out of range (0, 1]", o.Threshold)
	}
	if o.MaxClusterSize < 2 {
		bad("MaxClusterSize %d must be ≥ 2", o.MaxClusterSize)
	}
	if o.Keep > KeepMax {
		bad("unknown keep policy %d", o.Keep)
	}
	if o.MemBytes < 1<<16 {
		bad("MemBytes %d must be ≥ 64 KiB", o.MemBytes)
	}
	if o.Partitions < 1 || o.Partitions > 1<<16 {
		bad("Partitions %d out of range [1, 65536]", o.Partitions)
	}
	if o.TopClusters < 0 {
		bad("TopClusters %d must be ≥ 0", o.TopClusters)
	}
	if len(o.Files) > MaxFiles {
		bad("%d files: at most %d supported", len(o.Files), MaxFiles)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("dedupe: invalid options: %w", errors.Join(errs...))
}

// resolved returns the defaulted, validated options.
func (o Options) resolved() (Options, error) {
	o = o.withDefaults()
	return o, o.validate()
}

// hashes returns the number of MinHash values, Bands*Rows.
func (o Options) hashes() int { return o.Bands * o.Rows }

// algoVersion changes whenever sketches computed by this code would differ
// from earlier builds; it is part of the params digest stored in every file.
const algoVersion = 1

// paramsDigest identifies everything that must agree between files written
// by different tasks of one run: sketch parameters and partitioning.
func (o Options) paramsDigest() uint64 {
	s := fmt.Sprintf("winnow-dedupe algo=%d normalize=%t ngram=%d charngram=%d bands=%d rows=%d partitions=%d",
		algoVersion, o.Normalize, o.NGram, o.CharNGram, o.Bands, o.Rows, o.Partitions)
	return xxh3.HashString(s)
}
