#!/usr/bin/env bash
# The main job (README Quick start): builds and runs the examples, then the benchmark comparison.
# Installs what it needs. Arguments go to bench/run.sh (--quick: the short run, under two minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh cmake g++ make
echo "=== examples"
cmake -S . -B build/examples -DCMAKE_BUILD_TYPE=Release -DPIDALLOC_BUILD_TESTS=OFF >build/examples.configure.log 2>&1 \
  || { cat build/examples.configure.log; exit 1; }
cmake --build build/examples -j "$(nproc)" >build/examples.build.log 2>&1 || { cat build/examples.build.log; exit 1; }
echo "--- process_table (hosted)"
./build/examples/examples/process_table
if [ -x examples/kernel/run.sh ]; then
  echo "--- kernel (booted under QEMU)"
  bash examples/kernel/run.sh
fi
echo "=== benchmarks"
exec bash bench/run.sh "$@"
