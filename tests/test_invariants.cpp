// check_invariants() must notice a corrupted bitmap. detail::TestAccess is the library's
// test-only door to the words; nothing else uses it.
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

namespace pidalloc::detail {
struct TestAccess {
  template <class Allocator>
  static std::atomic<std::size_t>& bottom(Allocator& pids, std::size_t index) {
    return pids.bitmap_.bottom(index);
  }
  template <class Allocator>
  static std::size_t& summary(Allocator& pids, std::size_t layer, std::size_t index) {
    return pids.bitmap_.summary(layer, index);
  }
  template <class Allocator>
  static auto& lowest_free(Allocator& pids) {
    return pids.state_.first_;
  }
  template <class Allocator>
  static auto& next_free(Allocator& pids) {
    return pids.state_.second_;
  }
  template <class Allocator>
  static void set_search_from(Allocator& pids, std::uint64_t from) {
    if constexpr (requires { pids.state_.search_bits_; }) {
      pids.state_.set_search_from(from);
    } else {
      pids.state_.search_from_ = from;
    }
  }
  // VersionedPidAllocator: how many times `id` has been freed (its generation minus one); under
  // Scalable its sequence counter (even: free, odd: live; generation counter / 2 + 1).
  template <class Allocator>
  static std::atomic_ref<std::uint32_t> frees(Allocator& pids, std::size_t id) {
    return pids.tracker_.count(id);
  }
  template <class Allocator>
  static auto& scalable_hint(Allocator& pids, std::size_t slot) {
    return pids.state_.slots_[slot].word_plus_one;
  }
  template <class Allocator>
  static auto& count(Allocator& pids) {
    return pids.bitmap_.count_;
  }
  template <class Allocator>
  static std::size_t layers() {
    return decltype(Allocator::bitmap_)::kLayers;
  }
};
}  // namespace pidalloc::detail

using pidalloc::detail::TestAccess;

TEST_CASE("check_invariants holds through normal use and catches corruption", "[invariants]") {
  using Allocator = pidalloc::PidAllocator<65>;  // three layers on 64-bit, with padding
  auto pids = std::make_unique<Allocator>();
  REQUIRE(TestAccess::layers<Allocator>() >= 3);
  CHECK(pids->check_invariants());
  for (int i = 0; i < 200; ++i) pids->allocate().release();
  CHECK(pids->check_invariants());

  SECTION("a bottom bit set behind the allocator's back (count disagrees)") {
    TestAccess::bottom(*pids, 10).fetch_or(1);
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a bottom bit cleared behind the allocator's back") {
    TestAccess::bottom(*pids, 1).fetch_and(~std::size_t{1});
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a summary bit claiming a word is full when it is not") {
    TestAccess::summary(*pids, 1, 0) |= std::size_t{1} << 10;
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a summary bit missing for a full word") {
    TestAccess::summary(*pids, 1, 0) &= ~std::size_t{1};  // word 0 of the bottom is full
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("lowest-first's remembered lowest free id is wrong") {
    REQUIRE(TestAccess::lowest_free(*pids) == 200);
    TestAccess::lowest_free(*pids) = 201;
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("lowest-first's remembered next free id is wrong") {
    pids->recycle(7);  // now 7 is the lowest and 200 the next, both remembered
    REQUIRE(TestAccess::next_free(*pids) == 200);
    CHECK(pids->check_invariants());
    TestAccess::next_free(*pids) = 201;
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a padding bit set in the top word") {
    TestAccess::summary(*pids, 2, 0) |= std::size_t{1}
                                        << (std::numeric_limits<std::size_t>::digits - 1);
    CHECK_FALSE(pids->check_invariants());
  }
}

TEST_CASE("check_invariants catches a cyclic kind's next search start out of step",
          "[invariants]") {
  const auto corrupt = [](auto& pids) {
    for (int i = 0; i < 20; ++i) pids.allocate().release();
    REQUIRE(pids.check_invariants());
    // One past the last id plus the pending skip; anything further than the largest skip past
    // capacity() cannot be one past an id, whatever the pending skip is.
    TestAccess::set_search_from(pids, pids.capacity() + 50);
    CHECK_FALSE(pids.check_invariants());
  };
  auto cyclic =
      std::make_unique<pidalloc::PidAllocator<4, pidalloc::Spinlock, pidalloc::Cyclic<10>>>();
  corrupt(*cyclic);
  auto random = std::make_unique<
      pidalloc::PidAllocator<4, pidalloc::Spinlock, pidalloc::RandomCyclic<10, 50, 3>>>();
  corrupt(*random);
}

TEST_CASE("generations wrap from 2^32 - 1 to 1, never to the empty ref's 0", "[invariants]") {
  pidalloc::VersionedPidAllocator<1> pids;
  // Id 9 has been freed 2^32 - 3 times: its next lifetimes are generations 2^32 - 2, 2^32 - 1, 1.
  TestAccess::frees(pids, 9).store(0xFFFF'FFFDU);
  REQUIRE(pids.check_invariants());
  const std::size_t id = pids.allocate_id_at(9);
  REQUIRE(id == 9);
  const pidalloc::PidRef a = pids.ref_of(id);
  CHECK(a.generation() == 0xFFFF'FFFEU);
  REQUIRE(pids.recycle(a));
  REQUIRE(pids.allocate_id_at(9) == 9);
  const pidalloc::PidRef b = pids.ref_of(id);
  CHECK(b.generation() == 0xFFFF'FFFFU);
  CHECK_FALSE(pids.is_current(a));
  REQUIRE(pids.recycle(b));
  CHECK(TestAccess::frees(pids, 9).load() == 0);  // skipped 0xFFFFFFFF
  REQUIRE(pids.allocate_id_at(9) == 9);
  const pidalloc::PidRef c = pids.ref_of(id);
  CHECK(c.generation() == 1);
  CHECK(pids.is_current(c));
  CHECK_FALSE(pids.is_current(a));
  CHECK_FALSE(pids.is_current(b));
  CHECK_FALSE(pids.is_current(pidalloc::PidRef{}));
  CHECK(pids.check_invariants());
  // A counter at the value it skips is corruption.
  TestAccess::frees(pids, 3).store(0xFFFF'FFFFU);
  CHECK_FALSE(pids.check_invariants());
  TestAccess::frees(pids, 3).store(0);
  CHECK(pids.recycle(c));
}

TEST_CASE("check_invariants covers Scalable's state: hints in range, summaries and count unused",
          "[invariants]") {
  using Allocator = pidalloc::PidAllocator<65, pidalloc::Spinlock, pidalloc::Scalable<>>;
  auto pids = std::make_unique<Allocator>();  // three layers, of which Scalable uses the bottom
  for (int i = 0; i < 200; ++i) pids->allocate().release();
  REQUIRE(pids->size() == 200);
  CHECK(pids->check_invariants());

  SECTION("a hint past the last word") {
    TestAccess::scalable_hint(*pids, 3).store(66);  // word index 65 + 1
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a hint at the last word is fine") {
    TestAccess::scalable_hint(*pids, 3).store(65);
    CHECK(pids->check_invariants());
  }
  SECTION("a summary bit written under Scalable") {
    TestAccess::summary(*pids, 1, 0) |= 1;
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("the locked policies' count written under Scalable") {
    TestAccess::count(*pids) = 200;
    CHECK_FALSE(pids->check_invariants());
  }
}

TEST_CASE("Scalable generations wrap from 2^31 to 1; an odd counter of a free id is corruption",
          "[invariants]") {
  pidalloc::VersionedPidAllocator<1, pidalloc::Spinlock, pidalloc::Scalable<>> pids;
  // Id 9's counter is 2^32 - 2: free, its next lifetime generation 2^31, the last before the wrap.
  TestAccess::frees(pids, 9).store(0xFFFF'FFFEU);
  REQUIRE(pids.check_invariants());
  REQUIRE(pids.allocate_id_at(9) == 9);
  const pidalloc::PidRef a = pids.ref_of(9);
  CHECK(a.generation() == 0x8000'0000U);
  CHECK(pids.is_current(a));
  REQUIRE(pids.recycle(a));
  CHECK(TestAccess::frees(pids, 9).load() == 0);  // wrapped, even: free
  REQUIRE(pids.allocate_id_at(9) == 9);
  const pidalloc::PidRef b = pids.ref_of(9);
  CHECK(b.generation() == 1);
  CHECK(pids.is_current(b));
  CHECK_FALSE(pids.is_current(a));
  CHECK_FALSE(pids.recycle(a));
  CHECK(pids.check_invariants());
  // An odd counter says live, but the bit is clear: check_invariants() sees it at any time.
  TestAccess::frees(pids, 3).store(5);
  CHECK_FALSE(pids.check_invariants());
  TestAccess::frees(pids, 3).store(6);  // even with the bit clear: a free id, fine
  CHECK(pids.check_invariants());
  CHECK(pids.ref_of(3).empty());
  CHECK(pids.recycle(b));
  CHECK(pids.empty());
}
