#!/bin/bash
# The lab default: set up and run sstpgw on a fresh Debian 12 machine (root).
#
# Today (issue #2 landed, #3 in progress) the DPDK data plane is not built
# yet, so there is no gateway process to start and no real client to connect.
# What this command does now, plainly:
#   1. installs the build dependencies and builds sstpgw;
#   2. generates the lab PKI in ./lab/certs (root .cer to upload, server
#      certificate, client certificate client1@contoso.com as .pfx) and prints
#      the thumbprints;
#   3. runs one complete SSTP session in one process, through the real
#      protocol core (TLS, HTTP, SSTP, LCP, EAP-TLS, crypto binding, IPCP,
#      IPv4 both ways), and prints its log.
# When the data plane lands, this script creates the network namespaces,
# net_tap ports, VNet host and the real client in user-mode Linux instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build -Dtests=enabled
ninja -C build
echo
echo "== lab PKI (scripts/sstpgw-certs.sh lab lab/certs)"
scripts/sstpgw-certs.sh lab lab/certs
echo
echo "== one whole SSTP session through the protocol core (tests/test_session)"
SGW_SESSION_VERBOSE=1 build/tests/test_session
echo
echo "The DPDK gateway (net_tap ports, VNet host, real client in user-mode"
echo "Linux) is issue #3 and not built yet: nothing is left running."
