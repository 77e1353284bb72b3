#!/usr/bin/env bash
# dm-verity hash tree of a 256 MiB file: `rempart-image verity format` against
# `veritysetup format`, same salt and UUID, best of 3 runs each. Also checks byte identity.
set -euo pipefail
build=${REMPART_BUILD:?set by bench/run}
tool=$build/image/rempart-image
work=$(mktemp -d "${TMPDIR:-/tmp}/rempart-bench-verity.XXXXXX")
trap 'rm -rf "$work"' EXIT
salt=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
uuid=1d3e5f70-9a1b-4c2d-8e3f-405162738495
head -c $((256 << 20)) /dev/urandom >"$work/data"
cat "$work/data" >/dev/null  # warm the page cache for both tools

best_ms() {  # best_ms CMD... : prints the fastest of 3 runs in milliseconds
  local best=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

ours=$(best_ms "$tool" verity format "$work/data" "$work/ours" --salt $salt --uuid $uuid --threads "$(nproc)")
theirs=$(best_ms veritysetup format --salt=$salt --uuid=$uuid "$work/data" "$work/theirs")
cmp -s "$work/ours" "$work/theirs" || { echo "bench verity: hash devices differ" >&2; exit 1; }
ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo "BENCH verity-format-256MiB ours=${ours}ms anchor=veritysetup:${theirs}ms ratio=${ratio}"
