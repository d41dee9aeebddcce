package secrets

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/winnow-data/winnow/detectors"
)

// TestScanDirectory is an opt-in survey: with WINNOW_SECRETS_CORPUS set to a
// directory, it scans every file under it (up to 4 MiB each) and logs the
// throughput and findings per kind with a few sample locations (never the
// values), for judging false positives on real data, e.g.
//
//	WINNOW_SECRETS_CORPUS=/usr/local/go/src go test -run ScanDirectory -v ./detectors/secrets/
func TestScanDirectory(t *testing.T) {
	dir := os.Getenv("WINNOW_SECRETS_CORPUS")
	if dir == "" {
		t.Skip("set WINNOW_SECRETS_CORPUS to a directory to survey")
	}
	set := detectors.Compile(registry(t, DefaultOptions()), nil)
	var sc detectors.Scratch
	byKind := map[string]int{}
	where := map[string][]string{}
	total := 0
	var elapsed time.Duration
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		if info, err := e.Info(); err != nil || info.Size() > 4<<20 {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		total += len(b)
		start := time.Now()
		hits := set.Detect(nil, b, &sc)
		elapsed += time.Since(start)
		for _, h := range hits {
			byKind[h.Kind]++
			if len(where[h.Kind]) < 5 {
				where[h.Kind] = append(where[h.Kind], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.1f MB in %v (%.0f MB/s wall, one goroutine)", float64(total)/1e6, elapsed, float64(total)/1e6/elapsed.Seconds())
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%s: %d (e.g. %v)", k, byKind[k], where[k])
	}
}
