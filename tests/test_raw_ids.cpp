// The raw-id members (allocate_id, allocate_id_at, allocate_id_in, recycle), allocation in a
// range, the random skip switched at run time, and what a Pid's release() costs in locks.
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace {

using pidalloc::kNoId;

// A lock that counts how often any instance of it is taken (one test uses it, on one thread).
class CountingLock {
 public:
  void lock() noexcept {
    inner_.lock();
    ++taken;
  }
  void unlock() noexcept { inner_.unlock(); }
  static inline std::size_t taken = 0;

 private:
  pidalloc::Spinlock inner_;
};

}  // namespace

TEST_CASE("allocate_id and recycle work with plain integers, in the policy's order", "[raw]") {
  pidalloc::PidAllocator<2> pids;
  CHECK(pids.allocate_id() == 0);
  CHECK(pids.allocate_id() == 1);
  CHECK(pids.allocate_id_at(5) == 5);
  CHECK(pids.allocate_id_at(5) == kNoId);                // taken
  CHECK(pids.allocate_id_at(pids.capacity()) == kNoId);  // out of range
  CHECK(pids.recycle(0));
  CHECK_FALSE(pids.recycle(0));  // not allocated any more
  CHECK(pids.allocate_id() == 0);
  CHECK(pids.size() == 3);
  REQUIRE(pids.set_limit(6));
  CHECK(pids.allocate_id_at(6) == kNoId);  // at the limit
  for (std::size_t id : {2U, 3U, 4U}) CHECK(pids.allocate_id() == id);
  CHECK(pids.allocate_id() == kNoId);  // 0..5 taken, the limit is 6
  CHECK(pids.full());
  CHECK(pids.check_invariants());
  for (std::size_t id = 0; id < 6; ++id) CHECK(pids.recycle(id));
  CHECK(pids.empty());
}

TEST_CASE("allocate_in hands out the lowest free id from min up to max, below the limit", "[raw]") {
  pidalloc::PidAllocator<4> pids;  // 256 ids on 64-bit, 128 on 32-bit
  const std::size_t cap = pids.capacity();
  CHECK(pids.allocate_id_in(10, 20) == 10);
  CHECK(pids.allocate_id_in(10, 20) == 11);
  auto handle = pids.allocate_in(10, 12);
  CHECK_FALSE(handle);                 // 10 and 11 taken
  handle = pids.allocate_in(70, cap);  // crosses into the next word's range
  CHECK(*handle == 70);
  CHECK(pids.allocate_id_in(5, 5) == kNoId);              // empty range
  CHECK(pids.allocate_id_in(7, 3) == kNoId);              // min > max
  CHECK(pids.allocate_id_in(cap, cap + 9) == kNoId);      // beyond capacity
  CHECK(pids.allocate_id_in(cap - 1, kNoId) == cap - 1);  // max past capacity is clipped
  REQUIRE(pids.set_limit(100));
  CHECK(pids.allocate_id_in(99, 200) == 99);
  CHECK(pids.allocate_id_in(99, 200) == kNoId);  // 100 and above are beyond the limit
  // Lowest-first keeps its own answer in step: the lowest free id is still 0.
  CHECK(pids.allocate_id() == 0);
  CHECK(pids.check_invariants());
}

TEST_CASE("allocate_in does not move a cyclic cursor", "[raw][policy]") {
  pidalloc::PidAllocator<2, pidalloc::Spinlock, pidalloc::Cyclic<>> pids;
  CHECK(pids.allocate_id() == 0);
  CHECK(pids.allocate_id_in(50, 60) == 50);
  CHECK(pids.allocate_id() == 1);  // the cursor was not moved past 50
  CHECK(pids.allocate_id_in(0, 100) == 2);
  CHECK(pids.allocate_id() == 3);
  CHECK(pids.check_invariants());
}

TEST_CASE("fill with allocate_in, then every id is taken exactly once", "[raw]") {
  auto pids = std::make_unique<pidalloc::PidAllocator<65>>();  // three layers on 64-bit
  const std::size_t cap = pids->capacity();
  // Ranges that start in the middle of words and of summary words.
  for (std::size_t min = 0; min < cap; min += 1000) {
    for (std::size_t id = min; id < min + 1000 && id < cap; ++id) {
      REQUIRE(pids->allocate_id_in(min, min + 1000) == id);
    }
  }
  CHECK(pids->full());
  CHECK(pids->size() == cap);
  CHECK(pids->allocate_id_in(0, cap) == kNoId);
  CHECK(pids->recycle(cap / 2));
  CHECK(pids->allocate_id_in(0, cap) == cap / 2);
  CHECK(pids->check_invariants());
  for (std::size_t id = 0; id < cap; ++id) REQUIRE(pids->recycle(id));
}

TEST_CASE("RandomCyclic: set_random(false) gives Cyclic's order, and on again", "[policy]") {
  using Random = pidalloc::PidAllocator<16, pidalloc::Spinlock, pidalloc::RandomCyclic<0, 200, 9>>;
  auto pids = std::make_unique<Random>();
  CHECK(pids->random());
  const std::size_t first = pids->allocate_id();
  pids->set_random(false);
  CHECK_FALSE(pids->random());
  CHECK(pids->check_invariants());
  // Off: one past the last id, as Cyclic.
  for (std::size_t i = 1; i <= 20; ++i) CHECK(pids->allocate_id() == first + i);
  pids->set_random(true);
  CHECK(pids->check_invariants());
  // On again: the gaps are skips again; over 40 draws below 200, some gap is not zero.
  std::size_t last = first + 20;
  std::size_t gaps = 0;
  for (int i = 0; i < 40; ++i) {
    const std::size_t id = pids->allocate_id();
    REQUIRE(id != kNoId);
    if (id > last) gaps += id - last - 1;
    last = id;
  }
  CHECK(gaps > 0);
  CHECK(pids->check_invariants());
}

TEST_CASE("Pid::release takes no lock; allocate and reset take it once each", "[pid]") {
  pidalloc::PidAllocator<1, CountingLock> pids;
  const std::size_t at_start = CountingLock::taken;
  auto handle = pids.allocate();
  REQUIRE(handle);
  CHECK(CountingLock::taken == at_start + 1);
  const std::size_t id = handle.release();
  CHECK(CountingLock::taken == at_start + 1);
  CHECK(pids.contains(id));
  auto again = pids.allocate();
  again.reset();
  CHECK(CountingLock::taken == at_start + 3);
  CHECK(pids.recycle(id));
  CHECK(pids.empty());
}
