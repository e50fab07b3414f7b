#!/usr/bin/env bash
# bench-boot.sh: `make bench` lines for the image and its boot.
#   bench image_bytes=N app=NAME target=T pass=yes|no
#                                    size of build/apps/NAME/umbra.efi: hello (T = 49152,
#                                    48 KiB) and echo, a VMBus app (T = 98304, 96 KiB)
#   bench boot runtime_us=R firmware_us=F qemu_wall_us=W ratio=R/W runs=K
#   bench boot_phases efi_entry_us=0 ebs_us=N paging_us=N mem_us=N timer_us=N app_us=N
# R is the runtime's own boot time (efi_main to app start) from its boot log line
# "umbra: boot_us=R" (docs/boot.md); W is the wall time of the whole QEMU run (QEMU start,
# OVMF, the runtime, the app, exit) booting the hello GPT image; F is the firmware's share
# (vCPU reset to efi_main, "umbra: tsc_at_entry_us=F", 0 if absent). All are medians of
# BENCH_BOOT_RUNS runs (default 3); the phases (time since efi_main) are from the last run.
# The target is ratio < 0.02.
set -u
cd "$(dirname "$0")/.."
BUILD=${UMBRA_BUILD:-${BUILD:-build}}
runs=${BENCH_BOOT_RUNS:-3}
img=$BUILD/test/hello.img
for f in "$BUILD/apps/hello/umbra.efi" "$BUILD/apps/echo/umbra.efi" "$img"; do
	[ -f "$f" ] || { echo "bench-boot: missing $f (make bench builds it)" >&2; exit 1; }
done
for a in hello:49152 echo:98304; do
	n=$(stat -c %s "$BUILD/apps/${a%%:*}/umbra.efi") t=${a#*:}
	echo "bench image_bytes=$n app=${a%%:*} target=$t pass=$([ "$n" -le "$t" ] && echo yes || echo no)"
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
dir=$(mktemp -d /tmp/umbra-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
walls="" rts="" fws=""
for i in $(seq 1 "$runs"); do
	t0=$(date +%s%N)
	timeout -k 2 60 tools/qemu.sh --disk "$img" --vars "$dir/vars.fd" --serial "file:$dir/serial.log" \
		>"$dir/qemu.out" 2>&1
	rc=$?
	t1=$(date +%s%N)
	us=$(sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g; s/\r//g' "$dir/serial.log" |
		sed -n "s/^umbra: boot_us=\([0-9]*\)$/\1/p" | head -n 1)
	if [ -z "$us" ] || [ "$rc" -ne 33 ]; then
		echo "bench-boot: run $i (qemu status $rc) printed no boot_us= or did not exit 33; log tail:" >&2
		tail -n 5 "$dir/serial.log" >&2
		exit 1
	fi
	fw=$(sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g; s/\r//g' "$dir/serial.log" |
		sed -n 's/^umbra: tsc_at_entry_us=\([0-9]*\)$/\1/p' | head -n 1)
	walls="$walls $(((t1 - t0) / 1000))" rts="$rts $us" fws="$fws ${fw:-0}"
	# Phase times of the last run: "umbra: phase NAME t_us=N" -> NAME_us=N.
	phases=$(sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g; s/\r//g' "$dir/serial.log" |
		sed -n 's/^umbra: phase \([a-z_]*\) t_us=\([0-9]*\).*/\1_us=\2/p' | tr '\n' ' ')
done
w=$(echo $walls | tr ' ' '\n' | median)
r=$(echo $rts | tr ' ' '\n' | median)
f=$(echo $fws | tr ' ' '\n' | median)
ratio=$(awk -v r="$r" -v w="$w" 'BEGIN { printf "%.5f", r / w }')
echo "bench boot runtime_us=$r firmware_us=$f qemu_wall_us=$w ratio=$ratio runs=$runs"
echo "bench boot_phases ${phases% }"
