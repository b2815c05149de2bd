// Core semantics of PidAllocator: capacity, lowest-first order, exhaustion, allocate_at, recycle,
// bad input, constinit, footprint, and a Lock other than the default.
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

namespace {

constexpr std::size_t kW = std::numeric_limits<std::size_t>::digits;

// Constant initialisation: no static constructor runs for these.
constinit pidalloc::PidAllocator<32> g_pids;
constinit pidalloc::PidAllocator<4, std::mutex> g_mutex_pids;
constinit pidalloc::PidAllocator<2, pidalloc::Spinlock, pidalloc::Cyclic<10>> g_cyclic_pids;

// The documented footprint bound: capacity/8 bytes + 2% + 64 bytes for lock and bookkeeping.
// The summary layers add 1/63 of the bitmap with 64-bit words (1.6%), but 1/31 with 32-bit
// words (3.2%), so 32-bit targets get a 4% allowance.
template <std::size_t Order>
constexpr bool within_footprint() {
  constexpr std::size_t bitmap_bytes = pidalloc::PidAllocator<Order>::capacity() / 8;
  constexpr std::size_t summary_allowance = kW == 64 ? bitmap_bytes / 50 : bitmap_bytes / 25;
  return sizeof(pidalloc::PidAllocator<Order>) <= bitmap_bytes + summary_allowance + 64;
}

}  // namespace

static_assert(pidalloc::PidAllocator<1>::capacity() == kW);
static_assert(pidalloc::PidAllocator<32>::capacity() == 32 * kW);
static_assert(pidalloc::PidAllocator<65536>::capacity() == 65536 * kW);
static_assert(!std::is_copy_constructible_v<pidalloc::PidAllocator<1>>);
static_assert(!std::is_copy_assignable_v<pidalloc::PidAllocator<1>>);
static_assert(!std::is_move_constructible_v<pidalloc::PidAllocator<1>>);
static_assert(!std::is_move_assignable_v<pidalloc::PidAllocator<1>>);
static_assert(std::is_nothrow_default_constructible_v<pidalloc::PidAllocator<1>>);
static_assert(noexcept(std::declval<pidalloc::PidAllocator<1>&>().allocate()));
static_assert(noexcept(std::declval<pidalloc::PidAllocator<1>&>().allocate_at(0)));
static_assert(noexcept(std::declval<pidalloc::PidAllocator<1>&>().recycle(0)));
static_assert(noexcept(std::declval<const pidalloc::PidAllocator<1>&>().contains(0)));
static_assert(within_footprint<1>());
static_assert(within_footprint<32>());
static_assert(within_footprint<1024>());
static_assert(within_footprint<65536>());
static_assert(pidalloc::BasicLockable<pidalloc::Spinlock>);
static_assert(pidalloc::BasicLockable<std::mutex>);
static_assert(!pidalloc::BasicLockable<int>);

TEST_CASE("constinit globals start empty and work", "[core]") {
  CHECK(g_pids.empty());
  CHECK(g_pids.limit() == g_pids.capacity());
  auto a = g_pids.allocate();
  auto b = g_pids.allocate();
  CHECK(*a == 0);
  CHECK(*b == 1);
  CHECK(g_pids.size() == 2);
  a.reset();
  b.reset();
  CHECK(g_pids.empty());

  auto m = g_mutex_pids.allocate();
  CHECK(*m == 0);

  auto c1 = g_cyclic_pids.allocate();
  c1.reset();
  auto c2 = g_cyclic_pids.allocate();
  CHECK(*c2 == 1);  // cyclic: 0 was just freed and is not handed out again at once
}

TEST_CASE("lowest free id first", "[core]") {
  pidalloc::PidAllocator<2> pids;
  std::vector<pidalloc::Pid> held;
  for (std::size_t i = 0; i < 10; ++i) held.push_back(pids.allocate());
  for (std::size_t i = 0; i < 10; ++i) CHECK(*held[i] == i);

  held[7].reset();
  held[3].reset();
  held[5].reset();
  CHECK(pids.allocate().release() == 3);
  CHECK(pids.allocate().release() == 5);
  CHECK(pids.allocate().release() == 7);
  CHECK(pids.allocate().release() == 10);
  CHECK(pids.check_invariants());
}

// Lowest-first remembers its lowest two free ids instead of searching (invariant (3)); every way
// of changing the free set must keep them right. A brute-force model answers what allocate()
// must return after a random mix of allocate, allocate_at, recycle and set_limit.
template <std::size_t Order>
void lowest_first_matches_model(std::uint64_t seed) {
  auto pids = std::make_unique<pidalloc::PidAllocator<Order>>();
  constexpr std::size_t capacity = pidalloc::PidAllocator<Order>::capacity();
  std::vector<bool> taken(capacity, false);
  std::size_t limit = capacity;
  std::uint64_t state = seed;
  const auto below = [&state](std::size_t bound) {  // xorshift64, then a value in [0, bound)
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::size_t>(state % bound);
  };
  for (int step = 0; step < 4000; ++step) {
    const std::size_t op = below(16);
    if (op < 7) {
      std::size_t expected = 0;
      while (expected < limit && taken[expected]) ++expected;
      const std::size_t got = pids->allocate().release();
      if (expected < limit) {
        REQUIRE(got == expected);
        taken[got] = true;
      } else {
        REQUIRE(got == pidalloc::kNoId);
      }
    } else if (op < 13) {
      const std::size_t id = below(capacity);
      REQUIRE(pids->recycle(id) == taken[id]);
      taken[id] = false;
    } else if (op < 15) {
      const std::size_t id = below(capacity);
      const bool claimable = id < limit && !taken[id];
      REQUIRE(static_cast<bool>(pids->allocate_at(id).release() != pidalloc::kNoId) == claimable);
      if (claimable) taken[id] = true;
    } else {
      limit = below(capacity + 1);
      REQUIRE(pids->set_limit(limit));
    }
    REQUIRE(pids->check_invariants());
  }
}

TEST_CASE("lowest-first's remembered free ids follow every change", "[core]") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    lowest_first_matches_model<1>(seed);
    lowest_first_matches_model<2>(seed);
    lowest_first_matches_model<3>(seed);
  }
}

TEST_CASE("fill to capacity, exhaustion, free one and get exactly it back", "[core]") {
  pidalloc::PidAllocator<3> pids;  // 3 words: the summary word has padding bits
  std::vector<pidalloc::Pid> held;
  while (auto pid = pids.allocate()) held.push_back(std::move(pid));
  REQUIRE(held.size() == pids.capacity());
  CHECK(pids.full());
  CHECK(pids.size() == pids.capacity());

  auto none = pids.allocate();
  CHECK_FALSE(none);
  CHECK(none.get() == pidalloc::kNoId);
  CHECK(pids.size() == pids.capacity());

  const std::size_t freed = pids.capacity() / 2 + 1;
  held[freed].reset();
  CHECK_FALSE(pids.full());
  CHECK_FALSE(pids.contains(freed));
  auto again = pids.allocate();
  CHECK(*again == freed);
  CHECK_FALSE(pids.allocate());

  held.clear();
  again.reset();
  CHECK(pids.empty());
  CHECK(pids.check_invariants());
}

TEST_CASE("allocate_at claims exactly the id asked for", "[core]") {
  pidalloc::PidAllocator<4> pids;

  SECTION("free id") {
    auto p = pids.allocate_at(100);
    REQUIRE(p);
    CHECK(*p == 100);
    CHECK(pids.contains(100));
    CHECK(pids.size() == 1);
    // Lowest-first allocation goes around it.
    CHECK(*pids.allocate() == 0);
  }
  SECTION("taken id gives an empty handle and changes nothing") {
    auto first = pids.allocate_at(5);
    auto second = pids.allocate_at(5);
    CHECK_FALSE(second);
    CHECK(pids.size() == 1);
    CHECK(pids.contains(5));
  }
  SECTION("out-of-range ids give an empty handle") {
    CHECK_FALSE(pids.allocate_at(pids.capacity()));
    CHECK_FALSE(pids.allocate_at(pids.capacity() + 1));
    CHECK_FALSE(pids.allocate_at(pidalloc::kNoId));
    CHECK(pids.empty());
  }
  SECTION("reserving 0 and 1 as a kernel does") {
    CHECK(pids.allocate_at(0).release() == 0);
    CHECK(pids.allocate_at(1).release() == 1);
    CHECK(*pids.allocate() == 2);
    CHECK(pids.recycle(0));
    CHECK(pids.recycle(1));
  }
  SECTION("the last id of a full word") {
    for (std::size_t i = 0; i + 1 < kW; ++i) CHECK(pids.allocate_at(i).release() == i);
    auto last = pids.allocate_at(kW - 1);  // completes word 0: its summary bit gets set
    CHECK(*last == kW - 1);
    CHECK(pids.check_invariants());
    CHECK(*pids.allocate() == kW);
    for (std::size_t i = 0; i + 1 < kW; ++i) CHECK(pids.recycle(i));
  }
  CHECK(pids.check_invariants());
}

TEST_CASE("recycle answers false for ids it does not own and changes nothing", "[core]") {
  pidalloc::PidAllocator<1> pids;
  const std::size_t id = pids.allocate().release();
  auto other = pids.allocate();

  CHECK(pids.recycle(id));
  CHECK_FALSE(pids.recycle(id));  // double free
  CHECK_FALSE(pids.recycle(40));  // never allocated
  CHECK_FALSE(pids.recycle(pids.capacity()));
  CHECK_FALSE(pids.recycle(pidalloc::kNoId));
  CHECK(pids.size() == 1);
  CHECK(pids.contains(*other));
  CHECK(pids.check_invariants());
}

TEST_CASE("contains answers for any id", "[core]") {
  pidalloc::PidAllocator<2> pids;
  auto p = pids.allocate_at(kW + 3);
  CHECK(pids.contains(kW + 3));
  CHECK_FALSE(pids.contains(kW + 2));
  CHECK_FALSE(pids.contains(pids.capacity()));
  CHECK_FALSE(pids.contains(pidalloc::kNoId));
  p.reset();
  CHECK_FALSE(pids.contains(kW + 3));
}

TEST_CASE("std::mutex as the Lock", "[core]") {
  auto pids = std::make_unique<pidalloc::PidAllocator<16, std::mutex>>();
  std::vector<pidalloc::Pid> held;
  while (auto pid = pids->allocate()) held.push_back(std::move(pid));
  CHECK(held.size() == pids->capacity());
  CHECK(pids->full());
  held.erase(held.begin() + 17);
  CHECK(*pids->allocate() == 17);
  held.clear();
  CHECK(pids->check_invariants());
}
