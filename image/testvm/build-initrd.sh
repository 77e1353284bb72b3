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
copy_modules "$stage" "$kver" $mods

install -m 0755 "$here/init" "$stage/init"
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
  gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "testvm: initrd $(($(stat -c %s "$out") >> 10)) KiB"
