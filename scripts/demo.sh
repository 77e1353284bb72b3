#!/usr/bin/env bash
# The demo command. On a fresh Debian bookworm machine, as root: installs the dependencies,
# builds Rempart, then brings up two Rempart gateways, "paris" and "lyon", each with two network
# levels ("red" and "blue") and one LAN host per level, all in network namespaces. It shows the
# tunnels up, pings across each level, shows that one level cannot reach the other, shows the
# connection log and verifies its chain, and cleans everything up on exit or Ctrl-C.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "scripts/demo.sh: run as root (network namespaces)" >&2; exit 2; }
bash scripts/install-deps.sh >/dev/null
echo "== building"
cmake -S . -B build -G Ninja -DREMPART_SANITIZE=OFF -DREMPART_FUZZ=OFF >/dev/null
cmake --build build -j "${REMPART_JOBS:-2}" --target rempart rempartd >/dev/null

export SITES_PREFIX=rdemo SITES_DIR=/tmp/rempart-demo SITES_BUILD=$top/build
source scripts/lib/two-sites.sh
trap 'echo "== cleaning up"; sites_down' EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "the configuration of paris (lyon mirrors it)"
build/gateway/rempart validate --summary gateway/examples/demo/paris.yaml

step "starting rempartd for paris and lyon in their own namespaces"
sites_up "$top/build"
if ! sites_wait_tunnels 60; then
  echo "tunnels did not come up; rempartd logs:" >&2
  tail -30 "$SITES_DIR"/*/rempartd.log >&2
  exit 1
fi

step "rempart show status (paris)"
sites_cli paris show status
step "rempart show tunnels (paris, then lyon)"
sites_cli paris show tunnels
sites_cli lyon show tunnels

step "red LAN host in paris pings the red LAN host in lyon, through the red tunnel"
sites_ping paris red 10.2.0.10
step "blue LAN host in lyon pings the blue LAN host in paris, through the blue tunnel"
sites_ping lyon blue 10.3.0.10

step "red cannot reach blue: not in the same gateway, not across the tunnels"
for target in 10.3.0.10 10.4.0.10; do
  if sites_ping paris red $target 2 >/dev/null 2>&1; then
    echo "UNEXPECTED: paris red reached $target" >&2
    exit 1
  fi
  echo "paris red -> $target: blocked"
done

step "the uplink carries only IKE and ESP-in-UDP (a capture while pinging)"
ip netns exec "$SITES_PREFIX-wan" tcpdump -n -l -i br0 -c 4 ip 2>/dev/null &
capture=$!
sleep 1
sites_ping paris red 10.2.0.10 2 >/dev/null
sleep 0.5
kill $capture 2>/dev/null || true
wait $capture 2>/dev/null || true

step "rempart show tunnels --json (lyon): counters after the pings"
sites_cli lyon show tunnels --json

step "the connection log of paris (hash-chained JSON Lines, for the auditors)"
tail -n 3 "$SITES_DIR"/paris/state/log/connections-*.jsonl | cut -c1-220
step "rempart log verify: the chain is intact"
build/gateway/rempart log verify "$SITES_DIR/paris/state/log"
echo
echo "demo finished"
