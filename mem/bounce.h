/*
 * The shared bounce pool: host-visible pages through which a non-confidential channel's
 * data passes so that the app can keep its own buffers private. The pool is a region of
 * host-visible memory (from mem_vis_alloc, or any memory without isolation) handed in
 * by the owner; runs of whole pages are taken and put back. Every page is zero while
 * free: put() scrubs before it releases, so nothing of one transfer is left for the next
 * or for the host. The pool knows nothing of channels: the caller decides what may go
 * through it (never a confidential ring, never a buffer of a channel with confidential
 * external memory; vmbus/ enforces that). Single-threaded.
 */
#ifndef UMBRA_MEM_BOUNCE_H
#define UMBRA_MEM_BOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_BOUNCE_MAX_PAGES 1024

struct mem_bounce {
	uint64_t gpa;           /* first page, no boundary bit */
	uint8_t *va;            /* its VA (the shared alias when isolated) */
	uint32_t pages;
	uint32_t in_use;
	uint32_t high_water;
	uint64_t takes, exhausted;
	uint64_t map[MEM_BOUNCE_MAX_PAGES / 64];   /* bit set = page taken */
};

/* Take over [gpa, gpa + pages*4K) mapped at va; the pages must be zero. 0 or UMBRA_EINVAL. */
int mem_bounce_init(struct mem_bounce *p, uint64_t gpa, void *va, uint32_t pages);
/* A run of npages (first fit): 0 with *gpa and *va, UMBRA_ENOBUFS if no run is free now,
 * UMBRA_EINVAL for npages 0 or larger than the pool. */
int mem_bounce_take(struct mem_bounce *p, uint32_t npages, uint64_t *gpa, void **va);
/* Scrub and release a run from mem_bounce_take. UMBRA_EINVAL if any page of it is not
 * taken or outside the pool (nothing changes). */
int mem_bounce_put(struct mem_bounce *p, uint64_t gpa, uint32_t npages);
/* 1 if [gpa, gpa+len) lies in the pool. */
bool mem_bounce_contains(const struct mem_bounce *p, uint64_t gpa, uint64_t len);

#endif
