package storage

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
)

// Expand turns one input URL (or local path) into the objects it names, the
// way the local planner expands files, directories and globs:
//
//   - an object ("s3://b/shards/a.jsonl"): that object, rooted at its
//     parent, so its Key is "a.jsonl";
//   - a prefix ("s3://b/shards" or "s3://b/shards/", when no object has
//     that exact key): every object below it, recursively, Keys relative to
//     the prefix, leaving out anything whose path below the prefix has a
//     component starting with "." (".winnow-tmp/…", ".part") and "folder"
//     keys ending in "/";
//   - a glob on the key ("s3://b/shards/*.jsonl.zst", "s3://b/20??/*"):
//     path.Match syntax, where "*" does not cross "/" and there is no "**".
//     It matches against the key's leading components: a key whose first
//     components match the whole pattern is taken as a file (the pattern
//     matched it) or as a file inside a matched "directory" (then hidden
//     paths below that directory are left out). Keys are relative to the
//     glob's longest prefix free of metacharacters.
//
// It returns a Bucket rooted at that root, so b.OpenReaderAt(ctx, o.Key)
// reads an object, and the objects sorted by Key. Expand does not filter by
// format. A glob matching nothing, or a key that is neither an object nor
// a non-empty prefix, is an *Error wrapping ErrNotFound.
//
// Listing costs one request per 1,000 keys under the root (the whole root
// for a glob), plus one metadata request for a URL without a trailing "/"
// or metacharacters.
func (s *Store) Expand(ctx context.Context, input string) (*Bucket, []Object, error) {
	loc, err := Parse(input)
	if err != nil {
		return nil, nil, err
	}
	whole, err := s.open(ctx, Location{Scheme: loc.Scheme, Bucket: loc.Bucket, Query: loc.Query})
	if err != nil {
		return nil, nil, err
	}
	if hasMeta(loc.Key) {
		return expandGlob(ctx, whole, loc)
	}
	if loc.Key != "" && !loc.Dir {
		o, err := whole.Stat(ctx, loc.Key)
		switch {
		case err == nil:
			parent, base := "", loc.Key
			if i := strings.LastIndexByte(loc.Key, '/'); i >= 0 {
				parent, base = loc.Key[:i], loc.Key[i+1:]
			}
			root := whole.Sub(parent)
			return root, []Object{root.object(base, o.Size, o.ModTime)}, nil
		case !isNotFound(err):
			return nil, nil, err
		}
	}
	root := whole.Sub(loc.Key)
	all, err := root.List(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	objs := all[:0]
	for _, o := range all {
		if !hiddenPath(o.Key) {
			objs = append(objs, o)
		}
	}
	if len(objs) == 0 {
		return nil, nil, &Error{Op: "list", URL: loc.String(), Kind: ErrNotFound, Err: errors.New("no object or non-empty prefix at this key")}
	}
	return root, objs, nil
}

func expandGlob(ctx context.Context, whole *Bucket, loc Location) (*Bucket, []Object, error) {
	if _, err := path.Match(loc.Key, ""); err != nil {
		return nil, nil, &Error{Op: "list", URL: loc.String(), Err: fmt.Errorf("%w: bad glob: %v", ErrBadURL, err)}
	}
	rootKey := globRoot(loc.Key)
	pattern := strings.TrimPrefix(loc.Key[len(rootKey):], "/")
	depth := strings.Count(pattern, "/") + 1
	root := whole.Sub(rootKey)
	all, err := root.List(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	objs := all[:0]
	for _, o := range all {
		head, below := splitAt(o.Key, depth)
		if head == "" {
			continue // fewer components than the pattern
		}
		if ok, _ := path.Match(pattern, head); !ok {
			continue
		}
		if below != "" && hiddenPath(below) {
			continue
		}
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		return nil, nil, &Error{Op: "list", URL: loc.String(), Kind: ErrNotFound, Err: errors.New("glob matches no object")}
	}
	return root, objs, nil
}

// splitAt splits key after its n-th "/"-separated component: head has n
// components and below the rest ("" when key has exactly n). head is ""
// when key has fewer than n components.
func splitAt(key string, n int) (head, below string) {
	i := 0
	for c := 0; c < n; c++ {
		j := strings.IndexByte(key[i:], '/')
		if j < 0 {
			if c == n-1 {
				return key, ""
			}
			return "", ""
		}
		i += j + 1
	}
	return key[:i-1], key[i:]
}

// hiddenPath reports whether a relative key has a component starting with
// ".", which the local planner skips inside directories.
func hiddenPath(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}
