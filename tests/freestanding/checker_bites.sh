#!/usr/bin/env bash
# check_public_headers.sh against headers made up here: one set that breaks the rule, one that
# keeps it. It must flag <vector>, and ignore inactive #if branches and hosted-only <cstdio>.
set -euo pipefail
check="$(cd "$(dirname "$0")" && pwd)/check_public_headers.sh"
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
