// Command cmpout compares two winnow output directories (the OUT of
// `winnow clean` or of the staged pipeline's commit) and reports every
// difference that the "same bytes everywhere" contract (DESIGN §7, §8)
// forbids:
//
//   - data/ and quarantine/: the same files, byte for byte;
//   - findings.* (parquet or jsonl), report.json, ledger.parquet,
//     croissant.json and report.html: byte for byte;
//   - manifest.intoto.json: the same subjects (name and digests); the rest
//     of the manifest (run metadata such as times and hosts) may differ.
//
// Everything else in OUT (the pipeline's _winnow/ intermediates, extra
// report formats) is ignored.
//
// Usage:
//
//	go run ./scripts/cmpout A B
//
// It prints one line per difference, naming the file and the first
// differing byte offset or the subject, and exits 0 when A and B match,
// 1 when they differ and 2 when they cannot be compared.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: cmpout A B   (two winnow output directories)")
		return 2
	}
	diffs, err := compare(args[0], args[1])
	if err != nil {
		fmt.Fprintln(stderr, "cmpout:", err)
		return 2
	}
	for _, d := range diffs {
		fmt.Fprintln(stdout, d)
	}
	if len(diffs) > 0 {
		fmt.Fprintf(stderr, "cmpout: %s and %s differ (%d differences)\n", args[0], args[1], len(diffs))
		return 1
	}
	fmt.Fprintf(stderr, "cmpout: %s and %s match\n", args[0], args[1])
	return 0
}

// Files compared byte for byte, each required in both outputs.
var requiredFiles = []string{"report.json", "ledger.parquet", "croissant.json", "report.html"}

// Directories compared file by file; data/ is required, quarantine/ is
// compared when either side has it.
var trees = []struct {
	dir      string
	required bool
}{{"data", true}, {"quarantine", false}}

const manifestFile = "manifest.intoto.json"

// compare returns the differences between the outputs a and b, sorted by
// file; an error means they could not be compared at all.
func compare(a, b string) ([]string, error) {
	for _, d := range []string{a, b} {
		st, err := os.Stat(d)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s is not a directory", d)
		}
	}
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }

	for _, tr := range trees {
		fa, errA := listTree(filepath.Join(a, tr.dir))
		fb, errB := listTree(filepath.Join(b, tr.dir))
		for _, e := range []error{errA, errB} {
			if e != nil && !errors.Is(e, fs.ErrNotExist) {
				return nil, e
			}
		}
		switch {
		case errA != nil && errB != nil:
			if tr.required {
				add("%s/: missing in both", tr.dir)
			}
			continue
		case errA != nil:
			add("%s/: only in B", tr.dir)
			continue
		case errB != nil:
			add("%s/: only in A", tr.dir)
			continue
		}
		for _, name := range union(fa, fb) {
			rel := tr.dir + "/" + name
			switch {
			case !fa[name]:
				add("%s: only in B", rel)
			case !fb[name]:
				add("%s: only in A", rel)
			default:
				d, err := compareFiles(filepath.Join(a, rel), filepath.Join(b, rel))
				if err != nil {
					return nil, err
				}
				if d != "" {
					add("%s: %s", rel, d)
				}
			}
		}
	}

	findA, err := filepath.Glob(filepath.Join(a, "findings.*"))
	if err != nil {
		return nil, err
	}
	findB, err := filepath.Glob(filepath.Join(b, "findings.*"))
	if err != nil {
		return nil, err
	}
	findings := map[string]bool{}
	for _, f := range append(findA, findB...) {
		findings[filepath.Base(f)] = true
	}
	if len(findings) == 0 {
		add("findings.*: missing in both")
	}
	files := append([]string(nil), requiredFiles...)
	for f := range findings {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		d, err := compareFiles(filepath.Join(a, f), filepath.Join(b, f))
		if err != nil {
			return nil, err
		}
		if d != "" {
			add("%s: %s", f, d)
		}
	}

	md, err := compareManifests(filepath.Join(a, manifestFile), filepath.Join(b, manifestFile))
	if err != nil {
		return nil, err
	}
	diffs = append(diffs, md...)
	return diffs, nil
}

// listTree returns the regular files under dir, as slash-separated paths
// relative to dir.
func listTree(dir string) (map[string]bool, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	files := map[string]bool{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	return files, err
}

func union(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if !a[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// compareFiles returns "" when the files are identical, else what
// differs: presence, or the first differing byte offset and the sizes.
func compareFiles(a, b string) (string, error) {
	fa, errA := os.Open(a)
	if errA == nil {
		defer fa.Close()
	}
	fb, errB := os.Open(b)
	if errB == nil {
		defer fb.Close()
	}
	for _, e := range []error{errA, errB} {
		if e != nil && !errors.Is(e, fs.ErrNotExist) {
			return "", e
		}
	}
	switch {
	case errA != nil && errB != nil:
		return "missing in both", nil
	case errA != nil:
		return "only in B", nil
	case errB != nil:
		return "only in A", nil
	}
	ra, rb := bufio.NewReaderSize(fa, 1<<16), bufio.NewReaderSize(fb, 1<<16)
	var off int64
	for {
		ca, ea := ra.ReadByte()
		cb, eb := rb.ReadByte()
		if ea != nil || eb != nil {
			if ea != nil && !errors.Is(ea, io.EOF) {
				return "", fmt.Errorf("%s: %w", a, ea)
			}
			if eb != nil && !errors.Is(eb, io.EOF) {
				return "", fmt.Errorf("%s: %w", b, eb)
			}
			if ea != nil && eb != nil {
				return "", nil // both ended together: identical
			}
			sa, sb := size(fa), size(fb)
			return fmt.Sprintf("differ at byte %d: one is a prefix of the other (A %d bytes, B %d bytes)", off, sa, sb), nil
		}
		if ca != cb {
			return fmt.Sprintf("differ at byte %d (A %d bytes, B %d bytes)", off, size(fa), size(fb)), nil
		}
		off++
	}
}

func size(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		return -1
	}
	return st.Size()
}

// subject is one in-toto resource descriptor of the manifest.
type subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// compareManifests compares the subjects of two in-toto statements.
func compareManifests(a, b string) ([]string, error) {
	sa, errA := readSubjects(a)
	sb, errB := readSubjects(b)
	for _, e := range []error{errA, errB} {
		if e != nil && !errors.Is(e, fs.ErrNotExist) {
			return nil, e
		}
	}
	switch {
	case errA != nil && errB != nil:
		return []string{manifestFile + ": missing in both"}, nil
	case errA != nil:
		return []string{manifestFile + ": only in B"}, nil
	case errB != nil:
		return []string{manifestFile + ": only in A"}, nil
	}
	var diffs []string
	ma, err := subjectMap(sa, "A")
	if err != nil {
		diffs = append(diffs, err.Error())
	}
	mb, err := subjectMap(sb, "B")
	if err != nil {
		diffs = append(diffs, err.Error())
	}
	names := map[string]bool{}
	for n := range ma {
		names[n] = true
	}
	for n := range mb {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		da, inA := ma[n]
		db, inB := mb[n]
		switch {
		case !inA:
			diffs = append(diffs, fmt.Sprintf("%s: subject %q only in B", manifestFile, n))
		case !inB:
			diffs = append(diffs, fmt.Sprintf("%s: subject %q only in A", manifestFile, n))
		case da != db:
			diffs = append(diffs, fmt.Sprintf("%s: subject %q digest %s (A) != %s (B)", manifestFile, n, da, db))
		}
	}
	return diffs, nil
}

// readSubjects reads the subject list of an in-toto statement.
func readSubjects(file string) ([]subject, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var st struct {
		Subject *[]subject `json:"subject"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if st.Subject == nil {
		return nil, fmt.Errorf("%s: no subject list", file)
	}
	return *st.Subject, nil
}

// subjectMap indexes subjects by name, each digest set written as
// "alg:hex,alg:hex" in sorted order; a repeated name is an error.
func subjectMap(ss []subject, side string) (map[string]string, error) {
	m := make(map[string]string, len(ss))
	var dup []string
	for _, s := range ss {
		algs := make([]string, 0, len(s.Digest))
		for alg, hex := range s.Digest {
			algs = append(algs, alg+":"+hex)
		}
		sort.Strings(algs)
		d := strings.Join(algs, ",")
		if d == "" {
			d = "(no digest)"
		}
		if _, ok := m[s.Name]; ok {
			dup = append(dup, s.Name)
		}
		m[s.Name] = d
	}
	if len(dup) > 0 {
		return m, fmt.Errorf("%s: subjects listed twice in %s: %q", manifestFile, side, dup)
	}
	return m, nil
}
