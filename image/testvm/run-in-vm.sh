#!/usr/bin/env bash
# run-in-vm.sh [--cache DIR] SCRIPT [ARGS...] : runs SCRIPT as root in a throwaway qemu guest
# (TCG) that sees this machine's root file system read-only over 9p, with the Debian guest
# kernel's device-mapper, dm-verity and loop modules available (the host kernel has none of
# them; notes/image.md §3.6). In the guest: /tmp is an empty tmpfs (scratch), $TESTVM_OUT is a
# writable directory exported from the host (kept with TESTVM_KEEP=1), no network.
# SCRIPT's output goes to the serial console, which this prints; the exit status is SCRIPT's.
# The runner's own failures (no kernel, boot failure, kernel panic, timeout, no result) print
# "testvm: error: <why>" and exit 125. Needs root (qemu's 9p passthrough). TESTVM_TIMEOUT
# (seconds, default 120) bounds the whole run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../scripts/lib.sh"
set +e
err() { echo "testvm: error: $*" >&2; exit 125; }
cache=/var/tmp/rempart-testvm
if [ "${1:-}" = --cache ]; then cache=${2:?--cache needs a directory}; shift 2; fi
[ $# -ge 1 ] || err "usage: run-in-vm.sh [--cache DIR] SCRIPT [ARGS...]"
script=$(realpath -e "$1" 2>/dev/null) || err "script $1 not found"
shift
[ -f "$script" ] && [ -x "$script" ] || err "script $script is not an executable file"
[ "$(id -u)" = 0 ] || err "must run as root"
command -v qemu-system-x86_64 >/dev/null || err "qemu-system-x86_64 not installed"
kver=$(kernel_version) || err "no Debian guest kernel in /boot"
"$here/build-initrd.sh" "$cache/initrd-$kver.img" || err "building the initrd failed"

run=$(mktemp -d "${TMPDIR:-/tmp}/rempart-testvm.XXXXXX") || err "mktemp failed"
cleanup() { if [ -n "${TESTVM_KEEP:-}" ]; then echo "testvm: kept $run" >&2; else rm -rf "$run"; fi; }
trap cleanup EXIT
mkdir "$run/out"
# The guest's /tmp is a fresh tmpfs: a script that lives under the host's /tmp is copied in.
case "$script" in
  /tmp/*) cp "$script" "$run/script"; script=/run/testvm/script ;;
esac
{
  echo '#!/bin/bash'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root'
  echo 'export TMPDIR=/tmp LANG=C.UTF-8 DM_DISABLE_UDEV=1 TESTVM_OUT=/run/testvm/out'
  echo 'for m in dm_mod dm_verity loop; do modprobe "$m" || echo "testvm: module $m not loaded"; done'
  echo 'cd /'
  printf 'echo "testvm: running %s"\n' "$(printf '%q' "$script")"
  printf '%q' "$script"; [ $# -eq 0 ] || printf ' %q' "$@"; echo ' </dev/null'
  echo 'rc=$?'
  echo 'echo "$rc" >/run/testvm/rc.tmp && mv /run/testvm/rc.tmp /run/testvm/rc'
  echo 'echo "testvm: exit status $rc"'
  echo 'sync; echo o >/proc/sysrq-trigger; sleep 60'
} >"$run/guest.sh"

start=$(date +%s.%N)
timeout -k 5 "${TESTVM_TIMEOUT:-120}" qemu-system-x86_64 -accel tcg -m 768 -smp 1 \
  -nodefaults -display none -no-reboot -serial stdio -monitor none \
  -kernel "/boot/vmlinuz-$kver" -initrd "$cache/initrd-$kver.img" \
  -append "console=ttyS0,115200 quiet loglevel=1 panic=-1 rdinit=/init" \
  -fsdev local,id=hostroot,path=/,readonly=on,security_model=passthrough,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev local,id=testvm,path="$run",security_model=passthrough,multidevs=remap \
  -device virtio-9p-pci,fsdev=testvm,mount_tag=testvm \
  </dev/null 2>"$run/qemu.err" | tee "$run/console.log"
qemu_rc=${PIPESTATUS[0]}
secs=$(echo "$(date +%s.%N) - $start" | bc)
printf 'testvm: vm ran %.1f s\n' "$secs" >&2
[ "$qemu_rc" != 124 ] && [ "$qemu_rc" != 137 ] || err "timed out after ${TESTVM_TIMEOUT:-120} s"
[ "$qemu_rc" = 0 ] || err "qemu failed ($qemu_rc): $(cat "$run/qemu.err")"
grep -q 'Kernel panic' "$run/console.log" && err "the guest kernel panicked"
fatal=$(grep -m1 'testvm: FATAL' "$run/console.log") && err "guest init failed: ${fatal#testvm: FATAL: }"
[ -f "$run/rc" ] || err "no result from the guest (the script did not finish)"
rc=$(cat "$run/rc")
exit "$rc"
