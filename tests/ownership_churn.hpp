// Shared by the concurrency tests: threads churn one allocator while an atomic ownership table
// proves that no id is ever held by two handles at once. Not a test file of its own (the test
// executable globs test_*.cpp only).
#ifndef PIDALLOC_TESTS_OWNERSHIP_CHURN_HPP
#define PIDALLOC_TESTS_OWNERSHIP_CHURN_HPP

#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace pidalloc_test {

inline constexpr int kThreads = 8;  // more threads than cores: lock holders get preempted

// owners[id] is 0 when nobody holds id, else the holder's thread number + 1. A claim that finds
// it non-zero, or a give-back that finds someone else's mark, is a double allocation.
template <class Allocator>
struct OwnershipTable {
  std::unique_ptr<std::atomic<std::uint32_t>[]> owners =
      std::make_unique<std::atomic<std::uint32_t>[]>(Allocator::capacity());
  std::atomic<std::size_t> violations{0};
  std::atomic<std::size_t> claims{0};

  void claim(std::size_t id, std::uint32_t who) {
    std::uint32_t expected = 0;
    if (!owners[id].compare_exchange_strong(expected, who, std::memory_order_relaxed))
      violations.fetch_add(1);
    claims.fetch_add(1, std::memory_order_relaxed);
  }
  void give_back(std::size_t id, std::uint32_t who) {
    std::uint32_t expected = who;
    if (!owners[id].compare_exchange_strong(expected, 0, std::memory_order_relaxed))
      violations.fetch_add(1);
  }
};

// Each thread keeps up to `keep` handles; it allocates (sometimes a specific id), frees a
// pseudo-random one of its own, or releases and recycles by raw id.
template <class Allocator>
void hammer(Allocator& pids, std::size_t keep, int iterations, int thread_count = kThreads) {
  OwnershipTable<Allocator> table;
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      const auto who = static_cast<std::uint32_t>(t + 1);
      std::uint64_t rng = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(who);
      std::vector<pidalloc::Pid> mine;
      for (int i = 0; i < iterations; ++i) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        const unsigned op = static_cast<unsigned>(rng % 8);
        if (mine.size() < keep && op < 5) {
          pidalloc::Pid p =
              op == 0
                  ? pids.allocate_at(static_cast<std::size_t>(rng >> 20) % Allocator::capacity())
                  : pids.allocate();
          if (p) {
            table.claim(*p, who);
            mine.push_back(std::move(p));
          }
        } else if (!mine.empty()) {
          const std::size_t victim = static_cast<std::size_t>(rng >> 32) % mine.size();
          table.give_back(*mine[victim], who);  // before the id becomes free again
          if (op == 7) {
            const std::size_t raw = mine[victim].release();
            if (!pids.recycle(raw)) table.violations.fetch_add(1);
          } else {
            mine[victim].reset();
          }
          mine[victim] = std::move(mine.back());
          mine.pop_back();
        }
      }
      for (const auto& p : mine) table.give_back(*p, who);
    });
  }
  for (auto& th : threads) th.join();
  CHECK(table.violations.load() == 0);
  CHECK(table.claims.load() > static_cast<std::size_t>(iterations));  // the threads did work
  CHECK(pids.size() == 0);
  CHECK(pids.check_invariants());
}

}  // namespace pidalloc_test

#endif  // PIDALLOC_TESTS_OWNERSHIP_CHURN_HPP
