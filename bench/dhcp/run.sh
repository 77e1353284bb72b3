#!/usr/bin/env bash
# Link-up to lease applied: rempart-dhcp-probe against dhcpcd (Debian's dhcpcd-base), both
# against the same dnsmasq (--no-ping, rapid commit) over a veth pair in namespaces created
# here. Each run brings the client's link down and up (flushing what the previous run
# installed), then times the client from start to exit; the client exits once the lease is in
# the kernel (ours: applied through the reconciler; dhcpcd: --oneshot after configuring).
# dhcpcd is confined: its own mount namespace with tmpfs over its state and run dirs, a custom
# config, no hook script (-c /bin/true), IPv4 only, no ARP probe and no initial delay (our client
# does neither), so both do the same work. Prints the medians of $RUNS runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${REMPART_BUILD:-$top/build}
probe=$build/netconfig/rempart-dhcp-probe
runs=${RUNS:-7}
[ -x "$probe" ] || { echo "bench/dhcp: $probe not built" >&2; exit 1; }
command -v dhcpcd >/dev/null || { echo "bench/dhcp: dhcpcd missing (scripts/install-deps.sh)" >&2; exit 1; }

tag=rb-dhcp-$$
srv=$tag-s cli=$tag-c
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$tag.XXXXXX")
chmod 755 "$tmp"
cleanup() {
  [ -f "$tmp/dnsmasq.pid" ] && kill "$(cat "$tmp/dnsmasq.pid")" 2>/dev/null || true
  ip netns del "$srv" 2>/dev/null || true
  ip netns del "$cli" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$srv"
ip netns add "$cli"
ip -n "$srv" link add srv0 type veth peer name wan0 netns "$cli"
ip -n "$srv" addr add 10.77.0.1/24 dev srv0
ip -n "$srv" link set srv0 up
ip netns exec "$srv" dnsmasq --port=0 --bind-interfaces --interface=srv0 --except-interface=lo \
  --no-ping --dhcp-rapid-commit --dhcp-authoritative --conf-file=/dev/null \
  --dhcp-range=10.77.0.10,10.77.0.200,255.255.255.0,2m \
  --dhcp-leasefile="$tmp/dnsmasq.leases" --pid-file="$tmp/dnsmasq.pid"
for _ in $(seq 50); do [ -s "$tmp/dnsmasq.pid" ] && break; sleep 0.05; done

cat >"$tmp/dhcpcd.conf" <<CONF
ipv4only
noipv6rs
nodelay
noarp
option rapid_commit
require dhcp_server_identifier
nohook resolv.conf
CONF

reset_link() {
  ip -n "$cli" link set wan0 down
  ip -n "$cli" addr flush dev wan0
  ip -n "$cli" route flush dev wan0 2>/dev/null || true
  ip -n "$cli" link set wan0 up
}
now_ns() { date +%s%N; }

run_ours() {
  local state=$tmp/ours-$1
  mkdir -p "$state"  # empty: a full DISCOVER, not an INIT-REBOOT
  reset_link
  local t0 t1
  t0=$(now_ns)
  "$probe" wan0 --netns "/run/netns/$cli" --state "$state" --timeout 20 >/dev/null 2>"$tmp/ours.err"
  t1=$(now_ns)
  ip -n "$cli" -j -4 addr show dev wan0 | grep -q '"local":"10.77.0.' || { echo "bench/dhcp: no address after our client" >&2; exit 1; }
  echo $(((t1 - t0) / 1000))
}

run_dhcpcd() {
  reset_link
  local t0 t1
  t0=$(now_ns)
  ip netns exec "$cli" unshare -m sh -c "
    mkdir -p /run/dhcpcd && mount -t tmpfs tmpfs /run/dhcpcd &&
    mount -t tmpfs tmpfs /var/lib/dhcpcd &&
    exec dhcpcd -f '$tmp/dhcpcd.conf' -c /bin/true -4 -1 -B -t 20 wan0" >/dev/null 2>"$tmp/dhcpcd.err"
  t1=$(now_ns)
  ip -n "$cli" -j -4 addr show dev wan0 | grep -q '"local":"10.77.0.' || { echo "bench/dhcp: no address after dhcpcd" >&2; cat "$tmp/dhcpcd.err" >&2; exit 1; }
  echo $(((t1 - t0) / 1000))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours=() anchor=()
for i in $(seq "$runs"); do
  ours+=("$(run_ours "$i")")
  anchor+=("$(run_dhcpcd)")
done
o=$(printf '%s\n' "${ours[@]}" | median)
a=$(printf '%s\n' "${anchor[@]}" | median)
awk -v o="$o" -v a="$a" 'BEGIN { printf "BENCH dhcp-lease ours=%.1fms anchor=dhcpcd:%.1fms ratio=%.3f\n", o/1000, a/1000, o/a }'
