#!/usr/bin/env bash
# The demo command. On a fresh Debian bookworm machine, as root: installs the dependencies,
# builds Rempart, and shows what works so far. Today: `rempart validate` on the shipped example
# configurations, with a readable summary of each parsed model, and one deliberately broken
# config to show located errors.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/install-deps.sh >/dev/null
cmake -S . -B build -G Ninja -DREMPART_SANITIZE=OFF -DREMPART_FUZZ=OFF >/dev/null
cmake --build build -j "${REMPART_JOBS:-2}" --target rempart >/dev/null
rempart=build/gateway/rempart

for example in gateway/examples/*.yaml; do
  echo "\$ rempart validate --summary $example"
  "$rempart" validate --summary "$example"
  echo
done

broken=$(mktemp --suffix=.yaml)
trap 'rm -f "$broken"' EXIT
sed -e 's|remote_ts: \[10.2.0.0/24\]|remote_ts: [10.2.0.0/33]|' -e 's|^  hostname:|  host_name:|' \
  gateway/examples/minimal.yaml >"$broken"
echo "\$ rempart validate broken.yaml   # a typo'd key and a bad prefix"
"$rempart" validate "$broken" 2>&1 | sed "s|$broken|broken.yaml|" || true
