// Command winnow audits and cleans LLM training corpora: PII, secrets,
// poisoning and duplicates in JSONL, Parquet and Arrow files.
//
// See README.md for usage. main is a thin shell over run, which tests call.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/winnow-data/winnow/scanner"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode maps run's error to the contract's exit codes: 0 success, 1
// findings at or above --fail-on (scan), 2 any error, 75 a staged task
// started before the stage it needs finished. It prints the error.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var fe *failError
	if errors.As(err, &fe) {
		fmt.Fprintln(stderr, "winnow:", fe.Error())
		return 1
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	if errors.Is(err, scanner.ErrNotReady) {
		fmt.Fprintln(stderr, "winnow:", err)
		return exitNotReady
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "winnow: interrupted; no output was published")
		return 2
	}
	fmt.Fprintln(stderr, "winnow:", err)
	return 2
}
