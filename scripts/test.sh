#!/usr/bin/env bash
# The test command. On a fresh Debian bookworm machine, as root:
#   installs the dependencies, builds, and runs every test through ctest:
#   1. release build: unit and netns tests;
#   2. clang libFuzzer build: a short smoke run of every fuzz target (REMPART_FUZZ_SECONDS, 30 s);
#   3. ASan+UBSan build: unit and netns tests again.
# Prints each ctest summary and a final "N passed, M failed" line; exits non-zero on any failure.
# Build trees live in build/, build-fuzz/ and build-asan/ (git-ignored) and are reused.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${REMPART_JOBS:-2}
fuzz_seconds=${REMPART_FUZZ_SECONDS:-30}
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/rempart-test.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT

[ "$(id -u)" = 0 ] || { echo "scripts/test.sh: run as root (network namespaces, nftables, charon)" >&2; exit 2; }
bash scripts/install-deps.sh || { echo "scripts/test.sh: dependency install failed" >&2; exit 1; }

total_pass=0 total_fail=0 failed_stages=()

# run_stage NAME BUILD_DIR CMAKE_ARGS... -- CTEST_ARGS...
run_stage() {
  local name=$1 dir=$2
  shift 2
  local cmake_args=() ctest_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  shift
  ctest_args=("$@")
  echo "=== $name: configure and build ($dir)"
  if ! cmake -S . -B "$dir" -G Ninja "${cmake_args[@]}" >"$log_dir/$name-cmake.log" 2>&1; then
    cat "$log_dir/$name-cmake.log"
    failed_stages+=("$name(configure)"); total_fail=$((total_fail + 1)); return
  fi
  if ! cmake --build "$dir" -j "$jobs" ${BUILD_TARGET:+--target "$BUILD_TARGET"} >"$log_dir/$name-build.log" 2>&1; then
    grep -E -B2 -A12 'error|FAILED' "$log_dir/$name-build.log" | head -150
    failed_stages+=("$name(build)"); total_fail=$((total_fail + 1)); return
  fi
  echo "=== $name: ctest ${ctest_args[*]}"
  ctest --test-dir "$dir" --output-on-failure --no-tests=error "${ctest_args[@]}" 2>&1 | tee "$log_dir/$name-ctest.log"
  local rc=${PIPESTATUS[0]}
  local line passed failed
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log_dir/$name-ctest.log" | tail -1)
  if [ -n "$line" ]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    passed=$(( $(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line") - failed ))
    total_pass=$((total_pass + passed)); total_fail=$((total_fail + failed))
  fi
  if [ "$rc" -ne 0 ]; then
    failed_stages+=("$name")
    [ -n "$line" ] || total_fail=$((total_fail + 1))
  fi
}

start=$(date +%s)
run_stage release build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREMPART_SANITIZE=OFF -DREMPART_FUZZ=OFF \
  -- -L 'unit|netns' -j "$jobs"
CC=clang CXX=clang++ BUILD_TARGET=fuzzers run_stage fuzz build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREMPART_FUZZ=ON \
  -DREMPART_FUZZ_SECONDS="$fuzz_seconds" -- -L fuzz -j "$jobs"
run_stage sanitizers build-asan -DCMAKE_BUILD_TYPE=Debug -DREMPART_SANITIZE=ON -DREMPART_FUZZ=OFF \
  -- -L 'unit|netns' -j "$jobs"

echo "=== test command finished in $(( $(date +%s) - start )) s"
if [ ${#failed_stages[@]} -gt 0 ]; then echo "failed stages: ${failed_stages[*]}"; fi
echo "rempart: $total_pass passed, $total_fail failed"
[ ${#failed_stages[@]} -eq 0 ]
