// SPDX-License-Identifier: MIT
// pid_allocator: the default lock of PidAllocator, and what any lock must provide.
// Included by <pid_allocator/pid_allocator.hpp>; include that instead.
#ifndef PID_ALLOCATOR_SPINLOCK_HPP
#define PID_ALLOCATOR_SPINLOCK_HPP

#include "detail/config.hpp"  // PIDALLOC_SPINLOCK_YIELDS, cpu_relax, yield_core

#include <atomic>    // std::atomic: the lock word
#include <concepts>  // the BasicLockable concept
#include <cstdint>   // std::uint32_t

namespace pidalloc {

// The Lock parameter of PidAllocator: anything with lock() and unlock(), such as
// pidalloc::Spinlock, std::mutex, or a kernel's interrupt-saving spinlock.
template <class L>
concept BasicLockable = requires(L& lock) {
  lock.lock();
  lock.unlock();
};

// A test-and-test-and-set spinlock with exponential backoff; constexpr-constructible with an
// all-zero state, so it can sit in a constinit global in .bss, and BasicLockable
// (lock/try_lock/unlock), so standard guards work with it.
//
// Lock word: 0 = free, 1 = held. Invariant: only the holder writes 0. unlock() is one plain
// release store: nobody ever sleeps waiting to be woken, so an unlock has no one to look for.
// Where PIDALLOC_SPINLOCK_YIELDS is 1 (hosted builds), a waiter that has spun long gives its core
// away before each further look, so that a preempted holder gets to run and finish.
class Spinlock {
 public:
  constexpr Spinlock() noexcept = default;
  ~Spinlock() = default;
  Spinlock(const Spinlock&) = delete;
  Spinlock& operator=(const Spinlock&) = delete;

  [[gnu::always_inline]] void lock() noexcept {
    // acquire: when the word was free, we see everything the previous holder wrote before its
    // release-unlock. An exchange rather than a compare-exchange: one instruction on every
    // target, and cheaper than `lock cmpxchg` on x86; writing 1 over a held word changes nothing.
    if (word_.exchange(kHeld, std::memory_order_acquire) == kFree) [[likely]]
      return;
    lock_contended();
  }

  // A relaxed look first, so that a try on a held lock only reads the line and does not take it
  // from the holder, which needs it to unlock; then lock()'s exchange. acquire: as in lock().
  [[nodiscard, gnu::always_inline]] bool try_lock() noexcept {
    return word_.load(std::memory_order_relaxed) == kFree &&
           word_.exchange(kHeld, std::memory_order_acquire) == kFree;
  }

  // release: publishes the critical section to the next acquirer's acquire exchange or CAS.
  // A plain store with nothing after it: an unlock that had to learn whether a waiter sleeps
  // would need a read-modify-write or a fence after its store.
  [[gnu::always_inline]] void unlock() noexcept { word_.store(kFree, std::memory_order_release); }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;
  // Pauses between two looks at the word grow 1, 2, 4 ... up to kMaxBackoff. Every look pulls
  // the lock's cache line away from the holder, which then pays a transfer to take the lock
  // again; spacing the looks out lets a holder on another core run many critical sections in a
  // row. That favours throughput over fairness: a waiter may be passed over for a while.
  static constexpr unsigned kMaxBackoff = 4096;
  // Yielding builds: looks at the word before the waiter starts giving its core away (16,383
  // pauses after the first). A waiter locked out that long is most likely waiting for a preempted
  // holder, and yielding lets the holder run. Not sooner: a yield is a system call, which costs
  // more than the spinning it saves while threads do not outnumber cores.
  static constexpr unsigned kLooksBeforeYielding = 16;

  // Out of line and cold: keeps lock()'s inlined fast path to one exchange and a branch.
  [[gnu::noinline, gnu::cold]] void lock_contended() noexcept {
    unsigned backoff = 1;
    for (unsigned looks = 1;; ++looks) {
      // Test before test-and-set: waiters poll a shared copy of the line and only attempt the
      // CAS when it looks free, so they do not bounce the line between cores while it is held.
      std::uint32_t seen = word_.load(std::memory_order_relaxed);
      if (seen == kFree && word_.compare_exchange_weak(seen, kHeld, std::memory_order_acquire,
                                                       std::memory_order_relaxed)) {
        return;
      }
#if PIDALLOC_SPINLOCK_YIELDS
      // Past the spin, the waiter gives its core to another thread before every look: where
      // threads outnumber cores, the holder may be one of them, preempted inside its critical
      // section. A waiter that yields sees the word free at its next look, without being told.
      if (looks >= kLooksBeforeYielding) {
        detail::yield_core();
        continue;
      }
#else
      static_cast<void>(looks);
#endif
      for (unsigned i = 0; i < backoff; ++i) detail::cpu_relax();
      if (backoff < kMaxBackoff) backoff *= 2;
    }
  }

  std::atomic<std::uint32_t> word_{kFree};
};

namespace detail {

template <class Lock>
class LockGuard {
 public:
  [[gnu::always_inline]] explicit LockGuard(Lock& lock) noexcept : lock_(lock) { lock_.lock(); }
  [[gnu::always_inline]] ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Lock& lock_;
};

}  // namespace detail
}  // namespace pidalloc

#endif  // PID_ALLOCATOR_SPINLOCK_HPP
