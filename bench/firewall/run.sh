#!/usr/bin/env bash
# Firewall benchmarks, each in throwaway namespaces:
#  - apply time of a level policy with 10,000 rules and of one 100,000-prefix address group:
#    our libnftnl batch (compile included) against `nft -f` on the same rendered text, and the
#    same for a no-op re-apply (median of 5, both in the same namespace);
#  - TCP forwarding throughput (iperf3 through a namespace router) when every packet is looked
#    up in a 100,000-address blocklist set, against a 10-address set (median of 3).
set -euo pipefail
build=${REMPART_BUILD:?set by bench/run}
bin=$build/bench/firewall/fw_bench
[ -x "$bin" ] || { echo "bench firewall: $bin not built" >&2; exit 1; }
p=rbfw$$
work=$(mktemp -d "${TMPDIR:-/tmp}/rempart-bench-firewall.XXXXXX")
cleanup() {
  [ -f "$work/iperf.pid" ] && kill "$(cat "$work/iperf.pid")" 2>/dev/null || true
  for n in apply cli rtr srv; do ip netns del "$p-$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$p-apply"
"$bin" apply rules 10000 "/run/netns/$p-apply" "$work"
"$bin" apply group 100000 "/run/netns/$p-apply" "$work"

for n in cli rtr srv; do ip netns add "$p-$n"; ip -n "$p-$n" link set lo up; done
ip link add "$p-a" netns "$p-cli" type veth peer "$p-b" netns "$p-rtr"
ip link add "$p-c" netns "$p-rtr" type veth peer "$p-d" netns "$p-srv"
ip -n "$p-cli" addr add 10.50.1.2/24 dev "$p-a"; ip -n "$p-cli" link set "$p-a" up
ip -n "$p-rtr" addr add 10.50.1.1/24 dev "$p-b"; ip -n "$p-rtr" link set "$p-b" up
ip -n "$p-rtr" addr add 10.50.2.1/24 dev "$p-c"; ip -n "$p-rtr" link set "$p-c" up
ip -n "$p-srv" addr add 10.50.2.2/24 dev "$p-d"; ip -n "$p-srv" link set "$p-d" up
ip -n "$p-cli" route add default via 10.50.1.1
ip -n "$p-srv" route add default via 10.50.2.1
ip netns exec "$p-rtr" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$p-srv" iperf3 -s -D -B 10.50.2.2 --pidfile "$work/iperf.pid" >/dev/null
for _ in $(seq 50); do [ -s "$work/iperf.pid" ] && break; sleep 0.1; done
sleep 0.3

gbits() {  # gbits SET_SIZE: loads the blocklist, prints one iperf3 result in Gbit/s
  "$bin" blocklist "$1" "/run/netns/$p-rtr"
  ip netns exec "$p-cli" iperf3 -c 10.50.2.2 -t 3 -J |
    jq -r '.end.sum_received.bits_per_second / 1e9'
}
small=(); big=()
for _ in 1 2 3; do small+=("$(gbits 10)"); big+=("$(gbits 100000)"); done
med() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
s=$(med "${small[@]}"); b=$(med "${big[@]}")
ratio=$(awk -v a="$b" -v b="$s" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
printf 'BENCH firewall-forward-100k-blocklist ours=%.2fGbit/s anchor=10-address-set:%.2fGbit/s ratio=%s\n' \
  "$b" "$s" "$ratio"
