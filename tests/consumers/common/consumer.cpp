// The program every consumer route builds: allocates, checks and recycles a few ids and compares
// the header's version macros with the version the build system found. Exit code 0 when all is
// well; otherwise the number of the first failed check, so a CI log names it even without stdio.
// Built hosted (with hosted.hpp when CONSUMER_USES_HOSTED is 1) and, on the plain compiler route,
// with -ffreestanding, where it must not touch the hosted library.
#include <pid_allocator/pid_allocator.hpp>

#include <cstddef>

#if !defined(EXPECTED_VERSION_MAJOR) || !defined(EXPECTED_VERSION_MINOR) || \
    !defined(EXPECTED_VERSION_PATCH)
#error "the build must pass the package's version as EXPECTED_VERSION_MAJOR/MINOR/PATCH"
#endif

#ifndef CONSUMER_USES_HOSTED
#define CONSUMER_USES_HOSTED 0
#endif

#if CONSUMER_USES_HOSTED
#include <pid_allocator/hosted.hpp>

#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#endif

#if __STDC_HOSTED__
#include <cstdio>
#define CONSUMER_REPORT(number, what) \
  std::fprintf(stderr, "consumer check %d failed: %s\n", number, what)
#else
#define CONSUMER_REPORT(number, what) static_cast<void>(0)
#endif

#define CONSUMER_CHECK(number, cond)  \
  do {                                \
    if (!(cond)) {                    \
      CONSUMER_REPORT(number, #cond); \
      return number;                  \
    }                                 \
  } while (false)

namespace {

// A constinit global, as a kernel would declare its process-id table.
constinit pidalloc::PidAllocator<2> g_table;

int check_version() {
  CONSUMER_CHECK(1, PIDALLOC_VERSION_MAJOR == EXPECTED_VERSION_MAJOR);
  CONSUMER_CHECK(2, PIDALLOC_VERSION_MINOR == EXPECTED_VERSION_MINOR);
  CONSUMER_CHECK(3, PIDALLOC_VERSION_PATCH == EXPECTED_VERSION_PATCH);
  return 0;
}

int check_allocate_and_recycle() {
  auto first = g_table.allocate();
  auto second = g_table.allocate();
  auto third = g_table.allocate();
  CONSUMER_CHECK(10, first && second && third);
  CONSUMER_CHECK(11, *first == 0 && *second == 1 && *third == 2);
  CONSUMER_CHECK(12, g_table.size() == 3 && g_table.contains(1));

  const std::size_t high = g_table.capacity() - 1;
  auto at_high = g_table.allocate_at(high);
  CONSUMER_CHECK(13, at_high && *at_high == high);
  CONSUMER_CHECK(14, !g_table.allocate_at(high));  // already taken

  second.reset();  // recycled now
  CONSUMER_CHECK(15, !g_table.contains(1) && g_table.size() == 3);
  auto reused = g_table.allocate();  // lowest_first hands the hole out again
  CONSUMER_CHECK(16, reused && *reused == 1);

  const std::size_t released = third.release();
  CONSUMER_CHECK(17, released == 2 && g_table.contains(2));
  CONSUMER_CHECK(18, g_table.recycle(released));
  CONSUMER_CHECK(19, !g_table.recycle(released));  // a second recycle is refused
  CONSUMER_CHECK(20, g_table.check_invariants());
  return 0;
}

int check_exhaustion() {
  pidalloc::PidAllocator<1> small;
  pidalloc::Pid held[pidalloc::PidAllocator<1>::capacity()];
  for (auto& pid : held) pid = small.allocate();
  CONSUMER_CHECK(30, small.full() && small.size() == small.capacity());
  CONSUMER_CHECK(31, !small.allocate());
  held[7].reset();
  auto again = small.allocate();
  CONSUMER_CHECK(32, again && *again == 7);
  return 0;
}

#if CONSUMER_USES_HOSTED
int check_hosted() {
  pidalloc::PidAllocator<1> pids;
  std::unordered_map<pidalloc::Pid, int> exit_codes;
  for (int i = 0; i < 3; ++i) exit_codes.emplace(pids.allocate(), i);
  CONSUMER_CHECK(40, exit_codes.size() == 3 && pids.size() == 3);
  for (const auto& [pid, code] : exit_codes) {
    CONSUMER_CHECK(41, static_cast<std::size_t>(code) == *pid);
    CONSUMER_CHECK(42, exit_codes.find(pid) != exit_codes.end());
  }
  exit_codes.clear();
  CONSUMER_CHECK(43, pids.empty());

  auto pid = pids.allocate_at(21);  // below 32: the capacity of PidAllocator<1> with -m32
  CONSUMER_CHECK(44, pid);
  std::ostringstream text;
  text << pid << ' ' << pidalloc::Pid{};
  CONSUMER_CHECK(45, text.str() == "21 none");
  return 0;
}
#endif

}  // namespace

int main() {
  if (const int failed = check_version()) return failed;
  if (const int failed = check_allocate_and_recycle()) return failed;
  if (const int failed = check_exhaustion()) return failed;
#if CONSUMER_USES_HOSTED
  if (const int failed = check_hosted()) return failed;
#endif
  // Every handle of g_table has been destroyed by now: the table is empty again.
  CONSUMER_CHECK(50, g_table.empty());
  return 0;
}
