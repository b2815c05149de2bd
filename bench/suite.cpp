// SPDX-License-Identifier: MIT
// The Google Benchmark suite: every competitor, every workload, every capacity, in one binary and
// one run, so that the ratios bench/report.py prints compare numbers taken side by side.
//
// Names are workload/competitor/capacity, e.g. churn99/port/65536; Google Benchmark appends
// /threads:N and /real_time to the threaded ones. One "item" is one allocate + recycle pair
// (pair, fill_drain per id, churn step) or one lookup (contains).
//
// Built twice: pidalloc_bench (the library's default Spinlock, which yields its core after a
// bounded spin in hosted builds) and pidalloc_bench_spin (PIDALLOC_SPINLOCK_YIELDS=0, pure
// spinning), which registers only the threaded runs of the Spinlock users, so that the two lock
// slow paths can be compared.
//
// Code placement. Where the linker happens to put the hot loops moves some rows by up to 10%, with
// no change to the instructions run (docs/performance.md, "Noise"). bench/run.sh therefore builds
// the suite at three placements, with PIDALLOC_BENCH_PADDING bytes of padding ahead of its code
// (bench/CMakeLists.txt), and reports each row's median over them; bench/ab.sh does the same to
// compare header variants.
#if defined(PIDALLOC_BENCH_PADDING) && PIDALLOC_BENCH_PADDING > 0
#define PIDALLOC_BENCH_STRINGIFY2(x) #x
#define PIDALLOC_BENCH_STRINGIFY(x) PIDALLOC_BENCH_STRINGIFY2(x)
__attribute__((used, noinline)) void pidalloc_bench_padding() {
  __asm__ volatile(".skip " PIDALLOC_BENCH_STRINGIFY(PIDALLOC_BENCH_PADDING) ", 0x90");
}
#endif

#include "competitors.hpp"

#include <benchmark/benchmark.h>
#include <malloc.h>  // mallinfo2: heap bytes of the competitors that use the heap

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <thread>  // hardware_concurrency
#include <vector>

#ifndef PIDALLOC_BENCH_SPIN_VARIANT
#define PIDALLOC_BENCH_SPIN_VARIANT 0
#endif

namespace {

using namespace pidalloc_bench;

constexpr std::uint64_t kSeed = 0x5eed5eed12345678ULL;
constexpr std::size_t kThreadedOrder = 1024;  // the threaded runs use 65,536 ids
const char* const kVariantSuffix = PIDALLOC_BENCH_SPIN_VARIANT ? "_spin" : "";

std::string bench_name(const char* workload, std::string_view competitor, std::size_t capacity) {
  return std::string(workload) + "/" + std::string(competitor) + kVariantSuffix + "/" +
         std::to_string(capacity);
}

// ---- (a) allocate + recycle on an empty table ----
// The pair loop, shared by (a) and its threaded form (e).
template <class S>
void run_pairs(benchmark::State& state, S& subject) {
  for (auto _ : state) {
    auto handle = subject.acquire();
    if (!S::held(handle)) {
      state.SkipWithError("allocation failed on a (near-)empty table");
      break;
    }
    subject.surrender(handle);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class S>
void bm_pair(benchmark::State& state) {
  S subject;
  run_pairs(state, subject);
}

// ---- (b) fill to capacity, then drain; reported per id ----
template <class S>
void bm_fill_drain(benchmark::State& state) {
  S subject;
  LiveTable<S> live(S::kCapacity);
  for (auto _ : state) {
    for (auto& handle : live) handle = subject.acquire();
    if (!S::held(live.back())) {
      state.SkipWithError("could not fill to capacity");
      break;
    }
    for (auto& handle : live) subject.surrender(handle);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(S::kCapacity));
  state.counters["ids_per_iteration"] = static_cast<double>(S::kCapacity);
}

// ---- (c) churn at a fixed occupancy ----
// The churn loop, shared by (c) and its threaded form (e).
template <class S>
void run_churn(benchmark::State& state, Churner<S>& churner) {
  for (auto _ : state) {
    if (!churner.step()) {
      state.SkipWithError("allocation failed during churn");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class S>
void bm_churn(benchmark::State& state, std::size_t percent) {
  S subject;
  LiveTable<S> live(S::kCapacity * percent / 100);
  subject.setup_fill(live, live.size());
  Churner<S> churner(subject, live, kSeed);
  run_churn(state, churner);
  drain(subject, live);
}

// ---- (d) contains() of pseudo-random ids at 50% occupancy ----
template <class S>
void bm_contains(benchmark::State& state) {
  S subject;
  LiveTable<S> live(S::kCapacity / 2);
  subject.setup_fill(live, live.size());
  Xorshift64 rng(kSeed);
  for (auto _ : state) benchmark::DoNotOptimize(subject.contains(rng.below(S::kCapacity)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  drain(subject, live);
}

// ---- the floor ----
void bm_floor_pair(benchmark::State& state) {
  AtomicFloor floor;
  for (auto _ : state) {
    floor.take(1);
    floor.give(1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_floor_contains(benchmark::State& state) {
  AtomicFloor floor;
  floor.take(0x5555555555555555ULL);
  Xorshift64 rng(kSeed);
  for (auto _ : state) benchmark::DoNotOptimize(floor.test(rng.below(kWordBits)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// ---- (e) threads sharing one allocator ----
template <class S>
struct Shared {
  static inline std::unique_ptr<S> subject;
  static void create(const benchmark::State&) { subject = std::make_unique<S>(); }
  static void destroy(const benchmark::State&) { subject.reset(); }
};

template <class S>
void bm_threads_pair(benchmark::State& state) {
  run_pairs(state, *Shared<S>::subject);
}

// 50% occupancy in all: each thread holds its share of the live ids and churns only those.
template <class S>
void bm_threads_churn(benchmark::State& state) {
  S& subject = *Shared<S>::subject;
  LiveTable<S> live(S::kCapacity / 2 / static_cast<std::size_t>(state.threads()));
  // Through acquire(), never setup_fill(): the other threads are filling the same allocator.
  for (auto& handle : live) handle = subject.acquire();
  Churner<S> churner(subject, live, kSeed + static_cast<std::uint64_t>(state.thread_index()));
  run_churn(state, churner);
  drain(subject, live);
}

// ---- footprint: sizeof and every byte the competitor holds, heap included ----
std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // small chunks + mmapped chunks
}

template <class Impl>
void bm_footprint(benchmark::State& state) {
  // The object's own bytes are counted by sizeof; the heap delta is taken around constructing it
  // in storage allocated beforehand, so it is exactly what the object itself allocates.
  void* storage = ::operator new (sizeof(Impl), std::align_val_t{alignof(Impl)});
  const std::size_t before = heap_in_use();
  auto* impl = new (storage) Impl();
  const std::size_t after = heap_in_use();
  for (auto _ : state) benchmark::DoNotOptimize(impl);
  impl->~Impl();
  ::operator delete (storage, std::align_val_t{alignof(Impl)});
  state.counters["sizeof"] = static_cast<double>(sizeof(Impl));
  state.counters["heap"] = static_cast<double>(after - before);
  state.counters["total_bytes"] = static_cast<double>(sizeof(Impl) + after - before);
}

// ---- registration ----
template <template <std::size_t> class Subject, class Register>
void for_each_capacity(Register&& reg) {
  reg.template operator()<Subject<32>>();     //     2,048 ids
  reg.template operator()<Subject<1024>>();   //    65,536 ids
  reg.template operator()<Subject<65536>>();  // 4,194,304 ids
}

enum class FillDrain { everywhere, below_largest, nowhere };

template <class S>
void register_churn() {
  for (const std::size_t percent : {std::size_t{50}, std::size_t{99}}) {
    const std::string workload = "churn" + std::to_string(percent);
    benchmark::RegisterBenchmark(
        bench_name(workload.c_str(), S::kName, S::kCapacity).c_str(),
        [percent](benchmark::State& state) { bm_churn<S>(state, percent); });
  }
}

template <template <std::size_t> class Subject>
void register_single_threaded(FillDrain fill_drain, bool has_contains) {
  for_each_capacity<Subject>([&]<class S>() {
    benchmark::RegisterBenchmark(bench_name("pair", S::kName, S::kCapacity).c_str(), bm_pair<S>);
    if (fill_drain == FillDrain::everywhere ||
        (fill_drain == FillDrain::below_largest && S::kCapacity < 4194304)) {
      benchmark::RegisterBenchmark(bench_name("fill_drain", S::kName, S::kCapacity).c_str(),
                                   bm_fill_drain<S>);
    }
    register_churn<S>();
    if constexpr (requires(S & subject) { subject.contains(std::size_t{0}); }) {
      if (has_contains) {
        benchmark::RegisterBenchmark(bench_name("contains", S::kName, S::kCapacity).c_str(),
                                     bm_contains<S>);
      }
    }
  });
}

template <class S>
void register_threaded() {
  for (auto* bench :
       {benchmark::RegisterBenchmark(bench_name("threads_pair", S::kName, S::kCapacity).c_str(),
                                     bm_threads_pair<S>),
        benchmark::RegisterBenchmark(bench_name("threads_churn50", S::kName, S::kCapacity).c_str(),
                                     bm_threads_churn<S>)}) {
    bench->Setup(Shared<S>::create)->Teardown(Shared<S>::destroy)->UseRealTime();
    // 1, 2, 4 and 8 threads everywhere (8 on a 2-core machine: lock holders get preempted), and
    // on to the core count on larger machines, 16 on a 16-core one.
    const unsigned most = std::max(8U, std::thread::hardware_concurrency());
    for (unsigned threads = 1; threads <= most; threads *= 2)
      bench->Threads(static_cast<int>(threads));
  }
}

template <template <std::size_t> class Impl>
void register_footprint(std::string_view competitor) {
  const auto one = [&]<std::size_t Order>() {
    benchmark::RegisterBenchmark(bench_name("footprint", competitor, Order * kWordBits).c_str(),
                                 bm_footprint<Impl<Order>>)
        ->Iterations(1);
  };
  one.template operator()<32>();
  one.template operator()<1024>();
  one.template operator()<65536>();
}

template <std::size_t Order>
using OursDefault = pidalloc::PidAllocator<Order>;
template <std::size_t Order>
using OursVersionedDefault = pidalloc::VersionedPidAllocator<Order>;

void register_all() {
  if (!PIDALLOC_BENCH_SPIN_VARIANT) {
    // The policies are compared at the same occupancy (pair, churn); fill_drain is the same
    // sequence of ids for every policy, and a limit below capacity cannot be filled to capacity.
    register_single_threaded<OursLowest>(FillDrain::everywhere, true);
    register_single_threaded<OursCyclic>(FillDrain::everywhere, false);
    register_single_threaded<OursRandom>(FillDrain::nowhere, false);
    register_single_threaded<OursLimit>(FillDrain::nowhere, false);
    register_single_threaded<OursVersioned>(FillDrain::nowhere, false);
    register_single_threaded<OursScalable>(FillDrain::nowhere, false);
    register_single_threaded<OursRaw>(FillDrain::nowhere, true);
    // The port's fill at 4,194,304 ids reads ~n^2/128 = 1.4e11 words per iteration: not run.
    register_single_threaded<Port>(FillDrain::below_largest, true);
    register_single_threaded<Vector>(FillDrain::everywhere, false);  // no cheap contains()
    register_single_threaded<Set>(FillDrain::everywhere, true);
    for_each_capacity<Harness>([]<class S>() { register_churn<S>(); });
    benchmark::RegisterBenchmark(bench_name("pair", "floor", kWordBits).c_str(), bm_floor_pair);
    benchmark::RegisterBenchmark(bench_name("contains", "floor", kWordBits).c_str(),
                                 bm_floor_contains);
  }
  register_threaded<OursLowest<kThreadedOrder>>();
  register_threaded<Port<kThreadedOrder>>();
  if (!PIDALLOC_BENCH_SPIN_VARIANT) {
    register_threaded<OursCyclic<kThreadedOrder>>();
    register_threaded<OursScalable<kThreadedOrder>>();
    register_threaded<Vector<kThreadedOrder>>();
    register_threaded<Set<kThreadedOrder>>();
    register_footprint<OursDefault>("ours");
    register_footprint<OursVersionedDefault>("ours_versioned");
    register_footprint<ReferencePort>("port");
    register_footprint<MutexFreeList>("vector");
    register_footprint<MutexSet>("set");
    benchmark::RegisterBenchmark(bench_name("footprint", "floor", kWordBits).c_str(),
                                 bm_footprint<AtomicFloor>)
        ->Iterations(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::AddCustomContext("pidalloc_spinlock_yields", PIDALLOC_SPINLOCK_YIELDS ? "1" : "0");
  benchmark::AddCustomContext("compiler", __VERSION__);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
