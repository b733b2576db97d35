#!/bin/sh
# Runs INSIDE the UML guest (busybox sh) from /mnt/run, the run folder of
# run-client.sh seen through hostfs. Settings come from /mnt/run/guest.env;
# results go to /mnt/run/result.env (KEY=value lines) and the logs next to it.
#
#   eth0 (GUEST_IP) --TCP--> SERVER: sstpc -> pppd (EAP-TLS) -> ppp0
#   ping PING_TARGET through ppp0; optional bulk transfer (busybox nc)
. /mnt/run/guest.env
R=/mnt/run
up() { cut -d' ' -f1 /proc/uptime; }
res() { echo "$1" >>$R/result.env; }
log() { echo "[guest $(up)] $*"; }
: >$R/result.env

# PPP modules (the UML kernel has CONFIG_PPP=m).
KV=$(uname -r)
for m in crc-ccitt slhc ppp_generic ppp_async ppp_synctty; do
	f=$(find /lib/modules/$KV -name "$m.ko" | head -1)
	[ -n "$f" ] && insmod "$f" 2>/dev/null
done
[ -c /dev/ppp ] || mknod /dev/ppp c 108 0

ip link set lo up
ip link set eth0 up
ip addr add "$GUEST_IP" dev eth0
[ -n "$GUEST_GW" ] && ip route add default via "$GUEST_GW"

# sstpc checks the gateway's certificate against SERVER_CA (--cert-warn: not).
SOPTS="--log-stderr --log-level $SSTPC_LOGLEVEL --user $SSTP_USER --ipparam sgw"
if [ -n "$G_SERVER_CA" ]; then SOPTS="$SOPTS --ca-cert $G_SERVER_CA"; else SOPTS="$SOPTS --cert-warn"; fi
[ -n "$SSTP_HOST" ] && SOPTS="$SOPTS --host $SSTP_HOST --tls-ext"
# pppd: EAP-TLS only. With EAP-TLS sstpc gets no --password: the keys for
# the crypto binding come from sstp-pppd-plugin.so after authentication.
POPTS="nodetach noauth nodefaultroute noipdefault noccp nobsdcomp nodeflate novj
 noipv6 lcp-echo-interval 10 lcp-echo-failure 6 logfile $R/pppd.log debug
 refuse-pap refuse-chap refuse-mschap refuse-mschap-v2
 ca $G_EAP_CA cert $G_EAP_CERT key $G_EAP_KEY"
[ -n "$EAP_MAX_TLS" ] && POPTS="$POPTS max-tls-version $EAP_MAX_TLS"
# pppd 2.4.9 also reads /etc/ppp/eaptls-client (client server cert server-cert ca key).
echo "$SSTP_USER * $G_EAP_CERT - $G_EAP_CA $G_EAP_KEY" >/run/eaptls-client
mount --bind /run/eaptls-client /etc/ppp/eaptls-client 2>/dev/null
POPTS="$POPTS $PPPD_EXTRA"
log "sstpc $SOPTS $SERVER $POPTS"
res "T_SSTPC_START=$(up)"
sstpc $SOPTS $SERVER $POPTS >$R/sstpc.log 2>&1 &
SPID=$!

ok=0
i=0
while [ $i -lt $((CONNECT_TIMEOUT * 10)) ]; do
	if ip -4 addr show ppp0 2>/dev/null | grep -q 'inet '; then ok=1; break; fi
	kill -0 $SPID 2>/dev/null || break
	usleep 100000
	i=$((i + 1))
done
res "T_PPP_UP=$(up)"
if [ $ok != 1 ]; then
	log "ppp0 did not come up; processes:"
	ps
	res "PPP_UP=0"
	kill $SPID 2>/dev/null
	sleep 1
	exit 2
fi
LOCAL=$(ip -4 addr show ppp0 | awk '/inet /{print $2}' | cut -d/ -f1)
PEER=$(ip -4 addr show ppp0 | awk '/inet /{print $4}' | cut -d/ -f1)
log "ppp0 up: local $LOCAL peer $PEER"
res "PPP_UP=1"
res "PPP_LOCAL=$LOCAL"
res "PPP_PEER=$PEER"
ip addr show ppp0
T=${PING_TARGET:-$PEER}
# Only the VNet goes through the tunnel; the gateway stays reachable on eth0.
[ -n "$VNET_ROUTE" ] && ip route replace "$VNET_ROUTE" dev ppp0
ip route replace "$T/32" dev ppp0
log "ping $T through ppp0"
ping -c "$PING_COUNT" -W 3 -I ppp0 "$T"
rc=$?
res "PING_TARGET=$T"
res "PING_RC=$rc"

# Bulk: BULK_MB each way to BULK_HOST (a receiver on BULK_UP_PORT that keeps
# what it gets, a sender on BULK_DOWN_PORT that sends down.bin).
if [ $rc = 0 ] && [ "${BULK_MB:-0}" -gt 0 ] 2>/dev/null; then
	BT=${BULK_TIMEOUT:-120}
	t0=$(up)
	timeout "$BT" nc "$BULK_HOST" "$BULK_UP_PORT" <$R/up.bin
	res "BULK_UP_RC=$? BULK_UP_S=$(echo "$(up) - $t0" | bc)"
	# Hashed and counted on the fly: the guest's /tmp (RAM, mem=256M)
	# cannot hold 100 MiB next to everything else.
	rm -f /tmp/down.fifo && mkfifo /tmp/down.fifo
	wc -c </tmp/down.fifo >/tmp/down.bytes &
	WCPID=$!
	t0=$(up)
	{ timeout "$BT" nc "$BULK_HOST" "$BULK_DOWN_PORT" </dev/null; echo $? >/tmp/down.rc; } |
		tee /tmp/down.fifo | sha256sum >/tmp/down.sha
	res "BULK_DOWN_RC=$(cat /tmp/down.rc) BULK_DOWN_S=$(echo "$(up) - $t0" | bc)"
	wait $WCPID
	res "BULK_DOWN_SHA256=$(cut -d' ' -f1 /tmp/down.sha)"
	res "BULK_DOWN_BYTES=$(cat /tmp/down.bytes)"
	rm -f /tmp/down.fifo /tmp/down.sha /tmp/down.bytes /tmp/down.rc
fi
# iperf3 each way (-R: the server sends), JSON kept for the host to read.
if [ $rc = 0 ] && [ -n "$IPERF_HOST" ] && [ "${IPERF_SECS:-0}" -gt 0 ] 2>/dev/null; then
	log "iperf3 to $IPERF_HOST, $IPERF_SECS s each way"
	timeout $((IPERF_SECS + 30)) iperf3 -c "$IPERF_HOST" -t "$IPERF_SECS" -J >$R/iperf-up.json 2>$R/iperf.err
	res "IPERF_UP_RC=$?"
	# iperf3 3.12's server resets a control connection that comes right
	# after the last test ended: a pause, and one more try on an error.
	for try in 1 2; do
		sleep 2
		timeout $((IPERF_SECS + 30)) iperf3 -c "$IPERF_HOST" -t "$IPERF_SECS" -R -J >$R/iperf-down.json 2>>$R/iperf.err
		rc2=$?
		grep -q '"error"' $R/iperf-down.json || break
	done
	res "IPERF_DOWN_RC=$rc2"
fi
if [ "$HOLD_SECONDS" -gt 0 ] 2>/dev/null; then
	log "holding the tunnel for $HOLD_SECONDS s (or until sstpc ends)"
	i=0
	while [ $i -lt $((HOLD_SECONDS * 4)) ] && kill -0 $SPID 2>/dev/null; do
		usleep 250000
		i=$((i + 1))
	done
	kill -0 $SPID 2>/dev/null && res "STILL_UP_AFTER_HOLD=1" || res "STILL_UP_AFTER_HOLD=0"
fi
res "T_DONE=$(up)"
kill $SPID 2>/dev/null
i=0
while kill -0 $SPID 2>/dev/null && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
log "sstpc exited"
exit $rc
