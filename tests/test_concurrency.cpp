// Threads hammer one allocator; an atomic ownership table proves that no id is ever held by two
// handles at once. Run under ThreadSanitizer by the tsan presets (tag [concurrency]).
#include <pid_allocator/pid_allocator.hpp>

#include "ownership_churn.hpp"

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using pidalloc_test::hammer;
using pidalloc_test::kThreads;

TEST_CASE("no id is held twice under contention (Spinlock, small table near full)",
          "[concurrency]") {
  // 64 ids, 8 threads keeping up to 10 each: the table is full most of the time.
  pidalloc::PidAllocator<1> pids;
  hammer(pids, 10, 20000);
}

TEST_CASE("no id is held twice under contention (Spinlock, 3 layers)", "[concurrency]") {
  auto pids = std::make_unique<pidalloc::PidAllocator<4097>>();
  hammer(*pids, 64, 20000);
}

TEST_CASE("no id is held twice under contention (std::mutex)", "[concurrency]") {
  pidalloc::PidAllocator<2, std::mutex> pids;
  hammer(pids, 20, 20000);
}

TEST_CASE("no id is held twice under contention (cyclic and random policies)", "[concurrency]") {
  pidalloc::PidAllocator<2, pidalloc::Spinlock, pidalloc::Cyclic<30>> cyclic;
  hammer(cyclic, 12, 20000);
  pidalloc::PidAllocator<2, pidalloc::Spinlock, pidalloc::RandomCyclic<30, 17, 99>> random;
  hammer(random, 12, 20000);
}

TEST_CASE("no id is held twice under contention (Scalable: no lock on allocate and recycle)",
          "[concurrency]") {
  // The default hint (a number per thread); tests/test_scalable.cpp has shared and wrong hints.
  pidalloc::PidAllocator<1, pidalloc::Spinlock, pidalloc::Scalable<>> small;
  hammer(small, 10, 20000);
  auto layered =
      std::make_unique<pidalloc::PidAllocator<4097, pidalloc::Spinlock, pidalloc::Scalable<>>>();
  hammer(*layered, 64, 20000);
}

TEST_CASE("contains() on another thread sees a completed allocate", "[concurrency]") {
  // The allocating thread writes a payload, then allocates; a reader that sees the id allocated
  // through contains() must also see the payload (release store of the bit, acquire in contains).
  pidalloc::PidAllocator<2> pids;
  std::uint64_t payload[64] = {};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::size_t id = 0; id < 64; ++id) {
      payload[id] = id * 3 + 1;  // plain write, published by allocate_at's release
      pids.allocate_at(id).release();
    }
    done.store(true);
  });
  std::size_t mismatches = 0;
  std::size_t seen = 0;
  while (seen < 64) {
    if (pids.contains(seen)) {
      if (payload[seen] != seen * 3 + 1) ++mismatches;
      ++seen;
    }
  }
  writer.join();
  CHECK(mismatches == 0);
  CHECK(done.load());
  for (std::size_t id = 0; id < 64; ++id) CHECK(pids.recycle(id));
}

TEST_CASE("Spinlock gives mutual exclusion", "[concurrency]") {
  pidalloc::Spinlock lock;
  std::size_t counter = 0;  // plain: TSan reports a race if the lock fails to exclude
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (i % 2 == 0) {
          std::lock_guard<pidalloc::Spinlock> guard(lock);
          ++counter;
        } else {
          while (!lock.try_lock()) {
          }
          ++counter;
          lock.unlock();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(counter == static_cast<std::size_t>(kThreads) * 20000);
}

// The holder keeps the lock far longer than a waiter spins (well under a millisecond), so in
// hosted builds every waiter ends up yielding its core between looks; each must still see the
// single plain-store unlock and get the lock in turn, none before the unlock.
TEST_CASE("Spinlock waiters that outlast the spin are served", "[concurrency]") {
  using Clock = std::chrono::steady_clock;
  constexpr auto kHold = std::chrono::milliseconds(50);
  pidalloc::Spinlock lock;
  std::size_t served = 0;  // plain: guarded by the lock, and TSan checks that it is
  std::atomic<int> started{0};
  lock.lock();
  const auto locked_at = Clock::now();
  std::vector<std::thread> waiters;
  std::vector<Clock::time_point> served_at(static_cast<std::size_t>(kThreads));
  for (int t = 0; t < kThreads; ++t) {
    waiters.emplace_back([&, t] {
      started.fetch_add(1);
      std::lock_guard<pidalloc::Spinlock> guard(lock);
      ++served;
      served_at[static_cast<std::size_t>(t)] = Clock::now();
    });
  }
  while (started.load() < kThreads) std::this_thread::yield();
  std::this_thread::sleep_for(kHold);
  lock.unlock();
  for (auto& th : waiters) th.join();
  CHECK(served == static_cast<std::size_t>(kThreads));
  for (const auto at : served_at) CHECK(at - locked_at >= kHold);
}
