/*
 * Page-table construction, separated from the CPU so that it is host-testable
 * (arch/x86_64/tests/paging_test.c): tables live in an arena whose addresses are used as
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

/*
 * The alias beyond the window, on demand. pt_build maps the window only over [0, top);
 * a host-visible page the platform keeps outside the memory map (OpenHCL's shared pool at
 * the top of RAM: GHCB, SIMP, SIEFP) may lie above it. pml4/b/nx are pt_build's tables,
 * boundary and NX bit, top = pt_map_top() of its map; [next, end) are page-aligned,
 * identity-addressed table pages kept for this (next advances).
 */
struct pt_alias {
	uint64_t pml4, b, nx, top;
	uint64_t next, end;
};

/*
 * *va = ALIAS_VA + g for gpa = g | a->b (offset within the page kept). For g below top
 * the window maps it already: 0, no table change. For g in [top, alias_limit(b)) the
 * 2 MiB page of the alias holding g is mapped, VA ALIAS_VA + (g & ~(2M-1)) -> PA
 * (g & ~(2M-1)) | b, RW + NX, cached, with a PD per GiB (and a PDPT per 512 GiB) taken from
 * [next, end): 1 if this call changed the tables (the caller flushes the TLB entry of *va),
 * 0 if that page was mapped already. Errors leave the tables and next unchanged:
 * UMBRA_EINVAL if gpa is not the alias form (b = 0 or bit b clear: the private form g
 * is never mapped here), g >= alias_limit(b), or the VA holds something else;
 * UMBRA_ENOMEM if [next, end) lacks the tables needed.
 */
int pt_alias_map(struct pt_alias *a, uint64_t gpa, uint64_t *va);

/* The top of pt_build's identity map and window for this map: the highest address in
 * it rounded up to 1 GiB, at least 4 GiB. */
uint64_t pt_map_top(const void *mmap, uint64_t size, uint64_t desc_size);

/* Effective rights of va: 0 if unmapped, else PT_P | (PT_RW if writable at every level)
 * | (PT_NX if no-execute at any level) | PT_PCD/PT_PWT of the leaf; *pa the target. */
uint64_t pt_lookup(uint64_t pml4, uint64_t va, uint64_t *pa);

/* Arena pages pt_build needs at most for this map and image size; with `alias`, also for
 * an alias window of either page size. */
uint64_t pt_pages_needed(const void *mmap, uint64_t size, uint64_t desc_size, uint64_t image_size,
			 bool alias);

#endif
