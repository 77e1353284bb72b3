#!/usr/bin/env bash
# End to end: rempartd runs sshd in its core namespace; the real OpenSSH client, in a client
# namespace, logs in with keys made here as three test users (admin, audit, update roles).
# Checks what each role may run, that every escape attempt fails, and that every refusal is in
# the hash-chained admin trail, which must still verify.
# Usage: ssh_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "$1" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
P=rtssh$$
GW=$P-gw
CL=$P-cl
BASE=/run/$P            # root-owned 0755 path: sshd's StrictModes checks every parent
USERS=(rtadmin rtaudit rtupdate)
FAILS=0
GW_ADDR=10.255.9.1

cleanup() {
  local pid
  pid=$(cat "$BASE/rempartd.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for ns in $GW $CL $GW-office; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-" || true); do ip netns del "$ns"; done
  for f in "$BASE"/run/netns/*; do [ -e "$f" ] && umount -l "$f" 2>/dev/null; done
  for u in "${USERS[@]}"; do userdel "$u" 2>/dev/null || true; done
  rm -rf "$BASE" /tmp/$P-marker*
}
trap cleanup EXIT
[ -n "${KEEP_TRAIL:-}" ] && trap 'cp $BASE/state/log/admin-*.jsonl $KEEP_TRAIL; cleanup' EXIT

ok() { echo "PASS: $1"; }
ko() { echo "FAIL: $1"; FAILS=$((FAILS + 1)); }

for u in "${USERS[@]}"; do
  # Not ours: leave it (and everything else) alone.
  if id "$u" >/dev/null 2>&1; then echo "user $u exists already; another run?"; trap - EXIT; exit 1; fi
done

mkdir -p "$BASE" && chmod 755 "$BASE"
mkdir -p "$BASE/keys" "$BASE/state/keystore/office"
# A password field of '*': no password, but not a locked account (sshd refuses those).
mkdir -p "$BASE/home"
for u in "${USERS[@]}"; do useradd -m -d "$BASE/home/$u" -N -s /bin/sh -p '*' "$u" || exit 1; done
for k in admin audit update other; do
  ssh-keygen -q -t ed25519 -N "" -C "$k@test" -f "$BASE/keys/$k" || exit 1
done
(umask 077; openssl rand -hex 32 >"$BASE/state/keystore/office/lyon-psk")

sed -e 's/^  dataplane: kernel.*/  dataplane: libipsec/' \
    -e 's|10.255.0.1/24|10.255.9.1/24|' -e 's|10.255.0.0/24|10.255.9.0/24|' \
    -e 's/start: always /start: passive /' \
    -e 's/admin: \[alice\]/admin: [rtadmin]/' -e 's/audit: \[victor\]/audit: [rtaudit]/' \
    -e 's/update: \[ursula\]/update: [rtupdate]/' -e '/gateway: 192.0.2.1/d' \
    "$TOP/gateway/examples/minimal.yaml" >"$BASE/gw.yaml"

ip netns add $GW && ip netns add $CL || exit 1
ip -n $GW link set lo up
ip -n $CL link set lo up
ip -n $GW link add mgmt0 type veth peer name eth0 netns $CL
ip -n $GW link add eth0 type veth peer name up0
ip -n $GW link add lan0 type veth peer name lanpeer
ip -n $CL addr add 10.255.9.2/24 dev eth0
ip -n $CL link set eth0 up

nsenter --net=/run/netns/$GW "$BUILD/gateway/rempartd" --config "$BASE/gw.yaml" \
  --runtime-dir "$BASE/run" --state-dir "$BASE/state" --cli "$BUILD/gateway/rempart" \
  --charon-uid-base 60700 >"$BASE/rempartd.log" 2>&1 &
echo $! >"$BASE/rempartd.pid"

CTL="$BUILD/gateway/rempart --socket $BASE/run/control.sock"
for _ in $(seq 1 100); do
  [ -s "$BASE/run/ssh/sshd.pid" ] && ip netns exec $GW ss -ltn | grep -q "$GW_ADDR:22 " && break
  sleep 0.2
done
if ! ip netns exec $GW ss -ltn | grep -q "$GW_ADDR:22 "; then
  echo "sshd is not listening"; cat "$BASE/rempartd.log"; exit 1
fi
ok "rempartd started sshd on $GW_ADDR:22 only"
for k in ed25519 ecdsa; do
  f=$BASE/state/ssh/ssh_host_${k}_key
  [ "$(stat -c %a:%U "$f")" = 600:root ] && ok "host key $k generated, 0600 root" || ko "host key $k: $(stat -c %a:%U "$f")"
  grep -qF "$(sed -n 2p "$f")" "$BASE/rempartd.log" && ko "host key $k material in the log"
done
ssh-keygen -l -f "$BASE/state/ssh/ssh_host_ecdsa_key.pub" | grep -q "^384 .*(ECDSA)" \
  && ok "ECDSA host key is P-384" || ko "ECDSA host key is not P-384"
ip netns exec $GW ss -ltn | grep ':22 ' | grep -qv "$GW_ADDR:22 " && ko "sshd listens elsewhere too"

# Keys are added by root on the console (uid 0 is admin), then by the admin over SSH.
$CTL users add-key admin <"$BASE/keys/admin.pub" || ko "users add-key admin (local root)"
ADMIN_FP=$(ssh-keygen -lf "$BASE/keys/admin.pub" | awk '{print $2}')

SSH_OPTS=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
  -o IdentitiesOnly=yes -o ConnectTimeout=5 -o LogLevel=ERROR)
# gw_ssh KEY USER [ssh options...] [-- command...]: ssh from the client namespace.
gw_ssh() {
  local key=$1 user=$2 opts=(); shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  ip netns exec $CL timeout 20 ssh "${SSH_OPTS[@]}" -i "$BASE/keys/$key" "${opts[@]}" \
    "$user@$GW_ADDR" "$@"
}
run() {  # run KEY USER WORDS...: one-shot command, output in $OUT, status in $RC
  local key=$1 user=$2; shift 2
  OUT=$(gw_ssh "$key" "$user" -- "$@" 2>&1 </dev/null); RC=$?
}

OUT=$(gw_ssh admin rtadmin -- users add-key audit <"$BASE/keys/audit.pub" 2>&1) \
  || ko "users add-key audit over SSH: $OUT"
gw_ssh admin rtadmin -- users add-key update <"$BASE/keys/update.pub" >/dev/null 2>&1 \
  || ko "users add-key update over SSH"
# A key with an options prefix is refused.
echo "command=\"/bin/sh\" $(cat "$BASE/keys/other.pub")" | gw_ssh admin rtadmin -- users add-key audit >/dev/null 2>&1 \
  && ko "a key with command= was accepted"
# root is never allowed, even with a key file.
cp "$BASE/state/ssh/authorized_keys/rtadmin" "$BASE/state/ssh/authorized_keys/root"

# --- Roles
for pair in admin:rtadmin audit:rtaudit update:rtupdate; do
  key=${pair%%:*} user=${pair##*:}
  run "$key" "$user" help
  [ $RC = 0 ] && [[ $OUT == *"Commands for $user ($key)"* ]] && ok "$user: help" || ko "$user: help ($RC) $OUT"
  run "$key" "$user" whoami
  [ $RC = 0 ] && [ "$OUT" = "$user $key" ] && ok "$user: whoami" || ko "$user: whoami ($RC) $OUT"
  for cmd in "show status" "show version" "show tunnels"; do
    # shellcheck disable=SC2086
    run "$key" "$user" $cmd
    [ $RC = 0 ] && ok "$user: $cmd" || ko "$user: $cmd ($RC) $OUT"
  done
done
run admin rtadmin users list
[ $RC = 0 ] && [[ $OUT == *"$ADMIN_FP"* ]] && ok "rtadmin: users list" || ko "rtadmin: users list ($RC) $OUT"
for pair in audit:rtaudit update:rtupdate; do
  key=${pair%%:*} user=${pair##*:}
  run "$key" "$user" users list
  [ $RC = 3 ] && [[ $OUT == *"'users list' needs the admin role; $user has $key"* ]] \
    && ok "$user: users list refused" || ko "$user: users list ($RC) $OUT"
  run "$key" "$user" users add-key "$key"
  [ $RC = 3 ] && ok "$user: users add-key refused" || ko "$user: users add-key ($RC) $OUT"
done

# --- Escapes through the command line: nothing runs, nothing is created
M=/tmp/$P-marker
for cmd in "show status; touch $M.1" "\$(touch $M.2)" "\`touch $M.3\`" "show status | touch $M.4" \
           "show status > $M.5" "show status && touch $M.6" "touch $M.7" "sh -c 'touch $M.8'" \
           "show status
touch $M.9"; do
  OUT=$(gw_ssh admin rtadmin -- "$cmd" 2>&1 </dev/null); RC=$?
  [ $RC = 2 ] && ok "one-shot refused: $cmd" || ko "one-shot not refused ($RC): $cmd: $OUT"
done
# Interactive, with a terminal: the same attempts typed at the prompt.
OUT=$(printf 'show status; touch %s.10\n$(touch %s.11)\n`touch %s.12`\nshow version\nexit\n' "$M" "$M" "$M" |
  gw_ssh admin rtadmin -tt 2>&1); RC=$?
[[ $OUT == *"unknown command 'show status; touch"* ]] && [[ $OUT == *"rempart "* ]] \
  && ok "interactive: metacharacters are words, show version works" || ko "interactive ($RC): $OUT"
# Tab completion of command words from what the role may run: "sho<TAB> ver<TAB>" runs
# `show version`; "us<TAB>" completes nothing for the audit role.
OUT=$(printf 'sho\t ver\t\nexit\n' | gw_ssh admin rtadmin -tt 2>&1)
[[ $OUT == *"rempart 0"* || $OUT == *"rempart 1"* ]] && ok "interactive: tab completion" \
  || ko "interactive completion: $OUT"
# Names complete too: after the command "users remove-key", "aud<TAB>" gives audit.
OUT=$(printf 'users remove-key aud\t SHA256:x\nusers add-key audit\nexit\n' | gw_ssh admin rtadmin -tt 2>&1)
[[ $OUT == *"no key SHA256:x for role audit"* ]] && ok "interactive: names complete" \
  || ko "interactive name completion: $OUT"
OUT=$(printf 'whoami\nus\t\nexit\n' | gw_ssh audit rtaudit -tt 2>&1)
[[ $OUT == *"rtaudit audit"* ]] && [[ $OUT != *"users"* ]] && ok "interactive: no completion of admin commands for audit" \
  || ko "interactive audit completion: $OUT"
ls /tmp/$P-marker* >/dev/null 2>&1 && ko "a marker file was created: $(ls /tmp/$P-marker*)" \
  || ok "no command ran (no marker file)"

# Oversize and non-UTF-8 command lines: refused by the CLI, recorded by rempartd.
BIG=$(head -c 100000 /dev/zero | tr '\0' a)
OUT=$(gw_ssh admin rtadmin -- "show $BIG" 2>&1 </dev/null); RC=$?
[ $RC = 2 ] && [[ $OUT == *"exceeds the limit"* ]] && ok "100 kB command line refused" || ko "100 kB ($RC): ${OUT:0:200}"
OUT=$(gw_ssh admin rtadmin -- $'show \xff\xfe status' 2>&1 </dev/null); RC=$?
[ $RC = 2 ] && [[ $OUT == *"not valid UTF-8"* ]] && ok "non-UTF-8 refused" || ko "non-UTF-8 ($RC): $OUT"
# 8 MB cannot even be one argv string on Linux (128 KiB cap); sent as the command via stdin of
# a non-stdin command it is simply not read. The SSH layer caps a command at 256 kB: check
# that an 8 MB command line fails cleanly without running anything.
python3 -c 'import sys; sys.stdout.write("show " + "a"*(8 << 20))' >"$BASE/big"
OUT=$(ip netns exec $CL timeout 20 python3 - "$BASE" <<'PY' 2>&1
import os, subprocess, sys
base = sys.argv[1]
cmd = open(base + "/big").read()
# Pass the command through ssh's -o RemoteCommand from a config file, avoiding argv limits.
with open(base + "/bigcfg", "w") as f:
    f.write("RemoteCommand " + cmd + "\n")
r = subprocess.run(["ssh", "-F", base + "/bigcfg", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
                    "-i", base + "/keys/admin", "rtadmin@10.255.9.1"], capture_output=True)
print("rc", r.returncode, r.stderr.decode(errors="replace")[:300])
PY
)
[[ $OUT == "rc 0"* ]] && ko "8 MB command line succeeded: $OUT" || ok "8 MB command line fails cleanly (${OUT:0:80})"

# --- Forwarding of every kind, tunnels, agent, -N
ip netns exec $CL timeout 15 ssh "${SSH_OPTS[@]}" -i "$BASE/keys/admin" -N -o ExitOnForwardFailure=yes \
  -R 127.0.0.1:2345:127.0.0.1:22 rtadmin@$GW_ADDR >/dev/null 2>&1; RC=$?
[ $RC = 255 ] && ok "-R refused" || ko "-R ($RC)"
ip netns exec $CL timeout 15 ssh "${SSH_OPTS[@]}" -i "$BASE/keys/admin" -N -o ExitOnForwardFailure=yes \
  -o Tunnel=point-to-point -w any rtadmin@$GW_ADDR >/dev/null 2>&1; RC=$?
[ $RC = 255 ] && ok "-w refused" || ko "-w ($RC)"
for mode in L D; do
  if [ $mode = L ]; then spec=(-L 127.0.0.1:2201:$GW_ADDR:22); else spec=(-D 127.0.0.1:2201); fi
  ip netns exec $CL timeout 15 ssh "${SSH_OPTS[@]}" -i "$BASE/keys/admin" -N "${spec[@]}" \
    rtadmin@$GW_ADDR >"$BASE/fwd.log" 2>&1 &
  fpid=$!
  for _ in $(seq 1 50); do ip netns exec $CL ss -ltn | grep -q 127.0.0.1:2201 && break; sleep 0.1; done
  if [ $mode = L ]; then
    GOT=$(ip netns exec $CL timeout 5 nc -w 3 127.0.0.1 2201 </dev/null 2>&1)
  else
    GOT=$(ip netns exec $CL timeout 5 nc -w 3 -X 5 -x 127.0.0.1:2201 $GW_ADDR 22 </dev/null 2>&1)
  fi
  kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
  [[ $GOT == *SSH-2.0* ]] && ko "-$mode forwarded a connection" || ok "-$mode forwards nothing"
done
# -N: a connection without a session runs nothing; it is closed by the timeout here.
ip netns exec $CL timeout 3 ssh "${SSH_OPTS[@]}" -i "$BASE/keys/admin" -N rtadmin@$GW_ADDR >/dev/null 2>&1; RC=$?
[ $RC = 124 ] && ok "-N gives a connection that does nothing" || ko "-N ($RC)"
# -A with an agent: the session has no agent socket; the command is still refused.
OUT=$(ip netns exec $CL bash -c "eval \$(ssh-agent -s) >/dev/null; ssh-add -q '$BASE/keys/other'; \
  timeout 20 ssh ${SSH_OPTS[*]} -A -i '$BASE/keys/admin' rtadmin@$GW_ADDR 'sh -c env'; rc=\$?; \
  ssh-agent -k >/dev/null; exit \$rc" 2>&1); RC=$?
[ $RC = 2 ] && [[ $OUT != *SSH_AUTH_SOCK* ]] && ok "-A gives nothing" || ko "-A ($RC): $OUT"

# --- sftp, scp
echo data >"$BASE/payload"
ip netns exec $CL timeout 20 sftp "${SSH_OPTS[@]}" -i "$BASE/keys/admin" -b - rtadmin@$GW_ADDR \
  <<<"put $BASE/payload /tmp/$P-marker-sftp" >/dev/null 2>&1 && ko "sftp worked" || ok "sftp fails"
ip netns exec $CL timeout 20 scp "${SSH_OPTS[@]}" -i "$BASE/keys/admin" "$BASE/payload" \
  rtadmin@$GW_ADDR:/tmp/$P-marker-scp >/dev/null 2>&1 && ko "scp worked" || ok "scp fails"
ip netns exec $CL timeout 20 scp -O "${SSH_OPTS[@]}" -i "$BASE/keys/admin" "$BASE/payload" \
  rtadmin@$GW_ADDR:/tmp/$P-marker-scpO >/dev/null 2>&1 && ko "scp -O worked" || ok "scp -O (legacy) fails"
ls /tmp/$P-marker* >/dev/null 2>&1 && ko "a file arrived: $(ls /tmp/$P-marker*)" || ok "no file arrived"

# --- Environment requests: LD_PRELOAD naming a missing object would make ld.so complain in
# every remote process; PATH pointing at a directory with a fake rempart would take over.
# SetEnv sends them without setting them for the local ssh; SendEnv sends the local PATH.
mkdir -p "$BASE/evilbin" && printf '#!/bin/sh\ntouch %s.env\n' "$M" >"$BASE/evilbin/rempart" \
  && chmod 755 "$BASE/evilbin/rempart" && cp "$BASE/evilbin/rempart" "$BASE/evilbin/sh"
OUT=$(ip netns exec $CL env PATH="$BASE/evilbin:$PATH" timeout 20 ssh "${SSH_OPTS[@]}" \
  -o "SetEnv=LD_PRELOAD=/nonexistent-$P.so REMPART_CONTROL_SOCKET=/nonexistent" -o SendEnv=PATH \
  -i "$BASE/keys/admin" rtadmin@$GW_ADDR whoami 2>&1); RC=$?
[ $RC = 0 ] && [ "$OUT" = "rtadmin admin" ] && [ ! -e "$M.env" ] \
  && ok "SetEnv LD_PRELOAD / SendEnv PATH are not accepted" || ko "env requests ($RC): $OUT"

# --- Authentication
for args in "rtadmin -o PreferredAuthentications=password -o PubkeyAuthentication=no" \
            "rtadmin -o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no" \
            "root" "nosuchuser$$" "rtaudit"; do
  set -- $args
  user=$1; shift
  key=admin; [ "$user" = rtaudit ] && key=other   # rtaudit with a key that is not its own
  OUT=$(gw_ssh $key "$user" "$@" -- whoami 2>&1 </dev/null); RC=$?
  [ $RC = 255 ] && [[ $OUT == *"Permission denied"* ]] && ok "login refused: $args" || ko "login ($RC): $args: $OUT"
done

# --- Keys: removal takes effect at once
UPDATE_FP=$(ssh-keygen -lf "$BASE/keys/update.pub" | awk '{print $2}')
run admin rtadmin users remove-key update "$UPDATE_FP"
[ $RC = 0 ] && ok "users remove-key" || ko "users remove-key ($RC) $OUT"
run update rtupdate whoami
[ $RC = 255 ] && ok "removed key no longer logs in" || ko "removed key ($RC) $OUT"

# --- The admin trail
TRAIL=$(ls "$BASE"/state/log/admin-*.jsonl)
refused() {  # refused JQ_FILTER LABEL: at least one refused record matches
  if jq -e -s "[.[] | select(.result == \"refused\") | select($1)] | length > 0" $TRAIL >/dev/null; then
    ok "trail: $2"
  else
    ko "trail has no refused record for $2"
  fi
}
refused '.user == "rtaudit" and .command == ["users","list"] and .role == "audit"' "rtaudit users list"
refused '.user == "rtupdate" and .command == ["users","list"]' "rtupdate users list"
refused '.command == ["show","status;","touch","'$M'.1"] and .session == "one-shot"' "'show status; touch'"
refused '.command == ["$(touch","'$M'.2)"]' "\$(...)"
refused '.command == ["`touch","'$M'.3`"]' "backticks"
refused '.command == ["show","status","|","touch","'$M'.4"]' "pipe"
refused '.command == ["show","status",">","'$M'.5"]' "redirection"
refused '.session == "interactive" and .command[1] == "status;"' "interactive metacharacters"
refused '(.cli_refused // "") | test("exceeds the limit")' "oversize command line"
refused '(.cli_refused // "") | test("UTF-8")' "non-UTF-8 command line"
refused '.command[0] == "scp"' "scp -O's remote command"
refused '.session == "interactive" and ((.cli_refused // "") | test("reads standard input"))' "stdin command at the prompt"
refused '.command == ["sh","-c","env"]' "-A session's command"
if jq -e -s "[.[] | select(.user == \"rtadmin\" and .key == \"$ADMIN_FP\" and .source_addr == \"10.255.9.2\" and (.source_port|length) > 0)] | length > 5" $TRAIL >/dev/null; then
  ok "trail records key fingerprint and source address"
else
  ko "trail lacks key/source: $(tail -n 2 $TRAIL)"
fi
jq -e -s '[.[] | select(.command == ["users","add-key","audit"] and .result == "ok" and (.note|test("added key")))] | length == 1' $TRAIL >/dev/null \
  && ok "trail: add-key with its note" || ko "trail: add-key note"
grep -q "$(awk '{print $2}' "$BASE/keys/audit.pub")" $TRAIL && ko "key material in the trail" || ok "no key material in the trail"
OUT=$($BUILD/gateway/rempart log verify "$BASE/state/log" 2>&1); RC=$?
[ $RC = 0 ] && ok "log verify: $OUT" || ko "log verify ($RC): $OUT"

grep "sshd exited" "$BASE/rempartd.log" | grep -vq "signal 15" && ko "sshd exited during the test"

# --- A committed config that takes rtaudit out of its role: sshd is restarted without it, and
# the commit is in the trail.
sed 's/audit: \[rtaudit\]/audit: []/' "$BASE/gw.yaml" >"$BASE/gw2.yaml"
OUT=$(gw_ssh admin rtadmin -- config load <"$BASE/gw2.yaml" 2>&1) || ko "config load: $OUT"
OUT=$(gw_ssh admin rtadmin -- "config commit --comment 'drop rtaudit'" 2>&1 </dev/null) || ko "config commit: $OUT"
for _ in $(seq 1 50); do grep -q "AllowUsers rtadmin@" "$BASE/run/ssh/sshd_config" && ! grep -q rtaudit "$BASE/run/ssh/sshd_config" && break; sleep 0.1; done
run audit rtaudit whoami
[ $RC = 255 ] && [[ $OUT == *"Permission denied"* ]] && ok "role removed by a commit: sshd no longer lets rtaudit in" \
  || ko "rtaudit after the commit ($RC): $OUT"
run admin rtadmin whoami
[ $RC = 0 ] && ok "rtadmin still logs in after the commit" || ko "rtadmin after the commit ($RC): $OUT"
jq -e -s '[.[] | select(.command[0:2] == ["config","commit"] and .result == "ok")] | length == 1' \
  "$BASE"/state/log/admin-*.jsonl >/dev/null && ok "trail: config commit" || ko "trail: config commit"

# --- Commit-confirm over SSH: the arming connection dies (the client is killed, sshd's session
# ends, nothing tells the waiting CLI but its output pipe), and the previous config comes back at
# once, long before the 5 minutes.
ACTIVE=$BASE/state/config/active.yaml
sed '1i # confirm-over-ssh' "$BASE/gw2.yaml" >"$BASE/gw3.yaml"
OUT=$(gw_ssh admin rtadmin -- config load <"$BASE/gw3.yaml" 2>&1) || ko "config load (confirm): $OUT"
gw_ssh admin rtadmin -- config commit --confirm 5 </dev/null >"$BASE/confirm.out" 2>&1 &
CONFIRM_PID=$!
for _ in $(seq 1 100); do grep -q "confirm-over-ssh" "$ACTIVE" 2>/dev/null && break; sleep 0.1; done
grep -q "confirm-over-ssh" "$ACTIVE" && ok "commit --confirm over SSH applied, waiting" \
  || ko "commit --confirm over SSH not applied: $(cat "$BASE/confirm.out")"
pkill -KILL -f "ssh .*rtadmin@$GW_ADDR config commit --confirm" || ko "no ssh client to kill"
for _ in $(seq 1 80); do grep -q "confirm-over-ssh" "$ACTIVE" || break; sleep 0.1; done
grep -q "confirm-over-ssh" "$ACTIVE" && ko "killing the arming SSH connection did not roll back within 8 s" \
  || ok "rollback after the arming SSH connection was killed"
# It closed its control connection first and may still be exiting (slowly under ASan).
for _ in $(seq 1 50); do pgrep -f -- "--ssh --socket $BASE/run/control.sock" >/dev/null || break; sleep 0.1; done
pgrep -f -- "--ssh --socket $BASE/run/control.sock" >/dev/null && ko "the CLI of the dropped session still runs after 5 s"
wait "$CONFIRM_PID"

# --- Supervision: a killed sshd comes back; rempartd's shutdown stops it.
OLD=$(cat "$BASE/run/ssh/sshd.pid")
kill -KILL "$OLD"
for _ in $(seq 1 100); do
  NEW=$(cat "$BASE/run/ssh/sshd.pid" 2>/dev/null)
  [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kill -0 "$NEW" 2>/dev/null && break
  sleep 0.1
done
run admin rtadmin whoami
[ "$NEW" != "$OLD" ] && [ $RC = 0 ] && ok "sshd restarted after SIGKILL (pid $OLD -> $NEW)" \
  || ko "sshd not restarted ($OLD -> $NEW, $RC): $OUT"
# rempartd killed outright leaves its sshd; the next rempartd stops it and starts its own.
PID=$(cat "$BASE/rempartd.pid")
kill -KILL "$PID"; wait "$PID" 2>/dev/null
kill -0 "$NEW" 2>/dev/null || ko "sshd did not outlive a killed rempartd (test premise)"
nsenter --net=/run/netns/$GW "$BUILD/gateway/rempartd" --config "$BASE/gw.yaml" \
  --runtime-dir "$BASE/run" --state-dir "$BASE/state" --cli "$BUILD/gateway/rempart" \
  --charon-uid-base 60700 >>"$BASE/rempartd.log" 2>&1 &
echo $! >"$BASE/rempartd.pid"
for _ in $(seq 1 100); do
  NEW2=$(cat "$BASE/run/ssh/sshd.pid" 2>/dev/null)
  [ -n "$NEW2" ] && [ "$NEW2" != "$NEW" ] && break
  sleep 0.2
done
sleep 0.5
run admin rtadmin whoami
! kill -0 "$NEW" 2>/dev/null && [ $RC = 0 ] && ok "a restarted rempartd replaces the stale sshd ($NEW -> $NEW2)" \
  || ko "stale sshd ($NEW -> ${NEW2:-none}, $RC): $OUT"
NEW=$NEW2
PID=$(cat "$BASE/rempartd.pid")
kill -TERM "$PID"
for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$NEW" 2>/dev/null && ko "sshd still runs after rempartd stopped" || ok "sshd stopped with rempartd"
if [ $FAILS -ne 0 ]; then
  echo "--- rempartd log (tail)"; tail -n 60 "$BASE/rempartd.log"
  echo "$FAILS check(s) failed"; exit 1
fi
echo "all checks passed"
