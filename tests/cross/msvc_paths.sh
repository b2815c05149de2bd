#!/usr/bin/env bash
# The _MSC_VER paths of detail/config.hpp (the spin-wait hint, the freestanding assertion's trap):
# clang++ in MSVC mode for x86-64 and arm64 Windows with __clang__ undefined, so the MSVC branches
# are compiled; their object must hold pause/yield and __fastfail (int 0x29 / brk #0xf003).
# config.hpp includes only <cstddef> and <limits> when freestanding; two stubs stand in for MSVC's,
# so no Windows SDK is needed.
# Usage: tests/cross/msvc_paths.sh WORKDIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
msvc=$1
mkdir -p "$msvc"
printf 'namespace std { using size_t = decltype(sizeof 0); }\n' >"$msvc/cstddef"
printf '%s\n' 'namespace std { template <class T> struct numeric_limits {' \
  '  static constexpr T max() noexcept { return static_cast<T>(~T{0}); }' \
  '  static constexpr int digits = static_cast<int>(sizeof(T) * 8); }; }' >"$msvc/limits"
printf '%s\n' '#include <pid_allocator/detail/config.hpp>' \
  'int spin_then_check(int x) { pidalloc::detail::cpu_relax(); PIDALLOC_ASSERT(x == 0, "x"); return x; }' \
  >"$msvc/msvc_paths.cpp"
for target in x86_64:pause:'int[[:space:]]+\$(41|0x29)' aarch64:yield:'brk[[:space:]]+#0xf003'; do
  IFS=: read -r arch hint trap <<<"$target"
  obj="$msvc/$arch.obj"
  if ! clang++ --target="$arch-pc-windows-msvc" -fms-extensions -fms-compatibility -std=c++20 -ffreestanding \
      -U__clang__ -Wno-builtin-macro-redefined -nostdinc++ -I"$msvc" -I"$root/include" \
      -Wall -Wextra -Wpedantic -Werror -O1 -c "$msvc/msvc_paths.cpp" -o "$obj" >"$msvc/$arch.log" 2>&1 ||
     ! llvm-objdump-14 -d "$obj" >"$msvc/$arch.dis" 2>>"$msvc/$arch.log" ||
     ! grep -qE "[[:space:]]$hint\b" "$msvc/$arch.dis" || ! grep -qE "$trap" "$msvc/$arch.dis"; then
    echo "FAILED: the _MSC_VER paths of detail/config.hpp for $arch (log $msvc/$arch.log, $msvc/$arch.dis):"
    cat "$msvc/$arch.log"; grep -vE '^$' "$msvc/$arch.dis" 2>/dev/null | tail -n 20; exit 1
  fi
done
echo "ok: the _MSC_VER paths of detail/config.hpp compiled by clang++ in MSVC mode (__clang__ undefined)" \
     "for x86-64 (pause, __fastfail) and arm64 (yield, __fastfail)"
