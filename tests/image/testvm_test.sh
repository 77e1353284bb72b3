#!/usr/bin/env bash
# testvm_test.sh TEST SOURCE_DIR BUILD_DIR : tests of the privileged-test VM
# (image/testvm/run-in-vm.sh; CTest labels image;vm). The initrd is cached in BUILD_DIR/testvm.
#   verity       tests/image/testvm/verity_check.sh in the VM: dm-verity opens a fresh image,
#                reads verified, and a flipped byte gives EIO and a corrupted status
#   exit-status  the guest script's arguments reach it and its exit status (3) comes back;
#                a missing script is the runner's own error (125), with no VM started
set -euo pipefail
test=${1:?usage: testvm_test.sh TEST SOURCE_DIR BUILD_DIR}
src=$(cd "${2:?}" && pwd)
bin=$(cd "${3:?}" && pwd)
runner=$src/image/testvm/run-in-vm.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rempart-testvm-$test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$test" in
  verity)
    set +e
    "$runner" --cache "$bin/testvm" "$src/tests/image/testvm/verity_check.sh" | tee "$tmp/out"
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" = 0 ] || fail "runner exited $rc"
    grep -q '^verity-check: all checks passed' "$tmp/out" || fail "no 'all checks passed' line"
    ;;
  exit-status)
    cat >"$tmp/guest.sh" <<'GUEST'
#!/bin/bash
echo "guest-args: $# [$1] [$2]"
exit "$1"
GUEST
    chmod +x "$tmp/guest.sh"
    set +e
    "$runner" --cache "$bin/testvm" "$tmp/guest.sh" 3 'two words' | tee "$tmp/out"
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" = 3 ] || fail "runner exited $rc, the guest script exited 3"
    grep -q '^guest-args: 2 \[3\] \[two words\]' "$tmp/out" || fail "the arguments did not reach the guest"
    set +e
    "$runner" --cache "$bin/testvm" "$tmp/no-such-script" 2>"$tmp/err"
    rc=$?
    set -e
    [ "$rc" = 125 ] || fail "missing script: runner exited $rc, want 125"
    grep -q 'testvm: error: script .* not found' "$tmp/err" || fail "missing script: no clear error"
    ;;
  *) fail "unknown test $test" ;;
esac
echo "PASS testvm.$test"
