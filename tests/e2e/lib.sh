# SPDX-License-Identifier: BSD-3-Clause
# Sourced by tests/e2e/sstp-e2e.sh and scripts/lab.sh: the namespaces, the
# lab PKI and the gateway under test.
#
#  UML guest (sstpc + pppd)   namespace $GW_NS                          namespace $VNET_NS
#  +------------------+       +-------------------------------------+   +----------------------+
#  | eth0 10.77.0.2   |--tap--| $TAP  \                             |   |                      |
#  +------------------+       |        br $BR 10.77.0.1/24          |   |                      |
#                             |        (sock_gateway listens :443)  |   |                      |
#                             | tun $TUN  <- route 172.16.201.0/24  |   |                      |
#                             | $VETH 192.168.0.1/16 ---------------+---+ vnet0 192.168.1.4/16 |
#                             +-------------------------------------+   | 172.16.201.0/24 via  |
#                                                                       |   192.168.0.1        |
#                                                                       +----------------------+
#  PPP inside the tunnel: gateway 172.16.201.1, client from the pool 172.16.201.0/24.
#
#  For the DPDK gateway (topo_up dpdk, gw_start_dpdk) nothing in $GW_NS holds
#  an address and there is no tun: the gateway's outer net_tap port $OUT_TAP
#  joins $BR and it owns 10.77.0.1 itself; its inner port $IN_TAP and $VETH
#  share bridge $BR_IN and it owns 192.168.0.1 itself.

NS_PREFIX=${NS_PREFIX:-sgw-e2e}
GW_NS=$NS_PREFIX-gw
VNET_NS=$NS_PREFIX-vnet
BR=sgwbr0 TAP=sgwtap0 TUN=sgw0 VETH=sgwvnet0
OUT_TAP=sgwout0 IN_TAP=sgwin0 BR_IN=sgwbr1
GW_IP=10.77.0.1 GUEST_IP=10.77.0.2 PORT=443
VNET_GW=192.168.0.1 VNET_HOST=192.168.1.4 VNET_NET=192.168.0.0/16
POOL=172.16.201.0/24 TUNNEL_ADDR=172.16.201.1
ROOT_NAME="sstpgw Lab Root CA" ROOT_STEM=sstpgw-Lab-Root-CA CLIENT=client1@contoso.com

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

# Kill what still runs in a namespace (ours: it exists only for the test).
ns_kill() {
	local pids i
	ns_exists "$1" || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$1" 2>/dev/null)
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill $([ "$i" -gt 5 ] && echo -9) $pids 2>/dev/null
		sleep 0.3
	done
}

topo_down() {
	ns_kill "$LOAD_NS"
	ns_kill "$GW_NS"
	ns_kill "$VNET_NS"
	ns_exists "$LOAD_NS" && ip netns del "$LOAD_NS"
	ns_exists "$GW_NS" && ip netns del "$GW_NS"
	ns_exists "$VNET_NS" && ip netns del "$VNET_NS"
	return 0
}

# echo_up: UDP echo on the VNet host (RFC 862), port 7, for an hour at
# most; its pid in ECHO_PID (the caller kills it).
echo_up() {
	ip netns exec "$VNET_NS" timeout 3600 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("0.0.0.0", 7))
while True:
    b, a = s.recvfrom(2048)
    s.sendto(b, a)
' &
	ECHO_PID=$!
}

# load_ns_up: a namespace for bench/sstp-load, a veth into the client
# bridge next to the gateway's outer tap (after topo_up).
LOAD_NS=$NS_PREFIX-cli LOAD_IP=10.77.0.10
load_ns_up() {
	ns_kill "$LOAD_NS"
	ns_exists "$LOAD_NS" && ip netns del "$LOAD_NS"
	ip netns add "$LOAD_NS" &&
		ip -n "$LOAD_NS" link set lo up &&
		ip -n "$GW_NS" link add sgwld0 type veth peer name ld0 netns "$LOAD_NS" &&
		ip -n "$GW_NS" link set sgwld0 master "$BR" &&
		ip -n "$GW_NS" link set sgwld0 up &&
		ip -n "$LOAD_NS" addr add "$LOAD_IP/24" dev ld0 &&
		ip -n "$LOAD_NS" link set ld0 up
}

# topo_up [dpdk]: dpdk leaves 10.77.0.1, the tun and 192.168.0.1 to the gateway.
topo_up() {
	topo_down
	ip netns add "$GW_NS" && ip netns add "$VNET_NS" || return 1
	local g="ip -n $GW_NS" v="ip -n $VNET_NS"
	$g link set lo up && $v link set lo up &&
		$g link add "$BR" type bridge && $g link set "$BR" up &&
		$g tuntap add dev "$TAP" mode tap && $g link set "$TAP" master "$BR" &&
		$g link set "$TAP" up &&
		$g link add "$VETH" type veth peer name vnet0 netns "$VNET_NS" &&
		$v addr add "$VNET_HOST/16" dev vnet0 && $v link set vnet0 up &&
		$v route add "$POOL" via "$VNET_GW" || return 1
	if [ "${1:-}" = dpdk ]; then
		$g link set "$VETH" up
		return
	fi
	$g addr add "$GW_IP/24" dev "$BR" &&
		$g addr add "$VNET_GW/16" dev "$VETH" && $g link set "$VETH" up &&
		$g tuntap add dev "$TUN" mode tun && $g link set "$TUN" up &&
		$g route add "$POOL" dev "$TUN" &&
		ip netns exec "$GW_NS" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# certs_make DIR: the lab PKI (root, server sstp.lab.test + 10.77.0.1,
# client1@contoso.com) plus revoked@contoso.com, and DIR/roots/ with the root.
certs_make() {
	local dir=$1 certs=$SRC/scripts/sstpgw-certs.sh
	"$certs" lab "$dir" >"$dir.log" 2>&1 &&
		"$certs" --dir "$dir" client "$ROOT_NAME" revoked@contoso.com >>"$dir.log" 2>&1 ||
		{ cat "$dir.log" >&2; return 1; }
	mkdir -p "$dir/roots" && cp "$dir/$ROOT_STEM.cer" "$dir/roots/"
}

thumbprint() { "$SRC/scripts/sstpgw-certs.sh" thumbprint "$1"; }

# gw_start_sock CERTDIR LOG [sock_gateway options...]: starts sock_gateway in
# $GW_NS, sets GW_PID, waits until it listens.
gw_start_sock() {
	local dir=$1 log=$2 i
	shift 2
	ip netns exec "$GW_NS" ${SOCK_GATEWAY_WRAP:-} "$SOCK_GATEWAY" --listen "$GW_IP:$PORT" \
		--cert "$dir/sstp.lab.test.crt" --key "$dir/sstp.lab.test.key" \
		--roots "$dir/roots" --pool "$POOL" --tunnel-addr "$TUNNEL_ADDR" \
		--dns 168.63.129.16 --tun "$TUN" "$@" >"$log" 2>&1 &
	GW_PID=$!
	for i in $(seq 50); do
		grep -q "listening on" "$log" 2>/dev/null && return 0
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "sock_gateway did not start:" >&2
	cat "$log" >&2
	return 1
}

# gw_start_dpdk CERTDIR LOG [sstpgw options...]: starts the DPDK gateway
# ($SSTPGW_BIN, default $SSTPGW_BUILD_DIR/sstpgw) in $GW_NS on two net_tap
# ports, sets GW_PID, waits for "ready" (up to 30 s), then wires the ports: the outer tap
# $OUT_TAP joins $BR (with the guest's tap), the inner tap $IN_TAP and $VETH
# join $BR_IN. The kernel sides hold no address: the gateway owns 10.77.0.1
# and 192.168.0.1 itself. Needs topo_up dpdk. Returns 1 (log on stderr) if
# it does not come up.
gw_start_dpdk() {
	local dir=$1 log=$2 i g="ip -n $GW_NS"
	local bin=${SSTPGW_BIN:-${SSTPGW_BUILD_DIR:-$SRC/build}/sstpgw}
	shift 2
	[ -x "$bin" ] || { echo "no DPDK gateway at $bin" >&2; return 1; }
	# SSTPGW_GW_CONFIG: a configuration file first (the options below
	# override what it says about ports, addresses and certificates).
	ip netns exec "$GW_NS" "$bin" ${SSTPGW_GW_CONFIG:+--config "$SSTPGW_GW_CONFIG"} \
		--outer "net_tap0,iface=$OUT_TAP" --outer-addr "$GW_IP/24" \
		--inner "net_tap1,iface=$IN_TAP" --inner-addr "$VNET_GW/16" --vnet "$VNET_NET" \
		--cert "$dir/sstp.lab.test.crt" --key "$dir/sstp.lab.test.key" \
		--roots "$dir/roots" --pool "$POOL" --tunnel-addr "$TUNNEL_ADDR" \
		--dns 168.63.129.16 --port "$PORT" --file-prefix "$NS_PREFIX" "$@" >"$log" 2>&1 &
	GW_PID=$!
	for i in $(seq 300); do
		grep -q "^ready" "$log" 2>/dev/null && break
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "^ready" "$log" 2>/dev/null; then
		echo "sstpgw did not start:" >&2
		cat "$log" >&2
		gw_stop
		return 1
	fi
	# net_tap gives the kernel side of each tap the port's own MAC. In a
	# bridge that MAC would become a local (permanent) fdb entry: frames
	# to the gateway would end at the bridge instead of going out to the
	# port. The kernel sides get other MACs (locally administered).
	$g link set "$OUT_TAP" address 02:00:00:77:00:01 &&
		$g link set "$IN_TAP" address 02:00:00:77:00:02 &&
		$g link set "$OUT_TAP" master "$BR" && $g link set "$OUT_TAP" up &&
		$g link add "$BR_IN" type bridge && $g link set "$BR_IN" up &&
		$g link set "$IN_TAP" master "$BR_IN" && $g link set "$IN_TAP" up &&
		$g link set "$VETH" master "$BR_IN" && $g link set "$VETH" up ||
		{ echo "cannot wire the sstpgw ports into the bridges" >&2; return 1; }
}

gw_stop() {
	[ -n "${GW_PID:-}" ] || return 0
	kill "$GW_PID" 2>/dev/null
	for _ in $(seq 30); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	GW_PID=""
}

# run_client CERTDIR RUNDIR [run-client.sh options...]: the real client.
run_client() {
	local dir=$1 run=$2
	shift 2
	SSTPGW_RIG_CACHE=${SSTPGW_RIG_CACHE:-/var/cache/sstpgw-rig} \
		"$SRC/tests/e2e/uml/run-client.sh" --netns "$GW_NS" --tap "$TAP" \
		--guest-ip "$GUEST_IP/24" --server-ca "$dir/$ROOT_STEM.crt" \
		--ca "$dir/$ROOT_STEM.crt" --cert "$dir/$CLIENT.crt" --key "$dir/$CLIENT.key" \
		--ping "$VNET_HOST" --vnet-route "$VNET_NET" --run-dir "$run" "$@" \
		"$GW_IP:$PORT"
}

# Can this machine run the e2e rig at all? Prints why not, returns 1.
e2e_can_run() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return 1; }
	[ -c /dev/net/tun ] || { echo "no /dev/net/tun"; return 1; }
	ip netns add "$NS_PREFIX-probe" 2>/dev/null || { echo "cannot create network namespaces"; return 1; }
	ip netns del "$NS_PREFIX-probe"
	command -v gcc >/dev/null || { echo "no gcc (for the UML shim)"; return 1; }
	if [ ! -x /usr/bin/linux.uml ] && [ -n "${SSTPGW_RIG_NO_APT:-}" ]; then
		echo "user-mode-linux not installed"; return 1
	fi
	return 0
}

# client_stalled RUNDIR GWLOG: the known client-side flake (about 1 run in
# 3-4 here, TLS 1.2 and 1.3 alike): the gateway logged "http ok" (its 200 went
# out; strace confirms the bytes) but sstpc never sent Call Connect Request
# and nothing of PPP started. Only that pattern qualifies for a retry.
client_stalled() {
	grep -q "http ok" "$2" && ! grep -q "auth ok\|network up\|end: auth" "$2" &&
		! grep -q "Started PPP\|Connect-Request" "$1/sstpc.log" 2>/dev/null
}
