/* The heap registry (see heap_reg.h). */
#include "mem/heap_reg.h"

#include "arch/x86_64/hw.h"
#include "mem/mem.h"
#include "umbra/errno.h"

#define REG_MIN_CAP (MEM_PAGE_SIZE / sizeof(uintptr_t))     /* >= 2, so the shift is < 64 */

static uintptr_t *reg_tab;
static uint64_t reg_cap, reg_len, reg_gpa;     /* reg_cap: power of two or 0 */

static uint64_t reg_home(uintptr_t key, uint64_t cap)
{
	/* Keys are at least page aligned: drop the zero bits, then Fibonacci hashing. */
	uint64_t h = ((uint64_t)key >> 12) * 0x9E3779B97F4A7C15ull;
	return h >> (64 - __builtin_ctzll(cap));
}

static uint64_t reg_pages_for(uint64_t cap)
{
	return cap * sizeof(uintptr_t) / MEM_PAGE_SIZE;
}

static void reg_put(uintptr_t *tab, uint64_t cap, uintptr_t key)
{
	uint64_t i = reg_home(key, cap);
	while (tab[i])
		i = (i + 1) & (cap - 1);
	tab[i] = key;
}

static int reg_grow(void)
{
	uint64_t cap = reg_cap ? reg_cap * 2 : REG_MIN_CAP;
	uint64_t gpa;
	int rc = mem_page_alloc(reg_pages_for(cap), 1, &gpa);
	if (rc < 0)
		return rc;
	uintptr_t *tab = hw_phys_to_virt(gpa);        /* zeroed by the page allocator */
	for (uint64_t i = 0; i < reg_cap; i++)
		if (reg_tab[i])
			reg_put(tab, cap, reg_tab[i]);
	if (reg_tab)
		mem_page_free(reg_gpa, reg_pages_for(reg_cap));
	reg_tab = tab;
	reg_cap = cap;
	reg_gpa = gpa;
	return UMBRA_OK;
}

int mem_reg_insert(uintptr_t key)
{
	if ((reg_len + 1) * 2 > reg_cap) {
		int rc = reg_grow();
		if (rc < 0)
			return rc;
	}
	reg_put(reg_tab, reg_cap, key);
	reg_len++;
	return UMBRA_OK;
}

/* Slot holding key, or reg_cap. */
static uint64_t reg_find(uintptr_t key)
{
	if (!key || !reg_cap)
		return reg_cap;
	for (uint64_t i = reg_home(key, reg_cap);; i = (i + 1) & (reg_cap - 1)) {
		if (reg_tab[i] == key)
			return i;
		if (!reg_tab[i])
			return reg_cap;
	}
}

bool mem_reg_has(uintptr_t key)
{
	return reg_find(key) != reg_cap;
}

void mem_reg_remove(uintptr_t key)
{
	uint64_t i = reg_find(key);
	if (i == reg_cap)
		return;
	/* Backward-shift deletion: pull later members of the probe run into the hole. */
	uint64_t mask = reg_cap - 1;
	reg_tab[i] = 0;
	for (uint64_t j = (i + 1) & mask; reg_tab[j]; j = (j + 1) & mask) {
		uint64_t h = reg_home(reg_tab[j], reg_cap);
		/* reg_tab[j] may stay iff its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!stays) {
			reg_tab[i] = reg_tab[j];
			reg_tab[j] = 0;
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
