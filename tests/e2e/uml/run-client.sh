#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Boot the user-mode Linux guest and run the real Linux SSTP client in it
# (sstpc + pppd, EAP-TLS with a client certificate) against SERVER, then
# ping through the tunnel (and optionally move data both ways).
#
# usage: run-client.sh [options] SERVER[:PORT]
#   --netns NS          namespace holding the tap (default sgw-e2e-gw)
#   --tap NAME          tap for the guest's eth0, created beforehand (default sgwtap0)
#   --guest-ip A/LEN    guest eth0 address (default 10.77.0.2/24)
#   --server-ca FILE    CA for the gateway's certificate ("" = --cert-warn)
#   --ca/--cert/--key F EAP-TLS: CA of the gateway, client certificate and key
#   --user NAME         EAP identity (default client1)
#   --eap-max-tls V     pppd max-tls-version (1.2 default of pppd 2.4.9, or 1.3)
#   --ping ADDR         what to ping through the tunnel (default: the PPP peer)
#   --vnet-route CIDR   route this through ppp0 too (e.g. 192.168.0.0/16)
#   --count N           pings (default 3)
#   --hold S            keep the tunnel up S seconds after the ping
#   --bulk-mb N         move N MiB up to HOST:PORT_UP and down from HOST:PORT_DOWN
#   --bulk HOST:UP:DOWN the bulk peer (receiver on UP, sender on DOWN)
#   --bulk-timeout S    limit of each bulk direction in the guest (default 120)
#   --iperf HOST:SECS   iperf3 to HOST (a server there on 5201) for SECS each
#                       way, after the ping (and bulk); JSON in iperf-up.json
#                       and iperf-down.json of the run folder
#   --run-dir DIR       where the logs go (default $CACHE/runs/<stamp>)
#   --timeout S         the whole guest run (default 90)
#   --sstpc-log N       sstpc --log-level (default 4)
#   --pppd-extra "OPTS" more pppd options
# Exit: 0 if the ping got replies (and the bulk, if asked, was intact as the
# guest saw it), 1 if not, 77 if user-mode Linux cannot run here.
# Logs: RUN_DIR/{console.log,guest.log,sstpc.log,pppd.log,result.env}.
#
# Env: SSTPGW_RIG_CACHE (default /var/cache/sstpgw-rig).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SSTPGW_RIG_CACHE:-/var/cache/sstpgw-rig}

netns=sgw-e2e-gw tap=sgwtap0 guest_ip=10.77.0.2/24 server_ca="" ca="" cert="" key=""
user=client1 eap_max="" ping="" vnet_route="" count=3 hold=0 bulk_mb=0 bulk="" bulk_timeout=120 iperf=""
run_dir="" timeout=90 sstpc_log=4 pppd_extra="" server=""
die() { echo "run-client: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--netns) netns=$2 ;; --tap) tap=$2 ;; --guest-ip) guest_ip=$2 ;;
	--server-ca) server_ca=$2 ;; --ca) ca=$2 ;; --cert) cert=$2 ;; --key) key=$2 ;;
	--user) user=$2 ;; --eap-max-tls) eap_max=$2 ;; --ping) ping=$2 ;;
	--vnet-route) vnet_route=$2 ;; --count) count=$2 ;; --hold) hold=$2 ;;
	--bulk-mb) bulk_mb=$2 ;; --bulk) bulk=$2 ;; --bulk-timeout) bulk_timeout=$2 ;;
	--run-dir) run_dir=$2 ;; --iperf) iperf=$2 ;;
	--timeout) timeout=$2 ;; --sstpc-log) sstpc_log=$2 ;; --pppd-extra) pppd_extra=$2 ;;
	-h | --help) sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) server=$1; shift; continue ;;
	esac
	[ $# -ge 2 ] || die "$1 needs a value"
	shift 2
done
[ -n "$server" ] || die "usage: run-client.sh [options] SERVER[:PORT] (--help)"
[ -n "$ca" ] && [ -n "$cert" ] && [ -n "$key" ] || die "--ca, --cert and --key are needed (EAP-TLS)"
[ "$(id -u)" = 0 ] || { echo "run-client: needs root (namespaces, taps)" >&2; exit 77; }

rootfs=$("$HERE/build-guest.sh" | tail -1) || { echo "run-client: guest build failed" >&2; exit 77; }
# The shim is compiled here, from source, for this machine (see the .c).
shim=$CACHE/uml-noxstate.so
if [ ! -f "$shim" ] || [ "$HERE/uml-noxstate.c" -nt "$shim" ]; then
	gcc -O2 -shared -fPIC -o "$shim.tmp" "$HERE/uml-noxstate.c" -ldl &&
		mv "$shim.tmp" "$shim" || { echo "run-client: cannot build the shim (gcc)" >&2; exit 77; }
fi
ip -n "$netns" link show "$tap" >/dev/null 2>&1 || die "no tap $tap in namespace $netns"

run_dir=${run_dir:-$CACHE/runs/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$run_dir" && run_dir=$(cd "$run_dir" && pwd)
rm -f "$run_dir"/{guest.rc,result.env,guest.log,sstpc.log,pppd.log,console.log}
put() { cp "$1" "$run_dir/$2" && echo "/mnt/run/$2"; }
g_server_ca=""
[ -n "$server_ca" ] && g_server_ca=$(put "$server_ca" server-ca.crt)
g_ca=$(put "$ca" eap-ca.crt) && g_cert=$(put "$cert" eap-client.crt) &&
	g_key=$(put "$key" eap-client.key) || die "cannot copy the EAP-TLS files"
chmod 600 "$run_dir/eap-client.key"
bulk_host=${bulk%%:*} bulk_ports=${bulk#*:}
if [ "$bulk_mb" -gt 0 ] 2>/dev/null && [ ! -f "$run_dir/up.bin" ]; then
	head -c $((bulk_mb * 1048576)) /dev/urandom >"$run_dir/up.bin"
fi
q() { printf '%q' "$1"; }
{
	echo "SERVER=$(q "$server")"; echo "SSTP_USER=$(q "$user")"
	echo "G_SERVER_CA=$(q "$g_server_ca")"; echo "SSTP_HOST="
	echo "G_EAP_CA=$(q "$g_ca")"; echo "G_EAP_CERT=$(q "$g_cert")"; echo "G_EAP_KEY=$(q "$g_key")"
	echo "EAP_MAX_TLS=$(q "$eap_max")"; echo "PING_TARGET=$(q "$ping")"
	echo "VNET_ROUTE=$(q "$vnet_route")"; echo "PING_COUNT=$(q "$count")"
	echo "SSTPC_LOGLEVEL=$(q "$sstpc_log")"; echo "PPPD_EXTRA=$(q "$pppd_extra")"
	echo "GUEST_IP=$(q "$guest_ip")"; echo "GUEST_GW="
	echo "HOLD_SECONDS=$(q "$hold")"; echo "CONNECT_TIMEOUT=$((timeout > 40 ? timeout - 20 : 20))"
	echo "BULK_MB=$(q "$bulk_mb")"; echo "BULK_HOST=$(q "$bulk_host")"
	echo "BULK_TIMEOUT=$(q "$bulk_timeout")"
	echo "IPERF_HOST=$(q "${iperf%%:*}")"; echo "IPERF_SECS=$(q "${iperf#*:}")"
	echo "BULK_UP_PORT=$(q "${bulk_ports%%:*}")"; echo "BULK_DOWN_PORT=$(q "${bulk_ports#*:}")"
} >"$run_dir/guest.env"
cp "$HERE/guest.sh" "$run_dir/guest.sh"

# The shim (LD_PRELOAD) and the two variables on the kernel command line
# (passed to init, so to every guest process) are the workaround for CPUs
# with a large XSAVE area (AMX): UML falls back to FXSAVE, which keeps no AVX
# state, so glibc and OpenSSL in the guest must not use AVX. See the shim.
hwcaps="glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX2,-AVX,-AVX_Fast_Unaligned_Load"
t0=$(date +%s.%N)
timeout -k 5 "$timeout" ip netns exec "$netns" env LD_PRELOAD="$shim" TMPDIR=/dev/shm \
	/usr/bin/linux.uml mem=256M root=/dev/root rootfstype=hostfs rootflags="$rootfs" rw \
	init=/init rigrun="$run_dir" "eth0=tuntap,$tap" con=null con0=null,fd:1 ssl=null \
	GLIBC_TUNABLES="$hwcaps" OPENSSL_ia32cap="~0x1000000000000000:~0xffffffffffffffff" \
	</dev/null >"$run_dir/console.log" 2>&1
uml_rc=$?
t1=$(date +%s.%N)
{ echo "HOST_WALL_S=$(echo "$t1 - $t0" | bc)"; echo "UML_RC=$uml_rc"; } >>"$run_dir/result.env"
echo "== run dir: $run_dir"
if ! grep -q '^\[init\] guest up' "$run_dir/console.log"; then
	echo "run-client: the UML guest did not boot (see console.log):" >&2
	tail -5 "$run_dir/console.log" >&2
	exit 77
fi
rc=$(cat "$run_dir/guest.rc" 2>/dev/null || echo 99)
cat "$run_dir/result.env"
grep -E '^\[guest|bytes from|packets transmitted|round-trip' "$run_dir/guest.log" | tail -12
[ "$rc" = 0 ] && echo "RESULT: PASS" || echo "RESULT: FAIL (guest rc=$rc, uml rc=$uml_rc)"
[ "$rc" = 0 ]
