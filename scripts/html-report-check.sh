#!/usr/bin/env bash
# Renders winnow's HTML audit report for the bundled samples in real headless
# Chromium (Debian package "chromium"), takes a screenshot, dumps the DOM and
# checks that the totals of report.json (records in / kept / redacted /
# dropped, findings) are what the page shows, that the page has inline SVG
# charts and no scripts, and that no raw value of a --show-values run leaks
# into it. Installs chromium with apt-get when it is missing and it can;
# otherwise prints SKIPPED and exits 0.
#
# Output (kept for inspection): $HTML_REPORT_DIR, default
# ${TMPDIR:-/tmp}/winnow-html-report: report.html, report.png, dom.html,
# and the same three with a -values suffix for the --show-values run.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "html-report-check: $*" >&2; }

find_chrome() {
  local c
  for c in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

if ! chrome=$(find_chrome); then
  say "chromium not found; trying apt-get install chromium"
  sudo=""
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  fi
  if command -v apt-get >/dev/null 2>&1 && { [[ $(id -u) == 0 ]] || [[ -n $sudo ]]; }; then
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1 || true
  fi
  if ! chrome=$(find_chrome); then
    echo "html-report-check: SKIPPED: chromium is not installed and could not be installed (apt-get install chromium)" >&2
    echo "################################################################" >&2
    echo "##  SKIPPED: HTML report NOT checked in a browser            ##" >&2
    echo "################################################################" >&2
    exit 0
  fi
fi
say "using $chrome ($("$chrome" --version 2>/dev/null || echo unknown version))"

out=${HTML_REPORT_DIR:-${TMPDIR:-/tmp}/winnow-html-report}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A winnow output directory for the bundled samples (Parquet findings), and a
# second one with raw values in JSONL findings to prove they do not leak.
go run ./cmd/winnow clean -q -o "$work/run" samples/data >/dev/null
go run ./cmd/winnow clean -q --show-values --findings-format jsonl -o "$work/run-values" samples/data >/dev/null

go build -o "$work/render" ./scanner/audit/cmd/render
go build -o "$work/domcheck" ./scanner/audit/cmd/domcheck
"$work/render" "$work/run" >"$out/report.html"
"$work/render" "$work/run-values" >"$out/report-values.html"
cp "$work/run/report.json" "$out/report.json"

chrome_run() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 180 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" "$@"
}

status=0
for name in report report-values; do
  page="$out/$name.html"
  rm -f "$out/$name.png"
  chrome_run --screenshot="$out/$name.png" --window-size=1280,2000 "file://$page" >/dev/null 2>"$work/$name.screenshot.log" || true
  if [[ ! -s $out/$name.png ]] || [[ $(head -c 8 "$out/$name.png" | od -An -tx1 | tr -d ' \n') != 89504e470d0a1a0a ]]; then
    say "FAIL: no screenshot for $name.html"
    tail -5 "$work/$name.screenshot.log" >&2 || true
    status=1
  fi
  if ! chrome_run --dump-dom "file://$page" >"$out/$name.dom.html" 2>"$work/$name.dom.log" || [[ ! -s $out/$name.dom.html ]]; then
    say "FAIL: chromium could not dump the DOM of $name.html"
    tail -5 "$work/$name.dom.log" >&2 || true
    status=1
    continue
  fi
  run=$work/run
  args=()
  if [[ $name == report-values ]]; then
    run=$work/run-values
    args=(-values "$run/findings.jsonl")
  fi
  if ! "$work/domcheck" -report "$run/report.json" -dom "$out/$name.dom.html" "${args[@]}"; then
    status=1
  fi
done

if [[ $status != 0 ]]; then
  say "FAILED (artifacts in $out)"
  exit 1
fi
say "ok: screenshot $out/report.png, page $out/report.html, DOM $out/report.dom.html"
