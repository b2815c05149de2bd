// Every layer shape: one word (no summary), partial summary words (padding bits), exactly full
// summary words, three and four layers. On 32-bit targets the same Orders give other shapes.
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>

#include <cstddef>
#include <limits>
#include <memory>
#include <set>

TEMPLATE_TEST_CASE_SIG("fill, punch holes, refill and drain at boundary Orders", "[orders]",
                       ((std::size_t Order), Order), 1, 2, 63, 64, 65, 4095, 4096, 65536) {
  using Allocator = pidalloc::PidAllocator<Order>;
  constexpr std::size_t capacity = Allocator::capacity();
  STATIC_REQUIRE(capacity == Order * std::numeric_limits<std::size_t>::digits);
  auto pids = std::make_unique<Allocator>();  // up to 520 KiB: not on the stack

  // Fill: ids come out in ascending order with no gap. Aggregated to keep assertions cheap.
  std::size_t next = 0;
  bool ascending = true;
  while (auto pid = pids->allocate()) {
    ascending = ascending && *pid == next;
    ++next;
    pid.release();
  }
  CHECK(ascending);
  CHECK(next == capacity);
  CHECK(pids->full());
  CHECK(pids->size() == capacity);
  CHECK_FALSE(pids->allocate());
  CHECK(pids->check_invariants());

  // Holes at word and summary-word boundaries come back lowest first.
  const std::set<std::size_t> holes = {
      0,           1, capacity / 3, capacity / 2, capacity > 64 ? capacity - 64 : 0, capacity - 2,
      capacity - 1};
  for (std::size_t id : holes) CHECK(pids->recycle(id));
  CHECK(pids->size() == capacity - holes.size());
  CHECK(pids->check_invariants());
  for (std::size_t id : holes) CHECK(pids->allocate().release() == id);
  CHECK_FALSE(pids->allocate());

  // allocate_at on a full table, then on the last id after freeing it.
  CHECK_FALSE(pids->allocate_at(capacity - 1));
  CHECK(pids->recycle(capacity - 1));
  CHECK(pids->allocate_at(capacity - 1).release() == capacity - 1);

  // Drain in an interleaved order; every id comes back exactly once.
  bool all_recycled = true;
  for (std::size_t id = 0; id < capacity; id += 2) all_recycled = all_recycled && pids->recycle(id);
  CHECK(pids->check_invariants());
  for (std::size_t id = 1; id < capacity; id += 2) all_recycled = all_recycled && pids->recycle(id);
  CHECK(all_recycled);
  CHECK(pids->empty());
  CHECK_FALSE(pids->recycle(0));
  CHECK(pids->check_invariants());
  CHECK(pids->allocate().release() == 0);
}
