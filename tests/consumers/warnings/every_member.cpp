// Instantiates and runs every public member of pid_allocator.hpp and hosted.hpp, for a range of
// Orders, locks and policies, of PidAllocator and of VersionedPidAllocator (with PidRef), so that
// the test consumers.warnings can build it with each compiler the README names at -O2 and -O3
// under the strict warning set of cmake/Warnings.cmake: a warning that users' builds would
// see from the header fails the step. Running it checks the answers too, so that a "fix" for a
// warning cannot quietly change behaviour. Exit code 0 when every check passes; otherwise each
// failure is printed with its Order, lock and policy. Build with -DEXPECT_FORMAT=1 where <format>
// must be there (libc++ 19), so that its checks cannot be skipped without notice.
#include <pid_allocator/hosted.hpp>
#include <pid_allocator/pid_allocator.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#if defined(EXPECT_FORMAT) && !defined(__cpp_lib_format)
#error "EXPECT_FORMAT is set but this standard library defines no __cpp_lib_format"
#endif

namespace {

using pidalloc::kNoId;
using pidalloc::Pid;
using pidalloc::PidRef;

// A lock as a user might write one: lock() and unlock() only, neither noexcept, no try_lock.
class TestAndSetLock {
 public:
  void lock() {
    while (held_.exchange(true, std::memory_order_acquire)) {
    }
  }
  void unlock() { held_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> held_{false};
};

template <class Lock>
constexpr const char* kLockName = "?";
template <>
constexpr const char* kLockName<pidalloc::Spinlock> = "Spinlock";
template <>
constexpr const char* kLockName<std::mutex> = "std::mutex";
template <>
constexpr const char* kLockName<TestAndSetLock> = "TestAndSetLock";

// A CPU hint as a kernel would give one (Scalable's template argument): here always core 1.
struct FixedCpu {
  static std::size_t cpu() noexcept { return 1; }
};

int g_failures = 0;

// What a failed check prints besides its condition: which combination was running.
struct Context {
  std::size_t order;
  const char* lock;
  const char* policy;
};

void report(bool ok, const char* what, int line, const Context& ctx) {
  if (ok) return;
  ++g_failures;
  std::fprintf(stderr, "every_member.cpp:%d: Order %zu, %s, %s: check failed: %s\n", line,
               ctx.order, ctx.lock, ctx.policy, what);
}
#define CHECK(cond) report(static_cast<bool>(cond), #cond, __LINE__, ctx)

// operator<<, std::hash<Pid> and (where <format> exists) std::formatter<Pid> on a live handle
// holding `id` and on an empty one.
void check_hosted(const Pid& live, std::size_t id, const Context& ctx) {
  const std::string text = std::to_string(id);
  const std::string right6 = std::string(text.size() < 6 ? 6 - text.size() : 0, ' ') + text;
  std::ostringstream out;
  out << live << ' ' << Pid{} << ' ' << std::setw(6) << live;
  CHECK(out.str() == text + " none " + right6);
  // The hash mixes the allocator's address with the id, as == compares both (tests/test_hosted.cpp
  // checks that they agree); here only that it is instantiated and stable.
  CHECK(std::hash<Pid>{}(live) == std::hash<Pid>{}(live));
#if defined(__cpp_lib_format)
  CHECK(std::format("{}", live) == text);
  CHECK(std::format("{}", Pid{}) == "none");
  CHECK(std::format("{:>6}", live) == right6);
  CHECK(std::format("{:#x}", live) == std::format("{:#x}", id));
  CHECK(std::format(L"{}", Pid{}) == L"none");
#endif
}

// One allocator's whole life: fill it to capacity, recycle ids by every route a handle offers,
// lower and restore the limit, reseed, iterate, and empty it, checking each answer.
template <class P>
inline constexpr bool kIsRandom = false;
template <std::size_t F, std::uint32_t S, std::uint64_t Seed>
inline constexpr bool kIsRandom<pidalloc::RandomCyclic<F, S, Seed>> = true;
template <class P>
inline constexpr bool kIsScalable = false;
template <class Hint, std::size_t MaxCores>
inline constexpr bool kIsScalable<pidalloc::Scalable<Hint, MaxCores>> = true;

// Floor: the policy's wrap floor (0 for LowestFirst). Versioned: a VersionedPidAllocator, whose
// refs are checked along the way.
template <std::size_t Order, class Lock, class Policy, std::size_t Floor = 0,
          bool Versioned = false>
void exercise(const char* policy_name) {
  using Allocator =
      std::conditional_t<Versioned, pidalloc::VersionedPidAllocator<Order, Lock, Policy>,
                         pidalloc::PidAllocator<Order, Lock, Policy>>;
  const Context ctx{Order, kLockName<Lock>, policy_name};
  constexpr std::size_t cap = Allocator::capacity();
  static_assert(cap == Order * 64 || sizeof(std::size_t) != 8);

  // The allocator outlives every handle: it is declared first.
  auto a = std::make_unique<Allocator>();
  CHECK(a->empty() && a->size() == 0 && !a->full());
  CHECK(a->limit() == cap);
  CHECK(a->next_allocated(0) == kNoId);
  CHECK(a->check_invariants());

  // Fill: allocate() until it finds nothing; random_cyclic may skip ids below its floor before the
  // first wrap and never come back to them, so allocate_at() takes whatever is left.
  std::vector<Pid> by_id(cap);
  const bool sequential = !kIsRandom<Policy> && !kIsScalable<Policy>;
  std::size_t handed_out = 0;
  for (Pid p = a->allocate(); p; p = a->allocate()) {
    const std::size_t id = p.get();
    CHECK(id < cap && *p == id && a->contains(id));
    if (id >= cap || by_id[id]) {
      report(false, "an id handed out twice or out of range", __LINE__, ctx);
      return;
    }
    if (sequential) CHECK(id == handed_out);
    by_id[id] = std::move(p);
    CHECK(!p && p.get() == kNoId);  // NOLINT(bugprone-use-after-move): moved-from is specified
    ++handed_out;
  }
  for (std::size_t id = 0; id < cap; ++id) {
    if (!by_id[id]) by_id[id] = a->allocate_at(id);
    CHECK(by_id[id] && by_id[id].get() == id);
  }
  CHECK(sequential ? handed_out == cap : handed_out + Floor >= cap);
  CHECK(a->full() && a->size() == cap && !a->empty());
  CHECK(!a->allocate() && a->allocate().get() == kNoId);
  CHECK(!a->allocate_at(0) && !a->allocate_at(cap) && !a->allocate_at(kNoId));
  CHECK(a->next_allocated(0) == 0 && a->next_allocated(cap - 1) == cap - 1);
  CHECK(a->next_allocated(cap) == kNoId && !a->contains(cap) && !a->contains(kNoId));
  CHECK(a->check_invariants());

  // Free four ids, each by another route: reset(), move-assigning an empty handle, release() then
  // recycle(), and the destructor of a handle it was moved into.
  const std::size_t freed[] = {0, cap / 3, cap / 2, cap - 1};
  [[maybe_unused]] PidRef refs[4] = {};
  if constexpr (Versioned) {
    for (std::size_t i = 0; i < 4; ++i) {
      refs[i] = a->ref_of(freed[i]);
      CHECK(refs[i] && refs[i].id() == freed[i] && refs[i].generation() == 1);
      CHECK(a->is_current(refs[i]) && PidRef::from_bits(refs[i].bits()) == refs[i]);
    }
    CHECK(a->ref_of(cap).empty() && !a->is_current(PidRef{}) && !a->recycle(PidRef{}));
  }
  by_id[freed[0]].reset();
  CHECK(!by_id[freed[0]] && by_id[freed[0]].get() == kNoId);
  by_id[freed[1]] = Pid{};
  const std::size_t released = by_id[freed[2]].release();
  CHECK(released == freed[2] && !by_id[freed[2]] && a->contains(released));
  CHECK(a->recycle(released) && !a->recycle(released) && !a->recycle(cap) && !a->recycle(kNoId));
  {
    const Pid moved(std::move(by_id[freed[3]]));
    CHECK(moved.get() == freed[3] && !by_id[freed[3]]);  // NOLINT(bugprone-use-after-move)
  }
  for (const std::size_t id : freed) CHECK(!a->contains(id) && !a->recycle(id));
  if constexpr (Versioned) {
    for (const PidRef ref : refs) CHECK(!a->is_current(ref) && !a->recycle(ref));
    CHECK(a->ref_of(freed[0]).empty());
  }
  CHECK(a->size() == cap - 4 && !a->full());
  CHECK(a->next_allocated(0) == 1 && a->next_allocated(freed[1]) == freed[1] + 1);
  CHECK(a->next_allocated(freed[2]) == freed[2] + 1 && a->next_allocated(freed[3]) == kNoId);
  std::size_t visited = 0;
  std::size_t previous = 0;
  bool ascending = true;
  a->for_each_allocated([&](std::size_t id) noexcept {
    ascending = ascending && (visited == 0 || id > previous) && by_id[id];
    previous = id;
    ++visited;
  });
  CHECK(visited == cap - 4 && ascending);
  CHECK(a->check_invariants());

  // Below a limit of cap - 1 three of the four free ids may be handed out; the cyclic kinds have
  // wrapped, so they skip id 0, which is below their floor, and only allocate_at() reaches it.
  // Scalable hands them out in any order.
  const bool cyclic = !std::is_same_v<Policy, pidalloc::LowestFirst> && !kIsScalable<Policy>;
  CHECK(!a->set_limit(cap + 1) && a->limit() == cap);
  CHECK(a->set_limit(cap - 1) && a->limit() == cap - 1);
  for (std::size_t i = cyclic ? 1 : 0; i < 3; ++i) {
    Pid p = a->allocate();
    const std::size_t id = p.get();
    // In order, except that random_cyclic's cursor may sit between the two, in either order.
    const bool random = kIsRandom<Policy>;
    const bool any_order = kIsScalable<Policy>;
    CHECK(id == freed[i] || (random && (id == freed[1] || id == freed[2])) ||
          (any_order && (id == freed[0] || id == freed[1] || id == freed[2])));
    if (id >= cap || by_id[id]) {
      report(false, "an id handed out twice or out of range", __LINE__, ctx);
      return;
    }
    by_id[id] = std::move(p);
  }
  if (cyclic) {
    CHECK(!a->allocate() && !a->full());
    by_id[0] = a->allocate_at(0);
    CHECK(by_id[0].get() == 0);
  }
  CHECK(!a->allocate() && !a->allocate_at(cap - 1) && a->full());
  CHECK(a->check_invariants());
  CHECK(a->set_limit(cap) && a->limit() == cap && !a->full());
  by_id[cap - 1] = a->allocate();
  CHECK(by_id[cap - 1].get() == cap - 1 && a->full() && a->size() == cap);

  // A reseed and the skip switched off and on keep the state consistent, and the one free id is
  // still the one handed out.
  if constexpr (kIsRandom<Policy>) {
    a->reseed(0x5eed);
    CHECK(a->random());
    a->set_random(false);
    CHECK(!a->random() && a->check_invariants());
    a->set_random(true);
  }
  CHECK(a->check_invariants());
  const std::size_t lone = cap - 2;  // above the cyclic kinds' floor
  by_id[lone].reset();
  by_id[lone] = a->allocate();
  CHECK(by_id[lone].get() == lone && a->full());

  // The raw-id members and allocation in a range, on the one free id.
  if constexpr (Versioned) {
    const PidRef before = a->ref_of(lone);
    CHECK(a->is_current(before) && a->recycle(before) && !a->is_current(before));
    CHECK(!a->recycle(before) && !a->contains(lone));
    by_id[lone].release();  // already recycled, through its ref
    CHECK(a->allocate_id_at(lone) == lone);
    const PidRef after = a->ref_of(lone);
    CHECK(after != before && after.generation() == before.generation() + 1);
    CHECK(std::hash<PidRef>{}(after) == std::hash<PidRef>{}(PidRef::from_bits(after.bits())));
    CHECK(a->recycle(after));
    by_id[lone] = a->allocate_at(lone);
  }
  CHECK(a->recycle(by_id[lone].release()));
  CHECK(a->allocate_id_in(0, lone) == kNoId && a->allocate_id_in(lone, lone) == kNoId);
  CHECK(a->allocate_id_in(lone, cap) == lone && a->recycle(lone));
  CHECK(a->allocate_id_at(lone) == lone && a->allocate_id_at(lone) == kNoId && a->recycle(lone));
  CHECK(a->allocate_id() == lone && a->allocate_id() == kNoId && a->recycle(lone));
  by_id[lone] = a->allocate_in(1, cap);
  CHECK(by_id[lone].get() == lone && !a->allocate_in(0, cap) && a->full());

  // Comparisons: by id within one allocator, an empty handle last.
  CHECK(by_id[1] == by_id[1] && !(by_id[1] == by_id[2]) && Pid{} == Pid{});
  CHECK(by_id[1] < by_id[2] && (by_id[2] <=> by_id[1]) > 0 && by_id[cap - 1] < Pid{});
  check_hosted(by_id[cap - 1], cap - 1, ctx);

  // Handles that are destroyed recycle their ids; an empty allocator again.
  by_id.clear();
  CHECK(a->empty() && a->size() == 0 && a->next_allocated(0) == kNoId && !a->full());
  CHECK(a->check_invariants());
}

template <std::size_t Order, class Lock>
void exercise_policies() {
  // Below capacity() / 3 (the test frees that id and expects it back), not on a word boundary.
  constexpr std::size_t wrap_floor = Order * 16 + 5;
  using Random = pidalloc::RandomCyclic<wrap_floor, 37, 0x1234'5678'9abc'def0>;
  exercise<Order, Lock, pidalloc::LowestFirst>("LowestFirst");
  exercise<Order, Lock, pidalloc::Cyclic<wrap_floor>, wrap_floor>("Cyclic<wrap_floor>");
  exercise<Order, Lock, Random, wrap_floor>("RandomCyclic");
  exercise<Order, Lock, pidalloc::Scalable<>>("Scalable");
  // VersionedPidAllocator shares the lock and the policies' code with PidAllocator, and a kernel's
  // hint is Scalable's other shape: under the default lock only, to keep each build short.
  if constexpr (std::is_same_v<Lock, pidalloc::Spinlock>) {
    exercise<Order, Lock, pidalloc::LowestFirst, 0, true>("Versioned LowestFirst");
    exercise<Order, Lock, pidalloc::Cyclic<wrap_floor>, wrap_floor, true>(
        "Versioned Cyclic<wrap_floor>");
    exercise<Order, Lock, Random, wrap_floor, true>("Versioned RandomCyclic");
    exercise<Order, Lock, pidalloc::Scalable<FixedCpu, 2>>("Scalable<FixedCpu, 2>");
    // Scalable's lifetimes have a tracker of their own (detail::AtomicGenerationTracker).
    exercise<Order, Lock, pidalloc::Scalable<FixedCpu, 2>, 0, true>(
        "Versioned Scalable<FixedCpu, 2>");
  }
}

template <class Lock, std::size_t... Orders>
void exercise_orders() {
  (exercise_policies<Orders, Lock>(), ...);
}

template <class... Locks>
void exercise_locks() {
  (exercise_orders<Locks, 1, 2, 3, 63, 64, 65, 1024, 65536>(), ...);
}

void exercise_spinlock() {
  const Context ctx{0, "Spinlock", "lock/try_lock/unlock"};
  pidalloc::Spinlock spin;
  spin.lock();
  CHECK(!spin.try_lock());
  spin.unlock();
  CHECK(spin.try_lock());
  spin.unlock();
  const std::lock_guard<pidalloc::Spinlock> guard(spin);
  CHECK(!spin.try_lock());
}

// The constexpr constructors: an allocator with a policy that needs no dynamic initialisation.
constinit pidalloc::PidAllocator<2, pidalloc::Spinlock, pidalloc::RandomCyclic<3, 5, 7>>
    g_constinit;
constinit pidalloc::VersionedPidAllocator<65536, pidalloc::Spinlock, pidalloc::Cyclic<300>>
    g_constinit_versioned;
constinit pidalloc::PidAllocator<3, pidalloc::Spinlock, pidalloc::Scalable<FixedCpu>>
    g_constinit_scalable;
constinit pidalloc::VersionedPidAllocator<3, pidalloc::Spinlock, pidalloc::Scalable<FixedCpu>>
    g_constinit_versioned_scalable;

}  // namespace

int main() {
  exercise_spinlock();
  {
    const Context ctx{2, "Spinlock", "constinit random_cyclic"};
    const Pid p = g_constinit.allocate();
    CHECK(p && g_constinit.contains(p.get()) && g_constinit.check_invariants());
  }
  {
    const Context ctx{65536, "Spinlock", "constinit versioned cyclic"};
    Pid p = g_constinit_versioned.allocate();
    const PidRef ref = g_constinit_versioned.ref_of(p.get());
    CHECK(p && ref.id() == p.get() && g_constinit_versioned.is_current(ref));
    p.reset();
    CHECK(!g_constinit_versioned.is_current(ref) && g_constinit_versioned.empty());
  }
  {
    const Context ctx{3, "Spinlock", "constinit scalable"};
    const Pid p = g_constinit_scalable.allocate();
    CHECK(p && g_constinit_scalable.contains(p.get()) && g_constinit_scalable.check_invariants());
  }
  {
    const Context ctx{3, "Spinlock", "constinit versioned scalable"};
    Pid p = g_constinit_versioned_scalable.allocate();
    const PidRef ref = g_constinit_versioned_scalable.ref_of(p.get());
    CHECK(p && ref.id() == p.get() && g_constinit_versioned_scalable.is_current(ref));
    p.reset();
    CHECK(!g_constinit_versioned_scalable.is_current(ref));
    CHECK(g_constinit_versioned_scalable.empty() &&
          g_constinit_versioned_scalable.check_invariants());
  }
  exercise_locks<pidalloc::Spinlock, std::mutex, TestAndSetLock>();
#if defined(__cpp_lib_format)
  const char* const format = "with std::formatter<Pid>";
#else
  const char* const format = "without <format>";
#endif
  if (g_failures != 0) {
    std::fprintf(stderr, "every_member: %d checks failed (%s)\n", g_failures, format);
    return 1;
  }
  std::printf("every_member: all checks passed (%s)\n", format);
  return 0;
}
