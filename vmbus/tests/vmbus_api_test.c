/*
 * Public API (include/umbra/vmbus.h) against a reactive fake host: a small VMBus server
 * (its own byte-offset parsing) with echo devices whose ring side uses ring/ from the
 * host's point of view. Memory is host heap pages with GPA == VA; the test tracks every
 * page and every visibility change (the leak check: nothing left allocated or shared, no
 * confidential ring ever shared).
 */
#include "tests/unit/ut.h"
#include <stdint.h>
#include <umbra/vmbus.h>
#include "vmbus/vmbus_api.h"
#include "vmbus/vmbus_conn.h"
#include "ring/ring.h"

/* No bring-up and no log (vmbus/vmbus_api.h): the tests attach their fake host. */
const struct vmbus_platform_ops vmbus_platform_ops;

/* ---- memory ---- */
#define MAXP 1024
static struct { uint64_t gpa; size_t n; bool shared; } P[MAXP];
static int shared_calls, private_calls;
static int alloc_calls;
static size_t alloc_fail_pages;         /* non-zero: allocations of this many pages or more fail */

static int m_alloc(void *ctx, size_t n, uint64_t *gpa, void **va)
{
	(void)ctx;
	alloc_calls++;
	if (alloc_fail_pages && n >= alloc_fail_pages)
		return UMBRA_ENOMEM;
	for (int i = 0; i < MAXP; i++)
		if (!P[i].n) {
			void *p = aligned_alloc(4096, n * 4096);
			if (!p)
				return UMBRA_ENOMEM;
			memset(p, 0, n * 4096);
			P[i].gpa = (uint64_t)(uintptr_t)p;
			P[i].n = n;
			P[i].shared = false;
			*gpa = P[i].gpa;
			*va = p;
			return 0;
		}
	return UMBRA_ENOMEM;
}

static int m_free(void *ctx, uint64_t gpa, size_t n)
{
	(void)ctx;
	for (int i = 0; i < MAXP; i++)
		if (P[i].n && P[i].gpa == gpa && P[i].n == n) {
			UT_CHECK(!P[i].shared);   /* never free a shared page */
			free((void *)(uintptr_t)gpa);
			P[i].n = 0;
			return 0;
		}
	UT_CHECK(!"free of unknown pages");
	return UMBRA_EINVAL;
}

static int m_vis(void *ctx, uint64_t gpa, size_t n, bool shared)
{
	(void)ctx;
	for (int i = 0; i < MAXP; i++)
		if (P[i].n && P[i].gpa == gpa && P[i].n == n) {
			P[i].shared = shared;
			if (shared) {
				shared_calls++;
				memset((void *)(uintptr_t)gpa, 0xA5, n * 4096); /* junk, as hardware */
			} else {
				private_calls++;
			}
			return 0;
		}
	UT_CHECK(!"visibility of unknown pages");
	return UMBRA_EINVAL;
}

/* The fake's isolation policy: alloc + share (then zero), scrub + unshare + free. */
static int m_salloc(void *ctx, size_t n, uint64_t *gpa, void **va)
{
	int rc = m_alloc(ctx, n, gpa, va);
	if (rc)
		return rc;
	rc = m_vis(ctx, *gpa, n, true);
	if (rc)
		return rc;
	memset(*va, 0, n * 4096);
	return 0;
}

static int m_sfree(void *ctx, uint64_t gpa, size_t n)
{
	memset((void *)(uintptr_t)gpa, 0, n * 4096);
	int rc = m_vis(ctx, gpa, n, false);
	return rc ? rc : m_free(ctx, gpa, n);
}

static bool page_is_shared(uint64_t gpa)
{
	for (int i = 0; i < MAXP; i++)
		if (P[i].n && gpa >= P[i].gpa && gpa < P[i].gpa + P[i].n * 4096)
			return P[i].shared;
	return false;
}

static int live_pages(void)
{
	int n = 0;
	for (int i = 0; i < MAXP; i++)
		n += P[i].n ? (int)P[i].n : 0;
	return n;
}

/* ---- fake host ---- */
struct fchan {
	uint32_t relid, connid;
	uint16_t flags;
	uint8_t cls;
	bool open, rescinded, released;
	uint32_t gpadl, need, have;
	uint64_t pfn[4096];
	struct ring_rx hrx;     /* reads the guest's outbound ring */
	struct ring_tx htx;     /* writes the guest's inbound ring */
	uint64_t signals, echoed;
	bool ring_was_shared;
};
static struct fchan F[VMBUS_MAX_OPEN_CHANNELS + 4];
static int NF;
static uint64_t fnow;
static uint8_t inq[256][240];
static size_t inq_len[256];
static int qh, qt;
static uint32_t open_status, gpadl_status;
static bool confidential_host;
/* Hostile knobs: HvSignalEvent's status (non-zero: the host ignores the signal), the
 * status of GpadlBody / GpadlTeardown posts (non-zero: dropped), and a rescind the host
 * sends right after a GpadlHeader or an OpenChannel of rescind_relid. */
static uint16_t signal_status, body_status, teardown_status;
static uint32_t rescind_on_header, rescind_on_open;

static void q(const void *m, size_t len)
{
	memcpy(inq[qt % 256], m, len);
	inq_len[qt % 256] = len;
	qt++;
}

static void q32(uint32_t type, int n, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m[5] = { type, 0, a, b, c };
	q(m, 8 + 4 * (size_t)n);
}

static struct fchan *by_relid(uint32_t relid)
{
	for (int i = 0; i < NF; i++)
		if (F[i].relid == relid)
			return &F[i];
	return NULL;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static void send_offer(struct fchan *c)
{
	uint8_t o[196] = { 0 };
	o[0] = 1;
	for (int i = 0; i < 16; i++) {
		o[8 + i] = (uint8_t)(c->cls + i);
		o[24 + i] = (uint8_t)(c->relid * 16 + i);
	}
	uint16_t fl = confidential_host ? c->flags : (uint16_t)(c->flags & ~6u);
	memcpy(o + 56, &fl, 2);
	/* MMIO sizes and the user area: a pattern of the relid */
	uint16_t mmio = (uint16_t)(c->relid * 100), mmio_opt = (uint16_t)c->relid;
	memcpy(o + 58, &mmio, 2);
	memcpy(o + 182, &mmio_opt, 2);
	for (int i = 0; i < 120; i++)
		o[60 + i] = (uint8_t)(c->relid * 7 + i);
	memcpy(o + 184, &c->relid, 4);
	o[190] = 1;
	memcpy(o + 192, &c->connid, 4);
	q(o, sizeof(o));
}

static void gpadl_done(struct fchan *c)
{
	q32(10, 3, c->relid, c->gpadl, gpadl_status);
}

static uint16_t f_post(void *ctx, bool direct, uint32_t conn, const void *msg, size_t len)
{
	(void)ctx; (void)conn;
	const uint8_t *m = msg;
	uint32_t t = rd32(m);
	struct fchan *c;
	switch (t) {
	case 14: {
		uint32_t feat = rd32(m + 20) & (direct && confidential_host ? 0x10u : 0u);
		q32(15, 3, 1, 1, feat);
		((uint8_t *)inq[(qt - 1) % 256])[8] = 1;
		((uint8_t *)inq[(qt - 1) % 256])[9] = 0;
		memset(inq[(qt - 1) % 256] + 10, 0, 2);
		break;
	}
	case 3:
		for (int i = 0; i < NF; i++)
			send_offer(&F[i]);
		q32(4, 0, 0, 0, 0);
		break;
	case 8:
		c = by_relid(rd32(m + 8));
		if (!c) { UT_CHECK(!"unknown relid"); return 0x5; }
		if (rescind_on_header == c->relid)
			q32(2, 1, c->relid, 0, 0);
		c->gpadl = rd32(m + 12);
		c->need = (rd16(m + 16) - 8u) / 8u;
		c->have = (uint32_t)(len - 28) / 8;
		memcpy(c->pfn, m + 28, c->have * 8);
		if (c->have == c->need)
			gpadl_done(c);
		break;
	case 9:
		if (body_status)
			return body_status;
		for (int i = 0; i < NF; i++)
			if (F[i].gpadl == rd32(m + 12)) {
				c = &F[i];
				memcpy(c->pfn + c->have, m + 16, len - 16);
				c->have += (uint32_t)(len - 16) / 8;
				if (c->have == c->need)
					gpadl_done(c);
			}
		break;
	case 5: {
		c = by_relid(rd32(m + 8));
		if (!c) { UT_CHECK(!"unknown relid"); return 0x5; }
		if (rescind_on_open == c->relid) {
			q32(2, 1, c->relid, 0, 0);
			break;
		}
		uint32_t off = rd32(m + 24);
		uint8_t *base = (uint8_t *)(uintptr_t)(c->pfn[0] << 12);
		for (uint32_t i = 1; i < c->have; i++)   /* contiguous in this test */
			UT_CHECK(c->pfn[i] == c->pfn[0] + i);
		c->ring_was_shared = page_is_shared(c->pfn[0] << 12);
		if (open_status == 0) {
			UT_EQ(ring_rx_init(&c->hrx, base, off * 4096), 0);
			UT_EQ(ring_tx_init(&c->htx, base + off * 4096, (c->have - off) * 4096), 0);
			c->open = true;
		}
		q32(6, 3, c->relid, rd32(m + 12), open_status);
		break;
	}
	case 7:
		c = by_relid(rd32(m + 8));
		if (c)
			c->open = false;
		break;
	case 11:
		if (teardown_status)
			return teardown_status;
		q32(12, 1, rd32(m + 12), 0, 0);
		break;
	case 13:
		c = by_relid(rd32(m + 8));
		if (c)
			c->released = true;
		break;
	case 16:
		q32(17, 0, 0, 0, 0);
		break;
	}
	return 0;
}

static uint16_t f_signal(void *ctx, uint32_t conn)
{
	(void)ctx;
	if (signal_status)
		return signal_status;   /* the host ignored it and says so */
	for (int i = 0; i < NF; i++) {
		struct fchan *c = &F[i];
		if (c->connid != conn || !c->open)
			continue;
		c->signals++;
		static uint64_t buf[2048 + 64];
		struct ring_pkt p;
		while (ring_rx_next(&c->hrx, buf, sizeof(buf), &p) == 0) {
			if (p.type == RING_PKT_INBAND && (p.flags & 1))
				ring_tx_completion(&c->htx, p.data, p.data_len, p.trans_id);
			else if (p.type == RING_PKT_INBAND)
				ring_tx_inband(&c->htx, p.data, p.data_len, p.trans_id, false);
			else if (p.type == RING_PKT_GPA_DIRECT) {
				/* fill every range byte with the first payload byte, answer with sum */
				uint32_t pos = 0, bc, bo, pc;
				const uint64_t *pf;
				uint64_t sum = 0;
				while (ring_pkt_gpa_range(&p, &pos, &bc, &bo, &pf, &pc) == 0) {
					for (uint32_t k = 0; k < bc; k++) {
						uint64_t a = (pf[(bo + k) / 4096] << 12) + ((bo + k) % 4096);
						if (!page_is_shared(a) && !(c->flags & 4 && confidential_host))
							sum += 1000000;     /* host touched a private page */
						*(uint8_t *)(uintptr_t)a = p.data[0];
						sum++;
					}
				}
				ring_tx_completion(&c->htx, &sum, 8, p.trans_id);
			}
			c->echoed++;
		}
		ring_rx_commit(&c->hrx);
	}
	return 0;
}

static int f_recv(void *ctx, void *buf, size_t cap, uint64_t timeout)
{
	(void)ctx;
	if (qh == qt) {
		fnow += timeout;
		return UMBRA_ETIMEDOUT;
	}
	size_t n = inq_len[qh % 256] < cap ? inq_len[qh % 256] : cap;
	memcpy(buf, inq[qh % 256], n);
	qh++;
	return (int)n;
}

static uint64_t f_now(void *ctx) { (void)ctx; return fnow += 100; }
static void f_delay(void *ctx, uint64_t ns) { (void)ctx; fnow += ns; }

static const struct vmbus_transport TP = {
	.post = f_post, .signal = f_signal, .recv = f_recv, .now_ns = f_now, .delay_ns = f_delay,
};
/* In-place transfers: heap memory is private RAM with GPA == VA here. */
static int m_private(void *ctx, const void *va, size_t len, uint64_t *gpa)
{
	(void)ctx; (void)len;
	*gpa = (uint64_t)(uintptr_t)va;
	return 0;
}

static const struct vmbus_mem_ops MO = {
	.page_alloc = m_alloc, .page_free = m_free, .shared_alloc = m_salloc, .shared_free = m_sfree,
	.private_range = m_private,
};
static struct vmbus_conn C;
static const struct vmbus_mem_ops *host_ops;   /* next host_setup attaches these */

static void host_setup(bool conf)
{
	memset(F, 0, sizeof(F));
	qh = qt = 0;
	open_status = gpadl_status = 0;
	confidential_host = conf;
	NF = 3;
	F[0] = (struct fchan){ .relid = 1, .connid = 0x2001, .flags = 0x2, .cls = 0x10 };
	F[1] = (struct fchan){ .relid = 2, .connid = 0x2002, .flags = 0x0, .cls = 0x20 };
	F[2] = (struct fchan){ .relid = 3, .connid = 0x2003, .flags = 0x6, .cls = 0x10 };
	signal_status = body_status = teardown_status = 0;
	rescind_on_header = rescind_on_open = 0;
	alloc_fail_pages = 0;
	vmbus_conn_init(&C, &TP);
	C.timeout_ns = 1000000000ull;
	UT_EQ(vmbus_conn_connect(&C, true), 0);
	UT_EQ(vmbus_api_attach(&C, host_ops ? host_ops : &MO), 0);
	host_ops = NULL;
	shared_calls = private_calls = 0;
}

static const struct vmbus_open_params P64 = { .send_ring_bytes = 64 << 10, .recv_ring_bytes = 64 << 10 };

static void t_enumerate(void)
{
	host_setup(true);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_CHECK(inf.confidential);
	UT_EQ(inf.offers, 3);
	UT_EQ(vmbus_offer_count(), 3);
	struct vmbus_offer_info o;
	UT_EQ(vmbus_offer_get(0, &o), 0);
	UT_EQ(o.relid, 1);
	UT_CHECK(o.confidential_ring && !o.confidential_external);
	UT_EQ(o.class_id.b[0], 0x10);
	UT_EQ(o.instance_id.b[0], 0x10);
	UT_EQ(vmbus_offer_get(2, &o), 0);
	UT_CHECK(o.confidential_ring && o.confidential_external);
	UT_EQ(vmbus_offer_get(3, &o), UMBRA_ENOENT);
	UT_EQ(vmbus_offer_get(0, NULL), UMBRA_EINVAL);
	struct vmbus_guid g;
	for (int i = 0; i < 16; i++)
		g.b[i] = (uint8_t)(0x10 + i);
	UT_EQ(vmbus_find(&g, 0, &o), 0);
	UT_EQ(o.relid, 1);
	UT_EQ(vmbus_find(&g, 1, &o), 0);
	UT_EQ(o.relid, 3);
	UT_EQ(vmbus_find(&g, 2, &o), UMBRA_ENOENT);
	UT_EQ(vmbus_find(NULL, 0, &o), UMBRA_EINVAL);
	/* non-confidential connection: no confidential flags reach the app */
	host_setup(false);
	UT_EQ(vmbus_offer_get(2, &o), 0);
	UT_EQ(o.flags, 0);
	UT_CHECK(!o.confidential_ring);
}

/* The offer's MMIO sizes and user area reach vmbus_offer_info as sent, in fixed-size
 * copies; the pipe mode only for a named-pipe offer. */
static void t_offer_user_area(void)
{
	host_setup(true);
	F[3] = (struct fchan){ .relid = 4, .connid = 0x2004, .flags = 0x10, .cls = 0x40 };
	NF = 4;
	send_offer(&F[3]);                      /* hot add */
	vmbus_conn_poll(&C);
	UT_EQ(vmbus_offer_count(), 4);
	for (unsigned i = 0; i < 4; i++) {
		struct { struct vmbus_offer_info o; uint8_t guard[64]; } g;
		memset(&g, 0xCC, sizeof(g));
		UT_EQ(vmbus_offer_get(i, &g.o), 0);
		uint32_t relid = i + 1;
		UT_EQ(g.o.relid, relid);
		UT_EQ(g.o.mmio_megabytes, relid * 100);
		UT_EQ(g.o.mmio_megabytes_optional, relid);
		int bad = 0;
		for (int k = 0; k < VMBUS_OFFER_USER_BYTES; k++)
			bad += g.o.user_defined[k] != (uint8_t)(relid * 7 + (uint32_t)k);
		UT_EQ(bad, 0);
		for (size_t k = 0; k < sizeof(g.guard); k++)
			bad += g.guard[k] != 0xCC;
		UT_EQ(bad, 0);
		if (relid == 4) {
			UT_EQ(g.o.flags, VMBUS_FLAG_NAMED_PIPE);
			UT_EQ(g.o.pipe_mode, 0x1F1E1D1Cu);  /* bytes 28, 29, 30, 31 */
		} else {
			UT_EQ(g.o.pipe_mode, 0);
		}
	}
	/* a host-visible connection (the host offers without 0x2/0x4): the same */
	host_setup(false);
	struct vmbus_offer_info o;
	UT_EQ(vmbus_offer_get(2, &o), 0);
	UT_EQ(o.flags, 0);
	UT_EQ(o.user_defined[119], (uint8_t)(3 * 7 + 119));
	UT_EQ(o.mmio_megabytes, 300);
}

/* The public limits are the runtime's: VMBUS_MAX_OPEN_CHANNELS channels open at once,
 * VMBUS_MAX_BUFFERS buffers and VMBUS_XFER_MAX_INFLIGHT bounced transfers per channel, the
 * ring, packet and buffer sizes, vmbus_wait's n. */
static void t_limits(void)
{
	host_setup(true);
	const int N = VMBUS_MAX_OPEN_CHANNELS + 1;
	for (int i = 3; i < N; i++) {           /* hot-added relayed devices 4 .. N */
		F[i] = (struct fchan){ .relid = (uint32_t)i + 1, .connid = 0x3000u + (uint32_t)i,
				       .cls = (uint8_t)(0x50 + i) };   /* (class, instance) unique */
		send_offer(&F[i]);
	}
	NF = N;
	vmbus_conn_poll(&C);
	UT_EQ(vmbus_offer_count(), N);
	static const struct vmbus_open_params P8 = { .send_ring_bytes = 8192, .recv_ring_bytes = 8192 };
	static struct vmbus_channel *ch[VMBUS_MAX_OPEN_CHANNELS + 1];
	for (int i = 0; i < VMBUS_MAX_OPEN_CHANNELS; i++)
		UT_EQ(vmbus_open((uint32_t)i + 1, &P8, &ch[i]), 0);
	UT_EQ(vmbus_open((uint32_t)N, &P8, &ch[N - 1]), UMBRA_EBUSY);
	ch[N - 1] = ch[0];
	UT_EQ(vmbus_wait(ch, VMBUS_MAX_OPEN_CHANNELS, 1000), UMBRA_ETIMEDOUT);
	UT_EQ(vmbus_wait(ch, VMBUS_MAX_OPEN_CHANNELS + 1, 1000), UMBRA_EINVAL);
	/* buffers per channel */
	static struct vmbus_buffer vb[VMBUS_MAX_BUFFERS + 1];
	for (int i = 0; i < VMBUS_MAX_BUFFERS; i++)
		UT_EQ(vmbus_buffer_alloc(ch[1], 4096, &vb[i]), 0);
	UT_EQ(vmbus_buffer_alloc(ch[1], 4096, &vb[VMBUS_MAX_BUFFERS]), UMBRA_ENOMEM);
	for (int i = 0; i < VMBUS_MAX_BUFFERS; i++)
		UT_EQ(vmbus_buffer_free(ch[1], &vb[i]), 0);
	UT_EQ(vmbus_buffer_alloc(ch[1], VMBUS_BUFFER_MAX_BYTES + 1, &vb[0]), UMBRA_EINVAL);
	/* bounced transfers per channel (the host holds them) */
	F[1].open = false;
	static uint8_t xb[4096];
	static struct vmbus_xfer x[VMBUS_XFER_MAX_INFLIGHT + 1];
	uint8_t cmd[8] = { 0 };
	for (int i = 0; i < VMBUS_XFER_MAX_INFLIGHT; i++)
		UT_EQ(vmbus_xfer_send(ch[1], xb, 64, VMBUS_XFER_TO_HOST, cmd, 8, (uint64_t)i, 0, 0, &x[i]), 0);
	UT_EQ(vmbus_xfer_send(ch[1], xb, 64, VMBUS_XFER_TO_HOST, cmd, 8, 99, 0, 0,
			      &x[VMBUS_XFER_MAX_INFLIGHT]), UMBRA_EBUSY);
	for (int i = 0; i < VMBUS_MAX_OPEN_CHANNELS; i++)
		UT_EQ(vmbus_close(ch[i]), 0);
	vmbus_api_release();
	/* sizes */
	struct vmbus_open_params p = P8;
	struct vmbus_channel *c;
	p.recv_ring_bytes = VMBUS_RING_MAX_BYTES;
	p.send_ring_bytes = VMBUS_RING_MIN_BYTES;
	p.max_packet_bytes = VMBUS_MAX_PACKET_LIMIT;
	UT_EQ(vmbus_open(1, &p, &c), 0);
	struct vmbus_open_params q = p;
	struct vmbus_channel *c2;
	q.recv_ring_bytes += 4096;
	UT_EQ(vmbus_open(2, &q, &c2), UMBRA_EINVAL);
	q = p;
	q.send_ring_bytes -= 4096;
	UT_EQ(vmbus_open(2, &q, &c2), UMBRA_EINVAL);
	q = p;
	q.max_packet_bytes += 1;
	UT_EQ(vmbus_open(2, &q, &c2), UMBRA_EINVAL);
	UT_EQ(vmbus_close(c), 0);
}

static uint32_t rnd = 1;
static uint32_t next_rand(void) { rnd = rnd * 1664525u + 1013904223u; return rnd >> 8; }

/* 10,000 packets of random sizes with completions over one channel. */
static void echo_10k(uint32_t relid, bool expect_shared_ring)
{
	int base_pages = live_pages();
	struct vmbus_channel *ch = NULL;
	UT_EQ(vmbus_open(relid, &P64, &ch), 0);
	UT_REQUIRE(ch != NULL);
	UT_EQ(F[relid - 1].ring_was_shared, expect_shared_ring);
	static uint8_t out[4000], in[4100];
	int bad = 0;
	for (int i = 0; i < 10000; i++) {
		size_t len = next_rand() % sizeof(out);
		for (size_t k = 0; k < len; k++)
			out[k] = (uint8_t)(i + k);
		int rc = vmbus_send(ch, out, len, 0x1000 + (uint64_t)i, VMBUS_SEND_COMPLETION_REQUESTED);
		if (rc != 0) {
			bad++;
			continue;
		}
		struct vmbus_packet pk;
		rc = vmbus_recv(ch, in, sizeof(in), &pk, 1000000);
		size_t padded = (len + 7) & ~(size_t)7;
		if (rc != (int)padded || pk.type != RING_PKT_COMP || pk.trans_id != 0x1000 + (uint64_t)i ||
		    memcmp(in, out, len) != 0)
			bad++;
	}
	UT_EQ(bad, 0);
	UT_EQ(vmbus_close(ch), 0);
	UT_EQ(live_pages(), base_pages);
	for (int i = 0; i < MAXP; i++)
		UT_CHECK(!P[i].n || !P[i].shared);
}

static void t_echo_confidential(void)
{
	host_setup(true);
	echo_10k(1, false);
	UT_EQ(shared_calls, 0);
	UT_CHECK(!F[0].open);
}

static void t_echo_relayed(void)
{
	host_setup(true);
	echo_10k(2, true);
	UT_EQ(shared_calls, 1);          /* one batched call for the whole ring */
	UT_EQ(private_calls, 1);
}

static void t_echo_nonconfidential_connection(void)
{
	host_setup(false);
	echo_10k(1, true);               /* 0x2 stripped: the ring must be host-visible */
}

static void t_signals_minimal(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(1, &P64, &ch), 0);
	uint8_t b[64] = { 1 };
	/* the host never masks here, each send goes empty->non-empty: one signal each */
	for (int i = 0; i < 5; i++)
		UT_EQ(vmbus_send(ch, b, sizeof(b), (uint64_t)i, 0), 0);
	UT_EQ(F[0].signals, 5);
	UT_EQ(vmbus_close(ch), 0);
}

static void t_bad_arguments(void)
{
	host_setup(true);
	struct vmbus_channel *ch = NULL;
	struct vmbus_open_params bp = P64;
	UT_EQ(vmbus_open(1, NULL, &ch), UMBRA_EINVAL);
	UT_EQ(vmbus_open(1, &P64, NULL), UMBRA_EINVAL);
	bp.send_ring_bytes = 5000;
	UT_EQ(vmbus_open(1, &bp, &ch), UMBRA_EINVAL);
	bp = P64;
	bp.recv_ring_bytes = 4096;
	UT_EQ(vmbus_open(1, &bp, &ch), UMBRA_EINVAL);
	bp = P64;
	bp.recv_ring_bytes = 64u << 20;
	UT_EQ(vmbus_open(1, &bp, &ch), UMBRA_EINVAL);
	UT_EQ(vmbus_open(99, &P64, &ch), UMBRA_ENOENT);
	UT_EQ(vmbus_open(0, &P64, &ch), UMBRA_ENOENT);
	UT_EQ(vmbus_open(1, &P64, &ch), 0);
	struct vmbus_channel *ch2;
	UT_EQ(vmbus_open(1, &P64, &ch2), UMBRA_EBUSY);

	/* garbage handles */
	struct vmbus_channel *junk[4] = {
		NULL, (struct vmbus_channel *)(uintptr_t)0x1234,
		(struct vmbus_channel *)((uintptr_t)ch + 1), (struct vmbus_channel *)&C,
	};
	uint8_t buf[64] = { 0 };
	for (int i = 0; i < 4; i++) {
		UT_EQ(vmbus_send(junk[i], buf, 8, 0, 0), UMBRA_EINVAL);
		UT_EQ(vmbus_send_completion(junk[i], buf, 8, 0), UMBRA_EINVAL);
		UT_EQ(vmbus_recv(junk[i], buf, 8, NULL, 0), UMBRA_EINVAL);
		UT_EQ(vmbus_close(junk[i]), UMBRA_EINVAL);
		UT_EQ(vmbus_channel_relid(junk[i]), UMBRA_EINVAL);
		struct vmbus_buffer vb;
		UT_EQ(vmbus_buffer_alloc(junk[i], 4096, &vb), UMBRA_EINVAL);
		UT_EQ(vmbus_wait(&junk[i], 1, 0), UMBRA_EINVAL);
	}
	UT_EQ(vmbus_send(ch, NULL, 8, 0, 0), UMBRA_EINVAL);
	UT_EQ(vmbus_send(ch, buf, 8, 0, 0x80), UMBRA_EINVAL);
	UT_EQ(vmbus_recv(ch, NULL, 8, NULL, 0), UMBRA_EINVAL);
	UT_EQ(vmbus_recv(ch, buf, sizeof(buf), NULL, 0), UMBRA_EAGAIN);
	UT_EQ(vmbus_recv(ch, buf, sizeof(buf), NULL, 5000000), UMBRA_ETIMEDOUT);
	UT_EQ(vmbus_wait(NULL, 1, 0), UMBRA_EINVAL);
	UT_EQ(vmbus_wait(&ch, 0, 0), UMBRA_EINVAL);
	UT_EQ(vmbus_wait(&ch, 1, 1000), UMBRA_ETIMEDOUT);
	UT_EQ(vmbus_buffer_alloc(ch, 0, NULL), UMBRA_EINVAL);
	struct vmbus_buffer fake = { .gpa = 0x5000, .bytes = 4096 };
	UT_EQ(vmbus_buffer_free(ch, &fake), UMBRA_EINVAL);
	struct vmbus_gpa_buf gb = { .buf = &fake, .offset = 0, .len = 16 };
	UT_EQ(vmbus_send_gpa_direct(ch, &gb, 1, buf, 8, 1, 0), UMBRA_EINVAL);
	UT_EQ(vmbus_send_gpa_direct(ch, NULL, 1, buf, 8, 1, 0), UMBRA_EINVAL);
	UT_EQ(vmbus_send_gpa_direct(ch, &gb, 0, buf, 8, 1, 0), UMBRA_EINVAL);
	/* packet larger than the ring: ENOSPC; full ring: EAGAIN */
	static uint8_t big[80 << 10];
	UT_EQ(vmbus_send(ch, big, sizeof(big), 0, 0), UMBRA_ENOSPC);
	F[0].open = false;               /* host stops draining */
	int rc, n = 0;
	while ((rc = vmbus_send(ch, big, 4000, 0, 0)) == 0)
		n++;
	UT_EQ(rc, UMBRA_EAGAIN);
	UT_CHECK(n >= 14 && n <= 16);
	F[0].open = true;
	/* a receive buffer too small leaves the packet queued */
	f_signal(NULL, 0x2001);
	UT_EQ(vmbus_recv(ch, buf, 8, NULL, 0), UMBRA_ENOSPC);
	static uint8_t rb[8192];
	UT_EQ(vmbus_recv(ch, rb, sizeof(rb), NULL, 0), 4000);

	UT_EQ(vmbus_close(ch), 0);
	/* closed handle */
	UT_EQ(vmbus_send(ch, buf, 8, 0, 0), UMBRA_ECLOSED);
	UT_EQ(vmbus_recv(ch, buf, 8, NULL, 0), UMBRA_ECLOSED);
	UT_EQ(vmbus_close(ch), UMBRA_ECLOSED);
	UT_EQ(vmbus_info(NULL), UMBRA_EINVAL);

	/* detached: no VMBus */
	vmbus_api_detach();
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), UMBRA_ENODEV);
	UT_EQ(vmbus_offer_count(), UMBRA_ENODEV);
	struct vmbus_channel *old = ch;
	UT_EQ(vmbus_open(1, &P64, &ch), UMBRA_ENODEV);
	UT_CHECK(ch == NULL);
	UT_EQ(vmbus_send(old, buf, 8, 0, 0), UMBRA_ECLOSED);
	UT_EQ(vmbus_dispatch(0), UMBRA_ENODEV);
}

static void t_rescind_during_traffic(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	uint8_t b[32] = { 0 };
	UT_EQ(vmbus_send(ch, b, sizeof(b), 1, 1), 0);
	q32(2, 1, 2, 0, 0);                       /* rescind relid 2 */
	UT_EQ(vmbus_recv(ch, b, sizeof(b), NULL, 0), 32);   /* queued data still readable */
	UT_EQ(vmbus_recv(ch, b, sizeof(b), NULL, 1000), UMBRA_ERESCINDED);
	UT_EQ(vmbus_send(ch, b, sizeof(b), 1, 1), UMBRA_ERESCINDED);
	UT_EQ(vmbus_wait(&ch, 1, 1000), 0);
	struct vmbus_offer_info o;
	UT_EQ(vmbus_offer_get(1, &o), 0);
	UT_CHECK(o.rescinded);
	UT_EQ(vmbus_close(ch), 0);
	UT_CHECK(F[1].released);
	UT_EQ(vmbus_offer_count(), 2);
	for (int i = 0; i < MAXP; i++)
		UT_CHECK(!P[i].n || !P[i].shared);
}

static void t_open_refused(void)
{
	host_setup(true);
	int base = live_pages();
	open_status = 0x8000FFFF;
	struct vmbus_channel *ch = (struct vmbus_channel *)1;
	UT_EQ(vmbus_open(2, &P64, &ch), UMBRA_EREFUSED);
	UT_CHECK(ch == NULL);
	UT_EQ(live_pages(), base);
	open_status = 0;
	gpadl_status = 0xC0000044;
	UT_EQ(vmbus_open(2, &P64, &ch), UMBRA_EREFUSED);
	UT_EQ(live_pages(), base);
	gpadl_status = 0;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	UT_EQ(vmbus_close(ch), 0);
	UT_EQ(live_pages(), base);
}

static void t_gpa_direct(void)
{
	host_setup(true);
	for (uint32_t relid = 2; relid <= 3; relid++) {
		struct vmbus_channel *ch;
		UT_EQ(vmbus_open(relid, &P64, &ch), 0);
		struct vmbus_buffer b;
		UT_EQ(vmbus_buffer_alloc(ch, 3 * 4096, &b), 0);
		UT_EQ(b.host_visible, relid == 2);    /* 0x4 on relid 3: private */
		struct vmbus_gpa_buf gb[2] = {
			{ .buf = &b, .offset = 100, .len = 5000 },
			{ .buf = &b, .offset = 8192, .len = 10 },
		};
		uint8_t cmd[8] = { 0x5A };
		UT_EQ(vmbus_send_gpa_direct(ch, gb, 2, cmd, sizeof(cmd), 77, 1), 0);
		uint64_t sum = 0;
		struct vmbus_packet pk;
		UT_EQ(vmbus_recv(ch, &sum, sizeof(sum), &pk, 1000000), 8);
		UT_EQ(pk.trans_id, 77);
		UT_EQ(sum, 5010);                      /* every byte was where the host expected */
		UT_EQ(((uint8_t *)b.va)[100], 0x5A);
		UT_EQ(((uint8_t *)b.va)[5099], 0x5A);
		UT_EQ(((uint8_t *)b.va)[5100], 0);
		struct vmbus_gpa_buf over = { .buf = &b, .offset = 8192, .len = 4097 };
		UT_EQ(vmbus_send_gpa_direct(ch, &over, 1, cmd, 8, 1, 0), UMBRA_EINVAL);
		UT_EQ(vmbus_buffer_free(ch, &b), 0);
		UT_EQ(vmbus_close(ch), 0);
	}
}

static int cb_count;
static void on_pkt(struct vmbus_channel *ch, const struct vmbus_packet *pkt, void *ctx)
{
	(void)ch;
	cb_count += (int)(uintptr_t)ctx;
	UT_EQ(pkt->type, RING_PKT_INBAND);
}

static void t_callback_and_wait(void)
{
	host_setup(true);
	struct vmbus_open_params cp = P64;
	cp.on_packet = on_pkt;
	cp.ctx = (void *)(uintptr_t)1;
	struct vmbus_channel *a, *b;
	UT_EQ(vmbus_open(1, &cp, &a), 0);
	UT_EQ(vmbus_open(2, &P64, &b), 0);
	uint8_t d[16] = { 0 };
	UT_EQ(vmbus_recv(a, d, sizeof(d), NULL, 0), UMBRA_EINVAL);
	for (int i = 0; i < 3; i++)
		UT_EQ(vmbus_send(a, d, sizeof(d), (uint64_t)i, 0), 0);
	UT_EQ(vmbus_dispatch(1000), 3);
	UT_EQ(cb_count, 3);
	UT_EQ(vmbus_dispatch(1000), 0);
	struct vmbus_channel *both[2] = { a, b };
	UT_EQ(vmbus_wait(both, 2, 1000), UMBRA_ETIMEDOUT);
	UT_EQ(vmbus_send(b, d, sizeof(d), 9, 0), 0);
	UT_EQ(vmbus_wait(both, 2, 1000), 1);
	UT_EQ(vmbus_close(a), 0);
	UT_EQ(vmbus_close(b), 0);
}

/* ---- hostile host: signal status, transfers, GPADLs, waits ---- */

/* HvSignalEvent fails (status 0x6, the host's choice): every operation reports what the
 * ring did; the failure is counted and retried at the next call. */
static void t_signal_failure_send(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	uint8_t b[64];
	memset(b, 0x3C, sizeof(b));
	signal_status = 0x6;                        /* HV_STATUS_ACCESS_DENIED */
	UT_EQ(vmbus_send(ch, b, sizeof(b), 0x77, VMBUS_SEND_COMPLETION_REQUESTED), 0);
	struct vmbus_channel_stats st;
	UT_EQ(vmbus_channel_stats(ch, &st), 0);
	UT_EQ(st.signal_failures, 1);
	UT_EQ(st.last_signal_status, 0x6);
	UT_CHECK(st.signal_owed);
	UT_EQ(F[1].echoed, 0);                      /* the host has not looked yet */
	/* the next receive retries the owed signal; the host then answers exactly once */
	signal_status = 0;
	uint8_t in[128];
	struct vmbus_packet pk;
	UT_EQ(vmbus_recv(ch, in, sizeof(in), &pk, 1000000), 64);
	UT_EQ(pk.trans_id, 0x77);
	UT_EQ(pk.type, RING_PKT_COMP);
	UT_EQ(F[1].echoed, 1);
	UT_EQ(vmbus_recv(ch, in, sizeof(in), NULL, 0), UMBRA_EAGAIN);
	UT_EQ(vmbus_channel_stats(ch, &st), 0);
	UT_CHECK(!st.signal_owed);
	UT_EQ(st.signal_failures, 1);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_EQ(inf.signal_failures, 1);
	UT_EQ(vmbus_channel_stats(ch, NULL), UMBRA_EINVAL);
	UT_EQ(vmbus_channel_stats((struct vmbus_channel *)&C, &st), UMBRA_EINVAL);

	/* a completion and a GPA-direct packet: 0 as well, each delivered once */
	signal_status = 0x6;
	UT_EQ(vmbus_send_completion(ch, b, 8, 0x78), 0);
	struct vmbus_buffer vb;
	UT_EQ(vmbus_buffer_alloc(ch, 4096, &vb), 0);
	struct vmbus_gpa_buf gb = { .buf = &vb, .offset = 0, .len = 100 };
	uint8_t cmd[8] = { 0x42 };
	UT_EQ(vmbus_send_gpa_direct(ch, &gb, 1, cmd, sizeof(cmd), 0x79, 1), 0);
	UT_EQ(vmbus_channel_stats(ch, &st), 0);
	UT_CHECK(st.signal_owed);
	UT_CHECK(st.signal_failures >= 2);
	signal_status = 0;
	/* the host reads both once (it answers only the GPA-direct packet) */
	UT_EQ(vmbus_recv(ch, in, sizeof(in), &pk, 1000000), 8);
	UT_EQ(pk.trans_id, 0x79);
	UT_EQ(vmbus_recv(ch, in, sizeof(in), NULL, 0), UMBRA_EAGAIN);
	UT_EQ(F[1].echoed, 3);
	UT_EQ(((uint8_t *)vb.va)[99], 0x42);
	UT_EQ(vmbus_buffer_free(ch, &vb), 0);
	UT_EQ(vmbus_close(ch), 0);
}

/* A consumed packet whose read-index signal fails (the host writer is blocked) is still
 * returned; every packet arrives once, in order. */
static void t_signal_failure_recv(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	struct fchan *c = &F[1];
	static uint8_t d[1000];
	int nsent = 0;
	for (;; nsent++) {
		memset(d, nsent, sizeof(d));
		if (ring_tx_inband(&c->htx, d, sizeof(d), 1000 + (uint64_t)nsent, false) == UMBRA_EAGAIN)
			break;
	}
	UT_CHECK(nsent > 8);
	UT_EQ(ring_tx_block(&c->htx, 1024), UMBRA_EAGAIN);   /* host writer waits for room */
	signal_status = 0x6;
	static uint8_t in[2048];
	struct vmbus_packet pk;
	for (int i = 0; i < nsent; i++) {
		int rc = vmbus_recv(ch, in, sizeof(in), &pk, 0);
		UT_EQ(rc, 1000);
		if (rc != 1000)
			break;
		UT_EQ(pk.trans_id, 1000 + (uint64_t)i);
		UT_EQ(in[0], (uint8_t)i);
	}
	UT_EQ(vmbus_recv(ch, in, sizeof(in), NULL, 0), UMBRA_EAGAIN);
	struct vmbus_channel_stats st;
	UT_EQ(vmbus_channel_stats(ch, &st), 0);
	UT_CHECK(st.signal_failures >= 1);
	UT_CHECK(st.signal_owed);
	ring_tx_unblock(&c->htx);
	signal_status = 0;
	UT_EQ(vmbus_close(ch), 0);
}

/* In-place transfer (0x4 channel) whose signal fails: success, the transfer is live and
 * vmbus_xfer_done works after the completion. */
static void t_signal_failure_xfer_inplace(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(3, &P64, &ch), 0);
	uint8_t *buf = calloc(1, 300);
	UT_REQUIRE(buf != NULL);
	uint8_t cmd[8] = { 0x66 };
	struct vmbus_xfer x;
	signal_status = 0x6;
	UT_EQ(vmbus_xfer_send(ch, buf, 300, VMBUS_XFER_FROM_HOST, cmd, sizeof(cmd), 5, 1, 0, &x), 0);
	UT_CHECK(!x.bounced);
	UT_EQ(x.ch, ch);
	signal_status = 0;
	uint64_t sum = 0;
	struct vmbus_packet pk;
	UT_EQ(vmbus_recv(ch, &sum, sizeof(sum), &pk, 1000000), 8);   /* retried signal */
	UT_EQ(pk.trans_id, 5);
	UT_EQ(sum, 300);
	UT_EQ(vmbus_xfer_done(&x), 0);
	UT_EQ(buf[0], 0x66);
	UT_EQ(buf[299], 0x66);
	free(buf);
	UT_EQ(vmbus_close(ch), 0);
}

/* B: a transfer started from a callback while another waits for pool room gets its own
 * slot; both complete and the pool is empty afterwards. */
struct race {
	struct vmbus_xfer xc, x3;
	uint8_t *b3;
	bool started;
	int rc3;
};
static struct race R;
static void on_race(struct vmbus_channel *ch, const struct vmbus_packet *pkt, void *ctx)
{
	(void)ctx;
	if (pkt->trans_id != 'c' || R.started)
		return;
	UT_EQ(vmbus_xfer_done(&R.xc), 0);       /* frees slot 2 and two pool pages */
	R.started = true;
	uint8_t cmd[8] = { 0x33 };
	R.rc3 = vmbus_xfer_send(ch, R.b3, 4096, VMBUS_XFER_TO_HOST, cmd, 8, '3', 1, 0, &R.x3);
}

static void t_xfer_callback_slot(void)
{
	host_setup(true);
	memset(&R, 0, sizeof(R));
	UT_EQ(vmbus_bounce_pool_pages(4), 0);
	struct vmbus_open_params cp = P64;
	cp.on_packet = on_race;
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(1, &cp, &ch), 0);      /* 0x2 only: transfers are bounced */
	uint8_t *ba = calloc(1, 4096), *bb = calloc(1, 4096), *bc = calloc(1, 8192);
	uint8_t *b2 = calloc(1, 8192);
	R.b3 = calloc(1, 4096);
	UT_REQUIRE(ba && bb && bc && b2 && R.b3);
	uint8_t cmd[8] = { 0x11 };
	struct vmbus_xfer xa, xb, x2;
	UT_EQ(vmbus_xfer_send(ch, ba, 4096, VMBUS_XFER_TO_HOST, cmd, 8, 'a', 1, 0, &xa), 0);
	UT_EQ(vmbus_xfer_send(ch, bb, 4096, VMBUS_XFER_TO_HOST, cmd, 8, 'b', 1, 0, &xb), 0);
	UT_EQ(vmbus_xfer_send(ch, bc, 8192, VMBUS_XFER_TO_HOST, cmd, 8, 'c', 1, 0, &R.xc), 0);
	UT_EQ(R.xc.slot, 2);
	UT_EQ(vmbus_xfer_done(&xb), 0);         /* slot 1 free, one pool page free */
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 3);
	/* needs two pages: waits; the callback for 'c' frees two and starts another */
	UT_EQ(vmbus_xfer_send(ch, b2, 8192, VMBUS_XFER_TO_HOST, cmd, 8, '2', 1, 100000000, &x2), 0);
	UT_CHECK(R.started);
	UT_EQ(R.rc3, 0);
	UT_CHECK(x2.slot != R.x3.slot);
	vmbus_dispatch(1000);                   /* the remaining completions */
	UT_EQ(vmbus_xfer_done(&xa), 0);
	UT_EQ(vmbus_xfer_done(&R.x3), 0);
	UT_EQ(vmbus_xfer_done(&x2), 0);
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 0);
	UT_EQ(vmbus_close(ch), 0);
	free(ba); free(bb); free(bc); free(b2); free(R.b3);
	vmbus_api_release();
}

/* C: vmbus_xfer_done uses only its own record; a changed struct is refused. */
static void t_xfer_tampered(void)
{
	host_setup(true);
	struct vmbus_channel *ch, *other;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	UT_EQ(vmbus_open(1, &P64, &other), 0);
	uint8_t *buf = calloc(1, 200), *victim = calloc(1, 200);
	UT_REQUIRE(buf && victim);
	uint8_t cmd[8] = { 0x5E };
	struct vmbus_xfer x, t;
	UT_EQ(vmbus_xfer_send(ch, buf, 200, VMBUS_XFER_FROM_HOST, cmd, 8, 9, 1, 0, &x), 0);
	UT_CHECK(x.bounced);
	uint64_t sum;
	UT_EQ(vmbus_recv(ch, &sum, sizeof(sum), NULL, 1000000), 8);
	t = x; t.buf = victim;
	UT_EQ(vmbus_xfer_done(&t), UMBRA_EINVAL);
	UT_EQ(victim[0], 0);                    /* nothing copied there */
	t = x; t.dir = VMBUS_XFER_TO_HOST;
	UT_EQ(vmbus_xfer_done(&t), UMBRA_EINVAL);
	t = x; t.ch = other;
	UT_EQ(vmbus_xfer_done(&t), UMBRA_EINVAL);
	t = x; t.len = (size_t)1 << 30;         /* would read far past the pool */
	UT_EQ(vmbus_xfer_done(&t), UMBRA_EINVAL);
	t = x; t.len = 4096;                    /* past the app's buffer */
	UT_EQ(vmbus_xfer_done(&t), UMBRA_EINVAL);
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 1);                    /* still outstanding */
	UT_EQ(vmbus_xfer_done(&x), 0);
	UT_EQ(buf[0], 0x5E);
	UT_EQ(buf[199], 0x5E);
	UT_EQ(vmbus_xfer_done(&x), UMBRA_EINVAL);
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 0);
	free(buf); free(victim);
	UT_EQ(vmbus_close(ch), 0);
	UT_EQ(vmbus_close(other), 0);
	vmbus_api_release();
}

/* Quarantined pages: mark_base() remembers the fake's live entries; drop_quarantined()
 * checks every entry allocated since was left host-visible (never freed, never made
 * private) and frees it, so later tests have room. */
static bool P_base[MAXP];
static void mark_base(void)
{
	for (int i = 0; i < MAXP; i++)
		P_base[i] = P[i].n != 0;
}

static void drop_quarantined(void)
{
	for (int i = 0; i < MAXP; i++)
		if (P[i].n && !P_base[i]) {
			UT_CHECK(P[i].shared);
			free((void *)(uintptr_t)P[i].gpa);
			P[i].n = 0;
		}
}

static int live_entries(void)
{
	int n = 0;
	for (int i = 0; i < MAXP; i++)
		n += P[i].n != 0;
	return n;
}

/* D: 130 opens (more than the 128-entry GPADL table) whose GpadlBody post fails: each
 * UMBRA_EIO, the ring quarantined, the table still usable. */
static void t_gpadl_body_fails(void)
{
	host_setup(true);
	int base = live_entries();
	mark_base();
	body_status = 0x6;
	struct vmbus_channel *ch;
	for (int i = 0; i < 130; i++)
		UT_EQ(vmbus_open(2, &P64, &ch), UMBRA_EIO);     /* 32 pages: header + 1 body */
	UT_EQ(C.stats.gpadl_abandoned, 130);
	UT_EQ(vmbus_conn_chan(&C, 2)->ngpadl, 0);
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_EQ(inf.pages_quarantined, 130 * 32);
	UT_EQ(live_entries(), base + 130);      /* the rings, never freed */
	body_status = 0;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	uint8_t b[16] = { 1 };
	UT_EQ(vmbus_send(ch, b, sizeof(b), 1, 0), 0);
	UT_EQ(vmbus_recv(ch, b, sizeof(b), NULL, 1000000), 16);
	UT_EQ(vmbus_close(ch), 0);
	UT_EQ(live_entries(), base + 130);
	drop_quarantined();
}

/* E: a rescind during open whose GPADL teardown post fails: the ring is not freed. */
static void t_rescind_teardown_fails(void)
{
	static const struct vmbus_open_params P8 = { .send_ring_bytes = 8192, .recv_ring_bytes = 8192 };
	/* rescind while the GPADL is created */
	host_setup(true);
	mark_base();
	int pages = live_pages();
	rescind_on_header = 2;
	teardown_status = 0x6;
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P8, &ch), UMBRA_EIO);
	UT_EQ(live_pages(), pages + 4);         /* the ring stays allocated ... */
	UT_CHECK(page_is_shared(F[1].pfn[0] << 12));    /* ... and as the host saw it */
	struct vmbus_info inf;
	UT_EQ(vmbus_info(&inf), 0);
	UT_EQ(inf.pages_quarantined, 4);
	drop_quarantined();

	/* rescind instead of OpenResult */
	host_setup(true);
	mark_base();
	pages = live_pages();
	rescind_on_open = 2;
	teardown_status = 0x6;
	UT_EQ(vmbus_open(2, &P8, &ch), UMBRA_ERESCINDED);
	UT_EQ(live_pages(), pages + 4);
	UT_EQ(vmbus_info(&inf), 0);
	UT_EQ(inf.pages_quarantined, 4);
	drop_quarantined();

	/* close after a rescind: ring, buffer and bounced transfer stay with the host */
	host_setup(true);
	mark_base();
	UT_EQ(vmbus_open(2, &P8, &ch), 0);
	struct vmbus_buffer vb;
	UT_EQ(vmbus_buffer_alloc(ch, 8192, &vb), 0);
	uint8_t *xb = calloc(1, 4096);
	struct vmbus_xfer x;
	uint8_t cmd[8] = { 1 };
	F[1].open = false;                      /* the host holds the transfer */
	UT_EQ(vmbus_xfer_send(ch, xb, 4096, VMBUS_XFER_FROM_HOST, cmd, 8, 1, 1, 0, &x), 0);
	int with_pool = live_pages();
	q32(2, 1, 2, 0, 0);
	vmbus_conn_poll(&C);
	teardown_status = 0x6;
	UT_EQ(vmbus_close(ch), UMBRA_EIO);
	/* only the private packet buffer (5 pages: 16 KiB of payload and the descriptor) is
	 * freed: ring, buffer, pool stay */
	UT_EQ(live_pages(), with_pool - 5);
	UT_CHECK(page_is_shared(vb.gpa));
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 1);                    /* the pool page stays taken */
	UT_EQ(vmbus_xfer_done(&x), UMBRA_ECLOSED);
	UT_EQ(vmbus_info(&inf), 0);
	UT_EQ(inf.pages_quarantined, 4 + 2 + 1);
	free(xb);
	drop_quarantined();
}

/* F: a packet without payload into no buffer. */
static void t_recv_empty_packet(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	UT_EQ(vmbus_send(ch, NULL, 0, 0x55, 0), 0);
	struct vmbus_packet pk;
	UT_EQ(vmbus_recv(ch, NULL, 0, &pk, 1000000), 0);
	UT_EQ(pk.trans_id, 0x55);
	UT_EQ(pk.len, 0);
	UT_EQ(vmbus_close(ch), 0);
}

/* G: the wait hook gets the wait's condition. The fake's wait: the host writes a packet
 * just before the halt (its interrupt was already taken); unless ready() says so, the
 * halt then lasts the whole timeout. */
static int wait_calls, ready_asked;
static struct fchan *wait_inject_ch;
static void f_wait(void *ctx, uint64_t max_ns, bool (*ready)(void *arg), void *arg)
{
	(void)ctx;
	wait_calls++;
	if (wait_inject_ch) {
		uint8_t d[24] = { 0xAB };
		ring_tx_inband(&wait_inject_ch->htx, d, sizeof(d), 0xFEED, false);
		wait_inject_ch = NULL;
	}
	if (ready) {
		ready_asked++;
		if (ready(arg))
			return;
	}
	fnow += max_ns;
}

static void t_wait_ready(void)
{
	static struct vmbus_mem_ops wo;
	wo = MO;
	wo.wait = f_wait;
	host_ops = &wo;
	host_setup(true);
	struct vmbus_open_params cp = P64;
	cp.on_packet = on_pkt;
	cp.ctx = (void *)(uintptr_t)1;
	struct vmbus_channel *a, *b;
	UT_EQ(vmbus_open(1, &cp, &a), 0);
	UT_EQ(vmbus_open(2, &P64, &b), 0);
	const uint64_t T = 1000000000ull;
	uint8_t in[64];

	wait_calls = ready_asked = 0;
	wait_inject_ch = &F[1];
	uint64_t t0 = fnow;
	struct vmbus_packet pk;
	UT_EQ(vmbus_recv(b, in, sizeof(in), &pk, T), 24);
	UT_EQ(pk.trans_id, 0xFEED);
	UT_CHECK(ready_asked >= 1);
	UT_CHECK(fnow - t0 < T / 2);            /* not the full timeout */

	wait_inject_ch = &F[1];
	ready_asked = 0;
	t0 = fnow;
	struct vmbus_channel *both[2] = { a, b };
	UT_EQ(vmbus_wait(both, 2, T), 1);
	UT_CHECK(ready_asked >= 1);
	UT_CHECK(fnow - t0 < T / 2);
	UT_EQ(vmbus_recv(b, in, sizeof(in), NULL, 0), 24);

	wait_inject_ch = &F[0];
	ready_asked = 0;
	cb_count = 0;
	t0 = fnow;
	UT_EQ(vmbus_dispatch(T), 1);
	UT_EQ(cb_count, 1);
	UT_CHECK(ready_asked >= 1);
	UT_CHECK(fnow - t0 < T / 2);

	/* nothing there: the wait sleeps and the timeout holds */
	t0 = fnow;
	UT_EQ(vmbus_recv(b, in, sizeof(in), NULL, 1000000), UMBRA_ETIMEDOUT);
	UT_CHECK(fnow - t0 >= 1000000);
	UT_EQ(vmbus_close(a), 0);
	UT_EQ(vmbus_close(b), 0);
}

/* ---- handles: a closed handle stays closed when its slot is reused ---- */

/* Every call on a closed handle: UMBRA_ECLOSED, nothing reaches any channel. */
static void check_closed(struct vmbus_channel *old)
{
	uint8_t b[16] = { 0 };
	struct vmbus_buffer vb;
	struct vmbus_channel_stats st;
	struct vmbus_xfer x;
	struct vmbus_gpa_buf gb = { .buf = &vb, .offset = 0, .len = 8 };
	UT_EQ(vmbus_send(old, b, 8, 0xDEAD, 0), UMBRA_ECLOSED);
	UT_EQ(vmbus_send_completion(old, b, 8, 0xDEAD), UMBRA_ECLOSED);
	UT_EQ(vmbus_send_gpa_direct(old, &gb, 1, b, 8, 0xDEAD, 0), UMBRA_ECLOSED);
	UT_EQ(vmbus_xfer_send(old, b, 8, VMBUS_XFER_TO_HOST, b, 8, 0xDEAD, 0, 0, &x), UMBRA_ECLOSED);
	UT_EQ(vmbus_recv(old, b, sizeof(b), NULL, 0), UMBRA_ECLOSED);
	UT_EQ(vmbus_wait(&old, 1, 0), UMBRA_ECLOSED);
	UT_EQ(vmbus_channel_relid(old), UMBRA_ECLOSED);
	UT_EQ(vmbus_channel_stats(old, &st), UMBRA_ECLOSED);
	UT_EQ(vmbus_buffer_alloc(old, 4096, &vb), UMBRA_ECLOSED);
	UT_EQ(vmbus_close(old), UMBRA_ECLOSED);
}

static void t_stale_handle(void)
{
	host_setup(true);
	struct vmbus_channel *a, *b, *c;
	UT_EQ(vmbus_open(2, &P64, &a), 0);
	UT_EQ(vmbus_close(a), 0);
	/* the same offer again, in the same slot */
	UT_EQ(vmbus_open(2, &P64, &b), 0);
	UT_CHECK(a != b);
	check_closed(a);
	UT_EQ(F[1].echoed, 0);                  /* nothing reached the new channel */
	UT_EQ(vmbus_recv(b, NULL, 0, NULL, 0), UMBRA_EAGAIN);
	uint8_t d[8] = { 7 };
	UT_EQ(vmbus_send(b, d, 8, 1, 0), 0);
	UT_EQ(vmbus_recv(b, d, 8, NULL, 1000000), 8);
	UT_EQ(F[1].echoed, 1);
	/* another offer in the slot: neither old handle reaches it */
	UT_EQ(vmbus_close(b), 0);
	UT_EQ(vmbus_open(1, &P64, &c), 0);
	UT_CHECK(c != a && c != b);
	check_closed(a);
	check_closed(b);
	UT_EQ(F[0].echoed, 0);
	UT_EQ(vmbus_channel_relid(c), 1);
	/* a garbage value near a live handle is no handle at all */
	for (unsigned bit = 0; bit < 64; bit++) {
		struct vmbus_channel *g = (struct vmbus_channel *)((uintptr_t)c ^ ((uintptr_t)1 << bit));
		int rc = vmbus_channel_relid(g);
		UT_CHECK(rc == UMBRA_EINVAL || rc == UMBRA_ECLOSED);
		if (bit < 8 || bit >= 56)               /* check byte, tag */
			UT_EQ(rc, UMBRA_EINVAL);
	}
	UT_EQ(vmbus_close(c), 0);
	/* a re-attached connection does not bring old handles back */
	host_setup(true);
	check_closed(c);
	UT_EQ(vmbus_open(1, &P64, &a), 0);
	UT_CHECK(a != c);
	check_closed(c);
	UT_EQ(vmbus_close(a), 0);
}

/* One slot reused 2000 times: every handle is distinct and every old one stays closed. */
static void t_handle_reuse_many(void)
{
	host_setup(true);
	enum { N = 2000 };
	static struct vmbus_channel *h[N];
	static const struct vmbus_open_params P8 = { .send_ring_bytes = 8192, .recv_ring_bytes = 8192 };
	for (int i = 0; i < N; i++) {
		UT_EQ(vmbus_open((uint32_t)(1 + i % 2), &P8, &h[i]), 0);
		UT_EQ(vmbus_close(h[i]), 0);
	}
	int same = 0, open_ok = 0;
	for (int i = 0; i < N; i++) {
		for (int k = i + 1; k < N && k < i + 64; k++)
			same += h[i] == h[k];
		open_ok += vmbus_channel_relid(h[i]) != UMBRA_ECLOSED;
	}
	UT_EQ(same, 0);
	UT_EQ(open_ok, 0);
	struct vmbus_channel *now;
	UT_EQ(vmbus_open(2, &P8, &now), 0);
	for (int i = 0; i < N; i++)
		if (vmbus_send(h[i], &i, 4, 0, 0) != UMBRA_ECLOSED)
			open_ok++;
	UT_EQ(open_ok, 0);
	UT_EQ(F[1].echoed, 0);
	UT_EQ(vmbus_close(now), 0);
}

/* A callback that closes its channel and opens another into the same slot: the dispatch
 * pass stops with the closed one and takes nothing from the new channel's ring. */
static struct vmbus_channel *cb_new;
static int cb_reopen_calls;
static void on_reopen(struct vmbus_channel *ch, const struct vmbus_packet *pkt, void *ctx)
{
	(void)pkt; (void)ctx;
	cb_reopen_calls++;
	UT_EQ(vmbus_close(ch), 0);
	UT_EQ(vmbus_open(2, &P64, &cb_new), 0);
	uint8_t d[16] = { 0x42 };
	UT_EQ(vmbus_send(cb_new, d, sizeof(d), 0x77, 0), 0);   /* echoed into its ring now */
}

static void t_handle_reuse_in_callback(void)
{
	host_setup(true);
	struct vmbus_open_params cp = P64;
	cp.on_packet = on_reopen;
	struct vmbus_channel *a;
	UT_EQ(vmbus_open(1, &cp, &a), 0);
	uint8_t d[16] = { 0 };
	UT_EQ(vmbus_send(a, d, sizeof(d), 1, 0), 0);
	UT_EQ(vmbus_send(a, d, sizeof(d), 2, 0), 0);
	cb_reopen_calls = 0;
	UT_EQ(vmbus_dispatch(1000), 1);
	UT_EQ(cb_reopen_calls, 1);
	check_closed(a);
	struct vmbus_packet pk;
	uint8_t in[16];
	UT_EQ(vmbus_recv(cb_new, in, sizeof(in), &pk, 0), 16);  /* still there for its owner */
	UT_EQ(pk.trans_id, 0x77);
	UT_EQ(in[0], 0x42);
	UT_EQ(vmbus_close(cb_new), 0);
}

/* A transfer of a closed channel: vmbus_xfer_done is UMBRA_ECLOSED even when a new
 * channel in the same slot has a transfer in the same record slot; that one is untouched. */
static void t_xfer_after_reuse(void)
{
	host_setup(true);
	struct vmbus_channel *a, *b;
	uint8_t *ba = calloc(1, 100), *bb = calloc(1, 100);
	UT_REQUIRE(ba && bb);
	uint8_t cmd[8] = { 0x3A };
	struct vmbus_xfer xa, xb;
	UT_EQ(vmbus_open(2, &P64, &a), 0);
	F[1].open = false;                      /* the host holds the transfer */
	UT_EQ(vmbus_xfer_send(a, ba, 100, VMBUS_XFER_FROM_HOST, cmd, 8, 1, 1, 0, &xa), 0);
	UT_EQ(vmbus_close(a), 0);
	UT_EQ(vmbus_open(2, &P64, &b), 0);
	UT_EQ(vmbus_xfer_send(b, bb, 100, VMBUS_XFER_FROM_HOST, cmd, 8, 2, 1, 0, &xb), 0);
	UT_EQ(xa.slot, xb.slot);
	UT_EQ(vmbus_xfer_done(&xa), UMBRA_ECLOSED);
	struct vmbus_xfer t = xa;
	t.seq = xb.seq;                         /* the new record's sequence: still refused */
	UT_EQ(vmbus_xfer_done(&t), UMBRA_ECLOSED);
	struct vmbus_bounce_info bi;
	UT_EQ(vmbus_bounce_info(&bi), 0);
	UT_EQ(bi.in_use, 1);
	uint64_t sum;
	UT_EQ(vmbus_recv(b, &sum, sizeof(sum), NULL, 1000000), 8);
	UT_EQ(vmbus_xfer_done(&xb), 0);
	UT_EQ(bb[99], 0x3A);
	UT_EQ(ba[0], 0);
	UT_EQ(vmbus_close(b), 0);
	free(ba); free(bb);
	vmbus_api_release();
}

/* ---- packets above max_packet_bytes ---- */

/* The host writes an in-band packet of len bytes (byte k = seed + k) into channel c's
 * inbound ring. */
static void host_put(struct fchan *c, size_t len, uint64_t tid, uint8_t seed)
{
	static uint8_t d[64 << 10];
	for (size_t k = 0; k < len; k++)
		d[k] = (uint8_t)(seed + k);
	UT_EQ(ring_tx_inband(&c->htx, d, len, tid, false) >= 0, 1);
}

static bool payload_ok(const uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t k = 0; k < len; k++)
		if (p[k] != (uint8_t)(seed + k))
			return false;
	return true;
}

/* Polling: the size is reported (UMBRA_EMSGSIZE, distinct from ENOSPC), discard drops it
 * and the next packet arrives, a larger buffer takes it. */
static void t_oversized_poll(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);              /* max_packet_bytes 16 KiB */
	int pages = live_pages();
	struct fchan *c = &F[1];
	host_put(c, 20000, 0xA, 1);
	host_put(c, 96, 0xB, 2);
	host_put(c, 30000, 0xC, 3);
	host_put(c, 1000, 0xD, 4);
	static uint8_t small[4100], big[32768];
	struct vmbus_packet pk;
	UT_EQ(vmbus_wait(&ch, 1, 1000000), 0);
	for (int i = 0; i < 2; i++) {                   /* stays queued, reported each time */
		memset(&pk, 0xEE, sizeof(pk));
		UT_EQ(vmbus_recv(ch, small, sizeof(small), &pk, 1000000), UMBRA_EMSGSIZE);
		UT_EQ(pk.len, 20000);
		UT_EQ(pk.trans_id, 0xA);
		UT_EQ(pk.type, RING_PKT_INBAND);
		UT_CHECK(pk.data == NULL);
	}
	UT_EQ(live_pages(), pages);                     /* the temporary copy was given back */
	UT_EQ(vmbus_discard(ch, &pk), 20000);
	UT_EQ(pk.trans_id, 0xA);
	UT_EQ(vmbus_recv(ch, small, sizeof(small), &pk, 0), 96);
	UT_EQ(pk.trans_id, 0xB);
	UT_CHECK(payload_ok(small, 96, 2));
	UT_EQ(vmbus_recv(ch, small, sizeof(small), &pk, 0), UMBRA_EMSGSIZE);
	UT_EQ(pk.len, 30000);
	UT_EQ(vmbus_recv(ch, big, pk.len, &pk, 0), 30000);
	UT_EQ(pk.trans_id, 0xC);
	UT_CHECK(pk.data == big);
	UT_CHECK(payload_ok(big, 30000, 3));
	/* a small buffer for a packet within max_packet_bytes: ENOSPC, with its size */
	UT_EQ(vmbus_recv(ch, small, 8, &pk, 0), UMBRA_ENOSPC);
	UT_EQ(pk.len, 1000);
	UT_EQ(pk.trans_id, 0xD);
	UT_EQ(vmbus_recv(ch, small, sizeof(small), &pk, 0), 1000);
	UT_EQ(vmbus_discard(ch, NULL), UMBRA_EAGAIN);
	struct vmbus_channel_stats st;
	UT_EQ(vmbus_channel_stats(ch, &st), 0);
	UT_EQ(st.oversized, 2);
	/* exactly max_packet_bytes: delivered from the packet buffer, no page taken; one
	 * 8-byte step above is reported */
	host_put(c, 16384, 0xE, 5);
	host_put(c, 16392, 0xF, 6);
	alloc_calls = 0;
	UT_EQ(vmbus_recv(ch, big, 16384, &pk, 0), 16384);
	UT_EQ(alloc_calls, 0);
	UT_CHECK(payload_ok(big, 16384, 5));
	UT_EQ(vmbus_recv(ch, big, 16384, &pk, 0), UMBRA_EMSGSIZE);
	UT_EQ(pk.len, 16392);
	UT_EQ(vmbus_recv(ch, big, sizeof(big), &pk, 0), 16392);
	UT_CHECK(payload_ok(big, 16392, 6));
	UT_EQ(live_pages(), pages);
	UT_EQ(vmbus_close(ch), 0);
}

/* vmbus_discard is a receive call: it retries an owed signal first. */
static void t_discard_retries_signal(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	uint8_t d[32] = { 0 };
	signal_status = 0x6;
	UT_EQ(vmbus_send(ch, d, sizeof(d), 0x71, 0), 0);
	signal_status = 0;
	UT_EQ(F[1].echoed, 0);
	UT_EQ(vmbus_discard(ch, NULL), 32);     /* the retried signal made the host echo */
	UT_EQ(F[1].echoed, 1);
	struct vmbus_channel_stats st;
	UT_EQ(vmbus_channel_stats(ch, &st), 0);
	UT_CHECK(!st.signal_owed);
	UT_EQ(vmbus_close(ch), 0);
}

/* No pages for the copy of an oversized packet: the error, the packet stays queued. */
static void t_oversized_nomem(void)
{
	host_setup(true);
	struct vmbus_channel *ch;
	UT_EQ(vmbus_open(2, &P64, &ch), 0);
	host_put(&F[1], 40000, 0x40, 7);
	alloc_fail_pages = 6;
	static uint8_t big[40000];
	struct vmbus_packet pk;
	UT_EQ(vmbus_recv(ch, big, sizeof(big), &pk, 0), UMBRA_ENOMEM);
	UT_EQ(vmbus_discard(ch, NULL), UMBRA_ENOMEM);
	alloc_fail_pages = 0;
	UT_EQ(vmbus_recv(ch, big, sizeof(big), &pk, 0), 40000);
	UT_CHECK(payload_ok(big, 40000, 7));
	UT_EQ(vmbus_close(ch), 0);
}

/* Callback channels: what on_packet and on_event saw, in order. */
struct evlog {
	int n;
	unsigned kind[16];              /* 0 = packet */
	uint64_t tid[16];
	uint32_t len[16];
	bool data_ok[16];
	bool close_on_rescind;
};
static struct evlog EV;

static void ev_pkt(struct vmbus_channel *ch, const struct vmbus_packet *pkt, void *ctx)
{
	(void)ch; (void)ctx;
	if (EV.n < 16) {
		EV.kind[EV.n] = 0;
		EV.tid[EV.n] = pkt->trans_id;
		EV.len[EV.n] = pkt->len;
		EV.data_ok[EV.n] = payload_ok(pkt->data, pkt->len, (uint8_t)pkt->trans_id);
		EV.n++;
	}
}

static void ev_event(struct vmbus_channel *ch, const struct vmbus_event *ev, void *ctx)
{
	(void)ctx;
	if (EV.n < 16) {
		EV.kind[EV.n] = ev->kind;
		EV.tid[EV.n] = ev->pkt.trans_id;
		EV.len[EV.n] = ev->pkt.len;
		EV.data_ok[EV.n] = ev->kind != VMBUS_EVENT_OVERSIZED ||
			(ev->pkt.data && payload_ok(ev->pkt.data, ev->pkt.len, (uint8_t)ev->pkt.trans_id));
		EV.n++;
	}
	if (ev->kind == VMBUS_EVENT_RESCINDED && EV.close_on_rescind)
		UT_EQ(vmbus_close(ch), 0);
}

static struct vmbus_mem_ops WO;
static void counting_host(void)
{
	WO = MO;
	WO.wait = f_wait;
	host_ops = &WO;
	host_setup(true);
	wait_calls = 0;
}

/* A fresh counting host and relid opened as a callback channel with ev_pkt/ev_event. */
static struct vmbus_channel *open_ev_channel(uint32_t relid)
{
	counting_host();
	memset(&EV, 0, sizeof(EV));
	struct vmbus_open_params cp = P64;
	cp.on_packet = ev_pkt;
	cp.on_event = ev_event;
	struct vmbus_channel *a = NULL;
	UT_EQ(vmbus_open(relid, &cp, &a), 0);
	return a;
}

/* The callback channel gets the report with the payload and keeps delivering; neither
 * vmbus_wait nor vmbus_dispatch spins afterwards (counted halts of the wait hook). */
static void t_oversized_callback(void)
{
	struct vmbus_channel *a = open_ev_channel(1);
	UT_REQUIRE(a);
	int pages = live_pages();
	struct fchan *c = &F[0];
	host_put(c, 20000, 0x21, 0x21);
	host_put(c, 64, 0x22, 0x22);
	host_put(c, 30000, 0x23, 0x23);
	host_put(c, 64, 0x24, 0x24);
	UT_EQ(vmbus_wait(&a, 1, 1000000000ull), 0);
	UT_EQ(vmbus_dispatch(1000000000ull), 4);
	UT_EQ(EV.n, 4);
	static const unsigned kinds[4] = { VMBUS_EVENT_OVERSIZED, 0, VMBUS_EVENT_OVERSIZED, 0 };
	static const uint32_t lens[4] = { 20000, 64, 30000, 64 };
	for (int i = 0; i < 4 && i < EV.n; i++) {
		UT_EQ(EV.kind[i], kinds[i]);
		UT_EQ(EV.tid[i], 0x21 + (uint64_t)i);
		UT_EQ(EV.len[i], lens[i]);
		UT_CHECK(EV.data_ok[i]);
	}
	UT_EQ(live_pages(), pages);
	/* nothing left: both block for their whole timeout in one or two halts */
	wait_calls = 0;
	UT_EQ(vmbus_wait(&a, 1, 1000000), UMBRA_ETIMEDOUT);
	UT_CHECK(wait_calls >= 1 && wait_calls <= 2);
	wait_calls = 0;
	UT_EQ(vmbus_dispatch(1000000), 0);
	UT_CHECK(wait_calls >= 1 && wait_calls <= 2);
	/* later packets still arrive */
	host_put(c, 64, 0x25, 0x25);
	UT_EQ(vmbus_dispatch(1000000), 1);
	UT_EQ(EV.tid[4], 0x25);
	struct vmbus_channel_stats st;
	UT_EQ(vmbus_channel_stats(a, &st), 0);
	UT_EQ(st.oversized, 2);
	UT_EQ(vmbus_discard(a, NULL), UMBRA_EINVAL);   /* callback channels: never */
	UT_EQ(vmbus_close(a), 0);

	/* without on_event: consumed and counted, the next packet delivered */
	memset(&EV, 0, sizeof(EV));
	struct vmbus_open_params cp = P64;
	cp.on_packet = ev_pkt;
	UT_EQ(vmbus_open(1, &cp, &a), 0);
	host_put(c, 20000, 0x31, 0x31);
	host_put(c, 64, 0x32, 0x32);
	UT_EQ(vmbus_dispatch(1000000), 1);
	UT_EQ(EV.n, 1);
	UT_EQ(EV.tid[0], 0x32);
	UT_EQ(vmbus_channel_stats(a, &st), 0);
	UT_EQ(st.oversized, 1);
	/* on_event needs on_packet */
	struct vmbus_open_params bad = P64;
	bad.on_event = ev_event;
	struct vmbus_channel *b;
	UT_EQ(vmbus_open(2, &bad, &b), UMBRA_EINVAL);
	UT_EQ(vmbus_close(a), 0);
}

/* No pages for the copy on a callback channel: the dispatch does not spin, the packet
 * is reported once pages are there. */
static void t_oversized_callback_nomem(void)
{
	struct vmbus_channel *a = open_ev_channel(1);
	UT_REQUIRE(a);
	host_put(&F[0], 40000, 0x41, 0x41);
	alloc_fail_pages = 6;
	wait_calls = 0;
	UT_EQ(vmbus_dispatch(1000000), 0);
	UT_CHECK(wait_calls >= 1 && wait_calls <= 2);
	UT_EQ(EV.n, 0);
	alloc_fail_pages = 0;
	UT_EQ(vmbus_dispatch(1000000), 1);
	UT_EQ(EV.n, 1);
	UT_EQ(EV.kind[0], VMBUS_EVENT_OVERSIZED);
	UT_CHECK(EV.data_ok[0]);
	UT_EQ(vmbus_close(a), 0);
}

/* ---- events: rescind and corrupt rings on callback channels ---- */

static void t_rescind_event(void)
{
	struct vmbus_channel *a = open_ev_channel(2);
	UT_REQUIRE(a);
	host_put(&F[1], 64, 0x51, 0x51);
	host_put(&F[1], 64, 0x52, 0x52);
	q32(2, 1, 2, 0, 0);                     /* RescindChannelOffer after the packets */
	vmbus_conn_poll(&C);                    /* known before the packets are read */
	int n = 0;
	for (int i = 0; i < 4; i++)
		n += vmbus_dispatch(1000000);
	UT_EQ(n, 3);
	UT_EQ(EV.n, 3);
	UT_EQ(EV.kind[0], 0);
	UT_EQ(EV.kind[1], 0);
	UT_EQ(EV.kind[2], VMBUS_EVENT_RESCINDED);
	/* told once; the rescinded channel no longer makes dispatch or anything spin */
	wait_calls = 0;
	UT_EQ(vmbus_dispatch(1000000), 0);
	UT_CHECK(wait_calls >= 1 && wait_calls <= 2);
	UT_EQ(EV.n, 3);
	UT_EQ(vmbus_close(a), 0);
	UT_CHECK(F[1].released);

	/* closed from inside the event: released, no further callback */
	host_setup(true);
	memset(&EV, 0, sizeof(EV));
	EV.close_on_rescind = true;
	struct vmbus_open_params cp = P64;
	cp.on_packet = ev_pkt;
	cp.on_event = ev_event;
	UT_EQ(vmbus_open(2, &cp, &a), 0);
	q32(2, 1, 2, 0, 0);
	n = 0;
	for (int i = 0; i < 3; i++)
		n += vmbus_dispatch(1000000);
	UT_EQ(n, 1);
	UT_EQ(EV.n, 1);
	UT_CHECK(F[1].released);
	UT_EQ(vmbus_close(a), UMBRA_ECLOSED);

	/* a rescinded callback channel without on_event does not make dispatch spin */
	counting_host();
	cp.on_event = NULL;
	UT_EQ(vmbus_open(2, &cp, &a), 0);
	q32(2, 1, 2, 0, 0);
	vmbus_dispatch(1000000);
	wait_calls = 0;
	UT_EQ(vmbus_dispatch(1000000), 0);
	UT_CHECK(wait_calls >= 1 && wait_calls <= 2);
	UT_EQ(vmbus_close(a), 0);
}

static void t_corrupt_event(void)
{
	struct vmbus_channel *a = open_ev_channel(2);
	UT_REQUIRE(a);
	host_put(&F[1], 64, 0x61, 0x61);
	UT_EQ(vmbus_dispatch(1000000), 1);
	uint32_t bad = 3;                       /* unaligned write index */
	memcpy((uint8_t *)F[1].htx.ctl + RING_CTL_WRITE_INDEX, &bad, 4);
	UT_EQ(vmbus_dispatch(1000000), 1);
	UT_EQ(EV.n, 2);
	UT_EQ(EV.kind[1], VMBUS_EVENT_CORRUPT);
	wait_calls = 0;
	UT_EQ(vmbus_dispatch(1000000), 0);
	UT_CHECK(wait_calls >= 1 && wait_calls <= 2);
	uint8_t d[8] = { 0 };
	UT_EQ(vmbus_send(a, d, 8, 1, 0), UMBRA_ECORRUPT);
	UT_EQ(vmbus_close(a), 0);
}

int main(void)
{
	UT_RUN(t_enumerate);
	UT_RUN(t_offer_user_area);
	UT_RUN(t_limits);
	UT_RUN(t_echo_confidential);
	UT_RUN(t_echo_relayed);
	UT_RUN(t_echo_nonconfidential_connection);
	UT_RUN(t_signals_minimal);
	UT_RUN(t_bad_arguments);
	UT_RUN(t_rescind_during_traffic);
	UT_RUN(t_open_refused);
	UT_RUN(t_gpa_direct);
	UT_RUN(t_callback_and_wait);
	UT_RUN(t_signal_failure_send);
	UT_RUN(t_signal_failure_recv);
	UT_RUN(t_signal_failure_xfer_inplace);
	UT_RUN(t_xfer_callback_slot);
	UT_RUN(t_xfer_tampered);
	UT_RUN(t_gpadl_body_fails);
	UT_RUN(t_rescind_teardown_fails);
	UT_RUN(t_recv_empty_packet);
	UT_RUN(t_wait_ready);
	UT_RUN(t_stale_handle);
	UT_RUN(t_handle_reuse_many);
	UT_RUN(t_handle_reuse_in_callback);
	UT_RUN(t_xfer_after_reuse);
	UT_RUN(t_oversized_poll);
	UT_RUN(t_oversized_nomem);
	UT_RUN(t_discard_retries_signal);
	UT_RUN(t_oversized_callback);
	UT_RUN(t_oversized_callback_nomem);
	UT_RUN(t_rescind_event);
	UT_RUN(t_corrupt_event);
	return UT_DONE();
}
