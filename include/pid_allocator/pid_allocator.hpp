// SPDX-License-Identifier: MIT
// pid_allocator: hands out and recycles small integer ids (process ids) in O(log_64 capacity),
// from a fixed layered bitmap: no heap, no exceptions, no RTTI, usable in freestanding kernels.
// The one header users include. Version: PIDALLOC_VERSION_* in detail/config.hpp.
//
// The parts, each in its own file:
//   detail/layered_bitmap.hpp  which ids are allocated, and the searches over them
//   policies.hpp               which free id allocate() picks (LowestFirst, Cyclic, RandomCyclic)
//   pid.hpp                    Pid, the owning handle
//   scalable.hpp               Scalable, the policy that takes no lock, and its CPU hints
//   spinlock.hpp               the default lock
//   versioned.hpp              PidRef, and the per-id generations behind it
//   this file                  detail::AllocatorCore, which puts a lock, a bitmap, a policy, a
//                              limit and a tracker together; PidAllocator (no tracker) and
//                              VersionedPidAllocator (generations) are that core
#ifndef PID_ALLOCATOR_PID_ALLOCATOR_HPP
#define PID_ALLOCATOR_PID_ALLOCATOR_HPP

#include "detail/config.hpp"          // version, PIDALLOC_ASSERT, kNoId
#include "detail/layered_bitmap.hpp"  // detail::LayeredBitmap
#include "pid.hpp"                    // Pid
#include "policies.hpp"               // LowestFirst, Cyclic, RandomCyclic
#include "scalable.hpp"               // Scalable
#include "spinlock.hpp"               // Spinlock, BasicLockable
#include "versioned.hpp"              // PidRef, detail::GenerationTracker, AtomicGenerationTracker

#include <atomic>       // std::atomic: the limit
#include <concepts>     // std::convertible_to, std::same_as
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <type_traits>  // std::is_same_v, std::conditional_t

namespace pidalloc {

namespace detail {

// What a tracker is, under a locked policy: the allocator calls taken(id) after every successful
// take (allocate*, allocate_id*) and freed(id) after every free (recycle, a Pid's reset or
// destruction), both with its lock held and the id's bit already changed; check() joins
// check_invariants().
template <class T>
concept IdTracker = requires(T& tracker, const T& ctracker, std::size_t id) {
  { tracker.taken(id) }
  noexcept;
  { tracker.freed(id) }
  noexcept;
  { ctracker.check() }
  noexcept->std::convertible_to<bool>;
};

// Whether a tracker's hooks run without the lock: a compile-time property of its type, as
// kLockFreePolicy is of a policy's.
template <class T>
inline constexpr bool kLockFreeTracker = requires {
  requires T::kLockFree;
};

// What a tracker is, under a lock-free policy (Scalable), where no lock orders its hooks against
// the bit changes, so the hooks themselves decide the order: taken(id) after the call's atomic
// claim of id's bit has won it; end(id) before a free, true when this call ended the id's lifetime,
// and only then does the allocator clear the bit, so that the tracker, not the bit, picks the one
// winner of racing frees; check(bitmap) joins check_invariants(), which may run beside allocations.
template <class T, class Bitmap>
concept LockFreeIdTracker = kLockFreeTracker<T> &&
    requires(T& tracker, const T& ctracker, const Bitmap& bitmap, std::size_t id) {
  { tracker.taken(id) }
  noexcept;
  { tracker.end(id) }
  noexcept->std::same_as<bool>;
  { ctracker.check(bitmap) }
  noexcept->std::convertible_to<bool>;
};

// PidAllocator's tracker: records nothing. The core tests for it at compile time and then emits no
// call at all, and holds it as a [[no_unique_address]] member, so it costs neither code nor bytes.
struct NoTracker {
  static void taken(std::size_t /*id*/) noexcept {}
  static void freed(std::size_t /*id*/) noexcept {}
  static constexpr bool check() noexcept { return true; }
};

// AllocatorCore<Order, Lock, Policy, Tracker> manages the ids [0, Order * W), W = bits in
// std::size_t; PidAllocator and VersionedPidAllocator are this class, with their own trackers.
//
// It composes a detail::LayeredBitmap (which ids are allocated), a Policy's state (which free id
// comes next), a runtime limit (Linux's pid_max), a Tracker (told of every take and free) and a
// Lock, which serialises every change of the bitmap, the policy and the tracker. contains(),
// limit(), next_allocated() and for_each_allocated() take no lock. Every member starts as
// zero bytes, so a constinit allocator lands in .bss: the limit is stored as its distance from
// capacity(), and the policies and trackers keep their state likewise.
//
// Invariants, whenever the lock is free: the bitmap's, the policy's and the tracker's own
// (check_invariants()), and limit() <= capacity().
//
// Under a lock-free policy (Scalable, scalable.hpp) allocation, recycling and the reads take no
// lock: the policy claims and frees bits with atomic read-modify-writes, and only set_limit() and
// check_invariants() still take the lock (which then orders nothing but them). Each member
// chooses its path with `if constexpr (kLockFree)`, so the other policies' code is exactly what it
// is without that branch. A tracker there is a LockFreeIdTracker: taken(id) after the policy's
// claim won, and end(id) before the policy's free, which runs only when end() said this call
// ended the lifetime.
template <std::size_t Order, class Lock, class Policy, class Tracker>
class AllocatorCore : private PidOwner {
  using Bitmap = LayeredBitmap<Order>;
  using State = typename Policy::template State<Bitmap>;
  using Index = typename Bitmap::Index;
  static_assert(BasicLockable<Lock>,
                "PidAllocator<Order, Lock>: Lock must provide lock() and unlock() "
                "(e.g. pidalloc::Spinlock, std::mutex, or your kernel's IRQ-saving spinlock)");
  static constexpr bool kLockFree = kLockFreePolicy<Policy>;
  static_assert(kLockFree ? LockFreeAllocationPolicy<Policy, Bitmap>
                          : AllocationPolicy<Policy, Bitmap>,
                "PidAllocator<Order, Lock, Policy>: Policy must be an allocation policy "
                "(pidalloc::LowestFirst, Cyclic<Floor>, RandomCyclic<Floor, MaxSkip, Seed>, "
                "Scalable<CpuHint>)");
  static constexpr bool kTracks = !std::is_same_v<Tracker, NoTracker>;
  // A locked tracker's hooks rely on the lock, which a lock-free policy never takes; a lock-free
  // tracker's rely on being called around the bit change as LockFreeIdTracker says.
  static_assert(!kTracks || (kLockFree ? LockFreeIdTracker<Tracker, Bitmap>
                                       : IdTracker<Tracker> && !kLockFreeTracker<Tracker>),
                "AllocatorCore: a lock-free policy needs a lock-free tracker "
                "(AtomicGenerationTracker), a locked policy a locked one (GenerationTracker)");

 public:
  using policy_type = Policy;

  // The number of ids: Order words of W bits each (the reference crate's meaning of ORDER).
  [[nodiscard]] static constexpr std::size_t capacity() noexcept { return Bitmap::kIds; }

  constexpr AllocatorCore() noexcept = default;
  AllocatorCore(const AllocatorCore&) = delete;
  AllocatorCore& operator=(const AllocatorCore&) = delete;
#if __STDC_HOSTED__
  // Freestanding builds keep the destructor trivial: a constinit global then needs no
  // __cxa_atexit registration, and kernels never destroy their allocator anyway.
  ~AllocatorCore() {
    PIDALLOC_ASSERT(handles.load(std::memory_order_relaxed) == 0,
                    "PidAllocator destroyed while Pid handles still refer to it");
  }
#endif

  // ---- allocation: each takes the lock once ----

  // An id chosen by the policy, below limit(); an empty Pid, changing nothing, when the policy
  // finds none.
  [[nodiscard, gnu::always_inline]] Pid allocate() noexcept { return adopt(allocate_id()); }
  // The same as a plain integer (kNoId when none), for code that stores ids, as kernels do;
  // free it with recycle().
  [[nodiscard, gnu::always_inline]] std::size_t allocate_id() noexcept {
    if constexpr (kLockFree) {
      return tracked(state_.take_next(bitmap_, limit()));
    } else {
      LockGuard<Lock> locked{lock_};
      return tracked(state_.take_next(bitmap_, limit()));
    }
  }

  // Claims exactly `id`; empty / kNoId when it is taken or not below limit().
  [[nodiscard]] Pid allocate_at(std::size_t id) noexcept { return adopt(allocate_id_at(id)); }
  [[nodiscard]] std::size_t allocate_id_at(std::size_t id) noexcept {
    if (id >= capacity()) return kNoId;
    if constexpr (kLockFree) {
      return tracked(id < limit() && state_.take_at(bitmap_, id) ? id : kNoId);
    } else {
      LockGuard<Lock> locked{lock_};
      if (id >= limit() || bitmap_.is_set(id)) return kNoId;
      state_.taken(bitmap_, id, bitmap_.set(id));
      if constexpr (kTracks) tracker_.taken(id);
      return id;
    }
  }

  // The lowest free id in [min, max) and below limit(), whatever the policy, as Linux's
  // ida_alloc_range(); a cyclic policy's cursor does not move. Empty / kNoId when there is none,
  // and when min >= max. O(layers).
  [[nodiscard]] Pid allocate_in(std::size_t min, std::size_t max) noexcept {
    return adopt(allocate_id_in(min, max));
  }
  [[nodiscard]] std::size_t allocate_id_in(std::size_t min, std::size_t max) noexcept {
    if (min >= max || min >= capacity()) return kNoId;
    if constexpr (kLockFree) {
      const std::size_t end = max < limit() ? max : limit();
      return tracked(min < end ? state_.take_in(bitmap_, min, end) : kNoId);
    } else {
      LockGuard<Lock> locked{lock_};
      const std::size_t end = max < limit() ? max : limit();
      const std::size_t id = bitmap_.find_clear_from(min);
      if (id >= end) return kNoId;  // kNoId too
      state_.taken(bitmap_, id, bitmap_.set(id));
      if constexpr (kTracks) tracker_.taken(id);
      return id;
    }
  }

  // Frees an id that is held as an integer (allocate_id*, or Pid::release()). false, changing
  // nothing, when `id` is out of range or not allocated. Recycling an id that a live Pid still
  // owns is a contract violation: the handle would later free it a second time.
  [[gnu::always_inline]] bool recycle(std::size_t id) noexcept {
    if (id >= capacity()) return false;
    if constexpr (kLockFree) {
      return free_lock_free(id);
    } else {
      LockGuard<Lock> locked{lock_};
      return free_locked(id);
    }
  }

  // ---- lock-free reads ----

  // acquire: a caller that sees an id allocated also sees what the allocating thread wrote
  // before allocating it (see detail::LayeredBitmap).
  [[nodiscard]] bool contains(std::size_t id) const noexcept { return bitmap_.contains(id); }

  // Snapshots: concurrent calls may change them at once. The count is kept under the lock, which
  // size() takes to read it: a count that lock-free readers could read would have to be an atomic,
  // one more load and store on every allocation and free. Under Scalable no lock: it counts the
  // bitmap's set bits, O(capacity / W), exact whenever no call is in flight.
  [[nodiscard]] std::size_t size() const noexcept {
    if constexpr (kLockFree) {
      return state_.count(bitmap_);
    } else {
      LockGuard<Lock> locked{lock_};
      return bitmap_.count();
    }
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  // The lowest allocated id >= from, or kNoId. O((result - from) / W) word loads. Against
  // concurrent allocate/recycle: an id allocated throughout the call is found; an id that changes
  // during it may or may not be.
  [[nodiscard]] std::size_t next_allocated(std::size_t from) const noexcept {
    return bitmap_.next_set(from);
  }

  // Calls visit(id) for allocated ids in ascending order. Under concurrent allocate/recycle each
  // id is visited at most once, and every id allocated throughout is visited.
  template <class Visitor>
  void for_each_allocated(Visitor&& visit) const noexcept(noexcept(visit(std::size_t{}))) {
    for (std::size_t id = next_allocated(0); id != kNoId; id = next_allocated(id + 1)) visit(id);
  }

  // ---- the limit (Linux's pid_max) ----

  // Allocation hands out ids below it only. Starts at capacity(). relaxed: it is written under
  // the lock and read there too; a lock-free reader (Scalable's allocations too) just gets some
  // recent value.
  [[nodiscard]] std::size_t limit() const noexcept {
    return capacity() - limit_gap_.load(std::memory_order_relaxed);
  }
  // false, changing nothing, when new_limit > capacity(). Ids at or above a lowered limit stay
  // allocated until recycled.
  bool set_limit(std::size_t new_limit) noexcept {
    if (new_limit > capacity()) return false;
    LockGuard<Lock> locked{lock_};
    limit_gap_.store(static_cast<Index>(capacity() - new_limit), std::memory_order_relaxed);
    return true;
  }

  // true when every id below limit() is taken. Takes the lock (under Scalable none: it reads
  // up to limit() / W words, each once).
  [[nodiscard]] bool full() const noexcept {
    if constexpr (kLockFree) {
      return !state_.any_clear_below(bitmap_, limit());
    } else {
      LockGuard<Lock> locked{lock_};
      return bitmap_.find_lowest_clear() >= limit();
    }
  }

  // ---- what a policy adds (RandomCyclic) ----

  // Restarts the random skip's generator: the skips from the next allocation on are those of a
  // fresh allocator seeded `seed`.
  void reseed(std::uint64_t seed) noexcept requires requires(State& s) { s.reseed(seed); }
  {
    LockGuard<Lock> locked{lock_};
    state_.reseed(seed);
  }
  // Turns the random skip off (ids then come in Cyclic's order) and on again.
  void set_random(bool on) noexcept requires requires(State& s) { s.set_random(on); }
  {
    LockGuard<Lock> locked{lock_};
    state_.set_random(on);
  }
  [[nodiscard]] bool random() const noexcept requires requires(const State& s) { s.random(); }
  {
    LockGuard<Lock> locked{lock_};
    return state_.random();
  }

  // Checks the bitmap's, the policy's and the tracker's invariants and the limit (and, where
  // handles are counted, that no more Pids are live than ids). A debug aid for tests and fuzzers:
  // takes the lock and reads every word, O(capacity / W). Under Scalable the policy checks the
  // bitmap and the tracker (VersionedPidAllocator) its counters against the bits (what each checks
  // holds at every moment, so the check may run beside allocations), and the handle count is not
  // compared with size(): without a lock stopping allocations, the two cannot be read at one
  // moment.
  [[nodiscard]] bool check_invariants() const noexcept {
    LockGuard<Lock> locked{lock_};
    if constexpr (kLockFree) {
      if constexpr (kTracks) {
        if (!tracker_.check(bitmap_)) return false;
      }
      return state_.check(bitmap_) && limit_gap_.load(std::memory_order_relaxed) <= capacity();
    } else {
      if (!bitmap_.check() || !state_.check(bitmap_) || !tracker_.check()) return false;
      if (limit_gap_.load(std::memory_order_relaxed) > capacity()) return false;
      return !PIDALLOC_CHECK_HANDLES || handles.load(std::memory_order_relaxed) <= bitmap_.count();
    }
  }

  // ---- public interface ends here ----

 protected:
  // For the classes that are this core (VersionedPidAllocator's members read the tracker).
  friend struct TestAccess;

  // Wraps an id just allocated in a Pid (empty for kNoId).
  [[gnu::always_inline]] Pid adopt(std::size_t id) noexcept {
    if (id == kNoId) return Pid{};
    if (recycle_fn.load(std::memory_order_relaxed) == nullptr) {
      recycle_fn.store(&AllocatorCore::recycle_handle, std::memory_order_relaxed);
    }
    count_handle(+1);
    return PidAccess::make(id, this);
  }

  [[gnu::always_inline]] bool free_locked(std::size_t id) noexcept {
    if (!bitmap_.clear(id)) return false;
    state_.freed(bitmap_, id);
    if constexpr (kTracks) tracker_.freed(id);  // after the clear: see GenerationTracker
    return true;
  }

  // Tells the tracker of a take that this call won (`id`; kNoId when it won none) and returns id.
  [[gnu::always_inline]] std::size_t tracked(std::size_t id) noexcept {
    if constexpr (kTracks) {
      if (id != kNoId) tracker_.taken(id);
    }
    return id;
  }

  // A free under a lock-free policy: the tracker first decides whether this call ends the
  // lifetime (see AtomicGenerationTracker), then the policy clears the bit.
  [[gnu::always_inline]] bool free_lock_free(std::size_t id) noexcept {
    if constexpr (kTracks) {
      if (!tracker_.end(id)) return false;
    }
    return state_.give_back(bitmap_, id);
  }

  // A Pid's way back in, for every tracker: a Pid's reset ends a lifetime as recycle() does.
  static void recycle_handle(PidOwner& owner, std::size_t id) noexcept {
    auto& self = static_cast<AllocatorCore&>(owner);
    self.count_handle(-1);
    if constexpr (kLockFree) {
      self.free_lock_free(id);
    } else if constexpr (requires { self.lock_.try_lock(); }) {
      // With the waiting in a tail call, this function calls nothing on its usual path, so it
      // saves no registers: the one indirect call of a Pid's reset stays that cheap.
      if (!self.lock_.try_lock()) [[unlikely]]
        return recycle_handle_waiting(self, id);
      self.free_locked(id);
      self.lock_.unlock();
    } else {
      LockGuard<Lock> locked{self.lock_};
      self.free_locked(id);
    }
  }
  [[gnu::noinline]] static void recycle_handle_waiting(AllocatorCore& self,
                                                       std::size_t id) noexcept {
    LockGuard<Lock> locked{self.lock_};
    self.free_locked(id);
  }

  // The bitmap last: the lock, the limit and the policy's state share the first cache line with
  // the bitmap's count and top word, which every allocation touches.
  mutable Lock lock_{};
  std::atomic<Index> limit_gap_{0};  // capacity() - limit()
  State state_{};
  Bitmap bitmap_{};
  // Last, away from the line above, which every operation touches; NoTracker takes no bytes.
  [[no_unique_address]] Tracker tracker_{};
};

// VersionedPidAllocator's tracker: the generations moved under the lock, or, under a lock-free
// policy, by atomic read-modify-writes of their own.
template <std::size_t Order, class Policy>
using GenerationsFor =
    std::conditional_t<kLockFreePolicy<Policy>, AtomicGenerationTracker<LayeredBitmap<Order>::kIds>,
                       GenerationTracker<LayeredBitmap<Order>::kIds>>;

}  // namespace detail

// PidAllocator<Order, Lock, Policy>: the ids [0, Order * W), W = bits in std::size_t, handed out
// by Policy under Lock; every member is detail::AllocatorCore's (above), which it is with no
// tracker, so it is the same size and the same code as a core without trackers would be.
template <std::size_t Order, class Lock = Spinlock, class Policy = LowestFirst>
class PidAllocator : public detail::AllocatorCore<Order, Lock, Policy, detail::NoTracker> {
 public:
  constexpr PidAllocator() noexcept = default;
};

// VersionedPidAllocator<Order, Lock, Policy>: a PidAllocator that also tells a stale id from a
// current one. Each time an id is freed (recycle, recycle(PidRef), a Pid's reset or destruction)
// its generation moves on, so a PidRef taken before, naming that lifetime, is never current again
// (until the same id has been freed 2^32 - 1 more times, 2^31 under Scalable: see
// detail::GenerationTracker and detail::AtomicGenerationTracker). It costs 4 bytes per id (16 MiB
// at 4,194,304 ids), all zero at first, and one more store per free (under Scalable: one store
// per allocation and a compare-exchange per free, and every member stays lock-free).
// Every PidAllocator member is here with the same meaning; Pid is the same handle type.
template <std::size_t Order, class Lock = Spinlock, class Policy = LowestFirst>
class VersionedPidAllocator
    : public detail::AllocatorCore<Order, Lock, Policy, detail::GenerationsFor<Order, Policy>> {
  using Core = detail::AllocatorCore<Order, Lock, Policy, detail::GenerationsFor<Order, Policy>>;
  using Tracker = detail::GenerationsFor<Order, Policy>;
  static constexpr bool kLockFree = detail::kLockFreePolicy<Policy>;
  static_assert(
      Tracker::kFitsInRef,
      "VersionedPidAllocator: at most 2^32 ids, so that an id fits in a PidRef's 32 id bits");

 public:
  constexpr VersionedPidAllocator() noexcept = default;

  using Core::capacity;
  using Core::recycle;

  // The ref of the id's current lifetime; an empty ref when the id is not allocated (or is out of
  // range). Lock-free: reads the generation, the bit, and the generation again, and retries
  // while the id is being freed and taken again under it (under Scalable: one load of the
  // counter, empty also while a take or free of the id is in flight); the answer was true at
  // some moment during the call. Take it while holding the id (its Pid, or before recycling its
  // integer) to name the lifetime you hold.
  [[nodiscard]] PidRef ref_of(std::size_t id) const noexcept {
    if (id >= capacity()) return PidRef{};
    if constexpr (kLockFree) {
      return this->tracker_.current(id);  // the counter alone: see AtomicGenerationTracker
    } else {
      for (;;) {
        // Both acquire (GenerationTracker): the first makes the bit read below see the end of the
        // previous lifetime; the bit's acquire makes the second see the count its lifetime began
        // with. Equal counts around a set bit: the bit belongs to that lifetime.
        const PidRef before = this->tracker_.lifetime(id);
        if (!this->bitmap_.contains(id)) return PidRef{};
        if (this->tracker_.lifetime(id) == before) return before;
      }
    }
  }

  // true while the lifetime that `ref` names lasts: from the allocation that began it until the
  // id is freed. Once that free happens before the call (in any thread), false, also after the id
  // is allocated again; false for an empty ref and for a ref of an id out of range. A true answer
  // may be stale at once unless the caller holds the id (its Pid). Lock-free: two acquire loads
  // (under Scalable one).
  [[nodiscard]] bool is_current(PidRef ref) const noexcept {
    const std::size_t id = ref.id();
    if (id >= capacity()) return false;  // kNoId too: the empty ref
    if constexpr (kLockFree) {
      return this->tracker_.is_current(ref);  // the counter alone: see AtomicGenerationTracker
    } else {
      // The generation first, then the bit (GenerationTracker's memory order): a set bit read
      // after a matching generation belongs to that lifetime or a later one, so that lifetime was
      // current at some moment between the two loads.
      return this->tracker_.lifetime(id) == ref && this->bitmap_.contains(id);
    }
  }

  // Frees the id only while the lifetime that `ref` names is current: checks and frees under one
  // lock acquisition (under Scalable, one compare-exchange of the id's counter from the ref's
  // value), so no other thread can free and take the id in between. false, changing nothing, for
  // a stale or empty ref. Freeing a lifetime that a live Pid still owns is a contract violation,
  // as with recycle(id).
  bool recycle(PidRef ref) noexcept {
    const std::size_t id = ref.id();
    if (id >= capacity()) return false;
    if constexpr (kLockFree) {
      // The compare-exchange's winner, and only it, clears the bit.
      return this->tracker_.end(ref) && this->state_.give_back(this->bitmap_, id);
    } else {
      detail::LockGuard<Lock> locked{this->lock_};
      if (!this->bitmap_.is_set(id) || this->tracker_.ref_locked(id) != ref) return false;
      return this->free_locked(id);
    }
  }
};

}  // namespace pidalloc

#endif  // PID_ALLOCATOR_PID_ALLOCATOR_HPP
