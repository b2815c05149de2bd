// SPDX-License-Identifier: MIT
// pid_allocator: Scalable, the allocation policy under which allocate() and recycle() take no
// lock, so that threads on different cores allocate and free in parallel; and the CPU hints it
// reads. Included by <pid_allocator/pid_allocator.hpp>; include that instead.
#ifndef PID_ALLOCATOR_SCALABLE_HPP
#define PID_ALLOCATOR_SCALABLE_HPP

#include "detail/config.hpp"  // kNoId, kWordBits, kAllOnes

#include <atomic>    // std::atomic: the per-core hints
#include <bit>       // std::bit_floor, std::countr_zero
#include <concepts>  // std::convertible_to, std::same_as
#include <cstddef>   // std::size_t

#if __STDC_HOSTED__
#include "detail/hosted.hpp"  // detail::thread_slot, behind the hosted default hint
#endif

namespace pidalloc {

// Which core the caller runs on, as far as a Scalable allocator needs to know: a type with
// `static std::size_t cpu() noexcept`. It is a hint and nothing more: any value is correct, and a
// wrong or stale one (the thread moved since) costs speed only. Chosen at compile time, as
// Scalable's template argument: a kernel passes its CPU number (smp_processor_id()).
template <class H>
concept CpuHintSource = requires {
  { H::cpu() }
  noexcept->std::convertible_to<std::size_t>;
};

#if __STDC_HOSTED__
// The hosted default: a number per thread (0 for the first thread that asks, then 1, ...), read
// from thread-local storage with no system call. Threads rather than cores: two threads never
// share a hint unless more threads than Scalable's MaxCores exist. Linux programs that prefer the
// core may pass a hint whose cpu() returns sched_getcpu() (read from rseq, no system call, with
// glibc 2.35 and later).
struct ThreadSlotHint {
  static std::size_t cpu() noexcept { return detail::thread_slot(); }
};
using DefaultCpuHint = ThreadSlotHint;
#else
// Freestanding builds have no default (no thread-local storage to read): name your kernel's,
//   struct KernelCpu { static std::size_t cpu() noexcept { return smp_processor_id(); } };
//   constinit pidalloc::PidAllocator<1024, KernelLock, pidalloc::Scalable<KernelCpu>> ids;
struct DefaultCpuHint;  // incomplete on purpose: Scalable<> says what to pass instead
#endif

namespace detail {

struct TestAccess;  // tests define it, to corrupt a state and see check() notice

// Whether the allocator takes its lock around a policy's calls: a compile-time property of the
// policy type, so that the other policies' code is exactly what it is without Scalable.
template <class P>
inline constexpr bool kLockFreePolicy = requires {
  requires P::kLockFree;
};

}  // namespace detail

// What a lock-free policy is (the counterpart of AllocationPolicy, policies.hpp). The allocator
// calls its State's members without its lock, from any number of threads at once; they use only
// the bitmap's atomic access (detail::LayeredBitmap, "atomic access"), and the allocator checks
// ranges and the limit before calling:
//   take_next(bitmap, limit):  claims some clear id below limit and returns it; kNoId when none
//                              was clear for the whole call.
//   take_at(bitmap, id):       claims id; false when it was taken.
//   take_in(bitmap, min, end): claims the lowest id in [min, end) found clear; kNoId when none.
//   give_back(bitmap, id):     frees id; false when it was free.
//   count(bitmap), any_clear_below(bitmap, limit), check(bitmap): size(), !full() and the
//                              policy's invariant.
template <class P, class Bitmap>
concept LockFreeAllocationPolicy = detail::kLockFreePolicy<P> &&
    requires(typename P::template State<Bitmap>& state,
             const typename P::template State<Bitmap>& cstate, Bitmap& bitmap,
             const Bitmap& cbitmap, std::size_t n) {
  { state.take_next(bitmap, n) }
  noexcept->std::same_as<std::size_t>;
  { state.take_at(bitmap, n) }
  noexcept->std::same_as<bool>;
  { state.take_in(bitmap, n, n) }
  noexcept->std::same_as<std::size_t>;
  { state.give_back(bitmap, n) }
  noexcept->std::same_as<bool>;
  { cstate.count(cbitmap) }
  noexcept->std::same_as<std::size_t>;
  { cstate.any_clear_below(cbitmap, n) }
  noexcept->std::same_as<bool>;
  { cstate.check(cbitmap) }
  noexcept->std::convertible_to<bool>;
};

// Some free id below limit(), usually in the word where the calling core last took or gave back
// an id, so that cores work in different words. allocate(), allocate_id(), recycle() and a Pid's
// destructor take no lock: ownership of an id is its bit in the bitmap, and only a successful
// atomic read-modify-write of that bit (fetch_or to take, fetch_and to free) changes it. Each core
// has a hint, on a cache line of its own, saying which word it looks at first; a hint says where
// to look, never who owns anything, so a wrong hint costs speed only.
//
// Hint: where the core number comes from (CpuHintSource; default ThreadSlotHint in hosted
// builds, none in freestanding ones). MaxCores: how many hints (a power of two; fewer when the
// bitmap has fewer words); cores beyond it share hints, core c using hint c % MaxCores.
//
// The allocation, step by step:
//   1. Read this core's hint: a word index (stored + 1, so that the all-zero state means "not
//      set yet": the core then starts at its own place, spread over the bitmap, see start_word()).
//   2. In that word, claim the lowest clear bit with fetch_or; if another thread set that bit
//      first, look at the word again and try the next clear one.
//   3. If the word has no clear bit (below limit()), go on to the next word, wrapping at
//      limit(), until every word below limit() has been looked at once: O(limit / W) at worst.
//      A word is given up only when a look found no clear bit in it, so the call fails only if
//      no id below limit() stayed free for the whole call.
//   4. Store the hint where the id was found; after a lost race, far from there instead, so that
//      two cores that met in one word part again.
// recycle() clears the bit with fetch_and (which reports a double free: the bit was already
// clear) and points this core's hint at that word, where the next allocation then finds a free
// id in a cache line this core has just written.
//
// What it costs: size() counts the bitmap's set bits, O(capacity / W) loads (no shared counter
// on any allocation's path); full() reads up to limit() / W words; the summary layers are not
// used (allocation scans bottom words instead of descending); MaxCores cache lines of hints.
template <class Hint = DefaultCpuHint, std::size_t MaxCores = 64>
struct Scalable {
  static_assert(MaxCores > 0 && (MaxCores & (MaxCores - 1)) == 0,
                "Scalable<Hint, MaxCores>: MaxCores must be a power of two");
  // cppcheck-suppress unusedStructMember ; read by detail::kLockFreePolicy
  static constexpr bool kLockFree = true;

  // Invariant: every hint is at most the number of words (a word index + 1, or 0: not set); the
  // bitmap's summary layers and count stay zero. Both hold at every moment.
  template <class Bitmap>
  class State {
    static_assert(CpuHintSource<Hint>,
                  "pidalloc::Scalable<Hint>: Hint must have `static std::size_t cpu() noexcept` "
                  "(freestanding builds have no default: pass one that returns your kernel's CPU "
                  "number)");

   public:
    // The usual case inline: the hint is set, its word lies wholly below limit and has a clear
    // bit that this core wins. Everything else (no hint yet, the word full, a lost race, the
    // limit's last word) goes to search().
    [[gnu::always_inline]] std::size_t take_next(Bitmap& ids, std::size_t limit) noexcept {
      const std::size_t core = slot_index();
      // relaxed: a hint orders nothing; the claim in the bitmap is what synchronises.
      const std::size_t hint = slots_[core].word_plus_one.load(std::memory_order_relaxed);
      const std::size_t word = hint - 1;  // wraps to SIZE_MAX when the hint is not set
      bool raced = false;
      if (word < limit / kW) {
        const std::size_t clear = ~ids.peek_word(word);  // which bit to try; the claim decides
        const auto bit = static_cast<std::size_t>(std::countr_zero(clear));
        if (clear != 0) {
          if (ids.try_set_in_word(word, bit)) return word * kW + bit;
          raced = true;
        }
      }
      return search(ids, limit, core, hint, raced);
    }

    [[gnu::always_inline]] static bool take_at(Bitmap& ids, std::size_t id) noexcept {
      return ids.try_set(id);
    }

    // min < end <= kIds.
    static std::size_t take_in(Bitmap& ids, std::size_t min, std::size_t end) noexcept {
      bool raced = false;
      for (std::size_t word = min / kW; word * kW < end; ++word) {
        std::size_t allowed = word == min / kW ? detail::kAllOnes << (min % kW) : detail::kAllOnes;
        if (end - word * kW < kW) allowed &= (std::size_t{1} << (end - word * kW)) - 1;
        const std::size_t id = ids.claim_in_word(word, allowed, raced);
        if (id != kNoId) return id;
      }
      return kNoId;
    }

    [[gnu::always_inline]] bool give_back(Bitmap& ids, std::size_t id) noexcept {
      if (!ids.try_clear(id)) return false;
      Slot& mine = slots_[slot_index()];
      const auto word_plus_one = static_cast<Index>(id / kW + 1);
      // relaxed: as in take_next(), and written only when it changes, for the same reason.
      if (mine.word_plus_one.load(std::memory_order_relaxed) != word_plus_one) {
        mine.word_plus_one.store(word_plus_one, std::memory_order_relaxed);
      }
      return true;
    }

    [[nodiscard]] static std::size_t count(const Bitmap& ids) noexcept {
      return ids.count_bottom();
    }

    // Whether a look at each word below limit finds a clear bit there.
    [[nodiscard]] static bool any_clear_below(const Bitmap& ids, std::size_t limit) noexcept {
      const std::size_t full_words = limit / kW;
      for (std::size_t word = 0; word < full_words; ++word) {
        if (ids.peek_word(word) != detail::kAllOnes) return true;
      }
      const std::size_t tail = limit % kW;
      return tail != 0 && (~ids.peek_word(full_words) & ((std::size_t{1} << tail) - 1)) != 0;
    }

    [[nodiscard]] bool check(const Bitmap& ids) const noexcept {
      for (const Slot& s : slots_) {
        // relaxed: a snapshot of each hint; the invariant holds for every value ever stored.
        if (s.word_plus_one.load(std::memory_order_relaxed) > kWords) return false;
      }
      return ids.check_bottom_only();
    }

   private:
    friend struct detail::TestAccess;
    using Index = typename Bitmap::Index;
    static constexpr std::size_t kW = detail::kWordBits;
    static constexpr std::size_t kWords = Bitmap::kWords;
    static constexpr std::size_t kSlots =
        MaxCores < std::bit_floor(kWords) ? MaxCores : std::bit_floor(kWords);
    // A hint per cache line, so that cores moving their hints never write one line. 64 bytes:
    // the line of x86 and of most Arm cores (std::hardware_destructive_interference_size varies
    // with compiler flags, which would change this type between translation units).
    static constexpr std::size_t kCacheLine = 64;
    // Where a core that lost a race goes next: about 0.618 of the way round the bitmap, so that
    // cores that keep meeting spread out instead of landing on one another again.
    static constexpr std::size_t kPartingJump = kWords / 1000 * 618 + kWords % 1000 * 618 / 1000;

    struct alignas(kCacheLine) Slot {
      std::atomic<Index> word_plus_one{0};  // the word this core looks at first, + 1; 0: not set
    };

    // Every word below limit once, from the hint's word (or this core's start), wrapping at the
    // limit; then stores the hint. Out of line, so that take_next()'s usual case stays small.
    // `raced`: take_next() already lost a race in the hint's word.
    [[gnu::noinline]] std::size_t search(Bitmap& ids, std::size_t limit, std::size_t core,
                                         std::size_t hint, bool raced) noexcept {
      const std::size_t end_word = (limit + kW - 1) / kW;  // the words holding ids below limit
      std::size_t word = hint != 0 ? hint - 1 : start_word(core);
      if (word >= end_word) {
        if (end_word == 0) return kNoId;  // limit() is 0
        word %= end_word;                 // the limit was lowered below this core's place
      }
      const std::size_t tail = limit % kW;
      const std::size_t last_allowed = tail == 0 ? detail::kAllOnes : (std::size_t{1} << tail) - 1;
      for (std::size_t left = end_word; left != 0; --left) {
        const std::size_t id =
            ids.claim_in_word(word, word + 1 == end_word ? last_allowed : detail::kAllOnes, raced);
        if (id != kNoId) {
          const std::size_t next = raced ? (word + kPartingJump) % kWords : word;
          // relaxed: as in take_next(); written only when it changes, so that a core allocating
          // and freeing in one word leaves its hint's line alone.
          if (hint != next + 1) {
            slots_[core].word_plus_one.store(static_cast<Index>(next + 1),
                                             std::memory_order_relaxed);
          }
          return id;
        }
        word = word + 1 == end_word ? 0 : word + 1;
      }
      return kNoId;
    }

    [[gnu::always_inline]] static std::size_t slot_index() noexcept {
      return static_cast<std::size_t>(Hint::cpu()) % kSlots;
    }

    // Where a core starts before its hint is set: hint slots 0, 1, 2, 3, ... start at 0, 1/2,
    // 1/4, 3/4, ... of the bitmap (slot number bit-reversed), so that however many cores run,
    // their starting places are about evenly spread and far apart.
    [[gnu::cold]] static std::size_t start_word(std::size_t core) noexcept {
      std::size_t index = core;
      std::size_t reversed = 0;
      for (std::size_t bit = 1; bit < kSlots; bit <<= 1) {
        reversed = (reversed << 1) | (index & 1);
        index >>= 1;
      }
      return kWords / kSlots * reversed + kWords % kSlots * reversed / kSlots;
    }

    Slot slots_[kSlots]{};
  };
};

}  // namespace pidalloc

#endif  // PID_ALLOCATOR_SCALABLE_HPP
