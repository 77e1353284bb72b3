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
