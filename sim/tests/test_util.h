/* Helpers shared by the simulator's test programs (one per binary: static state). */
#ifndef UMBRA_SIM_TEST_UTIL_H
#define UMBRA_SIM_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/ut.h"
#include "sim/sim.h"
#include "sim/sim_wire.h"
#include "sim/tests/sguest.h"
#include "arch/x86_64/hw.h"
#include "umbra/errno.h"

static void tu_log(void *ctx, const char *line)
{
	(void)ctx;
	if (getenv("SIM_VERBOSE"))
		fprintf(stderr, "%s\n", line);
}

static struct sim_config tu_cfg;

/* Create a machine; returns the config for further tweaks before tu_start. */
static struct sim_config *tu_config(enum sim_platform p)
{
	sim_config_default(&tu_cfg, p);
	tu_cfg.log = tu_log;
	tu_cfg.ram_bytes = 8u << 20;
	return &tu_cfg;
}

static int tu_start(void) { return sim_init(&tu_cfg); }

/* InitiateContact for version on SINT 2, target VP target_vp, nothing else set. */
static inline void tu_initiate(struct vm_initiate *m, uint32_t version, uint32_t target_vp)
{
	memset(m, 0, sizeof(*m));
	m->h.type = VM_INITIATE;
	m->version = version;
	m->target_vp = target_vp;
	m->sint = 2;
}

static uint32_t tu_u32(const uint8_t *b, unsigned off)
{
	uint32_t v;
	memcpy(&v, b + off, 4);
	return v;
}

#define TU_WAIT 50000000ull

/* Like UT_REQUIRE but evaluates cond once (UT_REQUIRE evaluates it twice). */
#define TU_REQ(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s: required: %s\n", __FILE__, __LINE__, ut_cur_, #cond); \
		ut_cur_failed_ = 1; \
		return; \
	} } while (0)

#endif
