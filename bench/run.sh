#!/usr/bin/env bash
# Builds the benchmark suite (the bench preset: Release), runs every competitor on every workload
# in one run, and prints the comparison tables with every speed target marked PASS/FAIL
# (bench/report.py).
# Usage: bench/run.sh [--quick] [--plot PNG] [--build-only]
#   --quick       one short measurement of one build (under two minutes on a 2-core machine);
#                 default: the suite built at three code placements, one 0.3 s measurement of
#                 each, medians over the three reported (the pure-spin suite: 3 repetitions)
#   --plot PNG    where the plot goes (default build/bench/benchmark.png; docs/benchmark.png is the
#                 committed one)
#   --build-only  build the suites and stop (bench/pack.sh uses it)
# Outputs under build/bench/: results.json, results_pad16.json, results_pad48.json (the other
# placements), results_spin.json (pure-spin lock variant), results.md (the tables as markdown),
# *.log. Benchmarks are never part of ctest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/build/bench"
quick=0
build_only=0
plot="$dir/benchmark.png"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --plot) plot="$2"; shift ;;
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

bash "$root/scripts/deps.sh" cmake make g++ libbenchmark-dev python3 gnuplot-nox
mkdir -p "$dir"
start=$(date +%s)
if ! (cd "$root" && cmake --preset bench) >"$dir/configure.log" 2>&1; then
  tail -n 30 "$dir/configure.log"; exit 1
fi
if ! cmake --build "$dir" -j "${JOBS:-2}" >"$dir/build.log" 2>&1; then
  tail -n 40 "$dir/build.log"; exit 1
fi
echo "built in $(( $(date +%s) - start )) s"
[ $build_only -eq 1 ] && exit 0

if [ $quick -eq 1 ]; then
  suites=(pidalloc_bench pidalloc_bench_spin)
  placement_args=(--benchmark_min_time=0.05)
  spin_args=("${placement_args[@]}")
else
  # Three placements of one measurement each: as many measurements as three repetitions of one
  # build, plus the suite's setup twice more (the main job went from 4 min 24 s to 5 min 40 s on
  # 2 cores); a slow spell of the machine lands on one placement's figure, not on a row's median.
  suites=(pidalloc_bench pidalloc_bench_pad16 pidalloc_bench_pad48 pidalloc_bench_spin)
  placement_args=(--benchmark_min_time=0.3)
  spin_args=(--benchmark_min_time=0.3 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
fi
results=()
for suite in "${suites[@]}"; do
  json="$dir/results${suite#pidalloc_bench}.json"
  args=("${placement_args[@]}")
  [ "$suite" = pidalloc_bench_spin ] && args=("${spin_args[@]}")
  t0=$(date +%s)
  if ! "$dir/bench/$suite" "${args[@]}" --benchmark_out="$json" --benchmark_out_format=json \
       >"$dir/$suite.log" 2>&1; then
    tail -n 30 "$dir/$suite.log"; exit 1
  fi
  results+=("$json")
  echo "$suite ran in $(( $(date +%s) - t0 )) s (log: build/bench/$suite.log)"
done
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$root/bench/report.py" "${results[@]}" --markdown "$dir/results.md"
bash "$root/bench/plot.sh" "$plot" "${results[@]}"
