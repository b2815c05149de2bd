// The Pid handle: RAII recycling, moves, release/reset, comparisons, containers.
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <compare>
#include <map>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

// One non-template type for every allocator, two words, move-only.
static_assert(sizeof(pidalloc::Pid) <= 2 * sizeof(void*));
static_assert(std::is_nothrow_default_constructible_v<pidalloc::Pid>);
static_assert(std::is_nothrow_move_constructible_v<pidalloc::Pid>);
static_assert(std::is_nothrow_move_assignable_v<pidalloc::Pid>);
static_assert(std::is_nothrow_destructible_v<pidalloc::Pid>);
static_assert(!std::is_copy_constructible_v<pidalloc::Pid>);
static_assert(!std::is_copy_assignable_v<pidalloc::Pid>);
static_assert(!std::is_convertible_v<pidalloc::Pid, bool>);  // explicit operator bool
static_assert(
    std::is_same_v<decltype(std::declval<pidalloc::PidAllocator<1>&>().allocate()),
                   decltype(std::declval<pidalloc::PidAllocator<9, std::mutex>&>().allocate())>);

TEST_CASE("a default-constructed Pid is empty", "[pid]") {
  pidalloc::Pid empty;
  CHECK_FALSE(empty);
  CHECK(empty.get() == pidalloc::kNoId);
  CHECK(*empty == pidalloc::kNoId);
  CHECK(empty.release() == pidalloc::kNoId);
  empty.reset();  // nothing to recycle
  CHECK_FALSE(empty);
}

TEST_CASE("the destructor recycles", "[pid]") {
  pidalloc::PidAllocator<1> pids;
  {
    auto p = pids.allocate();
    CHECK(p);
    CHECK(pids.contains(*p));
    CHECK(pids.size() == 1);
  }
  CHECK(pids.empty());
  CHECK_FALSE(pids.contains(0));
}

TEST_CASE("moves transfer ownership; moved-from handles are empty and recycle nothing", "[pid]") {
  pidalloc::PidAllocator<1> pids;
  auto a = pids.allocate();
  const std::size_t id = *a;

  pidalloc::Pid b = std::move(a);
  CHECK_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is what we test
  CHECK(a.get() == pidalloc::kNoId);
  CHECK(*b == id);
  a.reset();  // a moved-from handle recycles nothing
  CHECK(pids.contains(id));

  pidalloc::Pid c;
  c = std::move(b);
  CHECK_FALSE(b);  // NOLINT(bugprone-use-after-move)
  CHECK(*c == id);
  CHECK(pids.size() == 1);

  SECTION("move-assigning over a live handle recycles the old id") {
    auto d = pids.allocate();
    const std::size_t old = *d;
    d = std::move(c);
    CHECK(*d == id);
    CHECK_FALSE(pids.contains(old));
    CHECK(pids.size() == 1);
  }
  SECTION("self-move-assignment keeps the id") {
    pidalloc::Pid& alias = c;
    c = std::move(alias);
    CHECK(*c == id);
    CHECK(pids.contains(id));
  }
}

TEST_CASE("release detaches without recycling; reset recycles now", "[pid]") {
  pidalloc::PidAllocator<1> pids;
  auto p = pids.allocate();
  const std::size_t id = p.release();
  CHECK_FALSE(p);
  CHECK(pids.contains(id));
  CHECK(pids.size() == 1);
  CHECK(pids.recycle(id));
  CHECK(pids.empty());

  auto q = pids.allocate();
  q.reset();
  CHECK_FALSE(q);
  CHECK(pids.empty());
  q.reset();  // twice is harmless
  CHECK(pids.empty());
}

TEST_CASE("== and <=> compare allocator and id", "[pid]") {
  pidalloc::PidAllocator<1> pids;
  auto a = pids.allocate();
  auto b = pids.allocate();
  pidalloc::Pid empty1;
  pidalloc::Pid empty2;
  CHECK(a == a);
  CHECK(a != b);
  CHECK(a < b);
  CHECK((b <=> a) == std::strong_ordering::greater);
  CHECK(empty1 == empty2);  // both kNoId
  CHECK(a < empty1);        // an empty handle sorts last

  pidalloc::PidAllocator<1> other;
  auto c = other.allocate();
  REQUIRE(*c == *a);
  CHECK(c != a);  // the same id of another allocator is another handle
  CHECK((c <=> a) != std::strong_ordering::equal);
  CHECK(((c < a) != (a < c)));  // a consistent order across allocators
  CHECK(c < empty1);
}

TEST_CASE("handles kept in containers", "[pid]") {
  pidalloc::PidAllocator<8> pids;
  SECTION("vector growth moves handles without recycling them") {
    std::vector<pidalloc::Pid> held;
    for (int i = 0; i < 200; ++i) held.push_back(pids.allocate());  // several reallocations
    CHECK(pids.size() == 200);
    for (std::size_t i = 0; i < held.size(); ++i) CHECK(*held[i] == i);
    std::reverse(held.begin(), held.end());
    CHECK(std::is_sorted(held.begin(), held.end(),
                         [](const auto& x, const auto& y) { return y < x; }));
    held.erase(held.begin(), held.begin() + 50);  // ids 150..199
    CHECK(pids.size() == 150);
    CHECK_FALSE(pids.contains(150));
    CHECK(pids.contains(149));
    held.clear();
    CHECK(pids.empty());
  }
  SECTION("an ordered map keyed by Pid") {
    std::map<pidalloc::Pid, int> by_pid;
    for (int i = 0; i < 5; ++i) by_pid.emplace(pids.allocate(), i);
    int expected = 0;
    for (const auto& [pid, value] : by_pid) CHECK(*pid == static_cast<std::size_t>(expected++));
    by_pid.erase(by_pid.begin());
    CHECK_FALSE(pids.contains(0));
    CHECK(pids.size() == 4);
  }
  CHECK(pids.check_invariants());
}

TEST_CASE("Pid from different allocators in one container", "[pid]") {
  pidalloc::PidAllocator<1> small;
  pidalloc::PidAllocator<16, std::mutex> large;
  std::vector<pidalloc::Pid> mixed;
  mixed.push_back(small.allocate());
  mixed.push_back(large.allocate_at(300));
  CHECK(small.size() == 1);
  CHECK(large.size() == 1);
  mixed.clear();  // each handle recycles into its own allocator
  CHECK(small.empty());
  CHECK(large.empty());
}
