/* The shared bounce pool (see mem/bounce.h). */
#include "mem/bounce.h"
#include "lib/string.h"
#include <umbra/errno.h>

static bool taken(const struct mem_bounce *p, uint32_t i)
{
	return (p->map[i / 64] >> (i % 64)) & 1;
}

static void mark(struct mem_bounce *p, uint32_t first, uint32_t n, bool on)
{
	for (uint32_t i = first; i < first + n; i++) {
		if (on)
			p->map[i / 64] |= 1ull << (i % 64);
		else
			p->map[i / 64] &= ~(1ull << (i % 64));
	}
}

int mem_bounce_init(struct mem_bounce *p, uint64_t gpa, void *va, uint32_t pages)
{
	if (!p || !va || (gpa & 4095) || pages == 0 || pages > MEM_BOUNCE_MAX_PAGES)
		return UMBRA_EINVAL;
	memset(p, 0, sizeof(*p));
	p->gpa = gpa;
	p->va = va;
	p->pages = pages;
	return 0;
}

int mem_bounce_take(struct mem_bounce *p, uint32_t npages, uint64_t *gpa, void **va)
{
	if (!p || !gpa || !va || npages == 0 || npages > p->pages)
		return UMBRA_EINVAL;
	for (uint32_t i = 0; i + npages <= p->pages;) {
		uint32_t k = 0;
		while (k < npages && !taken(p, i + k))
			k++;
		if (k == npages) {
			mark(p, i, npages, true);
			p->in_use += npages;
			if (p->in_use > p->high_water)
				p->high_water = p->in_use;
			p->takes++;
			*gpa = p->gpa + (uint64_t)i * 4096;
			*va = p->va + (size_t)i * 4096;
			return 0;
		}
		i += k + 1;
	}
	p->exhausted++;
	return UMBRA_ENOBUFS;
}

bool mem_bounce_contains(const struct mem_bounce *p, uint64_t gpa, uint64_t len)
{
	return p && p->pages && gpa >= p->gpa && len <= (uint64_t)p->pages * 4096 &&
	       gpa - p->gpa <= (uint64_t)p->pages * 4096 - len;
}

int mem_bounce_put(struct mem_bounce *p, uint64_t gpa, uint32_t npages)
{
	if (!p || npages == 0 || (gpa & 4095) || !mem_bounce_contains(p, gpa, (uint64_t)npages * 4096))
		return UMBRA_EINVAL;
	uint32_t first = (uint32_t)((gpa - p->gpa) / 4096);
	for (uint32_t i = first; i < first + npages; i++)
		if (!taken(p, i))
			return UMBRA_EINVAL;
	memset(p->va + (size_t)first * 4096, 0, (size_t)npages * 4096);
	mark(p, first, npages, false);
	p->in_use -= npages;
	return 0;
}
