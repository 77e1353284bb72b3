#!/usr/bin/env bash
# rootfs.sh BASE.tar INSTALL_TREE ROOTDIR : the appliance's root file system tree.
# Unpacks the cached Debian base, adds the host kernel's modules (pruned), the project's
# install tree (cmake --install DESTDIR) and image/rootfs/, then hardens it: no setuid/setgid
# file, locked root, no docs, no apt, empty machine-id, no baked-in SSH host key.
source "$(dirname "$0")/lib.sh"
base=${1:?usage: rootfs.sh BASE.tar INSTALL_TREE ROOTDIR}
tree=${2:?}
root=${3:?}
kver=$(kernel_version)

rm -rf "$root"
mkdir -p "$root"
tar -xpf "$base" -C "$root" --numeric-owner

# Kernel modules the running system may load: netfilter, xfrm/esp, crypto, filesystems, and the
# drivers of the disks and NICs an appliance VM or a small x86 box has. Every other driver family
# (GPU, sound, wireless, media, USB gadgets...) is left out: less code, a smaller image.
mods=$root/usr/lib/modules/$kver
mkdir -p "$(dirname "$mods")"
cp -a "/lib/modules/$kver" "$mods"
keep_drivers=" acpi ata block char crypto dca firmware md net nvme pci platform ptp pps scsi tty virtio watchdog "
for d in "$mods"/kernel/drivers/*; do
  case "$keep_drivers" in *" $(basename "$d") "*) ;; *) rm -rf "$d" ;; esac
done
keep_eth=" intel realtek broadcom amazon google "
for d in "$mods"/kernel/drivers/net/ethernet/*/; do
  case "$keep_eth" in *" $(basename "$d") "*) ;; *) rm -rf "$d" ;; esac
done
for d in sound net/bluetooth net/mac80211 net/wireless net/nfc net/ceph drivers/net/wireless \
  drivers/net/can drivers/net/usb drivers/net/wwan drivers/net/wan drivers/scsi/*/ fs/ocfs2 \
  fs/gfs2 fs/nfs fs/nfsd fs/smb fs/btrfs fs/xfs fs/ceph fs/cifs fs/ubifs fs/jffs2 fs/dlm; do
  rm -rf "${mods:?}"/kernel/$d
done
depmod -b "$root" "$kver"

# The project's own build.
cp -a "$tree/." "$root/"

# image/rootfs: units, sysctls, fstab, sshd settings. Owned by root, never group/other-writable.
cp -a "$image_top/rootfs/." "$root/"
( cd "$image_top/rootfs" && find . -mindepth 1 ) | while read -r f; do
  chown -h root:root "$root/$f"
  [ -L "$root/$f" ] || chmod go-w "$root/$f"
done
mkdir -p "$root/state"

# Role users: no password (sshd keys only), no shell but the CLI, which asks rempartd for the
# caller's role (uid -> role from the config's roles:). Fixed uids, so builds are reproducible.
# Home /: sshd changes to it before the ForceCommand (/nonexistent printed a warning each login).
grep -qx /usr/bin/rempart "$root/etc/shells" || echo /usr/bin/rempart >>"$root/etc/shells"
uid=1001
for u in admin audit update; do
  chroot "$root" useradd --system --no-create-home --home-dir / --uid "$uid" \
    --user-group --shell /usr/bin/rempart "$u"
  chroot "$root" usermod -p '*' "$u"
  uid=$((uid + 1))
done

# Every binary the project installed must resolve its libraries inside the image.
missing=$(find "$tree" -type f -perm -u+x | while read -r f; do
  rel=${f#"$tree"}
  file -b "$f" | grep -q ELF || continue
  chroot "$root" /usr/bin/ldd "$rel" 2>&1 | grep 'not found' | sed "s|^|$rel: |" || true
done)
[ -z "$missing" ] || die "rootfs: libraries missing in the image:
$missing"

# Hardening.
chroot "$root" dpkg --purge apt >/dev/null
rm -rf "$root"/var/lib/apt "$root"/var/cache/apt "$root"/var/log/* "$root"/var/cache/debconf/*-old
rm -rf "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info "$root"/usr/share/locale \
  "$root"/usr/share/lintian "$root"/usr/share/bug
rm -f "$root"/usr/bin/su "$root"/usr/bin/chsh "$root"/usr/bin/chfn "$root"/usr/bin/passwd \
  "$root"/usr/bin/newgrp "$root"/usr/bin/gpasswd "$root"/usr/sbin/chroot
find "$root" -xdev -type f \( -perm -4000 -o -perm -2000 \) -exec chmod ug-s {} +
sed -i -E 's/^root:[^:]*:/root:!*:/' "$root/etc/shadow"
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
# No login on any console: there is no password, and management is SSH-only.
for u in getty@.service serial-getty@.service console-getty.service debug-shell.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$u"
done
chroot "$root" systemctl enable rempartd.service rempart-ready.service rempart-selftest.service \
  rempart-debug.service >/dev/null 2>&1
# Nothing runs that the appliance does not need: the stock strongSwan daemon (rempartd starts one
# confined charon per level), periodic maintenance jobs meant for a writable system.
chroot "$root" systemctl disable strongswan.service dpkg-db-backup.timer e2scrub_all.timer \
  e2scrub_reap.service fstrim.timer >/dev/null 2>&1 || true
! chroot "$root" systemctl is-enabled --quiet strongswan.service || die "rootfs: strongswan.service still enabled"
# rempartd runs sshd itself, on the management interface only: the stock units stay off.
chroot "$root" systemctl disable ssh.service ssh.socket >/dev/null 2>&1 || true
! chroot "$root" systemctl is-enabled --quiet ssh.service || die "rootfs: ssh.service still enabled"
chroot "$root" systemctl is-enabled --quiet rempartd.service || die "rootfs: rempartd.service not enabled"

left=$(find "$root" -xdev -type f \( -perm -4000 -o -perm -2000 \) | wc -l)
[ "$left" = 0 ] || die "rootfs: $left setuid/setgid files left"
log "rootfs: $(du -sm "$root" | cut -f1) MB, kernel $kver"
