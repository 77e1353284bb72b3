#!/usr/bin/env bash
# sign.sh KEYDIR IN.efi OUT.efi : signs an EFI binary for Secure Boot with KEYDIR/db.key and
# KEYDIR/db.crt (PEM; the key unencrypted), and checks the signature with sbverify.
# The key is an input of the build and is never copied anywhere.
source "$(dirname "$0")/lib.sh"
keys=${1:?usage: sign.sh KEYDIR IN.efi OUT.efi}
in=${2:?} out=${3:?}
[ -f "$keys/db.key" ] && [ -f "$keys/db.crt" ] || die "sign: $keys needs db.key and db.crt"
sbsign --key "$keys/db.key" --cert "$keys/db.crt" --output "$out" "$in" 2>/dev/null ||
  die "sign: sbsign failed for $in"
sbverify --cert "$keys/db.crt" "$out" >/dev/null 2>&1 || die "sign: sbverify failed for $out"
