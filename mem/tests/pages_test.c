/*
 * Host tests of the page allocator (mem/pages.c) over a fake physical arena.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/hw.h"
#include "mem/mem.h"
#include "mem/tests/arena.h"
#include "tests/unit/ut.h"
#include "umbra/errno.h"

#define PG 4096ull
#define G(off) (arena_gpa + (off) * PG)        /* GPA of arena page `off` */

static bool all_bytes(uint64_t gpa, uint64_t npages, uint8_t v)
{
	const uint8_t *p = hw_phys_to_virt(gpa);
	for (uint64_t i = 0; i < npages * PG; i++)
		if (p[i] != v)
			return false;
	return true;
}

static uint64_t page_of(uint64_t gpa)
{
	return (gpa - arena_gpa) / PG;
}

static void t_add_range_validation(void)
{
	arena_init(4 << 20, ARENA_GPA_DEFAULT, 0);
	UT_EQ(mem_page_add_range(G(0) + 1, 10), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(G(0), 0), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(1ull << 52, 1), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(G(0), UINT64_MAX / PG), UMBRA_EINVAL);
	UT_EQ(mem_page_total_count(), 0);
	UT_EQ(mem_page_add_range(G(0), 100), 0);
	uint64_t total = mem_page_total_count();
	UT_EQ(total, 99);                       /* one metadata page */
	/* Overlaps: inside, straddling the start, straddling the end, covering. */
	UT_EQ(mem_page_add_range(G(50), 10), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(G(0), 1), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(G(99), 5), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(arena_gpa - 5 * PG, 6), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(arena_gpa - 5 * PG, 200), UMBRA_EINVAL);
	UT_EQ(mem_page_total_count(), total);
	/* A range whose memory the seam cannot map is refused. */
	UT_EQ(mem_page_add_range(arena_gpa + arena_size + 64 * PG, 16), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(arena_gpa + arena_size - 8 * PG, 16), UMBRA_EINVAL);
	UT_EQ(mem_page_add_range(G(100), 1), UMBRA_OK);  /* merged into the range below */
	total++;
	UT_EQ(mem_page_check(), 0);
	uint64_t gpa;
	UT_EQ(mem_page_alloc(0, 1, &gpa), UMBRA_EINVAL);
	UT_EQ(mem_page_alloc(1, 0, &gpa), UMBRA_EINVAL);
	UT_EQ(mem_page_alloc(1, 3, &gpa), UMBRA_EINVAL);
	UT_EQ(mem_page_alloc(1, 1ull << 41, &gpa), UMBRA_EINVAL);
	UT_EQ(mem_page_alloc(1, 1, NULL), UMBRA_EINVAL);
	UT_EQ(mem_page_free_count(), total);
	arena_fini();
}

static void t_basic_zeroed(void)
{
	arena_init(4 << 20, ARENA_GPA_DEFAULT, 0xA5);
	UT_EQ(mem_page_add_range(G(0), 256), 0);
	struct mem_page_range r;
	UT_EQ(mem_page_range_get(0, &r), 0);
	UT_EQ(r.meta_gpa, G(0));
	UT_EQ(r.gpa, G(1));
	UT_EQ(r.npages, 255);
	UT_EQ(mem_page_range_get(1, &r), UMBRA_ENOENT);
	UT_EQ(mem_page_state(G(0)), UMBRA_ENOENT);
	UT_EQ(mem_page_state(G(256)), UMBRA_ENOENT);

	uint64_t a, b;
	UT_EQ(mem_page_alloc(3, 1, &a), 0);
	UT_CHECK(a >= G(1) && a + 3 * PG <= G(256));
	UT_CHECK(all_bytes(a, 3, 0));
	UT_EQ(mem_page_state(a), 1);
	UT_EQ(mem_page_state(a + 2 * PG), 1);
	UT_EQ(mem_page_free_count(), 252);
	memset(hw_phys_to_virt(a), 0x5A, 3 * PG);
	UT_EQ(mem_page_alloc(1, 1, &b), 0);
	UT_CHECK(b + PG <= a || b >= a + 3 * PG);
	UT_CHECK(all_bytes(a, 3, 0x5A));        /* the second allocation did not touch the first */
	UT_EQ(mem_page_free(a, 3), 0);
	UT_EQ(mem_page_state(a), 0);
	/* Reallocating dirty pages hands them out zeroed again. */
	UT_EQ(mem_page_alloc(3, 1, &a), 0);
	UT_CHECK(all_bytes(a, 3, 0));
	UT_EQ(mem_page_check(), 0);
	arena_fini();
}

static void t_exhaustion_and_reuse(void)
{
	arena_init(8 << 20, ARENA_GPA_DEFAULT, 0);
	UT_EQ(mem_page_add_range(G(0), 2048), 0);
	uint64_t total = mem_page_total_count();
	uint64_t *got = calloc(total + 1, sizeof(*got));
	for (int round = 0; round < 3; round++) {
		uint64_t n = 0, gpa;
		int rc;
		while ((rc = mem_page_alloc(1, 1, &gpa)) == 0) {
			UT_REQUIRE(n < total);
			got[n++] = gpa;
		}
		UT_EQ(rc, UMBRA_ENOMEM);
		UT_EQ(n, total);
		UT_EQ(mem_page_free_count(), 0);
		UT_EQ(mem_page_alloc(1, 1, &gpa), UMBRA_ENOMEM);
		/* Distinct pages: mark each one's first byte, then verify. */
		for (uint64_t i = 0; i < n; i++)
			*(uint64_t *)hw_phys_to_virt(got[i]) = got[i];
		for (uint64_t i = 0; i < n; i++)
			UT_EQ(*(uint64_t *)hw_phys_to_virt(got[i]), got[i]);
		/* Free in a different order each round. */
		for (uint64_t i = 0; i < n; i++) {
			uint64_t k = round == 1 ? n - 1 - i : round == 2 ? (i * 7) % n : i;
			UT_EQ(mem_page_free(got[k], 1), 0);
		}
		UT_EQ(mem_page_free_count(), total);
		UT_EQ(mem_page_check(), 0);
	}
	/* Multi-page exhaustion: 8-page blocks until ENOMEM, then the whole range as one. */
	uint64_t n = 0, gpa;
	while (mem_page_alloc(8, 1, &gpa) == 0)
		got[n++] = gpa;
	UT_EQ(n, total / 8);
	UT_EQ(mem_page_free_count(), total % 8);
	for (uint64_t i = 0; i < n; i++)
		UT_EQ(mem_page_free(got[i], 8), 0);
	UT_EQ(mem_page_alloc(total, 1, &gpa), 0);
	UT_EQ(gpa, G(1));
	UT_EQ(mem_page_free(gpa, total), 0);
	UT_EQ(mem_page_check(), 0);
	free(got);
	arena_fini();
}

static void t_double_free_and_bad_free(void)
{
	arena_init(4 << 20, ARENA_GPA_DEFAULT, 0);
	UT_EQ(mem_page_add_range(G(0), 128), 0);
	UT_EQ(mem_page_add_range(G(200), 64), 0);
	uint64_t a, b, c;
	UT_EQ(mem_page_alloc(4, 1, &a), 0);
	UT_EQ(mem_page_alloc(2, 1, &b), 0);
	UT_EQ(mem_page_alloc(1, 1, &c), 0);
	uint64_t before = mem_page_free_count();

	UT_EQ(mem_page_free(b, 2), 0);
	UT_EQ(mem_page_free(b, 2), UMBRA_EINVAL);          /* double free */
	UT_EQ(mem_page_free(b + PG, 1), UMBRA_EINVAL);
	/* A run that is half allocated is refused whole: nothing gets freed. */
	UT_EQ(mem_page_alloc(2, 1, &b), 0);
	UT_EQ(mem_page_free(b + PG, 1), 0);
	UT_EQ(mem_page_free(b, 2), UMBRA_EINVAL);
	UT_EQ(mem_page_state(b), 1);
	UT_EQ(mem_page_free(b, 1), 0);
	UT_EQ(mem_page_alloc(2, 1, &b), 0);
	UT_EQ(mem_page_free_count(), before);

	/* Unaligned, empty, metadata, gaps, outside, past the end of a range. */
	UT_EQ(mem_page_free(a + 8, 1), UMBRA_EINVAL);
	UT_EQ(mem_page_free(a, 0), UMBRA_EINVAL);
	UT_EQ(mem_page_free(G(0), 1), UMBRA_EINVAL);       /* metadata page */
	UT_EQ(mem_page_free(G(150), 1), UMBRA_EINVAL);     /* gap between ranges */
	UT_EQ(mem_page_free(0, 1), UMBRA_EINVAL);
	UT_EQ(mem_page_free(1ull << 51, 1), UMBRA_EINVAL);
	UT_EQ(mem_page_free(UINT64_MAX & ~(PG - 1), 1), UMBRA_EINVAL);
	UT_EQ(mem_page_free(a, UINT64_MAX), UMBRA_EINVAL);
	UT_EQ(mem_page_free(a, 4 + 128), UMBRA_EINVAL);    /* crosses the range end */
	uint64_t last;
	UT_EQ(mem_page_alloc(1, 1, &last), 0);
	UT_EQ(mem_page_free(G(127), 2), UMBRA_EINVAL);     /* runs off the first range */
	UT_EQ(mem_page_free(last, 1), 0);
	UT_EQ(mem_page_free(a, 4), 0);
	UT_EQ(mem_page_free(a, 4), UMBRA_EINVAL);
	UT_EQ(mem_page_free(c, 1), 0);
	UT_EQ(mem_page_free(b, 2), 0);
	UT_EQ(mem_page_free_count(), mem_page_total_count());
	UT_EQ(mem_page_check(), 0);
	arena_fini();
}

static void t_alignment(void)
{
	arena_init(16 << 20, ARENA_GPA_DEFAULT, 0);
	/* A range whose start is deliberately not aligned to anything above one page. */
	UT_EQ(mem_page_add_range(G(3), 3000), 0);
	for (uint64_t a = 1; a <= 512; a *= 2) {
		uint64_t x, y, z;
		UT_EQ(mem_page_alloc(1, a, &x), 0);
		UT_EQ(x % (a * PG), 0);
		UT_EQ(mem_page_alloc(a, a, &y), 0);
		UT_EQ(y % (a * PG), 0);
		UT_EQ(mem_page_alloc(3, a, &z), 0);
		UT_EQ(z % (a * PG), 0);
		UT_CHECK(all_bytes(y, a, 0));
		UT_EQ(mem_page_free(x, 1), 0);
		UT_EQ(mem_page_free(y, a), 0);
		UT_EQ(mem_page_free(z, 3), 0);
	}
	/* Alignment larger than anything the range can satisfy. */
	uint64_t x;
	UT_EQ(mem_page_alloc(1, 4096, &x), UMBRA_ENOMEM);
	UT_EQ(mem_page_free_count(), mem_page_total_count());
	UT_EQ(mem_page_check(), 0);
	arena_fini();
}

static void t_fragmentation(void)
{
	arena_init(8 << 20, ARENA_GPA_DEFAULT, 0);
	UT_EQ(mem_page_add_range(G(0), 1025), 0);
	uint64_t total = mem_page_total_count(), gpa;
	UT_EQ(total, 1024);
	uint64_t *got = calloc(total, sizeof(*got));
	for (uint64_t i = 0; i < total; i++)
		UT_EQ(mem_page_alloc(1, 1, &got[i]), 0);
	for (uint64_t i = 0; i < total; i += 2)
		UT_EQ(mem_page_free(got[i], 1), 0);
	UT_EQ(mem_page_free_count(), total / 2);
	UT_EQ(mem_page_alloc(2, 1, &gpa), UMBRA_ENOMEM);  /* only single holes left */
	/* The range starts at an odd page number, so every hole is at an odd GPA page. */
	UT_EQ(mem_page_alloc(1, 2, &gpa), UMBRA_ENOMEM);
	UT_EQ(mem_page_alloc(1, 1, &gpa), 0);
	UT_EQ(gpa, got[0]);
	UT_EQ(mem_page_free(gpa, 1), 0);
	/* Free a block of 64 neighbours: now exactly one 64-page run exists. */
	for (uint64_t i = 513; i < 513 + 64; i += 2)
		UT_EQ(mem_page_free(got[i], 1), 0);
	UT_EQ(mem_page_alloc(64, 1, &gpa), 0);
	UT_EQ(gpa, got[512]);
	UT_EQ(mem_page_alloc(2, 1, &gpa), UMBRA_ENOMEM);
	UT_EQ(mem_page_free(got[512], 64), 0);
	for (uint64_t i = 1; i < total; i += 2)
		if (i < 513 || i >= 513 + 64)
			UT_EQ(mem_page_free(got[i], 1), 0);
	/* Everything coalesced: one allocation of the whole range. */
	UT_EQ(mem_page_alloc(total, 1, &gpa), 0);
	UT_EQ(mem_page_free(gpa, total), 0);
	UT_EQ(mem_page_check(), 0);
	free(got);
	arena_fini();
}

static void t_multiple_ranges(void)
{
	arena_init(8 << 20, ARENA_GPA_DEFAULT, 0xC3);
	/* Three discontiguous ranges with guard gaps (filled with 0xC3) between them. */
	UT_EQ(mem_page_add_range(G(10), 100), 0);
	UT_EQ(mem_page_add_range(G(300), 50), 0);
	UT_EQ(mem_page_add_range(G(500), 400), 0);
	UT_EQ(mem_page_total_count(), 99 + 49 + 399);
	struct mem_page_range r;
	UT_EQ(mem_page_range_get(2, &r), 0);
	UT_EQ(r.gpa, G(501));
	UT_EQ(mem_page_range_get(3, &r), UMBRA_ENOENT);
	uint64_t gpa;
	UT_EQ(mem_page_alloc(400, 1, &gpa), UMBRA_ENOMEM); /* no single range is that big */
	UT_EQ(mem_page_alloc(399, 1, &gpa), 0);
	UT_EQ(gpa, G(501));
	UT_EQ(mem_page_alloc(100, 1, &gpa), UMBRA_ENOMEM); /* free count suffices, runs do not */
	UT_EQ(mem_page_free(G(501), 399), 0);
	/* Exhaust with 1..7-page allocations; every page must lie in a range. */
	uint64_t used = 0, n;
	for (n = 1; mem_page_alloc(n % 7 + 1, 1, &gpa) == 0; n++) {
		uint64_t p = page_of(gpa), k = n % 7 + 1;
		bool in = (p >= 11 && p + k <= 110) || (p >= 301 && p + k <= 350) ||
			  (p >= 501 && p + k <= 900);
		UT_CHECK(in);
		memset(hw_phys_to_virt(gpa), 0x11, k * PG);
		used += k;
	}
	UT_CHECK(used > mem_page_total_count() - 3 * 7);
	for (uint64_t p = 0; p < 1000; p++) {
		bool gap = p < 10 || (p >= 110 && p < 300) || (p >= 350 && p < 500) || p >= 900;
		if (gap)
			UT_CHECK(all_bytes(G(p), 1, 0xC3));
	}
	UT_EQ(mem_page_check(), 0);
	arena_fini();
}

static void t_adjacent_ranges_merge(void)
{
	arena_init(8 << 20, ARENA_GPA_DEFAULT, 0);
	UT_EQ(mem_page_add_range(G(0), 100), 0);
	UT_EQ(mem_page_add_range(G(100), 1), 0);
	UT_EQ(mem_page_add_range(G(101), 99), 0);
	struct mem_page_range r;
	UT_EQ(mem_page_range_get(1, &r), UMBRA_ENOENT);   /* merged into range 0 */
	UT_EQ(mem_page_range_get(0, &r), 0);
	UT_EQ(r.npages, 199);
	UT_EQ(mem_page_total_count(), 199);
	uint64_t gpa;
	UT_EQ(mem_page_alloc(199, 1, &gpa), 0);            /* contiguous across the seams */
	UT_EQ(mem_page_free(gpa, 199), 0);
	/* A range below an existing one is not merged (the bitmap sits at the start). */
	UT_EQ(mem_page_add_range(G(1000), 10), 0);
	UT_EQ(mem_page_add_range(G(990), 10), 0);
	UT_EQ(mem_page_range_get(2, &r), 0);
	UT_EQ(mem_page_total_count(), 199 + 9 + 9);
	/* A 1-page range cannot hold its own bitmap: accepted, ignored. */
	UT_EQ(mem_page_add_range(G(1500), 1), 0);
	UT_EQ(mem_page_total_count(), 199 + 9 + 9);
	UT_EQ(mem_page_state(G(1500)), UMBRA_ENOENT);
	/* Merging stops when the bitmap is full, then a new range starts. One metadata
	 * page holds (4096 - 64) * 8 = 32256 bits. */
	mem_page_reset();
	arena_init(160 << 20, ARENA_GPA_DEFAULT, 0);
	UT_EQ(mem_page_add_range(G(0), 20000), 0);
	UT_EQ(mem_page_add_range(G(20000), 20000), 0);
	UT_EQ(mem_page_range_get(0, &r), 0);
	UT_EQ(r.npages, 32256);
	UT_EQ(mem_page_range_get(1, &r), 0);
	UT_EQ(r.meta_gpa, G(32257));
	UT_EQ(mem_page_total_count(), 40000 - 2);
	UT_EQ(mem_page_check(), 0);
	arena_fini();
}

/* No fixed range limit: 300 discontiguous 3-page ranges (1 metadata + 2 usable each),
 * added in descending order, then exhausted and refilled. */
static void t_many_ranges(void)
{
	arena_init(8 << 20, ARENA_GPA_DEFAULT, 0);
	for (int i = 299; i >= 0; i--)
		UT_EQ(mem_page_add_range(G(4 * i), 3), 0);
	UT_EQ(mem_page_total_count(), 600);
	struct mem_page_range r;
	UT_EQ(mem_page_range_get(299, &r), 0);
	UT_EQ(r.gpa, G(1));
	UT_EQ(mem_page_range_get(300, &r), UMBRA_ENOENT);
	uint64_t gpa;
	UT_EQ(mem_page_alloc(3, 1, &gpa), UMBRA_ENOMEM);
	for (int round = 0; round < 2; round++) {
		static uint64_t got[300];
		for (int i = 0; i < 300; i++) {
			UT_EQ(mem_page_alloc(2, 1, &got[i]), 0);
			UT_EQ(page_of(got[i]) % 4, 1);  /* pages 4k+1, 4k+2 of each range */
		}
		UT_EQ(mem_page_alloc(1, 1, &gpa), UMBRA_ENOMEM);
		for (int i = 0; i < 300; i++)
			UT_EQ(mem_page_free(got[i], 2), 0);
	}
	UT_EQ(mem_page_check(), 0);
	arena_fini();
}

static void t_page_zero_never_handed_out(void)
{
	arena_init(4 << 20, 0, 0);
	UT_EQ(mem_page_add_range(0, 64), 0);
	UT_EQ(mem_page_total_count(), 62);          /* page 0 dropped, page 1 metadata */
	uint64_t gpa;
	int n = 0;
	while (mem_page_alloc(1, 1, &gpa) == 0) {
		UT_CHECK(gpa >= 2 * PG);
		n++;
	}
	UT_EQ(n, 62);
	UT_EQ(mem_page_state(0), UMBRA_ENOENT);
	UT_EQ(mem_page_free(0, 1), UMBRA_EINVAL);
	arena_fini();
}

/* Randomized model test: a shadow owner per page, contents stamped per allocation. */
#define MODEL_PAGES 4096u
#define MODEL_LIVE 512u
struct live { uint64_t gpa, n; uint8_t tag; };

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void t_random_model(void)
{
	arena_init(MODEL_PAGES * PG, ARENA_GPA_DEFAULT, 0x77);
	static uint16_t owner[MODEL_PAGES];     /* 0 free/unmanaged, else live index + 1 */
	static bool managed[MODEL_PAGES];
	static struct live live[MODEL_LIVE];
	memset(owner, 0, sizeof(owner));
	memset(managed, 0, sizeof(managed));
	unsigned nlive = 0;
	rng_state = 0x9E3779B97F4A7C15ull;
	UT_EQ(mem_page_add_range(G(1), 1200), 0);
	UT_EQ(mem_page_add_range(G(1300), 700), 0);
	UT_EQ(mem_page_add_range(G(2100), 1990), 0);
	struct mem_page_range r;
	for (unsigned i = 0; mem_page_range_get(i, &r) == 0; i++)
		for (uint64_t p = 0; p < r.npages; p++)
			managed[page_of(r.gpa) + p] = true;
	uint64_t model_free = mem_page_total_count();
	unsigned ops = 0, allocs = 0, frees = 0, bad = 0, nomem = 0;

	for (ops = 0; ops < 40000; ops++) {
		unsigned op = (unsigned)(rnd() % 100);
		if (op < 50 && nlive < MODEL_LIVE) {
			uint64_t n = rnd() % 8 ? rnd() % 8 + 1 : rnd() % 200 + 1;
			uint64_t align = 1ull << (rnd() % 4 ? 0 : rnd() % 7);
			uint64_t gpa;
			int rc = mem_page_alloc(n, align, &gpa);
			if (rc == UMBRA_ENOMEM) {
				nomem++;
				continue;
			}
			UT_REQUIRE(rc == 0);
			UT_REQUIRE(gpa % (align * PG) == 0);
			uint64_t p0 = page_of(gpa);
			for (uint64_t p = p0; p < p0 + n; p++) {
				UT_REQUIRE(p < MODEL_PAGES && managed[p] && owner[p] == 0);
				owner[p] = (uint16_t)(nlive + 1);
			}
			UT_REQUIRE(all_bytes(gpa, n, 0));
			uint8_t tag = (uint8_t)(rnd() | 1);
			memset(hw_phys_to_virt(gpa), tag, n * PG);
			live[nlive++] = (struct live){ gpa, n, tag };
			model_free -= n;
			allocs++;
		} else if (op < 90 && nlive) {
			unsigned k = (unsigned)(rnd() % nlive);
			struct live *l = &live[k];
			UT_REQUIRE(all_bytes(l->gpa, l->n, l->tag));
			/* Sometimes free only the tail, keeping the head allocated. */
			uint64_t keep = l->n > 1 && rnd() % 4 == 0 ? rnd() % (l->n - 1) + 1 : 0;
			UT_REQUIRE(mem_page_free(l->gpa + keep * PG, l->n - keep) == 0);
			for (uint64_t p = page_of(l->gpa) + keep; p < page_of(l->gpa) + l->n; p++)
				owner[p] = 0;
			model_free += l->n - keep;
			frees++;
			if (keep) {
				l->n = keep;
			} else {
				*l = live[--nlive];
				for (uint64_t p = page_of(l->gpa); k < nlive && p < page_of(l->gpa) + l->n; p++)
					owner[p] = (uint16_t)(k + 1);
			}
		} else {
			/* A random free the model says must fail unless the whole run is owned. */
			uint64_t p0 = rnd() % (MODEL_PAGES + 64), n = rnd() % 4 + 1;
			bool ok = true;
			for (uint64_t p = p0; p < p0 + n; p++)
				ok = ok && p < MODEL_PAGES && managed[p] && owner[p] != 0;
			if (ok)
				continue;       /* would free someone's pages: not a bad-free probe */
			UT_REQUIRE(mem_page_free(arena_gpa + p0 * PG, n) == UMBRA_EINVAL);
			bad++;
		}
		UT_REQUIRE(mem_page_free_count() == model_free);
		if (ops % 1000 == 0)
			UT_REQUIRE(mem_page_check() == 0);
	}
	for (unsigned k = 0; k < nlive; k++) {
		UT_CHECK(all_bytes(live[k].gpa, live[k].n, live[k].tag));
		UT_EQ(mem_page_free(live[k].gpa, live[k].n), 0);
	}
	UT_EQ(mem_page_free_count(), mem_page_total_count());
	UT_EQ(mem_page_check(), 0);
	UT_CHECK(allocs > 5000 && frees > 5000 && bad > 1000 && nomem > 0);
	printf("     model: %u ops, %u allocs, %u frees, %u bad frees, %u ENOMEM\n",
	       ops, allocs, frees, bad, nomem);
	arena_fini();
}

int main(void)
{
	UT_RUN(t_add_range_validation);
	UT_RUN(t_basic_zeroed);
	UT_RUN(t_exhaustion_and_reuse);
	UT_RUN(t_double_free_and_bad_free);
	UT_RUN(t_alignment);
	UT_RUN(t_fragmentation);
	UT_RUN(t_multiple_ranges);
	UT_RUN(t_adjacent_ranges_merge);
	UT_RUN(t_many_ranges);
	UT_RUN(t_page_zero_never_handed_out);
	UT_RUN(t_random_model);
	return UT_DONE();
}
