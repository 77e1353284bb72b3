#!/usr/bin/env bash
# build.sh OUTDIR [--keys DIR] [--build DIR] [--seed DIR] : builds the Rempart appliance image.
# Run as root on Debian bookworm (scripts/install-deps.sh installs what it needs).
#   --keys DIR   Secure Boot signing key: DIR/db.key + DIR/db.crt (PEM, key unencrypted). Without
#                it the UKI and systemd-boot are left unsigned (direct-kernel boots only).
#   --build DIR  the project's release build tree, installed into the rootfs with
#                `cmake --install` (default: <repo>/build, which must be built already).
#   --seed DIR   files copied into the state partition (config/, keystore/ ...).
# Outputs in OUTDIR:
#   disk.img                 GPT disk of a fresh install (ESP, root-a, verity-a, root-b,
#                            verity-b, state); boots with OVMF Secure Boot when --keys was given
#   vmlinuz initramfs.img cmdline-a.txt   the same kernel, initramfs and command line, for
#                            direct-kernel boots (qemu -kernel -initrd -append)
#   rempart-a.efi (signed if --keys) rempart-a.unsigned.efi systemd-bootx64.efi   boot files
#   root-a.squashfs verity-a.img roothash-a   slot A payload and its dm-verity root hash
#   build-times.txt          seconds per step (rootfs squashfs verity initramfs disk uki)
#   work/                    intermediate trees (rootfs, install tree), kept for the tests
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
scripts=$image_top/scripts

out='' keys='' build=$repo_top/build seed=''
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) keys=$(cd "${2:?--keys needs a directory}" && pwd); shift 2 ;;
    --build) build=$(cd "${2:?--build needs a directory}" && pwd); shift 2 ;;
    --seed) seed=$(cd "${2:?--seed needs a directory}" && pwd); shift 2 ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$out" ] || die "one OUTDIR only"; out=$1; shift ;;
  esac
done
[ -n "$out" ] || die "usage: image/build.sh OUTDIR [--keys DIR] [--build DIR] [--seed DIR]"
[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap, chroot, file ownership in the image)"
tool=$build/image/rempart-image
[ -x "$tool" ] || die "$tool not built (build the project first: cmake --build $build)"
mkdir -p "$out/work"
out=$(cd "$out" && pwd)
work=$out/work
version=$(sed -nE 's/^project\(rempart VERSION ([0-9.]+).*/\1/p' "$repo_top/CMakeLists.txt")
kver=$(kernel_version)
: >"$out/build-times.txt"
t_start=0
step() { t_start=$(date +%s%N); log "== $1"; }
done_step() {
  local s
  s=$(awk -v a="$t_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  echo "$1 $s" >>"$out/build-times.txt"
  log "== $1 done in ${s} s"
}

step rootfs
rm -rf "$work/install"
DESTDIR=$work/install cmake --install "$build" --prefix /usr --strip >/dev/null
mkdir -p "$work/install"
"$scripts/rootfs-base.sh" "$work/base.tar"
"$scripts/rootfs.sh" "$work/base.tar" "$work/install" "$work/rootfs"
rm -f "$work/base.tar"
done_step rootfs

step squashfs
"$scripts/squashfs.sh" "$work/rootfs" "$out/root-a.squashfs"
done_step squashfs

step verity
roothash=$("$scripts/verity.sh" "$tool" "$out/root-a.squashfs" "$out/verity-a.img")
echo "$roothash" >"$out/roothash-a"
log "verity: root hash $roothash"
done_step verity

step initramfs
"$scripts/initramfs.sh" "$out/initramfs.img"
cp "/boot/vmlinuz-$kver" "$out/vmlinuz"
done_step initramfs

step uki
# The command line is the trust anchor of the root: it pins slot A's root hash and partitions.
printf '%s' "console=ttyS0,115200 net.ifnames=0 rempart.root=PARTLABEL=root-a rempart.verity=PARTLABEL=verity-a rempart.state=PARTLABEL=state rempart.roothash=$roothash ro panic=5 loglevel=4 module.sig_enforce=1" \
  >"$out/cmdline-a.txt"
cat >"$work/os-release-a" <<OSREL
NAME="Rempart"
ID=rempart
ID_LIKE=debian
VERSION_ID=$version
IMAGE_ID=rempart
IMAGE_VERSION=$version
PRETTY_NAME="Rempart $version (slot a)"
OSREL
"$scripts/uki.sh" "$out/rempart-a.unsigned.efi" "$out/vmlinuz" "$out/initramfs.img" \
  "$out/cmdline-a.txt" "$work/os-release-a"
sdboot=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
if [ -n "$keys" ]; then
  "$scripts/sign.sh" "$keys" "$out/rempart-a.unsigned.efi" "$out/rempart-a.efi"
  "$scripts/sign.sh" "$keys" "$sdboot" "$out/systemd-bootx64.efi"
else
  log "uki: no --keys: boot files left UNSIGNED (Secure Boot will refuse them)"
  cp "$out/rempart-a.unsigned.efi" "$out/rempart-a.efi"
  cp "$sdboot" "$out/systemd-bootx64.efi"
fi
done_step uki

step disk
rm -f "$work/esp.img"
mkfs.vfat -C -F 32 -n ESP -i 52454d50 "$work/esp.img" $((128 * 1024 - 64)) >/dev/null
printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\ndefault rempart-*\n' >"$work/loader.conf"
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/systemd ::/EFI/Linux ::/loader
mcopy -i "$work/esp.img" "$out/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$work/esp.img" "$out/systemd-bootx64.efi" ::/EFI/systemd/systemd-bootx64.efi
mcopy -i "$work/esp.img" "$out/rempart-a.efi" ::/EFI/Linux/rempart-a.efi
mcopy -i "$work/esp.img" "$work/loader.conf" ::/loader/loader.conf
rm -rf "$work/state-seed" "$work/state.img"
mkdir -p "$work/state-seed/config" "$work/state-seed/keystore"
chmod 0700 "$work/state-seed/keystore"
[ -z "$seed" ] || cp -a "$seed/." "$work/state-seed/"
mkfs.ext4 -q -F -L state -U 6d6f7265-7061-7274-0000-000000000006 \
  -E root_owner=0:0,hash_seed=6d6f7265-7061-7274-0000-000000000006 -d "$work/state-seed" \
  "$work/state.img" 64M
"$scripts/disk.sh" "$out/disk.img" "$work/esp.img" "$out/root-a.squashfs" "$out/verity-a.img" "$work/state.img"
done_step disk

log "image built in $out (root hash $roothash)"
cat "$out/build-times.txt" >&2
