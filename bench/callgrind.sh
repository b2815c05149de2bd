#!/usr/bin/env bash
# Instructions per operation for (a) allocate + recycle on an empty table and (c) churn at 50% and
# 99% occupancy, counted by valgrind --tool=callgrind: a figure that does not move with machine
# load, for tracking regressions. Each figure is (Ir(2n ops) - Ir(n ops)) / n over the measured
# loop only (the driver switches instrumentation on around it), so setup and teardown cancel out.
# It includes the workload's own loop (victim choice, handle bookkeeping): compare like with like;
# the harness column is that loop alone, with an allocator that does nothing.
# Usage: bench/callgrind.sh        (builds the driver in build/bench if needed; about 2 minutes)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/build/bench"
bash "$root/scripts/deps.sh" cmake make g++ libbenchmark-dev valgrind
if [ ! -f "$dir/CMakeCache.txt" ]; then
  mkdir -p "$dir"
  (cd "$root" && cmake --preset bench) >"$dir/callgrind-configure.log" 2>&1 \
    || { tail -n 30 "$dir/callgrind-configure.log"; exit 1; }
fi
cmake --build "$dir" --target pidalloc_bench_callgrind -j "${JOBS:-2}" >"$dir/callgrind-build.log" 2>&1 \
  || { tail -n 30 "$dir/callgrind-build.log"; exit 1; }
driver="$dir/bench/pidalloc_bench_callgrind"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

instructions() {  # workload competitor capacity operations
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/cg" "$driver" "$@" \
    >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
  awk '/^totals:/ {print $2}' "$out/cg"
}

per_op() {  # workload competitor capacity
  local n=2000
  # The port's churn at 4,194,304 ids scans tens of thousands of words per operation.
  [ "$2" = port ] && [ "$3" = 4194304 ] && n=100
  local one two
  one=$(instructions "$1" "$2" "$3" "$n")
  two=$(instructions "$1" "$2" "$3" $((2 * n)))
  awk -v a="$one" -v b="$two" -v n="$n" 'BEGIN { printf "%.0f", (b - a) / n }'
}

competitors=(ours_lowest ours_raw ours_cyclic port floor harness)
printf 'instructions per allocate+recycle pair (valgrind --tool=callgrind)\n'
printf '%-9s %10s' workload capacity; printf ' %12s' "${competitors[@]}"; printf '\n'
for workload in pair churn50 churn99; do
  for capacity in 2048 65536 4194304; do
    printf '%-9s %10s' "$workload" "$capacity"
    for competitor in "${competitors[@]}"; do
      if [ "$competitor" = floor ] && [ "$workload" != pair ]; then printf ' %12s' -; continue; fi
      if [ "$competitor" = harness ] && [ "$workload" = pair ]; then printf ' %12s' -; continue; fi
      printf ' %12s' "$(per_op "$workload" "$competitor" "$capacity")"
    done
    printf '\n'
  done
done
