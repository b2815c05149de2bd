# riscv64: RVWMO, also weakly ordered.
set(PIDALLOC_CROSS_ARCH riscv64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake")
