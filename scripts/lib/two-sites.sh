# Two Rempart gateways, "paris" and "lyon", in network namespaces on this machine. Sourced by
# scripts/demo.sh and by the gateway's end-to-end test. Every name starts with $SITES_PREFIX so
# that runs never collide; sites_down removes everything, whatever state it is in.
#
#   <p>-wan           a bridge joining both uplinks (the untrusted network, 192.0.2.0/24), with
#                     dnsmasq on 192.0.2.1 leasing lyon its uplink address (paris is static)
#   <p>-paris         paris's core namespace: eth0 (uplink), mgmt0, lan-red, lan-blue
#   <p>-lyon          lyon's core namespace, the same
#   <p>-paris-red ... one LAN host per level (10.1.0.10, 10.3.0.10; lyon 10.2.0.10, 10.4.0.10)
# rempartd runs in each core namespace and moves lan-red/lan-blue into its level namespaces.

SITES_PREFIX=${SITES_PREFIX:-rdemo}
SITES_DIR=${SITES_DIR:-/tmp/$SITES_PREFIX}
# Where <site>.yaml are read from; a test that edits them points this at its own copies.
SITES_CONFIG_DIR=${SITES_CONFIG_DIR:-}

_ns() { echo "$SITES_PREFIX-$1"; }

sites_down() {
  local site pid
  for site in paris lyon; do
    pid=$(cat "$SITES_DIR/$site/rempartd.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  [ -f "$SITES_DIR/dnsmasq.pid" ] && kill "$(cat "$SITES_DIR/dnsmasq.pid")" 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$SITES_PREFIX-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for site in paris lyon; do
    for f in "$SITES_DIR/$site"/run/netns/*; do
      [ -e "$f" ] && { umount -l "$f" 2>/dev/null || true; }
    done
  done
  rm -rf "$SITES_DIR"
}

# _host SITE LEVEL CORE_IFNAME ADDRESS GATEWAY
_host() {
  local ns; ns=$(_ns "$1-$2")
  ip netns add "$ns"
  ip -n "$(_ns "$1")" link add "$3" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$4/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$5"
}

# sites_up BUILD_DIR: creates the namespaces, writes the PSKs, starts both rempartd.
sites_up() {
  local build=$1 top site n uid_base
  top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  sites_down
  mkdir -p "$SITES_DIR"
  ip netns add "$(_ns wan)"
  ip -n "$(_ns wan)" link add br0 type bridge
  ip -n "$(_ns wan)" link set br0 up
  ip -n "$(_ns wan)" addr add 192.0.2.1/24 dev br0
  ip -n "$(_ns wan)" link set lo up
  n=0
  for site in paris lyon; do
    ip netns add "$(_ns $site)"
    ip -n "$(_ns $site)" link set lo up
    local mac=02:00:00:00:00:01; [ $site = lyon ] && mac=02:00:00:00:00:02
    ip -n "$(_ns $site)" link add eth0 address $mac type veth peer name "up-$site" netns "$(_ns wan)"
    ip -n "$(_ns wan)" link set "up-$site" master br0 up
    ip -n "$(_ns $site)" link add mgmt0 type veth peer name "mg-$site" netns "$(_ns wan)"
  done
  # lyon's uplink is configured by rempartd's own DHCP client, from this server.
  ip netns exec "$(_ns wan)" dnsmasq --port=0 --bind-interfaces --interface=br0 --except-interface=lo \
    --no-ping --dhcp-authoritative --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m \
    --dhcp-host=02:00:00:00:00:02,192.0.2.20 --dhcp-leasefile="$SITES_DIR/dnsmasq.leases" \
    --pid-file="$SITES_DIR/dnsmasq.pid" --log-facility="$SITES_DIR/dnsmasq.log" --user=root
  _host paris red lan-red 10.1.0.10 10.1.0.1
  _host paris blue lan-blue 10.3.0.10 10.3.0.1
  _host lyon red lan-red 10.2.0.10 10.2.0.1
  _host lyon blue lan-blue 10.4.0.10 10.4.0.1

  # One pre-shared key per level pair, in each side's keystore; never in the YAML.
  local red blue
  red=$(openssl rand -hex 32)
  blue=$(openssl rand -hex 32)
  for site in paris lyon; do
    local other=lyon; [ $site = lyon ] && other=paris
    mkdir -p "$SITES_DIR/$site/state/keystore/red" "$SITES_DIR/$site/state/keystore/blue"
    chmod -R 700 "$SITES_DIR/$site/state"
    (umask 077; echo "$red" >"$SITES_DIR/$site/state/keystore/red/$other-red-psk")
    (umask 077; echo "$blue" >"$SITES_DIR/$site/state/keystore/blue/$other-blue-psk")
  done

  uid_base=60600
  for site in paris lyon; do
    nsenter --net=/run/netns/"$(_ns $site)" "$build/gateway/rempartd" \
      --config "${SITES_CONFIG_DIR:-$top/gateway/examples/demo}/$site.yaml" \
      --runtime-dir "$SITES_DIR/$site/run" --state-dir "$SITES_DIR/$site/state" \
      --charon-uid-base $uid_base >"$SITES_DIR/$site/rempartd.log" 2>&1 &
    echo $! >"$SITES_DIR/$site/rempartd.pid"
    uid_base=$((uid_base + 20))
  done
}

# sites_cli SITE WORDS...: runs the CLI against SITE's rempartd.
sites_cli() {
  local site=$1; shift
  "$SITES_BUILD/gateway/rempart" --socket "$SITES_DIR/$site/run/control.sock" "$@"
}

# sites_wait_tunnels SECONDS: waits until both gateways report every tunnel up.
sites_wait_tunnels() {
  local deadline=$(( $(date +%s) + $1 )) site ok
  while [ "$(date +%s)" -lt "$deadline" ]; do
    ok=1
    for site in paris lyon; do
      out=$(sites_cli $site show tunnels 2>/dev/null) || { ok=0; continue; }
      echo "$out" | tail -n +2 | grep -q . || ok=0
      echo "$out" | tail -n +2 | grep -v ' up ' | grep -q . && ok=0
    done
    [ $ok = 1 ] && return 0
    sleep 1
  done
  return 1
}

# sites_ping FROM_SITE FROM_LEVEL ADDRESS [COUNT]
sites_ping() {
  ip netns exec "$(_ns "$1-$2")" ping -c "${4:-3}" -W 1 -i 0.3 "$3"
}

# sites_reload SITE: SIGHUP to SITE's rempartd (re-reads its config file).
sites_reload() {
  kill -HUP "$(cat "$SITES_DIR/$1/rempartd.pid")"
}

# sites_swanctl SITE LEVEL ARGS...: swanctl against that level's charon (root may use its socket).
sites_swanctl() {
  local site=$1 level=$2; shift 2
  swanctl "$@" --uri "unix://$SITES_DIR/$site/run/levels/$level/charon/charon.vici"
}
