/* SPDX-License-Identifier: MIT */
/* What the two kernel-oracle generators (pid_oracle.c, fd_oracle.c) share: the seed from argv,
 * the seeded random numbers, the event log on stdout and the way they give up.
 *
 * The log is what replay.cpp reads. Its first line names the oracle and the seed
 * (`oracle pid 7`); every further line is one event, in one of four shapes:
 *   <verb> <id>                    the kernel chose an id (fork, open)
 *   <verb> fail <ERRNO>            the kernel refused to choose one
 *   <verb> <requested> <id>        the caller asked for an exact id and got it (set_tid, dup2)
 *   <verb> <requested> fail <ERRNO>
 *   <verb> <id>                    an id given back (reap, close)
 *   <verb> <n>                     a new limit (pid_max, RLIMIT_NOFILE)
 * replay.cpp knows which shape each verb has. */
#ifndef PIDALLOC_ORACLE_H
#define PIDALLOC_ORACLE_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The exit status of a run that cannot take place here (the step decides whether that is fine);
 * 77 is the usual "skipped" status of test drivers. */
#define ORACLE_EXIT_SKIP 77

/* The replay's allocator holds 1,024 ids (PidAllocator<16>); every limit the generators set, and
 * every id they expect the kernel to hand out, stays below that. */
#define ORACLE_CAPACITY 1024

static const char* oracle_name = "oracle";
static uint64_t oracle_state;

/* splitmix64: a whole run follows from the seed alone, so a failing seed replays exactly. */
static inline uint64_t oracle_random(void) {
  uint64_t z = (oracle_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A number in [0, n), n > 0. The modulo bias (below 2^-50 for these n) does not matter here. */
static inline int oracle_below(int n) { return (int)(oracle_random() % (uint64_t)n); }

/* Prints why the run stopped, with the current errno, and exits 1. */
static inline _Noreturn void oracle_fatal(const char* what) {
  const int error = errno;
  fprintf(stderr, "%s: %s: %s\n", oracle_name, what, strerror(error));
  exit(1);
}

/* As oracle_fatal, for a state that sets no errno. */
static inline _Noreturn void oracle_fail(const char* what) {
  fprintf(stderr, "%s: %s\n", oracle_name, what);
  exit(1);
}

static inline _Noreturn void oracle_skip(const char* why) {
  fprintf(stderr, "%s: skipped: %s\n", oracle_name, why);
  exit(ORACLE_EXIT_SKIP);
}

/* The name of a refusal the generators expect to meet; NULL for any other errno, which the caller
 * treats as a failure of the run rather than an event. */
static inline const char* oracle_errno_name(int error) {
  switch (error) {
    case EAGAIN:
      return "EAGAIN";
    case EEXIST:
      return "EEXIST";
    case EINVAL:
      return "EINVAL";
    case EMFILE:
      return "EMFILE";
    case EBADF:
      return "EBADF";
    default:
      return NULL;
  }
}

/* Parses `prog SEED`, seeds the generator and returns the seed; exits 2 on a bad command line. */
static inline uint64_t oracle_seed(int argc, char** argv, const char* name) {
  oracle_name = name;
  char* end = NULL;
  errno = 0;
  const unsigned long long seed = argc == 2 ? strtoull(argv[1], &end, 10) : 0;
  if (argc != 2 || errno != 0 || end == argv[1] || *end != '\0') {
    fprintf(stderr, "usage: %s SEED (a decimal number)\n", name);
    exit(2);
  }
  oracle_state = (uint64_t)seed;
  return (uint64_t)seed;
}

static inline __attribute__((format(printf, 1, 2))) void oracle_log(const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int written = vprintf(format, args);
  va_end(args);
  if (written < 0 || putchar('\n') == EOF) oracle_fatal("writing the log");
}

/* Flushes the log; a log that did not reach its file in full must not pass for a short run. */
static inline int oracle_finish(void) {
  if (fflush(stdout) != 0 || ferror(stdout)) oracle_fatal("writing the log");
  return 0;
}

#endif /* PIDALLOC_ORACLE_H */
