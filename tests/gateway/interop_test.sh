#!/usr/bin/env bash
# Interop and faults: one Rempart gateway (rempartd, libipsec) against a stock strongSwan peer
# (plain charon-systemd configured by hand from fixtures/interop/swanctl.conf, no Rempart code),
# with one PSK tunnel and one certificate tunnel. Certificates come from a test CA made here with
# `pki`; nothing secret is committed. Usage: interop_test.sh BUILD_DIR
# Each check prints "ok - ..." or "not ok - ..."; the script exits non-zero on any failure.
#
#   <p>-wan    bridge, 192.0.2.1/24
#   <p>-gw     Rempart's core namespace: eth0 192.0.2.10 (level red answers on 192.0.2.11)
#   <p>-lan    a host behind Rempart's level red, 10.1.0.10
#   <p>-stock  the stock peer, eth0 192.0.2.30, LANs 10.2.0.1/24 and 10.6.0.1/24 (PSK: one
#              connection, two children) and 10.5.0.1/24 (certificates)
#   <p>-far    a host behind the stock peer, 10.2.0.10, 10.6.0.10 and 10.5.0.10
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
source "$top/tests/gateway/lib/interop.sh"
trap 'interop_down' EXIT
failures=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; return 1; fi; }
wait_ping() {  # SECONDS ADDRESS
  local deadline=$(($(date +%s) + $1))
  while [ "$(date +%s)" -lt "$deadline" ]; do interop_ping "$2" 1 && return 0; done
  return 1
}
ping_all() { interop_ping 10.2.0.10 2 && interop_ping 10.6.0.10 2 && interop_ping 10.5.0.10 2; }

interop_up "$build"
if ! interop_wait_ours 60 stock-psk stock-psk2 stock-cert; then
  bad "the three tunnels come up on Rempart's side"
  interop_dump
  exit 1
fi
ok "the three tunnels come up on Rempart's side"
check "the stock peer lists both IKE_SAs established, the PSK one with its two CHILD_SAs" \
  interop_wait_stock 20 rempart-psk:2 rempart-cert
check "stock-psk and stock-psk2 share one IKE_SA (same peer, identities and IKE parameters)" \
  test "$(swanctl_stock --list-sas --raw | grep -c 'rempart-psk {')" = 1
check "LAN host behind Rempart reaches the host behind the stock peer (PSK tunnel)" \
  interop_ping 10.2.0.10 3
check "... and over the second PSK tunnel, a CHILD_SA of the same IKE_SA" interop_ping 10.6.0.10 3
check "... and over the certificate tunnel" interop_ping 10.5.0.10 3
check "... and back" bash -c "ip netns exec $IOP_PREFIX-far ping -c 2 -W 1 -i 0.3 10.1.0.10 >/dev/null"

# The negotiated algorithms are the configured ones, seen from both sides.
psk=$(stock_sa rempart-psk)
cert=$(stock_sa rempart-cert)
check "stock side, PSK IKE_SA: AES_GCM_16-256, PRF_HMAC_SHA2_384, ECP_384" \
  grep -q 'encr-alg=AES_GCM_16 encr-keysize=256 prf-alg=PRF_HMAC_SHA2_384 dh-group=ECP_384' <<<"$psk"
check "stock side, PSK CHILD_SA: ESP AES_GCM_16-256, UDP-encapsulated (libipsec)" \
  grep -q 'state=INSTALLED mode=TUNNEL protocol=ESP encap=yes .*encr-alg=AES_GCM_16 encr-keysize=256' <<<"$psk"
check "stock side, certificate IKE_SA: AES_CBC-128, HMAC_SHA2_256_128, CURVE_25519" \
  grep -q 'encr-alg=AES_CBC encr-keysize=128 integ-alg=HMAC_SHA2_256_128 prf-alg=PRF_HMAC_SHA2_256 dh-group=CURVE_25519' <<<"$cert"
check "stock side, certificate CHILD_SA: AES_CBC-128 with HMAC_SHA2_256_128" \
  grep -q 'child-sas.*state=INSTALLED.*encr-alg=AES_CBC encr-keysize=128 integ-alg=HMAC_SHA2_256_128' <<<"$cert"
check "stock side authenticated Rempart's certificate identity" \
  grep -q 'remote-id=red.rempart.test' <<<"$cert"
check "Rempart's log: stock-psk child.up with AES_GCM_16-256 over IKE AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" \
  log_has '(.event=="child.up" and .tunnel=="stock-psk" and .level=="red"
    and .remote_id=="stock-psk.interop.test"
    and .child_alg.encr=="AES_GCM_16" and .child_alg.encr_keysize=="256"
    and .ike_alg.encr=="AES_GCM_16" and .ike_alg.prf=="PRF_HMAC_SHA2_384" and .ike_alg.dh=="ECP_384")'
check "Rempart's log: stock-cert child.up with AES_CBC-128/HMAC_SHA2_256_128 over IKE CURVE_25519" \
  log_has '(.event=="child.up" and .tunnel=="stock-cert" and .level=="red"
    and .remote_id=="stock.interop.test"
    and .child_alg.encr=="AES_CBC" and .child_alg.encr_keysize=="128"
    and .child_alg.integ=="HMAC_SHA2_256_128"
    and .ike_alg.encr=="AES_CBC" and .ike_alg.prf=="PRF_HMAC_SHA2_256" and .ike_alg.dh=="CURVE_25519")'

# Wrong PSK: the peer changes its key and drops the SA; Rempart's close action re-initiates and
# the peer rejects the authentication. The connection log names the reason.
interop_stock_psk "$(openssl rand -hex 32)"
swanctl_stock --terminate --ike rempart-psk --force >/dev/null
# Both PSK tunnels re-initiate on one IKE_SA, named after either of them.
if interop_wait_log 30 '(.event=="ike.failed" and .level=="red"
    and (.tunnel=="stock-psk" or .tunnel=="stock-psk2")
    and .reason=="authentication failed")'; then
  ok "wrong PSK: an ike.failed record for red/stock-psk(2) with reason \"authentication failed\""
else
  bad "wrong PSK: an ike.failed record for red/stock-psk(2) with reason \"authentication failed\""
  tail -5 "$IOP_DIR"/state/log/connections-*.jsonl
fi
check "wrong PSK: the certificate tunnel stayed up" interop_ping 10.5.0.10 1
# The right key back. Rempart gave up after the failure (keyingtries 1); killing its charon makes
# the supervisor restart it and push everything again, which initiates every tunnel.
interop_stock_psk "$IOP_PSK"
old_charon=$(our_charon_pid)
kill -KILL "$old_charon"
for _ in $(seq 1 100); do
  new_charon=$(our_charon_pid)
  [ -n "$new_charon" ] && [ "$new_charon" != "$old_charon" ] && [ "$new_charon" != -1 ] && break
  sleep 0.1
done
check "after the right key is back and Rempart's charon restarted, all tunnels are up" \
  interop_wait_ours 40 stock-psk stock-psk2 stock-cert
check "... on both sides" interop_wait_stock 20 rempart-psk:2 rempart-cert
check "... and pings cross them" ping_all

# Peer restart: the stock charon is killed hard and started again with its config, passive. Only
# Rempart's DPD (dpd_interval 5s, then charon's retransmission schedule) notices, and the
# restart action brings all tunnels back.
spis_before=$(ours_json | jq -c '[.[] | .spi_in]')
log_mark=$(cat "$IOP_DIR"/state/log/connections-*.jsonl | wc -l)
interop_stock_restart
echo "# stock peer restarted; waiting for Rempart's DPD (up to 240 s)"
start=$(date +%s)
if interop_wait_stock 240 rempart-psk:2 rempart-cert &&
  interop_wait_ours 30 stock-psk stock-psk2 stock-cert; then
  ok "peer restart: all tunnels are back by themselves ($(( $(date +%s) - start )) s)"
else
  bad "peer restart: all tunnels are back by themselves"
  interop_dump
fi
check "peer restart: new SAs (SPIs changed)" \
  test "$(ours_json | jq -c '[.[] | .spi_in]')" != "$spis_before"
# SAs up is not yet traffic: give the new SAs' routes a moment (bounded) before declaring failure.
for dst in 10.2.0.10 10.6.0.10 10.5.0.10; do
  check "peer restart: a ping to $dst crosses again" wait_ping 15 "$dst" || {
    cat "$IOP_DIR"/state/log/connections-*.jsonl | tail -n +"$((log_mark + 1))" |
      jq -c '[.time, .event, .tunnel, .child, .ike_id, .child_id, .spi_in, .reason]'
    swanctl_stock --list-sas
    echo "# our table 220:"; nsenter --net="$IOP_DIR/run/netns/red" ip route show table 220
    echo "# stock table 220:"; ip -n "$IOP_PREFIX-stock" route show table 220
    echo "# our SAs:"; nsenter --net="$IOP_DIR/run/netns/red" swanctl --list-sas \
      --uri "unix://$IOP_DIR/run/levels/red/charon/charon.vici"
  }
done
for t in stock-psk stock-cert; do
  check "peer restart: the log recorded $t going down and coming up again, in that order" \
    log_since_has "$log_mark" "[.[] | select(.tunnel==\"$t\" and (.event==\"ike.down\" or .event==\"ike.up\")) | .event]
      | (index(\"ike.down\") // 99) < (rindex(\"ike.up\") // -1)"
done

# stop: rempartd deletes its SAs over IKE before it exits; the peer's SAs are gone at once, not
# after its own DPD (5 s plus retransmissions).
check "before stop the stock peer has both IKE_SAs" interop_wait_stock 5 rempart-psk:2 rempart-cert
kill -TERM "$(cat "$IOP_DIR/rempartd.pid")"
gone=0
for _ in $(seq 1 20); do
  sleep 0.2
  [ -z "$(swanctl_stock --list-sas --raw 2>/dev/null | grep 'state=ESTABLISHED')" ] && { gone=1; break; }
done
check "after SIGTERM to rempartd the stock peer's SAs are gone within 4 s (deletes seen)" test $gone = 1
check "rempartd exited cleanly" interop_wait_exit 20

check "rempart log verify passes on the produced connection log" \
  "$build/gateway/rempart" log verify "$IOP_DIR/state/log"

interop_down
check "nothing is left behind" test -z "$(ip netns list | grep "^$IOP_PREFIX-" || true)"
trap - EXIT
echo "$failures failed"
[ "$failures" = 0 ]
