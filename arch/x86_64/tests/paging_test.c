/*
 * Host test of the page-table builder (paging_build.c): identity mapping, W^X for the
 * image, NX everywhere else except firmware runtime code, unmapped guard pages and page 0,
 * the uncached page, arena sizing; the shared-GPA alias window (2 MiB and 1 GiB pages,
 * TDX- and SNP-style boundaries, large maps, bad boundaries) and its on-demand part
 * above the map's top (pt_alias_map: OpenHCL-style shared-pool pages outside the memory
 * map, the limit, the reserve bound). The W^X and guard checks
 * walk every 4 KiB page below 4 GiB, with and without a window, so a policy regression
 * anywhere fails the test.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/alias.h"
#include "arch/x86_64/paging_build.h"
#include "arch/x86_64/boot_handoff.h"
#include "tests/unit/ut.h"
#include <umbra/errno.h>

#define K4 4096ull
#define M2 (2ull << 20)
#define G1 (1ull << 30)

static struct boot_efi_desc map[24];
static unsigned nmap;

static void put(uint32_t type, uint64_t base, uint64_t npages)
{
	map[nmap].type = type;
	map[nmap].phys_start = base;
	map[nmap].npages = npages;
	nmap++;
}

/* Image layout (as linker.ld gives it): headers, .text, .reloc, .rodata, .data... */
#define IMG      0x5000000ull
#define TEXT     (IMG + 0x1000)
#define ETEXT    (IMG + 0x7a20)            /* not page aligned: the page is still RX */
#define RODATA   (IMG + 0x9000)
#define ERODATA  (IMG + 0xa3a8)
#define IMG_END  (IMG + 0x14000)
#define RTC      0x7f00000ull              /* runtime-services code, 3 pages */
#define UC       0xfee00000ull

static struct pt_params params(void *arena, uint64_t pages, uint64_t nx)
{
	struct pt_params p = {
		.mmap = map, .mmap_size = nmap * sizeof(map[0]), .desc_size = sizeof(map[0]),
		.image_base = IMG, .text = TEXT, .etext = ETEXT, .rodata = RODATA, .erodata = ERODATA,
		.guards = { 0x6000000, 0x6041000, 0x6046000, 0x604b000 }, .nguards = 4,
		.uc_page = UC, .nx = nx, .arena = (uint64_t)(uintptr_t)arena, .arena_pages = pages,
	};
	return p;
}

static void std_map(void)
{
	nmap = 0;
	put(4, 0, 0x100);
	put(7, 0x100000, 0x4f00);
	put(1, IMG, 0x14);
	put(2, IMG + 0x14000, 0x100);
	put(5, RTC, 3);
	put(6, RTC + 0x3000, 0x10);
	put(7, 0x8000000, 0x8000);             /* up to 256 MiB */
	put(11, 0xffc00000, 0x400);
}

static void *arena_alloc(uint64_t pages)
{
	void *a = aligned_alloc(K4, pages * K4);
	if (a)
		memset(a, 0xee, pages * K4);    /* garbage: the builder must clear what it uses */
	return a;
}

static bool in(uint64_t va, uint64_t b, uint64_t e)
{
	return va >= (b & ~(K4 - 1)) && va < e;
}

/* The identity part of the policy, every 4 KiB page below 4 GiB. */
static void check_identity(uint64_t cr3)
{
	uint64_t wx = 0, unmapped = 0, bad_identity = 0;
	for (uint64_t va = 0; va < 4 * G1; va += K4) {
		uint64_t pa = 0, f = pt_lookup(cr3, va, &pa);
		bool guard = va == 0 || va == 0x6000000 || va == 0x6041000 || va == 0x6046000 ||
			     va == 0x604b000;
		if (guard) {
			if (f)
				unmapped++;     /* counted as a failure below */
			continue;
		}
		if (!f) {
			unmapped++;
			continue;
		}
		if (pa != va)
			bad_identity++;
		bool w = f & PT_RW, x = !(f & PT_NX);
		bool rtc = in(va, RTC, RTC + 3 * K4);
		if (w && x && !rtc)
			wx++;
		if (in(va, TEXT, ETEXT)) {
			UT_CHECK(x && !w);
		} else if (in(va, IMG, TEXT) || in(va, RODATA, ERODATA)) {
			UT_CHECK(!x && !w);
		} else if (rtc) {
			UT_CHECK(x);
		} else {
			if (x || !w)
				fprintf(stderr, "va 0x%llx flags 0x%llx\n", (unsigned long long)va,
					(unsigned long long)f);
			UT_CHECK(!x && w);
			if (x || !w)
				return;
		}
		if (va == UC)
			UT_CHECK((f & PT_PCD) && (f & PT_PWT));
		else
			UT_CHECK(!(f & PT_PCD));
	}
	UT_EQ(wx, 0);
	UT_EQ(unmapped, 0);
	UT_EQ(bad_identity, 0);
}

static void t_policy(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, false);
	void *arena = arena_alloc(need);
	struct pt_params p = params(arena, need, PT_NX);
	uint64_t cr3 = 0, used = 0;

	UT_REQUIRE(arena);
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	UT_CHECK(used <= need);
	UT_CHECK(cr3 == (uint64_t)(uintptr_t)arena);

	check_identity(cr3);
	/* Above top nothing is mapped. */
	UT_EQ(pt_lookup(cr3, 4 * G1, NULL), 0);
	free(arena);
}

static void t_top_follows_map(void)
{
	std_map();
	put(7, 6 * G1 + 0x123000, 0x10);      /* RAM above 4 GiB, ends mid-GiB */
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, false);
	void *arena = arena_alloc(need);
	struct pt_params p = params(arena, need, PT_NX);
	uint64_t cr3, used, pa;

	UT_REQUIRE(arena);
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	UT_CHECK(pt_lookup(cr3, 6 * G1 + 0x123000, &pa) & PT_P);
	UT_EQ(pa, 6 * G1 + 0x123000);
	UT_CHECK(pt_lookup(cr3, 7 * G1 - K4, NULL) & PT_P);
	UT_EQ(pt_lookup(cr3, 7 * G1, NULL), 0);
	free(arena);
}

static void t_no_nx_cpu(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, false);
	void *arena = arena_alloc(need);
	struct pt_params p = params(arena, need, 0);
	uint64_t cr3, used;

	UT_REQUIRE(arena);
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	/* Without NX support the bit is reserved: it must appear nowhere. */
	for (uint64_t va = 0; va < 4 * G1; va += M2 / 2)
		UT_CHECK(!(pt_lookup(cr3, va, NULL) & PT_NX));
	UT_CHECK(!(pt_lookup(cr3, TEXT, NULL) & PT_RW));    /* W^X still holds for writes */
	free(arena);
}

static void t_arena_exhaustion(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, false);
	void *arena = arena_alloc(need);
	uint64_t cr3, used;

	UT_REQUIRE(arena);
	struct pt_params p = params(arena, need, PT_NX);
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	for (uint64_t pages = 0; pages < used; pages++) {
		p = params(arena, pages, PT_NX);
		UT_EQ(pt_build(&p, &cr3, &used), UMBRA_ENOMEM);
		p = params(arena, need, PT_NX);
		UT_EQ(pt_build(&p, &cr3, &used), 0);    /* restores used */
	}
	p = params((char *)arena + 8, need - 1, PT_NX);          /* unaligned arena */
	UT_EQ(pt_build(&p, &cr3, &used), UMBRA_EINVAL);
	p = params(arena, need, PT_NX);
	p.nguards = PT_MAX_GUARDS + 1;
	UT_EQ(pt_build(&p, &cr3, &used), UMBRA_EINVAL);
	p = params(arena, need, PT_NX);
	p.etext = p.text - 1;
	UT_EQ(pt_build(&p, &cr3, &used), UMBRA_EINVAL);
	UT_EQ(pt_build(NULL, &cr3, &used), UMBRA_EINVAL);
	free(arena);
}

static void t_protect_after_boot(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, false);
	void *arena = arena_alloc(need + 2);
	struct pt_params p = params(arena, need, PT_NX);
	uint64_t cr3, used;
	const uint64_t hc = 0x9a3000;           /* a RAM page inside a 2 MiB mapping */

	UT_REQUIRE(arena);
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	uint64_t next = p.arena + used * K4, end = next + 2 * K4;

	/* Hypercall-page style: one page RX, its neighbours stay RW+NX. */
	UT_EQ(pt_protect(cr3, &next, end, hc, K4, 0, PT_RW | PT_NX), 0);
	UT_EQ(next, p.arena + (used + 1) * K4);             /* one split table used */
	uint64_t f = pt_lookup(cr3, hc, NULL);
	UT_CHECK((f & PT_P) && !(f & PT_RW) && !(f & PT_NX));
	for (int d = -1; d <= 1; d += 2) {
		f = pt_lookup(cr3, hc + d * K4, NULL);
		UT_CHECK((f & PT_RW) && (f & PT_NX));
	}
	/* Back to data: RW+NX, no further table needed. */
	UT_EQ(pt_protect(cr3, &next, end, hc, K4, PT_RW | PT_NX, 0), 0);
	f = pt_lookup(cr3, hc, NULL);
	UT_CHECK((f & PT_RW) && (f & PT_NX));
	UT_EQ(next, p.arena + (used + 1) * K4);

	/* No table left for another split: ENOMEM, and nothing changed. */
	UT_EQ(pt_protect(cr3, &next, end, 0x3000000, K4, 0, PT_NX), 0);   /* uses the last */
	UT_EQ(pt_protect(cr3, &next, end, 0x3400000, K4, 0, PT_NX), UMBRA_ENOMEM);
	f = pt_lookup(cr3, 0x3400000, NULL);
	UT_CHECK((f & PT_RW) && (f & PT_NX));
	/* Above top, or a wrapping range: EINVAL. */
	UT_EQ(pt_protect(cr3, &next, end, 4 * G1, K4, 0, PT_NX), UMBRA_EINVAL);
	UT_EQ(pt_protect(cr3, &next, end, ~0ull - K4, 2 * K4, 0, PT_NX), UMBRA_EINVAL);
	free(arena);
}

/* Builds std_map (+ extra RAM up to `top_ram`, 0 for none) with boundary b; *top = 1 GiB
 * rounded top of the map. Returns the arena (caller frees) or NULL on failure. */
static void *build_alias(uint64_t b, bool g1, uint64_t top_ram, uint64_t *cr3, uint64_t *used,
			 uint64_t *need)
{
	std_map();
	if (top_ram)
		put(7, top_ram - 0x200000, 0x200);
	*need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, true);
	void *arena = arena_alloc(*need);
	if (!arena)
		return NULL;
	struct pt_params p = params(arena, *need, PT_NX);
	p.alias = b;
	p.alias_1g = g1;
	if (pt_build(&p, cr3, used)) {
		free(arena);
		return NULL;
	}
	return arena;
}

/* The window over [0, top): VA ALIAS_VA + g -> g | b, RW + NX, cached, every `step`;
 * nothing between the identity top and ALIAS_VA, nothing after the window. */
static void check_window(uint64_t cr3, uint64_t b, uint64_t top, uint64_t step)
{
	uint64_t bad = 0;

	for (uint64_t g = 0; g < top; g += step) {
		uint64_t va = alias_phys_to_virt(b, g | b), pa = 0;
		uint64_t f = pt_lookup(cr3, va, &pa);
		if (va != ALIAS_VA + g || pa != (g | b) || f != (PT_P | PT_RW | PT_NX) ||
		    alias_virt_to_phys(b, va) != (g | b))
			bad++;
	}
	UT_EQ(bad, 0);
	uint64_t pa = 0;
	UT_CHECK(pt_lookup(cr3, ALIAS_VA + top - K4, &pa) & PT_P);
	UT_EQ(pa, (top - K4) | b);
	UT_EQ(pt_lookup(cr3, ALIAS_VA + top, NULL), 0);
	UT_EQ(pt_lookup(cr3, ALIAS_VA_END - K4, NULL), 0);
	UT_EQ(pt_lookup(cr3, top, NULL), 0);
	UT_EQ(pt_lookup(cr3, ALIAS_VA - K4, NULL), 0);
}

/* TDX-style boundary (bit 47), 2 MiB pages: the window, and the identity policy as before. */
static void t_alias_window_2m(void)
{
	uint64_t cr3, used, need, b = 1ull << 47;
	void *arena = build_alias(b, false, 0, &cr3, &used, &need);

	UT_REQUIRE(arena);
	UT_CHECK(used <= need);
	check_identity(cr3);
	check_window(cr3, b, 4 * G1, K4 * 37);
	UT_EQ(pt_lookup(cr3, 4 * G1, NULL), 0);
	/* The window's first and last 4 KiB page of a 2 MiB page. */
	uint64_t pa;
	UT_CHECK(pt_lookup(cr3, ALIAS_VA + M2 - K4, &pa) & PT_RW);
	UT_EQ(pa, (M2 - K4) | b);
	free(arena);
}

/* SNP-style vTOM (bit 46) with 1 GiB pages: the window is the identity of the alias, and
 * covers RAM above 4 GiB. */
static void t_alias_window_1g(void)
{
	uint64_t cr3, used, need, b = 1ull << 46;
	void *arena = build_alias(b, true, 6 * G1 + M2, &cr3, &used, &need);

	UT_REQUIRE(arena);
	UT_CHECK(used <= need);
	check_identity(cr3);
	check_window(cr3, b, 7 * G1, M2 / 2);
	uint64_t pa = 0;
	UT_CHECK(pt_lookup(cr3, (6 * G1 + 0x1234000) | b, &pa) & PT_P);
	UT_EQ(pa, (6 * G1 + 0x1234000) | b);
	/* 1 GiB pages need no PD for the window: fewer tables than with 2 MiB pages. */
	uint64_t cr3b, used2m, need2m;
	void *a2 = build_alias(b, false, 6 * G1 + M2, &cr3b, &used2m, &need2m);
	UT_REQUIRE(a2);
	UT_EQ(used2m - used, 7);
	free(a2);
	free(arena);
}

/* No boundary: only the identity PML4 slot exists, and the tables are the same size as a
 * build sized without the window. */
static void t_no_alias_nothing_extra(void)
{
	uint64_t cr3, used, need;
	void *arena = build_alias(0, true, 0, &cr3, &used, &need);

	UT_REQUIRE(arena);
	const uint64_t *pml4 = (const uint64_t *)(uintptr_t)cr3;
	for (unsigned i = 1; i < 512; i++)
		UT_EQ(pml4[i], 0);
	UT_EQ(pt_lookup(cr3, ALIAS_VA, NULL), 0);
	UT_EQ(pt_lookup(cr3, ALIAS_VA + 0x1000, NULL), 0);
	check_identity(cr3);
	uint64_t plain = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000,
					 false);
	UT_CHECK(used <= plain);
	UT_EQ(need - plain, 1 + 4);             /* window room: one PDPT + a PD per GiB */
	free(arena);
}

/* Big maps: RAM past several 512 GiB PDPT boundaries, both page sizes; the sizing holds
 * and every table is needed (one page less is ENOMEM). */
static void t_alias_large_map(void)
{
	const uint64_t tops[] = { 513 * G1, 1100 * G1 + 3 * M2 };

	for (unsigned i = 0; i < 2; i++) {
		for (int g1 = 0; g1 <= 1; g1++) {
			uint64_t cr3, used, need, b = 1ull << 47;
			void *arena = build_alias(b, g1, tops[i], &cr3, &used, &need);
			UT_REQUIRE(arena);
			UT_CHECK(used <= need);
			uint64_t top = (tops[i] + G1 - 1) & ~(G1 - 1);
			check_window(cr3, b, top, g1 ? G1 / 4 : M2 * 7);
			uint64_t pa;
			UT_CHECK(pt_lookup(cr3, top - K4, &pa) & PT_P);   /* identity too */
			UT_EQ(pa, top - K4);
			struct pt_params p = params(arena, used - 1, PT_NX);
			p.alias = b;
			p.alias_1g = g1;
			UT_EQ(pt_build(&p, &cr3, &used), UMBRA_ENOMEM);
			free(arena);
		}
	}
}

/* Boundaries the window cannot honour; the hypercall-page split still works beside a
 * window, and the window itself cannot be re-protected. */
static void t_alias_invalid(void)
{
	std_map();
	put(7, 6 * G1, 0x10);                   /* top 7 GiB */
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, true);
	void *arena = arena_alloc(need + 1);
	uint64_t cr3, used;
	const uint64_t bad[] = { 3ull << 46, 1ull << 32, 6 * G1, 1ull << 52, 1ull << 63 };

	UT_REQUIRE(arena);
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pt_params p = params(arena, need, PT_NX);
		p.alias = bad[i];
		UT_EQ(pt_build(&p, &cr3, &used), UMBRA_EINVAL);
	}
	struct pt_params p = params(arena, need, PT_NX);
	p.alias = 8 * G1;                       /* boundary at the 1 GiB-rounded top: fine */
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	p.alias = 1ull << 51;
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	uint64_t next = p.arena + used * K4, end = next + K4;
	UT_EQ(pt_protect(cr3, &next, end, ALIAS_VA, K4, 0, PT_NX), UMBRA_EINVAL);
	UT_EQ(pt_protect(cr3, &next, end, ALIAS_VA - K4, 2 * K4, 0, PT_NX), UMBRA_EINVAL);
	UT_EQ(pt_protect(cr3, &next, end, 0x9a3000, K4, 0, PT_RW | PT_NX), 0);
	uint64_t f = pt_lookup(cr3, 0x9a3000, NULL);
	UT_CHECK((f & PT_P) && !(f & PT_RW) && !(f & PT_NX));
	f = pt_lookup(cr3, ALIAS_VA + 0x9a3000, NULL);
	UT_CHECK((f & PT_RW) && (f & PT_NX));   /* the alias of that page stays data */

	/* With a window, a map reaching ALIAS_VA cannot be identity-mapped beside it. */
	put(7, ALIAS_VA - K4, 2);
	p = params(arena, need, PT_NX);
	p.alias = 1ull << 47;
	UT_EQ(pt_build(&p, &cr3, &used), UMBRA_EINVAL);
	free(arena);
}

/*
 * The window's on-demand part. build_od: std_map plus RAM [ram, ram_end) (0: none), boundary
 * b, window pages 1 GiB or 2 MiB, and `reserve` table pages right after the ones pt_build
 * used, described in *a. Returns the arena (caller frees).
 */
static void *build_od(uint64_t b, bool g1, uint64_t ram, uint64_t ram_end, unsigned reserve,
		      struct pt_alias *a)
{
	std_map();
	if (ram_end)
		put(7, ram, (ram_end - ram) / K4);
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000, true);
	void *arena = arena_alloc(need + reserve);
	if (!arena)
		return NULL;
	struct pt_params p = params(arena, need, PT_NX);
	uint64_t cr3, used;
	p.alias = b;
	p.alias_1g = g1;
	if (pt_build(&p, &cr3, &used)) {
		free(arena);
		return NULL;
	}
	*a = (struct pt_alias){ .pml4 = cr3, .b = b, .nx = PT_NX,
				.top = pt_map_top(map, nmap * sizeof(map[0]), sizeof(map[0])),
				.next = p.arena + used * K4 };
	a->end = a->next + reserve * K4;
	return arena;
}

/* Translates gpa = g | b on demand: the VA is hw_phys_to_virt's, mapped RW + NX (cached)
 * to g | b, hw_virt_to_phys's inverse holds, and the private form g stays unmapped.
 * Returns pt_alias_map's result. */
static int od_check(struct pt_alias *a, uint64_t g)
{
	uint64_t va = 0, pa = 0, b = a->b;
	int rc = pt_alias_map(a, g | b, &va);

	UT_CHECK(rc == 0 || rc == 1);
	UT_EQ(va, alias_phys_to_virt(b, g | b));
	UT_EQ(va, ALIAS_VA + g);
	UT_EQ(pt_lookup(a->pml4, va, &pa), PT_P | PT_RW | PT_NX);
	UT_EQ(pa, g | b);
	UT_EQ(alias_virt_to_phys(b, va), g | b);
	if (g >= 4 * G1)
		UT_EQ(pt_lookup(a->pml4, g, NULL), 0);
	return rc;
}

/* OpenHCL's shared pool (GHCB, SIMP, SIEFP) is carved from the top of RAM and left out of
 * the VTL0 memory map. Map top 3.5 GiB (window [0, 4 GiB)), a TDX-style boundary, 2 MiB
 * window pages; the pool sits at [4 GiB, 4 GiB + 20 MiB), the high-RAM entry it used up. */
static void t_alias_pool_above_top_3_5g(void)
{
	struct pt_alias a;
	uint64_t b = 1ull << 47;
	void *arena = build_od(b, false, 0x10000000, 0xe0000000, 4, &a);
	const uint64_t pool[] = { 4 * G1, 4 * G1 + K4, 4 * G1 + 2 * K4, 4 * G1 + 18 * (M2 / 2) + K4 };

	UT_REQUIRE(arena);
	UT_EQ(a.top, 4 * G1);
	check_window(a.pml4, b, 4 * G1, K4 * 37);
	UT_EQ(pt_lookup(a.pml4, ALIAS_VA + pool[0], NULL), 0);      /* today's fault */
	uint64_t start = a.next;
	UT_EQ(od_check(&a, pool[0]), 1);                /* one PD for the GiB */
	UT_EQ(a.next, start + K4);
	UT_EQ(od_check(&a, pool[1]), 0);                /* same 2 MiB page */
	UT_EQ(od_check(&a, pool[2]), 0);
	UT_EQ(od_check(&a, pool[3]), 1);                /* another 2 MiB page, same PD */
	UT_EQ(a.next, start + K4);
	/* Only the 2 MiB pages asked for: 4 GiB + 2 MiB and the next GiB stay unmapped. */
	UT_EQ(pt_lookup(a.pml4, ALIAS_VA + 4 * G1 + M2, NULL), 0);
	UT_EQ(pt_lookup(a.pml4, ALIAS_VA + 5 * G1, NULL), 0);
	/* Below the top nothing changes and no table is taken; the identity policy holds. */
	uint64_t va;
	UT_EQ(pt_alias_map(&a, (3 * G1 + 0x5000) | b, &va), 0);
	UT_EQ(va, ALIAS_VA + 3 * G1 + 0x5000);
	UT_EQ(a.next, start + K4);
	uint64_t bad = 0;
	for (uint64_t g = 0; g < 4 * G1; g += K4 * 37) {
		uint64_t pa = 0;
		if (pt_lookup(a.pml4, ALIAS_VA + g, &pa) != (PT_P | PT_RW | PT_NX) || pa != (g | b))
			bad++;
	}
	UT_EQ(bad, 0);
	check_identity(a.pml4);
	UT_EQ(pt_lookup(a.pml4, 4 * G1, NULL), 0);
	free(arena);
}

/* Map top 5 GiB (RAM [4 GiB, 5 GiB)), SNP-style vTOM at bit 46, 1 GiB window pages: the
 * pool just above the top and a page two GiB further get 2 MiB pages of their own. */
static void t_alias_pool_above_top_5g(void)
{
	struct pt_alias a;
	uint64_t b = 1ull << 46;
	void *arena = build_od(b, true, 4 * G1, 5 * G1, 4, &a);

	UT_REQUIRE(arena);
	UT_EQ(a.top, 5 * G1);
	check_window(a.pml4, b, 5 * G1, M2 / 2);
	uint64_t start = a.next;
	UT_EQ(od_check(&a, 5 * G1 + 0x3000), 1);
	UT_EQ(od_check(&a, 7 * G1 + 5 * (M2 / 2)), 1);
	UT_EQ(a.next, start + 2 * K4);                  /* one PD per GiB */
	UT_EQ(od_check(&a, 5 * G1 + 0x3000), 0);        /* again: nothing new */
	UT_EQ(a.next, start + 2 * K4);
	UT_EQ(pt_lookup(a.pml4, ALIAS_VA + 6 * G1, NULL), 0);
	UT_EQ(pt_lookup(a.pml4, 5 * G1 + 0x3000, NULL), 0);       /* private form */
	UT_EQ(pt_lookup(a.pml4, 5 * G1, NULL), 0);
	check_identity(a.pml4);
	free(arena);
}

/* The limit min(B, 2^46): the last page below it maps (a PD, and past the window's first
 * 512 GiB a PDPT too), the first one at it is refused, as are a missing boundary and the private form;
 * a refusal changes nothing. */
static void t_alias_on_demand_limit(void)
{
	const uint64_t bs[] = { 1ull << 39, 1ull << 46, 1ull << 47 };

	for (unsigned i = 0; i < 3; i++) {
		struct pt_alias a;
		uint64_t b = bs[i], lim = alias_limit(b), va = 0;
		void *arena = build_od(b, false, 0, 0, 4, &a);
		UT_REQUIRE(arena);
		UT_EQ(lim, b < (1ull << 46) ? b : 1ull << 46);
		uint64_t start = a.next, tables = lim > 512 * G1 ? 2 : 1;
		UT_EQ(od_check(&a, lim - K4), 1);
		UT_EQ(a.next, start + tables * K4);    /* the window's PDPT covers 512 GiB */
		UT_CHECK(ALIAS_VA + lim - 1 < ALIAS_VA_END);
		/* g = lim: as g | b when lim < b; for lim == b the next form up, 2b | b. */
		uint64_t over = lim == b ? (b << 1) | b : lim | b;
		UT_EQ(pt_alias_map(&a, over, &va), UMBRA_EINVAL);
		UT_EQ(pt_alias_map(&a, ~0ull & ~(K4 - 1), &va), UMBRA_EINVAL);
		UT_EQ(pt_alias_map(&a, 5 * G1, &va), UMBRA_EINVAL);   /* private form */
		UT_EQ(a.next, start + tables * K4);
		UT_EQ(pt_lookup(a.pml4, 5 * G1, NULL), 0);
		UT_EQ(pt_lookup(a.pml4, ALIAS_VA + 5 * G1, NULL), 0);
		struct pt_alias none = a;
		none.b = 0;
		UT_EQ(pt_alias_map(&none, 5 * G1 | b, &va), UMBRA_EINVAL);
		none.b = 3ull << 46;
		UT_EQ(pt_alias_map(&none, 5 * G1 | b, &va), UMBRA_EINVAL);
		UT_EQ(pt_alias_map(NULL, 5 * G1 | b, &va), UMBRA_EINVAL);
		UT_EQ(pt_alias_map(&a, 5 * G1 | b, NULL), UMBRA_EINVAL);
		/* A page above the top that the tables already map to another PA is refused. */
		UT_EQ(od_check(&a, 5 * G1), 1);
		struct pt_alias other = a;
		other.b = b >> 1;
		UT_EQ(pt_alias_map(&other, 5 * G1 | other.b, &va), UMBRA_EINVAL);
		UT_EQ(other.next, a.next);
		free(arena);
	}
}

/* The reserve bounds it: each new GiB takes a page until none is left, then ENOMEM and
 * nothing mapped; pages already mapped still translate; a mapping that needs two tables
 * (new 512 GiB region) with only one left fails without taking it. */
static void t_alias_on_demand_bound(void)
{
	struct pt_alias a;
	uint64_t b = 1ull << 47, va = 0;
	void *arena = build_od(b, false, 0, 0, 3, &a);

	UT_REQUIRE(arena);
	for (uint64_t gb = 4; gb < 7; gb++)
		UT_EQ(od_check(&a, gb * G1 + 0x7000), 1);
	UT_EQ(a.next, a.end);
	uint64_t end = a.next;
	UT_EQ(pt_alias_map(&a, (7 * G1) | b, &va), UMBRA_ENOMEM);
	UT_EQ(a.next, end);
	UT_EQ(pt_lookup(a.pml4, ALIAS_VA + 7 * G1, NULL), 0);
	UT_EQ(od_check(&a, 5 * G1 + 0x7000), 0);        /* mapped before: still fine */
	UT_EQ(od_check(&a, 6 * G1 + M2), 1);            /* its PD exists: no table needed */
	UT_EQ(a.next, end);
	/* Bad reserve descriptions are ENOMEM too. */
	struct pt_alias bad = a;
	bad.next = bad.end + K4;
	UT_EQ(pt_alias_map(&bad, (8 * G1) | b, &va), UMBRA_ENOMEM);
	bad = a;
	bad.end = bad.next + 2 * K4;
	bad.next += 8;
	UT_EQ(pt_alias_map(&bad, (8 * G1) | b, &va), UMBRA_ENOMEM);
	free(arena);

	arena = build_od(b, true, 0, 0, 1, &a);
	UT_REQUIRE(arena);
	const uint64_t *pml4 = (const uint64_t *)(uintptr_t)a.pml4;
	uint64_t slot = ((ALIAS_VA + 600 * G1) >> 39) & 511;
	UT_EQ(pml4[slot], 0);
	UT_EQ(pt_alias_map(&a, (600 * G1) | b, &va), UMBRA_ENOMEM);
	UT_EQ(pml4[slot], 0);
	UT_EQ(a.next + K4, a.end);
	UT_EQ(od_check(&a, 4 * G1), 1);                 /* the one page still serves */
	UT_EQ(a.next, a.end);
	free(arena);
}

int main(void)
{
	UT_RUN(t_policy);
	UT_RUN(t_top_follows_map);
	UT_RUN(t_no_nx_cpu);
	UT_RUN(t_arena_exhaustion);
	UT_RUN(t_protect_after_boot);
	UT_RUN(t_alias_window_2m);
	UT_RUN(t_alias_window_1g);
	UT_RUN(t_no_alias_nothing_extra);
	UT_RUN(t_alias_large_map);
	UT_RUN(t_alias_invalid);
	UT_RUN(t_alias_pool_above_top_3_5g);
	UT_RUN(t_alias_pool_above_top_5g);
	UT_RUN(t_alias_on_demand_limit);
	UT_RUN(t_alias_on_demand_bound);
	return UT_DONE();
}
