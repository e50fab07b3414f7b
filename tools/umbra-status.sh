#!/usr/bin/env bash
# umbra-status.sh QEMU_STATUS: names a QEMU exit status (docs/boot.md, "Exit and power-off")
# and exits 0 only when the app's status was 0.
#   33 + 2N  app status N (0..111), written as 0x10 + N to isa-debug-exit (QEMU: v << 1 | 1)
#   253      status 110: crash report (CPU exception) or fatal boot error
#   255      status < 0 or > 111
#   0        powered off without isa-debug-exit (ResetSystem / ACPI S5) or a triple fault
#   1        QEMU itself failed
st=${1:?usage: umbra-status.sh QEMU_STATUS}
case "$st" in
0) echo "umbra-status: QEMU 0: powered off without isa-debug-exit, or a triple fault"; exit 1 ;;
1) echo "umbra-status: QEMU 1: QEMU failed"; exit 1 ;;
253) echo "umbra-status: QEMU 253: crash (status 110)"; exit 1 ;;
255) echo "umbra-status: QEMU 255: status out of range"; exit 1 ;;
124) echo "umbra-status: 124: timed out"; exit 1 ;;
esac
if [ "$st" -ge 33 ] && [ $((st % 2)) -eq 1 ]; then
	n=$(((st - 33) / 2))
	echo "umbra-status: QEMU $st: app exit status $n"
	[ "$n" -eq 0 ]; exit
fi
echo "umbra-status: QEMU $st: unexpected (signal or QEMU error)"
exit 1
