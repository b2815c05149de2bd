// VersionedPidAllocator under Scalable, whose generations move without a lock
// (detail::AtomicGenerationTracker): the same single-threaded answers as the locked allocator
// (replayed side by side), every route that begins or ends a lifetime, bad input, forged refs
// whose generation no lifetime has; then [concurrency] tests, run under ThreadSanitizer: the
// shared ownership churn, owners and readers of stale refs, and refs handed to two threads that
// race to recycle them, of which exactly one may win. The generation wrap is in
// test_invariants.cpp, which owns detail::TestAccess.
#include <pid_allocator/pid_allocator.hpp>

#include "ownership_churn.hpp"

#include <catch2/catch_test_macros.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using pidalloc::kNoId;
using pidalloc::Pid;
using pidalloc::PidRef;

template <std::size_t Order>
using Versioned = pidalloc::VersionedPidAllocator<Order, pidalloc::Spinlock, pidalloc::Scalable<>>;

static_assert(sizeof(Versioned<1024>) >=
              sizeof(pidalloc::PidAllocator<1024, pidalloc::Spinlock, pidalloc::Scalable<>>) +
                  4 * Versioned<1024>::capacity());
static_assert(std::is_same_v<Versioned<1>::policy_type, pidalloc::Scalable<>>);
static_assert(noexcept(std::declval<const Versioned<1>&>().is_current(PidRef{})));
static_assert(noexcept(std::declval<const Versioned<1>&>().ref_of(0)));
static_assert(noexcept(std::declval<Versioned<1>&>().recycle(PidRef{})));

constinit Versioned<2> g_scalable;  // all zero bytes: every id free, in its first lifetime

// A ref with the given id and generation, as anyone can forge one.
PidRef forge(std::size_t id, std::uint64_t generation) {
  return PidRef::from_bits(generation << 32 | static_cast<std::uint64_t>(id));
}

}  // namespace

TEST_CASE("Versioned Scalable: a constinit allocator starts empty, every id in its first lifetime",
          "[versioned][scalable]") {
  REQUIRE(g_scalable.empty());
  REQUIRE(g_scalable.check_invariants());
  for (std::size_t id = 0; id < g_scalable.capacity(); ++id) REQUIRE(g_scalable.ref_of(id).empty());
  Pid a = g_scalable.allocate();
  REQUIRE(a);
  const PidRef ref = g_scalable.ref_of(*a);
  CHECK(ref.id() == *a);
  CHECK(ref.generation() == 1);
  CHECK(g_scalable.is_current(ref));
  a.reset();
  CHECK_FALSE(g_scalable.is_current(ref));
  CHECK(g_scalable.check_invariants());
}

TEST_CASE("Versioned Scalable: a ref is current for exactly one lifetime, every route",
          "[versioned][scalable]") {
  Versioned<1> pids;
  const std::size_t id = pids.capacity() / 2 + 3;
  std::vector<PidRef> seen;
  // Each route that begins a lifetime gives a new ref, current until a route ends it; no older
  // ref is current again, and none can be recycled.
  const auto begins = [&](std::size_t got) {
    REQUIRE(got == id);
    const PidRef ref = pids.ref_of(id);
    CHECK(ref.id() == id);
    CHECK(ref.generation() == seen.size() + 1);  // the locked allocator's numbers too
    CHECK(pids.is_current(ref));
    CHECK(pids.ref_of(id) == ref);  // asked again
    for (const PidRef old : seen) {
      CHECK(old != ref);
      CHECK_FALSE(pids.is_current(old));
      CHECK_FALSE(pids.recycle(old));
    }
    CHECK(pids.contains(id));
    seen.push_back(ref);
    return ref;
  };
  const auto ended = [&] {
    CHECK_FALSE(pids.contains(id));
    CHECK(pids.ref_of(id).empty());
    for (const PidRef old : seen) CHECK_FALSE(pids.is_current(old));
    CHECK(pids.check_invariants());
  };

  {
    Pid p = pids.allocate_at(id);
    begins(*p);
  }  // the destructor
  ended();
  Pid p = pids.allocate_in(id, id + 1);
  begins(*p);
  p.reset();
  ended();
  begins(pids.allocate_id_at(id));
  CHECK(pids.recycle(id));
  ended();
  CHECK_FALSE(pids.recycle(id));  // double free
  begins(pids.allocate_id_in(id, pids.capacity()));
  const PidRef by_ref = seen.back();
  CHECK(pids.recycle(by_ref));
  ended();
  CHECK_FALSE(pids.recycle(by_ref));  // already free
  p = pids.allocate_at(id);
  begins(*p);
  CHECK(pids.recycle(p.release()));
  ended();
  p = pids.allocate_at(id);
  begins(*p);
  p = pids.allocate_at(id + 1);  // move-assignment onto a live handle recycles id
  ended();
  CHECK(pids.ref_of(id + 1).generation() == 1);
  p.reset();
  // allocate() under Scalable hands out some free id; with one id left, it is that one.
  std::vector<Pid> others;
  for (std::size_t other = 0; other < pids.capacity(); ++other) {
    if (other != id) others.push_back(pids.allocate_at(other));
  }
  p = pids.allocate();
  begins(*p);
  CHECK(pids.full());
  CHECK_FALSE(pids.allocate());
  p.reset();
  ended();
  others.clear();
  CHECK(pids.empty());
}

TEST_CASE("Versioned Scalable: bad input and forged refs get the locked allocator's answers",
          "[versioned][scalable]") {
  Versioned<1> pids;
  const std::size_t cap = pids.capacity();
  CHECK(pids.ref_of(cap).empty());
  CHECK(pids.ref_of(kNoId).empty());
  CHECK(pids.ref_of(3).empty());
  CHECK_FALSE(pids.recycle(cap));
  CHECK_FALSE(pids.recycle(kNoId));
  CHECK_FALSE(pids.recycle(3));
  CHECK_FALSE(pids.is_current(PidRef{}));
  CHECK_FALSE(pids.recycle(PidRef{}));
  CHECK_FALSE(pids.is_current(forge(cap, 1)));
  CHECK_FALSE(pids.recycle(forge(cap, 1)));
  CHECK_FALSE(pids.is_current(forge(3, 1)));  // the lifetime id 3 would begin next
  CHECK(pids.allocate_id_at(cap) == kNoId);
  CHECK(pids.allocate_id_in(3, 3) == kNoId);
  CHECK(pids.allocate_id_in(cap, cap + 5) == kNoId);

  Pid zero = pids.allocate_at(0);
  REQUIRE(zero);
  CHECK_FALSE(pids.is_current(PidRef{}));  // id field 0, generation 0: still nothing
  CHECK_FALSE(pids.recycle(PidRef{}));
  const std::size_t id = pids.allocate_id_at(cap - 1);
  REQUIRE(id == cap - 1);
  const PidRef one = pids.ref_of(id);
  CHECK(one.generation() == 1);
  // Generations above 2^31 name no lifetime under Scalable: 2^31 + 1 would alias generation 1's
  // counter value if it were not refused.
  for (const std::uint64_t g : {0x8000'0001ULL, 0x8000'0002ULL, 0xFFFF'FFFFULL}) {
    CHECK_FALSE(pids.is_current(forge(id, g)));
    CHECK_FALSE(pids.recycle(forge(id, g)));
  }
  CHECK_FALSE(pids.is_current(forge(id, 2)));  // a future lifetime
  CHECK_FALSE(pids.recycle(forge(id, 2)));
  CHECK(pids.is_current(one));
  CHECK(pids.contains(id));
  CHECK(pids.set_limit(1));
  CHECK(pids.allocate_id() == kNoId);      // id 0 is the only one below the limit
  CHECK(pids.allocate_id_at(5) == kNoId);  // at or above the limit
  CHECK(pids.is_current(one));             // a lowered limit ends nothing
  CHECK(pids.recycle(one));
  CHECK(pids.set_limit(cap));
  CHECK(pids.size() == 1);
  zero.reset();
  CHECK(pids.empty());
  CHECK(pids.check_invariants());
}

TEST_CASE("Versioned Scalable answers as the locked VersionedPidAllocator does, step by step",
          "[versioned][scalable]") {
  // The same script on both: every allocation names its id (allocate_at, or allocate_in, which
  // takes the lowest free id under every policy), so the two must agree on every answer.
  auto locked = std::make_unique<pidalloc::VersionedPidAllocator<2>>();
  auto scalable = std::make_unique<Versioned<2>>();
  const std::size_t cap = scalable->capacity();
  std::vector<PidRef> refs;  // every ref either has handed out, live or stale
  std::vector<Pid> locked_pids(cap);
  std::vector<Pid> scalable_pids(cap);
  std::uint64_t rng = 0x2545F4914F6CDD1DULL;
  std::size_t disagreements = 0;
  const auto same = [&](auto a, auto b) {
    if (!(a == b)) ++disagreements;
  };
  for (int step = 0; step < 20000; ++step) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    const std::size_t id = static_cast<std::size_t>(rng >> 24) % (cap + 2);  // some out of range
    const std::size_t id_in = id < cap ? id : cap - 1;
    switch (rng % 9) {
      case 0:
        same(locked->allocate_id_at(id), scalable->allocate_id_at(id));
        break;
      case 1: {
        const std::size_t max = id + static_cast<std::size_t>(rng >> 50) % 8;
        same(locked->allocate_id_in(id, max), scalable->allocate_id_in(id, max));
        break;
      }
      case 2:
        if (!locked_pids[id_in] && !locked->contains(id_in)) {
          locked_pids[id_in] = locked->allocate_at(id_in);
          scalable_pids[id_in] = scalable->allocate_at(id_in);
          same(*locked_pids[id_in], *scalable_pids[id_in]);
        }
        break;
      case 3:
        if (!locked_pids[id_in]) {
          same(locked->recycle(id), scalable->recycle(id));  // also ids free or out of range
        }
        break;
      case 4:
        locked_pids[id_in].reset();
        scalable_pids[id_in].reset();
        break;
      case 5:
        if (!refs.empty()) {
          const PidRef ref = refs[static_cast<std::size_t>(rng >> 40) % refs.size()];
          if (!locked_pids[ref.id()]) same(locked->recycle(ref), scalable->recycle(ref));
        }
        break;
      default:
        break;
    }
    const PidRef ref = locked->ref_of(id);
    same(ref, scalable->ref_of(id));
    if (ref) refs.push_back(ref);
    for (int k = 0; k < 4 && !refs.empty(); ++k) {
      const PidRef any = refs[static_cast<std::size_t>(rng >> (8 * k)) % refs.size()];
      same(locked->is_current(any), scalable->is_current(any));
    }
    same(locked->size(), scalable->size());
  }
  CHECK(disagreements == 0);
  CHECK(refs.size() > 1000);
  CHECK(locked->check_invariants());
  CHECK(scalable->check_invariants());
  locked_pids.clear();
  scalable_pids.clear();
  for (std::size_t id = 0; id < cap; ++id) {
    same(locked->recycle(id), scalable->recycle(id));
  }
  CHECK(disagreements == 0);
  CHECK(scalable->empty());
}

// ---- concurrency ----

TEST_CASE("Versioned Scalable: no id is held twice", "[concurrency][versioned][scalable]") {
  Versioned<2> pids;  // 128 ids (64 with 32-bit words) for 8 threads keeping up to 12 each
  pidalloc_test::hammer(pids, 12, 20000);
  for (std::size_t id = 0; id < pids.capacity(); ++id) CHECK(pids.ref_of(id).empty());
}

namespace {

// Owners churn ids through Pids, raw ids and refs. Each lifetime's ref is checked by its owner
// (ref_of gives it, it is current while held, not after), published while held for readers, and
// after its free pushed into a ring of stale refs that no reader may ever see current or recycle.
// Every 16th lifetime is handed off instead: its owner gives the ref to two reapers, which race
// recycle(ref); exactly one of them may succeed. An ownership table (owners[id], 0 or holder + 1)
// proves that no id is held twice; a handed-off id leaves the table when it is handed off.
void stale_refs_and_racing_frees(int owners, int lifetimes) {
  auto pids = std::make_unique<Versioned<2>>();
  const std::size_t cap = pids->capacity();
  constexpr std::size_t kRing = 64;
  std::array<std::atomic<std::uint64_t>, kRing> stale{};
  std::atomic<std::size_t> stale_next{0};
  std::vector<std::atomic<std::uint64_t>> live(cap);  // a ref whose id its owner holds, or 0
  std::vector<std::atomic<std::uint32_t>> table(cap);
  struct Handoff {
    std::atomic<std::uint64_t> ref{0};
    std::atomic<int> tries{0};  // reapers that have tried this ref
    std::atomic<int> wins{0};
  };
  std::vector<Handoff> handoffs(static_cast<std::size_t>(owners));
  std::atomic<int> owners_left{owners};
  std::atomic<std::size_t> failures{0};
  std::atomic<std::size_t> stale_checks{0};
  std::atomic<std::size_t> handed_off{0};
  const auto fail = [&failures] { failures.fetch_add(1, std::memory_order_relaxed); };

  std::vector<std::thread> threads;
  for (int t = 0; t < owners; ++t) {
    threads.emplace_back([&, t] {
      const auto who = static_cast<std::uint32_t>(t + 1);
      Handoff& handoff = handoffs[static_cast<std::size_t>(t)];
      std::uint64_t rng = 0x9E3779B97F4A7C15ULL * who;
      for (int i = 0; i < lifetimes; ++i) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        const auto route = static_cast<unsigned>(rng % 4);
        Pid pid;
        std::size_t raw = kNoId;
        if (route == 0) {
          raw = pids->allocate_id();
        } else if (route == 1) {
          pid = pids->allocate_at(static_cast<std::size_t>(rng >> 20) % cap);
        } else if (route == 2) {
          pid = pids->allocate_in(static_cast<std::size_t>(rng >> 20) % cap, cap);
        } else {
          pid = pids->allocate();
        }
        const std::size_t id = pid ? *pid : raw;
        if (id == kNoId) continue;
        std::uint32_t nobody = 0;
        if (!table[id].compare_exchange_strong(nobody, who, std::memory_order_relaxed)) fail();
        const PidRef ref = pids->ref_of(id);
        if (ref.id() != id || !pids->is_current(ref)) fail();
        live[id].store(ref.bits(), std::memory_order_release);

        if (i % 16 == 0) {
          // Hand the lifetime to the reapers: it is theirs now, out of the table.
          live[id].store(0, std::memory_order_relaxed);
          std::uint32_t mine = who;
          if (!table[id].compare_exchange_strong(mine, 0, std::memory_order_relaxed)) fail();
          if (pid) raw = pid.release();
          handoff.tries.store(0, std::memory_order_relaxed);
          handoff.wins.store(0, std::memory_order_relaxed);
          handoff.ref.store(ref.bits(), std::memory_order_release);
          while (handoff.tries.load(std::memory_order_acquire) < 2) std::this_thread::yield();
          handoff.ref.store(0, std::memory_order_relaxed);
          if (handoff.wins.load(std::memory_order_relaxed) != 1) fail();
          handed_off.fetch_add(1, std::memory_order_relaxed);
        } else {
          // Out of the table before the id is free again, as ownership_churn.hpp does.
          live[id].store(0, std::memory_order_relaxed);
          std::uint32_t mine = who;
          if (!table[id].compare_exchange_strong(mine, 0, std::memory_order_relaxed)) fail();
          switch (rng >> 60 & 3) {
            case 0:
              if (!pids->recycle(ref)) fail();
              pid.release();
              break;
            case 1:
              if (!pids->recycle(pid ? pid.release() : raw)) fail();
              break;
            default:
              if (pid) {
                pid.reset();
              } else if (!pids->recycle(raw)) {
                fail();
              }
              break;
          }
        }
        if (pids->is_current(ref) || pids->recycle(ref)) fail();
        // release: whoever loads the ref from the ring sees the free that made it stale.
        stale[stale_next.fetch_add(1, std::memory_order_relaxed) % kRing].store(
            ref.bits(), std::memory_order_release);
      }
      owners_left.fetch_sub(1, std::memory_order_release);
    });
  }
  // Two reapers: each tries every handed-off ref once, and checks stale refs in between.
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      std::vector<std::uint64_t> tried(handoffs.size(), 0);
      std::size_t k = static_cast<std::size_t>(r) * 7;
      while (owners_left.load(std::memory_order_acquire) > 0) {
        for (std::size_t h = 0; h < handoffs.size(); ++h) {
          // acquire: pairs with the owner's release, so the lifetime is seen begun.
          const std::uint64_t bits = handoffs[h].ref.load(std::memory_order_acquire);
          if (bits == 0 || bits == tried[h]) continue;
          tried[h] = bits;
          if (pids->recycle(PidRef::from_bits(bits))) {
            handoffs[h].wins.fetch_add(1, std::memory_order_relaxed);
          }
          if (pids->is_current(PidRef::from_bits(bits))) fail();  // one of us freed it
          handoffs[h].tries.fetch_add(1, std::memory_order_release);
        }
        for (int n = 0; n < 4; ++n) {
          const std::uint64_t bits = stale[k++ % kRing].load(std::memory_order_acquire);
          if (bits == 0) continue;
          const PidRef old = PidRef::from_bits(bits);
          if (pids->is_current(old) || pids->ref_of(old.id()) == old || pids->recycle(old)) fail();
          stale_checks.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  // A reader of live refs: a ref it loads may end at any moment, so only its answers' shape is
  // checked (current means ref_of agreed at some moment), and check_invariants() runs beside it.
  threads.emplace_back([&] {
    std::size_t id = 0;
    while (owners_left.load(std::memory_order_acquire) > 0) {
      id = (id + 1) % cap;
      const PidRef seen = pids->ref_of(id);
      if (seen && (seen.id() != id || seen.generation() == 0)) fail();
      const std::uint64_t bits = live[id].load(std::memory_order_acquire);
      if (bits != 0 && PidRef::from_bits(bits).id() != id) fail();
      if (id == 0 && !pids->check_invariants()) fail();
    }
  });
  for (std::thread& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(handed_off.load() > 0);
  CHECK(stale_checks.load() > 0);
  // Quiescent: nothing held, every counter even and every bit clear, every id allocatable again.
  CHECK(pids->size() == 0);
  CHECK(pids->check_invariants());
  for (std::size_t id = 0; id < cap; ++id) {
    CHECK(pids->ref_of(id).empty());
    CHECK_FALSE(pids->contains(id));
  }
  std::vector<std::size_t> all;
  for (std::size_t id = pids->allocate_id(); id != kNoId; id = pids->allocate_id()) {
    all.push_back(id);
  }
  CHECK(all.size() == cap);
  for (const std::size_t id : all) {
    CHECK(pids->is_current(pids->ref_of(id)));
    CHECK(pids->recycle(pids->ref_of(id)));
  }
  CHECK(pids->empty());
}

}  // namespace

TEST_CASE("Versioned Scalable: stale refs never current, racing recycle(ref) frees once",
          "[concurrency][versioned][scalable]") {
  stale_refs_and_racing_frees(4, 3000);
}
