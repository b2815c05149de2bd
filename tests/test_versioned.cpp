// VersionedPidAllocator and PidRef: lifetimes, stale refs after reuse, recycle by ref, the integer
// form, the empty ref, constinit zero-initialisation, and (tag [concurrency], run under
// ThreadSanitizer) readers on other threads that must never see a stale ref reported current,
// under a lock and under Scalable (whose own tests are in test_versioned_scalable.cpp).
// The generation wrap is tested in test_invariants.cpp, which owns detail::TestAccess.
#include <pid_allocator/hosted.hpp>
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

using pidalloc::kNoId;
using pidalloc::Pid;
using pidalloc::PidRef;
using pidalloc::VersionedPidAllocator;

static_assert(sizeof(PidRef) == 8);
static_assert(std::is_trivially_copyable_v<PidRef>);
static_assert(std::is_nothrow_default_constructible_v<PidRef>);
static_assert(PidRef{}.bits() == 0 && PidRef{}.empty() && !PidRef{});
static_assert(PidRef{}.id() == kNoId && PidRef{}.generation() == 0);
static_assert(PidRef::from_bits(0) == PidRef{});
// Any integer with a zero generation is the empty ref.
static_assert(PidRef::from_bits(5) == PidRef{} && PidRef::from_bits(0xFFFF'FFFFU).empty());
static_assert(PidRef::from_bits(0x0000'0003'0000'0007ULL).id() == 7);
static_assert(PidRef::from_bits(0x0000'0003'0000'0007ULL).generation() == 3);
static_assert(PidRef::from_bits(0x0000'0003'0000'0007ULL).bits() == 0x0000'0003'0000'0007ULL);
static_assert(PidRef::from_bits(0xFFFF'FFFF'FFFF'FFFFULL).generation() == 0xFFFF'FFFFU);

// The same members and template parameters as PidAllocator; no per-id storage in PidAllocator.
static_assert(VersionedPidAllocator<1>::capacity() == pidalloc::PidAllocator<1>::capacity());
static_assert(std::is_same_v<VersionedPidAllocator<2, std::mutex, pidalloc::Cyclic<3>>::policy_type,
                             pidalloc::Cyclic<3>>);
static_assert(!std::is_copy_constructible_v<VersionedPidAllocator<1>>);
static_assert(!std::is_move_constructible_v<VersionedPidAllocator<1>>);
static_assert(std::is_nothrow_default_constructible_v<VersionedPidAllocator<1>>);
static_assert(sizeof(VersionedPidAllocator<1024>) >=
              sizeof(pidalloc::PidAllocator<1024>) + 4 * VersionedPidAllocator<1024>::capacity());
static_assert(noexcept(std::declval<const VersionedPidAllocator<1>&>().is_current(PidRef{})));
static_assert(noexcept(std::declval<const VersionedPidAllocator<1>&>().ref_of(0)));
static_assert(noexcept(std::declval<VersionedPidAllocator<1>&>().recycle(PidRef{})));
static_assert(noexcept(std::declval<VersionedPidAllocator<1>&>().recycle(std::size_t{0})));

// constinit, for every policy: all zero bytes, no constructor runs.
namespace {
constinit VersionedPidAllocator<2> g_lowest;
constinit VersionedPidAllocator<2, pidalloc::Spinlock, pidalloc::Cyclic<5>> g_cyclic;
constinit VersionedPidAllocator<2, pidalloc::Spinlock, pidalloc::RandomCyclic<5, 7, 9>> g_random;
}  // namespace

TEST_CASE("a constinit VersionedPidAllocator starts empty, every id in its first lifetime",
          "[versioned]") {
  REQUIRE(g_lowest.empty());
  REQUIRE(g_lowest.check_invariants());
  for (std::size_t id = 0; id < g_lowest.capacity(); ++id) REQUIRE(g_lowest.ref_of(id).empty());
  Pid a = g_lowest.allocate();
  Pid b = g_cyclic.allocate();
  Pid c = g_random.allocate();
  REQUIRE((a && b && c));
  const PidRef ref = g_lowest.ref_of(*a);
  CHECK(ref.generation() == 1);
  CHECK(g_lowest.is_current(ref));
  CHECK(g_cyclic.ref_of(*b).generation() == 1);
  CHECK(g_random.ref_of(*c).generation() == 1);
  CHECK(g_random.random());
}

TEST_CASE("a ref is current for exactly one lifetime (lowest-first reuses the id at once)",
          "[versioned]") {
  VersionedPidAllocator<1> pids;
  Pid first = pids.allocate();
  REQUIRE(*first == 0);
  const PidRef one = pids.ref_of(0);
  CHECK(one.id() == 0);
  CHECK(one);
  CHECK(pids.is_current(one));
  CHECK(pids.ref_of(0) == one);  // the same lifetime, asked again
  first.reset();
  CHECK_FALSE(pids.is_current(one));
  CHECK(pids.ref_of(0).empty());  // not allocated

  Pid second = pids.allocate();  // the same id, a new lifetime
  REQUIRE(*second == 0);
  const PidRef two = pids.ref_of(0);
  CHECK(two.id() == 0);
  CHECK(two != one);
  CHECK(pids.is_current(two));
  CHECK_FALSE(pids.is_current(one));  // stale, though the id is allocated again

  // Every route that frees an id ends its lifetime: release + recycle(id), a Pid's destructor,
  // move-assignment onto a live handle, and each allocation route begins a new one.
  std::vector<PidRef> seen{one, two};
  const auto next_lifetime = [&](PidRef ref) {
    CHECK(ref.id() == 0);
    CHECK(pids.is_current(ref));
    for (const PidRef old : seen) {
      CHECK(old != ref);
      CHECK_FALSE(pids.is_current(old));
    }
    seen.push_back(ref);
  };
  CHECK(pids.recycle(second.release()));
  {
    const Pid at = pids.allocate_at(0);
    next_lifetime(pids.ref_of(0));
  }
  REQUIRE(pids.allocate_id_at(0) == 0);
  next_lifetime(pids.ref_of(0));
  REQUIRE(pids.recycle(std::size_t{0}));
  REQUIRE(pids.allocate_id() == 0);
  next_lifetime(pids.ref_of(0));
  REQUIRE(pids.recycle(std::size_t{0}));
  REQUIRE(pids.allocate_id_in(0, 1) == 0);
  next_lifetime(pids.ref_of(0));
  REQUIRE(pids.recycle(std::size_t{0}));
  Pid held = pids.allocate_in(0, 64);
  REQUIRE(*held == 0);
  next_lifetime(pids.ref_of(0));
  held = pids.allocate_at(5);  // recycles 0
  CHECK(pids.ref_of(0).empty());
  for (const PidRef old : seen) CHECK_FALSE(pids.is_current(old));
  CHECK(pids.ref_of(5).generation() == 1);
  CHECK(pids.check_invariants());
}

TEST_CASE("cyclic: stale refs stay stale after the cursor comes round to the id again",
          "[versioned]") {
  VersionedPidAllocator<1, pidalloc::Spinlock, pidalloc::Cyclic<0>> pids;
  std::vector<PidRef> stale;
  for (int round = 0; round < 3; ++round) {
    std::vector<Pid> all;
    for (Pid p = pids.allocate(); p; p = pids.allocate()) {
      const PidRef ref = pids.ref_of(*p);
      CHECK(pids.is_current(ref));
      CHECK(ref.generation() == static_cast<std::uint32_t>(round + 1));
      all.push_back(std::move(p));
    }
    REQUIRE(all.size() == pids.capacity());
    for (const PidRef old : stale) CHECK_FALSE(pids.is_current(old));
    for (const Pid& p : all) stale.push_back(pids.ref_of(*p));
    all.clear();
  }
  for (const PidRef old : stale) CHECK_FALSE(pids.is_current(old));
}

TEST_CASE("recycle(ref) frees only the current lifetime", "[versioned]") {
  VersionedPidAllocator<2, std::mutex> pids;
  const std::size_t want = pids.capacity() / 2 + 6;  // in the second word, 32- or 64-bit
  const std::size_t id = pids.allocate_id_at(want);
  REQUIRE(id == want);
  const PidRef one = pids.ref_of(id);
  CHECK(pids.recycle(one));
  CHECK_FALSE(pids.contains(id));
  CHECK_FALSE(pids.recycle(one));  // already free
  REQUIRE(pids.allocate_id_at(id) == id);
  const PidRef two = pids.ref_of(id);
  CHECK_FALSE(pids.recycle(one));  // stale: the new lifetime stays
  CHECK(pids.contains(id));
  CHECK(pids.is_current(two));
  CHECK_FALSE(pids.recycle(PidRef{}));
  CHECK_FALSE(pids.recycle(PidRef::from_bits(std::uint64_t{1} << 32 | 500)));  // out of range
  // The right id with another generation: a forged ref is refused too.
  CHECK_FALSE(pids.recycle(PidRef::from_bits(two.bits() + (std::uint64_t{1} << 32))));
  CHECK(pids.contains(id));
  CHECK(pids.recycle(two));
  CHECK(pids.empty());
  CHECK(pids.check_invariants());
}

TEST_CASE("refs of ids out of range, free ids and the empty ref are never current", "[versioned]") {
  VersionedPidAllocator<1> pids;
  CHECK(pids.ref_of(64).empty());
  CHECK(pids.ref_of(kNoId).empty());
  CHECK(pids.ref_of(3).empty());
  CHECK_FALSE(pids.is_current(PidRef{}));
  CHECK_FALSE(pids.is_current(PidRef::from_bits(std::uint64_t{1} << 32 | 64)));
  // A ref of the lifetime that id 3 would begin next is not current before it begins.
  const PidRef future = PidRef::from_bits(std::uint64_t{1} << 32 | 3);
  CHECK_FALSE(pids.is_current(future));
  Pid all = pids.allocate_at(0);
  const PidRef zero = pids.ref_of(0);
  // The empty ref has id field 0 and generation 0; id 0 is allocated and still it is not current.
  CHECK_FALSE(pids.is_current(PidRef{}));
  CHECK(pids.is_current(zero));
  CHECK(static_cast<bool>(pids.allocate_at(3)));  // a temporary: allocated and freed again at once
  CHECK_FALSE(pids.is_current(future));           // that lifetime began and ended
}

TEST_CASE("bits() and from_bits() round-trip; std::hash agrees with ==", "[versioned]") {
  auto pids = std::make_unique<VersionedPidAllocator<1024>>();
  const std::size_t last = pids->capacity() - 1;  // 65,535 on 64-bit, 32,767 on 32-bit
  std::unordered_set<PidRef> refs;
  for (int round = 0; round < 4; ++round) {
    Pid p = pids->allocate_at(last);
    const PidRef ref = pids->ref_of(*p);
    CHECK(ref.id() == last);
    CHECK(ref.generation() == static_cast<std::uint32_t>(round + 1));
    CHECK(PidRef::from_bits(ref.bits()) == ref);
    CHECK(ref.bits() == (std::uint64_t{ref.generation()} << 32 | last));
    CHECK(pids->is_current(PidRef::from_bits(ref.bits())));
    CHECK(refs.insert(ref).second);
    CHECK_FALSE(refs.insert(PidRef::from_bits(ref.bits())).second);
    CHECK(std::hash<PidRef>{}(ref) == std::hash<PidRef>{}(PidRef::from_bits(ref.bits())));
  }
  CHECK(refs.size() == 4);
}

TEST_CASE("set_limit, allocate_in and every policy work as in PidAllocator", "[versioned]") {
  VersionedPidAllocator<1, pidalloc::Spinlock, pidalloc::RandomCyclic<4, 7, 3>> pids;
  pids.reseed(11);
  pids.set_random(false);
  CHECK_FALSE(pids.random());
  CHECK(pids.set_limit(10));
  std::vector<Pid> held;
  for (Pid p = pids.allocate(); p; p = pids.allocate()) held.push_back(std::move(p));
  CHECK(held.size() == 10);
  CHECK(pids.full());
  CHECK(pids.size() == 10);
  CHECK(pids.next_allocated(3) == 3);
  std::size_t visited = 0;
  pids.for_each_allocated([&](std::size_t) { ++visited; });
  CHECK(visited == 10);
  const PidRef five = pids.ref_of(5);
  held[5].reset();
  CHECK_FALSE(pids.is_current(five));
  Pid again = pids.allocate_in(0, 64);
  CHECK(*again == 5);
  CHECK(pids.ref_of(5).generation() == 2);
  CHECK(pids.check_invariants());
}

namespace {

// Owners churn ids of a 64-id allocator; every fourth lifetime, an owner publishes the ref it holds
// and waits, the Pid held, until a reader has checked that ref (which must then read current).
// After recycling, the owner puts the ref into a ring of stale refs; a reader that takes a ref from
// the ring (acquire, after the owner's release) must never see it current again, nor be able to
// recycle it, however often its id has been handed out since.
template <class Allocator>
void stale_refs_never_current(Allocator& pids, int owners, int readers, int lifetimes) {
  struct Slot {
    std::atomic<std::uint64_t> held{0};     // a ref whose Pid the owner holds, for a reader
    std::atomic<std::uint64_t> checked{0};  // the last such ref a reader has checked
  };
  constexpr std::size_t kRing = 64;
  std::vector<Slot> slots(static_cast<std::size_t>(owners));
  std::array<std::atomic<std::uint64_t>, kRing> stale{};
  std::atomic<std::size_t> stale_next{0};
  std::atomic<int> owners_left{owners};
  std::atomic<std::size_t> failures{0};
  std::atomic<std::size_t> confirmed{0};
  std::atomic<std::size_t> stale_checks{0};
  const auto fail = [&failures] { failures.fetch_add(1, std::memory_order_relaxed); };

  std::vector<std::thread> threads;
  for (int t = 0; t < owners; ++t) {
    threads.emplace_back([&, t] {
      Slot& slot = slots[static_cast<std::size_t>(t)];
      std::vector<PidRef> mine;  // this owner's own stale refs, rechecked later
      for (int i = 0; i < lifetimes; ++i) {
        Pid pid = pids.allocate();
        if (!pid) continue;  // the other owners hold every id for a moment
        const PidRef ref = pids.ref_of(*pid);
        if (ref.id() != *pid || !pids.is_current(ref)) fail();
        if (i % 4 == 0) {
          // release: the reader that takes the ref also sees that it was taken while held.
          slot.held.store(ref.bits(), std::memory_order_release);
          // The readers run until every owner is done, so one of them answers.
          while (slot.checked.load(std::memory_order_acquire) != ref.bits()) {
            std::this_thread::yield();
          }
        }
        pid.reset();
        if (pids.is_current(ref)) fail();
        // release: whoever loads the ref from the ring sees the recycle that made it stale.
        stale[stale_next.fetch_add(1, std::memory_order_relaxed) % kRing].store(
            ref.bits(), std::memory_order_release);
        mine.push_back(ref);
        if (mine.size() % 16 == 0) {
          for (const PidRef old : mine) {
            if (pids.is_current(old) || pids.recycle(old)) fail();
          }
          mine.clear();
        }
      }
      owners_left.fetch_sub(1, std::memory_order_release);
    });
  }
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      std::size_t k = static_cast<std::size_t>(r);
      while (owners_left.load(std::memory_order_acquire) > 0) {
        for (Slot& slot : slots) {
          // Taken with an exchange, so one reader answers each ref: the owner recycles the id
          // as soon as it sees that answer.
          const std::uint64_t held = slot.held.exchange(0, std::memory_order_acq_rel);
          if (held == 0) continue;
          // The owner holds the Pid until it sees our answer: the ref must read current.
          if (!pids.is_current(PidRef::from_bits(held))) fail();
          if (pids.ref_of(PidRef::from_bits(held).id()) != PidRef::from_bits(held)) fail();
          confirmed.fetch_add(1, std::memory_order_relaxed);
          slot.checked.store(held, std::memory_order_release);
        }
        for (int n = 0; n < 8; ++n) {
          const std::uint64_t bits = stale[k++ % kRing].load(std::memory_order_acquire);
          if (bits == 0) continue;
          if (pids.is_current(PidRef::from_bits(bits))) fail();
          stale_checks.fetch_add(1, std::memory_order_relaxed);
        }
        if (r == 0) {
          // Only the first reader tries to recycle stale refs: any success is a failure.
          const std::uint64_t bits = stale[k % kRing].load(std::memory_order_acquire);
          if (bits != 0 && pids.recycle(PidRef::from_bits(bits))) fail();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(confirmed.load() > 0);
  CHECK(stale_checks.load() > 0);
  CHECK(pids.empty());
  CHECK(pids.check_invariants());
}

}  // namespace

TEST_CASE("no thread sees a stale ref current (lowest-first: the same ids again and again)",
          "[concurrency][versioned]") {
  VersionedPidAllocator<1> pids;
  stale_refs_never_current(pids, 4, 2, 3000);
}

TEST_CASE("no thread sees a stale ref current (cyclic, std::mutex)", "[concurrency][versioned]") {
  VersionedPidAllocator<1, std::mutex, pidalloc::Cyclic<0>> pids;
  stale_refs_never_current(pids, 3, 2, 1000);
}

TEST_CASE("no thread sees a stale ref current (Scalable: no lock at all)",
          "[concurrency][versioned][scalable]") {
  VersionedPidAllocator<1, pidalloc::Spinlock, pidalloc::Scalable<>> pids;
  stale_refs_never_current(pids, 4, 2, 3000);
}
