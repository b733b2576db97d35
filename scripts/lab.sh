#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The lab default: a gateway, a VNet host and the real Linux SSTP client on
# one machine (Debian 12, run as root).
#
#   scripts/lab.sh          set up (or set up again) and run: the client pings the VNet host
#   scripts/lab.sh down     stop the gateway, remove the namespaces
#   scripts/lab.sh status   what is running
#
#  UML guest (sstpc + pppd)   sgw-lab-gw                                   sgw-lab-vnet
#  +------------------+       +----------------------------------------+   +----------------------+
#  | eth0 10.77.0.2   |--tap--| sgwtap0 -br sgwbr0- sgwout0 (net_tap)  |   |                      |
#  +------------------+       |   build/sstpgw (DPDK)                  |   |  VNet host           |
#    SSTP over TLS :443       |   outer 10.77.0.1/24, TCP 443          |   |  172.16.201.0/24 via |
#    PPP, EAP-TLS             |   inner 192.168.0.1/16                 |   |    192.168.0.1       |
#    client 172.16.201.x      |   pool 172.16.201.0/24                 |   |                      |
#                             | sgwin0 (net_tap) -br sgwbr1- sgwvnet0 -+---+ vnet0 192.168.1.4/16 |
#                             +----------------------------------------+   +----------------------+
#
# The gateway: the DPDK binary build/sstpgw with two net_tap ports; it owns
# 10.77.0.1 and 192.168.0.1 itself (the bridges and the kernel sides of its
# taps hold no address). If it cannot start here, the lab says so plainly and
# falls back to tests/e2e/sock_gateway, the protocol core behind a kernel
# socket and a TUN (a test harness, not the product; 10.77.0.1 then sits on
# sgwbr0). The output says which one runs. SSTPGW_LAB_GATEWAY=sock|dpdk
# forces one (dpdk: no fallback); SSTPGW_BUILD_DIR (default build/) is
# where it builds.
#
# The client is Debian's sstp-client + ppp inside user-mode Linux (the host
# kernel has no PPP): tests/e2e/uml/. Lab certificates are in lab/certs.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
NS_PREFIX=sgw-lab
# shellcheck source=tests/e2e/lib.sh
. "$SRC/tests/e2e/lib.sh"
LAB=$SRC/lab
RUN=$LAB/run
CERTS=$LAB/certs
BUILD=${SSTPGW_BUILD_DIR:-$SRC/build}
export SSTPGW_RIG_CACHE=${SSTPGW_RIG_CACHE:-/var/cache/sstpgw-rig}

die() { echo "lab: $*" >&2; exit 1; }
say() { echo "== $*"; }

lab_down() {
	if [ -f "$RUN/gw.pid" ]; then
		GW_PID=$(cat "$RUN/gw.pid")
		# Only our gateway: the pid must still be a process in our namespace.
		if ip netns pids "$GW_NS" 2>/dev/null | grep -qx "$GW_PID"; then
			gw_stop
		fi
		rm -f "$RUN/gw.pid"
	fi
	topo_down
	# The DPDK gateway's EAL runtime files (--file-prefix $NS_PREFIX).
	rm -rf "/var/run/dpdk/$NS_PREFIX"
}

lab_status() {
	local ns
	for ns in "$GW_NS" "$VNET_NS"; do
		if ns_exists "$ns"; then
			echo "namespace $ns: processes $(ip netns pids "$ns" | tr '\n' ' ')"
		else
			echo "namespace $ns: absent"
		fi
	done
	[ -f "$RUN/gw.pid" ] && echo "gateway pid $(cat "$RUN/gw.pid"), log $RUN/gw.log"
	return 0
}

build() {
	say "dependencies and build"
	SSTPGW_DEPS_E2E=1 "$SRC/scripts/install-deps.sh" || die "installing packages failed"
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$SRC" >/dev/null || die "meson setup failed"
	fi
	ninja -C "$BUILD" >/dev/null || die "build failed (ninja -C $BUILD)"
}

which_gateway() {
	case ${SSTPGW_LAB_GATEWAY:-} in
	sock | dpdk) echo "$SSTPGW_LAB_GATEWAY"; return ;;
	esac
	if [ -x "$BUILD/sstpgw" ]; then echo dpdk; else echo sock; fi
}

# The DPDK gateway (lib.sh gw_start_dpdk): net_tap ports sgwout0 (in the
# bridge with the guest's tap, the gateway owns 10.77.0.1) and sgwin0 (in a
# bridge with the veth to the VNet, the gateway owns 192.168.0.1).
start_dpdk() {
	topo_up dpdk || die "namespaces failed"
	say "gateway: the DPDK data plane, build/sstpgw (net_tap ports sgwout0, sgwin0 in $GW_NS)"
	# etc/sstpgw.yaml is the lab's configuration (paths relative to the
	# repository: the gateway runs from there); the management socket is
	# /run/sstpgw/mgmt.sock, the metrics are on 127.0.0.1:9469 in $GW_NS.
	cd "$SRC" || die "no $SRC"
	SSTPGW_GW_CONFIG=$SRC/etc/sstpgw.yaml SSTPGW_BIN=${SSTPGW_BIN:-$BUILD/sstpgw} \
		gw_start_dpdk "$CERTS" "$RUN/gw.log" 2>"$RUN/gw.err"
}

start_sock() {
	topo_up || die "namespaces failed"
	SOCK_GATEWAY=${SSTPGW_SOCK_GATEWAY:-$BUILD/tests/e2e/sock_gateway}
	[ -x "$SOCK_GATEWAY" ] || die "no $SOCK_GATEWAY (meson setup -Dtests=enabled)"
	say "gateway: tests/e2e/sock_gateway -- the protocol core behind a kernel TCP"
	echo "   socket and a TUN; a test harness, not the product"
	gw_start_sock "$CERTS" "$RUN/gw.log" || die "sock_gateway did not start"
}

lab_up() {
	[ "$(id -u)" = 0 ] || die "run as root (namespaces, taps, user-mode Linux)"
	build
	lab_down
	mkdir -p "$RUN" "$CERTS"
	say "lab PKI in $CERTS (scripts/sstpgw-certs.sh lab)"
	certs_make "$CERTS" || die "certificates failed"
	sed -n '1,3p' "$CERTS.log"
	local kind
	kind=$(which_gateway)
	say "network namespaces $GW_NS, $VNET_NS; VNet host $VNET_HOST; pool $POOL"
	if [ "$kind" = dpdk ] && ! start_dpdk; then
		echo "   THE DPDK GATEWAY DID NOT START HERE; falling back to sock_gateway. Its output:"
		sed 's/^/   | /' "$RUN/gw.log" "$RUN/gw.err"
		[ "${SSTPGW_LAB_GATEWAY:-}" = dpdk ] && die "SSTPGW_LAB_GATEWAY=dpdk and build/sstpgw did not start"
		cp "$RUN/gw.log" "$RUN/gw-dpdk-failed.log"
		kind=sock
	fi
	[ "$kind" = sock ] && start_sock
	echo "$GW_PID" >"$RUN/gw.pid"

	say "the real client: sstpc + pppd (EAP-TLS, $CLIENT) in user-mode Linux"
	rm -rf "$RUN/client"
	run_client "$CERTS" "$RUN/client" --timeout 45 --count 4 >"$RUN/client.out" 2>&1
	local rc=$? attempt
	for attempt in 2 3; do
		[ "$rc" = 1 ] && client_stalled "$RUN/client" "$RUN/gw.log" || break
		echo "   sstpc stalled after the gateway's HTTP 200 (a known client-side flake): attempt $attempt"
		rm -rf "$RUN/client"
		run_client "$CERTS" "$RUN/client" --timeout 45 --count 4 >"$RUN/client.out" 2>&1
		rc=$?
	done
	report "$rc" "$kind"
}

report() {
	local rc=$1 kind=$2 r=$RUN/client
	res() { sed -n "s/^$1=//p" "$r/result.env" 2>/dev/null | tail -1; }
	echo
	if [ "$rc" = 77 ]; then
		echo "user-mode Linux could not run here:"
		cat "$RUN/client.out"
	elif [ "$(res PPP_UP)" = 1 ]; then
		echo "client address: $(res PPP_LOCAL) (gateway side of PPP: $(res PPP_PEER))"
		echo "ping $(res PING_TARGET) through the tunnel:"
		grep -E 'bytes from|packets transmitted|round-trip' "$r/guest.log" | sed 's/^/   /'
	else
		echo "the client did not get an address. Its last words:"
		tail -8 "$r/sstpc.log" 2>/dev/null | sed 's/^/   sstpc: /'
		tail -8 "$r/pppd.log" 2>/dev/null | sed 's/^/   pppd: /'
	fi
	echo
	if [ "$kind" = dpdk ]; then
		# The counters (SIGUSR1), then the gateway's own lines; the EAL's
		# start-up chatter stays in the file.
		kill -USR1 "$GW_PID" 2>/dev/null && sleep 0.5
		say "gateway log (DPDK build/sstpgw; full output in $RUN/gw.log)"
		grep -E '^(port|ready|log|stats) ' "$RUN/gw.log" | sed 's/^/   /'
	else
		say "gateway log (sock_gateway, $RUN/gw.log)"
		sed 's/^/   /' "$RUN/gw.log"
	fi
	echo
	if [ "$rc" = 0 ]; then
		echo "RESULT: the real client connected and pinged the VNet host through the tunnel."
	else
		echo "RESULT: FAILED (client logs in $r: sstpc.log pppd.log guest.log console.log)"
	fi
	echo "Still running: the gateway (pid $GW_PID) in namespace $GW_NS, the VNet host in $VNET_NS."
	if [ "$kind" = dpdk ]; then
		echo "Operate it (management socket /run/sstpgw/mgmt.sock):"
		echo "   $BUILD/control/sstpgw-ctl sessions | status | roots list | revoked add THUMBPRINT | pool | counters"
		echo "   ip netns exec $GW_NS curl -s http://127.0.0.1:9469/metrics"
	fi
	echo "Run the client again:  SSTPGW_RIG_CACHE=$SSTPGW_RIG_CACHE tests/e2e/uml/run-client.sh --help"
	echo "Stop and remove everything:  scripts/lab.sh down"
	return "$rc"
}

case ${1:-up} in
up) lab_up ;;
down) lab_down; echo "lab removed" ;;
status) lab_status ;;
-h | --help) sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) die "usage: scripts/lab.sh [up|down|status]" ;;
esac
