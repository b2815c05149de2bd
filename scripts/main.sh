#!/usr/bin/env bash
# The main job (README Quick start): builds and runs the examples, then the benchmark comparison.
# Installs what it needs. Arguments go to bench/run.sh (--quick: the short run, under two minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh cmake g++ make
mkdir -p build
echo "=== examples"
cmake --preset examples >build/examples.configure.log 2>&1 || { cat build/examples.configure.log; exit 1; }
cmake --build --preset examples >build/examples.build.log 2>&1 || { cat build/examples.build.log; exit 1; }
echo "--- process_table (hosted)"
./build/examples/examples/process_table
echo "--- kernel (examples/kernel: i386 multiboot kernel booted under QEMU; serial output below)"
bash scripts/deps.sh qemu-system-x86 g++-multilib
mkdir -p build/kernel-demo
bash examples/kernel/build.sh i386 g++ build/kernel-demo
bash examples/kernel/boot.sh build/kernel-demo/kernel-i386-g++.elf build/kernel-demo/serial.log i386
tr -d '\r' <build/kernel-demo/serial.log
echo "=== benchmarks"
exec bash bench/run.sh "$@"
