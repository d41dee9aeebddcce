#!/usr/bin/env bash
# slurm-check.sh: runs winnow's staged pipeline (plan, map, reduce, resolve,
# finalize, commit) as Slurm job arrays chained with --dependency=afterok on a
# throw-away single-node Slurm cluster, and checks that its output is
# byte-identical to an in-process `winnow clean` of the same samples.
#
# Needs root on Debian (it apt-get installs slurmctld, slurmd, slurm-client
# and munge, --no-install-recommends, when they are missing). Everything it
# starts (munged, slurmctld, slurmd) lives under one work directory, listens
# on 127.0.0.1 and is stopped on exit, whatever happens.
#
# Usage: scripts/slurm-check.sh [check|smoke]
#   check  (default) cluster up, smoke test, build winnow, `winnow clean`
#          in-process, the same samples through `winnow deploy slurm` with
#          N shards, compare both outputs with `go run ./scripts/cmpout`
#   smoke  cluster up, job array + dependency smoke test, cluster down
#
# Environment (all optional):
#   WINNOW_SLURM_SHARDS=4         shards (N) of the staged run
#   WINNOW_SLURM_PARTITIONS=      dedupe band partitions (R); default winnow's
#   WINNOW_SLURM_TIMEOUT=300      seconds to wait for the pipeline's last job
#   WINNOW_SLURM_CTLD_PORT=6817   slurmctld port
#   WINNOW_SLURM_SLURMD_PORT=     slurmd port (default: ctld port + 1); when
#                                 neither is set and 6817/6818 are taken,
#                                 the next free pair is used
#   WINNOW_SLURM_MINJOBAGE=300    seconds Slurm keeps finished job records
#   WINNOW_SLURM_BIN=             a winnow binary to use instead of building
#                                 ./cmd/winnow
#   WINNOW_SLURM_KEEP=            non-empty: keep the work directory (logs,
#                                 outputs) even when the check passes
#
# Exit status: 0 when the outputs match, and also (with a SKIPPED banner on
# stderr) when Slurm cannot be installed or the cluster does not come up;
# 1 when a job fails or the outputs differ (the difference is named).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-check}
case $MODE in check | smoke) ;; *)
  echo "usage: $0 [check|smoke]" >&2
  exit 2
  ;;
esac
SHARDS=${WINNOW_SLURM_SHARDS:-4}
PARTITIONS=${WINNOW_SLURM_PARTITIONS:-}
TIMEOUT=${WINNOW_SLURM_TIMEOUT:-300}
MINJOBAGE=${WINNOW_SLURM_MINJOBAGE:-300}
PKGS=(slurmctld slurmd slurm-client munge)
T0=${EPOCHREALTIME/./}
W=""      # work directory, set by make_workdir
OK=""     # set when the check passed (the work directory is then removed)
STARTED=0 # set once a daemon may be running

say() {
  local us=$((${EPOCHREALTIME/./} - T0))
  printf 'slurm-check [%3d.%02ds] %s\n' $((us / 1000000)) $((us % 1000000 / 10000)) "$*" >&2
}

# skip REASON: the cluster could not be had; not winnow's fault, so exit 0.
skip() {
  {
    echo
    echo "################################################################"
    echo "##  slurm-check: SKIPPED: $*"
    echo "##  (the Slurm part of the checks did not run)"
    echo "################################################################"
    echo
  } >&2
  show_daemon_logs
  OK=1 # nothing of winnow's to inspect: the work directory goes
  exit 0
}

# fail REASON: a job failed or the outputs differ.
fail() {
  say "FAIL: $*"
  exit 1
}

show_daemon_logs() {
  local f
  [[ -n $W && -d $W/log ]] || return 0
  for f in "$W"/log/munged.log "$W"/log/slurmctld.log "$W"/log/slurmd.log; do
    [[ -s $f ]] || continue
    echo "---- tail $f" >&2
    tail -n 15 "$f" >&2
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_daemon COMM PIDFILE: TERM, then KILL after 15 s, the process in
# PIDFILE, but only if it is still the COMM we started.
stop_daemon() {
  local comm=$1 pidfile=$2 pid i
  [[ -s $pidfile ]] || return 0
  pid=$(<"$pidfile")
  rm -f "$pidfile"
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$comm" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 75; i++)); do
    # gone, or a zombie: it has exited, and init (its parent) reaps it
    [[ -d /proc/$pid && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 0
    sleep 0.2
  done
  say "$comm (pid $pid) ignored SIGTERM for 15 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

cluster_down() {
  ((STARTED)) || return 0
  local jobs i
  if [[ -s $W/run/slurmctld.pid ]]; then
    jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u || true)
    if [[ -n $jobs ]]; then
      say "cancelling leftover jobs: ${jobs//$'\n'/ }"
      # shellcheck disable=SC2086
      timeout 10 scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 40; i++)); do
        [[ -z $(timeout 5 squeue -h -o %A 2>/dev/null || true) ]] && break
        sleep 0.25
      done
    fi
  fi
  stop_daemon slurmd "$W/run/slurmd.pid"
  stop_daemon slurmctld "$W/run/slurmctld.pid"
  stop_daemon munged "$W/run/munged.pid"
  STARTED=0
  local left
  # shellcheck disable=SC2009 # pgrep -f takes a regexp, $W is a path
  left=$(ps -eo pid=,args= 2>/dev/null | grep -F -- "$W/" | grep -Ev 'grep|slurm-check' || true)
  [[ -z $left ]] || say "WARNING: still running after shutdown: $left"
  say "cluster stopped"
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  cluster_down || true
  if [[ -n $W && -d $W ]]; then
    if [[ -n $OK && -z ${WINNOW_SLURM_KEEP:-} ]]; then
      rm -rf "$W"
    else
      say "work directory kept: $W"
    fi
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_packages() {
  local p missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || skip "no apt-get to install ${missing[*]}"
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$W/apt.log" 2>&1 || {
    tail -n 20 "$W/apt.log" >&2
    skip "apt-get update failed"
  }
  apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$W/apt.log" 2>&1 || {
    tail -n 20 "$W/apt.log" >&2
    skip "apt-get install ${missing[*]} failed"
  }
  say "installed $(slurmd -V 2>/dev/null || echo slurm)"
}

pick_ports() {
  CTLD_PORT=${WINNOW_SLURM_CTLD_PORT:-6817}
  SLURMD_PORT=${WINNOW_SLURM_SLURMD_PORT:-$((CTLD_PORT + 1))}
  local i
  for ((i = 0; i < 20; i++)); do
    if ! port_in_use "$CTLD_PORT" && ! port_in_use "$SLURMD_PORT"; then
      return 0
    fi
    [[ -z ${WINNOW_SLURM_CTLD_PORT:-}${WINNOW_SLURM_SLURMD_PORT:-} ]] ||
      skip "port $CTLD_PORT or $SLURMD_PORT is in use (WINNOW_SLURM_CTLD_PORT/WINNOW_SLURM_SLURMD_PORT)"
    CTLD_PORT=$((CTLD_PORT + 2))
    SLURMD_PORT=$((SLURMD_PORT + 2))
  done
  skip "no free port pair found from 6817 upwards"
}

write_slurm_conf() {
  local hw
  hw=$(slurmd -C 2>/dev/null | head -n 1) || true
  [[ $hw == NodeName=* ]] || skip "unexpected 'slurmd -C' output: $hw"
  hw=${hw#NodeName=* } # keep CPUs=.. Boards=.. RealMemory=..; the name is ours
  cat >"$SLURM_CONF" <<EOF
# single-node test cluster written by winnow's scripts/slurm-check.sh
ClusterName=winnowcheck
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$W/run/munge.sock
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/run/slurmctld.pid
SlurmdPidFile=$W/run/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# start batch jobs at once instead of batching them for seconds
SchedulerParameters=batch_sched_delay=0
# a job whose afterok dependency can never be met is cancelled, not kept pending
DependencyParameters=kill_invalid_depend
MinJobAge=$MINJOBAGE
KillWait=5
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
NodeName=$NODE NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=check Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

cluster_up() {
  local t i state cycles
  t=${EPOCHREALTIME/./}
  [[ $(id -u) == 0 ]] || skip "needs root (slurmd runs jobs as root here)"
  install_packages
  for i in munged slurmctld slurmd sbatch scontrol squeue sinfo sdiag; do
    command -v "$i" >/dev/null || skip "$i not found after installing ${PKGS[*]}"
  done
  pick_ports
  NODE=$(uname -n)
  NODE=${NODE%%.*}
  export SLURM_CONF=$W/etc/slurm.conf
  mkdir -p "$W/etc" "$W/state" "$W/spool" "$W/log" "$W/run"
  # munged refuses key, socket and log directories that others may write
  chmod 755 "$W" "$W/etc" "$W/run" "$W/log"
  head -c 1024 /dev/urandom >"$W/etc/munge.key"
  chmod 600 "$W/etc/munge.key"
  STARTED=1
  munged --key-file="$W/etc/munge.key" --socket="$W/run/munge.sock" \
    --pid-file="$W/run/munged.pid" --log-file="$W/log/munged.log" \
    --seed-file="$W/run/munged.seed" </dev/null >"$W/log/munged.out" 2>&1 ||
    skip "munged did not start"
  munge -n -S "$W/run/munge.sock" </dev/null 2>/dev/null | unmunge -S "$W/run/munge.sock" >/dev/null 2>&1 ||
    skip "munge credential round trip failed"
  write_slurm_conf
  slurmctld -f "$SLURM_CONF" </dev/null >"$W/log/slurmctld.out" 2>&1 || skip "slurmctld did not start"
  slurmd -f "$SLURM_CONF" -N "$NODE" </dev/null >"$W/log/slurmd.out" 2>&1 || skip "slurmd did not start"
  state=""
  for ((i = 0; i < 120; i++)); do
    state=$(sinfo -h -n "$NODE" -o %t 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.25
  done
  [[ $state == idle ]] || skip "node $NODE not idle after 30 s (state '${state:-none}')"
  # Jobs submitted before slurmctld's first scheduling cycle (~3 s after its
  # start) sit pending for a while: wait for that cycle.
  cycles=0
  for ((i = 0; i < 60; i++)); do
    cycles=$(sdiag 2>/dev/null | awk '/Main schedule statistics/ {m = 1} m && /Total cycles:/ {print $3; exit}')
    ((${cycles:-0} > 0)) && break
    sleep 0.25
  done
  ((${cycles:-0} > 0)) || say "WARNING: the scheduler has not run a cycle yet"
  say "cluster up in $(((${EPOCHREALTIME/./} - t) / 1000)) ms: node $NODE, ports $CTLD_PORT/$SLURMD_PORT, $(sinfo -h -o '%c CPUs, %m MB')"
}

# job_states [ID]: one "STATE EXIT NAME TASK STDOUT" line per job or array
# task (of job ID, or of every job Slurm still knows).
job_states() {
  scontrol -o show job ${1:+"$1"} 2>/dev/null | awk '{
    s = ""; e = ""; n = ""; a = "-"; o = ""
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^JobState=/) s = substr($i, 10)
      else if ($i ~ /^ExitCode=/) e = substr($i, 10)
      else if ($i ~ /^JobName=/) n = substr($i, 9)
      else if ($i ~ /^ArrayTaskId=/) a = substr($i, 13)
      else if ($i ~ /^StdOut=/) o = substr($i, 8)
    }
    if (s != "") print s, e, n, a, o
  }'
}

# wait_job ID SECONDS: waits until the job (every task of an array) has
# ended; prints COMPLETED, or the first other final state, or TIMEOUT, or
# UNKNOWN when Slurm no longer knows the job.
wait_job() {
  local id=$1 limit=$2 deadline states
  deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    states=$(job_states "$id" | awk '{print $1}')
    if [[ -z $states ]]; then
      echo UNKNOWN
      return
    fi
    if ! grep -Eqv '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)$' <<<"$states"; then
      grep -v '^COMPLETED$' <<<"$states" | head -n 1 | grep . || echo COMPLETED
      return
    fi
    sleep 0.25
  done
  echo TIMEOUT
}

# submit ARGS...: sbatch --parsable, prints the job id.
submit() {
  local id
  id=$(sbatch --parsable "$@") || return 1
  echo "${id%%;*}"
}

smoke_test() {
  local t a d f s n
  t=${EPOCHREALTIME/./}
  mkdir -p "$W/smoke"
  # an array whose tasks take a second, then a job that must wait for all of them
  a=$(submit --job-name=smoke-array --array=0-3 --output=/dev/null \
    --wrap "sleep 1; echo \$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT > $W/smoke/task.\$SLURM_ARRAY_TASK_ID") ||
    skip "sbatch of a job array failed"
  d=$(submit --job-name=smoke-dep --output=/dev/null --kill-on-invalid-dep=yes --dependency=afterok:"$a" \
    --wrap "cat $W/smoke/task.* > $W/smoke/all") || skip "sbatch of a dependent job failed"
  s=$(wait_job "$d" 60)
  [[ $s == COMPLETED ]] || skip "smoke test: dependent job $d ended $s"
  n=$(sort "$W/smoke/all" 2>/dev/null | tr '\n' ' ')
  [[ $n == "0/4 1/4 2/4 3/4 " ]] || skip "smoke test: dependent job $d saw '$n', not the 4 array tasks"
  # a failing array: its afterok dependant must be cancelled, not left pending
  a=$(submit --job-name=smoke-fail --array=0-1 --output=/dev/null --wrap 'exit 3') || skip "sbatch failed"
  d=$(submit --job-name=smoke-cancel --output=/dev/null --kill-on-invalid-dep=yes --dependency=afterok:"$a" \
    --wrap "touch $W/smoke/ran") || skip "sbatch failed"
  s=$(wait_job "$d" 60)
  [[ $s == CANCELLED && ! -e $W/smoke/ran ]] || skip "smoke test: dependant of a failed array ended '$s', not CANCELLED"
  say "smoke test passed in $(((${EPOCHREALTIME/./} - t) / 1000)) ms (array + afterok, failed array cancels its dependant)"
}

# report_jobs: every job Slurm still knows, with the tail of the failed ones' logs.
report_jobs() {
  local st ex name task out
  say "jobs:"
  while read -r st ex name task out; do
    printf '  %-10s exit %-5s %-16s task %s\n' "$st" "$ex" "$name" "$task" >&2
    if [[ $st != COMPLETED && -n $out && -s $out ]]; then
      sed 's/^/      | /' "$out" | tail -n 20 >&2
    fi
  done < <(job_states | sort -k3,3 -k4,4n)
}

make_workdir() {
  W=$(mktemp -d "${TMPDIR:-/tmp}/winnow-slurm.XXXXXX")
  chmod 755 "$W"
}

run_check() {
  local bin t last s sbargs
  bin=${WINNOW_SLURM_BIN:-}
  if [[ -z $bin ]]; then
    bin=$W/winnow
    t=${EPOCHREALTIME/./}
    go build -o "$bin" ./cmd/winnow || fail "go build ./cmd/winnow failed"
    say "built winnow in $(((${EPOCHREALTIME/./} - t) / 1000)) ms"
  fi
  "$bin" map --help >/dev/null 2>&1 || fail "this winnow has no staged pipeline ('winnow map --help' fails)"

  t=${EPOCHREALTIME/./}
  "$bin" clean -q samples/data --out "$W/inproc" >"$W/log/inproc.out" 2>&1 || {
    tail -n 20 "$W/log/inproc.out" >&2
    fail "winnow clean samples/data failed"
  }
  say "in-process clean in $(((${EPOCHREALTIME/./} - t) / 1000)) ms"

  local deploy=(deploy slurm --out "$W/slurm" --shards "$SHARDS")
  [[ -z $PARTITIONS ]] || deploy+=(--partitions "$PARTITIONS")
  "$bin" "${deploy[@]}" samples/data >"$W/submit.sh" 2>"$W/log/deploy.err" || {
    cat "$W/log/deploy.err" >&2
    fail "winnow ${deploy[*]} samples/data failed"
  }
  bash -n "$W/submit.sh" || fail "the script printed by 'winnow deploy slurm' is not valid bash"

  # One CPU per task so both cores run tasks; logs next to the daemons'.
  sbargs="--cpus-per-task=1 --mem=512M --output=$W/log/%x-%A_%a.out"
  t=${EPOCHREALTIME/./}
  last=$(WINNOW=$bin SBATCH_ARGS=$sbargs bash "$W/submit.sh" 2>"$W/log/submit.err") || {
    cat "$W/log/submit.err" >&2
    fail "submitting the pipeline failed"
  }
  sed 's/^/  /' "$W/log/submit.err" >&2
  [[ $last =~ ^[0-9]+$ ]] || fail "'winnow deploy slurm' script printed '$last', not a job id"
  s=$(wait_job "$last" "$TIMEOUT")
  if [[ $s != COMPLETED ]]; then
    report_jobs
    fail "the pipeline's last job $last ended $s"
  fi
  say "staged pipeline (N=$SHARDS) finished in $(((${EPOCHREALTIME/./} - t) / 1000)) ms"

  go run ./scripts/cmpout "$W/inproc" "$W/slurm" || fail "the Slurm output differs from the in-process output (above)"
  say "PASS: N=$SHARDS Slurm array output is identical to the in-process output"
}

make_workdir
say "work directory $W"
cluster_up
smoke_test
if [[ $MODE == check ]]; then
  run_check
else
  say "PASS: smoke"
fi
OK=1
