/* The heap registry (see heap_reg.h). */
#include "mem/heap_reg.h"

#include <stdbool.h>

#include "arch/x86_64/hw.h"
#include "mem/mem.h"
#include "umbra/errno.h"

struct reg_slot {
	uintptr_t page;         /* 0 = empty */
	uintptr_t span;
};

#define REG_MIN_CAP (MEM_PAGE_SIZE / sizeof(struct reg_slot))   /* >= 2: shift < 64 */

static struct reg_slot *reg_tab;
static uint64_t reg_cap, reg_len, reg_gpa;     /* reg_cap: power of two or 0 */

static uint64_t reg_home(uintptr_t page, uint64_t cap)
{
	/* Keys are page aligned: drop the zero bits, then Fibonacci hashing (top bits). */
	uint64_t h = ((uint64_t)page >> 12) * 0x9E3779B97F4A7C15ull;
	return h >> (64 - __builtin_ctzll(cap));
}

static uint64_t reg_pages_for(uint64_t cap)
{
	return cap * sizeof(struct reg_slot) / MEM_PAGE_SIZE;
}

static void reg_put(struct reg_slot *tab, uint64_t cap, uintptr_t page, uintptr_t span)
{
	uint64_t i = reg_home(page, cap);
	while (tab[i].page)
		i = (i + 1) & (cap - 1);
	tab[i].page = page;
	tab[i].span = span;
}

int mem_reg_reserve(uint64_t n)
{
	uint64_t cap = reg_cap ? reg_cap : REG_MIN_CAP;
	while ((reg_len + n) * 2 > cap)
		cap *= 2;
	if (cap == reg_cap)
		return UMBRA_OK;
	uint64_t gpa;
	int rc = mem_page_alloc(reg_pages_for(cap), 1, &gpa);
	if (rc < 0)
		return rc;
	struct reg_slot *tab = hw_phys_to_virt(gpa);  /* zeroed by the page allocator */
	for (uint64_t i = 0; i < reg_cap; i++)
		if (reg_tab[i].page)
			reg_put(tab, cap, reg_tab[i].page, reg_tab[i].span);
	if (reg_tab)
		mem_page_free(reg_gpa, reg_pages_for(reg_cap));
	reg_tab = tab;
	reg_cap = cap;
	reg_gpa = gpa;
	return UMBRA_OK;
}

void mem_reg_insert(uintptr_t page, uintptr_t span)
{
	reg_put(reg_tab, reg_cap, page, span);
	reg_len++;
}

/* Slot holding page, or reg_cap. */
static uint64_t reg_find(uintptr_t page)
{
	if (!page || !reg_cap)
		return reg_cap;
	for (uint64_t i = reg_home(page, reg_cap);; i = (i + 1) & (reg_cap - 1)) {
		if (reg_tab[i].page == page)
			return i;
		if (!reg_tab[i].page)
			return reg_cap;
	}
}

uintptr_t mem_reg_lookup(uintptr_t page)
{
	uint64_t i = reg_find(page);
	return i == reg_cap ? 0 : reg_tab[i].span;
}

void mem_reg_remove(uintptr_t page)
{
	uint64_t i = reg_find(page);
	if (i == reg_cap)
		return;
	/* Backward-shift deletion: pull later members of the probe run into the hole. */
	uint64_t mask = reg_cap - 1;
	reg_tab[i].page = 0;
	for (uint64_t j = (i + 1) & mask; reg_tab[j].page; j = (j + 1) & mask) {
		uint64_t h = reg_home(reg_tab[j].page, reg_cap);
		/* The entry at j may stay iff its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!stays) {
			reg_tab[i] = reg_tab[j];
			reg_tab[j].page = 0;
			i = j;
		}
	}
	reg_len--;
}

uint64_t mem_reg_count(void)
{
	return reg_len;
}

uint64_t mem_reg_pages(void)
{
	return reg_cap ? reg_pages_for(reg_cap) : 0;
}

void mem_reg_release_if_empty(void)
{
	if (reg_len || !reg_tab)
		return;
	mem_page_free(reg_gpa, reg_pages_for(reg_cap));
	mem_reg_reset();
}

void mem_reg_reset(void)
{
	reg_tab = NULL;
	reg_cap = reg_len = reg_gpa = 0;
}
