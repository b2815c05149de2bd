// SPDX-License-Identifier: MIT
// pid_allocator: the allocation policies, the third template argument of PidAllocator, which
// decide which free id allocate() hands out. A new policy is one more type in this file.
// Included by <pid_allocator/pid_allocator.hpp>; include that instead.
#ifndef PID_ALLOCATOR_POLICIES_HPP
#define PID_ALLOCATOR_POLICIES_HPP

#include "detail/config.hpp"  // kNoId, kWordBits, kAllOnes

#include <bit>       // std::countr_zero, std::rotr
#include <concepts>  // std::same_as, std::convertible_to
#include <cstddef>   // std::size_t
#include <cstdint>   // std::uint32_t, std::uint64_t

namespace pidalloc {

namespace detail {
struct TestAccess;  // tests define it, to corrupt a state and see check() notice
}  // namespace detail

// What a policy is. P::State<Bitmap> is the policy's per-allocator state; the allocator holds one,
// value-initialised, and calls it with its lock held, so a policy needs no synchronisation of its
// own. Its all-zero value must be the policy's initial state, so that every allocator starts as
// zero bytes and a constinit one lands in .bss. Bitmap is detail::LayeredBitmap<Order>, whose
// searches (find_clear_from, find_lowest_clear, clear_from_or_end), is_set and set it may use.
//   take_next(bitmap, limit):      picks a clear id below limit, sets it, returns it; kNoId,
//                                  changing nothing, when the policy finds none.
//   taken(bitmap, id, word_now):   the allocator set id itself (allocate_at, allocate_in);
//                                  word_now is id's bottom word after the set.
//   freed(bitmap, id):             id was cleared.
//   check(bitmap):                 the policy's own invariant.
template <class P, class Bitmap>
concept AllocationPolicy = requires(typename P::template State<Bitmap>& state,
                                    const typename P::template State<Bitmap>& cstate,
                                    Bitmap& bitmap, std::size_t n) {
  { state.take_next(bitmap, n) }
  noexcept->std::same_as<std::size_t>;
  { state.taken(bitmap, n, n) }
  noexcept;
  { state.freed(bitmap, n) }
  noexcept;
  { cstate.check(bitmap) }
  noexcept->std::convertible_to<bool>;
};

// The lowest free id below limit(): the order of the Rust crate pid_allocator, and of a
// file-descriptor table. The default.
struct LowestFirst {
  // Remembers its next two answers, the lowest clear id (first_) and the one above it (second_),
  // so that under churn (recycle an id, allocate one) it never searches: an id freed below first_
  // becomes the lowest and the old lowest the second; take_next() takes first_ and moves up to
  // second_. It searches only when second_ is not known (equal to first_), e.g. while filling.
  // Invariant: first_ is the lowest clear id (kIds when there is none), and second_ either the
  // lowest clear id above it or, when that is not known, equal to first_.
  template <class Bitmap>
  class State {
   public:
    [[gnu::always_inline]] std::size_t take_next(Bitmap& ids, std::size_t limit) noexcept {
      const std::size_t id = first_;
      if (id >= limit) return kNoId;  // kIds too: nothing is clear
      // Both hints are read before the bitmap's atomic store, after which the compiler would
      // load them again. Taking first_ leaves second_ as the lowest clear id, or, when second_
      // was not known, the first clear id above `id`; either way both hints become that id.
      const std::size_t second = second_;
      const std::size_t word_now = ids.set(id);
      const std::size_t next = second != id ? second : lowest_clear_above(ids, id, word_now);
      first_ = static_cast<Index>(next);
      second_ = static_cast<Index>(next);
      return id;
    }

    [[gnu::always_inline]] void taken(const Bitmap& ids, std::size_t id,
                                      std::size_t word_now) noexcept {
      if (id == first_) {
        if (second_ == first_) second_ = static_cast<Index>(lowest_clear_above(ids, id, word_now));
        first_ = second_;
      } else if (id == second_) {
        second_ = first_;
      }
    }

    [[gnu::always_inline]] void freed(const Bitmap& /*ids*/, std::size_t id) noexcept {
      if (id < first_) {
        second_ = first_;
        first_ = static_cast<Index>(id);
      } else if (id < second_) {
        second_ = static_cast<Index>(id);
      }
    }

    [[nodiscard]] bool check(const Bitmap& ids) const noexcept {
      return first_ == ids.clear_from_or_end(0) &&
             (second_ == first_ || second_ == ids.clear_from_or_end(std::size_t{first_} + 1));
    }

   private:
    friend struct detail::TestAccess;
    using Index = typename Bitmap::Index;
    static constexpr std::size_t kW = detail::kWordBits;

    // When every id below `id` is set, the lowest clear id after taking `id`: in the same word when
    // it has one (read from `word_now`, the word as set() left it, not from memory), else found by
    // a search from the next word; kIds when there is none.
    [[gnu::always_inline]] static std::size_t lowest_clear_above(const Bitmap& ids, std::size_t id,
                                                                 std::size_t word_now) noexcept {
      const std::size_t above = ~word_now & (detail::kAllOnes << (id % kW));
      return above != 0 ? id / kW * kW + static_cast<std::size_t>(std::countr_zero(above))
                        : ids.clear_from_or_end((id / kW + 1) * kW);
    }

    Index first_ = 0;
    Index second_ = 0;
  };
};

namespace detail {

// The search both cyclic policies make: from `from` up to `limit`; when that finds nothing, again
// from the floor, or from 0 while the last id handed out (one below `after_last()`) is below the
// floor, as Linux's alloc_pid() does (its lowest id is 1 until its cursor has passed
// RESERVED_PIDS), or when the floor is at or above the limit. Sets and returns the id, or kNoId.
template <class Bitmap, class AfterLast>
[[gnu::always_inline]] inline std::size_t cyclic_take(Bitmap& ids, std::uint64_t from,
                                                      std::size_t floor, std::size_t limit,
                                                      AfterLast after_last) noexcept {
  std::size_t id = from < limit ? ids.find_clear_from(static_cast<std::size_t>(from)) : kNoId;
  if (id >= limit) {
    const std::size_t wrap_to = after_last() > floor && floor < limit ? floor : 0;
    if (from > wrap_to) id = wrap_to == 0 ? ids.find_lowest_clear() : ids.find_clear_from(wrap_to);
    if (id >= limit) return kNoId;  // kNoId too
  }
  ids.set(id);
  return id;
}

}  // namespace detail

// The next free id after the last one allocate() handed out, up to limit(), then wrapping to
// Floor: Linux's PID order, where Floor is RESERVED_PIDS (300). Ids below Floor are handed out
// only while the last id handed out is below it (or when Floor >= limit()).
// allocate_at() and allocate_in() do not move the cursor.
template <std::size_t Floor = 0>
struct Cyclic {
  // Invariant: search_from_ is one past an id handed out (0 at first), at most kIds.
  template <class Bitmap>
  class State {
   public:
    [[gnu::always_inline]] std::size_t take_next(Bitmap& ids, std::size_t limit) noexcept {
      const std::uint64_t from = search_from_;
      const std::size_t id = detail::cyclic_take(ids, from, Floor, limit, [from] { return from; });
      if (id != kNoId) search_from_ = std::uint64_t{id} + 1;
      return id;
    }
    static void taken(const Bitmap& /*ids*/, std::size_t /*id*/,
                      std::size_t /*word_now*/) noexcept {}
    static void freed(const Bitmap& /*ids*/, std::size_t /*id*/) noexcept {}
    [[nodiscard]] bool check(const Bitmap& /*ids*/) const noexcept {
      return search_from_ <= Bitmap::kIds;
    }

   private:
    friend struct detail::TestAccess;
    std::uint64_t search_from_ = 0;
  };
};

// As Cyclic<Floor>, but each search starts a random 0 .. MaxSkip - 1 ids further (FreeBSD's
// kern.randompid), so that the next id is hard to predict. The skips come from a PCG32 generator
// seeded with Seed; reseed() restarts it (say, from the kernel's entropy pool after boot), and
// set_random(false) turns the skip off and on again at run time, as FreeBSD's sysctl does.
template <std::size_t Floor, std::uint32_t MaxSkip, std::uint64_t Seed = 0>
struct RandomCyclic {
  // search_from_ is where the next search starts: one past the last id handed out plus the skip
  // already drawn for it, so that the search begins one load after the lock, as Cyclic's does.
  // 64 bits, as the sum may exceed kIds. Both it and the generator state are stored xor their
  // initial values (rng_bits_ = state ^ kStartState, search_bits_ = search_from ^ kStartSkip), so
  // that the all-zero State is the seeded initial state.
  // Invariant: search_from - pending_skip() is one past an id handed out (0 at first), at most
  // kIds, where pending_skip() is the skip drawn from the generator's current state (0 while the
  // skip is off); reseed() and set_random() rely on it.
  template <class Bitmap>
  class State {
   public:
    [[gnu::always_inline]] std::size_t take_next(Bitmap& ids, std::size_t limit) noexcept {
      const std::uint64_t from = search_from();
      const std::size_t id = detail::cyclic_take(ids, from, Floor, limit,
                                                 [this, from] { return from - pending_skip(); });
      if (id != kNoId) {
        if (!skip_off_) rng_bits_ = advance(rng()) ^ kStartState;
        set_search_from(std::uint64_t{id} + 1 + pending_skip());
      }
      return id;
    }
    static void taken(const Bitmap& /*ids*/, std::size_t /*id*/,
                      std::size_t /*word_now*/) noexcept {}
    static void freed(const Bitmap& /*ids*/, std::size_t /*id*/) noexcept {}
    [[nodiscard]] bool check(const Bitmap& /*ids*/) const noexcept {
      const std::uint64_t skip = pending_skip();
      return search_from() >= skip && search_from() - skip <= Bitmap::kIds;
    }

    // Restarts the generator from `seed`: the skips from here on are those of a fresh allocator
    // seeded `seed`.
    void reseed(std::uint64_t seed) noexcept {
      const std::uint64_t after_last = search_from() - pending_skip();
      rng_bits_ = advance(seed) ^ kStartState;
      set_search_from(after_last + pending_skip());
    }
    void set_random(bool on) noexcept {
      const std::uint64_t after_last = search_from() - pending_skip();
      skip_off_ = !on;
      set_search_from(after_last + pending_skip());
    }
    [[nodiscard]] bool random() const noexcept { return !skip_off_; }

   private:
    friend struct detail::TestAccess;

    // PCG32 (O'Neill's XSH-RR): a 64-bit linear congruential state, advanced once per draw, and
    // an output that xor-shifts and rotates the state's high bits into 32, which skip_for()
    // scales into [0, MaxSkip) by multiply-and-shift rather than %, so that 32-bit kernels need no
    // 64-bit division helper from libgcc. Not cryptographic: reseed() from an entropy source
    // where guessing the next id matters.
    static constexpr std::uint64_t advance(std::uint64_t state) noexcept {
      return state * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    static constexpr std::uint32_t skip_for(std::uint64_t state) noexcept {
      const auto mixed = static_cast<std::uint32_t>(((state >> 18) ^ state) >> 27);
      const std::uint64_t out = std::rotr(mixed, static_cast<int>(state >> 59));
      return static_cast<std::uint32_t>((out * MaxSkip) >> 32);
    }
    static constexpr std::uint64_t kStartState = advance(Seed);
    static constexpr std::uint64_t kStartSkip = skip_for(kStartState);

    std::uint64_t rng() const noexcept { return rng_bits_ ^ kStartState; }
    std::uint64_t search_from() const noexcept { return search_bits_ ^ kStartSkip; }
    void set_search_from(std::uint64_t from) noexcept { search_bits_ = from ^ kStartSkip; }
    std::uint32_t pending_skip() const noexcept { return skip_off_ ? 0 : skip_for(rng()); }

    std::uint64_t search_bits_ = 0;
    std::uint64_t rng_bits_ = 0;
    bool skip_off_ = false;
  };
};

}  // namespace pidalloc

#endif  // PID_ALLOCATOR_POLICIES_HPP
