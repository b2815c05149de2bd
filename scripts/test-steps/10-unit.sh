#!/usr/bin/env bash
# The Catch2 suite with g++ and clang++, warnings as errors, through ctest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh cmake g++ clang
bash scripts/deps.sh --backports libcatch2-dev
mkdir -p build
for cxx in g++ clang++; do
  dir="build/unit-$cxx"
  log="$dir.log"
  if ! { cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
         cmake --build "$dir" -j "${JOBS:-2}"; } >"$log" 2>&1; then
    echo "$cxx: build FAILED"; tail -n 40 "$log"; exit 1
  fi
  if ! ctest --test-dir "$dir" -j "${JOBS:-2}" --output-on-failure >>"$log" 2>&1; then
    echo "$cxx: tests FAILED"; tail -n 60 "$log"; exit 1
  fi
  echo "$cxx: $(grep -E 'tests passed' "$log" | tail -n 1)"
done
