#!/usr/bin/env bash
# Installs every Debian package Umbra needs. Only Debian packages; nothing else is fetched.
# --if-missing: do nothing when every tool is already present (fast path for CI).
set -euo pipefail
PKGS="gcc make nasm gnu-efi binutils qemu-system-x86 qemu-utils ovmf mtools gdisk dosfstools clang libclang-rt-dev sbsigntool openssl gdb"
need=0
for f in /usr/bin/nasm /usr/bin/qemu-system-x86_64 /usr/bin/qemu-img /usr/share/OVMF/OVMF_CODE_4M.fd \
	/usr/share/OVMF/OVMF_CODE_4M.secboot.fd /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd \
	/usr/share/ovmf/PkKek-1-snakeoil.key /usr/bin/mtype /usr/bin/sbverify \
	/usr/lib/crt0-efi-x86_64.o /usr/bin/mcopy /usr/sbin/sgdisk /usr/sbin/mkfs.vfat /usr/bin/clang \
	/usr/bin/sbsign /usr/bin/openssl /usr/bin/gcc /usr/bin/make /usr/bin/gdb /usr/bin/readelf; do
	[ -e "$f" ] || need=1
done
# libFuzzer (clang -fsanitize=fuzzer) is only a Recommends of clang: check it explicitly.
compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null || need=1
if [ "${1:-}" = "--if-missing" ] && [ $need -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $PKGS
