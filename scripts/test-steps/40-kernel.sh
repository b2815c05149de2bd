#!/usr/bin/env bash
# The freestanding proof: the example kernel (examples/kernel/) built with g++ -m32 and
# clang++ --target=i686-elf and booted under qemu-system-i386; then the same kernel for the
# x86-64 kernel code model (-mcmodel=kernel -mno-red-zone), whose static ELF must have no
# undefined symbol (nm -u), booted under qemu-system-x86_64.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh g++ g++-multilib clang lld binutils qemu-system-x86
out=build/kernel
mkdir -p "$out"

for target in i386 x86_64; do
  for cxx in g++ clang++; do
    dir="$out/$target"
    log="$dir/build-$cxx.log"
    mkdir -p "$dir"
    if ! bash examples/kernel/build.sh "$target" "$cxx" "$dir" >"$log" 2>&1; then
      echo "FAILED: build of the $target kernel with $cxx:"; tail -n 40 "$log"; exit 1
    fi
    elf="$dir/kernel-$target-$cxx.elf"
    image="$elf"
    if [ "$target" = x86_64 ]; then
      image="$dir/kernel-$target-$cxx.bin"
      # Anything left undefined would have to come from libstdc++, libc or libatomic (or the
      # C++ ABI runtime: __cxa_*), none of which a kernel has.
      undefined=$(nm -u "$elf")
      if [ -n "$undefined" ]; then
        echo "FAILED: $elf has undefined symbols:"; echo "$undefined"; exit 1
      fi
      echo "ok: $elf: nm -u lists nothing"
    fi
    bash examples/kernel/boot.sh "$image" "$dir/serial-$cxx.log" "$target"
  done
done
