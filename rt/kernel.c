/*
 * Kernel entry after ExitBootServices (boot/efi_main.c jumps here): own GDT/TSS/IDT, own
 * page tables, the page allocator fed from the memory map, the LAPIC timer, the boot log,
 * the registrations the lower layers need, then app_main. Boot log lines (COM1) are
 * documented in docs/boot.md; tools parse them.
 */
#include <umbra/umbra.h>

#include "arch/x86_64/alias.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/image_id.h"
#include "boot/boot_info.h"
#include "boot/memmap.h"
#include "boot/runtime.h"
#include "lib/string.h"
#include "mem/mem.h"
#include "rt/runtime.h"
#include "rt/vmbus_up.h"
#include "hv/ident.h"
#include "vmbus/vmbus_api.h"

#define TIMER_HZ 1000

static struct boot_memmap_result memres;
static const struct boot_info *boot_info_ptr;
static char *app_argv[BOOT_MAX_ARGS + 1];       /* bi->argv without the umbra.* words */

const struct boot_info *boot_info_get(void)
{
	return boot_info_ptr;
}

static const char *const tsc_src[] = {
	[BOOT_TSC_CPUID15] = "cpuid15", [BOOT_TSC_CPUID16] = "cpuid16",
	[BOOT_TSC_HV_MSR] = "hv_msr", [BOOT_TSC_STALL] = "stall",
};

static uint64_t us_since_entry(const struct boot_info *bi, uint64_t tsc)
{
	return tsc > bi->tsc_entry ? arch_tsc_to_ns(tsc - bi->tsc_entry) / 1000 : 0;
}

static void phase(const struct boot_info *bi, const char *name)
{
	boot_printf("umbra: phase %s t_us=%llu\n", name,
		    (unsigned long long)us_since_entry(bi, cpu_rdtsc()));
}

/* CPUID string leaves, printable characters only. */
/* The CPU vendor string of CPUID leaf 0 (EBX, EDX, ECX). */
static void cpuid_str(uint32_t leaf, char out[13])
{
	uint32_t r[4];

	cpu_cpuid(leaf, 0, r);
	memcpy(out, &r[1], 4);
	memcpy(out + 4, &r[3], 4);
	memcpy(out + 8, &r[2], 4);
	out[12] = 0;
	for (int i = 0; i < 12; i++)
		if (out[i] && (out[i] < 0x21 || out[i] > 0x7e))
			out[i] = '_';
}

/* Free RAM goes to mem/, unless the platform hooks take it (SIM images: the simulated
 * machine's RAM comes from it, and mem/ manages only that; sim/sim_image.h). */
static int add_free(uint64_t base, uint64_t npages)
{
	if (rt_platform_hooks.offer_ram)
		return rt_platform_hooks.offer_ram(base, npages);
	return mem_page_add_range(base, npages);
}

/* What VMBus gets from the runtime (vmbus/vmbus_api.h): its log lines in the boot log,
 * its trace lines verbatim, and the bring-up on the first API call; once up, a clean
 * exit unloads it. Only the VMBus API references vmbus_platform_ops, so an app that
 * never calls it links none of this (--gc-sections). */
static void vmbus_log_line(const char *line)
{
	umbra_log("%s\n", line);
}

static void vmbus_console_line(const char *line)
{
	umbra_printf("%s\n", line);
}

/* The machine VMBus runs on: the boot identification, or the platform's own (SIM
 * images: the simulated machine). */
static int vmbus_up(void)
{
	const struct hv_ident *id = rt_platform_hooks.hv_ident ? rt_platform_hooks.hv_ident() : hv_ident();
	int rc = rt_vmbus_start(id);
	if (!rc)
		rt_set_exit_hook(rt_vmbus_exit);
	return rc;
}

const struct vmbus_platform_ops vmbus_platform_ops = {
	.start = vmbus_up, .log = vmbus_log_line, .trace = vmbus_console_line,
	.policy = rt_vmbus_policy_option,
};

_Noreturn void boot_kernel_main(struct boot_info *bi)
{
	char vendor[13], hv[13];

	boot_info_ptr = bi;
	arch_serial_init();
	arch_tsc_init(bi->tsc_hz, bi->tsc_entry);
	arch_crash_set_exit(boot_poweroff);
	arch_gdt_init(bi);
	arch_idt_init();

	cpuid_str(0, vendor);
	hv_ident_name(hv_ident(), hv);    /* the boot identification (efi_main made it) */
	bool qemu = boot_debug_exit_wanted(bi);
	boot_poweroff_setup(bi, qemu);

	boot_printf("umbra: Umbra runtime, x86_64 UEFI\n");
	boot_printf("umbra: phase efi_entry t_us=0\n");
	/* TSC value at efi_main in us: time since CPU reset where the TSC starts at 0 then
	 * (QEMU does), i.e. how long the firmware took. Informative only. */
	boot_printf("umbra: tsc_at_entry_us=%llu\n",
		    (unsigned long long)(arch_tsc_to_ns(bi->tsc_entry) / 1000));
	boot_printf("umbra: phase ebs t_us=%llu attempts=%u\n",
		    (unsigned long long)us_since_entry(bi, bi->tsc_ebs), bi->ebs_attempts);
	/* Which image this is, for gdb and addr2line (docs/boot.md "Debugging"); with the
	 * flag umbra.gdb (read early, like rt/options.h's early readers) the boot waits
	 * here for tools/debug.sh, at most 10 minutes. */
	static char bid[2 * ARCH_BUILD_ID_MAX + 1];
	boot_printf("umbra: image base=0x%llx size=%llu build_id=%s\n",
		    (unsigned long long)(uintptr_t)ImageBase, (unsigned long long)bi->image_size,
		    arch_build_id_hex(bid, sizeof bid));
	for (int i = 1; i < bi->argc; i++) {
		if (strcmp(bi->argv[i], "umbra.gdb"))
			continue;
		boot_printf("umbra: gdb: waiting for the debugger (tools/debug.sh)\n");
		if (!arch_debug_wait(600000000000ull))
			boot_printf("umbra: WARN gdb: no debugger after 600 s, booting on\n");
		break;
	}
	/* Before anything reads them through rt_option (the platform's start does). */
	rt_options_boot(bi);

	int rc = arch_paging_init(bi);
	if (rc) {
		boot_printf("umbra: FATAL page tables: %s\n", umbra_strerror(rc));
		boot_poweroff(BOOT_STATUS_CRASH);
	}
	phase(bi, "paging");

	/* Everything the runtime still uses is EfiLoaderData; page 0 stays unmapped. */
	rc = boot_memmap_process(bi->mmap, bi->mmap_size, bi->mmap_desc_size, NULL, 0,
				 add_free, &memres);
	if (rc) {
		boot_printf("umbra: FATAL memory map: %s\n", umbra_strerror(rc));
		boot_poweroff(BOOT_STATUS_CRASH);
	}
	uint64_t rest, nrest;
	arch_paging_arena_rest(&rest, &nrest);
	if (nrest && add_free(rest, nrest) == 0)
		memres.free_pages += nrest;
	for (unsigned i = 0; i < memres.unaccepted_count && i < BOOT_MAX_UNACCEPTED; i++)
		bi->unaccepted[i] = memres.unaccepted[i];
	bi->unaccepted_count = memres.unaccepted_count;
	bi->unaccepted_overflow = memres.unaccepted_overflow;
	rt_set_memmap(&memres);
	if (rt_platform_hooks.start) {
		rc = rt_platform_hooks.start(bi->argc, bi->argv);
		if (rc) {
			boot_printf("umbra: FATAL %s: %s\n", rt_platform_hooks.name,
				    umbra_strerror(rc));
			boot_poweroff(BOOT_STATUS_CRASH);
		}
	}
	phase(bi, "mem");

	rc = arch_timer_init(TIMER_HZ);
	if (rc)
		boot_printf("umbra: WARN timer: %s (sleeps poll)\n", umbra_strerror(rc));
	phase(bi, "timer");

	uint64_t unacc = 0;
	for (unsigned i = 0; i < memres.unaccepted_count; i++)
		unacc += memres.unaccepted[i].npages;
	boot_printf("umbra: cpu vendor=%s hypervisor=%s tsc_hz=%llu tsc_source=%s apic=%s timer_hz=%u\n",
		    vendor, hv, (unsigned long long)arch_tsc_hz(),
		    bi->tsc_source ? tsc_src[bi->tsc_source] : "none",
		    arch_x2apic() ? "x2apic" : "xapic", rc ? 0 : TIMER_HZ);
	if (arch_shared_boundary())
		boot_printf("umbra: shared_gpa boundary=0x%llx alias_va=0x%llx alias_page=%s\n",
			    (unsigned long long)arch_shared_boundary(), ALIAS_VA,
			    arch_shared_alias_1g() ? "1g" : "2m");
	boot_printf("umbra: mem total_kib=%llu free_kib=%llu reserved_regions=%u unaccepted_kib=%llu add_errors=%llu\n",
		    (unsigned long long)mem_page_total_count() * 4,
		    (unsigned long long)mem_page_free_count() * 4, memres.reserved_count,
		    (unsigned long long)unacc * 4, (unsigned long long)memres.add_errors);
	rt_wall_clock_boot(bi);
	int argc = rt_options_app_argv(bi, app_argv);
	boot_printf("umbra: debug_exit=%s argc=%d\n", qemu ? "on" : "off", argc);

	uint64_t t_app = us_since_entry(bi, cpu_rdtsc());
	boot_printf("umbra: phase app t_us=%llu\n", (unsigned long long)t_app);
	boot_printf("umbra: boot_us=%llu\n", (unsigned long long)t_app);
	int status = app_main(argc, app_argv);
	rt_run_exit_hook();
	if (rt_platform_hooks.finish)
		status = rt_platform_hooks.finish(status);
	boot_poweroff(status);
}
