#!/bin/sh
# /init of the UML guest (copied into the guest root by build-guest.sh).
# Mounts the per-run host folder named by the kernel argument rigrun=PATH on
# /mnt/run (hostfs), runs its guest.sh, records the exit code, powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts -o gid=5,mode=620,ptmxmode=666
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock /run/sstpc
hostname sgw-guest
echo "[init] guest up at $(cut -d' ' -f1 /proc/uptime)s, kernel $(uname -r)"
if [ -n "$rigrun" ] && mount -t hostfs none /mnt/run -o "$rigrun"; then
	sh /mnt/run/guest.sh >/mnt/run/guest.log 2>&1
	echo $? >/mnt/run/guest.rc
	sync
else
	echo "[init] no rigrun= folder: nothing to run"
fi
poweroff -f
