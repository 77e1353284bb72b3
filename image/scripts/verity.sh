#!/usr/bin/env bash
# verity.sh TOOL DATA HASH : dm-verity hash tree of DATA (with a superblock) into HASH, by the
# project's own `rempart-image verity format`. Prints the root hash.
# Salt and UUID derive from the data itself (sha256), so building the same squashfs twice gives
# the same root hash, while two different images never share a salt.
source "$(dirname "$0")/lib.sh"
tool=${1:?usage: verity.sh TOOL DATA HASH}
data=${2:?}
hash=${3:?}
digest=$(sha256sum "$data" | cut -c1-64)
salt=$(printf 'rempart-verity-salt:%s' "$digest" | sha256sum | cut -c1-64)
u=$(printf 'rempart-verity-uuid:%s' "$digest" | sha256sum | cut -c1-32)
uuid=${u:0:8}-${u:8:4}-4${u:13:3}-8${u:17:3}-${u:20:12}
out=$("$tool" verity format "$data" "$hash" --salt "$salt" --uuid "$uuid")
root_hash=$(sed -nE 's/.*root_hash=([0-9a-f]{64}).*/\1/p' <<<"$out")
[ -n "$root_hash" ] || die "verity: unexpected output: $out"
echo "$root_hash"
