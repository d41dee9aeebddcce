#!/usr/bin/env bash
# Secrets side by side with gitleaks (issue #9): installs gitleaks with
# `go install`, generates one uncompressed JSONL corpus with labelled
# planted secrets, runs `gitleaks dir` (default config, JSON report) and
# `winnow scan --kinds 'secret.*'` on it, alternating, RUNS times each, and
# reports throughput (MB/s wall and per CPU second, medians), the ratio,
# and both tools' recall on the planted secrets (benchmarks/score).
# The section "## Secrets: winnow vs gitleaks" of benchmarks/results.md is
# replaced (or appended).
#
# Usage: benchmarks/peers.sh [SIZE]      SIZE default 256MB (uncompressed JSONL)
# Env:   BENCH_DIR (default ${TMPDIR:-/tmp}/winnow-bench), RUNS (default 3),
#        WORKERS (default: all cores; gitleaks uses all cores too),
#        GITLEAKS_VERSION (default v8.30.1, the newest that installs from the
#        module proxy; issue #9 names v8.30.0), RESULTS (default benchmarks/results.md)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-256MB}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/winnow-bench}
RUNS=${RUNS:-3}
WORKERS=${WORKERS:-$(nproc)}
GITLEAKS_VERSION=${GITLEAKS_VERSION:-v8.30.1}
OUT=${RESULTS:-benchmarks/results.md}
[[ -x /usr/bin/time ]] || { echo "benchmarks/peers.sh needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
mkdir -p "$DIR/bin"
DIR=$(cd "$DIR" && pwd)

# gitleaks, built from source through the Go module proxy.
GITLEAKS=$DIR/bin/gitleaks
if ! go version -m "$GITLEAKS" 2>/dev/null | grep -q "mod[[:space:]]*github.com/zricethezav/gitleaks/v8[[:space:]]*$GITLEAKS_VERSION"; then
  echo "installing gitleaks $GITLEAKS_VERSION" >&2
  GOBIN=$DIR/bin go install "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION"
fi
go build -o "$DIR/winnow" ./cmd/winnow

# The corpus is keyed by size and by the generator's source, so that a
# changed generator never reuses a stale corpus.
GEN=$(cat benchmarks/corpus.go benchmarks/text.go benchmarks/plants.go benchmarks/vocab.go benchmarks/gen/main.go | sha256sum | cut -c1-12)
data=$DIR/peers-$SIZE-$GEN/data
labels=$DIR/peers-$SIZE-$GEN/labels.jsonl
if [[ ! -f $labels ]]; then
  echo "generating $SIZE of labelled JSONL in $data" >&2
  rm -rf "$DIR/peers-$SIZE-$GEN"
  go run ./benchmarks/gen -size "$SIZE" -format jsonl -out "$data" -labels "$labels.tmp" >/dev/null
  mv "$labels.tmp" "$labels"
fi
bytes=$(find "$data" -type f -name '*.jsonl' -printf '%s\n' | awk '{s+=$1} END {print s}')

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# measure FILE: prints "wall cpu rss_kb" from a /usr/bin/time -v log.
measure() {
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); w=0; for(i=1;i<=n;i++) w=w*60+t[i]}
    /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {k=$2} END {print w, u+s, k}' "$1"
}

declare -A walls cpus rss
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < RUNS; r++)); do
  rm -rf "$DIR/peers-out"
  /usr/bin/time -v -o "$DIR/time-winnow.txt" "$DIR/winnow" scan --kinds 'secret.*' --dedupe=false --fail-on none -q \
    --workers "$WORKERS" -o "$DIR/peers-out" "$data" >/dev/null
  read -r w c k < <(measure "$DIR/time-winnow.txt")
  walls[winnow]+="$w "; cpus[winnow]+="$c "; rss[winnow]+="$k "
  echo "run $((r + 1))/$RUNS winnow: ${w}s wall, ${c}s CPU" >&2
  # Run gitleaks from $DIR so that no .gitleaks.toml or .gitleaksignore
  # of this repository applies: default config.
  rm -f "$DIR/gitleaks.json"
  (cd "$DIR" && env -u GITLEAKS_CONFIG -u GITLEAKS_CONFIG_TOML /usr/bin/time -v -o "$DIR/time-gitleaks.txt" \
    "$GITLEAKS" dir "$data" --no-banner --log-level error --report-format json --report-path "$DIR/gitleaks.json" --exit-code 0)
  read -r w c k < <(measure "$DIR/time-gitleaks.txt")
  walls[gitleaks]+="$w "; cpus[gitleaks]+="$c "; rss[gitleaks]+="$k "
  echo "run $((r + 1))/$RUNS gitleaks: ${w}s wall, ${c}s CPU" >&2
done

load1=$(cut -d' ' -f1-3 /proc/loadavg)

score=$(go run ./benchmarks/score -labels "$labels" -data "$data" -winnow "$DIR/peers-out/findings.parquet" \
  -gitleaks "$DIR/gitleaks.json" -json "$DIR/peers-score.json")

row() { # tool label
  local w c k
  w=$(printf '%s\n' ${walls[$1]} | median); c=$(printf '%s\n' ${cpus[$1]} | median); k=$(printf '%s\n' ${rss[$1]} | median)
  awk -v t="$2" -v b="$bytes" -v w="$w" -v c="$c" -v k="$k" -v all="${walls[$1]}" 'BEGIN {
    printf "| %s | %.2f | %.2f | %.1f | %.1f | %.0f | %s|\n", t, w, c, b/1e6/w, b/1e6/c, k/1024, all }'
}
ratio() { # wall|cpu
  local a b
  if [[ $1 == wall ]]; then a=$(printf '%s\n' ${walls[winnow]} | median); b=$(printf '%s\n' ${walls[gitleaks]} | median)
  else a=$(printf '%s\n' ${cpus[winnow]} | median); b=$(printf '%s\n' ${cpus[gitleaks]} | median); fi
  awk -v a="$a" -v b="$b" 'BEGIN {printf "%.0f", b/a}'
}

section=$(mktemp)
{
  echo "## Secrets: winnow vs gitleaks"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), shared with other work (load average 1/5/15 min: $load0 before the runs, $load1 after); $(free -g | awk '/Mem:/{print $2}') GiB RAM; $(go version | cut -d' ' -f3)"
  echo "- corpus: $(awk -v b="$bytes" 'BEGIN {printf "%.0f MB", b/1e6}') of uncompressed JSONL in $(find "$data" -type f | wc -l) files, \`go run ./benchmarks/gen -size $SIZE -format jsonl -labels labels.jsonl\`; $(grep -c '"kind":"secret\.' "$labels") planted secrets (labels: file, line, field, byte span, kind, sha256)"
  echo "- gitleaks $GITLEAKS_VERSION (\`go install github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION\`), default config: \`gitleaks dir DATA --report-format json --report-path gitleaks.json\`"
  echo "- winnow: \`winnow scan --kinds 'secret.*' --dedupe=false --workers $WORKERS DATA\`"
  echo "- both use all $(nproc) cores; MB/s per CPU second = input bytes / (user+sys CPU seconds); medians of $RUNS alternating runs; \`benchmarks/peers.sh $SIZE\` reproduces this section"
  echo
  echo "| tool | wall s | CPU s | MB/s (wall) | MB/s per CPU second | peak RSS MiB | wall s of each run |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  row winnow "winnow scan --kinds 'secret.*'"
  row gitleaks "gitleaks dir"
  echo
  echo "winnow / gitleaks throughput: **$(ratio wall)×** wall, **$(ratio cpu)×** per CPU second (target ≥ 50×)."
  echo
  echo "Recall on the planted secrets (found = a finding overlaps the planted value; by line = any finding on its line):"
  echo
  echo "$score"
} >"$section"

if [[ -f $OUT ]] && grep -q '^## Secrets: winnow vs gitleaks' "$OUT"; then
  sed -i '/^## Secrets: winnow vs gitleaks/,$d' "$OUT"
fi
if [[ -f $OUT ]]; then
  # keep one blank line between the previous section and this one
  sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$OUT"
  echo >>"$OUT"
fi
cat "$section" >>"$OUT"
rm -f "$section"
cat "$OUT" | sed -n '/^## Secrets: winnow vs gitleaks/,$p' >&2
