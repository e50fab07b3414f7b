/*
 * Physical page allocator and heap. Portable: built into the EFI image and, unchanged,
 * into host tests (where "physical" memory is a buffer the test or simulator owns).
 * All addresses are GPAs; the allocator reaches page contents only through
 * hw_phys_to_virt(). Errors are negative UMBRA_E* codes (include/umbra/errno.h).
 */
#ifndef UMBRA_MEM_MEM_H
#define UMBRA_MEM_MEM_H

#include <stddef.h>
#include <stdint.h>

#define MEM_PAGE_SIZE 4096u

/* Hand a free RAM range [gpa, gpa + npages*4K) to the allocator. gpa page aligned. */
int mem_page_add_range(uint64_t gpa, uint64_t npages);
/* Allocate npages contiguous zeroed pages aligned to align_pages (power of two, >= 1). */
int mem_page_alloc(uint64_t npages, uint64_t align_pages, uint64_t *gpa_out);
/* Return pages. Freeing pages that are not allocated is detected and returns UMBRA_EINVAL. */
int mem_page_free(uint64_t gpa, uint64_t npages);
uint64_t mem_page_free_count(void);
uint64_t mem_page_total_count(void);
/* Forget every range (host tests only; the image never calls it). */
void mem_page_reset(void);

/* Heap on top of the page allocator. 16-byte aligned. NULL on exhaustion or size 0. */
void *mem_alloc(size_t size);
void *mem_zalloc(size_t size);
/* Double free and foreign pointers are detected: the call returns UMBRA_EINVAL. */
int mem_free(void *ptr);

#endif
