#!/usr/bin/env bash
# The public headers include nothing outside the C++20 freestanding set, checked with g++
# (64- and 32-bit) and clang++, freestanding and hosted; then the checker is shown to catch a
# disallowed include, so a green run means something. Last, every constinit allocator of every
# policy lands in .bss (tests/freestanding/check_bss.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh g++ g++-multilib clang
check=tests/freestanding/check_public_headers.sh

bash "$check" include freestanding g++
bash "$check" include freestanding g++ -m32
bash "$check" include freestanding clang++
bash "$check" include hosted g++
bash "$check" include hosted clang++

# The checker against headers made up here: one that breaks the rule, one that keeps it.
fixtures=$(mktemp -d)
trap 'rm -rf "$fixtures"' EXIT
mkdir -p "$fixtures/bad/pid_allocator/detail" "$fixtures/good/pid_allocator/detail"
cat >"$fixtures/bad/pid_allocator/pid_allocator.hpp" <<'HPP'
#include "detail/config.hpp"
#include <atomic>
#include <vector>
HPP
for dir in bad good; do
  cat >"$fixtures/$dir/pid_allocator/detail/config.hpp" <<'HPP'
#pragma once
#if __STDC_HOSTED__
#include <cstdio>
#endif
#if 0
#include <map>
#endif
#include <version>
HPP
done
printf '#include "detail/config.hpp"\n#include <atomic>\n#include <cstdint>\n' \
  >"$fixtures/good/pid_allocator/pid_allocator.hpp"

bash "$check" "$fixtures/good" freestanding g++ >"$fixtures/good.log" 2>&1 ||
  { echo "FAILED: the checker rejects allowed headers:"; cat "$fixtures/good.log"; exit 1; }
bash "$check" "$fixtures/good" hosted g++ >"$fixtures/good-hosted.log" 2>&1 ||
  { echo "FAILED: the checker rejects <cstdio> in hosted mode:"; cat "$fixtures/good-hosted.log"; exit 1; }
if bash "$check" "$fixtures/bad" freestanding g++ >"$fixtures/bad.log" 2>&1; then
  echo "FAILED: the checker accepted #include <vector>:"; cat "$fixtures/bad.log"; exit 1
fi
if ! grep -q '#include <vector> is outside the allowed set' "$fixtures/bad.log" ||
   grep -qE '<map>|<cstdio>' "$fixtures/bad.log"; then
  echo "FAILED: the checker flagged the wrong includes:"; cat "$fixtures/bad.log"; exit 1
fi
echo "ok: the checker flags <vector>, ignores inactive #if branches and hosted-only <cstdio>"

bss=tests/freestanding/check_bss.sh
bash "$bss" g++
bash "$bss" g++ -m32
bash "$bss" clang++
