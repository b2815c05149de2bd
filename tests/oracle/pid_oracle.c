/* SPDX-License-Identifier: MIT */
/* The Linux kernel as the oracle for Policy::cyclic(300): a seeded history of process births and
 * deaths, logged for replay.cpp, which replays it against the allocator and requires the same
 * pids and the same refusals.
 *
 * Runs as PID 1 of a fresh PID namespace, as root:
 *   unshare --pid --fork --kill-child --mount-proc build/oracle/pid_oracle SEED > pid.log
 * Since Linux 6.14 each PID namespace has its own pid_max, so the run can shrink the pid space to
 * a few hundred ids and wrap and exhaust it in a fraction of a second. On older kernels pid_max
 * is global and writing it here would change the host's: the run then writes nothing and exits
 * 77 (skipped), as it does when it may not write pid_max.
 *
 * Events (see oracle.h for the shapes):
 *   init 1                 this process, the namespace's first pid
 *   fork <pid>|fail EAGAIN fork(): the kernel's cyclic search
 *   settid <want> <pid>|fail EEXIST|EINVAL   clone3() with set_tid: an exact pid
 *   reap <pid>             kill + waitpid: the pid is free again
 *   pidmax <n>             a new pid_max for the namespace
 * Children do nothing but wait to be killed. Every pid in the namespace is this process's or one
 * of its children's, so the generator knows exactly which pids are taken.
 *
 * Kernel behaviour with no allocator counterpart, never generated:
 *   - set_tid 0 or negative: refused as a malformed request (EINVAL) before the pid table is
 *     consulted; the allocator takes unsigned ids, and its 0 is refused for another reason
 *     (reserved, i.e. taken).
 *   - writing a pid_max outside [301, 4194304]: the kernel refuses it; set_limit() accepts any
 *     limit up to capacity().
 *   - moving the cursor through /proc/sys/kernel/ns_last_pid: the allocator's cursor moves only
 *     by allocate().
 *   - forks that fail after the pid was allocated (cgroup pids.max, memory): the kernel's cursor
 *     advances without a visible pid. Nothing here comes near those limits. */
#define _GNU_SOURCE
#include "oracle.h"

#include <fcntl.h>
#include <linux/sched.h> /* struct clone_args */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
  kPidMaxMin = 301, /* the kernel's lowest pid_max: RESERVED_PIDS + 1 */
  kPidMaxTop = 1000,
  kChurnSteps = 2500,
};

/* Live children: live[0 .. live_count), and slot_of[pid] = its index + 1 (0: not a child). */
static pid_t live[ORACLE_CAPACITY];
static int live_count;
static int slot_of[ORACLE_CAPACITY];
static int pid_max;

static int taken(int pid) {
  return pid == 1 || (pid > 1 && pid < ORACLE_CAPACITY && slot_of[pid] != 0);
}

static void track(long pid) {
  if (pid < 2 || pid >= ORACLE_CAPACITY || slot_of[pid] != 0) {
    oracle_fail("the kernel handed out a pid outside the tracked range or one already live");
  }
  live[live_count] = (pid_t)pid;
  slot_of[pid] = ++live_count;
}

static void untrack(pid_t pid) {
  const int slot = slot_of[pid] - 1;
  const pid_t last = live[--live_count];
  live[slot] = last;
  slot_of[last] = slot + 1;
  slot_of[pid] = 0;
}

/* What every child runs: it only has to hold its pid until it is killed. */
static _Noreturn void child_waits(void) {
  for (;;) pause();
}

/* fork(): the kernel's own choice of pid. Returns 0 when the pid space is exhausted. */
static int spawn(void) {
  const pid_t pid = fork();
  if (pid == 0) child_waits();
  if (pid < 0) {
    if (errno != EAGAIN) oracle_fatal("fork");
    oracle_log("fork fail EAGAIN");
    return 0;
  }
  oracle_log("fork %d", (int)pid);
  track(pid);
  return 1;
}

/* clone3() with set_tid = {want}: exactly that pid in this namespace (the parent namespace picks
 * its own). The kernel answers EINVAL for want >= pid_max and EEXIST for a taken pid. */
static void spawn_at(int want) {
  pid_t tid = want;
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  args.set_tid = (uint64_t)(uintptr_t)&tid;
  args.set_tid_size = 1;
  const long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) child_waits();
  if (pid < 0) {
    /* EAGAIN would mean the parent namespace ran out of pids: not this run's business. */
    const char* name = errno == EAGAIN ? NULL : oracle_errno_name(errno);
    if (name == NULL) oracle_fatal("clone3 with set_tid");
    oracle_log("settid %d fail %s", want, name);
    return;
  }
  oracle_log("settid %d %ld", want, pid);
  track(pid);
}

static void reap(pid_t pid) {
  if (kill(pid, SIGKILL) != 0) oracle_fatal("kill");
  int status = 0;
  pid_t got;
  do {
    got = waitpid(pid, &status, 0);
  } while (got < 0 && errno == EINTR);
  if (got != pid) oracle_fatal("waitpid");
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) oracle_fail("a child died unasked");
  untrack(pid);
  oracle_log("reap %d", (int)pid);
}

static void reap_random(void) { reap(live[oracle_below(live_count)]); }

/* A whole small sysctl file as a number; -1 when it does not hold one. */
static long read_sysctl(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) oracle_fatal(path);
  char text[32];
  const ssize_t got = read(fd, text, sizeof text - 1);
  if (got < 0) oracle_fatal(path);
  if (close(fd) != 0) oracle_fatal(path);
  text[got] = '\0';
  char* end = NULL;
  errno = 0;
  const long value = strtol(text, &end, 10);
  return errno == 0 && end != text && (*end == '\n' || *end == '\0') ? value : -1;
}

/* Writes this namespace's pid_max and reads it back. The first write may be denied (no
 * CAP_SYS_ADMIN over the namespace): the run is then skipped, having changed nothing. */
static void set_pid_max(int n, int first) {
  static const char path[] = "/proc/sys/kernel/pid_max";
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 && first && (errno == EACCES || errno == EPERM || errno == EROFS)) {
    oracle_skip("this namespace's pid_max may not be written here");
  }
  if (fd < 0) oracle_fatal(path);
  char text[16];
  const int length = snprintf(text, sizeof text, "%d\n", n);
  const ssize_t put = write(fd, text, (size_t)length);
  if (put < 0 && first && (errno == EACCES || errno == EPERM)) {
    oracle_skip("this namespace's pid_max may not be written here");
  }
  if (put != (ssize_t)length) oracle_fatal("writing pid_max");
  if (close(fd) != 0) oracle_fatal("writing pid_max");
  if (read_sysctl(path) != n) oracle_fail("pid_max does not read back as written");
  pid_max = n;
  oracle_log("pidmax %d", n);
}

/* A taken pid: init or a live child. */
static int random_taken(void) {
  const int pick = oracle_below(live_count + 1);
  return pick == live_count ? 1 : (int)live[pick];
}

/* A pid that set_tid must refuse with EINVAL: at or above pid_max, sometimes at or above the
 * allocator's capacity too. */
static int random_out_of_range(void) {
  return pid_max + oracle_below(ORACLE_CAPACITY + 64 - pid_max);
}

/* set_tid on a free pid, a taken one or one past pid_max. */
static void spawn_at_random(void) {
  const int kind = oracle_below(10);
  if (kind < 6) {
    for (int tries = 0; tries < 32; ++tries) {
      const int want = 2 + oracle_below(pid_max - 2);
      if (!taken(want)) {
        spawn_at(want);
        return;
      }
    }
  }
  spawn_at(kind < 8 ? random_taken() : random_out_of_range());
}

/* Forks until the kernel says EAGAIN, then frees a random part of the pids. */
static void exhaust_then_thin(void) {
  while (spawn()) {
  }
  const int reaps = live_count / 4 + oracle_below(live_count / 2 + 1);
  for (int i = 0; i < reaps; ++i) reap_random();
}

/* While the kernel's cursor (one past the last forked pid) is at or below RESERVED_PIDS (300),
 * its search wraps to 1, not to 300. This phase makes that wrap happen: a few forks leave the
 * cursor low, set_tid fills every pid from the cursor to pid_max, some of the low pids are freed,
 * and the next fork can only succeed by wrapping to 1. Then it forks until EAGAIN. */
static void phase_low_cursor(void) {
  set_pid_max(kPidMaxMin + oracle_below(100), 1);
  const int forks = 2 + oracle_below(30);
  for (int i = 0; i < forks; ++i) spawn();
  const int cursor = forks + 2; /* init is 1, the forks 2 .. forks + 1 */

  int order[ORACLE_CAPACITY];
  const int fill = pid_max - cursor;
  for (int i = 0; i < fill; ++i) order[i] = cursor + i;
  for (int i = fill - 1; i > 0; --i) {
    const int j = oracle_below(i + 1);
    const int keep = order[i];
    order[i] = order[j];
    order[j] = keep;
  }
  for (int i = 0; i < fill; ++i) {
    spawn_at(order[i]);
    if (oracle_below(8) == 0) spawn_at(random_taken());
    if (oracle_below(16) == 0) spawn_at(random_out_of_range());
  }

  int low[ORACLE_CAPACITY];
  int lows = 0;
  for (int pid = 2; pid < cursor; ++pid) {
    if (taken(pid)) low[lows++] = pid;
  }
  const int reaps = lows == 0 ? 0 : 1 + oracle_below(lows);
  for (int i = 0; i < reaps; ++i) {
    const int j = i + oracle_below(lows - i);
    const int pid = low[j];
    low[j] = low[i];
    reap(pid);
  }
  while (spawn()) {
  }
}

/* Random births, deaths, set_tid requests and pid_max changes (down below live pids and up
 * again), with the pid space exhausted at least once more. */
static void phase_churn(void) {
  int target = oracle_below(pid_max);
  const int forced_exhaustion = kChurnSteps / 4 + oracle_below(kChurnSteps / 2);
  for (int step = 0; step < kChurnSteps; ++step) {
    const int roll = oracle_below(1000);
    if (step == forced_exhaustion || roll < 1) {
      exhaust_then_thin();
    } else if (roll < 30) {
      set_pid_max(kPidMaxMin + oracle_below(kPidMaxTop - kPidMaxMin + 1), 0);
      target = oracle_below(pid_max);
    } else if (roll < 150) {
      spawn_at_random();
    } else if (live_count == 0 || oracle_below(100) < (live_count < target ? 70 : 30)) {
      spawn();
    } else {
      reap_random();
    }
  }
}

/* Linux >= 6.14: the first release whose PID namespaces each have their own pid_max. */
static int pid_max_is_per_namespace(const char* release) {
  int major = 0;
  int minor = 0;
  if (sscanf(release, "%d.%d", &major, &minor) != 2) return 0;
  return major > 6 || (major == 6 && minor >= 14);
}

int main(int argc, char** argv) {
  const uint64_t seed = oracle_seed(argc, argv, "pid_oracle");

  /* Before anything is written: on an older kernel pid_max is the host's. */
  struct utsname host;
  if (uname(&host) != 0) oracle_fatal("uname");
  if (!pid_max_is_per_namespace(host.release)) {
    fprintf(stderr,
            "pid_oracle: skipped: Linux %s shares one pid_max between all PID namespaces "
            "(per namespace since 6.14); writing it would change the host's\n",
            host.release);
    return ORACLE_EXIT_SKIP;
  }
  if (getpid() != 1) {
    fprintf(stderr,
            "pid_oracle: must run as PID 1 of a new PID namespace:\n"
            "  unshare --pid --fork --kill-child --mount-proc %s SEED\n",
            argv[0]);
    return 2;
  }
  /* The replay starts from a namespace whose only pid so far is 1; /proc must be this
   * namespace's (--mount-proc) for that to be read here. */
  if (read_sysctl("/proc/sys/kernel/ns_last_pid") != 1) {
    oracle_fail("this namespace has handed out pids other than 1 (or /proc is not its own)");
  }

  oracle_log("oracle pid %" PRIu64, seed);
  oracle_log("init 1");
  phase_low_cursor();
  phase_churn();
  while (live_count > 0) reap(live[live_count - 1]);
  return oracle_finish();
}
