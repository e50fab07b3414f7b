/*
 * umbra-sim: run a scripted-guest scenario on the simulated platform.
 *   umbra-sim [--trace] [--verbose] [--stats] [--seed N] [--config NAME] SCENARIO
 *   umbra-sim list
 *   umbra-sim            (self-test: every scenario in every configuration)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/tools/scenarios.h"

static void out_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

static void err_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static int run_one(const struct scenario *s, enum sim_platform p, unsigned long long seed,
	bool trace, bool verbose, bool stats)
{
	struct sim_config c;
	sim_config_default(&c, p);
	c.seed = seed;
	if (trace)
		c.trace = out_line;
	if (verbose)
		c.log = err_line;
	char msg[256] = "";
	int r = s->run(&c, msg, sizeof(msg));
	const char *res = r == SCN_PASS ? "ok  " : r == SCN_SKIP ? "skip" : "FAIL";
	printf("%s %s %s seed=%llu%s%s\n", res, s->name, sim_platform_name(p), seed, msg[0] ? ": " : "", msg);
	if (r == SCN_FAIL && sim_last_problem()[0])
		printf("     last problem: %s\n", sim_last_problem());
	if (stats) {
		struct sim_stats st;
		sim_get_stats(&st);
		printf("stats direct_hypercalls=%llu ghcb_exits=%llu ghcb_msr_protocol=%llu tdcalls=%llu tdvmcalls=%llu "
		       "visibility_calls=%llu visibility_pages=%llu signals=%llu posts=%llu posts_failed=%llu eoms=%llu "
		       "msr_reads=%llu msr_writes=%llu cpuids=%llu msgs_delivered=%llu msgs_dropped=%llu events=%llu "
		       "irqs=%llu irqs_filtered=%llu faults=%llu guest_errors=%llu hostile=%llu vtime_ns=%llu\n",
			(unsigned long long)st.direct_hypercalls, (unsigned long long)st.ghcb_exits,
			(unsigned long long)st.ghcb_msr_protocol, (unsigned long long)st.tdcalls,
			(unsigned long long)st.tdvmcalls, (unsigned long long)st.visibility_calls,
			(unsigned long long)st.visibility_pages, (unsigned long long)st.signals,
			(unsigned long long)st.posts, (unsigned long long)st.posts_failed, (unsigned long long)st.eoms,
			(unsigned long long)st.msr_reads, (unsigned long long)st.msr_writes,
			(unsigned long long)st.cpuids, (unsigned long long)st.msgs_delivered,
			(unsigned long long)st.msgs_dropped, (unsigned long long)st.events_set,
			(unsigned long long)st.irqs_delivered, (unsigned long long)st.irqs_filtered,
			(unsigned long long)st.faults, (unsigned long long)st.guest_errors,
			(unsigned long long)st.hostile_actions, (unsigned long long)sim_now());
	}
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: umbra-sim [--trace] [--verbose] [--stats] [--seed N] [--config NAME] SCENARIO|list\n"
			"       umbra-sim   (no arguments: self-test of every scenario in every configuration)\n"
			"  --trace        one line per SynIC message on stdout: trace <n> dir=<g2h|h2g>\n"
			"                 synic=<pv|hv> route=<direct|ghcb|tdcall|-> conn=<hex> msgtype=<dec> hex=<payload>\n"
			"  --verbose      the simulator's log (faults, guest errors, leaks) on stderr\n"
			"  --stats        exit counters after each run\n"
			"  --seed N       PRNG seed for the hostile knobs (default 1)\n"
			"  --config NAME  configuration (default snp-paravisor; names: umbra-sim list)\n");
}

int main(int argc, char **argv)
{
	bool trace = false, verbose = false, stats = false;
	unsigned long long seed = 1;
	int plat = SIM_SNP_PARAVISOR;
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trace"))
			trace = true;
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[i], "--stats"))
			stats = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			plat = sim_platform_parse(argv[++i]);
			if (plat < 0) {
				fprintf(stderr, "umbra-sim: unknown configuration %s\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-') {
			usage(stderr);
			return 2;
		} else
			name = argv[i];
	}
	if (name && !strcmp(name, "list")) {
		for (unsigned i = 0; i < scenario_count; i++)
			printf("%-10s %s\n", scenarios[i].name, scenarios[i].help);
		printf("configurations:");
		for (int p = 0; p < SIM_PLATFORM_COUNT; p++)
			printf(" %s", sim_platform_name(p));
		printf("\n");
		return 0;
	}
	if (name) {
		for (unsigned i = 0; i < scenario_count; i++)
			if (!strcmp(scenarios[i].name, name))
				return run_one(&scenarios[i], plat, seed, trace, verbose, stats) == SCN_FAIL;
		fprintf(stderr, "umbra-sim: unknown scenario %s (try: umbra-sim list)\n", name);
		return 2;
	}
	int passed = 0, failed = 0;
	for (unsigned i = 0; i < scenario_count; i++)
		for (int p = 0; p < SIM_PLATFORM_COUNT; p++)
			for (unsigned long long s = 1; s <= 2; s++) {
				int r = run_one(&scenarios[i], p, s, trace, verbose, stats);
				passed += r == SCN_PASS;
				failed += r == SCN_FAIL;
			}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
