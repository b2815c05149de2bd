#!/usr/bin/env bash
# Runs a suite executable made by build_suite.sh, under a time limit (a test that hangs on one
# target must fail the step, not stall CI), with the log in a file and a short summary printed.
# Usage: tests/freestanding/run_suite.sh NAME LOG EXE_OR_RUNNER... [-- CATCH2_ARGS...]
set -euo pipefail
name=$1 log=$2
shift 2
status=0
timeout "${PIDALLOC_SUITE_TIMEOUT:-300}" "$@" --durations yes >"$log" 2>&1 || status=$?
# The [assert] test forks a child whose Catch2 prints a summary too; the parent's comes last.
summary=$(grep -E '^(All tests passed|test cases:)' "$log" | tail -n 1 || true)
if [ "$status" -ne 0 ]; then
  echo "FAILED: $name suite (exit status $status${summary:+; $summary}; 124 = timed out). Log $log:"
  grep -E -B 3 -A 6 'FAILED:' "$log" | head -n 80 || true
  tail -n 15 "$log"
  [ "$status" -eq 124 ] && { echo "last test started:"; grep -E '^[0-9.]+ s:' "$log" | tail -n 1 || true; }
  exit 1
fi
echo "ok: $name suite: $summary"
