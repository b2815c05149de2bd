// check_invariants() must notice a corrupted bitmap. detail::TestAccess is the library's
// test-only door to the words; nothing else uses it.
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

namespace pidalloc::detail {
struct TestAccess {
  template <class Allocator>
  static std::atomic<std::size_t>& word(Allocator& pids, std::size_t layer, std::size_t index) {
    return pids.bitmap_.word(layer, index);
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
    TestAccess::word(*pids, 0, 10).fetch_or(1);
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a bottom bit cleared behind the allocator's back") {
    TestAccess::word(*pids, 0, 1).fetch_and(~std::size_t{1});
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a summary bit claiming a word is full when it is not") {
    TestAccess::word(*pids, 1, 0).fetch_or(std::size_t{1} << 10);
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("a summary bit missing for a full word") {
    TestAccess::word(*pids, 1, 0).fetch_and(~std::size_t{1});  // word 0 of the bottom is full
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
    TestAccess::word(*pids, 2, 0)
        .fetch_or(std::size_t{1} << (std::numeric_limits<std::size_t>::digits - 1));
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
    TestAccess::word(*pids, 1, 0).fetch_or(1);
    CHECK_FALSE(pids->check_invariants());
  }
  SECTION("the locked policies' count written under Scalable") {
    TestAccess::count(*pids).store(200);
    CHECK_FALSE(pids->check_invariants());
  }
}
