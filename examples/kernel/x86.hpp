// SPDX-License-Identifier: MIT
// The few x86 instructions the example kernel needs, shared by its i386 and x86-64 builds.
#ifndef PIDALLOC_EXAMPLE_KERNEL_X86_HPP
#define PIDALLOC_EXAMPLE_KERNEL_X86_HPP

#include <cstdint>

namespace kernel::x86 {

inline void outb(std::uint16_t port, std::uint8_t value) noexcept {
  __asm__ __volatile__("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

inline std::uint8_t inb(std::uint16_t port) noexcept {
  std::uint8_t value = 0;
  __asm__ __volatile__("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
  return value;
}

inline void outl(std::uint16_t port, std::uint32_t value) noexcept {
  __asm__ __volatile__("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

// EFLAGS/RFLAGS.IF: set while the CPU accepts maskable interrupts.
inline constexpr std::uintptr_t kInterruptFlag = std::uintptr_t{1} << 9;

// Reads the flags and masks interrupts in one step, so that no interrupt can arrive between the
// two; the caller restores the old flags with restore_flags(). The push/pop pair moves the stack
// pointer inside the asm, which is safe only because kernels build with -mno-red-zone (x86-64)
// and i386 has no red zone.
inline std::uintptr_t save_flags_and_cli() noexcept {
  std::uintptr_t flags = 0;
  __asm__ __volatile__("pushf\n\tpop %0\n\tcli" : "=r"(flags) : : "memory");
  return flags;
}

inline void restore_flags(std::uintptr_t flags) noexcept {
  __asm__ __volatile__("push %0\n\tpopf" : : "r"(flags) : "memory", "cc");
}

inline std::uintptr_t read_flags() noexcept {
  std::uintptr_t flags = 0;
  __asm__ __volatile__("pushf\n\tpop %0" : "=r"(flags) : : "memory");
  return flags;
}

[[noreturn]] inline void halt_forever() noexcept {
  for (;;) __asm__ __volatile__("cli\n\thlt" : : : "memory");
}

}  // namespace kernel::x86

#endif  // PIDALLOC_EXAMPLE_KERNEL_X86_HPP
