/*
 * Host tests of the heap (mem/heap.c, mem/heap_reg.c) over a fake physical arena.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/hw.h"
#include "mem/heap_reg.h"
#include "mem/mem.h"
#include "mem/tests/arena.h"
#include "tests/unit/ut.h"
#include "umbra/errno.h"

#define PG 4096ull

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void heap_setup(size_t bytes)
{
	arena_init(bytes, ARENA_GPA_DEFAULT, 0xEE);
	if (mem_page_add_range(arena_gpa, arena_size / PG) != 0)
		abort();
}

static bool in_arena(const void *p, size_t n)
{
	uintptr_t u = (uintptr_t)p, b = (uintptr_t)arena_mem;
	return u >= b && u + n <= b + arena_size;
}

static void t_basic(void)
{
	heap_setup(4 << 20);
	uint64_t free0 = mem_page_free_count();
	UT_CHECK(mem_alloc(0) == NULL);
	UT_CHECK(mem_zalloc(0) == NULL);
	UT_EQ(mem_free(NULL), 0);
	size_t sizes[] = { 1, 15, 16, 17, 100, 128, 129, 1000, 4096, 8191, 8192, 8193, 20000, 65536 };
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = mem_alloc(sizes[i]);
		UT_REQUIRE(p[i]);
		UT_EQ((uintptr_t)p[i] % 16, 0);
		UT_CHECK(in_arena(p[i], sizes[i]));
		memset(p[i], (int)i + 1, sizes[i]);
	}
	struct mem_heap_info hi;
	mem_heap_info(&hi);
	UT_EQ(hi.allocs, sizeof(sizes) / sizeof(sizes[0]));
	UT_EQ(hi.large, 3);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			if (((uint8_t *)p[i])[k] != i + 1) {
				UT_CHECK(!"allocation overwritten");
				break;
			}
		UT_EQ(mem_free(p[i]), 0);
	}
	mem_heap_info(&hi);
	UT_EQ(hi.allocs, 0);
	UT_EQ(hi.large, 0);
	mem_heap_trim();
	mem_heap_info(&hi);
	UT_EQ(hi.pages, 0);
	UT_EQ(mem_page_free_count(), free0);    /* the heap gave every page back */
	UT_EQ(mem_page_check(), 0);
	mem_heap_info(NULL);
	arena_fini();
}

static void t_size_classes_fit(void)
{
	heap_setup(8 << 20);
	/* Every size 1..8192 gets room for `size` bytes: two neighbours from one class,
	 * filled to the last byte, do not touch each other. */
	for (size_t s = 1; s <= MEM_HEAP_SMALL_MAX; s++) {
		uint8_t *a = mem_alloc(s), *b = mem_alloc(s);
		UT_REQUIRE(a && b);
		UT_CHECK(a + s <= b || b + s <= a);
		memset(a, 0xA1, s);
		memset(b, 0xB2, s);
		UT_CHECK(a[0] == 0xA1 && a[s - 1] == 0xA1 && b[0] == 0xB2 && b[s - 1] == 0xB2);
		UT_EQ(mem_free(a), 0);
		UT_EQ(mem_free(b), 0);
	}
	arena_fini();
}

static void t_zalloc(void)
{
	heap_setup(4 << 20);
	size_t sizes[] = { 24, 700, 8000, 9000, 100000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int round = 0; round < 3; round++) {
			uint8_t *p = mem_zalloc(sizes[i]);
			UT_REQUIRE(p);
			for (size_t k = 0; k < sizes[i]; k++)
				if (p[k]) {
					UT_CHECK(!"zalloc memory not zero");
					break;
				}
			memset(p, 0xFF, sizes[i]);      /* dirty it for the next round's reuse */
			UT_EQ(mem_free(p), 0);
		}
	}
	arena_fini();
}

static void t_double_free(void)
{
	heap_setup(4 << 20);
	void *s = mem_alloc(40), *l = mem_alloc(50000), *keep = mem_alloc(40);
	UT_REQUIRE(s && l && keep);
	UT_EQ(mem_free(s), 0);
	UT_EQ(mem_free(s), UMBRA_EINVAL);
	UT_EQ(mem_free(l), 0);
	UT_EQ(mem_free(l), UMBRA_EINVAL);
	struct mem_heap_info hi;
	mem_heap_info(&hi);
	UT_EQ(hi.allocs, 1);
	/* The slab and its other object are intact after the rejected double free. */
	UT_EQ(mem_free(keep), 0);
	UT_EQ(mem_free(keep), UMBRA_EINVAL);
	/* A slab released to the page allocator: its stale pointers are still refused. */
	void *many[2000];
	for (int i = 0; i < 2000; i++)
		UT_REQUIRE(many[i] = mem_alloc(64));
	for (int i = 0; i < 2000; i++)
		UT_EQ(mem_free(many[i]), 0);
	mem_heap_trim();
	mem_heap_info(&hi);
	UT_EQ(hi.slabs, 0);
	for (int i = 0; i < 2000; i += 97)
		UT_EQ(mem_free(many[i]), UMBRA_EINVAL);
	arena_fini();
}

static void t_foreign_pointers(void)
{
	heap_setup(4 << 20);
	uint8_t *s = mem_alloc(100);            /* class 112 */
	uint8_t *l = mem_alloc(20000);
	UT_REQUIRE(s && l);
	int on_stack[8];
	void *libc = malloc(64);
	uint64_t pg;
	UT_EQ(mem_page_alloc(1, 1, &pg), 0);
	uint8_t *page = hw_phys_to_virt(pg);
	/* s is object 0 of a fresh slab, so the slab header starts on s's page. */
	uint8_t *slab = (uint8_t *)((uintptr_t)s & ~(uintptr_t)4095);
	void *bad[] = {
		on_stack, libc, page, page + 32, page + 64,
		s + 1, s + 16, s + 112 * 600, s - 112 + 16, slab, slab + 16, slab + 65536 - 16,
		l + 16, l - 16, l - 32, l + 4096, l + 4096 - 32,
		(void *)(uintptr_t)16, (void *)(uintptr_t)(4096 + 32), (void *)(UINTPTR_MAX & ~(uintptr_t)15),
		arena_mem, arena_mem + arena_size - 16,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = mem_free(bad[i]);
		if (rc != UMBRA_EINVAL)
			fprintf(stderr, "bad[%zu] -> %d\n", i, rc);
		UT_EQ(rc, UMBRA_EINVAL);
	}
	/* A forged slab: a page-allocator block whose first word looks like slab magic is
	 * still refused, because it is not in the heap's registry. */
	uint64_t fake;
	UT_EQ(mem_page_alloc(16, 16, &fake), 0);
	uint8_t *fk = hw_phys_to_virt(fake);
	memcpy(fk, slab, 4096);                 /* a byte-exact copy of a real slab header */
	UT_EQ(mem_free(fk + (s - slab)), UMBRA_EINVAL);
	struct mem_heap_info hi;
	mem_heap_info(&hi);
	UT_EQ(hi.allocs, 2);
	UT_EQ(mem_free(s), 0);
	UT_EQ(mem_free(l), 0);
	free(libc);
	arena_fini();
}

static void t_header_corruption(void)
{
	heap_setup(4 << 20);
	uint8_t *l = mem_alloc(30000);
	UT_REQUIRE(l);
	uint64_t free_before = mem_page_free_count();
	uint64_t *hdr = (uint64_t *)(l - 32);
	uint64_t saved = hdr[1];
	hdr[1] = 1000;                          /* npages smashed by an underflow */
	UT_EQ(mem_free(l), UMBRA_ECORRUPT);
	UT_EQ(mem_page_free_count(), free_before);  /* nothing freed */
	hdr[1] = saved;
	UT_EQ(mem_free(l), 0);
	/* A smashed slab header: the object is the heap's, but nothing is trusted or freed. */
	uint8_t *a = mem_alloc(24), *b = mem_alloc(24);
	UT_REQUIRE(a && b);
	uint64_t *slab = (uint64_t *)((uintptr_t)a & ~(uintptr_t)4095);
	saved = slab[0];
	slab[0] ^= 1;
	UT_EQ(mem_free(b), UMBRA_ECORRUPT);
	slab[0] = saved;
	/* Class index, object size and counters are fields too: a smashed one must not steer
	 * a list or bitmap write (cls is the first 32-bit field after magic, next, prev). */
	uint32_t *fields = (uint32_t *)(slab + 3);
	for (unsigned f = 0; f < 5; f++) {
		uint32_t keep = fields[f];
		fields[f] = f == 3 ? fields[2] + 1 : 0x7fff0;      /* nfree > nobj, or absurd */
		UT_EQ(mem_free(b), UMBRA_ECORRUPT);
		fields[f] = keep;
	}
	UT_EQ(mem_free(b), 0);
	UT_EQ(mem_free(a), 0);
	arena_fini();
}

static void t_exhaustion(void)
{
	heap_setup(2 << 20);
	uint64_t free0 = mem_page_free_count();
	static void *p[100000];
	size_t sizes[] = { 48, 1000, 8192, 12000 };
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t first = 0;
		for (int round = 0; round < 2; round++) {
			size_t n = 0;
			while (n < 100000 && (p[n] = mem_alloc(sizes[si])) != NULL) {
				memset(p[n], (int)n, sizes[si]);
				n++;
			}
			UT_CHECK(n < 100000);
			UT_CHECK(n > 0);
			if (round == 0)
				first = n;
			else
				UT_EQ(n, first);        /* everything came back */
			UT_CHECK(mem_zalloc(sizes[si]) == NULL);
			for (size_t i = 0; i < n; i++)
				UT_EQ(mem_free(p[i]), 0);
			mem_heap_trim();
			UT_EQ(mem_page_free_count(), free0);
		}
	}
	UT_CHECK(mem_alloc(SIZE_MAX) == NULL);
	UT_CHECK(mem_alloc(SIZE_MAX - 40) == NULL);
	UT_CHECK(mem_alloc((size_t)1 << 40) == NULL);
	UT_EQ(mem_page_free_count(), free0);
	UT_EQ(mem_page_check(), 0);
	arena_fini();
}

/* The registry alone: clustered keys (neighbouring pages collide in probe runs), removal
 * in random order, every lookup checked against a plain array after each step. */
static void t_registry_model(void)
{
	heap_setup(8 << 20);
	enum { N = 3000 };
	static uintptr_t key[N];
	static bool in[N];
	rng_state = 0x0123456789ABCDEFull;
	for (unsigned i = 0; i < N; i++) {
		key[i] = (uintptr_t)0x7f0000000000ull + (i % 1000) * 4096 + (i / 1000) * 0x40000000ull;
		in[i] = false;
	}
	for (unsigned step = 0; step < 20000; step++) {
		unsigned i = (unsigned)(rnd() % N);
		if (in[i]) {
			mem_reg_remove(key[i]);
			in[i] = false;
		} else {
			UT_REQUIRE(mem_reg_reserve(1) == 0);
			mem_reg_insert(key[i], key[i] ^ 0x5a0);
			in[i] = true;
		}
		if (step % 97 == 0) {
			unsigned count = 0;
			for (unsigned k = 0; k < N; k++) {
				UT_REQUIRE(mem_reg_lookup(key[k]) == (in[k] ? (key[k] ^ 0x5a0) : 0));
				count += in[k];
			}
			UT_REQUIRE(mem_reg_count() == count);
		}
	}
	UT_EQ(mem_reg_lookup(0), 0);
	for (unsigned k = 0; k < N; k++)
		if (in[k])
			mem_reg_remove(key[k]);
	UT_EQ(mem_reg_count(), 0);
	mem_reg_release_if_empty();
	UT_EQ(mem_reg_pages(), 0);
	UT_EQ(mem_page_free_count(), mem_page_total_count());
	arena_fini();
}

/* Randomized model test: many thousands of ops, patterns, and an overlap check. */
#define LIVE_MAX 3000u
struct blk { uint8_t *p; size_t n; uint8_t tag; };

static bool blk_intact(const struct blk *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->p[i] != (uint8_t)(b->tag + i * 13))
			return false;
	return true;
}

static int blk_cmp(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;
	return x->p < y->p ? -1 : x->p > y->p;
}

static void t_random_model(void)
{
	heap_setup(16 << 20);
	uint64_t free0 = mem_page_free_count();
	static struct blk live[LIVE_MAX], sorted[LIVE_MAX];
	unsigned nlive = 0, allocs = 0, frees = 0, large = 0, nulls = 0;
	rng_state = 0xD1B54A32D192ED03ull;
	for (unsigned op = 0; op < 60000; op++) {
		if (nlive < LIVE_MAX && (rnd() % 100 < 55 || nlive == 0)) {
			size_t n;
			unsigned k = (unsigned)(rnd() % 100);
			if (k < 60)
				n = rnd() % 256 + 1;
			else if (k < 90)
				n = rnd() % 8192 + 1;
			else
				n = rnd() % 65536 + 1;
			bool z = rnd() % 4 == 0;
			uint8_t *p = z ? mem_zalloc(n) : mem_alloc(n);
			if (!p) {
				nulls++;
				continue;
			}
			UT_REQUIRE((uintptr_t)p % 16 == 0);
			UT_REQUIRE(in_arena(p, n));
			if (z)
				for (size_t i = 0; i < n; i++)
					UT_REQUIRE(p[i] == 0);
			struct blk b = { p, n, (uint8_t)rnd() };
			for (size_t i = 0; i < n; i++)
				p[i] = (uint8_t)(b.tag + i * 13);
			live[nlive++] = b;
			allocs++;
			large += n > MEM_HEAP_SMALL_MAX;
		} else {
			unsigned k = (unsigned)(rnd() % nlive);
			UT_REQUIRE(blk_intact(&live[k]));
			UT_REQUIRE(mem_free(live[k].p) == 0);
			if (rnd() % 8 == 0)
				UT_REQUIRE(mem_free(live[k].p) == UMBRA_EINVAL);
			live[k] = live[--nlive];
			frees++;
		}
		if (op % 5000 == 0 && nlive) {
			memcpy(sorted, live, nlive * sizeof(live[0]));
			qsort(sorted, nlive, sizeof(sorted[0]), blk_cmp);
			for (unsigned i = 0; i + 1 < nlive; i++)
				UT_REQUIRE(sorted[i].p + sorted[i].n <= sorted[i + 1].p);
			struct mem_heap_info hi;
			mem_heap_info(&hi);
			UT_REQUIRE(hi.allocs == nlive);
			UT_REQUIRE(mem_page_check() == 0);
		}
	}
	for (unsigned k = 0; k < nlive; k++) {
		UT_CHECK(blk_intact(&live[k]));
		UT_EQ(mem_free(live[k].p), 0);
	}
	mem_heap_trim();
	UT_EQ(mem_page_free_count(), free0);
	UT_CHECK(allocs > 20000 && frees > 20000 && large > 1000);
	printf("     model: %u allocs (%u large), %u frees, %u NULL\n", allocs, large, frees, nulls);
	arena_fini();
}

int main(void)
{
	UT_RUN(t_basic);
	UT_RUN(t_size_classes_fit);
	UT_RUN(t_zalloc);
	UT_RUN(t_double_free);
	UT_RUN(t_foreign_pointers);
	UT_RUN(t_header_corruption);
	UT_RUN(t_exhaustion);
	UT_RUN(t_registry_model);
	UT_RUN(t_random_model);
	return UT_DONE();
}
