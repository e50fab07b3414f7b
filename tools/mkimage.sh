#!/usr/bin/env bash
# mkimage.sh EFI OUT.img [SIZE_MIB [FILE...]]
#
# Builds a GPT disk image with one EFI System Partition holding EFI/BOOT/BOOTX64.EFI,
# without root or loop mounts (truncate + sgdisk + mkfs.vfat --offset + mtools). Each
# FILE is copied next to it under its own name, e.g. an options file umbra.cmdline
# (docs/boot.md, "Load options").
# tools/mkvhd.sh turns it into a fixed VHD.
#
# Layout: 1 MiB for the protective MBR + primary GPT, the ESP from LBA 2048 up to 1 MiB
# before the end (room for the backup GPT), FAT32 with 512-byte clusters (needs >= ~33 MiB).
set -euo pipefail
efi=${1:?usage: mkimage.sh EFI OUT.img [SIZE_MIB [FILE...]]}
img=${2:?usage: mkimage.sh EFI OUT.img [SIZE_MIB [FILE...]]}
mib=${3:-64}
shift $(($# < 3 ? $# : 3))

die() { echo "mkimage: $*" >&2; exit 1; }
[ -f "$efi" ] || die "no such EFI binary: $efi"
for f in "$@"; do [ -f "$f" ] || die "no such file: $f"; done
[ "$mib" -ge 40 ] || die "size must be >= 40 MiB (FAT32 with 512-byte clusters)"
PATH=$PATH:/usr/sbin:/sbin
for t in sgdisk mkfs.vfat mmd mcopy mtype; do
	command -v "$t" >/dev/null || die "$t missing (bash tools/setup.sh installs it)"
done

tmp=$img.tmp
rm -f "$tmp"
truncate -s "${mib}M" "$tmp"
part_mib=$((mib - 2))
# sgdisk has no -q (it would silently write nothing): silence stdout instead.
sgdisk -o -n 1:2048:+${part_mib}M -t 1:EF00 -c 1:"EFI System" "$tmp" >/dev/null
sgdisk -v "$tmp" | grep -q 'No problems found' || die "sgdisk verification failed"
sgdisk -i 1 "$tmp" | grep -qi 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' || die "partition 1 is not an ESP"
# mkfs.vfat: offset in sectors, block count in KiB; warns that the file is larger.
out=$(mkfs.vfat -F 32 -s 1 -n UMBRA --offset 2048 "$tmp" $((part_mib * 1024)) 2>&1) ||
	die "mkfs.vfat failed: $out"
mmd -i "$tmp@@1M" ::/EFI ::/EFI/BOOT
mcopy -i "$tmp@@1M" "$efi" ::/EFI/BOOT/BOOTX64.EFI
# Read the file back and compare: catches a wrong offset or a truncated copy.
mtype -i "$tmp@@1M" ::/EFI/BOOT/BOOTX64.EFI | cmp -s - "$efi" || die "ESP copy differs from $efi"
for f in "$@"; do
	mcopy -i "$tmp@@1M" "$f" "::/EFI/BOOT/$(basename "$f")"
	mtype -i "$tmp@@1M" "::/EFI/BOOT/$(basename "$f")" | cmp -s - "$f" || die "ESP copy differs from $f"
done
mv -f "$tmp" "$img"
