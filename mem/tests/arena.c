/* Host test seam for mem/ (see arena.h). */
#include "mem/tests/arena.h"

#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/hw.h"
#include "mem/mem.h"

/* VA = GPA + delta with delta only page aligned (like sim/), so nothing in mem/ can
 * silently rely on a larger common alignment of VA and GPA. */
#define ARENA_VA_SKEW (5 * 4096)

static uint8_t *arena_base;
uint8_t *arena_mem;
uint64_t arena_gpa;
size_t arena_size;

void arena_init(size_t size, uint64_t gpa, uint8_t fill)
{
	arena_fini();
	size = (size + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	arena_base = aligned_alloc(2u << 20, size + (2u << 20));
	if (!arena_base)
		abort();
	arena_mem = arena_base + ARENA_VA_SKEW;
	memset(arena_mem, fill, size);
	arena_size = size;
	arena_gpa = gpa;
	mem_page_reset();
}

void arena_fini(void)
{
	mem_page_reset();
	free(arena_base);
	arena_base = arena_mem = NULL;
	arena_size = 0;
}

uint64_t arena_alias;

void *hw_phys_to_virt(uint64_t gpa)
{
	if (arena_alias && (gpa & arena_alias))
		gpa &= ~arena_alias;
	if (!arena_mem || gpa < arena_gpa || gpa - arena_gpa >= arena_size)
		return NULL;
	return arena_mem + (gpa - arena_gpa);
}

uint64_t hw_virt_to_phys(const void *va)
{
	uintptr_t u = (uintptr_t)va, b = (uintptr_t)arena_mem;
	if (!arena_mem || u < b || u - b >= arena_size)
		return UINT64_MAX;
	return arena_gpa + (u - b);
}
