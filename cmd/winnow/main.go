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
	setMemoryLimit(false, 0, os.Getenv)
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
// set, before the dedupe index's budget is added. The live heap of a run
// with every default detector is bounded by design (batches in flight, the
// corpus detectors' fixed-size sketches and tables, the dedupe index up to
// --mem), but the collector's default pacing lets the heap grow to twice
// the live size; the limit makes it collect sooner instead, so that peak
// RSS apart from the dedupe index stays under 1 GB
// (benchmarks/results.md).
const baseMemLimit = 900 << 20

// defaultDedupeMiB is the dedupe index budget --mem defaults to.
const defaultDedupeMiB = 256

// setMemoryLimit sets the runtime's soft memory limit (memoryLimit) unless
// the user set GOMEMLIMIT, which always wins. It changes process-wide
// runtime state: main calls it, and the scan, clean and staged commands
// once their flags are known.
func setMemoryLimit(dedupe bool, dedupeMiB int, getenv func(string) string) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryLimit(dedupe, dedupeMiB))
}

// memoryLimit is baseMemLimit plus, when dedupe runs, the dedupe index's
// budget (--mem MiB, 0 = the default): the index is bounded separately and
// spills to disk beyond it.
func memoryLimit(dedupe bool, dedupeMiB int) int64 {
	if !dedupe {
		return baseMemLimit
	}
	if dedupeMiB <= 0 {
		dedupeMiB = defaultDedupeMiB
	}
	return baseMemLimit + int64(dedupeMiB)<<20
}
