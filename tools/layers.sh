#!/usr/bin/env bash
# tools/layers.sh: the layering check. Each layer's module.mk declares what it may use
# (LAYER_DEPS_<dir> := ...; the Makefile passes them here as "dir:dep,dep"). Every
# #include "X/..." in a layer's product sources (not its tests, fuzz targets or benchmarks)
# must name the layer itself, a declared dependency, or the public headers (<umbra/...>).
# Apps (apps/*) may include only the public headers and their own files.
#
#   tools/layers.sh [--root DIR] [--self-test] [--allow FILE:INCLUDE]... SPEC...
#     SPEC = layer:dep,dep,...   --allow: one declared exception (the module.mk that
#     declares it says why), e.g. a test app that reaches the hardware seam.
#
# The dependency "hw" names the hardware seam alone (arch/x86_64/hw.h): a layer that
# reaches the machine only through it declares hw, not arch.
# Prints "ok layer NAME" or "FAIL layer NAME: FILE includes X (NAME may use: ...)" per layer
# and "N passed, N failed"; exits 1 on any violation. See docs/architecture.md.
set -u
root=.
selftest=0
allow=" "
while [ $# -gt 0 ]; do
	case "$1" in
	--root) root=$2; shift 2 ;;
	--self-test) selftest=1; shift ;;
	--allow) allow="$allow$2 "; shift 2 ;;
	*) break ;;
	esac
done

# product FILE: 0 if FILE is product code of its layer (not a test, fuzz target or bench).
product() {
	case "$1" in
	*/tests/*|*/test/*|*_test.c|*_fuzz.c|*_bench.c) return 1 ;;
	esac
	return 0
}

passed=0 failed=0
check_layer() { # check_layer NAME DEPS(comma-separated)
	local name=$1 deps=" ${2//,/ } " bad="" f inc top
	[ -d "$root/$name" ] || { echo "FAIL layer $name: no such folder"; failed=$((failed + 1)); return; }
	while IFS= read -r f; do
		product "$f" || continue
		while IFS= read -r inc; do
			top=${inc%%/*}
			[ "$top" = "$inc" ] && continue            # same-folder include
			[ "$top" = "$name" ] && continue
			[ "$top" = umbra ] && continue              # the public headers
			[[ $deps == *" $top "* ]] && continue
			[ "$inc" = arch/x86_64/hw.h ] && [[ $deps == *" hw "* ]] && continue
			[[ $allow == *" ${f#"$root"/}:$inc "* ]] && continue
			bad="$bad${bad:+; }${f#"$root"/} includes $inc"
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done < <(find "$root/$name" -type f \( -name '*.c' -o -name '*.h' -o -name '*.asm' \) | sort)
	if [ -n "$bad" ]; then
		echo "FAIL layer $name: $bad ($name may use:${deps% })"; failed=$((failed + 1))
	else
		echo "ok layer $name"; passed=$((passed + 1))
	fi
}

check_apps() {
	local bad="" f inc
	[ -d "$root/apps" ] || return
	while IFS= read -r f; do
		while IFS= read -r inc; do
			[[ $allow == *" ${f#"$root"/}:$inc "* ]] && continue
			[[ $inc == */* ]] && bad="$bad${bad:+; }${f#"$root"/} includes \"$inc\""
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done < <(find "$root/apps" -type f \( -name '*.c' -o -name '*.h' \) | sort)
	if [ -n "$bad" ]; then
		echo "FAIL apps: $bad (apps use <umbra/...> only)"; failed=$((failed + 1))
	else
		echo "ok apps use the public headers only"; passed=$((passed + 1))
	fi
}

if [ $selftest -eq 1 ]; then
	# The check must fail on an upward include and pass without it.
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	mkdir -p "$t/low" "$t/high" "$t/low/tests" "$t/apps/a"
	printf '#include "low/a.h"\n' >"$t/high/h.c"
	printf '#include "high/h.h"\n' >"$t/low/tests/t.c"     # tests may reach up
	printf '#include <umbra/umbra.h>\n' >"$t/apps/a/main.c"
	out=$(bash "$0" --root "$t" low: high:low)
	[ $? -eq 0 ] && echo "ok self-test: clean tree passes" || { echo "FAIL self-test: clean tree"; exit 1; }
	printf '#include "high/h.h"\n' >"$t/low/a.c"
	printf '#include "low/a.h"\n' >"$t/apps/a/x.c"
	out=$(bash "$0" --root "$t" low: high:low)
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'FAIL layer low: low/a.c includes high/h.h' <<<"$out" &&
	   grep -q 'FAIL apps: apps/a/x.c' <<<"$out"; then
		echo "ok self-test: upward include and app include caught"
	else
		echo "FAIL self-test: violations not caught"; echo "$out"; exit 1
	fi
	passed=2
fi

for spec in "$@"; do
	check_layer "${spec%%:*}" "${spec#*:}"
done
[ $# -gt 0 ] && check_apps
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
