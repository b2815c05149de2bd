// Correctness must not depend on the Lock being fast or fair: a lock whose holder sleeps inside
// lock() and unlock() widens every window in which another thread could observe or change a
// half-updated bitmap. Threads churn ids through it while an ownership table watches for an id
// held twice and a monitor thread checks the invariants. Tagged [concurrency] so the TSan step
// runs it.
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace {

// Slow on purpose: the holder often yields or sleeps right after acquiring and right before
// releasing, so it is off the CPU for much of its critical section, and waiters yield instead of
// spinning. `contended` counts acquisitions that found the lock held, which shows that the test
// really made threads wait.
class HostileLock {
 public:
  void lock() noexcept {
    bool waited = false;
    while (held_.exchange(true, std::memory_order_acquire)) {
      waited = true;
      std::this_thread::yield();
    }
    if (waited) contended.fetch_add(1, std::memory_order_relaxed);
    stall();
  }
  void unlock() noexcept {
    stall();
    held_.store(false, std::memory_order_release);
    std::this_thread::yield();
  }

  static inline std::atomic<std::uint64_t> contended{0};

 private:
  // Every 16th call on a thread sleeps (the holder is descheduled), every 4th yields.
  static void stall() noexcept {
    thread_local unsigned calls = 0;
    ++calls;
    if (calls % 16 == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    } else if (calls % 4 == 0) {
      std::this_thread::yield();
    }
  }

  std::atomic<bool> held_{false};
};

constexpr std::uint32_t kThreads = 6;

template <class Allocator>
void churn_through_hostile_lock(Allocator& pids, std::size_t keep, int iterations) {
  std::unique_ptr<std::atomic<std::uint32_t>[]> owners =
      std::make_unique<std::atomic<std::uint32_t>[]>(Allocator::capacity());
  std::atomic<std::uint64_t> double_holds{0};
  std::atomic<std::uint64_t> wrong_answers{0};
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> broken_invariants{0};
  std::atomic<bool> stop{false};
  const std::uint64_t contended_before = HostileLock::contended.load();

  std::thread monitor([&] {
    while (!stop.load()) {
      if (!pids.check_invariants()) broken_invariants.fetch_add(1);
      // Leaves the lock to the workers most of the time; they are what is under test.
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, who = t + 1] {
      std::uint64_t rng = 0xD1B54A32D192ED03ULL * who;
      std::vector<pidalloc::Pid> mine;
      std::vector<std::size_t> raw;
      for (int i = 0; i < iterations; ++i) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        const unsigned op = static_cast<unsigned>(rng % 8);
        if (mine.size() + raw.size() < keep && op < 5) {
          pidalloc::Pid p =
              op == 0
                  ? pids.allocate_at(static_cast<std::size_t>(rng >> 24) % Allocator::capacity())
                  : pids.allocate();
          if (!p) continue;
          allocations.fetch_add(1, std::memory_order_relaxed);
          if (owners[*p].exchange(who) != 0) double_holds.fetch_add(1);
          if (op == 1) {
            raw.push_back(p.release());
          } else {
            mine.push_back(std::move(p));
          }
        } else if (!raw.empty() && op == 7) {
          const std::size_t id = raw.back();
          raw.pop_back();
          // The mark goes before the id does: afterwards another thread may claim it at once.
          if (owners[id].exchange(0) != who) double_holds.fetch_add(1);
          if (!pids.recycle(id)) wrong_answers.fetch_add(1);
          if (pids.recycle(Allocator::capacity() + id)) wrong_answers.fetch_add(1);
        } else if (!mine.empty()) {
          const std::size_t victim = static_cast<std::size_t>(rng >> 32) % mine.size();
          if (owners[*mine[victim]].exchange(0) != who) double_holds.fetch_add(1);
          mine[victim] = std::move(mine.back());  // move-assignment recycles the victim
          mine.pop_back();
        }
      }
      for (std::size_t id : raw) {
        if (owners[id].exchange(0) != who) double_holds.fetch_add(1);
        if (!pids.recycle(id)) wrong_answers.fetch_add(1);
      }
      for (const auto& p : mine) {
        if (owners[*p].exchange(0) != who) double_holds.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  stop.store(true);
  monitor.join();

  CHECK(double_holds.load() == 0);
  CHECK(wrong_answers.load() == 0);
  CHECK(broken_invariants.load() == 0);
  CHECK(allocations.load() > static_cast<std::uint64_t>(iterations));
  // Threads did queue behind a stalled holder; otherwise this test proved nothing.
  CHECK(HostileLock::contended.load() > contended_before);
  CHECK(pids.size() == 0);
  CHECK(pids.next_allocated(0) == pidalloc::kNoId);
  CHECK(pids.check_invariants());
}

}  // namespace

TEST_CASE("a lock that sleeps inside lock() and unlock() does not break correctness (lowest_first)",
          "[concurrency][hostile-lock]") {
  // 128 ids, 6 threads keeping up to 24 each: allocation fails often, on top of the stalls.
  pidalloc::PidAllocator<2, HostileLock> pids;
  churn_through_hostile_lock(pids, 24, 1500);
}

TEST_CASE(
    "a lock that sleeps inside lock() and unlock() does not break correctness (cyclic, 3 layers)",
    "[concurrency][hostile-lock]") {
  auto pids =
      std::make_unique<pidalloc::PidAllocator<65, HostileLock>>(pidalloc::Policy::cyclic(50));
  churn_through_hostile_lock(*pids, 40, 800);
}

TEST_CASE(
    "a lock that sleeps inside lock() and unlock() does not break correctness (random_cyclic)",
    "[concurrency][hostile-lock]") {
  pidalloc::PidAllocator<1, HostileLock> pids{pidalloc::Policy::random_cyclic(3, 11, 7)};
  churn_through_hostile_lock(pids, 12, 1500);
}
