/*
 * Confidential data never touches host-visible memory: the runtime (synic/, vmbus/,
 * ring/, mem/ with the isolation policy and the bounce pool) against sim/, with the
 * leak checker scanning every host-visible page after every simulated step.
 *
 * In every paravisor configuration, channels of the three kinds (0x2+0x4, 0x2 only,
 * relayed) carry canary data in both directions, in-band and by GPA-direct (the app's
 * own buffers through vmbus_xfer_*, and vmbus_buffer_alloc buffers), wherever the
 * channel's policy says the data is confidential. Then the hostile cases: 0xDB failing
 * part-way, rescind while memory is shared, pool exhaustion; and the proof that the
 * checker would see a leak: the test-only switch that bounces a confidential channel's
 * external buffer makes it fail.
 */
#include "tests/unit/ut.h"
#include "sim/sim.h"
#include "vmbus/tests/simhost.h"
#include "sim/sim_wire.h"
#include <umbra/vmbus.h>
#include "vmbus/vmbus_api_int.h"
#include "rt/vmbus_up.h"
#include "synic/synic.h"
#include "mem/mem.h"
#include "mem/vis.h"
#include "arch/x86_64/hw.h"

static const uint8_t CANARY[16] = { 0x3D, 0xE1, 0x5A, 0x97, 0x0C, 0xB4, 0x6F, 0x28,
				    0xD3, 0x71, 0x4E, 0x85, 0x19, 0xAC, 0x62, 0xF0 };
#define WAIT_NS 1000000000ull
#define RING (16u << 10)

static uint64_t free_before;
static char last_log[256];
static void sim_log(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(last_log, sizeof(last_log), "%s", line);
}

static char gpadl_line[2048];
static void on_trace(const char *line)
{
	if (strstr(line, "dir=g2h") && strstr(line, " msgtype=8 ") && !gpadl_line[0])
		snprintf(gpadl_line, sizeof(gpadl_line), "%s", line);
}

static bool machine(enum sim_platform p, const struct sim_hostile *h, uint64_t seed)
{
	struct sim_config cfg;
	sim_config_default(&cfg, p);
	cfg.seed = seed;
	cfg.log = sim_log;
	cfg.ram_bytes = 8ull << 20;
	if (h)
		cfg.hostile = *h;
	if (simhost_start(&cfg, &free_before))
		return false;
	gpadl_line[0] = 0;
	synic_set_trace(on_trace);
	return true;
}

/* Every page the simulator sees host-visible is a platform page or one the runtime has
 * recorded (mem/vis): the runtime knows every host-visible range. */
static bool vis_records_complete(void)
{
	uint64_t gpa, n;
	if (sim_ram_free_range(&gpa, &n))
		return false;
	bool iso = mem_vis_isolated();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t g = gpa + i * 4096;
		bool sh = sim_page_visibility(g) == SIM_VIS_SHARED;
		if (iso && sh != (mem_vis_any_shared(g, 1) == 1)) {
			fprintf(stderr, "page 0x%llx: sim %s, runtime %s\n", (unsigned long long)g,
				sh ? "shared" : "private", sh ? "private" : "shared");
			return false;
		}
	}
	return true;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}

static int wait_completion(struct vmbus_channel *c, uint64_t tid, struct sim_dma_result *res)
{
	uint8_t b[64];
	struct vmbus_packet pk;
	int rc = vmbus_recv(c, b, sizeof(b), &pk, WAIT_NS);
	if (rc < (int)sizeof(*res) || pk.type != 11 || pk.trans_id != tid)
		return rc < 0 ? rc : -1000;
	memcpy(res, b, sizeof(*res));
	return 0;
}

/* In-band echo of n packets, with the canary in each if the ring is private. */
static int inband(struct vmbus_channel *c, int n, bool canary)
{
	static uint8_t out[1500], in[1600];
	int bad = 0;
	for (int i = 0; i < n; i++) {
		size_t len = 16 + (size_t)(i * 37) % (sizeof(out) - 16);
		for (size_t k = 0; k < len; k++)
			out[k] = (uint8_t)(k + (size_t)i);
		if (canary)
			memcpy(out + len / 2 - 8, CANARY, sizeof(CANARY));
		struct vmbus_packet pk;
		if (vmbus_send(c, out, len, 7000 + (uint64_t)i, VMBUS_SEND_COMPLETION_REQUESTED) ||
		    vmbus_recv(c, in, sizeof(in), &pk, WAIT_NS) < (int)len || pk.type != 11 ||
		    memcmp(in, out, len))
			bad++;
	}
	return bad;
}

/* The app's own heap buffer both ways through vmbus_xfer_*: the device hashes what the
 * app wrote (TO_HOST) and writes a pattern the app reads (FROM_HOST). canary: the data
 * is confidential (only on channels with confidential external memory). */
static void xfer_both_ways(struct vmbus_channel *c, bool conf_ext, bool canary)
{
	size_t len = 3 * 4096 + 123;
	uint8_t *buf = mem_alloc(len);
	UT_REQUIRE(buf);
	for (size_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(k * 13);
	if (canary)
		memcpy(buf + 5000, CANARY, sizeof(CANARY));
	struct sim_dma_cmd cmd = { .op = SIM_DMA_HASH };
	struct vmbus_xfer x;
	struct sim_dma_result res;
	UT_EQ(vmbus_xfer_send(c, buf, len, VMBUS_XFER_TO_HOST, &cmd, sizeof(cmd), 1,
			      VMBUS_SEND_COMPLETION_REQUESTED, 0, &x), 0);
	UT_EQ(x.bounced, !conf_ext);
	UT_EQ(wait_completion(c, 1, &res), 0);
	UT_EQ(res.status, 0);
	UT_EQ(res.bytes, len);
	UT_EQ(res.hash, fnv1a(buf, len));
	UT_EQ(vmbus_xfer_done(&x), 0);
	UT_EQ(vmbus_xfer_done(&x), x.bounced ? UMBRA_EINVAL : 0);
	/* FROM_HOST: the device writes the pattern; the app reads it from its own buffer. */
	uint8_t msg[sizeof(cmd) + sizeof(CANARY)];
	static const uint8_t plain[16] = "0123456789abcdef";
	cmd = (struct sim_dma_cmd){ .op = SIM_DMA_PATTERN, .arg = sizeof(CANARY) };
	memcpy(msg, &cmd, sizeof(cmd));
	memcpy(msg + sizeof(cmd), canary ? CANARY : plain, sizeof(CANARY));
	memset(buf, 0, len);
	UT_EQ(vmbus_xfer_send(c, buf + 1, len - 1, VMBUS_XFER_FROM_HOST, msg, sizeof(msg), 2,
			      VMBUS_SEND_COMPLETION_REQUESTED, 0, &x), 0);
	UT_EQ(wait_completion(c, 2, &res), 0);
	UT_EQ(res.status, 0);
	UT_EQ(vmbus_xfer_done(&x), 0);
	const uint8_t *want = canary ? CANARY : plain;
	bool ok = buf[0] == 0;
	for (size_t k = 0; k < len - 1 && ok; k++)
		ok = buf[1 + k] == want[k % 16];
	UT_CHECK(ok);
	memset(buf, 0, len);
	UT_EQ(mem_free(buf), 0);
}

/* A vmbus_buffer_alloc buffer by vmbus_send_gpa_direct, the device writing the pattern. */
static void buffer_pattern(struct vmbus_channel *c, bool canary)
{
	struct vmbus_buffer b;
	UT_EQ(vmbus_buffer_alloc(c, 2 * 4096, &b), 0);
	uint8_t msg[sizeof(struct sim_dma_cmd) + 16];
	struct sim_dma_cmd cmd = { .op = SIM_DMA_PATTERN, .arg = 16 };
	memcpy(msg, &cmd, sizeof(cmd));
	memcpy(msg + sizeof(cmd), canary ? CANARY : (const uint8_t *)"fedcba9876543210", 16);
	struct vmbus_gpa_buf gb = { .buf = &b, .offset = 8, .len = 5000 };
	UT_EQ(vmbus_send_gpa_direct(c, &gb, 1, msg, sizeof(msg), 3, VMBUS_SEND_COMPLETION_REQUESTED), 0);
	struct sim_dma_result res;
	UT_EQ(wait_completion(c, 3, &res), 0);
	UT_EQ(res.status, 0);
	UT_EQ(((const uint8_t *)b.va)[8], canary ? CANARY[0] : 'f');
	UT_EQ(vmbus_buffer_free(c, &b), 0);
}

struct kinds {
	uint32_t relid[3];      /* 0x2+0x4, 0x2 only, relayed */
	struct vmbus_channel *ch[3];
	struct vmbus_offer_info info[3];
};

static void open_kinds(struct kinds *k)
{
	struct sim_device_desc d[3] = {
		{ .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true },
		{ .kind = SIM_DEV_GPA_DIRECT },
		{ .kind = SIM_DEV_GPA_DIRECT, .relayed = true },
	};
	for (int i = 0; i < 3; i++)
		UT_EQ(sim_add_device(&d[i], &k->relid[i]), 0);
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	int n = vmbus_offer_count();
	UT_EQ(n, 3);
	for (int i = 0; i < 3; i++) {
		UT_EQ(vmbus_offer_get((unsigned)i, &k->info[i]), 0);
		UT_EQ(k->info[i].relid, k->relid[i]);
		k->ch[i] = NULL;
		UT_EQ(vmbus_open(k->relid[i], &op, &k->ch[i]), 0);
	}
}

static bool leak_free(void)
{
	bool ok = sim_leak_check() == 0 && sim_ok();
	if (!ok)
		fprintf(stderr, "sim: %s\n", sim_last_problem());
	return ok;
}

static void kinds_on(enum sim_platform p)
{
	UT_REQUIRE(machine(p, NULL, 61));
	sim_leak_plant(CANARY, sizeof(CANARY));
	struct kinds k;
	open_kinds(&k);
	bool paravisor_first = p == SIM_SNP_PARAVISOR || p == SIM_TDX_PARAVISOR;
	UT_EQ(k.info[0].confidential_ring, paravisor_first);
	UT_EQ(k.info[0].confidential_external, paravisor_first);
	UT_EQ(k.info[1].confidential_ring, paravisor_first);
	UT_EQ(k.info[1].confidential_external, false);
	UT_EQ(k.info[2].flags, 0);
	for (int i = 0; i < 3; i++) {
		UT_REQUIRE(k.ch[i]);
		bool ring = k.info[i].confidential_ring, ext = k.info[i].confidential_external;
		UT_EQ(inband(k.ch[i], 200, ring), 0);
		xfer_both_ways(k.ch[i], ext, ext);
		buffer_pattern(k.ch[i], ext);
		UT_CHECK(leak_free());
		UT_CHECK(vis_records_complete());
	}
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.takes, paravisor_first ? 4 : 6);   /* 2 per channel without 0x4 */
	UT_EQ(bi.in_use, 0);
	/* Rescind while memory is shared: a bounced transfer in flight on the relayed
	 * channel, a host-visible buffer on the 0x2-only one, a private in-place transfer
	 * on the 0x4 one. Close releases everything; nothing confidential ever shows. */
	uint8_t *buf = mem_alloc(8192);
	UT_REQUIRE(buf);
	memset(buf, 0x11, 8192);
	if (k.info[0].confidential_external)
		memcpy(buf + 100, CANARY, sizeof(CANARY));
	struct vmbus_xfer x0, x2;
	struct vmbus_buffer b1;
	struct sim_dma_cmd hash = { .op = SIM_DMA_HASH };
	UT_EQ(vmbus_xfer_send(k.ch[0], buf, 8192, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 9, 0, 0, &x0), 0);
	UT_EQ(vmbus_buffer_alloc(k.ch[1], 4096, &b1), 0);
	uint8_t *plain = mem_alloc(4096);
	UT_REQUIRE(plain);
	memset(plain, 0x22, 4096);
	UT_EQ(vmbus_xfer_send(k.ch[2], plain, 4096, VMBUS_XFER_TO_HOST | VMBUS_XFER_FROM_HOST,
			      &hash, sizeof(hash), 9, 0, 0, &x2), 0);
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, x0.bounced ? 3 : 1);
	for (int i = 0; i < 3; i++)
		UT_EQ(sim_rescind(k.relid[i]), 0);
	uint8_t tmp[64];
	for (int i = 0; i < 3; i++)
		UT_EQ(vmbus_recv(k.ch[i], tmp, sizeof(tmp), NULL, WAIT_NS), UMBRA_ERESCINDED);
	UT_EQ(vmbus_xfer_done(&x2), 0);             /* after the rescind: still releases */
	UT_CHECK(leak_free());
	for (int i = 0; i < 3; i++)
		UT_EQ(vmbus_close(k.ch[i]), 0);
	UT_EQ(vmbus_xfer_done(&x0), UMBRA_ECLOSED);
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 0);
	UT_CHECK(vis_records_complete());
	UT_EQ(mem_free(buf), 0);
	UT_EQ(mem_free(plain), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(leak_free());
	struct mem_vis_info vi;
	mem_vis_info(&vi);
	UT_EQ(vi.shared_pages, 0);
	UT_EQ(vi.quarantined_pages, 0);
	mem_heap_trim();
	UT_EQ(mem_page_free_count(), free_before);
}

static void t_kinds_snp(void) { kinds_on(SIM_SNP_PARAVISOR); }
static void t_kinds_tdx(void) { kinds_on(SIM_TDX_PARAVISOR); }
static void t_kinds_snp_legacy(void) { kinds_on(SIM_SNP_LEGACY_PARAVISOR); }
static void t_kinds_tdx_legacy(void) { kinds_on(SIM_TDX_LEGACY_PARAVISOR); }

/* The checker catches a leak: the test-only switch bounces the external buffer of the
 * 0x4 channel, and the canary in it becomes host-visible. */
static void t_deliberate_leak(void)
{
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, NULL, 62));
	sim_leak_plant(CANARY, sizeof(CANARY));
	struct kinds k;
	open_kinds(&k);
	UT_REQUIRE(k.ch[0] && k.info[0].confidential_external);
	uint8_t *buf = mem_alloc(4096);
	UT_REQUIRE(buf);
	memset(buf, 0, 4096);
	memcpy(buf + 64, CANARY, sizeof(CANARY));
	struct sim_dma_cmd hash = { .op = SIM_DMA_HASH };
	struct vmbus_xfer x;
	/* Without the switch: in place, the pool untouched, no leak. */
	UT_EQ(vmbus_xfer_send(k.ch[0], buf, 4096, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 1,
			      VMBUS_SEND_COMPLETION_REQUESTED, 0, &x), 0);
	UT_CHECK(!x.bounced);
	struct sim_dma_result res;
	UT_EQ(wait_completion(k.ch[0], 1, &res), 0);
	UT_EQ(res.status, 0);
	UT_EQ(vmbus_xfer_done(&x), 0);
	UT_CHECK(leak_free());
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.takes, 0);
	/* With it: bounced, and the checker sees the canary in a host-visible page. */
	vmbus_test_bounce_confidential = true;
	int rc = vmbus_xfer_send(k.ch[0], buf, 4096, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 2,
				 VMBUS_SEND_COMPLETION_REQUESTED, 0, &x);
	vmbus_test_bounce_confidential = false;
	UT_EQ(rc, 0);
	UT_CHECK(x.bounced);
	UT_CHECK(sim_leak_check() > 0);
	struct sim_leak_report lr;
	sim_leak_report(&lr);
	UT_CHECK(lr.count > 0);
	UT_EQ(sim_page_visibility(lr.gpa), SIM_VIS_SHARED);
	UT_CHECK(!sim_ok());
	vmbus_xfer_done(&x);
	mem_free(buf);
}

/* Buffers of the wrong kind are refused, never copied to where the policy wants them. */
static void t_wrong_kind(void)
{
	UT_REQUIRE(machine(SIM_TDX_PARAVISOR, NULL, 63));
	struct kinds k;
	open_kinds(&k);
	UT_REQUIRE(k.ch[0] && k.ch[2]);
	struct vmbus_buffer shared_buf, priv_buf;
	UT_EQ(vmbus_buffer_alloc(k.ch[2], 4096, &shared_buf), 0);
	UT_CHECK(shared_buf.host_visible);
	UT_EQ(vmbus_buffer_alloc(k.ch[0], 4096, &priv_buf), 0);
	UT_CHECK(!priv_buf.host_visible);
	struct vmbus_gpa_buf gb = { .buf = &shared_buf, .offset = 0, .len = 100 };
	uint32_t cmd[2] = { SIM_DMA_HASH, 0 };
	UT_EQ(vmbus_send_gpa_direct(k.ch[0], &gb, 1, cmd, sizeof(cmd), 1, 0), UMBRA_EPERM);
	gb.buf = &priv_buf;
	UT_EQ(vmbus_send_gpa_direct(k.ch[2], &gb, 1, cmd, sizeof(cmd), 1, 0), UMBRA_EPERM);
	struct vmbus_buffer fake = priv_buf;
	fake.gpa += 4096 * 100;
	gb.buf = &fake;
	UT_EQ(vmbus_send_gpa_direct(k.ch[2], &gb, 1, cmd, sizeof(cmd), 1, 0), UMBRA_EINVAL);
	struct vmbus_xfer x;
	/* in place needs private memory of the allocator */
	UT_EQ(vmbus_xfer_send(k.ch[0], shared_buf.va, 100, VMBUS_XFER_TO_HOST, cmd, sizeof(cmd), 1, 0, 0, &x),
	      UMBRA_EPERM);
	static uint8_t not_ram[4096];
	UT_EQ(vmbus_xfer_send(k.ch[0], not_ram, 100, VMBUS_XFER_TO_HOST, cmd, sizeof(cmd), 1, 0, 0, &x),
	      UMBRA_EINVAL);
	uint8_t *heap = mem_alloc(64);
	UT_EQ(vmbus_xfer_send(k.ch[0], heap, 64, 0, cmd, sizeof(cmd), 1, 0, 0, &x), UMBRA_EINVAL);
	UT_EQ(vmbus_xfer_send(k.ch[0], heap, 0, VMBUS_XFER_TO_HOST, cmd, sizeof(cmd), 1, 0, 0, &x), UMBRA_EINVAL);
	UT_EQ(vmbus_xfer_send(k.ch[0], heap, 64, VMBUS_XFER_TO_HOST, cmd, sizeof(cmd), 1, 0, 0, NULL), UMBRA_EINVAL);
	UT_EQ(vmbus_xfer_send(NULL, heap, 64, VMBUS_XFER_TO_HOST, cmd, sizeof(cmd), 1, 0, 0, &x), UMBRA_EINVAL);
	UT_EQ(vmbus_xfer_done(NULL), UMBRA_EINVAL);
	mem_free(heap);
	UT_EQ(vmbus_bounce_info(NULL), UMBRA_EINVAL);
	UT_EQ(sim_leak_check(), 0);
	UT_CHECK(sim_ok());
}

/* Pool exhaustion: at once (ENOBUFS), bounded wait (ETIMEDOUT), and a wait that ends
 * because a callback channel's completions released pool pages. */
static struct vmbus_xfer cb_x[4];
static int cb_done;
static void on_packet(struct vmbus_channel *ch, const struct vmbus_packet *pkt, void *ctx)
{
	(void)ch; (void)ctx;
	if (pkt->type == 11 && pkt->trans_id < 4 && vmbus_xfer_done(&cb_x[pkt->trans_id]) == 0)
		cb_done++;
}

static void t_pool_exhaustion(void)
{
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, NULL, 64));
	UT_EQ(vmbus_bounce_pool_pages(0), UMBRA_EINVAL);
	UT_EQ(vmbus_bounce_pool_pages(4), 0);
	uint32_t relid, relid2;
	struct sim_device_desc d = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
	UT_EQ(sim_add_device(&d, &relid), 0);
	UT_EQ(sim_add_device(&d, &relid2), 0);
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	struct vmbus_channel *c = NULL, *cb = NULL;
	UT_EQ(vmbus_open(relid, &op, &c), 0);
	UT_REQUIRE(c);
	uint8_t *buf = mem_alloc(3 * 8192);
	UT_REQUIRE(buf);
	memset(buf, 0x5C, 3 * 8192);
	struct sim_dma_cmd hash = { .op = SIM_DMA_HASH };
	struct vmbus_xfer a, b, e;
	UT_EQ(vmbus_xfer_send(c, buf, 8192, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 1, 0, 0, &a), 0);
	UT_EQ(vmbus_xfer_send(c, buf + 8192, 8192, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 2, 0, 0, &b), 0);
	UT_EQ(vmbus_bounce_pool_pages(8), UMBRA_EBUSY);
	UT_EQ(vmbus_xfer_send(c, buf, 4096, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 3, 0, 0, &e), UMBRA_ENOBUFS);
	uint64_t t0 = hw_now_ns();
	UT_EQ(vmbus_xfer_send(c, buf, 4096, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 3, 0, 5000000, &e),
	      UMBRA_ETIMEDOUT);
	UT_CHECK(hw_now_ns() - t0 >= 5000000);
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.pages, 4);
	UT_EQ(bi.in_use, 4);
	UT_CHECK(bi.exhausted >= 2);
	UT_EQ(vmbus_xfer_done(&a), 0);
	UT_EQ(vmbus_xfer_done(&b), 0);
	/* A callback channel fills the pool; the next send waits while callbacks run. */
	op.on_packet = on_packet;
	UT_EQ(vmbus_open(relid2, &op, &cb), 0);
	UT_REQUIRE(cb);
	cb_done = 0;
	UT_EQ(vmbus_xfer_send(cb, buf, 8192, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 0,
			      VMBUS_SEND_COMPLETION_REQUESTED, 0, &cb_x[0]), 0);
	UT_EQ(vmbus_xfer_send(cb, buf + 8192, 8192, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 1,
			      VMBUS_SEND_COMPLETION_REQUESTED, 0, &cb_x[1]), 0);
	UT_EQ(vmbus_xfer_send(cb, buf + 16384, 8192, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 2,
			      VMBUS_SEND_COMPLETION_REQUESTED, WAIT_NS, &cb_x[2]), 0);
	UT_CHECK(cb_done >= 1);
	while (cb_done < 3 && vmbus_dispatch(WAIT_NS) > 0)
		;
	UT_EQ(cb_done, 3);
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 0);
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(vmbus_close(cb), 0);
	UT_EQ(mem_free(buf), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(leak_free());
	mem_heap_trim();
	UT_EQ(mem_page_free_count(), free_before);
}

/* 0xDB failing part-way, both directions, while confidential traffic runs: opens fail
 * cleanly or succeed, pages that do not return to private are quarantined (still
 * host-visible, never reused), the runtime's records match the simulator's page
 * states, and no canary ever shows. */
static void t_visibility_failures(void)
{
	struct sim_hostile h = { .visibility_fail_pm = 250 };
	unsigned no_vmbus = 0, opens = 0, open_fails = 0;
	uint64_t quarantined = 0, failures = 0;
	for (uint64_t seed = 70; seed < 76; seed++) {
		UT_REQUIRE(machine(seed & 1 ? SIM_TDX_PARAVISOR : SIM_SNP_PARAVISOR, &h, seed));
		sim_leak_plant(CANARY, sizeof(CANARY));
		uint32_t conf, rel;
		struct sim_device_desc dc = { .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true };
		struct sim_device_desc dr = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
		UT_EQ(sim_add_device(&dc, &conf), 0);
		UT_EQ(sim_add_device(&dr, &rel), 0);
		int n = vmbus_offer_count();
		if (n < 0) {        /* bring-up itself may fail (the TDX page): no VMBus */
			UT_EQ(n, UMBRA_ENODEV);
			no_vmbus++;
			UT_CHECK(vis_records_complete());
			continue;
		}
		UT_EQ(n, 2);
		struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
		struct vmbus_channel *cc = NULL;
		UT_EQ(vmbus_open(conf, &op, &cc), 0);    /* private ring: no visibility change */
		UT_REQUIRE(cc);
		int opened = 0, failed = 0;
		for (int i = 0; i < 12; i++) {
			struct vmbus_channel *rc = NULL;
			int r = vmbus_open(rel, &op, &rc);
			if (r == 0) {
				opened++;
				UT_EQ(inband(rc, 5, false), 0);
				struct vmbus_buffer b;
				if (vmbus_buffer_alloc(rc, 3 * 4096, &b) == 0)
					vmbus_buffer_free(rc, &b);
				vmbus_close(rc);
			} else {
				UT_EQ(r, UMBRA_EIO);
				failed++;
			}
			UT_EQ(inband(cc, 3, true), 0);
			xfer_both_ways(cc, true, true);
			UT_CHECK(vis_records_complete());
			UT_CHECK(leak_free());
		}
		UT_CHECK(opened + failed == 12);
		opens += (unsigned)opened;
		open_fails += (unsigned)failed;
		struct mem_vis_info vi;
		mem_vis_info(&vi);
		UT_CHECK(vi.failures > 0);
		failures += vi.failures;
		for (unsigned i = 0;; i++) {
			uint64_t g, np;
			bool q;
			if (mem_vis_range_get(i, &g, &np, &q))
				break;
			for (uint64_t p = 0; p < np; p++) {
				UT_EQ(mem_page_state(g + p * 4096), 1);
				UT_EQ(sim_page_visibility(g + p * 4096), SIM_VIS_SHARED);
			}
		}
		vmbus_close(cc);
		rt_vmbus_stop();
		UT_CHECK(leak_free());
		UT_CHECK(vis_records_complete());
		mem_vis_info(&vi);
		mem_heap_trim();
		UT_EQ(mem_page_free_count() + vi.quarantined_pages, free_before);
		quarantined += vi.quarantined_pages;
	}
	printf("visibility failures: %llu failed 0xDB changes, %u opens ok, %u refused, "
	       "%llu pages quarantined, %u machines without VMBus\n", (unsigned long long)failures,
	       opens, open_fails, (unsigned long long)quarantined, no_vmbus);
	UT_CHECK(quarantined > 0);
}

/* The PFN form is one switch: with the boundary, the GPADL of a host-visible ring names
 * GPA | boundary (the simulator's shared view accepts both aliases, as OpenHCL's). */
static void pfn_form(bool with_boundary)
{
	rt_vmbus_test_pfn_boundary = with_boundary;
	UT_REQUIRE(machine(SIM_SNP_PARAVISOR, NULL, 65));
	uint32_t rel;
	struct sim_device_desc dr = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
	UT_EQ(sim_add_device(&dr, &rel), 0);
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(rel, &op, &c), 0);
	UT_REQUIRE(c);
	/* GpadlHeader (the traced payload starts with the 8-byte message header): relid,
	 * gpadl, range_buflen, rangecount, byte_count, byte_offset, then pfn[0] at byte 28;
	 * bit 46 of the GPA is bit 2 of pfn byte 4. */
	const char *hex = strstr(gpadl_line, "hex=");
	UT_REQUIRE(hex && strlen(hex + 4) >= 64);
	unsigned byte4;
	UT_EQ(sscanf(hex + 4 + 2 * 32, "%2x", &byte4), 1);
	UT_EQ((byte4 & 0x04) != 0, with_boundary);
	UT_EQ(inband(c, 20, false), 0);
	xfer_both_ways(c, false, false);
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	rt_vmbus_test_pfn_boundary = false;
	UT_CHECK(leak_free());
}

static void t_pfn_low_alias(void) { pfn_form(false); }
static void t_pfn_with_boundary(void) { pfn_form(true); }

int main(void)
{
	UT_RUN(t_kinds_snp);
	UT_RUN(t_kinds_tdx);
	UT_RUN(t_kinds_snp_legacy);
	UT_RUN(t_kinds_tdx_legacy);
	UT_RUN(t_deliberate_leak);
	UT_RUN(t_wrong_kind);
	UT_RUN(t_pool_exhaustion);
	UT_RUN(t_visibility_failures);
	UT_RUN(t_pfn_low_alias);
	UT_RUN(t_pfn_with_boundary);
	return UT_DONE();
}
