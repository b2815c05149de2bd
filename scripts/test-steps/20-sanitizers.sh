#!/usr/bin/env bash
# The Catch2 suite under sanitizers, with clang++ and g++ each:
#   ThreadSanitizer over the concurrency tests (tag [concurrency]);
#   AddressSanitizer + UndefinedBehaviorSanitizer over the whole suite.
# The first report fails the step: the runtimes halt on error, UBSan does not recover, and no
# suppression file is given. NDEBUG stays undefined, so PIDALLOC_ASSERT is live as well.
set -euo pipefail
cd "$(dirname "$0")/../.."
# libclang-rt-14-dev: clang's sanitizer runtimes; libasan8/libtsan2/libubsan1: g++ 12's.
bash scripts/deps.sh cmake g++ clang libclang-rt-14-dev libasan8 libtsan2 libubsan1
bash scripts/deps.sh --backports libcatch2-dev

export TSAN_OPTIONS="halt_on_error=1 abort_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4"
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1 detect_stack_use_after_return=1 strict_init_order=1 check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"

# build_and_run NAME CXX SANITIZER_FLAGS TEST_SPEC
build_and_run() {
  local name=$1 cxx=$2 flags=$3 spec=$4
  local dir="build/san-$name"
  local log="$dir.log"
  mkdir -p "$dir"
  local start=$SECONDS
  if ! {
    cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE= \
      -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer $flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$flags" \
      -DPIDALLOC_BUILD_EXAMPLES=OFF -DPIDALLOC_INSTALL=OFF &&
      cmake --build "$dir" --target pid_allocator_tests -j "${JOBS:-2}"
  } >"$log" 2>&1; then
    echo "$name: build FAILED"; tail -n 40 "$log"; return 1
  fi
  # A sanitizer report either ends the run (halt_on_error) or, should an option be lost, is still
  # found in the log by the grep below. The timeout turns a deadlock into a failure.
  if ! timeout 600 "$dir/tests/pid_allocator_tests" "$spec" >>"$log" 2>&1 ||
    grep -qE "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:" "$log"; then
    echo "$name: FAILED ($spec)"; tail -n 60 "$log"; return 1
  fi
  echo "$name: $(grep -E '^(All tests passed|test cases:)' "$log" | tail -n 1) (tests: $spec; $((SECONDS - start)) s)"
}

status=0
for cxx in clang++ g++; do
  build_and_run "tsan-$cxx" "$cxx" "-fsanitize=thread" "[concurrency]" || status=1
  build_and_run "asan-ubsan-$cxx" "$cxx" \
    "-fsanitize=address,undefined -fno-sanitize-recover=all" "*" || status=1
done
exit $status
