// Allocation policies: cyclic (Linux) and cyclic with a random skip (FreeBSD's randompid).
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <cstddef>
#include <memory>
#include <vector>

TEST_CASE("cyclic hands out the next id after the last, not the lowest", "[policy]") {
  pidalloc::PidAllocator<2, pidalloc::Spinlock, pidalloc::Cyclic<>> pids;
  auto a = pids.allocate();
  auto b = pids.allocate();
  CHECK(*a == 0);
  CHECK(*b == 1);
  a.reset();
  auto c = pids.allocate();
  CHECK(*c == 2);  // 0 is free again, but a just-freed id is not reused at once
  b.reset();
  c.reset();
  for (std::size_t expected = 3; expected < 10; ++expected) CHECK(*pids.allocate() == expected);
  CHECK(pids.empty());
}

TEST_CASE("cyclic skips live ids and wraps to the floor", "[policy]") {
  pidalloc::PidAllocator<4, pidalloc::Spinlock, pidalloc::Cyclic<100>>
      pids;  // 256 ids on 64-bit, 128 on 32-bit
  const std::size_t cap = pids.capacity();
  const std::size_t floor = 100;
  CHECK(pids.allocate_at(floor + 1).release() == floor + 1);
  std::vector<pidalloc::Pid> held;
  // Walk the cursor up to the top: ids 0..cap-1, skipping the reserved floor + 1.
  for (std::size_t i = 0; i + 1 < cap; ++i) {
    auto p = pids.allocate();
    REQUIRE(p);
    CHECK(*p == (i < floor + 1 ? i : i + 1));
    if (*p < 10 || *p >= floor) held.push_back(std::move(p));  // ids 10..floor-1 are freed
  }
  // The next search starts past the top and wraps to the floor, where floor and floor + 1
  // are taken: nothing is free at or above the floor, and ids below it are not used again.
  CHECK_FALSE(pids.allocate());
  CHECK_FALSE(pids.full());  // there are free ids, below the floor

  held.back().reset();  // frees cap - 1
  auto wrapped = pids.allocate();
  CHECK(*wrapped == cap - 1);
  CHECK(pids.recycle(floor + 1));
  auto after = pids.allocate();
  CHECK(*after == floor + 1);  // wrapped: the first free id at or above the floor
}

TEST_CASE("cyclic searches below the floor until its cursor has passed it, as Linux", "[policy]") {
  // Linux's alloc_pid() searches from its cursor and then again from pid_min, which is 1 until
  // the cursor has passed RESERVED_PIDS (the floor here) and RESERVED_PIDS after.
  pidalloc::PidAllocator<14, pidalloc::Spinlock, pidalloc::Cyclic<300>>
      pids;  // 896 ids on 64-bit, 448 on 32-bit
  REQUIRE(pids.set_limit(400));
  CHECK(pids.allocate_at(0).release() == 0);  // Linux never hands out 0
  std::vector<pidalloc::Pid> procs;           // procs[i] holds id i + 1
  for (std::size_t i = 1; i <= 11; ++i) {
    procs.push_back(pids.allocate());
    CHECK(*procs.back() == i);
  }
  for (std::size_t id = 12; id < 400; ++id) {
    procs.push_back(pids.allocate_at(id));
    REQUIRE(procs.back());
  }
  procs[4].reset();  // id 5 is free again; the cursor (12) is below the floor
  CHECK_FALSE(pids.full());
  procs[4] = pids.allocate();
  CHECK(*procs[4] == 5);
  CHECK(pids.check_invariants());

  procs[300].reset();  // id 301: the search from the cursor (6) finds it and passes the floor
  procs[300] = pids.allocate();
  CHECK(*procs[300] == 301);
  procs[6].reset();  // id 7 is free, but below the floor, which the cursor (302) has passed
  CHECK_FALSE(pids.allocate());
  CHECK_FALSE(pids.full());
  CHECK(pids.check_invariants());
}

TEST_CASE("cyclic with a floor at or above limit wraps to 0", "[policy]") {
  pidalloc::PidAllocator<1, pidalloc::Spinlock, pidalloc::Cyclic<1000>> pids;
  const std::size_t cap = pids.capacity();
  for (std::size_t i = 0; i < cap; ++i) CHECK(pids.allocate().release() == i);
  CHECK(pids.recycle(5));
  CHECK(pids.allocate().release() == 5);
  CHECK(pids.set_limit(20));
  for (std::size_t i = 0; i < cap; ++i) CHECK(pids.recycle(i));
  // cursor is 6; ids 6..19 then the wrap to 0 (floor 1000 >= limit 20)
  for (std::size_t i = 6; i < 20; ++i) CHECK(pids.allocate().release() == i);
  CHECK(pids.allocate().release() == 0);
}

TEST_CASE("a cyclic allocator never reuses a freed id before the others are used", "[policy]") {
  // The PID-reuse race: a freed id must survive a whole cycle before it comes back.
  pidalloc::PidAllocator<1, pidalloc::Spinlock, pidalloc::Cyclic<0>> pids;
  const std::size_t cap = pids.capacity();
  std::size_t previous = pids.allocate().release();
  for (std::size_t round = 0; round < 3 * cap; ++round) {
    CHECK(pids.recycle(previous));
    const std::size_t id = pids.allocate().release();
    CHECK(id == (previous + 1) % cap);
    previous = id;
  }
}

TEST_CASE("random_cyclic: no immediate reuse, ids in range, spread over the range", "[policy]") {
  constexpr std::uint32_t kSkip = 100;
  pidalloc::PidAllocator<64, pidalloc::Spinlock, pidalloc::RandomCyclic<300, kSkip, 12345>>
      pids;  // 4096 ids on 64-bit
  const std::size_t cap = pids.capacity();
  const std::size_t floor = 300;
  std::vector<std::size_t> seen_per_bucket(8, 0);
  std::size_t previous = pids.allocate().release();
  std::size_t forward_steps = 0;
  std::size_t gap_total = 0;
  std::size_t wraps = 0;
  const std::size_t rounds = 20000;
  for (std::size_t round = 0; round < rounds; ++round) {
    CHECK(pids.recycle(previous));
    const std::size_t id = pids.allocate().release();
    REQUIRE(id < cap);
    CHECK(id != previous);  // never the id just freed (it would need a whole cycle)
    if (id > previous) {
      ++forward_steps;
      gap_total += id - previous;
      CHECK(id - previous <= kSkip);  // one past the last plus a skip below kSkip
    } else {
      ++wraps;
      CHECK(id >= floor);  // wraps go to the floor, never below it
    }
    ++seen_per_bucket[id * 8 / cap];
    previous = id;
  }
  // The mean forward step of 1 + U[0, 100) is about 50.5; a broken generator (always 0, always
  // the maximum) lands far outside this band.
  const double mean_gap = static_cast<double>(gap_total) / static_cast<double>(forward_steps);
  CHECK(mean_gap > 45.0);
  CHECK(mean_gap < 56.0);
  CHECK(wraps > 0);
  // Spread: every eighth of [floor, cap) is visited (the first eighth holds the floor at 300).
  for (std::size_t bucket = 1; bucket < 8; ++bucket) CHECK(seen_per_bucket[bucket] > rounds / 16);
}

TEST_CASE("random_cyclic: the same seed gives the same sequence, reseed changes it", "[policy]") {
  using Allocator =
      pidalloc::PidAllocator<16, pidalloc::Spinlock, pidalloc::RandomCyclic<10, 1000, 42>>;
  Allocator first;
  Allocator second;
  std::vector<std::size_t> a;
  std::vector<std::size_t> b;
  for (int i = 0; i < 50; ++i) {
    a.push_back(first.allocate().release());
    b.push_back(second.allocate().release());
  }
  CHECK(a == b);
  first.reseed(43);
  second.reseed(44);
  std::size_t differences = 0;
  for (int i = 0; i < 50; ++i)
    differences += first.allocate().release() != second.allocate().release();
  CHECK(differences > 0);
}

TEST_CASE("random_cyclic: after reseed(s) the skips are those of a fresh allocator seeded s",
          "[policy]") {
  using Allocator =
      pidalloc::PidAllocator<1024, pidalloc::Spinlock, pidalloc::RandomCyclic<0, 1000, 42>>;
  using Fresh =
      pidalloc::PidAllocator<1024, pidalloc::Spinlock, pidalloc::RandomCyclic<0, 1000, 7>>;
  // 65,536 ids and 20 skips below 1,000 from near 0: no search wraps or meets a taken id, so each
  // id is one past the previous one (0 at first) plus exactly the skip drawn for it.
  const auto skips = [](auto& pids, std::size_t one_past_previous) {
    std::vector<std::size_t> drawn;
    for (int i = 0; i < 20; ++i) {
      const std::size_t id = pids.allocate().release();
      REQUIRE(id >= one_past_previous);
      drawn.push_back(id - one_past_previous);
      one_past_previous = id + 1;
    }
    return drawn;
  };
  auto reseeded = std::make_unique<Allocator>();
  std::size_t last = 0;
  for (int i = 0; i < 5; ++i) last = reseeded->allocate().release();
  reseeded->reseed(7);
  auto fresh = std::make_unique<Fresh>();
  const std::vector<std::size_t> expected = skips(*fresh, 0);
  CHECK(skips(*reseeded, last + 1) == expected);
  CHECK(reseeded->check_invariants());
}

TEST_CASE("random_cyclic: a failed allocation uses up no skip", "[policy]") {
  using Allocator = pidalloc::PidAllocator<4, pidalloc::Spinlock, pidalloc::RandomCyclic<0, 50, 5>>;
  Allocator failed_thrice;
  Allocator never_failed;
  std::vector<pidalloc::Pid> held_a;
  std::vector<pidalloc::Pid> held_b;
  for (std::size_t i = 0; i < failed_thrice.capacity(); ++i) {
    held_a.push_back(failed_thrice.allocate());
    held_b.push_back(never_failed.allocate());
  }
  for (int i = 0; i < 3; ++i) CHECK_FALSE(failed_thrice.allocate());
  // Free every third id in both; from here on both must hand out the same ids.
  for (std::size_t i = 0; i < held_a.size(); i += 3) {
    held_a[i].reset();
    held_b[i].reset();
  }
  for (int i = 0; i < 40; ++i) {
    const std::size_t a = failed_thrice.allocate().release();
    CHECK(a == never_failed.allocate().release());
  }
  CHECK(failed_thrice.check_invariants());
}

TEST_CASE("random_cyclic with max_skip 0 or 1 is plain cyclic", "[policy]") {
  const auto check_plain = [](auto& pids) {
    for (std::size_t i = 0; i < 10; ++i) CHECK(pids.allocate().release() == i);
  };
  pidalloc::PidAllocator<1, pidalloc::Spinlock, pidalloc::RandomCyclic<0, 0, 7>> skip0;
  pidalloc::PidAllocator<1, pidalloc::Spinlock, pidalloc::RandomCyclic<0, 1, 7>> skip1;
  check_plain(skip0);
  check_plain(skip1);
}
