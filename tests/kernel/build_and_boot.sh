#!/usr/bin/env bash
# One kernel of the kernel family: builds examples/kernel for TARGET with CXX into OUTDIR, checks
# the x86-64 ELF for undefined symbols, boots it under QEMU and checks its self-test (boot.sh).
# Usage: tests/kernel/build_and_boot.sh i386|x86_64 g++|clang++ OUTDIR
set -euo pipefail
target=$1 cxx=$2 dir=$3
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$dir"
log="$dir/build-$cxx.log"
if ! bash "$root/examples/kernel/build.sh" "$target" "$cxx" "$dir" >"$log" 2>&1; then
  echo "FAILED: build of the $target kernel with $cxx:"; tail -n 40 "$log"; exit 1
fi
elf="$dir/kernel-$target-$cxx.elf"
image="$elf"
if [ "$target" = x86_64 ]; then
  image="$dir/kernel-$target-$cxx.bin"
  # Anything left undefined would have to come from libstdc++, libc or libatomic (or the C++ ABI
  # runtime: __cxa_*), none of which a kernel has.
  undefined=$(nm -u "$elf")
  if [ -n "$undefined" ]; then
    echo "FAILED: $elf has undefined symbols:"; echo "$undefined"; exit 1
  fi
  echo "ok: $elf: nm -u lists nothing"
fi
bash "$root/examples/kernel/boot.sh" "$image" "$dir/serial-$cxx.log" "$target"
