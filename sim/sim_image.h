/*
 * The simulator inside a test EFI image (SIM images only: umbra.mk RT_SRCS_SIM, built
 * with UMBRA_SIM=1). sim_image.c defines rt_platform_hooks (rt/runtime.h) with these, so
 * rt/kernel.c calls them instead of feeding mem/ from the UEFI memory map; production
 * images link rt/hooks_none.c instead and contain none of it. See docs/sim.md "In an EFI
 * image".
 *
 * Order: sim_image_offer_ram() for every free memory-map range, sim_image_start() once
 * before app_main, sim_image_finish() when app_main returns.
 */
#ifndef UMBRA_SIM_SIM_IMAGE_H
#define UMBRA_SIM_SIM_IMAGE_H

#include <stdint.h>

/* Guest RAM of the simulated machine, taken from the largest free memory-map range. */
#define SIM_IMAGE_RAM_BYTES (16ull << 20)
/* Exit status when the app succeeded but the simulator's checks failed. */
#define SIM_IMAGE_FAIL_STATUS 3

/* Memory-map callback: a free RAM range of the real machine. Remembers the largest one;
 * none of it reaches mem/. Always 0. */
int sim_image_offer_ram(uint64_t base, uint64_t npages);

/*
 * Creates the machine from the load options of sim/sim_opts.h (the table is
 * rt_platform_hooks.options, so the runtime's registry has validated them and warned about
 * bad values, which count as absent; read here with rt_option, argc/argv are unused):
 * platform (default snp-paravisor), seed, clock (default: the TSC), the devices of each
 * kind (default one paravisor echo device, relid 1, and one relayed echo device, relid 2),
 * a scheduled rescind and the hostile knobs. RAM = SIM_IMAGE_RAM_BYTES of the largest
 * offered range; the simulator's free RAM goes to mem_page_add_range(). Prints
 * "sim: machine ...", one "sim: device ..." line per device, "sim: hostile ..." and
 * "sim: rescind ..." when set (docs/sim.md "In an EFI image"). 0, UMBRA_ENOMEM (no range
 * large enough) or the simulator's error.
 */
int sim_image_start(int argc, char **argv);

/*
 * After app_main: prints the simulator's counters ("sim: irqs ...", "sim: health ...")
 * and "sim: PASS" when the simulator found no fault, guest error, leak or termination and
 * every interrupt it delivered went through the CPU's IDT; otherwise "sim: FAIL reason".
 * Returns status, or SIM_IMAGE_FAIL_STATUS if status is 0 and a check failed.
 */
int sim_image_finish(int status);

#endif
