#!/bin/bash
# verity_check.sh : runs inside the privileged-test VM (image/testvm/run-in-vm.sh). Does what the
# host kernel cannot: formats a small file with veritysetup, opens it with dm-verity, reads it
# back, checks the device-mapper status says verified, then flips one data byte and checks that
# the read fails and the status says corrupted. Prints "verity-check: all checks passed".
set -euo pipefail
fail() { echo "verity-check: FAIL: $*"; exit 1; }
ok() { echo "verity-check: ok: $*"; }
name=testvm-verity
d=$(mktemp -d)
cleanup() { veritysetup close "$name" 2>/dev/null || true; }
trap cleanup EXIT

touch /etc/testvm-write-probe 2>/dev/null && fail "the host root is writable from the guest"
ok "host root is read-only"
[ -w "$TESTVM_OUT" ] || fail "TESTVM_OUT ($TESTVM_OUT) is not writable"

dd if=/dev/urandom of="$d/data" bs=4096 count=256 status=none
veritysetup format --salt=00112233 "$d/data" "$d/hash" >"$d/format.txt"
roothash=$(sed -n 's/^Root hash:[[:space:]]*//p' "$d/format.txt")
[[ $roothash =~ ^[0-9a-f]{64}$ ]] || fail "no root hash from veritysetup format"
ok "format, root hash $roothash"

veritysetup open "$d/data" "$name" "$d/hash" "$roothash"
cmp "/dev/mapper/$name" "$d/data" || fail "the verity device does not read back the data"
ok "read back through dm-verity"
st=$(dmsetup status "$name")
echo "dmsetup status: $st"
[ "$(echo "$st" | awk '{print $3, $4}')" = "verity V" ] || fail "dmsetup status is not 'verity V'"
veritysetup status "$name" | grep -Eq '^[[:space:]]*status:[[:space:]]*verified' ||
  fail "veritysetup status does not say verified"
ok "device-mapper reports verified"
veritysetup close "$name"

# One flipped byte in block 100 of the data.
off=$((100 * 4096 + 1234))
byte=$(od -An -tu1 -j "$off" -N1 "$d/data" | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 0xff)))" | dd of="$d/data" bs=1 seek="$off" conv=notrunc status=none
[ "$(od -An -tu1 -j "$off" -N1 "$d/data" | tr -d ' ')" != "$byte" ] || fail "the byte was not flipped"
veritysetup open "$d/data" "$name" "$d/hash" "$roothash"
if dd if="/dev/mapper/$name" of=/dev/null bs=4096 status=none 2>"$d/read.err"; then
  fail "reading the tampered device succeeded"
fi
grep -q 'Input/output error' "$d/read.err" || fail "read failed without EIO: $(cat "$d/read.err")"
ok "tampered read fails: $(head -1 "$d/read.err")"
st=$(dmsetup status "$name")
echo "dmsetup status: $st"
[ "$(echo "$st" | awk '{print $4}')" = C ] || fail "dmsetup status does not report corruption"
dmesg | grep -q 'data block 100 is corrupted' || fail "the kernel log does not name block 100"
ok "device-mapper reports corrupted, kernel names block 100"
echo "verity-check: all checks passed"
