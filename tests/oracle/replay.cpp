// SPDX-License-Identifier: MIT
// Replays a kernel-oracle log (tests/oracle/pid_oracle.c, fd_oracle.c; format in oracle.h) against
// pidalloc::PidAllocator and requires the same answer at every event: the same id for each id the
// kernel chose, the same id or a refusal for the same reason for each exact request.
//
//   replay LOG     exit 0: all identical; 1: the first difference (or malformed event), printed;
//                  2: not a readable oracle log
//
// Both oracles share every step; the log's first line says which policy stands in for the kernel:
//   oracle pid  Cyclic<300>, Linux's pid allocation (300 = RESERVED_PIDS, where the
//               search wraps once the cursor has passed it); 0 is reserved first, as Linux never
//               hands it out.
//   oracle fd   LowestFirst, the lowest free file descriptor.
// Built by tests/oracle/CMakeLists.txt: C++20, -O2, the strict warning set of cmake/Warnings.cmake.
#include <pid_allocator/pid_allocator.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// 1,024 ids: more than any pid_max or RLIMIT_NOFILE the oracles set (ORACLE_CAPACITY).
using PidAllocator = pidalloc::PidAllocator<16, pidalloc::Spinlock, pidalloc::Cyclic<300>>;
using FdAllocator = pidalloc::PidAllocator<16>;

enum class Oracle { pid, fd };
enum class Op { allocate, allocate_at, recycle, set_limit };

struct Verb {
  std::string_view name;
  Oracle oracle;
  Op op;
};

// Each kernel event and the allocator call that stands for it.
constexpr Verb kVerbs[] = {
    {"init", Oracle::pid, Op::allocate},       // the namespace's first process: pid 1
    {"fork", Oracle::pid, Op::allocate},       // the kernel's cyclic choice
    {"settid", Oracle::pid, Op::allocate_at},  // clone3 with set_tid: an exact pid
    {"reap", Oracle::pid, Op::recycle},        // kill + waitpid
    {"pidmax", Oracle::pid, Op::set_limit},    // /proc/sys/kernel/pid_max of the namespace
    {"taken", Oracle::fd, Op::allocate_at},    // a descriptor open before the run began
    {"open", Oracle::fd, Op::allocate},        // the lowest free descriptor
    {"dup2", Oracle::fd, Op::allocate_at},     // an exact descriptor
    {"close", Oracle::fd, Op::recycle},        // gives the descriptor back
    {"nofile", Oracle::fd, Op::set_limit},     // the soft RLIMIT_NOFILE
};

// Why an exact request was refused, in the allocator's terms: allocate_at() refuses an id at or
// above limit() (or capacity()) before it looks whether the id is taken, as the kernel checks
// the range (EINVAL for set_tid, EBADF for dup2) before the table (EEXIST).
enum class Refusal { none, out_of_range, taken };

struct KernelRefusal {
  std::string_view name;
  Refusal exact;  // what an exact request refused with this errno means
};
constexpr KernelRefusal kRefusals[] = {
    {"EAGAIN", Refusal::none},          // fork: no free pid
    {"EMFILE", Refusal::none},          // open: no free descriptor
    {"EINVAL", Refusal::out_of_range},  // set_tid at or above pid_max
    {"EBADF", Refusal::out_of_range},   // dup2 at or above RLIMIT_NOFILE
    {"EEXIST", Refusal::taken},         // set_tid of a live pid
};

// The kernel's answer: an id, or a refusal named by its errno.
struct Answer {
  std::optional<std::size_t> id;
  std::string_view error;
};

std::optional<std::size_t> number(std::string_view text) {
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::string describe(const std::optional<std::size_t>& id) {
  return id ? "gave " + std::to_string(*id) : std::string("refused");
}

template <class Allocator>
class Replay {
 public:
  Replay(Oracle oracle, Allocator& allocator) : oracle_(oracle), a_(allocator) {
    // Linux never hands out pid 0; released, so that no handle holds it.
    if (oracle_ == Oracle::pid) reserved_ = a_.allocate_at(0).release() == 0 ? 1 : 0;
  }
  Replay(const Replay&) = delete;
  Replay& operator=(const Replay&) = delete;
  ~Replay() = default;

  // One event's words; an empty result when the allocator agrees, else what differs.
  std::string step(const std::vector<std::string_view>& words) {
    const Verb* verb = nullptr;
    for (const Verb& v : kVerbs) {
      if (v.name == words[0] && v.oracle == oracle_) verb = &v;
    }
    if (verb == nullptr) return "unknown event for this oracle";
    ++counts_[verb->name];
    switch (verb->op) {
      case Op::allocate: {
        const auto kernel = answer(words, 1);
        if (!kernel) return "malformed event";
        return compare(a_.allocate(), *kernel, std::nullopt);
      }
      case Op::allocate_at: {
        const auto want = words.size() > 1 ? number(words[1]) : std::nullopt;
        const auto kernel = answer(words, 2);
        if (!want || !kernel) return "malformed event";
        return compare(a_.allocate_at(*want), *kernel, want);
      }
      case Op::recycle: {
        const auto id = words.size() == 2 ? number(words[1]) : std::nullopt;
        if (!id) return "malformed event";
        const auto held = held_.find(*id);
        if (held == held_.end()) return "the kernel freed an id the allocator does not hold";
        held->second.reset();
        held_.erase(held);
        if (a_.contains(*id)) return "recycled id still allocated";
        return consistent();
      }
      case Op::set_limit: {
        const auto n = words.size() == 2 ? number(words[1]) : std::nullopt;
        if (!n) return "malformed event";
        if (!a_.set_limit(*n)) return "set_limit refused: the limit is above capacity()";
        return consistent();
      }
    }
    return "unreachable";
  }

  // The events per verb and the refusals, for the summary line.
  std::string summary() const {
    std::string text;
    for (const Verb& v : kVerbs) {
      const auto n = counts_.find(v.name);
      if (v.oracle != oracle_ || n == counts_.end()) continue;
      text += (text.empty() ? "" : ", ") + std::to_string(n->second) + " " + std::string(v.name);
    }
    return text + "; " + std::to_string(refusals_) + " refusals";
  }

  bool invariants_hold() const { return a_.check_invariants(); }

 private:
  // The kernel's answer from words[at...]: `<id>` or `fail <ERRNO>`.
  static std::optional<Answer> answer(const std::vector<std::string_view>& words, std::size_t at) {
    if (words.size() == at + 1) {
      const auto id = number(words[at]);
      if (!id) return std::nullopt;
      return Answer{id, {}};
    }
    if (words.size() == at + 2 && words[at] == "fail") return Answer{std::nullopt, words[at + 1]};
    return std::nullopt;
  }

  // ours: the allocator's answer; want: the exact id asked for, if any.
  std::string compare(pidalloc::Pid ours, const Answer& kernel,
                      const std::optional<std::size_t>& want) {
    const auto got = ours ? std::optional<std::size_t>(*ours) : std::nullopt;
    if (got != kernel.id) {
      return "allocator " + describe(got) + ", Linux " + describe(kernel.id) +
             (kernel.id ? "" : " (" + std::string(kernel.error) + ")");
    }
    if (got) {
      if (!held_.emplace(*got, std::move(ours)).second) return "id handed out twice";
      return consistent();
    }
    ++refusals_;
    const KernelRefusal* refusal = nullptr;
    for (const KernelRefusal& r : kRefusals) {
      if (r.name == kernel.error) refusal = &r;
    }
    if (refusal == nullptr) return "unknown refusal " + std::string(kernel.error);
    if (want) {
      // Both refused an exact id; they must agree on why.
      const Refusal mine = *want >= a_.limit()  ? Refusal::out_of_range
                           : a_.contains(*want) ? Refusal::taken
                                                : Refusal::none;
      if (mine != refusal->exact) {
        return "both refused, but Linux says " + std::string(kernel.error) + " and the id is " +
               (mine == Refusal::taken          ? "taken"
                : mine == Refusal::out_of_range ? "at or above limit()"
                                                : "free and below limit()");
      }
    } else if (refusal->exact != Refusal::none) {
      return "Linux refused a free choice with " + std::string(kernel.error);
    }
    return consistent();
  }

  // The allocator holds exactly the ids the kernel holds (plus the reserved 0).
  std::string consistent() const {
    if (a_.size() != held_.size() + reserved_) {
      return "allocator holds " + std::to_string(a_.size()) + " ids, the kernel " +
             std::to_string(held_.size() + reserved_);
    }
    return {};
  }

  Oracle oracle_;
  Allocator& a_;
  std::size_t reserved_ = 0;
  std::size_t refusals_ = 0;
  std::map<std::string_view, std::size_t> counts_;
  std::map<std::size_t, pidalloc::Pid> held_;  // every id the kernel holds, as a handle
};

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> words;
  while (!line.empty()) {
    const std::size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const std::size_t end = std::min(line.find_first_of(" \t\r"), line.size());
    words.push_back(line.substr(0, end));
    line.remove_prefix(end);
  }
  return words;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s LOG\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  std::string header;
  if (!in || !std::getline(in, header)) {
    std::fprintf(stderr, "replay: cannot read %s\n", argv[1]);
    return 2;
  }
  const auto head = split(header);
  if (head.size() != 3 || head[0] != "oracle" || (head[1] != "pid" && head[1] != "fd")) {
    std::fprintf(stderr, "replay: %s: not an oracle log (first line: %s)\n", argv[1],
                 header.c_str());
    return 2;
  }
  const Oracle oracle = head[1] == "pid" ? Oracle::pid : Oracle::fd;
  const std::string name(head[1]);
  const std::string seed(head[2]);

  std::size_t events = 0;
  const auto run = [&](auto& allocator) -> int {
    Replay replay(oracle, allocator);  // its handles go back before the allocator goes
    std::string line;
    for (std::size_t number = 2; std::getline(in, line); ++number) {
      const auto words = split(line);
      if (words.empty()) continue;
      ++events;
      const std::string verdict = replay.step(words);
      if (!verdict.empty()) {
        std::printf("%s oracle, seed %s: MISMATCH at event %zu (line %zu) \"%s\": %s\n",
                    name.c_str(), seed.c_str(), events, number, line.c_str(), verdict.c_str());
        return 1;
      }
    }
    if (in.bad()) {
      std::fprintf(stderr, "replay: error reading %s\n", argv[1]);
      return 2;
    }
    if (!replay.invariants_hold()) {
      std::printf("%s oracle, seed %s: check_invariants() failed after the replay\n", name.c_str(),
                  seed.c_str());
      return 1;
    }
    std::printf("%s oracle, seed %s: %zu events (%s), all identical\n", name.c_str(), seed.c_str(),
                events, replay.summary().c_str());
    return 0;
  };
  if (oracle == Oracle::pid) {
    PidAllocator allocator;
    return run(allocator);
  }
  FdAllocator allocator;
  return run(allocator);
}
