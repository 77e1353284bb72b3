#!/bin/sh
# Prints "rempart: ready" only when the root is the dm-verity device the initramfs opened, the
# kernel still reports it valid, it is mounted read-only, and rempartd is running with the
# configuration applied (systemd ordered us after its READY=1).
fail() { echo "rempart: not ready: $*"; exit 1; }
status=$(dmsetup status root 2>&1) || fail "dmsetup status root: $status"
case "$status" in *" verity V"*) ;; *) fail "verity status of root is '$status'" ;; esac
[ "$(findmnt -n -o SOURCE /)" = /dev/mapper/root ] || fail "/ is not /dev/mapper/root"
findmnt -n -o OPTIONS / | grep -qE '(^|,)ro(,|$)' || fail "/ is not read-only"
systemctl is-active --quiet rempartd.service || fail "rempartd.service is not active"
# Reported, not checked: the firmware's Secure Boot state and the kernel lockdown it implies.
sb=n/a
efivar=/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
[ -r "$efivar" ] && sb=$(od -An -tu1 -j4 -N1 "$efivar" | tr -d ' ')
lockdown=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
echo "rempart: ready (uptime $(cut -d' ' -f1 /proc/uptime) s, secureboot=$sb, lockdown=${lockdown:-n/a}, $status)"
