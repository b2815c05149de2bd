#!/usr/bin/env bash
# The Catch2 suite (every unit-test executable) under sanitizers, with clang++ and g++ each:
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
# Builds every unit-test executable (tests/CMakeLists.txt: pid_allocator_tests, and one
# pid_allocator_tests_<name> for each test file that sets a configuration macro; their paths are in
# tests/test_executables.txt) and runs each with TEST_SPEC. Only pid_allocator_tests must match a
# test: the others may hold none of the spec.
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
      cmake --build "$dir" -j "${JOBS:-2}"
  } >"$log" 2>&1; then
    echo "$name: build FAILED"; tail -n 40 "$log"; return 1
  fi
  local exe exe_name exe_log result summary="" exes=()
  mapfile -t exes <"$dir/tests/test_executables.txt"
  for exe in "${exes[@]}"; do
    exe_name=$(basename "$exe")
    exe_log="$dir/$exe_name.log"
    local extra=()
    [ "$exe_name" = pid_allocator_tests ] || extra=(--allow-running-no-tests)
    # A sanitizer report either ends the run (halt_on_error) or, should an option be lost, is
    # still found in the log by the grep below. The timeout turns a deadlock into a failure.
    if ! timeout 600 "$exe" "$spec" "${extra[@]}" >"$exe_log" 2>&1 ||
      grep -qE "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:" "$exe_log"; then
      cat "$exe_log" >>"$log"
      echo "$name: FAILED ($exe_name $spec)"; tail -n 60 "$exe_log"; return 1
    fi
    cat "$exe_log" >>"$log"
    result=$(grep -E '^(All tests passed|test cases:)' "$exe_log" | tail -n 1 || true)
    [ -z "$result" ] || summary+="${summary:+; }$exe_name: $result"
  done
  [ -n "$summary" ] || { echo "$name: FAILED: no test executable in $dir/tests ran a test"; return 1; }
  echo "$name: $summary (tests: $spec; $((SECONDS - start)) s)"
}

status=0
for cxx in clang++ g++; do
  build_and_run "tsan-$cxx" "$cxx" "-fsanitize=thread" "[concurrency]" || status=1
  build_and_run "asan-ubsan-$cxx" "$cxx" \
    "-fsanitize=address,undefined -fno-sanitize-recover=all" "*" || status=1
done
exit $status
