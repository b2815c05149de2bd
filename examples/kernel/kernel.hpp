// SPDX-License-Identifier: MIT
// What the example kernel's pieces offer each other: a serial console, panic, and the QEMU exit.
#ifndef PIDALLOC_EXAMPLE_KERNEL_KERNEL_HPP
#define PIDALLOC_EXAMPLE_KERNEL_KERNEL_HPP

#include <cstddef>

namespace kernel {

// COM1, 115200 8N1. Every line the self-test prints goes here (QEMU: -serial stdio).
void serial_init() noexcept;
void print(const char* text) noexcept;
void print_dec(std::size_t value) noexcept;

// Prints "PANIC: why" and leaves QEMU with the failure status.
[[noreturn]] void panic(const char* why) noexcept;

// Leaves QEMU through the isa-debug-exit device (iobase 0xf4): the process exit status is
// (code << 1) | 1, so 0x10 gives 33 (pass) and 0x11 gives 35 (fail). Halts on real hardware.
inline constexpr unsigned kExitPass = 0x10;
inline constexpr unsigned kExitFail = 0x11;
[[noreturn]] void qemu_exit(unsigned code) noexcept;

// The self-test of pid_allocator; true when every check held. Prints one line per stage.
bool run_pid_selftest() noexcept;

}  // namespace kernel

// Contract violations inside pid_allocator end in the kernel's panic(), not in __builtin_trap.
// Every translation unit that includes the library includes this header first.
#define PIDALLOC_ASSERT(cond, msg) ((cond) ? static_cast<void>(0) : ::kernel::panic(msg))

#endif  // PIDALLOC_EXAMPLE_KERNEL_KERNEL_HPP
