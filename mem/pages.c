/*
 * Physical page allocator: one bitmap per range (bit set = allocated), carved from the
 * first pages of the range itself together with a small range header. Ranges form a
 * singly linked list through those headers, so the only static state is a few words
 * (the image stores .bss in the file).
 *
 * Speed: each range keeps `hint`, an index below which every page is allocated, so
 * single-page allocation starts at the first free page; the scan skips whole 64-page
 * words. A multi-page search is one monotone pass over the range's bitmap.
 */
#include "mem/mem.h"

#include <stdbool.h>

#include "arch/x86_64/hw.h"
#include "lib/string.h"
#include "mem/bits.h"
#include "umbra/errno.h"

#define PAGE MEM_PAGE_SIZE
#define GPA_LIMIT (1ull << 52)          /* architectural maximum physical address */
#define ALIGN_LIMIT (1ull << 40)        /* in pages: = GPA_LIMIT / PAGE */

struct mem_range_hdr {
	struct mem_range_hdr *next;
	uint64_t meta_gpa;      /* first page of the metadata */
	uint64_t base;          /* GPA of bitmap bit 0 (first allocatable page) */
	uint64_t npages;        /* allocatable pages */
	uint64_t nfree;
	uint64_t hint;          /* every page below index `hint` is allocated */
	uint64_t cap;           /* bits the bitmap can hold; bits [npages, cap) stay set */
	uint64_t pad;
	uint64_t bitmap[];
};

static struct mem_range_hdr *range_head, *range_tail, *range_last;
static uint64_t pages_total, pages_free;

static uint64_t range_end(const struct mem_range_hdr *r)
{
	return r->base + r->npages * PAGE;
}

/* Bitmap bits that m metadata pages provide. */
static uint64_t meta_cap(uint64_t m)
{
	return (m * PAGE - sizeof(struct mem_range_hdr)) * 8;
}

static struct mem_range_hdr *range_of(uint64_t gpa)
{
	for (struct mem_range_hdr *r = range_head; r; r = r->next)
		if (gpa >= r->base && gpa < range_end(r))
			return r;
	return NULL;
}

/* Grow r by up to npages pages that start exactly at its end; returns pages taken. */
static uint64_t range_extend(struct mem_range_hdr *r, uint64_t npages)
{
	uint64_t k = r->cap - r->npages;
	if (k > npages)
		k = npages;
	bits_assign(r->bitmap, r->npages, r->npages + k, false);
	r->npages += k;
	r->nfree += k;
	pages_total += k;
	pages_free += k;
	return k;
}

int mem_page_add_range(uint64_t gpa, uint64_t npages)
{
	if (gpa % PAGE || npages == 0 || gpa >= GPA_LIMIT || npages > (GPA_LIMIT - gpa) / PAGE)
		return UMBRA_EINVAL;
	uint64_t end = gpa + npages * PAGE;
	for (struct mem_range_hdr *r = range_head; r; r = r->next)
		if (gpa < range_end(r) && r->meta_gpa < end)
			return UMBRA_EINVAL;
	if (!hw_phys_to_virt(end - PAGE) || (gpa && !hw_phys_to_virt(gpa)))
		return UMBRA_EINVAL;    /* the seam cannot reach it */
	if (gpa == 0) {                 /* page 0 would read as a NULL pointer */
		gpa = PAGE;
		if (--npages == 0)
			return UMBRA_OK;
	}
	for (struct mem_range_hdr *r = range_head; r && npages; r = r->next) {
		if (range_end(r) == gpa && r->cap > r->npages) {
			uint64_t k = range_extend(r, npages);
			gpa += k * PAGE;
			npages -= k;
		}
	}
	if (npages == 0)
		return UMBRA_OK;

	/* Smallest m with meta_cap(m) >= npages - m. */
	uint64_t m = (npages + sizeof(struct mem_range_hdr) * 8) / (PAGE * 8 + 1);
	if (m == 0)
		m = 1;
	while (m < npages && meta_cap(m) < npages - m)
		m++;
	if (m >= npages)
		return UMBRA_OK;        /* too small to describe itself */

	struct mem_range_hdr *r = hw_phys_to_virt(gpa);
	memset(r, 0, m * PAGE);
	r->meta_gpa = gpa;
	r->base = gpa + m * PAGE;
	r->npages = npages - m;
	r->nfree = r->npages;
	r->hint = 0;
	r->cap = meta_cap(m);
	bits_assign(r->bitmap, r->npages, r->cap, true);
	if (range_tail)
		range_tail->next = r;
	else
		range_head = r;
	range_tail = r;
	pages_total += r->npages;
	pages_free += r->npages;
	return UMBRA_OK;
}

/* Index rounded up so that the page's GPA is a multiple of align pages. */
static uint64_t align_idx(const struct mem_range_hdr *r, uint64_t i, uint64_t align)
{
	uint64_t pn = r->base / PAGE + i;
	return ((pn + align - 1) & ~(align - 1)) - r->base / PAGE;
}

/* First aligned index with n clear bits, or r->npages if none. */
static uint64_t range_find(const struct mem_range_hdr *r, uint64_t n, uint64_t align)
{
	uint64_t i = align_idx(r, r->hint, align);
	while (i <= r->npages && n <= r->npages - i) {
		uint64_t j = bits_find_set(r->bitmap, i, i + n);
		if (j == i + n)
			return i;
		i = align_idx(r, bits_find_clear(r->bitmap, j + 1, r->npages), align);
	}
	return r->npages;
}

int mem_page_alloc(uint64_t npages, uint64_t align_pages, uint64_t *gpa_out)
{
	if (!gpa_out || npages == 0 || align_pages == 0 || align_pages > ALIGN_LIMIT ||
	    (align_pages & (align_pages - 1)))
		return UMBRA_EINVAL;
	if (npages > pages_free)
		return UMBRA_ENOMEM;
	struct mem_range_hdr *start = range_last ? range_last : range_head;
	struct mem_range_hdr *r = start;
	while (r) {
		if (r->nfree >= npages) {
			uint64_t i = range_find(r, npages, align_pages);
			if (i < r->npages) {
				bits_assign(r->bitmap, i, i + npages, true);
				if (i == r->hint)
					r->hint = bits_find_clear(r->bitmap, i + npages, r->npages);
				r->nfree -= npages;
				pages_free -= npages;
				range_last = r;
				uint64_t gpa = r->base + i * PAGE;
				memset(hw_phys_to_virt(gpa), 0, (size_t)(npages * PAGE));
				*gpa_out = gpa;
				return UMBRA_OK;
			}
		}
		r = r->next ? r->next : range_head;
		if (r == start)
			break;
	}
	return UMBRA_ENOMEM;
}

int mem_page_free(uint64_t gpa, uint64_t npages)
{
	if (gpa % PAGE || npages == 0)
		return UMBRA_EINVAL;
	struct mem_range_hdr *r = range_of(gpa);
	if (!r)
		return UMBRA_EINVAL;
	uint64_t i = (gpa - r->base) / PAGE;
	if (npages > r->npages - i)
		return UMBRA_EINVAL;
	if (bits_find_clear(r->bitmap, i, i + npages) != i + npages)
		return UMBRA_EINVAL;    /* some page in the run is not allocated */
	bits_assign(r->bitmap, i, i + npages, false);
	if (i < r->hint)
		r->hint = i;
	r->nfree += npages;
	pages_free += npages;
	return UMBRA_OK;
}

uint64_t mem_page_free_count(void)
{
	return pages_free;
}

uint64_t mem_page_total_count(void)
{
	return pages_total;
}

void mem_page_reset(void)
{
	range_head = range_tail = range_last = NULL;
	pages_total = pages_free = 0;
	mem_heap_reset();
}

int mem_page_state(uint64_t gpa)
{
	struct mem_range_hdr *r = range_of(gpa);
	if (!r)
		return UMBRA_ENOENT;
	uint64_t i = (gpa - r->base) / PAGE;
	return (int)((r->bitmap[i / 64] >> (i % 64)) & 1);
}

int mem_page_range_get(unsigned i, struct mem_page_range *out)
{
	if (!out)
		return UMBRA_EINVAL;
	struct mem_range_hdr *r = range_head;
	while (r && i--)
		r = r->next;
	if (!r)
		return UMBRA_ENOENT;
	out->meta_gpa = r->meta_gpa;
	out->gpa = r->base;
	out->npages = r->npages;
	out->free_pages = r->nfree;
	return UMBRA_OK;
}

int mem_page_check(void)
{
	uint64_t total = 0, nfree = 0;
	for (struct mem_range_hdr *r = range_head; r; r = r->next) {
		if (r->base <= r->meta_gpa || r->base % PAGE || r->npages > r->cap ||
		    r->hint > r->npages || r->nfree > r->npages)
			return UMBRA_ECORRUPT;
		if (r->cap != meta_cap((r->base - r->meta_gpa) / PAGE))
			return UMBRA_ECORRUPT;
		if (r->npages - bits_count(r->bitmap, 0, r->npages) != r->nfree)
			return UMBRA_ECORRUPT;
		if (bits_find_clear(r->bitmap, r->npages, r->cap) != r->cap)
			return UMBRA_ECORRUPT;
		if (bits_find_clear(r->bitmap, 0, r->hint) != r->hint)
			return UMBRA_ECORRUPT;
		total += r->npages;
		nfree += r->nfree;
		if (!r->next && r != range_tail)
			return UMBRA_ECORRUPT;
	}
	return total == pages_total && nfree == pages_free ? UMBRA_OK : UMBRA_ECORRUPT;
}
