#!/usr/bin/env bash
# sign.sh KEY CERT IN.efi OUT.efi: Authenticode-sign an EFI binary with sbsign and check it
# with sbverify. KEY may be an encrypted PEM key: its passphrase comes from $KEY_PASS
# (OVMF's snakeoil test key uses "snakeoil"); the decrypted copy lives in a mode-600 temp
# file removed on exit.
set -euo pipefail
key=${1:?usage: sign.sh KEY CERT IN.efi OUT.efi} cert=${2:?} in=${3:?} out=${4:?}
die() { echo "sign: $*" >&2; exit 1; }
command -v sbsign >/dev/null || die "sbsign missing (bash tools/setup.sh installs sbsigntool)"
[ -r "$key" ] || die "cannot read key $key"
[ -r "$cert" ] || die "cannot read certificate $cert"
[ -f "$in" ] || die "no such EFI binary $in"
tmpkey=""
trap '[ -z "$tmpkey" ] || rm -f "$tmpkey"' EXIT
if grep -q 'ENCRYPTED' "$key"; then
	[ -n "${KEY_PASS:-}" ] || die "$key is encrypted: set KEY_PASS"
	tmpkey=$(umask 077; mktemp /tmp/umbra-key.XXXXXX)
	openssl pkey -in "$key" -passin env:KEY_PASS -out "$tmpkey" 2>/dev/null || die "cannot decrypt $key"
	key=$tmpkey
fi
rm -f "$out"
sbsign --key "$key" --cert "$cert" --output "$out.tmp" "$in" 2>&1 | grep -v '^Signing Unsigned original image$' || true
[ -f "$out.tmp" ] || die "sbsign failed"
sbverify --cert "$cert" "$out.tmp" >/dev/null 2>&1 || { rm -f "$out.tmp"; die "sbverify rejects $out"; }
mv -f "$out.tmp" "$out"
