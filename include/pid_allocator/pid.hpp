// SPDX-License-Identifier: MIT
// pid_allocator: Pid, the owning handle of one allocated id, one type for every allocator.
// Included by <pid_allocator/pid_allocator.hpp>; include that instead.
#ifndef PID_ALLOCATOR_PID_HPP
#define PID_ALLOCATOR_PID_HPP

#include "detail/config.hpp"  // kNoId, PIDALLOC_CHECK_HANDLES

#include <atomic>   // std::atomic: the owner's recycle function and handle count
#include <compare>  // std::strong_ordering, std::compare_three_way
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint32_t

namespace pidalloc {

class Pid;

namespace detail {

struct PidAccess;  // how allocators make Pids (below)

// The part of an allocator that a Pid sees, so that Pid needs to know neither the allocator's
// Order nor its Lock nor its policy. A function pointer rather than a virtual function: no vtable,
// and no dependency on the runtime's __cxa_pure_virtual in freestanding links.
//
// The allocator stores its recycle function the first time it hands out a Pid, not at
// construction: a constant pointer would need a relocation and keep a constinit allocator out of
// .bss. relaxed suffices: a thread holding a Pid got it, through whatever handed it over, after
// the handing-out thread had read or written the pointer, and a read that happens after another
// read of the same atomic never sees an older value.
struct PidOwner {
  using RecycleFn = void (*)(PidOwner& owner, std::size_t id) noexcept;

  void count_handle(int delta) noexcept {
    if constexpr (PIDALLOC_CHECK_HANDLES) {
      // relaxed: only the allocator's destructor reads the total, after every handle is gone.
      handles.fetch_add(static_cast<std::uint32_t>(delta), std::memory_order_relaxed);
    } else {
      static_cast<void>(delta);
    }
  }

  std::atomic<RecycleFn> recycle_fn{nullptr};
  std::atomic<std::uint32_t> handles{0};  // live Pids (PIDALLOC_CHECK_HANDLES builds only)
};

}  // namespace detail

// An owned id: recycles it into its allocator when destroyed (RAII). One type for every
// PidAllocator, two words in size, move-only. An empty handle holds kNoId.
// A Pid must not outlive its allocator (checked by PIDALLOC_ASSERT where PIDALLOC_CHECK_HANDLES
// is on). Not thread-safe itself: one Pid is used by one thread at a time, like any object; the
// allocator behind it takes any number of threads.
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

  // Gives the id up without recycling it (recycle it later with PidAllocator::recycle); the
  // handle becomes empty. kNoId for an empty handle. Takes no lock.
  std::size_t release() noexcept {
    const std::size_t id = id_;
    if (owner_ != nullptr) owner_->count_handle(-1);
    clear();
    return id;
  }

  // Recycles the id now; the handle becomes empty. Does nothing to an empty handle.
  [[gnu::always_inline]] void reset() noexcept {
    if (owner_ != nullptr) owner_->recycle_fn.load(std::memory_order_relaxed)(*owner_, id_);
    clear();
  }

  // Equal when they hold the same id of the same allocator; two empty handles are equal.
  friend bool operator==(const Pid& a, const Pid& b) noexcept {
    return a.owner_ == b.owner_ && a.id_ == b.id_;
  }
  // Consistent with ==: by id within one allocator; handles of different allocators in an
  // unspecified but consistent order (by the allocators' addresses); an empty handle last.
  friend std::strong_ordering operator<=>(const Pid& a, const Pid& b) noexcept {
    if (a.owner_ == b.owner_) return a.id_ <=> b.id_;
    if (a.owner_ == nullptr) return std::strong_ordering::greater;
    if (b.owner_ == nullptr) return std::strong_ordering::less;
    return std::compare_three_way{}(a.owner_, b.owner_);
  }

  // Which allocator the handle belongs to (nullptr when empty): for hashing and diagnostics.
  [[nodiscard]] const void* owner() const noexcept { return owner_; }

 private:
  friend struct detail::PidAccess;
  constexpr Pid(std::size_t id, detail::PidOwner* owner) noexcept : id_(id), owner_(owner) {}
  void clear() noexcept {
    id_ = kNoId;
    owner_ = nullptr;
  }

  std::size_t id_ = kNoId;
  detail::PidOwner* owner_ = nullptr;
};

namespace detail {

// The one way to make a non-empty Pid: for allocators only.
struct PidAccess {
  static Pid make(std::size_t id, PidOwner* owner) noexcept { return Pid{id, owner}; }
};

}  // namespace detail
}  // namespace pidalloc

#endif  // PID_ALLOCATOR_PID_HPP
