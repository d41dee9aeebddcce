package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fakeSbatch records each call's arguments (NUL-separated) and its job
// script, and answers "ID;cluster" like sbatch --parsable with a cluster
// name. It fails the call numbered $FAKE_SBATCH_FAIL_AT.
const fakeSbatch = `#!/bin/bash
d=$FAKE_SBATCH_DIR
n=$(( $(cat "$d/count" 2>/dev/null || echo 100) + 1 ))
echo "$n" > "$d/count"
printf '%s\0' "$@" > "$d/args.$n"
cat > "$d/script.$n"
if [ "$n" = "${FAKE_SBATCH_FAIL_AT:-}" ]; then echo "sbatch: error: Batch job submission failed" >&2; exit 1; fi
echo "$n;fakecluster"
`

// fakeWinnow records its arguments and environment, NUL-separated.
const fakeWinnow = `#!/bin/sh
printf '%s\0' "$@" > "$FAKE_WINNOW_OUT.args"
env -0 > "$FAKE_WINNOW_OUT.env"
`

func needShell(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "sh", "env"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
}

func renderSlurmFile(t *testing.T, s Spec) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, TargetSlurm, s); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "submit.sh")
	if err := os.WriteFile(f, buf.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

func splitNUL(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// TestSlurmSyntax runs bash -n on every golden Slurm script.
func TestSlurmSyntax(t *testing.T) {
	needShell(t)
	for name, s := range goldenSpecs {
		t.Run(name, func(t *testing.T) {
			f := renderSlurmFile(t, s)
			if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
				t.Fatalf("bash -n: %v\n%s", err, out)
			}
		})
	}
}

// TestSlurmSubmit runs each rendered script against a fake sbatch, checks
// the chain of arrays and dependencies, then runs every job script it
// submitted (under sh, as Slurm would) against a fake winnow and checks
// that each task receives exactly the intended arguments and environment.
func TestSlurmSubmit(t *testing.T) {
	needShell(t)
	for name, s := range goldenSpecs {
		t.Run(name, func(t *testing.T) {
			script := renderSlurmFile(t, s)
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			calls := filepath.Join(dir, "calls")
			// The binary's path has a space and a quote, to test WINNOW's quoting.
			winnowDir := filepath.Join(dir, "win dir's")
			for _, d := range []string{bin, calls, winnowDir} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			winnow := filepath.Join(winnowDir, "winnow")
			must(t, os.WriteFile(filepath.Join(bin, "sbatch"), []byte(fakeSbatch), 0o755))
			must(t, os.WriteFile(winnow, []byte(fakeWinnow), 0o755))

			cmd := exec.Command("bash", script)
			cmd.Env = append(os.Environ(),
				"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
				"FAKE_SBATCH_DIR="+calls,
				"WINNOW="+winnow,
				"SBATCH_ARGS=--partition=cpu  --time=1:00:00")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("script: %v\n%s", err, stderr.String())
			}
			want := stageTasks(s)
			last := strconv.Itoa(100 + len(want))
			if got := strings.TrimSpace(stdout.String()); got != last {
				t.Errorf("script printed %q, want the last job id %s", got, last)
			}
			prefix := s.Name
			if prefix == "" {
				prefix = DefaultName
			}
			for i, st := range want {
				id := strconv.Itoa(101 + i)
				args := splitNUL(read(t, filepath.Join(calls, "args."+id)))
				has := func(a string) bool {
					for _, x := range args {
						if x == a {
							return true
						}
					}
					return false
				}
				mustHave := []string{"--parsable", "--kill-on-invalid-dep=yes", "--partition=cpu", "--time=1:00:00",
					"--job-name=" + prefix + "-" + st.name}
				if i > 0 {
					mustHave = append(mustHave, "--dependency=afterok:"+strconv.Itoa(100+i))
				}
				if st.name == "map" || st.name == "reduce" || st.name == "finalize" {
					a := "--array=0-" + strconv.Itoa(st.tasks-1)
					if s.Parallelism > 0 && s.Parallelism < st.tasks {
						a += "%" + strconv.Itoa(s.Parallelism)
					}
					mustHave = append(mustHave, a)
				} else {
					for _, a := range args {
						if strings.HasPrefix(a, "--array") {
							t.Errorf("%s: %s for a single task", st.name, a)
						}
					}
				}
				for _, a := range mustHave {
					if !has(a) {
						t.Errorf("%s: sbatch %q lacks %s", st.name, args, a)
					}
				}
				if s.Memory != "" {
					m, _ := parseQuantity(s.Memory)
					if !has("--mem=" + slurmMem(m)) {
						t.Errorf("%s: sbatch %q lacks --mem", st.name, args)
					}
				}
				if !strings.Contains(stderr.String(), "winnow: "+st.name+": job "+id) {
					t.Errorf("stderr does not report %s as job %s:\n%s", st.name, id, stderr.String())
				}

				job := filepath.Join(calls, "script."+id)
				if b := read(t, job); !bytes.HasPrefix(b, []byte("#!/bin/sh\n")) {
					t.Errorf("%s: job script does not start with #!/bin/sh:\n%s", st.name, b)
				}
				for _, idx := range []int{0, st.tasks - 1} {
					out := filepath.Join(dir, st.name+strconv.Itoa(idx))
					run := exec.Command("sh", job)
					run.Env = []string{"PATH=" + os.Getenv("PATH"), "FAKE_WINNOW_OUT=" + out,
						"SLURM_ARRAY_TASK_ID=" + strconv.Itoa(idx), "SLURM_CPUS_PER_TASK=3", "HOME=/root"}
					if o, err := run.CombinedOutput(); err != nil {
						t.Fatalf("%s task %d: %v\n%s\n%s", st.name, idx, err, o, read(t, job))
					}
					got := splitNUL(read(t, out+".args"))
					if wa := wantArgv(s, st.name, idx, ""); !reflect.DeepEqual(got, wa) {
						t.Errorf("%s task %d runs\n%q\nwant\n%q", st.name, idx, got, wa)
					}
					env := map[string]string{}
					for _, kv := range splitNUL(read(t, out+".env")) {
						k, v, _ := strings.Cut(kv, "=")
						env[k] = v
					}
					if env["GOMAXPROCS"] != "3" {
						t.Errorf("%s: GOMAXPROCS=%q, want SLURM_CPUS_PER_TASK's 3", st.name, env["GOMAXPROCS"])
					}
					for _, kv := range s.Env {
						k, v, _ := strings.Cut(kv, "=")
						if env[k] != v {
							t.Errorf("%s: %s=%q, want %q", st.name, k, env[k], v)
						}
					}
				}
			}
		})
	}
}

// TestSlurmSubmitFails checks that a refused submission stops the script
// with an error naming the stage, and that no job id is printed.
func TestSlurmSubmitFails(t *testing.T) {
	needShell(t)
	script := renderSlurmFile(t, exampleSpec)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "sbatch"), []byte(fakeSbatch), 0o755))
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"FAKE_SBATCH_DIR="+dir, "FAKE_SBATCH_FAIL_AT=103")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil {
		t.Fatal("script succeeded although sbatch failed")
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
	if !strings.Contains(stderr.String(), "submitting reduce failed") {
		t.Errorf("stderr does not name the reduce stage:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "args.104")); err == nil {
		t.Error("stages after the failed one were submitted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
