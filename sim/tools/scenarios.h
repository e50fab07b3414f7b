/* Scripted-guest scenarios run by umbra-sim (sim/tools/runner.c). */
#ifndef UMBRA_SIM_SCENARIOS_H
#define UMBRA_SIM_SCENARIOS_H

#include <stddef.h>
#include "sim/sim.h"

enum { SCN_PASS = 0, SCN_FAIL = 1, SCN_SKIP = 2 };

struct scenario {
	const char *name;
	const char *help;
	/* Runs on a machine the runner configured (platform, seed, trace) but has not
	 * created; the scenario adjusts *cfg and calls sim_init itself. */
	int (*run)(struct sim_config *cfg, char *msg, size_t msglen);
};

extern const struct scenario scenarios[];
extern const unsigned scenario_count;

#endif
