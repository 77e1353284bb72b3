#!/usr/bin/env bash
# initramfs.sh OUT.img : the busybox initramfs (busybox-static, veritysetup and dmsetup with
# their libraries, the host kernel's disk/dm-verity/squashfs/ext4 modules), as a reproducible
# zstd-compressed newc cpio.
source "$(dirname "$0")/lib.sh"
out=${1:?usage: initramfs.sh OUT.img}
kver=$(kernel_version)
stage=$(mktemp -d "${TMPDIR:-/tmp}/rempart-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,dev,proc,sys,run,sysroot,lib64,usr/lib/x86_64-linux-gnu}
ln -s usr/lib "$stage/lib"
cp /bin/busybox "$stage/bin/busybox"
file -b /bin/busybox | grep -q 'statically linked' || die "initramfs: /bin/busybox is not busybox-static"
for applet in $("$stage/bin/busybox" --list); do
  [ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
done
for exe in /usr/sbin/veritysetup /usr/sbin/dmsetup; do
  cp "$exe" "$stage/sbin/"
  for lib in $(ldd "$exe" | grep -oE '/[^ ]+'); do
    cp -L "$lib" "$stage/usr/lib/x86_64-linux-gnu/" 2>/dev/null || cp -L "$lib" "$stage$lib"
  done
done
mv "$stage/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$stage/lib64/"

# The modules and everything they depend on, resolved from the kernel's modules.dep (modprobe
# --show-depends takes ~5 s per module here).
mods="virtio_pci virtio_blk virtio_scsi sd_mod ahci dm_verity squashfs ext4 crc32c_generic sha256_ssse3"
copy_modules "$stage" "$kver" $mods

install -m 0755 "$image_top/initramfs/init" "$stage/init"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet -R 0:0) |
  zstd -q -10 -T0 >"$out"
log "initramfs: $(($(stat -c %s "$out") >> 10)) KiB"
