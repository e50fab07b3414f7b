/* Scenarios for umbra-sim: a scripted guest drives the simulated platform end to end. */
#include <stdio.h>
#include <string.h>
#include "arch/x86_64/hw.h"
#include "umbra/errno.h"
#include "sim/tools/scenarios.h"
#include "sim/tests/sguest.h"

#define WAIT 50000000ull
#define FAIL(...) do { snprintf(msg, msglen, __VA_ARGS__); return SCN_FAIL; } while (0)

static struct sg g;
static uint8_t b[4096];
static uint32_t len;

static bool has_hv(enum sim_platform p) { return p >= SIM_HYPERV && p <= SIM_TDX_LEGACY_PARAVISOR; }
static bool cv(enum sim_platform p) { return p == SIM_SNP_PARAVISOR || p == SIM_TDX_PARAVISOR; }

static uint32_t u32(const uint8_t *p, unsigned off)
{
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

/* Bring-up shared by the scenarios: devices, SynICs, connect, offers. */
static int bringup(struct sim_config *cfg, unsigned ndev, char *msg, size_t msglen, unsigned *noffers)
{
	if (sim_init(cfg))
		FAIL("sim_init failed");
	for (unsigned i = 0; i < ndev; i++) {
		struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = (i & 1) != 0 };
		if (sim_add_device(&d, NULL))
			FAIL("sim_add_device failed");
	}
	if (sg_init(&g, cv(cfg->platform)))
		FAIL("guest SynIC bring-up failed: %s", sim_last_problem());
	g.retry_busy = true;
	uint32_t feat = cv(cfg->platform) ? 0x10 : 0;
	int rc = sg_connect(&g, VMV_COPPER, feat, b, &len);
	if (rc)
		FAIL("InitiateContact: rc %d", rc);
	if (b[8] != 1 || b[9] != 0)
		FAIL("VersionResponse supported=%u state=%u", b[8], b[9]);
	if ((u32(b, 16) & 0x10) != feat)
		FAIL("confidential_channels granted=%u expected %u", u32(b, 16) & 0x10, feat);
	struct vm_offer offs[16];
	unsigned n = 0;
	rc = sg_offers(&g, offs, 16, &n);
	if (rc)
		FAIL("RequestOffers: rc %d", rc);
	for (unsigned i = 0; i < n; i++) {
		uint16_t want = (cv(cfg->platform) && !(offs[i].relid % 2 == 0)) ? 0x2 : 0;
		if (offs[i].flags != want)
			FAIL("offer %u flags 0x%x expected 0x%x", offs[i].relid, offs[i].flags, want);
	}
	*noffers = n;
	return SCN_PASS;
}

static int sc_connect(struct sim_config *cfg, char *msg, size_t msglen)
{
	if (!has_hv(cfg->platform)) {
		if (sim_init(cfg))
			FAIL("sim_init failed");
		uint32_t r[4];
		hw_cpuid(0x40000000, 0, r);
		if (r[1] != 0)
			FAIL("Hyper-V signature present on a non-Hyper-V platform");
		snprintf(msg, msglen, "no Hyper-V: detected correctly");
		return SCN_PASS;
	}
	unsigned n;
	int rc = bringup(cfg, 4, msg, msglen, &n);
	if (rc)
		return rc;
	if (n != 4)
		FAIL("%u offers, expected 4", n);
	snprintf(msg, msglen, "connected, 4 offers");
	return sim_ok() ? SCN_PASS : SCN_FAIL;
}

static int sc_echo(struct sim_config *cfg, char *msg, size_t msglen)
{
	if (!has_hv(cfg->platform))
		return SCN_SKIP;
	unsigned n;
	int rc = bringup(cfg, 2, msg, msglen, &n);
	if (rc)
		return rc;
	struct sg_chan ch[2];
	for (uint32_t k = 0; k < 2; k++) {
		uint32_t st;
		bool private_ring = cv(cfg->platform) && k == 0;
		rc = sg_open_channel(&g, k + 1, 4, private_ring, &ch[k], &st);
		if (rc || st)
			FAIL("open relid %u: rc %d status 0x%x", k + 1, rc, st);
	}
	for (int i = 0; i < 100; i++) {
		struct sg_chan *c = &ch[i & 1];
		uint8_t pl[200];
		for (unsigned j = 0; j < sizeof(pl); j++)
			pl[j] = (uint8_t)(i * 7 + j);
		uint32_t plen = 1 + (uint32_t)(i * 13) % 200;
		uint16_t flags = (i % 3 == 0) ? 1 : 0;
		if (sg_chan_send(&g, c, 6, flags, (uint64_t)i, pl, plen))
			FAIL("send %d failed", i);
		rc = sg_chan_recv(&g, c, b, sizeof(b), &len, WAIT);
		if (rc)
			FAIL("receive %d: rc %d", i, rc);
		uint64_t tid;
		memcpy(&tid, b + 8, 8);
		if (b[0] != (flags ? 11 : 6) || tid != (uint64_t)i || memcmp(b + 16, pl, plen))
			FAIL("echo %d mismatch (type %u tid %llu)", i, b[0], (unsigned long long)tid);
	}
	snprintf(msg, msglen, "100 packets echoed on a %s and a relayed channel",
		cv(cfg->platform) ? "confidential" : "host");
	return sim_ok() ? SCN_PASS : SCN_FAIL;
}

static int sc_gpadl(struct sim_config *cfg, char *msg, size_t msglen)
{
	if (!has_hv(cfg->platform))
		return SCN_SKIP;
	unsigned n;
	int rc = bringup(cfg, 2, msg, msglen, &n);
	if (rc)
		return rc;
	uint64_t gpa = sg_alloc(&g, 200);
	uint32_t st;
	rc = sg_gpadl(&g, 1, 42, gpa, 200, false, &st); /* header 26 + 7 bodies */
	if (rc || st)
		FAIL("GPADL of 200 pages: rc %d status 0x%x", rc, st);
	struct vm_gpadl_teardown td = { { VM_GPADL_TEARDOWN, 0 }, 1, 42 };
	if (sg_post(&g, sg_msg_route(&g), 1, &td, 16))
		FAIL("teardown post failed");
	if (sg_expect(&g, VM_GPADL_TORNDOWN, b, &len, WAIT) || u32(b, 8) != 42)
		FAIL("no GpadlTorndown");
	snprintf(msg, msglen, "200-page GPADL created and torn down");
	return sim_ok() ? SCN_PASS : SCN_FAIL;
}

/* Paravisor-first with fallback (mu_msvm style): direct post, and on failure proxy SINT2
 * and go through the hypervisor. */
static int sc_fallback(struct sim_config *cfg, char *msg, size_t msglen)
{
	if (!has_hv(cfg->platform))
		return SCN_SKIP;
	if (sim_init(cfg))
		FAIL("sim_init failed");
	bool pv = cfg->platform >= SIM_SNP_PARAVISOR;
	if (sg_init(&g, pv))
		FAIL("bring-up failed");
	struct vm_initiate m;
	memset(&m, 0, sizeof(m));
	m.h.type = VM_INITIATE;
	m.version = VMV_COPPER;
	m.sint = 2;
	m.features = pv ? 0x10 : 0;
	unsigned st = sg_post(&g, SG_DIRECT, 1, &m, 40);
	bool fell_back = false;
	if (st == HVS_INVALID_CONNECTION_ID && pv) {
		hw_wrmsr(MSR_SINT0 + 2, g.vector | SINT_PROXY);
		g.confidential = false;
		m.features = 0;
		st = sg_post(&g, SG_BYPASS, 1, &m, 40);
		fell_back = true;
	}
	if (st)
		FAIL("InitiateContact post failed: 0x%x", st);
	bool from_pv = false;
	if (sg_recv(&g, b, &len, WAIT, &from_pv) || u32(b, 0) != VM_VERSION_RESPONSE || b[8] != 1)
		FAIL("no positive VersionResponse");
	bool legacy = cfg->platform == SIM_SNP_LEGACY_PARAVISOR || cfg->platform == SIM_TDX_LEGACY_PARAVISOR;
	if (fell_back != (legacy || cfg->hostile.refuse_direct_post))
		FAIL("fallback %s unexpectedly", fell_back ? "taken" : "not taken");
	if (from_pv != (cv(cfg->platform) && !fell_back))
		FAIL("reply on the %s SynIC", from_pv ? "paravisor" : "hypervisor");
	snprintf(msg, msglen, "%s", fell_back ? "direct post refused; connected through the hypervisor"
					      : "connected on the direct path");
	return sim_ok() ? SCN_PASS : SCN_FAIL;
}

/* The leak checker catches a deliberate leak (and only then). */
static int sc_leak(struct sim_config *cfg, char *msg, size_t msglen)
{
	if (cfg->platform < SIM_SNP_PARAVISOR || cfg->platform > SIM_TDX_LEGACY_PARAVISOR)
		return SCN_SKIP;
	if (sim_init(cfg) || sg_init(&g, cv(cfg->platform)))
		FAIL("bring-up failed");
	uint64_t priv = sg_alloc(&g, 1), shared = sg_alloc(&g, 1);
	if (sg_visibility(&g, shared, 1, true))
		FAIL("0x00DB failed");
	static const char secret[] = "umbra-sim-canary-secret";
	if (sim_leak_plant_at(priv, secret, sizeof(secret)) < 0)
		FAIL("plant failed");
	hw_rdmsr(MSR_SVERSION);
	if (sim_leak_check())
		FAIL("false positive");
	memcpy((uint8_t *)hw_phys_to_virt(shared) + 77, secret, sizeof(secret));
	hw_rdmsr(MSR_SVERSION);
	struct sim_leak_report r;
	sim_leak_report(&r);
	if (r.count != 1 || r.gpa != shared + 77)
		FAIL("deliberate leak not reported (count %u)", r.count);
	snprintf(msg, msglen, "deliberate leak caught at gpa 0x%llx", (unsigned long long)r.gpa);
	return SCN_PASS;
}

/* Echo under a hostile but non-destructive host (delays, busy bursts, duplicates of
 * nothing the guest relies on): everything must still work. */
static int sc_hostile(struct sim_config *cfg, char *msg, size_t msglen)
{
	if (!has_hv(cfg->platform))
		return SCN_SKIP;
	cfg->hostile.msg_delay_pm = 300;
	cfg->hostile.msg_delay_max_ns = 5000000;
	cfg->hostile.post_busy_pm = 100;
	cfg->hostile.visibility_partial_pm = 500;
	cfg->hostile.ring_flip_index_pm = 0;
	int rc = sc_echo(cfg, msg, msglen);
	struct sim_stats st;
	sim_get_stats(&st);
	if (rc == SCN_PASS)
		snprintf(msg, msglen, "echo survived %llu hostile actions", (unsigned long long)st.hostile_actions);
	return rc;
}

/* Every knob at once. The unhardened scripted guest may well give up; what must hold is
 * that the simulator itself stays memory-safe (ASan/UBSan) and every wait stays bounded. */
static int sc_chaos(struct sim_config *cfg, char *msg, size_t msglen)
{
	if (!has_hv(cfg->platform))
		return SCN_SKIP;
	struct sim_hostile *h = &cfg->hostile;
	h->msg_delay_pm = 200;
	h->msg_drop_pm = 50;
	h->msg_dup_pm = 50;
	h->msg_reorder_pm = 100;
	h->msg_corrupt_pm = 50;
	h->post_busy_pm = 100;
	h->rescind_pm = 20;
	h->ring_hostile_all = true;
	h->ring_bad_index_pm = 50;
	h->ring_len_lie_pm = 100;
	h->ring_flip_index_pm = 100;
	h->visibility_partial_pm = 300;
	char inner[200] = "";
	int rc = sc_echo(cfg, inner, sizeof(inner));
	struct sim_stats st;
	sim_get_stats(&st);
	snprintf(msg, msglen, "guest %s after %llu hostile actions (%s)", rc == SCN_PASS ? "survived" : "gave up",
		(unsigned long long)st.hostile_actions, inner);
	return SCN_PASS;
}

const struct scenario scenarios[] = {
	{ "connect", "SynIC bring-up, InitiateContact, offers", sc_connect },
	{ "echo", "open a confidential and a relayed echo channel, 100 packets", sc_echo },
	{ "gpadl", "200-page GPADL (header + bodies), teardown", sc_gpadl },
	{ "fallback", "paravisor-first InitiateContact with fallback through the hypervisor", sc_fallback },
	{ "leak", "the leak checker catches a deliberate leak", sc_leak },
	{ "hostile", "echo under delays, busy bursts and partial 0x00DB", sc_hostile },
	{ "chaos", "every hostile knob at once: the simulator stays memory-safe and bounded", sc_chaos },
};
const unsigned scenario_count = sizeof(scenarios) / sizeof(scenarios[0]);
