#!/usr/bin/env bash
# Resident memory with 1,000 tunnels configured and loaded (passive, so none comes up; the peer
# addresses are test addresses that nothing answers). Two comparisons, each against plain
# charon-systemd holding the same 1,000 connections loaded by `swanctl --load-conns`:
#   rempartd-rss-1000: rempartd's own VmRSS (config model, topology, VICI client, tunnel table);
#   charon-rss-1000:   the VmRSS of the confined charon rempartd runs for the level.
# Read from /proc/<pid>/status once `rempart show tunnels` reports all 1,000 loaded.
# Prints: BENCH rempartd-rss-1000 ours=<MiB>MiB anchor=charon:<MiB>MiB ratio=<r>
#         BENCH charon-rss-1000 ours=<MiB>MiB anchor=charon:<MiB>MiB ratio=<r>
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${REMPART_BUILD:-$top/build}
count=${TUNNELS:-1000}
for b in rempartd rempart; do
  [ -x "$build/gateway/$b" ] || { echo "rempartd-rss: $build/gateway/$b not built" >&2; exit 1; }
done

p=rbr$$
dir=$(mktemp -d /tmp/rempart-rss-bench.XXXXXX)
chmod 755 "$dir"
kill_wait() {  # PID: TERM, then KILL after 10 s
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
  local f
  for f in "$dir"/*.pid; do [ -e "$f" ] && kill_wait "$(cat "$f")"; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$p-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for f in "$dir"/run/netns/*; do [ -e "$f" ] && { umount -l "$f" 2>/dev/null || true; }; done
  rm -rf "$dir"
}
trap cleanup EXIT
wait_for() {  # SECONDS CMD...
  local deadline=$(($(date +%s) + $1))
  shift
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" && return 0; sleep 0.2; done
  return 1
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# The same tunnels for both: i joins 10.1.0.0/16 to 10.(2+i/256).(i%256).0/24 at peer
# 198.51.100.(1+i%200), identity t<i>.peer.bench.test, pre-shared key, passive.
python3 - "$dir" "$count" <<'EOF'
import sys
d, n = sys.argv[1], int(sys.argv[2])
y = ["system:", "  hostname: bench-rss", "  dataplane: libipsec", "uplink:", "  interface: eth0",
     "  ipv4:", "    address: 192.0.2.10/24", "management:", "  interface: mgmt0",
     "  address: 10.255.1.1/24", "  allowed_sources: [10.255.1.0/24]", "levels:", "  - name: a",
     "    public_address: 192.0.2.11", "    identity:", "      id: a.bench.test",
     "    credentials:", "      - {name: psk, type: psk}", "    lans:", "      - interface: lan0",
     "        addresses: [10.1.0.1/16]", "    tunnels:"]
s = ["connections {"]
for i in range(n):
    remote_ts = f"10.{2 + i // 256}.{i % 256}.0/24"
    peer = f"198.51.100.{1 + i % 200}"
    y += [f"      - name: t{i}", f"        remote_address: {peer}",
          f"        remote_id: t{i}.peer.bench.test", "        auth: psk", "        psk: psk",
          "        local_ts: [10.1.0.0/16]", f"        remote_ts: [{remote_ts}]",
          "        start: passive"]
    # What conn_builder loads for that tunnel.
    s += [f"  t{i} {{", "    version = 2", "    local_addrs = 192.0.2.11",
          f"    remote_addrs = {peer}",
          "    proposals = aes256gcm16-prfsha384-ecp384, aes256gcm16-prfsha384-x25519",
          "    dpd_delay = 30s", "    rekey_time = 14400s", "    mobike = no",
          "    local {\n      auth = psk\n      id = a.bench.test\n    }",
          f"    remote {{\n      auth = psk\n      id = t{i}.peer.bench.test\n    }}",
          "    children {", f"      t{i} {{", "        local_ts = 10.1.0.0/16",
          f"        remote_ts = {remote_ts}",
          "        esp_proposals = aes256gcm16-ecp384, aes256gcm16-x25519",
          "        start_action = none", "        dpd_action = clear", "        close_action = none",
          "        rekey_time = 3600s", f"        reqid = {i + 1}", "      }", "    }", "  }"]
y += ["roles:", "  admin: [alice]"]
s += ["}", "secrets {", "  ike-bench {", "    id = a.bench.test", "    secret = 0x00112233445566778899aabbccddeeff", "  }", "}"]
open(f"{d}/a.yaml", "w").write("\n".join(y) + "\n")
open(f"{d}/swanctl.conf", "w").write("\n".join(s) + "\n")
EOF

# ours: rempartd in a core namespace with its uplink, management and LAN interfaces
ip netns add "$p-a"
ip netns add "$p-x"
ip -n "$p-a" link set lo up
for ifc in eth0 mgmt0 lan0; do
  ip -n "$p-a" link add "$ifc" type veth peer name "$ifc" netns "$p-x"
  ip -n "$p-x" link set "$ifc" up
done
mkdir -p "$dir/state/keystore/a"
chmod -R 700 "$dir/state"
(umask 077; echo 00112233445566778899aabbccddeeff >"$dir/state/keystore/a/psk")
nsenter --net=/run/netns/"$p-a" "$build/gateway/rempartd" --config "$dir/a.yaml" \
  --runtime-dir "$dir/run" --state-dir "$dir/state" --charon-uid-base 60780 \
  >"$dir/rempartd.log" 2>&1 &
echo $! >"$dir/rempartd.pid"
rempartd_pid=$!
all_loaded() {
  "$build/gateway/rempart" --socket "$dir/run/control.sock" show tunnels --json 2>/dev/null |
    jq -e --argjson n "$count" '[.[] | select(.why=="negotiating")] | length == $n' >/dev/null
}
if ! wait_for 90 all_loaded; then
  echo "rempartd-rss: rempartd did not load $count tunnels" >&2
  grep -v "control request" "$dir/rempartd.log" | tail -20 >&2
  exit 1
fi
sleep 1  # let the post-load list-sas refresh settle
ours_rempartd=$(rss_kib "$rempartd_pid")
our_charon_pid=$("$build/gateway/rempart" --socket "$dir/run/control.sock" show status |
  sed -n 's/.*level a:.*charon pid \([0-9]*\).*/\1/p')
ours_charon=$(rss_kib "$our_charon_pid")
kill_wait "$rempartd_pid"
rm -f "$dir/rempartd.pid"

# anchor: plain charon in its own namespace, the same connections through swanctl
ip netns add "$p-c"
ip -n "$p-c" link set lo up
ip -n "$p-c" link add eth0 type veth peer name eth0p
ip -n "$p-c" addr add 192.0.2.11/24 dev eth0
ip -n "$p-c" link set eth0 up
ip -n "$p-c" link set eth0p up
cat >"$dir/strongswan.conf" <<CONF
charon-systemd {
  load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey hmac kdf gcm aes sha1 sha2 curve25519 vici kernel-libipsec kernel-netlink socket-default error-notify
  block_threshold = 1088
  cookie_threshold = 2176
  ikesa_table_size = 1024
  install_virtual_ip = no
  journal { default = -1 }
  filelog { stderr { default = 1 } }
  plugins {
    vici { socket = unix://$dir/charon.vici }
    error-notify { socket = unix://$dir/charon.enfy }
  }
}
swanctl { load = pem pkcs1 x509 openssl }
CONF
ip netns exec "$p-c" env STRONGSWAN_CONF="$dir/strongswan.conf" /usr/sbin/charon-systemd \
  >"$dir/charon.log" 2>&1 &
echo $! >"$dir/charon.pid"
charon_pid=$!
wait_for 10 test -S "$dir/charon.vici"
ip netns exec "$p-c" env STRONGSWAN_CONF="$dir/strongswan.conf" \
  swanctl --load-all --file "$dir/swanctl.conf" --uri "unix://$dir/charon.vici" >"$dir/load.log" 2>&1
loaded=$(ip netns exec "$p-c" env STRONGSWAN_CONF="$dir/strongswan.conf" \
  swanctl --list-conns --uri "unix://$dir/charon.vici" | grep -c '^t[0-9]*:')
[ "$loaded" = "$count" ] || { echo "rempartd-rss: swanctl loaded $loaded connections" >&2; exit 1; }
sleep 1
anchor=$(rss_kib "$charon_pid")

awk -v o="$ours_rempartd" -v a="$anchor" -v n="$count" \
  'BEGIN { printf "BENCH rempartd-rss-%d ours=%.1fMiB anchor=charon:%.1fMiB ratio=%.3f\n", n, o / 1024, a / 1024, o / a }'
awk -v o="$ours_charon" -v a="$anchor" -v n="$count" \
  'BEGIN { printf "BENCH charon-rss-%d ours=%.1fMiB anchor=charon:%.1fMiB ratio=%.3f\n", n, o / 1024, a / 1024, o / a }'
