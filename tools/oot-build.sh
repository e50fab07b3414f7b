#!/usr/bin/env bash
# oot-build.sh SRC_DIR OUT.efi: builds an out-of-tree app the way a user would: copy its
# folder (Makefile + sources) to a fresh temp directory outside the Umbra tree, run plain
# `make` there with UMBRA_ROOT pointing at this tree (a command-line override of the
# Makefile's own UMBRA_ROOT line), and copy the resulting build/umbra.efi to OUT.efi.
set -euo pipefail
src=${1:?usage: oot-build.sh SRC_DIR OUT.efi}
out=${2:?usage: oot-build.sh SRC_DIR OUT.efi}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$src/Makefile" ] || { echo "oot-build: $src/Makefile missing" >&2; exit 1; }
work=$(mktemp -d /tmp/umbra-oot.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$src"/. "$work/"
rm -rf "$work/build"
# A clean environment for the sub-make: no MAKEFLAGS/MAKEOVERRIDES from the parent (they
# would carry the parent's command-line variables, e.g. APP or BUILD, into the app build;
# make also exports command-line variables such as BUILD to the environment).
env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS -u MAKELEVEL -u BUILD \
	make -j2 -C "$work" UMBRA_ROOT="$root" >"$work.log" 2>&1 || {
	cat "$work.log" >&2; rm -f "$work.log"; echo "oot-build: make failed in $work" >&2; exit 1; }
rm -f "$work.log"
[ -f "$work/build/umbra.efi" ] || { echo "oot-build: no build/umbra.efi in $work" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cp "$work/build/umbra.efi" "$out"
