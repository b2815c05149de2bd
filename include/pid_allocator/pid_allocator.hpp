// SPDX-License-Identifier: MIT
// pid_allocator: hands out and recycles small integer ids (process ids) in O(log_64 capacity),
// from a fixed layered bitmap: no heap, no exceptions, no RTTI, usable in freestanding kernels.
// Version: see PIDALLOC_VERSION_* in detail/config.hpp.
#ifndef PID_ALLOCATOR_PID_ALLOCATOR_HPP
#define PID_ALLOCATOR_PID_ALLOCATOR_HPP

#include "detail/config.hpp"  // version, PIDALLOC_ASSERT, PIDALLOC_SPINLOCK_YIELDS, cpu_relax

#include <atomic>       // std::atomic: bitmap words, lock word, counters
#include <bit>          // std::countr_zero, std::rotr
#include <compare>      // std::strong_ordering for Pid
#include <concepts>     // the BasicLockable concept
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint32_t, std::uint64_t
#include <limits>       // std::numeric_limits
#include <type_traits>  // std::conditional_t

namespace pidalloc {

// What Pid::get() returns for an empty handle and next_allocated() returns when there is no id.
inline constexpr std::size_t kNoId = std::numeric_limits<std::size_t>::max();

// The Lock parameter of PidAllocator: anything with lock() and unlock(), such as
// pidalloc::Spinlock, std::mutex, or a kernel's interrupt-saving spinlock.
template <class L>
concept BasicLockable = requires(L& lock) {
  lock.lock();
  lock.unlock();
};

// A test-and-test-and-set spinlock with exponential backoff; constexpr-constructible, so it can sit
// in a constinit global, and BasicLockable (lock/try_lock/unlock), so standard guards work with it.
//
// Lock word: 0 = free, 1 = held. unlock() is one plain release store in every build: nobody ever
// sleeps waiting to be woken, so an unlock has no one to look for. Where PIDALLOC_SPINLOCK_YIELDS
// is 1 (hosted builds), a waiter that has spun long gives its core away before each further look,
// so that a preempted holder gets to run and finish (see lock_contended()).
class Spinlock {
 public:
  constexpr Spinlock() noexcept = default;
  ~Spinlock() = default;
  Spinlock(const Spinlock&) = delete;
  Spinlock& operator=(const Spinlock&) = delete;

  void lock() noexcept {
    // acquire: when the word was free, we see everything the previous holder wrote before its
    // release-unlock. An exchange, not a compare-exchange: on x86 `xchg` is cheaper than
    // `lock cmpxchg` (a churn step, which locks twice, 10.4 -> 9.6 ns on a Zen 4: bench/ab.sh,
    // docs/performance.md), and every compiler emits it as one instruction. Writing 1 over a
    // taken word changes nothing.
    if (word_.exchange(kHeld, std::memory_order_acquire) == kFree) [[likely]]
      return;
    lock_contended();
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = kFree;
    // The relaxed look first keeps a failing try_lock from pulling the line in exclusive state;
    // the acquire CAS then orders the critical section after the previous holder's unlock.
    return word_.load(std::memory_order_relaxed) == kFree &&
           word_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }

  // release: publishes the critical section to the next acquirer's acquire exchange or CAS.
  // A plain store (`mov` on x86), with nothing after it: an unlock that must learn whether a waiter
  // sleeps needs a read-modify-write or a fence after its store. With an `xchg` here one thread's
  // allocate + recycle pair took 38-41 ns instead of 22-28 on a 16-core Intel Xeon and 8.7 instead
  // of 6.3-6.8 on a Zen 4; even a relaxed load of a sleeper count after the store made a churn step
  // 9.5 ns instead of 8.9 there (docs/performance.md).
  void unlock() noexcept { word_.store(kFree, std::memory_order_release); }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;
  // Pauses between two looks at the word grow 1, 2, 4 ... up to kMaxBackoff. Every look pulls
  // the lock's cache line away from the holder, which then pays a transfer to take the lock
  // again; spacing the looks out lets a holder on another core run many critical sections in a
  // row. That favours throughput over fairness: a waiter may be passed over for a while.
  static constexpr unsigned kMaxBackoff = 4096;
  // Yielding builds: looks at the word before the waiter starts giving its core away, 16,383
  // pauses after the first (0.3-0.4 ms on 2020s x86 cores, where a pause takes 20-25 ns). A waiter
  // locked out that long is most likely waiting for a preempted holder, and yielding lets the
  // holder run. Not sooner: a yield is a system call, which costs more than the spinning it saves
  // while threads do not outnumber cores.
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
      // section. Yielding instead of sleeping until an unlock wakes us keeps unlock() a plain
      // store; a waiter that yields sees the word free at its next look, without being told.
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

// How allocate() chooses an id; fixed when the allocator is constructed. A literal type, so a
// constinit allocator can be given one: `constinit PidAllocator<64> pids{Policy::cyclic(300)};`
struct Policy {
  enum class Kind : std::uint8_t {
    lowest_first,   // the lowest free id (the reference crate's order; the default)
    cyclic,         // the next free id after the last one handed out, wrapping to `floor` (Linux)
    random_cyclic,  // as cyclic, but the search starts a random 0..max_skip-1 ids further
                    // (FreeBSD's kern.randompid), so the next id is hard to predict
  };
  Kind kind = Kind::lowest_first;
  std::size_t floor = 0;       // cyclic kinds: where the search wraps to after reaching limit()
  std::uint32_t max_skip = 0;  // random_cyclic: the random skip is in [0, max_skip)
  std::uint64_t seed = 0;      // random_cyclic: the starting state of the skip generator

  [[nodiscard]] static constexpr Policy lowest_first() noexcept { return {}; }
  [[nodiscard]] static constexpr Policy cyclic(std::size_t wrap_floor = 0) noexcept {
    return {Kind::cyclic, wrap_floor, 0, 0};
  }
  [[nodiscard]] static constexpr Policy random_cyclic(std::size_t wrap_floor, std::uint32_t skip,
                                                      std::uint64_t start_seed) noexcept {
    return {Kind::random_cyclic, wrap_floor, skip, start_seed};
  }
};

namespace detail {

inline constexpr std::size_t kWordBits = std::numeric_limits<std::size_t>::digits;
inline constexpr std::size_t kAllOnes = ~std::size_t{0};

// Set bits, one per loop: std::popcount would call libgcc's __popcountdi2 on targets without a
// popcount instruction, which freestanding links may not have. Only check_invariants() counts.
constexpr std::size_t count_ones(std::size_t bits) noexcept {
  std::size_t n = 0;
  for (; bits != 0; bits &= bits - 1) ++n;
  return n;
}

enum class HandleOp : unsigned char { recycle, detach };

// The part of an allocator that a Pid sees: one function pointer, so that Pid needs to know
// neither Order nor Lock. (A function pointer rather than a virtual function: no vtable, and no
// dependency on the runtime's __cxa_pure_virtual in freestanding links.)
struct PidOwner {
  using HandleFn = void (*)(PidOwner& owner, std::size_t id, HandleOp op) noexcept;
  HandleFn handle_fn = nullptr;
};

// The shape of the layered bitmap for a given number of bottom words, computed at compile time.
inline constexpr std::size_t kMaxLayers = 16;  // ceil(log_32(2^64)) + 1 = 14 would do
struct Geometry {
  std::size_t layers = 0;
  std::size_t words[kMaxLayers] = {};    // words in layer k; layer 0 is the bottom
  std::size_t first[kMaxLayers] = {};    // index of layer k's first word in the flat array
  std::size_t padding[kMaxLayers] = {};  // bits of layer k's last word that stand for no word
  std::size_t total_words = 0;
};

constexpr Geometry make_geometry(std::size_t bottom_words) noexcept {
  Geometry g;
  std::size_t words = bottom_words;
  std::size_t bits = 0;  // meaningful bits in this layer; every bit of the bottom layer is an id
  for (;;) {
    g.words[g.layers] = words;
    const std::size_t used_in_last = bits % kWordBits;
    g.padding[g.layers] = used_in_last == 0 ? 0 : kAllOnes << used_in_last;
    ++g.layers;
    if (words == 1) break;
    bits = words;  // one bit per word of the layer below
    words = (words + kWordBits - 1) / kWordBits;
  }
  // Top layer first in this logical order; PidAllocator stores it backwards, so that the summary
  // words, which every operation touches, end the array and share lines with the lock after it.
  std::size_t next = 0;
  for (std::size_t k = g.layers; k-- > 0;) {
    g.first[k] = next;
    next += g.words[k];
  }
  g.total_words = next;
  return g;
}

template <class Lock>
class LockGuard {
 public:
  explicit LockGuard(Lock& lock) noexcept : lock_(lock) { lock_.lock(); }
  ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Lock& lock_;
};

// Tests define this to reach the bitmap (to corrupt it and see check_invariants() notice).
struct TestAccess;

}  // namespace detail

// An owned id: recycles it into its allocator when destroyed (RAII). One type for every
// PidAllocator<Order, Lock>, two words in size, move-only. An empty handle holds kNoId.
// A Pid must not outlive its allocator (checked by PIDALLOC_ASSERT in hosted builds).
class Pid {
 public:
  constexpr Pid() noexcept = default;
  Pid(Pid&& other) noexcept : id_(other.id_), owner_(other.owner_) { other.clear(); }
  Pid& operator=(Pid&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      owner_ = other.owner_;
      other.clear();
    }
    return *this;
  }
  Pid(const Pid&) = delete;
  Pid& operator=(const Pid&) = delete;
  ~Pid() { reset(); }

  [[nodiscard]] explicit operator bool() const noexcept { return owner_ != nullptr; }
  // The id, or kNoId for an empty handle.
  [[nodiscard]] std::size_t get() const noexcept { return id_; }
  [[nodiscard]] std::size_t operator*() const noexcept { return id_; }

  // Gives the id up without recycling it (recycle it later with PidAllocator::recycle);
  // the handle becomes empty. kNoId for an empty handle.
  std::size_t release() noexcept {
    const std::size_t id = id_;
    if (owner_ != nullptr) owner_->handle_fn(*owner_, id, detail::HandleOp::detach);
    clear();
    return id;
  }

  // Recycles the id now; the handle becomes empty. Does nothing to an empty handle.
  void reset() noexcept {
    if (owner_ != nullptr) owner_->handle_fn(*owner_, id_, detail::HandleOp::recycle);
    clear();
  }

  friend bool operator==(const Pid& a, const Pid& b) noexcept { return a.id_ == b.id_; }
  friend std::strong_ordering operator<=>(const Pid& a, const Pid& b) noexcept {
    return a.id_ <=> b.id_;
  }

 private:
  template <std::size_t, class>
  friend class PidAllocator;
  constexpr Pid(std::size_t id, detail::PidOwner* owner) noexcept : id_(id), owner_(owner) {}
  void clear() noexcept {
    id_ = kNoId;
    owner_ = nullptr;
  }

  std::size_t id_ = kNoId;
  detail::PidOwner* owner_ = nullptr;
};

// PidAllocator<Order, Lock> manages the ids [0, Order * W), W = bits in std::size_t.
//
// Layout: one flat array of std::atomic<std::size_t> words holding `layers` bitmaps, top last
// (see word()), followed by the lock and the bookkeeping.
//   layer 0 (bottom): Order words, bit i set <=> id i is allocated;
//   layer k > 0: bit j set <=> word j of layer k-1 is full (all of its meaningful bits set);
//   the top layer is a single word. Bits of an upper layer's last word past the end of the layer
//   below ("padding") stand for nothing: they stay 0 and are read as set (see padding()).
// Invariants, whenever the lock is free:
//   (1) every summary bit equals "the word it stands for is full";
//   (2) count_ equals the number of set bottom bits; padding bits are 0;
//   (3) lowest_first only: pos_.lowest.first is the lowest free id (capacity() when there is
//       none), and pos_.lowest.second either the lowest free id above it or, when that is not
//       known, the same as first.
// Every write happens under the lock, so writers use load + store, not read-modify-write.
// contains() and next_allocated() read bottom words without the lock (acquire, pairing with the
// release stores of writers); the summary layers are read and written only under the lock.
template <std::size_t Order, class Lock = Spinlock>
class PidAllocator : private detail::PidOwner {
  static_assert(Order > 0, "PidAllocator<Order>: Order counts bitmap words and must be at least 1");
  static_assert(Order <= std::numeric_limits<std::size_t>::max() / detail::kWordBits,
                "PidAllocator<Order>: Order * bits-per-word does not fit in std::size_t");
  static_assert(BasicLockable<Lock>,
                "PidAllocator<Order, Lock>: Lock must provide lock() and unlock() "
                "(e.g. pidalloc::Spinlock, std::mutex, or your kernel's IRQ-saving spinlock)");

 public:
  // The number of ids: Order words of W bits each (the reference crate's meaning of ORDER).
  [[nodiscard]] static constexpr std::size_t capacity() noexcept {
    return Order * detail::kWordBits;
  }

  // Spelled out rather than delegating to the Policy constructor: clang-tidy 14 misreads
  // delegating constructors of class templates (cppcoreguidelines-pro-type-member-init).
  constexpr PidAllocator() noexcept
      : detail::PidOwner{&PidAllocator::on_handle},
        floor_(0),
        max_skip_(0),
        kind_(Policy::Kind::lowest_first),
        rng_(0),
        pos_(start_position(Policy::Kind::lowest_first)) {}
  // A floor at or above capacity() is stored as capacity(); see allocate() for how it is used.
  constexpr explicit PidAllocator(Policy policy) noexcept
      : detail::PidOwner{&PidAllocator::on_handle},
        floor_(static_cast<Index>(policy.floor < capacity() ? policy.floor : capacity())),
        max_skip_(policy.max_skip),
        kind_(policy.kind),
        rng_(advance(policy.seed)),
        pos_(start_position(policy.kind)) {}

  PidAllocator(const PidAllocator&) = delete;
  PidAllocator& operator=(const PidAllocator&) = delete;
#if __STDC_HOSTED__
  // Freestanding builds keep the destructor trivial: a constinit global then needs no
  // __cxa_atexit registration, and kernels never destroy their allocator anyway.
  ~PidAllocator() {
    PIDALLOC_ASSERT(handles_ == 0, "PidAllocator destroyed while Pid handles still refer to it");
  }
#endif

  // An id chosen by the policy: lowest_first gives the lowest free id below limit(). Cyclic
  // kinds search from one past the last id handed out (plus the random skip) up to limit(),
  // then again from the floor, or from 0 while the last id handed out is below the floor (as
  // Linux, whose RESERVED_PIDS is the floor) or the floor is at or above limit(). An empty Pid,
  // changing nothing (random_cyclic draws no skip), when the search finds none.
  [[nodiscard]] Pid allocate() noexcept {
    detail::LockGuard<Lock> guard(lock_);
    const std::size_t id = take_next();
    if (id == kNoId) return Pid{};
    ++handles_;
    return Pid{id, this};
  }

  // Claims exactly `id`; an empty Pid when it is taken or not below limit().
  [[nodiscard]] Pid allocate_at(std::size_t id) noexcept {
    if (id >= capacity()) return Pid{};
    detail::LockGuard<Lock> guard(lock_);
    if (id >= limit_.load(std::memory_order_relaxed) || is_taken(id)) return Pid{};
    const std::size_t word_now = take(id);
    if (kind_ == Policy::Kind::lowest_first) forget_free(id, word_now);
    ++handles_;
    return Pid{id, this};
  }

  // Frees an id given up by Pid::release(). false, changing nothing, when `id` is out of range
  // or not allocated. Recycling an id that a live Pid still owns is a contract violation: the
  // handle would later free it a second time (release() it first).
  bool recycle(std::size_t id) noexcept {
    if (id >= capacity()) return false;
    detail::LockGuard<Lock> guard(lock_);
    return give_back(id);
  }

  // Lock-free. acquire: pairs with the release store that set or cleared the bit, so a caller
  // that sees an id allocated also sees what the allocating thread wrote before allocate().
  [[nodiscard]] bool contains(std::size_t id) const noexcept {
    if (id >= capacity()) return false;
    return (bottom(id / kW).load(std::memory_order_acquire) >> (id % kW)) & 1U;
  }

  // Lock-free snapshots: concurrent calls may change them at once.
  // relaxed: a counter read on its own orders nothing else.
  [[nodiscard]] std::size_t size() const noexcept { return count_.load(std::memory_order_relaxed); }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // true when every id below limit() is taken. Takes the lock.
  [[nodiscard]] bool full() const noexcept {
    detail::LockGuard<Lock> guard(lock_);
    return find_lowest_free() >= limit_.load(std::memory_order_relaxed);
  }

  // The runtime limit (Linux's pid_max): allocate() and allocate_at() hand out ids below it only.
  // Starts at capacity(). relaxed: it is written under the lock and read there too; a lock-free
  // reader just gets some recent value.
  [[nodiscard]] std::size_t limit() const noexcept {
    return limit_.load(std::memory_order_relaxed);
  }
  // false, changing nothing, when new_limit > capacity(). Ids at or above a lowered limit stay
  // allocated until recycled. The cost of allocation does not depend on the limit.
  bool set_limit(std::size_t new_limit) noexcept {
    if (new_limit > capacity()) return false;
    detail::LockGuard<Lock> guard(lock_);
    limit_.store(static_cast<Index>(new_limit), std::memory_order_relaxed);
    return true;
  }

  // random_cyclic: restarts the skip generator (say, from the kernel's entropy pool after boot),
  // from the next allocation on. Does nothing under the other policies.
  void reseed(std::uint64_t seed) noexcept {
    detail::LockGuard<Lock> guard(lock_);
    if (kind_ != Policy::Kind::random_cyclic) return;
    // The next search's start already holds the skip drawn from the old state; swap it for one
    // drawn from the new.
    const std::uint64_t after_last = pos_.search_from - pending_skip();
    rng_ = advance(seed);
    pos_.search_from = after_last + pending_skip();
  }

  // The lowest allocated id >= from, or kNoId. Lock-free, O((result - from) / W) word loads.
  // Against concurrent allocate/recycle: an id allocated throughout the call is found; an id
  // that changes during it may or may not be.
  [[nodiscard]] std::size_t next_allocated(std::size_t from) const noexcept {
    if (from >= capacity()) return kNoId;
    std::size_t index = from / kW;
    // acquire: as in contains(), so the caller sees the state published with the id.
    std::size_t bits =
        bottom(index).load(std::memory_order_acquire) & (detail::kAllOnes << (from % kW));
    while (bits == 0) {
      if (++index == Order) return kNoId;
      bits = bottom(index).load(std::memory_order_acquire);
    }
    return index * kW + static_cast<std::size_t>(std::countr_zero(bits));
  }

  // Calls visit(id) for allocated ids in ascending order, without the lock. Under concurrent
  // allocate/recycle each id is visited at most once, and every id allocated throughout is visited.
  template <class Visitor>
  void for_each_allocated(Visitor&& visit) const noexcept(noexcept(visit(std::size_t{}))) {
    for (std::size_t id = next_allocated(0); id != kNoId; id = next_allocated(id + 1)) visit(id);
  }

  // Checks invariants (1) to (3) above, the cyclic kinds' next search start, and the limit. A
  // debug aid for tests and fuzzers: takes the lock and reads every word, O(capacity / W).
  [[nodiscard]] bool check_invariants() const noexcept {
    detail::LockGuard<Lock> guard(lock_);
    std::size_t live = 0;
    for (std::size_t i = 0; i < Order; ++i) {
      live += detail::count_ones(bottom(i).load(std::memory_order_relaxed));
    }
    if (live != count_.load(std::memory_order_relaxed)) return false;
    for (std::size_t k = 1; k < kLayers; ++k) {
      for (std::size_t i = 0; i < kGeo.words[k]; ++i) {
        std::size_t expected = 0;
        for (std::size_t b = 0; b < kW && i * kW + b < kGeo.words[k - 1]; ++b) {
          const std::size_t child = i * kW + b;
          if (is_full(k - 1, child, word(k - 1, child).load(std::memory_order_relaxed))) {
            expected |= std::size_t{1} << b;
          }
        }
        if (word(k, i).load(std::memory_order_relaxed) != expected) return false;
      }
    }
    // With (1) and (2) verified, the search is trustworthy and can judge (3).
    if (kind_ == Policy::Kind::lowest_first) {
      const LowestFree& lowest = pos_.lowest;
      if (lowest.first != free_from_or_end(0) ||
          (lowest.second != lowest.first && lowest.second != free_from_or_end(lowest.first + 1))) {
        return false;
      }
    } else {
      // The next start is one past an id handed out (0 at first) plus, for random_cyclic, the
      // pending skip; reseed() relies on that.
      const std::uint64_t skip = kind_ == Policy::Kind::random_cyclic ? pending_skip() : 0;
      if (pos_.search_from < skip || pos_.search_from - skip > capacity()) return false;
    }
    return limit_.load(std::memory_order_relaxed) <= capacity() && handles_ <= live;
  }

  // ---- public interface ends here ----

 private:
  friend struct detail::TestAccess;

  static constexpr std::size_t kW = detail::kWordBits;
  static constexpr detail::Geometry kGeo = detail::make_geometry(Order);
  static constexpr std::size_t kLayers = kGeo.layers;
  // Counters and cursors hold values up to capacity(); 32 bits keep the header small.
  using Index = std::conditional_t<(capacity() <= std::numeric_limits<std::uint32_t>::max()),
                                   std::uint32_t, std::size_t>;

  // Every access to words_ goes through these two. words_ holds the flat layout backwards (the
  // bottom layer's first word last), so that every address is computed from total_words, which
  // differs between any two Orders: with an offset shared by several Orders, g++ 12 merges their
  // identical code (identical code folding) and then reports false -Warray-bounds.
  std::atomic<std::size_t>& word(std::size_t layer, std::size_t index) noexcept {
    return words_[kGeo.total_words - 1 - (kGeo.first[layer] + index)];
  }
  const std::atomic<std::size_t>& word(std::size_t layer, std::size_t index) const noexcept {
    return words_[kGeo.total_words - 1 - (kGeo.first[layer] + index)];
  }
  std::atomic<std::size_t>& bottom(std::size_t index) noexcept { return word(0, index); }
  const std::atomic<std::size_t>& bottom(std::size_t index) const noexcept {
    return word(0, index);
  }

  // Padding bits of word `index` of `layer`, to be read as set.
  static constexpr std::size_t padding(std::size_t layer, std::size_t index) noexcept {
    return index == kGeo.words[layer] - 1 ? kGeo.padding[layer] : 0;
  }
  static constexpr bool is_full(std::size_t layer, std::size_t index, std::size_t bits) noexcept {
    return (bits | padding(layer, index)) == detail::kAllOnes;
  }

  // ---- everything below runs with the lock held; relaxed loads suffice because the lock orders
  // ---- them after every earlier writer's critical section.

  bool is_taken(std::size_t id) const noexcept {
    return (bottom(id / kW).load(std::memory_order_relaxed) >> (id % kW)) & 1U;
  }

  // The lowest free id >= start (start < capacity()), or kNoId. Climbs while the words it meets
  // are full, then walks down following zero bits: at most 2 * layers - 1 word reads. The layer
  // is a template argument so that each layer's offset, size and padding are constants and the
  // walk compiles to straight-line code; always_inline keeps it so whatever the compiler's
  // inlining budget (left to it, g++ 12 made the upper layers' walk a call, and whether the
  // search was inlined into allocate() changed with unrelated edits: churn moved by 0.3-1 ns).
  [[gnu::always_inline]] std::size_t find_free_from(std::size_t start) const noexcept {
    return this->template climb<0>(start);
  }

  // The lowest free id, or kNoId (full() and the cyclic kinds' wrap to 0): find_free_from(0), but
  // once the first bottom word is full it walks down from the top word instead of climbing, since
  // the low ids are the oldest taken and a climb from 0 would mostly meet full words: 1 + layers
  // word reads, not up to 2 * layers - 1.
  [[gnu::always_inline]] std::size_t find_lowest_free() const noexcept {
    const std::size_t first = bottom(0).load(std::memory_order_relaxed) | padding(0, 0);
    if (first != detail::kAllOnes) return static_cast<std::size_t>(std::countr_zero(~first));
    return this->template climb<kLayers - 1>(0);
  }

  // pos: a bit position within layer K.
  template <std::size_t K>
  [[gnu::always_inline]] std::size_t climb(std::size_t pos) const noexcept {
    const std::size_t index = pos / kW;
    if (index >= kGeo.words[K]) return kNoId;  // walked off the end of the layer
    const std::size_t below_pos = (std::size_t{1} << (pos % kW)) - 1;
    const std::size_t taken =
        word(K, index).load(std::memory_order_relaxed) | below_pos | padding(K, index);
    if (taken != detail::kAllOnes) {
      return descend<K>(index * kW + static_cast<std::size_t>(std::countr_zero(~taken)));
    }
    if constexpr (K + 1 < kLayers) {
      return climb<K + 1>(index + 1);  // the next word of this layer is the next bit above
    } else {
      return kNoId;
    }
  }

  // pos: a zero bit of layer K, i.e. (for K > 0) a word of layer K - 1 that is not full. By
  // invariant (1) that word has a zero bit, and a meaningful one: a word whose meaningful bits
  // are all set is full.
  template <std::size_t K>
  [[gnu::always_inline]] std::size_t descend(std::size_t pos) const noexcept {
    if constexpr (K == 0) {
      return pos;
    } else {
      const std::size_t bits = word(K - 1, pos).load(std::memory_order_relaxed);
      return descend<K - 1>(pos * kW + static_cast<std::size_t>(std::countr_zero(~bits)));
    }
  }

  // Sets id's bit, then each summary bit whose word became full; returns id's bottom word as it is
  // now. Always inlined: a call here made lowest-first churn 0.3-0.6 ns slower when the code
  // around it grew.
  [[gnu::always_inline]] std::size_t take(std::size_t id) noexcept {
    const std::size_t index = id / kW;
    const std::size_t now =
        bottom(index).load(std::memory_order_relaxed) | (std::size_t{1} << (id % kW));
    // release: pairs with the acquire loads of contains() and next_allocated().
    bottom(index).store(now, std::memory_order_release);
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if constexpr (kLayers > 1) mark_full<1>(index, now == detail::kAllOnes);
    return now;
  }

  // Word `child` of layer K - 1 became full, if `became_full`. Whether a bottom word fills up is
  // a coin toss under churn, so the summary word is rewritten either way (an L1 store) rather
  // than behind a branch; above that, a word fills up rarely and the branch predicts well.
  // If `became_full` is false the word is unchanged and not full (it has a zero bit for child).
  template <std::size_t K>
  void mark_full(std::size_t child, bool became_full) noexcept {
    const std::size_t index = child / kW;
    const std::size_t now =
        word(K, index).load(std::memory_order_relaxed) | (std::size_t{became_full} << (child % kW));
    word(K, index).store(now, std::memory_order_relaxed);
    if constexpr (K + 1 < kLayers) {
      if (is_full(K, index, now)) mark_full<K + 1>(index, true);
    }
  }

  // Clears an allocated id's bit, then each summary bit whose word stopped being full.
  void untake(std::size_t id) noexcept {
    const std::size_t index = id / kW;
    const std::size_t before = bottom(index).load(std::memory_order_relaxed);
    // release: as in take().
    bottom(index).store(before & ~(std::size_t{1} << (id % kW)), std::memory_order_release);
    count_.store(count_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    if constexpr (kLayers > 1) mark_not_full<1>(index, before == detail::kAllOnes);
  }

  // Word `child` of layer K - 1 stopped being full, if `was_full`; branch-free at layer 1 for the
  // reason given at mark_full(). If `was_full` is false, child's bit is already 0.
  template <std::size_t K>
  void mark_not_full(std::size_t child, bool was_full) noexcept {
    const std::size_t index = child / kW;
    const std::size_t before = word(K, index).load(std::memory_order_relaxed);
    word(K, index).store(before & ~(std::size_t{was_full} << (child % kW)),
                         std::memory_order_relaxed);
    if constexpr (K + 1 < kLayers) {
      // If this word was not full, the layers above already say "not full". A full word here
      // means child's bit was set, so was_full held.
      if (is_full(K, index, before)) mark_not_full<K + 1>(index, true);
    }
  }

  bool give_back(std::size_t id) noexcept {
    if (!is_taken(id)) return false;
    untake(id);
    if (kind_ == Policy::Kind::lowest_first) remember_free(id);
    return true;
  }

  // Invariant (3): lowest_first remembers its next two answers, the lowest free id
  // (pos_.lowest.first) and the one above it (pos_.lowest.second), so that under churn (recycle an
  // id, allocate one) it never searches the bitmap: an id recycled below pos_.lowest.first becomes
  // the lowest and the old lowest the second; allocate() takes pos_.lowest.first and moves up to
  // pos_.lowest.second. It searches only when the second is not known (pos_.lowest.second ==
  // pos_.lowest.first), e.g. while filling up. At 4,194,304 ids that saved the four-layer walk of
  // every churn step (churn99 21.4 -> 18.6 ns, docs/performance.md).
  // `id` was just freed.
  [[gnu::always_inline]] void remember_free(std::size_t id) noexcept {
    if (id < pos_.lowest.first) {
      pos_.lowest.second = pos_.lowest.first;
      pos_.lowest.first = static_cast<Index>(id);
    } else if (id < pos_.lowest.second) {
      pos_.lowest.second = static_cast<Index>(id);
    }
  }

  // `id` was just taken, and its bottom word is now `word_now`.
  [[gnu::always_inline]] void forget_free(std::size_t id, std::size_t word_now) noexcept {
    if (id == pos_.lowest.first) {
      if (pos_.lowest.second == pos_.lowest.first) {
        // Every id below `id` is taken, so the lowest free id now is the first one above it: in
        // the same word when it has one (read from the register, not from memory just written),
        // else found by a search from the next word.
        const std::size_t above = ~word_now & (detail::kAllOnes << (id % kW));
        pos_.lowest.second = static_cast<Index>(
            above != 0 ? id / kW * kW + static_cast<std::size_t>(std::countr_zero(above))
                       : free_from_or_end((id / kW + 1) * kW));
      }
      pos_.lowest.first = pos_.lowest.second;
    } else if (id == pos_.lowest.second) {
      pos_.lowest.second = pos_.lowest.first;
    }
  }

  // The lowest free id >= start, or capacity() when there is none (also for start == capacity()).
  std::size_t free_from_or_end(std::size_t start) const noexcept {
    const std::size_t found = start < capacity() ? find_free_from(start) : kNoId;
    return found < capacity() ? found : capacity();
  }

  std::size_t take_next() noexcept {
    const std::size_t lim = limit_.load(std::memory_order_relaxed);
    if (kind_ == Policy::Kind::lowest_first) {
      const std::size_t id = pos_.lowest.first;
      if (id >= lim) return kNoId;  // capacity() too: nothing is free
      forget_free(id, take(id));
      return id;
    }
    return kind_ == Policy::Kind::random_cyclic ? take_next_cyclic<true>(lim)
                                                : take_next_cyclic<false>(lim);
  }

  // One copy per cyclic kind, so that cyclic's carries neither the draw nor a test of kind_ after
  // its search: sharing one copy that tested kind_ there made cyclic `pair` 6.49 -> 6.77 ns and
  // churn50 8.8 -> 9.2 at 2,048 ids (bench/ab.sh, three offsets x 2 rounds).
  template <bool Random>
  [[gnu::always_inline]] std::size_t take_next_cyclic(std::size_t lim) noexcept {
    const std::uint64_t from = pos_.search_from;
    std::size_t id = from < lim ? find_free_from(static_cast<std::size_t>(from)) : kNoId;
    if (id >= lim) {
      const std::size_t wrap_to = wrap_point<Random>(lim);
      if (from > wrap_to) id = wrap_to == 0 ? find_lowest_free() : find_free_from(wrap_to);
    }
    if (id >= lim) return kNoId;  // kNoId too
    take(id);
    pos_.search_from = std::uint64_t{id} + 1 + (Random ? draw_skip() : 0);
    return id;
  }

  // Where a cyclic search goes when the search from its start finds nothing: the floor once the
  // last id handed out has reached it, 0 before (as Linux's alloc_pid(), whose lowest id is 1
  // until its cursor has passed RESERVED_PIDS), and 0 when the floor is at or above the limit.
  template <bool Random>
  std::size_t wrap_point(std::size_t lim) const noexcept {
    const std::uint64_t after_last = pos_.search_from - (Random ? pending_skip() : 0);
    return after_last > floor_ && floor_ < lim ? floor_ : 0;
  }

  // random_cyclic: advances the generator and returns the skip for the next allocation.
  std::uint32_t draw_skip() noexcept {
    rng_ = advance(rng_);
    return pending_skip();
  }

  // random_cyclic: the skip drawn from the generator's current state, which pos_.search_from
  // already includes.
  constexpr std::uint32_t pending_skip() const noexcept { return skip_for(rng_, max_skip_); }

  // PCG32 (O'Neill's XSH-RR): a 64-bit linear congruential state, advanced once per draw, and an
  // output that xor-shifts and rotates the state's high bits into 32, which skip_for() scales into
  // [0, max_skip) by multiply-and-shift rather than %, so that 32-bit kernels need no 64-bit
  // division helper from libgcc. Not cryptographic: reseed() from an entropy source where
  // guessing the next id matters. Two multiplies per draw where splitmix64 (1.0.0) took three:
  // random_cyclic `pair` 8.45 -> 7.85 ns at 2,048 ids (bench/ab.sh, docs/performance.md).
  static constexpr std::uint64_t advance(std::uint64_t state) noexcept {
    return state * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  static constexpr std::uint32_t skip_for(std::uint64_t state, std::uint32_t max_skip) noexcept {
    const auto mixed = static_cast<std::uint32_t>(((state >> 18) ^ state) >> 27);
    const std::uint64_t out = std::rotr(mixed, static_cast<int>(state >> 59));
    return static_cast<std::uint32_t>((out * max_skip) >> 32);
  }

  // Where the next allocation looks, which differs by policy; kind_ says which member is in use.
  struct LowestFree {
    Index first;   // the lowest free id, which the next allocation takes as it is
    Index second;  // see invariant (3)
  };
  union Position {
    LowestFree lowest;  // lowest_first
    // Cyclic kinds: where the next search starts, one past the last id handed out plus, for
    // random_cyclic, the skip already drawn for it. Adding the skip when an allocation ends, not
    // when the next begins, leaves the next search's start one load away, as cyclic's is:
    // random_cyclic `pair` 7.89 -> 7.49 ns at 2,048 ids (bench/ab.sh, docs/performance.md).
    // 64 bits, as the sum may exceed capacity(); at or above limit() it sends the search to the
    // floor. Sharing storage with `lowest` keeps the bookkeeping ahead of the bitmap at 56 bytes,
    // so that the top summary word shares their cache line.
    std::uint64_t search_from;
  };
  // Called by the constructors after max_skip_ and rng_ are set: random_cyclic's first search
  // starts at its first pending skip, as every later one starts one past an id plus that skip.
  constexpr Position start_position(Policy::Kind kind) const noexcept {
    if (kind == Policy::Kind::lowest_first) return Position{.lowest = {0, 0}};
    return Position{.search_from = kind == Policy::Kind::random_cyclic ? pending_skip() : 0};
  }

  // Pid's way back in: recycles or detaches a handle's id.
  static void on_handle(detail::PidOwner& owner, std::size_t id, detail::HandleOp op) noexcept {
    auto& self = static_cast<PidAllocator&>(owner);
    detail::LockGuard<Lock> guard(self.lock_);
    --self.handles_;
    if (op == detail::HandleOp::recycle) self.give_back(id);
  }

  std::atomic<std::size_t> words_[kGeo.total_words]{};
  mutable Lock lock_{};
  std::atomic<Index> count_{0};  // allocated ids; written under the lock, read without it
  std::atomic<Index> limit_{static_cast<Index>(capacity())};
  Index handles_ = 0;  // live Pid handles referring to this allocator
  const Index floor_;
  const std::uint32_t max_skip_;
  const Policy::Kind kind_;
  std::uint64_t rng_;  // random_cyclic: the generator state of the last skip drawn
  Position pos_;
};

}  // namespace pidalloc

#endif  // PID_ALLOCATOR_PID_ALLOCATOR_HPP
