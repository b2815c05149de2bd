// The reported reproducer of g++ 12's false -Warray-bounds at -O2, kept verbatim below: identical
// code folding merged the code of allocators of different Orders and checked their ids against the
// smaller Order's bitmap. The test consumers.warnings builds it with -Werror on every
// supported compiler; it exits 0 when recycled ids read as free and the allocators end up empty.
// Not clang-formatted, which would sort its includes: the program stays as it was reported.
// clang-format off
#include <pid_allocator/pid_allocator.hpp>
#include <memory>
#include <mutex>
#include <vector>
template <std::size_t Order, class Lock = pidalloc::Spinlock>
bool exhaust_and_refill() {
  auto a = std::make_unique<pidalloc::PidAllocator<Order, Lock>>();
  constexpr std::size_t cap = pidalloc::PidAllocator<Order, Lock>::capacity();
  std::vector<pidalloc::Pid> held;
  for (std::size_t i = 0; i < cap; ++i) held.push_back(a->allocate());
  const std::size_t k1 = cap - 1, k2 = cap / 3;
  held[k1].reset();
  bool ok = !a->contains(k1);
  held[k2] = pidalloc::Pid{};
  ok = ok && !a->contains(k2);
  held.clear();
  return ok && a->empty();
}
int main() {
  bool ok = exhaust_and_refill<1>() && exhaust_and_refill<2>() && exhaust_and_refill<63>() &&
            exhaust_and_refill<64>() && exhaust_and_refill<65>() &&
            exhaust_and_refill<3, std::mutex>() && exhaust_and_refill<2, std::mutex>();
  return ok ? 0 : 1;
}
