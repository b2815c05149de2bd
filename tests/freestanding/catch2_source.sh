#!/usr/bin/env bash
# Prints the path of Catch2 3.7.1's source tree (the version Debian's libcatch2-dev has, from
# bookworm-backports), fetching Debian's source package into build/catch2-src/ the first time.
# The other targets' suites (-m32, aarch64, riscv64) build Catch2 from it: Debian ships the
# library built for the host architecture only.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/build/catch2-src"
version=3.7.1
tree="$cache/Catch2-$version"
if [ ! -f "$tree/extras/catch_amalgamated.cpp" ]; then
  bash "$root/scripts/deps.sh" --source "$cache" catch2/bookworm-backports >&2
  tarball="$cache/catch2_$version.orig.tar.gz"
  [ -f "$tarball" ] || { echo "catch2_source.sh: $tarball not fetched (version changed?)" >&2; exit 1; }
  rm -rf "$tree"
  tar -xzf "$tarball" -C "$cache"
fi
# Forwarding headers, so that the tests' #include <catch2/...> lines find the amalgamated header.
shim="$cache/shim"
if [ ! -f "$shim/.complete" ]; then
  rm -rf "$shim"
  (cd "$tree/src" && find catch2 -name '*.hpp') | while read -r header; do
    mkdir -p "$shim/$(dirname "$header")"
    printf '#include <catch_amalgamated.hpp>\n' >"$shim/$header"
  done
  cp "$tree/extras/catch_amalgamated.hpp" "$shim/"
  touch "$shim/.complete"
fi
echo "$tree"
