#!/usr/bin/env bash
# Installs every Debian bookworm package Rempart needs to build, test, demo and fuzz.
# Idempotent: when everything is present it only runs dpkg-query and returns in about a second.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang lld libclang-rt-14-dev
  libnftnl-dev libmnl-dev libboost-dev libboost-system-dev libyaml-cpp-dev libssl-dev
  libsystemd-dev libexpected-dev catch2 libcap-dev libseccomp-dev libedit-dev
  # runtime and integration tests
  charon-systemd strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins
  libstrongswan-standard-plugins strongswan-pki
  nftables iproute2 openssh-server openssh-client dnsmasq iperf3 tcpdump dhcpcd5
  procps psmisc jq python3 iputils-ping netcat-openbsd openssl
  # image
  squashfs-tools cryptsetup-bin
  mmdebstrap busybox-static cpio linux-image-amd64 systemd-boot-efi sbsigntool
  dosfstools mtools fdisk e2fsprogs binutils ovmf qemu-system-x86 qemu-utils
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services are started by the tests themselves, in namespaces; keep the host's init out of it.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ $created_policy = 1 ] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}"
