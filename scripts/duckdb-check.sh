#!/usr/bin/env bash
# Opens winnow's Parquet outputs of the bundled samples in DuckDB (from the
# npm registry; Debian ships no duckdb) and compares their schema and row
# counts with the inputs. Skips loudly when node/npm are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "duckdb-check: SKIPPED: node/npm not installed" >&2
  exit 0
fi
work=${TMPDIR:-/tmp}/winnow-duckdb
mkdir -p "$work"
if [[ ! -d $work/node_modules/@duckdb/node-api ]]; then
  (cd "$work" && npm install --silent --no-audit --no-fund @duckdb/node-api@1.5.6-r.1 >/dev/null 2>&1) || {
    echo "duckdb-check: SKIPPED: npm install @duckdb/node-api failed" >&2; exit 0; }
fi
rm -rf "$work/out"
go run ./cmd/winnow clean -q -o "$work/out" samples/data >/dev/null
cp scripts/duckdb-check.mjs "$work/"
node "$work/duckdb-check.mjs" "$PWD/samples/data" "$work/out"
