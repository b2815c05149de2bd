#!/usr/bin/env bash
# Turns the suite's JSON into a PNG: ns per operation against capacity, one line per competitor,
# one panel per workload, plus a panel of the threaded runs against thread count.
# Usage: bench/plot.sh OUT.png RESULTS.json...   (bench/run.sh calls it; bench/report.py says
# how several files combine)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 2 ] || { echo "usage: $0 OUT.png RESULTS.json..." >&2; exit 2; }
out="$1"; shift
bash "$root/scripts/deps.sh" gnuplot-nox python3
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
python3 "$root/bench/report.py" "$@" --plot-data "$data" >/dev/null
# pngcairo draws antialiased lines; Debian's gnuplot-nox has it, the plain gd png is the fallback.
if gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo; then
  terminal='pngcairo size 1600,950 font "DejaVu Sans,10"'
else
  terminal='png size 1600,950'
fi
machine="$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
most_threads=$(awk '!/^#/ {t = $1} END {print t}' "$data/threads.dat")
xtics=$(awk '!/^#/ {printf "%s%s", sep, $1; sep = ", "}' "$data/threads.dat")
mkdir -p "$(dirname "$out")"
# Columns without data (a competitor that does not run a workload) only draw warnings: kept in a log.
if ! gnuplot 2>"$data/gnuplot.log" <<GNUPLOT
set terminal $terminal
set output "$out"
set datafile missing "?"
set logscale xy
set grid
set key top left font ",9"
set ylabel "ns per operation (log)"
names = "ours\\\\_lowest ours\\\\_cyclic ours\\\\_random ours\\\\_limit ours\\\\_versioned port vector set floor harness\\\\_alone"
set style line 1 lc rgb "#d62728" lw 3 pt 7
set style line 2 lc rgb "#ff7f0e" lw 2 pt 5
set style line 3 lc rgb "#bcbd22" lw 2 pt 9
set style line 4 lc rgb "#8c564b" lw 2 pt 11
set style line 5 lc rgb "#17becf" lw 2 pt 3
set style line 6 lc rgb "#1f77b4" lw 2 pt 13
set style line 7 lc rgb "#2ca02c" lw 2 pt 4
set style line 8 lc rgb "#9467bd" lw 2 pt 6
set style line 9 lc rgb "#000000" lw 2 dt 2 pt 0
set style line 10 lc rgb "#7f7f7f" lw 1 dt 3 pt 0
set style line 11 lc rgb "#e377c2" lw 3 pt 15
set multiplot layout 2,3 title "pid\\\\_allocator benchmarks, lower is better ($machine)" font ",13"
set xlabel "capacity (ids)"
set xrange [1400:6000000]
set xtics ("2,048" 2048, "65,536" 65536, "4,194,304" 4194304)
do for [w in "pair fill_drain churn50 churn99 contains"] {
  set title sprintf("%s", w eq "pair" ? "(a) allocate + recycle, empty table" : \
                          w eq "fill_drain" ? "(b) fill to capacity, then drain (per id)" : \
                          w eq "churn50" ? "(c) churn at 50% occupancy" : \
                          w eq "churn99" ? "(c) churn at 99% occupancy" : "(d) contains(), 50% occupancy")
  plot for [i=2:(w[1:5] eq "churn" ? 11 : 10)] "$data/".w.".dat" using 1:i with linespoints ls (i-1) title word(names, i-1)
}
set title "(e) threads, one allocator, 65,536 ids: wall ns/op over all threads\\nsolid: (a) pair, dotted: (c) churn 50%"
set xlabel "threads ($(nproc) cores)"
set xrange [0.8:$((most_threads + most_threads / 4))]
set xtics ($xtics)
set yrange [3:20000]
set key top left font ",8"
tnames = "ours\\\\_lowest ours\\\\_cyclic port vector set ours\\\\_lowest\\\\_pure\\\\_spin ours\\\\_scalable"
tstyle = "1 2 6 7 8 4 11"
plot for [i=2:8] "$data/threads.dat" using 1:i with linespoints ls word(tstyle, i-1)+0 title word(tnames, i-1), \
     for [i=9:15] "$data/threads.dat" using 1:i with linespoints ls word(tstyle, i-8)+0 dt 3 notitle
unset multiplot
GNUPLOT
then
  cat "$data/gnuplot.log" >&2; exit 1
fi
echo "plot: $out"
