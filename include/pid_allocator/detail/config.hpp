// SPDX-License-Identifier: MIT
// pid_allocator: configuration macros, the assertion hook and the CPU relax hint.
// Internal header: include <pid_allocator/pid_allocator.hpp> instead.
#ifndef PID_ALLOCATOR_DETAIL_CONFIG_HPP
#define PID_ALLOCATOR_DETAIL_CONFIG_HPP

// The one source of the version: CMakeLists.txt and meson.build read these three lines.
#define PIDALLOC_VERSION_MAJOR 1
#define PIDALLOC_VERSION_MINOR 0
#define PIDALLOC_VERSION_PATCH 0

#if !defined(__cplusplus) || \
    (__cplusplus < 202002L && (!defined(_MSVC_LANG) || _MSVC_LANG < 202002L))
#error "pid_allocator requires C++20 (-std=c++20)"
#endif

// PIDALLOC_ASSERT(cond, msg) guards contract violations that cannot be reported through a return
// value (today: destroying an allocator while Pid handles still refer to it). Define it before the
// first #include to route failures into your kernel's panic(). The default:
//   freestanding (-ffreestanding):  traps (__builtin_trap; MSVC: __fastfail), always on;
//   hosted, NDEBUG not defined:     prints "file:line: msg" to stderr and calls std::abort();
//   hosted with NDEBUG:             checks nothing.
#if defined(PIDALLOC_ASSERT) && !defined(PIDALLOC_CHECK_HANDLES) && __STDC_HOSTED__
#define PIDALLOC_CHECK_HANDLES 1  // the program's own PIDALLOC_ASSERT wants the check
#endif
#ifndef PIDALLOC_ASSERT
#if !__STDC_HOSTED__ && defined(_MSC_VER) && !defined(__clang__)
// MSVC has no __builtin_trap; __fastfail is its intrinsic that never returns (a bug check in kernel
// mode). Declared here as <intrin.h> declares it, which is no freestanding header.
extern "C" __declspec(noreturn) void __fastfail(unsigned int);
#define PIDALLOC_ASSERT(cond, msg) \
  ((cond) ? static_cast<void>(0) : __fastfail(7 /* FAST_FAIL_FATAL_APP_EXIT */))
#elif !__STDC_HOSTED__
#define PIDALLOC_ASSERT(cond, msg) ((cond) ? static_cast<void>(0) : __builtin_trap())
#elif defined(NDEBUG)
#define PIDALLOC_ASSERT(cond, msg) static_cast<void>(0)
#else
#include "hosted.hpp"  // detail::assert_fail: prints and aborts (hosted builds only)
#define PIDALLOC_ASSERT(cond, msg) \
  ((cond) ? static_cast<void>(0) : ::pidalloc::detail::assert_fail((msg), __FILE__, __LINE__))
#endif
#endif

// PIDALLOC_CHECK_HANDLES: 1 makes every allocator count the Pid handles that refer to it, so that
// its destructor can assert that none is left. The count is a relaxed atomic add per handle made
// and released, which builds where that assertion is off do not pay. Default: 1 in hosted builds
// without NDEBUG or with their own PIDALLOC_ASSERT, else 0 (a freestanding allocator's destructor
// is trivial and never checks). Translation units that share an allocator must agree on it.
#ifndef PIDALLOC_CHECK_HANDLES
#if __STDC_HOSTED__ && !defined(NDEBUG)
#define PIDALLOC_CHECK_HANDLES 1
#else
#define PIDALLOC_CHECK_HANDLES 0
#endif
#endif

// PIDALLOC_SPINLOCK_YIELDS: 1 lets a pidalloc::Spinlock waiter that has spun for a while give its
// core away (std::this_thread::yield, sched_yield on Linux) before each further look, so that a
// preempted lock holder is not starved by spinning waiters. Hosted builds default to 1;
// freestanding builds must be 0 (no scheduler to yield to) and spin only. Only waiters behave
// differently, so translation units that disagree still share a lock correctly. Version 1.0.0
// called it PIDALLOC_SPINLOCK_PARKS (waiters slept then); that name is still honoured.
#ifndef PIDALLOC_SPINLOCK_YIELDS
#if defined(PIDALLOC_SPINLOCK_PARKS)
#define PIDALLOC_SPINLOCK_YIELDS PIDALLOC_SPINLOCK_PARKS
#elif __STDC_HOSTED__
#define PIDALLOC_SPINLOCK_YIELDS 1
#else
#define PIDALLOC_SPINLOCK_YIELDS 0
#endif
#endif

#if PIDALLOC_SPINLOCK_YIELDS
#if !__STDC_HOSTED__
#error "PIDALLOC_SPINLOCK_YIELDS must be 0 in freestanding builds (no scheduler to yield to)"
#endif
#include "hosted.hpp"  // detail::yield_core
#endif

#include <cstddef>  // std::size_t
#include <limits>   // std::numeric_limits

// MSVC's spin-wait hints are intrinsics that <intrin.h> declares; it is no freestanding header, so
// they are declared here the same way (clang-cl takes the GNU inline assembly below instead).
#if defined(_MSC_VER) && !defined(__clang__)
#if defined(_M_X64) || defined(_M_IX86)
extern "C" void _mm_pause(void);
#pragma intrinsic(_mm_pause)
#elif defined(_M_ARM64) || defined(_M_ARM)
extern "C" void __yield(void);
#pragma intrinsic(__yield)
#endif
#endif

namespace pidalloc {

// What an allocation returns when it finds no id, what an empty Pid holds, and what
// next_allocated() returns when there is no further id.
inline constexpr std::size_t kNoId = std::numeric_limits<std::size_t>::max();

}  // namespace pidalloc

namespace pidalloc::detail {

inline constexpr std::size_t kWordBits = std::numeric_limits<std::size_t>::digits;
inline constexpr std::size_t kAllOnes = ~std::size_t{0};

// Tells the core that this is a spin-wait loop: `pause` on x86 (saves power, and avoids the
// memory-order mis-speculation penalty when the lock word changes), `yield` on Arm (hands the
// pipeline to a sibling hardware thread). Elsewhere nothing.
inline void cpu_relax() noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  __asm__ __volatile__("pause" ::: "memory");
#elif (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__aarch64__) || (defined(__arm__) && __ARM_ARCH >= 7))
  __asm__ __volatile__("yield" ::: "memory");
#elif defined(_MSC_VER) && !defined(__clang__) && (defined(_M_X64) || defined(_M_IX86))
  _mm_pause();
#elif defined(_MSC_VER) && !defined(__clang__) && (defined(_M_ARM64) || defined(_M_ARM))
  __yield();
#endif
}

}  // namespace pidalloc::detail

#endif  // PID_ALLOCATOR_DETAIL_CONFIG_HPP
