#!/usr/bin/env bash
# Boots an example kernel image under QEMU and checks its self-test.
# Usage: examples/kernel/boot.sh IMAGE SERIAL_LOG [i386|x86_64]
# Passes (exit 0) only when QEMU exits with the kernel's pass status (0x10 written to
# isa-debug-exit gives (0x10 << 1) | 1 = 33) AND the serial log shows every self-test stage ok.
set -euo pipefail
image=$1 log=$2 arch=${3:-i386}
qemu=qemu-system-i386
[ "$arch" = x86_64 ] && qemu=qemu-system-x86_64

status=0
timeout 60 "$qemu" -kernel "$image" -display none -no-reboot \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -monitor none \
  </dev/null >"$log" 2>&1 || status=$?

expected_lines=(
  "selftest: IrqLock masks and restores interrupts: ok"
  "selftest: reserve ids 0 and 1: ok"
  "selftest: fill to capacity: ok"
  "selftest: exhaustion: ok"
  "selftest: recycle: ok"
  "selftest: lowest-first order: ok"
  "selftest: contains: ok"
  "selftest: for_each_allocated lists live ids: ok"
  "selftest: set_limit (pid_max): ok"
  "selftest: cyclic order (floor 300, pid_max 310): ok"
  "selftest: random_cyclic and reseed: ok"
  "selftest: set_random, allocate_id and allocate_in: ok"
  "selftest: 0 failed checks"
  "selftest: PASS"
)
missing=0
for line in "${expected_lines[@]}"; do
  # The kernel ends lines with CR LF, as a serial terminal expects.
  if ! tr -d '\r' <"$log" | grep -qxF -- "$line"; then
    echo "missing from the serial log: $line"
    missing=$((missing + 1))
  fi
done
if [ "$status" -ne 33 ] || [ "$missing" -ne 0 ]; then
  echo "FAILED: $image: QEMU exit status $status (33 = pass, 35 = self-test failed, 124 = timeout)," \
       "$missing expected lines missing; serial log $log:"
  tail -n 40 "$log"
  exit 1
fi
echo "ok: $image ($arch): exit status 33, ${#expected_lines[@]} self-test lines"
