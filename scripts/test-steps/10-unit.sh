#!/usr/bin/env bash
# The Catch2 suite with g++ and clang++, warnings as errors, through ctest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh cmake g++ clang
bash scripts/deps.sh --backports libcatch2-dev
for cxx in g++ clang++; do
  dir="build/unit-$cxx"
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; exit 1; }
  cmake --build "$dir" -j "${JOBS:-2}" 2>&1 | tail -n 30
  [ "${PIPESTATUS[0]}" -eq 0 ]
  ctest --test-dir "$dir" -j "${JOBS:-2}" --output-on-failure 2>&1 | tail -n 5
  [ "${PIPESTATUS[0]}" -eq 0 ]
done
