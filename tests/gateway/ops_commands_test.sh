#!/usr/bin/env bash
# The operator and auditor commands end to end, through the real CLI against two real rempartd
# (paris, lyon) with real charon: keys, tunnel up/down/reset, show interfaces, show log with its
# filters, log export piped into the offline verifier, the audit role's limits, and that an
# imported PSK never shows up anywhere but the keystore. Usage: ops_commands_test.sh BUILD_DIR
# Each check prints "ok - ..." or "not ok - ..."; the script exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export SITES_BUILD=$1 SITES_PREFIX=rtop$$ SITES_DIR=/tmp/rempart-ops-$$
conf=/tmp/rempart-ops-conf-$$
auditor=rops$$
source "$top/scripts/lib/two-sites.sh"
cleanup() {
  sites_down
  userdel "$auditor" 2>/dev/null || true
  rm -rf "$conf"
}
trap cleanup EXIT
failures=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# Every CLI output goes to $transcript too, for the redaction check at the end.
transcript=/tmp/rempart-ops-transcript-$$
: >"$transcript"
cli() {  # SITE WORDS... (as root: the admin role); stdout+stderr, status kept
  local out rc
  out=$(sites_cli "$@" 2>&1); rc=$?
  printf '%s\n' "$out" | tee -a "$transcript"
  return $rc
}
audit_cli() {  # SITE WORDS... as the unprivileged auditor
  local site=$1 out rc; shift
  out=$(setpriv --reuid="$auditor" --regid="$(id -g "$auditor")" --clear-groups \
    "$SITES_BUILD/gateway/rempart" --socket "$SITES_DIR/$site/run/control.sock" "$@" 2>&1); rc=$?
  printf '%s\n' "$out" | tee -a "$transcript"
  return $rc
}
status_of() {  # SITE WORDS...: exit status only
  sites_cli "$@" >>"$transcript" 2>&1
  echo $?
}
spi_of() {  # SITE LEVEL
  sites_cli "$1" show tunnels --json | tr '{' '\n' | grep "\"level\":\"$2\"" |
    grep -o '"spi_in":"[0-9a-f]*"' | cut -d'"' -f4
}
export -f sites_cli _ns
refused() { test "$1" = 3 && grep -q 'needs the admin role' <<<"$2"; }
only_level() {  # LEVEL TABLE: at least one row, and every row's LEVEL column is LEVEL
  local rows; rows=$(tail -n +2 <<<"$2")
  test -n "$rows" && ! awk '{print $4}' <<<"$rows" | grep -qv "^$1\$"
}
json_lines() {  # every line is a stored record
  test -n "$1" && ! grep -qv '^{"seq":[0-9]*,"time":"[^"]*","prev":"[0-9a-f]\{64\}",.*"event":"' <<<"$1"
}
csv_ok() { head -1 <<<"$1" | grep -q '^seq,time,event,level,tunnel,peer,details' && grep -q ',red,lyon,' <<<"$1"; }
state_of() {  # SITE LEVEL
  sites_cli "$1" show tunnels --json | tr '{' '\n' | grep "\"level\":\"$2\"" |
    grep -o '"state":"[^"]*"' | cut -d'"' -f4
}

useradd --system --no-create-home --shell /usr/sbin/nologin "$auditor" || { bad "useradd"; exit 1; }
mkdir -p "$conf"
for site in paris lyon; do
  sed "s/audit: \[victor\]/audit: [$auditor]/" "$top/gateway/examples/demo/$site.yaml" >"$conf/$site.yaml"
done
grep -q "audit: \[$auditor\]" "$conf/paris.yaml" || { bad "test config maps the auditor"; exit 1; }
export SITES_CONFIG_DIR=$conf
sites_up "$SITES_BUILD"
if ! sites_wait_tunnels 90; then
  bad "all four tunnels come up"
  tail -40 "$SITES_DIR"/*/rempartd.log
  exit 1
fi
ok "all four tunnels come up"

# --- show interfaces ------------------------------------------------------------------------
out=$(cli paris show interfaces)
check "show interfaces lists the core uplink with its address" grep -Eq '^core +eth0 +up +[0-9]+ +.*192\.0\.2\.10/24' <<<"$out"
check "show interfaces lists red's LAN in the red namespace" grep -Eq '^red +lan-red +up +.*10\.1\.0\.1/24' <<<"$out"
check "show interfaces lists blue's LAN in the blue namespace" grep -Eq '^blue +lan-blue .*10\.3\.0\.1/24' <<<"$out"
mtu=$(ip -n "$SITES_PREFIX-paris" -j link show eth0 | grep -o '"mtu":[0-9]*' | cut -d: -f2)
json=$(cli paris show interfaces --json)
check "show interfaces --json gives the kernel's MTU ($mtu) for eth0" \
  grep -q "\"interface\":\"eth0\",\"mtu\":$mtu,\"namespace\":\"core\"" <<<"$json"

# --- keys ------------------------------------------------------------------------------------
out=$(cli paris keys generate red paris-red-key --type ecdsa-p384)
check "keys generate prints the public key" grep -q 'BEGIN PUBLIC KEY' <<<"$out"
check "keys generate prints no private key" bash -c "! grep -q PRIVATE <<<'$out'"
keyfile=$SITES_DIR/paris/state/keystore/red/paris-red-key
check "the private key is stored 0600 as PKCS#8" bash -c "test \"\$(stat -c %a $keyfile)\" = 600 && head -1 $keyfile | grep -q 'BEGIN PRIVATE KEY'"
cli paris keys csr red paris-red-key --subject "CN=paris.red.example,O=Rempart" >"$SITES_DIR/req.pem"
check "keys csr gives a request signed by the stored key" \
  bash -c "openssl req -in $SITES_DIR/req.pem -verify -noout 2>&1 | grep -qi 'verif.*ok' &&
           test \"\$(openssl req -in $SITES_DIR/req.pem -noout -pubkey)\" = \"\$(openssl pkey -in $keyfile -pubout)\""
check "keys generate refuses to replace an existing key" test "$(status_of paris keys generate red paris-red-key)" = 1
check "keys generate refuses an unknown level (usage error)" test "$(status_of paris keys generate green k)" = 2
check "keys generate refuses a bad name (usage error)" test "$(status_of paris keys generate red ../k)" = 2
check "keys generate refuses a bad --type (usage error)" test "$(status_of paris keys generate red k2 --type rsa)" = 2
check "keys import-cert refuses a name the config declares as a psk" \
  test "$(sites_cli paris keys import-cert red lyon-red-psk <"$SITES_DIR/req.pem" >/dev/null 2>&1; echo $?)" = 2
check "keys import-psk refuses to overwrite the generated key" \
  test "$(echo 0123456789abcdef0123 | sites_cli paris keys import-psk red paris-red-key >/dev/null 2>&1; echo $?)" = 1
short_rc=$(echo short | sites_cli paris keys import-psk red lyon-red-psk 2>&1 | tee -a "$transcript" >/dev/null; echo "${PIPESTATUS[1]}")
check "keys import-psk refuses a PSK shorter than 16 bytes" test "$short_rc" = 1
openssl req -x509 -new -key "$keyfile" -subj /CN=paris.red.example -days 30 -out "$SITES_DIR/cert.pem" 2>/dev/null
out=$(cli paris keys import-cert red paris-red-cert <"$SITES_DIR/cert.pem"); rc=$?
check "keys import-cert stores a certificate ($out)" test $rc = 0
check "keys import-cert refuses what is not a certificate" \
  test "$(echo garbage | sites_cli paris keys import-cert red other-cert >/dev/null 2>&1; echo $?)" = 1
out=$(cli paris keys list)
check "keys list shows the certificate's subject and expiry" grep -Eq '^red +paris-red-cert +certificate +ecdsa-p384 +subject CN=paris.red.example; issuer CN=paris.red.example; not after 20[0-9-]+' <<<"$out"
check "keys list shows the key with its fingerprint" grep -Eq '^red +paris-red-key +private-key +ecdsa-p384 +SHA256:[0-9a-f]{64}' <<<"$out"
check "keys list shows the PSK as a psk" grep -Eq '^red +lyon-red-psk +psk' <<<"$out"
check "keys list --json holds no key material" bash -c "! sites_cli paris keys list --json | grep -Eq 'PRIVATE|BEGIN'"

# A new PSK reaches charon: on paris only, red's next negotiation fails authentication (a
# record in the connection log); on both sides, a reset brings red back with it.
auth_failures() {
  sites_cli paris show log connections --level red --json | grep -c '"reason":"authentication failed"'
}
wait_for() {  # SECONDS COMMAND...: polls until COMMAND succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  while ! "$@"; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 1; done
}
psk=$(openssl rand -hex 24)
red_before=$(spi_of paris red)
failures_before=$(auth_failures)
cli paris keys import-psk red lyon-red-psk <<<"$psk" >/dev/null
out=$(cli paris tunnel reset lyon --level red); rc=$?
check "with the new PSK on paris only, red fails authentication (reset: $rc)" \
  wait_for 60 bash -c "test \$(sites_cli paris show log connections --level red --json | grep -c '\"reason\":\"authentication failed\"') -gt $failures_before"
cli lyon keys import-psk red paris-red-psk <<<"$psk" >/dev/null
out=$(cli paris tunnel reset lyon --level red); rc=$?
check "with the new PSK on both sides, tunnel reset brings red back: $out" test $rc = 0
now_spi() { grep -o 'now SPIs in [0-9a-f]*' <<<"$1" | awk '{print $4}'; }
red_after=$(now_spi "$out")
check "the reset red tunnel has new SPIs ($red_before -> $red_after)" test -n "$red_after" -a "$red_after" != "$red_before"
check "paris red reaches lyon red over the new SA" sites_ping paris red 10.2.0.10 2

# --- tunnel down / up / reset ----------------------------------------------------------------
check "tunnel NAME without --level is refused when ambiguous" test "$(status_of paris tunnel down lyon)" = 2
check "tunnel down of an unknown tunnel is a usage error" test "$(status_of paris tunnel down rome --level red)" = 2
sleep 3  # let duplicate SAs from the resets settle
# With both sides `always`, a level may hold two IKE_SAs at once, and which CHILD_SA `show
# tunnels` names can change between calls: "untouched" is judged by the connection log instead.
red_downs() { sites_cli paris show log connections --level red --json | grep -c '"event":"child.down"'; }
red_downs_before=$(red_downs)
out=$(cli paris tunnel down lyon --level blue); rc=$?
check "tunnel down blue answers: $out" grep -q "lyon (level blue) is.*down" <<<"$out"
# A delete whose response is lost is retransmitted by charon: allow for a slow machine.
wait_for 60 bash -c "sites_cli paris show tunnels | grep -Eq '^blue +lyon +down \(admin\)'"
sleep 6  # three refresh intervals, and lyon's retries (its tunnel is `always`)
check "blue stays down, shown as 'down (admin)'" test "$(state_of paris blue)" = "down (admin)"
check "show tunnels prints 'down (admin)'" bash -c "sites_cli paris show tunnels | grep -Eq '^blue +lyon +down \(admin\)'"
if sites_ping paris blue 10.4.0.10 1 >/dev/null 2>&1; then bad "no traffic over a tunnel that is down"; else ok "no traffic over a tunnel that is down"; fi
check "red is untouched by blue's down (no red child.down, still up)" \
  test "$(red_downs)" = "$red_downs_before" -a "$(state_of paris red)" = up
# A restart of blue's charon pushes everything again, but not the tunnel that is down.
charon_pid() { sites_cli "$1" show status | sed -n "s/.*level $2:.*charon pid \([0-9-]*\).*/\1/p"; }
old_pid=$(charon_pid paris blue)
kill -9 "$old_pid"
for _ in $(seq 1 30); do
  sleep 1
  new_pid=$(charon_pid paris blue)
  [ -n "$new_pid" ] && [ "$new_pid" != "$old_pid" ] && [ "$new_pid" != -1 ] && break
done
sleep 5
check "after blue's charon restarted ($old_pid -> $new_pid), blue is still 'down (admin)'" \
  test "$(state_of paris blue)" = "down (admin)"
if sites_ping paris blue 10.4.0.10 1 >/dev/null 2>&1; then bad "no traffic after the restart either"; else ok "no traffic after the restart either"; fi
out=$(cli paris tunnel up lyon --level blue); rc=$?
check "tunnel up brings blue back: $out" test $rc = 0
check "paris blue reaches lyon blue again" sites_ping paris blue 10.4.0.10 2
blue_before=$(spi_of paris blue)
out=$(cli paris tunnel reset lyon --level blue); rc=$?
check "tunnel reset blue: $out" test $rc = 0
blue_after=$(now_spi "$out")
check "blue has new SPIs after reset ($blue_before -> $blue_after)" test -n "$blue_after" -a "$blue_after" != "$blue_before"
check "show tunnels reports blue up after the reset" test "$(state_of paris blue)" = up

# --- show log, export, verify ----------------------------------------------------------------
out=$(cli paris show log connections --level red --since 1h)
check "show log connections --level red has red rows only" only_level red "$out"
check "show log --tunnel --peer select the red tunnel's records" \
  bash -c "sites_cli paris show log connections --level red --tunnel lyon --peer 192.0.2.21 | grep -q child.up"
check "show log with a window in the past is empty" \
  test "$(sites_cli paris show log connections --since 2000-01-01 --until 2000-01-02T00:00:00Z | wc -l)" = 1
json=$(cli paris show log connections --json --level blue)
check "show log --json gives stored records, one per line" json_lines "$json"
json_lines "$json" || grep -v '^{"seq":[0-9]*,"time":"[^"]*","prev":"[0-9a-f]\{64\}","event":' <<<"$json" | head -c 600
csv=$(cli paris show log connections --csv --level red)
check "show log --csv has the header and the red rows" csv_ok "$csv"
check "show log with a bad time is a usage error" test "$(status_of paris show log connections --since yesterday)" = 2
check "show log with an unknown flag is a usage error" test "$(status_of paris show log connections --bogus)" = 2
check "show log with an unknown level is a usage error" test "$(status_of paris show log connections --level green)" = 2
check "show log admin works even when the admin trail is absent or empty" test "$(status_of paris show log admin)" = 0

sites_cli paris log export connections >"$SITES_DIR/export.jsonl"
cat "$SITES_DIR/export.jsonl" >>"$transcript"
out=$("$SITES_BUILD/gateway/rempart" log verify - <"$SITES_DIR/export.jsonl" 2>&1)
check "log export | rempart log verify - passes: $out" grep -q 'OK, ' <<<"$out"
check "the export is the stored files byte for byte" \
  bash -c "cat $SITES_DIR/paris/state/log/connections-*.jsonl | head -c \$(stat -c %s $SITES_DIR/export.jsonl) | cmp -s - $SITES_DIR/export.jsonl"
sed '3s/"seq":3,/"seq":3 ,/' "$SITES_DIR/export.jsonl" >"$SITES_DIR/edited.jsonl"
out=$("$SITES_BUILD/gateway/rempart" log verify - <"$SITES_DIR/edited.jsonl" 2>&1); rc=$?
check "an edited export fails with status 1 ($rc)" test $rc = 1
check "the failure names the edited line: $out" grep -q '<stdin>:[34]:' <<<"$out"
out=$(cli paris log verify)
check "log verify on the device reports the connection log OK: $out" grep -q 'connections.*OK' <<<"$out"

red_downs_before=$(red_downs)
# --- the audit role --------------------------------------------------------------------------
out=$(audit_cli paris whoami)
check "auditor: whoami says audit ($out)" grep -q " audit$" <<<"$out"
# Every command open to audit must be a read: help, whoami, show ..., log export|verify, config show.
out=$(audit_cli paris help)
writes=$(tail -n +2 <<<"$out" | awk '{print $1" "$2}' |
  grep -Ev '^(help|whoami) |^show |^log (export|verify)$|^config show$' || true)
check "the audit role is offered only read commands (others: ${writes:-none})" test -z "$writes"
check "the audit role is offered show log and log export" \
  bash -c "grep -q 'show log connections' <<<\"$out\" && grep -q 'log export' <<<\"$out\""
out=$(audit_cli paris show log connections --level red); rc=$?
check "auditor: show log connections works ($rc)" grep -q child.up <<<"$out"
audit_cli paris log export >"$SITES_DIR/audit-export.jsonl"; rc=$?
check "auditor: log export works and verifies" bash -c "test $rc = 0 && $SITES_BUILD/gateway/rempart log verify - <$SITES_DIR/audit-export.jsonl >/dev/null"
audit_cli paris log verify >/dev/null; rc=$?
check "auditor: log verify works" test $rc = 0
audit_cli paris show interfaces >/dev/null; rc=$?
check "auditor: show interfaces works" test $rc = 0
for words in "keys list" "keys generate red x" "keys csr red paris-red-key --subject CN=x" \
  "keys import-psk red lyon-red-psk" "keys import-cert red x" "tunnel down lyon --level red" \
  "tunnel up lyon --level red" "tunnel reset lyon --level red"; do
  out=$(audit_cli paris $words </dev/null); rc=$?
  check "auditor refused: $words ($rc: $out)" refused "$rc" "$out"
done
check "after the refusals red is still up, no red child.down" \
  test "$(red_downs)" = "$red_downs_before" -a "$(state_of paris red)" = up

# --- redaction: the imported PSK appears nowhere but in the keystore -------------------------
leaks=$(grep -rlF "$psk" "$SITES_DIR" "$transcript" 2>/dev/null | grep -v '/state/keystore/' || true)
check "the imported PSK is in no output, log, export or rempartd output (leaks: ${leaks:-none})" test -z "$leaks"
check "the PSK is in the keystores (the grep can find it)" grep -qF "$psk" "$SITES_DIR/paris/state/keystore/red/lyon-red-psk"

rm -f "$transcript"
cleanup
check "nothing is left behind" test -z "$(ip netns list | grep "^$SITES_PREFIX-" || true)"
trap - EXIT
echo "$failures failed"
[ "$failures" = 0 ]
