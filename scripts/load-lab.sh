#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Load against the DPDK gateway in the lab topology of tests/e2e/lib.sh:
# bench/sstp-load opens many real SSTP sessions (TLS, SSTP, PPP, EAP-TLS,
# crypto binding, IPCP) from a namespace of its own on the client bridge,
# holds them and pushes UDP through every tunnel to the VNet host, which
# echoes it back. Each run prints sstp-load's JSON line.
#
#  sgw-load-cli               sgw-load-gw                               sgw-load-vnet
#  +------------------+       +-------------------------------------+   +----------------------+
#  | ld0 10.77.0.10   |-veth--| sgwld0 -br sgwbr0- sgwout0 (net_tap)|   | vnet0 192.168.1.4/16 |
#  | sstp-load        |       |   build/sstpgw 10.77.0.1:443        |   | UDP echo :7          |
#  +------------------+       | sgwin0 (net_tap) -br sgwbr1- sgwvnet0 --+ 172.16.201.0/24 via  |
#                             +-------------------------------------+   |   192.168.0.1        |
#                                                                       +----------------------+
#
# usage: scripts/load-lab.sh [sstp-load options...]   (as root)
# Env: SSTPGW_BUILD_DIR (default build/: sstpgw and bench/sstp-load, built
#      with `meson compile -C build sstpgw bench/sstp-load`),
#      LOAD_SESSIONS   the runs, one per count (default "50 200")
#      LOAD_CONCURRENCY (16) LOAD_HOLD (10 s) LOAD_PPS (10 per session)
#      LOAD_POOL       the gateway's pool (default 172.16.201.0/24: 253 clients)
#      LOAD_KEEP=1     keep the work folder (gateway log, certificates)
# Every namespace and process it starts goes away on exit, whatever happens.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
NS_PREFIX=${NS_PREFIX:-sgw-load}
# shellcheck source=tests/e2e/lib.sh
. "$SRC/tests/e2e/lib.sh"
POOL=${LOAD_POOL:-$POOL}
BUILD=${SSTPGW_BUILD_DIR:-$SRC/build}
export SSTPGW_BIN=${SSTPGW_BIN:-$BUILD/sstpgw}
LOAD_BIN=${SSTP_LOAD_BIN:-$BUILD/bench/sstp-load}
SESSIONS=${LOAD_SESSIONS:-50 200}
CONC=${LOAD_CONCURRENCY:-16} HOLD=${LOAD_HOLD:-10} PPS=${LOAD_PPS:-10}

die() { echo "load-lab: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$SSTPGW_BIN" ] || die "no DPDK gateway at $SSTPGW_BIN"
[ -x "$LOAD_BIN" ] || die "no sstp-load at $LOAD_BIN (meson compile -C $BUILD bench/sstp-load)"

WORK=$(mktemp -d /tmp/sgw-load.XXXXXX)
GW_PID="" ECHO_PID=""
cleanup() {
	[ -n "$ECHO_PID" ] && kill "$ECHO_PID" 2>/dev/null
	gw_stop
	rm -rf "/var/run/dpdk/$NS_PREFIX"
	topo_down
	if [ -n "${LOAD_KEEP:-}" ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "== topology, certificates, gateway ($NS_PREFIX)" >&2
topo_up dpdk || die "cannot set up the namespaces"
certs_make "$WORK/certs" || die "cannot make certificates"
gw_start_dpdk "$WORK/certs" "$WORK/gw.log" || die "sstpgw did not start"
load_ns_up || die "cannot set up $LOAD_NS"
echo_up

for n in $SESSIONS; do
	echo "== $n sessions, concurrency $CONC, hold $HOLD s, $PPS pps each" >&2
	ip netns exec "$LOAD_NS" "$LOAD_BIN" --server "$GW_IP:$PORT" \
		--cert "$WORK/certs/$CLIENT.crt" --key "$WORK/certs/$CLIENT.key" \
		--ca "$WORK/certs/$ROOT_STEM.crt" --identity "$CLIENT" \
		--sessions "$n" --concurrency "$CONC" --hold "$HOLD" --pps "$PPS" \
		--target "$VNET_HOST" --target-port 7 "$@"
	echo "rc=$?" >&2
	sleep 2
done
kill -USR1 "$GW_PID" 2>/dev/null && sleep 1
grep -E '^stats .*(sessions_created|sessions_ended|pool_used)=' "$WORK/gw.log" >&2
