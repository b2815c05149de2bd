// SPDX-License-Identifier: MIT
// pid_allocator: the hosted-only part of the library's internals: the default PIDALLOC_ASSERT's
// failure handler, which needs stdio and abort, and the yield of Spinlock's waiters, which needs
// <thread>. detail/config.hpp includes it only in hosted builds that use either; under
// -ffreestanding this file is empty. Internal header.
#ifndef PID_ALLOCATOR_DETAIL_HOSTED_HPP
#define PID_ALLOCATOR_DETAIL_HOSTED_HPP

#if __STDC_HOSTED__
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
}  // namespace pidalloc::detail
#endif

#endif  // PID_ALLOCATOR_DETAIL_HOSTED_HPP
