// Command eval prints precision and recall per kind on the bundled samples:
//
//	go run ./samples/eval/cmd
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/winnow-data/winnow/samples/eval"
)

func main() {
	tmp, err := os.MkdirTemp("", "winnow-eval")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer os.RemoveAll(tmp)
	res, err := eval.Run(context.Background(), "samples/data", "samples/expected", tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(2)
	}
	scores := res.Scores
	fmt.Printf("%d records scanned in samples/data\n\n", res.Records)
	eval.WriteTable(os.Stdout, scores)
	fmt.Println()
	eval.WriteTable(os.Stdout, []eval.Score{
		eval.Combine(scores, "pii.*", "pii.*"), eval.Combine(scores, "secret.*", "secret.*"),
		eval.Combine(scores, "poison.*", "poison.*"), eval.Combine(scores, "dup.*", "dup.*"),
	})
	rate, flagged, clean := eval.FalsePositiveRate(res.Labels, res.Findings, eval.PerRecordPoison, res.Records)
	fmt.Printf("\nper-record poison kinds on clean records: %d of %d flagged (false-positive rate %.2f%%)\n", flagged, clean, 100*rate)
}
