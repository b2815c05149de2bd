/* SPDX-License-Identifier: MIT */
/* The Linux kernel as the oracle for Policy::lowest_first: a seeded history of file descriptors
 * opened, duplicated and closed under a changing RLIMIT_NOFILE, logged for replay.cpp, which
 * replays it against the allocator and requires the same descriptors and the same refusals.
 * open() must return the lowest free descriptor below RLIMIT_NOFILE (POSIX), which is the
 * allocator's lowest-first order with set_limit() as the rlimit.
 *
 *   build/oracle/fd_oracle SEED > fd.log
 * Needs no privileges; only this process's own descriptor table and soft limit change.
 *
 * Events (see oracle.h for the shapes):
 *   taken <fd> <fd>          a descriptor already open at start (allocate_at)
 *   nofile <n>               a new soft RLIMIT_NOFILE (set_limit), lowered below open
 *                            descriptors too: they stay open, as ids above a lowered limit stay
 *   open <fd>|fail EMFILE    open("/dev/null"): the lowest free descriptor (allocate)
 *   dup2 <want> <fd>|fail EBADF   dup2() onto a free descriptor below the limit, or onto one at
 *                            or above it, which the kernel refuses with EBADF (allocate_at)
 *   close <fd>               (recycle)
 *
 * Kernel behaviour with no allocator counterpart, never generated:
 *   - dup2() onto an open descriptor closes it and reuses the number at once; allocate_at()
 *     refuses a taken id.
 *   - fcntl(F_DUPFD, min): the lowest free descriptor at or above min; the allocator has no
 *     "lowest free from" request. */
#define _GNU_SOURCE
#include "oracle.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

enum {
  kLimitLow = 64,
  kLimitHigh = 200,
  kSteps = 3000,
};

/* Descriptors this run opened: own[0 .. own_count), slot_of[fd] = its index + 1. Inherited ones
 * (open at start) are never touched: stdout among them carries the log. */
static int own[ORACLE_CAPACITY];
static int own_count;
static int slot_of[ORACLE_CAPACITY];
static unsigned char inherited[ORACLE_CAPACITY];
static int inherited_count;
static int limit;
static int limit_top;

static int taken(int fd) { return inherited[fd] || slot_of[fd] != 0; }

static void track(int fd) {
  if (fd < 0 || fd >= ORACLE_CAPACITY || taken(fd)) {
    oracle_fail("the kernel handed out a descriptor outside the tracked range or one already open");
  }
  own[own_count] = fd;
  slot_of[fd] = ++own_count;
}

static void untrack(int fd) {
  const int slot = slot_of[fd] - 1;
  const int last = own[--own_count];
  own[slot] = last;
  slot_of[last] = slot + 1;
  slot_of[fd] = 0;
}

static void set_nofile(int n) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) oracle_fatal("getrlimit");
  rl.rlim_cur = (rlim_t)n;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) oracle_fatal("setrlimit");
  limit = n;
  oracle_log("nofile %d", n);
}

/* Returns 0 when the kernel refuses with EMFILE. */
static int open_one(void) {
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != EMFILE) oracle_fatal("open /dev/null");
    oracle_log("open fail EMFILE");
    return 0;
  }
  oracle_log("open %d", fd);
  track(fd);
  return 1;
}

static void close_one(int fd) {
  if (close(fd) != 0) oracle_fatal("close");
  untrack(fd);
  oracle_log("close %d", fd);
}

static void close_random(void) { close_one(own[oracle_below(own_count)]); }

/* dup2(one of ours, want). want is free: the kernel either gives exactly want or refuses. */
static void dup_onto(int want) {
  const int source = own[oracle_below(own_count)];
  const int fd = dup2(source, want);
  if (fd < 0) {
    const char* name = oracle_errno_name(errno);
    if (name == NULL) oracle_fatal("dup2");
    oracle_log("dup2 %d fail %s", want, name);
    return;
  }
  oracle_log("dup2 %d %d", want, fd);
  if (fd >= ORACLE_CAPACITY) oracle_fail("dup2 gave a descriptor past the tracked range");
  track(fd);
}

/* A free descriptor at or above the limit, sometimes past the allocator's capacity; the kernel
 * refuses them all with EBADF. */
static int random_beyond_limit(void) {
  for (int tries = 0; tries < 32; ++tries) {
    const int want = limit + oracle_below(ORACLE_CAPACITY + 64 - limit);
    if (want >= ORACLE_CAPACITY || !taken(want)) return want;
  }
  return ORACLE_CAPACITY + oracle_below(64);
}

/* dup2 onto a free descriptor below the limit (or, when none is found, at or above it). */
static void dup_random(int beyond) {
  if (own_count == 0) {
    open_one();
    return;
  }
  if (!beyond) {
    for (int tries = 0; tries < 32; ++tries) {
      const int want = oracle_below(limit);
      if (!taken(want)) {
        dup_onto(want);
        return;
      }
    }
  }
  dup_onto(random_beyond_limit());
}

/* Opens until EMFILE, then closes a random part of ours. */
static void exhaust_then_thin(void) {
  while (open_one()) {
  }
  const int closes = own_count / 4 + oracle_below(own_count / 2 + 1);
  for (int i = 0; i < closes; ++i) close_random();
}

static int random_limit(void) { return kLimitLow + oracle_below(limit_top - kLimitLow + 1); }

int main(int argc, char** argv) {
  const uint64_t seed = oracle_seed(argc, argv, "fd_oracle");

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) oracle_fatal("getrlimit");
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)kLimitLow) {
    oracle_skip("the hard RLIMIT_NOFILE is below 64");
  }
  limit_top = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (rlim_t)kLimitHigh ? kLimitHigh
                                                                                : (int)rl.rlim_max;

  oracle_log("oracle fd %" PRIu64, seed);
  /* Descriptors at or past the capacity never meet the limits used here, so they need not be
   * known to the replay. */
  for (int fd = 0; fd < ORACLE_CAPACITY; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) {
      inherited[fd] = 1;
      ++inherited_count;
      oracle_log("taken %d %d", fd, fd);
    } else if (errno != EBADF) {
      oracle_fatal("fcntl F_GETFD");
    }
  }

  set_nofile(random_limit());
  int target = oracle_below(limit);
  const int forced_exhaustion = kSteps / 4 + oracle_below(kSteps / 2);
  for (int step = 0; step < kSteps; ++step) {
    const int roll = oracle_below(1000);
    if (step == forced_exhaustion || roll < 3) {
      exhaust_then_thin();
    } else if (roll < 40) {
      set_nofile(random_limit());
      target = oracle_below(limit);
    } else if (roll < 140) {
      dup_random(0);
    } else if (roll < 180) {
      dup_random(1);
    } else if (own_count == 0 ||
               oracle_below(100) < (own_count + inherited_count < target ? 70 : 30)) {
      open_one();
    } else {
      close_random();
    }
  }
  while (own_count > 0) close_one(own[own_count - 1]);
  return oracle_finish();
}
