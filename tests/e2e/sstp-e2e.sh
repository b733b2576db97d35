#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The real Linux SSTP client against the gateway, end to end.
#
#  UML guest (sstpc + pppd)   sgw-e2e-gw                                sgw-e2e-vnet
#  +------------------+       +-------------------------------------+   +----------------------+
#  | eth0 10.77.0.2   |--tap--| sgwtap0 \                           |   |                      |
#  +------------------+       |          br sgwbr0 10.77.0.1/24     |   |                      |
#         ||                  |          sock_gateway :443          |   |                      |
#    SSTP over TLS            | tun sgw0 <- route 172.16.201.0/24   |   |                      |
#    PPP 172.16.201.x         | sgwvnet0 192.168.0.1/16 ------------+---+ vnet0 192.168.1.4/16 |
#                             +-------------------------------------+   +----------------------+
#
# usage: sstp-e2e.sh CASE      (meson test --suite e2e runs every case)
#   connect   EAP-TLS (TLS 1.2 inside PPP), outer TLS 1.3; address from the
#             pool; ping 192.168.1.4 through the tunnel
#   tls12     the same with the outer TLS capped at 1.2 by the gateway
#   tls13     EAP-TLS with TLS 1.3 inside PPP (pppd max-tls-version 1.3)
#   revoked   a client certificate whose thumbprint is revoked is refused,
#             and the gateway log says why
#   bulk      connect, then $BULK_MB MiB (default 10) each way, sha256-checked
#   dpdk      connect through the DPDK gateway build/sstpgw instead of
#             sock_gateway: two net_tap ports, the outer one bridged with the
#             guest's tap, the inner one with the veth to the VNet (lib.sh
#             gw_start_dpdk); the gateway owns 10.77.0.1 and 192.168.0.1.
#             Skips (77) when there is no sstpgw or its EAL cannot start here.
#   dpdk_tls12, dpdk_eap13, dpdk_revoked   tls12, tls13 and revoked through
#               the DPDK gateway
#   dpdk_bulk   dpdk, then $BULK_MB MiB (default 100) each way, sha256-checked,
#               MB/s each way printed
#   dpdk_loss   dpdk_bulk with $LOSS_DROP (default 0.05) of the frames dropped
#               on the outer port, both directions (--fault-drop, seed
#               $LOSS_SEED), $LOSS_MB MiB (default 100) each way; MB/s and
#               the counters after it
#   dpdk_iperf  dpdk, then iperf3 through the tunnel to the VNet host,
#               $IPERF_SECS s (default 10) each way: Mbit/s each way printed
#   dpdk_workers2  dpdk with --workers 2, plus $BULK_MB MiB (default 4) each way
#   dpdk_policy the operator's side, live (sstpgw-ctl over the management
#               socket), with a second client from a second root connected
#               throughout that no change may touch (the operator
#               disconnects it at the end):
#               `sessions` shows the connected client, /metrics answers; `revoked add` ends the session within 1 s (time
#               printed) and the next connect is refused with the reason in
#               the log; `revoked remove` lets it in again; `roots remove`
#               does the same as a revocation; `roots add` lets it in again
#   dpdk_pool2  a pool with two addresses: two clients connect, a third is
#               refused ("address pool exhausted") and the first two still
#               ping the VNet
#   dpdk_two_clients  two UML guests at once (10.77.0.2 client1, 10.77.0.3
#               client2): distinct pool addresses, both ping the VNet
#   dpdk_vanish the guest is killed (SIGKILL) while connected: the gateway must
#               end the session by its own timers (SSTP hello, echo; the
#               gateway runs with --hello-interval $VANISH_HELLO, default 10)
#               within $VANISH_WAIT s (default 60: hello + echo) with an
#               "end:" line (the address goes back to the pool then), then
#               reset the connection to the dead peer ("session end" with the
#               reason) within $VANISH_END_WAIT s more (default 30);
#               sessions_ended = sessions_created, pool_used = 0
#   dpdk_cycles $CYCLES_TOTAL (default 10000) full calls opened and closed
#               by bench/sstp-load, $CYCLES_BATCH (250) at a time: all
#               established, then no session left, pool_used = 0, mbufs in
#               use back to the start (+-64), RSS flat after the first run
#   dpdk_faults $FAULT_SESSIONS (100) calls by sstp-load with UDP echo
#               traffic: the gateway's VNet port goes down 2 s and up, a
#               broken configuration file is reloaded (SIGHUP: refused with
#               file:line) and then the mended one; no call drops and
#               traffic flows again; then SIGTERM with the
#               calls up: every call ended, exit 0 within 10 s
#
# Env: SSTPGW_SOCK_GATEWAY (the harness binary; meson sets it), SSTPGW_BIN
#      (the DPDK gateway, default $SSTPGW_BUILD_DIR/sstpgw),
#      SSTPGW_RIG_CACHE (/var/cache/sstpgw-rig), SSTPGW_E2E_KEEP=1 keeps the
#      work folder, SSTPGW_E2E_CLIENT_OPTS="--sstpc-log 9" more options for
#      uml/run-client.sh, BULK_MB, LOSS_MB, LOSS_DROP, LOSS_SEED, VANISH_WAIT,
#      IPERF_SECS, CYCLES_TOTAL, CYCLES_BATCH, FAULT_SESSIONS, SSTP_LOAD_BIN.
# Exit: 0 pass, 1 fail, 77 skipped (not root, no namespaces, UML cannot run).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$SRC/tests/e2e/lib.sh"

CASE=${1:-connect}
SOCK_GATEWAY=${SSTPGW_SOCK_GATEWAY:-${SSTPGW_BUILD_DIR:-$SRC/build}/tests/e2e/sock_gateway}
case $CASE in
connect | tls12 | tls13 | revoked | bulk) DPDK="" ;;
dpdk | dpdk_tls12 | dpdk_eap13 | dpdk_revoked | dpdk_bulk | dpdk_loss | dpdk_iperf | dpdk_workers2 | dpdk_two_clients | dpdk_vanish | \
	dpdk_policy | dpdk_pool2 | dpdk_cycles | dpdk_faults) DPDK=1 ;;
*) echo "unknown case $CASE" >&2; exit 2 ;;
esac
case $CASE in
dpdk_bulk) BULK_MB=${BULK_MB:-100} ;;
dpdk_loss) BULK_MB=${LOSS_MB:-100} ;;
dpdk_workers2) BULK_MB=${BULK_MB:-4} ;;
*) BULK_MB=${BULK_MB:-10} ;;
esac
LOSS_DROP=${LOSS_DROP:-0.05} LOSS_SEED=${LOSS_SEED:-7} VANISH_WAIT=${VANISH_WAIT:-60}
VANISH_HELLO=${VANISH_HELLO:-10}
IPERF_SECS=${IPERF_SECS:-10}
CYCLES_TOTAL=${CYCLES_TOTAL:-10000} CYCLES_BATCH=${CYCLES_BATCH:-250} FAULT_SESSIONS=${FAULT_SESSIONS:-100}
LOAD_BIN=${SSTP_LOAD_BIN:-${SSTPGW_BUILD_DIR:-$SRC/build}/bench/sstp-load}
VANISH_END_WAIT=${VANISH_END_WAIT:-30}

if ! why=$(e2e_can_run); then
	echo "SKIP: $why"
	exit 77
fi
SSTPGW_BIN=${SSTPGW_BIN:-${SSTPGW_BUILD_DIR:-$SRC/build}/sstpgw}
if [ -n "$DPDK" ]; then
	[ -x "$SSTPGW_BIN" ] || { echo "SKIP: no DPDK gateway at $SSTPGW_BIN"; exit 77; }
else
	[ -x "$SOCK_GATEWAY" ] || { echo "no sock_gateway at $SOCK_GATEWAY (build first)" >&2; exit 1; }
fi

WORK=$(mktemp -d /tmp/sgw-e2e-$CASE.XXXXXX)
GW_PID="" BULK_PIDS="" CLIENT_PIDS="" C2_PID=""
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$C2_PID" ] && kill $C2_PID 2>/dev/null
	# shellcheck disable=SC2086
	[ -n "$CLIENT_PIDS" ] && kill $CLIENT_PIDS 2>/dev/null
	gw_stop
	[ -n "$DPDK" ] && rm -rf "/var/run/dpdk/$NS_PREFIX"
	# shellcheck disable=SC2086
	[ -n "$BULK_PIDS" ] && kill $BULK_PIDS 2>/dev/null
	topo_down
	[ -n "${SSTPGW_E2E_KEEP:-}" ] && echo "work folder kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL ($CASE): $*"
	echo "--- gateway log"; cat "$WORK/gw.log" 2>/dev/null
	for r in "$WORK"/run*; do
		for f in sstpc.log pppd.log guest.log; do
			echo "--- ${r##*/}/$f (tail)"; tail -25 "$r/$f" 2>/dev/null
		done
	done
	exit 1
}

# Bulk peer in the VNet: a receiver that hashes what it gets, a sender.
BULK_PEER_S=300
bulk_peers() {
	head -c $((BULK_MB * 1048576)) /dev/urandom >"$WORK/down.bin"
	mkdir -p "$WORK/run"
	head -c $((BULK_MB * 1048576)) /dev/urandom >"$WORK/run/up.bin"
	ip netns exec "$VNET_NS" timeout "$BULK_PEER_S" python3 - "$WORK" <<'PY' &
import hashlib, socket, sys, threading
work = sys.argv[1]
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1); c, _ = s.accept(); fn(c); c.close()
def recv(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b: break
        h.update(b); n += len(b)
    open(work + "/up.got", "w").write("%s %d\n" % (h.hexdigest(), n))
def send(c):
    c.sendall(open(work + "/down.bin", "rb").read()); c.shutdown(socket.SHUT_WR)
ts = [threading.Thread(target=serve, args=(5001, recv)), threading.Thread(target=serve, args=(5002, send))]
[t.start() for t in ts]; [t.join() for t in ts]
PY
	BULK_PIDS=$!
}

# res KEY [RUNDIR]: a value from the guest's result.env.
res() { sed -n "s/^$1=//p" "${2:-$WORK/run}/result.env" 2>/dev/null | tail -1; }

# two_clients: a second tap in $BR, two guests at once (own addresses and
# certificates), each must get its own pool address and ping the VNet.
two_clients() {
	local rc1 rc2 a1 a2 n
	ip -n "$GW_NS" tuntap add dev sgwtap1 mode tap &&
		ip -n "$GW_NS" link set sgwtap1 master "$BR" &&
		ip -n "$GW_NS" link set sgwtap1 up || fail "cannot add the second tap"
	echo "== $CASE: two real clients at once"
	run_client "$WORK/certs" "$WORK/run1" --timeout 60 --count 5 --hold 5 \
		>"$WORK/client1.out" 2>&1 &
	CLIENT_PIDS=$!
	run_client "$WORK/certs" "$WORK/run2" --timeout 60 --count 5 --hold 5 \
		--tap sgwtap1 --guest-ip 10.77.0.3/24 \
		--cert "$WORK/certs/client2@contoso.com.crt" \
		--key "$WORK/certs/client2@contoso.com.key" >"$WORK/client2.out" 2>&1 &
	CLIENT_PIDS="$CLIENT_PIDS $!"
	wait "${CLIENT_PIDS%% *}"; rc1=$?
	wait "${CLIENT_PIDS##* }"; rc2=$?
	CLIENT_PIDS=""
	cat "$WORK/client1.out" "$WORK/client2.out"
	dump_stats
	echo "--- gateway log"; cat "$WORK/gw.log"
	a1=$(res PPP_LOCAL "$WORK/run1") a2=$(res PPP_LOCAL "$WORK/run2")
	echo "client1 rc=$rc1 addr=$a1 ping=$(res PING_RC "$WORK/run1"); client2 rc=$rc2 addr=$a2 ping=$(res PING_RC "$WORK/run2")"
	[ $rc1 = 0 ] && [ $rc2 = 0 ] || fail "a client did not get through (rc $rc1 $rc2)"
	for a in "$a1" "$a2"; do
		case $a in 172.16.201.*) ;; *) fail "client address '$a' is not from the pool" ;; esac
		[ "$a" != "$TUNNEL_ADDR" ] || fail "a client got the tunnel address"
		grep -q "network up: addr=$a" "$WORK/gw.log" || fail "no 'network up' for $a"
	done
	[ "$a1" != "$a2" ] || fail "both clients got $a1"
	grep -q "auth ok: cn=client1@contoso.com" "$WORK/gw.log" &&
		grep -q "auth ok: cn=client2@contoso.com" "$WORK/gw.log" || fail "not both clients authenticated"
	# Both may overlap in time: at the peak the gateway held two sessions.
	n=$(gw_stat sessions_created)
	[ "$n" -ge 2 ] || fail "sessions_created=$n, want 2"
	echo "PASS ($CASE)"
	exit 0
}

# held_client RUNDIR [opts]: a client that holds its tunnel up (background,
# CLIENT_PIDS); returns once it pinged through, 1 if it did not get there.
held_client() {
	local run=$1 i
	shift
	run_client "$WORK/certs" "$run" --timeout 150 --hold 120 "$@" >"$run.out" 2>&1 &
	CLIENT_PIDS="$CLIENT_PIDS $!"
	for i in $(seq 600); do
		[ "$(res PING_RC "$run")" = 0 ] && return 0
		kill -0 "${CLIENT_PIDS##* }" 2>/dev/null || break
		sleep 0.1
	done
	cat "$run.out"
	return 1
}

# ms_until PATTERN FROM_LINE: waits (3 s at most) for PATTERN in the
# gateway log after line FROM_LINE; prints the milliseconds it took.
ms_until() {
	local t0 i
	t0=$(date +%s%N)
	for i in $(seq 300); do
		tail -n +"$2" "$WORK/gw.log" | grep -q "$1" && break
		sleep 0.01
	done
	tail -n +"$2" "$WORK/gw.log" | grep -q "$1" || return 1
	echo $((($(date +%s%N) - t0) / 1000000))
}

# refused_now REASON: a fresh connect must fail and the log must say REASON.
refused_now() {
	local from rc
	from=$(($(wc -l <"$WORK/gw.log") + 1))
	run_client "$WORK/certs" "$WORK/run.refused$1" --timeout 45 >/dev/null 2>&1
	rc=$?
	[ $rc != 0 ] || fail "a connect got through after: $2"
	tail -n +"$from" "$WORK/gw.log" | grep -q "$3" ||
		fail "the log does not say why the connect was refused ($3)"
	echo "refused as it should be: $(tail -n +"$from" "$WORK/gw.log" | grep -m1 "$3")"
}

policy() {
	local ctl tp from ms id m
	ctl="$SSTPGW_CTL --socket $WORK/mgmt.sock"
	echo "== $CASE: sessions and metrics (client1, and client2 that no change touches)"
	ip -n "$GW_NS" tuntap add dev sgwtap1 mode tap && ip -n "$GW_NS" link set sgwtap1 master "$BR" &&
		ip -n "$GW_NS" link set sgwtap1 up || fail "cannot add the second tap"
	# client2 comes from a second root, uploaded now: no change to the
	# first root or to client1 may touch it.
	"$SRC/scripts/sstpgw-certs.sh" --dir "$WORK/certs" root "Fabrikam Lab Root" \
		>>"$WORK/certs.log" 2>&1 &&
		"$SRC/scripts/sstpgw-certs.sh" --dir "$WORK/certs" client "Fabrikam Lab Root" \
			client2@contoso.com >>"$WORK/certs.log" 2>&1 ||
		fail "cannot make the second root and client2's certificate"
	$ctl roots add "$WORK/certs/Fabrikam-Lab-Root.cer" || fail "roots add (second root) failed"
	held_client "$WORK/run0" --hold 140 --tap sgwtap1 --guest-ip 10.77.0.3/24 \
		--cert "$WORK/certs/client2@contoso.com.crt" \
		--key "$WORK/certs/client2@contoso.com.key" || fail "client2 did not get through"
	C2_PID=$CLIENT_PIDS CLIENT_PIDS=""
	held_client "$WORK/run1" || fail "the client did not get through"
	$ctl sessions | tee "$WORK/sessions.txt"
	grep -q "$CLIENT" "$WORK/sessions.txt" || fail "sstpgw-ctl sessions does not show $CLIENT"
	$ctl status || fail "sstpgw-ctl status failed"
	m=$(ip netns exec "$GW_NS" python3 -c 'import urllib.request,sys
print(urllib.request.urlopen("http://127.0.0.1:'"$METRICS_PORT"'/metrics", timeout=5).read().decode())')
	echo "$m" | grep -E '^sstpgw_(sessions|to_vnet)' | head -5
	echo "$m" | grep -q '^sstpgw_sessions_created{worker="0"} 2' ||
		fail "/metrics does not show the session"

	echo "== $CASE: revoked add while connected"
	tp=$(thumbprint "$WORK/certs/$CLIENT.crt")
	from=$(($(wc -l <"$WORK/gw.log") + 1))
	$ctl revoked add "$tp" --note "e2e: stolen laptop" || fail "revoked add failed"
	ms=$(ms_until "end: certificate revoked" "$from") ||
		fail "the session did not end within 3 s of revoked add"
	echo "revoked add -> session ended in $ms ms"
	[ "$ms" -le 1000 ] || fail "the session ended after $ms ms (want <= 1000)"
	echo "revoke_ms=$ms" >>"$WORK/figures"
	tail -n +"$from" "$WORK/gw.log" | grep "end: certificate revoked"
	tail -n +"$from" "$WORK/gw.log" | grep -q "end: .*client2@" && fail "client2 was touched by the revocation"
	wait $CLIENT_PIDS 2>/dev/null
	CLIENT_PIDS=""
	refused_now 1 "revoked add" "revoked"
	$ctl revoked list | grep -q "$tp" || fail "revoked list does not show $tp"
	$ctl revoked remove "$tp" || fail "revoked remove failed"

	echo "== $CASE: roots remove while connected"
	held_client "$WORK/run2" || fail "the client did not get back in after revoked remove"
	id=$($ctl --json roots list | python3 -c 'import json,sys; print(json.load(sys.stdin)["roots"][0]["id"])')
	from=$(($(wc -l <"$WORK/gw.log") + 1))
	$ctl roots remove "$id" || fail "roots remove $id failed"
	ms=$(ms_until "end: .*root $id removed" "$from") ||
		fail "the session did not end within 3 s of roots remove"
	sleep 0.2
	tail -n +"$from" "$WORK/gw.log" | grep -q "end: .*client2@" && fail "client2 (another root) was touched"
	echo "roots remove -> session ended in $ms ms"
	[ "$ms" -le 1000 ] || fail "the session ended after $ms ms (want <= 1000)"
	echo "root_remove_ms=$ms" >>"$WORK/figures"
	wait $CLIENT_PIDS 2>/dev/null
	CLIENT_PIDS=""
	refused_now 2 "roots remove" "root"
	$ctl roots add "$WORK/certs/$ROOT_STEM.cer" || fail "roots add failed"
	held_client "$WORK/run3" --hold 1 || fail "the client did not get back in after roots add"
	wait $CLIENT_PIDS 2>/dev/null
	CLIENT_PIDS=""

	echo "== $CASE: client2 went through all of it; the operator disconnects it"
	$ctl sessions --cn client2@contoso.com | tee "$WORK/s2.txt"
	id=$($ctl --json sessions --cn client2@contoso.com |
		python3 -c 'import json,sys; s=json.load(sys.stdin)["sessions"]; print(s[0]["id"] if len(s) == 1 else "")')
	[ -n "$id" ] || fail "client2's session is gone (a policy change touched it)"
	from=$(($(wc -l <"$WORK/gw.log") + 1))
	$ctl disconnect "$id" || fail "disconnect $id failed"
	ms=$(ms_until "end: .*cn=client2@" "$from") || fail "client2's session did not end after disconnect"
	echo "disconnect -> session ended in $ms ms: $(tail -n +"$from" "$WORK/gw.log" | grep -m1 "end: .*cn=client2@")"
	wait $C2_PID 2>/dev/null
	C2_PID=""
	dump_stats
	echo "--- gateway log"; cat "$WORK/gw.log"
	[ "$(gw_stat sessions_revoked)" -ge 2 ] || fail "sessions_revoked=$(gw_stat sessions_revoked), want 2"
	echo "PASS ($CASE)"
	exit 0
}

# pool2: three clients, two addresses.
pool2() {
	local i a
	ip -n "$GW_NS" tuntap add dev sgwtap1 mode tap && ip -n "$GW_NS" link set sgwtap1 master "$BR" &&
		ip -n "$GW_NS" link set sgwtap1 up &&
		ip -n "$GW_NS" tuntap add dev sgwtap2 mode tap &&
		ip -n "$GW_NS" link set sgwtap2 master "$BR" && ip -n "$GW_NS" link set sgwtap2 up ||
		fail "cannot add the taps"
	for i in 2 3; do
		"$SRC/scripts/sstpgw-certs.sh" --dir "$WORK/certs" client "$ROOT_NAME" "client$i@contoso.com" \
			>>"$WORK/certs.log" 2>&1 || fail "cannot make client$i's certificate"
	done
	echo "== $CASE: two clients take the pool's two addresses"
	held_client "$WORK/run1" --hold 60 || fail "client1 did not get through"
	held_client "$WORK/run2" --hold 60 --tap sgwtap1 --guest-ip 10.77.0.3/24 \
		--cert "$WORK/certs/client2@contoso.com.crt" --key "$WORK/certs/client2@contoso.com.key" ||
		fail "client2 did not get through"
	echo "== $CASE: a third one is refused"
	run_client "$WORK/certs" "$WORK/run3" --timeout 45 --tap sgwtap2 --guest-ip 10.77.0.4/24 \
		--cert "$WORK/certs/client3@contoso.com.crt" --key "$WORK/certs/client3@contoso.com.key" \
		>"$WORK/run3.out" 2>&1 && fail "a third client got an address from a pool of two"
	grep -q "address pool exhausted" "$WORK/gw.log" || fail "the log does not say the pool is exhausted"
	grep -m1 "address pool exhausted" "$WORK/gw.log"
	# The first two are untouched: still up after the third was refused.
	for i in 1 2; do
		wait "$(echo $CLIENT_PIDS | cut -d' ' -f$i)" || fail "client$i's tunnel broke"
		[ "$(res STILL_UP_AFTER_HOLD "$WORK/run$i")" = 1 ] || fail "client$i's tunnel went down"
		a=$(res PPP_LOCAL "$WORK/run$i")
		echo "client$i: $a, held its tunnel"
	done
	CLIENT_PIDS=""
	echo "PASS ($CASE)"
	exit 0
}

# cycles: CYCLES_TOTAL connect/disconnect cycles by bench/sstp-load (full
# calls: TLS, SSTP, PPP, EAP-TLS, binding, IPCP, then gone), in runs of
# CYCLES_BATCH (the pool holds 253). Afterwards every session is gone,
# every address back, the mbuf pool at its starting count and the
# gateway's memory flat (issue #6: nothing leaks).
cycles() {
	local runs=$(((CYCLES_TOTAL + CYCLES_BATCH - 1) / CYCLES_BATCH)) i n ok=0 t0 t1
	local mb0 mb1 rss0 rss1 rss_mid=0
	[ -x "$LOAD_BIN" ] || { echo "SKIP: no sstp-load at $LOAD_BIN (build bench/)"; exit 77; }
	load_ns_up || fail "cannot set up $LOAD_NS"
	dump_stats
	mb0=$(gw_stat mbufs_in_use)
	rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$GW_PID/status")
	echo "== $CASE: $CYCLES_TOTAL connect/disconnect cycles in $runs runs; mbufs in use $mb0, RSS $rss0 kB"
	t0=$(date +%s.%N)
	for i in $(seq "$runs"); do
		load_run "$WORK/load.json" --sessions "$CYCLES_BATCH" --concurrency 16 --hold 0 \
			--max-time 240 || fail "run $i: $(cat "$WORK/load.json" "$WORK/load.json.err" | tail -3)"
		n=$(json_num established "$WORK/load.json")
		ok=$((ok + n))
		# The gateway ends each call as its client goes: wait until none is left.
		for _ in $(seq 50); do
			dump_stats
			[ "$(gw_stat sessions_live)" = 0 ] && break
		done
		[ "$(gw_stat sessions_live)" = 0 ] || fail "run $i: $(gw_stat sessions_live) sessions still live"
		[ "$i" = 1 ] && rss_mid=$(awk '/^VmRSS/ {print $2}' "/proc/$GW_PID/status")
	done
	t1=$(date +%s.%N)
	sleep 1
	dump_stats
	mb1=$(gw_stat mbufs_in_use)
	rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$GW_PID/status")
	echo "cycles: $ok established of $((runs * CYCLES_BATCH)) in $(echo "$t0 $t1" | awk '{printf "%.0f", $2 - $1}') s"
	echo "sessions created $(gw_stat sessions_created), ended $(gw_stat sessions_ended), live $(gw_stat sessions_live)"
	echo "pool used $(gw_stat pool_used); tcp connections $(gw_stat tcp_conns); mbufs in use $mb0 -> $mb1"
	echo "RSS $rss0 kB at start, $rss_mid kB after the first run, $rss1 kB at the end"
	[ "$ok" -ge "$CYCLES_TOTAL" ] || fail "only $ok of $CYCLES_TOTAL calls were established"
	[ "$(gw_stat sessions_created)" = "$(gw_stat sessions_ended)" ] || fail "sessions not all ended"
	[ "$(gw_stat pool_used)" = 0 ] || fail "addresses not back in the pool"
	[ $((mb1 - mb0)) -le 64 ] || fail "mbufs in use grew from $mb0 to $mb1"
	# Memory is flat once every structure has been touched (first run).
	[ $((rss1 - rss_mid)) -le 8192 ] || fail "RSS grew by $((rss1 - rss_mid)) kB after the first run"
	echo "PASS ($CASE)"
	exit 0
}

# load_run OUT ARGS...: bench/sstp-load from the load namespace, as
# client1, its JSON line in OUT (stderr in OUT.err).
load_run() {
	local out=$1
	shift
	ip netns exec "$LOAD_NS" timeout 300 "$LOAD_BIN" --server "$GW_IP:$PORT" \
		--cert "$WORK/certs/$CLIENT.crt" --key "$WORK/certs/$CLIENT.key" \
		--ca "$WORK/certs/$ROOT_STEM.crt" --identity "$CLIENT" "$@" >"$out" 2>"$out.err"
}
json_num() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2"; }

# wait_live N: until the gateway has N calls (SIGUSR1 dumps, 100 at most).
wait_live() {
	local up=0
	for _ in $(seq 100); do
		dump_stats
		up=$(gw_stat sessions_live)
		[ "$up" -ge "$1" ] && return 0
	done
	fail "only $up of $1 calls came up"
}

# faults: FAULT_SESSIONS calls with UDP echo traffic to the VNet host;
# the VNet port (the gateway's inner tap) goes down for 2 s and up again
# under them: no call may drop, traffic must flow again. Then SIGTERM
# under load: the gateway ends every call (SSTP Call Disconnect, a
# "session end" line each), stops its ports and exits 0 within 10 s.
faults() {
	local n=$FAULT_SESSIONS i rx1 rx2 ended t0 t1 rc
	[ -x "$LOAD_BIN" ] || { echo "SKIP: no sstp-load at $LOAD_BIN (build bench/)"; exit 77; }
	load_ns_up || fail "cannot set up $LOAD_NS"
	echo_up
	BULK_PIDS="$ECHO_PID"
	echo "== $CASE: $n calls with traffic; the VNet port goes down for 2 s and up"
	load_run "$WORK/a.json" --sessions "$n" --concurrency 16 --hold 14 --pps 20 \
		--target "$VNET_HOST" --target-port 7 --max-time 200 &
	local lp=$!
	wait_live "$n"
	sleep 3
	dump_stats
	rx1=$(gw_stat to_client)
	ip -n "$GW_NS" link set "$IN_TAP" down || fail "cannot take $IN_TAP down"
	sleep 2
	ip -n "$GW_NS" link set "$IN_TAP" up || fail "cannot bring $IN_TAP up"
	# A reload with a broken file under the same load: refused with its
	# line, the running configuration kept; then the mended file reloads.
	sed -i 's/^  max_roots: 20 /  max_roots: 500 /' "$WORK/gw.yaml"
	grep -q "max_roots: 500" "$WORK/gw.yaml" || fail "could not break the configuration"
	kill -HUP "$GW_PID"
	for i in $(seq 50); do grep -q "reload refused" "$WORK/gw.log" && break; sleep 0.1; done
	grep "reload refused" "$WORK/gw.log" | grep -q "gw.yaml:[0-9]*: trust.max_roots" ||
		fail "the broken reload was not refused with file:line ($(grep reload "$WORK/gw.log"))"
	grep -m1 "reload refused" "$WORK/gw.log"
	sed -i 's/^  max_roots: 500 /  max_roots: 20 /' "$WORK/gw.yaml"
	kill -HUP "$GW_PID"
	for i in $(seq 50); do grep -q "reload done" "$WORK/gw.log" && break; sleep 0.1; done
	grep -q "reload done" "$WORK/gw.log" || fail "the mended configuration did not reload"
	sleep 3
	dump_stats
	rx2=$(gw_stat to_client)
	wait "$lp"
	cat "$WORK/a.json"
	[ "$(json_num established "$WORK/a.json")" = "$n" ] || fail "not every call was established"
	[ "$(json_num dropped "$WORK/a.json")" = 0 ] || fail "calls dropped while the VNet port was down"
	[ $((rx2 - rx1)) -gt "$n" ] || fail "traffic did not flow again after the port came up ($rx1 -> $rx2)"
	echo "VNet port down 2 s: no call dropped; to_client $rx1 -> $rx2 over the outage and after"
	echo "== $CASE: SIGTERM with $n calls and traffic"
	load_run "$WORK/b.json" --sessions "$n" --concurrency 16 --hold 20 --pps 20 \
		--target "$VNET_HOST" --target-port 7 --max-time 200 &
	lp=$!
	wait_live "$n"
	t0=$(date +%s.%N)
	kill -TERM "$GW_PID"
	for i in $(seq 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
	t1=$(date +%s.%N)
	kill -0 "$GW_PID" 2>/dev/null && fail "the gateway still runs 10 s after SIGTERM"
	wait "$GW_PID"
	rc=$?
	GW_PID=""
	wait "$lp"
	cat "$WORK/b.json"
	ended=$(grep -c "session end .*reason=" "$WORK/gw.log")
	echo "SIGTERM: exit $rc after $(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}') s; " \
		"$ended session end lines for $((2 * n)) calls; the load saw $(json_num dropped "$WORK/b.json") dropped"
	echo "why the last $n calls ended: $(grep "session end" "$WORK/gw.log" | tail -n "$n" |
		grep -o 'reason=[^:]*' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
	[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
	grep -q "^stopped" "$WORK/gw.log" || fail "no 'stopped' line"
	[ "$ended" -ge $((2 * n)) ] || fail "$ended session end lines, want $((2 * n))"
	[ "$(json_num dropped "$WORK/b.json")" = "$n" ] || fail "the load did not see every call end"
	[ "$(gw_stat sessions_live)" = 0 ] || fail "sessions left at exit"
	echo "PASS ($CASE)"
	exit 0
}

# vanish: the guest is SIGKILLed while its tunnel is up; the gateway must
# end the session by itself (SSTP hello + echo timers, MS-SSTP 3.1.2.3/3.1.6.2).
vanish() {
	local i pids addr t0 t1 line
	echo "== $CASE: the real client, then SIGKILL of the guest"
	run_client "$WORK/certs" "$WORK/run" --timeout 120 --hold 100 \
		>"$WORK/client.out" 2>&1 &
	CLIENT_PIDS=$!
	for i in $(seq 600); do
		grep -q "network up" "$WORK/gw.log" && [ "$(res PING_RC)" = 0 ] && break
		kill -0 "$CLIENT_PIDS" 2>/dev/null || break
		sleep 0.1
	done
	[ "$(res PING_RC)" = 0 ] || { cat "$WORK/client.out"; fail "the client did not get through"; }
	addr=$(res PPP_LOCAL)
	sleep 1
	pids=$(ip netns pids "$GW_NS" | while read -r p; do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = linux.uml ] && echo "$p"; done)
	[ -n "$pids" ] || fail "no linux.uml process to kill"
	# shellcheck disable=SC2086
	kill -9 $pids
	t0=$(date +%s)
	echo "killed the guest (pids $(echo $pids)) holding $addr at $(date +%T); waiting up to $VANISH_WAIT s"
	wait "$CLIENT_PIDS" 2>/dev/null
	CLIENT_PIDS=""
	# First the SSTP timers end the session ("end: hello timeout") and the
	# address goes back to the pool; then the connection to the dead peer
	# is reset (no FIN retransmitted into silence) and "session end" follows.
	for i in $(seq $((VANISH_WAIT * 2))); do
		grep -q "end: .*addr=$addr" "$WORK/gw.log" && break
		sleep 0.5
	done
	line=$(grep -a "end: .*addr=$addr" "$WORK/gw.log" | tail -1)
	[ -n "$line" ] || { cat "$WORK/gw.log"; fail "no 'end:' for $addr within $VANISH_WAIT s of the kill"; }
	echo "session ended $(($(date +%s) - t0)) s after the kill: ${line#*end: }"
	for i in $(seq $((VANISH_END_WAIT * 2))); do
		grep -q "session end .*addr=$addr" "$WORK/gw.log" && break
		sleep 0.5
	done
	t1=$(date +%s)
	dump_stats
	echo "--- gateway log"; cat "$WORK/gw.log"
	line=$(grep -a "session end .*addr=$addr" "$WORK/gw.log" | tail -1)
	[ -n "$line" ] || fail "no 'session end' for $addr within $VANISH_WAIT + $VANISH_END_WAIT s of the kill"
	echo "session reaped (connection gone) $((t1 - t0)) s after the kill: ${line#*session end }"
	case $line in *reason=*) ;; *) fail "'session end' gives no reason" ;; esac
	case $line in *"client closed"*) fail "the dead client is said to have closed" ;; esac
	[ "$(gw_stat sessions_ended)" = "$(gw_stat sessions_created)" ] ||
		fail "sessions_ended $(gw_stat sessions_ended) != sessions_created $(gw_stat sessions_created)"
	[ "$(gw_stat sessions_reset)" -ge 1 ] || fail "the dead peer's connection was not reset"
	[ "$(gw_stat pool_used)" = 0 ] || fail "pool_used=$(gw_stat pool_used) after the reap, want 0"
	echo "PASS ($CASE)"
	exit 0
}

# iperf_check: both iperf3 runs finished; Mbit/s each way (the receiver's
# figure: what arrived) from the guest's JSON.
iperf_check() {
	local up down i
	[ "$(res IPERF_UP_RC)" = 0 ] && [ "$(res IPERF_DOWN_RC)" = 0 ] ||
		fail "iperf3 failed (up rc $(res IPERF_UP_RC), down rc $(res IPERF_DOWN_RC)): $(cat "$WORK/run/iperf.err" 2>/dev/null)"
	for i in 1 2 3 4 5; do   # hostfs may show the guest's last write late
		up=$(iperf_mbps "$WORK/run/iperf-up.json") down=$(iperf_mbps "$WORK/run/iperf-down.json")
		[ -n "$up" ] && [ -n "$down" ] && break
		sleep 1
	done
	echo "iperf3 ($CASE, $IPERF_SECS s each way, one TCP stream): up $up Mbit/s, down $down Mbit/s"
	[ -n "$up" ] && [ -n "$down" ] ||
		fail "no iperf3 figures: $(grep -h '"error"' "$WORK"/run/iperf-*.json)"
}
iperf_mbps() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))' "$1" 2>/dev/null
}

# mbps MiB SECONDS: MB/s (MiB/s), or ? when there is no time.
mbps() { echo "$1 $2" | awk '$2 > 0 { printf "%.2f", $1 / $2; exit } { print "?" }'; }

# bulk_check: both directions intact, MB/s each way printed.
bulk_check() {
	local want_up want_down got_up up_s down_s
	wait "$BULK_PIDS" 2>/dev/null
	BULK_PIDS=""
	want_up=$(sha256sum "$WORK/run/up.bin" | cut -d' ' -f1)
	want_down=$(sha256sum "$WORK/down.bin" | cut -d' ' -f1)
	got_up=$(cut -d' ' -f1 "$WORK/up.got" 2>/dev/null)
	up_s=$(res BULK_UP_RC | sed 's/.*BULK_UP_S=//')
	down_s=$(res BULK_DOWN_RC | sed 's/.*BULK_DOWN_S=//')
	echo "up:   sent $want_up, VNet got $got_up ($(cut -d' ' -f2 "$WORK/up.got" 2>/dev/null) bytes) in $up_s s"
	echo "down: sent $want_down, guest got $(res BULK_DOWN_SHA256) ($(res BULK_DOWN_BYTES) bytes) in $down_s s"
	echo "throughput ($CASE, $BULK_MB MiB): up $(mbps "$BULK_MB" "$up_s") MB/s, down $(mbps "$BULK_MB" "$down_s") MB/s (MiB/s, guest clock)"
	[ "$got_up" = "$want_up" ] || fail "upload corrupted or short"
	[ "$(res BULK_DOWN_SHA256)" = "$want_down" ] || fail "download corrupted or short"
}

# gw_stat NAME: counter NAME summed over the workers, from the last SIGUSR1
# dump in the log (a dump is a run of "stats" lines).
gw_stat() {
	awk -v n="$1" '$1 != "stats" { in_dump = 0; next }
		!in_dump { s = 0; in_dump = 1 }
		{ split($3, kv, "="); if (kv[1] == n) s += kv[2] }
		END { print s + 0 }' "$WORK/gw.log"
}

# dump_stats: SIGUSR1, wait for the dump to reach the log.
dump_stats() {
	local before i
	before=$(grep -c '^stats ' "$WORK/gw.log")
	kill -USR1 "$GW_PID" 2>/dev/null || return 1
	for i in $(seq 30); do
		sleep 0.2
		[ "$(grep -c '^stats ' "$WORK/gw.log")" -gt "$before" ] && break
	done
	sleep 0.3
}

echo "== $CASE: topology, certificates, gateway"
if [ -n "$DPDK" ]; then
	topo_up dpdk || fail "cannot set up the namespaces"
else
	topo_up || fail "cannot set up the namespaces"
fi
certs_make "$WORK/certs" || fail "cannot make certificates"
gw_opts=()
client_opts=()
case $CASE in
tls12 | dpdk_tls12) gw_opts+=(--tls-max 1.2) ;;
tls13 | dpdk_eap13) client_opts+=(--eap-max-tls 1.3) ;;
dpdk_revoked)
	thumbprint "$WORK/certs/revoked@contoso.com.crt" >"$WORK/revoked.txt"
	gw_opts+=(--revoked "$WORK/revoked.txt")
	client_opts+=(--cert "$WORK/certs/revoked@contoso.com.crt"
		--key "$WORK/certs/revoked@contoso.com.key") ;;
revoked)
	gw_opts+=(--revoke "$(thumbprint "$WORK/certs/revoked@contoso.com.crt")")
	client_opts+=(--cert "$WORK/certs/revoked@contoso.com.crt"
		--key "$WORK/certs/revoked@contoso.com.key") ;;
bulk)
	bulk_peers
	client_opts+=(--bulk-mb "$BULK_MB" --bulk "$VNET_HOST:5001:5002" --timeout 240) ;;
dpdk_bulk | dpdk_loss | dpdk_workers2)
	# Each direction gets BULK_S in the guest; the guest run and the
	# peer in the VNet a little more than both (meson: 600 s).
	BULK_S=${BULK_S:-240}
	BULK_PEER_S=$((2 * BULK_S + 60))
	bulk_peers
	client_opts+=(--bulk-mb "$BULK_MB" --bulk "$VNET_HOST:5001:5002"
		--bulk-timeout "$BULK_S" --timeout $((2 * BULK_S + 45)))
	[ "$CASE" = dpdk_loss ] &&
		gw_opts+=(--fault-drop "$LOSS_DROP" --fault-seed "$LOSS_SEED" --fault-where both)
	[ "$CASE" = dpdk_workers2 ] && gw_opts+=(--workers 2) ;;
dpdk_iperf)
	ip netns exec "$VNET_NS" timeout $((4 * IPERF_SECS + 200)) iperf3 -s >"$WORK/iperf-server.log" 2>&1 &
	BULK_PIDS=$!
	client_opts+=(--iperf "$VNET_HOST:$IPERF_SECS" --timeout $((2 * IPERF_SECS + 120))) ;;
dpdk_vanish) gw_opts+=(--hello-interval "$VANISH_HELLO") ;;
dpdk_policy)
	METRICS_PORT=9469
	SSTPGW_CTL=${SSTPGW_CTL:-${SSTPGW_BUILD_DIR:-$SRC/build}/control/sstpgw-ctl}
	[ -x "$SSTPGW_CTL" ] || fail "no sstpgw-ctl at $SSTPGW_CTL"
	gw_opts+=(--mgmt-socket "$WORK/mgmt.sock" --metrics "127.0.0.1:$METRICS_PORT") ;;
dpdk_faults)
	# The lab's configuration file with this run's paths (the options
	# gw_start_dpdk passes override its ports and certificates): reloaded
	# broken under load, and mended.
	sed -e "s|lab/certs/sstpgw-Lab-Root-CA.cer|$WORK/certs/$ROOT_STEM.crt|" \
		-e "s|lab/certs|$WORK/certs|g" -e "s|/run/sstpgw/mgmt.sock|$WORK/mgmt.sock|" \
		-e "s|^  metrics: .*|  metrics: false|" -e "s|file_prefix: sgw-lab|file_prefix: $NS_PREFIX|" \
		"$SRC/etc/sstpgw.yaml" >"$WORK/gw.yaml"
	export SSTPGW_GW_CONFIG=$WORK/gw.yaml ;;
dpdk_pool2)
	# 172.16.201.0/30: .1 and .2; the tunnel address lives outside it.
	POOL=172.16.201.0/30 TUNNEL_ADDR=172.16.200.1 ;;
dpdk_two_clients)
	"$SRC/scripts/sstpgw-certs.sh" --dir "$WORK/certs" client "$ROOT_NAME" client2@contoso.com \
		>>"$WORK/certs.log" 2>&1 || fail "cannot make the second client certificate" ;;
esac
if [ -n "$DPDK" ]; then
	if ! gw_start_dpdk "$WORK/certs" "$WORK/gw.log" "${gw_opts[@]}"; then
		# The machine, not the gateway: no EAL here (memory, /dev/net/tun...).
		if grep -q "EAL init failed" "$WORK/gw.log"; then
			echo "SKIP: the DPDK EAL cannot start here"
			exit 77
		fi
		fail "sstpgw did not start"
	fi
	grep -E '^(port|ready) ' "$WORK/gw.log"
	case $CASE in
	dpdk_two_clients) two_clients ;; dpdk_vanish) vanish ;;
	dpdk_policy) policy ;; dpdk_pool2) pool2 ;; dpdk_cycles) cycles ;; dpdk_faults) faults ;;
	esac
else
	gw_start_sock "$WORK/certs" "$WORK/gw.log" "${gw_opts[@]}" || fail "gateway did not start"
fi

echo "== $CASE: the real client (sstpc + pppd in user-mode Linux)"
# shellcheck disable=SC2086
run_client "$WORK/certs" "$WORK/run" --timeout 45 "${client_opts[@]}" ${SSTPGW_E2E_CLIENT_OPTS:-}
rc=$?
# One known client-side flake (lib.sh client_stalled) gets up to two more
# attempts, said aloud; never for the case that must fail.
for attempt in 2 3; do
	[ $rc = 1 ] && [ "${CASE#dpdk_}" != revoked ] && client_stalled "$WORK/run" "$WORK/gw.log" || break
	echo "NOTE: sstpc stalled after the gateway's HTTP 200 (client-side flake); attempt $attempt"
	mv "$WORK/run" "$WORK/run.stalled$attempt"
	echo "--- attempt $attempt" >>"$WORK/gw.log"
	# shellcheck disable=SC2086
	run_client "$WORK/certs" "$WORK/run" --timeout 45 "${client_opts[@]}" ${SSTPGW_E2E_CLIENT_OPTS:-}
	rc=$?
done
sleep 0.5
# The DPDK gateway's counters (SIGUSR1) go to its log too.
[ -n "$DPDK" ] && dump_stats
echo "--- gateway log"
cat "$WORK/gw.log"

case $CASE in
revoked | dpdk_revoked)
	[ $rc != 0 ] || fail "the client with a revoked certificate got through"
	[ "$(res PPP_UP)" != 1 ] || fail "ppp0 came up with a revoked certificate"
	grep -qi "revoked" "$WORK/gw.log" || fail "the gateway log does not say 'revoked'"
	grep -q "network up" "$WORK/gw.log" && fail "the gateway gave the revoked client an address"
	;;
*)
	[ $rc = 0 ] || fail "the client did not get through (rc=$rc)"
	addr=$(res PPP_LOCAL)
	case $addr in 172.16.201.*) ;; *) fail "client address '$addr' is not from the pool" ;; esac
	[ "$addr" != "$TUNNEL_ADDR" ] || fail "client got the tunnel address"
	grep -q "auth ok: cn=$CLIENT" "$WORK/gw.log" || fail "no 'auth ok' for $CLIENT"
	grep -q "binding ok" "$WORK/gw.log" || fail "no 'binding ok'"
	grep -q "network up: addr=$addr" "$WORK/gw.log" || fail "no 'network up' for $addr"
	;;
esac
case $CASE in
tls12 | dpdk_tls12) grep -q "tls ok: TLSv1.2" "$WORK/gw.log" || fail "outer TLS was not 1.2" ;;
connect) grep -q "tls ok: TLSv1.3" "$WORK/gw.log" || fail "outer TLS was not 1.3" ;;
dpdk | dpdk_bulk | dpdk_loss | dpdk_iperf | dpdk_workers2)
	grep -q "tls ok: TLSv1.3" "$WORK/gw.log" || fail "outer TLS was not 1.3"
	# The pings crossed the engine both ways: counters from SIGUSR1.
	for c in to_vnet to_client sessions_created; do
		grep -Eq "^stats w[0-9]+ $c=[1-9]" "$WORK/gw.log" || fail "counter $c is 0"
	done
	;;
tls13 | dpdk_eap13) grep -q "auth ok: .* eap-tls=TLSv1.3" "$WORK/gw.log" ||
	fail "EAP-TLS did not use TLS 1.3" ;;
esac
case $CASE in
bulk | dpdk_bulk | dpdk_workers2) bulk_check ;;
dpdk_iperf) iperf_check ;;
dpdk_loss)
	bulk_check
	echo "--- counters after the loss run (last SIGUSR1 dump)"
	awk '$1 != "stats" { d = ""; next } { d = d $0 "\n"; last = d } END { printf "%s", last }' "$WORK/gw.log"
	[ "$(gw_stat fault_dropped)" -gt 0 ] || fail "no frame was dropped (fault_dropped = 0)"
	echo "injected drops: $(gw_stat fault_dropped), tcp retransmits: $(gw_stat tcp_retransmits)"
	;;
dpdk_workers2)
	grep -q "^ready workers=2" "$WORK/gw.log" || fail "the gateway did not start 2 workers"
	;;
esac
echo "PASS ($CASE)"
exit 0
