#!/usr/bin/env bash
# Loading 1,000 connections into a fresh charon-systemd (in its own network namespace):
# our VICI client (vici_load_bench load) against `swanctl --load-conns` reading the same
# 1,000 connections as swanctl.conf. Wall-clock of each whole command, median of 5 runs,
# each against a fresh charon; both are checked to leave exactly 1,000 connections.
# Prints: BENCH vici-load-1000 ours=<ms>ms anchor=swanctl:<ms>ms ratio=<r>
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${REMPART_BUILD:-$top/build}
bin=$build/bench/vici-load/vici_load_bench
count=1000
runs=${VICI_LOAD_RUNS:-5}
[ -x "$bin" ] || { echo "vici-load: $bin not built" >&2; exit 1; }

ns=rvbench$$
dir=$(mktemp -d /tmp/rempart-vici-bench.XXXXXX)
charon_pid=
cleanup() {
  if [ -n "$charon_pid" ]; then kill -TERM "$charon_pid" 2>/dev/null || true; wait "$charon_pid" 2>/dev/null || true; fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.98.0.1/32 dev lo
cat >"$dir/strongswan.conf" <<CONF
charon-systemd {
  load = random nonce openssl pem pkcs1 x509 revocation constraints pubkey hmac kdf gcm aes sha1 sha2 curve25519 vici kernel-libipsec kernel-netlink socket-default updown error-notify
  plugins {
    vici { socket = unix://$dir/charon.vici }
    error-notify { socket = unix://$dir/error-notify.sock }
  }
  journal { default = -1 }
  filelog { bench { path = $dir/charon.log
      default = 0 } }
}
CONF
"$bin" write-swanctl "$dir/swanctl.conf" "$count"

start_charon() {
  rm -f "$dir/charon.vici"
  env -u NOTIFY_SOCKET STRONGSWAN_CONF="$dir/strongswan.conf" \
    ip netns exec "$ns" /usr/sbin/charon-systemd >"$dir/stdout" 2>&1 &
  charon_pid=$!
  for _ in $(seq 500); do
    [ -S "$dir/charon.vici" ] && "$bin" count "$dir/charon.vici" >/dev/null 2>&1 && return 0
    sleep 0.02
  done
  echo "vici-load: charon did not start: $(cat "$dir/stdout")" >&2
  exit 1
}
stop_charon() {
  kill -TERM "$charon_pid"
  wait "$charon_pid" 2>/dev/null || true
  charon_pid=
}
now_ns() { date +%s%N; }
# Runs "$@" against a fresh charon; echoes the milliseconds it took (3 decimals).
timed() {
  start_charon
  local t0 t1 n
  t0=$(now_ns)
  "$@" >/dev/null
  t1=$(now_ns)
  n=$("$bin" count "$dir/charon.vici")
  stop_charon
  [ "$n" = "$count" ] || { echo "vici-load: $1 left $n connections, not $count" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ours=() anchor=()
for _ in $(seq "$runs"); do
  ours+=("$(timed "$bin" load "$dir/charon.vici" "$count")")
  anchor+=("$(timed swanctl --load-conns --uri "unix://$dir/charon.vici" --file "$dir/swanctl.conf")")
done
o=$(median "${ours[@]}")
a=$(median "${anchor[@]}")
awk -v o="$o" -v a="$a" -v n="$count" \
  'BEGIN { printf "BENCH vici-load-%d ours=%.1fms anchor=swanctl:%.1fms ratio=%.3f\n", n, o, a, o / a }'
