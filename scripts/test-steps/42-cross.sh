#!/usr/bin/env bash
# The whole Catch2 suite cross-built with clang++ for aarch64 (a weakly ordered memory model: the
# acquire/release pairs of the allocator and Spinlock matter there) and riscv64 (RVWMO, also
# weak), against Debian's cross libstdc++, and run under qemu-user with the cross sysroot.
# Debian's gcc cross compilers cannot be installed beside g++-multilib; clang++ --target=... can,
# and the cross binutils link (lld 14 cannot link riscv64's relaxable crt objects).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh clang make qemu-user \
  libstdc++-12-dev-arm64-cross binutils-aarch64-linux-gnu \
  libstdc++-12-dev-riscv64-cross binutils-riscv64-linux-gnu
for arch in aarch64 riscv64; do
  triple="$arch-linux-gnu"
  out="build/suite-$arch"
  exe=$(bash tests/freestanding/build_suite.sh "$out" clang++ "--target=$triple" "")
  # -L: the dynamic loader and libraries come from the cross sysroot.
  bash tests/freestanding/run_suite.sh "$arch (clang++, qemu-$arch)" "$out/run.log" \
    "qemu-$arch" -L "/usr/$triple" "$exe"
done
