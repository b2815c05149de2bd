// SPDX-License-Identifier: MIT
// pid_allocator: opt-in conveniences for hosted programs: std::hash<pidalloc::Pid>, operator<< and,
// where the standard library has <format>, std::formatter<pidalloc::Pid>;
// std::hash<pidalloc::PidRef>. Never included by pid_allocator.hpp: it pulls in <functional> and
// <ostream>, which freestanding kernels do not have. Include it yourself in hosted code that wants
// a Pid as a map key or in logs.
#ifndef PID_ALLOCATOR_HOSTED_HPP
#define PID_ALLOCATOR_HOSTED_HPP

#include "pid_allocator.hpp"

#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint64_t
#include <functional>  // std::hash
#include <ostream>     // std::basic_ostream
#include <version>     // __cpp_lib_format

#if defined(__cpp_lib_format)
#include <algorithm>  // std::ranges::copy
#include <format>     // std::formatter
#endif

// An empty handle (default-constructed, moved from, released or reset) is written as "none" by both
// operator<< and std::format: its id, kNoId, is a sentinel, and printing 18446744073709551615 in a
// log would read as a real process id.

namespace pidalloc {

// Writes the id as a number (the stream's width, fill and base apply), or "none" for an empty
// handle.
template <class CharT, class Traits>
std::basic_ostream<CharT, Traits>& operator<<(std::basic_ostream<CharT, Traits>& out,
                                              const Pid& pid) {
  if (!pid) return out << "none";
  return out << pid.get();
}

}  // namespace pidalloc

// Hashes the allocator and the id, matching Pid's operator==, so a Pid can key an unordered
// container. Moving the Pid into the container keeps the id allocated until the entry is erased.
template <>
struct std::hash<pidalloc::Pid> {
  [[nodiscard]] std::size_t operator()(const pidalloc::Pid& pid) const noexcept {
    // The odd multiplier spreads the owner's address over every bit before the id is mixed in.
    return std::hash<const void*>{}(pid.owner()) * static_cast<std::size_t>(0x9e3779b97f4a7c15ULL) ^
           std::hash<std::size_t>{}(pid.get());
  }
};

// Hashes the one integer a ref is (bits()), matching PidRef's operator==, so a ref can key an
// unordered container, say a table of the processes a thread watches.
template <>
struct std::hash<pidalloc::PidRef> {
  [[nodiscard]] std::size_t operator()(const pidalloc::PidRef& ref) const noexcept {
    return std::hash<std::uint64_t>{}(ref.bits());
  }
};

#if defined(__cpp_lib_format)
// Takes the integer format spec ("{:>6}", "{:#x}"); an empty handle is written as "none" and the
// spec is not applied to it.
template <class CharT>
struct std::formatter<pidalloc::Pid, CharT> : std::formatter<std::size_t, CharT> {
  template <class FormatContext>
  auto format(const pidalloc::Pid& pid, FormatContext& ctx) const {
    if (!pid) {
      constexpr CharT kNone[] = {CharT('n'), CharT('o'), CharT('n'), CharT('e')};
      return std::ranges::copy(kNone, ctx.out()).out;
    }
    return std::formatter<std::size_t, CharT>::format(pid.get(), ctx);
  }
};
#endif

#endif  // PID_ALLOCATOR_HOSTED_HPP
