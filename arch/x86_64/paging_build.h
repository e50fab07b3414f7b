/*
 * Page-table construction, separated from the CPU so that it is host-testable
 * (arch/x86_64/paging_test.c): tables live in an arena whose addresses are used as
 * physical addresses (identity), which holds in the image and for a host buffer alike.
 */
#ifndef UMBRA_ARCH_PAGING_BUILD_H
#define UMBRA_ARCH_PAGING_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#define PT_P    (1ull << 0)
#define PT_RW   (1ull << 1)
#define PT_PWT  (1ull << 3)
#define PT_PCD  (1ull << 4)
#define PT_PS   (1ull << 7)
#define PT_NX   (1ull << 63)
#define PT_ADDR 0x000ffffffffff000ull

#define PT_MAX_GUARDS 8

struct pt_params {
	const void *mmap;               /* EFI memory map (struct boot_efi_desc, stride desc_size) */
	uint64_t mmap_size, desc_size;
	uint64_t image_base, text, etext, rodata, erodata;   /* linker.ld boundaries */
	uint64_t guards[PT_MAX_GUARDS]; /* pages left unmapped */
	unsigned nguards;
	uint64_t uc_page;               /* mapped uncached (xAPIC), 0 for none */
	uint64_t nx;                    /* PT_NX if EFER.NXE can be set, else 0 */
	uint64_t alias;                 /* shared-GPA boundary (alias.h) or 0: no window */
	bool alias_1g;                  /* window in 1 GiB pages (CPUID Page1GB), else 2 MiB */
	uint64_t arena, arena_pages;    /* page-aligned, identity-addressed */
};

/*
 * Builds the runtime's tables (policy at the top of paging_build.c). On success *pml4 is
 * the CR3 value and *used the number of arena pages consumed. UMBRA_ENOMEM if the arena
 * is too small, UMBRA_EINVAL for bad parameters, including an alias that is not a power
 * of two up to 2^ALIAS_MAX_BIT or lies below the top of the memory map, or a map whose
 * top exceeds ALIAS_VA while an alias window is asked for.
 */
int pt_build(const struct pt_params *p, uint64_t *pml4, uint64_t *used);

/*
 * Changes the rights of [va, va + len) in tables built by pt_build: e = (e & ~clear) | set
 * for each 4 KiB page, splitting 2 MiB pages with tables taken from [*arena, arena_end)
 * (*arena advances). UMBRA_ENOMEM when a split needs a table and none is left,
 * UMBRA_EINVAL if the range is not inside the identity map (below its top; the alias
 * window is never changed). The caller flushes the TLB.
 */
int pt_protect(uint64_t pml4, uint64_t *arena, uint64_t arena_end, uint64_t va, uint64_t len,
	       uint64_t set, uint64_t clear);

/* Effective rights of va: 0 if unmapped, else PT_P | (PT_RW if writable at every level)
 * | (PT_NX if no-execute at any level) | PT_PCD/PT_PWT of the leaf; *pa the target. */
uint64_t pt_lookup(uint64_t pml4, uint64_t va, uint64_t *pa);

/* Arena pages pt_build needs at most for this map and image size; with `alias`, also for
 * an alias window of either page size. */
uint64_t pt_pages_needed(const void *mmap, uint64_t size, uint64_t desc_size, uint64_t image_size,
			 bool alias);

#endif
