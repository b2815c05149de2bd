#!/usr/bin/env bash
# clang-tidy (.clang-tidy) over every translation unit of the tests and examples (the
# compile_commands.json of a clang++ build configured in BUILDDIR), which instantiate the headers
# the ways the tests do, plus the soak and the fuzzer. Reported: everything in include/, the
# examples and the reliability sources. The other unit tests break contracts on purpose (use after
# move, raw loops over handles) and are held to the compilers' -Werror warnings instead.
# Usage: tests/static/clang_tidy.sh BUILDDIR   (run from the repository root)
set -euo pipefail
dir=$1
mkdir -p "$dir"
own=(tests/test_hostile_lock.cpp tests/soak/soak.cpp tests/fuzz/fuzz_allocator.cpp)
mapfile -t headers < <(find include -name '*.hpp' | sort)
mapfile -t examples < <(find examples -maxdepth 1 -name '*.cpp' | sort)

cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DPIDALLOC_INSTALL=OFF >"$dir/configure.log" 2>&1 || { tail -n 30 "$dir/configure.log"; exit 1; }
# Diagnostics are kept only for files named in the line filter (any line of them).
filter="["
for f in "${headers[@]}" "${examples[@]}" "${own[@]}"; do filter+="{\"name\":\"$f\"},"; done
filter="${filter%,}]"
mapfile -t units < <(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$dir/compile_commands.json" | sort -u)
[ ${#units[@]} -gt 0 ] || { echo "no translation units in $dir/compile_commands.json"; exit 1; }
log="$dir/clang-tidy.log"
: >"$log"
failed=0
printf '%s\n' "${units[@]}" |
  xargs -P "${JOBS:-2}" -I{} clang-tidy --quiet -p "$dir" --line-filter="$filter" {} >>"$log" 2>&1 ||
  failed=1
for f in tests/soak/soak.cpp tests/fuzz/fuzz_allocator.cpp; do
  clang-tidy --quiet --line-filter="$filter" "$f" -- -std=c++20 -Iinclude -pthread >>"$log" 2>&1 || failed=1
done
findings=$(grep -cE ': (warning|error): ' "$log" || true)
if [ "$failed" -ne 0 ] || [ "$findings" -ne 0 ]; then
  echo "clang-tidy: $findings findings (${#units[@]} + 2 translation units)"
  grep -E ': (warning|error): ' "$log" | sort | uniq -c | head -n 40
  exit 1
fi
echo "clang-tidy: clean over ${#units[@]} + 2 translation units"
