package dedupe_test

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/winnow-data/winnow/dedupe"
)

// The engine's flow: pass 1 computes sketches in parallel workers, each with
// its own Fingerprinter, and adds them to the Index sequentially in plan
// order; the reduce step resolves them into the records to drop.
func Example() {
	files := []dedupe.FileRef{{Path: "a.jsonl"}, {Path: "b.jsonl"}}
	records := []struct {
		id   dedupe.RecordID
		text string
	}{
		{dedupe.RecordID{File: 0, Row: 0}, "The quick brown fox jumps over the lazy dog near the river bank today."},
		{dedupe.RecordID{File: 0, Row: 1}, "An entirely different sentence about databases, indexes and query planners."},
		{dedupe.RecordID{File: 1, Row: 0}, "The quick brown fox jumps over the lazy dog near the river bank today."},
		{dedupe.RecordID{File: 1, Row: 1}, "the quick brown fox jumps over the lazy dog near the river bank today!"},
	}

	idx, err := dedupe.New(dedupe.Options{Files: files})
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()

	// Pass 1, parallel: one Fingerprinter per worker; sketches are plain
	// bytes the engine keeps with the record.
	sketches := make([][]byte, len(records))
	var wg sync.WaitGroup
	const workers = 2
	for w := range workers {
		wg.Go(func() {
			fp := idx.NewFingerprinter()
			for i := w; i < len(records); i += workers {
				sketches[i] = fp.Sketch(nil, []byte(records[i].text))
			}
		})
	}
	wg.Wait()

	// Pass 1, sequential in plan order: Add copies what it needs.
	for i, r := range records {
		if err := idx.Add(r.id, sketches[i], int64(len(r.text)), 0); err != nil {
			log.Fatal(err)
		}
	}

	// Reduce.
	res, err := idx.Resolve(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range res.Dups {
		fmt.Printf("drop %s row %d: %v of %s row %d (cluster %v, similarity %.2f)\n",
			files[d.ID.File].Path, d.ID.Row, d.Kind, files[d.Kept.File].Path, d.Kept.Row, d.Cluster, d.Similarity)
	}
	fmt.Println("clusters:", res.Stats.Clusters, "bytes removed:", res.Stats.BytesRemoved)
	// Output:
	// drop b.jsonl row 0: dup.exact of a.jsonl row 0 (cluster 8000000000000000, similarity 1.00)
	// drop b.jsonl row 1: dup.near of a.jsonl row 0 (cluster 8000000000000000, similarity 1.00)
	// clusters: 1 bytes removed: 140
}
