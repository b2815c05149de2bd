#!/usr/bin/env bash
# The Linux kernel as the oracle for the allocation orders (tests/oracle/): for each seed, a
# generator makes the kernel hand out and take back ids and logs every answer, and the replay
# requires the allocator to give the same ids and the same refusals.
#   pid oracle: pids in a fresh PID namespace with a small pid_max (fork, clone3 set_tid, reap,
#     pid_max changes) against Policy::cyclic(300). Needs root, unshare and Linux >= 6.14 (a
#     pid_max per namespace); otherwise it is skipped, and the host's pid_max is never written.
#   fd oracle: file descriptors under a changing RLIMIT_NOFILE (open, dup2, close) against
#     Policy::lowest_first(). Needs nothing.
# PIDALLOC_REQUIRE_ORACLE=1 (CI) turns a skip into a failure. PIDALLOC_ORACLE_SEEDS="1 2 3"
# picks the seeds; PIDALLOC_ORACLE_INCLUDE=DIR replays against the headers in DIR instead of
# include/ (to watch a broken allocator fail). Logs are kept in build/oracle/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh gcc g++ util-linux
out=build/oracle
mkdir -p "$out"
read -r -a seeds <<<"${PIDALLOC_ORACLE_SEEDS:-1 2 3 4 5}"
include=${PIDALLOC_ORACLE_INCLUDE:-include}
status=0

cflags=(-std=c11 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)
gcc "${cflags[@]}" -o "$out/pid_oracle" tests/oracle/pid_oracle.c
gcc "${cflags[@]}" -o "$out/fd_oracle" tests/oracle/fd_oracle.c
g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror -I"$include" \
  -o "$out/replay" tests/oracle/replay.cpp

# A run that cannot happen here: fine locally, a failure where the oracle is required.
skip() {
  if [ "${PIDALLOC_REQUIRE_ORACLE:-0}" = 1 ]; then
    echo "FAILED: $1 (PIDALLOC_REQUIRE_ORACLE=1)"
    status=1
  else
    echo "skipped: $1"
  fi
}

# Generates one log with "$@" and replays it; one line per run. Returns 77 when the generator
# skipped itself (its reason is printed).
run() {
  local name=$1 seed=$2 log="$out/$1-$2.log"
  shift 2
  local rc=0
  timeout 60 "$@" "$seed" >"$log" 2>"$log.err" || rc=$?
  if [ "$rc" -eq 77 ]; then
    skip "$name oracle: $(tail -n 1 "$log.err")"
    return 77
  fi
  if [ "$rc" -ne 0 ]; then
    echo "FAILED: $name oracle, seed $seed: the generator exited $rc:"
    tail -n 5 "$log.err"
    status=1
    return 0
  fi
  "$out/replay" "$log" || status=1
}

for seed in "${seeds[@]}"; do
  run fd "$seed" "$out/fd_oracle" || break
done

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
else
  host_pid_max=$(cat /proc/sys/kernel/pid_max)
  for seed in "${seeds[@]}"; do
    rc=0
    run pid "$seed" unshare --pid --fork --kill-child --mount-proc "$out/pid_oracle" || rc=$?
    now=$(cat /proc/sys/kernel/pid_max)
    if [ "$now" != "$host_pid_max" ]; then
      echo "FAILED: the host's pid_max changed from $host_pid_max to $now; restoring it"
      echo "$host_pid_max" >/proc/sys/kernel/pid_max
      exit 1
    fi
    [ "$rc" -eq 77 ] && break
  done
fi
exit $status
