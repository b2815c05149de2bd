#!/usr/bin/env bash
# A short soak (tests/soak/soak.cpp): 4 threads per core churn nine shared allocators while an
# ownership table watches for an id held twice; then the final audit. Three runs:
#   g++ -O2 for PIDALLOC_SOAK_SECONDS (default 20);
#   clang++ with ThreadSanitizer for 10 s;
#   a build whose allocators have no lock at all, which must FAIL: proof that the checks bite.
# For the long run: build/soak/soak --seconds=600
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh g++ clang libclang-rt-14-dev

dir=build/soak
mkdir -p "$dir"
seconds="${PIDALLOC_SOAK_SECONDS:-20}"
warn=(-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"

build() {  # build OUTPUT COMPILER FLAGS...
  local out=$1 cxx=$2
  shift 2
  "$cxx" -std=c++20 -g "${warn[@]}" -Iinclude -pthread "$@" tests/soak/soak.cpp -o "$dir/$out" \
    >"$dir/$out.build.log" 2>&1 || { echo "build of $out FAILED"; tail -n 30 "$dir/$out.build.log"; exit 1; }
}

run() {  # run NAME ARGS...: must pass
  local name=$1
  shift
  if ! "$dir/$name" "$@" >"$dir/$name.log" 2>&1; then
    echo "$name FAILED"; tail -n 30 "$dir/$name.log"; exit 1
  fi
  echo "$name $*: $(grep '^operations:' "$dir/$name.log"); $(grep '^checks passed:' "$dir/$name.log")"
}

build soak g++ -O2
build soak-tsan clang++ -O1 -fsanitize=thread
build soak-without-lock g++ -O2 -DPIDALLOC_SOAK_WITHOUT_LOCK

run soak --seconds="$seconds"
run soak-tsan --seconds=10

# Exit status 0 here would mean the checks cannot see overlapping critical sections.
# It may also die of the corruption (abort, crash): the shell's "Aborted" notice is dropped.
if { timeout 120 "$dir/soak-without-lock" --seconds=3 >"$dir/soak-without-lock.log" 2>&1; } 2>/dev/null; then
  echo "soak-without-lock PASSED, but it must detect the missing lock"; tail -n 20 "$dir/soak-without-lock.log"; exit 1
fi
if ! grep -qE "VIOLATION|pid_allocator:" "$dir/soak-without-lock.log"; then
  echo "soak-without-lock failed without reporting a violation"; tail -n 20 "$dir/soak-without-lock.log"; exit 1
fi
echo "soak-without-lock: failed as it must ($(grep -c '^VIOLATION' "$dir/soak-without-lock.log") violation lines printed)"
