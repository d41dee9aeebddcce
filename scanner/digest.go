package scanner

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/winnow-data/winnow/scanner/provenance"
)

// inputDigests returns the hex sha256 of every planned input, computing
// them once (in parallel, Workers at a time) on first use.
func (e *engine) inputDigests() ([]string, error) {
	e.digestOnce.Do(func() {
		ds := make([]string, len(e.files))
		var g errgroup.Group
		g.SetLimit(max(e.cfg.Workers, 1))
		for i := range e.files {
			g.Go(func() error {
				h, err := e.digestOne(i)
				ds[i] = h
				return err
			})
		}
		e.digestErr = g.Wait()
		e.digests = ds
	})
	return e.digests, e.digestErr
}

// hashFile returns the hex sha256 of a local file's content.
func hashFile(path string) (string, error) {
	sum, _, err := provenance.HashFile(path)
	return sum, err
}

// hashRemote returns the hex sha256 of an object-store input.
func (e *engine) hashRemote(url string) (string, error) {
	ra, err := e.store.OpenReaderAt(context.Background(), url)
	if err != nil {
		return "", err
	}
	defer ra.Close()
	sum, _, err := provenance.HashReader(io.NewSectionReader(ra, 0, ra.Size()))
	return sum, err
}

// presetDigest records an input digest known from planning.
func (e *engine) presetDigest(i int, d string) {
	if e.known == nil {
		e.known = map[int]string{}
	}
	e.known[i] = d
}

// digestOne returns the sha256 of input i.
func (e *engine) digestOne(i int) (string, error) {
	if d, ok := e.known[i]; ok {
		return d, nil
	}
	f := e.files[i]
	if f.URL != "" {
		h, err := e.hashRemote(f.URL)
		if err != nil {
			return "", fmt.Errorf("%s: hashing: %w", f.Path, err)
		}
		return h, nil
	}
	h, err := hashFile(f.Path)
	if err != nil {
		return "", fmt.Errorf("%s: hashing: %w", f.Path, err)
	}
	return h, nil
}
