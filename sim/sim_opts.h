/*
 * The load options of a SIM image (docs/sim.md "In an EFI image", one row each): the table
 * the runtime's registry validates (rt/options.h; sim_image.c passes it in
 * rt_platform_hooks.options) and the reading of the valid values into a machine. Kept out
 * of sim_image.c so that the host test sim_opts covers it.
 */
#ifndef UMBRA_SIM_SIM_OPTS_H
#define UMBRA_SIM_SIM_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "rt/options.h"
#include "sim/sim.h"

/* Devices of one kind: 0..SIM_OPTS_MAX_PER_KIND each, five kinds, so at most 30 of the
 * simulator's SIM_MAX_CHANNELS (32). */
#define SIM_OPTS_MAX_PER_KIND 6
#define SIM_OPTS_KINDS 5
#define SIM_OPTS_MAX_DEVICES (SIM_OPTS_KINDS * SIM_OPTS_MAX_PER_KIND)

struct sim_opts_setup {
	struct sim_config cfg;       /* sim_config_default(platform) + seed + hostile knobs */
	bool real_clock;             /* umbra.sim.clock (default real) */
	unsigned ndev;               /* devices in relid order: dev[i] becomes relid i + 1 */
	struct sim_device_desc dev[SIM_OPTS_MAX_DEVICES];
	const char *dev_kind[SIM_OPTS_MAX_DEVICES]; /* "echo", "gpa-direct" */
	uint32_t rescind_relid;      /* umbra.sim.rescind; 0 = none */
	uint64_t rescind_packets, rescind_ms;
};

/* The option table, SIM_OPTS_COUNT rows. */
extern const struct rt_option sim_opts_table[];
#define SIM_OPTS_COUNT 30

/* The validity check of umbra.sim.rescind: RELID@N (N packets, 1..) or RELID@Nms. */
bool sim_opts_rescind_ok(const char *v);

/*
 * Fills *out from the option values get(name) returns (rt_option in an image: NULL when
 * absent or every occurrence was invalid). An absent option, or one whose value does not
 * parse (the registry normally caught it), takes its default. Never fails.
 */
void sim_opts_parse(const char *(*get)(const char *name), struct sim_opts_setup *out);

/* Writes the hostile knobs that differ from 0 as " name=value" words into buf (at most
 * cap bytes, NUL-terminated; "" when none). */
void sim_opts_hostile_words(const struct sim_hostile *h, char *buf, unsigned cap);

#endif
