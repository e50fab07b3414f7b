/* The SIM image's load options (sim/sim_opts.c) through the runtime's registry
 * (rt/options.c): valid values reach the machine, bad ones warn and take the default. */
#include <stdio.h>
#include <string.h>

#include "tests/unit/ut.h"
#include "rt/options.h"
#include "sim/sim.h"
#include "sim/sim_opts.h"
#include "umbra/errno.h"

static char warn[4096];
static unsigned warn_len;

static void out(const char *t)
{
	size_t n = strlen(t);
	if (warn_len + n < sizeof warn) {
		memcpy(warn + warn_len, t, n + 1);
		warn_len += (unsigned)n;
	}
}

/* Validate words (argv[0] is the image) and read them into *s; returns the WARN count. */
static int setup(struct sim_opts_setup *s, const char *const *words, int n)
{
	char *argv[40];
	static char store[40][96];
	argv[0] = store[0];
	strcpy(store[0], "umbra");
	for (int i = 0; i < n; i++) {
		snprintf(store[i + 1], sizeof store[i + 1], "%s", words[i]);
		argv[i + 1] = store[i + 1];
	}
	warn[0] = 0;
	warn_len = 0;
	int w = rt_options_init(n + 1, argv, sim_opts_table, SIM_OPTS_COUNT, out);
	sim_opts_parse(rt_option, s);
	return w;
}

static void t_defaults(void)
{
	struct sim_opts_setup s;
	UT_EQ(setup(&s, NULL, 0), 0);
	UT_EQ(s.cfg.platform, SIM_SNP_PARAVISOR);
	UT_EQ(s.cfg.seed, 1);
	UT_CHECK(s.real_clock);
	UT_EQ(s.ndev, 2);
	UT_EQ(s.dev[0].kind, SIM_DEV_ECHO);
	UT_CHECK(!s.dev[0].relayed);
	UT_EQ(s.dev[1].kind, SIM_DEV_ECHO);
	UT_CHECK(s.dev[1].relayed);
	UT_EQ(s.rescind_relid, 0);
	char w[256];
	sim_opts_hostile_words(&s.cfg.hostile, w, sizeof w);
	UT_EQ(strcmp(w, ""), 0);
}

/* The platform names in the table are exactly sim_platform_parse's. */
static void t_platform_values_match_the_simulator(void)
{
	const char *v = sim_opts_table[0].values;
	UT_EQ(strcmp(sim_opts_table[0].name, "umbra.sim"), 0);
	unsigned words = 0;
	for (const char *p = v; *p;) {
		char name[40];
		size_t n = strcspn(p, "|");
		UT_REQUIRE(n < sizeof name);
		memcpy(name, p, n);
		name[n] = 0;
		UT_EQ(sim_platform_parse(name), (int)words);
		words++;
		p += n + (p[n] == '|');
	}
	UT_EQ(words, SIM_PLATFORM_COUNT);
}

static void t_values_reach_the_machine(void)
{
	const char *w[] = {
		"umbra.sim=tdx-legacy-paravisor", "umbra.sim.seed=7", "umbra.sim.clock=virtual",
		"umbra.sim.echo=0", "umbra.sim.gpa=1", "umbra.sim.gpa_ext=2",
		"umbra.sim.relayed_gpa=1", "umbra.sim.rescind=3@25ms",
		"umbra.sim.signal_fail_pm=50", "umbra.sim.refuse_direct_post",
		"umbra.sim.hv_simp_lie=private", "umbra.sim.hv_siefp_lie=not_ram",
		"umbra.sim.hypercall_page_unfilled=0", "umbra.sim.never_answer=1",
		"umbra.sim.forge_hv_msg_pm=1000", "umbra.sim.ring_len_lie_pm=3",
	};
	struct sim_opts_setup s;
	UT_EQ(setup(&s, w, (int)(sizeof w / sizeof w[0])), 0);
	UT_EQ(strcmp(warn, ""), 0);
	UT_EQ(s.cfg.platform, SIM_TDX_LEGACY_PARAVISOR);
	UT_EQ(s.cfg.seed, 7);
	UT_CHECK(!s.real_clock);
	/* relid order: echo (0), relayed echo (default 1), gpa, gpa_ext x2, relayed gpa */
	UT_EQ(s.ndev, 5);
	UT_CHECK(s.dev[0].kind == SIM_DEV_ECHO && s.dev[0].relayed);
	UT_CHECK(s.dev[1].kind == SIM_DEV_GPA_DIRECT && !s.dev[1].relayed &&
		 !s.dev[1].confidential_external_memory);
	UT_CHECK(s.dev[2].kind == SIM_DEV_GPA_DIRECT && s.dev[2].confidential_external_memory);
	UT_CHECK(s.dev[3].confidential_external_memory && !s.dev[3].relayed);
	UT_CHECK(s.dev[4].kind == SIM_DEV_GPA_DIRECT && s.dev[4].relayed &&
		 !s.dev[4].confidential_external_memory);
	UT_EQ(strcmp(s.dev_kind[4], "gpa-direct"), 0);
	UT_EQ(s.rescind_relid, 3);
	UT_EQ(s.rescind_ms, 25);
	UT_EQ(s.rescind_packets, 0);
	const struct sim_hostile *h = &s.cfg.hostile;
	UT_EQ(h->signal_fail_pm, 50);
	UT_CHECK(h->refuse_direct_post);
	UT_EQ(h->hv_simp_lie, SIM_LIE_PRIVATE);
	UT_EQ(h->hv_siefp_lie, SIM_LIE_NOT_RAM);
	UT_EQ(h->hv_page_lie_gpa, SIM_RAM_BASE);
	UT_CHECK(!h->hypercall_page_unfilled);
	UT_CHECK(h->never_answer);
	UT_EQ(h->forge_hv_msg_pm, 1000);
	UT_EQ(h->ring_len_lie_pm, 3);
	UT_EQ(h->msg_drop_pm, 0);
	char hw[256];
	sim_opts_hostile_words(h, hw, sizeof hw);
	UT_EQ(strcmp(hw, " never_answer=1 refuse_direct_post=1 ring_len_lie_pm=3 "
			 "forge_hv_msg_pm=1000 hv_simp_lie=private hv_siefp_lie=not_ram "
			 "signal_fail_pm=50"), 0);
	char small[12];
	sim_opts_hostile_words(h, small, sizeof small);
	UT_EQ(strlen(small), sizeof small - 1);
	/* the machine takes them: devices get relids 1..5 */
	s.cfg.ram_bytes = 8u << 20;
	UT_REQUIRE(sim_init(&s.cfg) == 0);
	for (unsigned i = 0; i < s.ndev; i++) {
		uint32_t r = 0;
		UT_EQ(sim_add_device(&s.dev[i], &r), 0);
		UT_EQ(r, i + 1);
	}
	UT_EQ(sim_rescind_after(s.rescind_relid, s.rescind_packets, s.rescind_ms * 1000000), 0);
	sim_fini();
}

/* Each bad value: one WARN line naming the option and its valid values, and the default
 * (or the last valid occurrence) is used. */
static void t_bad_values_warn_and_default(void)
{
	struct sim_opts_setup s;
	const char *w1[] = { "umbra.sim=bogus" };
	UT_EQ(setup(&s, w1, 1), 1);
	UT_CHECK(strstr(warn, "umbra: WARN option umbra.sim=bogus: valid values none|hyperv|"
			      "snp-paravisor|tdx-paravisor|snp-legacy-paravisor|"
			      "tdx-legacy-paravisor|snp|tdx; ignored\n") == warn);
	UT_EQ(s.cfg.platform, SIM_SNP_PARAVISOR);

	const char *w2[] = { "umbra.sim.echo=7", "umbra.sim.seed=3", "umbra.sim.seed=x",
			     "umbra.sim.clock=fast", "umbra.sim.msg_drop_pm=1001",
			     "umbra.sim.hv_simp_lie=maybe", "umbra.sim.refuse_direct_post=2",
			     "umbra.sim.rescind=0@5", "umbra.sim.gpa" };
	UT_EQ(setup(&s, w2, 9), 8);
	UT_CHECK(strstr(warn, "umbra.sim.echo=7: valid values 0..6;"));
	UT_CHECK(strstr(warn, "umbra.sim.seed=x: valid values N;"));
	UT_CHECK(strstr(warn, "umbra.sim.clock=fast: valid values real|virtual;"));
	UT_CHECK(strstr(warn, "umbra.sim.msg_drop_pm=1001: valid values 0..1000;"));
	UT_CHECK(strstr(warn, "umbra.sim.hv_simp_lie=maybe: valid values none|private|"
			      "unaligned|not_ram|zero;"));
	UT_CHECK(strstr(warn, "umbra.sim.refuse_direct_post=2: valid values 0|1 or none;"));
	UT_CHECK(strstr(warn, "umbra.sim.rescind=0@5: valid values RELID@N|RELID@Nms;"));
	UT_CHECK(strstr(warn, "umbra: WARN option umbra.sim.gpa: valid values 0..6;"));
	UT_EQ(s.ndev, 2);
	UT_EQ(s.cfg.seed, 3);
	UT_CHECK(s.real_clock);
	UT_EQ(s.cfg.hostile.msg_drop_pm, 0);
	UT_EQ(s.cfg.hostile.hv_simp_lie, SIM_LIE_NONE);
	UT_CHECK(!s.cfg.hostile.refuse_direct_post);
	UT_EQ(s.rescind_relid, 0);

	/* an unknown umbra.sim.* name: the registry's unknown-option warning */
	const char *w3[] = { "umbra.sim.bogus=1" };
	UT_EQ(setup(&s, w3, 1), 1);
	UT_CHECK(strstr(warn, "umbra.sim.bogus=1: unknown (known:"));
	UT_CHECK(strstr(warn, "umbra.sim.signal_fail_pm"));
}

/* A value get() hands over unchecked that does not parse is absent too. */
static const char *raw_get(const char *name)
{
	if (!strcmp(name, "umbra.sim"))
		return "bogus";
	if (!strcmp(name, "umbra.sim.echo"))
		return "77";
	if (!strcmp(name, "umbra.sim.msg_dup_pm"))
		return "5000";
	if (!strcmp(name, "umbra.sim.never_answer"))
		return "yes";
	if (!strcmp(name, "umbra.sim.rescind"))
		return "1@";
	return NULL;
}

static void t_unparsed_value_is_absent(void)
{
	struct sim_opts_setup s;
	sim_opts_parse(raw_get, &s);
	UT_EQ(s.cfg.platform, SIM_SNP_PARAVISOR);
	UT_EQ(s.ndev, 2);
	UT_EQ(s.cfg.hostile.msg_dup_pm, 0);
	UT_CHECK(!s.cfg.hostile.never_answer);
	UT_EQ(s.rescind_relid, 0);
}

static void t_rescind_syntax(void)
{
	const char *ok[] = { "1@1", "32@10ms", "2@1000000000000", "07@3" };
	const char *bad[] = { "33@1", "0@1", "1@0", "1@0ms", "1@ms", "1@5s", "@5", "1@5ms5",
			      "1", "", "1@@2", "1@-2", "1@1000000000001", "x@1" };
	for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++)
		UT_CHECK(sim_opts_rescind_ok(ok[i]));
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sim_opts_rescind_ok(bad[i]))
			UT_CHECK(!"accepted a bad rescind value");
	UT_CHECK(!sim_opts_rescind_ok(NULL));
	struct sim_opts_setup s;
	const char *w[] = { "umbra.sim.rescind=2@40" };
	UT_EQ(setup(&s, w, 1), 0);
	UT_EQ(s.rescind_relid, 2);
	UT_EQ(s.rescind_packets, 40);
	UT_EQ(s.rescind_ms, 0);
}

int main(void)
{
	UT_RUN(t_defaults);
	UT_RUN(t_platform_values_match_the_simulator);
	UT_RUN(t_values_reach_the_machine);
	UT_RUN(t_bad_values_warn_and_default);
	UT_RUN(t_unparsed_value_is_absent);
	UT_RUN(t_rescind_syntax);
	return UT_DONE();
}
