/* The SIM image's load options (contract in sim_opts.h). Host-tested: sim/tests/sim_opts_test.c. */
#include "sim/sim_opts.h"

#include <stddef.h>

#include "lib/fmt.h"
#include "lib/string.h"

#define P "umbra.sim."
#define PLATFORMS "none|hyperv|snp-paravisor|tdx-paravisor|snp-legacy-paravisor|tdx-legacy-paravisor|snp|tdx"
#define LIES "none|private|unaligned|not_ram|zero"

/* Every struct sim_hostile knob but the two tuning values (msg_delay_max_ns,
 * post_busy_burst: simulator defaults) and hv_page_lie_gpa (the image picks it). The
 * option is the field's name. */
enum knob_kind { K_PM, K_FLAG, K_LIE };
#define HOSTILE(X)                                                                       \
	X(msg_delay_pm, K_PM) X(msg_drop_pm, K_PM) X(msg_dup_pm, K_PM)                    \
	X(msg_reorder_pm, K_PM) X(msg_corrupt_pm, K_PM) X(never_answer, K_FLAG)           \
	X(post_busy_pm, K_PM) X(refuse_direct_post, K_FLAG) X(rescind_pm, K_PM)           \
	X(ring_hostile_all, K_FLAG) X(ring_bad_index_pm, K_PM) X(ring_len_lie_pm, K_PM)   \
	X(ring_flip_index_pm, K_PM) X(visibility_partial_pm, K_PM)                        \
	X(visibility_fail_pm, K_PM) X(visibility_fail_private_only, K_FLAG)               \
	X(forge_hv_msg_pm, K_PM) X(hv_simp_lie, K_LIE) X(hv_siefp_lie, K_LIE)             \
	X(hypercall_page_unfilled, K_FLAG) X(signal_fail_pm, K_PM)

#define VALUES_K_PM "0..1000"
#define VALUES_K_FLAG "0|1"
#define VALUES_K_LIE LIES
#define REQ_K_PM true
#define REQ_K_FLAG false        /* a bare flag means 1 */
#define REQ_K_LIE true
#define ROW(f, k) { P #f, VALUES_##k, REQ_##k, NULL },

#define KIND_RANGE "0..6"       /* SIM_OPTS_MAX_PER_KIND */

const struct rt_option sim_opts_table[] = {
	{ "umbra.sim", PLATFORMS, true, NULL },
	{ P "seed", "N", true, NULL },
	{ P "clock", "real|virtual", true, NULL },
	{ P "echo", KIND_RANGE, true, NULL },
	{ P "relayed_echo", KIND_RANGE, true, NULL },
	{ P "gpa", KIND_RANGE, true, NULL },
	{ P "gpa_ext", KIND_RANGE, true, NULL },
	{ P "relayed_gpa", KIND_RANGE, true, NULL },
	{ P "rescind", "RELID@N|RELID@Nms", true, sim_opts_rescind_ok },
	HOSTILE(ROW)
};
_Static_assert(sizeof sim_opts_table / sizeof sim_opts_table[0] == SIM_OPTS_COUNT,
	       "SIM_OPTS_COUNT");

#define KNOB(f, k) { P #f, k, offsetof(struct sim_hostile, f) },
static const struct knob {
	const char *name;
	enum knob_kind kind;
	size_t off;
} knobs[] = { HOSTILE(KNOB) };
#define NKNOBS (sizeof knobs / sizeof knobs[0])

static const char *const lie_names[] = {
	[SIM_LIE_NONE] = "none", [SIM_LIE_PRIVATE] = "private", [SIM_LIE_UNALIGNED] = "unaligned",
	[SIM_LIE_NOT_RAM] = "not_ram", [SIM_LIE_ZERO] = "zero",
};

/* Decimal digits only, at least one, at most max. */
static bool dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool num(const char *s, uint64_t max, uint64_t *out)
{
	return s && dec(s, strlen(s), max, out);
}

/* RELID@N or RELID@Nms: relid 1..SIM_MAX_CHANNELS, N 1..10^12. */
static bool rescind_parse(const char *v, uint32_t *relid, uint64_t *n, bool *ms)
{
	const char *at = v;
	uint64_t r;

	while (at && *at && *at != '@')
		at++;
	if (!at || !*at || !dec(v, (size_t)(at - v), SIM_MAX_CHANNELS, &r) || !r)
		return false;
	size_t len = strlen(at + 1);
	*ms = len > 2 && !strcmp(at + 1 + len - 2, "ms");
	if (!dec(at + 1, *ms ? len - 2 : len, 1000000000000ull, n) || !*n)
		return false;
	*relid = (uint32_t)r;
	return true;
}

bool sim_opts_rescind_ok(const char *v)
{
	uint32_t r;
	uint64_t n;
	bool ms;

	return rescind_parse(v, &r, &n, &ms);
}

static int lie_parse(const char *v)
{
	for (unsigned i = 0; v && i < sizeof lie_names / sizeof lie_names[0]; i++)
		if (!strcmp(v, lie_names[i]))
			return (int)i;
	return -1;
}

static void set_knob(struct sim_hostile *h, const struct knob *k, const char *v)
{
	uint8_t *f = (uint8_t *)h + k->off;
	uint64_t x;

	switch (k->kind) {
	case K_PM:
		if (num(v, 1000, &x)) {
			uint16_t pm = (uint16_t)x;
			memcpy(f, &pm, sizeof pm);
		}
		break;
	case K_FLAG:
		if (!v[0] || !strcmp(v, "1") || !strcmp(v, "0")) {
			bool b = v[0] != '0';
			memcpy(f, &b, sizeof b);
		}
		break;
	case K_LIE: {
		int l = lie_parse(v);
		if (l >= 0)
			*f = (uint8_t)l;
		break;
	}
	}
}

static void add_devices(struct sim_opts_setup *o, const char *v, unsigned dflt,
			enum sim_dev_kind kind, bool relayed, bool ext)
{
	uint64_t n = dflt;

	if (v)
		num(v, SIM_OPTS_MAX_PER_KIND, &n);
	for (uint64_t i = 0; i < n && o->ndev < SIM_OPTS_MAX_DEVICES; i++) {
		struct sim_device_desc *d = &o->dev[o->ndev];
		memset(d, 0, sizeof *d);
		d->kind = kind;
		d->relayed = relayed;
		d->confidential_external_memory = ext;
		o->dev_kind[o->ndev++] = kind == SIM_DEV_ECHO ? "echo" : "gpa-direct";
	}
}

void sim_opts_parse(const char *(*get)(const char *name), struct sim_opts_setup *o)
{
	int p = sim_platform_parse(get("umbra.sim"));
	uint64_t seed;

	memset(o, 0, sizeof *o);
	sim_config_default(&o->cfg, p < 0 ? SIM_SNP_PARAVISOR : (enum sim_platform)p);
	if (num(get(P "seed"), UINT64_MAX / 10, &seed))
		o->cfg.seed = seed;
	const char *clk = get(P "clock");
	o->real_clock = !clk || strcmp(clk, "virtual");
	add_devices(o, get(P "echo"), 1, SIM_DEV_ECHO, false, false);
	add_devices(o, get(P "relayed_echo"), 1, SIM_DEV_ECHO, true, false);
	add_devices(o, get(P "gpa"), 0, SIM_DEV_GPA_DIRECT, false, false);
	add_devices(o, get(P "gpa_ext"), 0, SIM_DEV_GPA_DIRECT, false, true);
	add_devices(o, get(P "relayed_gpa"), 0, SIM_DEV_GPA_DIRECT, true, false);
	bool ms;
	uint64_t n;
	uint32_t r;
	if (rescind_parse(get(P "rescind"), &r, &n, &ms)) {
		o->rescind_relid = r;
		if (ms)
			o->rescind_ms = n;
		else
			o->rescind_packets = n;
	}
	for (unsigned i = 0; i < NKNOBS; i++) {
		const char *v = get(knobs[i].name);
		if (v)
			set_knob(&o->cfg.hostile, &knobs[i], v);
	}
	/* SIM_LIE_PRIVATE names a private page the guest owns: the first page of its RAM. */
	o->cfg.hostile.hv_page_lie_gpa = SIM_RAM_BASE;
}

void sim_opts_hostile_words(const struct sim_hostile *h, char *buf, unsigned cap)
{
	unsigned at = 0;

	if (!cap)
		return;
	buf[0] = 0;
	for (unsigned i = 0; i < NKNOBS && at < cap; i++) {
		const uint8_t *f = (const uint8_t *)h + knobs[i].off;
		const char *name = knobs[i].name + sizeof P - 1;
		uint16_t pm;
		bool b;
		int n = 0;
		switch (knobs[i].kind) {
		case K_PM:
			memcpy(&pm, f, sizeof pm);
			if (pm)
				n = fmt_snprintf(buf + at, cap - at, " %s=%u", name, pm);
			break;
		case K_FLAG:
			memcpy(&b, f, sizeof b);
			if (b)
				n = fmt_snprintf(buf + at, cap - at, " %s=1", name);
			break;
		case K_LIE:
			if (*f && *f < sizeof lie_names / sizeof lie_names[0])
				n = fmt_snprintf(buf + at, cap - at, " %s=%s", name, lie_names[*f]);
			break;
		}
		if (n > 0)
			at = at + (unsigned)n < cap ? at + (unsigned)n : cap - 1;
	}
}
