/*
 * Local APIC: x2APIC (MSRs) when CPUID.1:ECX[21] offers it, else xAPIC (MMIO at the
 * IA32_APIC_BASE address, mapped uncached by paging.c). Periodic timer on
 * ARCH_VEC_TIMER, its rate calibrated against the TSC. The legacy 8259 PICs are
 * remapped to ARCH_VEC_PIC_BASE and fully masked.
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include <umbra/errno.h>

#define APIC_ID      0x020
#define APIC_EOI     0x0b0
#define APIC_SVR     0x0f0
#define APIC_LVT_TMR 0x320
#define APIC_LVT0    0x350
#define APIC_LVT1    0x360
#define APIC_LVT_ERR 0x370
#define APIC_TMR_ICR 0x380
#define APIC_TMR_CCR 0x390
#define APIC_TMR_DCR 0x3e0
#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define APIC_BASE_EN   (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)

static bool x2apic;
static volatile uint32_t *xapic;
static volatile uint64_t ticks;
static bool running;
static uint64_t period_ns = UINT64_MAX;

static uint32_t apic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)cpu_rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return xapic[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		cpu_wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

void arch_irq_eoi(void)
{
	if (x2apic || xapic)
		apic_write(APIC_EOI, 0);
}

bool arch_x2apic(void)
{
	return x2apic;
}

static void pic_disable(void)
{
	/* ICW1..ICW4: remap both 8259s away from the exception vectors, then mask. */
	cpu_outb(0x20, 0x11);
	cpu_outb(0xa0, 0x11);
	cpu_outb(0x21, ARCH_VEC_PIC_BASE);
	cpu_outb(0xa1, ARCH_VEC_PIC_BASE + 8);
	cpu_outb(0x21, 0x04);
	cpu_outb(0xa1, 0x02);
	cpu_outb(0x21, 0x01);
	cpu_outb(0xa1, 0x01);
	cpu_outb(0x21, 0xff);
	cpu_outb(0xa1, 0xff);
}

static void timer_tick(void *ctx)
{
	(void)ctx;
	ticks++;
	arch_irq_eoi();
}

int arch_timer_init(unsigned hz)
{
	uint32_t r[4];

	if (!hz || hz > 10000)
		return UMBRA_EINVAL;
	cpu_cpuid(1, 0, r);
	if (!(r[3] & (1u << 9)))
		return UMBRA_ENODEV;                    /* no local APIC */
	pic_disable();

	uint64_t base = cpu_rdmsr(MSR_APIC_BASE);
	if (r[2] & (1u << 21)) {
		/* Disabled -> x2APIC directly is an invalid transition (#GP): enable first. */
		x2apic = true;
		if (!(base & APIC_BASE_EN))
			cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
		if (!(base & APIC_BASE_EXTD))
			cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else if (base & APIC_BASE_EXTD) {
		return UMBRA_ENODEV;    /* x2APIC on but not advertised: leave it alone */
	} else {
		cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
		xapic = (volatile uint32_t *)(uintptr_t)(base & 0x000ffffffffff000ull);
	}

	int rc = arch_irq_set_handler(ARCH_VEC_TIMER, timer_tick, NULL);
	if (rc)
		return rc;
	apic_write(APIC_SVR, 0x100 | ARCH_VEC_SPURIOUS);        /* software enable */
	apic_write(APIC_LVT0, LVT_MASKED);
	apic_write(APIC_LVT1, LVT_MASKED);
	apic_write(APIC_LVT_ERR, LVT_MASKED | ARCH_VEC_SPURIOUS);

	/* Calibrate: count down from ~0 for 2 ms of TSC time, divider 16. */
	apic_write(APIC_TMR_DCR, 0x3);
	apic_write(APIC_LVT_TMR, LVT_MASKED | ARCH_VEC_TIMER);
	uint64_t wait = arch_tsc_hz() / 500;
	apic_write(APIC_TMR_ICR, 0xffffffffu);
	uint64_t t0 = cpu_rdtsc();
	while (cpu_rdtsc() - t0 < wait)
		cpu_pause();
	uint32_t left = apic_read(APIC_TMR_CCR);
	uint64_t elapsed = cpu_rdtsc() - t0;
	apic_write(APIC_TMR_ICR, 0);
	uint64_t counted = 0xffffffffu - left;
	if (!counted || !elapsed)
		return UMBRA_ENODEV;
	uint64_t per_sec = counted * arch_tsc_hz() / elapsed;
	uint64_t initial = per_sec / hz;
	if (!initial || initial > 0xffffffffu)
		return UMBRA_ERANGE;

	apic_write(APIC_LVT_TMR, LVT_PERIODIC | ARCH_VEC_TIMER);
	apic_write(APIC_TMR_ICR, (uint32_t)initial);
	period_ns = 1000000000ull / hz;
	running = true;
	cpu_sti();
	return 0;
}

bool arch_timer_running(void)
{
	return running;
}

uint64_t arch_timer_ticks(void)
{
	return ticks;
}

/*
 * Waits for an interrupt, at most about max_ns. Waits of at least one timer period halt
 * (the periodic tick bounds the halt); shorter waits, and all waits without a running
 * timer, spin with interrupts enabled until an interrupt was taken or max_ns passed, so a
 * short bounded wait is not stretched to a whole tick.
 *
 * No lost wakeup (hw.h) for a caller with interrupts disabled: an interrupt pending since
 * its check is taken right after `sti` (after the one instruction of the STI shadow). The
 * halt path is the single asm block `sti; hlt`, so that instruction is the hlt, which the
 * interrupt then ends. The spin path reads arch_irq_count before its `sti` and runs at least
 * one `pause` before testing it, so the pending interrupt is taken and counted before the
 * test and ends the spin; and the final `cli` is never the shadowed instruction.
 */
void arch_wait_for_interrupt(uint64_t max_ns)
{
	bool en = cpu_irq_enabled();

	if (running && max_ns >= period_ns) {
		cpu_sti_hlt();
	} else {
		uint64_t seen = arch_irq_count;
		uint64_t end = arch_now_ns() + (max_ns < 1000000 ? max_ns : 1000000);
		cpu_sti();
		do
			cpu_pause();
		while (arch_irq_count == seen && arch_now_ns() < end);
	}
	if (!en)
		cpu_cli();
}
