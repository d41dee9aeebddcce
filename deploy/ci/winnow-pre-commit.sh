#!/bin/sh
# winnow pre-commit hook: audit the dataset files being committed.
#
# pre-commit passes the staged files that match the hook's `files` pattern
# (see .pre-commit-hooks.yaml). The hook scans them with the same exit
# policy and baseline as the CI jobs in this folder and fails the commit
# when a --fail-on threshold is crossed. Nothing is written to the
# repository: the report goes to a temporary directory, which is removed
# unless the hook fails on the policy (then its path is printed), or to
# WINNOW_OUT when set.
#
# Environment:
#   WINNOW_FAIL_ON   exit policy (default: secret.*=any,pii.*>0)
#   WINNOW_BASELINE  accepted findings file, used when present
#                    (default: .winnow-baseline.json)
#   WINNOW_OUT       keep the report in this directory
#   WINNOW           the winnow binary (default: winnow on PATH)
#
# Exit status: 0 clean, 1 a threshold failed, 2 error (as winnow scan).
set -eu

winnow=${WINNOW:-winnow}
fail_on=${WINNOW_FAIL_ON:-'secret.*=any,pii.*>0'}
baseline=${WINNOW_BASELINE:-.winnow-baseline.json}

if ! command -v "$winnow" >/dev/null 2>&1; then
	echo "winnow pre-commit: '$winnow' not found; install it with" >&2
	echo "  go install github.com/winnow-data/winnow/cmd/winnow@latest" >&2
	exit 2
fi
if [ "$#" -eq 0 ]; then
	exit 0 # no dataset files in this commit
fi

tmp=
if [ -n "${WINNOW_OUT:-}" ]; then
	out=$WINNOW_OUT
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/winnow-pre-commit.XXXXXX")
	tmp=$out
	trap 'rm -rf "$tmp"; exit 2' HUP INT TERM
fi

# Flags first, then the files; "--" keeps a file named like a flag a file.
if [ -f "$baseline" ]; then
	set -- --baseline "$baseline" -- "$@"
else
	set -- -- "$@"
fi
status=0
"$winnow" scan -q --fail-on "$fail_on" -o "$out" "$@" || status=$?
if [ "$status" -eq 1 ]; then
	echo "winnow pre-commit: the staged data crosses --fail-on '$fail_on'." >&2
	echo "  Findings: $out/report.json and $out/findings.*" >&2
	echo "  Remove or clean the records (winnow clean), or accept the findings with" >&2
	echo "  'winnow baseline --file $baseline' and commit that file." >&2
elif [ -n "$tmp" ]; then
	rm -rf "$tmp"
fi
exit "$status"
