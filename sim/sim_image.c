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
#include "sim/sim_image.h"
#include "sim/sim_int.h"

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

static const char *opt(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);
	const char *v = NULL;
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			v = argv[i] + n + 1;
	return v;
}

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return UMBRA_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (~0ull - 9) / 10)
			return UMBRA_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int sim_image_start(int argc, char **argv)
{
	const char *name = opt(argc, argv, "umbra.sim");
	const char *seed = opt(argc, argv, "umbra.sim.seed");
	int p = sim_platform_parse(name ? name : "snp-paravisor");
	struct sim_config c;

	if (p < 0)
		return UMBRA_EINVAL;
	sim_config_default(&c, (enum sim_platform)p);
	if (seed && parse_u64(seed, &c.seed))
		return UMBRA_EINVAL;
	const char *refuse = opt(argc, argv, "umbra.sim.refuse_direct_post");
	if (refuse && strcmp(refuse, "1") && strcmp(refuse, "0"))
		return UMBRA_EINVAL;
	c.hostile.refuse_direct_post = refuse && !strcmp(refuse, "1");
	if (ram_pages < SIM_IMAGE_RAM_BYTES / MEM_PAGE_SIZE)
		return UMBRA_ENOMEM;
	c.ram = (void *)(uintptr_t)ram_base;
	c.ram_bytes = SIM_IMAGE_RAM_BYTES;
	c.log = log_line;
	int rc = sim_init(&c);
	if (rc)
		return rc;
	struct sim_device_desc conf = { .kind = SIM_DEV_ECHO };
	struct sim_device_desc relayed = { .kind = SIM_DEV_ECHO, .relayed = true };
	uint32_t r1, r2;
	uint64_t gpa, n;
	if ((rc = sim_add_device(&conf, &r1)) || (rc = sim_add_device(&relayed, &r2)) ||
	    (rc = sim_ram_free_range(&gpa, &n)) || (rc = mem_page_add_range(gpa, n)))
		return rc;
	umbra_printf("sim: machine config=%s seed=%llu ram_kib=%llu at 0x%llx echo relid=%u "
		     "relayed-echo relid=%u%s\n", sim_platform_name(c.platform),
		     (unsigned long long)c.seed, (unsigned long long)(sim_ram_pages() * 4),
		     (unsigned long long)ram_base, r1, r2,
		     c.hostile.refuse_direct_post ? " refuse_direct_post" : "");
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
};
