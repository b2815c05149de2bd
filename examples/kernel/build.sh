#!/usr/bin/env bash
# Builds the example kernel.
# Usage: examples/kernel/build.sh TARGET COMPILER OUTDIR
#   TARGET   i386    multiboot kernel, loaded at 1 MiB, booted by qemu-system-i386 -kernel
#            x86_64  the same kernel compiled for the x86-64 kernel code model (-mcmodel=kernel,
#                    linked at -2 GiB); a multiboot trampoline enters long mode, so it boots too
#   COMPILER g++ or clang++
#   OUTDIR   where the objects, kernel-TARGET-COMPILER.elf (and .elf.map) go; for x86_64 also
#            kernel-x86_64-COMPILER.bin, the flat image that QEMU boots
# No libstdc++, libc, libatomic or libgcc is linked: only the objects below.
set -euo pipefail
target=$1 cxx=$2 out=$3
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mkdir -p "$out"

# The freestanding contract: no hosted library, no exceptions or RTTI (no unwinder or typeinfo),
# no stack protector (no __stack_chk_fail), no PIC (no GOT to relocate), no guard variables for
# function-local statics (no __cxa_guard_acquire), and no SSE/MMX registers (the kernel does not
# enable or save them).
flags=(-std=c++20 -O2 -g -ffreestanding -fno-exceptions -fno-rtti -nostdlib -fno-stack-protector
       -fno-pic -fno-threadsafe-statics -fno-asynchronous-unwind-tables
       -mno-mmx -mno-sse -mno-sse2
       -I "$root/include")
# The strict warning set, from its one spelling (cmake/Warnings.cmake).
read -r -a warnings <<<"$(cmake -P "$root/cmake/Warnings.cmake")"
flags+=("${warnings[@]}")
case "$target" in
  i386)   gcc_arch=(-m32); clang_arch=(--target=i686-elf) ;;
  x86_64) gcc_arch=(-m64 -mcmodel=kernel -mno-red-zone)
          clang_arch=(--target=x86_64-elf -mcmodel=kernel -mno-red-zone) ;;
  *) echo "build.sh: unknown target $target" >&2; exit 2 ;;
esac
arch=("${gcc_arch[@]}")
if [ "$cxx" = clang++ ]; then
  # A bare-metal target has no C++ library of its own; the freestanding headers (<atomic>, <bit>,
  # ...) are taken from the libstdc++ that g++ uses for the same word size. Header files only:
  # nothing of libstdc++ is linked. Debian's libstdc++ 12 is configured hosted, so its <atomic>
  # also declares atomic wait/notify through glibc's <pthread.h> and <unistd.h>; those need the
  # _GNU_SOURCE that g++ (and clang for Linux targets) predefine, but clang for *-elf does not.
  arch=("${clang_arch[@]}" -D_GNU_SOURCE)
  while read -r dir; do arch+=(-isystem "$dir"); done < <(
    g++ "${gcc_arch[0]}" -xc++ -E -v /dev/null 2>&1 |
      sed -n '/#include <...> search starts here/,/End of search list/p' | grep -E '/c\+\+/[0-9]+' |
      grep -v backward | sed 's/^ *//')
fi
boot="$here/boot32.S"; script="$here/kernel32.ld"
if [ "$target" = x86_64 ]; then boot="$here/boot64.S"; script="$here/kernel64.ld"; fi

objs=()
for src in "$boot" "$here/kmain.cpp" "$here/selftest.cpp" "$here/console.cpp"; do
  obj="$out/$(basename "$src").$target.$cxx.o"
  "$cxx" "${arch[@]}" "${flags[@]}" -c "$src" -o "$obj"
  objs+=("$obj")
done

elf="$out/kernel-$target-$cxx.elf"
# Debian's gcc passes --build-id to the linker: its note section would be placed before .text and
# push the multiboot header past the first 8 KiB that loaders search.
link=(-nostdlib -static -Wl,--build-id=none -Wl,-z,noexecstack -T "$script")
if [ "$cxx" = clang++ ]; then link+=(-fuse-ld=lld); else link+=(-no-pie); fi
"$cxx" "${arch[@]}" "${link[@]}" -Wl,-Map,"$elf.map" "${objs[@]}" -o "$elf"
if [ "$target" = x86_64 ]; then
  # Multiboot loaders take 32-bit ELF files only; the header's load addresses (flag bit 16)
  # describe this flat image instead.
  objcopy -O binary "$elf" "$out/kernel-$target-$cxx.bin"
fi
echo "$elf"
