#!/usr/bin/env bash
# The differential fuzzer (tests/fuzz/fuzz_allocator.cpp, libFuzzer + ASan + UBSan): replays the
# committed seed corpus, then fuzzes for PIDALLOC_FUZZ_SECONDS (default 60) starting from it.
# New inputs go to build/fuzz/corpus, never into the repository; a failing input is written to
# build/fuzz/ as crash-<sha1> (replay it with: build/fuzz/fuzz_allocator build/fuzz/crash-...).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh clang libclang-rt-14-dev

dir=build/fuzz
seconds="${PIDALLOC_FUZZ_SECONDS:-60}"
mkdir -p "$dir/corpus"
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt \
  -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror -Iinclude \
  tests/fuzz/fuzz_allocator.cpp -o "$dir/fuzz_allocator" >"$dir/build.log" 2>&1 ||
  { tail -n 40 "$dir/build.log"; exit 1; }

export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"
seeds=$(find tests/fuzz/corpus -type f | wc -l)
[ "$seeds" -gt 0 ] || { echo "no seed inputs in tests/fuzz/corpus"; exit 1; }

# -runs=0: execute every seed once and stop.
if ! "$dir/fuzz_allocator" -runs=0 -artifact_prefix="$dir/" tests/fuzz/corpus >"$dir/replay.log" 2>&1; then
  echo "replay of the seed corpus FAILED"; tail -n 40 "$dir/replay.log"; exit 1
fi
echo "replayed $seeds seed inputs: ok"

if ! "$dir/fuzz_allocator" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" tests/fuzz/corpus >"$dir/fuzz.log" 2>&1; then
  echo "fuzzing FAILED"; grep -m1 -A3 -E "DISAGREEMENT|ERROR:|runtime error" "$dir/fuzz.log" || true
  tail -n 30 "$dir/fuzz.log"; exit 1
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.log")
cov=$(grep -oE 'cov: [0-9]+' "$dir/fuzz.log" | tail -n 1)
echo "fuzzed ${seconds} s: ${execs} executions (${rate}/s), ${cov}, corpus $(find "$dir/corpus" -type f | wc -l) inputs, no disagreement"
