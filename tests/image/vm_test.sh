#!/usr/bin/env bash
# vm_test.sh TEST SOURCE_DIR BUILD_DIR : the image tier of the tests (CTest labels image;vm).
#   build               builds the image once into BUILD_DIR/image-out, signed with the OVMF
#                       snakeoil key, its state seeded with tests/image/fixtures/rempart.yaml and
#                       a fresh PSK (the fixture every other test needs), and the public half of
#                       a fresh SSH key as the admin's authorized key (private half in
#                       BUILD_DIR/image-keys, never in the source tree)
#   boot-direct         direct-kernel boot, production command line: reaches "rempart: ready"
#   noexec              direct-kernel boot with rempart.selftest: the root is read-only and
#                       nothing on /state, /tmp, /run, /var, /dev/shm can be executed
#   tamper-data         one flipped byte in the squashfs: no ready, verity names the block
#   tamper-hash         one flipped byte in the hash tree: same
#   tamper-roothash     command line with a wrong root hash: same
#   secureboot          OVMF Secure Boot (snakeoil db) -> signed systemd-boot -> signed UKI: ready
#   secureboot-unsigned the same disk with an unsigned UKI: refused by the firmware, no ready
#   reproducible        the squashfs built twice from the image's tree has the image's root hash
#   hardening           host-side checks of the built root tree
#   network             direct-kernel boot with the guest's NICs wired to host namespaces: a stock
#                       strongSwan peer (kernel-libipsec) and a LAN host on each side; the guest
#                       reaches ready, its kernel-ESP tunnel comes up, pings cross it both ways;
#                       `ssh admin@<management address> show tunnels` (rempartd's sshd, the CLI as
#                       the login shell) shows it up, and a shell command line is refused
# qemu runs under TCG (KVM hangs on these machines). Prints the time each boot took.
# KEEP_TMP=1 keeps the test's temporary directory (console logs, the peer's charon log).
set -euo pipefail
test=${1:?usage: vm_test.sh TEST SOURCE_DIR BUILD_DIR}
src=$(cd "${2:?}" && pwd)
bin=$(cd "${3:?}" && pwd)
out=$bin/image-out
keys=$bin/image-keys
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rempart-vm-$test.XXXXXX")
qemu_pid=
netns=()     # namespaces this test created, removed on exit
peer_pid=
cleanup() {
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; fi
  if [ -n "$peer_pid" ]; then kill "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
  for n in "${netns[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $test: $*" >&2; exit 1; }
ok() { echo "ok: $test: $*"; }

# The guest always has three NICs, in this order (net.ifnames=0 names them eth0, eth1, eth2):
# uplink, management and office LAN, as the seeded config expects. By default each sits alone on
# its own qemu hub (no traffic leaves the VM); the network test wires them to TAP devices.
nic_args=()
for i in 0 1 2; do
  nic_args+=(-netdev "hubport,id=n$i,hubid=$i" -device "virtio-net-pci,netdev=n$i,romfile=,addr=0x1$i")
done
vm_prefix=()  # e.g. (ip netns exec NS): where qemu runs

# vm_start LOG QEMU_ARGS... : starts qemu in the background with the serial console in LOG.
vm_start() {
  local log=$1
  shift
  : >"$log"
  vm_t0=$(date +%s%N)
  "${vm_prefix[@]}" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -nodefaults -no-reboot \
    -display none -serial "file:$log" "${nic_args[@]}" "$@" </dev/null >"$log.qemu" 2>&1 &
  qemu_pid=$!
}
# vm_wait LOG TIMEOUT STOP_REGEX : waits until a console line matches STOP_REGEX, qemu exits (e.g.
# the guest rebooted under -no-reboot) or TIMEOUT seconds pass. Leaves qemu running. Sets
# vm_seconds (since vm_start) and vm_end (stopped|exited|timeout).
vm_wait() {
  local log=$1 timeout=$2 stop=$3
  vm_end=timeout
  local deadline=$(($(date +%s) + timeout))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -aqE "$stop" "$log"; then vm_end=stopped; break; fi
    if ! kill -0 "$qemu_pid" 2>/dev/null; then vm_end=exited; break; fi
    sleep 0.5
  done
  vm_seconds=$(awk -v a="$vm_t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  echo "vm: $vm_end after ${vm_seconds} s (load $(cut -d' ' -f1 /proc/loadavg))"
}
vm_stop() {
  kill "$qemu_pid" 2>/dev/null || true
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=
}
# run_vm LOG TIMEOUT STOP_REGEX QEMU_ARGS... : vm_start, vm_wait, then kills qemu.
run_vm() {
  local log=$1 timeout=$2 stop=$3
  shift 3
  vm_start "$log" "$@"
  vm_wait "$log" "$timeout" "$stop"
  vm_stop
}
show_console() { echo "--- console (last 40 lines) ---"; tail -40 "$1" | tr -d '\r'; echo "---"; }

direct_boot() {  # direct_boot LOG TIMEOUT STOP DISK CMDLINE
  run_vm "$1" "$2" "$3" -drive "file=$4,format=raw,if=virtio" \
    -kernel "$out/vmlinuz" -initrd "$out/initramfs.img" -append "$5"
}
uefi_boot() {  # uefi_boot LOG TIMEOUT STOP DISK
  cp /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd "$tmp/vars.fd"
  # bootindex: the disk before any network boot the firmware could offer on the NICs.
  run_vm "$1" "$2" "$3" -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
    -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd \
    -drive "if=pflash,format=raw,unit=1,file=$tmp/vars.fd" \
    -drive "file=$4,format=raw,if=none,id=disk" -device virtio-blk-pci,drive=disk,bootindex=0
}
disk_copy() { cp --sparse=always "$out/disk.img" "$tmp/disk.img"; }
# flip_byte FILE OFFSET : inverts one byte in place.
flip_byte() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
part_start() {  # part_start NAME : byte offset of a GPT partition of the test disk
  local s
  s=$(sfdisk -J "$tmp/disk.img" | jq -r --arg n "$1" '.partitiontable.partitions[] | select(.name == $n) | .start')
  [ -n "$s" ] || fail "no partition $1"
  echo $((s * 512))
}

ready_re='rempart: ready'
end_re='rempart: ready|rempart: not ready|rempart-initrd: FATAL|Kernel panic|reboot: Restarting|reboot: Power down'
corrupt_re='device-mapper: verity: [0-9:]+: (data|metadata) block [0-9]+ is corrupted'

expect_refused() {  # expect_refused LOG : no ready, and the console says why
  grep -aq "$ready_re" "$1" && { show_console "$1"; fail "a tampered image reached '$ready_re'"; }
  local why
  why=$(grep -aoE "$corrupt_re|rempart-initrd: FATAL: .*" "$1" | head -1) || true
  [ -n "$why" ] || { show_console "$1"; fail "not ready, but the console does not name a verity failure"; }
  ok "refused in ${vm_seconds} s: $why"
}

case "$test" in
  build)
    mkdir -p "$keys"
    # CI key: the snakeoil key Debian's ovmf ships (PK = KEK = db in OVMF_VARS_4M.snakeoil.fd).
    # Decrypted into the build tree only; never committed.
    openssl rsa -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil -out "$keys/db.key" 2>/dev/null
    chmod 600 "$keys/db.key"
    cp /usr/share/ovmf/PkKek-1-snakeoil.pem "$keys/db.crt"
    # The state partition's seed: the test config and a fresh PSK for the network test's peer
    # (kept next to the image, never in the source tree).
    seed=$bin/image-seed
    rm -rf "$seed"
    mkdir -p "$seed/config" "$seed/keystore/office"
    chmod 0700 "$seed/keystore" "$seed/keystore/office"
    cp "$src/tests/image/fixtures/rempart.yaml" "$seed/config/rempart.yaml"
    (umask 077 && openssl rand -hex 32 >"$seed/keystore/office/peer-psk")
    # The admin's SSH key, seeded as `users add-key admin` writes it: root-owned, 0644, one
    # "restrict,pty <type> <key> <comment>" line.
    rm -f "$keys/admin-ssh" "$keys/admin-ssh.pub"
    ssh-keygen -q -t ed25519 -N '' -C image-test-admin -f "$keys/admin-ssh"
    mkdir -p "$seed/ssh/authorized_keys"
    chmod 0711 "$seed/ssh"
    chmod 0755 "$seed/ssh/authorized_keys"
    echo "restrict,pty $(cat "$keys/admin-ssh.pub")" >"$seed/ssh/authorized_keys/admin"
    chown root:root "$seed/ssh/authorized_keys/admin"
    chmod 0644 "$seed/ssh/authorized_keys/admin"
    "$src/image/build.sh" "$out" --keys "$keys" --build "$bin" --seed "$seed"
    for f in disk.img vmlinuz initramfs.img cmdline-a.txt rempart-a.efi roothash-a; do
      [ -s "$out/$f" ] || fail "$f not built"
    done
    sbverify --cert "$keys/db.crt" "$out/rempart-a.efi" >/dev/null 2>&1 || fail "UKI not signed"
    ok "image built: $(tr '\n' ' ' <"$out/build-times.txt")"
    ;;
  boot-direct)
    disk_copy
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(cat "$out/cmdline-a.txt")"
    grep -aq "$ready_re" "$tmp/console" || { show_console "$tmp/console"; fail "no '$ready_re'"; }
    grep -aq "rempart-initrd: root verified: .* verity V" "$tmp/console" || fail "initramfs did not report a valid verity root"
    ok "ready in ${vm_seconds} s wall: $(grep -aoE 'rempart: ready.*' "$tmp/console" | head -1)"
    ;;
  noexec)
    disk_copy
    direct_boot "$tmp/console" 900 'rempart-selftest: done|rempart: not ready|FATAL|Kernel panic|reboot: Restarting' \
      "$tmp/disk.img" "$(cat "$out/cmdline-a.txt") rempart.selftest"
    grep -aq 'rempart-selftest: done' "$tmp/console" || { show_console "$tmp/console"; fail "self-test did not finish"; }
    lines=$(grep -aoE 'rempart-selftest: .*' "$tmp/console" | tr -d '\r')
    echo "$lines"
    expect_line() { grep -qE "^rempart-selftest: $1\$" <<<"$lines" || fail "expected '$1'"; }
    for d in / /usr /usr/bin /usr/sbin /etc; do expect_line "write $d: Read-only file system"; done
    expect_line "root device dm-[0-9]+ ro=1"
    grep -E '^rempart-selftest: write /dev/mapper/root: ' <<<"$lines" | grep -qv ': ok$' || fail "the verity device was writable"
    for d in /state /tmp /run /var /dev/shm; do expect_line "exec $d: Permission denied"; done
    expect_line "mount /: squashfs +ro,.*"
    expect_line "mount /state: ext4 +rw,nosuid,nodev,noexec,.*"
    expect_line "setuid-or-setgid files: 0"
    expect_line 'root password field: !\*'
    # rempartd.service's sandbox is in force: CapBnd = CHOWN DAC_OVERRIDE FOWNER KILL SETGID
    # SETUID SETPCAP NET_BIND_SERVICE NET_ADMIN NET_RAW SYS_CHROOT SYS_ADMIN; its charon keeps
    # NET_ADMIN only.
    expect_line 'rempartd: Uid: 0 0 0 0 CapBnd: 00000000002435eb NoNewPrivs: 1 Seccomp: 2 ?'
    expect_line 'charon: Uid: ([1-9][0-9]*) \1 \1 \1 CapEff: 0000000000001000 NoNewPrivs: 1 Seccomp: 2 ?'
    # rempartd's sshd runs inside that sandbox, on the management address only, keys only, and
    # every login gets the CLI.
    expect_line 'sshd: Uid: 0 0 0 0 CapBnd: 00000000002435eb NoNewPrivs: 1 Seccomp: 2 ?'
    expect_line 'sshd_config: ListenAddress 10\.255\.0\.1:22'
    expect_line 'sshd_config: AuthenticationMethods publickey'
    expect_line 'sshd_config: PermitRootLogin no'
    expect_line 'sshd_config: ForceCommand /usr/bin/rempart --ssh --socket /run/rempart/[^ ]+'
    expect_line 'sshd_config: DisableForwarding yes'
    ok "root read-only, /state and tmpfs mounts noexec (${vm_seconds} s)"
    ;;
  tamper-data)
    disk_copy
    size=$(stat -c %s "$out/root-a.squashfs")
    flip_byte "$tmp/disk.img" $(($(part_start root-a) + size / 2 + 123))
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(cat "$out/cmdline-a.txt")"
    expect_refused "$tmp/console"
    grep -aqE 'verity: [0-9:]+: data block [0-9]+ is corrupted' "$tmp/console" || fail "no data block error"
    ;;
  tamper-hash)
    disk_copy
    size=$(stat -c %s "$out/verity-a.img")
    # The last hash block is a leaf of the tree (hashes of the last data blocks).
    flip_byte "$tmp/disk.img" $(($(part_start verity-a) + size - 4096 + 7))
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(cat "$out/cmdline-a.txt")"
    expect_refused "$tmp/console"
    ;;
  tamper-roothash)
    disk_copy
    good=$(cat "$out/roothash-a")
    bad=$(printf '%s' "$good" | sha256sum | cut -c1-64)
    direct_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img" "$(sed "s/$good/$bad/" "$out/cmdline-a.txt")"
    expect_refused "$tmp/console"
    ;;
  secureboot)
    disk_copy
    uefi_boot "$tmp/console" 900 "$end_re" "$tmp/disk.img"
    grep -aq "$ready_re" "$tmp/console" || { show_console "$tmp/console"; fail "no '$ready_re'"; }
    grep -aqE 'rempart: ready .*secureboot=1, lockdown=integrity' "$tmp/console" ||
      { show_console "$tmp/console"; fail "guest does not report Secure Boot on and kernel lockdown"; }
    ok "Secure Boot chain ready in ${vm_seconds} s wall: $(grep -aoE 'rempart: ready.*' "$tmp/console" | head -1)"
    ;;
  secureboot-unsigned)
    disk_copy
    mcopy -o -i "$tmp/disk.img@@1M" "$out/rempart-a.unsigned.efi" ::/EFI/Linux/rempart-a.efi
    uefi_boot "$tmp/console" 600 "$end_re|[Aa]ccess [Dd]enied|[Ss]ecurity [Vv]iolation" "$tmp/disk.img"
    grep -aq "$ready_re" "$tmp/console" && fail "an unsigned UKI booted"
    grep -aq 'Linux version' "$tmp/console" && { show_console "$tmp/console"; fail "the unsigned kernel started"; }
    why=$(grep -aoiE '.{0,60}(access denied|security violation).{0,20}' "$tmp/console" | head -1) || true
    [ -n "$why" ] || { show_console "$tmp/console"; fail "no refusal message from the firmware or systemd-boot"; }
    ok "refused in ${vm_seconds} s: $why"
    ;;
  network)
    # Host side, all in namespaces of this test (p = per-run prefix):
    #   q      qemu and its three TAPs, each bridged to a veth into one of:
    #   peer   stock strongSwan at 192.0.2.1 on the guest's uplink, routing its LAN 10.2.0.0/24
    #   phost  10.2.0.10, the peer's LAN host
    #   ghost  10.1.0.10, the host on the guest's office LAN (eth2)
    #   adm    10.255.0.2, on the guest's management network (eth1)
    p=rvm$$
    q=$p-q peer=$p-peer phost=$p-phost ghost=$p-ghost adm=$p-adm
    for n in "$q" "$peer" "$phost" "$ghost" "$adm"; do
      ip netns add "$n"
      netns+=("$n")
      ip -n "$n" link set lo up
    done
    # wire SEG NS IFNAME ADDR [GATEWAY]: TAP tap-SEG and a veth into NS, on one bridge in q.
    wire() {
      ip -n "$q" link add "br-$1" type bridge
      ip -n "$q" link set "br-$1" up
      ip -n "$q" tuntap add dev "tap-$1" mode tap
      ip -n "$q" link set "tap-$1" master "br-$1" up
      ip -n "$q" link add "v-$1" type veth peer name "$3" netns "$2"
      ip -n "$q" link set "v-$1" master "br-$1" up
      ip -n "$2" addr add "$4" dev "$3"
      ip -n "$2" link set "$3" up
      [ -z "${5:-}" ] || ip -n "$2" route add default via "$5"
    }
    wire up "$peer" up0 192.0.2.1/24
    wire mg "$adm" eth0 10.255.0.2/24
    wire ln "$ghost" eth0 10.1.0.10/24 10.1.0.1
    ip -n "$peer" link add pl0 type veth peer name eth0 netns "$phost"
    ip -n "$peer" addr add 10.2.0.1/24 dev pl0
    ip -n "$peer" link set pl0 up
    ip -n "$phost" addr add 10.2.0.10/24 dev eth0
    ip -n "$phost" link set eth0 up
    ip -n "$phost" route add default via 10.2.0.1
    ip netns exec "$peer" sysctl -qw net.ipv4.ip_forward=1

    # The peer: charon-systemd with kernel-libipsec, configured only by the swanctl.conf fixture.
    pd=$tmp/peer
    mkdir -p "$pd"
    vici=unix://$pd/charon.vici
    cat >"$pd/strongswan.conf" <<CONF
charon-systemd {
  load = random nonce openssl pem pkcs1 x509 revocation constraints pubkey hmac kdf gcm aes sha1 sha2 curve25519 vici kernel-libipsec kernel-netlink socket-default updown
  plugins {
    vici { socket = $vici }
  }
  journal { default = -1 }
  filelog { peer { path = $pd/charon.log
    default = 1
    flush_line = yes } }
}
CONF
    psk=$(cat "$bin/image-seed/keystore/office/peer-psk")
    sed "s/@PSK@/$psk/" "$src/tests/image/fixtures/peer-swanctl.conf" >"$pd/swanctl.conf"
    chmod 600 "$pd/swanctl.conf"
    STRONGSWAN_CONF=$pd/strongswan.conf ip netns exec "$peer" /usr/sbin/charon-systemd \
      >"$pd/stdout" 2>&1 &
    peer_pid=$!
    swan() {  # swan COMMAND ARGS... : swanctl against the peer's charon
      local cmd=$1
      shift
      ip netns exec "$peer" swanctl "$cmd" --uri "$vici" "$@"
    }
    for _ in $(seq 50); do swan --stats >/dev/null 2>&1 && break; sleep 0.2; done
    swan --load-all --file "$pd/swanctl.conf" >/dev/null || fail "the peer's swanctl.conf did not load"

    # The guest, its NICs on the TAPs (same order as nic_args: uplink, management, LAN).
    nic_args=()
    i=0
    for seg in up mg ln; do
      nic_args+=(-netdev "tap,id=n$i,ifname=tap-$seg,script=no,downscript=no"
        -device "virtio-net-pci,netdev=n$i,romfile=,addr=0x1$i")
      i=$((i + 1))
    done
    vm_prefix=(ip netns exec "$q")
    disk_copy
    vm_start "$tmp/console" -drive "file=$tmp/disk.img,format=raw,if=virtio" \
      -kernel "$out/vmlinuz" -initrd "$out/initramfs.img" -append "$(cat "$out/cmdline-a.txt") rempart.debug"
    vm_wait "$tmp/console" 900 "$end_re"
    grep -aq "$ready_re" "$tmp/console" || { show_console "$tmp/console"; fail "no '$ready_re'"; }
    ready_s=$vm_seconds
    ok "ready in ${ready_s} s wall: $(grep -aoE 'rempart: ready.*' "$tmp/console" | head -1)"

    # The tunnel: the guest (kernel ESP, XFRM interface) initiates; the peer sees it installed.
    sas=
    for _ in $(seq 120); do
      sas=$(swan --list-sas 2>/dev/null) || true
      grep -q 'INSTALLED' <<<"$sas" && break
      sleep 1
    done
    grep -q 'INSTALLED' <<<"$sas" || { echo "$sas"; tail -30 "$pd/charon.log"; show_console "$tmp/console"; fail "no CHILD_SA installed on the peer"; }
    grep -qE 'gw: #[0-9]+, ESTABLISHED, IKEv2' <<<"$sas" || fail "no IKE_SA established"
    grep -qE 'lan: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256' <<<"$sas" ||
      { echo "$sas"; fail "CHILD_SA is not ESP AES-GCM-256 in tunnel mode"; }
    grep -qE '^ +local +10\.2\.0\.0/24$' <<<"$sas" && grep -qE '^ +remote +10\.1\.0\.0/24$' <<<"$sas" ||
      { echo "$sas"; fail "unexpected traffic selectors"; }
    # The guest's side (rempart.debug puts its charon's log on the console): the initiator
    # installs its SAs only after the peer answered, so wait for that too before pinging.
    for _ in $(seq 60); do
      grep -aqE 'CHILD_SA peer\{[0-9]+\} established' "$tmp/console" && break
      sleep 1
    done
    grep -aqE 'CHILD_SA peer\{[0-9]+\} established' "$tmp/console" ||
      { show_console "$tmp/console"; fail "the guest's charon never reported its CHILD_SA established"; }
    ok "tunnel up $(awk -v a="$vm_t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s after qemu started"

    # Pings across: LAN host behind the peer <-> LAN host behind the guest, both ways. They can
    # only pass through the tunnel: the peer routes 10.1.0.0/24 into it, and the guest's level
    # firewall drops anything between its LAN and the transit link that is not IPsec.
    packets_in() { swan --list-sas --raw 2>/dev/null | grep -oE 'packets-in=[0-9]+' | head -1 | cut -d= -f2; }
    before=$(packets_in)
    ip netns exec "$phost" ping -c 3 -i 0.5 -W 5 -w 60 10.1.0.10 >"$tmp/ping1" 2>&1 ||
      { cat "$tmp/ping1"; swan --list-sas; show_console "$tmp/console"; fail "ping 10.2.0.10 -> 10.1.0.10 across the tunnel failed"; }
    ip netns exec "$ghost" ping -c 3 -i 0.5 -W 5 -w 60 10.2.0.10 >"$tmp/ping2" 2>&1 ||
      { cat "$tmp/ping2"; swan --list-sas; fail "ping 10.1.0.10 -> 10.2.0.10 across the tunnel failed"; }
    after=$(packets_in)
    [ -n "$after" ] && [ "$after" -ge $((${before:-0} + 6)) ] ||
      fail "the peer's CHILD_SA did not count the pings (packets in: ${before:-?} -> ${after:-?})"
    ok "pings cross the tunnel both ways (peer CHILD_SA packets in: ${before:-0} -> $after): $(grep -E 'packets transmitted' "$tmp/ping1")"

    # Management over SSH, from the management network: rempartd's sshd, ForceCommand run by the
    # role user's login shell, the CLI (`rempart -c "/usr/bin/rempart --ssh --socket ..."`).
    key=$tmp/admin-ssh
    install -m 0600 "$keys/admin-ssh" "$key"
    gw_ssh() {
      ip netns exec "$adm" ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o BatchMode=yes -o ConnectTimeout=30 -o LogLevel=ERROR admin@10.255.0.1 "$@" </dev/null
    }
    ssh_t0=$(date +%s%N)
    gw_ssh show tunnels >"$tmp/ssh-tunnels" 2>&1 ||
      { cat "$tmp/ssh-tunnels"; show_console "$tmp/console"; fail "ssh admin@10.255.0.1 show tunnels failed"; }
    ssh_s=$(awk -v a="$ssh_t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    awk '$1 == "office" && $2 == "peer" && $3 == "up" { found = 1 } END { exit !found }' "$tmp/ssh-tunnels" ||
      { cat "$tmp/ssh-tunnels"; fail "ssh: show tunnels does not show office/peer up"; }
    ok "ssh admin@10.255.0.1 show tunnels (${ssh_s} s): $(grep -E '^office +peer' "$tmp/ssh-tunnels")"
    if gw_ssh 'show status; sh' >"$tmp/ssh-shell" 2>&1; then
      cat "$tmp/ssh-shell"; fail "ssh: 'show status; sh' was accepted"
    fi
    grep -qF "rempart: unknown command 'show status; sh'" "$tmp/ssh-shell" ||
      { cat "$tmp/ssh-shell"; fail "ssh: 'show status; sh' failed without saying it was refused"; }
    ok "ssh: 'show status; sh' refused: $(grep -F 'unknown command' "$tmp/ssh-shell")"
    vm_stop
    ;;
  reproducible)
    for i in 1 2; do
      "$src/image/scripts/squashfs.sh" "$out/work/rootfs" "$tmp/root$i.squashfs"
      h[$i]=$("$src/image/scripts/verity.sh" "$bin/image/rempart-image" "$tmp/root$i.squashfs" "$tmp/verity$i.img")
    done
    [ "${h[1]}" = "${h[2]}" ] || fail "two squashfs builds differ: ${h[1]} ${h[2]}"
    [ "${h[1]}" = "$(cat "$out/roothash-a")" ] || fail "rebuilt root hash ${h[1]} is not the image's $(cat "$out/roothash-a")"
    veritysetup verify "$tmp/root1.squashfs" "$tmp/verity1.img" "${h[1]}" || fail "veritysetup rejects our tree"
    ok "root hash ${h[1]} on two rebuilds"
    ;;
  hardening)
    r=$out/work/rootfs
    [ ! -s "$r/etc/machine-id" ] && [ -e "$r/etc/machine-id" ] || fail "machine-id not empty"
    n=$(find "$r" -xdev -type f \( -perm -4000 -o -perm -2000 \) | wc -l)
    [ "$n" = 0 ] || fail "$n setuid/setgid files"
    ! ls "$r"/etc/ssh/ssh_host_* >/dev/null 2>&1 || fail "SSH host keys baked into the image"
    [ ! -d "$r/usr/share/doc" ] && [ ! -d "$r/usr/share/man" ] || fail "documentation left"
    [ ! -e "$r/usr/bin/apt" ] || fail "apt left in the image"
    grep -q '^root:!\*:' "$r/etc/shadow" || fail "root password not locked"
    awk -F: '$2 !~ /^[!*]/ { print }' "$r/etc/shadow" | grep -q . && fail "an account has a password"
    # rempartd runs sshd inside its own sandbox: nothing else may start one.
    for u in ssh.service ssh.socket sshd.service; do
      [ ! -e "$r/etc/systemd/system/multi-user.target.wants/$u" ] &&
        [ ! -e "$r/etc/systemd/system/sockets.target.wants/$u" ] || fail "the stock $u is enabled"
    done
    for k in ProtectSystem=strict NoNewPrivileges=yes CapabilityBoundingSet= SystemCallFilter= \
      Type=notify WatchdogSec=; do
      grep -q "^$k" "$r/etc/systemd/system/rempartd.service" || fail "rempartd unit lacks $k"
    done
    [ -x "$r/usr/sbin/rempartd" ] && [ -x "$r/usr/bin/rempart" ] || fail "rempartd or the CLI not installed"
    [ -L "$r/etc/systemd/system/multi-user.target.wants/rempartd.service" ] || fail "rempartd not enabled"
    [ ! -e "$r/etc/systemd/system/multi-user.target.wants/ssh.service" ] ||
      fail "the stock ssh.service is enabled (rempartd runs sshd)"
    for u in admin audit update; do
      line=$(grep "^$u:" "$r/etc/passwd") || fail "no role user $u"
      [ "${line##*:}" = /usr/bin/rempart ] || fail "role user $u has shell ${line##*:}, not the CLI"
      grep -q "^$u:\*:" "$r/etc/shadow" || fail "role user $u has a password or a locked (!) entry"
    done
    for k in kernel.kptr_restrict kernel.yama.ptrace_scope kernel.unprivileged_bpf_disabled \
      net.ipv4.conf.all.rp_filter net.ipv4.conf.all.accept_redirects; do
      grep -q "^$k" "$r/etc/sysctl.d/90-rempart-hardening.conf" || fail "sysctl $k not set"
    done
    ok "rootfs tree hardened"
    ;;
  *) fail "unknown test" ;;
esac
