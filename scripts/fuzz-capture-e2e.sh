#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Captures the real client's traffic through the DPDK gateway for the fuzz
# seed corpora (issue #6): runs one e2e case (tests/e2e/sstp-e2e.sh,
# default dpdk) and, as soon as its client bridge exists, tcpdump on that
# bridge in the gateway namespace (the guest's tap and the gateway's outer
# net_tap port are on it: every frame between sstpc and the gateway).
# Then scripts/fuzz-seeds-from-pcap.py turns the pcap into seeds.
#
# usage: fuzz-capture-e2e.sh OUT.pcap [CASE] [BUILD_DIR]    (root)
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:?usage: fuzz-capture-e2e.sh OUT.pcap [CASE] [BUILD_DIR]}
CASE=${2:-dpdk}
BUILD=${3:-$SRC/build}
# shellcheck source=tests/e2e/lib.sh
. "$SRC/tests/e2e/lib.sh"

SSTPGW_BUILD_DIR=$BUILD SSTPGW_SOCK_GATEWAY=$BUILD/tests/e2e/sock_gateway \
	"$SRC/tests/e2e/sstp-e2e.sh" "$CASE" &
E2E=$!
DUMP=""
# topo_up (re)creates the namespace and the bridge: wait for them (60 s).
for _ in $(seq 600); do
	if ip -n "$GW_NS" link show "$BR" >/dev/null 2>&1; then
		ip netns exec "$GW_NS" tcpdump -i "$BR" -s 0 -U -w "$OUT" 2>"$OUT.log" &
		DUMP=$!
		break
	fi
	kill -0 "$E2E" 2>/dev/null || break
	sleep 0.1
done
wait "$E2E"
rc=$?
# The case's cleanup kills what runs in its namespace; if not, we do.
[ -n "$DUMP" ] && { kill "$DUMP" 2>/dev/null; wait "$DUMP" 2>/dev/null; }
echo "e2e $CASE: rc=$rc; capture: $OUT ($(stat -c %s "$OUT" 2>/dev/null || echo 0) bytes)"
exit $rc
