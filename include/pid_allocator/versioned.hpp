// SPDX-License-Identifier: MIT
// pid_allocator: PidRef, a value that names one lifetime of an id, and the generation trackers that
// let VersionedPidAllocator tell a stale PidRef from a current one (GenerationTracker under the
// locked policies, AtomicGenerationTracker under Scalable).
// Included by <pid_allocator/pid_allocator.hpp>; include that instead.
#ifndef PID_ALLOCATOR_VERSIONED_HPP
#define PID_ALLOCATOR_VERSIONED_HPP

#include "detail/config.hpp"  // kNoId

#include <atomic>   // std::atomic_ref: the per-id generations
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t, std::uint64_t

namespace pidalloc {

namespace detail {
// The only makers of non-empty refs (below).
template <std::size_t Ids>
class GenerationTracker;
template <std::size_t Ids>
class AtomicGenerationTracker;
}  // namespace detail

// One lifetime of one id: the id and its generation, packed into one 64-bit integer on every
// target:
//   bits 0..31   the id (VersionedPidAllocator has at most 2^32 ids);
//   bits 32..63  the generation: which lifetime of the id, counted from 1 and wrapping from
//                2^32 - 1 back to 1 (from 2^31 under Scalable), never to 0.
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
  // Which lifetime of id(): 1, 2, ... 2^32 - 1 (2^31 under Scalable), then 1 again; 0 for an empty
  // ref.
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
  template <std::size_t Ids>
  friend class detail::AtomicGenerationTracker;

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

// The generation of every id, for VersionedPidAllocator under a locked policy: the allocator calls
// freed(id) with its lock held each time an id is freed, after clearing its bit. Under Scalable,
// which takes no lock, AtomicGenerationTracker (below) takes its place.
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

// The generation of every id, for VersionedPidAllocator under a lock-free policy (Scalable), where
// allocation and recycling take no lock. GenerationTracker's order (clear the bit, then move the
// generation) needs the lock: without it, another core can claim the id between the clear and the
// store, and a reader would then see the bit set and the old generation, and report a stale ref
// current. Here the generation moves before the bit clears, and the counter, not the bit, decides
// which free wins.
//
// Each id has one 32-bit sequence counter that moves twice per lifetime: even while the id is free,
// odd while it is live. Zero at first (free, lifetime 1 next), so that an all-zero tracker is the
// initial state and a constinit allocator stays in .bss. Lifetime g is the odd value 2(g - 1) + 1,
// so its ref's generation is counter / 2 + 1, which is never 0; generations are the same numbers
// as GenerationTracker's (1, 2, ... per id) until they wrap. The counter wraps at 2^32, so
// generations cycle through 2^31 values (half of GenerationTracker's 2^32 - 1): a stale ref
// matches again only after its id has been freed 2^31 more times.
//
//   take: the allocator claims the bit (fetch_or), and only the winner calls taken(id), which
//         moves the counter from even c to odd c + 1 (a plain store: nobody else writes an even
//         counter whose bit is set, see end()).
//   free: end(id) or end(ref) moves the counter from odd c to even c + 1 with a compare-exchange,
//         and only the winner clears the bit (fetch_and). The compare-exchange decides which
//         caller frees: of two racing frees one wins and the other gets false, and end(ref)
//         succeeds only from the ref's own odd value, so "is this lifetime current? then free it"
//         is one atomic step, without a lock.
// So the bit is set and cleared only by the winner of a counter transition, and ownership is still
// the bit, changed only by an atomic read-modify-write of it. Between the two steps of a take or a
// free (while that call is in flight) the bit is set and the counter even: the id is neither
// current (ref_of gives the empty ref) nor free (no take can claim it, and end() refuses it).
// Whenever the counter is odd, the bit is set. A lifetime is current exactly while its odd value
// is in the counter: it begins when taken() stores it and ends at the compare-exchange that moves
// it on, so ref_of and is_current read the counter alone, one acquire load, and never the bit.
//
// Memory order. Each id's history is one chain, each step reading the previous one with acquire:
// fetch_or (acq_rel) claims the bit that the last free's fetch_and (release) cleared; taken()'s
// store (release) is read by the compare-exchange (acq_rel) that ends the lifetime, which comes
// before that free's fetch_and (release). So a reader that loads an odd counter with acquire sees
// what the allocating thread wrote before allocating, and a compare-exchange winner's fetch_and
// finds the bit set. A reader that loads the counter after a free returned (happens before) reads
// that free's value or a later one: never the ended lifetime's, until the counter wraps.
//
// 4 bytes per id, as GenerationTracker: 131,072 bytes at 32,768 ids.
template <std::size_t Ids>
class AtomicGenerationTracker {
  using Count = std::atomic_ref<std::uint32_t>;
  static_assert(Count::is_always_lock_free, "the counters are changed without a lock");

 public:
  // cppcheck-suppress unusedStructMember ; read by the allocator (detail::kLockFreeTracker)
  static constexpr bool kLockFree = true;
  // The id fits in a ref's 32 id bits.
  static constexpr bool kFitsInRef = Ids - 1 <= PidRef::kIdMask;

  // ---- hooks the allocator calls without a lock ----

  // The caller's fetch_or has just won id's bit: the lifetime begins.
  // cppcheck-suppress functionConst ; it writes the counters, mutable only for atomic_ref's sake
  void taken(std::size_t id) noexcept {
    // relaxed: the bit's acq_rel claim read the clear of the free that made the counter even,
    // which wrote the counter first; while the bit is set and the counter even nobody else writes
    // it, so this reads exactly that value.
    const std::uint32_t free = count(id).load(std::memory_order_relaxed);
    // release: pairs with the acquire loads of current() and is_current() and with end()'s
    // compare-exchange.
    count(id).store(free + 1, std::memory_order_release);
  }

  // Ends the lifetime that id is in, before the caller clears its bit: true when this call ended
  // it (the caller must then clear the bit); false when the id is free or a free is in flight.
  // cppcheck-suppress functionConst ; as taken()
  [[nodiscard]] bool end(std::size_t id) noexcept {
    // relaxed: only says which value to try; the compare-exchange decides. A caller that holds the
    // id reads its lifetime's value here (it saw taken()'s store, and nobody else may end it).
    const std::uint32_t live = count(id).load(std::memory_order_relaxed);
    return (live & 1U) != 0 && end_from(id, live);
  }

  // Ends the lifetime that `ref` names, only while it is current. ref.id() < Ids.
  [[nodiscard]] bool end(PidRef ref) noexcept {
    if (!has_lifetime(ref)) return false;
    return end_from(ref.id(), live_value(ref.generation()));
  }

  // The ref of id's current lifetime; the empty ref when the id is free or a take or free of it is
  // in flight. acquire: pairs with taken()'s release (see the class comment).
  [[nodiscard]] PidRef current(std::size_t id) const noexcept {
    const std::uint32_t now = count(id).load(std::memory_order_acquire);
    return (now & 1U) != 0 ? PidRef::make(id, now / 2 + 1) : PidRef{};
  }

  // Whether `ref`'s lifetime is current. ref.id() < Ids, so ref is not empty. acquire: as above.
  [[nodiscard]] bool is_current(PidRef ref) const noexcept {
    return has_lifetime(ref) &&
           count(ref.id()).load(std::memory_order_acquire) == live_value(ref.generation());
  }

  // Every odd counter's bit is set: read counter, bit, counter (each acquire), and a counter that
  // is odd and the same both times had its bit set in between (the chain in the class comment:
  // a clear read there would come after a compare-exchange that moved the counter on). Holds at
  // every moment, so it may run beside allocations, as Scalable's check does. The converse (an even
  // counter's bit is clear) holds only when no call is in flight, since a take or a free sets the
  // bit before or clears it after moving the counter; nothing here can tell that window from
  // corruption, so it is not checked. O(Ids); a debug aid.
  template <class Bitmap>
  [[nodiscard]] bool check(const Bitmap& ids) const noexcept {
    for (std::size_t id = 0; id < Ids; ++id) {
      const std::uint32_t before = count(id).load(std::memory_order_acquire);
      if ((before & 1U) != 0 && !ids.contains(id) &&
          count(id).load(std::memory_order_acquire) == before) {
        return false;
      }
    }
    return true;
  }

 private:
  friend struct TestAccess;

  // The generations that have a lifetime: 1 .. 2^31.
  static constexpr std::uint32_t kGenerations = 0x8000'0000U;

  // Whether some lifetime has ref's generation: not 0 and not above 2^31 (from_bits() makes any),
  // which would otherwise alias a lower generation's counter value.
  static constexpr bool has_lifetime(PidRef ref) noexcept {
    return ref.generation() - 1U < kGenerations;
  }

  // The counter's value while lifetime `generation` (1 .. kGenerations) is current.
  static constexpr std::uint32_t live_value(std::uint32_t generation) noexcept {
    return 2 * (generation - 1) + 1;
  }

  // cppcheck-suppress functionConst ; as taken()
  [[nodiscard]] bool end_from(std::size_t id, std::uint32_t live) noexcept {
    std::uint32_t expected = live;
    // acq_rel: acquire reads taken()'s release, so the caller's fetch_and that follows comes after
    // the claim that set the bit (the class comment's chain); release: a reader that loads the
    // even value sees what the freeing thread wrote before freeing, as with GenerationTracker's
    // freed(). Strong: a spurious failure would refuse a free that should succeed.
    return count(id).compare_exchange_strong(expected, live + 1, std::memory_order_acq_rel,
                                             std::memory_order_relaxed);
  }

  // As GenerationTracker's: plain zero-initialised integers, every access through atomic_ref.
  Count count(std::size_t id) const noexcept { return Count{counts_[id]}; }

  alignas(Count::required_alignment) mutable std::uint32_t counts_[Ids]{};
};

}  // namespace detail
}  // namespace pidalloc

#endif  // PID_ALLOCATOR_VERSIONED_HPP
