#!/usr/bin/env bash
# debug.sh: boot an Umbra image in QEMU + OVMF and attach gdb with its symbols at the
# address OVMF loaded it to (unknown at build time). docs/boot.md, "Debugging".
#
#   tools/debug.sh --efi EFI [--so SO] [--append "ARGS"] [--port N] [--batch] [-- GDB ARGS...]
#     --so     the ELF with DWARF (default: umbra.so next to EFI)
#     --append load options for the app (umbra.gdb is added)
#     --port   gdbstub TCP port (default 1234, or DEBUG_PORT)
#     --batch  gdb -batch (for scripts: pass the commands as -ex ... after --)
#   env: DEBUG_LOG (the serial log, default: a temp file, kept and named at the end)
#
# How: the load option umbra.gdb makes the runtime print "umbra: image base=0x... build_id=..."
# and spin on arch_gdb_wait (rt/kernel.c). This script waits for that line, checks that
# the build-id is SO's (readelf -n), then starts gdb with the QEMU gdbstub, the symbols at
# the base (add-symbol-file SO -o BASE: the image links at 0) and arch_gdb_wait cleared,
# so the next `continue` runs the boot on (break on app_main first, for instance). QEMU
# ends with gdb.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
efi="" so="" append="" port=${DEBUG_PORT:-1234} batch=0
while [ $# -gt 0 ]; do
	case "$1" in
	--efi) efi=$2; shift 2 ;;
	--so) so=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	--batch) batch=1; shift ;;
	--) shift; break ;;
	*) echo "debug.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$efi" ] && [ -f "$efi" ] || { echo "debug.sh: need --efi EFI (an existing image)" >&2; exit 2; }
[ -n "$so" ] || so=$(dirname "$efi")/umbra.so
[ -f "$so" ] || { echo "debug.sh: no symbol file $so" >&2; exit 2; }
want=$(readelf -n "$so" | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p')

log=${DEBUG_LOG:-$(mktemp /tmp/umbra-debug.XXXXXX.log)}
vars=$(mktemp /tmp/umbra-vars.XXXXXX)
cmds=$(mktemp /tmp/umbra-gdb.XXXXXX)
: >"$log"
bash "$root/tools/qemu.sh" --kernel "$efi" --append "umbra.gdb${append:+ $append}" \
	--vars "$vars" --serial "file:$log" -- -gdb "tcp:127.0.0.1:$port" </dev/null &
qpid=$!
trap 'kill "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true; rm -f "$vars" "$cmds"' EXIT

# The runtime prints the image line, then the waiting line; 60 s covers OVMF under TCG.
for _ in $(seq 1 600); do
	grep -aq '^umbra: gdb: waiting' "$log" && break
	kill -0 "$qpid" 2>/dev/null || { echo "debug.sh: QEMU ended before the image waited" >&2; exit 1; }
	sleep 0.1
done
line=$(grep -a '^umbra: image base=' "$log" | tr -d '\r' | tail -n 1)
[[ $line =~ base=(0x[0-9a-f]+)\ size=[0-9]+\ build_id=([0-9a-f]*) ]] ||
	{ echo "debug.sh: no 'umbra: image base=' line in $log" >&2; exit 1; }
base=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]}
if [ "$got" != "$want" ]; then
	echo "debug.sh: the image's build_id $got is not $so's ($want)" >&2; exit 1
fi
echo "debug.sh: image at $base, build_id $got; serial log $log" >&2
cat >"$cmds" <<GDB
set pagination off
set confirm off
target remote 127.0.0.1:$port
add-symbol-file $so -o $base
set var arch_gdb_wait = 0
GDB
gdb_args=(-q -nx -x "$cmds")
[ $batch -eq 1 ] && gdb_args=(-batch "${gdb_args[@]}")
gdb "${gdb_args[@]}" "$@"
