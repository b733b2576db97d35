#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build, once and idempotently, the root folder of the user-mode Linux guest
# that runs the real Linux SSTP client (sstpc 1.0.18 driving pppd 2.4.9).
#
# Why UML: the host kernel has no PPP (/dev/ppp), so pppd cannot run on the
# host. Debian's user-mode-linux kernel has PPP as modules, boots with its
# root on a host folder (hostfs) and attaches eth0 to a tap. No KVM needed.
#
# The root folder is put together from installed Debian packages (no
# debootstrap): busybox-static (shell and tools), ppp, sstp-client, the
# shared libraries they need (found with ldd), iperf3 (throughput figures
# through the tunnel), OpenSSL's providers and the
# PPP kernel modules of the UML kernel. Missing packages are installed with
# apt-get unless SSTPGW_RIG_NO_APT=1.
#
# Env: SSTPGW_RIG_CACHE (default /var/cache/sstpgw-rig): the root goes to
#      $SSTPGW_RIG_CACHE/rootfs; SSTPGW_RIG_FORCE=1 rebuilds.
# Prints the rootfs path on the last line.
set -euo pipefail

CACHE=${SSTPGW_RIG_CACHE:-/var/cache/sstpgw-rig}
ROOTFS=$CACHE/rootfs
HERE=$(cd "$(dirname "$0")" && pwd)
PKGS="user-mode-linux sstp-client ppp busybox-static iperf3"

log() { echo "[build-guest] $*" >&2; }

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ -n "${SSTPGW_RIG_NO_APT:-}" ]; then
		log "missing packages:$missing (apt-get install$missing)"
		exit 1
	fi
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends $missing >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $missing >&2; }
fi

UMLVER=$(ls /usr/lib/uml/modules | sort -V | tail -1)
PPPVER=$(ls /usr/lib/pppd | sort -V | tail -1)
# The stamp: package versions and this script + init; a change rebuilds.
stamp=$({
	for p in $PKGS libssl3 libevent-2.1-7 libc6 libiperf0; do
		dpkg-query -W -f='${Package}=${Version}\n' "$p" 2>/dev/null || true
	done
	echo "uml=$UMLVER ppp=$PPPVER"
	cat "$0" "$HERE/init.sh"
} | sha256sum | cut -d' ' -f1)
if [ -z "${SSTPGW_RIG_FORCE:-}" ] && [ "$(cat "$ROOTFS/.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$ROOTFS"
	exit 0
fi

mkdir -p "$CACHE"
R=$(mktemp -d "$CACHE/rootfs.new.XXXXXX")
trap 'rm -rf "$R"' EXIT
chmod 755 "$R"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc/ppp/peers,proc,sys,dev,run,tmp,root,mnt/run,var/log}
ln -s ../run "$R/var/run"
ln -s ../run/lock "$R/var/lock"

cp -a /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"
done

copy_file() { # the content of $1 (symlinks resolved) at the same path
	mkdir -p "$R$(dirname "$1")"
	cp -L "$1" "$R$1"
}
copy_with_libs() {
	local f lib
	for f in "$@"; do
		copy_file "$f"
		for lib in $(ldd "$f" 2>/dev/null | awk '/=>/ {print $3} /^\s*\/lib64/ {print $1}'); do
			[ -e "$lib" ] && copy_file "$lib"
		done
	done
}
copy_with_libs /usr/sbin/pppd /usr/sbin/sstpc "/usr/lib/pppd/$PPPVER/sstp-pppd-plugin.so" \
	/usr/bin/iperf3
copy_file /lib64/ld-linux-x86-64.so.2
# OpenSSL 3 providers (sstpc loads "legacy") and its config file.
for f in /usr/lib/x86_64-linux-gnu/ossl-modules/*.so; do
	[ -e "$f" ] && copy_file "$f"
done
[ -f /usr/lib/ssl/openssl.cnf ] && copy_file /usr/lib/ssl/openssl.cnf

# PPP as modules of the UML kernel (loaded by guest.sh with insmod).
MODSRC=/usr/lib/uml/modules/$UMLVER
for m in kernel/lib/crc-ccitt.ko kernel/drivers/net/slip/slhc.ko \
	kernel/drivers/net/ppp/ppp_generic.ko kernel/drivers/net/ppp/ppp_async.ko \
	kernel/drivers/net/ppp/ppp_synctty.ko; do
	if [ -f "$MODSRC/$m" ]; then
		mkdir -p "$R/lib/modules/$UMLVER/$(dirname "$m")"
		cp "$MODSRC/$m" "$R/lib/modules/$UMLVER/$m"
	fi
done

cat >"$R/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/sh
sstpc:x:101:101:sstpc:/var/run/sstpc:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOT
cat >"$R/etc/group" <<'EOT'
root:x:0:
sstpc:x:101:
nogroup:x:65534:
EOT
echo "hosts: files" >"$R/etc/nsswitch.conf"
echo "127.0.0.1 localhost sgw-guest" >"$R/etc/hosts"
: >"$R/etc/ppp/options"
install -m 600 /dev/null "$R/etc/ppp/chap-secrets"
install -m 600 /dev/null "$R/etc/ppp/pap-secrets"
install -m 755 "$HERE/init.sh" "$R/init"

echo "$stamp" >"$R/.stamp"
rm -rf "$ROOTFS.old"
[ -d "$ROOTFS" ] && mv "$ROOTFS" "$ROOTFS.old"
mv "$R" "$ROOTFS"
trap - EXIT
rm -rf "$ROOTFS.old"
log "guest root built: $ROOTFS ($(du -sh "$ROOTFS" | cut -f1))"
echo "$ROOTFS"
