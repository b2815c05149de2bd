#!/usr/bin/env bash
# Runs a suite executable made by build_suite.sh, under a time limit (a test that hangs on one
# target must fail the step, not stall CI), with the log in a file and a short summary printed;
# then, the same way, each executable build_suite.sh linked beside it for a test file of its own
# (pid_allocator_tests_<name>, logged to LOG with -<name> before .log).
# Usage: tests/freestanding/run_suite.sh NAME LOG [RUNNER...] EXE [-- CATCH2_ARGS...]
set -euo pipefail
name=$1 log=$2
shift 2
command=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do command+=("$1"); shift; done
[ $# -eq 0 ] || shift
catch2_args=("$@")
[ ${#command[@]} -gt 0 ] || { echo "run_suite.sh: no executable given" >&2; exit 2; }
exe=${command[${#command[@]}-1]}
runner=("${command[@]:0:${#command[@]}-1}")

# run_one LABEL LOG EXE EXTRA_ARGS...
run_one() {
  local label=$1 one_log=$2 one_exe=$3 status=0 summary
  shift 3
  timeout "${PIDALLOC_SUITE_TIMEOUT:-300}" "${runner[@]}" "$one_exe" "${catch2_args[@]}" "$@" \
    --durations yes >"$one_log" 2>&1 || status=$?
  # The [assert] test forks a child whose Catch2 may print a summary too; the parent's comes last.
  summary=$(grep -E '^(All tests passed|test cases:|No tests ran)' "$one_log" | tail -n 1 || true)
  if [ "$status" -ne 0 ]; then
    echo "FAILED: $label (exit status $status${summary:+; $summary}; 124 = timed out). Log $one_log:"
    grep -E -B 3 -A 6 'FAILED:' "$one_log" | head -n 80 || true
    tail -n 15 "$one_log"
    [ "$status" -eq 124 ] && { echo "last test started:"; grep -E '^[0-9.]+ s:' "$one_log" | tail -n 1 || true; }
    return 1
  fi
  echo "ok: $label: $summary"
}

status=0
run_one "$name suite" "$log" "$exe" || status=1
for own in "$(dirname "$exe")"/pid_allocator_tests_*; do
  [ -f "$own" ] && [ -x "$own" ] || continue
  suffix=${own##*/pid_allocator_tests_}
  # A file of its own may hold no test case, only compile-time checks.
  run_one "$name $suffix" "${log%.log}-$suffix.log" "$own" --allow-running-no-tests || status=1
done
exit $status
