/* The public client API: binding, offers, open/close (memory policy, GPADL, open). */
#include "vmbus/vmbus_api_int.h"
#include "lib/fmt.h"
#include "lib/string.h"

void vmbus_log(const char *fmt, ...)
{
	char line[VMBUS_LOG_MAX];
	va_list ap;

	if (!vmbus_platform_ops.log)
		return;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = strlen(line);
	if (len && line[len - 1] == '\n')
		line[len - 1] = 0;
	vmbus_platform_ops.log(line);
}

struct vmbus_api_state vmbus_api_s;
static uint64_t g_pfns[VMBUS_RING_PAIR_MAX_BYTES / 4096];
_Static_assert(VMBUS_MAX_OFFERS == VMBUS_MAX_CHANNELS, "offer table = the public limit");

/*
 * Handles. The app's struct vmbus_channel * is a number, never a pointer: a tag (bits
 * 63..56), the generation of the open (bits 55..8) and a check byte derived from the
 * generation (bits 7..0). Every successful vmbus_open takes a fresh generation from one
 * per-process counter, the next value whose remainder modulo VMBUS_API_MAX_OPEN is the
 * slot it opened in; the counter is never reset (not by detach either) and never wraps:
 * once it is used up vmbus_open fails with UMBRA_EBUSY. So a handle names one open for
 * good: once that channel is closed, its handle is UMBRA_ECLOSED whatever the slot holds
 * later. A value whose tag or check byte is wrong, or whose generation was never handed
 * out, is UMBRA_EINVAL (a random value passes the tag and check by chance 1 in 2^16).
 * Validation is integer arithmetic on the value; the slot is reached only through the
 * table. The value is not a canonical address: an app that dereferences it faults.
 */
#define CH_TAG      0xC5ull
#define CH_GEN_MASK ((1ull << 48) - 1)
_Static_assert(sizeof(uintptr_t) == 8, "handles are 64-bit");
static uint64_t g_gen_last;     /* the last generation handed out */

static uint64_t ch_check_byte(uint64_t gen)
{
	return (gen * 0x9E3779B97F4A7C15ull) >> 56;
}

int vmbus_ch_get(struct vmbus_channel *h, struct vmbus_ch **out)
{
	uint64_t v = (uint64_t)(uintptr_t)h;
	uint64_t gen = (v >> 8) & CH_GEN_MASK;
	if ((v >> 56) != CH_TAG || (v & 0xFF) != ch_check_byte(gen) || gen == 0 || gen > g_gen_last)
		return UMBRA_EINVAL;
	struct vmbus_ch *ch = &vmbus_api_s.ch[gen % VMBUS_API_MAX_OPEN];
	if (!ch->used || ch->gen != gen)
		return UMBRA_ECLOSED;
	if (!vmbus_api_s.conn)
		return UMBRA_ENODEV;
	*out = ch;
	return 0;
}

struct vmbus_channel *vmbus_ch_handle(const struct vmbus_ch *ch)
{
	return (struct vmbus_channel *)(uintptr_t)(CH_TAG << 56 | ch->gen << 8 | ch_check_byte(ch->gen));
}

/* The generation for an open in slot: the next counter value that names the slot. 0 if
 * the counter is used up. */
static uint64_t ch_next_gen(size_t slot)
{
	uint64_t g = g_gen_last + 1;
	g += (slot + VMBUS_API_MAX_OPEN - g % VMBUS_API_MAX_OPEN) % VMBUS_API_MAX_OPEN;
	return g <= CH_GEN_MASK ? g : 0;
}

uint64_t vmbus_api_now(void)
{
	return vmbus_api_s.conn->tp->now_ns(vmbus_api_s.conn->tp->ctx);
}

void vmbus_api_wait(uint64_t max_ns, bool (*ready)(void *arg), void *arg)
{
	if (vmbus_api_s.ops.wait)
		vmbus_api_s.ops.wait(vmbus_api_s.ops.ctx, max_ns, ready, arg);
	vmbus_conn_poll(vmbus_api_s.conn);
}

bool vmbus_ch_rescinded(const struct vmbus_ch *ch)
{
	const struct vmbus_chan_rec *r = vmbus_conn_chan(vmbus_api_s.conn, ch->relid);
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
	if ((ops->shared_alloc == NULL) != (ops->shared_free == NULL))
		return UMBRA_EINVAL;
	vmbus_api_s.conn = conn;
	vmbus_api_s.ops = *ops;
	memset(vmbus_api_s.ch, 0, sizeof(vmbus_api_s.ch));
	memset(&vmbus_api_s.pool, 0, sizeof(vmbus_api_s.pool));
	conn->on_rescind = on_rescind;
	conn->on_rescind_ctx = NULL;
	return 0;
}

void vmbus_api_detach(void)
{
	memset(vmbus_api_s.ch, 0, sizeof(vmbus_api_s.ch));
	memset(&vmbus_api_s.pool, 0, sizeof(vmbus_api_s.pool));
	vmbus_api_s.pool_want = 0;
	vmbus_api_s.conn = NULL;
}

struct vmbus_conn *vmbus_api_conn(void)
{
	return vmbus_api_s.conn;
}

void vmbus_api_event(uint32_t relid)
{
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++)
		if (vmbus_api_s.ch[i].used && vmbus_api_s.ch[i].relid == relid)
			vmbus_api_s.ch[i].event = true;
}

bool vmbus_api_ready(void)
{
	if (!vmbus_api_s.conn && vmbus_platform_ops.start)
		vmbus_platform_ops.start();
	return vmbus_api_s.conn && vmbus_api_s.conn->connected;
}

/* ---- offers ---- */

int vmbus_info(struct vmbus_info *out)
{
	if (!out)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!vmbus_api_ready())
		return vmbus_policy_down_rc();
	vmbus_conn_poll(vmbus_api_s.conn);
	out->connected = true;
	out->confidential = vmbus_api_s.conn->confidential;
	out->version = vmbus_api_s.conn->version;
	out->offers = (uint32_t)vmbus_offer_count();
	out->signal_failures = vmbus_api_s.conn->stats.signal_failures;
	out->pages_quarantined = vmbus_api_s.conn->stats.pages_quarantined;
	return 0;
}

/* Offer records in relid order: the index-th one, or NULL. */
static const struct vmbus_chan_rec *offer_nth(unsigned index)
{
	uint32_t last = 0;
	for (unsigned k = 0;; k++) {
		const struct vmbus_chan_rec *best = NULL;
		for (int i = 0; i < VMBUS_MAX_CHANNELS; i++) {
			const struct vmbus_chan_rec *r = &vmbus_api_s.conn->ch[i];
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

_Static_assert(VMBUS_FLAG_CONFIDENTIAL_RING == VMBUS_OFFER_CONFIDENTIAL_RING &&
	       VMBUS_FLAG_CONFIDENTIAL_EXTERNAL == VMBUS_OFFER_CONFIDENTIAL_EXTERNAL_MEM &&
	       VMBUS_FLAG_NAMED_PIPE == VMBUS_OFFER_NAMED_PIPE_MODE, "offer flags");
_Static_assert(sizeof(((struct vmbus_offer_info *)0)->user_defined) ==
	       sizeof(((struct vmbus_offer *)0)->user_defined) &&
	       sizeof(((struct vmbus_offer *)0)->user_defined) ==
	       sizeof(((struct vmbus_offer_channel *)0)->user_defined), "user area: 120 bytes");

/* The offer record (copied from the validated private copy of the message) into the
 * app's struct: fixed-size copies only. */
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
	out->mmio_megabytes = r->offer.mmio_megabytes;
	out->mmio_megabytes_optional = r->offer.mmio_megabytes_optional;
	memcpy(out->user_defined, r->offer.user_defined, sizeof(out->user_defined));
	if (r->offer.flags & VMBUS_FLAG_NAMED_PIPE)
		memcpy(&out->pipe_mode, r->offer.user_defined, sizeof(out->pipe_mode));
}

int vmbus_offer_count(void)
{
	if (!vmbus_api_ready())
		return vmbus_policy_down_rc();
	int n = 0;
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++)
		n += vmbus_api_s.conn->ch[i].state != VMBUS_CHAN_FREE;
	return n;
}

int vmbus_offer_get(unsigned index, struct vmbus_offer_info *out)
{
	if (!out)
		return UMBRA_EINVAL;
	if (!vmbus_api_ready())
		return vmbus_policy_down_rc();
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
	if (!vmbus_api_ready())
		return vmbus_policy_down_rc();
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

int vmbus_pages_get(size_t npages, bool shared, uint64_t *gpa, void **va)
{
	const struct vmbus_mem_ops *o = &vmbus_api_s.ops;
	if (shared && o->shared_alloc)
		return o->shared_alloc(o->ctx, npages, gpa, va);
	return o->page_alloc(o->ctx, npages, gpa, va);
}

void vmbus_pages_put(uint64_t gpa, size_t npages, bool shared)
{
	const struct vmbus_mem_ops *o = &vmbus_api_s.ops;
	if (shared && o->shared_free)
		o->shared_free(o->ctx, gpa, npages);
	else
		o->page_free(o->ctx, gpa, npages);
}

uint64_t vmbus_host_pfn(uint64_t gpa, bool shared)
{
	return (gpa | (shared ? vmbus_api_s.ops.shared_pfn_bias : 0)) >> 12;
}

/* ---- open / close ---- */

/*
 * Give back what a channel holds. host_done: the host confirmed it let go of every GPADL
 * of the channel (GpadlTorndown), or never had one: everything is returned. Otherwise
 * the host may still use the ring and the memory its packets describe (GPA-direct
 * buffers, bounced transfers' pool pages): those are quarantined on purpose - never
 * freed or reused (host-visible pages stay host-visible), counted and logged. The private
 * packet buffer was never shown to the host and is always freed.
 */
static void ch_free_mem(struct vmbus_ch *ch, bool host_done)
{
	uint64_t q = 0;
	if (ch->ring_va) {
		if (host_done)
			vmbus_pages_put(ch->ring_gpa, ch->ring_pages, ch->shared_ring);
		else
			q += ch->ring_pages;
	}
	if (ch->pkbuf)
		vmbus_pages_put(ch->pkbuf_gpa, ch->pkbuf_pages, false);
	for (int i = 0; i < VMBUS_API_MAX_BUFS; i++) {
		struct vmbus_bufrec *b = &ch->bufs[i];
		if (!b->pages)
			continue;
		if (host_done)
			vmbus_pages_put(b->gpa, b->pages, b->shared);
		else
			q += b->pages;
		memset(b, 0, sizeof(*b));
	}
	if (host_done)
		vmbus_xfers_release(ch);
	else
		q += vmbus_xfers_quarantine(ch);
	if (q) {
		vmbus_api_s.conn->stats.pages_quarantined += q;
		vmbus_log("vmbus: relid %u: GPADL teardown not confirmed, %llu pages quarantined "
			  "(ring at 0x%llx)\n", (unsigned)ch->relid, (unsigned long long)q,
			  (unsigned long long)ch->ring_gpa);
	}
	ch->ring_va = NULL;
	ch->pkbuf = NULL;
}

/* Whether the core still records a GPADL of relid (the open in progress holds the claim,
 * so any GPADL of relid is this channel's). */
static bool relid_has_gpadl(uint32_t relid)
{
	const struct vmbus_chan_rec *r = vmbus_conn_chan(vmbus_api_s.conn, relid);
	return r && r->ngpadl != 0;
}

int vmbus_open(uint32_t relid, const struct vmbus_open_params *p, struct vmbus_channel **out)
{
	if (!p || !out)
		return UMBRA_EINVAL;
	*out = NULL;
	if (p->send_ring_bytes % 4096 || p->recv_ring_bytes % 4096 ||
	    p->send_ring_bytes < VMBUS_RING_MIN_BYTES || p->recv_ring_bytes < VMBUS_RING_MIN_BYTES ||
	    p->send_ring_bytes > VMBUS_RING_MAX_BYTES || p->recv_ring_bytes > VMBUS_RING_MAX_BYTES ||
	    p->max_packet_bytes > VMBUS_MAX_PKT_LIMIT || (p->on_event && !p->on_packet))
		return UMBRA_EINVAL;
	if (!vmbus_api_ready())
		return vmbus_policy_down_rc();
	vmbus_conn_poll(vmbus_api_s.conn);
	struct vmbus_chan_rec *r = vmbus_conn_chan(vmbus_api_s.conn, relid);
	if (!r)
		return UMBRA_ENOENT;
	bool private_only;
	int rc = vmbus_policy_open(relid, r->offer.flags, p->flags, &private_only);
	if (rc)
		return rc;
	struct vmbus_ch *ch = NULL;
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++)
		if (!vmbus_api_s.ch[i].used) {
			ch = &vmbus_api_s.ch[i];
			break;
		}
	if (!ch || !ch_next_gen((size_t)(ch - vmbus_api_s.ch)))
		return UMBRA_EBUSY;     /* all slots open, or every handle value used up */
	rc = vmbus_conn_claim(vmbus_api_s.conn, relid);
	if (rc)
		return rc;
	memset(ch, 0, sizeof(*ch));
	ch->relid = relid;
	ch->shared_ring = !(r->offer.flags & VMBUS_FLAG_CONFIDENTIAL_RING);
	ch->conf_ext = (r->offer.flags & VMBUS_FLAG_CONFIDENTIAL_EXTERNAL) != 0;
	ch->private_only = private_only;
	ch->cb = p->on_packet;
	ch->on_event = p->on_event;
	ch->ctx = p->ctx;
	ch->send_pages = p->send_ring_bytes / 4096;
	ch->ring_pages = ch->send_pages + p->recv_ring_bytes / 4096;
	uint32_t maxpkt = p->max_packet_bytes ? p->max_packet_bytes : VMBUS_DEFAULT_MAX_PKT;
	ch->max_pkt = maxpkt;
	/* an in-band packet of maxpkt payload bytes and its 16-byte descriptor fit */
	ch->pkbuf_pages = (maxpkt + 16 + 4095) / 4096;
	bool host_done = true;         /* the host holds none of the channel's memory */

	void *va;
	rc = vmbus_pages_get(ch->ring_pages, ch->shared_ring, &ch->ring_gpa, &ch->ring_va);
	if (rc) {
		ch->ring_va = NULL;
		goto fail;
	}
	rc = vmbus_pages_get(ch->pkbuf_pages, false, &ch->pkbuf_gpa, &va);
	if (rc)
		goto fail;
	ch->pkbuf = va;
	rc = ring_pair_init(&ch->rp, ch->ring_va, ch->ring_pages * 4096, ch->send_pages);
	if (rc)
		goto fail;
	for (size_t i = 0; i < ch->ring_pages; i++)
		g_pfns[i] = vmbus_host_pfn(ch->ring_gpa + i * 4096, ch->shared_ring);
	rc = vmbus_conn_gpadl_create(vmbus_api_s.conn, relid, 0, (uint32_t)(ch->ring_pages * 4096), g_pfns,
				     (uint32_t)ch->ring_pages, &ch->gpadl);
	if (rc) {
		/* The pages come back only if the host holds no GPADL over them: it refused
		 * the GPADL, confirmed its teardown after a rescind, or nothing was posted.
		 * A failed post (UMBRA_EIO: perhaps a partial GPADL, or a complete one behind a
		 * lying status) or no answer (UMBRA_ETIMEDOUT) leaves them with the host; so
		 * does a rescind whose teardown was not confirmed (the record stays). */
		host_done = (rc == UMBRA_EREFUSED || rc == UMBRA_ERESCINDED || rc == UMBRA_EINVAL ||
			     rc == UMBRA_ENOMEM) && !relid_has_gpadl(relid);
		goto fail;
	}
	rc = vmbus_conn_open(vmbus_api_s.conn, relid, ch->gpadl, ch->send_pages, p->target_vp);
	if (rc) {
		int trc = vmbus_conn_gpadl_teardown(vmbus_api_s.conn, ch->gpadl);
		host_done = trc == 0 && !relid_has_gpadl(relid);
		goto fail;
	}
	ch->gen = g_gen_last = ch_next_gen((size_t)(ch - vmbus_api_s.ch));
	ch->used = true;
	*out = vmbus_ch_handle(ch);
	return 0;
fail:
	ch_free_mem(ch, host_done);
	vmbus_conn_release(vmbus_api_s.conn, relid);
	memset(ch, 0, sizeof(*ch));
	return rc;
}

int vmbus_close(struct vmbus_channel *h)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	if (rc)
		return rc;
	vmbus_conn_close(vmbus_api_s.conn, ch->relid);
	int trc = vmbus_conn_gpadl_teardown(vmbus_api_s.conn, ch->gpadl);
	ch_free_mem(ch, trc == 0 && !relid_has_gpadl(ch->relid));
	vmbus_conn_release(vmbus_api_s.conn, ch->relid);
	ch->used = false;
	ch->gen = 0;
	return trc;
}

int vmbus_api_close_all(void)
{
	int n = 0;
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++)
		if (vmbus_api_s.ch[i].used) {
			vmbus_close(vmbus_ch_handle(&vmbus_api_s.ch[i]));
			n++;
		}
	return n;
}

int vmbus_channel_relid(struct vmbus_channel *h)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	return rc ? rc : (int)ch->relid;
}
