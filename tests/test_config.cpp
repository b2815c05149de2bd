// SPDX-License-Identifier: MIT
// Configuration macros. This file sets one, so it is built as an executable of its own
// (tests/CMakeLists.txt); its checks are all at compile time.

// The 1.0.0 name of PIDALLOC_SPINLOCK_YIELDS: a program that set it keeps its choice. In a hosted
// build the default is 1, so without the alias this file does not compile.
#define PIDALLOC_SPINLOCK_PARKS 0
#include <pid_allocator/detail/config.hpp>

static_assert(__STDC_HOSTED__ == 1, "the unit tests are a hosted program");
static_assert(PIDALLOC_SPINLOCK_YIELDS == 0, "PIDALLOC_SPINLOCK_PARKS=0 must turn yielding off");
