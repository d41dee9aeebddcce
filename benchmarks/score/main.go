// Command score compares secret scanners' findings with the secrets that
// benchmarks/gen planted:
//
//	go run ./benchmarks/score -labels labels.jsonl -data DATA_DIR \
//	    -winnow OUT/findings.parquet -gitleaks gitleaks.json [-json score.json]
//
// It prints a Markdown recall table (overall and per planted kind) on
// stdout. A winnow finding matches a planted secret when it overlaps its
// byte span in the same file, row and field; a gitleaks finding when its
// secret overlaps the planted value's columns on the same line (located
// by searching the reported match in the line, read from DATA_DIR).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/winnow-data/winnow/benchmarks"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "score:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	labelsPath := fs.String("labels", "", "labels JSONL written by benchmarks/gen -labels (required)")
	data := fs.String("data", "", "corpus directory the labels' files are relative to (required)")
	winnow := fs.String("winnow", "", "winnow findings.parquet or findings.jsonl")
	gitleaks := fs.String("gitleaks", "", "gitleaks JSON report")
	prefix := fs.String("kinds", "secret.", "score only labels whose kind starts with this")
	jsonOut := fs.String("json", "", "also write the result as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *labelsPath == "" || *data == "" {
		return fmt.Errorf("-labels and -data are required")
	}
	labels, err := benchmarks.ReadLabels(*labelsPath)
	if err != nil {
		return err
	}
	in := benchmarks.ScoreInput{Labels: labels, KindPrefix: *prefix, DataDir: *data}
	if *winnow != "" {
		if in.Winnow, err = benchmarks.ReadWinnowFindings(*winnow); err != nil {
			return err
		}
	}
	if *gitleaks != "" {
		if in.Gitleaks, err = benchmarks.ReadGitleaksReport(*gitleaks); err != nil {
			return err
		}
		in.Line = benchmarks.LineReader(*data, benchmarks.WantedLines(*data, in.Gitleaks))
	}
	res, err := benchmarks.Score(in)
	if err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return res.Markdown(os.Stdout)
}
