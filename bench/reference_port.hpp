// SPDX-License-Identifier: MIT
// ============================================================================================
//  BASELINE FOR THE BENCHMARKS ONLY - NOT PART OF pid_allocator, NOT INSTALLED, NOT FOR USE.
// ============================================================================================
// A C++ port of the algorithm of the reference Rust crate that pid_allocator replaces, kept so
// that the suite can measure the two side by side. It is deliberately as naive as the original:
//   state:    one top word plus Order bottom words; bottom bit i set <=> id i is allocated;
//   allocate: scan the bottom words from the first for one that is not full, take its lowest
//             zero bit, and set top bit `index` when that word became full;
//   recycle:  clear the id's bottom bit and the top bit of its word;
//   locking:  every operation runs behind one lock (the crate's SpinMutex; here pidalloc::Spinlock,
//             the same lock our allocator uses, so the comparison isolates the algorithm).
// The top word is written but never read by allocate(), exactly as in the crate; so allocation is
// O(Order) word reads. Where the crate's `1 << index` has index >= 64 (Order > 64), Rust's
// release builds mask the shift count; the port does the same (`index % 64`), which keeps the
// crate's behaviour (the top word is meaningless there and never consulted).
// Differences from the crate, none of which touch the algorithm:
//   * ids are plain std::size_t instead of the crate's Pid { number, Arc<...> } handle, so the port
//     does not pay the crate's Arc reference-count increment and decrement per id (this favours
//     it);
//   * contains() is an addition (the crate has no membership query): one bit test under the lock;
//   * fill_lowest_for_setup() exists only so that benchmark setup at 4,194,304 ids does not take
//     O(n^2 / 64) word reads; it builds the exact state n allocate() calls would build.
#ifndef PIDALLOC_BENCH_REFERENCE_PORT_HPP
#define PIDALLOC_BENCH_REFERENCE_PORT_HPP

#include <pid_allocator/pid_allocator.hpp>

#include <bit>
#include <cstddef>
#include <limits>
#include <mutex>

namespace pidalloc_bench {

template <std::size_t Order>
class ReferencePort {
  static constexpr std::size_t kW = std::numeric_limits<std::size_t>::digits;
  static constexpr std::size_t kFull = ~std::size_t{0};

 public:
  static constexpr std::size_t capacity() noexcept { return Order * kW; }

  // The lowest free id, or pidalloc::kNoId when every id is taken.
  std::size_t allocate() noexcept {
    std::lock_guard<pidalloc::Spinlock> guard(lock_);
    for (std::size_t index = 0; index < Order; ++index) {
      const std::size_t word = bottom_[index];
      if (word != kFull) {
        const auto bit = static_cast<std::size_t>(std::countr_zero(~word));
        bottom_[index] = word | (std::size_t{1} << bit);
        if (bottom_[index] == kFull) top_ |= std::size_t{1} << (index % kW);
        return index * kW + bit;
      }
    }
    return pidalloc::kNoId;
  }

  // As the crate: no range or double-free check.
  void recycle(std::size_t id) noexcept {
    std::lock_guard<pidalloc::Spinlock> guard(lock_);
    const std::size_t index = id / kW;
    bottom_[index] &= ~(std::size_t{1} << (id % kW));
    if (bottom_[index] != kFull) top_ &= ~(std::size_t{1} << (index % kW));
  }

  bool contains(std::size_t id) noexcept {
    std::lock_guard<pidalloc::Spinlock> guard(lock_);
    return ((bottom_[id / kW] >> (id % kW)) & 1U) != 0;
  }

  // Benchmark setup only: the state that `count` allocate() calls on an empty allocator leave.
  void fill_lowest_for_setup(std::size_t count) noexcept {
    std::lock_guard<pidalloc::Spinlock> guard(lock_);
    for (std::size_t index = 0; index < Order && count > 0; ++index) {
      const std::size_t here = count < kW ? count : kW;
      bottom_[index] = here == kW ? kFull : (std::size_t{1} << here) - 1;
      if (here == kW) top_ |= std::size_t{1} << (index % kW);
      count -= here;
    }
  }

 private:
  pidalloc::Spinlock lock_;
  std::size_t top_ = 0;
  std::size_t bottom_[Order] = {};
};

}  // namespace pidalloc_bench

#endif  // PIDALLOC_BENCH_REFERENCE_PORT_HPP
