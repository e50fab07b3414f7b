/* Host tests of the load-option registry (rt/options.c). */
#include "rt/options.h"

#include "tests/unit/ut.h"

static char log_buf[4096];

static void cap(const char *s)
{
	strncat(log_buf, s, sizeof log_buf - strlen(log_buf) - 1);
}

static bool even(const char *v)
{
	return *v && (v[strlen(v) - 1] - '0') % 2 == 0;
}

static const struct rt_option plat[] = {
	{ "umbra.sim", "snp|tdx|hyperv", true, NULL },
	{ "umbra.sim.seed", "N", true, NULL },
	{ "umbra.sim.opt", "on|off", false, NULL },
	{ "umbra.sim.even", "an even number", true, even },
};

static int init(int argc, char **argv)
{
	log_buf[0] = 0;
	return rt_options_init(argc, argv, plat, sizeof plat / sizeof plat[0], cap);
}

static void t_last_valid_wins(void)
{
	char *argv[] = { "umbra", "umbra.sim=snp", "app", "umbra.sim=tdx", "umbra.sim=bogus",
			 "umbra.debug_exit=1", "umbra.debug_exit=0", NULL };
	UT_EQ(init(7, argv), 1);
	UT_CHECK(!strcmp(rt_option("umbra.sim"), "tdx"));
	UT_CHECK(!strcmp(rt_option("umbra.debug_exit"), "0"));
	UT_CHECK(rt_option("umbra.sim.seed") == NULL);
	UT_CHECK(rt_option("umbra.poweroff") == NULL);
	UT_CHECK(rt_option("umbra.nope") == NULL);
	UT_CHECK(rt_option(NULL) == NULL);
	UT_CHECK(strstr(log_buf, "umbra: WARN option umbra.sim=bogus: valid values snp|tdx|hyperv; ignored\n"));
}

static void t_unknown_lists_known(void)
{
	char *argv[] = { "umbra", "umbra.simm=snp", "umbra.", NULL };
	UT_EQ(init(3, argv), 2);
	UT_CHECK(strstr(log_buf, "umbra: WARN option umbra.simm=snp: unknown (known: umbra.debug_exit, "));
	UT_CHECK(strstr(log_buf, ", umbra.sim, umbra.sim.seed, umbra.sim.opt, umbra.sim.even); ignored\n"));
	UT_CHECK(strstr(log_buf, "umbra: WARN option umbra.: unknown"));
	UT_CHECK(rt_option("umbra.sim") == NULL);
}

static void t_flags(void)
{
	char *argv[] = { "umbra", "umbra.test_ebs_retry", "umbra.test_ebs_fail=1", NULL };
	UT_EQ(init(3, argv), 1);
	UT_CHECK(!strcmp(rt_option("umbra.test_ebs_retry"), ""));
	UT_CHECK(rt_option("umbra.test_ebs_fail") == NULL);
	UT_CHECK(strstr(log_buf, "umbra.test_ebs_fail=1: a flag, takes no value; ignored\n"));
}

static void t_values(void)
{
	const struct rt_option n = { "x", "N", true, NULL }, r = { "x", "0..63", true, NULL },
			       e = { "x", "a|bb|c", true, NULL }, o = { "x", "a", false, NULL };
	UT_CHECK(rt_option_valid(&n, "x=0"));
	UT_CHECK(rt_option_valid(&n, "x=18446744073709551615"));
	UT_CHECK(!rt_option_valid(&n, "x=18446744073709551616"));
	UT_CHECK(!rt_option_valid(&n, "x="));
	UT_CHECK(!rt_option_valid(&n, "x"));
	UT_CHECK(!rt_option_valid(&n, "x=-1"));
	UT_CHECK(!rt_option_valid(&n, "x=1a"));
	UT_CHECK(rt_option_valid(&r, "x=0"));
	UT_CHECK(rt_option_valid(&r, "x=063"));
	UT_CHECK(!rt_option_valid(&r, "x=64"));
	UT_CHECK(!rt_option_valid(&r, "x=640"));
	UT_CHECK(rt_option_valid(&e, "x=a"));
	UT_CHECK(rt_option_valid(&e, "x=bb"));
	UT_CHECK(rt_option_valid(&e, "x=c"));
	UT_CHECK(!rt_option_valid(&e, "x=b"));
	UT_CHECK(!rt_option_valid(&e, "x=a|bb"));
	UT_CHECK(!rt_option_valid(&e, "x="));
	UT_CHECK(!rt_option_valid(&e, "xa"));
	UT_CHECK(rt_option_valid(&o, "x"));
	UT_CHECK(rt_option_valid(&o, "x=a"));
	UT_CHECK(!rt_option_valid(&o, "x="));
	UT_CHECK(rt_option_match(&e, "xa") == NULL);
	UT_CHECK(!strcmp(rt_option_match(&e, "x=bb"), "bb"));
}

static void t_optional_and_check(void)
{
	char *argv[] = { "umbra", "umbra.sim.opt", "umbra.sim.even=3", "umbra.sim.even=12",
			 "umbra.sim.even", "umbra.sim.opt=maybe", NULL };
	UT_EQ(init(6, argv), 3);
	UT_CHECK(!strcmp(rt_option("umbra.sim.opt"), ""));
	UT_CHECK(!strcmp(rt_option("umbra.sim.even"), "12"));
	UT_CHECK(strstr(log_buf, "umbra.sim.opt=maybe: valid values on|off or none; ignored\n"));
	UT_CHECK(strstr(log_buf, "umbra.sim.even=3: valid values an even number; ignored\n"));
	UT_CHECK(strstr(log_buf, "umbra.sim.even: valid values an even number; ignored\n"));
}

static void t_prefix_names_distinct(void)
{
	char *argv[] = { "umbra", "umbra.sim.seed=7", NULL };
	UT_EQ(init(2, argv), 0);
	UT_CHECK(rt_option("umbra.sim") == NULL);
	UT_CHECK(!strcmp(rt_option("umbra.sim.seed"), "7"));
	UT_EQ(strlen(log_buf), 0);
}

static void t_strip(void)
{
	char *argv[] = { "umbra.efi", "a", "umbra.sim=snp", "umbra.simm", "b", "umbra", "umbrella", NULL };
	UT_EQ(init(7, argv), 1);
	int n = rt_options_strip(7, argv);
	UT_EQ(n, 5);
	UT_CHECK(!strcmp(argv[0], "umbra.efi"));
	UT_CHECK(!strcmp(argv[1], "a"));
	UT_CHECK(!strcmp(argv[2], "b"));
	UT_CHECK(!strcmp(argv[3], "umbra"));
	UT_CHECK(!strcmp(argv[4], "umbrella"));
	UT_CHECK(argv[5] == NULL);
	/* the registry kept its own copy of the words */
	UT_CHECK(!strcmp(rt_option("umbra.sim"), "snp"));
}

static void t_no_extra_table(void)
{
	char *argv[] = { "umbra", "umbra.sim=snp", NULL };
	log_buf[0] = 0;
	UT_EQ(rt_options_init(2, argv, NULL, 5, NULL), 1);
	UT_CHECK(rt_option("umbra.sim") == NULL);
	UT_EQ(rt_options_init(0, NULL, NULL, 0, cap), 0);
}

int main(void)
{
	UT_RUN(t_last_valid_wins);
	UT_RUN(t_unknown_lists_known);
	UT_RUN(t_flags);
	UT_RUN(t_values);
	UT_RUN(t_optional_and_check);
	UT_RUN(t_prefix_names_distinct);
	UT_RUN(t_strip);
	UT_RUN(t_no_extra_table);
	return UT_DONE();
}
