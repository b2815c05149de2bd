#!/usr/bin/env bash
# The whole test suite (README Quick start; .ci/run calls exactly this). Installs the Debian
# packages that are missing (scripts/deps.sh), then, for each family, configures, builds and runs
# the CMake presets that hold it (CMakePresets.json; what each family checks: docs/testing.md):
#   ctest --preset PRESET -L FAMILY
# Keeps going after a failure so one run shows every problem; prints a summary; exits non-zero on
# any failure. Logs: build/logs/.
# Usage: scripts/test.sh               every family
#        scripts/test.sh unit kernel   only those families
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export JOBS="${JOBS:-2}"

# "PRESET FAMILY", in the order they run. The ci preset (g++) holds the unit suite and the families
# that need no build of their own; the others build the unit suite (or the fuzzer) their way.
runs=(
  "ci unit" "clang unit"
  "asan sanitizers" "asan-gcc sanitizers" "tsan sanitizers" "tsan-gcc sanitizers"
  "fuzz fuzz"
  "ci soak" "ci kernel"
  "ci cross" "m32 cross" "aarch64 cross" "riscv64 cross" "mingw cross"
  "ci freestanding" "ci consumers" "ci static" "ci oracle"
)
wanted() {
  [ $# -eq 0 ] || [[ " $* " == *" $family "* ]]
}

# --- packages: everything every family uses, installed once
bash scripts/deps.sh cmake make g++ gcc clang lld binutils llvm-14 libclang-rt-14-dev \
  libasan8 libtsan2 libubsan1 g++-multilib clang-tidy clang-format cppcheck git pkg-config \
  python3 util-linux qemu-system-x86 qemu-user \
  libstdc++-12-dev-arm64-cross binutils-aarch64-linux-gnu \
  libstdc++-12-dev-riscv64-cross binutils-riscv64-linux-gnu \
  g++-11 g++-12 clang-14 clang-16 clang-19 libc++-19-dev libc++abi-19-dev meson ninja-build \
  g++-mingw-w64-x86-64-posix wine64 || exit 1
bash scripts/deps.sh --backports libcatch2-dev || exit 1
# Catch2's source for the -m32, cross and mingw presets (libcatch2-dev is amd64 only).
bash scripts/deps.sh --catch2-source || exit 1

logs=build/logs
mkdir -p "$logs"
passed=0 failed=0 skipped=0
summary=()
declare -A built  # preset -> ok | FAILED, so each preset is configured and built once
for run in "${runs[@]}"; do
  read -r preset family <<<"$run"
  wanted "$@" || continue
  name="$family ($preset)"
  echo "=== $name"
  start=$SECONDS
  if [ -z "${built[$preset]:-}" ]; then
    if cmake --preset "$preset" >"$logs/$preset.configure.log" 2>&1 &&
       cmake --build --preset "$preset" >"$logs/$preset.build.log" 2>&1; then
      built[$preset]=ok
    else
      built[$preset]=FAILED
      tail -n 40 "$logs/$preset.configure.log" "$logs/$preset.build.log" 2>/dev/null
    fi
  fi
  log="$logs/$preset-$family.log"
  status=1
  if [ "${built[$preset]}" = ok ]; then
    # The check families start builds and runs of their own (each at most $JOBS wide): one at a time.
    jobs=1
    case "$family" in unit | sanitizers | cross) jobs=$JOBS ;; esac
    ctest --preset "$preset" -L "^$family\$" -j "$jobs" >"$log" 2>&1
    status=$?
  fi
  result=$(grep -E '^[0-9]+% tests passed' "$log" 2>/dev/null | tail -n 1)
  skips=$(grep -c -- '\*\*\*Skipped' "$log" 2>/dev/null || true)
  skips=${skips:-0}
  skipped=$((skipped + skips))
  line="$name: $((SECONDS - start)) s; ${result:-no tests ran}${skips:+, $skips skipped}"
  line=${line%, 0 skipped}
  if [ $status -eq 0 ]; then
    passed=$((passed + 1)); summary+=("ok      $line")
    grep -E -- '\*\*\*Skipped|^skipped:' "$log" | head -n 5
  else
    failed=$((failed + 1)); summary+=("FAILED  $line (log $log)")
    [ ! -f "$log" ] || { grep -E 'Test +#.*(Failed|Timeout|Exception)' "$log"; tail -n 60 "$log"; }
  fi
  echo "--- ${summary[-1]}"
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "families: $passed passed, $failed failed, $skipped tests skipped ($SECONDS s in all)"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
