/*
 * The VMBus server as the guest sees it: OpenHCL's (paravisor configurations; relayed
 * host channels re-offered by it) or the host's (hyperv, legacy paravisor). Written from
 * openvmm vm/devices/vmbus/vmbus_server/src/channels.rs (handle_synic_message and the
 * handlers it calls) and vm/devices/vmbus/vmbus_core/src/protocol.rs; rule by rule in
 * docs/sim-fidelity.md "VMBus server messages". Messages from the guest arrive in a bounded
 * inbox (HV_STATUS_INSUFFICIENT_BUFFERS when full); replies go through an outbox where the
 * hostile knobs act, then to SINT2 of the connection's target VP.
 */
#include "lib/string.h"
#include "umbra/errno.h"
#include "sim/sim_int.h"

static const uint32_t versions[11] = {
	VMV_V1, VMV_WIN7, VMV_WIN8, VMV_WIN8_1, VMV_WIN10, VMV_RS3_0, VMV_RS3_1, VMV_RS4,
	VMV_RS5, VMV_IRON, VMV_COPPER,
};

#define OUTBOX_N ((unsigned)(sizeof(S->srv.outbox) / sizeof(S->srv.outbox[0])))

void sim_srv_reset(void)
{
	memset(&S->srv, 0, sizeof(S->srv));
	memset(S->chan, 0, sizeof(S->chan));
	memset(S->gpadl, 0, sizeof(S->gpadl));
}

static bool cv_config(void) { return sim_is_paravisor() && !sim_is_legacy(); }

/*
 * Connection 1 always; connection 4 (multiclient) too, except on a host server older than
 * 5.0 (Win10 RS3.1): Linux drivers/hv/connection.c vmbus_post_msg expects
 * HV_STATUS_INVALID_CONNECTION_ID there from "old hosts that only support VMBus protocol
 * 4.0 or lower". OpenHCL's server (vmbus_server lib.rs VmbusServerBuilder::build) opens
 * MULTICLIENT_MESSAGE_CONNECTION_ID for every VTL0 server without redirect, whatever its
 * max version, so the paravisor configurations keep listening on 4.
 */
bool sim_srv_is_message_port(uint32_t conn)
{
	if (!sim_has_hv())
		return false;
	if (conn == 4)
		return cv_config() || S->cfg.max_version >= VMV_RS3_1;
	return conn == 1;
}

bool sim_vp_from_index(uint32_t idx, unsigned *vp)
{
	uint32_t base = S->cfg.vp_index_base;
	if (idx < base || idx - base >= S->cfg.nvp)
		return false;
	*vp = idx - base;
	return true;
}

int sim_srv_post(uint32_t conn, bool trusted, const uint8_t *p, uint32_t n)
{
	if (!sim_srv_is_message_port(conn))
		return HVS_INVALID_CONNECTION_ID;
	struct sim_server *s = &S->srv;
	if (s->in_count >= SIM_SERVER_INBOX)
		return HVS_INSUFFICIENT_BUFFERS;
	struct sim_inmsg *m = &s->inbox[(s->in_head + s->in_count) % SIM_SERVER_INBOX];
	m->due = S->now + S->cfg.server_latency_ns;
	m->conn = conn;
	m->trusted = trusted;
	m->size = n;
	memset(m->data, 0, sizeof(m->data));
	memcpy(m->data, p, n);
	s->in_count++;
	return HVS_SUCCESS;
}

int sim_srv_signal(uint32_t conn, bool trusted)
{
	/* the event port does not look at trust: openvmm vmm_core/virt/src/synic.rs
	 * SynicPortMap::handle_signal_event takes no trust argument */
	(void)trusted;
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state == SIM_CHAN_OPEN && c->conn_id == conn) {
			/* signal_fail_pm: the host drops the signal and says so. OpenHCL's port
			 * map fails only an unknown id or a VTL below the port's (openvmm
			 * vmm_core/virt/src/synic.rs handle_signal_event); the status is the
			 * one its post path returns for a port that is not ready
			 * (handle_post_message), i.e. the host's choice. */
			if (sim_chance(S->cfg.hostile.signal_fail_pm)) {
				sim_hostile_note();
				return HVS_INSUFFICIENT_BUFFERS;
			}
			sim_dev_signal(c);
			return HVS_SUCCESS;
		}
	}
	return HVS_INVALID_CONNECTION_ID;
}

/* ---- outbox ---- */
void sim_srv_send(const void *msg, uint32_t n, unsigned vp, unsigned sint)
{
	struct sim_server *s = &S->srv;
	const struct sim_hostile *h = &S->cfg.hostile;
	if (h->never_answer)
		return;
	if (sim_chance(h->msg_drop_pm)) {
		sim_hostile_note();
		return;
	}
	int copies = sim_chance(h->msg_dup_pm) ? 2 : 1;
	if (copies == 2)
		sim_hostile_note();
	for (int k = 0; k < copies; k++) {
		unsigned i;
		for (i = 0; i < OUTBOX_N && s->outbox[i].valid; i++)
			;
		if (i == OUTBOX_N) {
			sim_logf("server outbox overflow; message dropped");
			return;
		}
		struct sim_outmsg *o = &s->outbox[i];
		o->valid = true;
		o->due = S->now;
		o->seq = ++s->out_seq;
		if (sim_chance(h->msg_delay_pm)) {
			sim_hostile_note();
			o->due += 1 + sim_rand() % h->msg_delay_max_ns;
		}
		if (sim_chance(h->msg_reorder_pm)) {
			/* Swap places with the latest queued message. */
			struct sim_outmsg *prev = NULL;
			for (unsigned j = 0; j < OUTBOX_N; j++)
				if (j != i && s->outbox[j].valid && (!prev || s->outbox[j].seq > prev->seq))
					prev = &s->outbox[j];
			if (prev) {
				sim_hostile_note();
				uint64_t sq = prev->seq, du = prev->due;
				prev->seq = o->seq;
				prev->due = o->due > du ? o->due : du;
				o->seq = sq;
				o->due = du;
			}
		}
		o->vp = vp < S->cfg.nvp ? vp : 0;
		o->sint = (uint8_t)sint;
		o->size = n;
		memset(o->data, 0, sizeof(o->data));
		memcpy(o->data, msg, n);
	}
}

static void outbox_flush(void)
{
	struct sim_server *s = &S->srv;
	for (;;) {
		struct sim_outmsg *best = NULL;
		for (unsigned i = 0; i < OUTBOX_N; i++) {
			struct sim_outmsg *o = &s->outbox[i];
			if (o->valid && o->due <= S->now && (!best || o->seq < best->seq) &&
			    !(s->paused && o->seq > s->pause_seq)) /* paused: hold until Resume */
				best = o;
		}
		if (!best)
			return;
		struct sim_synic *sy = sim_synic_for(best->vp, best->sint, false);
		if (sim_synic_post(sy, best->vp, best->sint, best->data, best->size) == -1)
			return; /* SINT queue full: keep order, retry after the guest's EOM */
		best->valid = false;
		s->msgs_out++;
	}
}

static unsigned outbox_free(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < OUTBOX_N; i++)
		n += !S->srv.outbox[i].valid;
	return n;
}

uint64_t sim_srv_next_due(void)
{
	uint64_t best = UINT64_MAX;
	struct sim_server *s = &S->srv;
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		uint64_t t = S->chan[i].rescind_ns;
		if (t > S->now && t < best && S->chan[i].state != SIM_CHAN_FREE)
			best = t;
	}
	if (s->in_count && s->inbox[s->in_head].due > S->now)
		best = s->inbox[s->in_head].due;
	for (unsigned i = 0; i < OUTBOX_N; i++)
		if (s->outbox[i].valid && s->outbox[i].due > S->now && s->outbox[i].due < best)
			best = s->outbox[i].due;
	return best;
}

static void reply(const void *msg, uint32_t n)
{
	sim_srv_send(msg, n, S->srv.target_ivp, 2);
}

/* ---- channels / GPADLs ---- */
static struct sim_chan *chan_by_relid(uint32_t relid)
{
	if (relid == 0 || relid > SIM_MAX_CHANNELS)
		return NULL;
	struct sim_chan *c = &S->chan[relid - 1];
	return c->state == SIM_CHAN_FREE ? NULL : c;
}

static struct sim_gpadl *gpadl_find(uint32_t id, uint32_t relid, bool complete)
{
	for (int i = 0; i < SIM_MAX_GPADLS; i++) {
		struct sim_gpadl *g = &S->gpadl[i];
		if (g->used && g->id == id && (relid == 0 || g->relid == relid) && g->complete == complete)
			return g;
	}
	return NULL;
}

static void send_offer(struct sim_chan *c)
{
	struct vm_offer o;
	memset(&o, 0, sizeof(o));
	o.h.type = VM_OFFER;
	if (c->desc.interface_id[0] || c->desc.interface_id[15])
		memcpy(o.interface_id, c->desc.interface_id, 16);
	else {
		memcpy(o.interface_id, "umbra-sim-dev-00", 16);
		o.interface_id[15] = (uint8_t)('0' + c->desc.kind);
	}
	if (c->desc.instance_id[0] || c->desc.instance_id[15])
		memcpy(o.instance_id, c->desc.instance_id, 16);
	else {
		memcpy(o.instance_id, "umbra-sim-inst00", 16);
		o.instance_id[14] = (uint8_t)c->relid;
	}
	uint16_t flags = 0;
	if (cv_config() && !c->desc.relayed && (S->srv.features & VMF_CONFIDENTIAL)) {
		flags |= OFFER_CONF_RING;
		if (c->desc.confidential_external_memory)
			flags |= OFFER_CONF_EXT;
	}
	c->offer_flags = flags;
	c->conf_ring = flags & OFFER_CONF_RING;
	c->conf_ext = flags & OFFER_CONF_EXT;
	o.flags = flags;
	o.relid = c->relid;
	o.monitor_id = 0xFF;
	o.monitor_allocated = 0;
	o.is_dedicated = 1;
	o.connection_id = 0x2000 + c->relid;
	reply(&o, sizeof(o));
}

static void gpadl_free(struct sim_gpadl *g)
{
	memset(g, 0, sizeof(*g));
}

static void release_all(void)
{
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state == SIM_CHAN_OPEN)
			sim_dev_close(c);
		if (c->state == SIM_CHAN_RESCINDED)
			memset(c, 0, sizeof(*c));
		else if (c->state != SIM_CHAN_FREE)
			c->state = SIM_CHAN_OFFERED;
	}
	for (int i = 0; i < SIM_MAX_GPADLS; i++)
		gpadl_free(&S->gpadl[i]);
	S->srv.connected = S->srv.trusted = S->srv.offers_sent = S->srv.paused = false;
	S->srv.features = 0;
	S->srv.version = 0;
}

/* ---- message handlers ---- */
static void version_reply(uint8_t supported, uint8_t state, uint32_t val, bool v2, uint32_t feat,
	unsigned vp, unsigned sint)
{
	struct vm_version_response r;
	memset(&r, 0, sizeof(r));
	r.h.type = VM_VERSION_RESPONSE;
	r.supported = supported;
	r.state = state;
	r.version_or_conn = val;
	r.features = feat;
	sim_srv_send(&r, v2 ? 20 : 16, vp, sint);
}

static void on_initiate(uint32_t conn, bool trusted, const uint8_t *p, uint32_t n)
{
	struct sim_server *s = &S->srv;
	struct vm_initiate m;
	memset(&m, 0, sizeof(m));
	memcpy(&m, p, n < sizeof(m) ? n : sizeof(m));
	if (n < 40) {
		s->dropped_invalid++;
		return;
	}
	uint32_t v = m.version;
	if (v == VMV_COPPER && (m.features & VMF_CLIENT_ID) && n < 56) {
		s->dropped_invalid++; /* client id requested without the 48-byte body */
		return;
	}
	unsigned sint = 2;
	if (conn == 4 && v >= VMV_RS3_1) {
		if (v >= VMV_RS4 && m.vtl != 0) {
			s->dropped_invalid++; /* nowhere to forward */
			return;
		}
		sint = m.sint;
	}
	bool known = false;
	for (int i = 0; i < 11; i++)
		known |= versions[i] == v;
	known = known && v <= S->cfg.max_version;
	if (s->connected)
		release_all(); /* implicit unload, no UnloadComplete */
	if (!known || sint != 2 || sint > 15) {
		if (sint > 15)
			return;
		version_reply(0, 0, 0, false, 0, s->target_ivp, sint);
		return;
	}
	/* Before Win8.1 every message goes to VP 0 (vmbus_server channels.rs
	 * handle_initiate_contact); here: the first VP. */
	uint32_t tvp = v >= VMV_WIN8_1 ? m.target_vp : S->cfg.vp_index_base;
	bool copper = v >= VMV_COPPER;
	unsigned tivp = 0;
	bool vp_ok = sim_vp_from_index(tvp, &tivp);
	if (!vp_ok)
		/* vmbus_server takes any target (OpenHCL's set_target_vp cannot fail): our
		 * decision, a guest error besides the failure reply. */
		sim_guest_error("InitiateContact target VP index %u does not exist", tvp);
	if ((m.monitor1 == 0) != (m.monitor2 == 0) || !vp_ok) {
		/* Failure: from Win8 on "supported, FAILED_UNKNOWN_FAILURE"; before Win8 the
		 * same zero reply as an unsupported version (openvmm channels.rs initiate_contact,
		 * send_version_response_with_target: "Pre-Win8 ... treated as unsupported"). */
		if (v >= VMV_WIN8)
			version_reply(1, 2, 0, copper, 0, s->target_ivp, 2);
		else
			version_reply(0, 0, 0, false, 0, s->target_ivp, 2);
		return;
	}
	uint32_t granted = 0;
	if (copper) {
		uint32_t sup = VMF_GUEST_SIGNAL | VMF_REDIRECT | VMF_MODIFY_CONN | VMF_CLIENT_ID | VMF_PAUSE_RESUME;
		if (trusted && cv_config())
			sup |= VMF_CONFIDENTIAL;
		granted = m.features & sup;
	}
	s->connected = true;
	s->trusted = trusted && cv_config();
	s->version = v;
	s->features = granted;
	s->target_vp = tvp;
	s->target_ivp = tivp;
	s->offers_sent = false;
	version_reply(1, 0, v >= VMV_RS3_1 ? 1 : v, copper, granted, tvp, 2);
}

static void on_request_offers(void)
{
	struct sim_server *s = &S->srv;
	if (s->offers_sent) {
		s->dropped_invalid++;
		return;
	}
	s->offers_sent = true;
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state == SIM_CHAN_OFFERED || c->state == SIM_CHAN_OPEN)
			send_offer(c);
	}
	struct vm_hdr h = { VM_ALL_OFFERS, 0 };
	reply(&h, sizeof(h));
}

static void gpadl_created(struct sim_gpadl *g, uint32_t relid, uint32_t id, bool ok)
{
	struct vm_gpadl_created r;
	memset(&r, 0, sizeof(r));
	r.h.type = VM_GPADL_CREATED;
	r.relid = relid;
	r.gpadl = id;
	r.status = ok ? 0 : VMBUS_STATUS_UNSUCCESSFUL;
	if (g) {
		if (ok)
			g->complete = true;
		else
			gpadl_free(g);
	}
	reply(&r, sizeof(r));
}

/* Range data: count x {u32 byte_count, u32 byte_offset, pfn[]}; byte_count != 0,
 * byte_offset <= 0xFFF, enough PFNs. */
static bool gpadl_valid(const struct sim_gpadl *g)
{
	uint32_t pos = 0;
	if (g->range_count == 0)
		return false;
	for (unsigned r = 0; r < g->range_count; r++) {
		if (pos >= g->need)
			return false;
		uint32_t bc = (uint32_t)g->data[pos], bo = (uint32_t)(g->data[pos] >> 32);
		if (bc == 0 || bo > 0xFFF)
			return false;
		pos += 1 + (uint32_t)(((uint64_t)bo + bc + 4095) / 4096);
		if (pos > g->need)
			return false;
	}
	return true;
}

static void on_gpadl_header(const uint8_t *p, uint32_t n)
{
	struct vm_gpadl_header h;
	if (n < sizeof(h)) {
		S->srv.dropped_invalid++;
		return;
	}
	memcpy(&h, p, sizeof(h));
	/* An unknown (or released) relid is answered like every other header error
	 * (openvmm channels.rs handle_gpadl_header: any Err of handle_gpadl_header_core,
	 * get_by_channel_id_mut's UnknownChannelId included, -> GpadlCreated
	 * STATUS_UNSUCCESSFUL). Only a GpadlBody naming an unknown GPADL goes unanswered
	 * (handle_gpadl_body: "No error response can be sent"), so the bodies that follow
	 * such a header are dropped below. */
	if (!chan_by_relid(h.relid)) {
		gpadl_created(NULL, h.relid, h.gpadl, false);
		return;
	}
	bool dup = gpadl_find(h.gpadl, 0, false) || gpadl_find(h.gpadl, h.relid, true);
	struct sim_gpadl *g = NULL;
	for (int i = 0; i < SIM_MAX_GPADLS && !dup && !g; i++)
		if (!S->gpadl[i].used)
			g = &S->gpadl[i];
	uint32_t need = h.range_len / 8;
	if (dup || !g || h.range_len % 8 || need == 0 || need > SIM_GPADL_MAX_PFNS || h.range_count == 0) {
		gpadl_created(NULL, h.relid, h.gpadl, false);
		return;
	}
	g->used = true;
	g->id = h.gpadl;
	g->relid = h.relid;
	g->range_len = h.range_len;
	g->range_count = h.range_count;
	g->need = need;
	uint32_t have = (n - (uint32_t)sizeof(h)) / 8;
	if (have > need)
		have = need; /* excess trailing bytes are tolerated */
	memcpy(g->data, p + sizeof(h), have * 8ull);
	g->have = have;
	if (g->have == g->need)
		gpadl_created(g, g->relid, g->id, gpadl_valid(g));
}

static void on_gpadl_body(const uint8_t *p, uint32_t n)
{
	struct vm_gpadl_body b;
	if (n < sizeof(b)) {
		S->srv.dropped_invalid++;
		return;
	}
	memcpy(&b, p, sizeof(b));
	struct sim_gpadl *g = gpadl_find(b.gpadl, 0, false);
	if (!g) {
		S->srv.dropped_invalid++;
		return;
	}
	uint32_t k = (n - (uint32_t)sizeof(b)) / 8;
	if (k > g->need - g->have)
		k = g->need - g->have;
	memcpy(g->data + g->have, p + sizeof(b), k * 8ull);
	g->have += k;
	if (g->have == g->need)
		gpadl_created(g, g->relid, g->id, gpadl_valid(g));
}

static void open_result(uint32_t relid, uint32_t open_id, uint32_t status)
{
	struct vm_open_result r;
	memset(&r, 0, sizeof(r));
	r.h.type = VM_OPEN_RESULT;
	r.relid = relid;
	r.open_id = open_id;
	r.status = status;
	reply(&r, sizeof(r));
}

/* Ring GPADL rules and the memory-type check: openvmm
 * vm/devices/vmbus/vmbus_channel/src/gpadl_ring.rs AlignedGpadlView::new/split, make_rings;
 * vmbus_ring/src/lib.rs InnerRing::new; docs/sim-fidelity.md "VMBus server messages". */
static bool rings_ok(struct sim_chan *c, const struct sim_gpadl *g, uint32_t off)
{
	if (g->range_count != 1)
		return false;
	uint32_t bc = (uint32_t)g->data[0], bo = (uint32_t)(g->data[0] >> 32);
	uint32_t pages = bc / 4096;
	if (bo != 0 || bc % 4096 || off < 2 || off + 2 > pages || pages > SIM_GPADL_MAX_PFNS / 2)
		return false;
	enum sim_who who = c->conf_ring ? WHO_PV_PRIVATE : WHO_HOST;
	for (uint32_t i = 0; i < pages; i++) {
		uint8_t b;
		if (sim_mem_rw(g->data[1 + i] << 12, &b, 1, who, false) != 0)
			return false;
	}
	c->in.npages = off;
	c->out.npages = pages - off;
	c->in.dsize = (off - 1) * 4096;
	c->out.dsize = (pages - off - 1) * 4096;
	c->in.who = c->out.who = who;
	for (uint32_t i = 0; i < off; i++)
		c->in.pfn[i] = g->data[1 + i];
	for (uint32_t i = off; i < pages; i++)
		c->out.pfn[i - off] = g->data[1 + i];
	return true;
}

static void on_open(const uint8_t *p, uint32_t n)
{
	struct sim_server *s = &S->srv;
	bool open2 = s->version >= VMV_COPPER && (s->features & (VMF_GUEST_SIGNAL | VMF_REDIRECT));
	struct vm_open m;
	memset(&m, 0, sizeof(m));
	if (n < (open2 ? 156u : 148u)) {
		s->dropped_invalid++;
		return;
	}
	memcpy(&m, p, open2 ? 156 : 148);
	struct sim_chan *c = chan_by_relid(m.relid);
	if (!c || c->state != SIM_CHAN_OFFERED) {
		s->dropped_invalid++;
		return;
	}
	struct sim_gpadl *g = gpadl_find(m.gpadl, m.relid, true);
	unsigned ivp;
	bool vp_ok = m.target_vp == 0xFFFFFFFFu || sim_vp_from_index(m.target_vp, &ivp);
	if (!vp_ok)
		sim_guest_error("OpenChannel relid %u: target VP index %u does not exist", m.relid, m.target_vp);
	bool ok = g && vp_ok && rings_ok(c, g, m.downstream_offset);
	if (!ok) {
		if (g)
			sim_logf("open relid %u: ring GPADL %u rejected (layout or memory type)", m.relid, m.gpadl);
		open_result(m.relid, m.open_id, VMBUS_STATUS_UNSUCCESSFUL);
		return;
	}
	c->gpadl = m.gpadl;
	c->open_id = m.open_id;
	c->target_vp = m.target_vp;
	bool guest_sig = open2 && (s->features & VMF_GUEST_SIGNAL);
	c->conn_id = guest_sig ? m.connection_id : 0x2000 + c->relid;
	c->event_flag = guest_sig ? m.event_flag : (uint16_t)c->relid;
	c->state = SIM_CHAN_OPEN;
	sim_dev_open(c);
	open_result(m.relid, m.open_id, 0);
	c->unstick_due = S->now + 100000000ull;
}

static void torndown(uint32_t id)
{
	struct vm_u32_msg r = { { VM_GPADL_TORNDOWN, 0 }, id };
	reply(&r, sizeof(r));
}

static void finish_teardowns(uint32_t relid)
{
	for (int i = 0; i < SIM_MAX_GPADLS; i++) {
		struct sim_gpadl *g = &S->gpadl[i];
		if (g->used && g->relid == relid && g->teardown_pending) {
			torndown(g->id);
			gpadl_free(g);
		}
	}
}

static void on_close(const uint8_t *p, uint32_t n)
{
	if (n < 12) {
		S->srv.dropped_invalid++;
		return;
	}
	struct sim_chan *c = chan_by_relid(rd32(p + 8));
	if (!c || c->state != SIM_CHAN_OPEN) {
		S->srv.dropped_invalid++;
		return;
	}
	sim_dev_close(c);
	c->state = SIM_CHAN_OFFERED;
	finish_teardowns(c->relid);
}

static void on_gpadl_teardown(const uint8_t *p, uint32_t n)
{
	if (n < 16) {
		S->srv.dropped_invalid++;
		return;
	}
	uint32_t relid = rd32(p + 8), id = rd32(p + 12);
	struct sim_gpadl *g = gpadl_find(id, relid, true);
	if (!g || g->teardown_pending) {
		S->srv.dropped_invalid++;
		return;
	}
	struct sim_chan *c = chan_by_relid(relid);
	if (c && c->state == SIM_CHAN_OPEN && c->gpadl == id) {
		g->teardown_pending = true; /* answered when the channel closes */
		return;
	}
	torndown(id);
	gpadl_free(g);
}

static void on_relid_released(const uint8_t *p, uint32_t n)
{
	if (n < 12) {
		S->srv.dropped_invalid++;
		return;
	}
	struct sim_chan *c = chan_by_relid(rd32(p + 8));
	if (!c || c->state != SIM_CHAN_RESCINDED) {
		S->srv.dropped_invalid++;
		return;
	}
	uint32_t relid = c->relid;
	for (int i = 0; i < SIM_MAX_GPADLS; i++)
		if (S->gpadl[i].used && S->gpadl[i].relid == relid)
			gpadl_free(&S->gpadl[i]);
	memset(c, 0, sizeof(*c));
}

static void on_modify(const uint8_t *p, uint32_t n)
{
	struct sim_server *s = &S->srv;
	if (s->version < VMV_RS3_0 || n < 16) {
		s->dropped_invalid++;
		return;
	}
	struct sim_chan *c = chan_by_relid(rd32(p + 8));
	if (!c || c->state != SIM_CHAN_OPEN) {
		s->dropped_invalid++;
		return;
	}
	uint32_t vp = rd32(p + 12);
	unsigned ivp;
	bool ok = sim_vp_from_index(vp, &ivp) && c->target_vp != 0xFFFFFFFFu;
	if (ok)
		c->target_vp = vp;
	if (s->version >= VMV_IRON) {
		struct vm_modify r = { { VM_MODIFY_CHANNEL_RESPONSE, 0 }, c->relid, ok ? 0 : VMBUS_STATUS_UNSUCCESSFUL };
		reply(&r, sizeof(r));
	}
}

static void handle(const struct sim_inmsg *m)
{
	struct sim_server *s = &S->srv;
	s->msgs_in++;
	if (m->size < 8) {
		s->dropped_invalid++;
		return;
	}
	uint32_t type = rd32(m->data);
	if (s->connected && s->trusted && !m->trusted) {
		s->dropped_untrusted++;
		return;
	}
	if (type == VM_INITIATE) {
		on_initiate(m->conn, m->trusted, m->data, m->size);
		return;
	}
	if (type == VM_VERSION_RESPONSE && !s->connected) {
		/* parses in any state, so it is a client-direction message even now */
		sim_guest_error("guest sent server-to-client message type %u", type);
		s->dropped_invalid++;
		return;
	}
	if (!s->connected) {
		s->dropped_invalid++;
		return;
	}
	if (s->paused && type != VM_RESUME && type != VM_UNLOAD) {
		s->dropped_invalid++; /* paused: everything but Resume/Unload/InitiateContact */
		return;
	}
	switch (type) {
	case VM_PAUSE:
	case VM_RESUME:
		if (!(s->features & VMF_PAUSE_RESUME) || (type == VM_RESUME) != s->paused) {
			s->dropped_invalid++;
			break;
		}
		s->paused = type == VM_PAUSE;
		if (s->paused) {
			struct vm_hdr r = { VM_PAUSE_RESPONSE, 0 };
			reply(&r, sizeof(r));
			s->pause_seq = s->out_seq;
		}
		break;
	case VM_MODIFY_CONNECTION: {
		if (!(s->features & VMF_MODIFY_CONN) || m->size < 24) {
			s->dropped_invalid++;
			break;
		}
		uint8_t r[9] = { VM_MODIFY_CONNECTION_RESPONSE, 0, 0, 0, 0, 0, 0, 0, 0 };
		reply(r, sizeof(r)); /* monitor pages are not used: always success */
		break;
	}
	case VM_REQUEST_OFFERS: on_request_offers(); break;
	case VM_GPADL_HEADER: on_gpadl_header(m->data, m->size); break;
	case VM_GPADL_BODY: on_gpadl_body(m->data, m->size); break;
	case VM_OPEN: on_open(m->data, m->size); break;
	case VM_CLOSE: on_close(m->data, m->size); break;
	case VM_GPADL_TEARDOWN: on_gpadl_teardown(m->data, m->size); break;
	case VM_RELID_RELEASED: on_relid_released(m->data, m->size); break;
	case VM_MODIFY_CHANNEL: on_modify(m->data, m->size); break;
	case VM_UNLOAD: {
		release_all();
		struct vm_hdr h = { VM_UNLOAD_COMPLETE, 0 };
		reply(&h, sizeof(h));
		break;
	}
	case VM_OFFER: case VM_RESCIND: case VM_ALL_OFFERS: case VM_OPEN_RESULT:
	case VM_GPADL_CREATED: case VM_GPADL_TORNDOWN: case VM_VERSION_RESPONSE:
	case VM_UNLOAD_COMPLETE: case VM_MODIFY_CHANNEL_RESPONSE: case VM_MODIFY_CONNECTION_RESPONSE:
	case VM_PAUSE_RESPONSE:
		sim_guest_error("guest sent server-to-client message type %u", type);
		s->dropped_invalid++;
		break;
	default:
		s->dropped_invalid++;
		break;
	}
}

void sim_srv_rescind(struct sim_chan *c)
{
	if (c->state == SIM_CHAN_FREE || c->state == SIM_CHAN_RESCINDED)
		return;
	if (c->state == SIM_CHAN_OPEN)
		sim_dev_close(c);
	if (!S->srv.connected || !S->srv.offers_sent) {
		memset(c, 0, sizeof(*c)); /* never offered: just gone */
		return;
	}
	c->state = SIM_CHAN_RESCINDED;
	struct vm_u32_msg r = { { VM_RESCIND, 0 }, c->relid };
	reply(&r, sizeof(r));
	finish_teardowns(c->relid);
}

/*
 * forge_hv_msg_pm: the host writes a VMBus control message of its own into the
 * hypervisor SIMP (sim_host_forge_hv_message), naming ids the guest uses. It is the host
 * lying to the guest: the server's state and counters do not change.
 */
static void forge_step(void)
{
	if (!sim_chance(S->cfg.hostile.forge_hv_msg_pm) || !sim_has_hv())
		return;
	struct sim_chan *live[SIM_MAX_CHANNELS], *open[SIM_MAX_CHANNELS];
	unsigned nl = 0, no = 0, ng = 0;
	struct sim_gpadl *gp[SIM_MAX_GPADLS];
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state == SIM_CHAN_OFFERED || c->state == SIM_CHAN_OPEN)
			live[nl++] = c;
		if (c->state == SIM_CHAN_OPEN)
			open[no++] = c;
	}
	for (int i = 0; i < SIM_MAX_GPADLS; i++)
		if (S->gpadl[i].used)
			gp[ng++] = &S->gpadl[i];
	uint8_t m[240];
	uint32_t n = 0;
	memset(m, 0, sizeof(m));
	uint64_t r = sim_rand();
	switch (r % 7) {
	case 2:
		if (nl) {
			/* Plausible: an existing device's class and instance, 0x2/0x4 cleared, a
			 * relid nobody uses. */
			struct sim_chan *c = live[(r >> 8) % nl];
			struct vm_offer o;
			memset(&o, 0, sizeof(o));
			o.h.type = VM_OFFER;
			if (c->desc.interface_id[0] || c->desc.interface_id[15])
				memcpy(o.interface_id, c->desc.interface_id, 16);
			else {
				memcpy(o.interface_id, "umbra-sim-dev-00", 16);
				o.interface_id[15] = (uint8_t)('0' + c->desc.kind);
			}
			if (c->desc.instance_id[0] || c->desc.instance_id[15])
				memcpy(o.instance_id, c->desc.instance_id, 16);
			else {
				memcpy(o.instance_id, "umbra-sim-inst00", 16);
				o.instance_id[14] = (uint8_t)c->relid;
			}
			o.flags = (uint16_t)(c->offer_flags & ~(OFFER_CONF_RING | OFFER_CONF_EXT));
			o.relid = SIM_MAX_CHANNELS + 1 + (uint32_t)((r >> 16) % 64);
			o.monitor_id = 0xFF;
			o.is_dedicated = 1;
			o.connection_id = 0x2000 + o.relid;
			memcpy(m, &o, sizeof(o));
			n = sizeof(o);
		}
		break;
	case 3:
		if (no) {
			struct vm_u32_msg k = { { VM_RESCIND, 0 }, open[(r >> 8) % no]->relid };
			memcpy(m, &k, sizeof(k));
			n = sizeof(k);
		}
		break;
	case 4:
		if (nl) {
			struct sim_chan *c = live[(r >> 8) % nl];
			struct vm_open_result o;
			memset(&o, 0, sizeof(o));
			o.h.type = VM_OPEN_RESULT;
			o.relid = c->relid;
			o.open_id = c->state == SIM_CHAN_OPEN ? c->open_id : c->relid;
			o.status = (r >> 20) & 1 ? 0 : VMBUS_STATUS_UNSUCCESSFUL;
			memcpy(m, &o, sizeof(o));
			n = sizeof(o);
		}
		break;
	case 5:
		if (ng) {
			struct sim_gpadl *g = gp[(r >> 8) % ng];
			struct vm_gpadl_created o;
			memset(&o, 0, sizeof(o));
			o.h.type = VM_GPADL_CREATED;
			o.relid = g->relid;
			o.gpadl = g->id;
			o.status = (r >> 20) & 1 ? 0 : VMBUS_STATUS_UNSUCCESSFUL;
			memcpy(m, &o, sizeof(o));
			n = sizeof(o);
		}
		break;
	case 6:
		if (ng) {
			struct vm_u32_msg k = { { VM_GPADL_TORNDOWN, 0 }, gp[(r >> 8) % ng]->id };
			memcpy(m, &k, sizeof(k));
			n = sizeof(k);
		}
		break;
	default:
		break;
	}
	if (n == 0) {
		/* VersionResponse: refused (16 bytes) or accepted (20 bytes, conn id 1). */
		struct vm_version_response v;
		memset(&v, 0, sizeof(v));
		v.h.type = VM_VERSION_RESPONSE;
		bool acc = (r >> 40) & 1;
		v.supported = acc;
		v.version_or_conn = acc ? 1 : 0;
		v.features = acc ? (uint32_t)(r >> 48) & 0x3F : 0;
		memcpy(m, &v, 20);
		n = acc ? 20 : 16;
	}
	sim_hostile_note();
	sim_host_forge_hv_message(S->srv.connected ? S->srv.target_ivp : 0, m, n);
}

/* sim_rescind_after: a due schedule fires once the guest has the offers (a channel it
 * never saw would just vanish). */
static void scheduled_rescinds(void)
{
	if (!S->srv.connected || !S->srv.offers_sent)
		return;
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		bool pk = c->rescind_packets && c->packets_in >= c->rescind_packets;
		bool tm = c->rescind_ns && S->now >= c->rescind_ns;
		if ((c->state != SIM_CHAN_OFFERED && c->state != SIM_CHAN_OPEN) || !(pk || tm))
			continue;
		c->rescind_packets = c->rescind_ns = 0;
		sim_logf("channel %u: scheduled rescind (%s)", c->relid, pk ? "packets" : "time");
		sim_srv_rescind(c);
		outbox_flush();
	}
}

void sim_srv_step(void)
{
	struct sim_server *s = &S->srv;
	forge_step();
	scheduled_rescinds();
	outbox_flush();
	while (s->in_count && s->inbox[s->in_head].due <= S->now && outbox_free() > SIM_MAX_CHANNELS + 4) {
		struct sim_inmsg m = s->inbox[s->in_head];
		s->in_head = (s->in_head + 1) % SIM_SERVER_INBOX;
		s->in_count--;
		handle(&m);
		outbox_flush();
	}
	if (s->connected && s->offers_sent && sim_chance(S->cfg.hostile.rescind_pm)) {
		unsigned live = 0;
		for (int i = 0; i < SIM_MAX_CHANNELS; i++)
			live += S->chan[i].state == SIM_CHAN_OFFERED || S->chan[i].state == SIM_CHAN_OPEN;
		if (live) {
			unsigned k = (unsigned)(sim_rand() % live);
			for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
				struct sim_chan *c = &S->chan[i];
				if ((c->state == SIM_CHAN_OFFERED || c->state == SIM_CHAN_OPEN) && k-- == 0) {
					sim_hostile_note();
					sim_srv_rescind(c);
					outbox_flush();
					break;
				}
			}
		}
	}
}

/* ---- test API ---- */
int sim_add_device(const struct sim_device_desc *d, uint32_t *relid)
{
	if (!S->up || !d || (d->kind != SIM_DEV_ECHO && d->kind != SIM_DEV_GPA_DIRECT))
		return UMBRA_EINVAL;
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state != SIM_CHAN_FREE)
			continue;
		memset(c, 0, sizeof(*c));
		c->desc = *d;
		if (!cv_config())
			c->desc.relayed = true; /* no paravisor server: every device is the host's */
		c->relid = (uint32_t)i + 1;
		c->state = SIM_CHAN_OFFERED;
		if (relid)
			*relid = c->relid;
		if (S->srv.connected && S->srv.offers_sent)
			send_offer(c);
		return 0;
	}
	return UMBRA_ENOMEM;
}

int sim_rescind(uint32_t relid)
{
	struct sim_chan *c = chan_by_relid(relid);
	if (!c || c->state == SIM_CHAN_RESCINDED)
		return UMBRA_ENOENT;
	sim_srv_rescind(c);
	return 0;
}

int sim_rescind_after(uint32_t relid, uint64_t after_packets, uint64_t at_ns)
{
	struct sim_chan *c = chan_by_relid(relid);
	if (!after_packets && !at_ns)
		return UMBRA_EINVAL;
	if (!c || c->state == SIM_CHAN_RESCINDED)
		return UMBRA_ENOENT;
	c->rescind_packets = after_packets;
	c->rescind_ns = at_ns;
	return 0;
}

int sim_channel_info(uint32_t relid, struct sim_channel_info *out)
{
	struct sim_chan *c = chan_by_relid(relid);
	if (!out)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!c)
		return UMBRA_ENOENT;
	out->state = c->state;
	out->offer_flags = c->offer_flags;
	out->confidential_ring = c->conf_ring;
	out->confidential_ext = c->conf_ext;
	out->corrupt = c->corrupt;
	out->relayed = c->desc.relayed;
	out->kind = c->desc.kind;
	out->connection_id = c->conn_id;
	out->event_flag = c->event_flag;
	out->target_vp = c->target_vp;
	out->packets_in = c->packets_in;
	out->packets_out = c->packets_out;
	out->signals_in = c->signals_in;
	out->signals_out = c->signals_out;
	return 0;
}

void sim_server_info(struct sim_server_info *out)
{
	struct sim_server *s = &S->srv;
	memset(out, 0, sizeof(*out));
	out->connected = s->connected;
	out->trusted = s->trusted;
	out->version = s->version;
	out->features = s->features;
	out->target_vp = s->target_vp;
	out->msg_conn_id = s->connected ? 1 : 0;
	out->msgs_in = s->msgs_in;
	out->msgs_dropped_untrusted = s->dropped_untrusted;
	out->msgs_dropped_invalid = s->dropped_invalid;
	out->msgs_out = s->msgs_out;
}
