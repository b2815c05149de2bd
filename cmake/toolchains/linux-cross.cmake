# Shared by the *-linux-gnu toolchain files, which set PIDALLOC_CROSS_ARCH first: clang++ for
# <arch>-linux-gnu against Debian's cross libstdc++ (libstdc++-12-dev-<arch>-cross) and linked by
# the cross binutils (lld 14 cannot link riscv64's relaxable crt objects); ctest runs the
# executables under qemu-user with the cross sysroot's loader and libraries (-L).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${PIDALLOC_CROSS_ARCH})
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_CXX_COMPILER_TARGET ${PIDALLOC_CROSS_ARCH}-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/${PIDALLOC_CROSS_ARCH}-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-${PIDALLOC_CROSS_ARCH} -L /usr/${PIDALLOC_CROSS_ARCH}-linux-gnu)
