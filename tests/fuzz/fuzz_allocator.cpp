// Differential fuzzer: the input bytes pick an allocator shape (Order 1, 3 or 65: one layer, a
// summary word with padding bits, three layers) and a Policy, then decode into a sequence of
// operations applied both to pidalloc::PidAllocator and to a deliberately naive model (sorted
// std::sets of the live and the free ids, plus the cyclic cursor). Any disagreement, or
// check_invariants() returning false, aborts, which libFuzzer reports as a crash with the input
// that caused it.
//
// Build (one line): clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
//   -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt tests/fuzz/fuzz_allocator.cpp
//   -o fuzz_allocator
// Run: ./fuzz_allocator -max_total_time=600 work-corpus tests/fuzz/corpus
// (scripts/test-steps/25-fuzz.sh does both.)
#include <pid_allocator/pid_allocator.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

namespace {

using pidalloc::kNoId;
using pidalloc::Pid;
using pidalloc::Policy;

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

// The reference: obviously right rather than fast. It knows the documented policy rules and
// nothing about bitmaps: the live ids and the free ids below capacity() as two sorted sets (the
// free set makes "the first free id at or after x" one lookup), plus the cyclic cursor.
struct Model {
  std::size_t capacity = 0;
  std::size_t limit = 0;
  Policy::Kind kind = Policy::Kind::lowest_first;
  std::size_t floor = 0;
  std::uint64_t skips = 1;  // how many starting points random_cyclic may pick from
  std::size_t cursor = 0;   // one past the last id allocate() handed out
  std::set<std::size_t> live;
  std::set<std::size_t> free;

  void start(std::size_t ids) {
    capacity = ids;
    limit = ids;
    for (std::size_t id = 0; id < ids; ++id) free.insert(free.end(), id);
  }
  [[nodiscard]] bool has(std::size_t id) const { return live.count(id) != 0; }
  void take(std::size_t id) {
    live.insert(id);
    free.erase(id);
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

  // The one answer of a deterministic policy (kNoId: an empty handle).
  [[nodiscard]] std::size_t next_id() const {
    if (kind == Policy::Kind::lowest_first) return first_free(0);
    return search_from(cursor < limit ? cursor : wrap_to());
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

  [[nodiscard]] bool full() const { return first_free(0) == kNoId; }
  [[nodiscard]] std::size_t next_allocated(std::size_t from) const {
    const auto it = live.lower_bound(from);
    return it == live.end() ? kNoId : *it;
  }
};

constexpr std::size_t kSlots = 8;

template <std::size_t Order>
class Harness {
 public:
  using Alloc = pidalloc::PidAllocator<Order>;

  Harness(Policy policy, Bytes& in) : in_(in), pids_(policy) {
    model_.start(Alloc::capacity());
    model_.kind = policy.kind;
    model_.floor = std::min(policy.floor, Alloc::capacity());
    model_.skips =
        policy.kind == Policy::Kind::random_cyclic && policy.max_skip > 1 ? policy.max_skip : 1;
  }
  ~Harness() {
    // The handles go first (they must not outlive the allocator); their ids are recycled.
    for (Pid& p : slots_) {
      if (p) model_.give(*p);
      p.reset();
    }
    expect_eq("size() after the handles are gone", model_.live.size(), pids_.size());
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  void run() {
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
  std::size_t pick_slot() { return in_.u8() % kSlots; }

  [[nodiscard]] bool held_by_a_handle(std::size_t id) const {
    return std::any_of(slots_.begin(), slots_.end(), [id](const Pid& p) { return p && *p == id; });
  }

  // allocate(), checked against the model's answer (or, for random_cyclic, the answers it
  // allows); then the model follows.
  Pid allocate_checked() {
    const bool random = model_.kind == Policy::Kind::random_cyclic;
    const std::size_t expected = random ? kNoId : model_.next_id();
    Pid pid = pids_.allocate();
    const std::size_t got = pid ? *pid : kNoId;
    expect_eq("allocate(): an empty handle holds kNoId", got, pid.get());
    if (random) {
      if (!model_.may_answer(got))
        disagree("allocate() gave an id random_cyclic cannot reach", model_.cursor, got);
    } else {
      expect_eq("allocate()", expected, got);
    }
    if (got != kNoId) {
      if (model_.has(got)) disagree("allocate() handed out a live id", kNoId, got);
      model_.take(got);
      model_.cursor = got + 1;
    }
    return pid;
  }

  Pid allocate_at_checked(std::size_t id) {
    const bool expected = id < model_.limit && !model_.has(id);
    Pid pid = pids_.allocate_at(id);
    expect_eq("allocate_at() success", expected, static_cast<bool>(pid));
    expect_eq("allocate_at() id", expected ? id : kNoId, pid.get());
    if (expected) model_.take(id);
    return pid;
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
    switch (op % 18) {
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
      case 13: {  // a burst of allocate() calls, kept as raw ids
        const std::size_t n = 1 + in_.u8();
        for (std::size_t i = 0; i < n; ++i) {
          const std::size_t id = allocate_checked().release();
          if (id != kNoId) raw_.insert(id);
        }
        break;
      }
      case 14: {  // allocate_at over a range: fills whole words, so summary layers flip
        const std::size_t first = pick_id();
        const std::size_t n = std::size_t{in_.u8()} * 17;
        for (std::size_t id = first; id < Alloc::capacity() && id - first < n; ++id) {
          const std::size_t got = allocate_at_checked(id).release();
          if (got != kNoId) raw_.insert(got);
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
        pids_.reseed(in_.u32());  // the model allows any skip anyway
        break;
      default: {
        const Pid& a = slots_[pick_slot()];
        const Pid& b = slots_[pick_slot()];
        expect_eq("Pid ==", a.get() == b.get(), a == b);
        expect_eq("Pid <", a.get() < b.get(), a < b);
        expect_eq("Pid bool", a.get() != kNoId, static_cast<bool>(a));
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
  }

  Bytes& in_;
  Alloc pids_;
  Model model_;
  std::array<Pid, kSlots> slots_{};  // declared after pids_: destroyed before it
  std::set<std::size_t> raw_;        // ids given up by release(), still allocated
};

std::size_t pick_floor(std::uint8_t b, std::size_t capacity) {
  constexpr std::array<std::size_t, 8> fixed = {0, 1, 2, 63, 64, 65, 100, 300};
  switch (b % 4) {
    case 0:
    case 1:
      return fixed[(b / 4) % fixed.size()];
    case 2:
      return capacity - 1 + (b / 4) % 3;  // just below, at, and above capacity
    default:
      return b;
  }
}

std::uint32_t pick_skip(std::uint8_t b) {
  constexpr std::array<std::uint32_t, 8> fixed = {0, 1, 2, 3, 7, 64, 1000000, 0xFFFFFFFFU};
  return b % 2 == 0 ? fixed[(b / 2) % fixed.size()] : b / 2U;
}

template <std::size_t Order>
void run_one(Bytes& in) {
  const std::uint8_t kind = in.u8();
  const std::size_t floor = pick_floor(in.u8(), pidalloc::PidAllocator<Order>::capacity());
  const std::uint32_t skip = pick_skip(in.u8());
  Policy policy;
  switch (kind % 3) {
    case 0:
      policy = Policy::lowest_first();
      break;
    case 1:
      policy = Policy::cyclic(floor);
      break;
    default:
      policy = Policy::random_cyclic(floor, skip, in.u32());
      break;
  }
  Harness<Order> harness(policy, in);
  harness.run();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  g_step = 0;
  switch (in.u8() % 3) {
    case 0:
      run_one<1>(in);
      break;
    case 1:
      run_one<3>(in);
      break;
    default:
      run_one<65>(in);
      break;
  }
  return 0;
}
