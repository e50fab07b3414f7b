/*
 * The public client API, receive side: vmbus_recv, vmbus_discard, vmbus_wait,
 * vmbus_dispatch and the events of callback channels (over ring/).
 *
 * Packets larger than the private packet buffer: the buffer holds max_packet_bytes of
 * payload plus the 16-byte descriptor; a packet that does not fit it (a larger payload,
 * or type headers: GPA ranges, transfer pages) is copied into temporary private pages
 * sized for it, used, and the pages are given back before the call returns. ring/ has no
 * way to consume a packet without copying it (ring_rx_consume follows a successful
 * peek), so discarding one takes the same copy. The packet is bounded by the ring: at
 * most the inbound data area and 0xFFFF * 8 bytes (len8 is 16 bits, ring_wire.h).
 */
#include "vmbus/vmbus_api_int.h"
#include "lib/string.h"

/* The head packet, copied and validated: into the private buffer when it fits, else into
 * temporary private pages (*tmp; the caller gives them back with rx_tmp_put after the
 * last use of the packet). 0, UMBRA_EAGAIN, UMBRA_ECORRUPT, or the page allocator's
 * error (the packet stays queued). */
struct rx_tmp {
	uint64_t gpa;
	size_t pages;
};

static int rx_head(struct vmbus_ch *ch, struct ring_pkt *p, struct rx_tmp *tmp)
{
	tmp->pages = 0;
	if (ch->failed)
		return UMBRA_ECORRUPT;
	int rc = ring_rx_peek(&ch->rp.rx, ch->pkbuf, ch->pkbuf_pages * 4096, p);
	if (rc == UMBRA_ENOSPC) {
		/* p->len: the packet's bytes (validated against the published data) */
		size_t pages = ((size_t)p->len + 4095) / 4096;
		void *va;
		rc = vmbus_pages_get(pages, false, &tmp->gpa, &va);
		if (rc)
			return rc;
		tmp->pages = pages;
		rc = ring_rx_peek(&ch->rp.rx, va, pages * 4096, p);
		if (rc == UMBRA_ENOSPC)
			rc = UMBRA_ECORRUPT;    /* the host grew a published packet between reads */
	}
	if (rc == UMBRA_ECORRUPT)
		ch->failed = true;
	if (rc && tmp->pages) {
		vmbus_pages_put(tmp->gpa, tmp->pages, false);
		tmp->pages = 0;
	}
	return rc;
}

static void rx_tmp_put(const struct rx_tmp *tmp)
{
	if (tmp->pages)
		vmbus_pages_put(tmp->gpa, tmp->pages, false);
}

/* Consume the peeked packet and publish the read index. The packet is the caller's
 * either way: a failed signal is owed, a corrupt index fails the channel for the next
 * call. */
static void rx_done(struct vmbus_ch *ch)
{
	ring_rx_consume(&ch->rp.rx);
	int rc = ring_rx_commit(&ch->rp.rx);
	if (rc == RING_SIGNAL)
		vmbus_ch_signal(ch);
	else if (rc == UMBRA_ECORRUPT)
		ch->failed = true;
}

static void pkt_fill(struct vmbus_packet *out, const struct ring_pkt *p, const void *data)
{
	*out = (struct vmbus_packet){
		.type = p->type, .flags = p->flags, .trans_id = p->trans_id,
		.data = data, .len = p->data_len,
	};
}

/* A packet above max_packet_bytes was seen: logged once per channel (the host chooses
 * how often). */
static void oversize_note(struct vmbus_ch *ch, uint32_t len)
{
	if (ch->oversize_logged)
		return;
	ch->oversize_logged = true;
	vmbus_log("vmbus: relid %u: %u-byte packet above max_packet_bytes %u (logged once)\n",
		  (unsigned)ch->relid, (unsigned)len, (unsigned)ch->max_pkt);
}

static bool recv_ready(void *arg)
{
	return vmbus_ch_ready(arg);
}

int vmbus_recv(struct vmbus_channel *h, void *buf, size_t cap, struct vmbus_packet *pkt,
	       uint64_t timeout_ns)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	if (rc)
		return rc;
	if (ch->cb || (cap && !buf))
		return UMBRA_EINVAL;
	vmbus_ch_signal_owed(ch);
	uint64_t start = 0;
	for (bool first = true;; first = false) {
		struct ring_pkt p;
		struct rx_tmp tmp;
		rc = rx_head(ch, &p, &tmp);
		if (rc == 0) {
			uint32_t n = p.data_len;
			if (n > cap) {
				/* stays queued; the app learns its size and ids */
				if (pkt)
					pkt_fill(pkt, &p, NULL);
				rx_tmp_put(&tmp);
				if (n <= ch->max_pkt)
					return UMBRA_ENOSPC;
				oversize_note(ch, n);
				return UMBRA_EMSGSIZE;
			}
			if (n)
				memcpy(buf, p.data, n);         /* buf may be NULL for cap 0 */
			if (pkt)
				pkt_fill(pkt, &p, buf);
			rx_tmp_put(&tmp);
			if (n > ch->max_pkt)
				ch->oversized++;
			rx_done(ch);
			return (int)n;
		}
		if (rc != UMBRA_EAGAIN)
			return rc;
		if (vmbus_ch_rescinded(ch))
			return UMBRA_ERESCINDED;
		if (timeout_ns == 0)
			return UMBRA_EAGAIN;
		if (first)
			start = vmbus_api_now();
		uint64_t el = vmbus_api_now() - start;
		if (el >= timeout_ns)
			return UMBRA_ETIMEDOUT;
		ch->event = false;
		vmbus_api_wait(timeout_ns - el, recv_ready, ch);
	}
}

int vmbus_discard(struct vmbus_channel *h, struct vmbus_packet *pkt)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	if (rc)
		return rc;
	if (ch->cb)
		return UMBRA_EINVAL;
	vmbus_ch_signal_owed(ch);
	struct ring_pkt p;
	struct rx_tmp tmp;
	rc = rx_head(ch, &p, &tmp);
	if (rc == UMBRA_EAGAIN && vmbus_ch_rescinded(ch))
		return UMBRA_ERESCINDED;
	if (rc)
		return rc;
	if (pkt)
		pkt_fill(pkt, &p, NULL);
	rx_tmp_put(&tmp);
	if (p.data_len > ch->max_pkt)
		ch->oversized++;
	rx_done(ch);
	return (int)p.data_len;
}

struct wait_set {
	struct vmbus_ch *const *chs;
	unsigned n;
};

static bool wait_ready(void *arg)
{
	const struct wait_set *w = arg;
	for (unsigned i = 0; i < w->n; i++)
		if (vmbus_ch_ready(w->chs[i]))
			return true;
	return false;
}

int vmbus_wait(struct vmbus_channel *const *chs, unsigned n, uint64_t timeout_ns)
{
	if (!chs || n == 0 || n > VMBUS_API_MAX_OPEN)
		return UMBRA_EINVAL;
	struct vmbus_ch *cs[VMBUS_API_MAX_OPEN];
	for (unsigned i = 0; i < n; i++) {
		int rc = vmbus_ch_get(chs[i], &cs[i]);
		if (rc)
			return rc;
	}
	uint64_t start = vmbus_api_now();
	for (;;) {
		for (unsigned i = 0; i < n; i++) {
			struct vmbus_ch *ch = cs[i];
			if (ch->failed || vmbus_ch_rescinded(ch) || ring_rx_pending(&ch->rp.rx) != 0)
				return (int)i;
		}
		uint64_t el = vmbus_api_now() - start;
		if (el >= timeout_ns)
			return UMBRA_ETIMEDOUT;
		struct wait_set w = { cs, n };
		for (unsigned i = 0; i < n; i++)
			cs[i]->event = false;
		vmbus_api_wait(timeout_ns - el, wait_ready, &w);
	}
}

/* ---- callback channels ---- */

/*
 * What a callback channel has for vmbus_dispatch (reads only; safe with interrupts
 * disabled): an interrupt, a packet, or an event not yet told. A failed or rescinded
 * channel is ready only until its event was delivered, so a dispatch never spins on it;
 * a channel whose oversized packet found no pages waits for its next interrupt or the
 * next vmbus_dispatch call.
 */
static bool cb_ready(struct vmbus_ch *ch)
{
	if (ch->event)
		return true;
	bool rescind_due = vmbus_ch_rescinded(ch) && !ch->rescind_told;
	if (ch->failed)
		return !ch->fail_told || rescind_due;
	if (!ch->rx_stalled && ring_rx_pending(&ch->rp.rx) != 0)
		return true;
	return rescind_due;
}

/* Any callback channel with something to deliver (with interrupts disabled). */
static bool dispatch_ready(void *arg)
{
	(void)arg;
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++) {
		struct vmbus_ch *ch = &vmbus_api_s.ch[i];
		if (ch->used && ch->cb && cb_ready(ch))
			return true;
	}
	return false;
}

/* Tell the channel's on_event (if any) an event without a packet. Returns the number of
 * callbacks run. */
static int tell(struct vmbus_ch *ch, struct vmbus_channel *h, unsigned kind)
{
	if (!ch->on_event)
		return 0;
	struct vmbus_event ev = { .kind = kind };
	ch->on_event(h, &ev, ch->ctx);
	return 1;
}

/* One pass over a callback channel: its packets (at most 4096), then the events that are
 * due. Returns the number of callbacks run. The channel may be closed by any callback
 * (and another opened into its slot): the handle is checked after each. */
static int dispatch_one(struct vmbus_ch *ch)
{
	struct vmbus_channel *h = vmbus_ch_handle(ch);
	int n = 0, rc = 0;
	ch->event = false;
	vmbus_ch_signal_owed(ch);
	for (int k = 0; k < 4096; k++) {
		struct ring_pkt p;
		struct rx_tmp tmp;
		rc = rx_head(ch, &p, &tmp);
		if (rc)
			break;
		struct vmbus_packet vp;
		pkt_fill(&vp, &p, p.data);
		if (vp.len <= ch->max_pkt) {
			ch->cb(h, &vp, ch->ctx);
			n++;
		} else {
			oversize_note(ch, vp.len);
			ch->oversized++;
			if (ch->on_event) {
				struct vmbus_event ev = { .kind = VMBUS_EVENT_OVERSIZED, .pkt = vp };
				ch->on_event(h, &ev, ch->ctx);
				n++;
			}
		}
		rx_tmp_put(&tmp);
		if (vmbus_ch_get(h, &ch) != 0)
			return n;
		rx_done(ch);
	}
	if (rc != 0 && rc != UMBRA_EAGAIN && rc != UMBRA_ECORRUPT) {
		/* no pages for an oversized packet: retried at the next interrupt or call */
		if (!ch->rx_stalled)
			vmbus_log("vmbus: relid %u: no memory for a packet above the packet buffer "
				  "(%s); left queued\n", (unsigned)ch->relid, umbra_strerror(rc));
		ch->rx_stalled = true;
	}
	if (ch->failed && !ch->fail_told) {
		ch->fail_told = true;
		n += tell(ch, h, VMBUS_EVENT_CORRUPT);
		if (vmbus_ch_get(h, &ch) != 0)
			return n;
	}
	if (vmbus_ch_rescinded(ch) && !ch->rescind_told && (rc == UMBRA_EAGAIN || ch->failed)) {
		ch->rescind_told = true;        /* after every queued packet */
		n += tell(ch, h, VMBUS_EVENT_RESCINDED);
	}
	return n;
}

static int dispatch(uint64_t timeout_ns)
{
	uint64_t start = vmbus_api_now();
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++)
		vmbus_api_s.ch[i].rx_stalled = false;   /* one retry per call */
	for (;;) {
		int delivered = 0;
		for (int i = 0; i < VMBUS_API_MAX_OPEN; i++) {
			struct vmbus_ch *ch = &vmbus_api_s.ch[i];
			if (ch->used && ch->cb)
				delivered += dispatch_one(ch);
		}
		if (delivered)
			return delivered;
		uint64_t el = vmbus_api_now() - start;
		if (el >= timeout_ns)
			return 0;
		vmbus_api_wait(timeout_ns - el, dispatch_ready, NULL);
	}
}

int vmbus_dispatch(uint64_t timeout_ns)
{
	if (!vmbus_api_ready())
		return UMBRA_ENODEV;
	if (vmbus_api_s.in_dispatch)
		return UMBRA_EBUSY;     /* from a callback */
	vmbus_api_s.in_dispatch = true;
	int n = dispatch(timeout_ns);
	vmbus_api_s.in_dispatch = false;
	return n;
}
