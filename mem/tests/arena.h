/*
 * Host test seam for mem/: hw_phys_to_virt()/hw_virt_to_phys() over a page-aligned
 * (deliberately not 64 KiB aligned) heap buffer that plays the role of guest physical memory [arena_gpa, arena_gpa+size).
 * GPAs outside it translate to NULL; foreign VAs to UINT64_MAX.
 */
#ifndef UMBRA_MEM_TEST_ARENA_H
#define UMBRA_MEM_TEST_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define ARENA_GPA_DEFAULT 0x100000ull

extern uint8_t *arena_mem;
extern uint64_t arena_gpa;
extern size_t arena_size;
/* When set (a power of two), GPA | arena_alias names the same byte as GPA: the shared
 * alias of an isolated VM. */
extern uint64_t arena_alias;

/* Fresh arena of `size` bytes at GPA `gpa`, filled with `fill`; resets the allocator. */
void arena_init(size_t size, uint64_t gpa, uint8_t fill);
void arena_fini(void);

#endif
