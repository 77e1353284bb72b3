#!/usr/bin/env bash
# rootfs-base.sh OUT.tar : the Debian part of the root file system, as a tarball.
# `mmdebstrap --variant=minbase` with the package list below. The result is cached in
# $REMPART_IMAGE_CACHE/<sha256 of the package list and mirrors>/rootfs.tar, so a second build
# needs no network; change the list and the key changes. Downloaded .debs are kept in
# $REMPART_IMAGE_CACHE/archives (named by package and version, so shared between keys).
source "$(dirname "$0")/lib.sh"
out=${1:?usage: rootfs-base.sh OUT.tar}
cache_root=${REMPART_IMAGE_CACHE:-/var/cache/rempart-image}

packages=(
  systemd systemd-sysv udev kmod dbus dmsetup
  openssh-server
  nftables iproute2
  charon-systemd strongswan-swanctl libstrongswan-standard-plugins libstrongswan-extra-plugins
  libcharon-extra-plugins
  # runtime libraries of the project's binaries (checked with ldd after the install)
  libssl3 libnftnl11 libmnl0 libyaml-cpp0.7 libsystemd0 libcap2 libseccomp2 libboost-system1.74.0
)
mirrors=(
  "deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main"
)
key=$(printf '%s\n' "v1" "${packages[@]}" "${mirrors[@]}" | sha256sum | cut -c1-16)
cache=$cache_root/$key
if [ -f "$cache/rootfs.tar" ]; then
  log "rootfs-base: cache hit $cache"
  cp "$cache/rootfs.tar" "$out"
  exit 0
fi
log "rootfs-base: cache miss, mmdebstrap into $cache"
archives=$cache_root/archives
mkdir -p "$cache" "$archives"
sources=$(printf '%s\n' "${mirrors[@]}")
# Docs, man pages and locales are never unpacked (the copyright files are kept).
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --skip=download/empty \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="sync-in $archives /var/cache/apt/archives" \
  --customize-hook="sync-out /var/cache/apt/archives $archives" \
  --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
  bookworm "$cache/rootfs.tar.tmp" - <<<"$sources"
mv "$cache/rootfs.tar.tmp" "$cache/rootfs.tar"
cp "$cache/rootfs.tar" "$out"
