#!/usr/bin/env bash
# CMAKE_CROSSCOMPILING_EMULATOR of the mingw preset: runs a Windows executable under wine64
# (headless, WINEDEBUG=-all, a prefix beside the executable's build tree). Exits 77, which the
# tests take as "skipped", where wine64 is missing or does not start.
# Usage: tests/cross/wine.sh EXE [ARGS...]
set -euo pipefail
exe=$1
shift
# wine64 is not on PATH in Debian's package.
wine=$(command -v wine64 || dpkg -L wine64 2>/dev/null | grep -m 1 '/wine64$' || true)
[ -n "$wine" ] && [ -x "$wine" ] || { echo "skipped: wine64 is not installed"; exit 77; }
prefix="${PIDALLOC_WINEPREFIX:-$(cd "$(dirname "$exe")" && pwd)/wineprefix}"
export WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=""
mkdir -p "$prefix"
# One wineboot per prefix, even when ctest runs two tests at once.
exec 9>"$prefix.lock"
flock 9
if [ ! -f "$prefix/.booted" ]; then
  timeout 180 "$wine" wineboot --init >"$prefix.boot.log" 2>&1 ||
    { echo "skipped: wine does not start here (log $prefix.boot.log)"; exit 77; }
  touch "$prefix/.booted"
fi
flock -u 9
exec "$wine" "$exe" "$@"
