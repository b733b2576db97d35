#!/bin/bash
# Install every Debian 12 package sstpgw needs to build, test, fuzz and bench.
# Idempotent: packages already present are skipped. Run as root (or via sudo).
#   scripts/install-deps.sh            build + unit/protocol tests + fuzz + bench
#   SSTPGW_DEPS_E2E=1 scripts/install-deps.sh   also the real-client rig (UML, sstpc, pppd)
set -euo pipefail

PKGS=(
  build-essential pkg-config meson ninja-build python3
  libssl-dev openssl
  libdpdk-dev dpdk
  libipsec-mb-dev
  libcmocka-dev
  libfyaml-dev libjansson-dev libmicrohttpd-dev
  g++ libbenchmark-dev
  clang libclang-rt-14-dev
  iproute2
)
if [ -n "${SSTPGW_DEPS_E2E:-}" ]; then
  PKGS+=(user-mode-linux sstp-client ppp busybox-static bc iperf3)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "[deps] all ${#PKGS[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "[deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
