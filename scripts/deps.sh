#!/usr/bin/env bash
# Installs Debian packages only when they are missing, so reruns of CI are fast.
# Usage: scripts/deps.sh [--backports] pkg...
# --backports: Catch2 v3 lives only in bookworm-backports. We point apt-get at a private
# sources list and state dir instead of editing the machine's apt configuration.
set -euo pipefail
backports=0
if [ "${1:-}" = "--backports" ]; then backports=1; shift; fi
missing=()
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ $backports -eq 1 ]; then
  state=/var/tmp/pidalloc-apt
  $SUDO mkdir -p "$state/lists/partial"
  printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-backports main\n' \
    | $SUDO tee "$state/sources.list" >/dev/null
  opts=(-o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$state/lists")
  $SUDO apt-get "${opts[@]}" update -qq
  $SUDO apt-get "${opts[@]}" install -y -qq --no-install-recommends -t bookworm-backports "${missing[@]}"
else
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
