# One Rempart gateway against a stock strongSwan peer, in namespaces. Sourced by interop_test.sh.
# Every name starts with $IOP_PREFIX (per run) and everything lives under $IOP_DIR; interop_down
# removes all of it, whatever state it is in. The layout is described in interop_test.sh.

IOP_PREFIX=${IOP_PREFIX:-riop$$}
IOP_DIR=${IOP_DIR:-/tmp/rempart-interop-$$}
IOP_FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures/interop" && pwd)
IOP_UID_BASE=${IOP_UID_BASE:-60700}

_iop_kill_pidfile() {  # FILE: TERM, wait up to 10 s, then KILL
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

interop_down() {
  _iop_kill_pidfile "$IOP_DIR/rempartd.pid"
  _iop_kill_pidfile "$IOP_DIR/stock/charon.pid"
  local ns f
  for ns in $(ip netns list | awk '{print $1}' | grep "^$IOP_PREFIX-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for f in "$IOP_DIR"/run/netns/*; do
    [ -e "$f" ] && { umount -l "$f" 2>/dev/null || true; }
  done
  rm -rf "$IOP_DIR"
}

_iop_veth() {  # NS_A IF_A NS_B IF_B
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
}

# The test CA and one certificate per side, made with strongSwan's own `pki`.
_iop_pki() {
  local d=$IOP_DIR/pki
  mkdir -p "$d" && chmod 700 "$d"
  pki --gen --type ecdsa --size 256 --outform pem >"$d/ca.key"
  pki --self --ca --lifetime 2 --in "$d/ca.key" --type ecdsa --dn "CN=Rempart Interop Test CA" \
    --outform pem >"$d/ca.pem"
  local who
  for who in red.rempart.test stock.interop.test; do
    pki --gen --type ecdsa --size 256 --outform pem >"$d/$who.key"
    pki --pub --in "$d/$who.key" --type ecdsa |
      pki --issue --cacert "$d/ca.pem" --cakey "$d/ca.key" --lifetime 2 --dn "CN=$who" \
        --san "$who" --outform pem >"$d/$who.pem"
  done
}

swanctl_stock() {
  ip netns exec "$IOP_PREFIX-stock" env STRONGSWAN_CONF="$IOP_DIR/stock/strongswan.conf" \
    SWANCTL_DIR="$IOP_DIR/stock/swanctl" swanctl "$@" --uri "unix://$IOP_DIR/stock/charon.vici"
}

# interop_stock_psk KEY: writes the peer's swanctl.conf with KEY and loads its secrets.
interop_stock_psk() {
  sed "s/@PSK@/$1/" "$IOP_FIXTURES/swanctl.conf" >"$IOP_DIR/stock/swanctl/swanctl.conf"
  [ -S "$IOP_DIR/stock/charon.vici" ] && swanctl_stock --load-creds --clear >/dev/null
  return 0
}

# Starts the stock charon (config from its fixture) and loads its connections and credentials.
interop_stock_start() {
  local s=$IOP_DIR/stock
  rm -f "$s/charon.vici"
  # In a subshell, so that this shell does not report the job when the test kills it.
  (
    ip netns exec "$IOP_PREFIX-stock" env STRONGSWAN_CONF="$s/strongswan.conf" \
      /usr/sbin/charon-systemd >>"$s/charon.out" 2>&1 &
    echo $! >"$s/charon.pid"
  )
  for _ in $(seq 1 100); do [ -S "$s/charon.vici" ] && break; sleep 0.1; done
  swanctl_stock --load-all >"$s/load.out" 2>&1 || { cat "$s/load.out"; return 1; }
}

# Kills the stock charon hard (no deletes sent) and starts it again: a power cut on the peer.
interop_stock_restart() {
  local pid
  pid=$(cat "$IOP_DIR/stock/charon.pid")
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  interop_stock_start
}

# interop_up BUILD_DIR: namespaces, credentials, the stock peer, then rempartd.
interop_up() {
  IOP_BUILD=$1
  interop_down
  mkdir -p "$IOP_DIR"
  local p=$IOP_PREFIX ns
  for ns in wan gw lan stock far; do
    ip netns add "$p-$ns"
    ip -n "$p-$ns" link set lo up
  done
  ip -n "$p-wan" link add br0 type bridge
  ip -n "$p-wan" addr add 192.0.2.1/24 dev br0
  ip -n "$p-wan" link set br0 up
  _iop_veth "$p-gw" eth0 "$p-wan" up-gw
  _iop_veth "$p-gw" mgmt0 "$p-wan" mg-gw
  _iop_veth "$p-stock" eth0 "$p-wan" up-stock
  ip -n "$p-wan" link set up-gw master br0 up
  ip -n "$p-wan" link set up-stock master br0 up
  _iop_veth "$p-gw" lan-red "$p-lan" eth0
  ip -n "$p-lan" addr add 10.1.0.10/24 dev eth0
  ip -n "$p-lan" link set eth0 up
  ip -n "$p-lan" route add default via 10.1.0.1
  ip -n "$p-stock" addr add 192.0.2.30/24 dev eth0
  ip -n "$p-stock" link set eth0 up
  _iop_veth "$p-stock" lan0 "$p-far" eth0
  ip -n "$p-stock" addr add 10.2.0.1/24 dev lan0
  ip -n "$p-stock" addr add 10.5.0.1/24 dev lan0
  ip -n "$p-stock" addr add 10.6.0.1/24 dev lan0
  ip -n "$p-stock" link set lan0 up
  ip netns exec "$p-stock" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$p-far" addr add 10.2.0.10/24 dev eth0
  ip -n "$p-far" addr add 10.5.0.10/24 dev eth0
  ip -n "$p-far" addr add 10.6.0.10/24 dev eth0
  ip -n "$p-far" link set eth0 up
  ip -n "$p-far" route add default via 10.2.0.1

  _iop_pki
  IOP_PSK=$(openssl rand -hex 32)
  # The stock side: its own strongswan.conf and a swanctl directory, as an administrator would.
  local s=$IOP_DIR/stock
  local sub
  for sub in x509 x509ca x509aa x509ocsp x509crl x509ac pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
    mkdir -p "$s/swanctl/$sub"
  done
  chmod 700 "$s"
  sed "s|@DIR@|$s|g" "$IOP_FIXTURES/strongswan.conf" >"$s/strongswan.conf"
  cp "$IOP_DIR/pki/ca.pem" "$s/swanctl/x509ca/ca.pem"
  cp "$IOP_DIR/pki/stock.interop.test.pem" "$s/swanctl/x509/stock.pem"
  cp "$IOP_DIR/pki/stock.interop.test.key" "$s/swanctl/ecdsa/stock.key"
  interop_stock_psk "$IOP_PSK"
  interop_stock_start || return 1

  # Rempart's side: the same material in its keystore, never in the YAML.
  local k=$IOP_DIR/state/keystore/red
  mkdir -p "$k"
  chmod -R 700 "$IOP_DIR/state"
  (
    umask 077
    echo "$IOP_PSK" >"$k/stock-psk"
    cp "$IOP_DIR/pki/red.rempart.test.pem" "$k/red-cert"
    cp "$IOP_DIR/pki/red.rempart.test.key" "$k/red-key"
    cp "$IOP_DIR/pki/ca.pem" "$k/interop-ca"
  )
  nsenter --net=/run/netns/"$p-gw" "$IOP_BUILD/gateway/rempartd" \
    --config "$IOP_FIXTURES/rempart.yaml" \
    --runtime-dir "$IOP_DIR/run" --state-dir "$IOP_DIR/state" \
    --charon-uid-base "$IOP_UID_BASE" >"$IOP_DIR/rempartd.log" 2>&1 &
  echo $! >"$IOP_DIR/rempartd.pid"
}

ours_json() {
  "$IOP_BUILD/gateway/rempart" --socket "$IOP_DIR/run/control.sock" show tunnels --json 2>/dev/null
}

# interop_wait_ours SECONDS TUNNEL...: until rempart reports each TUNNEL up.
interop_wait_ours() {
  local deadline=$(($(date +%s) + $1)) t all
  shift
  while [ "$(date +%s)" -lt "$deadline" ]; do
    all=1
    for t in "$@"; do
      ours_json | jq -e --arg t "$t" 'any(.[]; .tunnel==$t and .state=="up")' >/dev/null ||
        all=0
    done
    [ $all = 1 ] && return 0
    sleep 0.5
  done
  return 1
}

# our_charon_pid: the pid of Rempart's charon for level red, from `rempart show status`.
our_charon_pid() {
  "$IOP_BUILD/gateway/rempart" --socket "$IOP_DIR/run/control.sock" show status 2>/dev/null |
    sed -n 's/.*level red:.*charon pid \([0-9-]*\).*/\1/p'
}

# stock_sa CONN: the peer's `swanctl --list-sas --raw` line for CONN's IKE_SA.
stock_sa() {
  swanctl_stock --list-sas --ike "$1" --raw 2>/dev/null | grep "$1"
}

# interop_wait_stock SECONDS CONN[:CHILDREN]...: until the peer has each CONN established with
# CHILDREN (default 1) CHILD_SAs installed.
interop_wait_stock() {
  local deadline=$(($(date +%s) + $1)) c all n
  shift
  while [ "$(date +%s)" -lt "$deadline" ]; do
    all=1
    for c in "$@"; do
      n=${c#*:}
      [ "$n" = "$c" ] && n=1
      c=${c%%:*}
      stock_sa "$c" | grep -q 'state=ESTABLISHED.*child-sas' || all=0
      [ "$(stock_sa "$c" | grep -o 'state=INSTALLED' | wc -l)" -ge "$n" ] || all=0
    done
    [ $all = 1 ] && return 0
    sleep 0.5
  done
  return 1
}

interop_ping() {  # ADDRESS COUNT: from the LAN host behind Rempart
  ip netns exec "$IOP_PREFIX-lan" ping -c "$2" -W 1 -i 0.3 "$1" >/dev/null
}

# log_has JQ_CONDITION: some record of Rempart's connection log satisfies it.
log_has() {
  cat "$IOP_DIR"/state/log/connections-*.jsonl 2>/dev/null | jq -se "any(.[]; $1)" >/dev/null 2>&1
}

interop_wait_log() {  # SECONDS JQ_CONDITION
  local deadline=$(($(date +%s) + $1))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    log_has "$2" && return 0
    sleep 0.5
  done
  return 1
}

# log_since_has LINES JQ_EXPR: JQ_EXPR (over the array of records after the first LINES) is true.
log_since_has() {
  cat "$IOP_DIR"/state/log/connections-*.jsonl | tail -n +"$(($1 + 1))" | jq -se "$2" >/dev/null
}

interop_wait_exit() {  # SECONDS: rempartd has exited
  local pid i
  pid=$(cat "$IOP_DIR/rempartd.pid")
  for i in $(seq 1 $(($1 * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

interop_dump() {
  echo "# rempart show tunnels:"; ours_json
  echo "# stock list-sas:"; swanctl_stock --list-sas 2>&1 | head -40
  echo "# rempartd.log:"; tail -40 "$IOP_DIR/rempartd.log"
  echo "# stock charon.log:"; tail -40 "$IOP_DIR/stock/charon.log"
}
