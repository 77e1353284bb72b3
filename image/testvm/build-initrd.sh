#!/usr/bin/env bash
# build-initrd.sh OUT.img : the privileged-test VM's initrd (notes/image.md §3.6): busybox-static,
# the host kernel's virtio/9p modules and an /init that mounts the host root read-only over 9p
# and switch_roots into it. Rebuilt only when OUT is missing or older than its inputs.
source "$(dirname "$0")/../scripts/lib.sh"
out=${1:?usage: build-initrd.sh OUT.img}
kver=$(kernel_version)
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$out" ] && [ "$out" -nt "$here/init" ] && [ "$out" -nt "$0" ] && [ "$out" -nt /bin/busybox ] &&
   [ "$out" -nt "/lib/modules/$kver/modules.dep" ]; then
  exit 0
fi
stage=$(mktemp -d "${TMPDIR:-/tmp}/rempart-testvm-initrd.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,newroot,lib/modules}
file -b /bin/busybox | grep -q 'statically linked' || die "testvm: /bin/busybox is not busybox-static"
cp /bin/busybox "$stage/bin/busybox"
for applet in sh mount umount mkdir modprobe switch_root cat echo sleep; do
  ln -s busybox "$stage/bin/$applet"
done

# The modules and their dependencies, from the kernel's modules.dep.
mods="virtio_pci 9pnet_virtio 9p"
awk -v want="$mods" '
  function norm(p) { sub(/.*\//, "", p); sub(/\.ko.*$/, "", p); gsub(/-/, "_", p); return p }
  BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) todo[w[i]] = 1 }
  { key = $1; sub(/:$/, "", key); path[norm(key)] = key; line[norm(key)] = $0 }
  END {
    do {
      added = 0
      for (m in todo) if (!(m in done)) {
        done[m] = 1; added = 1
        if (!(m in path)) { print "missing " m > "/dev/stderr"; exit 1 }
        print path[m]
        k = split(line[m], parts, " ")
        for (j = 2; j <= k; j++) todo[norm(parts[j])] = 1
      }
    } while (added)
  }' "/lib/modules/$kver/modules.dep" | sort -u | while read -r ko; do
  mkdir -p "$stage/lib/modules/$kver/$(dirname "$ko")"
  cp "/lib/modules/$kver/$ko" "$stage/lib/modules/$kver/$ko"
done
cp "/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$kver/"
depmod -b "$stage" "$kver"

install -m 0755 "$here/init" "$stage/init"
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
  gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "testvm: initrd $(($(stat -c %s "$out") >> 10)) KiB"
