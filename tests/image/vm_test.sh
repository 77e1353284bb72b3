#!/usr/bin/env bash
# vm_test.sh TEST SOURCE_DIR BUILD_DIR : the image tier of the tests (CTest labels image;vm).
#   build               builds the image once into BUILD_DIR/image-out, signed with the OVMF
#                       snakeoil key (the fixture every other test needs)
#   boot-direct         direct-kernel boot, production command line: reaches "rempart: ready"
#   noexec              direct-kernel boot with rempart.selftest: the root is read-only and
#                       nothing on /state, /tmp, /run, /var, /dev/shm can be executed
#   tamper-data         one flipped byte in the squashfs: no ready, verity names the block
#   tamper-hash         one flipped byte in the hash tree: same
#   tamper-roothash     command line with a wrong root hash: same
#   secureboot          OVMF Secure Boot (snakeoil db) -> signed systemd-boot -> signed UKI: ready
#   secureboot-unsigned the same disk with an unsigned UKI: refused by the firmware, no ready
#   reproducible        the squashfs built twice from the image's tree has the image's root hash
#   hardening           host-side checks of the built root tree
# qemu runs under TCG (KVM hangs on these machines). Prints the time each boot took.
set -euo pipefail
test=${1:?usage: vm_test.sh TEST SOURCE_DIR BUILD_DIR}
src=$(cd "${2:?}" && pwd)
bin=$(cd "${3:?}" && pwd)
out=$bin/image-out
keys=$bin/image-keys
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rempart-vm-$test.XXXXXX")
qemu_pid=
cleanup() {
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $test: $*" >&2; exit 1; }
ok() { echo "ok: $test: $*"; }

# run_vm LOG TIMEOUT STOP_REGEX QEMU_ARGS... : runs qemu with the serial console in LOG until a
# line matches STOP_REGEX, qemu exits (e.g. the guest rebooted under -no-reboot) or TIMEOUT
# seconds pass; then kills it. Sets vm_seconds and vm_end (stopped|exited|timeout).
run_vm() {
  local log=$1 timeout=$2 stop=$3
  shift 3
  : >"$log"
  local t0
  t0=$(date +%s%N)
  qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -nodefaults -no-reboot -display none \
    -nic none -serial "file:$log" "$@" </dev/null >"$log.qemu" 2>&1 &
  qemu_pid=$!
  vm_end=timeout
  local deadline=$(($(date +%s) + timeout))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -aqE "$stop" "$log"; then vm_end=stopped; break; fi
    if ! kill -0 "$qemu_pid" 2>/dev/null; then vm_end=exited; break; fi
    sleep 0.5
  done
  kill "$qemu_pid" 2>/dev/null || true
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=
  vm_seconds=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  echo "vm: $vm_end after ${vm_seconds} s (load $(cut -d' ' -f1 /proc/loadavg))"
}
show_console() { echo "--- console (last 40 lines) ---"; tail -40 "$1" | tr -d '\r'; echo "---"; }

direct_boot() {  # direct_boot LOG TIMEOUT STOP DISK CMDLINE
  run_vm "$1" "$2" "$3" -drive "file=$4,format=raw,if=virtio" \
    -kernel "$out/vmlinuz" -initrd "$out/initramfs.img" -append "$5"
}
uefi_boot() {  # uefi_boot LOG TIMEOUT STOP DISK
  cp /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd "$tmp/vars.fd"
  run_vm "$1" "$2" "$3" -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
    -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd \
    -drive "if=pflash,format=raw,unit=1,file=$tmp/vars.fd" -drive "file=$4,format=raw,if=virtio"
}
disk_copy() { cp --sparse=always "$out/disk.img" "$tmp/disk.img"; }
# flip_byte FILE OFFSET : inverts one byte in place.
flip_byte() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
part_start() {  # part_start NAME : byte offset of a GPT partition of the test disk
  local s
  s=$(sfdisk -J "$tmp/disk.img" | jq -r --arg n "$1" '.partitiontable.partitions[] | select(.name == $n) | .start')
  [ -n "$s" ] || fail "no partition $1"
  echo $((s * 512))
}

ready_re='rempart: ready'
end_re='rempart: ready|rempart: not ready|rempart-initrd: FATAL|Kernel panic|reboot: Restarting|reboot: Power down'
corrupt_re='device-mapper: verity: [0-9:]+: (data|metadata) block [0-9]+ is corrupted'

expect_refused() {  # expect_refused LOG : no ready, and the console says why
  grep -aq "$ready_re" "$1" && { show_console "$1"; fail "a tampered image reached '$ready_re'"; }
  local why
  why=$(grep -aoE "$corrupt_re|rempart-initrd: FATAL: .*" "$1" | head -1) || true
  [ -n "$why" ] || { show_console "$1"; fail "not ready, but the console does not name a verity failure"; }
  ok "refused in ${vm_seconds} s: $why"
}

case "$test" in
  build)
    mkdir -p "$keys"
    # CI key: the snakeoil key Debian's ovmf ships (PK = KEK = db in OVMF_VARS_4M.snakeoil.fd).
    # Decrypted into the build tree only; never committed.
    openssl rsa -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil -out "$keys/db.key" 2>/dev/null
    chmod 600 "$keys/db.key"
    cp /usr/share/ovmf/PkKek-1-snakeoil.pem "$keys/db.crt"
    "$src/image/build.sh" "$out" --keys "$keys" --build "$bin"
    for f in disk.img vmlinuz initramfs.img cmdline-a.txt rempart-a.efi roothash-a; do
      [ -s "$out/$f" ] || fail "$f not built"
    done
    sbverify --cert "$keys/db.crt" "$out/rempart-a.efi" >/dev/null 2>&1 || fail "UKI not signed"
    ok "image built: $(tr '\n' ' ' <"$out/build-times.txt")"
    ;;
  boot-direct)
    disk_copy
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(cat "$out/cmdline-a.txt")"
    grep -aq "$ready_re" "$tmp/console" || { show_console "$tmp/console"; fail "no '$ready_re'"; }
    grep -aq "rempart-initrd: root verified: .* verity V" "$tmp/console" || fail "initramfs did not report a valid verity root"
    ok "ready in ${vm_seconds} s wall: $(grep -aoE 'rempart: ready.*' "$tmp/console" | head -1)"
    ;;
  noexec)
    disk_copy
    direct_boot "$tmp/console" 900 'rempart-selftest: done|rempart: not ready|FATAL|Kernel panic|reboot: Restarting' \
      "$tmp/disk.img" "$(cat "$out/cmdline-a.txt") rempart.selftest"
    grep -aq 'rempart-selftest: done' "$tmp/console" || { show_console "$tmp/console"; fail "self-test did not finish"; }
    lines=$(grep -aoE 'rempart-selftest: .*' "$tmp/console" | tr -d '\r')
    echo "$lines"
    expect_line() { grep -qE "^rempart-selftest: $1\$" <<<"$lines" || fail "expected '$1'"; }
    for d in / /usr /usr/bin /usr/sbin /etc; do expect_line "write $d: Read-only file system"; done
    expect_line "root device dm-[0-9]+ ro=1"
    grep -E '^rempart-selftest: write /dev/mapper/root: ' <<<"$lines" | grep -qv ': ok$' || fail "the verity device was writable"
    for d in /state /tmp /run /var /dev/shm; do expect_line "exec $d: Permission denied"; done
    expect_line "mount /: squashfs +ro,.*"
    expect_line "mount /state: ext4 +rw,nosuid,nodev,noexec,.*"
    expect_line "setuid-or-setgid files: 0"
    expect_line 'root password field: !\*'
    ok "root read-only, /state and tmpfs mounts noexec (${vm_seconds} s)"
    ;;
  tamper-data)
    disk_copy
    size=$(stat -c %s "$out/root-a.squashfs")
    flip_byte "$tmp/disk.img" $(($(part_start root-a) + size / 2 + 123))
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(cat "$out/cmdline-a.txt")"
    expect_refused "$tmp/console"
    grep -aqE 'verity: [0-9:]+: data block [0-9]+ is corrupted' "$tmp/console" || fail "no data block error"
    ;;
  tamper-hash)
    disk_copy
    size=$(stat -c %s "$out/verity-a.img")
    # The last hash block is a leaf of the tree (hashes of the last data blocks).
    flip_byte "$tmp/disk.img" $(($(part_start verity-a) + size - 4096 + 7))
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(cat "$out/cmdline-a.txt")"
    expect_refused "$tmp/console"
    ;;
  tamper-roothash)
    disk_copy
    good=$(cat "$out/roothash-a")
    bad=$(printf '%s' "$good" | sha256sum | cut -c1-64)
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(sed "s/$good/$bad/" "$out/cmdline-a.txt")"
    expect_refused "$tmp/console"
    ;;
  secureboot)
    disk_copy
    uefi_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img"
    grep -aq "$ready_re" "$tmp/console" || { show_console "$tmp/console"; fail "no '$ready_re'"; }
    grep -aqE 'rempart: ready .*secureboot=1, lockdown=integrity' "$tmp/console" ||
      { show_console "$tmp/console"; fail "guest does not report Secure Boot on and kernel lockdown"; }
    ok "Secure Boot chain ready in ${vm_seconds} s wall: $(grep -aoE 'rempart: ready.*' "$tmp/console" | head -1)"
    ;;
  secureboot-unsigned)
    disk_copy
    mcopy -o -i "$tmp/disk.img@@1M" "$out/rempart-a.unsigned.efi" ::/EFI/Linux/rempart-a.efi
    uefi_boot "$tmp/console" 600 "$end_re|[Aa]ccess [Dd]enied|[Ss]ecurity [Vv]iolation" "$tmp/disk.img"
    grep -aq "$ready_re" "$tmp/console" && fail "an unsigned UKI booted"
    grep -aq 'Linux version' "$tmp/console" && { show_console "$tmp/console"; fail "the unsigned kernel started"; }
    why=$(grep -aoiE '.{0,60}(access denied|security violation).{0,20}' "$tmp/console" | head -1) || true
    [ -n "$why" ] || { show_console "$tmp/console"; fail "no refusal message from the firmware or systemd-boot"; }
    ok "refused in ${vm_seconds} s: $why"
    ;;
  reproducible)
    for i in 1 2; do
      "$src/image/scripts/squashfs.sh" "$out/work/rootfs" "$tmp/root$i.squashfs"
      h[$i]=$("$src/image/scripts/verity.sh" "$bin/image/rempart-image" "$tmp/root$i.squashfs" "$tmp/verity$i.img")
    done
    [ "${h[1]}" = "${h[2]}" ] || fail "two squashfs builds differ: ${h[1]} ${h[2]}"
    [ "${h[1]}" = "$(cat "$out/roothash-a")" ] || fail "rebuilt root hash ${h[1]} is not the image's $(cat "$out/roothash-a")"
    veritysetup verify "$tmp/root1.squashfs" "$tmp/verity1.img" "${h[1]}" || fail "veritysetup rejects our tree"
    ok "root hash ${h[1]} on two rebuilds"
    ;;
  hardening)
    r=$out/work/rootfs
    [ ! -s "$r/etc/machine-id" ] && [ -e "$r/etc/machine-id" ] || fail "machine-id not empty"
    n=$(find "$r" -xdev -type f \( -perm -4000 -o -perm -2000 \) | wc -l)
    [ "$n" = 0 ] || fail "$n setuid/setgid files"
    ! ls "$r"/etc/ssh/ssh_host_* >/dev/null 2>&1 || fail "SSH host keys baked into the image"
    [ ! -d "$r/usr/share/doc" ] && [ ! -d "$r/usr/share/man" ] || fail "documentation left"
    [ ! -e "$r/usr/bin/apt" ] || fail "apt left in the image"
    grep -q '^root:!\*:' "$r/etc/shadow" || fail "root password not locked"
    awk -F: '$2 !~ /^[!*]/ { print }' "$r/etc/shadow" | grep -q . && fail "an account has a password"
    for k in ProtectSystem=strict NoNewPrivileges=yes CapabilityBoundingSet= SystemCallFilter=; do
      grep -q "^$k" "$r/etc/systemd/system/ssh.service.d/50-rempart-sandbox.conf" || fail "sshd unit lacks $k"
    done
    for k in kernel.kptr_restrict kernel.yama.ptrace_scope kernel.unprivileged_bpf_disabled \
      net.ipv4.conf.all.rp_filter net.ipv4.conf.all.accept_redirects; do
      grep -q "^$k" "$r/etc/sysctl.d/90-rempart-hardening.conf" || fail "sysctl $k not set"
    done
    ok "rootfs tree hardened"
    ;;
  *) fail "unknown test" ;;
esac
