// Soak: many more threads than cores churn nine shared allocators for a given time, so that lock
// holders are preempted mid-operation: one per policy type (LowestFirst three layers deep,
// Cyclic<100> with a partial summary word, RandomCyclic<2, 7> with only 64 ids), one that is used
// through plain integer ids (allocate_id, allocate_id_at, allocate_id_in, recycle) and through
// allocate_in(), and a RandomCyclic<16, 64> whose random skip a thread of its own turns off and on
// (set_random) and reseeds while the others churn; a VersionedPidAllocator, where each thread
// checks that the ref of an id it holds reads current, that the ref stops being current when the id
// is recycled (by handle, by id or by the ref itself), and that no stale ref that any thread has
// published after recycling its id ever reads current again; and two Scalable allocators, which
// take no lock on allocate and recycle: one with the default hint (a number per thread), one used
// through integer ids with a hint that names a different core on almost every call (a wrong hint
// must cost speed only); and a VersionedPidAllocator under Scalable, whose generations move without
// a lock, with the first versioned arena's checks. An ownership table records, for every id, which
// thread believes it owns it; a second claim on an id that is already owned is the double hand-out
// this program exists to catch. At the end the allocators must agree exactly with the table, and
// then give every id back out once more (nothing lost).
//
// Usage: soak [--seconds=S] [--threads=N] [--seed=X]
//   S defaults to 10, N to 4 x std::thread::hardware_concurrency(). Exit status 0 only when every
//   check passed.
// Build: g++ -std=c++20 -O2 -pthread -Iinclude tests/soak/soak.cpp -o soak
#include <pid_allocator/pid_allocator.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using pidalloc::kNoId;
using pidalloc::Pid;

std::atomic<std::uint64_t> g_violations{0};

void report_violation(const char* what, std::size_t id, std::uint64_t a, std::uint64_t b) {
  // Only the first few are printed: one bug tends to produce a flood.
  if (g_violations.fetch_add(1, std::memory_order_relaxed) < 20) {
    std::fprintf(stderr, "VIOLATION: %s (id %zu, %" PRIu64 ", %" PRIu64 ")\n", what, id, a, b);
  }
}

// xorshift64*: cheap per-thread randomness; quality is irrelevant, only variety matters.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed == 0 ? 0x9E3779B97F4A7C15ULL : seed) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

 private:
  std::uint64_t state_;
};

// What every thread and the final audit need to know about one allocator, whatever its Order.
class Arena {
 public:
  virtual ~Arena() = default;
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  [[nodiscard]] virtual const char* name() const = 0;
  [[nodiscard]] virtual std::size_t capacity() const = 0;
  [[nodiscard]] virtual Pid allocate() = 0;
  [[nodiscard]] virtual Pid allocate_at(std::size_t id) = 0;
  [[nodiscard]] virtual Pid allocate_in(std::size_t min, std::size_t max) = 0;
  [[nodiscard]] virtual std::size_t allocate_id() = 0;
  [[nodiscard]] virtual std::size_t allocate_id_at(std::size_t id) = 0;
  [[nodiscard]] virtual std::size_t allocate_id_in(std::size_t min, std::size_t max) = 0;
  virtual bool recycle(std::size_t id) = 0;
  // RandomCyclic only: false, doing nothing, for the other policies.
  virtual bool set_random(bool on) = 0;
  virtual bool reseed(std::uint64_t seed) = 0;
  [[nodiscard]] virtual bool random() const = 0;
  [[nodiscard]] virtual bool contains(std::size_t id) const = 0;
  [[nodiscard]] virtual std::size_t size() const = 0;
  [[nodiscard]] virtual bool check_invariants() const = 0;
  [[nodiscard]] virtual std::vector<std::size_t> allocated_ids() const = 0;
  // VersionedPidAllocator only (refs as PidRef::bits()); 0 and false elsewhere.
  [[nodiscard]] virtual bool versioned() const = 0;
  [[nodiscard]] virtual std::uint64_t ref_of(std::size_t id) const = 0;
  [[nodiscard]] virtual bool is_current(std::uint64_t ref) const = 0;
  virtual bool recycle_ref(std::uint64_t ref) = 0;

  // Refs whose ids their owners have recycled: each is stored (release) after the recycle, so a
  // thread that loads it (acquire) must find it stale, now and forever.
  void publish_stale(std::uint64_t ref) {
    stale_[stale_next_.fetch_add(1, std::memory_order_relaxed) % kStale].store(
        ref, std::memory_order_release);
  }
  [[nodiscard]] std::uint64_t stale(std::size_t k) const {
    return stale_[k % kStale].load(std::memory_order_acquire);
  }

  // Owner table: 0 = nobody, t + 1 = thread t. A claim that finds a non-zero entry means the
  // allocator handed out an id that somebody still owns.
  void claim(std::size_t id, std::uint32_t thread) {
    const std::uint32_t previous = owners_[id].exchange(thread + 1, std::memory_order_acq_rel);
    if (previous != 0) report_violation("id handed out while owned", id, previous - 1U, thread);
  }
  // Must run before the id goes back to the allocator, or a fast re-allocation elsewhere would
  // race with this store and look like a double hand-out.
  void unclaim(std::size_t id, std::uint32_t thread) {
    const std::uint32_t previous = owners_[id].exchange(0, std::memory_order_acq_rel);
    if (previous != thread + 1)
      report_violation("owned id was not ours", id, previous, thread + 1U);
  }
  [[nodiscard]] std::uint32_t owner(std::size_t id) const {
    return owners_[id].load(std::memory_order_acquire);
  }

  // How the workers use it: through Pid handles (allocate, allocate_at), or mostly through plain
  // integer ids (allocate_id*, recycle) and allocate_in().
  bool by_raw_ids = false;
  // Whether a thread of its own turns the random skip off and on (RandomCyclic only).
  bool toggled = false;

 protected:
  void size_owner_table(std::size_t n) {
    owners_ = std::make_unique<std::atomic<std::uint32_t>[]>(n);
  }

 private:
  static constexpr std::size_t kStale = 256;
  std::unique_ptr<std::atomic<std::uint32_t>[]> owners_;
  std::array<std::atomic<std::uint64_t>, kStale> stale_{};
  std::atomic<std::size_t> stale_next_{0};
};

// A hint that is wrong on purpose for Scalable: a different "core" on almost every call.
struct WanderingCpu {
  static std::size_t cpu() noexcept {
    thread_local std::size_t core = 0;
    core = core * 5 + 3;
    return core >> 4;
  }
};

#if defined(PIDALLOC_SOAK_WITHOUT_LOCK)
// For the step script's check that the soak can fail at all: with this "lock" the allocator's
// critical sections overlap, and the ownership table must notice.
struct NoLock {
  static void lock() noexcept {}
  static void unlock() noexcept {}
};
using SoakLock = NoLock;
#else
using SoakLock = pidalloc::Spinlock;
#endif

template <std::size_t Order, class Policy, bool Versioned = false>
class ArenaOf final : public Arena {
  using Alloc =
      std::conditional_t<Versioned, pidalloc::VersionedPidAllocator<Order, SoakLock, Policy>,
                         pidalloc::PidAllocator<Order, SoakLock, Policy>>;
  static constexpr bool kRandom = requires(Alloc & a) { a.set_random(true); };

 public:
  explicit ArenaOf(const char* label) : label_(label) { size_owner_table(Alloc::capacity()); }
  [[nodiscard]] const char* name() const override { return label_; }
  [[nodiscard]] std::size_t capacity() const override { return Alloc::capacity(); }
  [[nodiscard]] Pid allocate() override { return pids_.allocate(); }
  [[nodiscard]] Pid allocate_at(std::size_t id) override { return pids_.allocate_at(id); }
  [[nodiscard]] Pid allocate_in(std::size_t min, std::size_t max) override {
    return pids_.allocate_in(min, max);
  }
  [[nodiscard]] std::size_t allocate_id() override { return pids_.allocate_id(); }
  [[nodiscard]] std::size_t allocate_id_at(std::size_t id) override {
    return pids_.allocate_id_at(id);
  }
  [[nodiscard]] std::size_t allocate_id_in(std::size_t min, std::size_t max) override {
    return pids_.allocate_id_in(min, max);
  }
  bool recycle(std::size_t id) override { return pids_.recycle(id); }
  bool set_random(bool on) override {
    if constexpr (kRandom) {
      pids_.set_random(on);
      return true;
    } else {
      static_cast<void>(on);
      return false;
    }
  }
  bool reseed(std::uint64_t seed) override {
    if constexpr (kRandom) {
      pids_.reseed(seed);
      return true;
    } else {
      static_cast<void>(seed);
      return false;
    }
  }
  [[nodiscard]] bool random() const override {
    if constexpr (kRandom) {
      return pids_.random();
    } else {
      return false;
    }
  }
  [[nodiscard]] bool contains(std::size_t id) const override { return pids_.contains(id); }
  [[nodiscard]] std::size_t size() const override { return pids_.size(); }
  [[nodiscard]] bool check_invariants() const override { return pids_.check_invariants(); }
  [[nodiscard]] std::vector<std::size_t> allocated_ids() const override {
    std::vector<std::size_t> ids;
    pids_.for_each_allocated([&ids](std::size_t id) { ids.push_back(id); });
    return ids;
  }
  [[nodiscard]] bool versioned() const override { return Versioned; }
  [[nodiscard]] std::uint64_t ref_of(std::size_t id) const override {
    if constexpr (Versioned) {
      return pids_.ref_of(id).bits();
    } else {
      static_cast<void>(id);
      return 0;
    }
  }
  [[nodiscard]] bool is_current(std::uint64_t ref) const override {
    if constexpr (Versioned) {
      return pids_.is_current(pidalloc::PidRef::from_bits(ref));
    } else {
      static_cast<void>(ref);
      return false;
    }
  }
  bool recycle_ref(std::uint64_t ref) override {
    if constexpr (Versioned) {
      return pids_.recycle(pidalloc::PidRef::from_bits(ref));
    } else {
      static_cast<void>(ref);
      return false;
    }
  }

 private:
  const char* label_;
  Alloc pids_;
};

struct Counters {
  std::uint64_t ops = 0;
  std::uint64_t allocations = 0;
  std::uint64_t exhausted = 0;  // allocate() or allocate_at() that found nothing to hand out
  std::uint64_t recycles = 0;
  std::uint64_t checks = 0;        // checks that were made and passed
  std::uint64_t toggles = 0;       // set_random() and reseed() calls by the toggling thread
  std::uint64_t stale_checks = 0;  // published stale refs found not current, as they must be

  Counters& operator+=(const Counters& o) {
    ops += o.ops;
    toggles += o.toggles;
    allocations += o.allocations;
    exhausted += o.exhausted;
    recycles += o.recycles;
    checks += o.checks;
    stale_checks += o.stale_checks;
    return *this;
  }
};

// One thread's ids in one arena: as live handles, and as raw ids given up by Pid::release().
struct Holdings {
  std::vector<Pid> handles;
  std::vector<std::size_t> raw;
  [[nodiscard]] std::size_t count() const { return handles.size() + raw.size(); }
};

struct Worker {
  std::uint32_t index = 0;
  Rng rng{1};
  std::vector<Holdings> holdings;  // one per arena
  Counters counters;
};

template <class T>
T take_random(std::vector<T>& items, Rng& rng) {
  const std::size_t i = rng.below(items.size());
  std::swap(items[i], items.back());
  T item = std::move(items.back());
  items.pop_back();
  return item;
}

void check(bool ok, Counters& c, const char* what, std::size_t id = 0) {
  if (ok) {
    ++c.checks;
  } else {
    report_violation(what, id, 0, 0);
  }
}

// ---- VersionedPidAllocator arenas ----

// The ref of an id the caller holds: it names the current lifetime, so it reads current.
std::uint64_t held_ref(const Arena& arena, Counters& c, std::size_t id) {
  const std::uint64_t ref = arena.ref_of(id);
  check(ref != 0 && pidalloc::PidRef::from_bits(ref).id() == id, c, "ref_of() of a held id", id);
  check(arena.is_current(ref), c, "the ref of a held id is not current", id);
  return ref;
}

// After the caller recycled the id of `ref`: stale from now on, here and in every thread.
void retire(Arena& arena, Counters& c, std::uint64_t ref, std::size_t id) {
  check(!arena.is_current(ref), c, "a ref is current after its id was recycled", id);
  check(!arena.recycle_ref(ref), c, "recycle(PidRef) accepted a stale ref", id);
  arena.publish_stale(ref);
}

// Refs that other threads retired: none may read current, whatever has happened to their ids.
void check_stale(Worker& w, const Arena& arena) {
  for (int n = 0; n < 2; ++n) {
    const std::uint64_t ref = arena.stale(w.rng.below(1U << 16));
    if (ref == 0) continue;
    if (arena.is_current(ref)) {
      report_violation("a published stale ref reads current", pidalloc::PidRef::from_bits(ref).id(),
                       ref, w.index);
    } else {
      ++w.counters.stale_checks;
    }
  }
}

// One allocation from an arena used through integer ids: allocate_id(), allocate_id_at(),
// allocate_id_in() and allocate_in() over random windows (some reaching past capacity()). The ids
// are kept as integers, but allocate_in()'s come as handles, so both kinds mix in one arena.
void grow_by_raw_ids(Worker& w, Arena& arena, Holdings& mine, std::size_t choice) {
  Counters& c = w.counters;
  const std::size_t cap = arena.capacity();
  std::size_t id = kNoId;
  Pid pid;
  switch (choice % 5) {
    case 0: {
      // A specific id; sometimes one we own, which must be refused.
      const bool ours = !mine.raw.empty() && w.rng.below(2) == 0;
      const std::size_t want = ours ? mine.raw[w.rng.below(mine.raw.size())] : w.rng.below(cap);
      id = arena.allocate_id_at(want);
      if (ours) {
        check(id == kNoId, c, "allocate_id_at handed out an id its caller owns", want);
        return;
      }
      check(id == kNoId || id == want, c, "allocate_id_at handed out a different id", want);
      break;
    }
    case 1:
    case 2: {
      const std::size_t min = w.rng.below(cap);
      const std::size_t max = min + 1 + w.rng.below(cap / 4);
      if (choice % 5 == 1) {
        id = arena.allocate_id_in(min, max);
      } else {
        pid = arena.allocate_in(min, max);
        id = pid.get();
        check(static_cast<bool>(pid) == (id != kNoId), c, "allocate_in: handle and id disagree");
      }
      check(id == kNoId || (id >= min && id < max), c,
            "allocate_in handed out an id outside [min, max)", id);
      break;
    }
    default:
      id = arena.allocate_id();
      break;
  }
  if (id == kNoId) {
    ++c.exhausted;
    return;
  }
  ++c.allocations;
  check(id < cap, c, "id out of range", id);
  arena.claim(id, w.index);
  check(arena.contains(id), c, "contains() false for an id just allocated", id);
  if (arena.versioned()) static_cast<void>(held_ref(arena, c, id));
  if (pid) {
    mine.handles.push_back(std::move(pid));
  } else {
    mine.raw.push_back(id);
  }
  // Ranges that hold no id are answered with kNoId, at any time.
  const std::size_t min = w.rng.below(cap + 2);
  check(arena.allocate_id_in(min, min) == kNoId && arena.allocate_id_in(min + 1, min) == kNoId &&
            arena.allocate_id_in(cap + w.rng.below(1000), kNoId) == kNoId &&
            arena.allocate_id_at(cap + w.rng.below(1000)) == kNoId,
        c, "an empty or out-of-range request was answered with an id");
}

// One operation on one arena. Each thread swings between filling up (so that the arenas run dry
// and the exhausted path is taken under contention) and draining.
void churn_once(Worker& w, Arena& arena, Holdings& mine, bool filling) {
  Counters& c = w.counters;
  ++c.ops;
  if (arena.versioned()) check_stale(w, arena);
  const std::size_t choice = w.rng.below(16);
  const bool grow = filling ? choice < 11 : choice < 5;
  if ((grow || mine.count() == 0) && arena.by_raw_ids) {
    grow_by_raw_ids(w, arena, mine, choice);
    return;
  }
  if (grow || mine.count() == 0) {
    Pid pid;
    if (choice % 4 == 0) {
      // Ask for a specific id; sometimes one we own, which must be refused.
      const bool ours = !mine.handles.empty() && choice % 8 == 0;
      const std::size_t id =
          ours ? *mine.handles[w.rng.below(mine.handles.size())] : w.rng.below(arena.capacity());
      pid = arena.allocate_at(id);
      if (ours) {
        check(!pid, c, "allocate_at handed out an id its caller owns", id);
        return;
      }
      check(!pid || *pid == id, c, "allocate_at handed out a different id", id);
    } else {
      pid = arena.allocate();
    }
    if (!pid) {
      ++c.exhausted;
      return;
    }
    ++c.allocations;
    const std::size_t id = *pid;
    check(id < arena.capacity(), c, "id out of range", id);
    arena.claim(id, w.index);
    // contains() is lock-free: a thread must see its own allocation.
    check(arena.contains(id), c, "contains() false for an id just allocated", id);
    if (arena.versioned()) static_cast<void>(held_ref(arena, c, id));
    if (w.rng.below(4) == 0) {
      mine.raw.push_back(pid.release());
      check(!pid && arena.contains(id), c, "release() recycled the id or kept the handle", id);
    } else {
      mine.handles.push_back(std::move(pid));
    }
    return;
  }
  ++c.recycles;
  if (!mine.raw.empty() && (mine.handles.empty() || w.rng.below(2) == 0)) {
    const std::size_t id = take_random(mine.raw, w.rng);
    const std::uint64_t ref = arena.versioned() ? held_ref(arena, c, id) : 0;
    arena.unclaim(id, w.index);
    if (ref != 0 && w.rng.below(2) == 0) {
      check(arena.recycle_ref(ref), c, "recycle(PidRef) refused the ref of a held id", id);
    } else {
      check(arena.recycle(id), c, "recycle() refused an id given up by release()", id);
    }
    if (ref != 0) retire(arena, c, ref, id);
  } else {
    Pid pid = take_random(mine.handles, w.rng);
    const std::size_t id = *pid;
    check(arena.contains(id), c, "contains() false for an id we hold", id);
    const std::uint64_t ref = arena.versioned() ? held_ref(arena, c, id) : 0;
    arena.unclaim(id, w.index);
    pid.reset();
    check(!pid, c, "reset() left the handle non-empty", id);
    if (ref != 0) retire(arena, c, ref, id);
  }
  // Bad input is answered with false and changes nothing, at any time.
  check(!arena.recycle(arena.capacity() + w.rng.below(1000)), c,
        "recycle() accepted an id out of range");
}

// The toggled arena's own thread: turns the random skip off and on (FreeBSD's sysctl
// kern.randompid at run time) and now and then reseeds it, sometimes in bursts, sometimes after a
// pause, while the workers allocate from it. Nobody else changes the setting, so random() must
// report the last one.
void toggle(Arena& arena, std::uint64_t seed, Counters& c, const std::atomic<bool>& stop) {
  Rng rng(seed);
  bool on = true;
  while (!stop.load(std::memory_order_relaxed)) {
    const std::size_t burst = 1 + rng.below(rng.below(4) == 0 ? 64 : 2);
    for (std::size_t i = 0; i < burst; ++i) {
      if (rng.below(4) == 0) {
        check(arena.reseed(rng.next()), c, "reseed() refused by a RandomCyclic arena");
      } else {
        on = !on;
        check(arena.set_random(on), c, "set_random() refused by a RandomCyclic arena");
      }
      ++c.toggles;
      check(arena.random() == on, c, "random() differs from the last set_random()");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50 + rng.below(2000)));
  }
}

void work(Worker& w, const std::vector<std::unique_ptr<Arena>>& arenas,
          const std::atomic<bool>& stop) {
  w.holdings.resize(arenas.size());
  bool filling = true;
  std::size_t since_switch = 0;
  const std::size_t phase_length = 200 + w.rng.below(2000);
  while (!stop.load(std::memory_order_relaxed)) {
    for (int burst = 0; burst < 64; ++burst) {
      const std::size_t a = w.rng.below(arenas.size());
      churn_once(w, *arenas[a], w.holdings[a], filling);
    }
    since_switch += 64;
    if (since_switch >= phase_length) {
      filling = !filling;
      since_switch = 0;
    }
  }
}

// After the threads have stopped: the allocator, the owner table and the threads' holdings must
// agree exactly; after everything is given back the allocator is empty and can hand out every id
// once more.
bool audit(Arena& arena, std::size_t arena_index, std::vector<Worker>& workers, Counters& c) {
  const std::uint64_t violations_before = g_violations.load();
  std::vector<char> held(arena.capacity(), 0);
  std::size_t total = 0;
  for (const Worker& w : workers) {
    const Holdings& h = w.holdings[arena_index];
    for (const Pid& p : h.handles) {
      held[*p] = 1;
      check(arena.owner(*p) == w.index + 1, c, "owner table disagrees with a handle", *p);
    }
    for (std::size_t id : h.raw) {
      held[id] = 1;
      check(arena.owner(id) == w.index + 1, c, "owner table disagrees with a released id", id);
    }
    total += h.count();
  }
  check(arena.size() == total, c, "size() differs from the ids held", arena.size());
  check(arena.check_invariants(), c, "check_invariants() after the run");
  const std::vector<std::size_t> listed = arena.allocated_ids();
  check(listed.size() == total, c, "for_each_allocated() count differs from the ids held");
  for (std::size_t id : listed) check(held[id] == 1, c, "allocated id that nobody holds", id);
  for (std::size_t id = 0; id < arena.capacity(); ++id) {
    check(arena.contains(id) == (held[id] == 1), c, "contains() disagrees with the holdings", id);
  }

  for (Worker& w : workers) {
    Holdings& h = w.holdings[arena_index];
    for (std::size_t id : h.raw) {
      arena.unclaim(id, w.index);
      check(arena.recycle(id), c, "recycle() refused a released id at the end", id);
    }
    h.raw.clear();
    for (const Pid& p : h.handles) arena.unclaim(*p, w.index);
    h.handles.clear();  // the destructors recycle
  }
  check(arena.size() == 0, c, "size() not 0 after giving everything back", arena.size());
  check(arena.allocated_ids().empty(), c, "ids still listed after giving everything back");
  check(arena.check_invariants(), c, "check_invariants() after giving everything back");

  // No id was lost: every one can be handed out again, each exactly once, then none. Cyclic
  // kinds never return below their floor after the first wrap, so allocate_at() fetches the rest.
  std::vector<Pid> all;
  all.reserve(arena.capacity());
  std::vector<char> seen(arena.capacity(), 0);
  for (std::size_t i = 0; i < arena.capacity(); ++i) {
    Pid p = arena.allocate();
    if (!p) break;
    check(seen[*p] == 0, c, "id handed out twice while refilling", *p);
    seen[*p] = 1;
    all.push_back(std::move(p));
  }
  for (std::size_t id = 0; id < arena.capacity(); ++id) {
    if (seen[id] != 0) continue;
    Pid p = arena.allocate_at(id);
    check(static_cast<bool>(p), c, "allocate_at() refused a free id while refilling", id);
    all.push_back(std::move(p));
  }
  check(arena.size() == arena.capacity(), c, "size() not capacity() after refilling", arena.size());
  check(!arena.allocate(), c, "allocate() succeeded on a full allocator");
  all.clear();
  check(arena.size() == 0 && arena.check_invariants(), c, "not empty after the refill");
  return g_violations.load() == violations_before;
}

// true when `arg` is `flag` followed by a number, which goes to `out`.
bool parse_flag(std::string_view arg, std::string_view flag, unsigned long long& out) {
  if (arg.substr(0, flag.size()) != flag) return false;
  const std::string value(arg.substr(flag.size()));
  char* end = nullptr;
  const unsigned long long parsed = std::strtoull(value.c_str(), &end, 0);
  if (value.empty() || *end != '\0') return false;
  out = parsed;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned long long seconds = 10;
  unsigned long long threads = 4ULL * std::max(1U, std::thread::hardware_concurrency());
  unsigned long long seed = 0x50A4;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!parse_flag(arg, "--seconds=", seconds) && !parse_flag(arg, "--threads=", threads) &&
        !parse_flag(arg, "--seed=", seed)) {
      std::fprintf(stderr, "usage: soak [--seconds=S] [--threads=N] [--seed=X]\n");
      return 2;
    }
  }
  if (threads == 0 || threads > 4096) {
    std::fprintf(stderr, "--threads must be in 1..4096\n");
    return 2;
  }

  std::vector<std::unique_ptr<Arena>> arenas;
  // 65 words: three layers on 64-bit. 3 words: a summary word with padding bits. 1 word: only
  // 64 ids among many threads, so it is exhausted much of the time.
  arenas.push_back(std::make_unique<ArenaOf<65, pidalloc::LowestFirst>>("LowestFirst <65>"));
  arenas.push_back(std::make_unique<ArenaOf<3, pidalloc::Cyclic<100>>>("Cyclic<100> <3>"));
  arenas.push_back(
      std::make_unique<ArenaOf<1, pidalloc::RandomCyclic<2, 7>>>("RandomCyclic<2, 7> <1>"));
  arenas.back()->reseed(seed);
  // Integer ids and allocate_in() against a cyclic cursor that allocate_in() must not move.
  arenas.push_back(std::make_unique<ArenaOf<5, pidalloc::Cyclic<64>>>("Cyclic<64> <5> int ids"));
  arenas.back()->by_raw_ids = true;
  // The random skip turned off and on by a thread of its own.
  arenas.push_back(std::make_unique<ArenaOf<4, pidalloc::RandomCyclic<16, 64, 0x5EED>>>(
      "RandomCyclic<16, 64> <4> toggled"));
  arenas.back()->reseed(seed ^ 0xA5A5A5A5A5A5A5A5ULL);
  arenas.back()->toggled = true;
  // Lifetimes: lowest-first hands a just-freed id out again at once, so the same few ids go
  // through lifetime after lifetime while stale refs of them are checked.
  arenas.push_back(
      std::make_unique<ArenaOf<2, pidalloc::LowestFirst, true>>("Versioned LowestFirst <2>"));
  // No lock on allocate and recycle: 6 words (hints start in different words), and 2 words with
  // 4 hints named at random, through integer ids and allocate_in().
  arenas.push_back(std::make_unique<ArenaOf<6, pidalloc::Scalable<>>>("Scalable <6>"));
  arenas.push_back(std::make_unique<ArenaOf<2, pidalloc::Scalable<WanderingCpu, 4>>>(
      "Scalable<wrong hint> <2> int ids"));
  arenas.back()->by_raw_ids = true;
  // Lifetimes without a lock: the counters move by compare-exchange, and recycle(PidRef) races
  // the other threads' frees and claims of the same 128 ids (64 with 32-bit words).
  arenas.push_back(
      std::make_unique<ArenaOf<2, pidalloc::Scalable<>, true>>("Versioned Scalable <2>"));

  std::vector<Worker> workers(threads);
  for (std::size_t t = 0; t < workers.size(); ++t) {
    workers[t].index = static_cast<std::uint32_t>(t);
    workers[t].rng = Rng(seed * 0x100000001B3ULL + t + 1);
  }
  std::printf("soak: %llu threads on %u hardware threads, %llu s, seed %llu\n", threads,
              std::thread::hardware_concurrency(), seconds, seed);
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  pool.reserve(workers.size());
  for (Worker& w : workers) pool.emplace_back([&w, &arenas, &stop] { work(w, arenas, stop); });
  std::vector<Counters> toggler_counters(arenas.size());
  for (std::size_t a = 0; a < arenas.size(); ++a) {
    if (!arenas[a]->toggled) continue;
    Arena& arena = *arenas[a];
    Counters& counters = toggler_counters[a];
    pool.emplace_back(
        [&arena, &counters, &stop, seed, a] { toggle(arena, seed * 31 + a, counters, stop); });
  }

  // Meanwhile: the invariants hold whenever the lock is free, whatever the threads are doing.
  Counters monitor;
  std::uint64_t invariant_checks = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (const auto& arena : arenas) {
      check(arena->check_invariants(), monitor, "check_invariants() during the run");
      check(arena->size() <= arena->capacity(), monitor, "size() above capacity() during the run");
      ++invariant_checks;
    }
  }
  stop.store(true);
  for (std::thread& t : pool) t.join();

  Counters total = monitor;
  for (const Worker& w : workers) total += w.counters;
  for (const Counters& t : toggler_counters) total += t;
  bool ok = true;
  for (std::size_t a = 0; a < arenas.size(); ++a) {
    const bool arena_ok = audit(*arenas[a], a, workers, total);
    std::printf("  %-34s capacity %5zu  final audit %s\n", arenas[a]->name(), arenas[a]->capacity(),
                arena_ok ? "ok" : "FAILED");
    ok = ok && arena_ok;
  }

  const std::uint64_t violations = g_violations.load();
  std::printf("operations: %" PRIu64 " (%.0f per second)\n", total.ops,
              static_cast<double>(total.ops) / static_cast<double>(std::max(1ULL, seconds)));
  std::printf("allocations: %" PRIu64 ", recycles: %" PRIu64 ", found nothing free: %" PRIu64 "\n",
              total.allocations, total.recycles, total.exhausted);
  std::printf("set_random() and reseed() calls during the run: %" PRIu64 "\n", total.toggles);
  std::printf("invariant checks during the run: %" PRIu64 "\n", invariant_checks);
  std::printf("stale refs checked not current: %" PRIu64 "\n", total.stale_checks);
  std::printf("checks passed: %" PRIu64 ", violations: %" PRIu64 "\n", total.checks, violations);
  std::printf("soak: %s\n", ok && violations == 0 ? "PASSED" : "FAILED");
  return ok && violations == 0 ? 0 : 1;
}
