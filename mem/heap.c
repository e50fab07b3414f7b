/*
 * Heap: 32 size classes (16..8192 bytes, 4 steps per power of two above 128) served from
 * 64 KiB slabs; larger requests get their own pages.
 *
 * Layouts:
 *   slab  = [struct heap_slab | objects of one class ...], 16 pages, every page
 *           registered. The header holds the per-object allocation bitmap, so double
 *           frees are detected exactly.
 *   large = [struct heap_large (32 B) | user data ...], first page registered; the
 *           pointer handed out is base + 32.
 * mem_free() looks the pointer's page up in the registry (heap_reg) before it reads
 * anything, then checks the header's magic (bound to its own address) and the exact
 * object position.
 */
#include <stdbool.h>

#include "arch/x86_64/hw.h"
#include "lib/string.h"
#include "mem/bits.h"
#include "mem/heap_reg.h"
#include "mem/mem.h"
#include "umbra/errno.h"

#define PAGE MEM_PAGE_SIZE
#define SLAB_PAGES 16u
#define SLAB_BYTES (SLAB_PAGES * PAGE)
#define SLAB_MAX_OBJS (SLAB_BYTES / 16)
#define NCLASS 32u
#define SLAB_MAGIC 0x42414c5341524d55ull    /* "UMRASLAB" */
#define LARGE_MAGIC 0x45475241414c5255ull   /* "URLAARGE" */

struct heap_slab {
	uint64_t magic;                 /* SLAB_MAGIC ^ own address */
	struct heap_slab *next, *prev;  /* partial list of the class (not full slabs) */
	uint32_t cls, size, nobj, nfree;
	uint32_t first;                 /* offset of object 0 */
	uint32_t hint;                  /* every word of `used` below this one is full */
	uint64_t used[SLAB_MAX_OBJS / 64];
};
#define SLAB_FIRST ((sizeof(struct heap_slab) + 15) & ~(size_t)15)

struct heap_large {
	uint64_t magic;                 /* LARGE_MAGIC ^ own address */
	uint64_t npages;
	uint64_t size;
	uint64_t check;                 /* ~(magic ^ npages ^ size): catches a smashed npages */
};
_Static_assert(sizeof(struct heap_large) == 32, "large header keeps 16-byte alignment");
#define LARGE_HDR sizeof(struct heap_large)

static struct heap_slab *heap_partial[NCLASS];
static uint64_t heap_allocs, heap_slabs, heap_large_n, heap_large_pages;

static unsigned class_of(size_t s)
{
	if (s <= 128)
		return (unsigned)((s - 1) >> 4);
	size_t t = s - 1;
	unsigned p = 63u - (unsigned)__builtin_clzll((unsigned long long)t);
	return 8u + (p - 7u) * 4u + (unsigned)((t >> (p - 2u)) & 3u);
}

static uint32_t class_size(unsigned c)
{
	if (c < 8)
		return (c + 1) * 16;
	unsigned p = 7 + (c - 8) / 4, q = (c - 8) % 4;
	return (5u + q) << (p - 2);
}

static void list_push(struct heap_slab *s)
{
	s->prev = NULL;
	s->next = heap_partial[s->cls];
	if (s->next)
		s->next->prev = s;
	heap_partial[s->cls] = s;
}

static void list_unlink(struct heap_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		heap_partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static struct heap_slab *slab_new(unsigned cls)
{
	uint64_t gpa;
	if (mem_page_alloc(SLAB_PAGES, 1, &gpa) < 0)
		return NULL;
	if (mem_reg_reserve(SLAB_PAGES) < 0) {
		mem_page_free(gpa, SLAB_PAGES);
		return NULL;
	}
	struct heap_slab *s = hw_phys_to_virt(gpa);
	for (unsigned i = 0; i < SLAB_PAGES; i++)
		mem_reg_insert((uintptr_t)s + i * PAGE, (uintptr_t)s);
	s->magic = SLAB_MAGIC ^ (uintptr_t)s;       /* the rest is zero from the allocator */
	s->cls = cls;
	s->size = class_size(cls);
	s->first = (uint32_t)SLAB_FIRST;
	s->nobj = (uint32_t)((SLAB_BYTES - SLAB_FIRST) / s->size);
	s->nfree = s->nobj;
	list_push(s);
	heap_slabs++;
	return s;
}

static void slab_release(struct heap_slab *s)
{
	list_unlink(s);
	for (unsigned i = 0; i < SLAB_PAGES; i++)
		mem_reg_remove((uintptr_t)s + i * PAGE);
	s->magic = 0;
	mem_page_free(hw_virt_to_phys(s), SLAB_PAGES);
	heap_slabs--;
}

static void *alloc_small(size_t size)
{
	unsigned cls = class_of(size);
	struct heap_slab *s = heap_partial[cls];
	if (!s && !(s = slab_new(cls)))
		return NULL;
	uint64_t i = bits_find_clear(s->used, (uint64_t)s->hint * 64, s->nobj);
	if (i >= s->nobj)
		return NULL;            /* counters disagree with the bitmap: corrupted slab */
	bits_assign(s->used, i, i + 1, true);
	s->hint = (uint32_t)(i / 64);
	if (--s->nfree == 0)
		list_unlink(s);
	heap_allocs++;
	return (char *)s + s->first + i * s->size;
}

static void *alloc_large(size_t size)
{
	if (size > SIZE_MAX - LARGE_HDR - PAGE)
		return NULL;
	uint64_t npages = (size + LARGE_HDR + PAGE - 1) / PAGE;
	uint64_t gpa;
	if (mem_page_alloc(npages, 1, &gpa) < 0)
		return NULL;
	if (mem_reg_reserve(1) < 0) {
		mem_page_free(gpa, npages);
		return NULL;
	}
	struct heap_large *h = hw_phys_to_virt(gpa);
	mem_reg_insert((uintptr_t)h, (uintptr_t)h);
	h->magic = LARGE_MAGIC ^ (uintptr_t)h;
	h->npages = npages;
	h->size = size;
	h->check = ~(h->magic ^ npages ^ size);
	heap_allocs++;
	heap_large_n++;
	heap_large_pages += npages;
	return h + 1;
}

void *mem_alloc(size_t size)
{
	if (size == 0)
		return NULL;
	return size <= MEM_HEAP_SMALL_MAX ? alloc_small(size) : alloc_large(size);
}

void *mem_zalloc(size_t size)
{
	void *p = mem_alloc(size);
	if (p && size <= MEM_HEAP_SMALL_MAX)
		memset(p, 0, size);     /* large blocks are fresh zeroed pages */
	return p;
}

static int free_large(struct heap_large *h)
{
	if (h->check != ~(h->magic ^ h->npages ^ h->size))
		return UMBRA_ECORRUPT;
	uint64_t npages = h->npages;
	mem_reg_remove((uintptr_t)h);
	h->magic = 0;
	heap_allocs--;
	heap_large_n--;
	heap_large_pages -= npages;
	return mem_page_free(hw_virt_to_phys(h), npages) < 0 ? UMBRA_ECORRUPT : UMBRA_OK;
}

int mem_free(void *ptr)
{
	uintptr_t u = (uintptr_t)ptr;
	if (!ptr)
		return UMBRA_OK;
	if (u % 16)
		return UMBRA_EINVAL;
	uintptr_t base = mem_reg_lookup(u & ~(uintptr_t)(PAGE - 1));
	if (!base)
		return UMBRA_EINVAL;
	uint64_t magic = *(const uint64_t *)base;
	if (magic == (LARGE_MAGIC ^ base))
		return u == base + LARGE_HDR ? free_large((struct heap_large *)base) : UMBRA_EINVAL;
	struct heap_slab *s = (struct heap_slab *)base;
	if (magic != (SLAB_MAGIC ^ base) || s->cls >= NCLASS || s->size != class_size(s->cls) ||
	    s->nobj > SLAB_MAX_OBJS || s->nfree > s->nobj || s->first != SLAB_FIRST)
		return UMBRA_ECORRUPT;  /* registered span with a smashed header */
	uintptr_t off = u - base;
	if (off < s->first || (off - s->first) % s->size)
		return UMBRA_EINVAL;
	uint64_t i = (off - s->first) / s->size;
	if (i >= s->nobj || !((s->used[i / 64] >> (i % 64)) & 1))
		return UMBRA_EINVAL;    /* past the last object, or already free */
	bits_assign(s->used, i, i + 1, false);
	if (i / 64 < s->hint)
		s->hint = (uint32_t)(i / 64);
	if (s->nfree++ == 0)
		list_push(s);
	heap_allocs--;
	/* Keep at most one empty slab per class: one that is alone on its list. */
	if (s->nfree == s->nobj && (heap_partial[s->cls] != s || s->next))
		slab_release(s);
	return UMBRA_OK;
}

void mem_heap_info(struct mem_heap_info *out)
{
	if (!out)
		return;
	out->pages = heap_slabs * SLAB_PAGES + heap_large_pages + mem_reg_pages();
	out->allocs = heap_allocs;
	out->slabs = heap_slabs;
	out->large = heap_large_n;
}

void mem_heap_trim(void)
{
	for (unsigned c = 0; c < NCLASS; c++) {
		struct heap_slab *s = heap_partial[c];
		while (s) {
			struct heap_slab *next = s->next;
			if (s->nfree == s->nobj)
				slab_release(s);
			s = next;
		}
	}
	mem_reg_release_if_empty();
}

void mem_heap_reset(void)
{
	for (unsigned c = 0; c < NCLASS; c++)
		heap_partial[c] = NULL;
	heap_allocs = heap_slabs = heap_large_n = heap_large_pages = 0;
	mem_reg_reset();
}
