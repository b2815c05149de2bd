#!/usr/bin/env bash
# Static analysis; every part must be clean:
#   clang-tidy (.clang-tidy) over every translation unit of the tests and examples (CMake's
#     compile_commands.json), which instantiate the headers the ways the tests do, plus the soak
#     and the fuzzer. Reported: everything in include/, the examples and the reliability sources.
#     The other unit tests break contracts on purpose (use after move, raw loops over handles) and
#     are held to the compilers' -Werror warnings instead.
#   cppcheck over the headers, through the same reliability sources.
#   clang-format --dry-run --Werror over every tracked *.hpp/*.cpp (.clang-format).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh cmake clang clang-tidy clang-format cppcheck
bash scripts/deps.sh --backports libcatch2-dev

dir=build/static-analysis
mkdir -p "$dir"
status=0
own=(tests/test_hostile_lock.cpp tests/soak/soak.cpp tests/fuzz/fuzz_allocator.cpp)
mapfile -t headers < <(find include -name '*.hpp' | sort)
mapfile -t examples < <(find examples -maxdepth 1 -name '*.cpp' | sort)

# --- clang-tidy
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DPIDALLOC_INSTALL=OFF >"$dir/configure.log" 2>&1 || { tail -n 30 "$dir/configure.log"; exit 1; }
# Diagnostics are kept only for files named in the line filter (any line of them).
filter="["
for f in "${headers[@]}" "${examples[@]}" "${own[@]}"; do filter+="{\"name\":\"$f\"},"; done
filter="${filter%,}]"
mapfile -t units < <(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$dir/compile_commands.json" | sort -u)
[ ${#units[@]} -gt 0 ] || { echo "no translation units in $dir/compile_commands.json"; exit 1; }
tidy_log="$dir/clang-tidy.log"
: >"$tidy_log"
tidy_failed=0
printf '%s\n' "${units[@]}" |
  xargs -P "${JOBS:-2}" -I{} clang-tidy --quiet -p "$dir" --line-filter="$filter" {} >>"$tidy_log" 2>&1 ||
  tidy_failed=1
for f in tests/soak/soak.cpp tests/fuzz/fuzz_allocator.cpp; do
  clang-tidy --quiet --line-filter="$filter" "$f" -- -std=c++20 -Iinclude -pthread >>"$tidy_log" 2>&1 ||
    tidy_failed=1
done
findings=$(grep -cE ': (warning|error): ' "$tidy_log" || true)
if [ "$tidy_failed" -ne 0 ] || [ "$findings" -ne 0 ]; then
  echo "clang-tidy: $findings findings (${#units[@]} + 2 translation units)"
  grep -E ': (warning|error): ' "$tidy_log" | sort | uniq -c | head -n 40
  status=1
else
  echo "clang-tidy: clean over ${#units[@]} + 2 translation units"
fi

# --- cppcheck
# useStlAlgorithm is a matter of taste ("use std::accumulate instead of a raw loop"); the raw
# loops say what they do more plainly here.
if cppcheck --std=c++20 --language=c++ --enable=warning,style,performance,portability \
  --inconclusive --error-exitcode=1 --inline-suppr --suppress=missingIncludeSystem \
  --suppress=useStlAlgorithm -Iinclude -q --template='{file}:{line}: {severity}: {message} [{id}]' \
  "${headers[@]}" "${own[@]}" >"$dir/cppcheck.log" 2>&1; then
  echo "cppcheck: clean over ${#headers[@]} headers and ${#own[@]} sources"
else
  echo "cppcheck: findings"; head -n 40 "$dir/cppcheck.log"
  status=1
fi

# --- clang-format
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t sources < <(git ls-files '*.hpp' '*.cpp')
else
  mapfile -t sources < <(find include tests examples bench -name '*.hpp' -o -name '*.cpp' 2>/dev/null)
fi
if clang-format --dry-run --Werror "${sources[@]}" >"$dir/clang-format.log" 2>&1; then
  echo "clang-format: ${#sources[@]} files formatted"
else
  echo "clang-format: these files need clang-format -i:"
  grep -oE '^[^:]+:[0-9]+:[0-9]+: error' "$dir/clang-format.log" | cut -d: -f1 | sort | uniq -c
  status=1
fi
exit $status
