// hosted.hpp: Pid as an unordered_map key, printing through streams, std::format where present.
#include <pid_allocator/hosted.hpp>

#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iomanip>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <version>

#if defined(__cpp_lib_format)
#include <format>
#endif

namespace {

template <class T>
std::string streamed(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

TEST_CASE("std::hash<Pid> agrees with ==: allocator and id", "[hosted]") {
  pidalloc::PidAllocator<4> pids;
  pidalloc::PidAllocator<4> other;
  const std::hash<pidalloc::Pid> hash_pid;
  auto first = pids.allocate();
  auto same_id_elsewhere = other.allocate();
  REQUIRE(*first == *same_id_elsewhere);
  auto at_100 = pids.allocate_at(100);
  REQUIRE(at_100);
  // Equal handles hash equal: the same handle, moved, keeps its hash.
  const std::size_t before = hash_pid(at_100);
  pidalloc::Pid moved = std::move(at_100);
  CHECK(hash_pid(moved) == before);
  // Handles that differ in allocator or id should hash apart (not required, but a hash that
  // ignored either would make these collide every time).
  CHECK(hash_pid(first) != hash_pid(same_id_elsewhere));
  CHECK(hash_pid(first) != hash_pid(moved));
  // Empty handles compare equal, so they must hash equal too.
  const pidalloc::Pid empty_a;
  const pidalloc::Pid empty_b;
  CHECK(empty_a == empty_b);
  CHECK(hash_pid(empty_a) == hash_pid(empty_b));
  static_assert(noexcept(hash_pid(first)));
}

TEST_CASE("a Pid keys an unordered_map and keeps its id allocated while it is a key", "[hosted]") {
  pidalloc::PidAllocator<1> pids;
  std::unordered_map<pidalloc::Pid, std::string> names;
  for (const char* name : {"init", "kthreadd", "sshd", "bash"}) {
    auto pid = pids.allocate();
    REQUIRE(pid);
    const auto [where, inserted] = names.emplace(std::move(pid), name);
    CHECK(inserted);
  }
  REQUIRE(names.size() == 4);
  CHECK(pids.size() == 4);

  std::size_t id_sum = 0;
  for (const auto& [pid, name] : names) {
    CHECK(pids.contains(*pid));
    const auto found = names.find(pid);
    REQUIRE(found != names.end());
    CHECK(&found->second == &name);
    id_sum += *pid;
  }
  CHECK(id_sum == 0 + 1 + 2 + 3);

  // Erasing the entry destroys the key, which recycles the id.
  const auto sshd = std::find_if(names.begin(), names.end(),
                                 [](const auto& entry) { return entry.second == "sshd"; });
  REQUIRE(sshd != names.end());
  const std::size_t sshd_id = *sshd->first;
  names.erase(sshd);
  CHECK_FALSE(pids.contains(sshd_id));
  CHECK(pids.size() == 3);
  auto reused = pids.allocate();
  CHECK(*reused == sshd_id);

  names.clear();
  CHECK(pids.size() == 1);  // only `reused` is left
}

TEST_CASE("operator<< prints the id, and \"none\" for an empty handle", "[hosted]") {
  pidalloc::PidAllocator<4> pids;
  auto zero = pids.allocate();
  auto big = pids.allocate_at(127);
  REQUIRE(big);
  CHECK(streamed(zero) == "0");
  CHECK(streamed(big) == "127");

  std::ostringstream formatted;
  formatted << std::setw(5) << std::setfill('.') << big << '|' << std::hex << big;
  CHECK(formatted.str() == "..127|7f");

  const pidalloc::Pid empty;
  CHECK(streamed(empty) == "none");
  const std::size_t released = big.release();
  CHECK(released == 127);
  CHECK(streamed(big) == "none");
  CHECK(pids.recycle(released));

  std::wostringstream wide;
  wide << zero << L' ' << empty;
  CHECK(wide.str() == L"0 none");
}

#if defined(__cpp_lib_format)
TEST_CASE("std::format prints a Pid with the integer format spec", "[hosted]") {
  pidalloc::PidAllocator<4> pids;
  auto pid = pids.allocate_at(42);
  REQUIRE(pid);
  CHECK(std::format("{}", pid) == "42");
  CHECK(std::format("{:>5}|{:#x}", pid, pid) == "   42|0x2a");
  CHECK(std::format("{}", pidalloc::Pid{}) == "none");
  CHECK(std::format(L"{}", pid) == L"42");
}
#else
// g++ 12's libstdc++ (also used by clang++ 14 on Debian 12) has no <format>; the formatter is
// compiled out there and the operator<< cases above cover printing.
#endif
