#!/usr/bin/env bash
# Config changes applied to running gateways (SIGHUP: rempartd re-reads its --config), with real
# charon, nftables and namespaces: paris and lyon from scripts/lib/two-sites.sh, on copies of the
# demo configs that this test edits. Unchanged tunnels must keep their SAs: the IKE and ESP SPIs
# read from each level's charon must not move. Usage: reconfigure_test.sh BUILD_DIR
# Each check prints "ok - ..." or "not ok - ..."; the script exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export SITES_BUILD=$1 SITES_PREFIX=rtrc$$ SITES_DIR=/tmp/rempart-rc-$$
export SITES_CONFIG_DIR=/tmp/rempart-rc-conf-$$
source "$top/scripts/lib/two-sites.sh"
trap 'sites_down; rm -rf "$SITES_CONFIG_DIR"' EXIT
failures=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; return 1; fi; }
# wait_for SECONDS CMD...: polls until CMD succeeds.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" && return 0; sleep 1; done
  return 1
}

# insert_after FILE NTH ANCHOR TEXT: inserts TEXT after the NTH line equal to ANCHOR.
insert_after() {
  N=$2 ANCHOR=$3 TEXT=$4 perl -0pi -e \
    'my $n = 0; s/^\Q$ENV{ANCHOR}\E\n/++$n == $ENV{N} ? "$&$ENV{TEXT}" : $&/gme' "$1"
}
# delete_lines FILE REGEX
delete_lines() { perl -ni -e "print unless /$2/" "$1"; }

# ids SITE LEVEL [IKE]: the SPIs of every established IKE_SA and installed CHILD_SA, sorted.
ids() {
  local filter=(); [ $# -ge 3 ] && filter=(--ike "$3")
  sites_swanctl "$1" "$2" --list-sas --raw "${filter[@]}" 2>/dev/null | grep 'state=ESTABLISHED' |
    grep -o 'initiator-spi=[0-9a-f]* responder-spi=[0-9a-f]*\|state=INSTALLED[^}]*spi-in=[0-9a-f]* spi-out=[0-9a-f]*' |
    sed 's/^state=INSTALLED.* spi-in/spi-in/' | sort
}
all_ids() {
  echo "paris red:"; ids paris red lyon; echo "paris blue:"; ids paris blue lyon
  echo "lyon red:"; ids lyon red paris; echo "lyon blue:"; ids lyon blue paris
}
# stable_ids: all_ids once two reads 2 s apart agree (duplicate SAs may still be settling).
stable_ids() {
  local a b
  a=$(all_ids)
  for _ in $(seq 1 20); do
    sleep 2
    b=$(all_ids)
    [ "$a" = "$b" ] && { echo "$a"; return 0; }
    a=$b
  done
  echo "$b"
}
# kept BEFORE AFTER: every SA in BEFORE is still in AFTER with the same SPIs (charon may have
# set up an extra duplicate meanwhile, both sides being initiators; that is no rekey).
kept() {
  local gone; gone=$(comm -23 <(grep -v ':$' <<<"$1" | sort) <(grep -v ':$' <<<"$2" | sort))
  [ -z "$gone" ] || { echo "gone: $gone" >&2; return 1; }
}
installed() {  # SITE LEVEL IKE: at least one CHILD_SA of IKE is installed
  sites_swanctl "$1" "$2" --list-sas --raw --ike "$3" 2>/dev/null | grep -q 'state=INSTALLED'
}
no_sas() {  # SITE LEVEL IKE
  ! sites_swanctl "$1" "$2" --list-sas --raw --ike "$3" 2>/dev/null | grep -q 'list-sa event'
}
nft_level() {  # SITE LEVEL: the level's ruleset without counters
  nsenter --net="$SITES_DIR/$1/run/netns/$2" nft -s list ruleset
}
log_count() { grep -c "$2" "$SITES_DIR/$1/rempartd.log"; }
# reload_wait SITE...: SIGHUP to each, then waits until each has logged the outcome (applied,
# refused, or rolled back), so that the next change never meets one still being applied.
kOutcome='configuration reloaded|configuration not reloaded|configuration unchanged|previous configuration restored|cannot restore the previous'
reload_wait() {
  local site; declare -A before
  for site in "$@"; do before[$site]=$(grep -Ec "$kOutcome" "$SITES_DIR/$site/rempartd.log"); sites_reload "$site"; done
  for site in "$@"; do
    wait_for 90 bash -c "test \$(grep -Ec '$kOutcome' $SITES_DIR/$site/rempartd.log) -gt ${before[$site]}" ||
      echo "# $site: no outcome logged for the reload" >&2
  done
}

mkdir -p "$SITES_CONFIG_DIR"
cp "$top/gateway/examples/demo/paris.yaml" "$top/gateway/examples/demo/lyon.yaml" "$SITES_CONFIG_DIR"
sites_up "$SITES_BUILD"
if ! sites_wait_tunnels 90; then
  bad "all four tunnels come up"
  tail -40 "$SITES_DIR"/*/rempartd.log
  exit 1
fi
ok "all four tunnels come up"
before=$(stable_ids)
check "every level has established SAs to compare" test "$(grep -c 'spi-in' <<<"$before")" -ge 4

# --- Adding a tunnel: paris red <-> lyon blue, between new subnets on both LANs (levels never
# share addresses). Another peer for both levels, so its own IKE_SA. ---
psk=$(openssl rand -hex 32)
(umask 077; echo "$psk" >"$SITES_DIR/paris/state/keystore/red/x-psk")
(umask 077; echo "$psk" >"$SITES_DIR/lyon/state/keystore/blue/x-psk")
ip -n "$SITES_PREFIX-paris-red" addr add 10.1.1.10/24 dev eth0
ip -n "$SITES_PREFIX-lyon-blue" addr add 10.4.1.10/24 dev eth0
p=$SITES_CONFIG_DIR/paris.yaml l=$SITES_CONFIG_DIR/lyon.yaml
sed -i 's|addresses: \[10.1.0.1/24\]|addresses: [10.1.0.1/24, 10.1.1.1/24]|' "$p"
sed -i 's|addresses: \[10.4.0.1/24\]|addresses: [10.4.0.1/24, 10.4.1.1/24]|' "$l"
insert_after "$p" 1 "    credentials:" "      - {name: x-psk, type: psk}
"
insert_after "$p" 1 "    tunnels:" "      - name: lyonblue
        remote_address: 192.0.2.22
        remote_id: lyon.blue.demo
        auth: psk
        psk: x-psk
        local_ts: [10.1.1.0/24]
        remote_ts: [10.4.1.0/24]
        start: always
        dpd_interval: 10s
"
insert_after "$p" 1 "      allow:" "        - {direction: outbound, tunnel: lyonblue, protocol: any}
        - {direction: inbound, tunnel: lyonblue, protocol: icmp}
"
insert_after "$l" 2 "    credentials:" "      - {name: x-psk, type: psk}
"
insert_after "$l" 2 "    tunnels:" "      - name: parisred
        remote_address: 192.0.2.11
        remote_id: paris.red.demo
        auth: psk
        psk: x-psk
        local_ts: [10.4.1.0/24]
        remote_ts: [10.1.1.0/24]
        start: always
        dpd_interval: 10s
"
insert_after "$l" 2 "      allow:" "        - {direction: outbound, tunnel: parisred, protocol: any}
        - {direction: inbound, tunnel: parisred, protocol: icmp}
"
reload_wait paris lyon
added_up() { installed paris red lyonblue && installed lyon blue parisred; }
check "the added tunnel comes up on both sides" wait_for 60 added_up
check "show tunnels lists the new tunnel, and every tunnel is up" sites_wait_tunnels 30
check "the new LAN address is on paris red's lan-red (netconfig applied in place)" \
  bash -c "nsenter --net=$SITES_DIR/paris/run/netns/red ip -j addr show dev lan-red | grep -q '\"10.1.1.1\"'"
check "paris red reaches lyon blue's new subnet through the new tunnel" \
  ip netns exec "$SITES_PREFIX-paris-red" ping -c 3 -W 1 -i 0.3 -I 10.1.1.10 10.4.1.10
check "both rempartd logged the tunnel as added" \
  test "$(log_count paris 'tunnel added')" -ge 1 -a "$(log_count lyon 'tunnel added')" -ge 1
after_add=$(all_ids)
check "adding a tunnel kept every existing IKE and CHILD SA (same SPIs, no rekey)" \
  kept "$before" "$after_add"

# --- A firewall change: lyon red lets TCP 5001 in from paris. ---
ip netns exec "$SITES_PREFIX-lyon-red" nc -l -k 10.2.0.10 5001 >/dev/null 2>&1 &
listener=$!
sleep 0.5
tcp_5001() { ip netns exec "$SITES_PREFIX-paris-red" nc -z -w 2 10.2.0.10 5001; }
if tcp_5001; then bad "before the change, TCP 5001 to lyon red is dropped"; else ok "before the change, TCP 5001 to lyon red is dropped"; fi
insert_after "$l" 1 "      allow:" "        - {direction: inbound, tunnel: paris, protocol: tcp, ports: [5001]}
"
reload_wait lyon
check "the new rule is in lyon red's ruleset" \
  wait_for 20 bash -c "nsenter --net=$SITES_DIR/lyon/run/netns/red nft -s list ruleset | grep -Eq 'dport (\\{ )?5001'"
check "a real TCP connection to port 5001 now gets through" wait_for 10 tcp_5001
kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
after_fw=$(all_ids)
check "the firewall change touched no SA" kept "$after_add" "$after_fw"

# --- Changing a tunnel: blue's ESP proposal on both sides, to one the old definition does not
# accept, so that no SA can survive from before (and none can be set up between the reloads). ---
blue_before=$(ids paris blue lyon)
for f in "$p" "$l"; do
  insert_after "$f" 3 "        dpd_interval: 10s" "        esp_proposals: [aes128gcm16-x25519]
"
done
red_before=$(ids paris red lyon; ids lyon red paris; ids paris red lyonblue)
reload_wait paris lyon
blue_is_128() {
  local raw; raw=$(sites_swanctl paris blue --list-sas --raw --ike lyon 2>/dev/null)
  grep -q 'state=INSTALLED' <<<"$raw" && ! grep -q 'state=INSTALLED[^}]*encr-keysize=256' <<<"$raw"
}
check "blue's SAs were renewed with the new proposal (AES-GCM-128 only)" wait_for 60 blue_is_128
check "show tunnels has every tunnel up again" sites_wait_tunnels 30
blue_after=$(ids paris blue lyon)
check "blue's SPIs changed" test -n "$blue_after" -a "$(comm -12 <(echo "$blue_before") <(echo "$blue_after") | wc -l)" = 0
check "red's SAs were untouched by blue's change" \
  kept "$red_before" "$(ids paris red lyon; ids lyon red paris; ids paris red lyonblue)"
check "paris blue still reaches lyon blue" wait_for 20 sites_ping paris blue 10.4.0.10 1
check "both rempartd logged the tunnel as reloaded" \
  test "$(log_count paris 'tunnel reloaded')" -ge 1 -a "$(log_count lyon 'tunnel reloaded')" -ge 1

# --- Removing a tunnel: lyonblue / parisred go away again. ---
sleep 2
kept_before=$(all_ids)
for f in "$p" "$l"; do
  perl -0pi -e 's/      - name: (lyonblue|parisred)\n(        .*\n)*//' "$f"
  delete_lines "$f" 'tunnel: (lyonblue|parisred)'
  delete_lines "$f" 'name: x-psk'
done
reload_wait paris lyon
gone() {
  ! sites_swanctl paris red --list-conns 2>/dev/null | grep -q '^lyonblue:' &&
    ! sites_swanctl lyon blue --list-conns 2>/dev/null | grep -q '^parisred:' &&
    no_sas paris red lyonblue && no_sas lyon blue parisred
}
check "the removed tunnel is unloaded from both charons and its SAs are gone" wait_for 30 gone ||
  { sites_swanctl paris red --list-conns; sites_swanctl paris red --list-sas
    sites_swanctl lyon blue --list-conns; sites_swanctl lyon blue --list-sas; }
check "show tunnels no longer lists it" \
  bash -c "! '$SITES_BUILD/gateway/rempart' --socket '$SITES_DIR/paris/run/control.sock' show tunnels | grep -q lyonblue"
after_remove=$(all_ids)
check "removing a tunnel kept the others' SAs (same SPIs)" kept "$kept_before" "$after_remove"

# --- A change the kernel refuses midway: SIGHUP goes back to the previous config. Level red
# (applied first) gets a new LAN address; level blue an IPv6 address on a LAN where IPv6 is
# disabled, which the kernel refuses. ---
nsenter --net="$SITES_DIR/paris/run/netns/blue" sysctl -qw net.ipv6.conf.lan-blue.disable_ipv6=1
cp "$p" "$p.valid"
sed -i 's|addresses: \[10.1.0.1/24, 10.1.1.1/24\]|addresses: [10.1.0.1/24, 10.1.1.1/24, 10.1.2.1/24]|' "$p"
sed -i 's|addresses: \[10.3.0.1/24\]|addresses: [10.3.0.1/24, "fd00:3::1/64"]|' "$p"
ids_before=$(all_ids)
restored=$(log_count paris 'previous configuration restored')
red_applied=$(log_count paris 'network applied netns="level red"')
reload_wait paris
check "the refused change is reported and the previous configuration restored" \
  wait_for 30 bash -c "test \$(grep -c 'previous configuration restored' $SITES_DIR/paris/rempartd.log) -gt $restored"
check "the error names the level and the address" \
  bash -c "grep 'configuration not applied' $SITES_DIR/paris/rempartd.log | tail -1 | grep 'level blue' | grep -q 'fd00:3::1'"
check "level red's network was changed, then changed back" \
  test "$(log_count paris 'network applied netns="level red"')" -ge $((red_applied + 2))
check "level red's address from the refused config was taken back" \
  bash -c "! nsenter --net=$SITES_DIR/paris/run/netns/red ip -j addr show dev lan-red | grep -q '10.1.2.1'"
check "the refused change touched no SA" kept "$ids_before" "$(all_ids)"
cp "$p.valid" "$p"
nsenter --net="$SITES_DIR/paris/run/netns/blue" sysctl -qw net.ipv6.conf.lan-blue.disable_ipv6=0

# --- charon stops answering midway (SIGSTOP): the VICI request times out, the SIGHUP path goes
# back to the previous config, and once charon answers again rempartd reconnects and pushes the
# config in force. The change adds a passive tunnel to level red. ---
charon_pid() {  # SITE LEVEL
  sites_cli "$1" show status | sed -n "s/.*level $2:.*charon pid \([0-9-]*\).*/\1/p"
}
red_pid=$(charon_pid paris red)
insert_after "$p" 1 "    credentials:" "      - {name: x-psk, type: psk}
"
insert_after "$p" 1 "    tunnels:" "      - name: extra
        remote_address: 192.0.2.99
        remote_id: extra.demo
        auth: psk
        psk: x-psk
        local_ts: [10.1.1.0/24]
        remote_ts: [10.9.0.0/24]
        start: passive
"
blue_ids=$(ids paris blue lyon)
restored=$(log_count paris 'previous configuration restored')
reconnected=$(log_count paris 'VICI connection to charon restored level=red')
kill -STOP "$red_pid"
reload_wait paris
check "a VICI timeout in level red is reported and the previous configuration restored" \
  wait_for 60 bash -c "test \$(grep -c 'previous configuration restored' $SITES_DIR/paris/rempartd.log) -gt $restored"
check "the error names level red" \
  bash -c "grep 'configuration not applied' $SITES_DIR/paris/rempartd.log | tail -1 | grep -q 'level red'"
kill -CONT "$red_pid"
check "rempartd reconnects to red's charon once it answers" \
  wait_for 60 bash -c "test \$(grep -c 'VICI connection to charon restored level=red' $SITES_DIR/paris/rempartd.log) -gt $reconnected"
only_lyon() {
  local conns; conns=$(sites_swanctl paris red --list-conns 2>/dev/null | grep -o '^[a-z]*:')
  [ "$conns" = "lyon:" ]
}
check "red's charon holds only the configured tunnel" wait_for 20 only_lyon
check "every tunnel is up" sites_wait_tunnels 60
check "blue's SAs were untouched throughout" kept "$blue_ids" "$(ids paris blue lyon)"
cp "$p.valid" "$p"

# --- An invalid config changes nothing and the log says where. ---
ruleset_before=$(nft_level paris red)
ids_before=$(all_ids)
refused=$(log_count paris 'configuration unchanged')
cp "$p" "$p.good"
sed -i '0,/dpd_interval: 10s/s//dpd_interval: soon/' "$p"
line=$(grep -n 'dpd_interval: soon' "$p" | cut -d: -f1)
reload_wait paris
check "the invalid config is refused" \
  wait_for 10 bash -c "test \$(grep -c 'configuration unchanged' $SITES_DIR/paris/rempartd.log) -gt $refused"
check "the log names file:line:col ($(grep -o "paris.yaml:[0-9]*:[0-9]*" "$SITES_DIR/paris/rempartd.log" | tail -1))" \
  grep -q "paris.yaml:$line:[0-9]" "$SITES_DIR/paris/rempartd.log"
check "the ruleset is the same" test "$ruleset_before" = "$(nft_level paris red)"
check "the SAs are the same" kept "$ids_before" "$(all_ids)"
check "both rempartd are still running" \
  bash -c "kill -0 $(cat "$SITES_DIR/paris/rempartd.pid") && kill -0 $(cat "$SITES_DIR/lyon/rempartd.pid")"

# --- Removing a level and adding it back: applied by rebuilding the gateway (logged). ---
cp "$p.good" "$p"
perl -0pi -e 's/  - name: blue\n(    .*\n|      .*\n)*//' "$p"
grep -q 'name: blue' "$p" && bad "test setup: the blue level was not removed from paris.yaml"
reload_wait paris
red_alone() {
  sites_cli paris show status 2>/dev/null | grep -q 'level red:.*tunnels 1/1 up' &&
    ! sites_cli paris show status 2>/dev/null | grep -q 'level blue'
}
check "without its blue level, paris is rebuilt and its red tunnel is up again" wait_for 60 red_alone
check "the rebuild was logged with its reason" grep -q 'rebuilding the whole gateway.*levels were added or removed' "$SITES_DIR/paris/rempartd.log"
check "blue's namespace is gone and lan-blue is back in the core" \
  bash -c "! test -e $SITES_DIR/paris/run/netns/blue && ip -n $SITES_PREFIX-paris link show lan-blue >/dev/null"
cp "$p.good" "$p"
reload_wait paris
check "with blue back, every tunnel of both gateways is up" sites_wait_tunnels 90
check "paris blue reaches lyon blue again" wait_for 20 sites_ping paris blue 10.4.0.10 1

if [ "$failures" != 0 ]; then
  for site in paris lyon; do
    echo "--- $site (full log kept in /tmp/rempart-rc-$$-$site.log)"
    cp "$SITES_DIR/$site/rempartd.log" "/tmp/rempart-rc-$$-$site.log"
    grep -v '^debug' "$SITES_DIR/$site/rempartd.log" | tail -30
  done
fi
sites_down
trap - EXIT
rm -rf "$SITES_CONFIG_DIR"
echo "$failures failed"
[ "$failures" = 0 ]
