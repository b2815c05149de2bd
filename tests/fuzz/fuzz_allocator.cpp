// Differential fuzzer: the input bytes pick an allocator shape (Order 1, 3 or 65: one layer, a
// summary word with padding bits, three layers) and a policy type from a fixed set per Order
// (LowestFirst; Cyclic<Floor> for floors at 0, 1, past a word, in the middle, just below and at
// capacity and at 300; RandomCyclic<Floor, MaxSkip, Seed> for skips 0, 1, 7, 64, 1000000 and
// 2^32 - 1, over a few floors; Scalable with 64, 4 and 1 hints and a core number the input sets;
// VersionedPidAllocator under a few of them, Scalable among them),
// then decode into a sequence of operations applied both to
// pidalloc::PidAllocator and to a deliberately naive model (sorted std::sets of the live and the
// free ids, plus the cyclic cursor and whether the random skip is on). Any disagreement, or
// check_invariants() returning false, aborts, which libFuzzer reports as a crash with the input
// that caused it. Scalable's allocate() may answer any free id below the limit, and kNoId only
// when there is none.
//
// Build (one line): clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
//   -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt tests/fuzz/fuzz_allocator.cpp
//   -o fuzz_allocator
// Run: ./fuzz_allocator -max_total_time=600 work-corpus tests/fuzz/corpus
// (The CTest tests fuzz.replay and fuzz.run do both.)
#include <pid_allocator/pid_allocator.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using pidalloc::kNoId;
using pidalloc::Pid;
using pidalloc::PidRef;

// Reads the fuzzer's bytes; past the end every read gives 0, so each input is a complete program.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  [[nodiscard]] bool done() const { return pos_ >= size_; }
  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  // Two statements each: the operands of | are evaluated in no fixed order.
  std::uint16_t u16() {
    const unsigned low = u8();
    return static_cast<std::uint16_t>(low | (unsigned{u8()} << 8));
  }
  std::uint32_t u32() {
    const std::uint32_t low = u16();
    return low | (std::uint32_t{u16()} << 16);
  }
  std::uint64_t u64() {
    const std::uint64_t low = u32();
    return low | (std::uint64_t{u32()} << 32);
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

std::size_t g_step = 0;  // the operation being checked, for the failure message

[[noreturn]] void disagree(const char* what, std::size_t expected, std::size_t got) {
  std::fprintf(stderr, "DISAGREEMENT at operation %zu: %s: model %zu, allocator %zu\n", g_step,
               what, expected, got);
  std::abort();
}

void expect_eq(const char* what, std::size_t expected, std::size_t got) {
  if (expected != got) disagree(what, expected, got);
}

// What the model needs to know of a policy type: its kind, its floor and its skip range.
enum class Kind { lowest_first, cyclic, random_cyclic, scalable };

struct PolicyShape {
  Kind kind;
  std::size_t floor;
  std::uint64_t skips;  // how many starting points a search may have: MaxSkip, or 1 (no skip)
};
constexpr PolicyShape shape_of(const pidalloc::LowestFirst* /*tag*/) {
  return {Kind::lowest_first, 0, 1};
}
template <std::size_t Floor>
constexpr PolicyShape shape_of(const pidalloc::Cyclic<Floor>* /*tag*/) {
  return {Kind::cyclic, Floor, 1};
}
// The skip is in [0, MaxSkip): MaxSkip starting points, and one (no skip) for 0 and 1.
template <std::size_t Floor, std::uint32_t MaxSkip, std::uint64_t Seed>
constexpr PolicyShape shape_of(const pidalloc::RandomCyclic<Floor, MaxSkip, Seed>* /*tag*/) {
  return {Kind::random_cyclic, Floor, MaxSkip > 1 ? MaxSkip : 1};
}

template <class Hint, std::size_t MaxCores>
constexpr PolicyShape shape_of(const pidalloc::Scalable<Hint, MaxCores>* /*tag*/) {
  return {Kind::scalable, 0, 1};
}

// Scalable's CPU hint, set by the input (operation 16): which core the next calls claim to run on.
struct FuzzCpu {
  static inline std::size_t core = 0;
  static std::size_t cpu() noexcept { return core; }
};

// The reference: obviously right rather than fast. It knows the documented policy rules and
// nothing about bitmaps: the live ids and the free ids below capacity() as two sorted sets (the
// free set makes "the first free id at or after x" one lookup), plus the cyclic cursor.
struct Model {
  std::size_t capacity = 0;
  std::size_t limit = 0;
  Kind kind = Kind::lowest_first;
  std::size_t floor = 0;
  std::uint64_t skips = 1;  // how many starting points random_cyclic may pick from
  bool random_on = true;    // random_cyclic: set_random(); while off, the start is the cursor
  std::size_t cursor = 0;   // one past the last id allocate() handed out
  std::set<std::size_t> live;
  std::set<std::size_t> free;
  std::map<std::size_t, std::uint64_t> lifetimes;  // how many times each id has been taken

  void start(std::size_t ids) {
    capacity = ids;
    limit = ids;
    for (std::size_t id = 0; id < ids; ++id) free.insert(free.end(), id);
  }
  [[nodiscard]] bool has(std::size_t id) const { return live.count(id) != 0; }
  void take(std::size_t id) {
    live.insert(id);
    free.erase(id);
    ++lifetimes[id];
  }
  // The lifetime `id` is in now (its number of takes); meaningful while it is live.
  [[nodiscard]] std::uint64_t lifetime(std::size_t id) const {
    const auto it = lifetimes.find(id);
    return it == lifetimes.end() ? 0 : it->second;
  }
  void give(std::size_t id) {
    live.erase(id);
    free.insert(id);
  }

  // The lowest id >= from that is free and below the limit, or kNoId.
  [[nodiscard]] std::size_t first_free(std::size_t from) const {
    const auto it = free.lower_bound(from);
    return it != free.end() && *it < limit ? *it : kNoId;
  }
  // The highest free id below `below`, or kNoId.
  [[nodiscard]] std::size_t last_free_below(std::size_t below) const {
    const auto it = free.lower_bound(below);
    return it == free.begin() ? kNoId : *std::prev(it);
  }
  // Linux's rule: below the floor too, until the last id allocate() handed out reaches it.
  [[nodiscard]] std::size_t wrap_to() const { return cursor > floor && floor < limit ? floor : 0; }

  // What a search starting at `start` finds: the first free id from there to the limit, else
  // (only when it started above the wrap point) the first free id from the wrap point.
  [[nodiscard]] std::size_t search_from(std::size_t start) const {
    const std::size_t found = first_free(start);
    return found == kNoId && start > wrap_to() ? first_free(wrap_to()) : found;
  }

  // Whether allocate() has exactly one right answer: every policy but random_cyclic with a
  // skip that is on and may be non-zero, and scalable.
  [[nodiscard]] bool deterministic() const {
    return kind == Kind::lowest_first || kind == Kind::cyclic ||
           (kind == Kind::random_cyclic && (!random_on || skips == 1));
  }

  // The one answer of a deterministic policy (kNoId: an empty handle).
  [[nodiscard]] std::size_t next_id() const {
    if (kind == Kind::lowest_first) return first_free(0);
    return search_from(cursor < limit ? cursor : wrap_to());
  }

  // scalable: any free id below the limit; kNoId only when there is none.
  [[nodiscard]] bool may_answer_any(std::size_t got) const {
    return got == kNoId ? first_free(0) == kNoId : got < limit && !has(got);
  }

  // random_cyclic: could a search started at one of cursor .. cursor + skips - 1 (or at the wrap
  // point, when such a start would reach the limit) have answered `got`?
  [[nodiscard]] bool may_answer(std::size_t got) const {
    const std::size_t wrap = wrap_to();
    if ((cursor >= limit || skips > limit - cursor) && got == search_from(wrap)) return true;
    if (cursor >= limit) return false;
    const std::size_t end =
        cursor + static_cast<std::size_t>(std::min<std::uint64_t>(skips, limit - cursor));
    // A free id is found from every start after the free id before it, up to itself.
    if (got != kNoId && got >= cursor && got < limit && !has(got)) {
      const std::size_t before = last_free_below(got);
      if (std::max(cursor, before == kNoId ? 0 : before + 1) < end) return true;
    }
    // Starts after the last free id below the limit find nothing, then wrap if above the floor.
    const std::size_t last_free = last_free_below(limit);
    const std::size_t nothing_from = std::max(cursor, last_free == kNoId ? 0 : last_free + 1);
    if (nothing_from >= end) return false;
    if (got == kNoId && nothing_from <= wrap) return true;
    return got == first_free(wrap) && std::max(nothing_from, wrap + 1) < end;
  }

  // allocate_in(min, max): the lowest free id in [min, max) below the limit, whatever the
  // policy; the cursor stays.
  [[nodiscard]] std::size_t lowest_in(std::size_t min, std::size_t max) const {
    if (min >= max || min >= capacity) return kNoId;
    const std::size_t found = first_free(min);
    return found < max ? found : kNoId;
  }

  [[nodiscard]] bool full() const { return first_free(0) == kNoId; }
  [[nodiscard]] std::size_t next_allocated(std::size_t from) const {
    const auto it = live.lower_bound(from);
    return it == live.end() ? kNoId : *it;
  }
};

constexpr std::size_t kSlots = 8;
constexpr std::size_t kRefs = 32;  // refs a versioned harness keeps to check later

// A ref the harness took, and which lifetime of which id the model says it names.
struct TakenRef {
  PidRef ref;
  std::size_t id;
  std::uint64_t lifetime;
};

template <std::size_t Order, class Policy, bool Versioned>
class Harness {
 public:
  using Alloc =
      std::conditional_t<Versioned,
                         pidalloc::VersionedPidAllocator<Order, pidalloc::Spinlock, Policy>,
                         pidalloc::PidAllocator<Order, pidalloc::Spinlock, Policy>>;
  static constexpr PolicyShape kShape = shape_of(static_cast<const Policy*>(nullptr));
  static constexpr bool kRandom = kShape.kind == Kind::random_cyclic;

  explicit Harness(Bytes& in) : in_(in) {
    static_assert(std::is_same_v<typename Alloc::policy_type, Policy>);
    model_.start(Alloc::capacity());
    model_.kind = kShape.kind;
    model_.floor = kShape.floor;
    model_.skips = kShape.skips;
    if constexpr (kRandom) {
      // Mostly a seed from the input, as a kernel reseeds from its entropy pool after boot;
      // sometimes the compile-time Seed, whose state the all-zero allocator starts in.
      if (in_.u8() % 4 != 0) pids_.reseed(in_.u64());
      expect_eq("random() at first", 1, pids_.random());
    }
  }
  ~Harness() {
    // The handles go first (they must not outlive the allocator); their ids are recycled.
    for (Pid& p : slots_) {
      if (p) model_.give(*p);
      p.reset();
    }
    expect_eq("size() after the handles are gone", model_.live.size(), pids_.size());
    if constexpr (Versioned) check_all_refs();
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  void run() {
    if (!pids_.check_invariants()) disagree("check_invariants() at first", 1, 0);
    while (!in_.done()) {
      ++g_step;
      step();
      if (!pids_.check_invariants()) disagree("check_invariants()", 1, 0);
      expect_eq("size()", model_.live.size(), pids_.size());
    }
    compare_everything();
  }

 private:
  // An id to feed to the allocator: mostly near something interesting (a boundary, the cursor,
  // the limit, an id we hold), sometimes far out of range.
  std::size_t pick_id() {
    const std::uint8_t how = in_.u8();
    const std::size_t small = in_.u8();
    switch (how % 9) {
      case 0:
        return small;
      case 1:
        return in_.u16();
      case 2:
        return Alloc::capacity() - 1 - (small % 70);
      case 3:
        return model_.limit + (small % 16) - 8;
      case 4:
        return model_.cursor + (small % 16) - 8;
      case 5:
        return raw_.empty()
                   ? small
                   : *std::next(raw_.begin(), static_cast<std::ptrdiff_t>(small % raw_.size()));
      case 6:
        return kNoId - (small % 4);
      case 7:
        return Alloc::capacity() + small;
      default:
        return (small % (Order * 2)) * pidalloc::detail::kWordBits + (in_.u8() % 3) - 1;
    }
  }
  // The end of a range for allocate_in(): near min, far above it, the limit, below min, or none.
  std::size_t pick_end(std::size_t min) {
    const std::uint8_t how = in_.u8();
    switch (how % 6) {
      case 0:
        return min + 1 + in_.u8() % 4;
      case 1:
        return min + in_.u16();
      case 2:
        return min - (how / 8);  // empty: min >= max
      case 3:
        return kNoId;
      default:
        return pick_id();
    }
  }
  std::size_t pick_slot() { return in_.u8() % kSlots; }

  // Every successful take: the model starts a lifetime, and a versioned harness takes the ref of
  // the new one at once and checks it.
  void take(std::size_t id) {
    model_.take(id);
    if constexpr (Versioned) take_ref(id);
  }

  // ---- VersionedPidAllocator only ----

  // Whether the model says `taken` is current: its id is live in the lifetime it was taken in.
  [[nodiscard]] bool current(const TakenRef& taken) const {
    return model_.has(taken.id) && model_.lifetime(taken.id) == taken.lifetime;
  }

  // ref_of(id), checked; a ref of a live id is kept (the oldest one is dropped past kRefs).
  void take_ref(std::size_t id) {
    const PidRef ref = pids_.ref_of(id);
    if (!model_.has(id)) {
      expect_eq("ref_of() of an id that is not allocated is empty", 1, ref.empty());
      expect_eq("the empty ref's bits", 0, ref.bits());
      return;
    }
    expect_eq("ref_of(): id", id, ref.id());
    expect_eq("ref_of(): generation counts the id's lifetimes", model_.lifetime(id),
              ref.generation());
    expect_eq("ref_of(): current", 1, pids_.is_current(ref));
    expect_eq("from_bits(bits())", 1, PidRef::from_bits(ref.bits()) == ref);
    const TakenRef taken{ref, id, model_.lifetime(id)};
    // Equal exactly to the refs of the same lifetime.
    for (const TakenRef& other : refs_) {
      const bool same = other.id == id && other.lifetime == taken.lifetime;
      expect_eq("PidRef == names the same lifetime", same, other.ref == ref);
    }
    if (refs_.size() == kRefs) refs_.erase(refs_.begin());
    refs_.push_back(taken);
  }

  void check_ref(const TakenRef& taken) {
    expect_eq("is_current()", current(taken), pids_.is_current(taken.ref));
  }
  void check_all_refs() {
    for (const TakenRef& taken : refs_) check_ref(taken);
    expect_eq("is_current() of the empty ref", 0, pids_.is_current(PidRef{}));
  }

  // recycle(PidRef): frees exactly when the ref is current. A current ref whose id a handle
  // owns is not fed in: freeing it is the same contract violation as recycle(id).
  void recycle_ref(const TakenRef& taken) {
    const bool expected = current(taken);
    if (expected && held_by_a_handle(taken.id)) return;
    expect_eq("recycle(PidRef)", expected, pids_.recycle(taken.ref));
    if (expected) {
      model_.give(taken.id);
      raw_.erase(taken.id);
    }
    expect_eq("is_current() after recycle(PidRef)", 0, pids_.is_current(taken.ref));
  }

  // Operations 26 .. 29 of a versioned harness.
  void ref_step(unsigned op) {
    switch (op) {
      case 26:  // a ref of any id (an allocated id's is kept)
        take_ref(pick_id());
        break;
      case 27:
        check_ref(pick_ref());
        break;
      case 28:
        recycle_ref(pick_ref());
        break;
      default:
        check_all_refs();
        break;
    }
  }

  // A kept ref, or a made-up one: a kept ref's id with another generation (sometimes 2^31 more,
  // which under Scalable, whose generations wrap at 2^31, names no lifetime at all), or an id and
  // a small generation from the input. A ref's generation is, as documented, which lifetime of its
  // id it names (counted from 1; the fuzzer never gets near the wrap).
  TakenRef pick_ref() {
    const std::uint8_t how = in_.u8();
    if (!refs_.empty() && how % 4 < 2) return refs_[in_.u8() % refs_.size()];
    std::uint64_t bits = 0;
    if (!refs_.empty() && how % 4 == 2) {
      const TakenRef& kept = refs_[in_.u8() % refs_.size()];
      bits = kept.ref.bits() + (std::uint64_t{in_.u8() % 3U} << 32) +
             ((how & 8U) != 0 ? std::uint64_t{1} << 63 : 0);
    } else {
      bits = std::uint64_t{in_.u8() % 4U} << 32 | (pick_id() & 0xFFFF'FFFFU);
    }
    const PidRef ref = PidRef::from_bits(bits);
    return TakenRef{ref, ref.id(), ref.generation()};
  }

  [[nodiscard]] bool held_by_a_handle(std::size_t id) const {
    return std::any_of(slots_.begin(), slots_.end(), [id](const Pid& p) { return p && *p == id; });
  }

  // What allocate() or allocate_id() answered, checked against the model's answer (or, for
  // random_cyclic with its skip on, the answers it allows); then the model follows.
  void allocated(const char* what, std::size_t got) {
    if (model_.deterministic()) {
      expect_eq(what, model_.next_id(), got);
    } else if (model_.kind == Kind::scalable) {
      if (!model_.may_answer_any(got)) {
        disagree("allocate() gave a taken or out-of-limit id, or none while one was free",
                 model_.first_free(0), got);
      }
    } else if (!model_.may_answer(got)) {
      disagree("allocate() gave an id random_cyclic cannot reach", model_.cursor, got);
    }
    if (got != kNoId) {
      if (model_.has(got)) disagree("allocate() handed out a live id", kNoId, got);
      take(got);
      model_.cursor = got + 1;
    }
  }

  Pid allocate_checked() {
    Pid pid = pids_.allocate();
    const std::size_t got = pid ? *pid : kNoId;
    expect_eq("allocate(): an empty handle holds kNoId", got, pid.get());
    allocated("allocate()", got);
    return pid;
  }
  std::size_t allocate_id_checked() {
    const std::size_t got = pids_.allocate_id();
    allocated("allocate_id()", got);
    if (got != kNoId) raw_.insert(got);
    return got;
  }

  // allocate_at() / allocate_id_at(): exactly `id`, when it is free and below the limit.
  [[nodiscard]] bool allocate_at_expected(std::size_t id) const {
    return id < model_.limit && !model_.has(id);
  }
  Pid allocate_at_checked(std::size_t id) {
    const bool expected = allocate_at_expected(id);
    Pid pid = pids_.allocate_at(id);
    expect_eq("allocate_at() success", expected, static_cast<bool>(pid));
    expect_eq("allocate_at() id", expected ? id : kNoId, pid.get());
    if (expected) take(id);
    return pid;
  }
  std::size_t allocate_id_at_checked(std::size_t id) {
    const bool expected = allocate_at_expected(id);
    const std::size_t got = pids_.allocate_id_at(id);
    expect_eq("allocate_id_at()", expected ? id : kNoId, got);
    if (expected) {
      take(id);
      raw_.insert(id);
    }
    return got;
  }

  // allocate_in() / allocate_id_in(): the lowest free id in [min, max) below the limit; the
  // cursor does not move, which the next allocate() checks.
  Pid allocate_in_checked(std::size_t min, std::size_t max) {
    const std::size_t expected = model_.lowest_in(min, max);
    Pid pid = pids_.allocate_in(min, max);
    expect_eq("allocate_in()", expected, pid.get());
    expect_eq("allocate_in(): a handle is non-empty exactly when it holds an id", expected != kNoId,
              static_cast<bool>(pid));
    if (expected != kNoId) take(expected);
    return pid;
  }
  void allocate_id_in_checked(std::size_t min, std::size_t max) {
    const std::size_t expected = model_.lowest_in(min, max);
    const std::size_t got = pids_.allocate_id_in(min, max);
    expect_eq("allocate_id_in()", expected, got);
    if (expected != kNoId) {
      take(expected);
      raw_.insert(expected);
    }
  }

  // Puts a fresh handle into a slot; whatever the slot held is recycled by the move-assignment.
  void store(std::size_t slot, Pid pid) {
    if (slots_[slot]) model_.give(*slots_[slot]);
    slots_[slot] = std::move(pid);
  }

  void recycle_checked(std::size_t id) {
    // Recycling an id that a live handle owns is a documented contract violation, not an input.
    if (held_by_a_handle(id)) return;
    const bool expected = model_.has(id);
    expect_eq("recycle()", expected, pids_.recycle(id));
    if (expected) {
      model_.give(id);
      raw_.erase(id);
    }
  }

  void step() {
    const std::uint8_t op = in_.u8();
    // 26 operations for every allocator (their numbering kept, so that older inputs still mean
    // what they meant), 4 more for a versioned one.
    constexpr unsigned kOps = Versioned ? 30 : 26;
    if constexpr (Versioned) {
      if (op % kOps >= 26) {
        ref_step(op % kOps);
        return;
      }
    }
    switch (op % kOps) {
      case 0:
      case 1: {
        const std::size_t slot = pick_slot();
        store(slot, allocate_checked());
        break;
      }
      case 2: {
        const std::size_t slot = pick_slot();
        store(slot, allocate_at_checked(pick_id()));
        break;
      }
      case 3:
      case 4:
        recycle_checked(pick_id());
        break;
      case 5: {  // move-assign between slots; the target's id is recycled
        const std::size_t from = pick_slot();
        const std::size_t to = pick_slot();
        if (from == to) break;
        const std::size_t moved = slots_[from].get();
        if (slots_[to]) model_.give(*slots_[to]);
        slots_[to] = std::move(slots_[from]);
        expect_eq("moved-from handle is empty", kNoId, slots_[from].get());
        expect_eq("moved-to handle has the id", moved, slots_[to].get());
        break;
      }
      case 6: {  // swap: move construction and both assignments, nothing recycled
        const std::size_t a = pick_slot();
        const std::size_t b = pick_slot();
        const std::size_t id_a = slots_[a].get();
        const std::size_t id_b = slots_[b].get();
        std::swap(slots_[a], slots_[b]);
        expect_eq("swap", id_a, slots_[b].get());
        expect_eq("swap", id_b, slots_[a].get());
        break;
      }
      case 7: {  // release(): the id stays allocated, now owned as a raw number
        Pid& pid = slots_[pick_slot()];
        const std::size_t held = pid.get();
        const std::size_t released = pid.release();
        expect_eq("release() returns the id", held, released);
        expect_eq("release() empties the handle", kNoId, pid.get());
        if (released != kNoId) raw_.insert(released);
        break;
      }
      case 8: {  // reset(): recycles now
        Pid& pid = slots_[pick_slot()];
        if (pid) model_.give(*pid);
        pid.reset();
        expect_eq("reset() empties the handle", kNoId, pid.get());
        break;
      }
      case 9: {
        const std::size_t id = pick_id();
        expect_eq("contains()", model_.has(id), pids_.contains(id));
        break;
      }
      case 10:
        expect_eq("empty()", model_.live.empty(), pids_.empty());
        expect_eq("full()", model_.full(), pids_.full());
        expect_eq("limit()", model_.limit, pids_.limit());
        if constexpr (kRandom) expect_eq("random()", model_.random_on, pids_.random());
        break;
      case 11: {
        const std::size_t new_limit = pick_id();
        const bool accepted = new_limit <= Alloc::capacity();
        expect_eq("set_limit()", accepted, pids_.set_limit(new_limit));
        if (accepted) model_.limit = new_limit;
        break;
      }
      case 12: {
        const std::size_t from = pick_id();
        expect_eq("next_allocated()", model_.next_allocated(from), pids_.next_allocated(from));
        break;
      }
      case 13: {  // a burst of allocations, kept as raw ids: by release() or as allocate_id()
        const std::size_t n = 1 + in_.u8();
        const bool as_ids = in_.u8() % 2 == 0;
        for (std::size_t i = 0; i < n; ++i) {
          if (as_ids) {
            allocate_id_checked();
          } else {
            const std::size_t id = allocate_checked().release();
            if (id != kNoId) raw_.insert(id);
          }
        }
        break;
      }
      case 14: {  // allocate_at over a range: fills whole words, so summary layers flip
        const std::size_t first = pick_id();
        const std::size_t n = std::size_t{in_.u8()} * 17;
        const bool as_ids = in_.u8() % 2 == 0;
        for (std::size_t id = first; id < Alloc::capacity() && id - first < n; ++id) {
          if (as_ids) {
            allocate_id_at_checked(id);
          } else {
            const std::size_t got = allocate_at_checked(id).release();
            if (got != kNoId) raw_.insert(got);
          }
        }
        break;
      }
      case 15: {  // recycle over a range, including free ids
        const std::size_t first = pick_id();
        const std::size_t n = std::size_t{in_.u8()} * 24;
        for (std::size_t id = first; id < Alloc::capacity() + 2 && id - first < n; ++id) {
          recycle_checked(id);
        }
        break;
      }
      case 16:
        // The model allows any skip anyway. reseed() exists for RandomCyclic only. Scalable: the
        // calls from here on come from another core (any number: hints wrap).
        if constexpr (kRandom) pids_.reseed(in_.u64());
        if constexpr (kShape.kind == Kind::scalable) FuzzCpu::core = in_.u16();
        break;
      case 17: {
        const Pid& a = slots_[pick_slot()];
        const Pid& b = slots_[pick_slot()];
        expect_eq("Pid ==", a.get() == b.get(), a == b);
        expect_eq("Pid <", a.get() < b.get(), a < b);
        expect_eq("Pid bool", a.get() != kNoId, static_cast<bool>(a));
        break;
      }
      case 18:
        allocate_id_checked();
        break;
      case 19:
        allocate_id_at_checked(pick_id());
        break;
      case 20: {
        const std::size_t slot = pick_slot();
        const std::size_t min = pick_id();
        store(slot, allocate_in_checked(min, pick_end(min)));
        break;
      }
      case 21: {
        const std::size_t min = pick_id();
        allocate_id_in_checked(min, pick_end(min));
        break;
      }
      case 22: {  // set_random(): off, the next allocate() is plain Cyclic<Floor>'s answer
        const bool on = in_.u8() % 2 == 0;
        if constexpr (kRandom) {
          pids_.set_random(on);
          model_.random_on = on;
          expect_eq("random() after set_random()", on, pids_.random());
        }
        break;
      }
      case 23: {  // recycle an id held as an integer, mixing them with the handles' ids
        if (raw_.empty()) break;
        const std::size_t id =
            *std::next(raw_.begin(), static_cast<std::ptrdiff_t>(in_.u16() % raw_.size()));
        expect_eq("recycle() of a raw id", 1, model_.has(id));
        recycle_checked(id);
        expect_eq("recycled raw id is free", 0, pids_.contains(id));
        break;
      }
      case 24: {  // the same id from another allocator is a different Pid
        const Pid& mine = slots_[pick_slot()];
        if (!mine) break;
        Pid theirs = other_.allocate_at(*mine % decltype(other_)::capacity());
        if (!theirs) disagree("the other allocator refused a free id", 1, 0);
        expect_eq("Pid == across allocators", 0, mine == theirs);
        expect_eq("Pid != across allocators", 1, mine != theirs);
        expect_eq("Pid < across allocators is a strict order", 1,
                  (mine < theirs) != (theirs < mine));
        expect_eq("Pid < across allocators orders by owner",
                  std::less<const void*>{}(mine.owner(), theirs.owner()), mine < theirs);
        expect_eq("an empty Pid sorts after any other", 1, mine < Pid{} && theirs < Pid{});
        if (mine.get() == theirs.get()) {
          expect_eq("owner() differs", 1, mine.owner() != theirs.owner());
        }
        break;
      }
      default: {  // allocate() right after allocate_id_in(): the cursor did not move
        const std::size_t min = pick_id();
        allocate_id_in_checked(min, pick_end(min));
        allocate_id_checked();
        break;
      }
    }
  }

  void compare_everything() {
    std::vector<std::size_t> listed;
    pids_.for_each_allocated([&listed](std::size_t id) { listed.push_back(id); });
    if (!std::equal(listed.begin(), listed.end(), model_.live.begin(), model_.live.end())) {
      disagree("for_each_allocated() differs from the live set", model_.live.size(), listed.size());
    }
    for (std::size_t id = 0; id < Alloc::capacity() + 2; ++id) {
      expect_eq("contains() in the final sweep", model_.has(id), pids_.contains(id));
    }
    expect_eq("full() at the end", model_.full(), pids_.full());
    if constexpr (Versioned) check_all_refs();
  }

  Bytes& in_;
  Alloc pids_;
  pidalloc::PidAllocator<1> other_;  // for Pid comparisons across allocators
  Model model_;
  std::array<Pid, kSlots> slots_{};  // declared after the allocators: destroyed before them
  std::set<std::size_t> raw_;        // ids held as integers (release(), allocate_id*), allocated
  std::vector<TakenRef> refs_;       // versioned: refs taken, oldest first, at most kRefs
};

template <class... Policies>
struct PolicyList {
  static constexpr std::size_t size = sizeof...(Policies);
};

// Per Order, a representative set of policy types rather than every combination: each one is a
// Harness instantiation. Floors: 0, 1, just past the first word (65), in the middle, just below
// and at capacity, and 300 (Linux's RESERVED_PIDS: above capacity for Orders 1 and 3). Skips:
// 0 and 1 (no skip), 7, 64 (FreeBSD-like), 1000000 and 2^32 - 1 (every start past the limit).
// Scalable: as many hints as words up to 64 (1, 2 and 64 for Orders 1, 3 and 65), 4, and 1.
template <std::size_t Order>
struct PoliciesFor {
  static constexpr std::size_t kCap = pidalloc::PidAllocator<Order>::capacity();
  using type =
      PolicyList<pidalloc::LowestFirst,                          // the default
                 pidalloc::Cyclic<0>,                            // wraps to 0
                 pidalloc::Cyclic<1>,                            // the lowest floor
                 pidalloc::Cyclic<65>,                           // in the second word
                 pidalloc::Cyclic<kCap / 2>,                     // in the middle
                 pidalloc::Cyclic<kCap - 1>,                     // the last id
                 pidalloc::Cyclic<kCap>,                         // at capacity: wraps to 0
                 pidalloc::Cyclic<300>,                          // Linux's RESERVED_PIDS
                 pidalloc::RandomCyclic<0, 0>,                   // no skip at all
                 pidalloc::RandomCyclic<1, 1, 5>,                // skip always 0
                 pidalloc::RandomCyclic<2, 7, 0x5EED>,           // small skips
                 pidalloc::RandomCyclic<kCap / 2, 7>,            //
                 pidalloc::RandomCyclic<65, 64, 42>,             // FreeBSD-like skips
                 pidalloc::RandomCyclic<300, 64, 0xFEED>,        //
                 pidalloc::RandomCyclic<kCap - 1, 1000000, 3>,   // starts mostly past the end
                 pidalloc::RandomCyclic<0, 0xFFFFFFFFU, ~0ULL>,  // the largest skip
                 pidalloc::Scalable<FuzzCpu>,                    // hints: min(64, words)
                 pidalloc::Scalable<FuzzCpu, 4>,                 //
                 pidalloc::Scalable<FuzzCpu, 1>>;                // one hint for every core
};

// VersionedPidAllocator shares every policy's code with PidAllocator; its own part is the
// lifetimes, so a few policies suffice: lowest-first (which reuses an id at once), cyclic with and
// without a floor (reuse only after a wrap), random skips, and Scalable, whose lifetimes have a
// tracker of their own (detail::AtomicGenerationTracker) with the same answers.
template <std::size_t Order>
struct VersionedPoliciesFor {
  using type = PolicyList<pidalloc::LowestFirst, pidalloc::Cyclic<0>, pidalloc::Cyclic<300>,
                          pidalloc::RandomCyclic<2, 7, 0x5EED>, pidalloc::Scalable<FuzzCpu, 4>>;
};

template <std::size_t Order, bool Versioned, class... Policies>
void run_policy(std::size_t which, Bytes& in, PolicyList<Policies...> /*list*/) {
  std::size_t index = 0;
  const auto run_if = [&](auto* tag) {
    using Policy = std::remove_pointer_t<decltype(tag)>;
    if (index++ != which) return;
    FuzzCpu::core = 0;
    Harness<Order, Policy, Versioned> harness(in);
    harness.run();
  };
  (run_if(static_cast<Policies*>(nullptr)), ...);
}

template <std::size_t Order, bool Versioned>
void run_one(Bytes& in) {
  using List =
      typename std::conditional_t<Versioned, VersionedPoliciesFor<Order>, PoliciesFor<Order>>::type;
  run_policy<Order, Versioned>(in.u8() % List::size, in, List{});
}

template <bool Versioned>
void run_shape(std::uint8_t shape, Bytes& in) {
  switch (shape % 3) {
    case 0:
      run_one<1, Versioned>(in);
      break;
    case 1:
      run_one<3, Versioned>(in);
      break;
    default:
      run_one<65, Versioned>(in);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  g_step = 0;
  // The Order from shape % 3 as always; the top quarter of first bytes picks the versioned kind.
  const std::uint8_t shape = in.u8();
  if (shape >= 192) {
    run_shape<true>(shape, in);
  } else {
    run_shape<false>(shape, in);
  }
  return 0;
}
