#!/usr/bin/env bash
# Crash test of the config store (issue 6 §5): rempartd is killed with SIGKILL at random moments
# while it commits (plain commits, commits with --confirm, confirms), restarted, and then
#   - active.yaml parses and is exactly the old or the new config, never a mix, and
#   - an unconfirmed commit never survives a restart, and
#   - the kernel agrees with the store: the level's nft ruleset has the marker rule of the
#     active config, and charon has exactly its connections.
# Usage: config_crash_test.sh BUILD_DIR [TRIALS] (default 50). One gateway, one level.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export GW_BUILD=$1 GW_PREFIX=rcx$$ GW_DIR=/tmp/rempart-cx-$$ GW_UID_BASE=61300
trials=${2:-50}
source "$top/tests/gateway/lib/one-gateway.sh"
trap 'gw_down' EXIT
failures=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
cli_bin=$GW_BUILD/gateway/rempart
sock=$GW_DIR/run/control.sock
store=$GW_DIR/state/config

gw_setup
gw_config 4001 alpha >"$GW_DIR/A.yaml"
gw_config 4002 alpha beta >"$GW_DIR/B.yaml"
declare -A port=([A]=4001 [B]=4002) conns=([A]="alpha" [B]="alpha beta")

# Which of A and B a file is, or "mix".
which_config() {
  if cmp -s "$1" "$GW_DIR/A.yaml"; then echo A
  elif cmp -s "$1" "$GW_DIR/B.yaml"; then echo B
  else echo mix; fi
}

wait_ready() {  # until the control socket answers
  for _ in $(seq 1 100); do
    "$cli_bin" --socket "$sock" show version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

start() { gw_start "$GW_DIR/A.yaml"; }
start
wait_ready && gw_wait_state 60 4001 alpha || { bad "the gateway starts"; tail -30 "$GW_DIR/rempartd.log"; exit 1; }
current=A
kinds=(commit confirm confirmed)
for trial in $(seq 1 "$trials"); do
  next=B; [ $current = B ] && next=A
  kind=${kinds[$((RANDOM % 3))]}
  # A third of the kills land at once (before or at the commit point), a third within
  # 100 ms (the commit point and the apply), a third within 0.9 s (the apply, the confirm
  # window, the confirm).
  case $((RANDOM % 3)) in
    0) delay=0 ;;
    1) delay=$(printf '0.%03d' $((RANDOM % 100))) ;;
    *) delay=$(printf '0.%03d' $((RANDOM % 900))) ;;
  esac
  if ! "$cli_bin" --socket "$sock" config load <"$GW_DIR/$next.yaml" >/dev/null; then
    bad "trial $trial: config load"; continue
  fi
  clis=()
  case $kind in
    commit) "$cli_bin" --socket "$sock" config commit >/dev/null 2>&1 & clis+=($!) ;;
    confirm) "$cli_bin" --socket "$sock" config commit --confirm 10 >/dev/null 2>&1 & clis+=($!) ;;
    confirmed)
      "$cli_bin" --socket "$sock" config commit --confirm 10 >/dev/null 2>&1 &
      clis+=($!)
      # and a confirm racing with it and with the kill
      (sleep "0.$((RANDOM % 5))"; "$cli_bin" --socket "$sock" config confirm >/dev/null 2>&1) &
      clis+=($!) ;;
  esac
  [ "$delay" = 0 ] || sleep "$delay"
  pid=$(cat "$GW_DIR/rempartd.pid")
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  wait "${clis[@]}" 2>/dev/null  # the CLIs end when their connection dies
  before=$(which_config "$store/active.yaml")
  pending_before=$([ -e "$store/confirm.pending" ] && echo 1 || echo 0)

  start
  if ! wait_ready; then bad "trial $trial ($kind, ${delay}s): rempartd restarts"; tail -20 "$GW_DIR/rempartd.log"; break; fi
  after=$(which_config "$store/active.yaml")
  what="trial $trial ($kind $current to $next, killed after ${delay}s; store $before$([ "$pending_before" = 1 ] && echo ' pending') -> $after)"
  problems=""
  [ "$after" = mix ] && problems+=" active.yaml is neither the old nor the new config;"
  "$GW_BUILD/gateway/rempart" validate "$store/active.yaml" >/dev/null 2>&1 || problems+=" active.yaml does not parse;"
  [ "$pending_before" = 1 ] && [ "$after" != "$current" ] && problems+=" an unconfirmed commit survived the restart;"
  [ -e "$store/confirm.pending" ] && problems+=" a pending record remains after start;"
  ls -A "$store" "$store/history" | grep -q '^\.' && problems+=" temporary files remain;"
  newest=$(ls "$store/history" | grep -E '^[0-9]{6}\.yaml$' | tail -1)
  [ -n "$newest" ] && cmp -s "$store/history/$newest" "$store/active.yaml" || problems+=" the newest history entry is not the active config;"
  if [ "$after" != mix ] && ! gw_wait_state 60 "${port[$after]}" "${conns[$after]}"; then
    problems+=" the kernel or charon does not match the store;"
  fi
  if [ -z "$problems" ]; then ok "$what"; else bad "$what:$problems"; fi
  [ "$after" != mix ] && current=$after
done
echo "# $failures failure(s) in $trials trials"
[ $failures -eq 0 ]
