/* The running image's build-id (image_id.h), from the note linker.ld places between
 * _build_id and _ebuild_id, and the wait for a debugger. Image only (linker symbols). */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/image_id.h"

extern const char _build_id[], _ebuild_id[];

size_t arch_build_id(const uint8_t **id)
{
	return arch_build_id_parse(_build_id, (size_t)(_ebuild_id - _build_id), id);
}

const char *arch_build_id_hex(char *buf, size_t bufsz)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *id;
	size_t n = arch_build_id(&id), o = 0;

	if (!buf || !bufsz)
		return buf;
	for (size_t i = 0; i < n && o + 2 < bufsz; i++) {
		buf[o++] = hex[id[i] >> 4];
		buf[o++] = hex[id[i] & 15];
	}
	buf[o] = 0;
	return buf;
}

/* Cleared by the debugger (tools/debug.sh: set var arch_gdb_wait = 0). */
volatile uint32_t arch_gdb_wait;

bool arch_debug_wait(uint64_t max_ns)
{
	uint64_t t0 = arch_now_ns();

	arch_gdb_wait = 1;
	while (arch_gdb_wait) {
		if (arch_now_ns() - t0 > max_ns) {
			arch_gdb_wait = 0;
			return false;
		}
		__asm__ volatile("pause");
	}
	return true;
}
