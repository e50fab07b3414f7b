/*
 * Host test of the page-table builder (paging_build.c): identity mapping, W^X for the
 * image, NX everywhere else except firmware runtime code, unmapped guard pages and page 0,
 * the uncached page, arena sizing. The W^X and guard checks walk every 4 KiB page below
 * top, so a policy regression anywhere fails the test.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/paging_build.h"
#include "boot/memmap.h"
#include "tests/unit/ut.h"
#include <umbra/errno.h>

#define K4 4096ull
#define M2 (2ull << 20)
#define G1 (1ull << 30)

static struct boot_efi_desc map[16];
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

static void test_policy(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000);
	void *arena = arena_alloc(need);
	struct pt_params p = params(arena, need, PT_NX);
	uint64_t cr3 = 0, used = 0;

	UT_REQUIRE(arena);
	UT_EQ(pt_build(&p, &cr3, &used), 0);
	UT_CHECK(used <= need);
	UT_CHECK(cr3 == (uint64_t)(uintptr_t)arena);

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
	/* Above top nothing is mapped. */
	UT_EQ(pt_lookup(cr3, 4 * G1, NULL), 0);
	free(arena);
}

static void test_top_follows_map(void)
{
	std_map();
	put(7, 6 * G1 + 0x123000, 0x10);      /* RAM above 4 GiB, ends mid-GiB */
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000);
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

static void test_no_nx_cpu(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000);
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

static void test_arena_exhaustion(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000);
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

static void test_protect_after_boot(void)
{
	std_map();
	uint64_t need = pt_pages_needed(map, nmap * sizeof(map[0]), sizeof(map[0]), 0x14000);
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

int main(void)
{
	UT_RUN(test_policy);
	UT_RUN(test_top_follows_map);
	UT_RUN(test_no_nx_cpu);
	UT_RUN(test_arena_exhaustion);
	UT_RUN(test_protect_after_boot);
	return UT_DONE();
}
