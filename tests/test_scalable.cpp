// Scalable: the policy whose allocate() and recycle() take no lock. Single-threaded semantics
// (some free id below the limit; bad input; exhaustion found from any core's hint, ids parked
// near one core found from another), then [concurrency] tests that ThreadSanitizer runs: the
// shared ownership churn with the default, a constant and a wrong hint, and a thread whose
// allocations must never fail while an id stays free.
#include <pid_allocator/pid_allocator.hpp>

#include "ownership_churn.hpp"

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace {

using pidalloc::kNoId;
using pidalloc::Pid;

// A hint the test sets: every thread reads the same core number. relaxed: the tests set it
// between phases, from the thread that then allocates.
struct PickedCpu {
  static inline std::atomic<std::size_t> core{0};
  static std::size_t cpu() noexcept { return core.load(std::memory_order_relaxed); }
};

// A hint that is wrong on purpose: a different "core" almost every call, so that a thread's
// allocations and frees move between hints all the time.
struct WanderingCpu {
  static std::size_t cpu() noexcept {
    thread_local std::uint64_t state = 0x9E3779B97F4A7C15ULL;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::size_t>(state >> 40);
  }
};

template <std::size_t Order, class Hint = PickedCpu, std::size_t MaxCores = 64>
using ScalableAlloc =
    pidalloc::PidAllocator<Order, pidalloc::Spinlock, pidalloc::Scalable<Hint, MaxCores>>;

constexpr std::size_t kW = std::numeric_limits<std::size_t>::digits;

// Allocates until allocate_id() fails; checks every id is new and below `limit`.
template <class Allocator>
std::set<std::size_t> drain_all(Allocator& pids, std::size_t limit) {
  std::set<std::size_t> got;
  for (;;) {
    const std::size_t id = pids.allocate_id();
    if (id == kNoId) break;
    CHECK(id < limit);
    CHECK(got.insert(id).second);
  }
  return got;
}

}  // namespace

TEST_CASE("Scalable: every id below the limit once, then none; all again after recycling",
          "[scalable]") {
  PickedCpu::core = 3;
  auto pids = std::make_unique<ScalableAlloc<5>>();
  CHECK(pids->empty());
  CHECK(pids->check_invariants());
  const std::set<std::size_t> all = drain_all(*pids, pids->capacity());
  CHECK(all.size() == pids->capacity());
  CHECK(pids->size() == pids->capacity());
  CHECK(pids->full());
  CHECK_FALSE(pids->allocate());
  CHECK(pids->allocate().get() == kNoId);
  CHECK(pids->allocate_id() == kNoId);
  CHECK(pids->allocate_id_in(0, pids->capacity()) == kNoId);
  CHECK(pids->check_invariants());
  for (std::size_t id = 0; id < pids->capacity(); ++id) CHECK(pids->contains(id));
  for (std::size_t id = 0; id < pids->capacity(); ++id) CHECK(pids->recycle(id));
  CHECK(pids->empty());
  CHECK_FALSE(pids->full());
  CHECK(pids->next_allocated(0) == kNoId);
  PickedCpu::core = 17;  // another core finds them all too
  CHECK(drain_all(*pids, pids->capacity()).size() == pids->capacity());
  for (std::size_t id = 0; id < pids->capacity(); ++id) CHECK(pids->recycle(id));
  CHECK(pids->check_invariants());
}

TEST_CASE("Scalable: a core takes ids next to one another, cores start far apart", "[scalable]") {
  auto pids = std::make_unique<ScalableAlloc<1024>>();  // 64 hints
  PickedCpu::core = 0;
  const std::size_t a0 = pids->allocate_id();
  const std::size_t a1 = pids->allocate_id();
  PickedCpu::core = 1;
  const std::size_t b0 = pids->allocate_id();
  const std::size_t b1 = pids->allocate_id();
  CHECK(a0 / kW == a1 / kW);  // one word per core while it has room
  CHECK(b0 / kW == b1 / kW);
  CHECK(a0 == 0);  // core 0 starts at the bottom, core 1 half way up
  CHECK(b0 == pids->capacity() / 2);
  // A core that frees an id looks in that word next.
  CHECK(pids->recycle(a1));
  PickedCpu::core = 0;
  CHECK(pids->allocate_id() == a1);
  // More cores than hints share them (core 64 is core 0's hint), correctly.
  PickedCpu::core = 64;
  CHECK(pids->allocate_id() / kW == a0 / kW);
  CHECK(pids->size() == 5);
  CHECK(pids->check_invariants());
}

TEST_CASE("Scalable: bad input keeps its answers", "[scalable]") {
  PickedCpu::core = 0;
  ScalableAlloc<2> pids;
  const std::size_t cap = pids.capacity();
  CHECK_FALSE(pids.recycle(0));  // never allocated
  CHECK_FALSE(pids.recycle(cap));
  CHECK_FALSE(pids.recycle(kNoId));
  CHECK(pids.allocate_id_at(cap) == kNoId);
  CHECK(pids.allocate_id_at(kNoId) == kNoId);
  CHECK_FALSE(pids.allocate_at(cap + 5));
  CHECK(pids.allocate_id_in(5, 5) == kNoId);
  CHECK(pids.allocate_id_in(6, 5) == kNoId);
  CHECK(pids.allocate_id_in(cap, kNoId) == kNoId);
  CHECK_FALSE(pids.set_limit(cap + 1));
  CHECK(pids.limit() == cap);
  CHECK(pids.empty());

  const std::size_t id = kW + 6;
  CHECK(pids.allocate_id_at(id) == id);
  CHECK(pids.allocate_id_at(id) == kNoId);  // taken
  CHECK(pids.contains(id));
  CHECK(pids.recycle(id));
  CHECK_FALSE(pids.recycle(id));  // double free
  CHECK_FALSE(pids.contains(id));
  CHECK(pids.empty());
  CHECK(pids.check_invariants());
}

TEST_CASE("Scalable: the limit, allocate_at and allocate_in", "[scalable]") {
  PickedCpu::core = 1;  // starts in the second word, where the first limit below ends
  ScalableAlloc<3> pids;
  const std::size_t low = kW + 6;    // part of the second word
  const std::size_t high = kW + 36;  // further on
  REQUIRE(pids.set_limit(low));
  std::set<std::size_t> got = drain_all(pids, low);
  CHECK(got.size() == low);
  CHECK(pids.full());
  CHECK(pids.allocate_id_at(low) == kNoId);  // at the limit
  REQUIRE(pids.set_limit(high));
  CHECK_FALSE(pids.full());
  CHECK(pids.allocate_id_in(0, pids.capacity()) == low);  // the lowest free id in range
  CHECK(pids.allocate_id_in(kW + 26, kW + 31) == kW + 26);
  CHECK(pids.allocate_id_in(high, pids.capacity()) == kNoId);  // at or above the limit
  CHECK(pids.allocate_id_at(high - 1) == high - 1);
  got = drain_all(pids, high);
  CHECK(got.size() == high - low - 3);
  REQUIRE(pids.set_limit(0));
  CHECK(pids.allocate_id() == kNoId);
  CHECK(pids.full());
  REQUIRE(pids.set_limit(low - 1));  // ids above a lowered limit stay allocated until recycled
  CHECK(pids.contains(high - 1));
  CHECK(pids.recycle(high - 1));
  CHECK(pids.allocate_id() == kNoId);  // every id below the limit is taken
  REQUIRE(pids.set_limit(pids.capacity()));
  for (std::size_t id = 0; id + 1 < high; ++id) CHECK(pids.recycle(id));
  CHECK(pids.empty());
  CHECK(drain_all(pids, pids.capacity()).size() == pids.capacity());
  for (std::size_t id = 0; id < pids.capacity(); ++id) CHECK(pids.recycle(id));
  CHECK(pids.check_invariants());
}

TEST_CASE("Scalable: ids parked near one core are all found from another", "[scalable]") {
  auto pids = std::make_unique<ScalableAlloc<64, PickedCpu, 8>>();  // 8 hints, 4,096 ids
  const std::size_t cap = pids->capacity();
  // Core 0 fills everything, then frees a few ids around its own place and one at each end.
  PickedCpu::core = 0;
  CHECK(drain_all(*pids, cap).size() == cap);
  const std::vector<std::size_t> parked = {0, 1, 63, 64, 130, 700, cap / 2 - 1, cap - 1};
  for (const std::size_t id : parked) CHECK(pids->recycle(id));
  // Each other core, whose own place is full, finds every parked id and then reports exhaustion.
  for (std::size_t core = 1; core < 8; ++core) {
    PickedCpu::core = core;
    const std::set<std::size_t> found = drain_all(*pids, cap);
    CHECK(found == std::set<std::size_t>(parked.begin(), parked.end()));
    CHECK(pids->full());
    for (const std::size_t id : parked) CHECK(pids->recycle(id));
  }
  // The same through a lowered limit: only the parked ids below it.
  REQUIRE(pids->set_limit(131));
  PickedCpu::core = 5;
  CHECK(drain_all(*pids, 131) == std::set<std::size_t>{0, 1, 63, 64, 130});
  CHECK(pids->allocate_id() == kNoId);
  REQUIRE(pids->set_limit(cap));
  CHECK(pids->size() == cap - 3);
  for (std::size_t id = 0; id < cap; ++id) {
    if (pids->contains(id)) CHECK(pids->recycle(id));
  }
  CHECK(pids->empty());
  CHECK(pids->check_invariants());
}

TEST_CASE("Scalable: Pid handles recycle without a lock", "[scalable]") {
  PickedCpu::core = 2;
  ScalableAlloc<1> pids;
  {
    std::vector<Pid> held;
    for (Pid p = pids.allocate(); p; p = pids.allocate()) held.push_back(std::move(p));
    CHECK(held.size() == pids.capacity());
    CHECK(pids.size() == pids.capacity());
    Pid moved = std::move(held.back());
    held.pop_back();
    const std::size_t id = moved.release();
    CHECK(pids.contains(id));
    CHECK(pids.recycle(id));
    Pid again = pids.allocate();
    CHECK(again.get() == id);
    again.reset();
    CHECK_FALSE(pids.contains(id));
    std::size_t listed = 0;
    pids.for_each_allocated([&](std::size_t) { ++listed; });
    CHECK(listed == pids.capacity() - 1);
  }
  CHECK(pids.empty());
  CHECK(pids.check_invariants());
}

TEST_CASE("Scalable: one word and one hint (the smallest shape)", "[scalable]") {
  PickedCpu::core = 9;
  ScalableAlloc<1, PickedCpu, 1> pids;
  CHECK(drain_all(pids, pids.capacity()).size() == pids.capacity());
  CHECK(pids.recycle(kW - 5));
  PickedCpu::core = 0;
  CHECK(pids.allocate_id() == kW - 5);
  for (std::size_t id = 0; id < pids.capacity(); ++id) CHECK(pids.recycle(id));
  CHECK(pids.check_invariants());
}

TEST_CASE("Scalable: the hosted default hint (a number per thread)", "[scalable]") {
  pidalloc::PidAllocator<16, pidalloc::Spinlock, pidalloc::Scalable<>> pids;
  std::size_t mine = pidalloc::ThreadSlotHint::cpu();
  CHECK(pidalloc::ThreadSlotHint::cpu() == mine);  // fixed for the thread
  std::size_t theirs = mine;
  std::thread([&] { theirs = pidalloc::ThreadSlotHint::cpu(); }).join();
  CHECK(theirs != mine);
  const std::size_t id = pids.allocate_id();
  CHECK(id != kNoId);
  CHECK(pids.recycle(id));
}

// ---- concurrency ----

// The default hint's ownership churn is in tests/test_concurrency.cpp, beside the other policies'.

TEST_CASE("Scalable: no id is held twice (every thread on one hint)", "[concurrency][scalable]") {
  PickedCpu::core = 5;
  ScalableAlloc<2> pids;
  pidalloc_test::hammer(pids, 20, 20000);
}

TEST_CASE("Scalable: no id is held twice (a wrong hint on every call)", "[concurrency][scalable]") {
  ScalableAlloc<3, WanderingCpu, 4> pids;
  pidalloc_test::hammer(pids, 20, 20000);
}

TEST_CASE("Scalable: allocate() fails only when no id stayed free", "[concurrency][scalable]") {
  // 4 words. Words 0-2 are churned by disturbers through allocate_at() and recycle(), so that
  // claims there race; of word 3, all but 8 ids are held throughout. At most 2 ids are held by the
  // checking threads, so at least 6 ids of word 3 stay free through every call: allocate() must
  // never fail, from whichever hint it starts.
  ScalableAlloc<4, WanderingCpu, 4> pids;
  const std::size_t churned = 3 * kW;  // ids below it are the disturbers'
  const std::size_t held_end = 4 * kW - 8;
  for (std::size_t id = churned; id < held_end; ++id) REQUIRE(pids.allocate_id_at(id) == id);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::uint64_t rng = 0x2545F4914F6CDD1DULL * static_cast<std::uint64_t>(t + 1);
      while (!stop.load(std::memory_order_relaxed)) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        const std::size_t id = static_cast<std::size_t>(rng >> 40) % churned;
        if (pids.allocate_id_at(id) == id && !pids.recycle(id)) {
          failures.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        const std::size_t id = pids.allocate_id();
        if (id == kNoId) {
          failures.fetch_add(1, std::memory_order_relaxed);
        } else if (!pids.recycle(id)) {
          failures.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  threads[4].join();
  threads[5].join();
  stop.store(true);
  for (int t = 0; t < 4; ++t) threads[static_cast<std::size_t>(t)].join();
  CHECK(failures.load() == 0);
  for (std::size_t id = churned; id < held_end; ++id) CHECK(pids.recycle(id));
  CHECK(pids.empty());
  CHECK(pids.check_invariants());
}

TEST_CASE("Scalable: contains() on another thread sees a completed allocate",
          "[concurrency][scalable]") {
  // As the test of the locked policies: a payload written before allocate_at() is seen by a
  // thread that sees the id allocated (fetch_or's release, contains()'s acquire), and a payload
  // written before recycle() is seen by the next owner (fetch_and's release, fetch_or's acquire).
  ScalableAlloc<2> pids;  // at least 64 ids with 32-bit words too
  std::uint64_t payload[64] = {};
  std::thread writer([&] {
    for (std::size_t id = 0; id < 64; ++id) {
      payload[id] = id * 3 + 1;
      pids.allocate_at(id).release();
    }
  });
  std::size_t mismatches = 0;
  for (std::size_t seen = 0; seen < 64;) {
    if (pids.contains(seen)) {
      if (payload[seen] != seen * 3 + 1) ++mismatches;
      ++seen;
    }
  }
  writer.join();
  CHECK(mismatches == 0);
  // Handing ids over through the bitmap alone: a writer fills a payload and frees the id; a reader
  // that claims it reads the payload with no other synchronisation.
  std::atomic<std::size_t> refused{0};
  std::thread handover([&] {
    for (std::size_t id = 0; id < 64; ++id) {
      payload[id] = id * 5 + 2;
      if (!pids.recycle(id)) refused.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::size_t claimed = 0;
  while (claimed < 64) {
    for (std::size_t id = 0; id < 64; ++id) {
      if (pids.allocate_id_at(id) == id) {
        if (payload[id] != id * 5 + 2) ++mismatches;
        ++claimed;
      }
    }
  }
  handover.join();
  CHECK(mismatches == 0);
  CHECK(refused.load() == 0);
  CHECK(pids.size() == 64);
}
