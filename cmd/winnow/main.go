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
	"runtime/debug"
	"syscall"

	"github.com/winnow-data/winnow/scanner"
)

func main() {
	setMemoryLimit(0, os.Getenv)
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

// baseMemLimit is the Go runtime's soft memory limit when GOMEMLIMIT is not
// set. The live heap of a run with every default detector is bounded by
// design (batches in flight, the corpus detectors' fixed-size sketches and
// tables, the dedupe index up to --mem), but the collector's default pacing
// lets the heap grow to twice the live size; the limit makes it collect
// sooner instead, so that peak RSS stays under 1 GB (benchmarks/results.md).
const baseMemLimit = 900 << 20

// defaultDedupeMiB is the dedupe index budget --mem defaults to; the
// memory limit grows by whatever a larger --mem adds.
const defaultDedupeMiB = 256

// setMemoryLimit sets the runtime's soft memory limit to baseMemLimit plus
// the part of the dedupe index budget (--mem, MiB; 0 = default) above its
// default, unless the user set GOMEMLIMIT, which always wins. It changes
// process-wide runtime state: main and the commands that parse --mem call
// it (the commands only when --mem raises it, so tests leave it alone).
func setMemoryLimit(dedupeMiB int, getenv func(string) string) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryLimit(dedupeMiB))
}

// memoryLimit is the limit setMemoryLimit applies, in bytes.
func memoryLimit(dedupeMiB int) int64 {
	return baseMemLimit + int64(max(0, dedupeMiB-defaultDedupeMiB))<<20
}
