#!/bin/sh
# pe-nxcompat.sh IMAGE.efi: sets IMAGE_DLLCHARACTERISTICS_NX_COMPAT (0x0100) in a PE32+
# header (objcopy 2.40 has no option for it). The image qualifies: .text, .rodata and
# .data are separate 4 KiB-aligned sections, nothing is both writable and executable,
# and every relocation targets .data. Run before signing.
set -eu
f=$1
u16() { od -An -tu2 -j"$1" -N2 "$f" | tr -d ' '; }
u32() { od -An -tu4 -j"$1" -N4 "$f" | tr -d ' '; }
pe=$(u32 60)
[ "$(u32 "$pe")" = "17744" ] || { echo "pe-nxcompat: $f: no PE signature" >&2; exit 1; }
opt=$((pe + 24))
[ "$(u16 "$opt")" = "523" ] || { echo "pe-nxcompat: $f: not PE32+" >&2; exit 1; }
off=$((opt + 70))
v=$(( $(u16 "$off") | 0x100 ))
printf "$(printf '\\%03o\\%03o' $((v & 0xff)) $((v >> 8)))" |
	dd of="$f" bs=1 seek="$off" conv=notrunc status=none
