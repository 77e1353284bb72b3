# shellcheck shell=bash
# Shared helpers for the image build scripts (sourced, not run).
# Every step logs as "image: <step>: ..." and fails the whole build on the first error.
set -euo pipefail
image_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_top=$(cd "$image_top/.." && pwd)

# Every timestamp in the image comes from here, so two builds of the same tree are identical.
: "${SOURCE_DATE_EPOCH:=1700000000}"
export SOURCE_DATE_EPOCH

log() { echo "image: $*" >&2; }
die() { echo "image: error: $*" >&2; exit 1; }

# kernel_version: the newest Debian kernel installed on the host (linux-image-amd64); its
# vmlinuz and modules are what the image boots.
kernel_version() {
  local v
  v=$(find /lib/modules -mindepth 1 -maxdepth 1 -name '*-amd64' -printf '%f\n' 2>/dev/null | sort -V | tail -1)
  [ -n "$v" ] && [ -f "/boot/vmlinuz-$v" ] || die "no Debian amd64 kernel installed (linux-image-amd64)"
  echo "$v"
}

# copy_modules STAGE KVER MODULE...: copies the modules and everything they depend on, resolved
# from the kernel's modules.dep (modprobe --show-depends takes ~5 s per module here), into
# STAGE/lib/modules/KVER, with the index files depmod needs.
copy_modules() {
  local stage_dir=$1 kv=$2
  shift 2
  awk -v want="$*" '
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
    }' "/lib/modules/$kv/modules.dep" | sort -u | while read -r ko; do
    mkdir -p "$stage_dir/lib/modules/$kv/$(dirname "$ko")"
    cp "/lib/modules/$kv/$ko" "$stage_dir/lib/modules/$kv/$ko"
  done
  cp "/lib/modules/$kv"/modules.{order,builtin,builtin.modinfo} "$stage_dir/lib/modules/$kv/"
  depmod -b "$stage_dir" "$kv"
}
