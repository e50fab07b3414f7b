/*
 * IDT: vectors 0..31 are exceptions and end in a crash report (crash.c); 32..255 are
 * dispatched to handlers installed with arch_irq_set_handler. #DF, NMI and #MC run on
 * their own IST stacks. Handlers run with interrupts disabled; the entry stub saves
 * all GPRs and the FXSAVE area, so handlers are ordinary C.
 */
#include <stdint.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include <umbra/errno.h>

struct idt_entry {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t zero;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry layout");

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct irq_slot {
	hw_irq_fn fn;
	void *ctx;
};

static struct idt_entry idt[256] __attribute__((aligned(16)));
static struct irq_slot irq_table[256];
static volatile uint64_t irq_unhandled;
volatile uint64_t arch_irq_count;       /* external interrupts taken (any vector >= 32) */

void arch_idt_init(void)
{
	struct idt_ptr p;

	for (int v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(arch_isr_stubs + v * ARCH_ISR_STUB_SIZE);
		idt[v].off0 = a & 0xffff;
		idt[v].sel = 0x08;
		idt[v].ist = v == 8 ? 1 : v == 2 ? 2 : v == 18 ? 3 : 0;
		idt[v].type = 0x8e;             /* present, DPL0, 64-bit interrupt gate */
		idt[v].off1 = (a >> 16) & 0xffff;
		idt[v].off2 = a >> 32;
		idt[v].zero = 0;
	}
	p.limit = sizeof(idt) - 1;
	p.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

/* Called from entry.asm for every vector. */
void arch_trap(struct arch_frame *f);
void arch_trap(struct arch_frame *f)
{
	uint64_t v = f->vector;

	if (v < 32)
		arch_crash(f);
	arch_irq_count++;
	struct irq_slot s = irq_table[v];
	if (s.fn) {
		s.fn(s.ctx);
		return;
	}
	irq_unhandled++;
	/* An unexpected LAPIC interrupt still needs its EOI; the spurious vector and
	 * (masked) legacy PIC vectors must not get one. */
	if (v < ARCH_VEC_PIC_BASE)
		arch_irq_eoi();
}

int arch_irq_set_handler(uint8_t vector, hw_irq_fn fn, void *ctx)
{
	if (vector < 32)
		return UMBRA_EINVAL;
	bool en = cpu_irq_enabled();
	int rc = UMBRA_OK;

	cpu_cli();
	if (fn && irq_table[vector].fn && irq_table[vector].fn != fn) {
		rc = UMBRA_EBUSY;
	} else {
		irq_table[vector].fn = fn;
		irq_table[vector].ctx = fn ? ctx : NULL;
	}
	if (en)
		cpu_sti();
	return rc;
}
