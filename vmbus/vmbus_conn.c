/* Connection: version negotiation, offers, message dispatch, unload. */
#include "vmbus/vmbus_conn.h"
#include "vmbus/vmbus_internal.h"
#include "vmbus/vmbus_msg.h"
#include "lib/string.h"
#include <umbra/errno.h>

static const uint32_t vmbus_versions[] = {
	VMBUS_VERSION_COPPER, VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V5_2,
	VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5, VMBUS_VERSION_WIN10_V4_1,
	VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN8_1,
};

void vmbus_conn_init(struct vmbus_conn *c, const struct vmbus_transport *tp)
{
	memset(c, 0, sizeof(*c));
	c->tp = tp;
	c->next_gpadl = VMBUS_GPADL_FIRST;
}

uint64_t vmbus_timeout(const struct vmbus_conn *c)
{
	return c->timeout_ns ? c->timeout_ns : VMBUS_DEFAULT_TIMEOUT_NS;
}

/*
 * Post with the retry policy: INSUFFICIENT_BUFFERS / INSUFFICIENT_MEMORY / TIME_OUT are
 * transient (the server's queue is full) and retried VMBUS_POST_RETRIES times with a
 * doubling back-off capped at 1 ms; anything else is returned at once. Returns the last
 * hypervisor status.
 */
uint16_t vmbus_post_raw(struct vmbus_conn *c, bool direct, uint32_t conn_id,
			const void *msg, size_t len)
{
	uint64_t backoff = 1000;
	uint16_t st = VMBUS_HV_TIME_OUT;
	for (int i = 0; i < VMBUS_POST_RETRIES; i++) {
		st = c->tp->post(c->tp->ctx, direct, conn_id, msg, len);
		if (st != VMBUS_HV_INSUFFICIENT_BUFFERS && st != VMBUS_HV_INSUFFICIENT_MEMORY &&
		    st != VMBUS_HV_TIME_OUT)
			break;
		c->stats.post_retries++;
		if (c->tp->delay_ns)
			c->tp->delay_ns(c->tp->ctx, backoff);
		if (backoff < 1000000)
			backoff *= 2;
	}
	if (st == VMBUS_HV_SUCCESS)
		c->stats.tx++;
	return st;
}

int vmbus_post(struct vmbus_conn *c, const void *msg, size_t len)
{
	if (!c->connected)
		return UMBRA_ECLOSED;
	uint16_t st = vmbus_post_raw(c, c->direct, c->msg_conn_id, msg, len);
	return st == VMBUS_HV_SUCCESS ? 0 : UMBRA_EIO;
}

/* Wait until cond(c, arg) holds, processing host messages meanwhile; bounded. */
int vmbus_conn_wait(struct vmbus_conn *c, bool (*cond)(struct vmbus_conn *, const void *),
	       const void *arg)
{
	uint64_t start = c->tp->now_ns(c->tp->ctx);
	uint64_t limit = vmbus_timeout(c);
	uint8_t buf[VMBUS_MSG_MAX];
	for (;;) {
		if (cond(c, arg))
			return 0;
		uint64_t el = c->tp->now_ns(c->tp->ctx) - start;
		if (el >= limit)
			return UMBRA_ETIMEDOUT;
		int n = c->tp->recv(c->tp->ctx, buf, sizeof(buf), limit - el);
		if (n >= 0)
			vmbus_conn_handle(c, buf, (size_t)n);
		else if (n != UMBRA_ETIMEDOUT)
			return n;
	}
}

struct vmbus_chan_rec *vmbus_conn_chan(struct vmbus_conn *c, uint32_t relid)
{
	if (!c || relid == 0 || relid > VMBUS_MAX_RELID)
		return NULL;
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++)
		if (c->ch[i].state != VMBUS_CHAN_FREE && c->ch[i].offer.relid == relid)
			return &c->ch[i];
	return NULL;
}

/*
 * Offer policy. Everything is checked in the private copy:
 *  - relid in 1..2047 and not already present; (class, instance) not already present
 *    unless that record was rescinded;
 *  - connection id: the high 8 bits are reserved and must be zero, and it must be nonzero;
 *  - 0x2/0x4 without feature 0x10 granted: the offer is dropped (Linux drivers/hv/
 *    channel_mgmt.c vmbus_onoffer). On such a connection the host speaks for the
 *    offer; a confidentiality claim from it is a lie or a server bug either way;
 *  - 0x4 without 0x2 is rejected (external memory confidential but ring not: Linux);
 *  - table full: rejected.
 */
static void handle_offer(struct vmbus_conn *c, const struct vmbus_offer_channel *m)
{
	uint32_t relid = m->child_relid;
	uint32_t connid = m->connection_id;
	uint16_t flags = m->chn_flags;
	if (relid == 0 || relid > VMBUS_MAX_RELID || connid == 0 || (connid >> 24) != 0)
		goto reject;
	if (vmbus_conn_chan(c, relid))
		goto reject;
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		const struct vmbus_chan_rec *r = &c->ch[i];
		if (r->state != VMBUS_CHAN_FREE && !r->rescinded &&
		    !memcmp(r->offer.if_type, m->if_type, 16) &&
		    !memcmp(r->offer.if_instance, m->if_instance, 16) &&
		    r->offer.sub_channel_index == m->sub_channel_index)
			goto reject;
	}
	uint16_t conf = VMBUS_OFFER_CONFIDENTIAL_RING | VMBUS_OFFER_CONFIDENTIAL_EXTERNAL_MEM;
	if ((flags & conf) && !c->confidential) {
		c->stats.conf_offers_dropped++;
		goto reject;
	}
	if ((flags & VMBUS_OFFER_CONFIDENTIAL_EXTERNAL_MEM) && !(flags & VMBUS_OFFER_CONFIDENTIAL_RING))
		goto reject;
	struct vmbus_chan_rec *r = NULL;
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++)
		if (c->ch[i].state == VMBUS_CHAN_FREE) {
			r = &c->ch[i];
			break;
		}
	if (!r)
		goto reject;
	memset(r, 0, sizeof(*r));
	memcpy(r->offer.if_type, m->if_type, 16);
	memcpy(r->offer.if_instance, m->if_instance, 16);
	memcpy(r->offer.user_defined, m->user_defined, sizeof(r->offer.user_defined));
	r->offer.flags = flags;
	r->offer.sub_channel_index = m->sub_channel_index;
	r->offer.relid = relid;
	r->offer.connection_id = connid;
	r->offer.monitor_id = m->monitor_id;
	r->offer.monitor_allocated = m->monitor_allocated & 1;
	r->offer.dedicated_interrupt = m->is_dedicated_interrupt & 1;
	r->offer.mmio_megabytes = m->mmio_megabytes;
	r->offer.mmio_megabytes_optional = m->mmio_megabytes_optional;
	r->state = VMBUS_CHAN_OFFERED;
	return;
reject:
	c->stats.offers_rejected++;
}

static void handle_rescind(struct vmbus_conn *c, uint32_t relid)
{
	struct vmbus_chan_rec *r = vmbus_conn_chan(c, relid);
	if (!r || r->rescinded) {
		c->stats.unexpected++;
		return;
	}
	r->rescinded = true;
	if (c->on_rescind)
		c->on_rescind(c->on_rescind_ctx, relid);
	/* Nobody holds it: release the relid now. */
	if (!r->claimed && r->state == VMBUS_CHAN_OFFERED && r->ngpadl == 0)
		vmbus_conn_release(c, relid);
}

static struct vmbus_gpadl_rec *gpadl_find(struct vmbus_conn *c, uint32_t id)
{
	for (int i = 0; i < VMBUS_MAX_GPADLS; i++)
		if (c->gp[i].state != VMBUS_GPADL_FREE && c->gp[i].id == id)
			return &c->gp[i];
	return NULL;
}

struct vmbus_gpadl_rec *vmbus_gpadl_find(struct vmbus_conn *c, uint32_t id)
{
	return gpadl_find(c, id);
}

int vmbus_conn_handle(struct vmbus_conn *c, const void *raw, size_t len)
{
	union vmbus_msg_any m;
	size_t n;
	int t = vmbus_msg_parse(raw, len, &m, &n);
	c->stats.rx++;
	if (t == UMBRA_ENOENT) {
		c->stats.ignored_unknown++;
		return t;
	}
	if (t < 0) {
		c->stats.dropped_malformed++;
		return t;
	}
	switch (t) {
	case VMBUS_MSG_VERSION_RESPONSE:
		if (c->connected || c->vr_got) {
			c->stats.unexpected++;
			break;
		}
		c->vr = m;
		c->vr_len = n;
		c->vr_got = true;
		break;
	case VMBUS_MSG_OFFERCHANNEL:
		if (!c->connected) {
			c->stats.unexpected++;
			break;
		}
		handle_offer(c, &m.offer);
		break;
	case VMBUS_MSG_ALLOFFERS_DELIVERED:
		c->offers_done = true;
		break;
	case VMBUS_MSG_RESCIND_CHANNELOFFER:
		handle_rescind(c, m.relid.child_relid);
		break;
	case VMBUS_MSG_OPENCHANNEL_RESULT: {
		struct vmbus_chan_rec *r = vmbus_conn_chan(c, m.open_result.child_relid);
		if (!r || r->state != VMBUS_CHAN_OPENING || m.open_result.openid != r->offer.relid ||
		    r->open_answered) {
			c->stats.unexpected++;
			break;
		}
		r->open_answered = true;
		r->open_status = m.open_result.status;
		break;
	}
	case VMBUS_MSG_GPADL_CREATED: {
		struct vmbus_gpadl_rec *g = gpadl_find(c, m.gpadl_created.gpadl);
		if (!g || g->state != VMBUS_GPADL_CREATING || g->relid != m.gpadl_created.child_relid) {
			c->stats.unexpected++;
			break;
		}
		g->status = m.gpadl_created.creation_status;
		g->state = g->status == 0 ? VMBUS_GPADL_CREATED : VMBUS_GPADL_FAILED;
		break;
	}
	case VMBUS_MSG_GPADL_TORNDOWN: {
		struct vmbus_gpadl_rec *g = gpadl_find(c, m.gpadl_torndown.gpadl);
		if (!g || g->state != VMBUS_GPADL_TEARING) {
			c->stats.unexpected++;
			break;
		}
		g->state = VMBUS_GPADL_TORN;
		break;
	}
	case VMBUS_MSG_UNLOAD_RESPONSE:
		c->unload_got = true;
		break;
	}
	return t;
}

int vmbus_conn_poll(struct vmbus_conn *c)
{
	uint8_t buf[VMBUS_MSG_MAX];
	int handled = 0;
	for (int i = 0; i < 4096; i++) {
		int n = c->tp->recv(c->tp->ctx, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		vmbus_conn_handle(c, buf, (size_t)n);
		handled++;
	}
	return handled;
}

int vmbus_conn_poll_wait(struct vmbus_conn *c, uint64_t timeout_ns)
{
	uint8_t buf[VMBUS_MSG_MAX];
	int n = c->tp->recv(c->tp->ctx, buf, sizeof(buf), timeout_ns);
	if (n < 0)
		return n == UMBRA_ETIMEDOUT ? 0 : n;
	vmbus_conn_handle(c, buf, (size_t)n);
	return 1 + vmbus_conn_poll(c);
}

static bool cond_vr(struct vmbus_conn *c, const void *arg)
{
	(void)arg;
	return c->vr_got;
}

static bool cond_offers(struct vmbus_conn *c, const void *arg)
{
	(void)arg;
	return c->offers_done;
}

static bool cond_unload(struct vmbus_conn *c, const void *arg)
{
	(void)arg;
	return c->unload_got;
}

/* One InitiateContact. Returns 0 if accepted, UMBRA_ENOTSUP if this version was refused,
 * other errors as vmbus_conn_connect. */
static int try_version(struct vmbus_conn *c, uint32_t ver, bool confidential)
{
	struct vmbus_initiate_contact ic;
	memset(&ic, 0, sizeof(ic));
	ic.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	ic.version_requested = ver;
	ic.target_vcpu = c->target_vcpu;
	uint32_t conn_id = VMBUS_CONN_ID_MESSAGE;
	if (ver >= VMBUS_VERSION_WIN10_V5) {
		conn_id = VMBUS_CONN_ID_MULTICLIENT;
		ic.msg_sint = VMBUS_SINT;
		ic.msg_vtl = 0;
	}
	if (ver >= VMBUS_VERSION_COPPER && confidential)
		ic.feature_flags = VMBUS_FEATURE_CONFIDENTIAL_CHANNELS;

	c->vr_got = false;
	uint16_t st = vmbus_post_raw(c, confidential, conn_id, &ic, sizeof(ic));
	if (st == VMBUS_HV_INVALID_CONNECTION_ID && !confidential && conn_id == VMBUS_CONN_ID_MULTICLIENT) {
		/* A host whose VMBus stops at 4.x does not listen on id 4: go on to the next
		 * version, which 4.x and below send to id 1 (Linux drivers/hv/connection.c
		 * vmbus_post_msg returns -EINVAL for InitiateContact; vmbus_connect then
		 * tries the next version). */
		c->stats.old_host_id4++;
		return UMBRA_ENOTSUP;
	}
	if (st != VMBUS_HV_SUCCESS)
		return confidential ? UMBRA_EREFUSED : UMBRA_EIO;
	int rc = vmbus_conn_wait(c, cond_vr, NULL);
	if (rc)
		return rc;
	const struct vmbus_version_response *vr = &c->vr.version_response;
	if (!vr->version_supported || vr->connection_state != 0)
		return UMBRA_ENOTSUP;
	if (ver >= VMBUS_VERSION_COPPER && c->vr_len < sizeof(*vr))
		return UMBRA_EPROTO;
	uint32_t mc = VMBUS_CONN_ID_MESSAGE;
	if (ver >= VMBUS_VERSION_WIN10_V5) {
		mc = vr->msg_conn_id;
		if (mc == 0 || (mc >> 24) != 0)
			return UMBRA_EPROTO;
	}
	uint32_t feat = ver >= VMBUS_VERSION_COPPER ? vr->supported_features : 0;
	/* Granted = requested & supported: never believe more than we asked for. */
	feat &= ic.feature_flags;
	c->version = ver;
	c->features = feat;
	c->msg_conn_id = mc;
	c->direct = confidential;
	c->confidential = confidential && (feat & VMBUS_FEATURE_CONFIDENTIAL_CHANNELS);
	c->connected = true;
	return 0;
}

int vmbus_conn_connect(struct vmbus_conn *c, bool confidential)
{
	if (!c || !c->tp)
		return UMBRA_EINVAL;
	if (c->connected)
		return UMBRA_EBUSY;
	int rc = UMBRA_ENOTSUP;
	for (size_t i = 0; i < sizeof(vmbus_versions) / sizeof(vmbus_versions[0]); i++) {
		uint32_t v = vmbus_versions[i];
		if (c->isolated && v < VMBUS_VERSION_WIN10_V5_2)
			break;
		rc = try_version(c, v, confidential);
		if (rc != UMBRA_ENOTSUP)
			break;
		/* A refused confidential 6.0 still goes on to 5.x on the same (direct) route. */
	}
	if (rc)
		return rc;
	c->offers_done = false;
	struct vmbus_msg_empty ro = { .hdr = { .msgtype = VMBUS_MSG_REQUESTOFFERS } };
	rc = vmbus_post(c, &ro, sizeof(ro));
	if (!rc)
		rc = vmbus_conn_wait(c, cond_offers, NULL);
	if (rc)
		c->connected = false;
	return rc;
}

int vmbus_conn_unload(struct vmbus_conn *c)
{
	if (!c || !c->tp)
		return UMBRA_EINVAL;
	if (!c->connected)
		return UMBRA_ECLOSED;
	c->unload_got = false;
	struct vmbus_msg_empty u = { .hdr = { .msgtype = VMBUS_MSG_UNLOAD } };
	int rc = vmbus_post(c, &u, sizeof(u));
	if (!rc)
		rc = vmbus_conn_wait(c, cond_unload, NULL);
	/* Either way the connection is gone from our side. */
	c->connected = false;
	c->confidential = false;
	memset(c->ch, 0, sizeof(c->ch));
	memset(c->gp, 0, sizeof(c->gp));
	return rc;
}
