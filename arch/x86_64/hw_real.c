/*
 * hw.h on the real machine. Production images link this file; simulator images
 * (SIM=1, umbra.mk RT_SRCS_SIM) link sim/ instead. Instruction encodings that older
 * assemblers lack are spelled as bytes.
 */
#include "arch/x86_64/alias.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hw.h"
#include "hv/tlfs.h"

void hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	cpu_cpuid(leaf, subleaf, out);
}

uint64_t hw_rdmsr(uint32_t msr)
{
	return cpu_rdmsr(msr);
}

static uint64_t hypercall_page;         /* GPA of the enabled hypercall page, 0 if none */

/*
 * The Hyper-V hypercall page is guest RAM that the hypervisor overlays with code, but the
 * runtime maps all RAM RW+NX. Enabling it through HV_X64_MSR_HYPERCALL therefore maps
 * that page read+execute (W^X holds), and disabling it maps the page RW+NX again before
 * its owner frees it.
 */
void hw_wrmsr(uint32_t msr, uint64_t value)
{
	cpu_wrmsr(msr, value);
	if (msr != HV_MSR_HYPERCALL)
		return;
	uint64_t gpa = (value & HV_PAGE_ENABLE) ? value & HV_PAGE_ADDR_MASK : 0;
	if (hypercall_page && hypercall_page != gpa)
		arch_paging_set_exec(hypercall_page, false);
	if (gpa && gpa != hypercall_page)
		arch_paging_set_exec(gpa, true);
	hypercall_page = gpa;
}

uint64_t hw_hypercall(const void *page, uint64_t control, uint64_t input, uint64_t output)
{
	uint64_t status;
	register uint64_t r8 __asm__("r8") = output;

	/* The hypercall page follows the Hyper-V calling convention: RCX control, RDX
	 * input, R8 output, result in RAX; it may clobber the other volatile registers. */
	__asm__ volatile("call *%[page]"
			 : "=a"(status), "+c"(control), "+d"(input), "+r"(r8)
			 : [page] "r"(page)
			 : "r9", "r10", "r11", "memory", "cc");
	return status;
}

void hw_vmgexit(void)
{
	__asm__ volatile(".byte 0xf3, 0x0f, 0x01, 0xd9" : : : "memory");   /* rep vmmcall */
}

uint32_t hw_pvalidate(uint64_t va, bool huge, bool validate, bool *unchanged)
{
	uint64_t rax = va;
	uint8_t cf;

	/* PVALIDATE: RAX = va, RCX = page size (0 4K, 1 2M), RDX = validate. */
	__asm__ volatile(".byte 0xf2, 0x0f, 0x01, 0xff\n\tsetc %1"
			 : "+a"(rax), "=qm"(cf)
			 : "c"((uint64_t)huge), "d"((uint64_t)validate)
			 : "memory", "cc");
	if (unchanged)
		*unchanged = cf;
	return (uint32_t)rax;
}

uint8_t hw_inb(uint16_t port) { return cpu_inb(port); }
void hw_outb(uint16_t port, uint8_t value) { cpu_outb(port, value); }
uint32_t hw_inl(uint16_t port) { return cpu_inl(port); }
void hw_outl(uint16_t port, uint32_t value) { cpu_outl(port, value); }

int hw_irq_set_handler(uint8_t vector, hw_irq_fn fn, void *ctx)
{
	return arch_irq_set_handler(vector, fn, ctx);
}

void hw_irq_eoi(void)
{
	arch_irq_eoi();
}

bool hw_irq_save_disable(void)
{
	bool en = cpu_irq_enabled();

	cpu_cli();
	return en;
}

void hw_irq_restore(bool enabled)
{
	if (enabled)
		cpu_sti();
	else
		cpu_cli();
}

void hw_wait_for_interrupt(uint64_t max_ns)
{
	arch_wait_for_interrupt(max_ns);
}

/* RAM is identity-mapped; gpa | boundary goes through the alias window (alias.h) once
 * arch_paging_init has mapped it (boundary 0 before that and without isolation), mapped
 * on demand above the memory map's top (arch_shared_to_virt). */
void *hw_phys_to_virt(uint64_t gpa)
{
	uint64_t b = arch_shared_boundary();

	if (b && (gpa & b))
		return arch_shared_to_virt(gpa);
	return (void *)(uintptr_t)gpa;
}

uint64_t hw_virt_to_phys(const void *va)
{
	return alias_virt_to_phys(arch_shared_boundary(), (uint64_t)(uintptr_t)va);
}

uint64_t hw_now_ns(void)
{
	return arch_now_ns();
}
