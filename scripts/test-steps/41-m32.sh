#!/usr/bin/env bash
# The whole Catch2 suite built with g++ -m32 and run: size_t has 32 bits there, so every word
# size, layer count and capacity differs from the 64-bit builds. Catch2 is compiled from Debian's
# source package (the installed libcatch2-dev is for amd64 only) and cached under build/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh g++ g++-multilib make
out=build/suite-m32
exe=$(bash tests/freestanding/build_suite.sh "$out" g++ "-m32" "")
bash tests/freestanding/run_suite.sh "i386 (g++ -m32)" "$out/run.log" "$exe"
