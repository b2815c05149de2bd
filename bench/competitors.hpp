// SPDX-License-Identifier: MIT
// The allocators the benchmarks compare, behind one small interface ("subject"), and the pieces of
// the workloads that the Google Benchmark suite and the callgrind driver share.
//
// A subject S has:
//   S::Handle                  what allocate hands back (pidalloc::Pid for ours, an id otherwise)
//   S::kCapacity, S::kName
//   Handle acquire()           allocate one id
//   void surrender(Handle&)    recycle it; the handle becomes empty
//   static bool held(const Handle&)
//   bool contains(id)          only where the competitor can answer it cheaply
//   void setup_fill(live, n)   allocate n ids lowest-first into live[0..n) (setup, never timed)
// Every subject keeps its allocator on the heap: the 4,194,304-id bitmaps are half a megabyte.
#ifndef PIDALLOC_BENCH_COMPETITORS_HPP
#define PIDALLOC_BENCH_COMPETITORS_HPP

#include "reference_port.hpp"

#include <pid_allocator/pid_allocator.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>  // std::aligned_alloc, std::free
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string_view>
#include <type_traits>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>  // madvise(MADV_HUGEPAGE)
#endif

namespace pidalloc_bench {

inline constexpr std::size_t kWordBits = 64;
static_assert(sizeof(std::size_t) * 8 == kWordBits, "the suite's capacities assume 64-bit words");

// ---- the usual alternatives -------------------------------------------------------------------

// What most people write first: a stack of free ids. O(1), LIFO reuse, 8 bytes of heap per id.
template <std::size_t Order>
class MutexFreeList {
 public:
  static constexpr std::size_t capacity() noexcept { return Order * kWordBits; }
  MutexFreeList() {
    free_.reserve(capacity());
    // Pushed highest first, so that the first allocations come out lowest-first.
    for (std::size_t id = capacity(); id-- > 0;) free_.push_back(id);
  }
  std::size_t allocate() {
    std::lock_guard<std::mutex> guard(mutex_);
    if (free_.empty()) return pidalloc::kNoId;
    const std::size_t id = free_.back();
    free_.pop_back();
    return id;
  }
  void recycle(std::size_t id) {
    std::lock_guard<std::mutex> guard(mutex_);
    free_.push_back(id);
  }

 private:
  std::mutex mutex_;
  std::vector<std::size_t> free_;
};

// Lowest-first by a balanced tree of free ids: O(log n) and a heap node per free id.
template <std::size_t Order>
class MutexSet {
 public:
  static constexpr std::size_t capacity() noexcept { return Order * kWordBits; }
  MutexSet() {
    for (std::size_t id = 0; id < capacity(); ++id) free_.insert(free_.end(), id);
  }
  std::size_t allocate() {
    std::lock_guard<std::mutex> guard(mutex_);
    if (free_.empty()) return pidalloc::kNoId;
    const std::size_t id = *free_.begin();
    free_.erase(free_.begin());
    return id;
  }
  void recycle(std::size_t id) {
    std::lock_guard<std::mutex> guard(mutex_);
    free_.insert(id);
  }
  bool contains(std::size_t id) {
    std::lock_guard<std::mutex> guard(mutex_);
    return id < capacity() && free_.find(id) == free_.end();
  }

 private:
  std::mutex mutex_;
  std::set<std::size_t> free_;
};

// The floor: one uncontended atomic read-modify-write per operation on one word. No lock-based
// allocator can beat it: taking and releasing any lock costs at least this much.
class AtomicFloor {
 public:
  // The results are dropped on purpose: a used fetch_or result makes compilers emit a CAS loop,
  // while a dropped one is a single `lock or`, the true minimum.
  void take(std::uint64_t bit) noexcept { word_.fetch_or(bit, std::memory_order_acq_rel); }
  void give(std::uint64_t bit) noexcept { word_.fetch_and(~bit, std::memory_order_acq_rel); }
  [[nodiscard]] bool test(std::size_t index) const noexcept {
    return ((word_.load(std::memory_order_acquire) >> (index % kWordBits)) & 1U) != 0;
  }

 private:
  std::atomic<std::uint64_t> word_{0};
};

// ---- subjects -----------------------------------------------------------------------------------

enum class Flavor { lowest_first, cyclic, random_cyclic, limited, versioned, scalable };

// pidalloc::PidAllocator with one of its policies. Ids go in and out through pidalloc::Pid, the
// library's normal interface: allocate() takes the lock once and the handle's reset() once.
// Wrap floor 0 for the cyclic kinds: with a Linux-like floor the ids below it are out of reach
// after the first wrap, so "fill to capacity" and "99% occupancy" would not mean the same thing
// as for lowest-first.
template <Flavor F>
using PolicyOf = std::conditional_t<
    F == Flavor::cyclic, pidalloc::Cyclic<0>,
    std::conditional_t<
        F == Flavor::random_cyclic, pidalloc::RandomCyclic<0, 64, 42>,
        std::conditional_t<F == Flavor::scalable, pidalloc::Scalable<>, pidalloc::LowestFirst>>>;

// versioned: pidalloc::VersionedPidAllocator, lowest-first, the same work plus its generations
// (one more store per recycle), to be compared with ours_lowest.
template <std::size_t Order, Flavor F, class Lock = pidalloc::Spinlock>
class Ours {
 public:
  using Allocator = std::conditional_t<F == Flavor::versioned,
                                       pidalloc::VersionedPidAllocator<Order, Lock, PolicyOf<F>>,
                                       pidalloc::PidAllocator<Order, Lock, PolicyOf<F>>>;
  using Handle = pidalloc::Pid;
  static constexpr std::size_t kCapacity = Allocator::capacity();
  static constexpr std::string_view kName = F == Flavor::lowest_first    ? "ours_lowest"
                                            : F == Flavor::cyclic        ? "ours_cyclic"
                                            : F == Flavor::random_cyclic ? "ours_random"
                                            : F == Flavor::versioned     ? "ours_versioned"
                                            : F == Flavor::scalable      ? "ours_scalable"
                                                                         : "ours_limit";
  // The limit sits above 99% occupancy so that every workload still runs, with the limit check
  // on every allocation.
  static constexpr std::size_t kLimit = kCapacity - kCapacity / 256;

  Ours() : impl_(std::make_unique<Allocator>()) {
    if constexpr (F == Flavor::limited) impl_->set_limit(kLimit);
  }
  // Always inlined, as IdSubject's are: the figures compare allocators, not call overheads.
  [[gnu::always_inline]] Handle acquire() noexcept { return impl_->allocate(); }
  [[gnu::always_inline]] static void surrender(Handle& handle) noexcept { handle.reset(); }
  static bool held(const Handle& handle) noexcept { return static_cast<bool>(handle); }
  bool contains(std::size_t id) const noexcept { return impl_->contains(id); }
  template <class Table>
  void setup_fill(Table& live, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) live[i] = impl_->allocate();
  }

 private:
  std::unique_ptr<Allocator> impl_;
};

template <std::size_t Order>
using OursLowest = Ours<Order, Flavor::lowest_first>;
template <std::size_t Order>
using OursCyclic = Ours<Order, Flavor::cyclic>;
template <std::size_t Order>
using OursRandom = Ours<Order, Flavor::random_cyclic>;
template <std::size_t Order>
using OursLimit = Ours<Order, Flavor::limited>;
template <std::size_t Order>
using OursVersioned = Ours<Order, Flavor::versioned>;
// No lock on allocate and recycle (its Spinlock is taken by set_limit and check_invariants only);
// the hosted default hint, a number per thread.
template <std::size_t Order>
using OursScalable = Ours<Order, Flavor::scalable>;

// The competitors that hand out plain ids.
template <class Impl, const char* Name>
class IdSubject {
 public:
  using Handle = std::size_t;
  static constexpr std::size_t kCapacity = Impl::capacity();
  static constexpr std::string_view kName = Name;

  IdSubject() : impl_(std::make_unique<Impl>()) {}
  // Always inlined: the figures compare allocators, not call overheads.
  [[gnu::always_inline]] Handle acquire() { return impl_->allocate(); }
  [[gnu::always_inline]] void surrender(Handle& id) {
    impl_->recycle(id);
    id = pidalloc::kNoId;
  }
  static bool held(const Handle& id) noexcept { return id != pidalloc::kNoId; }
  bool contains(std::size_t id) requires requires(Impl& impl, std::size_t query) {
    impl.contains(query);
  }
  { return impl_->contains(id); }
  template <class Table>
  void setup_fill(Table& live, std::size_t count) {
    if constexpr (requires(Impl & impl, std::size_t n) { impl.fill_lowest_for_setup(n); }) {
      impl_->fill_lowest_for_setup(count);
      for (std::size_t i = 0; i < count; ++i) live[i] = i;
    } else {
      for (std::size_t i = 0; i < count; ++i) live[i] = impl_->allocate();
    }
  }

 private:
  std::unique_ptr<Impl> impl_;
};

// pidalloc::PidAllocator (lowest-first) through its raw-id members, allocate_id() and recycle(),
// as a kernel that stores plain integers uses it: the same work as the port's interface.
template <std::size_t Order>
class RawIds {
 public:
  [[nodiscard]] static constexpr std::size_t capacity() noexcept {
    return pidalloc::PidAllocator<Order>::capacity();
  }
  // Always inlined, as a caller's own call of allocate_id() is.
  [[nodiscard, gnu::always_inline]] std::size_t allocate() noexcept { return pids_.allocate_id(); }
  [[gnu::always_inline]] bool recycle(std::size_t id) noexcept { return pids_.recycle(id); }
  [[nodiscard]] bool contains(std::size_t id) const noexcept { return pids_.contains(id); }

 private:
  pidalloc::PidAllocator<Order> pids_;
};

inline constexpr char kRawName[] = "ours_raw";
template <std::size_t Order>
using OursRaw = IdSubject<RawIds<Order>, kRawName>;

inline constexpr char kPortName[] = "port";
inline constexpr char kVectorName[] = "vector";
inline constexpr char kSetName[] = "set";
template <std::size_t Order>
using Port = IdSubject<ReferencePort<Order>, kPortName>;
template <std::size_t Order>
using Vector = IdSubject<MutexFreeList<Order>, kVectorName>;
template <std::size_t Order>
using Set = IdSubject<MutexSet<Order>, kSetName>;

// ---- workload pieces ----------------------------------------------------------------------------

// xorshift64: cheap, deterministic (callgrind counts must repeat), and good enough to pick victims.
class Xorshift64 {
 public:
  explicit constexpr Xorshift64(std::uint64_t seed) noexcept : state_(seed | 1U) {}
  std::uint64_t next() noexcept {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  // Uniform enough in [0, bound) for bound < 2^32, by multiply-and-shift.
  std::size_t below(std::size_t bound) noexcept {
    return static_cast<std::size_t>(((next() >> 32) * bound) >> 32);
  }

 private:
  std::uint64_t state_;
};

// The workloads' table of live handles: up to 64 MiB at 4,194,304 ids, read and written at random
// by the churn loop. On 4 KiB pages nearly every access there misses the TLB (a nested page walk in
// a VM), a cost of the harness that all competitors pay alike and that would hide the allocators'
// own growth with capacity; so the tables ask Linux for 2 MiB pages (transparent huge pages in
// "madvise" mode honour this; elsewhere the hint is ignored and the table stays on small pages).
template <class T>
class LiveTableAllocator {
 public:
  using value_type = T;
  LiveTableAllocator() noexcept = default;
  template <class U>
  explicit LiveTableAllocator(const LiveTableAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = (n * sizeof(T) + kHugePage - 1) / kHugePage * kHugePage;
    void* memory = std::aligned_alloc(kHugePage, bytes);
    if (memory == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    static_cast<void>(::madvise(memory, bytes, MADV_HUGEPAGE));  // a hint: failure is harmless
#endif
    return static_cast<T*>(memory);
  }
  void deallocate(T* memory, std::size_t /*n*/) noexcept { std::free(memory); }
  friend bool operator==(const LiveTableAllocator&, const LiveTableAllocator&) noexcept {
    return true;
  }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
};

template <class S>
using LiveTable = std::vector<typename S::Handle, LiveTableAllocator<typename S::Handle>>;

// What the churn loop costs with an allocator that does nothing: handles as large as
// pidalloc::Pid (two words), ids from a counter. Shown beside the competitors so that a reader can
// tell the harness's own cost at each capacity from the allocators'.
template <std::size_t Order>
class Harness {
 public:
  struct Handle {
    std::size_t id = pidalloc::kNoId;
    const void* owner = nullptr;
  };
  static_assert(sizeof(Handle) == sizeof(pidalloc::Pid),
                "the loop must move as many bytes as ours");
  static constexpr std::size_t kCapacity = Order * kWordBits;
  static constexpr std::string_view kName = "harness";

  Handle acquire() noexcept { return {next_++ % kCapacity, this}; }
  static void surrender(Handle& handle) noexcept { handle = Handle{}; }
  static bool held(const Handle& handle) noexcept { return handle.owner != nullptr; }
  void setup_fill(LiveTable<Harness>& live, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) live[i] = acquire();
  }

 private:
  std::size_t next_ = 0;
};

// One churn step recycles a pseudo-random live id and allocates again into the same slot. The
// victims are drawn kLookahead steps early and their slots prefetched, so that the harness's own
// bookkeeping (the live table) does not put a cache miss on every step; the allocator's own memory
// traffic is left untouched. 32 steps ahead covers a DRAM access even when a step takes only a few
// nanoseconds (8 ahead left the harness alone at 9 ns per step at 4,194,304 ids, against 7 ns).
template <class S>
class Churner {
 public:
  Churner(S& subject, LiveTable<S>& live, std::uint64_t seed) noexcept
      : subject_(subject), live_(live), rng_(seed) {
    for (auto& slot : ahead_) slot = rng_.below(live_.size());
  }
  // false when the allocation failed (the subject is broken or full).
  bool step() {
    const std::size_t victim = ahead_[next_];
    const std::size_t later = rng_.below(live_.size());
    ahead_[next_] = later;
    next_ = (next_ + 1) % kLookahead;
    __builtin_prefetch(&live_[later], 1);
    subject_.surrender(live_[victim]);
    live_[victim] = subject_.acquire();
    return S::held(live_[victim]);
  }

 private:
  static constexpr std::size_t kLookahead = 32;
  S& subject_;
  LiveTable<S>& live_;
  Xorshift64 rng_;
  std::size_t ahead_[kLookahead] = {};
  std::size_t next_ = 0;
};

template <class S>
void drain(S& subject, LiveTable<S>& live) {
  for (auto& handle : live) {
    if (S::held(handle)) subject.surrender(handle);
  }
}

}  // namespace pidalloc_bench

#endif  // PIDALLOC_BENCH_COMPETITORS_HPP
