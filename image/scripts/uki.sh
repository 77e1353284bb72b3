#!/usr/bin/env bash
# uki.sh OUT.efi VMLINUZ INITRAMFS CMDLINE_FILE OS_RELEASE_FILE : a Unified Kernel Image.
# bookworm has no ukify: objcopy adds .osrel/.cmdline/.linux/.initrd to systemd-boot's
# linuxx64.efi.stub at fixed addresses (notes §3.5). The embedded command line, which pins the
# slot's root hash and partitions, is only trusted once the UKI is signed (sign.sh).
source "$(dirname "$0")/lib.sh"
out=${1:?usage: uki.sh OUT.efi VMLINUZ INITRAMFS CMDLINE_FILE OS_RELEASE_FILE}
kernel=${2:?} initrd=${3:?} cmdline=${4:?} osrel=${5:?}
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
[ -f "$stub" ] || die "uki: $stub missing (systemd-boot-efi)"
kbytes=$(stat -c %s "$kernel")
[ "$kbytes" -lt $((16 << 20)) ] || die "uki: kernel larger than the 16 MiB gap before .initrd"
objcopy \
  --add-section .osrel="$osrel" --change-section-vma .osrel=0x20000 \
  --add-section .cmdline="$cmdline" --change-section-vma .cmdline=0x30000 \
  --add-section .linux="$kernel" --change-section-vma .linux=0x2000000 \
  --add-section .initrd="$initrd" --change-section-vma .initrd=0x3000000 \
  "$stub" "$out"
log "uki: $(basename "$out") $(($(stat -c %s "$out") >> 20)) MiB"
