#!/usr/bin/env bash
# squashfs.sh ROOTDIR OUT.squashfs : the read-only root image, reproducible.
# Same tree => same bytes: every time is SOURCE_DATE_EPOCH, no xattrs, entries sorted by
# mksquashfs, no exports table; zstd level 3 (notes: 1 s for 53 MB, level 19 is 40x slower).
source "$(dirname "$0")/lib.sh"
root=${1:?usage: squashfs.sh ROOTDIR OUT.squashfs}
out=${2:?}
rm -f "$out"
env -u SOURCE_DATE_EPOCH mksquashfs "$root" "$out" -comp zstd -Xcompression-level 3 -b 131072 -noappend -no-exports \
  -no-xattrs -mkfs-time "$SOURCE_DATE_EPOCH" -all-time "$SOURCE_DATE_EPOCH" -quiet -no-progress \
  -processors "$(nproc)" >/dev/null
log "squashfs: $(($(stat -c %s "$out") >> 20)) MiB"
