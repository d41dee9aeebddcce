package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/winnow-data/winnow/scanner"
	"github.com/winnow-data/winnow/scanner/ciformat"
)

// exitNotReady is the exit status of a staged task started before its
// predecessors finished (EX_TEMPFAIL: retry later).
const exitNotReady = 75

// runPlan is `winnow plan`: it takes every clean (or scan) flag plus
// --shards and --partitions and writes OUT/_winnow/plan.json.
func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	own, rest, err := splitFlags(args, map[string]bool{"shards": true, "partitions": true, "mode": true, "scratch": true})
	if err != nil {
		return err
	}
	if own["help"] != "" {
		fmt.Fprint(stderr, planUsage)
		return errHelp
	}
	mode := scanner.ModeClean
	switch own["mode"] {
	case "", "clean":
	case "scan":
		mode = scanner.ModeScan
	default:
		return fmt.Errorf("plan: --mode %q: want clean or scan", own["mode"])
	}
	shards, err := atoiFlag(own, "shards", 0)
	if err != nil {
		return err
	}
	if shards < 1 {
		return errors.New("plan: --shards N is required (the number of map and finalize tasks)")
	}
	parts, err := atoiFlag(own, "partitions", 0)
	if err != nil {
		return err
	}
	su, err := prepare(mode, rest, stderr)
	if err != nil {
		return err
	}
	su.cfg.Progress = nil
	if !su.f.quiet && su.keyNote != "" {
		fmt.Fprintln(stderr, "winnow:", su.keyNote)
	}
	recorded := append([]string{mode.String()}, rest...)
	o, err := scanner.RunStage(ctx, su.cfg, scanner.StagePlan, 0, scanner.StageOptions{
		Shards: shards, Partitions: parts, Args: recorded, Scratch: own["scratch"], Log: stderr,
	})
	if err != nil {
		return err
	}
	p, err := scanner.LoadPlan(su.cfg.Out)
	if err != nil {
		return err
	}
	state := "wrote"
	if o.AlreadyComplete {
		state = "unchanged"
	}
	fmt.Fprintf(stdout, "plan %s: %s (%d files, %d shards, %d partitions)\n", state, o.Marker, len(p.Files), p.Shards, p.Partitions)
	return nil
}

const planUsage = `Usage: winnow plan --shards N [--partitions R] [--mode clean|scan] [clean flags] -o OUT PATH...

Write OUT/_winnow/plan.json for a staged run: the expanded inputs, their
assignment to N shards and the run's configuration. Every clean flag is
accepted and recorded; the later stages read them from the plan.

Then run, in order (each stage waits for all tasks of the previous one):
  winnow map      i/N -o OUT     for i in 0..N-1   (pass 1: sketches, band partitions)
  winnow reduce   r/R -o OUT     for r in 0..R-1   (duplicate edges; R default 16)
  winnow resolve      -o OUT                       (clusters, corpus verdicts)
  winnow finalize i/N -o OUT     for i in 0..N-1   (pass 2: cleaned shard outputs)
  winnow commit       -o OUT                       (report, ledger, manifest)

"winnow deploy k8s|slurm|argo" prints ready-to-submit specs for all of them.
`

// runTask is one of map, reduce, resolve, finalize and commit.
func runTask(ctx context.Context, st scanner.Stage, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet(string(st), pflag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.StringP("out", "o", "", "the run's output directory (where winnow plan wrote _winnow/plan.json)")
	shard := fs.String("shard", "", "task index as i/N (or give it as the argument; default from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)")
	wait := fs.Duration("wait", 0, "poll up to this long for the previous stage to complete (e.g. 30m); default refuse at once")
	scratch := fs.String("scratch", "", "local scratch directory (default $TMPDIR)")
	workers := fs.Int("workers", 0, "parallel workers for this task (default GOMAXPROCS)")
	quiet := fs.BoolP("quiet", "q", false, "no progress output")
	indexed := st == scanner.StageMap || st == scanner.StageReduce || st == scanner.StageFinalize
	fs.Usage = func() {
		arg := ""
		if indexed {
			arg = " [i/N]"
		}
		fmt.Fprintf(stderr, "Usage: winnow %s%s -o OUT [flags]\n\nOne task of a staged run planned with winnow plan (see winnow plan --help).\n\nFlags:\n", st, arg)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if *out == "" {
		return fmt.Errorf("%s: --out is required", st)
	}
	if fs.NArg() > 1 || (!indexed && fs.NArg() > 0) || (fs.NArg() == 1 && *shard != "") {
		return fmt.Errorf("%s: unexpected arguments %q", st, fs.Args())
	}
	if fs.NArg() == 1 {
		*shard = fs.Arg(0)
	}
	plan, err := scanner.LoadPlan(*out)
	if err != nil && !(errors.Is(err, scanner.ErrNotReady) && *wait > 0) {
		return err
	}
	deadline := time.Now().Add(*wait)
	for plan == nil {
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
		if plan, err = scanner.LoadPlan(*out); err != nil && !errors.Is(err, scanner.ErrNotReady) {
			return err
		}
	}
	index := 0
	if indexed {
		count := plan.Shards
		if st == scanner.StageReduce {
			count = plan.Partitions
		}
		if index, err = taskIndex(*shard, count, os.Getenv); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	if len(plan.Args) == 0 {
		return fmt.Errorf("%s: the plan records no arguments", *out)
	}
	mode := scanner.ModeClean
	if plan.Args[0] == "scan" {
		mode = scanner.ModeScan
	}
	su, err := prepare(mode, plan.Args[1:], io.Discard)
	if err != nil {
		return fmt.Errorf("rebuilding the plan's configuration: %w", err)
	}
	setMemoryLimit(!su.cfg.Dedupe.Disabled, su.f.memMB, os.Getenv)
	cfg := su.cfg
	cfg.Out = *out
	cfg.Progress = nil
	if *workers > 0 {
		cfg.Workers = *workers
	}
	log := stderr
	if *quiet {
		log = io.Discard
	}
	cfg.Log = log
	name := string(st)
	if indexed {
		count := plan.Shards
		if st == scanner.StageReduce {
			count = plan.Partitions
		}
		name = fmt.Sprintf("%s %d/%d", st, index, count)
	}
	start := time.Now()
	o, err := scanner.RunStage(ctx, cfg, st, index, scanner.StageOptions{Wait: *wait, Scratch: *scratch, Log: log})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if o.AlreadyComplete {
		fmt.Fprintf(stdout, "%s: already complete (%s); nothing to do\n", name, o.Marker)
		return nil
	}
	fmt.Fprintf(stdout, "%s: done in %.1fs (%s)\n", name, time.Since(start).Seconds(), o.Marker)
	if st != scanner.StageCommit || o.Result == nil {
		return nil
	}
	if o.Result.LocalOut != cfg.Out {
		defer os.RemoveAll(o.Result.LocalOut) // the local copy of an object-store --out
	}
	printSummary(stdout, mode, cfg.Out, o.Result)
	return failOn(o.Result.LocalOut, su.failPolicy, su)
}

// failOn applies the --fail-on policy to a published output.
func failOn(out string, policy ciformat.Policy, su *setup) error {
	failures, err := ciformat.EvaluateOutput(out, policy, su.kinds)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	if len(failures) > 0 {
		msgs := make([]string, len(failures))
		for i, fl := range failures {
			msgs[i] = "  " + fl.Message
		}
		return &failError{msg: fmt.Sprintf("--fail-on failed (see %s/report.json):\n%s", out, strings.Join(msgs, "\n"))}
	}
	return nil
}

// taskIndex returns the task index from "i/N", or from the scheduler's
// environment: JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or
// SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT. count is the plan's.
func taskIndex(arg string, count int, getenv func(string) string) (int, error) {
	if arg != "" {
		i, n, ok := strings.Cut(arg, "/")
		idx, err1 := strconv.Atoi(i)
		total, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil {
			return 0, fmt.Errorf("task index %q: want i/N, e.g. 0/4", arg)
		}
		if total != count {
			return 0, fmt.Errorf("task %s, but the plan has %d tasks for this stage", arg, count)
		}
		if idx < 0 || idx >= total {
			return 0, fmt.Errorf("task index %d out of range [0, %d)", idx, total)
		}
		return idx, nil
	}
	if v := getenv("JOB_COMPLETION_INDEX"); v != "" {
		idx, err := strconv.Atoi(v)
		if err != nil || idx < 0 || idx >= count {
			return 0, fmt.Errorf("JOB_COMPLETION_INDEX=%q: want 0..%d (the Job's completions must equal the plan's %d tasks)", v, count-1, count)
		}
		return idx, nil
	}
	if v := getenv("SLURM_ARRAY_TASK_ID"); v != "" {
		idx, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("SLURM_ARRAY_TASK_ID=%q: not a number", v)
		}
		if c := getenv("SLURM_ARRAY_TASK_COUNT"); c != "" {
			if n, err := strconv.Atoi(c); err != nil || n != count {
				return 0, fmt.Errorf("SLURM_ARRAY_TASK_COUNT=%q, but the plan has %d tasks for this stage (submit --array=0-%d)", c, count, count-1)
			}
		}
		if idx < 0 || idx >= count {
			return 0, fmt.Errorf("SLURM_ARRAY_TASK_ID=%d out of range [0, %d)", idx, count)
		}
		return idx, nil
	}
	if count == 1 {
		return 0, nil
	}
	return 0, fmt.Errorf("no task index: give i/%d, or run as a Kubernetes Indexed Job or a Slurm job array", count)
}

// splitFlags takes the named flags (--name V or --name=V) out of args and
// returns the rest in order; "help" is set for -h/--help.
func splitFlags(args []string, names map[string]bool) (map[string]string, []string, error) {
	own := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if a == "-h" || a == "--help" {
			own["help"] = "1"
			continue
		}
		if !strings.HasPrefix(a, "--") {
			rest = append(rest, a)
			continue
		}
		name, val, hasVal := strings.Cut(a[2:], "=")
		if !names[name] {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		own[name] = val
	}
	return own, rest, nil
}

func atoiFlag(m map[string]string, name string, def int) (int, error) {
	v, ok := m[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("--%s %q: not a number", name, v)
	}
	return n, nil
}
