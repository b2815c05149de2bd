# Windows ABI with MinGW-w64 (Debian's g++-mingw-w64-x86-64-posix): LLP64, so long has 32 bits
# while size_t and pointers have 64, and a size_t/long mix-up that LP64 Linux forgives fails to
# compile. Linked statically, so wine needs no MinGW DLLs; tests/cross/wine.sh runs the result and
# returns 77 (skipped) where wine does not start.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/../../tests/cross/wine.sh")
