#!/bin/sh
# Reports, one "rempart-selftest:" line each, what happens when we try to write the root and
# execute from the writable mounts. Never decides anything itself: the host test reads the lines.
say() { echo "rempart-selftest: $*"; }
for d in / /usr /usr/bin /usr/sbin /etc; do
  if out=$(touch "$d/.rempart-probe" 2>&1); then say "write $d: ok"; rm -f "$d/.rempart-probe"
  else say "write $d: ${out##*: }"; fi
done
for b in /sys/block/dm-*; do
  [ "$(cat "$b/dm/name")" = root ] && say "root device $(basename "$b") ro=$(cat "$b/ro")"
done
if out=$(dd if=/dev/zero of=/dev/mapper/root bs=4096 count=1 conv=notrunc 2>&1); then say "write /dev/mapper/root: ok"
else say "write /dev/mapper/root: $(echo "$out" | head -1 | sed 's/.*: //')"; fi
for d in /state /tmp /run /var /dev/shm; do
  probe=$d/.rempart-exec-probe
  if ! cp /usr/bin/true "$probe" 2>/dev/null; then say "exec $d: cannot create probe"; continue; fi
  chmod 0755 "$probe"
  if out=$("$probe" 2>&1); then say "exec $d: ok"; else say "exec $d: ${out##*: }"; fi
  rm -f "$probe"
done
for m in / /state /tmp /run /var /dev/shm; do say "mount $m: $(findmnt -n -o FSTYPE,OPTIONS "$m")"; done
say "setuid-or-setgid files: $(find / -xdev \( -perm -4000 -o -perm -2000 \) -type f | wc -l)"
say "root password field: $(cut -d: -f2 /etc/shadow | head -1)"
# The sandbox rempartd and its charon really run with (from /proc, not from the unit files).
status_of() { grep -E "^($2):" "/proc/$1/status" | tr -s '\t ' ' ' | tr '\n' ' '; }
pid=$(systemctl show -p MainPID --value rempartd.service)
say "rempartd: $(status_of "$pid" 'Uid|NoNewPrivs|Seccomp|CapBnd')"
charon=
for _ in $(seq 60); do
  for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = charon-systemd ] && charon=${p#/proc/}; done
  [ -n "$charon" ] && break
  sleep 0.5
done
if [ -n "$charon" ]; then say "charon: $(status_of "$charon" 'Uid|NoNewPrivs|Seccomp|CapEff')"
else say "charon: not running"; fi
# rempartd's sshd: inside rempartd's sandbox, with the configuration rempartd rendered.
sshd=
for _ in $(seq 60); do
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = sshd ] && [ "$(awk '/^PPid:/ { print $2 }' "$p/status")" = "$pid" ] &&
      sshd=${p#/proc/}
  done
  [ -n "$sshd" ] && break
  sleep 0.5
done
if [ -n "$sshd" ]; then
  say "sshd: $(status_of "$sshd" 'Uid|NoNewPrivs|Seccomp|CapBnd')"
  for k in ListenAddress AuthenticationMethods PermitRootLogin ForceCommand DisableForwarding; do
    say "sshd_config: $(grep -m1 "^$k " /run/rempart/ssh/sshd_config)"
  done
else say "sshd: not running"; fi
say "done"
