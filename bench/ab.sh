#!/usr/bin/env bash
# Compares variants of the library's headers on the benchmark suite, with code placement averaged
# out. A change that should save a fraction of a nanosecond is hard to judge from one build of each
# side: where the linker happens to put the hot loops moves some rows as much as the change does.
# So each variant is built at several code offsets (a padding function compiled ahead of the suite
# moves every function after it), all builds run interleaved, round after round, and the table
# shows for each variant the median over all builds and rounds, and the spread of the per-build
# medians: a difference between variants smaller than that spread is placement, not the change.
# (docs/performance.md: how the "tried and dropped" changes were measured.)
#
# Usage: bench/ab.sh [--filter REGEX] [--rounds N] [--min-time S] [--offsets "B B ..."]
#                    NAME=INCLUDE_DIR[:FLAGS] ...
#   NAME=INCLUDE_DIR  a variant: a directory holding pid_allocator/pid_allocator.hpp (the working
#                     tree's own is include); FLAGS (space-separated) are added to its compile line,
#                     e.g. spin=include:-DPIDALLOC_SPINLOCK_YIELDS=0
#   --filter    a --benchmark_filter regex (default: churn at 2,048 ids, ours and the port)
#   --rounds    runs of every build (default 3); --min-time: seconds per benchmark (default 0.2)
#   --offsets   padding bytes ahead of the suite, one build per value (default "0 16 48 80";
#               functions start on 32-byte boundaries here, so these place the code at four
#               different offsets)
# Example: cp -r include /tmp/try && $EDITOR /tmp/try/pid_allocator/pid_allocator.hpp &&
#          bash bench/ab.sh base=include try=/tmp/try
# Builds go to build/ab/. Needs g++ (or CXX), libbenchmark-dev and python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/build/ab"
filter='^churn(50|99)/(ours_lowest|port)/2048$'
rounds=3
min_time=0.2
offsets="0 16 48 80"
variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) filter="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --min-time) min_time="$2"; shift ;;
    --offsets) offsets="$2"; shift ;;
    -h|--help) sed -n '11,23p' "$0"; exit 0 ;;
    *=*) variants+=("$1") ;;
    *) echo "ab.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ ${#variants[@]} -eq 0 ]; then
  echo "ab.sh: name at least one variant, e.g. base=include (see --help)" >&2
  exit 2
fi

cxx="${CXX:-g++}"
case "$cxx" in *clang*) compiler_package=clang ;; *) compiler_package=g++ ;; esac
bash "$root/scripts/deps.sh" "$compiler_package" libbenchmark-dev python3
# The flags of the benchmark target in Release (bench/CMakeLists.txt), loop alignment included.
flags=(-std=c++20 -O3 -DNDEBUG -falign-loops=32)
case "$("$cxx" --version)" in *clang*) ;; *) flags+=(-falign-jumps=32) ;; esac

rm -rf "$dir"
mkdir -p "$dir"
builds=()
for variant in "${variants[@]}"; do
  name="${variant%%=*}"
  spec="${variant#*=}"
  include="${spec%%:*}"
  extra=""
  [ "$include" != "$spec" ] && extra="${spec#*:}"
  case "$include" in /*) ;; *) include="$PWD/$include" ;; esac
  if [ ! -f "$include/pid_allocator/pid_allocator.hpp" ]; then
    echo "ab.sh: $include/pid_allocator/pid_allocator.hpp not found (variant $name)" >&2
    exit 2
  fi
  for offset in $offsets; do
    # shellcheck disable=SC2086  # extra: flags split on purpose
    "$cxx" "${flags[@]}" $extra -DPIDALLOC_BENCH_PADDING="$offset" -I"$include" \
      "$root/bench/suite.cpp" -o "$dir/${name}@$offset" \
      -lbenchmark -lpthread 2>"$dir/${name}@$offset.log" &
    builds+=("${name}@$offset")
  done
  wait
done
echo "built ${#builds[@]} binaries in build/ab"

for round in $(seq "$rounds"); do
  for build in "${builds[@]}"; do
    "$dir/$build" --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
      --benchmark_format=json >"$dir/$build.$round.json" 2>/dev/null
  done
done

python3 - "$dir" "$rounds" "${builds[@]}" <<'PY'
import collections, json, statistics, sys
where, rounds, builds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
runs = collections.defaultdict(list)  # (benchmark, build) -> ns per item, one per round
order = []
for build in builds:
    for r in range(1, rounds + 1):
        for b in json.load(open(f"{where}/{build}.{r}.json"))["benchmarks"]:
            name = b["name"]
            # As bench/report.py reads them: wall time where the row says real_time (the threaded
            # rows), CPU time otherwise; per id where a row counts ids_per_iteration.
            t = b["real_time"] if "real_time" in name.split("/") else b["cpu_time"]
            t *= {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
            runs[(name, build)].append(t / b.get("ids_per_iteration", 1))
            if name not in order:
                order.append(name)
names = list(dict.fromkeys(b.split("@")[0] for b in builds))
print("ns per operation: median of all builds and rounds [min-max of the per-build medians]")
width = max(len(b) for b in order) + 2
print(f"{'benchmark':<{width}}" + "".join(f"{n:>26}" for n in names))
for bench in order:
    cells = []
    for n in names:
        per_build = [runs[(bench, b)] for b in builds if b.split("@")[0] == n and runs[(bench, b)]]
        if not per_build:
            cells.append(f"{'-':>26}")
            continue
        medians = [statistics.median(v) for v in per_build]
        allv = statistics.median([x for v in per_build for x in v])
        cells.append(f"{allv:>10.2f} [{min(medians):6.2f}-{max(medians):6.2f}]")
    print(f"{bench:<{width}}" + "".join(cells))
PY
