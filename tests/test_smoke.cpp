#include <pid_allocator/pid_allocator.hpp>

#include <catch2/catch_test_macros.hpp>

TEST_CASE("allocate hands out the lowest free id", "[core]") {
  pidalloc::PidAllocator<1> pids;
  auto a = pids.allocate();
  auto b = pids.allocate();
  CHECK(*a == 0);
  CHECK(*b == 1);
}
