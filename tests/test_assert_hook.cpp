// PIDALLOC_ASSERT is a hook: a program (a kernel's panic) may define it before the include.
// This file defines it to count failures, so it is linked alone, into an executable of its own
// (tests/CMakeLists.txt): no other file's definitions of the library's inline functions can
// replace the ones that call this hook.
#include <cstddef>

namespace {
std::size_t g_assert_failures = 0;
const char* g_last_message = nullptr;
}  // namespace

#define PIDALLOC_ASSERT(cond, msg) \
  ((cond) ? static_cast<void>(0) : static_cast<void>((++g_assert_failures, g_last_message = (msg))))
#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

#include <cstring>
#include <new>

namespace {
struct HookTestLock : pidalloc::Spinlock {};
using Allocator = pidalloc::PidAllocator<1, HookTestLock>;
}  // namespace

TEST_CASE("destroying an allocator while a Pid refers to it goes to PIDALLOC_ASSERT", "[assert]") {
  alignas(Allocator) unsigned char storage[sizeof(Allocator)];
  auto* pids = new (storage) Allocator;
  // The handle is constructed in raw storage and never destroyed: after the allocator is gone
  // it would dangle, which is the very violation under test.
  alignas(pidalloc::Pid) unsigned char handle_storage[sizeof(pidalloc::Pid)];
  new (handle_storage) pidalloc::Pid(pids->allocate());
  pids->~Allocator();
#if __STDC_HOSTED__
  CHECK(g_assert_failures == 1);
  REQUIRE(g_last_message != nullptr);
  CHECK(std::strstr(g_last_message, "Pid handles") != nullptr);
#endif
}

TEST_CASE("ids detached with release() do not trip the assertion", "[assert]") {
  const std::size_t before = g_assert_failures;
  {
    Allocator pids;
    pids.allocate().release();
    auto p = pids.allocate();
    p.reset();
    auto q = pids.allocate();
    q.release();
  }
  CHECK(g_assert_failures == before);
}
