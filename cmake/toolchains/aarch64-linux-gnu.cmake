# aarch64: a weakly ordered memory model, where the allocator's and Spinlock's acquire/release
# pairs matter.
set(PIDALLOC_CROSS_ARCH aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake")
