// SPDX-License-Identifier: MIT
// pid_allocator: the hosted-only part of the library's internals: the default PIDALLOC_ASSERT's
// failure handler, which needs stdio and abort, the yield of Spinlock's waiters, which needs
// <thread>, and the thread numbers behind Scalable's default CPU hint, which need thread-local
// storage. detail/config.hpp and scalable.hpp include it only in hosted builds; under
// -ffreestanding this file is empty. Internal header.
#ifndef PID_ALLOCATOR_DETAIL_HOSTED_HPP
#define PID_ALLOCATOR_DETAIL_HOSTED_HPP

#if __STDC_HOSTED__
#include <atomic>   // std::atomic: thread_slot's counter
#include <cstddef>  // std::size_t
#include <cstdio>   // std::fprintf, stderr
#include <cstdlib>  // std::abort
#include <thread>   // std::this_thread::yield

namespace pidalloc::detail {
[[noreturn]] inline void assert_fail(const char* msg, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: pid_allocator: %s\n", file, line, msg);
  std::abort();
}

// Lets the scheduler run another thread on this core, if one is ready (Spinlock's waiters, when
// PIDALLOC_SPINLOCK_YIELDS is 1).
inline void yield_core() noexcept { std::this_thread::yield(); }

// A number for the calling thread, fixed for its lifetime: 0 for the first thread that asks, 1
// for the next, and so on. Scalable's default CPU hint in hosted builds (ThreadSlotHint): one
// thread-local load and no system call after a thread's first call.
inline std::size_t thread_slot() noexcept {
  // relaxed: the numbers only need to differ between threads; nothing is published with them.
  static constinit std::atomic<std::size_t> next{0};
  thread_local std::size_t mine = 0;  // the number + 1; 0 until this thread first asks
  if (mine == 0) mine = next.fetch_add(1, std::memory_order_relaxed) + 1;
  return mine - 1;
}
}  // namespace pidalloc::detail
#endif

#endif  // PID_ALLOCATOR_DETAIL_HOSTED_HPP
