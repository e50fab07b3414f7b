#!/usr/bin/env bash
# check-build.sh: the build workflows a user runs, checked in throw-away copies of this tree
# (the make test stage "build"; docs/testing.md). No real boot: `make run` and
# `make run-secboot` boot a stub QEMU (QEMU_BIN) that records its arguments.
#
#   repro-efi       apps/hello built in two copies at different paths: identical umbra.efi
#   repro-signed    both signed with OVMF's test key: the same Authenticode digest (sbsign
#                   adds a signingTime, so the signed files themselves differ)
#   repro-oot       examples/outoftree built against each copy, from two app folders at
#                   different paths: identical build/umbra.efi, and build/umbra.so next to it
#   oot-sim         out of tree, `make SIM=1` builds build/sim/umbra.{efi,so} with the
#                   simulator linked in (and the production image has none); SIM=yes is refused
#   app-sticky      `make APP=apps/timer` then `make image`: the disk holds timer; then
#                   `make APP=apps/hello` and `make image`: hello
#   image-mib       `make image IMAGE_MIB=48` rebuilds the disk at 48 MiB, then plain
#                   `make image` at 64 MiB again
#   run-sim         `make run SIM=1 ARGS=...` boots build/sim/umbra.efi with the load options
#                   and reports the app's status (0 passes, 1 fails), in tree and out of tree
#   run-secboot     a signed image older than build/umbra.efi is refused, and re-signed and
#                   booted when KEY/CERT are given (its digest is that of the current image)
#   fuzz-crash      `make fuzz` fails when a target crashes, passes when none does, and
#                   prints libFuzzer's summary either way
# Prints "ok NAME" or "FAIL NAME: why" per check, then "check-build: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/umbra-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# A make as a user types it: nothing inherited from a parent make (tools/oot-build.sh).
umake() { env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS -u MAKELEVEL -u BUILD -u APP -u SIM \
	-u ARGS -u IMAGE_MIB -u KEY -u CERT -u KEY_PASS make -j2 "$@"; }
KEYARGS=(KEY=/usr/share/ovmf/PkKek-1-snakeoil.key CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem KEY_PASS=snakeoil)

# copy_tree DEST: the tree's sources (tracked and untracked, not ignored; no build output).
copy_tree() {
	mkdir -p "$1"
	if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$root" ls-files -co --exclude-standard | while IFS= read -r f; do
			[ -f "$root/$f" ] && printf '%s\0' "$f"; done |
			tar -C "$root" --null -T - -cf - | tar -C "$1" -xf -
	else
		tar -C "$root" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$1" -xf -
	fi
}
# digest SIGNED.efi: the Authenticode (SHA-256) digest inside its signature.
digest() {
	sbattach --detach "$work/sig.p7" "$1" >/dev/null 2>&1 &&
		openssl asn1parse -inform DER -in "$work/sig.p7" |
		sed -n 's/.*l=  32 prim: OCTET STRING *\[HEX DUMP\]://p' | head -n 1
	rm -f "$work/sig.p7"
}
# esp_is IMG EFI: the disk's EFI/BOOT/BOOTX64.EFI is EFI.
esp_is() { mtype -i "$1@@1M" ::/EFI/BOOT/BOOTX64.EFI 2>/dev/null | cmp -s - "$2"; }

a=$work/a/umbra b=$work/longer-path/b/umbra
copy_tree "$a"
copy_tree "$b"
log=$work/make.log

# ---- reproducibility -----------------------------------------------------------------
if umake -C "$a" build/apps/hello/umbra.efi >"$log" 2>&1 &&
	umake -C "$b" build/apps/hello/umbra.efi >>"$log" 2>&1; then
	ha=$(sha256sum <"$a/build/apps/hello/umbra.efi") hb=$(sha256sum <"$b/build/apps/hello/umbra.efi")
	if [ "$ha" = "$hb" ]; then ok repro-efi; else fail repro-efi "umbra.efi differs between $a and $b"; fi
	for t in "$a" "$b"; do
		KEY_PASS=snakeoil bash "$root/tools/sign.sh" "${KEYARGS[0]#KEY=}" "${KEYARGS[1]#CERT=}" \
			"$t/build/apps/hello/umbra.efi" "$t/signed.efi" >>"$log" 2>&1
	done
	da=$(digest "$a/signed.efi") db=$(digest "$b/signed.efi")
	if [ -n "$da" ] && [ "$da" = "$db" ]; then ok repro-signed
	else fail repro-signed "Authenticode digests '$da' and '$db'"; fi
else
	fail repro-efi "build failed: $(tail -n 3 "$log")"; fail repro-signed "no images"
fi

oa=$work/a/app ob=$work/longer-path/b/app-two
cp -r "$root/examples/outoftree" "$oa"
cp -r "$root/examples/outoftree" "$ob"
rm -rf "$oa/build" "$ob/build"
if umake -C "$oa" UMBRA_ROOT="$a" >"$log" 2>&1 && umake -C "$ob" UMBRA_ROOT="$b" >>"$log" 2>&1; then
	ha=$(sha256sum <"$oa/build/umbra.efi") hb=$(sha256sum <"$ob/build/umbra.efi")
	if [ "$ha" != "$hb" ]; then fail repro-oot "build/umbra.efi differs between $oa and $ob"
	elif [ ! -f "$oa/build/umbra.so" ]; then fail repro-oot "no build/umbra.so next to build/umbra.efi"
	else ok repro-oot; fi
else
	fail repro-oot "build failed: $(tail -n 3 "$log")"
fi

# ---- SIM out of tree -------------------------------------------------------------------
if ! umake -C "$oa" UMBRA_ROOT="$a" SIM=1 >"$log" 2>&1; then
	fail oot-sim "make SIM=1 failed: $(tail -n 3 "$log")"
elif [ ! -f "$oa/build/sim/umbra.efi" ] || [ ! -f "$oa/build/sim/umbra.so" ]; then
	fail oot-sim "no build/sim/umbra.efi and umbra.so"
elif ! nm "$oa/build/sim/umbra.so" | grep -q ' sim_init$'; then
	fail oot-sim "build/sim/umbra.so has no sim_init"
elif nm "$oa/build/umbra.so" | grep -q ' sim_'; then
	fail oot-sim "the production image has sim_ symbols"
elif umake -C "$oa" UMBRA_ROOT="$a" SIM=yes >"$log" 2>&1 || ! grep -q 'SIM=yes' "$log"; then
	fail oot-sim "SIM=yes was not refused"
else
	ok oot-sim
fi

# ---- APP and IMAGE_MIB follow into every target -----------------------------------------
if umake -C "$a" APP=apps/timer >"$log" 2>&1 && umake -C "$a" image >>"$log" 2>&1 &&
	esp_is "$a/build/umbra.img" "$a/build/apps/timer/umbra.efi" &&
	umake -C "$a" APP=apps/hello >>"$log" 2>&1 && umake -C "$a" image >>"$log" 2>&1 &&
	esp_is "$a/build/umbra.img" "$a/build/apps/hello/umbra.efi"; then
	ok app-sticky
else
	fail app-sticky "make image did not follow the last APP: $(tail -n 3 "$log")"
fi
if umake -C "$a" image IMAGE_MIB=48 >"$log" 2>&1 && [ "$(stat -c %s "$a/build/umbra.img")" = 50331648 ] &&
	umake -C "$a" image >>"$log" 2>&1 && [ "$(stat -c %s "$a/build/umbra.img")" = 67108864 ]; then
	ok image-mib
else
	fail image-mib "the disk did not follow IMAGE_MIB: $(tail -n 3 "$log")"
fi

# ---- make run SIM=1 and run-secboot against a stub QEMU ---------------------------------
cat >"$work/qemu-stub" <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "$@" >"$STUB_ARGS"
exit "$STUB_RC"
STUB
chmod +x "$work/qemu-stub"
export QEMU_BIN=$work/qemu-stub STUB_ARGS=$work/stub.args
run_sim() { # DIR EXPECTED_EFI [make args]: the stub saw -kernel EFI -append "x y"
	local dir=$1 efi=$2; shift 2
	STUB_RC=33 umake -C "$dir" run SIM=1 ARGS="x y" "$@" >"$log" 2>&1 || return 1
	grep -qx -- "$efi" "$STUB_ARGS" && grep -qx 'x y' "$STUB_ARGS" &&
		grep -q 'app exit status 0' "$log" || return 1
	! STUB_RC=35 umake -C "$dir" run SIM=1 "$@" >"$log" 2>&1 && grep -q 'app exit status 1' "$log"
}
if run_sim "$a" build/sim/umbra.efi APP=apps/hello && run_sim "$oa" build/sim/umbra.efi UMBRA_ROOT="$a" &&
	cmp -s "$a/build/sim/umbra.efi" "$a/build/sim/apps/hello/umbra.efi" && [ -f "$a/build/sim/umbra.so" ]; then
	ok run-sim
else
	fail run-sim "$(tail -n 3 "$log")"
fi
export STUB_RC=33
if ! umake -C "$a" sign "${KEYARGS[@]}" >"$log" 2>&1; then
	fail run-secboot "make sign failed: $(tail -n 3 "$log")"
elif umake -C "$a" APP=apps/timer run-secboot >"$log" 2>&1 || ! grep -q 'older than' "$log"; then
	fail run-secboot "a signed image older than build/umbra.efi was not refused: $(tail -n 2 "$log")"
elif ! umake -C "$a" run-secboot "${KEYARGS[@]}" >"$log" 2>&1 || ! grep -q 'umbra-signed.img' "$STUB_ARGS"; then
	fail run-secboot "run-secboot with KEY/CERT failed: $(tail -n 3 "$log")"
else
	KEY_PASS=snakeoil bash "$root/tools/sign.sh" "${KEYARGS[0]#KEY=}" "${KEYARGS[1]#CERT=}" \
		"$a/build/apps/timer/umbra.efi" "$work/timer-signed.efi" >"$log" 2>&1
	mtype -i "$a/build/umbra-signed.img@@1M" ::/EFI/BOOT/BOOTX64.EFI >"$work/esp.efi" 2>/dev/null
	dt=$(digest "$work/timer-signed.efi") de=$(digest "$work/esp.efi")
	if [ -n "$dt" ] && [ "$dt" = "$de" ]; then ok run-secboot
	else fail run-secboot "the booted disk is not the signed timer image ($de, want $dt)"; fi
fi

# ---- make fuzz fails on a crash ---------------------------------------------------------
cat >"$work/crashme.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n >= 2 && d[0] == 'h' && d[1] == 'i')
		__builtin_trap();
	return 0;
}
EOF
cat >"$work/fine.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
EOF
mkdir -p "$a/tests/fuzz/corpus/crashme"
printf 'hi' >"$a/tests/fuzz/corpus/crashme/seed"
if umake -C "$a" fuzz FUZZ_TIME=2 FUZZ_TARGETS="fine crashme" FUZZ_SRCS_fine="$work/fine.c" \
	FUZZ_SRCS_crashme="$work/crashme.c" >"$log" 2>&1; then
	fail fuzz-crash "make fuzz passed although crashme crashes"
elif ! grep -q 'SUMMARY' "$log" || ! grep -q 'fuzz crashme: FAILED' "$log" ||
	! grep -q 'stat::number_of_executed_units' "$log"; then
	fail fuzz-crash "no summary or no FAILED line: $(tail -n 3 "$log")"
elif ! umake -C "$a" fuzz FUZZ_TIME=1 FUZZ_TARGETS=fine FUZZ_SRCS_fine="$work/fine.c" >"$log" 2>&1; then
	fail fuzz-crash "make fuzz failed on a target that never crashes: $(tail -n 3 "$log")"
else
	ok fuzz-crash
fi

echo "check-build: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
