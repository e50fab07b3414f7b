/* Each hostile knob really does what it says (and nothing happens with it off). */
#include "sim/tests/test_util.h"

static struct sg G;
static uint8_t B[4096];
static uint32_t L;

static struct sim_config *cfg(enum sim_platform p, uint64_t seed)
{
	struct sim_config *c = tu_config(p);
	c->seed = seed;
	return c;
}

static int boot(bool conf, unsigned ndev, bool relayed)
{
	if (tu_start())
		return -1;
	for (unsigned i = 0; i < ndev; i++) {
		struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
		if (sim_add_device(&d, NULL))
			return -1;
	}
	return sg_init(&G, conf);
}

static uint64_t hostile_count(void)
{
	struct sim_stats s;
	sim_get_stats(&s);
	return s.hostile_actions;
}

static void t_drop_and_never_answer(void)
{
	cfg(SIM_SNP_PARAVISOR, 3)->hostile.msg_drop_pm = 1000;
	TU_REQ(boot(true, 0, false) == 0);
	UT_EQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L), UMBRA_ETIMEDOUT);
	UT_CHECK(hostile_count() >= 1);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(si.connected); /* the server did process it; only the reply vanished */
	cfg(SIM_SNP_PARAVISOR, 3)->hostile.never_answer = true;
	TU_REQ(boot(true, 0, false) == 0);
	UT_EQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L), UMBRA_ETIMEDOUT);
	/* Control: the same without hostility answers. */
	cfg(SIM_SNP_PARAVISOR, 3);
	TU_REQ(boot(true, 0, false) == 0);
	UT_EQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L), 0);
	UT_EQ(hostile_count(), 0);
}

static void t_duplicate(void)
{
	cfg(SIM_TDX_PARAVISOR, 4)->hostile.msg_dup_pm = 1000;
	TU_REQ(boot(true, 0, false) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	uint8_t first[240];
	memcpy(first, B, L);
	uint32_t l1 = L;
	TU_REQ(sg_recv(&G, B, &L, TU_WAIT, NULL) == 0);
	UT_EQ(L, l1);
	UT_EQ(memcmp(B, first, L), 0);
}

static void t_delay(void)
{
	uint64_t t[2];
	for (int k = 0; k < 2; k++) {
		struct sim_config *c = cfg(SIM_SNP_PARAVISOR, 5);
		c->hostile.msg_delay_pm = k ? 1000 : 0;
		c->hostile.msg_delay_max_ns = 20000000;
		TU_REQ(boot(true, 0, false) == 0);
		uint64_t t0 = hw_now_ns();
		TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
		t[k] = hw_now_ns() - t0;
	}
	/* Virtual time: the friendly reply takes about the server latency; the delayed one
	 * waited for the hostile delay on top. */
	UT_CHECK(t[0] < 1000000);
	UT_CHECK(t[1] > t[0]);
	UT_CHECK(t[1] < 20000000 + 1000000);   /* bounded by msg_delay_max_ns */
}

static void t_reorder(void)
{
	struct sim_config *c = cfg(SIM_SNP_PARAVISOR, 6);
	c->hostile.msg_reorder_pm = 1000;
	TU_REQ(boot(true, 8, false) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
	TU_REQ(sg_post(&G, SG_DIRECT, 1, &h, 8) == 0);
	uint32_t order[16];
	unsigned n = 0;
	while (n < 9 && sg_recv(&G, B, &L, TU_WAIT, NULL) == 0)
		order[n++] = tu_u32(B, 0) == VM_OFFER ? tu_u32(B, 184) : 100;
	UT_EQ(n, 9);
	bool sorted = true;
	for (unsigned i = 1; i < n; i++)
		sorted &= order[i] > order[i - 1];
	UT_CHECK(!sorted);
}

static void t_corrupt(void)
{
	cfg(SIM_SNP_PARAVISOR, 7)->hostile.msg_corrupt_pm = 1000;
	TU_REQ(boot(true, 0, false) == 0);
	struct vm_initiate m;
	tu_initiate(&m, VMV_COPPER, 0);
	m.features = VMF_CONFIDENTIAL;
	TU_REQ(sg_post(&G, SG_DIRECT, 1, &m, 40) == 0);
	sim_run(1000000);
	/* One bit, or one aligned 32-bit field, of the 256-byte slot differs from the
	 * faithful message. */
	uint8_t *slot = (uint8_t *)hw_phys_to_virt(G.pv_simp) + 512;
	uint8_t want[256];
	memset(want, 0, sizeof(want));
	uint32_t one = 1, ok[5] = { VM_VERSION_RESPONSE, 0, 0x00000001, 1, VMF_CONFIDENTIAL };
	memcpy(want, &one, 4);
	want[4] = 20;
	memcpy(want + 16, ok, 20);
	unsigned bits = 0, lo = 256, hi = 0;
	for (unsigned i = 0; i < 256; i++) {
		bits += (unsigned)__builtin_popcount(slot[i] ^ want[i]);
		if (slot[i] != want[i]) {
			lo = i < lo ? i : lo;
			hi = i;
		}
	}
	UT_CHECK(bits >= 1);
	UT_CHECK(bits == 1 || (lo / 4 == hi / 4));
}

static void t_post_busy_burst(void)
{
	struct sim_config *c = cfg(SIM_TDX_PARAVISOR, 8);
	c->hostile.post_busy_pm = 1000;
	c->hostile.post_busy_burst = 3;
	TU_REQ(boot(true, 0, false) == 0);
	struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
	for (int i = 0; i < 6; i++)
		UT_EQ(sg_post(&G, SG_DIRECT, 1, &h, 8), HVS_INSUFFICIENT_BUFFERS);
	struct sim_config *live = (struct sim_config *)sim_get_config();
	live->hostile.post_busy_pm = 0;
	/* The burst in progress runs out after its length, then posts succeed. */
	unsigned busy = 0;
	while (sg_post(&G, SG_DIRECT, 1, &h, 8) == HVS_INSUFFICIENT_BUFFERS)
		busy++;
	UT_CHECK(busy <= 2);
	UT_EQ(hostile_count(), 2); /* 6 busy posts = two bursts of 3 */
}

static void t_refuse_direct_post(void)
{
	cfg(SIM_SNP_PARAVISOR, 9)->hostile.refuse_direct_post = true;
	TU_REQ(boot(true, 0, false) == 0);
	UT_EQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L), -(int)HVS_INVALID_CONNECTION_ID - 1000);
	/* The fallback: proxied SINT2, bypass route, no 0x10. */
	hw_wrmsr(MSR_SINT0 + 2, G.vector | SINT_PROXY);
	G.confidential = false;
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	UT_EQ(tu_u32(B, 16) & VMF_CONFIDENTIAL, 0);
	UT_CHECK(sim_ok());
}

static void t_rescind_at_random(void)
{
	struct sim_config *c = cfg(SIM_SNP_PARAVISOR, 10);
	c->hostile.rescind_pm = 1000;
	TU_REQ(boot(true, 4, false) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	struct vm_offer o[8];
	unsigned n;
	sg_offers(&G, o, 8, &n);
	unsigned rescinds = 0;
	while (sg_recv(&G, B, &L, TU_WAIT, NULL) == 0)
		rescinds += tu_u32(B, 0) == VM_RESCIND;
	UT_CHECK(rescinds >= 1);
	UT_CHECK(hostile_count() >= 1);
}

static int open_one(enum sim_platform p, uint64_t seed, bool relayed, struct sim_hostile *h,
	struct sg_chan *c)
{
	struct sim_config *cf = cfg(p, seed);
	cf->hostile = *h;
	if (boot(true, 1, relayed))
		return -1;
	if (sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L))
		return -2;
	struct vm_offer o[4];
	unsigned n;
	uint32_t st;
	if (sg_offers(&G, o, 4, &n))
		return -3;
	if (sg_open_channel(&G, 1, 2, !relayed, c, &st) || st)
		return -4;
	return 0;
}

static void t_ring_bad_index(void)
{
	struct sim_hostile h = { .ring_bad_index_pm = 1000 };
	struct sg_chan c;
	TU_REQ(open_one(SIM_SNP_PARAVISOR, 11, true, &h, &c) == 0);
	sim_run(100000);
	uint32_t in = tu_u32(c.in.base, 0), out = tu_u32(c.out.base, 4);
	bool bad_in = in >= c.in.dsize || (in & 7), bad_out = out != 0;
	UT_CHECK(bad_in || bad_out);
	UT_CHECK(hostile_count() >= 1);
	/* A confidential ring is out of the host's reach. */
	TU_REQ(open_one(SIM_SNP_PARAVISOR, 11, false, &h, &c) == 0);
	sim_run(100000);
	UT_EQ(tu_u32(c.in.base, 0), 0);
	UT_EQ(tu_u32(c.out.base, 4), 0);
	UT_EQ(hostile_count(), 0);
	/* ...unless ring_hostile_all asks for it (to test the reader against its peer). */
	h.ring_hostile_all = true;
	TU_REQ(open_one(SIM_SNP_PARAVISOR, 11, false, &h, &c) == 0);
	sim_run(100000);
	UT_CHECK(hostile_count() >= 1);
}

static void t_ring_len_lie(void)
{
	struct sim_hostile h = { .ring_len_lie_pm = 1000 };
	struct sg_chan c;
	TU_REQ(open_one(SIM_TDX_PARAVISOR, 12, true, &h, &c) == 0);
	unsigned lies = 0;
	for (int i = 0; i < 8; i++) {
		TU_REQ(sg_chan_send(&G, &c, PKT_INBAND, 0, (uint64_t)i, "payload!", 8) == 0);
		sim_run(100000);
		uint32_t out = tu_u32(c.in.base, 4);
		uint16_t d[4];
		memcpy(d, c.in.base + 4096 + out, 8);
		/* The true packet is offset8 2, len8 3. */
		lies += d[1] != 2 || d[2] != 3;
		/* skip it with the true length */
		uint32_t nout = (out + 24 + 8) % c.in.dsize;
		memcpy(c.in.base + 4, &nout, 4);
	}
	UT_EQ(lies, 8);
	UT_EQ(sg_ring_read(&c.in, B, sizeof(B), &L), UMBRA_EAGAIN);
}

static void t_ring_index_changes_between_reads(void)
{
	struct sim_hostile h = { .ring_flip_index_pm = 1000 };
	struct sg_chan c;
	TU_REQ(open_one(SIM_SNP_PARAVISOR, 13, true, &h, &c) == 0);
	unsigned changes = 0;
	for (int i = 0; i < 10; i++) {
		uint32_t a = tu_u32(c.in.base, 0);
		(void)hw_now_ns(); /* any exit lets the host act */
		hw_rdmsr(MSR_SVERSION);
		uint32_t b = tu_u32(c.in.base, 0);
		changes += a != b;
	}
	UT_CHECK(changes >= 5);
}

/* One 0x00DB call for the 64 pages from gpa to visibility vis (0 or 3); its result. */
static uint64_t vis64(uint64_t gpa, uint32_t vis)
{
	static uint8_t buf[4096];
	uint64_t hdr[2] = { HV_PARTITION_SELF, vis };
	memcpy(buf, hdr, 16);
	for (uint64_t i = 0; i < 64; i++) {
		uint64_t pfn = (gpa >> 12) + i;
		memcpy(buf + 16 + 8 * i, &pfn, 8);
	}
	return sg_hcall(&G, SG_DIRECT, HVC_MODIFY_VISIBILITY | (64ull << 32), buf, 16 + 8 * 64);
}

static void t_visibility_partial_completion(void)
{
	cfg(SIM_SNP_PARAVISOR, 14)->hostile.visibility_partial_pm = 1000;
	TU_REQ(boot(true, 0, false) == 0);
	uint64_t gpa = sg_alloc(&G, 64);
	uint64_t r = vis64(gpa, 3);
	UT_EQ(r & 0xFFFF, 0);
	uint64_t done = (r >> 32) & 0xFFF;
	UT_CHECK(done >= 1 && done < 64);
	UT_EQ(sim_page_visibility(gpa + (done - 1) * 4096), SIM_VIS_SHARED);
	UT_EQ(sim_page_visibility(gpa + done * 4096), SIM_VIS_PRIVATE);
	/* The guest's retry loop (rep start = completed) finishes the job. */
	UT_EQ(sg_visibility(&G, gpa, 64, true), 0);
	for (int i = 0; i < 64; i++)
		UT_EQ(sim_page_visibility(gpa + i * 4096ull), SIM_VIS_SHARED);
}

/* 0xDB failing part-way: an error status with the reps done so far; those pages changed,
 * the rest did not. With private_only, changes to shared always succeed. */
static void t_visibility_fails_part_way(void)
{
	struct sim_config *c = cfg(SIM_TDX_PARAVISOR, 15);
	c->hostile.visibility_fail_pm = 1000;
	c->hostile.visibility_fail_private_only = true;
	TU_REQ(boot(true, 0, false) == 0);
	uint64_t gpa = sg_alloc(&G, 64);
	UT_EQ(sg_visibility(&G, gpa, 64, true), 0);   /* to shared: unaffected */
	uint64_t r = vis64(gpa, 0);
	UT_EQ(r & 0xFFFF, HVS_INSUFFICIENT_MEMORY);
	uint64_t done = (r >> 32) & 0xFFF;
	UT_CHECK(done < 64);
	for (uint64_t i = 0; i < 64; i++)
		UT_EQ(sim_page_visibility(gpa + i * 4096), i < done ? SIM_VIS_PRIVATE : SIM_VIS_SHARED);
	/* Switched off at run time: the retry completes. */
	struct sim_hostile h = { 0 };
	UT_EQ(sim_set_hostile(&h), 0);
	UT_EQ(sg_visibility(&G, gpa, 64, false), 0);
	for (uint64_t i = 0; i < 64; i++)
		UT_EQ(sim_page_visibility(gpa + i * 4096), SIM_VIS_PRIVATE);
	UT_CHECK(sim_ok());
}

static char trace_line[700];
static void trace_last(void *ctx, const char *line)
{
	(void)ctx;
	if (strstr(line, "dir=h2g"))
		snprintf(trace_line, sizeof(trace_line), "%s", line);
}

/* A corrupted message is traced as written into the slot, i.e. as the guest sees it
 * (over several seeds, so some corruptions fall inside the traced header or payload). */
static void t_corrupt_is_traced_as_written(void)
{
	for (uint64_t seed = 21; seed < 53; seed++) {
		struct sim_config *c = cfg(SIM_SNP_PARAVISOR, seed);
		c->hostile.msg_corrupt_pm = 1000;
		c->trace = trace_last;
		TU_REQ(boot(true, 0, false) == 0);
		struct vm_initiate m;
		tu_initiate(&m, VMV_COPPER, 0);
		TU_REQ(sg_post(&G, SG_DIRECT, 1, &m, 40) == 0);
		sim_run(1000000);
		const uint8_t *slot = (const uint8_t *)hw_phys_to_virt(G.pv_simp) + 512;
		uint64_t sender;
		memcpy(&sender, slot + 8, 8);
		char want[700];
		unsigned n = slot[4] <= 240 ? slot[4] : 240;
		uint32_t mt = 0;
		if (n >= 4)
			memcpy(&mt, slot + 16, 4);
		int k = snprintf(want, sizeof(want), "trace 1 dir=h2g synic=pv route=- conn=%x msgtype=%u hex=",
			(uint32_t)sender, mt);
		for (unsigned i = 0; i < n; i++)
			k += snprintf(want + k, sizeof(want) - (size_t)k, "%02x", slot[16 + i]);
		UT_EQ(strcmp(trace_line, want), 0);
		UT_EQ(hostile_count(), 1);
	}
}

/* hv_simp_lie / hv_siefp_lie change only what an untrusted read of the hypervisor SynIC's
 * SIMP/SIEFP returns while it holds the paravisor's page; delivery stays there, and a
 * host-visible page the guest programs is honoured (and read back truthfully). */
static void t_hv_page_lies(void)
{
	int ps[2] = { SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };
	for (int k = 0; k < 2; k++) {
		for (int kind = SIM_LIE_PRIVATE; kind <= SIM_LIE_ZERO; kind++) {
			cfg(ps[k], 5);
			TU_REQ(boot(true, 0, false) == 0);
			struct sim_synic_regs r;
			TU_REQ(sim_synic_regs(0, false, &r) == 0);
			uint64_t priv = sg_alloc(&G, 1), b = G.boundary;
			struct sim_hostile h = { 0 };
			h.hv_simp_lie = (uint8_t)kind;
			h.hv_siefp_lie = (uint8_t)kind;
			h.hv_page_lie_gpa = priv;
			TU_REQ(sim_set_hostile(&h) == 0);
			uint64_t h0 = hostile_count(), v = 0, e = 0;
			UT_CHECK(sg_hv_rdmsr(&G, MSR_SIMP, &v));
			UT_CHECK(sg_hv_rdmsr(&G, MSR_SIEFP, &e));
			UT_EQ(hostile_count() - h0, 2);
			switch (kind) {
			case SIM_LIE_PRIVATE:
				UT_EQ(v, priv | 1);
				UT_EQ(sim_page_visibility(v & ~0xFFFull), SIM_VIS_PRIVATE);
				break;
			case SIM_LIE_UNALIGNED:
				UT_EQ(v, r.simp | 0x800);
				UT_EQ(e, r.siefp | 0x800);
				break;
			case SIM_LIE_NOT_RAM:
				UT_EQ(sim_page_visibility(v & ~0xFFFull), UMBRA_EINVAL);
				UT_EQ(v & 1, 1);
				break;
			default:
				UT_EQ(v, 0);
				UT_EQ(e, 0);
				break;
			}
			/* The register itself is unchanged: messages still land in the real page. */
			uint8_t msg[8] = { 0x33 };
			UT_EQ(sim_host_forge_hv_message(0, msg, 8), 0);
			sim_run(10000);
			uint8_t *slot = (uint8_t *)hw_phys_to_virt(r.simp & ~0xFFFull) + 512;
			UT_EQ(slot[16], 0x33);
			memset(slot, 0, 256);
			/* The guest falls back to its own host-visible page: honoured, read truthfully. */
			uint64_t own = sg_alloc(&G, 1);
			UT_EQ(sg_visibility(&G, own, 1, true), 0);
			UT_CHECK(sg_hv_wrmsr(&G, MSR_SIMP, own | b | 1));
			UT_CHECK(sg_hv_rdmsr(&G, MSR_SIMP, &v));
			UT_EQ(v, own | b | 1);
			UT_EQ(sim_host_forge_hv_message(0, msg, 8), 0);
			sim_run(10000);
			UT_EQ(((uint8_t *)hw_phys_to_virt(own | b))[512 + 16], 0x33);
			UT_CHECK(sim_ok());
		}
	}
	/* hyperv: the guest owns the pages, no lies apply. */
	cfg(SIM_HYPERV, 5)->hostile.hv_simp_lie = SIM_LIE_ZERO;
	TU_REQ(boot(false, 0, false) == 0);
	UT_EQ(hw_rdmsr(MSR_SIMP), G.hv_simp | 1);
}

/* forge_hv_msg_pm: forged control messages reach the hypervisor SIMP during a normal run;
 * the server's accounting does not change; each counts as a hostile action. */
static void t_forge_knob(void)
{
	cfg(SIM_SNP_PARAVISOR, 9);
	TU_REQ(boot(true, 2, false) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	struct vm_offer offs[4];
	unsigned n;
	TU_REQ(sg_offers(&G, offs, 4, &n) == 0 && n == 2);
	struct sg_chan ch;
	uint32_t st;
	TU_REQ(sg_open_channel(&G, 1, 2, true, &ch, &st) == 0 && st == 0);
	struct sim_server_info si0, si1;
	sim_server_info(&si0);
	struct sim_hostile h = { 0 };
	h.forge_hv_msg_pm = 1000;
	TU_REQ(sim_set_hostile(&h) == 0);
	uint64_t h0 = hostile_count();
	unsigned seen[32] = { 0 }, total = 0;
	for (int i = 0; i < 400; i++) {
		bool pv = true;
		if (sg_recv(&G, B, &L, 20000, &pv) == 0 && !pv) {
			total++;
			seen[B[0] & 31]++;
		}
	}
	UT_CHECK(total > 20);
	UT_CHECK(hostile_count() - h0 >= total);
	UT_CHECK(seen[VM_VERSION_RESPONSE] > 0);
	UT_CHECK(seen[VM_OFFER] > 0);
	UT_CHECK(seen[VM_RESCIND] > 0);
	UT_CHECK(seen[VM_OPEN_RESULT] > 0);
	UT_CHECK(seen[VM_GPADL_CREATED] > 0);
	UT_CHECK(seen[VM_GPADL_TORNDOWN] > 0);
	sim_server_info(&si1);
	UT_EQ(si1.msgs_out, si0.msgs_out);
	struct sim_channel_info ci;
	TU_REQ(sim_channel_info(1, &ci) == 0);
	UT_EQ(ci.state, SIM_CHAN_OPEN);     /* a forged rescind changes nothing in the server */
	UT_CHECK(sim_ok());
	/* Off: nothing forged. */
	h.forge_hv_msg_pm = 0;
	TU_REQ(sim_set_hostile(&h) == 0);
	h0 = hostile_count();
	sim_run(10000000);
	UT_EQ(hostile_count(), h0);
}

/* hypercall_page_unfilled: the page stays zero, the enable bit reads back 0 (what Linux
 * hyperv_init checks), and a hypercall through the page faults. */
static void t_hypercall_page_unfilled(void)
{
	int ps[3] = { SIM_HYPERV, SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };
	for (int k = 0; k < 3; k++) {
		cfg(ps[k], 1)->hostile.hypercall_page_unfilled = true;
		TU_REQ(tu_start() == 0);
		UT_EQ(sg_init(&G, false), UMBRA_EIO);
		uint64_t fr, n;
		TU_REQ(sim_ram_free_range(&fr, &n) == 0);
		uint8_t *pg = hw_phys_to_virt(fr);
		hw_wrmsr(MSR_HYPERCALL, fr | 1);
		UT_EQ(hw_rdmsr(MSR_HYPERCALL) & 1, 0);
		for (int i = 0; i < 4096; i++)
			if (pg[i]) {
				UT_CHECK(!"hypercall page written");
				break;
			}
		UT_CHECK(hostile_count() >= 1);
		UT_CHECK(sim_ok());
		hw_hypercall(pg, HVC_SIGNAL_EVENT | HVC_FAST, 0x2001, 0);
		struct sim_stats s;
		sim_get_stats(&s);
		UT_EQ(s.faults, 1);
	}
}

/* signal_fail_pm: HvSignalEvent fails with INSUFFICIENT_BUFFERS and the device never
 * hears of the packet; the same signal succeeds once the knob is off. */
static void t_signal_fail(void)
{
	struct sim_hostile h = { .signal_fail_pm = 1000 };
	struct sg_chan c;
	TU_REQ(open_one(SIM_SNP_PARAVISOR, 3, true, &h, &c) == 0);
	sim_run(1000000);
	TU_REQ(sg_ring_write(&c.out, PKT_INBAND, PKT_FLAG_COMP, 7, "payload!", 8) == 1);
	uint64_t h0 = hostile_count();
	UT_EQ(sg_signal(&G, SG_BYPASS, c.conn_id), HVS_INSUFFICIENT_BUFFERS);
	UT_EQ(hostile_count(), h0 + 1);
	UT_EQ(sg_chan_recv(&G, &c, B, sizeof(B), &L, 50000000ull), UMBRA_ETIMEDOUT);
	struct sim_channel_info ci;
	sim_channel_info(1, &ci);
	UT_EQ(ci.signals_in, 0);
	UT_EQ(ci.packets_in, 0);
	struct sim_hostile off = { 0 };
	TU_REQ(sim_set_hostile(&off) == 0);
	UT_EQ(sg_signal(&G, SG_BYPASS, c.conn_id), 0);
	UT_EQ(sg_chan_recv(&G, &c, B, sizeof(B), &L, TU_WAIT), 0);
	sim_channel_info(1, &ci);
	UT_EQ(ci.signals_in, 1);
	UT_CHECK(sim_ok());
}

int main(void)
{
	UT_RUN(t_drop_and_never_answer);
	UT_RUN(t_duplicate);
	UT_RUN(t_delay);
	UT_RUN(t_reorder);
	UT_RUN(t_corrupt);
	UT_RUN(t_corrupt_is_traced_as_written);
	UT_RUN(t_post_busy_burst);
	UT_RUN(t_refuse_direct_post);
	UT_RUN(t_rescind_at_random);
	UT_RUN(t_ring_bad_index);
	UT_RUN(t_ring_len_lie);
	UT_RUN(t_ring_index_changes_between_reads);
	UT_RUN(t_visibility_partial_completion);
	UT_RUN(t_visibility_fails_part_way);
	UT_RUN(t_hv_page_lies);
	UT_RUN(t_forge_knob);
	UT_RUN(t_hypercall_page_unfilled);
	UT_RUN(t_signal_fail);
	return UT_DONE();
}
