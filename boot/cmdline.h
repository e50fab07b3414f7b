/*
 * Command-line text -> argv words (docs/boot.md, "Load options"). Pure: host-tested
 * (boot/tests/cmdline_test.c) and fuzzed (boot/tests/cmdline_fuzz.c), because the text
 * is the host's in a confidential VM (UEFI load options, or the options file on the ESP).
 *
 * Words are separated by blanks (space, tab, CR, LF); there is no quoting. Characters
 * outside ASCII become one '?' each (a UTF-8 sequence or a UTF-16 surrogate pair counts
 * as one character). Input holding any other control character (or, in a file, a NUL)
 * is not text: it is ignored as a whole. A word that does not fit the buffer whole, or
 * comes after the argv array is full, is dropped (never cut) and counted.
 */
#ifndef UMBRA_BOOT_CMDLINE_H
#define UMBRA_BOOT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* boot_cmdline_add flags */
#define BOOT_CMDLINE_UCS2       0x1  /* UCS-2 LE units up to the first NUL (load options) */
#define BOOT_CMDLINE_FILE       0x2  /* a file: UTF-8, or UTF-16 LE after a BOM FF FE; a
				      * UTF-8 BOM is skipped; "#" at a word start comments
				      * out the rest of the line */
#define BOOT_CMDLINE_IMAGE_NAME 0x4  /* a first word ending in ".efi" becomes argv[0] */

struct boot_cmdline {
	char *buf;              /* word storage */
	size_t buf_size;
	size_t used;
	char **argv;            /* max_args + 1 slots; argv[argc] is kept NULL */
	int max_args;           /* >= 1 (argv[0]) */
	int argc;
	unsigned words;         /* words seen (argv[0]'s image name not counted) */
	unsigned dropped_words; /* of them, dropped */
	unsigned dropped_bytes; /* their characters */
};

/* argv = { "umbra" }. */
void boot_cmdline_init(struct boot_cmdline *c, char *buf, size_t buf_size, char **argv,
		       int max_args);

/* Appends the words of data[0..size). Returns false (and adds nothing) when the input
 * is not text; true otherwise, also for empty input. */
bool boot_cmdline_add(struct boot_cmdline *c, const void *data, size_t size, unsigned flags);

#endif
