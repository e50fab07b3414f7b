#!/usr/bin/env bash
# umbra-status.sh QEMU_STATUS: explains a QEMU exit status after `make run` and fails
# unless the app exited with 0. Placeholder mapping until docs/boot.md fixes it.
st=${1:?usage: umbra-status.sh QEMU_STATUS}
case "$st" in
33) echo "umbra: QEMU exit status 33: success"; exit 0 ;;
0) echo "umbra: QEMU exit status 0: powered off without isa-debug-exit, or a triple fault"; exit 1 ;;
*) echo "umbra: QEMU exit status $st"; exit 1 ;;
esac
