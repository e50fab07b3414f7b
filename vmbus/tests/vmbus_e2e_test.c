/*
 * End to end against the simulated platform (sim/): the runtime's synic/, vmbus/,
 * ring/ and mem/ code, unchanged, through the public API, in every configuration:
 * connect, enumerate, open a confidential and a relayed echo channel, 10,000 packets of
 * random sizes with completions, close, unload. The simulator's leak checker runs all the
 * time (a canary travels in every packet of the confidential channel) and its health
 * (faults, guest errors) is checked, as is the page allocator (everything given back).
 */
#include "tests/unit/ut.h"
#include "sim/sim.h"
#include "vmbus/tests/simhost.h"
#include <umbra/vmbus.h>
#include "rt/vmbus_up.h"
#include "synic/synic.h"
#include "mem/mem.h"

static const uint8_t CANARY[16] = { 0xC4, 0x7A, 0x91, 0x1E, 0x5B, 0x33, 0xD0, 0x6F,
				    0x88, 0x2A, 0xE7, 0x14, 0x9C, 0x41, 0xB5, 0x0D };
/* Both traces, the runtime's (synic_set_trace) and the simulator's (sim_config.trace),
 * without the leading counter, split by direction. */
#define TMAX 512
struct tlog { char *g2h[TMAX], *h2g[TMAX]; int ng, nh; };
static struct tlog T_rt, T_sim;
static unsigned long trace_lines;

static void tlog_add(struct tlog *t, const char *line)
{
	const char *p = strchr(line, ' ');
	p = p ? strchr(p + 1, ' ') : NULL;     /* skip "trace <n>" */
	if (!p)
		return;
	bool g2h = strncmp(p + 1, "dir=g2h", 7) == 0;
	char **a = g2h ? t->g2h : t->h2g;
	int *n = g2h ? &t->ng : &t->nh;
	if (*n < TMAX) {
		size_t len = strlen(p + 1) + 1;
		a[*n] = malloc(len);
		if (a[*n])
			memcpy(a[(*n)++], p + 1, len);
	}
}

static void tlog_clear(struct tlog *t)
{
	for (int i = 0; i < t->ng; i++)
		free(t->g2h[i]);
	for (int i = 0; i < t->nh; i++)
		free(t->h2g[i]);
	t->ng = t->nh = 0;
}

static void on_trace(const char *line) { trace_lines++; tlog_add(&T_rt, line); }
static void on_sim_trace(void *ctx, const char *line) { (void)ctx; tlog_add(&T_sim, line); }

/* The runtime's trace and the simulator's agree line for line. */
static void check_traces_agree(void)
{
	UT_EQ(T_rt.ng, T_sim.ng);
	UT_EQ(T_rt.nh, T_sim.nh);
	for (int i = 0; i < T_rt.ng && i < T_sim.ng; i++)
		if (strcmp(T_rt.g2h[i], T_sim.g2h[i])) {
			fprintf(stderr, "g2h %d:\n rt  %s\n sim %s\n", i, T_rt.g2h[i], T_sim.g2h[i]);
			UT_CHECK(!"g2h traces differ");
			break;
		}
	for (int i = 0; i < T_rt.nh && i < T_sim.nh; i++)
		if (strcmp(T_rt.h2g[i], T_sim.h2g[i])) {
			fprintf(stderr, "h2g %d:\n rt  %s\n sim %s\n", i, T_rt.h2g[i], T_sim.h2g[i]);
			UT_CHECK(!"h2g traces differ");
			break;
		}
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* First g2h line with msgtype=<type>, or "". */
static const char *first_g2h(int type)
{
	char k[32];
	snprintf(k, sizeof(k), " msgtype=%d ", type);
	for (int i = 0; i < T_rt.ng; i++)
		if (strstr(T_rt.g2h[i], k))
			return T_rt.g2h[i];
	return "";
}
static char last_log[256];
static void sim_log(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(last_log, sizeof(last_log), "%s", line);
}

#ifndef E2E_PACKETS
#define E2E_PACKETS 10000
#endif
static uint64_t free_before;

static uint32_t max_version;

static bool machine(enum sim_platform p, const struct sim_hostile *h, uint64_t seed)
{
	struct sim_config cfg;
	sim_config_default(&cfg, p);
	cfg.max_version = max_version;
	cfg.seed = seed;
	cfg.log = sim_log;
	cfg.trace = on_sim_trace;
	tlog_clear(&T_rt);
	tlog_clear(&T_sim);
	cfg.ram_bytes = 8ull << 20;   /* the leak scan walks every host-visible page per step */
	if (h)
		cfg.hostile = *h;
	if (simhost_start(&cfg, &free_before))
		return false;
	synic_set_trace(on_trace);
	return true;
}

static uint32_t rnd = 99;
static uint32_t next_rand(void) { rnd = rnd * 1664525u + 1013904223u; return rnd >> 8; }

/* n packets with completions; returns how many came back wrong. */
static int echo(struct vmbus_channel *ch, int n, bool canary)
{
	static uint8_t out[3000], in[3100];
	int bad = 0;
	for (int i = 0; i < n; i++) {
		size_t len = 16 + next_rand() % (sizeof(out) - 16);
		for (size_t k = 0; k < len; k++)
			out[k] = (uint8_t)(k * 7 + (size_t)i);
		if (canary)
			memcpy(out, CANARY, sizeof(CANARY));
		int rc = vmbus_send(ch, out, len, 0x100000 + (uint64_t)i, VMBUS_SEND_COMPLETION_REQUESTED);
		if (rc) {
			if (bad++ < 3)
				fprintf(stderr, "send %d: %d\n", i, rc);
			continue;
		}
		struct vmbus_packet pk;
		rc = vmbus_recv(ch, in, sizeof(in), &pk, 1000000000ull);
		if (rc < (int)len || pk.type != 11 || pk.trans_id != 0x100000 + (uint64_t)i ||
		    memcmp(in, out, len) != 0) {
			if (bad++ < 3)
				fprintf(stderr, "recv %d: rc %d type %u tid %llx\n", i, rc, pk.type,
					(unsigned long long)pk.trans_id);
		}
	}
	return bad;
}

static void full_config(enum sim_platform p, bool expect_conf)
{
	UT_REQUIRE(machine(p, NULL, 11));
	struct sim_device_desc dconf = { .kind = SIM_DEV_ECHO, .relayed = false };
	struct sim_device_desc drel = { .kind = SIM_DEV_ECHO, .relayed = true };
	uint32_t r1, r2;
	UT_EQ(sim_add_device(&dconf, &r1), 0);
	UT_EQ(sim_add_device(&drel, &r2), 0);
	UT_EQ(sim_leak_plant(CANARY, sizeof(CANARY)) >= 0, 1);

	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_EQ(inf.confidential, expect_conf);
	UT_EQ(inf.offers, 2);
	UT_CHECK(inf.version == 0x00060000);
	struct vmbus_offer_info o1, o2;
	UT_EQ(vmbus_offer_get(0, &o1), 0);
	UT_EQ(vmbus_offer_get(1, &o2), 0);
	UT_EQ(o1.relid, r1);
	UT_EQ(o1.confidential_ring, expect_conf);
	UT_CHECK(!o2.confidential_ring);

	/* The relayed ring is host-visible, so the leak checker scans it after every step:
	 * keep it small (16 KiB each way) to keep the test fast. */
	struct vmbus_open_params op = { .send_ring_bytes = 64 << 10, .recv_ring_bytes = 64 << 10 };
	struct vmbus_open_params op2 = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *c1 = NULL, *c2 = NULL;
	UT_EQ(vmbus_open(r1, &op, &c1), 0);
	UT_EQ(vmbus_open(r2, &op2, &c2), 0);
	UT_REQUIRE(c1 && c2);
	/* The canary may only travel where the ring is private. */
	UT_EQ(echo(c1, E2E_PACKETS, expect_conf), 0);
	UT_EQ(echo(c2, E2E_PACKETS, false), 0);
	struct sim_channel_info ci;
	UT_EQ(sim_channel_info(r1, &ci), 0);
	UT_EQ(ci.confidential_ring, expect_conf);
	UT_EQ(ci.packets_in, E2E_PACKETS);
	UT_EQ(vmbus_close(c1), 0);
	UT_EQ(vmbus_close(c2), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(!si.connected);
	UT_EQ(sim_leak_check(), 0);
	UT_CHECK(sim_ok());
	if (!sim_ok())
		fprintf(stderr, "sim: %s\n", sim_last_problem());
	UT_EQ(mem_page_free_count(), free_before);
	UT_CHECK(trace_lines > 0);
	check_traces_agree();
	/* Exact bytes of the first InitiateContact, the ring GPADL header and OpenChannel. */
	const char *ic = first_g2h(14);
	if (p == SIM_SNP_PARAVISOR || p == SIM_TDX_PARAVISOR)
		UT_CHECK(starts(ic, "dir=g2h synic=pv route=direct conn=4 msgtype=14 hex="
			 "0e00000000000000000006000000000002000000100000000000000000000000"
			 "0000000000000000"));
	else if (p == SIM_HYPERV)
		UT_CHECK(starts(ic, "dir=g2h synic=hv route=direct conn=4 msgtype=14 hex="
			 "0e00000000000000000006000000000002000000000000000000000000000000"
			 "0000000000000000"));
	else
		UT_CHECK(starts(ic, p == SIM_SNP_LEGACY_PARAVISOR ?
			 "dir=g2h synic=hv route=ghcb conn=4 msgtype=14 hex=0e000000000000000000060000000000020000000000000000" :
			 "dir=g2h synic=hv route=tdcall conn=4 msgtype=14 hex=0e000000000000000000060000000000020000000000000000"));
	/* 32 pages: header with 26 PFNs (range_buflen 0x108, 128 KiB, offset 0), one body */
	UT_CHECK(strstr(first_g2h(8), "conn=1 msgtype=8 hex=0800000000000000" "01000000" "101e0e00"
			"0801" "0100" "00000200" "00000000") != NULL);
	UT_CHECK(strstr(first_g2h(9), "msgtype=9 hex=0900000000000000" "00000000" "101e0e00") != NULL);
	UT_CHECK(strstr(first_g2h(5), "msgtype=5 hex=0500000000000000" "01000000" "01000000" "101e0e00"
			"00000000" "10000000" "000000000000") != NULL);
	UT_EQ(strlen(strstr(first_g2h(5), "hex=")), 4 + 2 * 148);
}

static void t_hyperv(void) { full_config(SIM_HYPERV, false); }
static void t_snp_paravisor(void) { full_config(SIM_SNP_PARAVISOR, true); }
static void t_tdx_paravisor(void) { full_config(SIM_TDX_PARAVISOR, true); }
static void t_snp_legacy(void) { full_config(SIM_SNP_LEGACY_PARAVISOR, false); }
static void t_tdx_legacy(void) { full_config(SIM_TDX_LEGACY_PARAVISOR, false); }

static void t_none(void)
{
	UT_REQUIRE(machine(SIM_NONE, NULL, 1));
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), UMBRA_ENODEV);
	UT_EQ(vmbus_offer_count(), UMBRA_ENODEV);
	struct vmbus_open_params op = { .send_ring_bytes = 64 << 10, .recv_ring_bytes = 64 << 10 };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(1, &op, &c), UMBRA_ENODEV);
	UT_EQ(vmbus_dispatch(0), UMBRA_ENODEV);
	UT_CHECK(!rt_vmbus_config()->hyperv);
	UT_CHECK(sim_ok());
}

/* The paravisor refuses the direct post: fallback to the host-visible path works. */
static void t_fallback_refused_direct(void)
{
	struct sim_hostile h = { .refuse_direct_post = true };
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, &h, 3));
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	uint32_t r;
	UT_EQ(sim_add_device(&d, &r), 0);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_CHECK(!inf.confidential);
	UT_CHECK(rt_vmbus_fell_back());
	/* The refused direct post is not traced (not accepted); the resend is the same
	 * 6.0 InitiateContact without 0x10, through the GHCB. */
	UT_CHECK(starts(first_g2h(14), "dir=g2h synic=hv route=ghcb conn=4 msgtype=14 hex="
			"0e00000000000000000006000000000002000000000000000000000000000000"));
	struct sim_stats sst;
	sim_get_stats(&sst);
	UT_CHECK(sst.posts_failed >= 1);
	struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(r, &op, &c), 0);
	UT_EQ(echo(c, 200, false), 0);
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(sim_ok());
	UT_EQ(mem_page_free_count(), free_before);
}

/* A server that never answers: a bounded, clear failure. */
static void t_never_answers(void)
{
	struct sim_hostile h = { .never_answer = true };
	UT_REQUIRE(machine(SIM_TDX_PARAVISOR, &h, 4));
	struct vmbus_info inf;
	uint64_t t0 = sim_now();
	UT_EQ(vmbus_info(&inf), UMBRA_ENODEV);
	UT_CHECK(sim_now() - t0 < 60ull * 1000 * 1000 * 1000);
	UT_EQ(vmbus_offer_count(), UMBRA_ENODEV);
}

/* Rescind during traffic. */
static void t_rescind_traffic(void)
{
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, NULL, 5));
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = true };
	uint32_t r;
	UT_EQ(sim_add_device(&d, &r), 0);
	struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(r, &op, &c), 0);
	UT_EQ(echo(c, 50, false), 0);
	UT_EQ(sim_rescind(r), 0);
	uint8_t b[64];
	int rc = 0;
	for (int i = 0; i < 100 && rc != UMBRA_ERESCINDED; i++)
		rc = vmbus_recv(c, b, sizeof(b), NULL, 1000000);
	UT_EQ(rc, UMBRA_ERESCINDED);
	UT_EQ(vmbus_send(c, b, 8, 1, 0), UMBRA_ERESCINDED);
	UT_EQ(vmbus_close(c), 0);
	sim_run(1000000);
	struct sim_channel_info ci;
	UT_EQ(sim_channel_info(r, &ci), UMBRA_ENOENT);   /* RelIdReleased freed the relid */
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(sim_ok());
	UT_EQ(mem_page_free_count(), free_before);
}

/* INSUFFICIENT_BUFFERS bursts and a lossy message path still connect or fail bounded. */
static void t_hostile_posts(void)
{
	struct sim_hostile h = { .post_busy_pm = 300, .post_busy_burst = 6 };
	UT_REQUIRE(machine(SIM_TDX_PARAVISOR, &h, 6));
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	uint32_t r;
	UT_EQ(sim_add_device(&d, &r), 0);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(r, &op, &c), 0);
	UT_EQ(echo(c, 100, true), 0);
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(sim_ok());
}

/* Discovery reads what each configuration presents. */
static void t_detect(void)
{
	static const struct { enum sim_platform p; int rc; bool iso, pv, cvmb; uint8_t type; uint64_t b; } e[] = {
		{ SIM_NONE, UMBRA_ENODEV, false, false, false, 0, 0 },
		{ SIM_HYPERV, 0, false, false, false, 0, 0 },
		{ SIM_SNP_PARAVISOR, 0, true, true, true, 2, 1ull << 46 },
		{ SIM_TDX_PARAVISOR, 0, true, true, true, 3, 1ull << 47 },
		{ SIM_SNP_LEGACY_PARAVISOR, 0, true, true, false, 2, 1ull << 46 },
		{ SIM_TDX_LEGACY_PARAVISOR, 0, true, true, false, 3, 1ull << 47 },
	};
	for (unsigned i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		UT_REQUIRE(machine(e[i].p, NULL, 1));
		struct synic_config c;
		UT_EQ(synic_detect(&c), e[i].rc);
		UT_EQ(c.hyperv, e[i].p != SIM_NONE);
		UT_EQ(c.isolated, e[i].iso);
		UT_EQ(c.paravisor, e[i].pv);
		UT_EQ(c.cvmb_available, e[i].cvmb);
		UT_EQ(c.iso_type, e[i].type);
		UT_EQ(c.shared_boundary, e[i].b);
		UT_EQ(c.bypass, e[i].type == 2 ? SYNIC_ROUTE_GHCB : e[i].type == 3 ? SYNIC_ROUTE_TDCALL
										 : SYNIC_ROUTE_DIRECT);
		char line[160];
		synic_describe(&c, line, sizeof(line));
		UT_CHECK(strstr(line, e[i].p == SIM_NONE ? "no Hyper-V" : "hyperv: isolation=") != NULL);
	}
	UT_EQ(synic_detect(NULL), UMBRA_EINVAL);
}

/* GPA-direct device (docs/sim.md): in-band {u32 op (1 fill, 2 hash), u32 arg}; the
 * completion {u32 status, u32 bytes, u64 fnv1a64}. Buffers follow offer flag 0x4. */
static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}

static void gpa_direct_on(enum sim_platform p)
{
	UT_REQUIRE(machine(p, NULL, 21));
	struct sim_device_desc dr = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
	struct sim_device_desc dc = { .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true };
	uint32_t rr, rc_;
	UT_EQ(sim_add_device(&dr, &rr), 0);
	UT_EQ(sim_add_device(&dc, &rc_), 0);
	sim_leak_plant(CANARY, sizeof(CANARY));
	uint32_t relids[2] = { rr, rc_ };
	for (int k = 0; k < 2; k++) {
		struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
		struct vmbus_channel *c = NULL;
		UT_EQ(vmbus_open(relids[k], &op, &c), 0);
		UT_REQUIRE(c);
		struct vmbus_buffer b;
		UT_EQ(vmbus_buffer_alloc(c, 3 * 4096, &b), 0);
		bool conf_ext = k == 1 && p != SIM_HYPERV && p != SIM_SNP_LEGACY_PARAVISOR &&
				p != SIM_TDX_LEGACY_PARAVISOR;
		UT_EQ(b.host_visible, p != SIM_HYPERV && !conf_ext);
		if (conf_ext)    /* confidential data in a private GPA-direct buffer */
			memcpy((uint8_t *)b.va + 8192 + 64, CANARY, sizeof(CANARY));
		struct vmbus_gpa_buf gb[2] = {
			{ .buf = &b, .offset = 100, .len = 5000 },
			{ .buf = &b, .offset = 6000, .len = 100 },
		};
		uint32_t cmd[2] = { 1, 0x5A };
		UT_EQ(vmbus_send_gpa_direct(c, gb, 2, cmd, sizeof(cmd), 1, VMBUS_SEND_COMPLETION_REQUESTED), 0);
		uint8_t res[16] = { 0 };
		struct vmbus_packet pk;
		UT_EQ(vmbus_recv(c, res, sizeof(res), &pk, 1000000000ull), 16);
		uint32_t st, bytes;
		memcpy(&st, res, 4);
		memcpy(&bytes, res + 4, 4);
		UT_EQ(st, 0);
		UT_EQ(bytes, 5100);
		const uint8_t *v = b.va;
		UT_EQ(v[99], 0);
		UT_EQ(v[100], 0x5A);
		UT_EQ(v[5099], 0x5A);
		UT_EQ(v[5100], 0);
		UT_EQ(v[6099], 0x5A);
		UT_EQ(v[6100], 0);
		/* the host reads the whole buffer back: its hash is ours */
		struct vmbus_gpa_buf all = { .buf = &b, .offset = 0, .len = b.bytes };
		cmd[0] = 2;
		UT_EQ(vmbus_send_gpa_direct(c, &all, 1, cmd, sizeof(cmd), 2, VMBUS_SEND_COMPLETION_REQUESTED), 0);
		UT_EQ(vmbus_recv(c, res, sizeof(res), &pk, 1000000000ull), 16);
		uint64_t h;
		memcpy(&st, res, 4);
		memcpy(&h, res + 8, 8);
		UT_EQ(st, 0);
		UT_EQ(h, fnv1a(0xCBF29CE484222325ull, b.va, b.bytes));
		UT_EQ(vmbus_buffer_free(c, &b), 0);
		UT_EQ(vmbus_close(c), 0);
	}
	UT_EQ(rt_vmbus_stop(), 0);
	UT_EQ(sim_leak_check(), 0);
	UT_CHECK(sim_ok());
	if (!sim_ok())
		fprintf(stderr, "sim: %s\n", sim_last_problem());
	UT_EQ(mem_page_free_count(), free_before);
}

static void t_gpa_direct(void)
{
	gpa_direct_on(SIM_HYPERV);
	gpa_direct_on(SIM_SNP_PARAVISOR);
	gpa_direct_on(SIM_TDX_PARAVISOR);
	gpa_direct_on(SIM_SNP_LEGACY_PARAVISOR);
}

/* The server refuses 6.0 and 5.3: 5.2 is negotiated on the direct route without 0x10, so
 * the paravisor's offer loses 0x2 and its ring goes host-visible. Refusing everything
 * down to 5.2 in an isolated VM is a clear failure (3.0-5.1 are never tried). */
static void t_version_refused(void)
{
	max_version = 0x00050002;
	bool ok = machine(SIM_SNP_PARAVISOR, NULL, 9);
	max_version = 0;
	UT_REQUIRE(ok);
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	uint32_t r;
	UT_EQ(sim_add_device(&d, &r), 0);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_EQ(inf.version, 0x00050002);
	UT_CHECK(!inf.confidential);
	UT_CHECK(!rt_vmbus_fell_back());
	struct vmbus_offer_info o;
	UT_EQ(vmbus_offer_get(0, &o), 0);
	UT_CHECK(!o.confidential_ring);
	struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(r, &op, &c), 0);
	UT_EQ(echo(c, 100, false), 0);
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(sim_ok());
	UT_EQ(T_rt.ng >= 3, 1);
	UT_CHECK(strstr(T_rt.g2h[0], "hex=0e0000000000000000000600") != NULL);
	UT_CHECK(strstr(T_rt.g2h[1], "hex=0e0000000000000003000500") != NULL);
	UT_CHECK(strstr(T_rt.g2h[2], "hex=0e0000000000000002000500") != NULL);

	max_version = 0x00050001;
	ok = machine(SIM_TDX_PARAVISOR, NULL, 9);
	max_version = 0;
	UT_REQUIRE(ok);
	UT_EQ(vmbus_info(&inf), UMBRA_ENODEV);
	UT_EQ(T_rt.ng, 3);                       /* 6.0, 5.3, 5.2 and nothing lower */
	UT_CHECK(sim_ok());
}

/* VMBus's log and trace lines (vmbus_platform_ops in simhost.c), captured here. */

/* The log states the configuration; vmbus_trace(true) prints the trace lines. */
static void t_log_and_trace(void)
{
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, NULL, 12));
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	uint32_t r;
	UT_EQ(sim_add_device(&d, &r), 0);
	simhost_capture();
	UT_EQ(vmbus_trace(true), 0);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_CHECK(strstr(simhost_log, "hyperv: isolation=snp paravisor=yes shared-boundary=0x400000000000 "
				 "confidential-vmbus=available\n") != NULL);
	UT_CHECK(strstr(simhost_log, "vmbus: version 6.0, confidential control plane, 1 offers\n") != NULL);
	UT_CHECK(strstr(simhost_log, "trace 0 dir=g2h synic=pv route=direct conn=4 msgtype=14 hex=0e000000") != NULL);
	UT_CHECK(strstr(simhost_log, "dir=h2g synic=pv route=- conn=0 msgtype=15 hex=0f000000") != NULL);
	UT_EQ(vmbus_trace(false), 0);
	size_t before = simhost_log_len;
	UT_EQ(rt_vmbus_stop(), 0);
	UT_EQ(simhost_log_len, before);
	synic_set_trace(on_trace);

	UT_REQUIRE(machine(SIM_NONE, NULL, 1));
	simhost_log_len = 0;
	simhost_log[0] = 0;
	UT_EQ(vmbus_info(&inf), UMBRA_ENODEV);
	UT_CHECK(strstr(simhost_log, "hyperv: not present (no Hyper-V)\nvmbus: no Hyper-V\n") != NULL);
}

static bool named_error(int rc)
{
	return rc == 0 || (rc <= UMBRA_EINVAL && rc >= UMBRA_ENOENT) || rc == UMBRA_EMSGSIZE;
}

/* Lossy, corrupting, duplicating, reordering message path and random rescinds: every call
 * ends (bounded) with success or a named error, nothing leaks, nothing faults. */
static void t_hostile_messages(void)
{
	int connected = 0, echoed = 0;
	for (uint64_t seed = 1; seed <= 24; seed++) {
		struct sim_hostile h = {
			.msg_drop_pm = 20, .msg_dup_pm = 30, .msg_reorder_pm = 30, .msg_corrupt_pm = 40,
			.msg_delay_pm = 100, .rescind_pm = seed % 3 ? 0 : 2,
		};
		enum sim_platform p = seed % 2 ? SIM_SNP_PARAVISOR : SIM_TDX_PARAVISOR;
		UT_REQUIRE(machine(p, &h, seed));
		struct sim_device_desc d1 = { .kind = SIM_DEV_ECHO }, d2 = { .kind = SIM_DEV_ECHO, .relayed = true };
		uint32_t r1, r2;
		UT_EQ(sim_add_device(&d1, &r1), 0);
		UT_EQ(sim_add_device(&d2, &r2), 0);
		sim_leak_plant(CANARY, sizeof(CANARY));
		struct vmbus_info inf;
		int rc = vmbus_info(&inf);
		UT_CHECK(named_error(rc));
		if (rc == 0) {
			connected++;
			struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
			struct vmbus_offer_info o;
			for (unsigned i = 0; vmbus_offer_get(i, &o) == 0; i++) {
				struct vmbus_channel *c = NULL;
				rc = vmbus_open(o.relid, &op, &c);
				UT_CHECK(named_error(rc));
				if (rc)
					continue;
				static uint8_t b[600];
				memcpy(b, CANARY, sizeof(CANARY));
				int ok = 0;
				for (int k = 0; k < 50; k++) {
					if (vmbus_send(c, b, o.confidential_ring ? sizeof(b) : 8, (uint64_t)k, 1))
						break;
					rc = vmbus_recv(c, b + 100, 400, NULL, 100000000ull);
					UT_CHECK(named_error(rc) || rc > 0);
					if (rc < 0)
						break;
					ok++;
				}
				echoed += ok;
				rc = vmbus_close(c);
				UT_CHECK(named_error(rc));
			}
			rt_vmbus_stop();
		}
		UT_EQ(sim_leak_check(), 0);
		struct sim_stats st;
		sim_get_stats(&st);
		UT_EQ(st.faults, 0);
		struct sim_termination term;
		sim_termination(&term);
		UT_CHECK(!term.terminated);
	}
	printf("hostile messages: %d of 24 machines connected, %d packets echoed\n", connected, echoed);
	UT_CHECK(connected > 0);
}

/* Rescinds at random points (during GPADL creation, open, traffic, close) on an otherwise
 * reliable message path: every call ends with success or a named error, every relid is
 * released, every page comes back. */
static void t_rescind_storm(void)
{
	int opened = 0, rescinded = 0;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct sim_hostile h = { .rescind_pm = 15 };
		UT_REQUIRE(machine(seed % 2 ? SIM_SNP_PARAVISOR : SIM_TDX_PARAVISOR, &h, seed));
		for (int i = 0; i < 8; i++) {
			struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = i % 2 };
			uint32_t r;
			UT_EQ(sim_add_device(&d, &r), 0);
		}
		struct vmbus_info inf;
		UT_EQ(vmbus_info(&inf), 0);
		struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
		for (uint32_t relid = 1; relid <= 8; relid++) {
			struct vmbus_channel *c = NULL;
			int rc = vmbus_open(relid, &op, &c);
			UT_CHECK(rc == 0 || rc == UMBRA_ERESCINDED || rc == UMBRA_ENOENT);
			if (rc) {
				rescinded++;
				continue;
			}
			opened++;
			uint8_t b[64] = { 0 };
			for (int k = 0; k < 20; k++) {
				rc = vmbus_send(c, b, sizeof(b), (uint64_t)k, 1);
				if (rc == 0)
					rc = vmbus_recv(c, b, sizeof(b), NULL, 100000000ull);
				if (rc < 0) {
					UT_EQ(rc, UMBRA_ERESCINDED);
					rescinded++;
					break;
				}
			}
			UT_EQ(vmbus_close(c), 0);
		}
		sim_run(1000000);
		for (uint32_t relid = 1; relid <= 8; relid++) {
			struct sim_channel_info ci;
			if (sim_channel_info(relid, &ci) == 0)
				UT_CHECK(ci.state != SIM_CHAN_RESCINDED);   /* RelIdReleased sent for each */
		}
		UT_EQ(rt_vmbus_stop(), 0);
		UT_CHECK(sim_ok());
		if (!sim_ok())
			fprintf(stderr, "sim: %s\n", sim_last_problem());
		UT_EQ(mem_page_free_count(), free_before);
	}
	printf("rescind storm: %d opened, %d rescinded\n", opened, rescinded);
	UT_CHECK(rescinded > 0);
}

/* The host corrupts the indices of a relayed ring: the channel fails with ECORRUPT and
 * stays failed; close still works and returns everything. */
static void t_hostile_ring(void)
{
	struct sim_hostile h = { .ring_bad_index_pm = 200, .ring_len_lie_pm = 200 };
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, &h, 8));
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = true };
	uint32_t r;
	UT_EQ(sim_add_device(&d, &r), 0);
	struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(r, &op, &c), 0);
	uint8_t b[256] = { 0 };
	int rc = 0;
	for (int k = 0; k < 2000 && rc != UMBRA_ECORRUPT; k++) {
		rc = vmbus_send(c, b, 64, (uint64_t)k, 1);
		if (rc == 0)
			rc = vmbus_recv(c, b, sizeof(b), NULL, 10000000ull);
		UT_CHECK(named_error(rc) || rc > 0);
	}
	UT_EQ(rc, UMBRA_ECORRUPT);
	UT_EQ(vmbus_recv(c, b, sizeof(b), NULL, 0), UMBRA_ECORRUPT);
	UT_EQ(vmbus_send(c, b, 8, 1, 0), UMBRA_ECORRUPT);
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_EQ(mem_page_free_count(), free_before);
}

/* ---- packets above max_packet_bytes, and callback events, against the simulator ---- */

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t k = 0; k < len; k++)
		p[k] = (uint8_t)(seed + k * 3);
}

static bool filled(const uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t k = 0; k < len; k++)
		if (p[k] != (uint8_t)(seed + k * 3))
			return false;
	return true;
}

struct e2e_ev {
	int n, packets, oversized, rescinded;
	uint64_t tid[32];
	unsigned kind[32];
	bool ok[32];
	bool close_on_rescind;
};
static struct e2e_ev EE;

static void ee_pkt(struct vmbus_channel *ch, const struct vmbus_packet *pkt, void *ctx)
{
	(void)ch; (void)ctx;
	EE.packets++;
	if (EE.n < 32) {
		EE.kind[EE.n] = 0;
		EE.tid[EE.n] = pkt->trans_id;
		EE.ok[EE.n++] = filled(pkt->data, pkt->len, (uint8_t)pkt->trans_id);
	}
}

static void ee_event(struct vmbus_channel *ch, const struct vmbus_event *ev, void *ctx)
{
	(void)ctx;
	EE.oversized += ev->kind == VMBUS_EVENT_OVERSIZED;
	EE.rescinded += ev->kind == VMBUS_EVENT_RESCINDED;
	if (EE.n < 32) {
		EE.kind[EE.n] = ev->kind;
		EE.tid[EE.n] = ev->pkt.trans_id;
		EE.ok[EE.n++] = ev->kind != VMBUS_EVENT_OVERSIZED ||
			filled(ev->pkt.data, ev->pkt.len, (uint8_t)ev->pkt.trans_id);
	}
	if (ev->kind == VMBUS_EVENT_RESCINDED && EE.close_on_rescind)
		UT_EQ(vmbus_close(ch), 0);
}

/* The echo device answers packets larger than the channel's max_packet_bytes (4 KiB):
 * polling reports their size, discard and a larger buffer both work; a callback channel
 * gets the report with the payload and keeps delivering. */
static void t_oversized(void)
{
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, NULL, 13));
	struct sim_device_desc drel = { .kind = SIM_DEV_ECHO, .relayed = true };
	struct sim_device_desc dconf = { .kind = SIM_DEV_ECHO };
	uint32_t r1, r2;
	UT_EQ(sim_add_device(&drel, &r1), 0);
	UT_EQ(sim_add_device(&dconf, &r2), 0);
	simhost_capture();
	struct vmbus_open_params op = { .send_ring_bytes = 32 << 10, .recv_ring_bytes = 32 << 10,
					.max_packet_bytes = 4096 };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(r1, &op, &c), 0);
	static uint8_t out[12000], small[4096], big[12000];
	static const size_t lens[4] = { 10000, 96, 12000, 512 };
	for (int i = 0; i < 4; i++) {
		fill(out, lens[i], (uint8_t)(i + 1));
		UT_EQ(vmbus_send(c, out, lens[i], (uint64_t)(i + 1), 0), 0);
	}
	struct vmbus_packet pk;
	UT_EQ(vmbus_recv(c, small, sizeof(small), &pk, 1000000000ull), UMBRA_EMSGSIZE);
	UT_EQ(pk.len, 10000);
	UT_EQ(pk.trans_id, 1);
	UT_EQ(vmbus_discard(c, &pk), 10000);
	UT_EQ(vmbus_recv(c, small, sizeof(small), &pk, 1000000000ull), 96);
	UT_EQ(pk.trans_id, 2);
	UT_CHECK(filled(small, 96, 2));
	UT_EQ(vmbus_recv(c, small, sizeof(small), &pk, 1000000000ull), UMBRA_EMSGSIZE);
	UT_EQ(pk.len, 12000);
	UT_EQ(vmbus_recv(c, big, pk.len, &pk, 0), 12000);
	UT_CHECK(filled(big, 12000, 3));
	UT_EQ(vmbus_recv(c, small, sizeof(small), &pk, 1000000000ull), 512);
	UT_EQ(pk.trans_id, 4);
	UT_EQ(vmbus_close(c), 0);
	/* one log line for the channel, naming the size and the limit */
	const char *l = strstr(simhost_log, "vmbus: relid 1: 10000-byte packet above max_packet_bytes 4096");
	UT_CHECK(l != NULL);
	UT_CHECK(l && strstr(strchr(l, '\n'), "above max_packet_bytes") == NULL);

	memset(&EE, 0, sizeof(EE));
	op.on_packet = ee_pkt;
	op.on_event = ee_event;
	UT_EQ(vmbus_open(r2, &op, &c), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++) {
			uint8_t tid = (uint8_t)(0x10 * (round + 1) + i);
			fill(out, lens[i], tid);
			UT_EQ(vmbus_send(c, out, lens[i], tid, 0), 0);
		}
		for (int k = 0; k < 100 && EE.n < 4 * (round + 1); k++)
			UT_CHECK(vmbus_dispatch(100000000ull) >= 0);
	}
	UT_EQ(EE.n, 12);
	UT_EQ(EE.oversized, 6);
	UT_EQ(EE.packets, 6);
	for (int i = 0; i < EE.n; i++) {
		UT_EQ(EE.tid[i], 0x10 * (uint64_t)(i / 4 + 1) + (uint64_t)(i % 4));
		UT_EQ(EE.kind[i], lens[i % 4] > 4096 ? VMBUS_EVENT_OVERSIZED : 0u);
		UT_CHECK(EE.ok[i]);
	}
	struct vmbus_channel_stats st;
	UT_EQ(vmbus_channel_stats(c, &st), 0);
	UT_EQ(st.oversized, 6);
	UT_EQ(vmbus_close(c), 0);
	simhost_console = NULL;
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(sim_ok());
	if (!sim_ok())
		fprintf(stderr, "sim: %s\n", sim_last_problem());
	UT_EQ(mem_page_free_count(), free_before);
}

/* A rescind reaches a callback channel once, after its queued packets, from
 * vmbus_dispatch; closing in the callback releases the relid. */
static void t_rescind_callback(void)
{
	for (int relayed = 0; relayed < 2; relayed++) {
		UT_REQUIRE(machine(SIM_TDX_PARAVISOR, NULL, 14));
		struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
		uint32_t r;
		UT_EQ(sim_add_device(&d, &r), 0);
		memset(&EE, 0, sizeof(EE));
		EE.close_on_rescind = relayed;
		struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10,
						.on_packet = ee_pkt, .on_event = ee_event };
		struct vmbus_channel *c = NULL;
		UT_EQ(vmbus_open(r, &op, &c), 0);
		uint8_t out[64];
		for (int i = 0; i < 3; i++) {
			fill(out, sizeof(out), (uint8_t)(0x40 + i));
			UT_EQ(vmbus_send(c, out, sizeof(out), 0x40 + (uint64_t)i, 0), 0);
		}
		sim_run(1000000);                       /* the device answers ... */
		UT_EQ(sim_rescind(r), 0);               /* ... then the host rescinds */
		int calls = 0;
		for (int k = 0; k < 20; k++)
			calls += vmbus_dispatch(10000000ull);
		UT_EQ(calls, 4);
		UT_EQ(EE.packets, 3);
		UT_EQ(EE.rescinded, 1);
		UT_EQ(EE.n, 4);
		UT_EQ(EE.kind[3], VMBUS_EVENT_RESCINDED);
		if (!relayed)
			UT_EQ(vmbus_close(c), 0);
		UT_EQ(vmbus_close(c), UMBRA_ECLOSED);
		sim_run(1000000);
		struct sim_channel_info ci;
		UT_EQ(sim_channel_info(r, &ci), UMBRA_ENOENT);  /* RelIdReleased */
		UT_EQ(rt_vmbus_stop(), 0);
		UT_CHECK(sim_ok());
		UT_EQ(mem_page_free_count(), free_before);
	}
}

int main(void)
{
	UT_RUN(t_detect);
	UT_RUN(t_hyperv);
	UT_RUN(t_snp_paravisor);
	UT_RUN(t_tdx_paravisor);
	UT_RUN(t_snp_legacy);
	UT_RUN(t_tdx_legacy);
	UT_RUN(t_none);
	UT_RUN(t_fallback_refused_direct);
	UT_RUN(t_never_answers);
	UT_RUN(t_rescind_traffic);
	UT_RUN(t_hostile_posts);
	UT_RUN(t_log_and_trace);
	UT_RUN(t_gpa_direct);
	UT_RUN(t_version_refused);
	UT_RUN(t_hostile_messages);
	UT_RUN(t_hostile_ring);
	UT_RUN(t_rescind_storm);
	UT_RUN(t_oversized);
	UT_RUN(t_rescind_callback);
	if (last_log[0])
		printf("last sim log: %s\n", last_log);
	return UT_DONE();
}
