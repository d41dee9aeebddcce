package poison

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// cleanLines loads the clean sentence pools in testdata/clean, keyed by file
// name without extension.
func cleanLines(t testing.TB) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("testdata/clean/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no clean pools: %v", err)
	}
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(l) != "" {
				out[name] = append(out[name], l)
			}
		}
	}
	return out
}

// cleanDocs builds n deterministic documents of one to six sentences, each
// document in one language pool, weighted toward English and code as in a
// web corpus.
func cleanDocs(t testing.TB, n int, seed uint64) []string {
	pools := cleanLines(t)
	var names []string
	for k := range pools {
		names = append(names, k)
	}
	sort.Strings(names)
	weights := map[string]int{"en": 8, "code": 3, "zh": 3, "chat": 2}
	var bag []string
	for _, k := range names {
		w := weights[k]
		if w == 0 {
			w = 1
		}
		for i := 0; i < w; i++ {
			bag = append(bag, k)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	docs := make([]string, n)
	for i := range docs {
		p := pools[bag[rng.IntN(len(bag))]]
		k := 1 + rng.IntN(6)
		var b strings.Builder
		for j := 0; j < k; j++ {
			if j > 0 {
				if rng.IntN(3) == 0 {
					b.WriteString("\n")
				} else {
					b.WriteString(" ")
				}
			}
			b.WriteString(p[rng.IntN(len(p))])
		}
		docs[i] = b.String()
	}
	return docs
}

// benchDocs builds n documents of one or two paragraphs from the neutral
// paragraph pools in testdata/bench, English weighted as in a web corpus.
func benchDocs(t testing.TB, n int, seed uint64) []string {
	files, err := filepath.Glob("testdata/bench/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bench pools: %v", err)
	}
	sort.Strings(files)
	var bag [][]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var paras []string
		if strings.HasSuffix(f, "code.txt") {
			paras = []string{string(b)}
		} else {
			for _, l := range strings.Split(string(b), "\n") {
				if strings.TrimSpace(l) != "" {
					paras = append(paras, l)
				}
			}
		}
		w := 1
		switch filepath.Base(f) {
		case "en.txt":
			w = 6
		case "zh.txt", "code.txt":
			w = 2
		}
		for i := 0; i < w; i++ {
			bag = append(bag, paras)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	docs := make([]string, n)
	for i := range docs {
		p := bag[rng.IntN(len(bag))]
		d := p[rng.IntN(len(p))]
		if rng.IntN(2) == 0 {
			d += "\n\n" + p[rng.IntN(len(p))]
		}
		docs[i] = d
	}
	return docs
}
