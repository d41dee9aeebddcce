package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/winnow-data/winnow/scanner"
)

// TestMain lets the test binary act as the winnow command, so that a test
// can run a stage as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("WINNOW_TEST_AS_CLI") == "1" {
		os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
	}
	os.Exit(m.Run())
}

func TestTaskIndex(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		arg     string
		count   int
		env     func(string) string
		want    int
		wantErr string
	}{
		{"argument", "2/4", 4, env(), 2, ""},
		{"argument beats environment", "1/4", 4, env("JOB_COMPLETION_INDEX", "3"), 1, ""},
		{"wrong count", "1/5", 4, env(), 0, "plan has 4"},
		{"out of range", "4/4", 4, env(), 0, "out of range"},
		{"malformed", "two", 4, env(), 0, "want i/N"},
		{"kubernetes", "", 4, env("JOB_COMPLETION_INDEX", "3"), 3, ""},
		{"kubernetes out of range", "", 4, env("JOB_COMPLETION_INDEX", "4"), 0, "completions must equal"},
		{"slurm", "", 4, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4"), 2, ""},
		{"slurm wrong array size", "", 4, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "3"), 0, "--array=0-3"},
		{"single task needs no index", "", 1, env(), 0, ""},
		{"no index", "", 3, env(), 0, "no task index"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := taskIndex(tc.arg, tc.count, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// runStage runs the winnow command in-process and returns its error with stderr.
func runStage(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	if err != nil {
		err = fmt.Errorf("%w\n%s", err, errb.String())
	}
	return out.String(), err
}

// bigSamples copies the samples n times under a temporary directory, so a
// map task runs long enough to be killed mid-write.
func bigSamples(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "samples", "data")
	for i := range n {
		err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dst := filepath.Join(dir, fmt.Sprintf("copy%02d", i), rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestKilledMapTask kills a map task (SIGKILL) at several points of its
// run: it never leaves a completion marker without complete files, its
// final-named files are never partial, and a rerun completes so that the
// pipeline still gives the bytes of an in-process run.
func TestKilledMapTask(t *testing.T) {
	if testing.Short() {
		t.Skip("runs map tasks as processes")
	}
	in := bigSamples(t, 3)
	inproc := filepath.Join(t.TempDir(), "inproc")
	if _, err := runStage(t, "clean", "-q", "-o", inproc, in); err != nil {
		t.Fatal(err)
	}
	killedMidway := 0
	for attempt, delay := range []time.Duration{60 * time.Millisecond, 200 * time.Millisecond, 350 * time.Millisecond} {
		out := filepath.Join(t.TempDir(), "staged")
		if _, err := runStage(t, "plan", "-q", "--shards", "2", "--partitions", "2", "-o", out, in); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "map", "0/2", "-q", "-o", out, "--workers", "1")
		cmd.Env = append(os.Environ(), "WINNOW_TEST_AS_CLI=1")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		werr := cmd.Wait()
		marker := filepath.Join(out, scanner.StagedDir, "map", "s00000.json")
		_, merr := os.Stat(marker)
		if werr != nil && merr == nil {
			t.Fatalf("attempt %d: killed task left its marker", attempt)
		}
		if merr != nil {
			killedMidway++
			// Files under their final names are whole: later stages still
			// refuse to run, because the marker is missing.
			if _, err := runStage(t, "reduce", "0/2", "-o", out); !errors.Is(err, scanner.ErrNotReady) {
				t.Fatalf("attempt %d: reduce after a killed map: %v", attempt, err)
			}
		}
		for _, args := range [][]string{
			{"map", "0/2"}, {"map", "1/2"}, {"reduce", "0/2"}, {"reduce", "1/2"}, {"resolve"},
			{"finalize", "0/2"}, {"finalize", "1/2"}, {"commit"},
		} {
			if _, err := runStage(t, append(append(args, "-q", "-o"), out)...); err != nil {
				t.Fatalf("attempt %d: %v: %v", attempt, args, err)
			}
		}
		for _, name := range []string{"report.json", "findings.parquet", "ledger.parquet"} {
			a, _ := os.ReadFile(filepath.Join(inproc, name))
			b, _ := os.ReadFile(filepath.Join(out, name))
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Errorf("attempt %d: %s differs from the in-process run after a killed map task", attempt, name)
			}
		}
	}
	if killedMidway == 0 {
		t.Fatal("every kill came after the map task finished; the test did not exercise a kill")
	}
}

// TestStagedCLI runs the staged commands with the scheduler's environment
// variables and checks reruns and barriers at the command level.
func TestStagedCLI(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	samples := filepath.Join("..", "..", "samples", "data")
	if _, err := runStage(t, "plan", "--shards", "2", "--partitions", "2", "--dedupe=false", "--kinds", "pii.*,secret.*", "-q", "-o", out, samples); err != nil {
		t.Fatal(err)
	}
	if _, err := runStage(t, "finalize", "0/2", "-o", out); !errors.Is(err, scanner.ErrNotReady) || exitCode(err, io.Discard) != exitNotReady {
		t.Fatalf("finalize before resolve: %v (exit %d)", err, exitCode(err, io.Discard))
	}
	for i := range 2 {
		t.Setenv("SLURM_ARRAY_TASK_ID", fmt.Sprint(i))
		t.Setenv("SLURM_ARRAY_TASK_COUNT", "2")
		if _, err := runStage(t, "map", "-o", out); err != nil {
			t.Fatal(err)
		}
	}
	os.Unsetenv("SLURM_ARRAY_TASK_ID")
	os.Unsetenv("SLURM_ARRAY_TASK_COUNT")
	for i := range 2 {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		if _, err := runStage(t, "reduce", "-o", out); err != nil {
			t.Fatal(err)
		}
	}
	os.Unsetenv("JOB_COMPLETION_INDEX")
	steps := [][]string{{"resolve"}, {"finalize", "0/2"}, {"finalize", "--shard", "1/2"}, {"commit"}}
	for _, s := range steps {
		if _, err := runStage(t, append(s, "-o", out)...); err != nil {
			t.Fatalf("%v: %v", s, err)
		}
	}
	msg, err := runStage(t, "commit", "-o", out)
	if err != nil || !strings.Contains(msg, "already complete") {
		t.Fatalf("second commit: %q, %v", msg, err)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.intoto.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := runStage(t, "verify", out); err != nil {
		t.Fatalf("verify of a staged output: %v", err)
	}
}
