#!/usr/bin/env bash
# Checks that the public headers under INCLUDE_DIR/pid_allocator/ include nothing but each other
# and the C++20 freestanding headers the library is allowed: <atomic> <bit> <compare> <concepts>
# <cstddef> <cstdint> <limits> <new> <type_traits> <version>. In hosted mode <cstdio>, <cstdlib>
# and <thread> are allowed too (detail/hosted.hpp: the default assertion handler and the spinlock's
# yield, hosted builds only).
#
# Usage: tests/freestanding/check_public_headers.sh INCLUDE_DIR freestanding|hosted CXX [FLAGS...]
# Every INCLUDE_DIR/pid_allocator/**.hpp is included on its own, except the opt-in hosted-only
# headers named in PIDALLOC_HOSTED_ONLY (space-separated paths relative to INCLUDE_DIR, default
# "pid_allocator/hosted.hpp"); a header they reach from another header is still checked.
#
# The check reads the #include directives that the preprocessor actually processes (-E -dI), so
# directives in inactive #if branches do not count and directives whose header was already
# included elsewhere still do. What the standard headers include in turn is the toolchain's
# business; it is listed for information (Debian's libstdc++ 12 is configured hosted and its
# <atomic> reaches glibc's <pthread.h> for atomic wait), never counted against the library.
set -euo pipefail
include_dir=$(cd "$1" && pwd) mode=$2 cxx=$3
shift 3
allowed=" atomic bit compare concepts cstddef cstdint limits new type_traits version "
mode_flags=(-ffreestanding)
if [ "$mode" = hosted ]; then allowed="$allowed cstdio cstdlib thread "; mode_flags=(); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hosted_only=" ${PIDALLOC_HOSTED_ONLY-pid_allocator/hosted.hpp} "
failures=0
checked=0
while IFS= read -r header; do
  rel=${header#"$include_dir"/}
  [[ "$hosted_only" == *" $rel "* ]] && continue
  printf '#include <%s>\n' "$rel" >"$work/tu.cpp"
  if ! "$cxx" -std=c++20 "${mode_flags[@]}" "$@" -I "$include_dir" -fsyntax-only "$work/tu.cpp" \
      2>"$work/compile.log"; then
    echo "FAIL $rel ($cxx $mode $*): does not compile on its own:"; head -n 20 "$work/compile.log"
    failures=$((failures + 1)); continue
  fi
  "$cxx" -std=c++20 "${mode_flags[@]}" "$@" -I "$include_dir" -E -dI "$work/tu.cpp" >"$work/pp.txt"
  # Pairs "file<TAB>directive" for every processed #include; the line markers say which file
  # the directive sits in.
  awk '/^# [0-9]+ "/ { file = $3; gsub(/"/, "", file) }
       /^#include[ \t]/ { d = $0; sub(/[ \t]*\/\*.*$/, "", d); print file "\t" d }' \
    "$work/pp.txt" >"$work/directives.txt"
  while IFS=$'\t' read -r file directive; do
    case "$file" in "$include_dir"/pid_allocator/*) ;; *) continue ;; esac
    target=$(sed -E 's/^#include[ \t]*[<"]([^>"]+)[>"].*$/\1/' <<<"$directive")
    if [[ "$directive" == *'"'* ]]; then
      # A quoted include must name another header of the library.
      resolved=$(cd "$(dirname "$file")" && realpath -m "$target")
      case "$resolved" in
        "$include_dir"/pid_allocator/*) [ -f "$resolved" ] && continue ;;
      esac
    elif [[ "$allowed" == *" $target "* ]] || [[ "$target" == pid_allocator/* ]]; then
      continue
    fi
    echo "FAIL ${file#"$include_dir"/} ($cxx $mode $*): $directive is outside the allowed set"
    failures=$((failures + 1))
  done <"$work/directives.txt"
  checked=$((checked + 1))
done < <(find "$include_dir/pid_allocator" -name '*.hpp' | sort)

[ "$checked" -gt 0 ] || { echo "FAIL: no headers found under $include_dir/pid_allocator"; exit 1; }
# For information: headers reached through the standard library that are not C++ headers.
"$cxx" -std=c++20 "${mode_flags[@]}" "$@" -I "$include_dir" -M "$work/tu.cpp" | tr ' \\' '\n\n' |
  grep -E '^/' | grep -vE '/c\+\+/|/lib/gcc/|/llvm-|/clang/' | sort -u >"$work/c_headers.txt" || true
reached=$(wc -l <"$work/c_headers.txt")
if [ "$failures" -ne 0 ]; then
  echo "public headers ($cxx $mode $*): $failures disallowed includes"; exit 1
fi
echo "ok: $checked public headers ($cxx $mode $*) include only allowed headers;" \
     "the toolchain's own headers reach $reached C library headers"
