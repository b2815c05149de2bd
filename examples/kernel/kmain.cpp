// SPDX-License-Identifier: MIT
// The C++ entry point, called by boot32.S / boot64.S on the boot stack with interrupts off.
#include <cstdint>

#include "kernel.hpp"
#include "x86.hpp"

namespace {

constexpr std::uint32_t kMultibootBootloaderMagic = 0x2BADB002;

// The legacy 8259 PICs still deliver the timer and keyboard once interrupts are enabled; this
// kernel installs no handlers, so it masks every line before it turns interrupts on (which it
// does to prove that IrqLock masks and restores them).
void mask_legacy_pics() noexcept {
  kernel::x86::outb(0x21, 0xFF);
  kernel::x86::outb(0xA1, 0xFF);
}

}  // namespace

extern "C" [[noreturn]] void kmain(std::uint32_t magic) noexcept {
  kernel::serial_init();
  kernel::print(sizeof(void*) == 8 ? "pidalloc example kernel (x86-64, -mcmodel=kernel)\n"
                                   : "pidalloc example kernel (i386)\n");
  if (magic != kMultibootBootloaderMagic) kernel::panic("not loaded by a multiboot loader");
  mask_legacy_pics();
  __asm__ __volatile__("sti" : : : "memory");
  const bool passed = kernel::run_pid_selftest();
  kernel::print(passed ? "selftest: PASS\n" : "selftest: FAIL\n");
  kernel::qemu_exit(passed ? kernel::kExitPass : kernel::kExitFail);
}
