/*
 * The runtime's own 4-level page tables, built once after ExitBootServices:
 *  - identity map of [0, top) with 2 MiB pages, top = highest memory-map address rounded
 *    up to 1 GiB and at least 4 GiB (covers the LAPIC/IOAPIC MMIO hole), RW + NX;
 *  - 4 KiB pages where finer rights are needed: the image (headers R, .text RX, .rodata R,
 *    the rest RW), EFI runtime-services code (executable: the firmware's PE images mix
 *    code and data, so RWX), an unmapped guard page below every stack, page 0 unmapped
 *    (NULL dereferences fault), the xAPIC page uncached.
 * Page-table pages come from a boot arena of EfiLoaderData pages (bump allocation);
 * what is left afterwards can be handed to the page allocator.
 */
#include <efi.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include <umbra/errno.h>

#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define SZ_2M    (2ull << 20)
#define SZ_1G    (1ull << 30)
#define PAGE     4096ull

static uint64_t arena_next, arena_end;
static uint64_t *pml4;
static uint64_t nx;

static uint64_t *pt_alloc(void)
{
	if (arena_next + PAGE > arena_end)
		return NULL;
	uint64_t *p = (uint64_t *)(uintptr_t)arena_next;
	arena_next += PAGE;
	memset(p, 0, PAGE);
	return p;
}

static uint64_t *table(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & PTE_ADDR);
}

/* Returns the PD entry for va (tables exist for every va below top). */
static uint64_t *pde_of(uint64_t va)
{
	uint64_t *pdpt = table(pml4[(va >> 39) & 511]);
	uint64_t *pd = table(pdpt[(va >> 30) & 511]);
	return &pd[(va >> 21) & 511];
}

/* Applies (e & ~clear) | set to every 4 KiB page of [base, base + len). */
static int set_range(uint64_t base, uint64_t len, uint64_t set, uint64_t clear)
{
	uint64_t va = base & ~(PAGE - 1);
	uint64_t end = (base + len + PAGE - 1) & ~(PAGE - 1);

	while (va < end) {
		uint64_t *pde = pde_of(va);
		if ((va & (SZ_2M - 1)) == 0 && end - va >= SZ_2M && (*pde & PTE_PS)) {
			*pde = (*pde & ~clear) | set | PTE_PS;
			va += SZ_2M;
			continue;
		}
		if (*pde & PTE_PS) {
			uint64_t *pt = pt_alloc();
			if (!pt)
				return UMBRA_ENOMEM;
			uint64_t big = *pde & ~(PTE_PS | PTE_ADDR);
			uint64_t pa = *pde & PTE_ADDR & ~(SZ_2M - 1);
			for (int i = 0; i < 512; i++)
				pt[i] = (pa + i * PAGE) | big;
			*pde = (uint64_t)(uintptr_t)pt | PTE_P | PTE_RW;
		}
		uint64_t *pte = &table(*pde)[(va >> 12) & 511];
		*pte = (*pte & ~clear) | set;
		va += PAGE;
	}
	return 0;
}

static uint64_t map_top(const struct boot_info *bi)
{
	uint64_t top = 4 * SZ_1G;
	const uint8_t *p = bi->mmap;

	for (uint64_t off = 0; off + bi->mmap_desc_size <= bi->mmap_size; off += bi->mmap_desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(p + off);
		uint64_t end = d->PhysicalStart + d->NumberOfPages * PAGE;
		if (end > top)
			top = end;
	}
	return (top + SZ_1G - 1) & ~(SZ_1G - 1);
}

int arch_paging_init(const struct boot_info *bi)
{
	uint32_t r[4];
	int rc = 0;

	arena_next = bi->pt_arena;
	arena_end = bi->pt_arena + bi->pt_arena_pages * PAGE;
	cpu_cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpu_cpuid(0x80000001, 0, r);
		nx = (r[3] & (1u << 20)) ? PTE_NX : 0;
	}

	pml4 = pt_alloc();
	if (!pml4)
		return UMBRA_ENOMEM;
	uint64_t top = map_top(bi);
	for (uint64_t gb = 0; gb < top; gb += SZ_1G) {
		uint64_t *l4e = &pml4[(gb >> 39) & 511];
		if (!(*l4e & PTE_P)) {
			uint64_t *pdpt = pt_alloc();
			if (!pdpt)
				return UMBRA_ENOMEM;
			*l4e = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_RW;
		}
		uint64_t *pd = pt_alloc();
		if (!pd)
			return UMBRA_ENOMEM;
		table(*l4e)[(gb >> 30) & 511] = (uint64_t)(uintptr_t)pd | PTE_P | PTE_RW;
		for (int i = 0; i < 512; i++)
			pd[i] = (gb + i * SZ_2M) | PTE_P | PTE_RW | PTE_PS | nx;
	}

	/* Firmware runtime-services code must stay executable for ResetSystem. */
	const uint8_t *p = bi->mmap;
	for (uint64_t off = 0; off + bi->mmap_desc_size <= bi->mmap_size; off += bi->mmap_desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(p + off);
		if (d->Type == EfiRuntimeServicesCode)
			rc |= set_range(d->PhysicalStart, d->NumberOfPages * PAGE, 0, PTE_NX);
	}

	/* The image: W^X. */
	uint64_t base = (uint64_t)(uintptr_t)ImageBase;
	uint64_t text = (uint64_t)(uintptr_t)_text, etext = (uint64_t)(uintptr_t)_etext;
	uint64_t ro = (uint64_t)(uintptr_t)_rodata, ero = (uint64_t)(uintptr_t)_erodata;
	rc |= set_range(base, text - base, 0, PTE_RW);                     /* headers: R */
	rc |= set_range(text, etext - text, 0, PTE_RW | PTE_NX);           /* .text: RX */
	rc |= set_range(ro, ero - ro, 0, PTE_RW);                          /* .rodata: R */

	/* Guard pages and page 0. */
	rc |= set_range(bi->kstack.guard, PAGE, 0, PTE_P);
	for (int i = 0; i < 3; i++)
		rc |= set_range(bi->ist[i].guard, PAGE, 0, PTE_P);
	rc |= set_range(0, PAGE, 0, PTE_P);

	/* xAPIC registers: uncached. */
	uint64_t apic = cpu_rdmsr(MSR_APIC_BASE) & PTE_ADDR;
	if (apic && apic < top)
		rc |= set_range(apic, PAGE, PTE_PCD | PTE_PWT, 0);
	if (rc)
		return UMBRA_ENOMEM;

	if (nx)
		cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_NXE);
	cpu_write_cr0(cpu_read_cr0() | CR0_WP);
	cpu_write_cr3((uint64_t)(uintptr_t)pml4);
	return 0;
}

void arch_paging_arena_rest(uint64_t *base, uint64_t *npages)
{
	*base = arena_next;
	*npages = (arena_end - arena_next) / PAGE;
}

bool arch_paging_mapped(uint64_t va, uint64_t len)
{
	if (!pml4)
		return va >= PAGE && len < PAGE;
	for (uint64_t a = va & ~(PAGE - 1); a < va + len; a += PAGE) {
		if (a >> 47)
			return false;
		uint64_t e = pml4[(a >> 39) & 511];
		if (!(e & PTE_P))
			return false;
		e = table(e)[(a >> 30) & 511];
		if (!(e & PTE_P))
			return false;
		e = table(e)[(a >> 21) & 511];
		if (!(e & PTE_P))
			return false;
		if (e & PTE_PS)
			continue;
		if (!(table(e)[(a >> 12) & 511] & PTE_P))
			return false;
	}
	return true;
}

uint64_t arch_paging_pages_needed(const void *mmap, uint64_t size, uint64_t desc_size,
				  uint64_t image_size)
{
	struct boot_info tmp = { .mmap = mmap, .mmap_size = size, .mmap_desc_size = desc_size };
	uint64_t top = map_top(&tmp), rt_code = 0;
	const uint8_t *p = mmap;

	for (uint64_t off = 0; off + desc_size <= size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(p + off);
		if (d->Type == EfiRuntimeServicesCode)
			rt_code++;
	}
	return 1 + (top + 512 * SZ_1G - 1) / (512 * SZ_1G) + top / SZ_1G +
	       2 * rt_code + image_size / SZ_2M + 3 + 4 * 2 + 2 + 8;
}
