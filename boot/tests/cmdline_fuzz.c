/*
 * libFuzzer target for boot/cmdline.c and boot/optpath.c: the host's text. Input: byte
 * 0 = flags (mod 8) and, in bits 3..7, how small the word buffer is; the rest is the
 * text, and also the device path. Checks: argc within bounds, argv NULL-terminated, every
 * word inside the buffer, non-empty, printable ASCII without blanks; words = kept +
 * dropped; a path result is NUL-terminated, starts with "\" and ends in the file name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/cmdline.h"
#include "boot/optpath.h"

#define MAXA 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[256];
	static char *argv[MAXA + 1];
	struct boot_cmdline c;

	if (size < 1)
		return 0;
	unsigned flags = data[0] & 7;
	size_t bsz = sizeof buf - (data[0] >> 3) * 8;
	boot_cmdline_init(&c, buf, bsz, argv, MAXA);
	bool text = boot_cmdline_add(&c, data + 1, size - 1, flags);
	if (c.argc < 1 || c.argc > MAXA || argv[c.argc] || c.used > bsz)
		abort();
	if (!text && (c.argc != 1 || c.words))
		abort();
	for (int i = 0; i < c.argc; i++) {
		const char *w = argv[i];
		if (i == 0 && !strcmp(w, "umbra"))
			continue;
		if (w < buf || w >= buf + bsz || !*w || w + strlen(w) >= buf + bsz)
			abort();
		for (; *w; w++)
			if (*w <= ' ' || *w > '~')
				abort();
	}
	unsigned kept = (unsigned)c.argc - 1;
	if (c.words != kept + c.dropped_words)
		abort();

	uint16_t out[BOOT_OPTPATH_MAX];
	if (boot_optpath(data + 1, size - 1, BOOT_OPTFILE_NAME, out, BOOT_OPTPATH_MAX) == 0) {
		size_t n = 0, nl = strlen(BOOT_OPTFILE_NAME);
		while (n < BOOT_OPTPATH_MAX && out[n])
			n++;
		if (n == BOOT_OPTPATH_MAX || out[0] != '\\' || n < nl + 1)
			abort();
		for (size_t k = 0; k < nl; k++)
			if (out[n - nl + k] != (uint8_t)BOOT_OPTFILE_NAME[k])
				abort();
		for (size_t k = 0; k < n; k++)
			if (out[k] < 0x20 || out[k] == '/')
				abort();
	}
	return 0;
}
