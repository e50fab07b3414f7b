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
 * Creates the machine: configuration from the load option umbra.sim=NAME (default
 * snp-paravisor; names of sim_platform_parse), umbra.sim.seed=N (default 1) and
 * umbra.sim.refuse_direct_post=1 (the paravisor refuses the direct InitiateContact, so
 * the runtime falls back), RAM = SIM_IMAGE_RAM_BYTES of the largest offered range, one paravisor echo device (relid 1)
 * and one relayed echo device (relid 2). Hands the simulator's free RAM to
 * mem_page_add_range(). Prints "sim: machine ..." on success. 0, UMBRA_EINVAL (unknown
 * name or bad seed), UMBRA_ENOMEM (no range large enough) or the simulator's error.
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
