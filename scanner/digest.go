package scanner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sync/errgroup"
)

// inputDigests returns the hex sha256 of every planned input, computing
// them once (in parallel, Workers at a time) on first use.
func (e *engine) inputDigests() ([]string, error) {
	e.digestOnce.Do(func() {
		ds := make([]string, len(e.files))
		var g errgroup.Group
		g.SetLimit(max(e.cfg.Workers, 1))
		for i, f := range e.files {
			g.Go(func() error {
				if f.URL != "" {
					h, err := e.hashRemote(f.URL)
					if err != nil {
						return fmt.Errorf("%s: hashing: %w", f.Path, err)
					}
					ds[i] = h
					return nil
				}
				h, err := hashFile(f.Path)
				if err != nil {
					return fmt.Errorf("%s: hashing: %w", f.Path, err)
				}
				ds[i] = h
				return nil
			})
		}
		e.digestErr = g.Wait()
		e.digests = ds
	})
	return e.digests, e.digestErr
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// hashFile returns the hex sha256 of a file's content.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	if _, err := io.CopyBuffer(h, f, *buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashRemote returns the hex sha256 of an object-store input.
func (e *engine) hashRemote(url string) (string, error) {
	ra, err := e.store.OpenReaderAt(context.Background(), url)
	if err != nil {
		return "", err
	}
	defer ra.Close()
	h := sha256.New()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	if _, err := io.CopyBuffer(h, io.NewSectionReader(ra, 0, ra.Size()), *buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
