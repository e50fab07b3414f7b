/*
 * Host test of boot/memmap.c: which EFI memory types reach the page allocator, merging,
 * carve-outs, the reserved and unaccepted lists, and malformed maps. The central
 * invariant (nothing but Conventional/BootServices memory is ever handed out, never
 * page 0, never a carve-out) is checked against every descriptor of each map.
 */
#include <stdint.h>
#include <string.h>

#include "boot/memmap.h"
#include "tests/unit/ut.h"
#include <umbra/errno.h>

#define PG 4096ull
#define STRIDE 48               /* firmware descriptors are larger than the v1 struct */
#define MAXD 160

struct fake_map {
	uint8_t buf[MAXD * STRIDE];
	unsigned n;
};

static void put(struct fake_map *m, uint32_t type, uint64_t base, uint64_t npages)
{
	struct boot_efi_desc d = { .type = type, .phys_start = base, .npages = npages };
	memset(m->buf + m->n * STRIDE, 0xa5, STRIDE);   /* junk in the stride padding */
	memcpy(m->buf + m->n * STRIDE, &d, sizeof d);
	m->n++;
}

static struct boot_range added[256];
static unsigned nadded;
static int fail_adds;

static int rec_add(uint64_t base, uint64_t npages)
{
	if (fail_adds)
		return UMBRA_ENOMEM;
	if (nadded < 256) {
		added[nadded].base = base;
		added[nadded].npages = npages;
	}
	nadded++;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an && bn && a < b + bn * PG && b < a + an * PG;
}

/* Every added range lies inside FREE descriptors and outside page 0 and carve-outs. */
static void check_invariant(const struct fake_map *m, const struct boot_range *carve, unsigned nc)
{
	for (unsigned i = 0; i < nadded && i < 256; i++) {
		UT_CHECK(added[i].npages > 0);
		UT_CHECK(added[i].base % PG == 0);
		UT_CHECK(!overlaps(added[i].base, added[i].npages, 0, 1));
		for (unsigned c = 0; c < nc; c++)
			UT_CHECK(!overlaps(added[i].base, added[i].npages, carve[c].base, carve[c].npages));
		for (unsigned k = 0; k < m->n; k++) {
			struct boot_efi_desc d;
			memcpy(&d, m->buf + k * STRIDE, sizeof d);
			if (boot_mem_classify(d.type) != BOOT_MEM_FREE)
				UT_CHECK(!overlaps(added[i].base, added[i].npages, d.phys_start, d.npages));
		}
		/* ... and every page of it is covered by some FREE descriptor. */
		for (uint64_t a = added[i].base; a < added[i].base + added[i].npages * PG; a += PG) {
			bool in = false;
			for (unsigned k = 0; k < m->n && !in; k++) {
				struct boot_efi_desc d;
				memcpy(&d, m->buf + k * STRIDE, sizeof d);
				in = boot_mem_classify(d.type) == BOOT_MEM_FREE && overlaps(a, 1, d.phys_start, d.npages);
			}
			UT_CHECK(in);
			if (!in)
				return;
		}
	}
}

static struct boot_memmap_result res;

static int run(struct fake_map *m, const struct boot_range *carve, unsigned nc)
{
	nadded = 0;
	return boot_memmap_process(m->buf, (uint64_t)m->n * STRIDE, STRIDE, carve, nc, rec_add, &res);
}

/* An OVMF-like map. */
static void ovmf_map(struct fake_map *m)
{
	m->n = 0;
	put(m, 4, 0x0, 0xa0);                   /* BS data incl. page 0 */
	put(m, 0, 0xa0000, 0x60);               /* reserved (VGA/ROM) */
	put(m, 7, 0x100000, 0x700);             /* conventional */
	put(m, 10, 0x800000, 0x8);              /* ACPI NVS */
	put(m, 7, 0x808000, 0x3);
	put(m, 4, 0x80b000, 0x5);               /* BS data adjacent to the previous: merged */
	put(m, 2, 0x810000, 0x20);              /* loader data: ours */
	put(m, 1, 0x830000, 0x10);              /* loader code: the image */
	put(m, 3, 0x840000, 0x40);              /* BS code */
	put(m, 5, 0x880000, 0x10);              /* RT code */
	put(m, 6, 0x890000, 0x10);              /* RT data, adjacent: merged in reserved list */
	put(m, 9, 0x8a0000, 0x4);               /* ACPI reclaim */
	put(m, 15, 0x8b0000, 0x100);            /* unaccepted */
	put(m, 7, 0x9b0000, 0x50);
	put(m, 11, 0xffc00000, 0x400);          /* MMIO flash */
	put(m, 8, 0x9000000, 0x10);             /* unusable */
	put(m, 14, 0xa000000, 0x10);            /* persistent */
	put(m, 12, 0xfee00000, 1);              /* MMIO port space */
	put(m, 99, 0xb000000, 0x10);            /* unknown type: reserved */
}

static void t_free_types_only(void)
{
	struct fake_map m;

	ovmf_map(&m);
	UT_EQ(run(&m, NULL, 0), 0);
	check_invariant(&m, NULL, 0);
	/* 0xa0 - page 0 + 0x700 + (3 + 5 merged) + 0x40 + 0x50 */
	UT_EQ(res.free_pages, 0x9f + 0x700 + 8 + 0x40 + 0x50);
	UT_EQ(res.add_errors, 0);
	uint64_t sum = 0;
	for (unsigned i = 0; i < nadded; i++)
		sum += added[i].npages;
	UT_EQ(sum, res.free_pages);
	UT_EQ(res.max_phys, 0xffc00000ull + 0x400 * PG);
}

static void t_merging(void)
{
	struct fake_map m;

	ovmf_map(&m);
	run(&m, NULL, 0);
	/* 0x808000 (conventional, 3) + 0x80b000 (BS data, 5) arrive as one range. */
	bool found = false;
	for (unsigned i = 0; i < nadded; i++)
		if (added[i].base == 0x808000 && added[i].npages == 8)
			found = true;
	UT_CHECK(found);
	/* RT code + RT data + ACPI reclaim (adjacent) are one reserved region. */
	found = false;
	for (unsigned i = 0; i < res.reserved_count; i++)
		if (res.reserved[i].base == 0x880000 && res.reserved[i].npages == 0x24)
			found = true;
	UT_CHECK(found);
}

static void t_reserved_and_unaccepted(void)
{
	struct fake_map m;

	ovmf_map(&m);
	run(&m, NULL, 0);
	/* reserved: a0000, 800000, 880000 (+ RT data + ACPI reclaim), ffc00000, 9000000,
	 * a000000, fee00000, b000000 */
	UT_EQ(res.reserved_count, 8);
	UT_EQ(res.unaccepted_count, 1);
	UT_EQ(res.unaccepted[0].base, 0x8b0000);
	UT_EQ(res.unaccepted[0].npages, 0x100);
	for (unsigned i = 0; i < nadded; i++)
		UT_CHECK(!overlaps(added[i].base, added[i].npages, 0x8b0000, 0x100));
	for (unsigned i = 0; i < nadded; i++)
		UT_CHECK(!overlaps(added[i].base, added[i].npages, 0x810000, 0x30));   /* loader */
}

static void t_carve_outs(void)
{
	struct fake_map m;
	struct boot_range carve[3] = {
		{ 0x100000, 0x10 },             /* start of a range */
		{ 0x400000, 0x1 },              /* middle */
		{ 0x7ff000, 0x10 },             /* end, running past it into the next free range */
	};

	ovmf_map(&m);
	UT_EQ(run(&m, carve, 3), 0);
	check_invariant(&m, carve, 3);
	/* the third carve-out also takes 7 of the 8 pages at 0x808000 */
	UT_EQ(res.free_pages, 0x9f + (0x700 - 0x10 - 1 - 1) + 1 + 0x40 + 0x50);
	/* Overlapping carve-outs are fine too. */
	struct boot_range ov[2] = { { 0x200000, 0x100 }, { 0x280000, 0x100 } };
	UT_EQ(run(&m, ov, 2), 0);
	check_invariant(&m, ov, 2);
	UT_EQ(res.free_pages, 0x9f + (0x700 - 0x180) + 8 + 0x40 + 0x50);
}

static void t_malformed(void)
{
	struct fake_map m;

	ovmf_map(&m);
	put(&m, 7, 0x123456, 4);                /* unaligned */
	UT_EQ(run(&m, NULL, 0), UMBRA_EINVAL);
	UT_EQ(nadded, 0);
	ovmf_map(&m);
	put(&m, 7, 0xfffffffffffff000ull, 0x100); /* wraps */
	UT_EQ(run(&m, NULL, 0), UMBRA_EINVAL);
	UT_EQ(nadded, 0);
	ovmf_map(&m);
	put(&m, 7, 0x7ff000, 2);                /* overlaps ACPI NVS at 0x800000 */
	UT_EQ(run(&m, NULL, 0), UMBRA_EINVAL);
	UT_EQ(nadded, 0);
	ovmf_map(&m);
	put(&m, 7, 0x100000, 1);                /* duplicate of a free range */
	UT_EQ(run(&m, NULL, 0), UMBRA_EINVAL);
	UT_EQ(nadded, 0);
	ovmf_map(&m);
	put(&m, 7, 0x800000 + 8 * PG, 0);       /* empty descriptors never overlap */
	UT_EQ(run(&m, NULL, 0), 0);
	ovmf_map(&m);
	nadded = 0;
	UT_EQ(boot_memmap_process(m.buf, m.n * STRIDE, 32, NULL, 0, rec_add, &res), UMBRA_EINVAL);
	UT_EQ(boot_memmap_process(m.buf, m.n * STRIDE - 1, STRIDE, NULL, 0, rec_add, &res), UMBRA_EINVAL);
	UT_EQ(boot_memmap_process(NULL, 0, STRIDE, NULL, 0, rec_add, &res), UMBRA_EINVAL);
	UT_EQ(boot_memmap_process(m.buf, m.n * STRIDE, STRIDE, NULL, 1, rec_add, &res), UMBRA_EINVAL);
	UT_EQ(nadded, 0);
}

static void t_add_errors_counted(void)
{
	struct fake_map m;

	ovmf_map(&m);
	fail_adds = 1;
	UT_EQ(run(&m, NULL, 0), 0);
	fail_adds = 0;
	UT_EQ(res.free_pages, 0);
	UT_CHECK(res.add_errors > 0);
}

static void t_overflow_flags(void)
{
	static struct fake_map m;

	/* Exactly BOOT_MAX_UNACCEPTED separate ranges fit; one more sets the flag. */
	m.n = 0;
	for (unsigned i = 0; i < BOOT_MAX_UNACCEPTED; i++)
		put(&m, 15, 0x1000000 + i * 0x10000, 1);
	UT_EQ(run(&m, NULL, 0), 0);
	UT_EQ(res.unaccepted_count, BOOT_MAX_UNACCEPTED);
	UT_CHECK(!res.unaccepted_overflow);
	put(&m, 15, 0x1000000 + BOOT_MAX_UNACCEPTED * 0x10000, 1);
	UT_EQ(run(&m, NULL, 0), 0);
	UT_EQ(res.unaccepted_count, BOOT_MAX_UNACCEPTED);
	UT_CHECK(res.unaccepted_overflow);

	/* Same for the reserved list; free memory after the overflow is still handed out. */
	m.n = 0;
	for (unsigned i = 0; i <= BOOT_MAX_RESERVED; i++)
		put(&m, 0, 0x1000000 + i * 0x10000, 1);
	put(&m, 7, 0x100000, 16);
	UT_EQ(run(&m, NULL, 0), 0);
	UT_EQ(res.reserved_count, BOOT_MAX_RESERVED);
	UT_CHECK(res.reserved_overflow);
	UT_EQ(res.free_pages, 16);
	check_invariant(&m, NULL, 0);

	/* Adjacent unaccepted descriptors merge into one range. */
	m.n = 0;
	for (unsigned i = 0; i < 100; i++)
		put(&m, 15, 0x1000000 + i * PG, 1);
	UT_EQ(run(&m, NULL, 0), 0);
	UT_EQ(res.unaccepted_count, 1);
	UT_EQ(res.unaccepted[0].npages, 100);
}

int main(void)
{
	UT_RUN(t_free_types_only);
	UT_RUN(t_merging);
	UT_RUN(t_reserved_and_unaccepted);
	UT_RUN(t_carve_outs);
	UT_RUN(t_malformed);
	UT_RUN(t_add_errors_counted);
	UT_RUN(t_overflow_flags);
	return UT_DONE();
}
