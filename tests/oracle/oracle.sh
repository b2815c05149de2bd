#!/usr/bin/env bash
# One oracle of the oracle family: for each seed, GENERATOR makes the kernel hand out and take back
# ids and logs every answer, and REPLAY requires the allocator to give the same ids and refusals.
#   fd   file descriptors under a changing RLIMIT_NOFILE (open, dup2, close) against
#        Policy::lowest_first(). Needs nothing.
#   pid  pids in a fresh PID namespace with a small pid_max (fork, clone3 set_tid, reap, pid_max
#        changes) against Policy::cyclic(300). Needs root, unshare and Linux >= 6.14 (a pid_max per
#        namespace); otherwise it is skipped (exit 77), and the host's pid_max is never written.
# PIDALLOC_REQUIRE_ORACLE=1 (CI) turns a skip into a failure. Logs go to LOGDIR.
# Usage: tests/oracle/oracle.sh fd|pid GENERATOR REPLAY LOGDIR "SEEDS..."
set -euo pipefail
kind=$1 generator=$2 replay=$3 out=$4
read -r -a seeds <<<"$5"
mkdir -p "$out"

# A run that cannot happen here: fine locally, a failure where the oracle is required.
skip() {
  if [ "${PIDALLOC_REQUIRE_ORACLE:-0}" = 1 ]; then
    echo "FAILED: $1 (PIDALLOC_REQUIRE_ORACLE=1)"
    exit 1
  fi
  echo "skipped: $1"
  exit 77
}

# Generates one log with "$@" and replays it. A generator that skips itself exits 77 (its reason
# is printed).
status=0
run() {
  local seed=$1 log="$out/$kind-$1.log"
  shift
  local rc=0
  timeout 60 "$@" "$seed" >"$log" 2>"$log.err" || rc=$?
  [ "$rc" -ne 77 ] || skip "$kind oracle: $(tail -n 1 "$log.err")"
  if [ "$rc" -ne 0 ]; then
    echo "FAILED: $kind oracle, seed $seed: the generator exited $rc:"
    tail -n 5 "$log.err"
    status=1
    return 0
  fi
  "$replay" "$log" || status=1
}

if [ "$kind" = fd ]; then
  for seed in "${seeds[@]}"; do run "$seed" "$generator"; done
  exit $status
fi

# The PID oracle writes pid_max, which is safe only where each PID namespace has its own (Linux
# >= 6.14). The generator checks that too, before writing anything; the host's value is compared
# after every run all the same.
kernel=$(uname -r)
IFS=. read -r major minor _ <<<"$kernel"
if ! [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] ||
  [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -lt 14 ]; }; then
  skip "pid oracle: Linux $kernel shares one pid_max between all PID namespaces (per namespace since 6.14)"
elif [ "$(id -u)" -ne 0 ]; then
  skip "pid oracle: needs root (a new PID namespace and its pid_max)"
elif ! unshare --pid --fork --kill-child --mount-proc true 2>/dev/null; then
  skip "pid oracle: cannot create a PID namespace here (unshare --pid --fork --mount-proc)"
fi
host_pid_max=$(cat /proc/sys/kernel/pid_max)
for seed in "${seeds[@]}"; do
  rc=0
  (run "$seed" unshare --pid --fork --kill-child --mount-proc "$generator"; exit $status) || rc=$?
  now=$(cat /proc/sys/kernel/pid_max)
  if [ "$now" != "$host_pid_max" ]; then
    echo "FAILED: the host's pid_max changed from $host_pid_max to $now; restoring it"
    echo "$host_pid_max" >/proc/sys/kernel/pid_max
    exit 1
  fi
  [ "$rc" -ne 77 ] || exit 77
  [ "$rc" -eq 0 ] || status=1
done
exit $status
