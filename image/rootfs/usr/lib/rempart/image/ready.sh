#!/bin/sh
# Prints "rempart: ready" only when the root is the dm-verity device the initramfs opened, the
# kernel still reports it valid, it is mounted read-only, and sshd is active.
fail() { echo "rempart: not ready: $*"; exit 1; }
status=$(dmsetup status root 2>&1) || fail "dmsetup status root: $status"
case "$status" in *" verity V"*) ;; *) fail "verity status of root is '$status'" ;; esac
[ "$(findmnt -n -o SOURCE /)" = /dev/mapper/root ] || fail "/ is not /dev/mapper/root"
findmnt -n -o OPTIONS / | grep -qE '(^|,)ro(,|$)' || fail "/ is not read-only"
systemctl is-active --quiet ssh.service || fail "ssh.service is not active"
echo "rempart: ready (uptime $(cut -d' ' -f1 /proc/uptime) s, $status)"
