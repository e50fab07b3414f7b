/*
 * Policy: identity map of [0, top) with 2 MiB pages, top = highest memory-map address
 * rounded up to 1 GiB and at least 4 GiB, RW + NX; then 4 KiB pages where rights differ:
 * image headers R, .text RX, .rodata R (W^X), EFI runtime-services code executable (RWX:
 * firmware PE images mix code and data in one region), guard pages and page 0 unmapped,
 * one uncached page (xAPIC). With a shared-GPA boundary B (p->alias), also the alias
 * window (alias.h): VA ALIAS_VA + g -> PA g | B for g in [0, top), RW + NX, in 2 MiB or
 * 1 GiB pages, in PML4 slots of its own (top <= ALIAS_VA), so nothing above touches it.
 * Above top, pt_alias_map adds 2 MiB pages of the window on demand (never the private
 * form), for host-visible pages the platform keeps outside the memory map.
 */
#include "arch/x86_64/paging_build.h"
#include "arch/x86_64/alias.h"
#include "arch/x86_64/boot_handoff.h"
#include "lib/string.h"
#include <umbra/errno.h>

#define SZ_4K 4096ull
#define SZ_2M (2ull << 20)
#define SZ_1G (1ull << 30)
#define EFI_RT_CODE 5

struct pt_ctx {
	uint64_t next, end;
	uint64_t *pml4;
};

static uint64_t *tbl(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & PT_ADDR);
}

static uint64_t *pt_alloc(struct pt_ctx *c)
{
	if (c->next + SZ_4K > c->end)
		return NULL;
	uint64_t *p = (uint64_t *)(uintptr_t)c->next;
	c->next += SZ_4K;
	memset(p, 0, SZ_4K);
	return p;
}

/* Applies (e & ~clear) | set to every 4 KiB page of [base, base + len), splitting 2 MiB
 * pages only where the range covers part of one. Tables exist for every va below top. */
static int set_range(struct pt_ctx *c, uint64_t base, uint64_t len, uint64_t set, uint64_t clear)
{
	uint64_t va = base & ~(SZ_4K - 1);
	uint64_t end = (base + len + SZ_4K - 1) & ~(SZ_4K - 1);

	while (va < end) {
		uint64_t *pdpt = tbl(c->pml4[(va >> 39) & 511]);
		uint64_t *pd = tbl(pdpt[(va >> 30) & 511]);
		uint64_t *pde = &pd[(va >> 21) & 511];
		if (!(va & (SZ_2M - 1)) && end - va >= SZ_2M && (*pde & PT_PS)) {
			*pde = (*pde & ~clear) | set | PT_PS;
			va += SZ_2M;
			continue;
		}
		if (*pde & PT_PS) {
			uint64_t *pt = pt_alloc(c);
			if (!pt)
				return UMBRA_ENOMEM;
			uint64_t flags = *pde & ~(PT_PS | PT_ADDR);
			uint64_t pa = *pde & PT_ADDR & ~(SZ_2M - 1);
			for (uint64_t i = 0; i < 512; i++)
				pt[i] = (pa + i * SZ_4K) | flags;
			*pde = (uint64_t)(uintptr_t)pt | PT_P | PT_RW;
		}
		uint64_t *pte = &tbl(*pde)[(va >> 12) & 511];
		*pte = (*pte & ~clear) | set;
		va += SZ_4K;
	}
	return 0;
}

uint64_t pt_map_top(const void *mmap, uint64_t size, uint64_t dsz)
{
	uint64_t top = 4 * SZ_1G;
	const uint8_t *p = mmap;

	for (uint64_t off = 0; off + dsz <= size; off += dsz) {
		struct boot_efi_desc d;
		memcpy(&d, p + off, sizeof d);
		uint64_t end = d.phys_start + d.npages * SZ_4K;
		if (end > top)
			top = end;
	}
	return (top + SZ_1G - 1) & ~(SZ_1G - 1);
}

uint64_t pt_pages_needed(const void *mmap, uint64_t size, uint64_t dsz, uint64_t image_size,
			 bool alias)
{
	uint64_t top = pt_map_top(mmap, size, dsz), rt_code = 0;
	const uint8_t *p = mmap;

	for (uint64_t off = 0; off + dsz <= size; off += dsz) {
		struct boot_efi_desc d;
		memcpy(&d, p + off, sizeof d);
		if (d.type == EFI_RT_CODE)
			rt_code++;
	}
	/* PML4 + PDPTs + PDs + split 2 MiB pages: 2 per RT-code range, the image (3 ranges
	 * over image_size), the guards, page 0, the UC page, plus margin. */
	uint64_t tables = (top + 512 * SZ_1G - 1) / (512 * SZ_1G) + top / SZ_1G;
	/* The window needs as many PDPTs and (2 MiB pages) PDs again; ALIAS_VA is 512 GiB
	 * aligned, so it starts a PDPT. */
	return 1 + tables * (alias ? 2 : 1) + 2 * rt_code + image_size / SZ_2M + 6 +
	       PT_MAX_GUARDS * 2 + 2 + 8;
}

/* PDPT covering va, allocated on first use. */
static uint64_t *pdpt_for(struct pt_ctx *c, uint64_t va)
{
	uint64_t *l4e = &c->pml4[(va >> 39) & 511];

	if (!(*l4e & PT_P)) {
		uint64_t *pdpt = pt_alloc(c);
		if (!pdpt)
			return NULL;
		*l4e = (uint64_t)(uintptr_t)pdpt | PT_P | PT_RW;
	}
	return tbl(*l4e);
}

/* The alias window over [0, top): VA ALIAS_VA + g -> g | p->alias, RW + NX. */
static int map_window(struct pt_ctx *c, const struct pt_params *p, uint64_t top)
{
	uint64_t leaf = PT_P | PT_RW | PT_PS | p->nx;

	for (uint64_t gb = 0; gb < top; gb += SZ_1G) {
		uint64_t va = ALIAS_VA + gb, pa = gb | p->alias;
		uint64_t *pdpt = pdpt_for(c, va);
		if (!pdpt)
			return UMBRA_ENOMEM;
		uint64_t *pdpte = &pdpt[(va >> 30) & 511];
		if (p->alias_1g) {
			*pdpte = pa | leaf;
			continue;
		}
		uint64_t *pd = pt_alloc(c);
		if (!pd)
			return UMBRA_ENOMEM;
		*pdpte = (uint64_t)(uintptr_t)pd | PT_P | PT_RW;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (pa + i * SZ_2M) | leaf;
	}
	return 0;
}

int pt_build(const struct pt_params *p, uint64_t *pml4_out, uint64_t *used)
{
	struct pt_ctx c = { .next = p ? p->arena : 0 };
	int rc = 0;

	if (!p || !pml4_out || !used || (p->arena & (SZ_4K - 1)) || !p->mmap ||
	    p->desc_size < sizeof(struct boot_efi_desc) || p->nguards > PT_MAX_GUARDS ||
	    p->text < p->image_base || p->etext < p->text || p->erodata < p->rodata)
		return UMBRA_EINVAL;
	c.end = p->arena + p->arena_pages * SZ_4K;
	c.pml4 = pt_alloc(&c);
	if (!c.pml4)
		return UMBRA_ENOMEM;

	uint64_t top = pt_map_top(p->mmap, p->mmap_size, p->desc_size);
	if (p->alias && ((p->alias & (p->alias - 1)) || p->alias > (1ull << ALIAS_MAX_BIT) ||
			 p->alias < top || top > ALIAS_VA))
		return UMBRA_EINVAL;
	for (uint64_t gb = 0; gb < top; gb += SZ_1G) {
		uint64_t *pdpt = pdpt_for(&c, gb);
		if (!pdpt)
			return UMBRA_ENOMEM;
		uint64_t *pd = pt_alloc(&c);
		if (!pd)
			return UMBRA_ENOMEM;
		pdpt[(gb >> 30) & 511] = (uint64_t)(uintptr_t)pd | PT_P | PT_RW;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (gb + i * SZ_2M) | PT_P | PT_RW | PT_PS | p->nx;
	}
	if (p->alias && map_window(&c, p, top))
		return UMBRA_ENOMEM;

	const uint8_t *m = p->mmap;
	for (uint64_t off = 0; off + p->desc_size <= p->mmap_size; off += p->desc_size) {
		struct boot_efi_desc d;
		memcpy(&d, m + off, sizeof d);
		if (d.type == EFI_RT_CODE)
			rc |= set_range(&c, d.phys_start, d.npages * SZ_4K, 0, PT_NX);
	}
	/* The image last among the rights, so nothing above can make .text writable. */
	rc |= set_range(&c, p->image_base, p->text - p->image_base, 0, PT_RW);
	rc |= set_range(&c, p->text, p->etext - p->text, 0, PT_RW | PT_NX);
	rc |= set_range(&c, p->rodata, p->erodata - p->rodata, p->nx, PT_RW);
	for (unsigned i = 0; i < p->nguards; i++)
		rc |= set_range(&c, p->guards[i], SZ_4K, 0, PT_P);
	rc |= set_range(&c, 0, SZ_4K, 0, PT_P);
	if (p->uc_page && p->uc_page < top)
		rc |= set_range(&c, p->uc_page, SZ_4K, PT_PCD | PT_PWT, 0);
	if (rc)
		return UMBRA_ENOMEM;
	*pml4_out = (uint64_t)(uintptr_t)c.pml4;
	*used = (c.next - p->arena) / SZ_4K;
	return 0;
}

int pt_protect(uint64_t pml4, uint64_t *arena, uint64_t arena_end, uint64_t va, uint64_t len,
	       uint64_t set, uint64_t clear)
{
	struct pt_ctx c = { .next = arena ? *arena : 0, .end = arena_end,
			    .pml4 = (uint64_t *)(uintptr_t)pml4 };

	if (!pml4 || !arena || !len || va + len < va || va + len > ALIAS_VA)
		return UMBRA_EINVAL;
	/* Every page must already be mapped by a PD (i.e. below top): set_range relies on it.
	 * The identity map ends at or below ALIAS_VA, so the window is never reached. */
	for (uint64_t a = va & ~(SZ_4K - 1); a < va + len; a += SZ_2M) {
		uint64_t e = c.pml4[(a >> 39) & 511];
		if ((a >> 47) || !(e & PT_P))
			return UMBRA_EINVAL;
		e = tbl(e)[(a >> 30) & 511];
		if (!(e & PT_P) || (e & PT_PS))
			return UMBRA_EINVAL;
	}
	int rc = set_range(&c, va, len, set, clear);
	*arena = c.next;
	return rc;
}

uint64_t pt_lookup(uint64_t pml4, uint64_t va, uint64_t *pa)
{
	uint64_t e = pml4, rw = PT_RW, nx = 0;

	if (!pml4 || (va >> 47))
		return 0;
	for (int level = 3; level >= 0; level--) {
		e = tbl(e)[(va >> (12 + 9 * level)) & 511];
		if (!(e & PT_P))
			return 0;
		rw &= e;
		nx |= e & PT_NX;
		if (level == 0 || (level <= 2 && (e & PT_PS))) {
			uint64_t span = 1ull << (12 + 9 * level);
			if (pa)
				*pa = (e & PT_ADDR & ~(span - 1)) | (va & (span - 1));
			return PT_P | rw | nx | (e & (PT_PCD | PT_PWT));
		}
	}
	return 0;
}

int pt_alias_map(struct pt_alias *a, uint64_t gpa, uint64_t *va)
{
	uint64_t b = a ? a->b : 0;

	if (!a || !va || !a->pml4 || !b || (b & (b - 1)) || b > (1ull << ALIAS_MAX_BIT) ||
	    !(gpa & b))
		return UMBRA_EINVAL;
	uint64_t g = gpa & ~b;
	if (g >= alias_limit(b))
		return UMBRA_EINVAL;
	if (g < a->top) {
		*va = ALIAS_VA + g;
		return 0;
	}
	uint64_t base = g & ~(SZ_2M - 1), v = ALIAS_VA + base, pa = base | b;
	uint64_t *l4e = &tbl(a->pml4)[(v >> 39) & 511];
	uint64_t *l3e = (*l4e & PT_P) ? &tbl(*l4e)[(v >> 30) & 511] : NULL;
	if (l3e && (*l3e & PT_P)) {
		if (*l3e & PT_PS) {                     /* a 1 GiB page: must be this alias */
			if ((*l3e & PT_ADDR) != (pa & ~(SZ_1G - 1)))
				return UMBRA_EINVAL;
			*va = ALIAS_VA + g;
			return 0;
		}
		uint64_t e = tbl(*l3e)[(v >> 21) & 511];
		if (e & PT_P) {
			if (!(e & PT_PS) || (e & PT_ADDR) != pa)
				return UMBRA_EINVAL;
			*va = ALIAS_VA + g;
			return 0;
		}
	}
	/* Check the room first so that a failure changes nothing. */
	uint64_t need = (l3e ? 0 : 1) + (l3e && (*l3e & PT_P) ? 0 : 1);
	if ((a->next & (SZ_4K - 1)) || a->next > a->end || (a->end - a->next) / SZ_4K < need)
		return UMBRA_ENOMEM;
	struct pt_ctx c = { .next = a->next, .end = a->end };
	if (!l3e) {
		uint64_t *pdpt = pt_alloc(&c);
		*l4e = (uint64_t)(uintptr_t)pdpt | PT_P | PT_RW;
		l3e = &pdpt[(v >> 30) & 511];
	}
	if (!(*l3e & PT_P)) {
		uint64_t *pd = pt_alloc(&c);
		*l3e = (uint64_t)(uintptr_t)pd | PT_P | PT_RW;
	}
	tbl(*l3e)[(v >> 21) & 511] = pa | PT_P | PT_RW | PT_PS | a->nx;
	a->next = c.next;
	*va = ALIAS_VA + g;
	return 1;
}
