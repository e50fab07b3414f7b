#!/usr/bin/env bash
# mkvhd.sh RAW.img OUT.vhd: a fixed VHD of a raw disk image, as Azure wants it: virtual
# size exactly the raw size (a whole number of MiB, >= 20 MiB), file = size + 512-byte
# "conectix" footer. force_size=on keeps the size exact (otherwise CHS rounding makes
# it 64.0156 MiB for a 64 MiB disk). Verified with `qemu-img info -f vpc` (a fixed VHD is
# probed as raw without -f).
set -euo pipefail
img=${1:?usage: mkvhd.sh RAW.img OUT.vhd}
vhd=${2:?usage: mkvhd.sh RAW.img OUT.vhd}
die() { echo "mkvhd: $*" >&2; exit 1; }
size=$(stat -c %s "$img")
[ $((size % 1048576)) -eq 0 ] || die "$img is $size bytes, not a whole number of MiB"
[ "$size" -ge $((20 * 1048576)) ] || die "$img is smaller than 20 MiB (Azure's minimum)"
rm -f "$vhd.tmp"
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$img" "$vhd.tmp"
vsize=$(qemu-img info -f vpc --output=json "$vhd.tmp" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p')
[ "$vsize" = "$size" ] || die "VHD virtual size $vsize != raw size $size"
fsize=$(stat -c %s "$vhd.tmp")
[ "$fsize" = $((size + 512)) ] || die "VHD file is $fsize bytes, expected $size + 512"
# Footer: cookie "conectix" and disk type 2 (fixed, big-endian u32 at offset 60).
footer=$(tail -c 512 "$vhd.tmp" | od -An -tx1 -N64 | tr -d ' \n')
[ "${footer:0:16}" = 636f6e6563746978 ] || die "no conectix footer"
[ "${footer:120:8}" = 00000002 ] || die "footer disk type ${footer:120:8}, expected 2 (fixed)"
qemu-img compare -q -f raw -F vpc "$img" "$vhd.tmp" || die "VHD contents differ from $img"
mv -f "$vhd.tmp" "$vhd"
