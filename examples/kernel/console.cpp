// SPDX-License-Identifier: MIT
// COM1 serial output, panic and the QEMU exit: the example kernel's whole "driver layer".
#include <cstddef>
#include <cstdint>

#include "kernel.hpp"
#include "x86.hpp"

namespace kernel {
namespace {

constexpr std::uint16_t kCom1 = 0x3F8;
constexpr std::uint16_t kDebugExitPort = 0xF4;  // -device isa-debug-exit,iobase=0xf4,iosize=0x04
constexpr std::uint8_t kLineStatusTxEmpty = 0x20;

void put_char(char c) noexcept {
  // Real UARTs drop bytes written while the transmit holding register is busy.
  while ((x86::inb(kCom1 + 5) & kLineStatusTxEmpty) == 0) {
  }
  x86::outb(kCom1, static_cast<std::uint8_t>(c));
}

}  // namespace

void serial_init() noexcept {
  x86::outb(kCom1 + 1, 0x00);  // no UART interrupts: the kernel polls
  x86::outb(kCom1 + 3, 0x80);  // divisor latch on
  x86::outb(kCom1 + 0, 0x01);  // divisor 1: 115200 baud
  x86::outb(kCom1 + 1, 0x00);
  x86::outb(kCom1 + 3, 0x03);  // 8 data bits, no parity, 1 stop bit; divisor latch off
  x86::outb(kCom1 + 2, 0xC7);  // FIFOs on and cleared
  x86::outb(kCom1 + 4, 0x03);  // DTR and RTS
}

void print(const char* text) noexcept {
  for (; *text != '\0'; ++text) {
    if (*text == '\n') put_char('\r');
    put_char(*text);
  }
}

void print_dec(std::size_t value) noexcept {
  char digits[24];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char out[2] = {0, 0};
  while (n > 0) {
    out[0] = digits[--n];
    print(out);
  }
}

void qemu_exit(unsigned code) noexcept {
  x86::outl(kDebugExitPort, code);
  x86::halt_forever();  // not under QEMU, or without the debug-exit device
}

void panic(const char* why) noexcept {
  print("PANIC: ");
  print(why);
  print("\n");
  qemu_exit(kExitFail);
}

}  // namespace kernel
