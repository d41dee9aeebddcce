package scanner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/winnow-data/winnow/scanner/jsonl"
	"github.com/winnow-data/winnow/scanner/storage"
)

// Format names a supported file format.
type Format string

// Formats.
const (
	FormatJSONL   Format = "jsonl"
	FormatParquet Format = "parquet"
	FormatArrow   Format = "arrow"
)

// DetectFormat returns the format of a file from its name.
func DetectFormat(name string) (Format, bool) {
	if _, ok := jsonl.Detect(name); ok {
		return FormatJSONL, true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".parquet", ".pq":
		return FormatParquet, true
	case ".arrow", ".arrows", ".feather", ".ipc":
		return FormatArrow, true
	}
	return "", false
}

// InputFile is one planned input.
type InputFile struct {
	// Path is the file path as given or as listed under a directory input.
	Path string `json:"path"`
	// Rel is the path relative to its input root, with forward slashes; the
	// outputs mirror it under data/ and quarantine/.
	Rel    string `json:"rel"`
	Format Format `json:"format"`
	Size   int64  `json:"size"`
	// URL is the full object-store URL (with endpoint parameters) for
	// inputs read through storage; empty for local files. Path is then the
	// display form without parameters.
	URL string `json:"-"`
}

// Skipped is an input path that was not processed, with why.
type Skipped struct {
	Path   string `json:"file"`
	Reason string `json:"reason"`
}

// Plan expands inputs (files, directories walked recursively, and globs)
// into files sorted by Rel then Path. Files of unknown formats inside
// directories are skipped and listed; a file named explicitly with an
// unknown extension, a missing path or a glob matching nothing is an error.
// Two inputs mapping to the same relative output path are an error.
func Plan(inputs []string) ([]InputFile, []Skipped, error) {
	return planWith(context.Background(), nil, inputs)
}

// planWith is Plan with object-store inputs (s3://, gs://, azblob://,
// file://, mem://) expanded through store, which may be nil when no input
// is a URL.
func planWith(ctx context.Context, store *storage.Store, inputs []string) ([]InputFile, []Skipped, error) {
	var files []InputFile
	var skipped []Skipped
	var errs []error
	seen := map[string]string{}
	add := func(p, root string, explicit bool) {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			return
		}
		format, ok := DetectFormat(p)
		if !ok {
			if explicit {
				errs = append(errs, fmt.Errorf("%s: unknown file format (want .jsonl, .json, .ndjson [.gz|.zst], .parquet or .arrow)", p))
			} else {
				skipped = append(skipped, Skipped{Path: p, Reason: "unknown file format"})
			}
			return
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || strings.HasPrefix(rel, "..") {
			rel = filepath.Base(p)
		}
		rel = filepath.ToSlash(rel)
		if prev, dup := seen[rel]; dup {
			if prev == p {
				return // the same file named twice
			}
			errs = append(errs, fmt.Errorf("%s and %s both map to output path %q; give them different roots", prev, p, rel))
			return
		}
		seen[rel] = p
		files = append(files, InputFile{Path: p, Rel: rel, Format: format, Size: st.Size()})
	}
	for _, in := range inputs {
		if storage.IsURL(in) {
			if store == nil {
				errs = append(errs, fmt.Errorf("%s: object-store inputs need a storage client", in))
				continue
			}
			_, objs, err := store.Expand(ctx, in)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, o := range objs {
				format, ok := DetectFormat(o.Key)
				if !ok {
					skipped = append(skipped, Skipped{Path: o.Name, Reason: "unknown file format"})
					continue
				}
				if prev, dup := seen[o.Key]; dup {
					errs = append(errs, fmt.Errorf("%s and %s both map to output path %q; give them different roots", prev, o.Name, o.Key))
					continue
				}
				seen[o.Key] = o.Name
				files = append(files, InputFile{Path: o.Name, Rel: o.Key, Format: format, Size: o.Size, URL: o.URL})
			}
			continue
		}
		if hasMeta(in) {
			matches, err := filepath.Glob(in)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: bad glob: %w", in, err))
				continue
			}
			if len(matches) == 0 {
				errs = append(errs, fmt.Errorf("%s: glob matches no file", in))
				continue
			}
			root := globRoot(in)
			sort.Strings(matches)
			for _, m := range matches {
				if st, err := os.Stat(m); err == nil && st.IsDir() {
					walkDir(m, root, add, &errs)
					continue
				}
				add(m, root, false)
			}
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", in, err))
			continue
		}
		if st.IsDir() {
			walkDir(in, in, add, &errs)
			continue
		}
		add(in, filepath.Dir(in), true)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].Rel != files[j].Rel {
			return files[i].Rel < files[j].Rel
		}
		return files[i].Path < files[j].Path
	})
	return files, skipped, nil
}

func walkDir(dir, root string, add func(p, root string, explicit bool), errs *[]error) {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %w", p, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && strings.HasPrefix(name, ".") {
				return fs.SkipDir // .git, .winnow-tmp, …
			}
			return nil
		}
		if strings.HasPrefix(name, ".") || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		add(p, root, false)
		return nil
	})
	if err != nil {
		*errs = append(*errs, err)
	}
}

func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// globRoot returns the longest directory prefix of a glob without
// metacharacters.
func globRoot(g string) string {
	dir := filepath.Dir(g)
	for hasMeta(dir) {
		dir = filepath.Dir(dir)
	}
	return dir
}
