/*
 * Physical page allocator and heap. Portable: built into the EFI image and, unchanged,
 * into host tests (where "physical" memory is a buffer the test or simulator owns).
 * All addresses are GPAs; the allocator reaches page contents only through
 * hw_phys_to_virt(). Errors are negative UMBRA_E* codes (include/umbra/errno.h).
 *
 * Contracts:
 *  - Single-threaded. The runtime runs on one CPU and there are no locks: interrupt
 *    handlers must never call anything declared here.
 *  - hw_phys_to_virt() maps a GPA range that was handed over with mem_page_add_range()
 *    to one contiguous, writable VA range (the identity map in the image, an arena in
 *    host tests), page aligned. Multi-page allocations and the metadata rely on it.
 *  - The allocator's metadata (range header + allocation bitmap, 1 bit per page) is
 *    carved from the first pages of each range handed over; nothing is static beyond a
 *    few pointers. GPA page 0 is never handed out (so no allocation is ever NULL).
 *  - Every public call validates its arguments; bad arguments return UMBRA_EINVAL and
 *    leave the state untouched.
 */
#ifndef UMBRA_MEM_MEM_H
#define UMBRA_MEM_MEM_H

#include <stddef.h>
#include <stdint.h>

#define MEM_PAGE_SIZE 4096u

/*
 * Hand a free RAM range [gpa, gpa + npages*4K) to the allocator. gpa page aligned.
 * The range must not overlap a range already handed over (UMBRA_EINVAL). A range that
 * starts exactly where an earlier one ends is merged into it while that range's bitmap
 * has room, so adjacent memory-map entries cost no extra metadata. A range too small to
 * hold its own metadata is accepted and ignored (returns 0, manages nothing).
 * Any number of ranges may be added, before or after allocations.
 */
int mem_page_add_range(uint64_t gpa, uint64_t npages);
/* Allocate npages contiguous zeroed pages aligned to align_pages (power of two, >= 1).
 * The GPA (not the range offset) is aligned. UMBRA_ENOMEM if no such run exists. */
int mem_page_alloc(uint64_t npages, uint64_t align_pages, uint64_t *gpa_out);
/* Return pages. Freeing pages that are not allocated is detected and returns UMBRA_EINVAL.
 * Any allocated sub-run may be freed (not only whole allocations); the run must lie in
 * one range and every page of it must be allocated, else nothing is freed. */
int mem_page_free(uint64_t gpa, uint64_t npages);
uint64_t mem_page_free_count(void);
uint64_t mem_page_total_count(void);
/* Forget every range (host tests only; the image never calls it). Also resets the heap. */
void mem_page_reset(void);

/* 1 if the page at gpa is allocated, 0 if free, UMBRA_ENOENT if the allocator does not
 * manage it (never handed over, or allocator metadata). */
int mem_page_state(uint64_t gpa);

/* One managed range: metadata pages [meta_gpa, gpa), allocatable pages [gpa, gpa+npages). */
struct mem_page_range {
	uint64_t meta_gpa;
	uint64_t gpa;
	uint64_t npages;
	uint64_t free_pages;
};
/* Range i (0-based, in the order added); UMBRA_ENOENT past the end. */
int mem_page_range_get(unsigned i, struct mem_page_range *out);
/* Recount every bitmap against the cached counters and hints; 0 or UMBRA_ECORRUPT. */
int mem_page_check(void);

/*
 * Heap on top of the page allocator. 16-byte aligned. NULL on exhaustion or size 0.
 * Sizes up to MEM_HEAP_SMALL_MAX come from size-class slabs (64 KiB);
 * larger ones get their own pages with a 32-byte header. Contents of mem_alloc memory
 * are unspecified; mem_zalloc memory is zero.
 */
#define MEM_HEAP_SMALL_MAX 8192u
void *mem_alloc(size_t size);
void *mem_zalloc(size_t size);
/* Double free and foreign pointers are detected: the call returns UMBRA_EINVAL.
 * The heap never dereferences a pointer before it has matched its page against its own
 * registry of slabs and large blocks, so any pointer value is safe to pass.
 * UMBRA_ECORRUPT: the pointer is the heap's but the block's header was overwritten;
 * nothing is freed. mem_free(NULL) returns 0 (like free(NULL)). */
int mem_free(void *ptr);

struct mem_heap_info {
	uint64_t pages;        /* pages the heap holds (slabs, large blocks, registry) */
	uint64_t allocs;       /* live allocations */
	uint64_t slabs;        /* slabs held (including cached empty ones) */
	uint64_t large;        /* live large blocks */
};
void mem_heap_info(struct mem_heap_info *out);
/* Give cached empty slabs (and the registry, when the heap is empty) back to the pages. */
void mem_heap_trim(void);
/* Forget the heap without freeing anything (used by mem_page_reset). */
void mem_heap_reset(void);

#endif
