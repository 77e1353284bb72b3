#!/usr/bin/env bash
# disk.sh OUT.img ESP.img ROOT.squashfs VERITY.img STATE.img : the GPT disk of a fresh install.
#   1 esp       128 MiB  EFI system partition (systemd-boot and one UKI per slot)
#   2 root-a    512 MiB  squashfs of slot A            3 verity-a  16 MiB  its hash tree
#   4 root-b    512 MiB  slot B, empty until an update 5 verity-b  16 MiB  empty
#   6 state      64 MiB  ext4: config, keystore, SSH host key (mounted nodev,nosuid,noexec)
# Partition types are the Discoverable Partitions ones; disk and partition GUIDs are fixed so
# the disk is reproducible. The file is sparse: ~1.2 GiB apparent, only the payload written.
source "$(dirname "$0")/lib.sh"
out=${1:?usage: disk.sh OUT.img ESP.img ROOT.squashfs VERITY.img STATE.img}
esp=${2:?} rootimg=${3:?} verity=${4:?} state=${5:?}
mib=2048  # sectors per MiB
declare -A start=([esp]=1 [root-a]=129 [verity-a]=641 [root-b]=657 [verity-b]=1169 [state]=1185)
declare -A size=([esp]=128 [root-a]=512 [verity-a]=16 [root-b]=512 [verity-b]=16 [state]=64)
check_fits() {  # check_fits FILE PART
  local bytes
  bytes=$(stat -c %s "$1")
  [ "$bytes" -le $((size[$2] << 20)) ] || die "disk: $1 ($bytes bytes) does not fit in $2 (${size[$2]} MiB)"
}
check_fits "$esp" esp
check_fits "$rootimg" root-a
check_fits "$verity" verity-a
check_fits "$state" state

rm -f "$out"
truncate -s $(((1185 + 64 + 1) << 20)) "$out"
esp_type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
root_type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709     # root, x86-64
verity_type=2C7357ED-EBD2-46D9-AEC8-0CF8BF7A1A0F   # root verity, x86-64
state_type=0FC63DAF-8483-4772-8E79-3D69D8477DE4    # generic Linux data
part() {  # part NAME TYPE N
  printf 'start=%d, size=%d, type=%s, uuid=6d6f7265-7061-7274-0000-00000000000%d, name="%s"\n' \
    $((start[$1] * mib)) $((size[$1] * mib)) "$2" "$3" "$1"
}
{
  echo "label: gpt"
  echo "label-id: 6d6f7265-7061-7274-0000-000000000000"
  echo "first-lba: 2048"
  part esp $esp_type 1
  part root-a $root_type 2
  part verity-a $verity_type 3
  part root-b $root_type 4
  part verity-b $verity_type 5
  part state $state_type 6
} | sfdisk --quiet --no-reread --no-tell-kernel "$out" >/dev/null
put() { dd if="$1" of="$out" bs=1M seek="${start[$2]}" conv=notrunc,sparse status=none; }
put "$esp" esp
put "$rootimg" root-a
put "$verity" verity-a
put "$state" state
log "disk: $(($(stat -c %s "$out") >> 20)) MiB apparent, $(du -m "$out" | cut -f1) MiB used"
