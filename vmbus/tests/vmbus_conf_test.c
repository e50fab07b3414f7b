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
 *
 * The confidentiality policy (include/umbra/vmbus.h) in every configuration: off = as
 * above plus the fallback warning; a private connection that cannot be had fails the
 * bring-up without using the host-visible route; private-only channels refuse the open
 * of a relayed offer, bounced transfers and host-visible buffers; the load option only
 * adds to the app's policy.
 */
#include "tests/unit/ut.h"
#include "sim/sim.h"
#include "vmbus/tests/simhost.h"
#include "sim/sim_wire.h"
#include <umbra/vmbus.h>
#include "vmbus/vmbus_api_int.h"
#include "rt/vmbus_up.h"
#include "rt/options.h"
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

/* After a stop or a refused bring-up: the machine holds nothing of ours and saw nothing. */
static void nothing_left(void)
{
	struct mem_vis_info vi;
	mem_vis_info(&vi);
	UT_EQ(vi.shared_pages, 0);
	UT_EQ(vi.quarantined_pages, 0);
	mem_heap_trim();
	UT_EQ(mem_page_free_count(), free_before);
	UT_CHECK(leak_free());
	UT_CHECK(vis_records_complete());
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
	nothing_left();
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

/* ---- the confidentiality policy (include/umbra/vmbus.h) ---------------------------- */

static unsigned g2h_lines, g2h_untrusted;
static void on_trace_policy(const char *line)
{
	on_trace(line);
	if (strstr(line, "dir=g2h")) {
		g2h_lines++;
		if (!strstr(line, "route=direct"))
			g2h_untrusted++;
	}
}

/* rt_options_init's warnings (written in pieces, each line ending in "\n"). */
static char opt_log[1024];
static void opt_out(const char *text)
{
	size_t n = strlen(opt_log);
	snprintf(opt_log + n, sizeof(opt_log) - n, "%s", text);
}

/* A machine whose runtime sees the load options argv (rt_options_init, as at boot). */
static uint32_t policy_max_version;
static bool policy_machine(enum sim_platform p, const struct sim_hostile *h, uint64_t seed,
			   const char *option)
{
	char *argv[3] = { "umbra", (char *)option, NULL };
	opt_log[0] = 0;
	rt_options_init(option ? 2 : 1, argv, NULL, 0, opt_out);
	struct sim_config cfg;
	sim_config_default(&cfg, p);
	cfg.seed = seed;
	cfg.log = sim_log;
	cfg.ram_bytes = 8ull << 20;
	cfg.max_version = policy_max_version;
	if (h)
		cfg.hostile = *h;
	if (simhost_start(&cfg, &free_before))
		return false;
	simhost_capture();
	g2h_lines = g2h_untrusted = 0;
	gpadl_line[0] = 0;
	synic_set_trace(on_trace_policy);
	return true;
}

static bool logged(const char *text)
{
	bool ok = strstr(simhost_log, text) != NULL;
	if (!ok)
		fprintf(stderr, "not logged: \"%s\"; log:\n%s", text, simhost_log);
	return ok;
}

/* Every call that brings VMBus up returns the refusal; nothing is retried. */
static void all_refused(int want)
{
	struct vmbus_info inf;
	struct vmbus_offer_info o;
	struct vmbus_guid g = { { 0 } };
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_info(&inf), want);
	UT_CHECK(!inf.connected);
	UT_EQ(vmbus_offer_count(), want);
	UT_EQ(vmbus_offer_get(0, &o), want);
	UT_EQ(vmbus_find(&g, 0, &o), want);
	UT_EQ(vmbus_open(1, &op, &c), want);
	UT_CHECK(c == NULL);
}


/* Default policy: today's behaviour, and the downgrade is a warning. Refused direct post
 * (SNP, TDX): the fallback connects by the bypass route and says so; 0x10 not granted
 * (the server stops at 5.2): the same warning's other form; a legacy paravisor, Hyper-V
 * without isolation and a confidential connection: no warning. */
static void default_fallback(enum sim_platform p)
{
	struct sim_hostile h = { .refuse_direct_post = true };
	UT_REQUIRE(policy_machine(p, &h, 80, NULL));
	struct vmbus_policy_info pi;
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.effective, 0);
	UT_EQ(pi.option, 0);
	UT_CHECK(!pi.refused);
	uint32_t rel;
	struct sim_device_desc d = { .kind = SIM_DEV_GPA_DIRECT };
	UT_EQ(sim_add_device(&d, &rel), 0);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_CHECK(!inf.confidential);
	UT_CHECK(rt_vmbus_fell_back());
	UT_CHECK(logged("umbra: WARN vmbus: direct InitiateContact refused; falling back to the "
			"host-visible control plane (no confidential channels, every ring host-visible)\n"));
	UT_CHECK(!strstr(simhost_log, "confidentiality policy"));
	UT_CHECK(g2h_untrusted > 0);
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(rel, &op, &c), 0);
	UT_EQ(inband(c, 20, false), 0);
	xfer_both_ways(c, false, false);        /* bounced, as without a policy */
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(leak_free());
}

static void t_default_fallback_warns_snp(void) { default_fallback(SIM_SNP_PARAVISOR); }
static void t_default_fallback_warns_tdx(void) { default_fallback(SIM_TDX_PARAVISOR); }

static void t_default_warns_only_on_downgrade(void)
{
	policy_max_version = 0x00050002;
	bool ok = policy_machine(SIM_TDX_PARAVISOR, NULL, 81, NULL);
	policy_max_version = 0;
	UT_REQUIRE(ok);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_CHECK(!inf.confidential && !rt_vmbus_fell_back());
	UT_CHECK(logged("umbra: WARN vmbus: Confidential VMBus available but not granted at "
			"version 5.2: no confidential channels, every ring host-visible\n"));
	UT_EQ(rt_vmbus_stop(), 0);
	static const enum sim_platform quiet[] = { SIM_SNP_PARAVISOR, SIM_TDX_LEGACY_PARAVISOR,
						   SIM_SNP_LEGACY_PARAVISOR, SIM_HYPERV };
	for (unsigned i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
		UT_REQUIRE(policy_machine(quiet[i], NULL, 82, NULL));
		UT_EQ(vmbus_info(&inf), 0);
		UT_CHECK(logged("vmbus: version 6.0, "));
		UT_CHECK(!strstr(simhost_log, "WARN"));
		UT_EQ(rt_vmbus_stop(), 0);
	}
}

/* Private connection, the paravisor refuses the direct post: the bring-up fails with
 * UMBRA_EPOLICY, says why, never falls back: nothing is posted by the bypass route, the
 * server never connects, no page is left host-visible. */
static void conn_refused(enum sim_platform p)
{
	struct sim_hostile h = { .refuse_direct_post = true };
	UT_REQUIRE(policy_machine(p, &h, 83, NULL));
	sim_leak_plant(CANARY, sizeof(CANARY));
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CONNECTION), 0);
	uint32_t rel;
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	UT_EQ(sim_add_device(&d, &rel), 0);
	all_refused(UMBRA_EPOLICY);
	UT_CHECK(logged("vmbus: confidentiality policy: private connection (app: private "
			"connection; load option umbra.vmbus.policy: none)\n"));
	UT_CHECK(logged("vmbus: connect refused by the confidentiality policy (private "
			"connection): the paravisor refused the direct InitiateContact; no fallback "
			"to the host-visible control plane\n"));
	UT_CHECK(!strstr(simhost_log, "WARN"));
	UT_CHECK(!rt_vmbus_fell_back());
	UT_EQ(g2h_lines, 0);                    /* the refused post was the only one */
	struct sim_stats st;
	sim_get_stats(&st);
	UT_EQ(st.posts, 0);
	UT_EQ(st.posts_failed, 1);
	UT_EQ(st.msgs_delivered, 0);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(!si.connected);
	UT_EQ(si.msgs_in, 0);
	struct vmbus_policy_info pi;
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_CHECK(pi.refused);
	/* Lowering the policy afterwards does not retry the bring-up. */
	UT_EQ(vmbus_policy_set(0), 0);
	all_refused(UMBRA_EPOLICY);
	sim_get_stats(&st);
	UT_EQ(st.posts + st.posts_failed, 1);
	nothing_left();
}

static void t_conn_refused_snp(void) { conn_refused(SIM_SNP_PARAVISOR); }
static void t_conn_refused_tdx(void) { conn_refused(SIM_TDX_PARAVISOR); }

/* Private connection where Confidential VMBus cannot be had: refused before the SynIC or
 * any page is touched (no isolation; a paravisor without the CPUID bit), or after the
 * direct route alone was used (0x10 not granted: Unload by the direct route). No Hyper-V
 * stays UMBRA_ENODEV. */
static void t_conn_unavailable(void)
{
	static const struct { enum sim_platform p; const char *why; } cases[] = {
		{ SIM_HYPERV, "not an isolated VM, all memory is host-visible\n" },
		{ SIM_SNP_LEGACY_PARAVISOR, "no Confidential VMBus (CPUID 0x40000082 EAX bit 3 "
					    "clear), the control plane would be host-visible\n" },
		{ SIM_TDX_LEGACY_PARAVISOR, "no Confidential VMBus" },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		UT_REQUIRE(policy_machine(cases[i].p, NULL, 84, NULL));
		UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE), 0);
		all_refused(UMBRA_EPOLICY);
		UT_CHECK(logged(cases[i].why));
		struct sim_stats st;
		sim_get_stats(&st);
		UT_EQ(st.msr_writes + st.posts + st.posts_failed + st.ghcb_exits + st.tdcalls +
		      st.visibility_calls + st.direct_hypercalls, 0);
		nothing_left();
	}
	policy_max_version = 0x00050002;
	bool ok = policy_machine(SIM_SNP_PARAVISOR, NULL, 85, NULL);
	policy_max_version = 0;
	UT_REQUIRE(ok);
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CONNECTION), 0);
	all_refused(UMBRA_EPOLICY);
	UT_CHECK(logged("the paravisor did not grant Confidential VMBus (feature 0x10)\n"));
	UT_CHECK(!strstr(simhost_log, "WARN"));
	UT_CHECK(g2h_lines > 0);
	UT_EQ(g2h_untrusted, 0);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(!si.connected);                /* unloaded */
	nothing_left();
	UT_REQUIRE(policy_machine(SIM_NONE, NULL, 86, NULL));
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE), 0);
	all_refused(UMBRA_ENODEV);
	UT_EQ(vmbus_policy_set(4), UMBRA_EINVAL);
}

/* Per channel (VMBUS_OPEN_PRIVATE_ONLY) or for all (VMBUS_POLICY_PRIVATE_CHANNELS) on a
 * confidential connection: the 0x2+0x4 channel works entirely in place; the 0x2-only
 * channel opens (private ring) and carries in-band data, but a transfer that would
 * bounce and a buffer that would be host-visible are refused; the relayed channel does
 * not open. Nothing is posted, allocated or made host-visible by a refusal. */
static void channel_policy(enum sim_platform p, bool global)
{
	UT_REQUIRE(policy_machine(p, NULL, 87, NULL));
	sim_leak_plant(CANARY, sizeof(CANARY));
	if (global)
		UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CHANNELS), 0);
	uint32_t relid[3];
	struct sim_device_desc d[3] = {
		{ .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true },
		{ .kind = SIM_DEV_GPA_DIRECT },
		{ .kind = SIM_DEV_GPA_DIRECT, .relayed = true },
	};
	for (int i = 0; i < 3; i++)
		UT_EQ(sim_add_device(&d[i], &relid[i]), 0);
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING,
					.flags = global ? 0 : VMBUS_OPEN_PRIVATE_ONLY };
	struct vmbus_channel *c[3] = { NULL, NULL, NULL };
	UT_EQ(vmbus_offer_count(), 3);
	struct mem_vis_info vi;
	mem_vis_info(&vi);
	uint64_t shared0 = vi.shared_pages;     /* the SynIC's own (TDX: the TDVMCALL page) */
	/* the relayed channel: refused before anything is allocated or posted */
	struct sim_stats before, after;
	sim_get_stats(&before);
	uint64_t free0 = mem_page_free_count();
	UT_EQ(vmbus_open(relid[2], &op, &c[2]), UMBRA_EPOLICY);
	UT_CHECK(c[2] == NULL);
	sim_get_stats(&after);
	UT_EQ(after.posts, before.posts);
	UT_EQ(after.visibility_calls, before.visibility_calls);
	UT_EQ(mem_page_free_count(), free0);
	char want[256];
	snprintf(want, sizeof want, "vmbus: relid %u: open refused by the confidentiality policy: "
		 "the offer has no confidential ring (flags 0x0), its ring would be host-visible\n",
		 (unsigned)relid[2]);
	UT_CHECK(logged(want));
	struct sim_channel_info sci;
	UT_EQ(sim_channel_info(relid[2], &sci), 0);
	UT_EQ(sci.state, SIM_CHAN_OFFERED);
	UT_EQ(vmbus_open(relid[0], &op, &c[0]), 0);
	UT_EQ(vmbus_open(relid[1], &op, &c[1]), 0);
	UT_REQUIRE(c[0] && c[1]);
	/* 0x2+0x4: everything private, in place */
	UT_EQ(inband(c[0], 50, true), 0);
	xfer_both_ways(c[0], true, true);
	buffer_pattern(c[0], true);
	/* 0x2 only: in-band into the private ring; no bounce, no host-visible buffer */
	UT_EQ(inband(c[1], 50, true), 0);
	uint8_t *buf = mem_alloc(8192);
	UT_REQUIRE(buf);
	memcpy(buf + 300, CANARY, sizeof(CANARY));
	struct sim_dma_cmd hash = { .op = SIM_DMA_HASH };
	struct vmbus_xfer x;
	sim_get_stats(&before);
	UT_EQ(vmbus_xfer_send(c[1], buf, 8192, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 1, 0, 0, &x),
	      UMBRA_EPOLICY);
	UT_EQ(vmbus_xfer_send(c[1], buf, 100, VMBUS_XFER_FROM_HOST, &hash, sizeof(hash), 1, 0,
			      WAIT_NS, &x), UMBRA_EPOLICY);
	snprintf(want, sizeof want, "vmbus: relid %u: transfer refused by the confidentiality "
		 "policy: the channel has no confidential external memory (0x4), the data would "
		 "be bounced through host-visible pages\n", (unsigned)relid[1]);
	UT_CHECK(logged(want));
	struct vmbus_buffer b;
	UT_EQ(vmbus_buffer_alloc(c[1], 4096, &b), UMBRA_EPOLICY);
	UT_CHECK(b.va == NULL && !b.host_visible);
	snprintf(want, sizeof want, "vmbus: relid %u: buffer refused by the confidentiality "
		 "policy: the channel has no confidential external memory (0x4), the buffer would "
		 "be host-visible\n", (unsigned)relid[1]);
	UT_CHECK(logged(want));
	sim_get_stats(&after);
	UT_EQ(after.visibility_calls, before.visibility_calls);
	UT_EQ(sim_channel_info(relid[1], &sci), 0);
	struct sim_channel_info sci0 = sci;
	UT_EQ(inband(c[1], 1, true), 0);         /* the refusals sent nothing */
	UT_EQ(sim_channel_info(relid[1], &sci), 0);
	UT_EQ(sci.packets_in, sci0.packets_in + 1);
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.pages, 0);                     /* the pool was never made */
	UT_EQ(bi.takes, 0);
	mem_vis_info(&vi);
	UT_EQ(vi.shared_pages, shared0);
	UT_CHECK(leak_free());
	/* the policy a connection already violates is refused; unknown open flags */
	if (global)
		UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE), 0);
	struct vmbus_channel *bad = NULL;
	op.flags = 0x2;
	UT_EQ(vmbus_open(relid[2], &op, &bad), UMBRA_EINVAL);
	UT_EQ(mem_free(buf), 0);
	for (int i = 0; i < 2; i++)
		UT_EQ(vmbus_close(c[i]), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(leak_free());
	mem_heap_trim();
	UT_EQ(mem_page_free_count(), free_before);
}

static void t_channel_flag_snp(void) { channel_policy(SIM_SNP_PARAVISOR, false); }
static void t_channel_flag_tdx(void) { channel_policy(SIM_TDX_PARAVISOR, false); }
static void t_channel_policy_snp(void) { channel_policy(SIM_SNP_PARAVISOR, true); }
static void t_channel_policy_tdx(void) { channel_policy(SIM_TDX_PARAVISOR, true); }

/* Where the connection is not confidential (fallback, legacy paravisor, Hyper-V) no offer
 * keeps 0x2: every private-only open is refused, the others work as always. */
static void t_channel_policy_host_visible_connections(void)
{
	static const enum sim_platform ps[] = { SIM_SNP_PARAVISOR, SIM_TDX_LEGACY_PARAVISOR,
						SIM_HYPERV };
	for (unsigned i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		struct sim_hostile h = { .refuse_direct_post = i == 0 };
		UT_REQUIRE(policy_machine(ps[i], &h, 88, NULL));
		uint32_t rel;
		struct sim_device_desc d = { .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true };
		UT_EQ(sim_add_device(&d, &rel), 0);
		struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING,
						.flags = VMBUS_OPEN_PRIVATE_ONLY };
		struct vmbus_channel *c = NULL;
		UT_EQ(vmbus_open(rel, &op, &c), UMBRA_EPOLICY);
		op.flags = 0;
		UT_EQ(vmbus_open(rel, &op, &c), 0);
		UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CHANNELS), UMBRA_EPOLICY);
		UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CONNECTION), UMBRA_EPOLICY);
		UT_CHECK(logged("vmbus: policy private-connection refused: the connection is not "
				"confidential (host-visible control plane)\n"));
		char want[128];
		snprintf(want, sizeof want, "vmbus: policy private-channels refused: relid %u is open "
			 "with a host-visible ring\n", (unsigned)rel);
		UT_CHECK(logged(want));
		struct vmbus_policy_info pi;
		UT_EQ(vmbus_policy_get(&pi), 0);
		UT_EQ(pi.effective, 0);                 /* unchanged by the refusals */
		UT_EQ(inband(c, 10, false), 0);
		UT_EQ(vmbus_close(c), 0);
		/* with nothing open the channel policy is taken, and applies to the next open */
		UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CHANNELS), 0);
		UT_EQ(vmbus_open(rel, &op, &c), UMBRA_EPOLICY);
		UT_EQ(rt_vmbus_stop(), 0);
		UT_CHECK(leak_free());
	}
}

/* After connect on a confidential connection: the stricter connection policy is
 * satisfied; the channel policy is refused while a host-visible ring is open, taken
 * once it is closed; a channel opened private-only stays so when the app lowers the
 * policy, a channel opened without it follows the policy in force. */
static void t_policy_after_connect(void)
{
	UT_REQUIRE(policy_machine(SIM_SNP_PARAVISOR, NULL, 89, NULL));
	uint32_t rel2, rel4, relr;
	struct sim_device_desc d2 = { .kind = SIM_DEV_GPA_DIRECT };
	struct sim_device_desc d4 = { .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true };
	struct sim_device_desc dr = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
	UT_EQ(sim_add_device(&d2, &rel2), 0);
	UT_EQ(sim_add_device(&d4, &rel4), 0);
	UT_EQ(sim_add_device(&dr, &relr), 0);
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	struct vmbus_channel *c2 = NULL, *cr = NULL, *c4 = NULL;
	UT_EQ(vmbus_open(rel2, &op, &c2), 0);
	UT_EQ(vmbus_open(relr, &op, &cr), 0);
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CONNECTION), 0);
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE), UMBRA_EPOLICY);
	UT_EQ(vmbus_close(cr), 0);
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE), 0);
	/* c2 was opened before: the policy in force now refuses its bounce */
	uint8_t *buf = mem_alloc(4096);
	UT_REQUIRE(buf);
	memset(buf, 0x42, 4096);
	struct sim_dma_cmd hash = { .op = SIM_DMA_HASH };
	struct vmbus_xfer x;
	UT_EQ(vmbus_xfer_send(c2, buf, 4096, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 1, 0, 0, &x),
	      UMBRA_EPOLICY);
	cr = NULL;
	UT_EQ(vmbus_open(relr, &op, &cr), UMBRA_EPOLICY);
	UT_EQ(vmbus_open(rel4, &op, &c4), 0);   /* opened under the policy: private-only */
	UT_EQ(vmbus_policy_set(0), 0);
	struct vmbus_policy_info pi;
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.effective, 0);
	UT_EQ(vmbus_xfer_send(c2, buf, 4096, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 1,
			      VMBUS_SEND_COMPLETION_REQUESTED, 0, &x), 0);
	UT_CHECK(x.bounced);
	struct sim_dma_result res;
	UT_EQ(wait_completion(c2, 1, &res), 0);
	UT_EQ(vmbus_xfer_done(&x), 0);
	/* c4 keeps the policy it was opened under (its own transfers are in place anyway:
	 * the test-only bounce switch shows the check still applies) */
	vmbus_test_bounce_confidential = true;
	UT_EQ(vmbus_xfer_send(c4, buf, 4096, VMBUS_XFER_TO_HOST, &hash, sizeof(hash), 2, 0, 0, &x),
	      UMBRA_EPOLICY);
	vmbus_test_bounce_confidential = false;
	UT_EQ(vmbus_close(c4), 0);
	UT_EQ(vmbus_close(c2), 0);
	UT_EQ(mem_free(buf), 0);
	UT_EQ(rt_vmbus_stop(), 0);
	UT_CHECK(leak_free());
}

/* The load option umbra.vmbus.policy only adds to the app's policy: "private" makes a
 * refused direct post a failed bring-up whatever the app sets; "private-connection" adds
 * the connection's flag to the app's channel flag; an invalid value is warned about and
 * ignored (the app's policy alone); an app's private policy stays with no option. */
static void t_load_option(void)
{
	struct sim_hostile h = { .refuse_direct_post = true };
	UT_REQUIRE(policy_machine(SIM_TDX_PARAVISOR, &h, 90, "umbra.vmbus.policy=private"));
	struct vmbus_policy_info pi;
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.option, VMBUS_POLICY_PRIVATE);
	UT_EQ(pi.effective, VMBUS_POLICY_PRIVATE);
	UT_EQ(vmbus_policy_set(0), 0);          /* the app cannot lower it */
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.app, 0);
	UT_EQ(pi.effective, VMBUS_POLICY_PRIVATE);
	all_refused(UMBRA_EPOLICY);
	UT_CHECK(logged("vmbus: confidentiality policy: private connection and channels (app: "
			"none; load option umbra.vmbus.policy: private connection and channels)\n"));
	UT_CHECK(logged("no fallback to the host-visible control plane\n"));
	UT_EQ(g2h_lines, 0);
	nothing_left();

	UT_REQUIRE(policy_machine(SIM_SNP_PARAVISOR, NULL, 91, "umbra.vmbus.policy=private-connection"));
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE_CHANNELS), 0);
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.option, VMBUS_POLICY_PRIVATE_CONNECTION);
	UT_EQ(pi.effective, VMBUS_POLICY_PRIVATE);
	uint32_t rel;
	struct sim_device_desc dr = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
	UT_EQ(sim_add_device(&dr, &rel), 0);
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	struct vmbus_channel *c = NULL;
	UT_EQ(vmbus_open(rel, &op, &c), UMBRA_EPOLICY);
	UT_EQ(vmbus_policy_set(0), 0);          /* the channel flag was the app's own */
	UT_EQ(vmbus_open(rel, &op, &c), 0);
	UT_EQ(vmbus_close(c), 0);
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.effective, VMBUS_POLICY_PRIVATE_CONNECTION);
	UT_EQ(rt_vmbus_stop(), 0);

	h.refuse_direct_post = true;
	UT_REQUIRE(policy_machine(SIM_SNP_PARAVISOR, &h, 92, "umbra.vmbus.policy=off"));
	UT_CHECK(strstr(opt_log, "umbra: WARN option umbra.vmbus.policy=off: valid values "
			 "private|private-connection; ignored\n"));
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.effective, 0);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);             /* falls back, as the app's policy allows */
	UT_CHECK(rt_vmbus_fell_back());
	UT_EQ(rt_vmbus_stop(), 0);

	UT_REQUIRE(policy_machine(SIM_SNP_PARAVISOR, &h, 93, NULL));
	UT_EQ(vmbus_policy_set(VMBUS_POLICY_PRIVATE), 0);
	UT_EQ(vmbus_policy_get(&pi), 0);
	UT_EQ(pi.option, 0);
	UT_EQ(pi.effective, VMBUS_POLICY_PRIVATE);
	all_refused(UMBRA_EPOLICY);
	nothing_left();
	UT_EQ(vmbus_policy_get(NULL), UMBRA_EINVAL);
	rt_options_init(0, NULL, NULL, 0, NULL);
}

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
	UT_RUN(t_default_fallback_warns_snp);
	UT_RUN(t_default_fallback_warns_tdx);
	UT_RUN(t_default_warns_only_on_downgrade);
	UT_RUN(t_conn_refused_snp);
	UT_RUN(t_conn_refused_tdx);
	UT_RUN(t_conn_unavailable);
	UT_RUN(t_channel_flag_snp);
	UT_RUN(t_channel_flag_tdx);
	UT_RUN(t_channel_policy_snp);
	UT_RUN(t_channel_policy_tdx);
	UT_RUN(t_channel_policy_host_visible_connections);
	UT_RUN(t_policy_after_connect);
	UT_RUN(t_load_option);
	return UT_DONE();
}
