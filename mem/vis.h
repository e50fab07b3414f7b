/*
 * Isolation policy: which pages the host can see. In a paravisor CVM (SNP with vTOM, TDX
 * partitioning) every page starts private; a page becomes host-visible only through this
 * module, which
 *  - scrubs it (private view) before the change and zeroes it again through the shared
 *    alias after it (the platform does not preserve contents across a change);
 *  - records every host-visible range, so "is this private?" has one answer;
 *  - hands out the shared-alias VA (hw_phys_to_virt(gpa | boundary)): a host-visible page
 *    is never reached through its private alias;
 *  - on the way back scrubs through the alias, makes the pages private, zeroes them again
 *    and frees them; a page that fails to become private is quarantined: it stays
 *    recorded as host-visible, stays allocated (never reused as private memory) and is
 *    logged.
 * The visibility change itself (hypercall 0x00DB, batched to 510 PFNs a call) is the
 * caller's function (synic/ in the runtime): mem/ sits below synic/ and only calls it.
 * Without isolation (no change function) every page is already host-visible: allocation
 * is plain and nothing is recorded. Single-threaded, like the rest of mem/.
 */
#ifndef UMBRA_MEM_VIS_H
#define UMBRA_MEM_VIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem_vis_ops {
	/* Change npages from gpa (no boundary bit) to host-visible or private. Returns 0, or
	 * an error with *done = the pages (from gpa on) that did change before it failed. */
	int (*change)(uint64_t gpa, uint64_t npages, bool host_visible, uint64_t *done);
	/* One line per quarantine or failed change; may be NULL. */
	void (*log)(const char *what, uint64_t gpa, uint64_t npages);
};

#define MEM_VIS_MAX_RANGES 256

/* Enable the policy: ops->change is required; boundary = the shared-GPA boundary (vTOM
 * or the TDX shared bit), a power of two. Resets the records. UMBRA_EINVAL on bad
 * arguments. */
int mem_vis_init(const struct mem_vis_ops *ops, uint64_t boundary);
/* No isolation (the default): every page is host-visible already. Forgets the records
 * (host tests; quarantined pages stay allocated). */
void mem_vis_reset(void);
bool mem_vis_isolated(void);
uint64_t mem_vis_boundary(void);

/* npages contiguous host-visible zeroed pages: *gpa without the boundary bit, *va the
 * shared alias. UMBRA_ENOMEM (pages or records), UMBRA_EIO (the change failed; what
 * changed was undone or quarantined). */
int mem_vis_alloc(uint64_t npages, uint64_t *gpa, void **va);
/* Give back exactly a run from mem_vis_alloc: scrub, make private, zero, free. UMBRA_EIO if some pages could not be made private: those
 * are quarantined, the rest freed. UMBRA_EINVAL if the run is not host-visible memory
 * of this module. */
int mem_vis_free(uint64_t gpa, uint64_t npages);

/* 1 if any page of [gpa, gpa + npages*4K) is host-visible or quarantined, else 0.
 * Without isolation: 1 (everything is host-visible). */
int mem_vis_any_shared(uint64_t gpa, uint64_t npages);
/* VA for a page by its recorded state: the shared alias for host-visible pages, the
 * private mapping otherwise. */
void *mem_vis_va(uint64_t gpa);

struct mem_vis_info {
	uint64_t shared_pages;      /* host-visible now (recorded, including quarantined) */
	uint64_t quarantined_pages; /* failed to return to private: never reused */
	uint64_t ranges;            /* records in use */
	uint64_t shared_total;      /* pages ever made host-visible */
	uint64_t failures;          /* change calls that failed */
};
void mem_vis_info(struct mem_vis_info *out);
/* Recorded range i (0-based): UMBRA_ENOENT past the end. */
int mem_vis_range_get(unsigned i, uint64_t *gpa, uint64_t *npages, bool *quarantined);

#endif
