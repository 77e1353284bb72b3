#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a scratch corpus seeded from the given files
# or directories. Usage: run-smoke.sh FUZZER SECONDS SEED...
# A crash, leak or sanitizer report makes libFuzzer exit non-zero, which fails the test.
set -euo pipefail
fuzzer=$1 seconds=$2
shift 2
corpus=$(mktemp -d "${TMPDIR:-/tmp}/rempart-fuzz.XXXXXX")
artifacts=$(mktemp -d "${TMPDIR:-/tmp}/rempart-fuzz-artifacts.XXXXXX")
trap 'rm -rf "$corpus"' EXIT
for seed in "$@"; do
  if [ -d "$seed" ]; then cp -r "$seed"/. "$corpus"/; else cp "$seed" "$corpus"/; fi
done
echo "fuzzing $(basename "$fuzzer") for ${seconds}s from $(ls "$corpus" | wc -l) seeds; crashes go to $artifacts"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$corpus"
rm -rf "$artifacts"
