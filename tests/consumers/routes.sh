#!/usr/bin/env bash
# Proves each way of consuming pid_allocator with a real consumer build (tests/consumers/):
#   install    cmake --install into a prefix; the installed file set; the freestanding header
#              does not reach the opt-in pid_allocator/hosted.hpp
#   find_pkg   find_package(pid_allocator 1 CONFIG) against that prefix: g++, clang++, and -m32
#              (the package must be architecture-independent), then again after moving the prefix
#   fetch      FetchContent from a local git URL (no network), and with FetchContent's source-dir
#              override; the dependency must configure no tests/examples/benchmarks
#   subdir     add_subdirectory of the checkout
#   plain      g++/clang++ -std=c++20 -I<prefix>/include, the same through pkg-config, and
#              -ffreestanding; a wrong expected version must make the consumer fail
#   port       replays the vcpkg port's configure/install (options read from portfile.cmake) into
#              a staging prefix, checks the port's files against it, builds a consumer against it
# Every consumer program allocates, checks and recycles ids and compares PIDALLOC_VERSION_* with the
# version its build system found. CMake consumers must get no -W flag from us on their compile line.
# Usage: tests/consumers/routes.sh WORKDIR   (test consumers.routes; the full log is WORKDIR/consumers.log)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

work="${1:?usage: routes.sh WORKDIR}"
rm -rf "$work"
mkdir -p "$work"
log="$work/consumers.log"
: >"$log"
consumers="$root/tests/consumers"
jobs="${JOBS:-2}"
[ "$jobs" -le 2 ] || jobs=2

current=""
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "consumers: FAILED in '$current' (full log: $log); last lines:"
    tail -n 40 "$log"
  fi
}
trap on_exit EXIT

# Runs a command with its output in the log only.
quiet() { echo "+ $*" >>"$log"; "$@" >>"$log" 2>&1; }
ok() { echo "  ok  $current${1:+: $1}"; }

macro() { sed -n "s/^#define PIDALLOC_VERSION_$1 \([0-9][0-9]*\)\$/\1/p" include/pid_allocator/detail/config.hpp; }
version="$(macro MAJOR).$(macro MINOR).$(macro PATCH)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "cannot read the version from detail/config.hpp"; exit 1; }
IFS=. read -r v_major v_minor v_patch <<<"$version"
version_defs=(-DEXPECTED_VERSION_MAJOR="$v_major" -DEXPECTED_VERSION_MINOR="$v_minor" -DEXPECTED_VERSION_PATCH="$v_patch")
read -r -a strict <<<"$(cmake -P cmake/Warnings.cmake)"

# A CMake consumer project: configure, build, run, and read its compile line for consumer.cpp.
# usage: cmake_consumer NAME SOURCE_DIR [cmake args...]
cmake_consumer() {
  local name=$1 src=$2
  shift 2
  local dir="$work/$name"
  quiet cmake -S "$src" -B "$dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@"
  quiet cmake --build "$dir" -j "$jobs"
  quiet "$dir/consumer"
  local line
  line=$(grep '"command"' "$dir/compile_commands.json" | grep 'consumer\.cpp') \
    || { echo "no compile command for consumer.cpp in $dir" >>"$log"; return 1; }
  if grep -Eq -- ' -W[a-z]' <<<"$line"; then
    echo "warning flags reached the consumer's compile line: $line" >>"$log"
    return 1
  fi
  # cxx_std_20 from the library target is what selects C++20 here; the consumers set no standard.
  grep -Eq -- ' -std=(c|gnu)\+\+(20|2a) ' <<<"$line" \
    || { echo "no C++20 flag on the consumer's compile line: $line" >>"$log"; return 1; }
}

# --- install
current=install
prefix="$work/prefix"
quiet cmake -S . -B "$work/lib" -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DPIDALLOC_BUILD_TESTS=OFF -DPIDALLOC_BUILD_EXAMPLES=OFF -DPIDALLOC_BUILD_BENCHMARKS=OFF
quiet cmake --install "$work/lib"
for f in include/pid_allocator/pid_allocator.hpp include/pid_allocator/detail/config.hpp \
         include/pid_allocator/hosted.hpp share/cmake/pid_allocator/pid_allocatorConfig.cmake \
         share/cmake/pid_allocator/pid_allocatorConfigVersion.cmake \
         share/cmake/pid_allocator/pid_allocatorTargets.cmake share/pkgconfig/pid_allocator.pc; do
  [ -f "$prefix/$f" ] || { echo "not installed: $f" >>"$log"; exit 1; }
done
for d in lib lib64 bin; do
  [ ! -e "$prefix/$d" ] || { echo "a header-only install created $d/" >>"$log"; exit 1; }
done
# The freestanding header must not pull in hosted.hpp (it needs <ostream>, <functional>).
for mode in "" -ffreestanding; do
  deps=$(echo '#include <pid_allocator/pid_allocator.hpp>' \
         | g++ -std=c++20 $mode -I"$prefix/include" -x c++ -M - 2>>"$log")
  grep -q 'pid_allocator/pid_allocator.hpp' <<<"$deps" || { echo "dependency scan failed" >>"$log"; exit 1; }
  if grep -q 'pid_allocator/hosted\.hpp' <<<"$deps"; then
    echo "pid_allocator.hpp includes hosted.hpp ($mode)" >>"$log"
    exit 1
  fi
done
ok "$(find "$prefix" -type f | wc -l) files in $prefix"

# --- find_package
current=find_package
cmake_consumer find-gcc "$consumers/find_package" -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_PREFIX_PATH="$prefix" -DEXPECTED_PREFIX="$prefix"
cmake_consumer find-clang "$consumers/find_package" -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_PREFIX_PATH="$prefix" -DEXPECTED_PREFIX="$prefix"
# A 64-bit install used by a 32-bit build: refused unless the version file is ARCH_INDEPENDENT.
cmake_consumer find-m32 "$consumers/find_package" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_FLAGS=-m32 \
  -DCMAKE_PREFIX_PATH="$prefix" -DEXPECTED_PREFIX="$prefix" -DEXPECTED_POINTER_SIZE=4
# The CMake package locates itself from its own path: it must work after the prefix is moved.
moved="$work/prefix-moved"
cp -a "$prefix" "$moved"
cmake_consumer find-moved "$consumers/find_package" -DCMAKE_PREFIX_PATH="$moved" -DEXPECTED_PREFIX="$moved"
ok "g++, clang++, -m32, relocated prefix"

# --- FetchContent
current=fetch_content
# The tracked and untracked-but-not-ignored files of this working tree, committed to a scratch
# repository: FetchContent clones it through git like a real dependency, and what is tested is what
# a commit of this tree would hold (in CI's fresh clone, exactly HEAD).
snapshot="$work/snapshot"
mkdir -p "$snapshot"
git -C "$root" ls-files -z --cached --others --exclude-standard \
  | (cd "$root" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) \
  | (cd "$root" && xargs -0 cp --parents -t "$snapshot")
quiet git -C "$snapshot" init -q
quiet git -C "$snapshot" add -A
quiet git -C "$snapshot" -c user.name=ci -c user.email=ci@localhost -c commit.gpgsign=false commit -q -m snapshot
commit=$(git -C "$snapshot" rev-parse HEAD)
cmake_consumer fetch-git "$consumers/fetch_content" \
  -DPIDALLOC_GIT_URL="file://$snapshot" -DPIDALLOC_GIT_TAG="$commit"
[ -f "$work/fetch-git/_deps/pid_allocator-src/.git/HEAD" ] \
  || { echo "FetchContent did not clone the dependency" >>"$log"; exit 1; }
cmake_consumer fetch-override "$consumers/fetch_content" \
  -DPIDALLOC_GIT_URL="file:///nonexistent" -DPIDALLOC_GIT_TAG=none \
  -DFETCHCONTENT_SOURCE_DIR_PID_ALLOCATOR="$root"
ok "git clone of $commit, source-dir override"

# --- add_subdirectory
current=add_subdirectory
cmake_consumer subdir "$consumers/add_subdirectory" -DPIDALLOC_SOURCE_DIR="$root"
ok

# --- plain compiler line and pkg-config
current=plain
src="$consumers/common/consumer.cpp"
for cxx in g++ clang++; do
  quiet "$cxx" -std=c++20 "${strict[@]}" -I"$prefix/include" "${version_defs[@]}" -DCONSUMER_USES_HOSTED=1 \
    "$src" -o "$work/plain-$cxx"
  quiet "$work/plain-$cxx"
  # A freestanding kernel's compile line. clang++ does not treat main() as special under
  # -ffreestanding (it gets C++ linkage), so only g++'s object is linked and run.
  quiet "$cxx" -std=c++20 "${strict[@]}" -ffreestanding -fno-exceptions -fno-rtti -I"$prefix/include" \
    "${version_defs[@]}" -c "$src" -o "$work/freestanding-$cxx.o"
done
quiet g++ "$work/freestanding-g++.o" -o "$work/freestanding-g++"
quiet "$work/freestanding-g++"
# The consumer's version check must be able to fail: built expecting another major version, it
# has to exit with check 1.
quiet g++ -std=c++20 -I"$prefix/include" -DEXPECTED_VERSION_MAJOR=$((v_major + 1)) \
  -DEXPECTED_VERSION_MINOR="$v_minor" -DEXPECTED_VERSION_PATCH="$v_patch" "$src" -o "$work/plain-wrong-version"
set +e
"$work/plain-wrong-version" >>"$log" 2>&1
wrong_rc=$?
set -e
[ "$wrong_rc" -eq 1 ] || { echo "a version mismatch gave exit code $wrong_rc, expected 1" >>"$log"; exit 1; }

export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
quiet pkg-config --validate pid_allocator
pc_version=$(pkg-config --modversion pid_allocator)
[ "$pc_version" = "$version" ] || { echo "pkg-config version $pc_version, header $version" >>"$log"; exit 1; }
read -r -a pc_cflags <<<"$(pkg-config --cflags pid_allocator)"
echo "pkg-config --cflags: ${pc_cflags[*]}" >>"$log"
IFS=. read -r pc_major pc_minor pc_patch <<<"$pc_version"
for cxx in g++ clang++; do
  quiet "$cxx" "${pc_cflags[@]}" "${strict[@]}" -DEXPECTED_VERSION_MAJOR="$pc_major" \
    -DEXPECTED_VERSION_MINOR="$pc_minor" -DEXPECTED_VERSION_PATCH="$pc_patch" -DCONSUMER_USES_HOSTED=1 \
    "$src" -o "$work/pkgconfig-$cxx"
  quiet "$work/pkgconfig-$cxx"
done
unset PKG_CONFIG_PATH
# The .pc file must follow a prefix chosen at install time (cmake --install --prefix), too.
quiet cmake --install "$work/lib" --prefix "$work/prefix-cli"
cli_include=$(PKG_CONFIG_PATH="$work/prefix-cli/share/pkgconfig" pkg-config --cflags-only-I pid_allocator)
read -r cli_include <<<"$cli_include"  # drop pkg-config's trailing blank
cli_include=$(realpath -m "${cli_include#-I}")
[ "$cli_include" = "$(realpath "$work/prefix-cli/include")" ] \
  || { echo "pkg-config after --prefix gave $cli_include" >>"$log"; exit 1; }
ok "g++/clang++ -I, pkg-config --cflags (${pc_cflags[*]}), -ffreestanding, version mismatch detected"

# --- vcpkg port
current=vcpkg_port
port="$root/ports/pid-allocator"
mapfile -t port_options < <(cmake -DPORT_DIR="$port" -DPRINT_OPTIONS=ON -P "$consumers/port/check_port.cmake")
echo "portfile options: ${port_options[*]}" >>"$log"
[ "${#port_options[@]}" -gt 0 ] || { echo "no options read from portfile.cmake" >>"$log"; exit 1; }
# What vcpkg_cmake_configure + vcpkg_cmake_install do for a release-only port: configure the
# release tarball (here: the snapshot of the tree) with the port's options, install into the
# package directory.
staging="$work/port-staging"
quiet cmake -S "$snapshot" -B "$work/port-build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$staging" "${port_options[@]}"
quiet cmake --build "$work/port-build" -j "$jobs"
quiet cmake --install "$work/port-build"
quiet cmake -DPORT_DIR="$port" -DSTAGING="$staging" -DPROJECT_VERSION="$version" -P "$consumers/port/check_port.cmake"
if [ -e "$work/port-build/tests" ] || [ -e "$work/port-build/examples" ]; then
  echo "the port's configure still configured tests or examples" >>"$log"
  exit 1
fi
cmake_consumer port-consumer "$consumers/find_package" -DCMAKE_PREFIX_PATH="$staging" -DEXPECTED_PREFIX="$staging"
ok "options ${port_options[*]}; staging install + consumer (the vcpkg tool itself was not run)"

current=""
echo "consumers: all routes passed"
