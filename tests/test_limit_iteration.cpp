// The runtime limit (pid_max) and iteration over live ids (next_allocated, for_each_allocated).
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

TEST_CASE("ids at or above the limit are never handed out", "[limit]") {
  pidalloc::PidAllocator<4> pids;
  CHECK(pids.limit() == pids.capacity());
  REQUIRE(pids.set_limit(10));
  CHECK(pids.limit() == 10);
  for (std::size_t i = 0; i < 10; ++i) CHECK(pids.allocate().release() == i);
  CHECK_FALSE(pids.allocate());
  CHECK(pids.full());
  CHECK_FALSE(pids.allocate_at(10));
  CHECK_FALSE(pids.allocate_at(pids.capacity() - 1));
  CHECK(pids.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) CHECK(pids.recycle(i));
}

TEST_CASE("set_limit rejects values above capacity and changes nothing", "[limit]") {
  pidalloc::PidAllocator<1> pids;
  CHECK(pids.set_limit(pids.capacity()));
  CHECK_FALSE(pids.set_limit(pids.capacity() + 1));
  CHECK_FALSE(pids.set_limit(pidalloc::kNoId));
  CHECK(pids.limit() == pids.capacity());
  CHECK(pids.set_limit(0));
  CHECK_FALSE(pids.allocate());
  CHECK(pids.full());
}

TEST_CASE("lowering the limit below live ids keeps them valid until recycled", "[limit]") {
  pidalloc::PidAllocator<4> pids;
  std::vector<pidalloc::Pid> held;
  for (int i = 0; i < 100; ++i) held.push_back(pids.allocate());
  REQUIRE(pids.set_limit(50));
  CHECK(pids.size() == 100);
  CHECK(pids.contains(99));
  CHECK(pids.full());  // every id below 50 is taken
  CHECK_FALSE(pids.allocate());

  held[80].reset();  // above the limit: freed, but not handed out again
  CHECK_FALSE(pids.contains(80));
  CHECK_FALSE(pids.allocate());
  held[20].reset();
  CHECK(pids.allocate().release() == 20);
  CHECK(pids.check_invariants());

  SECTION("raising it again makes the higher ids available") {
    REQUIRE(pids.set_limit(pids.capacity()));
    CHECK(pids.allocate().release() == 80);
    CHECK(pids.allocate().release() == 100);
  }
}

TEST_CASE("cyclic allocation wraps at the limit, not at capacity", "[limit]") {
  pidalloc::PidAllocator<4, pidalloc::Spinlock, pidalloc::Cyclic<5>> pids;
  REQUIRE(pids.set_limit(40));
  for (std::size_t i = 0; i < 40; ++i) CHECK(pids.allocate().release() == i);
  for (std::size_t i = 0; i < 40; ++i) CHECK(pids.recycle(i));
  CHECK(pids.allocate().release() == 5);  // past the limit: wrap to the floor
}

TEST_CASE("next_allocated finds the first live id at or after from", "[iteration]") {
  auto pids = std::make_unique<pidalloc::PidAllocator<4096>>();  // sparse ids over many words
  const std::vector<std::size_t> live = {0, 1, 63, 64, 65, 1000, 70000, pids->capacity() - 1};
  for (std::size_t id : live) REQUIRE(pids->allocate_at(id).release() == id);
  CHECK(pids->next_allocated(0) == 0);
  CHECK(pids->next_allocated(2) == 63);
  CHECK(pids->next_allocated(64) == 64);
  CHECK(pids->next_allocated(66) == 1000);
  CHECK(pids->next_allocated(1001) == 70000);
  CHECK(pids->next_allocated(70001) == pids->capacity() - 1);
  CHECK(pids->next_allocated(pids->capacity()) == pidalloc::kNoId);
  CHECK(pids->next_allocated(pidalloc::kNoId) == pidalloc::kNoId);

  std::vector<std::size_t> visited;
  pids->for_each_allocated([&](std::size_t id) { visited.push_back(id); });
  CHECK(visited == live);

  for (std::size_t id : live) CHECK(pids->recycle(id));
  CHECK(pids->next_allocated(0) == pidalloc::kNoId);
  std::size_t calls = 0;
  pids->for_each_allocated([&](std::size_t) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("iteration while other threads churn", "[iteration][concurrency]") {
  // Ids that stay live throughout must be reported; nothing is reported twice (the listing is
  // strictly ascending); everything reported is in range.
  auto pids = std::make_unique<pidalloc::PidAllocator<64>>();
  std::vector<pidalloc::Pid> stable;
  for (std::size_t id = 0; id < pids->capacity(); id += 37) stable.push_back(pids->allocate_at(id));
  std::atomic<bool> stop{false};
  std::vector<std::thread> churners;
  for (int t = 0; t < 3; ++t) {
    churners.emplace_back([&] {
      std::vector<pidalloc::Pid> mine;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 50; ++i) mine.push_back(pids->allocate());
        mine.clear();
      }
    });
  }
  std::size_t missing = 0;
  std::size_t not_ascending = 0;
  for (int pass = 0; pass < 200; ++pass) {
    std::size_t previous = pidalloc::kNoId;
    std::size_t next_stable = 0;
    pids->for_each_allocated([&](std::size_t id) {
      if (previous != pidalloc::kNoId && id <= previous) ++not_ascending;
      previous = id;
      while (next_stable < stable.size() && *stable[next_stable] < id) {
        ++missing;  // a stable id was skipped over
        ++next_stable;
      }
      if (next_stable < stable.size() && *stable[next_stable] == id) ++next_stable;
    });
    missing += stable.size() - next_stable;
  }
  stop.store(true);
  for (auto& th : churners) th.join();
  CHECK(missing == 0);
  CHECK(not_ascending == 0);
  stable.clear();
  CHECK(pids->empty());
  CHECK(pids->check_invariants());
}
