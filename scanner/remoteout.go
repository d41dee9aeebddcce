package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/winnow-data/winnow/scanner/provenance"
	"github.com/winnow-data/winnow/scanner/storage"
)

// An object-store --out (s3://, gs://, azblob://, file://) is written in
// two steps: the run writes its outputs to a local directory as usual, and
// publishes them by uploading every file (multipart, streamed), the
// manifest last, so a manifest in the bucket means the outputs beside it
// are complete. Objects of an earlier run under data/ and quarantine/ that
// the new run did not write are deleted after the upload.

// managedPrefixes are the output keys a run replaces.
var managedPrefixes = []string{"data/", "quarantine/"}

// openRemoteOut checks that the output prefix is empty or was written by
// winnow, and returns the bucket rooted at it.
func openRemoteOut(ctx context.Context, st *storage.Store, out string) (*storage.Bucket, error) {
	b, err := st.Open(ctx, out)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", out, err)
	}
	return b, checkRemoteOut(ctx, b, out)
}

// checkRemoteOut refuses an output prefix that holds objects but no winnow
// marker.
func checkRemoteOut(ctx context.Context, b *storage.Bucket, out string) error {
	objs, err := b.List(ctx, "")
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	if len(objs) > 0 {
		ok, err := b.Exists(ctx, markerName)
		if err != nil {
			return fmt.Errorf("--out %s: %w", out, err)
		}
		if !ok {
			return fmt.Errorf("--out %s: the prefix is not empty and was not written by winnow; choose a new or empty prefix", out)
		}
	}
	return nil
}

// publishRemote uploads the committed local output directory dir to b.
func publishRemote(ctx context.Context, b *storage.Bucket, dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == tmpName || rel == stagingName || rel == StagedDir {
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return err
	}
	// The manifest and its envelope go last: their presence marks a
	// complete upload.
	last := func(rel string) bool { return rel == provenance.ManifestName || rel == provenance.EnvelopeName }
	sort.SliceStable(files, func(i, j int) bool { return !last(files[i]) && last(files[j]) })
	// A previous run's manifest is removed first, so an interrupted upload
	// never pairs an old manifest with new data.
	for _, m := range []string{provenance.EnvelopeName, provenance.ManifestName} {
		if err := b.Delete(ctx, m); err != nil && !isNotExist(err) {
			return fmt.Errorf("replacing %s: %w", b.Name(m), err)
		}
	}
	written := map[string]bool{}
	for _, rel := range files {
		if err := upload(ctx, b, filepath.Join(dir, filepath.FromSlash(rel)), rel); err != nil {
			return err
		}
		written[rel] = true
	}
	objs, err := b.List(ctx, "")
	if err != nil {
		return err
	}
	for _, o := range objs {
		for _, p := range managedPrefixes {
			if strings.HasPrefix(o.Key, p) && !written[o.Key] {
				if err := b.Delete(ctx, o.Key); err != nil && !isNotExist(err) {
					return fmt.Errorf("removing stale %s: %w", o.Name, err)
				}
			}
		}
	}
	return nil
}

func isNotExist(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, storage.ErrNotFound)
}

// upload streams one local file to key.
func upload(ctx context.Context, b *storage.Bucket, local, key string) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.NewWriter(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("uploading %s: %w", b.Name(key), err)
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Abort()
		return fmt.Errorf("uploading %s: %w", b.Name(key), err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("uploading %s: %w", b.Name(key), err)
	}
	return nil
}
