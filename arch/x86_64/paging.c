/*
 * Loads the runtime's page tables (policy in paging_build.c) after ExitBootServices:
 * tables come from the boot arena of EfiLoaderData pages; EFER.NXE (when CPUID offers
 * NX) and CR0.WP are set, then CR3 is switched. A shared-GPA boundary in the Hyper-V
 * identification (hv/ident.h, alias.h) adds the alias window; arch_shared_boundary()
 * reports it once it is mapped.
 * arch_shared_to_virt maps its part above the memory map's top on demand.
 */
#include "arch/x86_64/alias.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging_build.h"
#include "hv/ident.h"
#include "hv/tlfs.h"
#include "lib/string.h"
#include <umbra/errno.h>

/* Arena pages kept back for splitting 2 MiB pages after boot (arch_paging_protect). */
#define SPLIT_RESERVE 16
/* Arena pages kept back, with a window, for its on-demand part above top
 * (arch_shared_to_virt): one PD per GiB touched, plus a PDPT per 512 GiB. */
#define ALIAS_RESERVE 8

static uint64_t cr3, arena_rest, arena_rest_pages, split_next, split_end, nx_bit;
static uint64_t shared_boundary;        /* mapped boundary, 0 if none */
static bool shared_1g;
static struct pt_alias alias;           /* the window's on-demand part (paging_build.h) */

/* The real CPU, also in SIM images: the tables are the machine's, not the simulator's. */
static void real_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	cpu_cpuid(leaf, sub, out);
}

const struct hv_ident *arch_hv_ident(void)
{
	return hv_ident_init(real_cpuid);
}

/*
 * Test hook, QEMU only (CPUID signature TCG or KVM, as for isa-debug-exit): the load
 * option umbra.test_alias_bits=N makes the window see an isolated Hyper-V with boundary
 * bit N, identified by hv_ident_detect like a real one (the same rule: N = 47 under TCG's
 * 40 address bits is refused), so that the window is built, checked and reported. Only
 * paging sees it: the published identification (hv_ident()) stays the real one. The
 * Hyper-V leaves are answered here; the others (1, 0x8000000x) come from the CPU.
 */
static unsigned fake_bits;

static void fake_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	switch (leaf) {
	case HV_CPUID_VENDOR:
		out[0] = HV_CPUID_ISOLATION;
		out[1] = HV_SIG_EBX;
		out[2] = HV_SIG_ECX;
		out[3] = HV_SIG_EDX;
		return;
	case HV_CPUID_FEATURES:
	case HV_CPUID_ISOLATION:
	case HV_CPUID_VS_PROPERTIES:
		out[0] = leaf == HV_CPUID_ISOLATION ? HV_ISO_EAX_PARAVISOR : 0;
		out[1] = leaf == HV_CPUID_FEATURES ? HV_EBX_ISOLATION
		       : leaf == HV_CPUID_ISOLATION ? (fake_bits << HV_ISO_EBX_BOUNDARY_SHIFT) |
						      HV_ISO_EBX_BOUNDARY_ON : 0;
		out[2] = out[3] = 0;
		return;
	}
	cpu_cpuid(leaf, sub, out);
}

/* The last valid occurrence (0..63) wins; a bad value is ignored, as rt/options.c does. */
static unsigned test_alias_bits(const struct boot_info *bi, const struct hv_ident *id)
{
	static const char opt[] = "umbra.test_alias_bits=";
	unsigned bits = 0;

	if (!hv_ident_is_qemu(id))
		return 0;
	for (int i = 1; i < bi->argc; i++) {
		const char *a = bi->argv[i];
		if (strncmp(a, opt, sizeof opt - 1))
			continue;
		unsigned n = 0;
		a += sizeof opt - 1;
		const char *digits = a;
		for (; *a >= '0' && *a <= '9' && n < 64; a++)
			n = n * 10 + (unsigned)(*a - '0');
		if (a != digits && !*a && n <= 63)
			bits = n;
	}
	return bits;
}

/* A few lookups through the new tables: the window maps g | b to the alias, RW (+NX). */
static int check_window(uint64_t b, uint64_t image_base, uint64_t nx)
{
	const uint64_t gpas[] = { 0, image_base & ~4095ull, (4ull << 30) - 4096 };

	for (unsigned i = 0; i < sizeof gpas / sizeof gpas[0]; i++) {
		uint64_t va = alias_phys_to_virt(b, gpas[i] | b), pa = 0;
		uint64_t f = pt_lookup(cr3, va, &pa);
		if (pa != (gpas[i] | b) || !(f & PT_RW) || (f & PT_NX) != nx ||
		    alias_virt_to_phys(b, va) != (gpas[i] | b))
			return UMBRA_EIO;
	}
	return 0;
}

/*
 * Under the test hook only (it takes a reserve page): the on-demand part of the window,
 * through arch_shared_to_virt on the live tables. A page 1 GiB + 0x123000 above top
 * translates to ALIAS_VA + g, mapped RW + NX to g | b, hw_virt_to_phys's inverse holds,
 * its private form stays unmapped, a second call changes nothing, and g at the limit is
 * refused. Nothing is accessed through the window.
 */
static int check_on_demand(void)
{
	uint64_t b = shared_boundary, g = alias.top + (1ull << 30) + 0x123000, pa = 0;

	if (g >= alias_limit(b))
		return 0;
	uint64_t over = alias_limit(b) == b ? b << 1 : alias_limit(b);
	uint64_t before = alias.next;
	void *va = arch_shared_to_virt(g | b);
	uint64_t after = alias.next;
	uint64_t f = pt_lookup(cr3, (uint64_t)(uintptr_t)va, &pa);
	if ((uint64_t)(uintptr_t)va != ALIAS_VA + g || pa != (g | b) || !(f & PT_RW) ||
	    (f & PT_NX) != nx_bit || alias_virt_to_phys(b, ALIAS_VA + g) != (g | b) ||
	    pt_lookup(cr3, g, NULL) || after <= before ||
	    arch_shared_to_virt(g | b) != va || alias.next != after ||
	    arch_shared_to_virt(over | b) || arch_shared_to_virt(g))
		return UMBRA_EIO;
	return 0;
}

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
		p.alias_1g = r[3] & (1u << 26);
	}
	const struct hv_ident *id = arch_hv_ident();
	int rc = alias_boundary(id, &p.alias);
	if (!rc && !p.alias && (fake_bits = test_alias_bits(bi, id)) != 0) {
		struct hv_ident fake;
		hv_ident_detect(fake_cpuid, &fake);
		rc = alias_boundary(&fake, &p.alias);
	}
	if (rc)
		return rc;
	p.guards[p.nguards++] = bi->kstack.guard;
	for (int i = 0; i < 3; i++)
		p.guards[p.nguards++] = bi->ist[i].guard;
	p.uc_page = cpu_rdmsr(MSR_APIC_BASE) & PT_ADDR;

	rc = pt_build(&p, &cr3, &used);
	if (!rc && p.alias)
		rc = check_window(p.alias, p.image_base, p.nx);
	if (rc)
		return rc;
	uint64_t left = bi->pt_arena_pages - used;
	uint64_t keep = left < SPLIT_RESERVE ? left : SPLIT_RESERVE;
	split_next = bi->pt_arena + used * 4096;
	split_end = split_next + keep * 4096;
	left -= keep;
	keep = !p.alias ? 0 : left < ALIAS_RESERVE ? left : ALIAS_RESERVE;
	alias = (struct pt_alias){ .pml4 = cr3, .b = p.alias, .nx = p.nx,
				   .top = pt_map_top(p.mmap, p.mmap_size, p.desc_size),
				   .next = split_end, .end = split_end + keep * 4096 };
	arena_rest = alias.end;
	arena_rest_pages = left - keep;
	nx_bit = p.nx;
	if (p.nx)
		cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_NXE);
	cpu_write_cr0(cpu_read_cr0() | CR0_WP);
	cpu_write_cr3(cr3);
	shared_boundary = p.alias;
	shared_1g = p.alias_1g;
	return fake_bits ? check_on_demand() : 0;
}

void *arch_shared_to_virt(uint64_t gpa)
{
	uint64_t b = shared_boundary, g = gpa & ~b, va = 0;

	if (!b || !(gpa & b))
		return NULL;
	if (g < alias.top)                      /* the window proper: arithmetic only */
		return (void *)(uintptr_t)(ALIAS_VA + g);
	/* Above top: the tables may change. Interrupts off, so that a handler translating
	 * on this CPU sees the tables before or after, never half-way. */
	bool en = cpu_irq_enabled();
	cpu_cli();
	int rc = pt_alias_map(&alias, gpa, &va);
	if (rc > 0)
		cpu_invlpg(va);
	if (en)
		cpu_sti();
	return rc < 0 ? NULL : (void *)(uintptr_t)va;
}

uint64_t arch_shared_boundary(void)
{
	return shared_boundary;
}

bool arch_shared_alias_1g(void)
{
	return shared_1g;
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
	/* Room for an alias window whether or not one is built (the test hook decides only
	 * after EBS); arena pages left unused go to the page allocator. */
	return pt_pages_needed(mmap, size, desc_size, image_size, true) + ALIAS_RESERVE;
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
