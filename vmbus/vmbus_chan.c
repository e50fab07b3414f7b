/* Channels: GPADL create/teardown, open/close, release after rescind, signalling. */
#include "vmbus/vmbus_conn.h"
#include "vmbus/vmbus_internal.h"
#include "lib/string.h"
#include <umbra/errno.h>

#define VMBUS_GPADL_MAX_PFNS 8190u      /* range_buflen = 8 + 8n must fit u16 */

static bool cond_gpadl_settled(struct vmbus_conn *c, const void *arg)
{
	const struct vmbus_gpadl_rec *g = vmbus_gpadl_find(c, *(const uint32_t *)arg);
	return !g || g->state != VMBUS_GPADL_CREATING;
}

static bool cond_gpadl_torn(struct vmbus_conn *c, const void *arg)
{
	const struct vmbus_gpadl_rec *g = vmbus_gpadl_find(c, *(const uint32_t *)arg);
	return !g || g->state == VMBUS_GPADL_TORN;
}

static void gpadl_forget(struct vmbus_conn *c, struct vmbus_gpadl_rec *g)
{
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, g->relid);
	if (r && r->ngpadl)
		r->ngpadl--;
	memset(g, 0, sizeof(*g));
}

static struct vmbus_gpadl_rec *gpadl_alloc(struct vmbus_conn *c, uint32_t relid)
{
	struct vmbus_gpadl_rec *g = NULL;
	for (int i = 0; i < VMBUS_MAX_GPADLS; i++)
		if (c->gp[i].state == VMBUS_GPADL_FREE) {
			g = &c->gp[i];
			break;
		}
	if (!g)
		return NULL;
	uint32_t id = c->next_gpadl;
	while (id == 0 || vmbus_gpadl_find(c, id))
		id++;
	c->next_gpadl = id + 1;
	g->id = id;
	g->relid = relid;
	g->state = VMBUS_GPADL_CREATING;
	return g;
}

int vmbus_conn_gpadl_create(struct vmbus_conn *c, uint32_t relid, uint32_t byte_offset,
			    uint32_t byte_count, const uint64_t *pfns, uint32_t npfns,
			    uint32_t *gpadl_out)
{
	if (!c || !pfns || !gpadl_out || byte_count == 0 || byte_offset > 0xFFF ||
	    npfns == 0 || npfns > VMBUS_GPADL_MAX_PFNS)
		return UMBRA_EINVAL;
	if ((((uint64_t)byte_offset + byte_count + 4095) / 4096) != npfns)
		return UMBRA_EINVAL;
	for (uint32_t i = 0; i < npfns; i++)
		if (pfns[i] >> 52)
			return UMBRA_EINVAL;
	if (!c->connected)
		return UMBRA_ECLOSED;
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, relid);
	if (!r)
		return UMBRA_ENOENT;
	if (r->rescinded)
		return UMBRA_ERESCINDED;
	struct vmbus_gpadl_rec *g = gpadl_alloc(c, relid);
	if (!g)
		return UMBRA_ENOMEM;
	r->ngpadl++;
	uint32_t id = g->id;

	struct vmbus_gpadl_header h;
	memset(&h, 0, sizeof(h));
	h.hdr.msgtype = VMBUS_MSG_GPADL_HEADER;
	h.child_relid = relid;
	h.gpadl = id;
	h.range_buflen = (uint16_t)(sizeof(struct vmbus_gpa_range_hdr) + 8u * npfns);
	h.rangecount = 1;
	h.range.byte_count = byte_count;
	h.range.byte_offset = byte_offset;
	uint32_t k = npfns < VMBUS_GPADL_HDR_MAX_PFNS ? npfns : VMBUS_GPADL_HDR_MAX_PFNS;
	memcpy(h.pfn, pfns, 8u * k);
	int rc = vmbus_post(c, &h, VMBUS_GPADL_HEADER_FIXED + 8u * k);
	bool header_sent = rc == 0;
	for (uint32_t done = k; !rc && done < npfns;) {
		struct vmbus_gpadl_body b;
		memset(&b, 0, sizeof(b));
		b.hdr.msgtype = VMBUS_MSG_GPADL_BODY;
		b.gpadl = id;
		uint32_t n = npfns - done;
		if (n > VMBUS_GPADL_BODY_MAX_PFNS)
			n = VMBUS_GPADL_BODY_MAX_PFNS;
		memcpy(b.pfn, pfns + done, 8u * n);
		rc = vmbus_post(c, &b, VMBUS_GPADL_BODY_FIXED + 8u * n);
		done += n;
	}
	if (rc) {
		/*
		 * A failed post (the status is the host's to choose). Header failed: nothing
		 * is known to have reached the host. A body failed: the host may hold a
		 * partial GPADL. A teardown of that is pointless: OpenVMM's server refuses
		 * GpadlTeardown of an incomplete GPADL (channels.rs handle_gpadl_teardown:
		 * InProgress -> InvalidGpadlState, no GpadlTorndown, so we would only wait
		 * out the timeout) and drops it itself when the relid is released
		 * (client_release_channel) or the connection is reset; Linux
		 * (__vmbus_establish_gpadl) forgets it as well. So the record is dropped
		 * at once either way: a partial GPADL never fills the table. Its id is
		 * never handed out again while the counter does not wrap, and a late
		 * GpadlCreated for it is ignored (unexpected). The host may still hold the
		 * pages (a host that lied about the status may even have completed the
		 * GPADL): the caller must quarantine them (UMBRA_EIO means exactly that).
		 */
		if (header_sent && rc != UMBRA_ECLOSED)
			c->stats.gpadl_abandoned++;
		gpadl_forget(c, g);
		return rc;
	}
	rc = vmbus_conn_wait(c, cond_gpadl_settled, &id);
	if (rc)
		return rc;              /* record kept: the host may still answer */
	g = vmbus_gpadl_find(c, id);
	if (!g)
		return UMBRA_EPROTO;
	if (g->state == VMBUS_GPADL_FAILED) {
		gpadl_forget(c, g);
		return UMBRA_EREFUSED;
	}
	if (r->rescinded) {
		/* Created after a rescind: take it back before reporting. Only a confirmed
		 * teardown is ERESCINDED; otherwise the teardown's error, and the record
		 * stays (the relid's ngpadl > 0): the host still holds the pages. */
		int trc = vmbus_conn_gpadl_teardown(c, id);
		return trc ? trc : UMBRA_ERESCINDED;
	}
	*gpadl_out = id;
	return 0;
}

int vmbus_conn_gpadl_teardown(struct vmbus_conn *c, uint32_t gpadl)
{
	if (!c)
		return UMBRA_EINVAL;
	struct vmbus_gpadl_rec *g = vmbus_gpadl_find(c, gpadl);
	if (!g)
		return UMBRA_ENOENT;
	if (g->state != VMBUS_GPADL_CREATED && g->state != VMBUS_GPADL_TEARING)
		return UMBRA_EBUSY;
	if (g->state == VMBUS_GPADL_CREATED) {
		struct vmbus_gpadl_teardown t;
		memset(&t, 0, sizeof(t));
		t.hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN;
		t.child_relid = g->relid;
		t.gpadl = gpadl;
		int rc = vmbus_post(c, &t, sizeof(t));
		if (rc)
			return rc;
		g->state = VMBUS_GPADL_TEARING;
	}
	int rc = vmbus_conn_wait(c, cond_gpadl_torn, &gpadl);
	if (rc)
		return rc;
	g = vmbus_gpadl_find(c, gpadl);
	if (g)
		gpadl_forget(c, g);
	return 0;
}

static bool cond_open(struct vmbus_conn *c, const void *arg)
{
	const struct vmbus_chan_rec *r = vmbus_conn_chan(c, *(const uint32_t *)arg);
	return !r || r->open_answered || r->rescinded;
}

int vmbus_conn_open(struct vmbus_conn *c, uint32_t relid, uint32_t gpadl,
		    uint32_t downstream_page_offset, uint32_t target_vp)
{
	if (!c)
		return UMBRA_EINVAL;
	if (!c->connected)
		return UMBRA_ECLOSED;
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, relid);
	if (!r)
		return UMBRA_ENOENT;
	if (r->rescinded)
		return UMBRA_ERESCINDED;
	if (r->state != VMBUS_CHAN_OFFERED)
		return UMBRA_EBUSY;
	const struct vmbus_gpadl_rec *g = vmbus_gpadl_find(c, gpadl);
	if (!g || g->relid != relid || g->state != VMBUS_GPADL_CREATED || downstream_page_offset == 0)
		return UMBRA_EINVAL;

	struct vmbus_open_channel o;
	memset(&o, 0, sizeof(o));
	o.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
	o.child_relid = relid;
	o.openid = relid;
	o.ringbuffer_gpadl = gpadl;
	o.target_vp = target_vp;
	o.downstream_page_offset = downstream_page_offset;
	r->open_answered = false;
	r->open_status = 0;
	int rc = vmbus_post(c, &o, sizeof(o));
	if (rc)
		return rc;
	r->state = VMBUS_CHAN_OPENING;
	rc = vmbus_conn_wait(c, cond_open, &relid);
	r = vmbus_conn_chan(c, relid);
	if (!r)
		return UMBRA_EPROTO;
	if (rc || !r->open_answered || r->open_status != 0 || r->rescinded) {
		bool maybe_open = rc != 0;
		r->state = VMBUS_CHAN_OFFERED;
		if (maybe_open && !r->rescinded) {
			/* The host may still open it later: ask it to close (harmless if not open);
			 * the caller's GPADL teardown then fences the ring memory. */
			r->state = VMBUS_CHAN_OPEN;
			vmbus_conn_close(c, relid);
		}
		if (rc)
			return rc;
		if (r->rescinded)
			return UMBRA_ERESCINDED;
		return UMBRA_EREFUSED;
	}
	r->state = VMBUS_CHAN_OPEN;
	return 0;
}

int vmbus_conn_close(struct vmbus_conn *c, uint32_t relid)
{
	if (!c)
		return UMBRA_EINVAL;
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, relid);
	if (!r)
		return UMBRA_ENOENT;
	if (r->state != VMBUS_CHAN_OPEN)
		return 0;
	r->state = VMBUS_CHAN_OFFERED;
	if (r->rescinded || !c->connected)
		return 0;
	struct vmbus_msg_relid m;
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_CLOSECHANNEL;
	m.child_relid = relid;
	return vmbus_post(c, &m, sizeof(m));
}

int vmbus_conn_claim(struct vmbus_conn *c, uint32_t relid)
{
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, relid);
	if (!r)
		return UMBRA_ENOENT;
	if (r->rescinded)
		return UMBRA_ERESCINDED;
	if (r->claimed)
		return UMBRA_EBUSY;
	r->claimed = true;
	return 0;
}

int vmbus_conn_release(struct vmbus_conn *c, uint32_t relid)
{
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, relid);
	if (!r)
		return UMBRA_ENOENT;
	r->claimed = false;
	if (!r->rescinded || r->state != VMBUS_CHAN_OFFERED || r->ngpadl != 0)
		return 0;
	struct vmbus_msg_relid m;
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_RELID_RELEASED;
	m.child_relid = relid;
	int rc = vmbus_post(c, &m, sizeof(m));
	memset(r, 0, sizeof(*r));
	return rc;
}

int vmbus_conn_signal(struct vmbus_conn *c, uint32_t relid)
{
	if (!c)
		return UMBRA_EINVAL;
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, relid);
	if (!r)
		return UMBRA_ENOENT;
	if (r->rescinded)
		return UMBRA_ERESCINDED;
	if (r->state != VMBUS_CHAN_OPEN)
		return UMBRA_ECLOSED;
	uint16_t st = c->tp->signal(c->tp->ctx, r->offer.connection_id);
	if (st == VMBUS_HV_SUCCESS)
		return 0;
	c->stats.signal_failures++;
	c->stats.last_signal_status = st;
	return UMBRA_EIO;
}
