#!/usr/bin/env bash
# Installs Debian packages only when they are missing, so reruns of CI are fast.
# Usage: scripts/deps.sh pkg...                      from the machine's configured archive
#        scripts/deps.sh --backports pkg...          from bookworm-backports (Catch2 v3 is only there)
#        scripts/deps.sh --source DIR SRC/SUITE      downloads a source package into DIR (the Catch2
#                                                    sources for the -m32 and cross-built suites)
# Backports and sources come through a private sources list and state dir, so the machine's apt
# configuration is left alone.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# Sets up the private list once per call; prints nothing, fills the `private` option array.
private_apt() {
  local state=/var/tmp/pidalloc-apt
  $SUDO mkdir -p "$state/lists/partial"
  printf '%s\n' 'deb http://deb.debian.org/debian bookworm main' \
    'deb http://deb.debian.org/debian bookworm-backports main' \
    'deb-src http://deb.debian.org/debian bookworm-backports main' |
    $SUDO tee "$state/sources.list" >/dev/null
  private=(-o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=-
           -o Dir::State::Lists="$state/lists")
  $SUDO apt-get "${private[@]}" update -qq
}

case "${1:-}" in
  --source)
    dir=$2 package=$3
    mkdir -p "$dir"
    private_apt
    # --download-only: no dpkg-dev needed; the caller unpacks the upstream tarball it wants.
    (cd "$dir" && $SUDO apt-get "${private[@]}" source --download-only -qq "$package")
    exit 0 ;;
  --backports) backports=1; shift ;;
  *) backports=0 ;;
esac
missing=()
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ $backports -eq 1 ]; then
  private_apt
  $SUDO apt-get "${private[@]}" install -y -qq --no-install-recommends -t bookworm-backports "${missing[@]}"
else
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
