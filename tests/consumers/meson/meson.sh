#!/usr/bin/env bash
# The Meson routes (meson.build; the consumer project in tests/consumers/meson/), offline:
#   subproject  the consumer gets the checkout as subprojects/pid_allocator (a symlink) through
#               dependency('pid_allocator', fallback: [...]), with g++ and clang++
#   install     meson install of the library into a prefix: the file set, pid_allocator.pc; then
#               the consumer finds that install through pkg-config
# Each consumer build is run and must compile consumer.cpp with C++20 and no -W flag (the consumer
# asks for none: warning_level=0), must see the version of the header in the dependency, and, as a
# subproject, must get no targets and no installed files from pid_allocator.
# Usage: tests/consumers/meson/meson.sh WORKDIR   (test consumers.meson; the log is WORKDIR/meson.log)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

work="${1:?usage: meson.sh WORKDIR}"
rm -rf "$work"
mkdir -p "$work"
log="$work/meson.log"
: >"$log"
current=""
on_exit() {
  local rc=$?
  [ $rc -eq 0 ] || { echo "meson: FAILED in $current (log $log); last lines:"; tail -n 30 "$log"; }
}
trap on_exit EXIT
quiet() { echo "+ $*" >>"$log"; "$@" >>"$log" 2>&1; }
fail() { echo "$*" >>"$log"; exit 1; }

macro() { sed -n "s/^#define PIDALLOC_VERSION_$1 \([0-9][0-9]*\)\$/\1/p" include/pid_allocator/detail/config.hpp; }
version="$(macro MAJOR).$(macro MINOR).$(macro PATCH)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "cannot read the version from detail/config.hpp"; exit 1; }

# The consumer project beside its common source, as in tests/consumers/, with the checkout as
# its subproject.
src="$work/src"
mkdir -p "$src"
cp -r tests/consumers/meson tests/consumers/common "$src/"
mkdir -p "$src/meson/subprojects"
ln -s "$root" "$src/meson/subprojects/pid_allocator"

# check_build DIR INCLUDE_DIR: the consumer's compile line (which must name INCLUDE_DIR) and what
# the dependency brought into the build.
check_build() {
  python3 - "$1" "$2" "$version" >>"$log" 2>&1 <<'PY'
import json, os, re, sys
build, include, version = sys.argv[1:]
commands = [c["command"] for c in json.load(open(build + "/compile_commands.json"))
            if c["file"].endswith("consumer.cpp")]
if len(commands) != 1:
    sys.exit(f"expected one compile command for consumer.cpp, got {len(commands)}")
line = commands[0]
print("consumer.cpp:", line)
if re.search(r" -W[a-z]", line):
    sys.exit("warning flags reached the consumer's compile line")
if not re.search(r" -std=(c|gnu)\+\+(20|2a)( |$)", line):
    sys.exit("no C++20 flag on the consumer's compile line")
if f"-DEXPECTED_VERSION_MAJOR={version.split('.')[0]}" not in line:
    sys.exit(f"the consumer was not given the header's version {version}")
dirs = [os.path.realpath(os.path.join(build, d)) for d in re.findall(r" -I(\S+)", line)]
if os.path.realpath(include) not in dirs:
    sys.exit(f"the include directory {include} is not on the consumer's compile line")
targets = [t["name"] for t in json.load(open(build + "/meson-info/intro-targets.json"))]
if targets != ["consumer"]:
    sys.exit(f"targets {targets}: the dependency must add none")
installed = json.load(open(build + "/meson-info/intro-installed.json"))
if installed:
    sys.exit(f"the build would install {sorted(installed)}: a subproject must install nothing")
PY
}

# consumer NAME CXX INCLUDE_DIR [meson setup args...]: configure, build, run and check one
# consumer build.
consumer() {
  local name=$1 cxx=$2 include=$3
  shift 3
  local dir="$work/$name"
  CXX=$cxx quiet meson setup "$dir" "$src/meson" "$@"
  quiet meson compile -C "$dir"
  quiet "$dir/consumer"
  check_build "$dir" "$include"
}

# --- subproject
for cxx in g++ clang++; do
  current="subproject ($cxx)"
  # forcefallback: the subproject even where a pid_allocator.pc is installed on the machine.
  consumer "sub-$cxx" "$cxx" "$root/include" --force-fallback-for=pid_allocator
  sub_version=$(python3 -c 'import json, sys
print(*[p["version"] for p in json.load(open(sys.argv[1]))["subprojects"] if p["name"] == "pid_allocator"])' \
    "$work/sub-$cxx/meson-info/intro-projectinfo.json")
  [ "$sub_version" = "$version" ] || fail "the subproject's version is '$sub_version', the header's $version"
done
echo "  ok  subproject: g++, clang++; version $version; no -W flag, no target or install from the dependency"

# --- install, then pkg-config
current=install
prefix="$work/prefix"
quiet meson setup "$work/lib" . --prefix="$prefix"
quiet meson install -C "$work/lib" --quiet
for f in include/pid_allocator/pid_allocator.hpp include/pid_allocator/detail/config.hpp \
         include/pid_allocator/hosted.hpp share/pkgconfig/pid_allocator.pc \
         share/doc/pid_allocator/LICENSE; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
for d in lib lib64 bin; do
  [ ! -e "$prefix/$d" ] || fail "a header-only install created $d/"
done
export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
pc_version=$(pkg-config --modversion pid_allocator)
[ "$pc_version" = "$version" ] || fail "pid_allocator.pc says version $pc_version, the header $version"
current="pkg-config consumer"
consumer pkgconfig g++ "$prefix/include" -Droute=pkgconfig
unset PKG_CONFIG_PATH
echo "  ok  install: $(find "$prefix" -type f | wc -l) files, pid_allocator.pc $pc_version; consumer through pkg-config"
current=""
echo "meson: all routes passed (meson $(meson --version))"
