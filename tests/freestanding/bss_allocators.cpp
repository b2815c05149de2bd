// Built -ffreestanding by tests/freestanding/check_bss.sh, which reads its symbols with nm: every
// allocator below must land in .bss (its initial state is all zero bytes), not in .data, so that
// a kernel image does not carry half a megabyte of zeros per allocator.
#include <pid_allocator/pid_allocator.hpp>

// 65,536 words: 4,194,304 ids on 64-bit targets (Linux's largest pid_max).
constexpr std::size_t kOrder = 65536;

// A kernel's own lock, constant-initialised to zero as kernels' spinlocks are.
struct KernelLock {
  void lock() noexcept {}
  void unlock() noexcept {}
  unsigned word = 0;
};

constinit pidalloc::PidAllocator<kOrder> bss_lowest_first;
constinit pidalloc::PidAllocator<kOrder, pidalloc::Spinlock, pidalloc::Cyclic<300>> bss_linux_like;
constinit pidalloc::PidAllocator<kOrder, pidalloc::Spinlock, pidalloc::Cyclic<>> bss_cyclic;
constinit pidalloc::PidAllocator<kOrder, pidalloc::Spinlock, pidalloc::RandomCyclic<300, 64, 42>>
    bss_random;
constinit pidalloc::PidAllocator<kOrder, KernelLock, pidalloc::Cyclic<300>> bss_kernel_lock;
// Its generations too: 4 bytes per id, all zero at first (16 MiB more of .bss).
constinit pidalloc::VersionedPidAllocator<kOrder, KernelLock, pidalloc::Cyclic<300>> bss_versioned;

// A kernel's CPU number, as Scalable's hint (freestanding builds have no default).
struct KernelCpu {
  static std::size_t cpu() noexcept { return 0; }
};
constinit pidalloc::PidAllocator<kOrder, KernelLock, pidalloc::Scalable<KernelCpu>> bss_scalable;
// Generations that move without a lock: the same 4 bytes per id, all zero at first.
constinit pidalloc::VersionedPidAllocator<kOrder, KernelLock, pidalloc::Scalable<KernelCpu>>
    bss_versioned_scalable;

// Uses each one, so that nothing is optimised away.
std::size_t use_all() noexcept {
  return bss_lowest_first.allocate_id() + bss_linux_like.allocate_id() + bss_cyclic.allocate_id() +
         bss_random.allocate_id() + bss_kernel_lock.allocate_id() + bss_scalable.allocate_id() +
         static_cast<std::size_t>(bss_versioned.is_current(bss_versioned.ref_of(1))) +
         static_cast<std::size_t>(bss_versioned_scalable.recycle(
             bss_versioned_scalable.ref_of(bss_versioned_scalable.allocate_id())));
}
