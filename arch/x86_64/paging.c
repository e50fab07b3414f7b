/*
 * Loads the runtime's page tables (policy in paging_build.c) after ExitBootServices:
 * tables come from the boot arena of EfiLoaderData pages; EFER.NXE (when CPUID offers
 * NX) and CR0.WP are set, then CR3 is switched.
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging_build.h"
#include <umbra/errno.h>

/* Arena pages kept back for splitting 2 MiB pages after boot (arch_paging_protect). */
#define SPLIT_RESERVE 16

static uint64_t cr3, arena_rest, arena_rest_pages, split_next, split_end, nx_bit;

int arch_paging_init(const struct boot_info *bi)
{
	struct pt_params p = {
		.mmap = bi->mmap, .mmap_size = bi->mmap_size, .desc_size = bi->mmap_desc_size,
		.image_base = (uint64_t)(uintptr_t)ImageBase,
		.text = (uint64_t)(uintptr_t)_text, .etext = (uint64_t)(uintptr_t)_etext,
		.rodata = (uint64_t)(uintptr_t)_rodata, .erodata = (uint64_t)(uintptr_t)_erodata,
		.arena = bi->pt_arena, .arena_pages = bi->pt_arena_pages,
	};
	uint32_t r[4];
	uint64_t used;

	/* 5-level paging cannot be left without leaving long mode; the tables are 4-level. */
	if (cpu_read_cr4() & (1u << 12))
		return UMBRA_ENOTSUP;
	cpu_cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpu_cpuid(0x80000001, 0, r);
		p.nx = (r[3] & (1u << 20)) ? PT_NX : 0;
	}
	p.guards[p.nguards++] = bi->kstack.guard;
	for (int i = 0; i < 3; i++)
		p.guards[p.nguards++] = bi->ist[i].guard;
	p.uc_page = cpu_rdmsr(MSR_APIC_BASE) & PT_ADDR;

	int rc = pt_build(&p, &cr3, &used);
	if (rc)
		return rc;
	uint64_t left = bi->pt_arena_pages - used;
	uint64_t keep = left < SPLIT_RESERVE ? left : SPLIT_RESERVE;
	split_next = bi->pt_arena + used * 4096;
	split_end = split_next + keep * 4096;
	arena_rest = split_end;
	arena_rest_pages = left - keep;
	nx_bit = p.nx;
	if (p.nx)
		cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_NXE);
	cpu_write_cr0(cpu_read_cr0() | CR0_WP);
	cpu_write_cr3(cr3);
	return 0;
}

void arch_paging_arena_rest(uint64_t *base, uint64_t *npages)
{
	*base = arena_rest;
	*npages = arena_rest_pages;
}

bool arch_paging_mapped(uint64_t va, uint64_t len)
{
	if (!cr3)
		return va >= 4096 && len < 4096;
	for (uint64_t a = va & ~4095ull; a < va + len; a += 4096)
		if (!pt_lookup(cr3, a, NULL))
			return false;
	return true;
}

uint64_t arch_paging_pages_needed(const void *mmap, uint64_t size, uint64_t desc_size,
				  uint64_t image_size)
{
	return pt_pages_needed(mmap, size, desc_size, image_size);
}

int arch_paging_set_exec(uint64_t va, bool exec)
{
	if (!cr3 || (va & 4095))
		return UMBRA_EINVAL;
	int rc = exec ? pt_protect(cr3, &split_next, split_end, va, 4096, 0, PT_RW | PT_NX)
		      : pt_protect(cr3, &split_next, split_end, va, 4096, PT_RW | nx_bit, 0);
	cpu_invlpg(va);
	return rc;
}
