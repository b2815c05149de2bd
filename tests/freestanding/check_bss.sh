#!/usr/bin/env bash
# Every constinit allocator of tests/freestanding/bss_allocators.cpp must be a .bss symbol (nm
# type B or b): an allocator's initial state is all zero bytes, for every policy. Built
# -ffreestanding, as a kernel builds it, with each compiler given.
# Usage: tests/freestanding/check_bss.sh CXX [FLAGS...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cxx=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cxx" -std=c++20 -O2 -ffreestanding -fno-exceptions -fno-rtti "$@" -I "$root/include" \
  -c "$root/tests/freestanding/bss_allocators.cpp" -o "$work/bss.o"
nm -S "$work/bss.o" | awk '$NF ~ /^bss_/' >"$work/symbols.txt"
count=$(wc -l <"$work/symbols.txt")
[ "$count" -eq 8 ] || { echo "FAILED: expected 8 allocators, nm lists $count:"; cat "$work/symbols.txt"; exit 1; }
if awk '$3 != "B" && $3 != "b" { bad = 1; print } END { exit !bad }' "$work/symbols.txt"; then
  echo "FAILED ($cxx $*): the allocators above are not in .bss"; exit 1
fi
echo "ok ($cxx $*): $count allocators of Order 65536 each in .bss: $(awk '{printf "%s ", $4}' "$work/symbols.txt")"
