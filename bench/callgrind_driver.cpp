// SPDX-License-Identifier: MIT
// A fixed amount of work for bench/callgrind.sh, which runs it under valgrind --tool=callgrind
// twice with different operation counts and divides the difference in instructions by the
// difference in operations: setup, teardown and process start cancel out, leaving instructions
// per operation, a figure that does not move with machine load.
//
// Usage: pidalloc_bench_callgrind WORKLOAD COMPETITOR CAPACITY OPERATIONS
//   WORKLOAD   pair | churn50 | churn99     (one operation = one allocate + recycle pair)
//   COMPETITOR ours_lowest | ours_raw | ours_cyclic | port | floor | harness (churn only: the loop
//   alone) CAPACITY   2048 | 65536 | 4194304       (ignored by floor)
// Instrumentation is switched on only around the measured loop when valgrind's header is there,
// which keeps setup at 4,194,304 ids from taking minutes under callgrind.
#include "competitors.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define PIDALLOC_MEASURE_BEGIN() CALLGRIND_START_INSTRUMENTATION
#define PIDALLOC_MEASURE_END() CALLGRIND_STOP_INSTRUMENTATION
#else
#define PIDALLOC_MEASURE_BEGIN() static_cast<void>(0)
#define PIDALLOC_MEASURE_END() static_cast<void>(0)
#endif

namespace {

using namespace pidalloc_bench;

template <class S>
bool run_pair(std::size_t operations) {
  S subject;
  bool ok = true;
  PIDALLOC_MEASURE_BEGIN();
  for (std::size_t i = 0; i < operations; ++i) {
    auto handle = subject.acquire();
    ok = ok && S::held(handle);
    subject.surrender(handle);
  }
  PIDALLOC_MEASURE_END();
  return ok;
}

template <class S>
bool run_churn(std::size_t operations, std::size_t percent) {
  S subject;
  LiveTable<S> live(S::kCapacity * percent / 100);
  subject.setup_fill(live, live.size());
  Churner<S> churner(subject, live, 0x5eed5eed12345678ULL);
  bool ok = true;
  PIDALLOC_MEASURE_BEGIN();
  for (std::size_t i = 0; i < operations; ++i) ok = churner.step() && ok;
  PIDALLOC_MEASURE_END();
  drain(subject, live);
  return ok;
}

bool run_floor(std::size_t operations) {
  AtomicFloor floor;
  PIDALLOC_MEASURE_BEGIN();
  for (std::size_t i = 0; i < operations; ++i) {
    floor.take(1);
    floor.give(1);
  }
  PIDALLOC_MEASURE_END();
  return true;
}

template <template <std::size_t> class Subject, std::size_t Order>
bool run(std::string_view workload, std::size_t operations) {
  if (workload == "pair") return run_pair<Subject<Order>>(operations);
  if (workload == "churn50") return run_churn<Subject<Order>>(operations, 50);
  if (workload == "churn99") return run_churn<Subject<Order>>(operations, 99);
  std::fprintf(stderr, "unknown workload: %.*s\n", static_cast<int>(workload.size()),
               workload.data());
  std::exit(2);
}

template <template <std::size_t> class Subject>
bool run_at(std::string_view workload, std::string_view capacity, std::size_t operations) {
  if (capacity == "2048") return run<Subject, 32>(workload, operations);
  if (capacity == "65536") return run<Subject, 1024>(workload, operations);
  if (capacity == "4194304") return run<Subject, 65536>(workload, operations);
  std::fprintf(stderr, "unknown capacity: %.*s\n", static_cast<int>(capacity.size()),
               capacity.data());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s WORKLOAD COMPETITOR CAPACITY OPERATIONS\n", argv[0]);
    return 2;
  }
  const std::string_view workload = argv[1];
  const std::string_view competitor = argv[2];
  const std::string_view capacity = argv[3];
  const std::size_t operations = std::strtoull(argv[4], nullptr, 10);
  bool ok = false;
  if (competitor == "ours_lowest") {
    ok = run_at<OursLowest>(workload, capacity, operations);
  } else if (competitor == "ours_raw") {
    ok = run_at<OursRaw>(workload, capacity, operations);
  } else if (competitor == "ours_cyclic") {
    ok = run_at<OursCyclic>(workload, capacity, operations);
  } else if (competitor == "port") {
    ok = run_at<Port>(workload, capacity, operations);
  } else if (competitor == "harness" && workload != "pair") {
    ok = run_at<Harness>(workload, capacity, operations);
  } else if (competitor == "floor") {
    ok = run_floor(operations);
  } else {
    std::fprintf(stderr, "unknown competitor: %s\n", argv[2]);
    return 2;
  }
  if (!ok) {
    std::fprintf(stderr, "an allocation failed\n");
    return 1;
  }
  return 0;
}
