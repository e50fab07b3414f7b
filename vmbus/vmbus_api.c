/* The public client API: offers, channels over ring/, buffers by the memory policy. */
#include <umbra/vmbus.h>
#include "vmbus/vmbus_api.h"
#include "vmbus/vmbus_conn.h"
#include "ring/ring.h"
#include "lib/string.h"

#define VMBUS_CH_MAGIC 0x564D4348u
#define VMBUS_DEFAULT_MAX_PKT (16u << 10)
#define VMBUS_MAX_PKT_LIMIT   (1u << 20)

struct vmbus_bufrec {
	uint64_t gpa;
	size_t pages;
	bool shared;
};

struct vmbus_channel {
	uint32_t magic;
	bool used;
	bool failed;
	bool shared_ring;
	bool conf_ext;
	volatile bool event;
	uint32_t relid;
	uint32_t gpadl;
	uint64_t ring_gpa;
	void *ring_va;
	size_t ring_pages;
	uint32_t send_pages;
	uint8_t *pkbuf;
	uint64_t pkbuf_gpa;
	size_t pkbuf_pages;
	vmbus_rx_fn cb;
	void *ctx;
	struct ring_pair rp;
	struct vmbus_bufrec bufs[VMBUS_API_MAX_BUFS];
};

/* The runtime's bring-up (vmbus/vmbus_platform.c), when linked: the first API call
 * connects. Host tests of the API alone do not link it. */
extern int vmbus_platform_start(void) __attribute__((weak));

static struct vmbus_conn *g_conn;
static struct vmbus_mem_ops g_ops;
static struct vmbus_channel g_ch[VMBUS_API_MAX_OPEN];
static uint64_t g_pfns[VMBUS_RING_MAX_BYTES / 4096];
static uint64_t g_gpa_pfns[VMBUS_GPA_MAX_PAGES];

/* 0 if ch is a live handle; UMBRA_ECLOSED for a closed slot; UMBRA_EINVAL otherwise.
 * Only integer comparisons before the pointer is trusted. */
static int ch_check(const struct vmbus_channel *ch)
{
	uintptr_t p = (uintptr_t)ch, base = (uintptr_t)&g_ch[0];
	if (p < base || p >= base + sizeof(g_ch) || (p - base) % sizeof(g_ch[0]) != 0)
		return UMBRA_EINVAL;
	if (!ch->used || ch->magic != VMBUS_CH_MAGIC)
		return UMBRA_ECLOSED;
	if (!g_conn)
		return UMBRA_ENODEV;
	return 0;
}

static uint64_t now(void)
{
	return g_conn->tp->now_ns(g_conn->tp->ctx);
}

static void api_wait(uint64_t max_ns)
{
	if (g_ops.wait)
		g_ops.wait(g_ops.ctx, max_ns);
	vmbus_conn_poll(g_conn);
}

static bool ch_rescinded(const struct vmbus_channel *ch)
{
	const struct vmbus_chan_rec *r = vmbus_conn_chan(g_conn, ch->relid);
	return !r || r->rescinded;
}

static void on_rescind(void *ctx, uint32_t relid)
{
	(void)ctx;
	vmbus_api_event(relid);
}

int vmbus_api_attach(struct vmbus_conn *conn, const struct vmbus_mem_ops *ops)
{
	if (!conn || !ops || !ops->page_alloc || !ops->page_free)
		return UMBRA_EINVAL;
	g_conn = conn;
	g_ops = *ops;
	memset(g_ch, 0, sizeof(g_ch));
	conn->on_rescind = on_rescind;
	conn->on_rescind_ctx = NULL;
	return 0;
}

void vmbus_api_detach(void)
{
	memset(g_ch, 0, sizeof(g_ch));
	g_conn = NULL;
}

struct vmbus_conn *vmbus_api_conn(void)
{
	return g_conn;
}

void vmbus_api_event(uint32_t relid)
{
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++)
		if (g_ch[i].used && g_ch[i].relid == relid)
			g_ch[i].event = true;
}

static bool api_ready(void)
{
	if (!g_conn && vmbus_platform_start)
		vmbus_platform_start();
	return g_conn && g_conn->connected;
}

/* ---- offers ---- */

int vmbus_info(struct vmbus_info *out)
{
	if (!out)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!api_ready())
		return UMBRA_ENODEV;
	vmbus_conn_poll(g_conn);
	out->connected = true;
	out->confidential = g_conn->confidential;
	out->version = g_conn->version;
	out->offers = (uint32_t)vmbus_offer_count();
	return 0;
}

/* Offer records in relid order: the index-th one, or NULL. */
static const struct vmbus_chan_rec *offer_nth(unsigned index)
{
	uint32_t last = 0;
	for (unsigned k = 0;; k++) {
		const struct vmbus_chan_rec *best = NULL;
		for (int i = 0; i < VMBUS_MAX_CHANNELS; i++) {
			const struct vmbus_chan_rec *r = &g_conn->ch[i];
			if (r->state == VMBUS_CHAN_FREE || r->offer.relid <= last)
				continue;
			if (!best || r->offer.relid < best->offer.relid)
				best = r;
		}
		if (!best || k == index)
			return best;
		last = best->offer.relid;
	}
}

static void fill_info(const struct vmbus_chan_rec *r, struct vmbus_offer_info *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->class_id.b, r->offer.if_type, 16);
	memcpy(out->instance_id.b, r->offer.if_instance, 16);
	out->relid = r->offer.relid;
	out->flags = r->offer.flags;
	out->subchannel_index = r->offer.sub_channel_index;
	out->confidential_ring = (r->offer.flags & VMBUS_FLAG_CONFIDENTIAL_RING) != 0;
	out->confidential_external = (r->offer.flags & VMBUS_FLAG_CONFIDENTIAL_EXTERNAL) != 0;
	out->rescinded = r->rescinded;
}

int vmbus_offer_count(void)
{
	if (!api_ready())
		return UMBRA_ENODEV;
	int n = 0;
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++)
		n += g_conn->ch[i].state != VMBUS_CHAN_FREE;
	return n;
}

int vmbus_offer_get(unsigned index, struct vmbus_offer_info *out)
{
	if (!out)
		return UMBRA_EINVAL;
	if (!api_ready())
		return UMBRA_ENODEV;
	const struct vmbus_chan_rec *r = offer_nth(index);
	if (!r)
		return UMBRA_ENOENT;
	fill_info(r, out);
	return 0;
}

int vmbus_find(const struct vmbus_guid *class_id, unsigned nth, struct vmbus_offer_info *out)
{
	if (!class_id || !out)
		return UMBRA_EINVAL;
	if (!api_ready())
		return UMBRA_ENODEV;
	for (unsigned i = 0;; i++) {
		const struct vmbus_chan_rec *r = offer_nth(i);
		if (!r)
			return UMBRA_ENOENT;
		if (memcmp(r->offer.if_type, class_id->b, 16) != 0)
			continue;
		if (nth-- == 0) {
			fill_info(r, out);
			return 0;
		}
	}
}

/* ---- memory ---- */

static int pages_get(size_t npages, bool shared, uint64_t *gpa, void **va)
{
	int rc = g_ops.page_alloc(g_ops.ctx, npages, gpa, va);
	if (rc)
		return rc;
	if (shared && g_ops.set_visibility) {
		rc = g_ops.set_visibility(g_ops.ctx, *gpa, npages, true);
		if (rc) {
			/* Partly shared pages cannot be trusted private: put them back first. */
			if (g_ops.set_visibility(g_ops.ctx, *gpa, npages, false) == 0)
				g_ops.page_free(g_ops.ctx, *gpa, npages);
			return rc;
		}
		memset(*va, 0, npages * 4096);
	}
	return 0;
}

/* Make private again and free; if the pages cannot be made private they are leaked. */
static void pages_put(uint64_t gpa, size_t npages, bool shared)
{
	if (shared && g_ops.set_visibility &&
	    g_ops.set_visibility(g_ops.ctx, gpa, npages, false) != 0)
		return;
	g_ops.page_free(g_ops.ctx, gpa, npages);
}

/* ---- open / close ---- */

static void ch_free_mem(struct vmbus_channel *ch, bool ring_fenced)
{
	if (ch->ring_va && ring_fenced)
		pages_put(ch->ring_gpa, ch->ring_pages, ch->shared_ring);
	if (ch->pkbuf)
		pages_put(ch->pkbuf_gpa, ch->pkbuf_pages, false);
	for (int i = 0; i < VMBUS_API_MAX_BUFS; i++)
		if (ch->bufs[i].pages)
			pages_put(ch->bufs[i].gpa, ch->bufs[i].pages, ch->bufs[i].shared);
	ch->ring_va = NULL;
	ch->pkbuf = NULL;
}

int vmbus_open(uint32_t relid, const struct vmbus_open_params *p, struct vmbus_channel **out)
{
	if (!p || !out)
		return UMBRA_EINVAL;
	*out = NULL;
	if (p->send_ring_bytes % 4096 || p->recv_ring_bytes % 4096 ||
	    p->send_ring_bytes < VMBUS_RING_MIN_BYTES || p->recv_ring_bytes < VMBUS_RING_MIN_BYTES ||
	    p->send_ring_bytes > VMBUS_RING_MAX_BYTES / 2 || p->recv_ring_bytes > VMBUS_RING_MAX_BYTES / 2 ||
	    p->max_packet_bytes > VMBUS_MAX_PKT_LIMIT)
		return UMBRA_EINVAL;
	if (!api_ready())
		return UMBRA_ENODEV;
	vmbus_conn_poll(g_conn);
	struct vmbus_chan_rec *r = vmbus_conn_chan(g_conn, relid);
	if (!r)
		return UMBRA_ENOENT;
	struct vmbus_channel *ch = NULL;
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++)
		if (!g_ch[i].used) {
			ch = &g_ch[i];
			break;
		}
	if (!ch)
		return UMBRA_EBUSY;
	int rc = vmbus_conn_claim(g_conn, relid);
	if (rc)
		return rc;
	memset(ch, 0, sizeof(*ch));
	ch->relid = relid;
	ch->shared_ring = !(r->offer.flags & VMBUS_FLAG_CONFIDENTIAL_RING);
	ch->conf_ext = (r->offer.flags & VMBUS_FLAG_CONFIDENTIAL_EXTERNAL) != 0;
	ch->cb = p->on_packet;
	ch->ctx = p->ctx;
	ch->send_pages = p->send_ring_bytes / 4096;
	ch->ring_pages = ch->send_pages + p->recv_ring_bytes / 4096;
	uint32_t maxpkt = p->max_packet_bytes ? p->max_packet_bytes : VMBUS_DEFAULT_MAX_PKT;
	ch->pkbuf_pages = (maxpkt + 4095) / 4096;
	bool fenced = true;

	void *va;
	rc = pages_get(ch->ring_pages, ch->shared_ring, &ch->ring_gpa, &ch->ring_va);
	if (rc) {
		ch->ring_va = NULL;
		goto fail;
	}
	rc = pages_get(ch->pkbuf_pages, false, &ch->pkbuf_gpa, &va);
	if (rc)
		goto fail;
	ch->pkbuf = va;
	rc = ring_pair_init(&ch->rp, ch->ring_va, ch->ring_pages * 4096, ch->send_pages);
	if (rc)
		goto fail;
	for (size_t i = 0; i < ch->ring_pages; i++)
		g_pfns[i] = (ch->ring_gpa >> 12) + i;
	rc = vmbus_conn_gpadl_create(g_conn, relid, 0, (uint32_t)(ch->ring_pages * 4096), g_pfns,
				     (uint32_t)ch->ring_pages, &ch->gpadl);
	if (rc) {
		/* Timeout or a partial GPADL: the host may hold the pages; never reuse them. */
		fenced = rc == UMBRA_EREFUSED || rc == UMBRA_ERESCINDED || rc == UMBRA_EINVAL ||
			 rc == UMBRA_ENOMEM;
		goto fail;
	}
	rc = vmbus_conn_open(g_conn, relid, ch->gpadl, ch->send_pages, p->target_vp);
	if (rc) {
		int trc = vmbus_conn_gpadl_teardown(g_conn, ch->gpadl);
		fenced = trc == 0;
		goto fail;
	}
	ch->magic = VMBUS_CH_MAGIC;
	ch->used = true;
	*out = ch;
	return 0;
fail:
	ch_free_mem(ch, fenced);
	vmbus_conn_release(g_conn, relid);
	memset(ch, 0, sizeof(*ch));
	return rc;
}

int vmbus_close(struct vmbus_channel *ch)
{
	int rc = ch_check(ch);
	if (rc)
		return rc;
	vmbus_conn_close(g_conn, ch->relid);
	int trc = vmbus_conn_gpadl_teardown(g_conn, ch->gpadl);
	ch_free_mem(ch, trc == 0);
	vmbus_conn_release(g_conn, ch->relid);
	ch->used = false;
	ch->magic = 0;
	return trc;
}

int vmbus_channel_relid(struct vmbus_channel *ch)
{
	int rc = ch_check(ch);
	return rc ? rc : (int)ch->relid;
}

/* ---- data ---- */

static int tx_result(struct vmbus_channel *ch, int rc)
{
	if (rc == RING_SIGNAL)
		return vmbus_conn_signal(g_conn, ch->relid);
	if (rc == UMBRA_ECORRUPT)
		ch->failed = true;
	return rc;
}

static int tx_check(struct vmbus_channel *ch)
{
	int rc = ch_check(ch);
	if (rc)
		return rc;
	if (ch->failed)
		return UMBRA_ECORRUPT;
	if (ch_rescinded(ch))
		return UMBRA_ERESCINDED;
	return 0;
}

int vmbus_send(struct vmbus_channel *ch, const void *data, size_t len, uint64_t trans_id,
	       unsigned flags)
{
	int rc = tx_check(ch);
	if (rc)
		return rc;
	if ((len && !data) || (flags & ~VMBUS_SEND_COMPLETION_REQUESTED))
		return UMBRA_EINVAL;
	return tx_result(ch, ring_tx_inband(&ch->rp.tx, data, len, trans_id,
					    (flags & VMBUS_SEND_COMPLETION_REQUESTED) != 0));
}

int vmbus_send_completion(struct vmbus_channel *ch, const void *data, size_t len,
			  uint64_t trans_id)
{
	int rc = tx_check(ch);
	if (rc)
		return rc;
	if (len && !data)
		return UMBRA_EINVAL;
	return tx_result(ch, ring_tx_completion(&ch->rp.tx, data, len, trans_id));
}

static struct vmbus_bufrec *buf_find(struct vmbus_channel *ch, const struct vmbus_buffer *b)
{
	for (int i = 0; i < VMBUS_API_MAX_BUFS; i++)
		if (ch->bufs[i].pages && ch->bufs[i].gpa == b->gpa &&
		    ch->bufs[i].pages * 4096 == b->bytes)
			return &ch->bufs[i];
	return NULL;
}

int vmbus_send_gpa_direct(struct vmbus_channel *ch, const struct vmbus_gpa_buf *bufs, unsigned n,
			  const void *data, size_t len, uint64_t trans_id, unsigned flags)
{
	int rc = tx_check(ch);
	if (rc)
		return rc;
	if (!bufs || n == 0 || n > VMBUS_GPA_MAX_RANGES || (len && !data) ||
	    (flags & ~VMBUS_SEND_COMPLETION_REQUESTED))
		return UMBRA_EINVAL;
	struct ring_gpa_range ranges[VMBUS_GPA_MAX_RANGES];
	uint32_t used = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct vmbus_buffer *b = bufs[i].buf;
		if (!b || !buf_find(ch, b) || bufs[i].len == 0 || bufs[i].offset >= b->bytes ||
		    bufs[i].len > b->bytes - bufs[i].offset)
			return UMBRA_EINVAL;
		uint64_t start = b->gpa + bufs[i].offset;
		uint32_t off = (uint32_t)(start & 4095);
		uint32_t cnt = ring_gpa_pfn_count(off, (uint32_t)bufs[i].len);
		if (used + cnt > VMBUS_GPA_MAX_PAGES)
			return UMBRA_EINVAL;
		for (uint32_t k = 0; k < cnt; k++)
			g_gpa_pfns[used + k] = (start >> 12) + k;
		ranges[i].byte_count = (uint32_t)bufs[i].len;
		ranges[i].byte_offset = off;
		ranges[i].pfns = &g_gpa_pfns[used];
		used += cnt;
	}
	return tx_result(ch, ring_tx_gpa_direct(&ch->rp.tx, ranges, n, data, len, trans_id,
						(flags & VMBUS_SEND_COMPLETION_REQUESTED) != 0));
}

/* Next packet into the private buffer. 0, UMBRA_EAGAIN, or an error. */
static int rx_peek(struct vmbus_channel *ch, struct ring_pkt *pkt)
{
	if (ch->failed)
		return UMBRA_ECORRUPT;
	int rc = ring_rx_peek(&ch->rp.rx, ch->pkbuf, ch->pkbuf_pages * 4096, pkt);
	if (rc == UMBRA_ECORRUPT)
		ch->failed = true;
	return rc;
}

static int rx_done(struct vmbus_channel *ch)
{
	ring_rx_consume(&ch->rp.rx);
	int rc = ring_rx_commit(&ch->rp.rx);
	if (rc == RING_SIGNAL)
		return vmbus_conn_signal(g_conn, ch->relid);
	if (rc == UMBRA_ECORRUPT)
		ch->failed = true;
	return rc < 0 ? rc : 0;
}

int vmbus_recv(struct vmbus_channel *ch, void *buf, size_t cap, struct vmbus_packet *pkt,
	       uint64_t timeout_ns)
{
	int rc = ch_check(ch);
	if (rc)
		return rc;
	if (ch->cb || (cap && !buf))
		return UMBRA_EINVAL;
	uint64_t start = 0;
	for (bool first = true;; first = false) {
		struct ring_pkt p;
		rc = rx_peek(ch, &p);
		if (rc == 0) {
			if (p.data_len > cap)
				return UMBRA_ENOSPC;
			memcpy(buf, p.data, p.data_len);
			if (pkt) {
				pkt->type = p.type;
				pkt->flags = p.flags;
				pkt->trans_id = p.trans_id;
				pkt->data = buf;
				pkt->len = p.data_len;
			}
			rc = rx_done(ch);
			return rc < 0 ? rc : (int)p.data_len;
		}
		if (rc != UMBRA_EAGAIN)
			return rc;      /* ENOSPC: packet above max_packet_bytes */
		if (ch_rescinded(ch))
			return UMBRA_ERESCINDED;
		if (timeout_ns == 0)
			return UMBRA_EAGAIN;
		if (first)
			start = now();
		uint64_t el = now() - start;
		if (el >= timeout_ns)
			return UMBRA_ETIMEDOUT;
		ch->event = false;
		api_wait(timeout_ns - el);
	}
}

int vmbus_wait(struct vmbus_channel *const *chs, unsigned n, uint64_t timeout_ns)
{
	if (!chs || n == 0 || n > VMBUS_API_MAX_OPEN)
		return UMBRA_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		int rc = ch_check(chs[i]);
		if (rc)
			return rc;
	}
	uint64_t start = now();
	for (;;) {
		for (unsigned i = 0; i < n; i++) {
			struct vmbus_channel *ch = chs[i];
			if (ch->failed || ch_rescinded(ch) || ring_rx_pending(&ch->rp.rx) != 0)
				return (int)i;
		}
		uint64_t el = now() - start;
		if (el >= timeout_ns)
			return UMBRA_ETIMEDOUT;
		api_wait(timeout_ns - el);
	}
}

int vmbus_dispatch(uint64_t timeout_ns)
{
	if (!api_ready())
		return UMBRA_ENODEV;
	uint64_t start = now();
	for (;;) {
		int delivered = 0;
		for (int i = 0; i < VMBUS_API_MAX_OPEN; i++) {
			struct vmbus_channel *ch = &g_ch[i];
			if (!ch->used || !ch->cb)
				continue;
			for (int k = 0; k < 4096; k++) {
				struct ring_pkt p;
				if (rx_peek(ch, &p) != 0)
					break;
				struct vmbus_packet vp = {
					.type = p.type, .flags = p.flags, .trans_id = p.trans_id,
					.data = p.data, .len = p.data_len,
				};
				ch->cb(ch, &vp, ch->ctx);
				delivered++;
				if (!ch->used || rx_done(ch) < 0)
					break;
			}
		}
		if (delivered)
			return delivered;
		uint64_t el = now() - start;
		if (el >= timeout_ns)
			return 0;
		api_wait(timeout_ns - el);
	}
}

/* ---- buffers ---- */

int vmbus_buffer_alloc(struct vmbus_channel *ch, size_t bytes, struct vmbus_buffer *out)
{
	int rc = ch_check(ch);
	if (rc)
		return rc;
	if (!out || bytes == 0 || bytes > (64u << 20))
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	struct vmbus_bufrec *slot = NULL;
	for (int i = 0; i < VMBUS_API_MAX_BUFS; i++)
		if (!ch->bufs[i].pages) {
			slot = &ch->bufs[i];
			break;
		}
	if (!slot)
		return UMBRA_ENOMEM;
	size_t pages = (bytes + 4095) / 4096;
	bool shared = !ch->conf_ext;
	uint64_t gpa;
	void *va;
	rc = pages_get(pages, shared, &gpa, &va);
	if (rc)
		return rc;
	slot->gpa = gpa;
	slot->pages = pages;
	slot->shared = shared;
	out->va = va;
	out->gpa = gpa;
	out->bytes = pages * 4096;
	out->host_visible = shared && g_ops.set_visibility != NULL;
	return 0;
}

int vmbus_buffer_free(struct vmbus_channel *ch, struct vmbus_buffer *buf)
{
	int rc = ch_check(ch);
	if (rc)
		return rc;
	if (!buf)
		return UMBRA_EINVAL;
	struct vmbus_bufrec *b = buf_find(ch, buf);
	if (!b)
		return UMBRA_EINVAL;
	pages_put(b->gpa, b->pages, b->shared);
	memset(b, 0, sizeof(*b));
	memset(buf, 0, sizeof(*buf));
	return 0;
}
