#!/usr/bin/env bash
# The whole test suite (README Quick start; .ci/run calls exactly this). Runs every step in
# scripts/test-steps/ in order; each installs the Debian packages it needs (skipping those already
# present) and builds under build/. Keeps going after a failure so one run shows every problem.
# Usage: scripts/test.sh            all steps
#        scripts/test.sh unit kernel  only steps whose file name contains one of the words
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PIDALLOC_ROOT="$PWD"
export JOBS="${JOBS:-$(nproc)}"
passed=0
failed=0
failed_names=""
for step in scripts/test-steps/*.sh; do
  name=$(basename "$step" .sh)
  if [ $# -gt 0 ]; then
    wanted=0
    for word in "$@"; do [[ "$name" == *"$word"* ]] && wanted=1; done
    [ $wanted -eq 1 ] || continue
  fi
  echo "=== $name"
  start=$SECONDS
  if bash "$step"; then
    passed=$((passed + 1))
    echo "--- $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failed_names="$failed_names $name"
    echo "--- $name: FAILED ($((SECONDS - start)) s)"
  fi
done
[ $failed -eq 0 ] || echo "failed steps:$failed_names"
echo "steps: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
