/*
 * rt/: the composition root. rt/kernel.c is the kernel entry boot/ jumps to
 * (boot_kernel_main, declared in boot/boot_info.h): it brings the layers up, registers
 * what the lower layers need (VMBus bring-up and log), and calls app_main. rt/runtime.c
 * implements include/umbra/umbra.h. Nothing below rt/ includes this header.
 */
#ifndef UMBRA_RT_RUNTIME_H
#define UMBRA_RT_RUNTIME_H

#include <stdint.h>

#include "boot/memmap.h"

/* A clean exit (app_main returned or the app called umbra_exit) first runs the hook a
 * subsystem registered (VMBus: close what is open, unload, SynIC off), once. Crash paths
 * do not run it: the machine state is not trusted then. */
void rt_set_exit_hook(void (*fn)(void));
void rt_run_exit_hook(void);

/* The reserved list umbra_reserved_region() reports (set once at boot). */
void rt_set_memmap(const struct boot_memmap_result *res);

/*
 * Load options at boot (rt/options_boot.c, rt/options.h): rt_options_boot logs where
 * they came from and what was dropped, and validates them (WARN lines) against the
 * runtime's and the platform's tables; rt_options_app_argv fills argv (BOOT_MAX_ARGS + 1
 * slots) with the boot's argv minus every "umbra."-word and returns its argc.
 */
struct boot_info;
void rt_options_boot(const struct boot_info *bi);
int rt_options_app_argv(const struct boot_info *bi, char **argv);

/*
 * Wall clock (rt/walltime.c, umbra_time_wall_ns): unix_ns was the time at monotonic time
 * mono_ns (arch_now_ns); source names it in logs ("uefi", later "timesync"; a string
 * literal). Replaces the previous sample. Thread context only. rt_wall_clock_boot sets
 * it from the boot's UEFI GetTime and logs "umbra: wall_clock ..." (docs/boot.md);
 * rt_wall_clock_source is NULL while the wall clock is unknown.
 */
void rt_wall_clock_set(uint64_t unix_ns, uint64_t mono_ns, const char *source);
void rt_wall_clock_boot(const struct boot_info *bi);
const char *rt_wall_clock_source(void);

/*
 * What the platform under the runtime adds to the boot sequence, chosen at link time:
 * every image links exactly one definition of rt_platform_hooks, rt/hooks_none.c
 * (production images, umbra.mk RT_SRCS_REAL: all NULL) or sim/sim_image.c (SIM
 * images, RT_SRCS_SIM). A NULL member means the default.
 */
struct hv_ident;
struct rt_option;
struct rt_platform_hooks {
	const char *name;       /* in "umbra: FATAL <name>: ..." when start fails */
	/* A free memory-map range; default mem_page_add_range(). 0 or an error. */
	int (*offer_ram)(uint64_t base, uint64_t npages);
	/* Once after the memory map, before the mem phase; non-zero is fatal. */
	int (*start)(int argc, char **argv);
	/* After app_main returned and the exit hook ran: the status to power off with. */
	int (*finish)(int status);
	/* The Hyper-V identification VMBus runs on; default hv_ident() (the boot one). */
	const struct hv_ident *(*hv_ident)(void);
	/* The platform's own load options (rt/options.h), validated with the runtime's
	 * before start; read them with rt_option(). */
	const struct rt_option *options;
	unsigned noptions;
};
extern const struct rt_platform_hooks rt_platform_hooks;

#endif
