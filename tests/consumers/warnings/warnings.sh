#!/usr/bin/env bash
# Users' builds stay warning-free: the consumer programs in tests/consumers/warnings/ are built with
# g++ 11 and 12, clang++ 14, 16 and 19 (libstdc++), and clang++ 19 with libc++ (where <format>
# exists, so std::formatter<Pid> is compiled and checked), each at -O2 and -O3, with
#   -std=c++20 <the strict warning set of cmake/Warnings.cmake> -pthread
# and the header found through a plain -I, as a consumer without CMake would: -isystem (what CMake
# gives an imported target's include directory) would hide the header's warnings, and then the step
# could not fail.
# Some warnings (g++'s -Warray-bounds) appear only after optimisation, hence two levels.
#   every_member.cpp   every public member, Orders 1 to 65536, three locks, every policy; it runs
#                      and checks its answers
#   issue_program.cpp  the reported reproducer of g++ 12's false -Warray-bounds at -O2
# Prints one line per (compiler, level), then 'N passed, M failed'.
# Usage: tests/consumers/warnings/warnings.sh WORKDIR   (test consumers.warnings; logs in WORKDIR)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

out="${1:?usage: warnings.sh WORKDIR}"
rm -rf "$out"
mkdir -p "$out"
start=$SECONDS

# name|compiler and its library flags|extra definitions. libc++'s libc++.so is a linker script
# that brings libc++abi and libunwind in, so -stdlib=libc++ links without naming them.
configs=(
  "g++-11|g++-11|"
  "g++-12|g++-12|"
  "clang++-14|clang++-14|"
  "clang++-16|clang++-16|"
  "clang++-19|clang++-19|"
  "clang++-19-libc++|clang++-19 -stdlib=libc++|-DEXPECT_FORMAT=1"
)
levels=(-O2 -O3)

# build_one CONFIG LEVEL: builds and runs both programs; writes NAMELEVEL.log (g++-12-O2.log) and
# NAMELEVEL.result, one line: 'ok ...' or 'FAILED ...' with the first diagnostic.
build_one() {
  local name cxx defs
  IFS='|' read -r name cxx defs <<<"$1"
  local level=$2
  local tag="$out/$name$level"
  local log="$tag.log"
  local -a compiler extra
  read -r -a compiler <<<"$cxx"
  read -r -a extra <<<"$defs"
  local -a strict
  read -r -a strict <<<"$strict_line"
  local flags=(-std=c++20 "${strict[@]}" "$level" -pthread -I"$root/include")
  local problems=() first="" prog
  : >"$log"
  for prog in every_member issue_program; do
    local exe="$tag-$prog"
    echo "+ ${compiler[*]} ${flags[*]} ${extra[*]} tests/consumers/warnings/$prog.cpp" >>"$log"
    if ! "${compiler[@]}" "${flags[@]}" "${extra[@]}" "tests/consumers/warnings/$prog.cpp" \
        -o "$exe" >>"$log" 2>&1; then
      problems+=("$prog: build")
      if [ -z "$first" ]; then
        first=$(grep -m 1 -E ': (warning|error): ' "$log" || true)
        # Where in our headers it points: the diagnostic itself is often inside the standard
        # library, reached through an "inlined from ... at pid_allocator.hpp:LINE" line.
        local at
        at=$(grep -v -E '^(In file included)? +from ' "$log" |
             grep -m 1 -o -E 'pid_allocator/[a-z_/]+\.hpp:[0-9]+' || true)
        [ -z "$at" ] || first="$first [header: $at]"
      fi
      continue
    fi
    echo "+ $exe" >>"$log"
    if ! "$exe" >>"$log" 2>&1; then
      problems+=("$prog: run")
      [ -n "$first" ] || first=$(grep -m 1 -E 'check failed|failed|error' "$log" || true)
    fi
  done
  # The same flags must turn a warning in an -I header into an error, or a clean run means nothing.
  mkdir -p "$tag-canary/include"
  printf 'inline int narrow(long x) { return x; }\n' >"$tag-canary/include/canary.hpp"
  printf '#include <canary.hpp>\nint main() { return narrow(0L); }\n' >"$tag-canary/canary.cpp"
  local canary=("${flags[@]}")
  canary[-1]="-I$tag-canary/include"
  if "${compiler[@]}" "${canary[@]}" "${extra[@]}" "$tag-canary/canary.cpp" -o "$tag-canary/a.out" \
      >>"$tag-canary/log" 2>&1; then
    problems+=("a -Wconversion warning in an -I header did not fail the build")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    echo "ok      $name $level" >"$tag.result"
  else
    local IFS=';'
    echo "FAILED  $name $level (${problems[*]}): ${first:-see $log}" >"$tag.result"
  fi
}
export -f build_one
read -r -a strict <<<"$(cmake -P cmake/Warnings.cmake)"
export out root strict_line="${strict[*]}"

jobs="${JOBS:-2}"
# One job per (compiler, level), as NUL-separated argument pairs for xargs.
job_list() {
  local config level
  for config in "${configs[@]}"; do
    for level in "${levels[@]}"; do printf '%s\0%s\0' "$config" "$level"; done
  done
}
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
job_list | xargs -0 -n 2 -P "$jobs" bash -c 'build_one "$1" "$2"' _

passed=0
failed=0
for config in "${configs[@]}"; do
  for level in "${levels[@]}"; do
    result="$out/${config%%|*}$level.result"
    if [ -f "$result" ] && [[ "$(cat "$result")" == ok* ]]; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
    fi
    cat "$result" 2>/dev/null || echo "FAILED  ${config%%|*} $level (no result)"
  done
done
echo "warnings: $passed passed, $failed failed ($((SECONDS - start)) s; logs in $out)"
[ $failed -eq 0 ]
