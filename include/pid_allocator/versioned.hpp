// SPDX-License-Identifier: MIT
// pid_allocator: PidRef, a value that names one lifetime of an id, and the generation tracker that
// lets VersionedPidAllocator tell a stale PidRef from a current one.
// Included by <pid_allocator/pid_allocator.hpp>; include that instead.
#ifndef PID_ALLOCATOR_VERSIONED_HPP
#define PID_ALLOCATOR_VERSIONED_HPP

#include "detail/config.hpp"  // kNoId

#include <atomic>   // std::atomic_ref: the per-id generations
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t, std::uint64_t

namespace pidalloc {

namespace detail {
template <std::size_t Ids>
class GenerationTracker;  // the only maker of non-empty refs (below)
}  // namespace detail

// One lifetime of one id: the id and its generation, packed into one 64-bit integer on every
// target:
//   bits 0..31   the id (VersionedPidAllocator has at most 2^32 ids);
//   bits 32..63  the generation: which lifetime of the id, counted from 1 and wrapping from
//                2^32 - 1 back to 1, never to 0.
// A generation of 0 names nothing: that is the default-constructed ref, all zero bits, and
// from_bits() maps every integer with a zero generation to it. The split is the same on 32-bit
// targets, where an id fits in 32 bits anyway; PidRef stays 8 bytes there too (two registers).
// Two refs are equal exactly when they name the same lifetime of the same id. A ref does not know
// its allocator: compare and check it only against the allocator that made it.
class PidRef {
 public:
  constexpr PidRef() noexcept = default;

  // The id, or kNoId for an empty ref.
  [[nodiscard]] constexpr std::size_t id() const noexcept {
    return empty() ? kNoId : static_cast<std::size_t>(bits_ & kIdMask);
  }
  // Which lifetime of id(): 1, 2, ... 2^32 - 1, then 1 again; 0 for an empty ref.
  [[nodiscard]] constexpr std::uint32_t generation() const noexcept {
    return static_cast<std::uint32_t>(bits_ >> kIdBits);
  }
  [[nodiscard]] constexpr bool empty() const noexcept { return generation() == 0; }
  [[nodiscard]] constexpr explicit operator bool() const noexcept { return !empty(); }

  // The one integer a ref converts to and from, for storing it where a PidRef does not fit (a
  // 64-bit field of a C struct, an atomic word). from_bits(r.bits()) == r for every ref r.
  [[nodiscard]] constexpr std::uint64_t bits() const noexcept { return bits_; }
  [[nodiscard]] static constexpr PidRef from_bits(std::uint64_t bits) noexcept {
    return PidRef{(bits >> kIdBits) == 0 ? 0 : bits};
  }

  friend constexpr bool operator==(PidRef a, PidRef b) noexcept = default;

 private:
  template <std::size_t Ids>
  friend class detail::GenerationTracker;

  static constexpr unsigned kIdBits = 32;
  static constexpr std::uint64_t kIdMask = (std::uint64_t{1} << kIdBits) - 1;

  constexpr explicit PidRef(std::uint64_t bits) noexcept : bits_(bits) {}
  static constexpr PidRef make(std::size_t id, std::uint32_t generation) noexcept {
    return PidRef{std::uint64_t{generation} << kIdBits | static_cast<std::uint64_t>(id)};
  }

  std::uint64_t bits_ = 0;
};

static_assert(sizeof(PidRef) == 8);

namespace detail {

// The generation of every id, for VersionedPidAllocator: the allocator calls freed(id) with its
// lock held each time an id is freed, after clearing its bit.
//
// Each id has one 32-bit counter of how many times it has been freed, modulo 2^32 - 1: 0 at first,
// so that an all-zero tracker is the initial state and a constinit allocator stays in .bss. The
// lifetime that an allocation starts is numbered by that counter, and its ref's generation is
// counter + 1, which is never 0, so the empty ref is never current. A take changes nothing here:
// the counter already names the lifetime the take begins, and the bitmap bit says whether it has
// begun. Hence a ref (id, g) is current exactly while the id's bit is set and its counter is still
// g - 1, and the only extra work of a free is one store. The counter skips from 2^32 - 2 to 0, so
// generations cycle through 2^32 - 1 values: a ref goes stale for good until its id has been freed
// 2^32 - 1 more times, after which a ref of the same generation would match again.
//
// Memory order. Writers are serialised by the allocator's lock, so they read the counter relaxed.
// freed() stores it with release, after the bitmap's release store that cleared the bit; lock-free
// readers load it with acquire (lifetime()) and then read the bit (LayeredBitmap::contains, also
// acquire). A reader that loads counter value c therefore sees the clear that ended lifetime c - 1,
// or a later state of the bit, so a set bit it reads belongs to lifetime c or later. Conversely the
// bit set for lifetime k is stored after the counter reached k, in a later critical section, so a
// reader that reads that bit (acquire) and then the counter reads k or later. VersionedPidAllocator
// combines the two: is_current reads the counter, then the bit; ref_of reads counter, bit, counter.
//
// 4 bytes per id: 131,072 bytes at 32,768 ids, 16,777,216 at 4,194,304 ids (the bitmap itself
// takes about 1/8 byte per id). The counters are the same 32 bits on 32-bit targets.
template <std::size_t Ids>
class GenerationTracker {
  using Count = std::atomic_ref<std::uint32_t>;
  static_assert(Count::is_always_lock_free, "the generations are read without a lock");

 public:
  // The id fits in a ref's 32 id bits.
  static constexpr bool kFitsInRef = Ids - 1 <= PidRef::kIdMask;

  // ---- hooks the allocator calls with its lock held ----

  // Nothing to record: the counter names the lifetime that begins, and the bitmap says it began.
  static void taken(std::size_t /*id*/) noexcept {}

  // cppcheck-suppress functionConst ; it writes the counters, mutable only for atomic_ref's sake
  void freed(std::size_t id) noexcept {
    // relaxed: the lock orders this after every earlier write of the counter.
    const std::uint32_t before = count(id).load(std::memory_order_relaxed);
    // release: pairs with the acquire in lifetime(); the bit was cleared before this store.
    count(id).store(before == kLastCount ? 0 : before + 1, std::memory_order_release);
  }

  // The ref of the lifetime that `id` is in or begins next, with the lock held.
  [[nodiscard]] PidRef ref_locked(std::size_t id) const noexcept {
    // relaxed: the lock orders this after the last freed(id).
    return ref_for(id, count(id).load(std::memory_order_relaxed));
  }

  // The same, lock-free: acquire pairs with freed()'s release (see the class comment).
  [[nodiscard]] PidRef lifetime(std::size_t id) const noexcept {
    return ref_for(id, count(id).load(std::memory_order_acquire));
  }

  // No counter ever holds the value it skips. O(Ids); a debug aid.
  [[nodiscard]] bool check() const noexcept {
    for (std::size_t id = 0; id < Ids; ++id) {
      if (count(id).load(std::memory_order_relaxed) > kLastCount) return false;
    }
    return true;
  }

 private:
  friend struct TestAccess;

  // Counters run 0 .. kLastCount, so that generation = counter + 1 is never 0.
  static constexpr std::uint32_t kLastCount = 0xFFFF'FFFEU;

  static PidRef ref_for(std::size_t id, std::uint32_t frees) noexcept {
    return PidRef::make(id, frees + 1);
  }

  // Every access is atomic, through std::atomic_ref. The counters are plain integers rather than
  // std::atomic because clang's constant evaluator runs std::atomic's constexpr constructor once
  // per element and gives up (its step limit) on a constinit allocator of 4,194,304 ids, where a
  // zero-initialised array of integers costs it nothing. mutable: lock-free readers are const
  // members, and C++20 has no atomic_ref<const T>.
  Count count(std::size_t id) const noexcept { return Count{frees_[id]}; }

  alignas(Count::required_alignment) mutable std::uint32_t frees_[Ids]{};
};

}  // namespace detail
}  // namespace pidalloc

#endif  // PID_ALLOCATOR_VERSIONED_HPP
