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
#
# Env: SSTPGW_SOCK_GATEWAY (the harness binary; meson sets it), SSTPGW_BIN
#      (the DPDK gateway, default $SSTPGW_BUILD_DIR/sstpgw),
#      SSTPGW_RIG_CACHE (/var/cache/sstpgw-rig), SSTPGW_E2E_KEEP=1 keeps the
#      work folder, SSTPGW_E2E_CLIENT_OPTS="--sstpc-log 9" more options for
#      uml/run-client.sh, BULK_MB.
# Exit: 0 pass, 1 fail, 77 skipped (not root, no namespaces, UML cannot run).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$SRC/tests/e2e/lib.sh"

CASE=${1:-connect}
SOCK_GATEWAY=${SSTPGW_SOCK_GATEWAY:-${SSTPGW_BUILD_DIR:-$SRC/build}/tests/e2e/sock_gateway}
BULK_MB=${BULK_MB:-10}
case $CASE in connect | tls12 | tls13 | revoked | bulk | dpdk) ;; *) echo "unknown case $CASE" >&2; exit 2 ;; esac

if ! why=$(e2e_can_run); then
	echo "SKIP: $why"
	exit 77
fi
SSTPGW_BIN=${SSTPGW_BIN:-${SSTPGW_BUILD_DIR:-$SRC/build}/sstpgw}
if [ "$CASE" = dpdk ]; then
	[ -x "$SSTPGW_BIN" ] || { echo "SKIP: no DPDK gateway at $SSTPGW_BIN"; exit 77; }
else
	[ -x "$SOCK_GATEWAY" ] || { echo "no sock_gateway at $SOCK_GATEWAY (build first)" >&2; exit 1; }
fi

WORK=$(mktemp -d /tmp/sgw-e2e-$CASE.XXXXXX)
GW_PID="" BULK_PIDS=""
cleanup() {
	gw_stop
	[ "$CASE" = dpdk ] && rm -rf "/var/run/dpdk/$NS_PREFIX"
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
	for f in sstpc.log pppd.log guest.log; do
		echo "--- $f (tail)"; tail -25 "$WORK/run/$f" 2>/dev/null
	done
	exit 1
}

# Bulk peer in the VNet: a receiver that hashes what it gets, a sender.
bulk_peers() {
	head -c $((BULK_MB * 1048576)) /dev/urandom >"$WORK/down.bin"
	mkdir -p "$WORK/run"
	head -c $((BULK_MB * 1048576)) /dev/urandom >"$WORK/run/up.bin"
	ip netns exec "$VNET_NS" timeout 300 python3 - "$WORK" <<'PY' &
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

echo "== $CASE: topology, certificates, gateway"
if [ "$CASE" = dpdk ]; then
	topo_up dpdk || fail "cannot set up the namespaces"
else
	topo_up || fail "cannot set up the namespaces"
fi
certs_make "$WORK/certs" || fail "cannot make certificates"
gw_opts=()
client_opts=()
case $CASE in
tls12) gw_opts+=(--tls-max 1.2) ;;
tls13) client_opts+=(--eap-max-tls 1.3) ;;
revoked)
	gw_opts+=(--revoke "$(thumbprint "$WORK/certs/revoked@contoso.com.crt")")
	client_opts+=(--cert "$WORK/certs/revoked@contoso.com.crt"
		--key "$WORK/certs/revoked@contoso.com.key") ;;
bulk)
	bulk_peers
	client_opts+=(--bulk-mb "$BULK_MB" --bulk "$VNET_HOST:5001:5002" --timeout 240) ;;
esac
if [ "$CASE" = dpdk ]; then
	if ! gw_start_dpdk "$WORK/certs" "$WORK/gw.log" "${gw_opts[@]}"; then
		# The machine, not the gateway: no EAL here (memory, /dev/net/tun...).
		if grep -q "EAL init failed" "$WORK/gw.log"; then
			echo "SKIP: the DPDK EAL cannot start here"
			exit 77
		fi
		fail "sstpgw did not start"
	fi
	grep -E '^(port|ready) ' "$WORK/gw.log"
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
	[ $rc = 1 ] && [ "$CASE" != revoked ] && client_stalled "$WORK/run" "$WORK/gw.log" || break
	echo "NOTE: sstpc stalled after the gateway's HTTP 200 (client-side flake); attempt $attempt"
	mv "$WORK/run" "$WORK/run.stalled$attempt"
	echo "--- attempt $attempt" >>"$WORK/gw.log"
	# shellcheck disable=SC2086
	run_client "$WORK/certs" "$WORK/run" --timeout 45 "${client_opts[@]}" ${SSTPGW_E2E_CLIENT_OPTS:-}
	rc=$?
done
sleep 0.5
# The DPDK gateway's counters (SIGUSR1) go to its log too.
[ "$CASE" = dpdk ] && kill -USR1 "$GW_PID" 2>/dev/null && sleep 0.5
echo "--- gateway log"
cat "$WORK/gw.log"
res() { sed -n "s/^$1=//p" "$WORK/run/result.env" 2>/dev/null | tail -1; }

case $CASE in
revoked)
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
tls12) grep -q "tls ok: TLSv1.2" "$WORK/gw.log" || fail "outer TLS was not 1.2" ;;
connect) grep -q "tls ok: TLSv1.3" "$WORK/gw.log" || fail "outer TLS was not 1.3" ;;
dpdk)
	grep -q "tls ok: TLSv1.3" "$WORK/gw.log" || fail "outer TLS was not 1.3"
	# The pings crossed the engine both ways: counters from SIGUSR1.
	for c in to_vnet to_client sessions_created; do
		grep -Eq "^stats w[0-9]+ $c=[1-9]" "$WORK/gw.log" || fail "counter $c is 0"
	done
	;;
tls13) grep -q "auth ok: .* eap-tls=TLSv1.3" "$WORK/gw.log" ||
	fail "EAP-TLS did not use TLS 1.3" ;;
bulk)
	wait "$BULK_PIDS" 2>/dev/null
	BULK_PIDS=""
	want_up=$(sha256sum "$WORK/run/up.bin" | cut -d' ' -f1)
	want_down=$(sha256sum "$WORK/down.bin" | cut -d' ' -f1)
	got_up=$(cut -d' ' -f1 "$WORK/up.got" 2>/dev/null)
	echo "up:   sent $want_up, VNet got $got_up ($(cut -d' ' -f2 "$WORK/up.got" 2>/dev/null) bytes) in $(res BULK_UP_RC | sed 's/.*BULK_UP_S=//') s"
	echo "down: sent $want_down, guest got $(res BULK_DOWN_SHA256) ($(res BULK_DOWN_BYTES) bytes) in $(res BULK_DOWN_RC | sed 's/.*BULK_DOWN_S=//') s"
	[ "$got_up" = "$want_up" ] || fail "upload corrupted or short"
	[ "$(res BULK_DOWN_SHA256)" = "$want_down" ] || fail "download corrupted or short"
	;;
esac
echo "PASS ($CASE)"
exit 0
