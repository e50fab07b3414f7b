/*
 * The simulator inside a test EFI image (contract in sim_image.h). The simulated machine's
 * RAM is a block of real, identity-mapped RAM, so hw_phys_to_virt() (the simulator's)
 * returns ordinary pointers the runtime can use; mem/ manages only that block. The
 * simulator's interrupts are raised with a software INT to the vector the runtime
 * installed, so the CPU's IDT, the runtime's entry stub and arch_trap's dispatch table
 * run; the handler the runtime gave hw_irq_set_handler() is called from there.
 */
#include <umbra/umbra.h>
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "mem/mem.h"
#include "rt/runtime.h"
#include "hv/ident.h"
#include "rt/options.h"
#include "sim/sim_image.h"
#include "sim/sim_int.h"
#include "sim/sim_opts.h"

/* sim_image_int.asm: executes INT vector. */
void sim_image_int(uint8_t vector);

static uint64_t ram_base, ram_pages;   /* largest free range offered by the memory map */
static uint64_t idt_irqs;              /* handler runs reached through the IDT dispatch */
static uint64_t idt_missed;            /* raises that did not reach arch_trap */

int sim_image_offer_ram(uint64_t base, uint64_t npages)
{
	if (npages > ram_pages) {
		ram_base = base;
		ram_pages = npages;
	}
	return 0;
}

/* Installed in the runtime's dispatch table (arch_irq_set_handler) for every vector the
 * simulator serves: runs only when the CPU delivered the vector through the IDT. */
static void image_isr(void *ctx)
{
	uint8_t v = (uint8_t)(uintptr_t)ctx;

	idt_irqs++;
	if (S->irq[v].fn)
		S->irq[v].fn(S->irq[v].ctx);
}

int sim_image_irq_set(uint8_t vector, hw_irq_fn fn, void *ctx)
{
	(void)ctx;
	if (fn && S->irq[vector].fn && S->irq[vector].fn != fn)
		return UMBRA_EBUSY;
	return arch_irq_set_handler(vector, fn ? image_isr : NULL, (void *)(uintptr_t)vector);
}

/* Real interrupts stay off around the INT so that arch_irq_count moves only for it. */
void sim_image_irq_raise(uint8_t vector)
{
	bool en = cpu_irq_enabled();

	cpu_cli();
	uint64_t before = arch_irq_count;
	sim_image_int(vector);
	if (arch_irq_count != before + 1)
		idt_missed++;
	if (en)
		cpu_sti();
}

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	umbra_printf("%s\n", line);
}

/* The simulated time follows the TSC (umbra.sim.clock=real, the default), and waits for
 * it halt or spin in arch_wait_for_interrupt (the LAPIC timer ends a halt within 1 ms). */
static uint64_t tsc_clock(void *ctx)
{
	(void)ctx;
	return arch_now_ns();
}

static void tsc_idle(void *ctx, uint64_t max_ns)
{
	(void)ctx;
	arch_wait_for_interrupt(max_ns);
}

static void print_devices(unsigned n)
{
	for (uint32_t relid = 1; relid <= n; relid++) {
		struct sim_channel_info ci;
		if (sim_channel_info(relid, &ci))
			continue;
		bool gpa = ci.kind == SIM_DEV_GPA_DIRECT;
		umbra_printf("sim: device relid=%u %s class=umbra-sim-dev-0%u %s%s\n", relid,
			     gpa ? "gpa-direct" : "echo", (unsigned)ci.kind,
			     ci.relayed ? "relayed" : "paravisor",
			     S->chan[relid - 1].desc.confidential_external_memory ? " ext" : "");
	}
}

int sim_image_start(int argc, char **argv)
{
	static struct sim_opts_setup o;    /* static: struct sim_config and 30 devices */
	char words[400];
	int rc;

	(void)argc;
	(void)argv;
	sim_opts_parse(rt_option, &o);
	if (ram_pages < SIM_IMAGE_RAM_BYTES / MEM_PAGE_SIZE)
		return UMBRA_ENOMEM;
	struct sim_config *c = &o.cfg;
	c->ram = (void *)(uintptr_t)ram_base;
	c->ram_bytes = SIM_IMAGE_RAM_BYTES;
	c->log = log_line;
	if (o.real_clock) {
		c->clock = tsc_clock;
		c->idle = tsc_idle;
	}
	if ((rc = sim_init(c)))
		return rc;
	for (unsigned i = 0; i < o.ndev; i++)
		if ((rc = sim_add_device(&o.dev[i], NULL)))
			return rc;
	uint64_t gpa, n;
	if ((rc = sim_ram_free_range(&gpa, &n)) || (rc = mem_page_add_range(gpa, n)))
		return rc;
	umbra_printf("sim: machine config=%s seed=%llu ram_kib=%llu at 0x%llx clock=%s devices=%u\n",
		     sim_platform_name(c->platform), (unsigned long long)c->seed,
		     (unsigned long long)(sim_ram_pages() * 4), (unsigned long long)ram_base,
		     o.real_clock ? "real" : "virtual", o.ndev);
	print_devices(o.ndev);
	sim_opts_hostile_words(&c->hostile, words, sizeof words);
	if (words[0])
		umbra_printf("sim: hostile%s\n", words);
	if (o.rescind_relid) {
		rc = sim_rescind_after(o.rescind_relid, o.rescind_packets, o.rescind_ms * 1000000ull);
		if (rc)
			umbra_printf("umbra: WARN option umbra.sim.rescind=%s: no device has relid %u "
				     "(relids 1..%u); ignored\n", rt_option("umbra.sim.rescind"),
				     o.rescind_relid, o.ndev);
		else if (o.rescind_packets)
			umbra_printf("sim: rescind relid=%u after %llu packets\n", o.rescind_relid,
				     (unsigned long long)o.rescind_packets);
		else
			umbra_printf("sim: rescind relid=%u at %llu ms\n", o.rescind_relid,
				     (unsigned long long)o.rescind_ms);
	}
	return 0;
}

int sim_image_finish(int status)
{
	struct sim_stats st;
	struct sim_leak_report lk;

	sim_get_stats(&st);
	sim_leak_report(&lk);
	umbra_printf("sim: irqs delivered=%llu idt=%llu not_through_idt=%llu filtered=%llu\n",
		     (unsigned long long)st.irqs_delivered, (unsigned long long)idt_irqs,
		     (unsigned long long)idt_missed, (unsigned long long)st.irqs_filtered);
	umbra_printf("sim: exits hypercalls=%llu ghcb=%llu tdcalls=%llu posts=%llu signals=%llu "
		     "eoms=%llu msgs=%llu events=%llu\n",
		     (unsigned long long)st.direct_hypercalls, (unsigned long long)st.ghcb_exits,
		     (unsigned long long)st.tdcalls, (unsigned long long)st.posts,
		     (unsigned long long)st.signals, (unsigned long long)st.eoms,
		     (unsigned long long)st.msgs_delivered, (unsigned long long)st.events_set);
	umbra_printf("sim: health faults=%llu guest_errors=%llu leaks=%u\n",
		     (unsigned long long)st.faults, (unsigned long long)st.guest_errors, lk.count);
	const char *why = NULL;
	if (!sim_ok())
		why = sim_last_problem()[0] ? sim_last_problem() : "simulator check failed";
	else if (idt_missed || idt_irqs != st.irqs_delivered)
		why = "interrupts delivered without the IDT";
	if (!why) {
		umbra_printf("sim: PASS\n");
		return status;
	}
	umbra_printf("sim: FAIL %s\n", why);
	return status ? status : SIM_IMAGE_FAIL_STATUS;
}

/* The SIM image's platform hooks (rt/runtime.h); production images link rt/hooks_none.c. */
/* The simulated machine behind hw_cpuid, not the CPU QEMU gives the image. */
static struct hv_ident sim_image_ident;
static const struct hv_ident *sim_image_hv_ident(void)
{
	hv_ident_detect(hw_cpuid, &sim_image_ident);
	return &sim_image_ident;
}

const struct rt_platform_hooks rt_platform_hooks = {
	.name = "simulator",
	.hv_ident = sim_image_hv_ident,
	.offer_ram = sim_image_offer_ram,
	.start = sim_image_start,
	.finish = sim_image_finish,
	.options = sim_opts_table,
	.noptions = SIM_OPTS_COUNT,
};
