// Package dedupe finds exact and near-duplicate records (dup.exact,
// dup.near), globally across shards and incrementally across dataset
// versions. It imports neither scanner nor detectors: the engine feeds it
// sketches and asks it which records to drop.
//
// # Flow
//
//  1. Pass 1, in parallel: each worker owns a Fingerprinter and calls
//     Sketch(dst, text) per record (zero allocations once its buffers have
//     grown). A sketch holds the 128-bit exact key, the LSH band keys and an
//     8-bit-per-value MinHash signature.
//  2. Pass 1, sequentially: Index.Add(id, sketch, size, keep) copies what it
//     needs; buffers spill to sorted, checksummed files beyond
//     Options.MemBytes.
//  3. Reduce: Index.Resolve returns a Result: every record to drop (kind,
//     cluster, kept record, similarity, and for incremental runs the earlier
//     record it matches), sorted by RecordID, plus Stats for report.json.
//
// A sharded run calls the same steps in separate processes over a shared
// directory: Index.WriteBandPartitions (map), Plan.ReduceEdges (reduce r/R),
// Plan.ResolveClusters and Plan.SaveIndex (resolve). Results are identical to
// the in-process run for any worker count, Add order, partition count or
// shard assignment. SyntheticCorpus writes map output of planted clusters
// directly, to measure reduce and resolve at scale (cmd/resolvebench
// -synthetic) and to test them against a known answer.
//
// # Exact duplicates
//
// The exact key is XXH3-128 of the raw bytes, or with Options.Normalize of
// the text case-folded, NFC-normalized, with whitespace runs collapsed to one
// space and trimmed. 128 bits make a collision among 10^10 records
// improbable (< 10^-18), so no byte comparison is needed.
//
// # Near duplicates
//
// Text is tokenized into lowercased words (runs of letters, numbers and
// marks); each character of a script written without spaces (Han, Kana,
// Thai, Lao, Khmer, Myanmar) is a token of its own. Shingles are word
// n-grams (NGram, default 5), or character n-grams (CharNGram, default 5)
// when most tokens are such characters; a text with fewer tokens than n is
// one shingle.
//
// MinHash uses one-permutation hashing with optimal densification
// (Shrivastava 2017): one 64-bit hash per shingle picks one of K =
// Bands×Rows bins and competes for its minimum; empty bins borrow from the
// first non-empty bin of a fixed per-bin probe sequence. Each value agrees
// between two texts with probability equal to their Jaccard similarity, as
// with K independent permutations, at the cost of one hash per shingle (K
// times cheaper than classic MinHash). Seeds are fixed. Built with
// GOEXPERIMENT=simd on a CPU with AVX-512, the 5-gram shingle hashes are
// computed eight at a time with simd/archsimd; the signatures are
// bit-identical to the scalar build's.
//
// Bands of Rows values are hashed to 64-bit band keys; records sharing a
// band key are candidates. The probability that a pair with Jaccard
// similarity s becomes a candidate is 1 − (1 − s^Rows)^Bands
// (DetectionProbability): for 14 × 8, 0.05 at s = 0.5, 0.56 at 0.7, 0.92 at
// 0.8, 0.9996 at 0.9.
//
// # Clustering, verification, giant clusters, keep policy
//
// Candidate pairs (records sharing an exact key or a band key) are joined
// with union-find into components. Members of a component are ranked —
// records of the persistent index first, then the keep policy (KeepFirst:
// plan order; KeepLongest: size; KeepMax: keep score, NaN lowest; ties by
// plan order) — and settled in that order: each member joins the first
// group whose leader it matches, else it leads a new group. A match is an
// equal exact key or an estimated Jaccard similarity ≥ Threshold with the
// leader, estimated from the 8-bit signatures. Verification applies to every
// component unless SkipVerify, and always to components larger than
// MaxClusterSize (the giant-cluster guard, reported in Stats.Giant): chained
// members unlike the representative split off instead of being dropped.
// Each group's leader is kept; the others are dropped, dup.exact if their
// exact key equals the leader's, else dup.near. Similarity checks per
// component are capped at 64 × its size; past the cap only exact matches
// join (so a pathological component costs linear time and only risks
// keeping near duplicates).
//
// # Memory and disk per record (defaults: 14 bands × 8 rows)
//
//	sketch (engine, transient)           242 B
//	Add buffers, spill runs, map files   401 B = exact entry 24 + 14 band
//	                                     entries × 16 + record entry 153
//	                                     (node, size, keep score, exact key,
//	                                     flags, 112 signature bytes)
//	Add resident memory                  ≤ Options.MemBytes in total: buffers
//	                                     spill at half the budget (slice growth
//	                                     may double them)
//	reduce output (disk)                 16 B per candidate edge + 8 B per
//	                                     candidate record and partition
//	reduce memory, partition r           8 B per group membership in r
//	resolve memory                       12 B per candidate record (sorted
//	                                     node key + union-find parent), the
//	                                     --mem sort buffer, one component at a
//	                                     time (about 270 B per member), and
//	                                     64 B per dropped record
//	                                     (Result.Dups); records without a
//	                                     candidate pair cost nothing. Measured
//	                                     on 100M synthetic records (20% drops,
//	                                     25% candidates): 27.7 B per record
//	                                     peak RSS (README)
//	resolve temporary disk               161 B per candidate record
//	persistent index (disk)              401 B per stored record + one
//	                                     meta.json line per file
//
// A resolve handles up to 2^32−1 candidate records; record ids are limited
// to MaxFiles files and MaxRows rows per file.
//
// # Files
//
// Every file (spill runs, map and reduce outputs, index partitions) is a
// sequence of fixed-size entries in 64 KiB blocks, each with a CRC32C, after
// a checksummed header (kind, entry size, partition, parameter digest) and
// before a checksummed footer (entry, block and byte counts). Readers also
// verify the entry order. A corrupt or truncated file yields a
// *CorruptError naming it (errors.Is(err, ErrCorrupt)), never wrong
// clusters; files written with other parameters yield ErrMismatch. Writers
// write to a temporary name and rename, and file bytes depend only on their
// contents.
//
// # Incremental runs
//
// See OpenPrior and Index.Save: the persistent index keeps exact keys, band
// keys and signatures with provenance (version, file, row); records of files
// deleted or changed in the new version stop counting; duplicates of earlier
// versions are dropped with Dup.Prior naming the earlier record.
package dedupe
