#!/usr/bin/env bash
# netconfig-static: 1,000 addresses + 1,000 routes applied from scratch by the reconciler vs
# `ip -batch`, each in a fresh namespace; then a no-op re-apply vs `ip -batch` re-running
# `replace` of the same objects. Median of $RUNS runs. Run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${REMPART_BUILD:-$here/../../build}
bench=$build/bench/netconfig-static/netconfig_static_bench
count=${COUNT:-1000}
runs=${RUNS:-5}
[ -x "$bench" ] || { echo "netconfig-static: $bench not built" >&2; exit 1; }

prefix=rp-bench-nc-$$
namespaces=()
cleanup() { for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done; }
trap cleanup EXIT

tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
bash "$here/make-batch.sh" "$count" add >"$tmp/add.batch"
bash "$here/make-batch.sh" "$count" replace >"$tmp/replace.batch"

fresh_ns() {  # creates a namespace with bench0..3 up (veth, peers up, no DAD)
  local ns=$1
  ip netns add "$ns"
  namespaces+=("$ns")
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
  for j in 0 1 2 3; do
    ip -n "$ns" link add "bench$j" type veth peer name "peer$j"
    ip -n "$ns" link set "peer$j" up
    ip -n "$ns" link set "bench$j" up
  done
}

now_ns() { date +%s%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours_apply=() ours_noop=() ip_apply=() ip_noop=()
for ((i = 0; i < runs; i++)); do
  fresh_ns "$prefix-ours-$i"
  out=$("$bench" "$prefix-ours-$i" "$count")
  ours_apply+=("$(sed -n 's/.*apply_ms=\([0-9.]*\).*/\1/p' <<<"$out")")
  ours_noop+=("$(sed -n 's/.*noop_ms=\([0-9.]*\).*/\1/p' <<<"$out")")

  fresh_ns "$prefix-ip-$i"
  t0=$(now_ns)
  ip -n "$prefix-ip-$i" -batch "$tmp/add.batch"
  t1=$(now_ns)
  ip -n "$prefix-ip-$i" -batch "$tmp/replace.batch"
  t2=$(now_ns)
  ip_apply+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e6}')")
  ip_noop+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.2f", (b - a) / 1e6}')")

  # Same end state (our protocol number on every route): the anchor did the same work.
  n_ours=$(ip -n "$prefix-ours-$i" route show table all proto 252 | wc -l)
  n_ip=$(ip -n "$prefix-ip-$i" route show table all proto 252 | wc -l)
  [ "$n_ours" = "$count" ] && [ "$n_ip" = "$count" ] || {
    echo "netconfig-static: route counts differ: ours=$n_ours ip=$n_ip want=$count" >&2; exit 1; }
  ip netns del "$prefix-ours-$i"; ip netns del "$prefix-ip-$i"
done

report() {  # name ours anchor
  awk -v n="$1" -v o="$2" -v a="$3" \
    'BEGIN {printf "BENCH %s ours=%.2fms anchor=ip-batch:%.2fms ratio=%.3f\n", n, o, a, o / a}'
}
report netconfig-apply "$(printf '%s\n' "${ours_apply[@]}" | median)" \
  "$(printf '%s\n' "${ip_apply[@]}" | median)"
report netconfig-noop "$(printf '%s\n' "${ours_noop[@]}" | median)" \
  "$(printf '%s\n' "${ip_noop[@]}" | median)"
