#!/usr/bin/env bash
# A tunnel peer named by a DNS host name: paris's red tunnel names lyon as "lyon.test". charon
# runs in a namespace with no DNS path, so rempartd resolves the name itself, in its core
# namespace, through the uplink's resolver (dnsmasq on 192.0.2.1 answering only for the test's
# names), and hands charon the address. A name that does not resolve leaves its tunnel down
# with the reason in `show tunnels`, and the others unaffected. Usage: dns_peer_test.sh BUILD_DIR
# Each check prints "ok - ..." or "not ok - ..."; the script exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export SITES_BUILD=$1 SITES_PREFIX=rtdn$$ SITES_DIR=/tmp/rempart-dn-$$
export SITES_CONFIG_DIR=/tmp/rempart-dn-conf-$$
export SITES_DNS_ARGS="--address=/lyon.test/192.0.2.21"
export SITES_RESOLV_CONF=$SITES_CONFIG_DIR/resolv.conf
source "$top/scripts/lib/two-sites.sh"
trap 'sites_down; rm -rf "$SITES_CONFIG_DIR"' EXIT
failures=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" && return 0; sleep 1; done
  return 1
}

mkdir -p "$SITES_CONFIG_DIR"
cp "$top"/gateway/examples/demo/*.yaml "$SITES_CONFIG_DIR/"
echo "nameserver 192.0.2.1" >"$SITES_RESOLV_CONF"
# paris red: lyon by name (the first remote_address, red's).
perl -0pi -e 's/remote_address: 192\.0\.2\.21/remote_address: lyon.test/' "$SITES_CONFIG_DIR/paris.yaml"
check "paris's config names lyon red by host name" grep -q 'remote_address: lyon.test' "$SITES_CONFIG_DIR/paris.yaml"

sites_up "$SITES_BUILD"
if ! sites_wait_tunnels 90; then
  bad "all four tunnels come up, paris red's peer resolved by rempartd"
  sites_cli paris show tunnels
  tail -40 "$SITES_DIR"/paris/rempartd.log
  exit 1
fi
ok "all four tunnels come up, paris red's peer resolved by rempartd"
conns=$(sites_swanctl paris red --list-conns --raw 2>&1)
check "paris red's charon was given the resolved address, not the name" \
  bash -c 'grep -q "remote_addrs=\[192.0.2.21\]" <<<"$0" && ! grep -q lyon.test <<<"$0"' "$conns" ||
  echo "$conns"
check "rempartd logged the resolution" grep -q 'tunnel peer resolved.*lyon.test.*192.0.2.21' "$SITES_DIR/paris/rempartd.log"
check "paris red reaches lyon red through the tunnel" sites_ping paris red 10.2.0.10 3

# A peer whose name does not resolve: down with the reason; the others stay up.
spi_blue() { sites_swanctl paris blue --list-sas --raw 2>/dev/null | grep -o 'spi-in=[0-9a-f]*' | sort; }
blue_before=$(spi_blue)
perl -0pi -e 's/(  - name: blue\n(?:.*\n)*?    tunnels:\n)/$1      - name: ghost\n        remote_address: ghost.test\n        remote_id: ghost.blue.demo\n        auth: psk\n        psk: lyon-blue-psk\n        local_ts: [10.3.0.0\/24]\n        remote_ts: [10.9.0.0\/24]\n        start: always\n/' \
  "$SITES_CONFIG_DIR/paris.yaml"
check "the edited config adds tunnel ghost" grep -q 'remote_address: ghost.test' "$SITES_CONFIG_DIR/paris.yaml"
sites_reload paris
ghost_down() { sites_cli paris show tunnels | grep -q 'ghost.*down.*cannot resolve ghost.test: '; }
if wait_for 30 ghost_down; then ok "show tunnels: ghost is down, cannot resolve ghost.test"; else
  bad "show tunnels: ghost is down, cannot resolve ghost.test"; sites_cli paris show tunnels; fi
sites_cli paris show tunnels | grep ghost
conns=$(sites_swanctl paris blue --list-conns --raw 2>&1)
check "paris blue's charon holds lyon but not the unresolved tunnel" \
  bash -c 'grep -q "remote_addrs=\[192.0.2.22\]" <<<"$0" && ! grep -q ghost <<<"$0"' "$conns" ||
  echo "$conns"
check "the other tunnels are still up" sites_ping paris blue 10.4.0.10 2
# None of blue's SAs is gone (both ends initiate, so charon may add a duplicate meanwhile).
blue_after=$(spi_blue)
check "paris blue's SAs were untouched" bash -c '[ -n "$0" ] && [ -z "$(comm -23 <(echo "$0") <(echo "$1"))" ]' \
  "$blue_before" "$blue_after" || printf 'before:\n%s\nafter:\n%s\n' "$blue_before" "$blue_after"

sites_down
check "nothing is left behind" test -z "$(ip netns list | grep "^$SITES_PREFIX-" || true)"
trap - EXIT
rm -rf "$SITES_CONFIG_DIR"
echo "$failures failed"
[ "$failures" = 0 ]
