package audit

import "testing"

func TestFileNamerPaths(t *testing.T) {
	d := &reportDoc{}
	d.Files = append(d.Files, fileReport{File: "corpus/web/a.jsonl"}, fileReport{File: "corpus/zh/b.jsonl"})
	d.Skipped = append(d.Skipped, skippedFile{File: "corpus/bad.jsonl"})
	n := newFileNamer(d)
	tests := []struct {
		name     string
		file     int64
		path     string
		wantPath string
	}{
		{"path given", 2, "corpus/zh/b.jsonl", "corpus/zh/b.jsonl"},
		{"path not among the files", 7, "corpus/other.jsonl", "corpus/other.jsonl"},
		{"old report, skipped files: index only", 1, "", "file #1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if l := n.link(tc.file, tc.path, 3); string(l.Path) != tc.wantPath {
				t.Fatalf("link path %q, want %q", l.Path, tc.wantPath)
			}
		})
	}
}
