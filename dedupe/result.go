package dedupe

import (
	"fmt"
	"slices"
	"strconv"
)

// Kind is the finding kind of a dropped duplicate.
type Kind uint8

const (
	// DupExact: the record's exact key equals the kept record's.
	DupExact Kind = 1 + iota
	// DupNear: the record is a MinHash/LSH near duplicate of the kept record.
	DupNear
)

// String returns the finding kind name, "dup.exact" or "dup.near".
func (k Kind) String() string {
	switch k {
	case DupExact:
		return "dup.exact"
	case DupNear:
		return "dup.near"
	}
	return fmt.Sprintf("dup(%d)", uint8(k))
}

// MarshalText returns String().
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// ClusterID identifies a duplicate cluster. It is derived from the kept
// record's position (for a record of an earlier version, its position in the
// persistent index), so it is the same for any worker count, Add order or
// sharding.
type ClusterID uint64

// String returns the id as 16 lowercase hex digits.
func (c ClusterID) String() string {
	var b [16]byte
	s := strconv.AppendUint(b[:0], uint64(c), 16)
	out := make([]byte, 16-len(s), 16)
	for i := range out {
		out[i] = '0'
	}
	return string(append(out, s...))
}

// MarshalText returns String().
func (c ClusterID) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Provenance locates a record of an earlier dataset version recorded in the
// persistent index.
type Provenance struct {
	Version string `json:"version"` // dataset version label (Options.Version of that run)
	File    string `json:"file"`    // input path as given in that version
	Row     int64  `json:"row"`     // 0-based row in that file
}

// Dup is one record to drop.
type Dup struct {
	// ID is the dropped record.
	ID RecordID
	// Kind is DupExact if the record's exact key equals the kept record's,
	// else DupNear.
	Kind Kind
	// Cluster is the duplicate cluster's id.
	Cluster ClusterID
	// Kept is the surviving copy in this run (kept_file/kept_row), or
	// NoRecord if the survivor is a record of an earlier version that this
	// run did not re-read; then Prior says where it is.
	Kept RecordID
	// Similarity is 1 for exact duplicates and the estimated Jaccard
	// similarity to the kept record for near duplicates.
	Similarity float64
	// Prior is non-nil when the kept record belongs to an earlier dataset
	// version: the earlier record this duplicate matches. Dups of one
	// cluster share the pointed-to value; do not modify it.
	Prior *Provenance
}

// SizeBucket counts clusters whose size (members, including the kept one) is
// in [Min, Max].
type SizeBucket struct {
	Min      int64 `json:"min"`
	Max      int64 `json:"max"`
	Clusters int64 `json:"clusters"`
}

// ClusterSummary describes one of the largest clusters.
type ClusterSummary struct {
	Cluster ClusterID   `json:"cluster"`
	Size    int         `json:"size"`
	Kept    RecordID    `json:"kept"`
	Prior   *Provenance `json:"prior,omitempty"`
	// Sample holds up to 5 member ids of this run, in plan order.
	Sample []RecordID `json:"sample"`
}

// GiantCluster reports a connected component of candidate pairs larger than
// Options.MaxClusterSize that was split by checking members against their
// representative.
type GiantCluster struct {
	// Cluster is the id of the largest cluster kept from the component.
	Cluster ClusterID `json:"cluster"`
	// Size is the number of records in the component.
	Size int `json:"size"`
	// Clusters is the number of clusters (with ≥ 2 members) it was split
	// into; Singletons counts members left alone (kept, not dropped).
	Clusters   int `json:"clusters"`
	Singletons int `json:"singletons"`
}

// Stats summarizes a resolve for report.json.
type Stats struct {
	// Records is the number of records of this run.
	Records int64 `json:"records"`
	// CandidateRecords is the number of records (of this run and of the
	// persistent index) with at least one candidate pair.
	CandidateRecords int64 `json:"candidate_records"`
	// Edges is the number of candidate pairs emitted by the reduce.
	Edges int64 `json:"candidate_edges"`
	// Clusters counts clusters from which at least one record is dropped.
	Clusters int64 `json:"clusters"`
	// Dropped = DroppedExact + DroppedNear records of this run.
	Dropped      int64 `json:"dropped"`
	DroppedExact int64 `json:"dropped_exact"`
	DroppedNear  int64 `json:"dropped_near"`
	// PriorMatches counts dropped records whose kept record belongs to an
	// earlier dataset version.
	PriorMatches int64 `json:"prior_matches"`
	// BytesRemoved sums the sizes of the dropped records.
	BytesRemoved int64 `json:"bytes_removed"`
	// VerifyRejected counts members that failed the similarity check
	// against their representative and were split off.
	VerifyRejected int64 `json:"verify_rejected"`
	// SizeHistogram counts clusters by size in power-of-two buckets
	// (2, 3–4, 5–8, …); only non-empty buckets are listed.
	SizeHistogram []SizeBucket `json:"cluster_size_histogram"`
	// Largest lists the Options.TopClusters largest clusters, largest
	// first (ties by cluster id).
	Largest []ClusterSummary `json:"largest_clusters"`
	// Giant lists the components above Options.MaxClusterSize.
	Giant []GiantCluster `json:"giant_clusters"`
}

// Result is the outcome of a resolve. It is immutable once returned and safe
// for concurrent reads.
type Result struct {
	// Dups lists every record to drop, sorted by ID.
	Dups  []Dup
	Stats Stats

	// twins are this run's records identified with records of the
	// persistent index, sorted; Save does not store them again.
	twins []uint64
}

// Lookup returns the Dup of id, if id is to be dropped.
func (r *Result) Lookup(id RecordID) (Dup, bool) {
	i, ok := slices.BinarySearchFunc(r.Dups, id, func(d Dup, id RecordID) int { return d.ID.Compare(id) })
	if !ok {
		return Dup{}, false
	}
	return r.Dups[i], true
}
