// SPDX-License-Identifier: MIT
// The example kernel's Lock for pidalloc::PidAllocator: spin_lock_irqsave in C++ form.
#ifndef PIDALLOC_EXAMPLE_KERNEL_IRQ_LOCK_HPP
#define PIDALLOC_EXAMPLE_KERNEL_IRQ_LOCK_HPP

#include <cstdint>

#include "kernel.hpp"  // must precede the library: it defines PIDALLOC_ASSERT
#include "x86.hpp"

#include <pid_allocator/pid_allocator.hpp>

namespace kernel {

// Masks interrupts on this CPU (so an interrupt handler that allocates or frees an id cannot
// deadlock against the code it interrupted), then takes a spinlock against the other CPUs.
// unlock() restores the interrupt flag as it was, so the lock nests inside code that already
// runs with interrupts off. constexpr-constructible: a constinit allocator can hold one.
class IrqLock {
 public:
  constexpr IrqLock() noexcept = default;
  IrqLock(const IrqLock&) = delete;
  IrqLock& operator=(const IrqLock&) = delete;

  void lock() noexcept {
    const std::uintptr_t flags = x86::save_flags_and_cli();
    // Checked before spinning: a second lock() from the code that holds the lock would wait for
    // itself forever, with interrupts masked. The library never calls back into itself with its
    // lock held, so this is the caller's bug; say so. This kernel runs on one CPU, and with
    // interrupts masked nothing else on it can be inside the lock, so a lock held here is held by
    // the caller. (With several CPUs, held_ would have to name the holding CPU: a lock held by
    // another CPU is ordinary contention, to be waited for below.)
    if (held_) panic("IrqLock: lock() while already held (recursive locking)");
    cpu_lock_.lock();
    held_ = true;
    saved_flags_ = flags;
    ++total_acquisitions_;
  }

  void unlock() noexcept {
    const std::uintptr_t flags = saved_flags_;
    held_ = false;
    cpu_lock_.unlock();
    x86::restore_flags(flags);
  }

  // For the self-test: lock() calls on every IrqLock so far, which proves that the allocator
  // really goes through this lock and takes it exactly once per operation.
  [[nodiscard]] static std::uint32_t total_acquisitions() noexcept { return total_acquisitions_; }

 private:
  pidalloc::Spinlock cpu_lock_;  // spins only: freestanding builds have PIDALLOC_SPINLOCK_YIELDS 0
  std::uintptr_t saved_flags_ = 0;
  bool held_ = false;
  static inline std::uint32_t total_acquisitions_ = 0;
};

}  // namespace kernel

#endif  // PIDALLOC_EXAMPLE_KERNEL_IRQ_LOCK_HPP
