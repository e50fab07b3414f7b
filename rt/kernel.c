/*
 * Kernel entry after ExitBootServices: own GDT/TSS/IDT, own page tables, the page
 * allocator fed from the memory map, the LAPIC timer, the boot log, then app_main.
 * Boot log lines (COM1) are documented in docs/boot.md; tools parse them.
 */
#include <umbra/umbra.h>

#include "arch/x86_64/alias.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "boot/boot_info.h"
#include "boot/memmap.h"
#include "boot/runtime.h"
#include "lib/string.h"
#include "mem/mem.h"
#if UMBRA_SIM
#include "tests/sim/sim_image.h"
#endif

#define TIMER_HZ 1000

static struct boot_memmap_result memres;
static const struct boot_info *boot_info_ptr;

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
static void cpuid_str(uint32_t leaf, char out[13], bool vendor_order)
{
	uint32_t r[4];

	cpu_cpuid(leaf, 0, r);
	memcpy(out, &r[1], 4);
	memcpy(out + 4, vendor_order ? &r[3] : &r[2], 4);
	memcpy(out + 8, vendor_order ? &r[2] : &r[3], 4);
	out[12] = 0;
	for (int i = 0; i < 12; i++)
		if (out[i] && (out[i] < 0x21 || out[i] > 0x7e))
			out[i] = '_';
}

/* SIM images: free RAM goes to the simulated machine, and mem/ manages only the
 * simulator's RAM (tests/sim/sim_image.h). */
static int add_free(uint64_t base, uint64_t npages)
{
#if UMBRA_SIM
	return sim_image_offer_ram(base, npages);
#else
	return mem_page_add_range(base, npages);
#endif
}

_Noreturn void boot_kernel_main(struct boot_info *bi)
{
	char vendor[13], hv[13] = "none";
	uint32_t r[4];

	boot_info_ptr = bi;
	arch_serial_init();
	arch_tsc_init(bi->tsc_hz, bi->tsc_entry);
	arch_crash_set_exit(boot_poweroff);
	arch_gdt_init(bi);
	arch_idt_init();

	cpuid_str(0, vendor, true);
	cpu_cpuid(1, 0, r);
	bool hv_present = r[2] & (1u << 31);
	if (hv_present)
		cpuid_str(0x40000000, hv, false);
	if (!hv[0])
		memcpy(hv, "none", 5);
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
	boot_runtime_set_memmap(&memres);
#if UMBRA_SIM
	rc = sim_image_start(bi->argc, bi->argv);
	if (rc) {
		boot_printf("umbra: FATAL simulator: %s\n", umbra_strerror(rc));
		boot_poweroff(BOOT_STATUS_CRASH);
	}
#endif
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
	boot_printf("umbra: debug_exit=%s argc=%d\n", qemu ? "on" : "off", bi->argc);

	uint64_t t_app = us_since_entry(bi, cpu_rdtsc());
	boot_printf("umbra: phase app t_us=%llu\n", (unsigned long long)t_app);
	boot_printf("umbra: boot_us=%llu\n", (unsigned long long)t_app);
	int status = app_main(bi->argc, bi->argv);
	boot_run_exit_hook();
#if UMBRA_SIM
	status = sim_image_finish(status);
#endif
	boot_poweroff(status);
}
