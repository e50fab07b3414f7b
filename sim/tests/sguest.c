/* The scripted guest (see sguest.h). */
#include "lib/string.h"
#include "umbra/errno.h"
#include "arch/x86_64/hw.h"
#include "sim/tests/sguest.h"

#define VECTOR 0x41

static void on_irq(void *ctx)
{
	((struct sg *)ctx)->irqs++;
}

/* A page's VA through the alias its visibility requires (host-visible: GPA|boundary). */
static void *sg_va(uint64_t gpa)
{
	uint64_t b = sim_shared_boundary();
	if (b && !(gpa & b) && sim_page_visibility(gpa) == SIM_VIS_SHARED)
		gpa |= b;
	return hw_phys_to_virt(gpa);
}

uint64_t sg_alloc(struct sg *g, uint64_t npages)
{
	if (g->next + npages * 4096 > g->end)
		return 0;
	uint64_t gpa = g->next;
	g->next += npages * 4096;
	memset(sg_va(gpa), 0, npages * 4096);
	return gpa;
}

static bool is_snp(void)
{
	enum sim_platform p = sim_get_config()->platform;
	return p == SIM_SNP_PARAVISOR || p == SIM_SNP_LEGACY_PARAVISOR || p == SIM_SNP;
}

static bool is_paravisor(void)
{
	enum sim_platform p = sim_get_config()->platform;
	return p >= SIM_SNP_PARAVISOR && p <= SIM_TDX_LEGACY_PARAVISOR;
}

/* ---- GHCB / TDVMCALL helpers ---- */
static uint8_t *ghcb(uint64_t *gpa)
{
	*gpa = hw_rdmsr(MSR_GHCB);
	return sg_va(*gpa);
}

static void ghcb_setbit(uint8_t *p, unsigned off)
{
	p[0x3F0 + off / 64] |= (uint8_t)(1u << ((off / 8) % 8));
}

static bool ghcb_msr(uint32_t msr, uint64_t *v, bool write)
{
	uint64_t gpa;
	uint8_t *p = ghcb(&gpa);
	memset(p + 0x3F0, 0, 16);
	uint64_t code = 0x7C, i1 = write, i2 = 0, rcx = msr, rax = *v & 0xFFFFFFFF, rdx = *v >> 32;
	memcpy(p + 0x390, &code, 8);
	memcpy(p + 0x398, &i1, 8);
	memcpy(p + 0x3A0, &i2, 8);
	memcpy(p + 0x308, &rcx, 8);
	ghcb_setbit(p, 0x390);
	ghcb_setbit(p, 0x398);
	ghcb_setbit(p, 0x3A0);
	ghcb_setbit(p, 0x308);
	if (write) {
		memcpy(p + 0x1F8, &rax, 8);
		memcpy(p + 0x310, &rdx, 8);
		ghcb_setbit(p, 0x1F8);
		ghcb_setbit(p, 0x310);
	}
	uint16_t ver = 2;
	uint32_t usage = 0;
	memcpy(p + 0xFFA, &ver, 2);
	memcpy(p + 0xFFC, &usage, 4);
	hw_wrmsr(MSR_GHCB, gpa);
	hw_vmgexit();
	memcpy(&i1, p + 0x398, 8);
	if ((uint32_t)i1 != 0)
		return false;
	if (!write) {
		memcpy(&rax, p + 0x1F8, 8);
		memcpy(&rdx, p + 0x310, 8);
		*v = (rax & 0xFFFFFFFF) | (rdx << 32);
	}
	return true;
}

static bool tdx_msr(uint32_t msr, uint64_t *v, bool write)
{
	struct hw_tdcall_regs r;
	memset(&r, 0, sizeof(r));
	r.rcx = 0xFFCC;
	r.r11 = write ? 32 : 31;
	r.r12 = msr;
	r.r13 = *v;
	if (hw_tdcall(&r) != 0 || r.r10 != 0)
		return false;
	if (!write)
		*v = r.r11;
	return true;
}

bool sg_hv_rdmsr(struct sg *g, uint32_t msr, uint64_t *v)
{
	(void)g;
	if (!is_paravisor()) {
		*v = hw_rdmsr(msr);
		return true;
	}
	*v = 0;
	return is_snp() ? ghcb_msr(msr, v, false) : tdx_msr(msr, v, false);
}

bool sg_hv_wrmsr(struct sg *g, uint32_t msr, uint64_t v)
{
	(void)g;
	if (!is_paravisor()) {
		hw_wrmsr(msr, v);
		return true;
	}
	return is_snp() ? ghcb_msr(msr, &v, true) : tdx_msr(msr, &v, true);
}

enum sg_route sg_msg_route(const struct sg *g)
{
	return (!is_paravisor() || g->confidential) ? SG_DIRECT : SG_BYPASS;
}

uint64_t sg_hcall(struct sg *g, enum sg_route r, uint64_t control, const void *in, size_t inlen)
{
	bool fast = control & HVC_FAST;
	if (r == SG_DIRECT || !is_paravisor()) {
		uint64_t arg = 0;
		if (fast)
			memcpy(&arg, in, inlen < 8 ? inlen : 8);
		else {
			memcpy(sg_va(g->post_page), in, inlen);
			arg = g->post_page;
		}
		return hw_hypercall(g->hcpage, control, arg, 0);
	}
	if (is_snp()) {
		uint64_t gpa;
		uint8_t *p = ghcb(&gpa);
		memset(p, 0, 4072);
		memcpy(p, in, inlen);
		uint64_t out = 0;
		uint16_t ver = 2;
		uint32_t usage = 1;
		memcpy(p + 0xFE8, &out, 8);
		memcpy(p + 0xFF0, &control, 8);
		memcpy(p + 0xFFA, &ver, 2);
		memcpy(p + 0xFFC, &usage, 4);
		hw_vmgexit();
		uint64_t res;
		memcpy(&res, p + 0xFF0, 8);
		usage = 0xFFFFFFFF;
		memcpy(p + 0xFFC, &usage, 4);
		return res;
	}
	struct hw_tdcall_regs t;
	memset(&t, 0, sizeof(t));
	t.rcx = 0xFFCC;
	t.r10 = control;
	if (fast)
		memcpy(&t.rdx, in, inlen < 8 ? inlen : 8);
	else {
		memcpy(sg_va(g->shared_page), in, inlen);
		t.rdx = g->shared_page | g->boundary;
	}
	hw_tdcall(&t);
	return t.r11;
}

unsigned sg_post(struct sg *g, enum sg_route r, uint32_t conn, const void *msg, uint32_t len)
{
	struct hv_post_input in;
	memset(&in, 0, sizeof(in));
	in.connection_id = conn;
	in.message_type = 1;
	in.payload_size = len;
	memcpy(in.payload, msg, len > 240 ? 240 : len);
	for (int tries = 0;; tries++) {
		unsigned st = (unsigned)(sg_hcall(g, r, HVC_POST_MESSAGE, &in, sizeof(in)) & 0xFFFF);
		if (st != HVS_INSUFFICIENT_BUFFERS || !g->retry_busy || tries >= 100)
			return st;
		hw_wait_for_interrupt(10000);
	}
}

unsigned sg_signal(struct sg *g, enum sg_route r, uint32_t conn)
{
	uint64_t v = conn;
	/* The GHCB hypercall ABI has no fast form: HvSignalEvent goes slow with its 8 bytes at
	 * GHCB offset 0 (Linux vmbus_set_event -> hv_ghcb_hypercall). The hypercall page and
	 * TDVMCALL take it fast, input in RDX (hv_do_fast_hypercall8, hv_tdx_hypercall). */
	bool ghcb = r == SG_BYPASS && is_paravisor() && is_snp();
	return (unsigned)(sg_hcall(g, r, HVC_SIGNAL_EVENT | (ghcb ? 0 : HVC_FAST), &v, 8) & 0xFFFF);
}

/* GHCB MSR protocol SEV information exchange, then the GHCB GPA back in the MSR (as Linux
 * hv_ghcb_negotiate_protocol). Returns the protocol version to use, 0 on failure. */
unsigned sg_ghcb_negotiate(struct sg *g)
{
	(void)g;
	uint64_t saved = hw_rdmsr(MSR_GHCB);
	hw_wrmsr(MSR_GHCB, 0x002);
	hw_vmgexit();
	uint64_t v = hw_rdmsr(MSR_GHCB);
	hw_wrmsr(MSR_GHCB, saved);
	unsigned max = (unsigned)(v >> 48) & 0xFFFF, min = (unsigned)(v >> 32) & 0xFFFF;
	if ((v & 0xFFF) != 0x001 || max < 1 || min > 2)
		return 0;
	return max < 2 ? max : 2;
}

unsigned sg_visibility(struct sg *g, uint64_t gpa, uint64_t npages, bool shared)
{
	static uint8_t buf[4096];
	uint64_t done = 0;
	while (done < npages) {
		uint64_t n = npages - done > 510 ? 510 : npages - done;
		uint64_t hdr[2] = { HV_PARTITION_SELF, shared ? 3u : 0u };
		memcpy(buf, hdr, 16);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t pfn = (gpa >> 12) + done + i;
			memcpy(buf + 16 + 8 * i, &pfn, 8);
		}
		uint64_t start = 0;
		for (int tries = 0; start < n && tries < 1000; tries++) {
			uint64_t ctl = HVC_MODIFY_VISIBILITY | (n << 32) | (start << 48);
			uint64_t res = sg_hcall(g, SG_DIRECT, ctl, buf, 16 + 8 * n);
			if (res & 0xFFFF)
				return (unsigned)(res & 0xFFFF);
			start = (res >> 32) & 0xFFF;
		}
		done += n;
	}
	if (shared)
		memset(sg_va(gpa), 0, npages * 4096);
	return 0;
}

int sg_init(struct sg *g, bool confidential)
{
	memset(g, 0, sizeof(*g));
	uint64_t gpa, n;
	if (sim_ram_free_range(&gpa, &n))
		return UMBRA_EINVAL;
	g->next = gpa;
	g->end = gpa + n * 4096;
	g->boundary = sim_shared_boundary();
	g->confidential = confidential && is_paravisor();
	g->vector = VECTOR;
	hw_irq_set_handler(VECTOR, on_irq, g);
	uint64_t hc = sg_alloc(g, 1);
	g->post_page = sg_alloc(g, 1);
	g->shared_page = sg_alloc(g, 1);
	uint64_t os = 0x8100ull << 48;
	hw_wrmsr(MSR_GUEST_OS_ID, os);
	hw_wrmsr(MSR_HYPERCALL, hc | 1);
	/* Confirm the hypercall page was set up (Linux hyperv_init reads the MSR back). */
	if (!(hw_rdmsr(MSR_HYPERCALL) & 1))
		return UMBRA_EIO;
	g->hcpage = sg_va(hc);
	g->vp_index = (uint32_t)hw_rdmsr(MSR_VP_INDEX);
	if (is_paravisor() && is_snp() && !sg_ghcb_negotiate(g))
		return UMBRA_EIO;
	if (is_paravisor()) {
		if (sg_visibility(g, g->shared_page, 1, true))
			return UMBRA_EIO;
		if (!sg_hv_wrmsr(g, MSR_GUEST_OS_ID, os))
			return UMBRA_EIO;
		/* Paravisor SynIC: private pages, plain MSRs. */
		g->pv_simp = sg_alloc(g, 1);
		g->pv_siefp = sg_alloc(g, 1);
		hw_wrmsr(MSR_SIMP, g->pv_simp | 1);
		hw_wrmsr(MSR_SIEFP, g->pv_siefp | 1);
		/* Hypervisor SynIC: pages provided by the paravisor; keep the GPA, enable. */
		uint64_t v;
		if (!sg_hv_rdmsr(g, MSR_SIMP, &v))
			return UMBRA_EIO;
		g->hv_simp = v & ~0xFFFull;
		sg_hv_wrmsr(g, MSR_SIMP, v | 1);
		sg_hv_rdmsr(g, MSR_SIEFP, &v);
		g->hv_siefp = v & ~0xFFFull;
		sg_hv_wrmsr(g, MSR_SIEFP, v | 1);
		sg_hv_wrmsr(g, MSR_SINT0 + 2, VECTOR);
		hw_wrmsr(MSR_SINT0 + 2, VECTOR | (g->confidential ? 0 : SINT_PROXY));
		hw_wrmsr(MSR_SCONTROL, 1);
		/* The hypervisor SynIC resets disabled (TLFS); Linux
		 * hv_hyp_synic_enable_interrupts sets it. */
		sg_hv_wrmsr(g, MSR_SCONTROL, 1);
	} else {
		g->hv_simp = sg_alloc(g, 1);
		g->hv_siefp = sg_alloc(g, 1);
		hw_wrmsr(MSR_SIMP, g->hv_simp | 1);
		hw_wrmsr(MSR_SIEFP, g->hv_siefp | 1);
		hw_wrmsr(MSR_SINT0 + 2, VECTOR);
		hw_wrmsr(MSR_SCONTROL, 1);
	}
	return 0;
}

/* One pass over both SIMP slot 2s. */
static int take(struct sg *g, uint8_t *buf, uint32_t *len, bool *from_pv)
{
	for (int k = 0; k < 2; k++) {
		bool pv = k == 0;
		uint64_t simp = pv ? g->pv_simp : g->hv_simp;
		if (!simp)
			continue;
		uint8_t *slot = (uint8_t *)sg_va(simp) + 2 * 256;
		uint32_t type;
		memcpy(&type, slot, 4);
		if (type == 0)
			continue;
		uint32_t n = slot[4] > 240 ? 240 : slot[4];
		memcpy(buf, slot + 16, n);
		*len = n;
		if (from_pv)
			*from_pv = pv;
		bool pending = slot[5] & 1;
		type = 0;
		memcpy(slot, &type, 4);
		hw_mb();
		if (pending) {
			if (pv)
				hw_wrmsr(MSR_EOM, 0);
			else
				sg_hv_wrmsr(g, MSR_EOM, 0);
		}
		return 0;
	}
	return UMBRA_EAGAIN;
}

int sg_recv(struct sg *g, uint8_t *buf, uint32_t *len, uint64_t timeout_ns, bool *from_pv)
{
	uint64_t end = hw_now_ns() + timeout_ns;
	for (;;) {
		if (take(g, buf, len, from_pv) == 0)
			return 0;
		uint64_t now = hw_now_ns();
		if (now >= end)
			return UMBRA_ETIMEDOUT;
		hw_wait_for_interrupt(end - now);
	}
}

int sg_expect(struct sg *g, uint32_t type, uint8_t *buf, uint32_t *len, uint64_t timeout_ns)
{
	uint64_t end = hw_now_ns() + timeout_ns;
	for (;;) {
		uint64_t now = hw_now_ns();
		if (now >= end)
			return UMBRA_ETIMEDOUT;
		int r = sg_recv(g, buf, len, end - now, NULL);
		if (r)
			return r;
		uint32_t t;
		memcpy(&t, buf, 4);
		if (*len >= 8 && t == type)
			return 0;
	}
}

/* ---- VMBus steps ---- */
#define WAIT_NS 50000000ull

int sg_connect(struct sg *g, uint32_t version, uint32_t features, uint8_t *resp, uint32_t *resp_len)
{
	struct vm_initiate m;
	memset(&m, 0, sizeof(m));
	m.h.type = VM_INITIATE;
	m.version = version;
	m.sint = 2;
	m.features = features;
	m.target_vp = g->vp_index;
	uint32_t len = (version >= VMV_COPPER && (features & VMF_CLIENT_ID)) ? 56 : 40;
	unsigned st = sg_post(g, sg_msg_route(g), 1, &m, len);
	if (st)
		return -(int)st - 1000;
	return sg_expect(g, VM_VERSION_RESPONSE, resp, resp_len, WAIT_NS);
}

int sg_offers(struct sg *g, struct vm_offer *offers, unsigned max, unsigned *n)
{
	struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
	unsigned st = sg_post(g, sg_msg_route(g), 1, &h, 8);
	if (st)
		return -(int)st - 1000;
	*n = 0;
	uint8_t buf[240];
	uint32_t len;
	for (;;) {
		int r = sg_recv(g, buf, &len, WAIT_NS, NULL);
		if (r)
			return r;
		uint32_t t;
		memcpy(&t, buf, 4);
		if (t == VM_ALL_OFFERS)
			return 0;
		if (t == VM_OFFER && len >= sizeof(struct vm_offer) && *n < max)
			memcpy(&offers[(*n)++], buf, sizeof(struct vm_offer));
	}
}

int sg_gpadl(struct sg *g, uint32_t relid, uint32_t id, uint64_t gpa, uint32_t npages, bool alias,
	uint32_t *status)
{
	uint8_t m[240];
	enum sg_route r = sg_msg_route(g);
	uint64_t a = alias ? g->boundary : 0;
	struct vm_gpadl_header h;
	memset(&h, 0, sizeof(h));
	h.h.type = VM_GPADL_HEADER;
	h.relid = relid;
	h.gpadl = id;
	h.range_len = (uint16_t)(8 + 8 * npages);
	h.range_count = 1;
	memcpy(m, &h, sizeof(h));
	uint32_t range[2] = { npages * 4096, 0 };
	memcpy(m + 20, range, 8);
	uint32_t first = npages < 26 ? npages : 26, sent = 0;
	for (uint32_t i = 0; i < first; i++) {
		uint64_t pfn = ((gpa | a) >> 12) + i;
		memcpy(m + 28 + 8 * i, &pfn, 8);
	}
	sent = first;
	unsigned st = sg_post(g, r, 1, m, 28 + 8 * first);
	if (st)
		return -(int)st - 1000;
	while (sent < npages) {
		uint32_t k = npages - sent < 28 ? npages - sent : 28;
		struct vm_gpadl_body b = { { VM_GPADL_BODY, 0 }, 0, id };
		memcpy(m, &b, sizeof(b));
		for (uint32_t i = 0; i < k; i++) {
			uint64_t pfn = ((gpa | a) >> 12) + sent + i;
			memcpy(m + 16 + 8 * i, &pfn, 8);
		}
		st = sg_post(g, r, 1, m, 16 + 8 * k);
		if (st)
			return -(int)st - 1000;
		sent += k;
	}
	uint32_t len;
	int rc = sg_expect(g, VM_GPADL_CREATED, m, &len, WAIT_NS);
	if (rc)
		return rc;
	memcpy(status, m + 16, 4);
	return 0;
}

int sg_open_channel(struct sg *g, uint32_t relid, uint32_t ring_pages, bool private_ring,
	struct sg_chan *ch, uint32_t *status)
{
	memset(ch, 0, sizeof(*ch));
	ch->relid = relid;
	ch->gpadl = 0xE1E10 + relid;
	ch->pages = 2 * ring_pages;
	ch->gpa = sg_alloc(g, ch->pages);
	if (!ch->gpa)
		return UMBRA_ENOMEM;
	if (!private_ring && sim_shared_boundary() && sg_visibility(g, ch->gpa, ch->pages, true))
		return UMBRA_EIO;
	uint32_t feat = 1; /* this endpoint honours pending_send_size (set by the sender) */
	memcpy((uint8_t *)sg_va(ch->gpa) + 64, &feat, 4);
	int rc = sg_gpadl(g, relid, ch->gpadl, ch->gpa, ch->pages, false, status);
	if (rc || *status)
		return rc;
	struct vm_open o;
	memset(&o, 0, sizeof(o));
	o.h.type = VM_OPEN;
	o.relid = relid;
	o.open_id = relid;
	o.gpadl = ch->gpadl;
	o.target_vp = g->vp_index;
	o.downstream_offset = ring_pages;
	struct sim_server_info si;
	sim_server_info(&si);
	uint32_t len = (si.version >= VMV_COPPER && (si.features & (VMF_GUEST_SIGNAL | VMF_REDIRECT))) ? 156 : 148;
	unsigned st = sg_post(g, sg_msg_route(g), 1, &o, len);
	if (st)
		return -(int)st - 1000;
	uint8_t m[240];
	rc = sg_expect(g, VM_OPEN_RESULT, m, &len, WAIT_NS);
	if (rc)
		return rc;
	memcpy(status, m + 16, 4);
	ch->conn_id = 0x2000 + relid;
	uint8_t *base = sg_va(ch->gpa);
	ch->out.base = base;
	ch->out.dsize = (ring_pages - 1) * 4096;
	ch->in.base = base + ring_pages * 4096ull;
	ch->in.dsize = (ring_pages - 1) * 4096;
	return 0;
}

static uint32_t rd(const uint8_t *b, unsigned off)
{
	uint32_t v;
	memcpy(&v, b + off, 4);
	return v;
}

static void wr(uint8_t *b, unsigned off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void ring_copy(struct sg_ring *r, uint32_t off, void *buf, uint32_t n, bool write)
{
	uint8_t *d = r->base + 4096, *b = buf;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = (off + i) % r->dsize;
		if (write)
			d[p] = b[i];
		else
			b[i] = d[p];
	}
}

int sg_ring_write(struct sg_ring *r, uint16_t type, uint16_t flags, uint64_t tid, const void *data, uint32_t n)
{
	uint32_t w = rd(r->base, 0), o = rd(r->base, 4);
	if (w >= r->dsize || o >= r->dsize || (w | o) & 7)
		return UMBRA_EPROTO;
	uint32_t len = (16 + n + 7) & ~7u, total = len + 8;
	uint32_t used = (w - o + r->dsize) % r->dsize;
	if (total >= r->dsize - used)
		return UMBRA_EAGAIN;
	uint8_t hdr[16];
	uint16_t h16[4] = { type, 2, (uint16_t)(len / 8), flags };
	memcpy(hdr, h16, 8);
	memcpy(hdr + 8, &tid, 8);
	ring_copy(r, w, hdr, 16, true);
	ring_copy(r, w + 16, (void *)data, n, true);
	uint8_t pad[8] = { 0 };
	ring_copy(r, w + 16 + n, pad, len - 16 - n, true);
	uint64_t foot = (uint64_t)w << 32;
	ring_copy(r, w + len, &foot, 8, true);
	hw_mb();
	wr(r->base, 0, (w + total) % r->dsize);
	hw_mb();
	return rd(r->base, 8) == 0 && rd(r->base, 4) == w ? 1 : 0;
}

int sg_ring_read(struct sg_ring *r, uint8_t *buf, uint32_t cap, uint32_t *len)
{
	uint32_t w = rd(r->base, 0), o = rd(r->base, 4);
	if (w >= r->dsize || (w & 7))
		return UMBRA_EPROTO;
	if (w == o)
		return UMBRA_EAGAIN;
	uint32_t avail = (w - o + r->dsize) % r->dsize;
	uint8_t hdr[16];
	ring_copy(r, o, hdr, 16, false);
	uint16_t h16[4];
	memcpy(h16, hdr, 8);
	uint32_t l = h16[2] * 8u;
	if (h16[1] < 2 || h16[2] < h16[1] || l + 8 > avail || l > cap)
		return UMBRA_EPROTO;
	ring_copy(r, o, buf, l, false);
	*len = l;
	hw_mb();
	wr(r->base, 4, (o + l + 8) % r->dsize);
	return 0;
}

int sg_chan_send(struct sg *g, struct sg_chan *ch, uint16_t type, uint16_t flags, uint64_t tid,
	const void *data, uint32_t n)
{
	int r = sg_ring_write(&ch->out, type, flags, tid, data, n);
	if (r == 1)
		sg_signal(g, is_paravisor() ? SG_BYPASS : SG_DIRECT, ch->conn_id);
	return r < 0 ? r : 0;
}

int sg_chan_recv(struct sg *g, struct sg_chan *ch, uint8_t *buf, uint32_t cap, uint32_t *len, uint64_t timeout_ns)
{
	(void)g;
	uint64_t end = hw_now_ns() + timeout_ns;
	for (;;) {
		int r = sg_ring_read(&ch->in, buf, cap, len);
		if (r != UMBRA_EAGAIN)
			return r;
		uint64_t now = hw_now_ns();
		if (now >= end)
			return UMBRA_ETIMEDOUT;
		hw_wait_for_interrupt(end - now);
	}
}
