#!/usr/bin/env bash
# qemu.sh: boot an Umbra EFI binary or disk image in QEMU + OVMF (TCG), then exec QEMU
# (so a caller's `timeout` or kill reaches QEMU itself).
#
#   tools/qemu.sh [options] [-- extra QEMU arguments]
#     --kernel EFI       boot EFI with OVMF's QEMU kernel loader (no disk)
#     --append "ARGS"    load options for --kernel (they become argv[1..])
#     --disk IMG         boot a raw GPT disk image (AHCI, snapshot=on: IMG stays pristine)
#     --vhd VHD          boot a fixed VHD (format=vpc, snapshot=on)
#     --secboot          Secure Boot: SMM OVMF_CODE_4M.secboot.fd + snakeoil-enrolled VARS
#     --vars FILE        where to put the fresh VARS copy (default: a temp file, left behind
#                        only if QEMU is killed; callers running many boots pass their own)
#     --serial SPEC      QEMU -serial value (default mon:stdio; tests use file:LOG)
#     --mem SIZE         guest RAM (default 256M)
#     --accel A          QEMU accelerator (default tcg; kvm for the boot tests that say
#                        requires = kvm: an extra -accel after ours would only be a fallback)
#     --dry-run          print the command instead of running it
#   QEMU_BIN overrides the emulator binary (tests/boot/selftest uses a stub).
#
# Every run gets a fresh copy of the VARS template: OVMF writes Boot#### entries into it.
# The isa-debug-exit device sits at port 0xf4 (4 bytes): QEMU exits with (v << 1) | 1.
set -euo pipefail
OVMF_DIR=${OVMF_DIR:-/usr/share/OVMF}
kernel="" append="" disk="" vhd="" secboot=0 vars="" serial="mon:stdio" mem=256M dry=0 accel=tcg
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--disk) disk=$2; shift 2 ;;
	--vhd) vhd=$2; shift 2 ;;
	--secboot) secboot=1; shift ;;
	--vars) vars=$2; shift 2 ;;
	--serial) serial=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--dry-run) dry=1; shift ;;
	--) shift; break ;;
	*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ $secboot -eq 1 ]; then
	code=$OVMF_DIR/OVMF_CODE_4M.secboot.fd
	vars_tmpl=$OVMF_DIR/OVMF_VARS_4M.snakeoil.fd
	# SMM build: needs q35 with SMM and the pflash secure flag, or it hangs silently.
	machine=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on)
else
	code=$OVMF_DIR/OVMF_CODE_4M.fd
	vars_tmpl=$OVMF_DIR/OVMF_VARS_4M.fd
	machine=(-machine q35)
fi
for f in "$code" "$vars_tmpl"; do
	[ -r "$f" ] || { echo "qemu.sh: missing $f (bash tools/setup.sh installs ovmf)" >&2; exit 2; }
done
[ -n "$vars" ] || vars=$(mktemp /tmp/umbra-vars.XXXXXX)

media=()
if [ -n "$kernel" ]; then
	media+=(-kernel "$kernel")
	[ -z "$append" ] || media+=(-append "$append")
elif [ -n "$disk" ]; then
	media+=(-drive "format=raw,file=$disk,snapshot=on")
elif [ -n "$vhd" ]; then
	media+=(-drive "format=vpc,file=$vhd,snapshot=on")
else
	echo "qemu.sh: need --kernel, --disk or --vhd" >&2; exit 2
fi
[ -z "$append" ] || [ -n "$kernel" ] || { echo "qemu.sh: --append needs --kernel" >&2; exit 2; }

cmd=("${QEMU_BIN:-qemu-system-x86_64}" "${machine[@]}" -accel "$accel" -m "$mem" -smp 1 -nodefaults -no-user-config
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
	-drive "if=pflash,format=raw,unit=1,file=$vars"
	"${media[@]}"
	-serial "$serial" -display none -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	"$@")
if [ $dry -eq 1 ]; then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
cp "$vars_tmpl" "$vars"
exec "${cmd[@]}"
