/*
 * The UEFI memory map after ExitBootServices, turned into what the runtime needs
 * (portable; host-tested in boot/tests/memmap_test.c):
 *  - free RAM for the page allocator: Conventional, BootServicesCode, BootServicesData,
 *    adjacent descriptors merged, minus the caller's carve-outs (page 0 always);
 *  - the reserved list (runtime services, ACPI, reserved, unusable, MMIO, persistent,
 *    PAL code) that is never handed out and is reported by umbra_reserved_region();
 *  - unaccepted memory (type 15), recorded for later issues, never handed out.
 * LoaderCode/LoaderData (the image and the runtime's own boot allocations) are neither
 * free nor reserved: they stay in use for the VM's lifetime.
 */
#ifndef UMBRA_BOOT_MEMMAP_H
#define UMBRA_BOOT_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/boot_handoff.h"   /* struct boot_efi_desc, boot_range */
#include "boot/boot_info.h"

enum boot_mem_class {
	BOOT_MEM_FREE,          /* goes to the page allocator */
	BOOT_MEM_IN_USE,        /* loader code/data: ours */
	BOOT_MEM_RESERVED,      /* firmware-owned; never touched */
	BOOT_MEM_UNACCEPTED,    /* type 15 */
};

enum boot_mem_class boot_mem_classify(uint32_t efi_type);

#define BOOT_MAX_RESERVED 128

struct boot_memmap_result {
	uint64_t free_pages;            /* pages passed to add_free */
	uint64_t add_errors;            /* add_free calls that failed */
	uint64_t max_phys;              /* end of the highest descriptor */
	struct boot_range reserved[BOOT_MAX_RESERVED];
	unsigned reserved_count;
	bool reserved_overflow;         /* more regions than fit (the rest are still never used) */
	struct boot_range unaccepted[BOOT_MAX_UNACCEPTED];
	unsigned unaccepted_count;
	bool unaccepted_overflow;
};

/*
 * Walks the map (desc_size stride, must be >= 40), calls add_free(base, npages) for
 * every merged free range minus carve[0..ncarve) and page 0, and fills *res.
 * Returns 0, or UMBRA_EINVAL for a malformed map (nothing is added then): bad sizes,
 * unaligned or wrapping descriptors, addresses beyond 52 bits, overlapping descriptors.
 */
int boot_memmap_process(const void *map, uint64_t map_size, uint64_t desc_size,
			const struct boot_range *carve, unsigned ncarve,
			int (*add_free)(uint64_t base, uint64_t npages),
			struct boot_memmap_result *res);

#endif
