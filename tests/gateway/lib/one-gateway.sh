# One Rempart gateway in network namespaces, for the config-store tests. Sourced; every name
# starts with $GW_PREFIX so that runs never collide, and gw_down removes everything.
#
#   <p>-gw     the core namespace where rempartd runs: eth0 (uplink, 192.0.2.10/24), lan-red
#   <p>-wan    the other end of the uplink (192.0.2.1)
#   <p>-host   a LAN host (10.1.0.10) behind lan-red
# rempartd moves lan-red into its level namespace "red", bind-mounted at $GW_DIR/run/netns/red.
# Needs: GW_PREFIX, GW_DIR, GW_BUILD, GW_UID_BASE.

gw_down() {
  local pid
  pid=$(cat "$GW_DIR/rempartd.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for ns in $(ip netns list | awk '{print $1}' | grep "^$GW_PREFIX-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for f in "$GW_DIR"/run/netns/*; do
    [ -e "$f" ] && { umount -l "$f" 2>/dev/null || true; }
  done
  rm -rf "$GW_DIR"
}

# gw_config PORT TUNNEL...: a config whose level "red" allows inbound tcp/PORT (the marker rule)
# and has one tunnel per TUNNEL name (each to its own peer address).
gw_config() {
  local port=$1 t i=20; shift
  cat <<YAML
system:
  hostname: cfgtest
  dataplane: libipsec
uplink:
  interface: eth0
  ipv4:
    address: 192.0.2.10/24
  mtu: 1500
levels:
  - name: red
    public_address: 192.0.2.11
    identity:
      id: cfgtest.red
    credentials:
      - {name: peer-psk, type: psk}
    lans:
      - interface: lan-red
        addresses: [10.1.0.1/24]
    tunnels:
YAML
  for t in "$@"; do
    i=$((i + 1))
    cat <<YAML
      - name: $t
        remote_address: 192.0.2.$i
        remote_id: $t.peer
        auth: psk
        psk: peer-psk
        local_ts: [10.1.0.0/24]
        remote_ts: [10.$i.0.0/24]
        start: passive
YAML
  done
  cat <<YAML
    firewall:
      allow:
        - {direction: outbound, protocol: any}
        - {direction: inbound, protocol: tcp, ports: [$port]}
roles:
  admin: [alice]
YAML
}

gw_setup() {
  gw_down
  mkdir -p "$GW_DIR/state/keystore/red"
  chmod -R 700 "$GW_DIR/state"
  (umask 077; openssl rand -hex 32 >"$GW_DIR/state/keystore/red/peer-psk")
  ip netns add "$GW_PREFIX-gw"
  ip netns add "$GW_PREFIX-wan"
  ip netns add "$GW_PREFIX-host"
  ip -n "$GW_PREFIX-gw" link set lo up
  ip -n "$GW_PREFIX-gw" link add eth0 type veth peer name up0 netns "$GW_PREFIX-wan"
  ip -n "$GW_PREFIX-wan" addr add 192.0.2.1/24 dev up0
  ip -n "$GW_PREFIX-wan" link set up0 up
  ip -n "$GW_PREFIX-gw" link add lan-red type veth peer name eth0 netns "$GW_PREFIX-host"
  ip -n "$GW_PREFIX-host" addr add 10.1.0.10/24 dev eth0
  ip -n "$GW_PREFIX-host" link set eth0 up
}

# gw_start SEED_FILE: starts rempartd (the seed is only read when the store is empty).
gw_start() {
  nsenter --net=/run/netns/"$GW_PREFIX-gw" "$GW_BUILD/gateway/rempartd" --config "$1" \
    --runtime-dir "$GW_DIR/run" --state-dir "$GW_DIR/state" \
    --charon-uid-base "$GW_UID_BASE" >>"$GW_DIR/rempartd.log" 2>&1 &
  echo $! >"$GW_DIR/rempartd.pid"
  disown  # the tests SIGKILL it; no job-control noise
}

gw_cli() { "$GW_BUILD/gateway/rempart" --socket "$GW_DIR/run/control.sock" "$@"; }

# The names of the connections charon has loaded, one a line, sorted.
gw_conns() {
  swanctl --list-conns --uri "unix://$GW_DIR/run/levels/red/charon/charon.vici" 2>/dev/null |
    sed -n 's/^\([A-Za-z0-9_.-]*\): .*IKEv2.*/\1/p' | sort
}

# The destination ports of the level's inbound tcp marker rule(s), sorted.
gw_marker_ports() {
  nsenter --net="$GW_DIR/run/netns/red" nft list ruleset 2>/dev/null |
    grep -o 'tcp dport [0-9]*' | awk '{print $3}' | sort -u
}

# gw_wait_state SECONDS PORT TUNNELS: waits until the kernel firewall has exactly PORT as marker
# and charon exactly the TUNNELS (space-separated, sorted).
gw_wait_state() {
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(gw_marker_ports | tr '\n' ' ')" = "$2 " ] && [ "$(gw_conns | tr '\n' ' ')" = "$3 " ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "# kernel ports: $(gw_marker_ports | tr '\n' ' ') charon: $(gw_conns | tr '\n' ' ') (wanted $2 / $3)" >&2
  return 1
}
