/*
 * The server's ring endpoint and the devices behind channels. Ring rules: openvmm
 * vm/devices/vmbus/vmbus_ring/src/lib.rs InnerRing::validate, parse_packet,
 * IncomingRing::verify_interrupts_unmasked; layout Linux include/linux/hyperv.h
 * struct hv_ring_buffer; rule by rule in docs/sim-fidelity.md "Rings and devices".
 * A plain, obviously correct endpoint: the server keeps its own copies of the indices it
 * owns (g2h read index, h2g write index) and validates every index the guest writes.
 * Devices: echo, and GPA-direct (reads/writes guest buffers named by GPA ranges).
 */
#include "lib/string.h"
#include "sim/sim_int.h"

#define MAX_PKT 32768

struct devpriv {
	uint32_t in_read;   /* server's g2h read index */
	uint32_t out_write; /* server's h2g write index */
};
static struct devpriv dp[SIM_MAX_CHANNELS];
static uint8_t pkt[MAX_PKT], resp[MAX_PKT];

static struct devpriv *priv(struct sim_chan *c) { return &dp[c->relid - 1]; }

static int ctl_rd(struct sim_ring *r, unsigned off, uint32_t *v)
{
	return sim_mem_rw((r->pfn[0] << 12) + off, v, 4, r->who, false);
}

static int ctl_wr(struct sim_ring *r, unsigned off, uint32_t v)
{
	return sim_mem_rw((r->pfn[0] << 12) + off, &v, 4, r->who, true);
}

/* Copy len bytes at data offset off (wrapping). */
static int ring_rw(struct sim_ring *r, uint32_t off, void *buf, uint32_t len, bool write)
{
	uint8_t *b = buf;
	off %= r->dsize;
	while (len) {
		uint32_t inpg = off % 4096, chunk = 4096 - inpg;
		if (chunk > len)
			chunk = len;
		if (chunk > r->dsize - off)
			chunk = r->dsize - off;
		uint64_t gpa = (r->pfn[1 + off / 4096] << 12) + inpg;
		if (sim_mem_rw(gpa, b, chunk, r->who, write) != 0)
			return -1;
		b += chunk;
		len -= chunk;
		off = (off + chunk) % r->dsize;
	}
	return 0;
}

static void corrupt(struct sim_chan *c, const char *why)
{
	if (!c->corrupt)
		sim_guest_error("channel %u: %s", c->relid, why);
	c->corrupt = true;
}

void sim_chan_signal_guest(struct sim_chan *c)
{
	unsigned vp;
	if (c->target_vp == 0xFFFFFFFFu || !sim_vp_from_index(c->target_vp, &vp))
		return;
	struct sim_synic *sy = sim_synic_for(vp, 2, c->desc.relayed);
	if (sim_synic_signal(sy, vp, 2, c->event_flag))
		c->signals_out++;
}

void sim_dev_open(struct sim_chan *c)
{
	struct devpriv *d = priv(c);
	uint32_t v;
	d->in_read = 0;
	d->out_write = 0;
	/* Host reads the guest's initial indices: they must be 0 for a fresh ring. */
	if (ctl_rd(&c->in, RING_OUT, &v) == 0)
		d->in_read = v < c->in.dsize && !(v & 7) ? v : 0;
	if (ctl_rd(&c->out, RING_IN, &v) == 0)
		d->out_write = v < c->out.dsize && !(v & 7) ? v : 0;
	ctl_wr(&c->in, RING_IMASK, 1);
	ctl_wr(&c->out, RING_FEAT, 1);
	ctl_wr(&c->out, RING_PSS, 0);
	c->reader_unmasked = false;
	c->blocked = false;
	c->corrupt = false;
	c->flip_active = false;
	c->dev_due = S->now + S->cfg.device_latency_ns;
}

void sim_dev_close(struct sim_chan *c)
{
	c->dev_due = 0;
	c->unstick_due = 0;
	c->flip_active = false;
}

void sim_dev_signal(struct sim_chan *c)
{
	c->signals_in++;
	if (c->state == SIM_CHAN_OPEN && !c->corrupt && !c->dev_due)
		c->dev_due = S->now + S->cfg.device_latency_ns;
}

/* Write one packet to the h2g ring. 0, or -1 when there is no room (pending_send_size set). */
static int ring_send(struct sim_chan *c, uint16_t type, uint16_t flags, uint64_t tid,
	const uint8_t *data, uint32_t n)
{
	struct sim_ring *r = &c->out;
	struct devpriv *d = priv(c);
	uint32_t rd;
	if (ctl_rd(r, RING_OUT, &rd) != 0) {
		corrupt(c, "h2g control page inaccessible");
		return -2;
	}
	if (rd >= r->dsize || (rd & 7)) {
		corrupt(c, "guest wrote an invalid h2g read index");
		return -2;
	}
	uint32_t len = (16 + n + 7) & ~7u, total = len + 8;
	if (total >= r->dsize - 8) {
		sim_logf("channel %u: packet too large for the ring", c->relid);
		return 0;
	}
	uint32_t w = d->out_write, used = (w - rd + r->dsize) % r->dsize;
	if (total > r->dsize - used - 8) {
		uint32_t want = total > (r->dsize - 8) / 4 ? total : (r->dsize - 8) / 4;
		ctl_wr(r, RING_PSS, (want + 7) & ~7u);
		c->blocked = true;
		return -1;
	}
	memset(resp, 0, len + 8);
	struct vm_pkt h = { type, 2, (uint16_t)(len / 8), flags, tid };
	const struct sim_hostile *ho = &S->cfg.hostile;
	bool hostile = c->desc.relayed || !c->conf_ring || ho->ring_hostile_all;
	if (hostile && sim_chance(ho->ring_len_lie_pm)) {
		sim_hostile_note();
		switch (sim_rand() % 4) {
		case 0: h.len8 = (uint16_t)(h.len8 + 1 + sim_rand() % 2000); break;
		case 1: h.offset8 = (uint16_t)(sim_rand() % 2); break;
		case 2: h.offset8 = (uint16_t)(h.len8 + 1 + sim_rand() % 100); break;
		default: h.len8 = 1; break;
		}
	}
	memcpy(resp, &h, 16);
	memcpy(resp + 16, data, n);
	wr64(resp + len, (uint64_t)w << 32);
	if (ring_rw(r, w, resp, total, true) != 0) {
		corrupt(c, "h2g ring data inaccessible");
		return -2;
	}
	uint32_t nw = (w + total) % r->dsize;
	d->out_write = nw;
	c->flip_active = false;
	ctl_wr(r, RING_IN, nw);
	c->packets_out++;
	if (c->blocked) {
		c->blocked = false;
		ctl_wr(r, RING_PSS, 0);
	}
	uint32_t mask = 1;
	ctl_rd(r, RING_IMASK, &mask);
	if (mask == 0 && rd == w)
		sim_chan_signal_guest(c);
	return 0;
}

static uint64_t fnv(uint64_t h, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}

/* GPA-direct: {u32 rsvd, u32 range_count} + ranges within the descriptor area. */
static int gpa_direct(struct sim_chan *c, uint32_t hdr_end, uint32_t plen)
{
	struct sim_dma_cmd cmd;
	struct sim_dma_result res = { 0, 0, 0xCBF29CE484222325ull };
	if (plen - hdr_end < sizeof(cmd) || hdr_end < 24)
		return -1;
	memcpy(&cmd, pkt + hdr_end, sizeof(cmd));
	uint8_t pat[64];
	uint32_t patlen = 0, at = 0;
	if (cmd.op == SIM_DMA_PATTERN) {
		patlen = cmd.arg;
		if (patlen == 0 || patlen > sizeof(pat) || plen - hdr_end - sizeof(cmd) < patlen)
			return -1;
		memcpy(pat, pkt + hdr_end + sizeof(cmd), patlen);
	}
	uint32_t count = rd32(pkt + 20), pos = 24;
	if (count == 0)
		return -1;
	enum sim_who who = c->conf_ext ? WHO_PV_PRIVATE : WHO_HOST;
	static uint8_t page[4096];
	for (uint32_t r = 0; r < count && res.status == 0; r++) {
		if (pos + 8 > hdr_end)
			return -1;
		uint32_t bc = rd32(pkt + pos), bo = rd32(pkt + pos + 4);
		pos += 8;
		uint32_t np = (uint32_t)(((uint64_t)bo + bc + 4095) / 4096);
		if (bc == 0 || bo > 0xFFF || pos + 8ull * np > hdr_end)
			return -1;
		uint64_t done = 0;
		for (uint32_t i = 0; i < np && res.status == 0; i++) {
			uint64_t pfn = rd64(pkt + pos + 8 * i);
			uint32_t start = i == 0 ? bo : 0;
			uint64_t chunk = 4096 - start;
			if (chunk > bc - done)
				chunk = bc - done;
			uint64_t gpa = (pfn << 12) + start;
			if (cmd.op == SIM_DMA_FILL) {
				memset(page, (int)(cmd.arg & 0xFF), chunk);
				if (sim_mem_rw(gpa, page, chunk, who, true) != 0)
					res.status = SIM_DMA_BAD;
			} else if (cmd.op == SIM_DMA_PATTERN) {
				for (uint64_t k = 0; k < chunk; k++, at++)
					page[k] = pat[at % patlen];
				if (sim_mem_rw(gpa, page, chunk, who, true) != 0)
					res.status = SIM_DMA_BAD;
			} else if (cmd.op == SIM_DMA_HASH) {
				if (sim_mem_rw(gpa, page, chunk, who, false) != 0)
					res.status = SIM_DMA_BAD;
				else
					res.hash = fnv(res.hash, page, (uint32_t)chunk);
			} else {
				res.status = SIM_DMA_BAD;
			}
			done += chunk;
		}
		pos += 8 * np;
		res.bytes += (uint32_t)done;
	}
	if (res.status)
		sim_logf("channel %u: GPA-direct range outside RAM or of the wrong memory type", c->relid);
	struct vm_pkt *h = (struct vm_pkt *)pkt;
	if (h->flags & PKT_FLAG_COMP)
		return ring_send(c, PKT_COMP, 0, h->tid, (const uint8_t *)&res, sizeof(res));
	return 0;
}

/* Handle one packet in pkt[0..len). 0 done, -1 no room (retry later), -2 corrupt. */
static int device(struct sim_chan *c, uint32_t len)
{
	struct vm_pkt h;
	memcpy(&h, pkt, 16);
	uint32_t off = h.offset8 * 8u;
	if (h.type == PKT_COMP)
		return 0;
	if (c->desc.kind == SIM_DEV_ECHO || h.type == PKT_INBAND) {
		if (h.type != PKT_INBAND) {
			if (h.flags & PKT_FLAG_COMP)
				return ring_send(c, PKT_COMP, 0, h.tid, NULL, 0);
			return 0;
		}
		bool comp = h.flags & PKT_FLAG_COMP;
		return ring_send(c, comp ? PKT_COMP : PKT_INBAND, 0, h.tid, pkt + off, len - off);
	}
	if (h.type == PKT_GPA_DIRECT) {
		int r = gpa_direct(c, off, len);
		if (r == -1 && c->blocked)
			return -1;
		if (r == -1) {
			corrupt(c, "malformed GPA-direct packet");
			return -2;
		}
		return r;
	}
	return 0;
}

static void process(struct sim_chan *c)
{
	struct sim_ring *r = &c->in;
	struct devpriv *d = priv(c);
	for (int budget = 0; budget < 512 && !c->corrupt; budget++) {
		uint32_t w, feat = 0, pss = 0;
		if (c->rescind_packets && c->packets_in >= c->rescind_packets)
			return; /* sim_rescind_after: the device takes no more */
		if (ctl_rd(r, RING_IN, &w) != 0) {
			corrupt(c, "g2h control page inaccessible");
			return;
		}
		if (w >= r->dsize || (w & 7)) {
			corrupt(c, "guest wrote an invalid g2h write index");
			return;
		}
		if (w == d->in_read) {
			if (c->blocked || c->reader_unmasked)
				return;
			/* About to wait: unmask, then re-check (the guest may have written meanwhile). */
			ctl_wr(r, RING_IMASK, 0);
			c->reader_unmasked = true;
			continue;
		}
		if (c->reader_unmasked) {
			uint32_t m = 0;
			ctl_rd(r, RING_IMASK, &m);
			if (m != 0) {
				corrupt(c, "guest wrote the g2h interrupt_mask (InterruptsExternallyMasked)");
				return;
			}
			ctl_wr(r, RING_IMASK, 1);
			c->reader_unmasked = false;
		}
		uint32_t rd = d->in_read, avail = (w - rd + r->dsize) % r->dsize;
		struct vm_pkt h;
		if (avail < 24 || ring_rw(r, rd, &h, 16, false) != 0) {
			corrupt(c, "g2h ring: short packet");
			return;
		}
		uint32_t len = h.len8 * 8u;
		if ((h.type != PKT_INBAND && h.type != PKT_XFER && h.type != PKT_GPA_DIRECT && h.type != PKT_COMP) ||
		    (h.flags & ~PKT_FLAG_COMP) || h.offset8 < 2 || h.len8 < h.offset8 || len + 8 > avail ||
		    len > MAX_PKT) {
			corrupt(c, "g2h ring: invalid packet descriptor");
			return;
		}
		ring_rw(r, rd, pkt, len, false);
		uint8_t foot[8];
		ring_rw(r, rd + len, foot, 8, false);
		if (r->who == WHO_HOST && rd32(foot) != 0)
			sim_guest_error("channel %u: non-zero reserved footer bytes in a host-visible ring", c->relid);
		int res = device(c, len);
		if (res == -1)
			return; /* blocked on h2g space: retry on the guest's signal */
		if (res == -2)
			return;
		c->packets_in++;
		uint32_t nr = (rd + len + 8) % r->dsize;
		d->in_read = nr;
		ctl_wr(r, RING_OUT, nr);
		/* Reader-side flow control: signal when free space crosses pending_send_size & ~7. */
		ctl_rd(r, RING_FEAT, &feat);
		ctl_rd(r, RING_PSS, &pss);
		pss &= ~7u;
		if ((feat & 1) && pss) {
			uint32_t old_free = r->dsize - avail, new_free = old_free + len + 8;
			if (old_free < pss && new_free >= pss)
				sim_chan_signal_guest(c);
		}
	}
}

static void unstick(struct sim_chan *c)
{
	uint32_t m = 1, in = 0, out = 0, pss = 0;
	ctl_rd(&c->out, RING_IMASK, &m);
	ctl_rd(&c->out, RING_IN, &in);
	ctl_rd(&c->out, RING_OUT, &out);
	ctl_rd(&c->in, RING_PSS, &pss);
	uint32_t w = 0;
	ctl_rd(&c->in, RING_IN, &w);
	uint32_t used = (w - priv(c)->in_read + c->in.dsize) % c->in.dsize;
	pss &= ~7u;
	if ((m == 0 && in != out) || (pss && c->in.dsize - used >= pss))
		sim_chan_signal_guest(c);
}

void sim_dev_step(void)
{
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state != SIM_CHAN_OPEN)
			continue;
		if (c->dev_due && c->dev_due <= S->now) {
			c->dev_due = 0;
			if (!c->corrupt)
				process(c);
		}
		if (c->unstick_due && c->unstick_due <= S->now) {
			c->unstick_due = 0;
			if (!c->corrupt)
				unstick(c);
		}
	}
}

uint64_t sim_dev_next_due(void)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state != SIM_CHAN_OPEN)
			continue;
		if (c->dev_due > S->now && c->dev_due < best)
			best = c->dev_due;
		if (c->unstick_due > S->now && c->unstick_due < best)
			best = c->unstick_due;
	}
	return best;
}

/* Malicious ring writes by the host, once per simulator step. */
void sim_dev_hostile_step(void)
{
	const struct sim_hostile *h = &S->cfg.hostile;
	if (!h->ring_bad_index_pm && !h->ring_flip_index_pm)
		return;
	for (int i = 0; i < SIM_MAX_CHANNELS; i++) {
		struct sim_chan *c = &S->chan[i];
		if (c->state != SIM_CHAN_OPEN || !(c->desc.relayed || !c->conf_ring || h->ring_hostile_all))
			continue;
		struct devpriv *d = priv(c);
		if (c->flip_active) {
			ctl_wr(&c->out, RING_IN, d->out_write);
			c->flip_active = false;
		} else if (sim_chance(h->ring_flip_index_pm)) {
			sim_hostile_note();
			ctl_wr(&c->out, RING_IN, (d->out_write + 8 * (1 + (uint32_t)(sim_rand() % 64))) % c->out.dsize);
			c->flip_active = true;
		}
		if (sim_chance(h->ring_bad_index_pm)) {
			sim_hostile_note();
			uint64_t r = sim_rand();
			uint32_t bad = (r & 1) ? c->out.dsize + 8 * (uint32_t)((r >> 8) % 1024) : (d->out_write | 4);
			if (r & 2)
				ctl_wr(&c->out, RING_IN, bad);      /* h2g write index */
			else
				ctl_wr(&c->in, RING_OUT, bad % c->in.dsize | ((r & 4) ? 4 : 0)); /* g2h read index */
		}
	}
}
