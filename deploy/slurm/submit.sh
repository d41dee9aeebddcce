#!/usr/bin/env bash
# winnow's staged pipeline as Slurm job arrays chained with
# --dependency=afterok (rendered by "winnow deploy slurm").
#
# Inputs: s3://bucket/corpus
# Output: s3://bucket/cleaned
# Shards (map, finalize): 8   Band partitions (reduce): 16
#
# Run it where sbatch works (a login node); it prints the last job's id:
#
#   bash FILE
#
# Environment at submission:
#   WINNOW       the winnow binary as the compute nodes see it (default: winnow)
#   SBATCH_ARGS  extra sbatch options for every stage, split at spaces, e.g.
#                SBATCH_ARGS='--partition=cpu --account=data --time=2:00:00'
#                (sbatch's own SBATCH_* variables work too)
# Jobs run in the current directory and inherit the environment (sbatch's
# default --export=ALL): export WINNOW_KEY, which keys the value hashes and
# must not change between runs, and the object store's credentials
# (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*) before running.
#
# A failed task cancels every later stage (--kill-on-invalid-dep=yes). Run
# the script again to resume: finished tasks find their completion markers
# and exit at once.
set -euo pipefail

WINNOW=${WINNOW:-winnow}
read -r -a sbatch_args <<<"${SBATCH_ARGS:-}"

# shq WORD: WORD single-quoted for sh.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# The start of every job script.
IFS= read -r -d '' prologue <<'WINNOW_PROLOGUE' || true
#!/bin/sh
# rendered by winnow deploy slurm
[ -z "${SLURM_CPUS_PER_TASK:-}" ] || export GOMAXPROCS="$SLURM_CPUS_PER_TASK"
WINNOW_PROLOGUE

# submit STAGE [SBATCH-OPTION...] <JOB: submits the job script on stdin,
# after the prologue and the winnow binary; job[STAGE] is its job id.
declare -A job
submit() {
	local stage=$1 body id
	shift
	body=$(cat)
	id=$(printf '%sWINNOW=%s\n%s\n' "$prologue" "$(shq "$WINNOW")" "$body" |
		sbatch --parsable --kill-on-invalid-dep=yes --cpus-per-task=2 --mem=4G ${sbatch_args[@]+"${sbatch_args[@]}"} "$@") || {
		echo "winnow: submitting $stage failed" >&2
		exit 1
	}
	job[$stage]=${id%%;*}
	echo "winnow: $stage: job ${job[$stage]}" >&2
}

# stage 1/6: plan: list and assign the inputs to 8 shards (OUT/_winnow/plan.json)
submit plan --job-name=winnow-plan <<'WINNOW_JOB'
exec "$WINNOW" plan s3://bucket/corpus --out s3://bucket/cleaned --shards 8 --partitions 16
WINNOW_JOB

# stage 2/6: map: pass 1 of each shard (findings, dedupe sketches), 8 tasks
submit map --job-name=winnow-map --array=0-7 --dependency=afterok:"${job[plan]}" <<'WINNOW_JOB'
exec "$WINNOW" map --out s3://bucket/cleaned --shard "$SLURM_ARRAY_TASK_ID/8"
WINNOW_JOB

# stage 3/6: reduce: duplicate edges of each band partition, 16 tasks
submit reduce --job-name=winnow-reduce --array=0-15 --dependency=afterok:"${job[map]}" <<'WINNOW_JOB'
exec "$WINNOW" reduce --out s3://bucket/cleaned --shard "$SLURM_ARRAY_TASK_ID/16"
WINNOW_JOB

# stage 4/6: resolve: duplicate clusters and corpus verdicts
submit resolve --job-name=winnow-resolve --dependency=afterok:"${job[reduce]}" <<'WINNOW_JOB'
exec "$WINNOW" resolve --out s3://bucket/cleaned
WINNOW_JOB

# stage 5/6: finalize: pass 2 of each shard (cleaned data, quarantine, findings), 8 tasks
submit finalize --job-name=winnow-finalize --array=0-7 --dependency=afterok:"${job[resolve]}" <<'WINNOW_JOB'
exec "$WINNOW" finalize --out s3://bucket/cleaned --shard "$SLURM_ARRAY_TASK_ID/8"
WINNOW_JOB

# stage 6/6: commit: merge the parts into OUT (report, manifest, croissant.json)
submit commit --job-name=winnow-commit --dependency=afterok:"${job[finalize]}" <<'WINNOW_JOB'
exec "$WINNOW" commit --out s3://bucket/cleaned
WINNOW_JOB

echo "${job[commit]}"
