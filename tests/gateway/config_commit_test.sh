#!/usr/bin/env bash
# The config commands end to end, through the real CLI against the real rempartd (as root,
# which is admin) on one gateway in namespaces: load, diff, commit, errors, commit-confirm
# (timeout, the arming CLI killed, confirm, rempartd restarted while pending), rollback, and
# that no secret leaks. Every check looks at the kernel's firewall in the level's namespace
# (nft) and at the connections charon has loaded (swanctl over the level's VICI socket).
# Usage: config_commit_test.sh BUILD_DIR. Prints "ok - ..." / "not ok - ..."; non-zero on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export GW_BUILD=$1 GW_PREFIX=rcc$$ GW_DIR=/tmp/rempart-cc-$$ GW_UID_BASE=61300
source "$top/tests/gateway/lib/one-gateway.sh"
trap 'gw_down' EXIT
failures=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# expect_fail WHAT PATTERN CMD...: CMD exits non-zero and its stderr matches PATTERN (grep -E).
expect_fail() {
  local what=$1 pattern=$2 err rc; shift 2
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 0 ] && grep -Eq -- "$pattern" <<<"$err"; then ok "$what"; else bad "$what (rc $rc: $err)"; fi
}
# same_file A B: A has B's content (polled briefly: the store and the kernel are updated in turn).
same_file() {
  for _ in $(seq 1 50); do cmp -s "$1" "$2" && return 0; sleep 0.1; done
  return 1
}
no_pending() { [ ! -e "$GW_DIR/state/config/confirm.pending" ]; }
active="$GW_DIR/state/config/active.yaml"
# The waiting CLI runs in the background as itself (not in a subshell), so that $! is its pid.
cli_bin=$GW_BUILD/gateway/rempart
sock=$GW_DIR/run/control.sock

gw_setup
gw_config 4001 alpha >"$GW_DIR/a.yaml"
gw_config 4002 alpha beta >"$GW_DIR/b.yaml"
gw_config 4003 gamma >"$GW_DIR/c.yaml"
gw_start "$GW_DIR/a.yaml"
if ! gw_wait_state 60 4001 alpha; then
  bad "the seeded config runs"; tail -30 "$GW_DIR/rempartd.log"; exit 1
fi
ok "the seeded config runs (kernel marker 4001, charon conn alpha)"
check "the store was seeded from --config" same_file "$active" "$GW_DIR/a.yaml"

# Bad requests: clear messages, nothing changed.
expect_fail "commit without a candidate is refused" "no candidate" gw_cli config commit
expect_fail "confirm with nothing pending is refused" "nothing to confirm" gw_cli config confirm
expect_fail "rollback to a nonexistent entry is refused" "no history entry 99" gw_cli config rollback 99
expect_fail "a bad --confirm number is refused" "--confirm takes minutes" gw_cli config commit --confirm abc
expect_fail "a --confirm out of range is refused" "--confirm takes minutes" gw_cli config commit --confirm 0.01
expect_fail "an unknown option is refused" "unknown option '--force'" gw_cli config commit --force
expect_fail "load with empty input is refused" "standard input" gw_cli config load </dev/null
expect_fail "broken YAML is refused with a located error" "^candidate:[0-9]+:[0-9]+: " \
  gw_cli config load <<<"levels: [oops"
sed 's/ports: \[4001\]/ports: [99999]/' "$GW_DIR/a.yaml" >"$GW_DIR/bad.yaml"
expect_fail "an invalid port is refused, located at its path" \
  "^candidate:[0-9]+:[0-9]+: levels\[0\]\.firewall\.allow\[1\]" gw_cli config load <"$GW_DIR/bad.yaml"
expect_fail "after refused loads there is still no candidate" "no candidate" gw_cli config show candidate
gw_cli config load <"$GW_DIR/a.yaml" >/dev/null
expect_fail "committing a candidate equal to the active config is refused" "same as the active" \
  gw_cli config commit
check "nothing changed in the kernel" gw_wait_state 5 4001 alpha

# load, diff, commit: a firewall rule and a tunnel.
check "config load accepts a valid candidate" gw_cli config load <"$GW_DIR/b.yaml"
diff_out=$(gw_cli config diff)
check "config diff shows the new tunnel" grep -q '^+      - name: beta$' <<<"$diff_out"
check "config diff shows the rule change" \
  bash -c 'grep -q "^-.*ports: \[4001\]" <<<"$1" && grep -q "^+.*ports: \[4002\]" <<<"$1"' _ "$diff_out"
check "config commit succeeds" bash -c "$(declare -f gw_cli); gw_cli config commit --comment 'add beta' | grep -q 'committed: history 2'"
check "the kernel and charon run the new config (4002; alpha beta)" gw_wait_state 60 4002 "alpha beta"
check "the store's active config is the new one" same_file "$active" "$GW_DIR/b.yaml"
check "config history lists the commit with its comment" bash -c "$(declare -f gw_cli); gw_cli config history | grep -q '^\*    2 .*root.*add beta'"
expect_fail "the candidate is gone after the commit" "no candidate" gw_cli config diff
check "config history --json names the active entry" \
  bash -c "$(declare -f gw_cli); gw_cli config history --json | grep -q '\"active\":true.*\"comment\":\"add beta\".*\"number\":2'"

# A valid config the gateway cannot apply (its LAN interface does not exist): the commit fails,
# the previous config stays in force, in the kernel, in charon and in the store.
sed '/addresses: \[10.1.0.1\/24\]/a\      - interface: lan-nope\n        addresses: [10.9.0.1/24]' \
  "$GW_DIR/b.yaml" >"$GW_DIR/unappliable.yaml"
gw_cli config load <"$GW_DIR/unappliable.yaml" >/dev/null
expect_fail "a commit that cannot be applied fails and says so" "commit failed" gw_cli config commit
check "after the failed commit the previous config runs in the kernel and charon" \
  gw_wait_state 60 4002 "alpha beta"
check "after the failed commit the store's active config is the previous one" same_file "$active" "$GW_DIR/b.yaml"
check "the failed commit is not in the history" bash -c "$(declare -f gw_cli); gw_cli config history | grep -q '^\*    2 '"

# commit --confirm, not confirmed: rolled back when the time is up.
gw_cli config load <"$GW_DIR/c.yaml" >/dev/null
"$cli_bin" --socket "$sock" config commit --confirm 0.1 >"$GW_DIR/t.out" 2>"$GW_DIR/t.err" &
cli=$!
check "during the confirm window the new config runs (4003; gamma)" gw_wait_state 60 4003 gamma
check "during the window a pending record is stored" test -e "$GW_DIR/state/config/confirm.pending"
wait $cli; rc=$?
check "the waiting commit ends non-zero, saying it rolled back ($rc)" \
  bash -c "[ $rc -ne 0 ] && grep -q 'rolled back: not confirmed within 0.1 minutes' '$GW_DIR/t.err'"
check "the CLI told the operator it waits for 'config confirm'" grep -q "config confirm" "$GW_DIR/t.err"
check "after the timeout the kernel and charon are back to the previous config" gw_wait_state 60 4002 "alpha beta"
check "after the timeout the store is back to the previous config" same_file "$active" "$GW_DIR/b.yaml"
check "no pending record remains" no_pending
check "the automatic rollback is in the history" bash -c "$(declare -f gw_cli); gw_cli config history | grep -q 'automatic rollback: not confirmed'"
check "rempartd logged the rollback" grep -q "commit-confirm: previous config restored" "$GW_DIR/rempartd.log"

# commit --confirm, the arming CLI killed: rolled back at once.
gw_cli config load <"$GW_DIR/c.yaml" >/dev/null
"$cli_bin" --socket "$sock" config commit --confirm 30 >/dev/null 2>&1 &
cli=$!
check "the new config runs while the CLI waits" gw_wait_state 60 4003 gamma
kill -KILL $cli; wait $cli 2>/dev/null
check "the waiting CLI is gone" bash -c "! kill -0 $cli 2>/dev/null"
check "killing the waiting CLI brings the previous config back in the kernel and charon" \
  gw_wait_state 60 4002 "alpha beta"
check "... and in the store" same_file "$active" "$GW_DIR/b.yaml"
check "the rollback names the ended session" bash -c "$(declare -f gw_cli); gw_cli config history | grep -q 'session that armed it ended'"

# commit --confirm, confirmed from another session: kept, also after the deadline.
gw_cli config load <"$GW_DIR/c.yaml" >/dev/null
"$cli_bin" --socket "$sock" config commit --confirm 0.05 >"$GW_DIR/k.out" 2>"$GW_DIR/k.err" &
cli=$!
check "the new config runs" gw_wait_state 60 4003 gamma
for _ in $(seq 1 50); do [ -e "$GW_DIR/state/config/confirm.pending" ] && break; sleep 0.1; done
check "config confirm from another session succeeds" bash -c "$(declare -f gw_cli); gw_cli config confirm | grep -q '^confirmed'"
wait $cli; rc=$?
check "the waiting commit ends with status 0 and says confirmed" \
  bash -c "[ $rc -eq 0 ] && grep -q 'confirmed by' '$GW_DIR/k.out'"
sleep 4  # past the 3 s deadline: nothing may roll back now
check "the confirmed config stays in the kernel and charon" gw_wait_state 5 4003 gamma
check "the confirmed config stays in the store" same_file "$active" "$GW_DIR/c.yaml"
check "no pending record remains" no_pending

# rollback N: history 2 (b) becomes active again.
check "config rollback 2 commits history 2" bash -c "$(declare -f gw_cli); gw_cli config rollback 2 | grep -q committed"
check "the kernel and charon follow the rollback" gw_wait_state 60 4002 "alpha beta"
check "the store follows the rollback" same_file "$active" "$GW_DIR/b.yaml"
expect_fail "rolling back to the active config is refused" "same as the active" \
  gw_cli config rollback "$(gw_cli config history | sed -n 's/^\* *\([0-9]*\).*/\1/p')"

# rempartd killed while a confirm is pending: the next start rolls back.
gw_cli config load <"$GW_DIR/c.yaml" >/dev/null
"$cli_bin" --socket "$sock" config commit --confirm 30 >/dev/null 2>&1 &
cli=$!
check "the new config runs" gw_wait_state 60 4003 gamma
kill -KILL "$(cat "$GW_DIR/rempartd.pid")"
wait $cli 2>/dev/null
gw_start "$GW_DIR/a.yaml"
check "after a restart with a pending confirm, the previous config runs again" gw_wait_state 60 4002 "alpha beta"
check "... and is the store's active config" same_file "$active" "$GW_DIR/b.yaml"
check "... and the restart logged it" grep -q "commit-confirm was pending when rempartd stopped" "$GW_DIR/rempartd.log"
check "no pending record remains" no_pending

# No secret in any output: the keystore's PSK bytes never appear; credential names do.
psk=$(cat "$GW_DIR/state/keystore/red/peer-psk")
all=$( { gw_cli config show; gw_cli config history; gw_cli config show 2; \
         gw_cli config load <"$GW_DIR/c.yaml"; gw_cli config diff; gw_cli config show candidate; } 2>&1)
check "config show names the credential (a reference, not a secret)" grep -q 'psk: peer-psk' <<<"$all"
check "no output holds the PSK's bytes" bash -c '! grep -qF "$1" <<<"$2"' _ "$psk" "$all"
check "help lists the config commands" \
  bash -c "$(declare -f gw_cli); gw_cli help | grep -q 'config show'"

echo "# $failures failure(s)"
[ $failures -eq 0 ]
