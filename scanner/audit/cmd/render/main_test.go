package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	fixture := filepath.Join("..", "..", "testdata", "basic")
	t.Run("stdout", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"-title", "T1", fixture}, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "<title>T1</title>") || !strings.Contains(out.String(), `id="records-in"`) {
			t.Error("page incomplete")
		}
	})
	t.Run("file", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "r.html")
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"-o", dst, fixture}, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(dst); err != nil || !bytes.Contains(b, []byte("</html>")) {
			t.Errorf("page not written: %v", err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, args := range [][]string{nil, {"a", "b"}, {filepath.Join(t.TempDir(), "missing")}} {
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, &out, &errOut); err == nil {
				t.Errorf("run(%q) succeeded", args)
			}
		}
		dst := filepath.Join(t.TempDir(), "r.html")
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"-o", dst, filepath.Join(t.TempDir(), "missing")}, &out, &errOut); err == nil {
			t.Error("missing dir accepted")
		}
		if _, err := os.Stat(dst); err == nil {
			t.Error("failed render left a file behind")
		}
	})
}
