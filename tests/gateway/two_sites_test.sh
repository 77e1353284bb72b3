#!/usr/bin/env bash
# End to end, with real parts: two rempartd (paris, lyon), two levels each, one confined charon
# per level, real nftables, LAN hosts in namespaces. Usage: two_sites_test.sh BUILD_DIR
# Each check prints "ok - ..." or "not ok - ..." and the script exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export SITES_BUILD=$1 SITES_PREFIX=rt2s$$ SITES_DIR=/tmp/rempart-2s-$$
source "$top/scripts/lib/two-sites.sh"
trap 'sites_down' EXIT
failures=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

sites_up "$SITES_BUILD"
if ! sites_wait_tunnels 90; then
  bad "all four tunnels come up"
  tail -40 "$SITES_DIR"/*/rempartd.log
  exit 1
fi
ok "all four tunnels come up"
check "lyon's uplink address was leased by DHCP through rempartd's client" \
  bash -c "ip -n $SITES_PREFIX-lyon -j addr show dev eth0 | grep -q '\"local\":\"192.0.2.20\".*\"dynamic\":true'"

# Cleartext never on the uplink: capture everything that is not IKE/NAT-T while pinging.
ip netns exec "$SITES_PREFIX-wan" tcpdump -n -i br0 -w "$SITES_DIR/uplink.pcap" ip 2>/dev/null &
capture=$!
sleep 1
check "paris red reaches lyon red through its tunnel" sites_ping paris red 10.2.0.10 3
check "lyon red reaches paris red" sites_ping lyon red 10.1.0.10 3
check "paris blue reaches lyon blue" sites_ping paris blue 10.4.0.10 3
check "lyon blue reaches paris blue" sites_ping lyon blue 10.3.0.10 3
sleep 0.5
kill $capture; wait $capture 2>/dev/null
total=$(tcpdump -n -r "$SITES_DIR/uplink.pcap" 2>/dev/null | wc -l)
other=$(tcpdump -n -r "$SITES_DIR/uplink.pcap" 'not (udp port 500 or udp port 4500 or udp port 67 or udp port 68)' 2>/dev/null | wc -l)
icmp=$(tcpdump -n -r "$SITES_DIR/uplink.pcap" icmp 2>/dev/null | wc -l)
check "the uplink saw ESP-in-UDP ($total packets) and nothing else but the uplink's DHCP ($other), no cleartext ICMP ($icmp)" \
  test "$total" -ge 12 -a "$other" -eq 0 -a "$icmp" -eq 0

for pair in "paris red 10.3.0.10" "paris blue 10.1.0.10" "paris red 10.4.0.10" "lyon blue 10.1.0.10"; do
  set -- $pair
  if sites_ping "$1" "$2" "$3" 2 >/dev/null 2>&1; then bad "$1 $2 cannot reach $3"; else ok "$1 $2 cannot reach $3"; fi
done

fw=$(sites_cli paris show firewall)
check "show firewall reads back each namespace's rules with their config paths" \
  grep -q 'levels\[0\].firewall.allow\[0\]' <<<"$fw"

# Confinement of every charon, from /proc.
charon_pid() {  # SITE LEVEL
  sites_cli "$1" show status | sed -n "s/.*level $2:.*charon pid \([0-9-]*\).*/\1/p"
}
for site in paris lyon; do
  for level in red blue; do
    pid=$(charon_pid $site $level)
    st=/proc/$pid/status
    check "$site $level charon: CapEff is CAP_NET_ADMIN only" grep -q '^CapEff:[[:space:]]*0000000000001000$' "$st"
    check "$site $level charon: NoNewPrivs 1" grep -q '^NoNewPrivs:[[:space:]]*1$' "$st"
    check "$site $level charon: Seccomp 2" grep -q '^Seccomp:[[:space:]]*2$' "$st"
    check "$site $level charon: not root" test "$(awk '/^Uid:/ {print $2}' "$st")" != 0
    check "$site $level charon: in its level's namespace" \
      test "$(stat -L -c %i /proc/$pid/ns/net)" = "$(stat -L -c %i "$SITES_DIR/$site/run/netns/$level")"
  done
done

# kill -9 of one charon: it comes back and its tunnel with it; the other level is untouched.
spis() { sites_cli paris show tunnels --json | tr '{' '\n' | grep "\"level\":\"$1\"" | grep -o '"spi_in":"[0-9a-f]*"'; }
blue_before=$(spis blue)
red_pid=$(charon_pid paris red)
kill -9 "$red_pid"
start=$(date +%s)
back=0
for _ in $(seq 1 30); do
  sleep 1
  new=$(charon_pid paris red)
  if [ -n "$new" ] && [ "$new" != "$red_pid" ] && [ "$new" != -1 ] && sites_ping paris red 10.2.0.10 1 >/dev/null 2>&1; then back=1; break; fi
done
check "after kill -9, paris red's charon and tunnel are back ($(( $(date +%s) - start )) s)" test $back = 1
check "paris blue's SAs were untouched (same SPIs)" test "$(spis blue)" = "$blue_before" -a -n "$blue_before"

# The connection log: chained, verifiable, and tamper-evident.
logdir=$SITES_DIR/paris/state/log
check "the connection log records tunnels going up" grep -q '"event":"child.up"' "$logdir"/connections-*.jsonl
check "rempart log verify passes on the produced log" "$SITES_BUILD/gateway/rempart" log verify "$logdir"
cp "$logdir"/connections-000000000001.jsonl "$SITES_DIR/tampered.jsonl"
sed -i '3s/"seq":3/"seq":3 /' "$SITES_DIR/tampered.jsonl"
out=$("$SITES_BUILD/gateway/rempart" log verify "$SITES_DIR/tampered.jsonl" 2>&1)
check "log verify names the edited line: $out" grep -q ':[34]:' <<<"$out"

sites_down
check "nothing is left behind" test -z "$(ip netns list | grep "^$SITES_PREFIX-" || true)"
trap - EXIT
echo "$failures failed"
[ "$failures" = 0 ]
