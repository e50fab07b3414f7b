/* The public client API: send, signals, GPA-direct buffers (over ring/); the receive side
 * is vmbus_rx.c. */
#include "vmbus/vmbus_api_int.h"
#include "lib/string.h"

static uint64_t g_gpa_pfns[VMBUS_GPA_MAX_PAGES];

/* ---- data ---- */

/*
 * Signals. HvSignalEvent's status is the host's to choose and it arrives after the packet
 * (or the read index) was published: a failure never changes the result of the operation
 * that happened. It is counted (per channel and in the connection's stats), owed, and
 * retried once at the next send or receive call on the channel (vmbus_send*,
 * vmbus_xfer_send, vmbus_recv, vmbus_discard, each vmbus_dispatch pass);
 * vmbus_channel_stats reports it.
 */
void vmbus_ch_signal(struct vmbus_ch *ch)
{
	int rc = vmbus_conn_signal(vmbus_api_s.conn, ch->relid);
	if (rc == UMBRA_EIO) {
		ch->signal_failures++;
		ch->last_signal_status = vmbus_api_s.conn->stats.last_signal_status;
		ch->signal_owed = true;
		return;
	}
	ch->signal_owed = false;        /* sent, or rescinded/closed: nothing left to wake */
}

void vmbus_ch_signal_owed(struct vmbus_ch *ch)
{
	if (ch->signal_owed)
		vmbus_ch_signal(ch);
}

int vmbus_tx_result(struct vmbus_ch *ch, int rc)
{
	if (rc == RING_SIGNAL) {
		vmbus_ch_signal(ch);
		return 0;               /* published: that is the result */
	}
	if (rc == UMBRA_ECORRUPT)
		ch->failed = true;
	return rc;
}

int vmbus_tx_check(struct vmbus_channel *h, struct vmbus_ch **out)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	if (rc)
		return rc;
	*out = ch;
	if (ch->failed)
		return UMBRA_ECORRUPT;
	if (vmbus_ch_rescinded(ch))
		return UMBRA_ERESCINDED;
	vmbus_ch_signal_owed(ch);
	return 0;
}

bool vmbus_ch_ready(struct vmbus_ch *ch)
{
	return ch->failed || ch->event || vmbus_ch_rescinded(ch) || ring_rx_pending(&ch->rp.rx) != 0;
}

int vmbus_channel_stats(struct vmbus_channel *h, struct vmbus_channel_stats *out)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	if (rc)
		return rc;
	if (!out)
		return UMBRA_EINVAL;
	*out = (struct vmbus_channel_stats){
		.signal_failures = ch->signal_failures,
		.last_signal_status = ch->last_signal_status,
		.signal_owed = ch->signal_owed,
		.oversized = ch->oversized,
	};
	return 0;
}

int vmbus_send(struct vmbus_channel *h, const void *data, size_t len, uint64_t trans_id,
	       unsigned flags)
{
	struct vmbus_ch *ch;
	int rc = vmbus_tx_check(h, &ch);
	if (rc)
		return rc;
	if ((len && !data) || (flags & ~VMBUS_SEND_COMPLETION_REQUESTED))
		return UMBRA_EINVAL;
	return vmbus_tx_result(ch, ring_tx_inband(&ch->rp.tx, data, len, trans_id,
					    (flags & VMBUS_SEND_COMPLETION_REQUESTED) != 0));
}

int vmbus_send_completion(struct vmbus_channel *h, const void *data, size_t len,
			  uint64_t trans_id)
{
	struct vmbus_ch *ch;
	int rc = vmbus_tx_check(h, &ch);
	if (rc)
		return rc;
	if (len && !data)
		return UMBRA_EINVAL;
	return vmbus_tx_result(ch, ring_tx_completion(&ch->rp.tx, data, len, trans_id));
}

uint32_t vmbus_gpa_run(uint64_t start, uint32_t len, bool shared, uint64_t *pfns,
		       struct ring_gpa_range *r)
{
	uint32_t off = (uint32_t)(start & 4095);
	uint32_t cnt = ring_gpa_pfn_count(off, len);
	for (uint32_t k = 0; k < cnt; k++)
		pfns[k] = vmbus_host_pfn((start & ~4095ull) + k * 4096ull, shared);
	*r = (struct ring_gpa_range){ .byte_count = len, .byte_offset = off, .pfns = pfns };
	return cnt;
}

static struct vmbus_bufrec *buf_find(struct vmbus_ch *ch, const struct vmbus_buffer *b)
{
	for (int i = 0; i < VMBUS_API_MAX_BUFS; i++)
		if (ch->bufs[i].pages && ch->bufs[i].gpa == b->gpa &&
		    ch->bufs[i].pages * 4096 == b->bytes)
			return &ch->bufs[i];
	return NULL;
}

/* A buffer not of ch: UMBRA_EPERM if it is another channel's of the other memory kind
 * (it is never copied to where ch's policy wants it), else UMBRA_EINVAL. */
static int buf_foreign(struct vmbus_ch *ch, const struct vmbus_buffer *b)
{
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++) {
		struct vmbus_ch *o = &vmbus_api_s.ch[i];
		const struct vmbus_bufrec *r = o != ch && o->used ? buf_find(o, b) : NULL;
		if (r && r->shared != !ch->conf_ext)
			return UMBRA_EPERM;
	}
	return UMBRA_EINVAL;
}

int vmbus_send_gpa_direct(struct vmbus_channel *h, const struct vmbus_gpa_buf *bufs, unsigned n,
			  const void *data, size_t len, uint64_t trans_id, unsigned flags)
{
	struct vmbus_ch *ch;
	int rc = vmbus_tx_check(h, &ch);
	if (rc)
		return rc;
	if (!bufs || n == 0 || n > VMBUS_GPA_MAX_RANGES || (len && !data) ||
	    (flags & ~VMBUS_SEND_COMPLETION_REQUESTED))
		return UMBRA_EINVAL;
	struct ring_gpa_range ranges[VMBUS_GPA_MAX_RANGES];
	uint32_t used = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct vmbus_buffer *b = bufs[i].buf;
		if (!b)
			return UMBRA_EINVAL;
		const struct vmbus_bufrec *r = buf_find(ch, b);
		if (!r)
			return buf_foreign(ch, b);
		if (bufs[i].len == 0 || bufs[i].offset >= b->bytes ||
		    bufs[i].len > b->bytes - bufs[i].offset)
			return UMBRA_EINVAL;
		uint64_t start = b->gpa + bufs[i].offset;
		if (used + ring_gpa_pfn_count((uint32_t)(start & 4095), (uint32_t)bufs[i].len) >
		    VMBUS_GPA_MAX_PAGES)
			return UMBRA_EINVAL;
		used += vmbus_gpa_run(start, (uint32_t)bufs[i].len, r->shared, &g_gpa_pfns[used],
				      &ranges[i]);
	}
	return vmbus_tx_result(ch, ring_tx_gpa_direct(&ch->rp.tx, ranges, n, data, len, trans_id,
						(flags & VMBUS_SEND_COMPLETION_REQUESTED) != 0));
}

/* ---- buffers ---- */

int vmbus_buffer_alloc(struct vmbus_channel *h, size_t bytes, struct vmbus_buffer *out)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	if (rc)
		return rc;
	if (!out || bytes == 0 || bytes > VMBUS_BUFFER_MAX_BYTES)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!ch->conf_ext && (rc = vmbus_policy_host_visible(ch, false)))
		return rc;
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
	rc = vmbus_pages_get(pages, shared, &gpa, &va);
	if (rc)
		return rc;
	slot->gpa = gpa;
	slot->pages = pages;
	slot->shared = shared;
	out->va = va;
	out->gpa = gpa;
	out->bytes = pages * 4096;
	out->host_visible = shared && vmbus_api_s.ops.shared_alloc != NULL;
	return 0;
}

int vmbus_buffer_free(struct vmbus_channel *h, struct vmbus_buffer *buf)
{
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(h, &ch);
	if (rc)
		return rc;
	if (!buf)
		return UMBRA_EINVAL;
	struct vmbus_bufrec *b = buf_find(ch, buf);
	if (!b)
		return UMBRA_EINVAL;
	vmbus_pages_put(b->gpa, b->pages, b->shared);
	memset(b, 0, sizeof(*b));
	memset(buf, 0, sizeof(*buf));
	return 0;
}
