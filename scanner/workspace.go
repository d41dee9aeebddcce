package scanner

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/winnow-data/winnow/scanner/storage"
)

// workspace is a staged run's OUT/_winnow. On a shared filesystem root is
// that directory and every task reads and writes it in place. For an
// object-store OUT, b is the OUT/_winnow prefix and root a task-local
// mirror: a task fetches the intermediates it reads into the mirror and
// pushes the ones it wrote before it creates its marker in the bucket.
type workspace struct {
	root string
	b    *storage.Bucket
	ctx  context.Context
}

func (w workspace) path(rel string) string { return filepath.Join(w.root, filepath.FromSlash(rel)) }

// name is rel as messages show it: a path or an object URL.
func (w workspace) name(rel string) string {
	if w.b != nil {
		return w.b.Name(rel)
	}
	return w.path(rel)
}

func (w workspace) exists(rel string) bool {
	if w.b != nil {
		ok, err := w.b.Exists(w.ctx, rel)
		return err == nil && ok
	}
	_, err := os.Stat(w.path(rel))
	return err == nil
}

func (w workspace) readFile(rel string) ([]byte, error) {
	if w.b != nil {
		data, err := w.b.ReadFile(w.ctx, rel)
		if errors.Is(err, storage.ErrNotFound) {
			err = fmt.Errorf("%s: %w", w.name(rel), os.ErrNotExist)
		}
		return data, err
	}
	return os.ReadFile(w.path(rel))
}

// fetch copies remote intermediates into the mirror (no-op on a shared
// filesystem). A missing object is an error naming it.
func (w workspace) fetch(rels ...string) error {
	if w.b == nil {
		return nil
	}
	for _, rel := range rels {
		p := w.path(rel)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		r, err := w.b.NewReader(w.ctx, rel)
		if err != nil {
			return fmt.Errorf("fetching %s: %w", w.name(rel), err)
		}
		f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
		if err != nil {
			r.Close()
			return err
		}
		_, err = io.Copy(f, r)
		r.Close()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(f.Name(), p)
		}
		if err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("fetching %s: %w", w.name(rel), err)
		}
	}
	return nil
}

// push uploads intermediates from the mirror (no-op on a shared
// filesystem, where they were written in place).
func (w workspace) push(rels ...string) error {
	if w.b == nil {
		return nil
	}
	for _, rel := range rels {
		if err := upload(w.ctx, w.b, w.path(rel), rel); err != nil {
			return err
		}
	}
	return nil
}

// pushTree uploads every file under prefix in the mirror.
func (w workspace) pushTree(prefix string) error {
	if w.b == nil {
		return nil
	}
	var rels []string
	err := filepath.WalkDir(w.path(prefix), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(w.root, p)
		if !strings.HasPrefix(filepath.Base(p), ".tmp-") {
			rels = append(rels, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.push(rels...)
}

// remove deletes intermediates under the prefixes and the named files,
// best effort (the run is already published).
func (w workspace) remove(prefixes []string, names []string) {
	if w.b == nil {
		for _, p := range prefixes {
			os.RemoveAll(w.path(p))
		}
		for _, n := range names {
			os.Remove(w.path(n))
		}
		return
	}
	for _, p := range prefixes {
		objs, err := w.b.List(w.ctx, p)
		if err != nil {
			continue
		}
		for _, o := range objs {
			w.b.Delete(w.ctx, o.Key)
		}
	}
	for _, n := range names {
		w.b.Delete(w.ctx, n)
	}
}

func (w workspace) readJSON(rel string, v any) error {
	data, err := w.readFile(rel)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w: %v", w.path(rel), ErrCorruptIntermediate, err)
	}
	return nil
}

// readChecked reads a small part and checks its digest.
func (w workspace) readChecked(rel string, info partInfo) ([]byte, error) {
	if err := checkPart(w.path(rel), info); err != nil {
		return nil, err
	}
	return w.readFile(rel)
}

// tmpWrite writes data to a synced temporary file in dir.
func tmpWrite(dir string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// createIfAbsent writes rel only if it does not exist, atomically: the
// content is complete before the name appears (a hard link of a synced
// temporary file, which fails if the name exists). It reports whether it
// created the file.
func (w workspace) createIfAbsent(rel string, data []byte) (bool, error) {
	if w.b != nil {
		err := w.b.CreateIfAbsent(w.ctx, rel, data)
		if errors.Is(err, storage.ErrExist) {
			return false, nil
		}
		return err == nil, err
	}
	p := w.path(rel)
	tmp, err := tmpWrite(filepath.Dir(p), data)
	if err != nil {
		return false, fmt.Errorf("writing %s: %w", p, err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("writing %s: %w", p, err)
	}
	syncDir(filepath.Dir(p))
	return true, nil
}

// putFile moves a local file to rel (atomically) and returns its digest.
func (w workspace) putFile(local, rel string) (partInfo, error) {
	src, err := os.Open(local)
	if err != nil {
		return partInfo{}, err
	}
	defer src.Close()
	p := w.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return partInfo{}, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return partInfo{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return partInfo{}, fmt.Errorf("writing %s: %w", p, err)
	}
	return partInfo{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeGob writes v gob-encoded to rel atomically and returns its digest.
func (w workspace) writeGob(rel string, v any) (partInfo, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return partInfo{}, err
	}
	data := buf.Bytes()
	p := w.path(rel)
	tmp, err := tmpWrite(filepath.Dir(p), data)
	if err != nil {
		return partInfo{}, err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return partInfo{}, err
	}
	s := sha256.Sum256(data)
	return partInfo{Size: int64(len(data)), SHA256: hex.EncodeToString(s[:])}, nil
}

// readGob reads a gob part, checking its digest first.
func (w workspace) readGob(rel string, info partInfo, v any) error {
	return readGobFile(w.path(rel), info, v)
}

func readGobFile(path string, info partInfo, v any) error {
	if err := checkPart(path, info); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrCorruptIntermediate, err)
	}
	return nil
}

// gobFile writes v gob-encoded to a local file.
func gobFile(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = gob.NewEncoder(bw).Encode(v)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncTree fsyncs every file under dir, so a marker never names a file
// whose content a crash could lose.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		serr := f.Sync()
		f.Close()
		if serr != nil && !d.IsDir() {
			return serr
		}
		return nil
	})
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}
