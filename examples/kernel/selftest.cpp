// SPDX-License-Identifier: MIT
// The example kernel's self-test of pid_allocator: what a kernel does with a pid allocator, each
// stage checked and reported on the serial console. Uses only the library's public interface.
#include <cstddef>
#include <cstdint>

#include "irq_lock.hpp"  // includes kernel.hpp (PIDALLOC_ASSERT) before the library
#include "kernel.hpp"
#include "x86.hpp"

#include <pid_allocator/pid_allocator.hpp>

namespace kernel {
namespace {

// 40 bitmap words: 1280 ids on i386, 2560 on x86-64. Either way more than one word per summary
// bit, so the upper layers of the bitmap are exercised.
constexpr std::size_t kOrder = 40;
// The policy is part of the type: lowest-first (the default), Linux's cyclic order above
// RESERVED_PIDS (300), and FreeBSD's randompid (a random skip of 0..63 ids), whose compile-time
// seed only serves until the kernel reseeds it from its entropy pool.
constexpr std::uint64_t kBootSeed = 0x5EED0F0B007ULL;
using Pids = pidalloc::PidAllocator<kOrder, IrqLock>;
using LinuxPids = pidalloc::PidAllocator<kOrder, IrqLock, pidalloc::Cyclic<300>>;
using RandomPids =
    pidalloc::PidAllocator<kOrder, IrqLock, pidalloc::RandomCyclic<300, 64, kBootSeed>>;
constexpr std::size_t kCapacity = Pids::capacity();

// Constant-initialised: they exist before the first instruction of kmain, with no constructor
// call and, since freestanding builds keep the allocator trivially destructible, no atexit.
constinit Pids g_pids;
constinit LinuxPids g_linux_like;
constinit RandomPids g_random_a;
constinit RandomPids g_random_b;

struct Task {
  pidalloc::Pid pid;  // owns the id: resetting or destroying it returns the id to its allocator
  std::uint32_t state = 0;
};

// The task table. kmain never returns, so it lives in run_pid_selftest's frame rather than in a
// global: a global array of a type with a destructor would make the compiler register that
// destructor with __cxa_atexit, which this kernel (like most) does not provide.
struct TaskTable {
  Task tasks[kCapacity];
};

std::size_t g_failures = 0;

void check(bool ok, const char* what) noexcept {
  if (ok) return;
  ++g_failures;
  print("  FAIL: ");
  print(what);
  print("\n");
}

void stage_done(const char* name, std::size_t failures_before) noexcept {
  print("selftest: ");
  print(name);
  print(g_failures == failures_before ? ": ok\n" : ": FAILED\n");
}

bool interrupts_enabled() noexcept { return (x86::read_flags() & x86::kInterruptFlag) != 0; }

void test_irq_lock() noexcept {
  const std::size_t before = g_failures;
  check(interrupts_enabled(), "kmain enabled interrupts before the self-test");
  IrqLock lock;
  lock.lock();
  check(!interrupts_enabled(), "IrqLock::lock masks interrupts");
  lock.unlock();
  check(interrupts_enabled(), "IrqLock::unlock restores the interrupt flag");
  __asm__ __volatile__("cli" : : : "memory");
  lock.lock();
  lock.unlock();
  check(!interrupts_enabled(), "IrqLock::unlock keeps interrupts off when they were off");
  __asm__ __volatile__("sti" : : : "memory");

  const std::uint32_t acquisitions = IrqLock::total_acquisitions();
  pidalloc::Pid probe = g_pids.allocate_at(kCapacity - 1);
  check(static_cast<bool>(probe), "allocate_at(capacity - 1) on an empty allocator");
  probe.reset();
  check(IrqLock::total_acquisitions() == acquisitions + 2,
        "allocate_at and Pid::reset each take the allocator's IrqLock once");
  check(interrupts_enabled(), "the allocator leaves interrupts as it found them");
  stage_done("IrqLock masks and restores interrupts", before);
}

// Ids 0 (the idle task) and 1 (init) are never handed out by allocate(): the kernel claims them
// at boot and keeps them for ever, so it releases the handles rather than holding them.
void test_reserved_ids() noexcept {
  const std::size_t before = g_failures;
  pidalloc::Pid idle = g_pids.allocate_at(0);
  pidalloc::Pid init = g_pids.allocate_at(1);
  check(idle.get() == 0 && init.get() == 1, "allocate_at(0) and allocate_at(1) succeed");
  check(idle.release() == 0 && init.release() == 1, "release() gives the ids up without freeing");
  check(g_pids.contains(0) && g_pids.contains(1), "ids 0 and 1 stay allocated after release()");
  check(!g_pids.allocate_at(1), "allocate_at(1) fails while 1 is reserved");
  check(g_pids.size() == 2, "size() counts the reserved ids");
  print("  reserved 0 (idle) and 1 (init)\n");
  stage_done("reserve ids 0 and 1", before);
}

void test_fill_and_exhaust(TaskTable& table) noexcept {
  std::size_t before = g_failures;
  std::size_t filled = 0;
  bool in_order = true;
  for (Task& task : table.tasks) {
    task.pid = g_pids.allocate();
    if (!task.pid) break;
    task.state = 1;
    in_order = in_order && task.pid.get() == filled + 2;
    ++filled;
  }
  check(filled == kCapacity - 2, "allocate() hands out every id but the two reserved ones");
  check(in_order, "LowestFirst hands out 2, 3, 4, ... in order");
  check(g_pids.full() && g_pids.size() == kCapacity, "full() and size() == capacity()");
  check(g_pids.check_invariants(), "invariants hold when full");
  print("  filled ");
  print_dec(filled);
  print(" task slots, capacity ");
  print_dec(kCapacity);
  print("\n");
  stage_done("fill to capacity", before);

  before = g_failures;
  check(!g_pids.allocate(), "allocate() on a full allocator gives an empty Pid");
  check(!g_pids.allocate_at(kCapacity / 2), "allocate_at(taken id) gives an empty Pid");
  check(!g_pids.allocate_at(kCapacity), "allocate_at(capacity()) gives an empty Pid");
  check(!g_pids.allocate() && g_pids.size() == kCapacity, "failed allocations change nothing");
  stage_done("exhaustion", before);
}

void test_recycle(TaskTable& table) noexcept {
  const std::size_t before = g_failures;
  Task& task = table.tasks[10];  // holds id 12
  task.pid.reset();
  check(!g_pids.contains(12) && g_pids.size() == kCapacity - 1, "Pid::reset frees the id");
  check(!g_pids.full(), "full() is false after one id is freed");
  task.pid = g_pids.allocate();
  check(task.pid.get() == 12, "the freed id is handed out again");

  const std::size_t id = table.tasks[20].pid.release();
  check(id == 22 && g_pids.contains(22), "Pid::release keeps the id allocated");
  check(g_pids.recycle(id), "recycle(released id) frees it");
  check(!g_pids.recycle(id), "recycle(free id) reports false");
  check(!g_pids.recycle(kCapacity), "recycle(out of range) reports false");
  table.tasks[20].pid = g_pids.allocate_at(id);
  check(table.tasks[20].pid.get() == 22, "allocate_at(recycled id) claims it again");
  check(g_pids.check_invariants(), "invariants hold after recycling");
  stage_done("recycle", before);
}

void test_lowest_first(TaskTable& table) noexcept {
  const std::size_t before = g_failures;
  // Free three ids far apart, in descending-then-mixed order: LowestFirst ignores the order of
  // frees and always returns the lowest free id.
  const std::size_t freed[3] = {kCapacity - 3, 40, kCapacity / 2 + 1};
  for (std::size_t id : freed) table.tasks[id - 2].pid.reset();
  const std::size_t expected[3] = {40, kCapacity / 2 + 1, kCapacity - 3};
  for (std::size_t want : expected) {
    table.tasks[want - 2].pid = g_pids.allocate();
    check(table.tasks[want - 2].pid.get() == want, "LowestFirst returns the lowest free id");
  }
  check(g_pids.full(), "full again after re-allocating");
  stage_done("lowest-first order", before);
}

void test_contains(TaskTable& table) noexcept {
  const std::size_t before = g_failures;
  bool all = true;
  for (std::size_t id = 0; id < kCapacity; ++id) all = all && g_pids.contains(id);
  check(all, "contains() is true for every id of a full allocator");
  table.tasks[kCapacity - 3].pid.reset();  // id capacity - 1: the very last one
  check(!g_pids.contains(kCapacity - 1), "contains(freed last id) is false");
  check(g_pids.contains(kCapacity - 2), "contains(its neighbour) is still true");
  check(!g_pids.contains(kCapacity) && !g_pids.contains(pidalloc::kNoId),
        "contains(out of range) is false");
  stage_done("contains", before);
}

// The /proc listing: every task but a few exits, then the live ids are walked without the lock.
void test_proc_listing(TaskTable& table) noexcept {
  const std::size_t before = g_failures;
  const std::size_t survivors[] = {7, 42, kCapacity - 2};
  for (Task& task : table.tasks) {
    bool keep = false;
    for (std::size_t id : survivors) keep = keep || task.pid.get() == id;
    if (!keep) task.pid.reset();
  }
  const std::size_t expected[] = {0, 1, 7, 42, kCapacity - 2};
  std::size_t seen = 0;
  bool matches = true;
  print("  ps:");
  g_pids.for_each_allocated([&](std::size_t id) noexcept {
    print(" ");
    print_dec(id);
    matches = matches && seen < 5 && expected[seen] == id;
    ++seen;
  });
  print("\n");
  check(matches && seen == 5, "for_each_allocated visits exactly the live ids, ascending");
  check(g_pids.next_allocated(43) == kCapacity - 2, "next_allocated skips freed words");
  check(g_pids.size() == 5 && g_pids.check_invariants(), "size() and invariants after exits");
  stage_done("for_each_allocated lists live ids", before);
}

// pid_max: lowering the limit confines new ids below it; ids above it stay until freed.
void test_limit(TaskTable& table) noexcept {
  const std::size_t before = g_failures;
  check(g_pids.set_limit(100), "set_limit(100)");
  check(!g_pids.set_limit(kCapacity + 1), "set_limit(above capacity) is refused");
  check(g_pids.limit() == 100, "limit() reports the new limit");
  std::size_t handed = 0;
  bool below = true;
  for (Task& task : table.tasks) {
    if (task.pid) continue;
    task.pid = g_pids.allocate();
    if (!task.pid) break;
    below = below && task.pid.get() < 100;
    ++handed;
  }
  check(below, "every id handed out is below the limit");
  check(handed == 100 - 4, "ids below the limit are all handed out (0, 1, 7, 42 were taken)");
  check(g_pids.full() && g_pids.contains(kCapacity - 2),
        "full() under the limit; id above it kept");
  check(!g_pids.allocate_at(100), "allocate_at(limit) is refused");
  check(g_pids.set_limit(kCapacity), "the limit is raised back");
  for (Task& task : table.tasks) task.pid.reset();
  check(g_pids.size() == 2, "only the reserved ids remain");
  stage_done("set_limit (pid_max)", before);
}

// Linux's order: ids go up to pid_max, then wrap to the floor (300), never back below it once
// an id above the floor has been handed out. Before that, at boot, the wrap goes to 0, as Linux's
// pid_min is 1 until its cursor has passed RESERVED_PIDS.
void test_cyclic(TaskTable& table) noexcept {
  const std::size_t before = g_failures;
  constexpr std::size_t kPidMax = 310;
  g_linux_like.allocate_at(0).release();
  g_linux_like.allocate_at(1).release();
  check(g_linux_like.set_limit(4), "set_limit(4)");
  pidalloc::Pid early[2] = {g_linux_like.allocate(), g_linux_like.allocate()};
  check(early[0].get() == 2 && early[1].get() == 3, "at boot cyclic hands out 2, 3");
  early[0].reset();
  early[0] = g_linux_like.allocate();
  check(early[0].get() == 2, "below the floor, the search wraps to 0 and finds the freed 2");
  early[0].reset();
  early[1].reset();  // the cursor stays one past 2

  check(g_linux_like.set_limit(kPidMax), "set_limit(310)");
  std::size_t next = 3;
  bool ascending = true;
  for (std::size_t i = 0; next < kPidMax; ++i) {  // tasks[i] gets id i + 3
    table.tasks[i].pid = g_linux_like.allocate();
    ascending = ascending && table.tasks[i].pid.get() == next++;
    if (i == 3) {
      // Freeing an id does not pull the cursor back: cyclic keeps going up.
      table.tasks[1].pid.reset();  // id 4
    }
  }
  check(ascending, "cyclic hands out ascending ids even after a free behind the cursor");
  check(
      !g_linux_like.contains(2) && !g_linux_like.contains(4) && g_linux_like.size() == kPidMax - 2,
      "ids 2 and 4 are free");
  table.tasks[302].pid.reset();  // id 305, above the floor
  pidalloc::Pid wrapped = g_linux_like.allocate();
  check(wrapped.get() == 305, "at pid_max the search wraps to the floor (300) and finds 305");
  check(!g_linux_like.allocate(), "after the wrap, ids below the floor (2, 4) are not reused");
  check(!g_linux_like.full(), "full() still sees ids 2 and 4 free");
  wrapped.reset();
  for (Task& task : table.tasks) task.pid.reset();
  check(g_linux_like.check_invariants(), "invariants hold");
  stage_done("cyclic order (floor 300, pid_max 310)", before);
}

// FreeBSD's kern.randompid: each search starts a random 0..63 ids past the last one. Two
// allocators seeded alike give the same ids; a different seed gives different ones. Returns the
// last id g_random_a handed out.
std::size_t test_random_cyclic() noexcept {
  const std::size_t before = g_failures;
  constexpr std::size_t kCount = 8;
  pidalloc::Pid a[kCount];
  pidalloc::Pid b[kCount];
  const std::uint64_t entropy = 0x9E3779B97F4A7C15ULL;  // stands in for the entropy pool
  g_random_a.reseed(entropy);
  g_random_b.reseed(entropy);
  bool same = true;
  bool ascending = true;
  bool skipped = false;
  print("  random ids:");
  for (std::size_t i = 0; i < kCount; ++i) {
    a[i] = g_random_a.allocate();
    b[i] = g_random_b.allocate();
    print(" ");
    print_dec(a[i].get());
    // The ids, not the handles: Pids of two allocators never compare equal.
    same = same && a[i] && b[i] && a[i].get() == b[i].get() && a[i] != b[i];
    if (i > 0) {
      ascending = ascending && a[i].get() > a[i - 1].get();
      skipped = skipped || a[i].get() > a[i - 1].get() + 1;
    }
  }
  print("\n");
  check(same, "equal seeds give equal id sequences");
  check(ascending, "RandomCyclic ids ascend until the wrap");
  check(skipped, "RandomCyclic skips ids (not plain cyclic)");
  g_random_b.reseed(entropy + 1);
  pidalloc::Pid next_a = g_random_a.allocate();
  pidalloc::Pid next_b = g_random_b.allocate();
  check(next_a && next_b && next_a.get() != next_b.get(), "different seeds diverge");
  stage_done("random_cyclic and reseed", before);
  return next_a.get();
}

// The random skip turned off and on at run time, as FreeBSD's sysctl kern.randompid does: off,
// ids come in Cyclic<300>'s order, from one past the last id handed out; on again, the skips
// resume. Then the integer interface, for kernels that keep plain ids in their task structs
// (allocate_id*, recycle), and allocate_in(), the lowest free id of a fixed range whatever the
// policy (Linux's ida_alloc_range), which leaves a cyclic cursor where it was.
void test_set_random_and_ids(std::size_t last_random_id) noexcept {
  const std::size_t before = g_failures;
  constexpr std::size_t kCount = 8;
  check(g_random_a.random(), "the random skip is on after boot");
  g_random_a.set_random(false);
  check(!g_random_a.random(), "set_random(false) turns it off");
  std::size_t ids[2 * kCount];
  bool consecutive = true;
  print("  skip off:");
  for (std::size_t i = 0; i < kCount; ++i) {
    ids[i] = g_random_a.allocate_id();
    print(" ");
    print_dec(ids[i]);
    consecutive = consecutive && ids[i] == (i == 0 ? last_random_id : ids[i - 1]) + 1;
  }
  print("\n");
  check(last_random_id != pidalloc::kNoId && consecutive,
        "with the skip off, ids follow one past the last, one by one");
  g_random_a.set_random(true);
  check(g_random_a.random(), "set_random(true) turns it on again");
  bool ascending = true;
  bool skipped = false;
  print("  skip on: ");
  for (std::size_t i = kCount; i < 2 * kCount; ++i) {
    ids[i] = g_random_a.allocate_id();
    print(" ");
    print_dec(ids[i]);
    ascending = ascending && ids[i] != pidalloc::kNoId && ids[i] > ids[i - 1];
    skipped = skipped || ids[i] > ids[i - 1] + 1;
  }
  print("\n");
  check(ascending && skipped, "with the skip on again, ids ascend with gaps");
  bool recycled = true;
  for (std::size_t id : ids) recycled = recycled && g_random_a.recycle(id);
  check(recycled && g_random_a.empty(), "recycle() takes every integer id back");

  // LowestFirst, holding only the reserved 0 and 1.
  const std::size_t id = g_pids.allocate_id();
  check(id == 2, "allocate_id() hands out the lowest free id as an integer");
  check(g_pids.allocate_id_at(id) == pidalloc::kNoId, "allocate_id_at(taken id) gives kNoId");
  check(g_pids.allocate_id_at(100) == 100, "allocate_id_at(free id) claims it");
  check(g_pids.allocate_id_in(2, 101) == 3, "allocate_id_in(2, 101) skips the taken 2");
  check(g_pids.recycle(id) && g_pids.recycle(100) && g_pids.recycle(3) && !g_pids.recycle(100),
        "recycle() frees each integer id once");

  // Cyclic<300>: 0 and 1 reserved, pid_max 310, the last id handed out 305.
  pidalloc::Pid low = g_linux_like.allocate_in(100, 200);
  check(low.get() == 100, "allocate_in(100, 200) gives the lowest free id of the range");
  pidalloc::Pid next = g_linux_like.allocate();
  check(next.get() == 306, "allocate_in() leaves the cyclic cursor where it was");
  check(g_linux_like.allocate_id_in(308, 400) == 308, "a range past pid_max is clipped to it");
  check(g_linux_like.allocate_id_in(310, 400) == pidalloc::kNoId, "a range above pid_max: none");
  check(g_linux_like.allocate_id_in(5, 5) == pidalloc::kNoId, "an empty range: none");
  check(g_linux_like.recycle(308), "recycle(308)");
  low.reset();
  next.reset();
  check(g_linux_like.size() == 2 && g_pids.size() == 2, "only the reserved ids remain");
  check(g_random_a.check_invariants() && g_linux_like.check_invariants(), "invariants hold");
  stage_done("set_random, allocate_id and allocate_in", before);
}

}  // namespace

bool run_pid_selftest() noexcept {
  TaskTable table;
  test_irq_lock();
  test_reserved_ids();
  test_fill_and_exhaust(table);
  test_recycle(table);
  test_lowest_first(table);
  test_contains(table);
  test_proc_listing(table);
  test_limit(table);
  test_cyclic(table);
  test_set_random_and_ids(test_random_cyclic());
  check(g_pids.check_invariants() && g_linux_like.check_invariants() &&
            g_random_a.check_invariants() && g_random_b.check_invariants(),
        "final invariants");
  print("selftest: ");
  print_dec(g_failures);
  print(" failed checks\n");
  return g_failures == 0;
}

}  // namespace kernel
