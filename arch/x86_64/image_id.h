/*
 * The running image's identity: its GNU build-id (ld --build-id=sha1, umbra.mk), which
 * linker.ld keeps in the loaded note section .note.gnu.build-id (PE section .buildid)
 * between _build_id and _ebuild_id, so the boot log and the crash report can name the
 * exact umbra.so to symbolize with (`readelf -n umbra.so` shows the same bytes).
 * Note format: ELF gABI "Note Section" (namesz, descsz, type, name padded to 4, desc
 * padded to 4); the build-id is the note with name "GNU" and type NT_GNU_BUILD_ID (3).
 */
#ifndef UMBRA_ARCH_IMAGE_ID_H
#define UMBRA_ARCH_IMAGE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arch_elf_note {
	uint32_t namesz;                /* including the terminating NUL */
	uint32_t descsz;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct arch_elf_note) == 12, "ELF note header");

#define ARCH_NT_GNU_BUILD_ID 3u
#define ARCH_BUILD_ID_MAX    64u        /* sha1 gives 20; longer ones are refused */

/*
 * Walks the notes in [notes, notes + len) (4-byte aligned) for the GNU build-id: its
 * length (1..ARCH_BUILD_ID_MAX) with *id pointing at it, or 0 when there is none or a
 * note runs past len. Host-testable.
 */
size_t arch_build_id_parse(const void *notes, size_t len, const uint8_t **id);

/* The running image's build-id (0 and *id = NULL without one). Image only. */
size_t arch_build_id(const uint8_t **id);

/* The build-id as lowercase hex in buf (at most bufsz - 1 digits, NUL-terminated; ""
 * without one). Returns buf. Image only. */
const char *arch_build_id_hex(char *buf, size_t bufsz);

/*
 * The load option umbra.gdb (tools/debug.sh): spins with interrupts as they are until a
 * debugger clears arch_gdb_wait (true), or max_ns pass (false). The TSC clock must run.
 */
extern volatile uint32_t arch_gdb_wait;
bool arch_debug_wait(uint64_t max_ns);

#endif
