package deploy

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// renderSlurm writes a bash script that submits every stage with sbatch,
// each depending (afterok) on the one before, and prints the last job id.
//
// Each job script is a quoted here-document, so nothing in it is expanded
// at submission; submit() prepends the binary chosen at submission. Inside
// the job, /bin/sh sees every Spec value as one single-quoted word.
func renderSlurm(buf *bytes.Buffer, r *spec) error {
	var opts []string
	if r.CPUs > 0 {
		opts = append(opts, "--cpus-per-task="+strconv.Itoa(r.CPUs))
	}
	if r.memory > 0 {
		opts = append(opts, "--mem="+slurmMem(r.memory))
	}

	fmt.Fprintf(buf, "#!/usr/bin/env bash\n")
	writeComment(buf, fmt.Sprintf(`winnow's staged pipeline as Slurm job arrays chained with
--dependency=afterok (rendered by "winnow deploy slurm").

%s
Run it where sbatch works (a login node); it prints the last job's id:

  bash FILE

Environment at submission:
  WINNOW       the winnow binary as the compute nodes see it (default: %s)
  SBATCH_ARGS  extra sbatch options for every stage, split at spaces, e.g.
               SBATCH_ARGS='--partition=cpu --account=data --time=2:00:00'
               (sbatch's own SBATCH_* variables work too)
Jobs run in the current directory and inherit the environment (sbatch's
default --export=ALL): export WINNOW_KEY, which keys the value hashes and
must not change between runs, and the object store's credentials
(AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*) before running.

A failed task cancels every later stage (--kill-on-invalid-dep=yes). Run
the script again to resume: finished tasks find their completion markers
and exit at once.`, r.summary(), r.Winnow))
	buf.WriteString("set -euo pipefail\n\n")
	fmt.Fprintf(buf, "WINNOW=${WINNOW:-%s}\n", shQuote(r.Winnow))
	buf.WriteString(`read -r -a sbatch_args <<<"${SBATCH_ARGS:-}"

# shq WORD: WORD single-quoted for sh.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

`)
	prologue := []string{"#!/bin/sh", "# rendered by winnow deploy slurm",
		`[ -z "${SLURM_CPUS_PER_TASK:-}" ] || export GOMAXPROCS="$SLURM_CPUS_PER_TASK"`}
	for _, e := range r.Env {
		name, value, _ := strings.Cut(e, "=")
		prologue = append(prologue, "export "+name+"="+shQuote(value))
	}
	prologueDelim := heredocDelimiter("WINNOW_PROLOGUE", strings.Join(prologue, "\n"))
	fmt.Fprintf(buf, "# The start of every job script.\nIFS= read -r -d '' prologue <<'%s' || true\n%s\n%s\n\n",
		prologueDelim, strings.Join(prologue, "\n"), prologueDelim)

	fmt.Fprintf(buf, `# submit STAGE [SBATCH-OPTION...] <JOB: submits the job script on stdin,
# after the prologue and the winnow binary; job[STAGE] is its job id.
declare -A job
submit() {
	local stage=$1 body id
	shift
	body=$(cat)
	id=$(printf '%%sWINNOW=%%s\n%%s\n' "$prologue" "$(shq "$WINNOW")" "$body" |
		sbatch --parsable --kill-on-invalid-dep=yes%s ${sbatch_args[@]+"${sbatch_args[@]}"} "$@") || {
		echo "winnow: submitting $stage failed" >&2
		exit 1
	}
	job[$stage]=${id%%%%;*}
	echo "winnow: $stage: job ${job[$stage]}" >&2
}
`, prefixSpace(opts))

	prev := ""
	for i, st := range r.stages {
		sb := []string{"--job-name=" + shQuote(r.Name+"-"+st.name)}
		if st.shard {
			a := "--array=0-" + strconv.Itoa(st.tasks-1)
			if r.Parallelism > 0 && r.Parallelism < st.tasks {
				a += "%" + strconv.Itoa(r.Parallelism)
			}
			sb = append(sb, a)
		}
		if prev != "" {
			sb = append(sb, `--dependency=afterok:"${job[`+prev+`]}"`)
		}
		cmd := []string{`exec "$WINNOW"`, st.name}
		for _, a := range st.args {
			cmd = append(cmd, shQuote(a))
		}
		if st.shard {
			cmd = append(cmd, "--shard", `"$SLURM_ARRAY_TASK_ID/`+strconv.Itoa(st.tasks)+`"`)
		}
		body := strings.Join(cmd, " ")
		delim := heredocDelimiter("WINNOW_JOB", body)
		fmt.Fprintf(buf, "\n# stage %d/%d: %s\nsubmit %s %s <<'%s'\n%s\n%s\n",
			i+1, len(r.stages), st.describe(r), st.name, strings.Join(sb, " "), delim, body, delim)
		prev = st.name
	}
	fmt.Fprintf(buf, "\necho \"${job[%s]}\"\n", prev)
	return nil
}

// heredocDelimiter returns base, or base with a number appended, such
// that no line of body equals it.
func heredocDelimiter(base, body string) string {
	lines := map[string]bool{}
	for _, l := range strings.Split(body, "\n") {
		lines[l] = true
	}
	d := base
	for i := 1; lines[d]; i++ {
		d = base + strconv.Itoa(i)
	}
	return d
}

func prefixSpace(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return " " + strings.Join(ss, " ")
}
