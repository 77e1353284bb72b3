#!/usr/bin/env bash
# Bringing up 200 tunnels, from start to every CHILD_SA installed, between gateway "a" and a
# peer gateway (plain charon-systemd answering all 200, started first and not timed):
#   ours:   a is rempartd (gen.py's a.yaml): it builds its namespaces, starts its confined
#           charon and loads the tunnels over VICI; timed from rempartd's start until its
#           charon lists 200 CHILD_SAs installed (`rempart show tunnels` is then checked to
#           agree).
#   anchor: a is plain charon-systemd with the same 200 connections as swanctl.conf (what
#           conn_builder loads) and the settings rempartd generates, in a namespace with the same
#           addresses; timed from charon's start, through `swanctl --load-all`
#           (start_action=start), until `swanctl --list-sas` shows 200 CHILD_SAs installed.
# The peer is not Rempart because a Rempart level has one identity: charon 5.9.8 chooses the
# responder's connection by identities only, so one Rempart level can answer only one tunnel
# per peer identity (gen.py gives every tunnel its own peer identity instead).
# Median of $RUNS runs (default 5), each in fresh namespaces. Both sides usually have a few
# stragglers that only come up after charon's first retransmission (4 s), so a run takes either
# ~1.5 s or ~4.5-5 s; the median is mostly the straggler case and the ratio moves between runs.
# Prints: BENCH tunnels-200 ours=<s>s anchor=swanctl:<s>s ratio=<r>
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${REMPART_BUILD:-$top/build}
count=${TUNNELS:-200}
runs=${RUNS:-5}
for b in rempartd rempart; do
  [ -x "$build/gateway/$b" ] || { echo "tunnels-200: $build/gateway/$b not built" >&2; exit 1; }
done

p=rbt$$
dir=$(mktemp -d /tmp/rempart-tunnels-bench.XXXXXX)
chmod 755 "$dir"
psk=$(openssl rand -hex 32)
lans=$(python3 "$top/bench/tunnels-200/gen.py" "$dir" "$count" "$psk")

kill_wait() {  # PID: TERM, then KILL after 10 s
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
teardown() {
  local f ns
  for f in "$dir"/*.pid; do [ -e "$f" ] && kill_wait "$(cat "$f")"; rm -f "$f"; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$p-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for f in "$dir"/a/run/netns/*; do [ -e "$f" ] && { umount -l "$f" 2>/dev/null || true; }; done
  rm -rf "$dir"/a/run "$dir"/a/state
}
trap 'teardown; rm -rf "$dir"' EXIT

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wait_for() {  # SECONDS CMD...: until CMD succeeds, polling every 0.1 s
  local deadline=$(($(date +%s) + $1))
  shift
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" && return 0; sleep 0.1; done
  return 1
}

# plain charon, the settings rempartd generates for a level (gateway/src/charon/settings.cpp)
write_strongswan_conf() {  # WHO
  mkdir -p "$dir/$1"
  cat >"$dir/$1/strongswan.conf" <<CONF
charon-systemd {
  load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey hmac kdf gcm aes sha1 sha2 curve25519 vici kernel-libipsec kernel-netlink socket-default error-notify
  block_threshold = 1088
  cookie_threshold = 2176
  ikesa_table_size = 1024
  install_routes = yes
  install_virtual_ip = no
  journal { default = -1 }
  filelog { stderr { default = 1
      ike_name = yes
      flush_line = yes } }
  plugins {
    vici { socket = unix://$dir/$1/charon.vici }
    error-notify { socket = unix://$dir/$1/charon.enfy }
    kernel-libipsec { allow_peer_ts = no }
  }
}
swanctl { load = pem pkcs1 x509 openssl }
CONF
}
swanctl_on() {  # WHO ARGS...
  local g=$1
  shift
  ip netns exec "$p-$g" env STRONGSWAN_CONF="$dir/$g/strongswan.conf" SWANCTL_DIR="$dir/$g" \
    swanctl "$@" --uri "unix://$dir/$g/charon.vici"
}
charon_start() {  # WHO: starts plain charon in namespace <p>-WHO and loads its swanctl.conf
  rm -f "$dir/$1/charon.vici"
  ip netns exec "$p-$1" env STRONGSWAN_CONF="$dir/$1/strongswan.conf" /usr/sbin/charon-systemd \
    >"$dir/$1/charon.log" 2>&1 &
  echo $! >"$dir/charon-$1.pid"
  wait_for 10 test -S "$dir/$1/charon.vici"
  swanctl_on "$1" --load-all --file "$dir/$1/swanctl.conf" >"$dir/$1/load.log" 2>&1
}
write_strongswan_conf a
write_strongswan_conf peer

# The wire, and the peer with its 200 LAN addresses, started before the clock.
setup_peer() {
  ip netns add "$p-wan"
  ip -n "$p-wan" link add br0 type bridge
  ip -n "$p-wan" link set br0 up
  local g
  for g in a peer; do
    ip netns add "$p-$g"
    ip -n "$p-$g" link set lo up
    ip -n "$p-$g" link add eth0 type veth peer name "up-$g" netns "$p-wan"
    ip -n "$p-wan" link set "up-$g" master br0 up
  done
  ip -n "$p-peer" addr add 192.0.2.21/24 dev eth0
  ip -n "$p-peer" link set eth0 up
  # (no dummy driver on every machine: a veth pair inside the namespace holds the addresses)
  ip -n "$p-peer" link add lan0 type veth peer name lan0p
  ip -n "$p-peer" link set lan0p up
  for i in $(seq 0 $((count - 1))); do echo "addr add 10.2.$i.1/24 dev lan0"; done |
    ip -n "$p-peer" -batch -
  ip -n "$p-peer" link set lan0 up
  charon_start peer
}

# Both sides are timed with the same probe, so that polling costs them the same: a's charon
# (rempartd's, or the plain one) lists $count CHILD_SAs installed.
all_installed() {  # VICI_SOCKET
  [ "$(env STRONGSWAN_CONF="$dir/a/strongswan.conf" swanctl --list-sas --raw \
    --uri "unix://$1" 2>/dev/null | grep -o 'state=INSTALLED' | wc -l)" -ge "$count" ]
}
rempart_all_up() {
  "$build/gateway/rempart" --socket "$dir/a/run/control.sock" show tunnels --json 2>/dev/null |
    jq -e --argjson n "$count" '[.[] | select(.state=="up")] | length == $n' >/dev/null
}
run_ours() {
  setup_peer
  ip -n "$p-a" link add mgmt0 type veth peer name mg-a netns "$p-wan"
  ip netns add "$p-a-lan"
  for i in $(seq 0 $((lans - 1))); do
    ip -n "$p-a" link add "lan$i" type veth peer name "lan$i" netns "$p-a-lan"
    ip -n "$p-a-lan" link set "lan$i" up
  done
  mkdir -p "$dir/a/state/keystore/a"
  chmod -R 700 "$dir/a/state"
  (umask 077; echo "$psk" >"$dir/a/state/keystore/a/psk")
  local t0 t1
  t0=$(now)
  nsenter --net=/run/netns/"$p-a" "$build/gateway/rempartd" --config "$dir/a.yaml" \
    --runtime-dir "$dir/a/run" --state-dir "$dir/a/state" --charon-uid-base 60740 \
    >"$dir/a/rempartd.log" 2>&1 &
  echo $! >"$dir/rempartd.pid"
  if ! wait_for "${BENCH_TIMEOUT:-100}" all_installed "$dir/a/run/levels/a/charon/charon.vici"; then
    echo "tunnels-200: rempartd's tunnels not all up" >&2
    grep -v "control request" "$dir/a/rempartd.log" | tail -5 >&2
    tail -20 "$dir/peer/charon.log" >&2
    exit 1
  fi
  t1=$(now)
  # rempartd's own view must agree (it follows charon's events).
  wait_for 10 rempart_all_up || { echo "tunnels-200: show tunnels disagrees with charon" >&2; exit 1; }
  teardown
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

run_anchor() {
  setup_peer
  ip -n "$p-a" addr add 192.0.2.11/24 dev eth0
  ip -n "$p-a" link set eth0 up
  ip -n "$p-a" link add lan0 type veth peer name lan0p
  ip -n "$p-a" link set lan0p up
  for i in $(seq 0 $((count - 1))); do echo "addr add 10.1.$i.1/24 dev lan0"; done |
    ip -n "$p-a" -batch -
  ip -n "$p-a" link set lan0 up
  local t0 t1
  t0=$(now)
  charon_start a
  if ! wait_for 100 all_installed "$dir/a/charon.vici"; then
    echo "tunnels-200: plain charon's tunnels not all up" >&2
    tail -20 "$dir/a/charon.log" >&2
    exit 1
  fi
  t1=$(now)
  teardown
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

ours=() anchor=()
for _ in $(seq "$runs"); do
  ours+=("$(run_ours)")
  anchor+=("$(run_anchor)")
done
echo "# tunnels-$count runs: ours ${ours[*]} s; anchor ${anchor[*]} s" >&2
o=$(median "${ours[@]}")
a=$(median "${anchor[@]}")
awk -v o="$o" -v a="$a" -v n="$count" \
  'BEGIN { printf "BENCH tunnels-%d ours=%.2fs anchor=swanctl:%.2fs ratio=%.3f\n", n, o, a, o / a }'
