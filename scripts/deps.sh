#!/usr/bin/env bash
# Installs Debian packages only when they are missing, so reruns of CI are fast.
# Usage: scripts/deps.sh pkg...                      from the machine's configured archive
#        scripts/deps.sh --backports pkg...          from <release>-backports (Catch2 v3 is only there)
#        scripts/deps.sh --catch2-source             unpacks Debian's Catch2 3.7.1 source package into
#                                                    build/catch2-src/Catch2-3.7.1 once (the -m32,
#                                                    cross and mingw presets compile Catch2 from it)
# Backports and sources come through a private sources list and state dir, so the machine's apt
# configuration is left alone. That list names no archive of its own: it uses the Debian mirror
# (URI, suite, signing key) that the machine's own sources list already uses.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# Prints one line per enabled `deb` entry of the machine's apt sources, "URI SUITE SIGNED-BY"
# (SIGNED-BY is - when none is given or the key is inline), from sources.list and the *.list
# (one-line format) and *.sources (deb822 format) files in sources.list.d.
apt_entries() {
  local files=()
  [ ! -f /etc/apt/sources.list ] || files+=(/etc/apt/sources.list)
  local f
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ ! -f "$f" ] || files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk '
    function flush() {  # one deb822 stanza
      if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
        n = split(uris, u, " "); m = split(suites, s, " ")
        for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j], (key == "" ? "-" : key)
      }
      types = uris = suites = key = enabled = ""
    }
    FNR == 1 { if (deb822) flush(); deb822 = (FILENAME ~ /\.sources$/) }
    deb822 && /^#/ { next }  # deb822 has whole-line comments only, inside stanzas too
    !deb822 { sub(/#.*/, "") }
    !deb822 && $1 == "deb" {
      key = "-"
      if ($2 ~ /^\[/) {  # options: [arch=amd64 signed-by=/path ...]
        opts = $0; sub(/^[^[]*\[/, "", opts); sub(/\].*/, "", opts)
        k = split(opts, o, " ")
        for (i = 1; i <= k; i++) if (o[i] ~ /^signed-by=/) { key = o[i]; sub(/^signed-by=/, "", key) }
        line = $0; sub(/^[^]]*\][ \t]*/, "", line); split(line, w, " ")
        print w[1], w[2], key
      } else {
        print $2, $3, key
      }
      next
    }
    !deb822 { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { next }  # a continuation line (an inline key)
    {
      field = tolower($1); value = $0; sub(/^[^:]*:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
      if (field == "types:") types = value
      else if (field == "uris:") uris = value
      else if (field == "suites:") suites = value
      else if (field == "enabled:") enabled = value
      else if (field == "signed-by:" && value ~ /^\//) key = value
    }
    END { if (deb822) flush() }
  ' "${files[@]}"
}

# Sets mirror, suite and signed_by from the machine's Debian release entry: the one whose suite
# is the release's codename (/etc/os-release), else the first plain suite (no -updates, -security).
find_mirror() {
  local codename="" uri s key first=""
  codename=$(sed -n 's/^VERSION_CODENAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null) || true
  mirror=""
  while read -r uri s key; do
    [[ -n "$uri" && -n "$s" ]] || continue
    case "$s" in *-* | */* | "") continue ;; esac
    [ -n "$first" ] || first="$uri $s $key"
    if [ "$s" = "$codename" ]; then mirror=$uri suite=$s signed_by=$key; return 0; fi
  done < <(apt_entries)
  [ -n "$first" ] || {
    echo "deps.sh: no Debian release entry (deb URI SUITE ...) in the machine's apt sources" >&2
    return 1
  }
  read -r mirror suite signed_by <<<"$first"
}

# Sets up the private list once per call; fills the `private` option array and `suite`.
private_apt() {
  find_mirror
  local state=/var/tmp/pidalloc-apt opts=""
  [ "$signed_by" = - ] || opts="[signed-by=$signed_by] "
  $SUDO mkdir -p "$state/lists/partial"
  printf '%s\n' "deb $opts$mirror $suite main" \
    "deb $opts$mirror $suite-backports main" \
    "deb-src $opts$mirror $suite-backports main" |
    $SUDO tee "$state/sources.list" >/dev/null
  private=(-o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=-
           -o Dir::State::Lists="$state/lists")
  $SUDO apt-get "${private[@]}" update -qq
}

case "${1:-}" in
  --catch2-source)
    # The version Debian's libcatch2-dev has, from <release>-backports; the presets name the tree.
    version=3.7.1
    cache="$(cd "$(dirname "$0")/.." && pwd)/build/catch2-src"
    [ ! -f "$cache/Catch2-$version/extras/catch_amalgamated.cpp" ] || exit 0
    mkdir -p "$cache"
    private_apt
    # --download-only: no dpkg-dev needed; only the upstream tarball is unpacked.
    (cd "$cache" && $SUDO apt-get "${private[@]}" source --download-only -qq "catch2/$suite-backports")
    tarball="$cache/catch2_$version.orig.tar.gz"
    [ -f "$tarball" ] || { echo "deps.sh: $tarball not fetched (version changed?)" >&2; exit 1; }
    rm -rf "$cache/Catch2-$version"
    tar -xzf "$tarball" -C "$cache"
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
  $SUDO apt-get "${private[@]}" install -y -qq --no-install-recommends -t "$suite-backports" "${missing[@]}"
else
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
