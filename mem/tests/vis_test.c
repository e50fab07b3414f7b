/*
 * Host tests of the isolation policy (mem/vis.c) and the bounce pool (mem/bounce.c) over
 * the fake physical arena, with a fake visibility hypercall that keeps per-page state,
 * scrambles contents on every change (as the hardware does), checks that nothing but
 * zeros crosses a change, and can fail part-way.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/hw.h"
#include "mem/bounce.h"
#include "mem/mem.h"
#include "mem/tests/arena.h"
#include "mem/vis.h"
#include "tests/unit/ut.h"
#include "umbra/errno.h"

#define PG 4096ull
#define NPAGES 512
#define BOUNDARY (1ull << 46)

static bool shared[NPAGES];
static unsigned calls, dirty;
/* Scheduled failures: change call number fail_call[i] (1-based) changes fail_done[i]
 * pages, then fails. */
static unsigned fail_call[4];
static uint64_t fail_done[4];
static unsigned logs;

static uint64_t idx(uint64_t gpa) { return (gpa - arena_gpa) / PG; }

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int fake_change(uint64_t gpa, uint64_t n, bool vis, uint64_t *done)
{
	calls++;
	uint64_t limit = n;
	bool fail = false;
	for (int i = 0; i < 4; i++)
		if (fail_call[i] == calls) {
			fail = true;
			limit = fail_done[i] < n ? fail_done[i] : n;
		}
	for (uint64_t i = 0; i < limit; i++) {
		uint64_t k = idx(gpa) + i;
		if (k >= NPAGES || shared[k] == vis)
			return UMBRA_EINVAL;        /* a change the policy should never ask for */
		/* Only zeros may cross: contents before the change are what the other side
		 * could see (to shared) or what was left for the host (to private). */
		uint8_t *p = hw_phys_to_virt(gpa + i * PG);
		if (!zero(p, PG))
			dirty++;
		memset(p, 0xA5, PG);            /* contents do not survive a change */
		shared[k] = vis;
	}
	if (done)
		*done = limit;
	return fail ? UMBRA_EIO : 0;
}

static void fake_log(const char *what, uint64_t gpa, uint64_t n)
{
	(void)what; (void)gpa; (void)n;
	logs++;
}

static const struct mem_vis_ops OPS = { .change = fake_change, .log = fake_log };

static void setup(bool isolated)
{
	arena_init(NPAGES * PG, ARENA_GPA_DEFAULT, 0x77);
	arena_alias = BOUNDARY;
	mem_vis_reset();
	memset(shared, 0, sizeof(shared));
	calls = dirty = logs = 0;
	memset(fail_call, 0, sizeof(fail_call));
	memset(fail_done, 0, sizeof(fail_done));
	mem_page_add_range(arena_gpa, NPAGES);
	if (isolated)
		mem_vis_init(&OPS, BOUNDARY);
}

static unsigned shared_count(void)
{
	unsigned n = 0;
	for (int i = 0; i < NPAGES; i++)
		n += shared[i];
	return n;
}

static void t_no_isolation(void)
{
	setup(false);
	UT_CHECK(!mem_vis_isolated());
	uint64_t gpa;
	void *va;
	UT_EQ(mem_vis_alloc(4, &gpa, &va), 0);
	UT_CHECK(va == hw_phys_to_virt(gpa));
	UT_EQ(mem_vis_any_shared(gpa, 4), 1);      /* everything is host-visible */
	UT_EQ(calls, 0);
	UT_EQ(mem_vis_free(gpa, 4), 0);
	UT_EQ(mem_page_state(gpa), 0);
	UT_EQ(mem_vis_alloc(0, &gpa, &va), UMBRA_EINVAL);
	UT_EQ(mem_vis_alloc(1, NULL, &va), UMBRA_EINVAL);
}

static void t_init_arguments(void)
{
	setup(false);
	struct mem_vis_ops none = { 0 };
	UT_EQ(mem_vis_init(NULL, BOUNDARY), UMBRA_EINVAL);
	UT_EQ(mem_vis_init(&none, BOUNDARY), UMBRA_EINVAL);
	UT_EQ(mem_vis_init(&OPS, BOUNDARY | 1), UMBRA_EINVAL);
	UT_EQ(mem_vis_init(&OPS, BOUNDARY), 0);
	UT_CHECK(mem_vis_isolated());
	UT_EQ(mem_vis_boundary(), BOUNDARY);
}

static void t_alloc_free(void)
{
	setup(true);
	uint64_t free0 = mem_page_free_count(), gpa;
	void *va;
	UT_EQ(mem_vis_alloc(8, &gpa, &va), 0);
	UT_CHECK(va == hw_phys_to_virt(gpa | BOUNDARY));
	UT_CHECK(va == mem_vis_va(gpa));
	UT_CHECK(mem_vis_va(gpa + 8 * PG) == hw_phys_to_virt(gpa + 8 * PG));
	UT_CHECK(zero(va, 8 * PG));                /* zeroed after the change */
	UT_EQ(shared_count(), 8);
	UT_EQ(mem_vis_any_shared(gpa + 7 * PG, 1), 1);
	UT_EQ(mem_vis_any_shared(gpa + 8 * PG, 4), 0);
	UT_EQ(mem_vis_any_shared(gpa - PG, 2), 1);
	struct mem_vis_info in;
	mem_vis_info(&in);
	UT_EQ(in.shared_pages, 8);
	UT_EQ(in.ranges, 1);
	memset(va, 0x42, 8 * PG);                  /* host-visible data */
	UT_EQ(mem_vis_free(gpa, 8), 0);            /* scrubbed before going private */
	UT_EQ(dirty, 0);
	UT_EQ(shared_count(), 0);
	UT_CHECK(zero(hw_phys_to_virt(gpa), 8 * PG)); /* and zeroed after */
	UT_EQ(mem_page_free_count(), free0);
	mem_vis_info(&in);
	UT_EQ(in.shared_pages, 0);
	UT_EQ(in.shared_total, 8);
	UT_EQ(mem_vis_free(gpa, 8), UMBRA_EINVAL); /* not host-visible any more */
	UT_EQ(logs, 0);
}

static void t_free_must_match(void)
{
	setup(true);
	uint64_t gpa;
	void *va;
	UT_EQ(mem_vis_alloc(4, &gpa, &va), 0);
	UT_EQ(mem_vis_free(gpa, 3), UMBRA_EINVAL);
	UT_EQ(mem_vis_free(gpa + PG, 3), UMBRA_EINVAL);
	UT_EQ(mem_vis_free(gpa | BOUNDARY, 4), UMBRA_EINVAL);
	UT_EQ(shared_count(), 4);
	UT_EQ(mem_vis_free(gpa, 4), 0);
}

/* 0xDB fails part-way while sharing: what changed goes back, nothing is kept. */
static void t_share_fails_part_way(void)
{
	setup(true);
	uint64_t free0 = mem_page_free_count(), gpa;
	void *va;
	fail_call[0] = 1;
	fail_done[0] = 5;
	UT_EQ(mem_vis_alloc(12, &gpa, &va), UMBRA_EIO);
	UT_CHECK(va == NULL);
	UT_EQ(shared_count(), 0);
	UT_EQ(mem_page_free_count(), free0);
	UT_EQ(dirty, 0);
	struct mem_vis_info in;
	mem_vis_info(&in);
	UT_EQ(in.ranges, 0);
	UT_EQ(in.failures, 1);
	UT_CHECK(logs >= 1);
}

/* The undo fails too (and its retry): the pages still host-visible are quarantined:
 * recorded, allocated for good, never handed out again. */
static void t_share_undo_fails_quarantine(void)
{
	setup(true);
	uint64_t free0 = mem_page_free_count(), gpa;
	void *va;
	fail_call[0] = 1; fail_done[0] = 6;    /* share 10: 6 changed, then failure */
	fail_call[1] = 2; fail_done[1] = 2;    /* undo 6: 2 back, then failure */
	fail_call[2] = 3; fail_done[2] = 1;    /* retry 4: 1 back, then failure */
	UT_EQ(mem_vis_alloc(10, &gpa, &va), UMBRA_EIO);
	UT_EQ(calls, 3);
	UT_EQ(shared_count(), 3);
	uint64_t q = 0, qn = 0;
	bool quar = false;
	UT_EQ(mem_vis_range_get(0, &q, &qn, &quar), 0);
	UT_EQ(mem_vis_range_get(1, NULL, NULL, NULL), UMBRA_ENOENT);
	UT_CHECK(quar);
	UT_EQ(qn, 3);
	UT_REQUIRE(q >= arena_gpa && idx(q) + 3 <= NPAGES);
	for (uint64_t i = 0; i < 3; i++)
		UT_CHECK(shared[idx(q) + i]);
	UT_EQ(mem_page_free_count(), free0 - 3);
	for (int i = 0; i < 3; i++)
		UT_EQ(mem_page_state(q + i * PG), 1);
	UT_EQ(mem_vis_any_shared(q, 3), 1);
	UT_CHECK(mem_vis_va(q) == hw_phys_to_virt(q | BOUNDARY));
	UT_EQ(mem_vis_free(q, 3), UMBRA_EINVAL);   /* not the caller's to free */
	struct mem_vis_info in;
	mem_vis_info(&in);
	UT_EQ(in.quarantined_pages, 3);
	UT_EQ(in.shared_pages, 3);
	UT_EQ(in.failures, 3);
	UT_CHECK(logs >= 4);                       /* three failures and the quarantine */
	/* Every other page can still be had, none of the quarantined ones. */
	uint64_t g;
	while (mem_page_alloc(1, 1, &g) == 0)
		UT_CHECK(g < q || g >= q + 3 * PG);
	UT_EQ(dirty, 0);
}

static void t_free_fails_then_retry(void)
{
	setup(true);
	uint64_t free0 = mem_page_free_count(), gpa;
	void *va;
	UT_EQ(mem_vis_alloc(10, &gpa, &va), 0);
	fail_call[0] = calls + 1;   /* the free's first change fails after 3 pages */
	fail_done[0] = 3;
	UT_EQ(mem_vis_free(gpa, 10), 0);   /* the retry finishes the other 7 */
	UT_EQ(shared_count(), 0);
	UT_EQ(mem_page_free_count(), free0);
	UT_EQ(dirty, 0);
}

static void t_free_fails_quarantine(void)
{
	setup(true);
	uint64_t free0 = mem_page_free_count(), gpa;
	void *va;
	UT_EQ(mem_vis_alloc(10, &gpa, &va), 0);
	memset(va, 0x3C, 10 * PG);
	fail_call[0] = calls + 1; fail_done[0] = 3;
	fail_call[1] = calls + 2; fail_done[1] = 2;
	UT_EQ(mem_vis_free(gpa, 10), UMBRA_EIO);
	UT_EQ(shared_count(), 5);
	UT_EQ(mem_page_free_count(), free0 - 5);
	UT_EQ(mem_vis_any_shared(gpa, 5), 0);
	UT_EQ(mem_vis_any_shared(gpa + 5 * PG, 1), 1);
	UT_CHECK(zero(hw_phys_to_virt(gpa), 5 * PG));          /* private again, zeroed */
	UT_CHECK(zero(hw_phys_to_virt((gpa + 5 * PG) | BOUNDARY), 5 * PG)); /* scrubbed */
	struct mem_vis_info in;
	mem_vis_info(&in);
	UT_EQ(in.quarantined_pages, 5);
	UT_EQ(in.ranges, 1);
	UT_EQ(dirty, 0);
}

static void t_record_limit(void)
{
	setup(true);
	uint64_t gpa;
	void *va;
	for (int i = 0; i < MEM_VIS_MAX_RANGES; i++)
		UT_EQ(mem_vis_alloc(1, &gpa, &va), 0);
	UT_EQ(mem_vis_alloc(1, &gpa, &va), UMBRA_ENOMEM);
	UT_EQ(shared_count(), MEM_VIS_MAX_RANGES);
}

static void t_bounce_pool(void)
{
	setup(false);
	static uint8_t mem[16 * 4096];
	struct mem_bounce p;
	UT_EQ(mem_bounce_init(&p, 0x1000000, mem, 0), UMBRA_EINVAL);
	UT_EQ(mem_bounce_init(&p, 0x1000001, mem, 4), UMBRA_EINVAL);
	UT_EQ(mem_bounce_init(&p, 0x1000000, mem, MEM_BOUNCE_MAX_PAGES + 1), UMBRA_EINVAL);
	UT_EQ(mem_bounce_init(&p, 0x1000000, mem, 16), 0);
	uint64_t a, b, c;
	void *va, *vb, *vc;
	UT_EQ(mem_bounce_take(&p, 0, &a, &va), UMBRA_EINVAL);
	UT_EQ(mem_bounce_take(&p, 17, &a, &va), UMBRA_EINVAL);
	UT_EQ(mem_bounce_take(&p, 4, &a, &va), 0);
	UT_EQ(a, 0x1000000);
	UT_CHECK(va == mem);
	UT_EQ(mem_bounce_take(&p, 8, &b, &vb), 0);
	UT_EQ(b, 0x1004000);
	UT_CHECK(vb == mem + 4 * 4096);
	UT_EQ(mem_bounce_take(&p, 5, &c, &vc), UMBRA_ENOBUFS);
	UT_EQ(p.exhausted, 1);
	memset(va, 0x11, 4 * 4096);
	UT_EQ(mem_bounce_put(&p, a, 4), 0);
	UT_CHECK(zero(mem, 4 * 4096));            /* scrubbed on release */
	UT_EQ(mem_bounce_put(&p, a, 4), UMBRA_EINVAL);   /* double put */
	UT_EQ(mem_bounce_put(&p, b + 4096, 8), UMBRA_EINVAL); /* runs past the taken pages */
	UT_EQ(mem_bounce_put(&p, 0x2000000, 1), UMBRA_EINVAL);
	UT_EQ(mem_bounce_take(&p, 4, &c, &vc), 0);   /* first fit: the hole again */
	UT_EQ(c, a);
	UT_EQ(mem_bounce_take(&p, 4, &c, &vc), 0);
	UT_EQ(c, 0x100C000);
	UT_EQ(p.in_use, 16);
	UT_EQ(p.high_water, 16);
	UT_CHECK(mem_bounce_contains(&p, 0x1000000, 16 * 4096));
	UT_CHECK(!mem_bounce_contains(&p, 0x1000000, 16 * 4096 + 1));
	UT_CHECK(!mem_bounce_contains(&p, 0xFFF000, 4096));
}

int main(void)
{
	UT_RUN(t_no_isolation);
	UT_RUN(t_init_arguments);
	UT_RUN(t_alloc_free);
	UT_RUN(t_free_must_match);
	UT_RUN(t_share_fails_part_way);
	UT_RUN(t_share_undo_fails_quarantine);
	UT_RUN(t_free_fails_then_retry);
	UT_RUN(t_free_fails_quarantine);
	UT_RUN(t_record_limit);
	UT_RUN(t_bounce_pool);
	arena_fini();
	return UT_DONE();
}
