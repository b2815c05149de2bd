#!/usr/bin/env bash
# Packs the benchmark suites to run on another x86-64 Linux machine that has neither the
# compiler nor Google Benchmark (how the 16-core figures in docs/performance.md were taken): the
# two suite binaries, the shared libraries they load and this machine's dynamic loader go into
# build/bench-pack/, with a run.sh that starts them through that loader, so the other machine's own
# libraries do not matter.
# Usage: bench/pack.sh
#   then, on the other machine:  bash bench-pack/run.sh OUT_DIR [FILTER]
#   (FILTER: a --benchmark_filter regex for pidalloc_bench; default: every benchmark)
#   and back here:  python3 bench/report.py OUT_DIR/results.json OUT_DIR/results_spin.json
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pack="$root/build/bench-pack"
bash "$root/bench/run.sh" --build-only
rm -rf "$pack"
mkdir -p "$pack/lib"
cp "$root/build/bench/bench/pidalloc_bench" "$root/build/bench/bench/pidalloc_bench_spin" "$pack/"
# Every library either binary loads, and the loader itself, copied through their symlinks.
ldd "$pack/pidalloc_bench" "$pack/pidalloc_bench_spin" |
  awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u |
  while read -r lib; do cp -L "$lib" "$pack/lib/"; done
loader=$(basename "$(ldd "$pack/pidalloc_bench" | awk '$1 ~ /^\// {print $1}')")
cat >"$pack/run.sh" <<RUN
#!/usr/bin/env bash
# Written by bench/pack.sh. Usage: bash run.sh OUT_DIR [FILTER]
set -euo pipefail
here="\$(cd "\$(dirname "\$0")" && pwd)"
out="\${1:?usage: run.sh OUT_DIR [FILTER]}"
mkdir -p "\$out"
run() { "\$here/lib/$loader" --library-path "\$here/lib" "\$@"; }
{ lscpu; nproc; cat /proc/loadavg; } >"\$out/machine.txt" 2>&1 || true
# 0.2 s per repetition, not bench/run.sh's 0.3: lent machines are usually lent by the minute.
# Repetitions in random order: run in file order, the first rows of a fresh lent machine read
# 3-12 ns slower than the same rows later (docs/performance.md, "On a 16-core machine").
args=(--benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
      --benchmark_enable_random_interleaving=true --benchmark_out_format=json)
run "\$here/pidalloc_bench" "\${args[@]}" --benchmark_filter="\${2:-.}" \\
  --benchmark_out="\$out/results.json" >"\$out/bench.log" 2>&1
run "\$here/pidalloc_bench_spin" "\${args[@]}" --benchmark_out="\$out/results_spin.json" \\
  >"\$out/bench_spin.log" 2>&1
echo "results in \$out (machine: \$(sed -n 's/^Model name: *//p' "\$out/machine.txt"))"
RUN
echo "packed $(du -sh "$pack" | cut -f1) in build/bench-pack (run: bash build/bench-pack/run.sh OUT_DIR [FILTER])"
