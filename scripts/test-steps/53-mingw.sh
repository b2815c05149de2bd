#!/usr/bin/env bash
# Windows ABI: the Catch2 suite cross-built with MinGW-w64 (x86_64-w64-mingw32-g++-posix, static)
# at the strict warning set (-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror). Windows is
# LLP64: long has 32 bits while size_t and pointers have 64, so a size_t/long mix-up that LP64 Linux
# forgives fails to compile here. Then the suite runs under wine when wine starts (headless,
# WINEDEBUG=-all, a prefix under build/); the last line says whether it ran or was only built.
# Also the _MSC_VER paths of detail/config.hpp (the spin-wait hint, the freestanding assertion's
# trap), which no compiler here takes by itself: clang++ in MSVC mode for x86-64 and arm64 Windows
# with __clang__ undefined, so the MSVC branches are compiled; their object must hold pause/yield
# and __fastfail (int 0x29 / brk #0xf003). MSVC itself is not run.
# Built from Catch2's amalgamated source with tests/freestanding/suite.mk, as the -m32 and cross
# suites are. Left out, for reasons outside the library:
#   tests/test_assert_default.cpp  checks the default assertion's abort in a child process made with
#                                  fork() and waitpid() (POSIX only);
#   tests/test_allocator.cpp       declares a constinit PidAllocator<4, std::mutex>, and MinGW's
#                                  libstdc++ (winpthreads) gives std::mutex no constexpr constructor.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bash scripts/deps.sh make g++-mingw-w64-x86-64-posix wine64 clang llvm-14
cxx=x86_64-w64-mingw32-g++-posix
out="$root/build/suite-mingw"
mkdir -p "$out"
log="$out/build.log"
start=$SECONDS

excluded=(tests/test_assert_default.cpp tests/test_allocator.cpp)
srcs=()
for f in tests/test_*.cpp; do
  [[ " ${excluded[*]} " == *" $f "* ]] || srcs+=("$root/$f")
done
if ! catch2="$(bash tests/freestanding/catch2_source.sh 2>"$log")" ||
   ! make -s -k -j "${JOBS:-2}" -f tests/freestanding/suite.mk ROOT="$root" OUT="$out" CXX="$cxx" \
       TARGET_FLAGS="" LINK_FLAGS="-static" CATCH2_DIR="$catch2" SHIM_DIR="$root/build/catch2-src/shim" \
       SRCS="${srcs[*]}" >>"$log" 2>&1; then
  echo "FAILED: building the suite with $cxx (log $log):"
  tail -n 40 "$log"
  exit 1
fi
# The linker names its output NAME.exe; the makefile's targets have no suffix. Renamed, they are up
# to date for the next run, and wine runs a PE file under any name.
for exe in "$out"/pid_allocator_tests*.exe; do
  [ -f "$exe" ] && mv -f "$exe" "${exe%.exe}"
done
built=$(find "$out" -maxdepth 1 -name 'pid_allocator_tests*' -type f | wc -l)
echo "built: $built test executables with $cxx -static, strict warnings ($((SECONDS - start)) s; left out: ${excluded[*]})"

# --- the MSVC branches of detail/config.hpp. It includes only <cstddef> and <limits> when
# freestanding; two stubs stand in for MSVC's, so no Windows SDK is needed.
msvc="$out/msvc-mode"
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
echo "MSVC paths of detail/config.hpp: compiled by clang++ in MSVC mode (__clang__ undefined) for x86-64 (pause, __fastfail) and arm64 (yield, __fastfail)"

# --- the suite under wine. wine64 is not on PATH in Debian's package.
wine=$(dpkg -L wine64 2>/dev/null | grep -m 1 '/wine64$' || true)
export WINEPREFIX="$out/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=""
if [ -z "$wine" ] || [ ! -x "$wine" ] ||
   ! timeout 180 "$wine" wineboot --init >"$out/wineboot.log" 2>&1; then
  echo "mingw: the suite was only built: wine does not start here (${wine:-wine64 not installed}; log $out/wineboot.log)"
  exit 0
fi
PIDALLOC_SUITE_TIMEOUT="${PIDALLOC_SUITE_TIMEOUT:-300}" \
  bash tests/freestanding/run_suite.sh "x86_64 Windows (MinGW-w64, wine)" "$out/run.log" \
  "$wine" "$out/pid_allocator_tests"
echo "mingw: the suite was built and ran under wine $("$wine" --version 2>/dev/null) ($((SECONDS - start)) s)"
