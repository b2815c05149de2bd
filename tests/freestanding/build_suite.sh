#!/usr/bin/env bash
# Builds the whole Catch2 suite (tests/test_*.cpp) for a target other than the host's default.
# Usage: tests/freestanding/build_suite.sh OUTDIR CXX "TARGET_FLAGS" "LINK_FLAGS"
# Prints the path of the suite executable, OUTDIR/pid_allocator_tests; the test files that set a
# configuration macro are linked alone, into OUTDIR/pid_allocator_tests_<name> beside it (see
# suite.mk), and run_suite.sh runs those too. The build's output goes to OUTDIR/build.log, and on
# failure its errors to stderr. Catch2 is compiled once per OUTDIR and kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out=$1 cxx=$2 target_flags=$3 link_flags=$4
mkdir -p "$out"
log="$out/build.log"
if ! catch2="$(bash "$here/catch2_source.sh" 2>"$log")" ||
   ! make -s -k -j "${JOBS:-2}" -f "$here/suite.mk" ROOT="$root" OUT="$(cd "$out" && pwd)" CXX="$cxx" \
       TARGET_FLAGS="$target_flags" LINK_FLAGS="$link_flags" CATCH2_DIR="$catch2" \
       SHIM_DIR="$root/build/catch2-src/shim" >>"$log" 2>&1; then
  echo "FAILED: building the suite with $cxx $target_flags (log $log):" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "$out/pid_allocator_tests"
