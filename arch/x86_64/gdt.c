/*
 * The runtime's GDT (flat 64-bit code/data) and TSS. IST1 = #DF, IST2 = NMI, IST3 = #MC,
 * each on its own stack with an unmapped guard page below (boot/ allocates them), so a
 * kernel stack overflow ends in a #DF crash report instead of a triple fault.
 */
#include <stdint.h>

#include "arch/x86_64/arch.h"

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS  0x18

struct arch_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct arch_tss) == 104, "TSS layout");

struct arch_gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct arch_tss tss __attribute__((aligned(16)));
static uint64_t gdt[5] __attribute__((aligned(16)));

void arch_gdt_init(const struct boot_info *bi)
{
	uint64_t t = (uint64_t)(uintptr_t)&tss;
	uint64_t lim = sizeof(tss) - 1;
	struct arch_gdtr gdtr;

	for (int i = 0; i < 3; i++)
		tss.ist[i] = bi->ist[i].top;
	tss.rsp[0] = bi->kstack.top;
	tss.iomap_base = sizeof(tss);           /* no I/O bitmap */

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;         /* 64-bit code, DPL0 */
	gdt[2] = 0x00cf92000000ffffull;         /* data, DPL0 */
	/* 64-bit available TSS (type 9), present; 16-byte descriptor. */
	gdt[3] = (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89ull << 40) |
		 (((lim >> 16) & 0xf) << 48) | (((t >> 24) & 0xff) << 56);
	gdt[4] = t >> 32;

	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (uint64_t)(uintptr_t)gdt;
	arch_gdt_load(&gdtr, SEL_CODE, SEL_DATA, SEL_TSS);
}
