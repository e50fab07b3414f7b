/* synic/ against a recording fake machine: routes byte for byte, bring-up order and
 * values, the interrupt path (copy, free, EOM to the right SynIC), visibility batching. */
#include "tests/unit/ut.h"
#include "synic/tests/fakehw.h"
#include "synic/synic.h"
#include "synic/synic_hw.h"
#include "hv/ident.h"
#include <umbra/errno.h>

static int p_alloc(uint64_t *gpa)
{
	*gpa = fake_page();
	return *gpa ? 0 : UMBRA_ENOMEM;
}
static const struct synic_pages PAGES = { .alloc = p_alloc };
static struct synic_config CFG;

static uint32_t events[64];
static int nevents;
static void on_event(uint32_t relid)
{
	if (nevents < 64)
		events[nevents++] = relid;
}

static char last_trace[700];
static void on_trace(const char *l) { snprintf(last_trace, sizeof(last_trace), "%s", l); }

static bool up(int platform, bool conf)
{
	synic_shutdown();
	fake_init(platform);
	if (synic_detect(&CFG) != 0)
		return false;
	synic_set_event_handler(on_event);
	synic_set_trace(on_trace);
	nevents = 0;
	return synic_init(&CFG, &PAGES, conf) == 0;
}

/* synic_detect is the translation of the Hyper-V identification (hv/ident.h) of the
 * machine behind hw.h, identified afresh per call in host tests (a new fake machine
 * each time), whatever identification is published. */
static void t_detect_from_ident(void)
{
	struct synic_config c, d;
	struct hv_ident id;

	UT_EQ(synic_config_from_ident(NULL, &c), UMBRA_EINVAL);
	UT_EQ(synic_detect(NULL), UMBRA_EINVAL);
	memset(&id, 0, sizeof(id));
	UT_EQ(synic_config_from_ident(&id, &c), UMBRA_ENODEV);
	UT_CHECK(!c.hyperv);
	for (int platform = 0; platform <= 4; platform++) {
		fake_init(platform);
		int rc = synic_detect(&c);
		UT_EQ(hv_ident_detect(hw_cpuid, &id), platform ? 0 : UMBRA_ENODEV);
		UT_EQ(synic_config_from_ident(&id, &d), rc);
		UT_CHECK(memcmp(&c, &d, sizeof(c)) == 0);
		UT_EQ(c.shared_boundary, id.shared_boundary);
		UT_EQ(c.priv_eax, id.features_eax);
		UT_EQ(c.priv_ebx, id.features_ebx);
	}
	/* a published identification does not stand in for the fake machine */
	fake_init(3);
	hv_ident_detect(hw_cpuid, &id);
	hv_ident_set(&id);
	fake_init(2);
	UT_EQ(synic_detect(&c), 0);
	UT_EQ(c.shared_boundary, 1ull << 46);
	UT_EQ(c.bypass, SYNIC_ROUTE_GHCB);
	hv_ident_set(NULL);
	/* the identification's rules: no hypervisor bit, no Hyper-V; a refused boundary is
	 * no boundary (vmbus/ then refuses the isolated VM: mem_vis_init) */
	fake_init(2);
	F.cpuid[4][3] = 0;   /* leaf 1 ECX: no hypervisor bit */
	UT_EQ(synic_detect(&c), UMBRA_ENODEV);
	UT_CHECK(!c.hyperv);
	fake_init(2);
	F.cpuid[2][2] = (F.cpuid[2][2] & ~0xFC0u) | (52u << 6);   /* boundary bit 52 */
	UT_EQ(synic_detect(&c), 0);
	UT_CHECK(c.isolated && c.paravisor);
	UT_EQ(c.shared_boundary, 0);
	fake_init(2);
	F.cpuid[2][2] &= ~0xFC0u;                               /* boundary bit 0 */
	UT_EQ(synic_detect(&c), 0);
	UT_EQ(c.shared_boundary, 0);
}

static uint64_t u64at(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t u32at(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void t_detect(void)
{
	fake_init(0);
	struct synic_config c;
	UT_EQ(synic_detect(&c), UMBRA_ENODEV);
	UT_CHECK(!c.hyperv);
	fake_init(2);
	UT_EQ(synic_detect(&c), 0);
	UT_CHECK(c.isolated && c.paravisor && c.cvmb_available);
	UT_EQ(c.iso_type, 2);
	UT_EQ(c.shared_boundary, 1ull << 46);
	UT_EQ(c.bypass, SYNIC_ROUTE_GHCB);
	fake_init(3);
	UT_EQ(synic_detect(&c), 0);
	UT_EQ(c.bypass, SYNIC_ROUTE_TDCALL);
	UT_EQ(c.shared_boundary, 1ull << 47);
	/* isolated without a paravisor: not supported by this runtime */
	fake_init(2);
	F.cpuid[2][1] = 0;   /* 0x4000000C EAX: no paravisor */
	UT_EQ(synic_detect(&c), UMBRA_ENOTSUP);
	char line[160];
	fake_init(4);
	synic_detect(&c);
	synic_describe(&c, line, sizeof(line));
	UT_CHECK(strcmp(line, "hyperv: isolation=snp paravisor=yes shared-boundary=0x400000000000 "
			      "confidential-vmbus=no") == 0);
}

/* Paravisor-first: plain MSRs to the paravisor with private pages, SINT2 without proxy;
 * hypervisor SynIC through the GHCB at its preset pages. Fallback sets the proxy bit. */
static void t_bringup_snp(void)
{
	UT_REQUIRE(up(2, true));
	UT_CHECK(synic_confidential());
	UT_EQ(fake_last(F_WRMSR, HV_MSR_GUEST_OS_ID)->value, UMBRA_GUEST_OS_ID);
	UT_EQ(fake_last(F_GHCB_MSR, HV_MSR_GUEST_OS_ID)->value, UMBRA_GUEST_OS_ID);
	uint64_t hc = fake_last(F_WRMSR, HV_MSR_HYPERCALL)->value;
	UT_EQ(hc & 0xFFF, 1);
	UT_EQ(hc & F.boundary, 0);
	uint64_t simp = fake_last(F_WRMSR, HV_MSR_SIMP)->value;
	UT_EQ(simp & 1, 1);
	UT_EQ(simp & F.boundary, 0);                     /* private page */
	UT_EQ(fake_last(F_WRMSR, HV_MSR_SINT0 + 2)->value, 0x41);
	UT_EQ(fake_last(F_GHCB_MSR, HV_MSR_SINT0 + 2)->value, 0x41);
	UT_EQ(fake_last(F_GHCB_MSR, HV_MSR_SIMP)->value, F.hv_msr[0x83]);
	UT_EQ(F.hv_msr[0x83] & 1, 1);
	UT_EQ(F.irq_vector, 0x41);
	/* guest OS id precedes any hypercall or other SynIC programming; before it only the
	 * GHCB version negotiation (MSR protocol: GHCB MSR write, exit, restore) */
	int k = 0;
	while (k < F.nlog && (F.log[k].kind == F_GHCB_PROTO ||
			      (F.log[k].kind == F_WRMSR && F.log[k].msr == MSR_SEV_GHCB)))
		k++;
	UT_EQ(k, 3);
	UT_EQ(F.log[k].kind, F_WRMSR);
	UT_EQ(F.log[k].msr, HV_MSR_GUEST_OS_ID);
	UT_EQ(synic_fallback(), 0);
	UT_CHECK(!synic_confidential());
	UT_EQ(fake_last(F_WRMSR, HV_MSR_SINT0 + 2)->value, 0x41 | HV_SINT_PROXY);
	/* legacy (no CPUID bit): the caller asks for non-confidential; proxy from the start */
	UT_REQUIRE(up(4, false));
	UT_EQ(fake_last(F_WRMSR, HV_MSR_SINT0 + 2)->value, 0x41 | HV_SINT_PROXY);
	/* hyperv: one SynIC by plain MSRs */
	UT_REQUIRE(up(1, false));
	UT_EQ(fake_count(F_GHCB_MSR, 0) + fake_count(F_TDX_MSR, 0), 0);
	UT_EQ(fake_last(F_WRMSR, HV_MSR_SINT0 + 2)->value, 0x41);
	UT_EQ(fake_last(F_WRMSR, HV_MSR_SCONTROL)->value, 1);
}

/* GHCB MSR exit: RCX/RAX/RDX and exit fields, valid bitmap, usage 0. */
static void t_ghcb_msr_layout(void)
{
	UT_REQUIRE(up(2, true));
	UT_EQ(synic_msr_write(SYNIC_ROUTE_GHCB, 0x40000090, 0x1122334455667788ull), 0);
	const struct fake_exit *e = fake_last(F_GHCB_MSR, 0x40000090);
	UT_REQUIRE(e);
	UT_EQ(e->usage, 0);
	UT_EQ(e->info1, 1);
	UT_EQ(e->value, 0x1122334455667788ull);
	/* bits: RAX 0x1F8/8 = 63, RCX 97, RDX 98, exit code 114, info1 115, info2 116 */
	UT_CHECK(e->valid[63 / 8] & (1 << (63 % 8)));
	UT_CHECK(e->valid[97 / 8] & (1 << (97 % 8)));
	UT_CHECK(e->valid[98 / 8] & (1 << (98 % 8)));
	UT_CHECK(e->valid[114 / 8] & (1 << (114 % 8)));
	uint64_t v = 0;
	F.hv_msr[0x90] = 0xAABBCCDD00112233ull;
	UT_EQ(synic_msr_read(SYNIC_ROUTE_GHCB, 0x40000090, &v), 0);
	UT_EQ(v, 0xAABBCCDD00112233ull);
}

/* Posts: direct via the hypercall page when confidential (input in a private page),
 * GHCB usage 1 with the input at offset 0 after the fallback; trace lines. */
static void t_post_routes_snp(void)
{
	UT_REQUIRE(up(2, true));
	uint8_t msg[16] = { 0x0e, 0, 0, 0, 0, 0, 0, 0, 0xAB, 0xCD };
	UT_EQ(synic_post(true, 4, msg, sizeof(msg)), 0);
	const struct fake_exit *e = fake_last(F_HCALL, 0);
	UT_REQUIRE(e);
	UT_EQ(e->control, 0x5C);
	UT_EQ(e->in & F.boundary, 0);
	UT_EQ(u32at(e->input), 4);
	UT_EQ(u32at(e->input + 8), 1);
	UT_EQ(u32at(e->input + 12), 16);
	UT_EQ(e->input[24], 0xAB);
	UT_CHECK(strcmp(last_trace, "trace 0 dir=g2h synic=pv route=direct conn=4 msgtype=14 "
				    "hex=0e00000000000000abcd000000000000") == 0);
	/* a refused post is returned as is and not traced */
	F.hcall_status = 0x12;
	UT_EQ(synic_post(true, 4, msg, sizeof(msg)), 0x12);
	UT_CHECK(strstr(last_trace, "trace 0 ") == last_trace);
	F.hcall_status = 0;
	UT_EQ(synic_fallback(), 0);
	UT_EQ(synic_post(false, 4, msg, sizeof(msg)), 0);
	e = fake_last(F_GHCB_HCALL, 0);
	UT_REQUIRE(e);
	UT_EQ(e->usage, 1);
	UT_EQ(e->control, 0x5C);
	UT_EQ(u32at(e->input), 4);
	UT_EQ(u32at(e->input + 12), 16);
	UT_EQ(e->input[24], 0xAB);
	uint32_t usage = u32at(hw_phys_to_virt(F.ghcb_gpa) + 0xFFC);
	UT_EQ(usage, 0);                               /* restored after the call */
	UT_CHECK(strstr(last_trace, "dir=g2h synic=hv route=ghcb conn=4 msgtype=14") != NULL);
	UT_EQ(synic_post(false, 4, msg, 241), HV_STATUS_INVALID_PARAMETER);
	UT_EQ(synic_post(false, 4, NULL, 8), HV_STATUS_INVALID_PARAMETER);
}

/* HvSignalEvent: the bypass route whenever a paravisor is present, even confidential.
 * Through the GHCB it is a slow call with the 8-byte input at offset 0 (Linux
 * drivers/hv/connection.c vmbus_set_event; OpenHCL answers a fast one with 0x3: openvmm
 * openhcl/virt_mshv_vtl/src/processor/snp/mod.rs GhcbEnlightenedHypercall, no fast
 * register pairs); by TDVMCALL and the hypercall page it is fast (Linux
 * hv_tdx_hypercall, hv_do_fast_hypercall8). */
static void t_signal_routes(void)
{
	UT_REQUIRE(up(2, true));
	int before = fake_count(F_HCALL, 0);
	UT_EQ(synic_signal(0x2005), 0);
	const struct fake_exit *e = fake_last(F_GHCB_HCALL, 0);
	UT_REQUIRE(e);
	UT_EQ(e->control, 0x5D);
	UT_EQ(u64at(e->input), 0x2005);
	UT_EQ(u64at(e->input + 8), 0);
	UT_EQ(fake_count(F_HCALL, 0), before);
	UT_REQUIRE(up(3, true));
	UT_EQ(synic_signal(0x2006), 0);
	e = fake_last(F_TDX_HCALL, 0);
	UT_REQUIRE(e);
	UT_EQ(e->control, 0x5D | (1ull << 16));
	UT_EQ(e->in, 0x2006);
	UT_REQUIRE(up(1, false));
	UT_EQ(synic_signal(0x2007), 0);
	e = fake_last(F_HCALL, 0);
	UT_EQ(e->control, 0x5D | (1ull << 16));
	UT_EQ(e->in, 0x2007);
}

/* TDX: TDVMCALL hypercall with R10 = control and a host-visible input (shared bit); MSRs
 * with R11 31/32. */
static void t_tdx_routes(void)
{
	UT_REQUIRE(up(3, true));
	const struct fake_exit *e = fake_last(F_TDX_MSR, HV_MSR_SINT0 + 2);
	UT_REQUIRE(e);
	UT_CHECK(e->write);
	UT_EQ(e->value, 0x41);
	UT_EQ(e->rcx_mask & 0x3C00, 0x3C00);
	UT_EQ(synic_fallback(), 0);
	uint8_t msg[8] = { 3 };
	UT_EQ(synic_post(false, 1, msg, sizeof(msg)), 0);
	e = fake_last(F_TDX_HCALL, 0);
	UT_REQUIRE(e);
	UT_EQ(e->control, 0x5C);
	UT_CHECK(e->in & F.boundary);
	UT_EQ(e->rcx_mask & 0x0D04, 0x0D04);
	UT_EQ(u32at(e->input), 1);
	UT_EQ(u32at(e->input + 12), 8);
	/* the TDVMCALL input page was made host-visible with 0x00DB at init */
	UT_CHECK(fake_count(F_HCALL, 0) >= 1);
}

static volatile uint8_t *slot(bool hv)
{
	uint64_t simp = hv ? F.hv_msr[0x83] : F.pv_msr[0x83];
	return (volatile uint8_t *)hw_phys_to_virt(simp & ~0xFFFull) + 512;
}

static void put_msg(bool hv, uint32_t type, uint8_t size, bool pending, uint8_t fill)
{
	volatile uint8_t *s = slot(hv);
	uint8_t m[256] = { 0 };
	memcpy(m, &type, 4);
	m[4] = size;
	m[5] = pending ? 1 : 0;
	memset(m + 16, fill, 240);
	memcpy((void *)(uintptr_t)s, m, 256);
}

/* The handler: copies, frees the slot, EOMs only when pending and only to the source. */
static void t_isr_messages(void)
{
	UT_REQUIRE(up(2, false));           /* fallback: both SIMPs are legitimate sources */
	UT_REQUIRE(F.irq_fn);
	int plain_eom = fake_count(F_WRMSR, HV_MSR_EOM), ghcb_eom = fake_count(F_GHCB_MSR, HV_MSR_EOM);
	put_msg(false, 1, 12, true, 0x11);
	F.irq_fn(F.irq_ctx);
	UT_EQ(u32at((const uint8_t *)(uintptr_t)slot(false)), 0);
	UT_EQ(fake_count(F_WRMSR, HV_MSR_EOM), plain_eom + 1);
	UT_EQ(fake_count(F_GHCB_MSR, HV_MSR_EOM), ghcb_eom);
	put_msg(true, 1, 20, true, 0x22);
	F.irq_fn(F.irq_ctx);
	UT_EQ(fake_count(F_GHCB_MSR, HV_MSR_EOM), ghcb_eom + 1);
	UT_EQ(fake_count(F_WRMSR, HV_MSR_EOM), plain_eom + 1);
	put_msg(true, 1, 8, false, 0x33);            /* not pending: no EOM */
	F.irq_fn(F.irq_ctx);
	UT_EQ(fake_count(F_GHCB_MSR, HV_MSR_EOM), ghcb_eom + 1);
	put_msg(false, 1, 241, false, 0x44);         /* oversized: dropped, slot freed */
	F.irq_fn(F.irq_ctx);
	put_msg(false, 0x80000010u, 16, false, 0x55); /* timer message: dropped */
	F.irq_fn(F.irq_ctx);
	UT_EQ(u32at((const uint8_t *)(uintptr_t)slot(false)), 0);
	uint8_t b[240];
	UT_EQ(synic_recv(b, sizeof(b), 0), 12);
	UT_EQ(b[0], 0x11);
	UT_EQ(b[11], 0x11);
	UT_EQ(synic_recv(b, sizeof(b), 0), 20);
	UT_EQ(b[0], 0x22);
	UT_EQ(synic_recv(b, sizeof(b), 0), 8);
	UT_EQ(synic_recv(b, sizeof(b), 0), UMBRA_ETIMEDOUT);
	uint64_t t0 = F.now;
	UT_EQ(synic_recv(b, sizeof(b), 5000000), UMBRA_ETIMEDOUT);
	UT_CHECK(F.now - t0 >= 5000000);
	struct synic_stats st;
	synic_get_stats(&st);
	UT_EQ(st.msgs, 3);
	UT_EQ(st.msgs_dropped, 2);
	UT_CHECK(strstr(last_trace, "dir=h2g synic=hv route=- conn=0 msgtype=858993459 hex=3333333333333333") != NULL);
	/* a full private queue leaves the message in its slot (nothing lost) */
	for (int i = 0; i < 64; i++) {
		put_msg(false, 1, 8, false, (uint8_t)i);
		synic_poll();
	}
	put_msg(false, 1, 8, false, 0xEE);
	synic_poll();
	UT_EQ(u32at((const uint8_t *)(uintptr_t)slot(false)), 1);
	UT_EQ(synic_recv(b, sizeof(b), 0), 8);
	UT_EQ(b[0], 0);
	synic_poll();
	UT_EQ(u32at((const uint8_t *)(uintptr_t)slot(false)), 0);
}

/* Event flags: both SIEFPs, bit = relid, bit 0 ignored, bits consumed once. */
static void t_isr_events(void)
{
	UT_REQUIRE(up(2, true));
	uint8_t *hv = (uint8_t *)hw_phys_to_virt(F.hv_msr[0x82] & ~0xFFFull) + 512;
	uint8_t *pv = (uint8_t *)hw_phys_to_virt(F.pv_msr[0x82] & ~0xFFFull) + 512;
	hv[0] = 0x21;            /* relid 0 (ignored) and 5 */
	hv[255] = 0x80;          /* relid 2047 */
	pv[1] = 0x02;            /* relid 9 */
	F.irq_fn(F.irq_ctx);
	UT_EQ(nevents, 3);
	UT_EQ(events[0], 5);
	UT_EQ(events[1], 2047);
	UT_EQ(events[2], 9);
	UT_EQ(hv[0] | hv[255] | pv[1], 0);
	F.irq_fn(F.irq_ctx);
	UT_EQ(nevents, 3);
	/* the SINT2 bitmap only: other SINTs' bits are not ours */
	((uint8_t *)hw_phys_to_virt(F.hv_msr[0x82] & ~0xFFFull))[256] = 0xFF;
	F.irq_fn(F.irq_ctx);
	UT_EQ(nevents, 3);
}

/* 0x00DB: 510 PFNs per call, partial completion continued from reps done. */
static void t_visibility(void)
{
	UT_REQUIRE(up(2, true));
	int before = fake_count(F_HCALL, 0);
	F.vis_partial = 200;
	UT_EQ(synic_set_visibility(0x200000, 1000, true, NULL), 0);
	int calls = fake_count(F_HCALL, 0) - before;
	UT_EQ(calls, 3);                       /* 510 (200 then 310), then 490 */
	const struct fake_exit *e = &F.log[F.nlog - 3];
	UT_EQ(e->control & 0xFFFF, 0xDB);
	UT_EQ((e->control >> 32) & 0xFFF, 510);
	UT_EQ(e->control >> 48, 0);
	UT_EQ(u64at(e->input), 0xFFFFFFFFFFFFFFFFull);
	UT_EQ(u32at(e->input + 8), 3);
	UT_EQ(u64at(e->input + 16), 0x200);
	e = &F.log[F.nlog - 2];
	UT_EQ(e->control >> 48, 200);
	e = &F.log[F.nlog - 1];
	UT_EQ((e->control >> 32) & 0xFFF, 490);
	UT_EQ(u64at(e->input + 16), 0x200 + 510);
	UT_EQ(synic_set_visibility(0x200000, 1, false, NULL), 0);
	UT_EQ(u32at(F.log[F.nlog - 1].input + 8), 0);
	UT_EQ(synic_set_visibility(0x200001, 1, true, NULL), UMBRA_EINVAL);
	UT_EQ(synic_set_visibility(0x200000 | F.boundary, 1, true, NULL), UMBRA_EINVAL);
	UT_EQ(synic_set_visibility(0x200000, 0, true, NULL), UMBRA_EINVAL);
	F.hcall_status = 5;
	uint64_t done = 99;
	UT_EQ(synic_set_visibility(0x200000, 1, false, &done), UMBRA_EIO);
	UT_EQ(done, 0);
	F.hcall_status = 0;
	/* failing in the second batch after 40 reps: 510 + 40 pages changed */
	F.vis_fail_in = 2;
	F.vis_fail_reps = 40;
	UT_EQ(synic_set_visibility(0x200000, 1000, true, &done), UMBRA_EIO);
	UT_EQ(done, 550);
	F.vis_fail_in = 2;
	UT_EQ(synic_set_visibility(0x200000, 1000, false, &done), UMBRA_EIO);
	UT_EQ(done, 550);
	UT_EQ(synic_set_visibility(0x200000, 1000, true, &done), 0);
	UT_EQ(done, 1000);
	/* no isolation: nothing to do, no hypercall */
	UT_REQUIRE(up(1, false));
	before = fake_count(F_HCALL, 0);
	UT_EQ(synic_set_visibility(0x200000, 4, true, NULL), 0);
	UT_EQ(fake_count(F_HCALL, 0), before);
}

static int freed;
static void p_free(uint64_t gpa) { (void)gpa; freed++; }

/* A bring-up that fails half way (no hypervisor SIMP provided) is undone by shutdown:
 * hypercall page disabled, SINT2 masked, every page given back. */
static void t_init_failure(void)
{
	synic_shutdown();
	fake_init(2);
	F.hv_msr[0x83] = 0;
	struct synic_pages pg = { .alloc = p_alloc, .free = p_free };
	UT_EQ(synic_detect(&CFG), 0);
	freed = 0;
	/* refused (no page at all), and no host-visible page of our own to use instead */
	UT_EQ(synic_init(&CFG, &pg, true), UMBRA_ENOTSUP);
	UT_CHECK(!synic_confidential());
	synic_shutdown();
	UT_EQ(freed, 2);                                   /* hypercall page + input page */
	UT_EQ(fake_last(F_WRMSR, HV_MSR_HYPERCALL)->value, 0);
	UT_EQ(fake_last(F_WRMSR, HV_MSR_SINT0 + 2)->value, HV_SINT_MASKED);
	synic_shutdown();
	UT_EQ(freed, 2);                                   /* nothing twice */
	/* a GHCB MSR that is not a page address: refused before anything is touched */
	fake_init(2);
	F.ghcb_msr |= 0x12;
	UT_EQ(synic_detect(&CFG), 0);
	int n = F.nlog;
	UT_EQ(synic_init(&CFG, &pg, true), UMBRA_EIO);
	UT_EQ(F.nlog, n);
}

/* The host must not speak for the paravisor (docs/vmbus.md, "Who may speak"): on a
 * confidential connection the host writes into the hypervisor SIMP: dropped unread (slot
 * freed, EOM sent so the host's queue moves), counted, logged once; the paravisor's
 * messages still arrive. After the fallback the hypervisor SIMP is the legitimate
 * source. */
static char last_log[200];
static int nlog;
static void on_log(const char *l) { snprintf(last_log, sizeof(last_log), "%s", l); nlog++; }

static void t_untrusted_source(void)
{
	UT_REQUIRE(up(2, true));
	synic_set_log(on_log);
	nlog = 0;
	int ghcb_eom = fake_count(F_GHCB_MSR, HV_MSR_EOM);
	put_msg(true, 1, 24, true, 0x66);            /* forged by the host */
	F.irq_fn(F.irq_ctx);
	UT_EQ(u32at((const uint8_t *)(uintptr_t)slot(true)), 0);
	UT_EQ(fake_count(F_GHCB_MSR, HV_MSR_EOM), ghcb_eom + 1);
	put_msg(true, 1, 24, false, 0x67);
	synic_poll();
	put_msg(false, 1, 12, false, 0x11);          /* the paravisor's */
	F.irq_fn(F.irq_ctx);
	uint8_t b[240];
	UT_EQ(synic_recv(b, sizeof(b), 0), 12);
	UT_EQ(b[0], 0x11);
	UT_EQ(synic_recv(b, sizeof(b), 0), UMBRA_ETIMEDOUT);
	struct synic_stats st;
	synic_get_stats(&st);
	UT_EQ(st.msgs_untrusted, 2);
	UT_EQ(st.msgs, 1);
	UT_EQ(nlog, 1);
	UT_CHECK(strstr(last_log, "hypervisor SIMP") != NULL);
	put_msg(true, 1, 24, false, 0x68);
	synic_poll();
	UT_EQ(synic_recv(b, sizeof(b), 0), UMBRA_ETIMEDOUT);
	UT_EQ(nlog, 1);                              /* logged once */
	/* TDX: the same rule */
	UT_REQUIRE(up(3, true));
	put_msg(true, 1, 24, false, 0x69);
	synic_poll();
	UT_EQ(synic_recv(b, sizeof(b), 0), UMBRA_ETIMEDOUT);
	/* fallback: the hypervisor SynIC is now the legitimate source */
	UT_EQ(synic_fallback(), 0);
	put_msg(true, 1, 24, false, 0x6A);
	synic_poll();
	UT_EQ(synic_recv(b, sizeof(b), 0), 24);
	UT_EQ(b[0], 0x6A);
	synic_set_log(NULL);
}

/* Host-named SynIC pages (docs/vmbus.md, "Who may speak"): hypervisor SIMP/SIEFP
 * addresses the host names through the untrusted route are refused unless they can be
 * nothing of ours; we then program host-visible pages of our own, and never touch the
 * named page. */
static uint64_t priv_lo, priv_hi;
static bool is_priv(uint64_t gpa) { return gpa >= priv_lo && gpa < priv_hi; }
static uint64_t shared_next;
static int p_shared(uint64_t *gpa, void **va)
{
	*gpa = shared_next;
	shared_next += 4096;
	*va = hw_phys_to_virt(*gpa | F.boundary);
	memset(*va, 0, 4096);
	return 0;
}
static int shared_freed;
static void p_shared_free(uint64_t gpa) { (void)gpa; shared_freed++; }

/* a page of ours: from p_shared, programmed by its shared alias */
static bool ours(uint64_t msr)
{
	uint64_t g = msr & ~0xFFFull & ~F.boundary;
	return g >= FAKE_RAM_BASE + 100 * 4096ull && g < shared_next && (msr & F.boundary);
}

static void t_host_pages(void)
{
	static const struct synic_pages pg = {
		.alloc = p_alloc, .shared_alloc = p_shared, .shared_free = p_shared_free,
		.is_private_ram = is_priv,
	};
	for (int plat = 2; plat <= 3; plat++) {
		for (int lie = 0; lie < 5; lie++) {
			synic_shutdown();
			fake_init(plat);
			synic_set_log(on_log);
			nlog = 0;
			shared_freed = 0;
			/* "private RAM" = the first 64 fake pages; shared pages come from above */
			priv_lo = FAKE_RAM_BASE + 8 * 4096ull;  /* after the fake's own pages */
			priv_hi = FAKE_RAM_BASE + 64 * 4096ull;
			shared_next = FAKE_RAM_BASE + 100 * 4096ull;
			uint64_t victim = FAKE_RAM_BASE + 40 * 4096ull;
			memset(hw_phys_to_virt(victim), 0x5A, 4096);
			uint64_t host_simp = F.hv_msr[0x83];
			switch (lie) {
			case 0: F.hv_msr[0x83] = host_simp & ~0xFFFull; break;  /* fine: outside our RAM */
			case 1: F.hv_msr[0x83] = victim | F.boundary | 1; break;   /* our private page */
			case 2: F.hv_msr[0x83] = victim | 1; break;                /* same, low alias */
			case 3: F.hv_msr[0x83] = (host_simp & ~0xFFFull) | 0x10; break; /* reserved bits */
			case 4: F.hv_msr[0x83] = F.hv_msr[0x82]; break;            /* same page as SIEFP */
			}
			UT_EQ(synic_detect(&CFG), 0);
			UT_REQUIRE(synic_init(&CFG, &pg, true) == 0);
			struct synic_stats st;
			synic_get_stats(&st);
			uint64_t prog = F.hv_msr[0x83];
			if (lie == 0) {
				UT_EQ(st.hv_pages_refused, 0);
				UT_EQ(prog & ~0xFFFull & ~F.boundary, host_simp & ~0xFFFull & ~F.boundary);
				UT_EQ(nlog, 0);
			} else if (lie == 4) {
				/* SIEFP named the SIMP's page: the SIEFP is ours */
				UT_EQ(st.hv_pages_refused, 1);
				UT_CHECK(ours(F.hv_msr[0x82]));
				UT_EQ(nlog, 1);
				UT_CHECK(strstr(last_log, "SIEFP") != NULL);
			} else {
				UT_EQ(st.hv_pages_refused, 1);
				UT_CHECK(ours(prog));
				UT_EQ(prog & F.boundary, F.boundary);     /* given by its shared alias */
				UT_EQ(nlog, 1);
				UT_CHECK(strstr(last_log, "SIMP") != NULL);
			}
			UT_EQ(prog & 1, 1);
			UT_EQ(F.hv_msr[0x80] & 1, 1);                /* hypervisor SCONTROL enabled */
			/* a host message arrives in the page we programmed after the fallback */
			UT_EQ(synic_fallback(), 0);
			uint8_t *pgv = hw_phys_to_virt(prog & ~0xFFFull);
			uint8_t m[256] = { 1, 0, 0, 0, 8 };
			memset(m + 16, 0x77, 8);
			memcpy(pgv + 512, m, 256);
			synic_poll();
			uint8_t b[240];
			UT_EQ(synic_recv(b, sizeof(b), 0), 8);
			/* the victim page was never written */
			const uint8_t *vv = hw_phys_to_virt(victim);
			int bad = 0;
			for (int i = 0; i < 4096; i++)
				bad += vv[i] != 0x5A;
			UT_EQ(bad, 0);
			/* teardown: hypervisor SynIC disabled, our pages given back */
			synic_shutdown();
			UT_EQ(F.hv_msr[0x83] & 1, 0);
			UT_EQ(F.hv_msr[0x82] & 1, 0);
			UT_EQ(F.hv_msr[0x90 + 2] & HV_SINT_MASKED, HV_SINT_MASKED);
			UT_EQ(F.hv_msr[0x80] & 1, 0);
			UT_EQ(shared_freed, (lie == 0 ? 0 : 1) + (plat == 3)); /* + TDX input page */
		}
	}
	synic_set_log(NULL);
}

/* SynIC bring-up (docs/vmbus.md, "SynIC (synic/)"; Linux arch/x86/hyperv/ivm.c
 * hv_ghcb_negotiate_protocol): GHCB version negotiated by SEV_INFO before the GHCB page
 * is used, the GHCB MSR restored; the version written is the negotiated one; a
 * hypervisor that speaks no version of ours stops the bring-up. VP index read for
 * InitiateContact. An unfilled hypercall page stops the bring-up. */
static void t_ghcb_negotiation(void)
{
	UT_REQUIRE(up(2, true));
	int first_proto = -1, first_page = -1;
	for (int i = 0; i < F.nlog; i++) {
		if (F.log[i].kind == F_GHCB_PROTO && first_proto < 0)
			first_proto = i;
		if ((F.log[i].kind == F_GHCB_MSR || F.log[i].kind == F_GHCB_HCALL) && first_page < 0)
			first_page = i;
	}
	UT_CHECK(first_proto >= 0 && first_page > first_proto);
	UT_EQ(F.log[first_proto].value, 0x002);
	UT_EQ(F.ghcb_msr, F.ghcb_gpa | F.boundary);             /* restored */
	uint16_t ver;
	memcpy(&ver, (uint8_t *)hw_phys_to_virt(F.ghcb_gpa) + 0xFFA, 2);
	UT_EQ(ver, 2);
	/* a hypervisor offering only version 1 gets version 1 */
	synic_shutdown();
	fake_init(2);
	F.sev_info = 0x001 | (1ull << 48) | (1ull << 32) | (51ull << 24);
	UT_EQ(synic_detect(&CFG), 0);
	UT_EQ(synic_init(&CFG, &PAGES, true), 0);
	UT_EQ(synic_signal(5), 0);
	memcpy(&ver, (uint8_t *)hw_phys_to_virt(F.ghcb_gpa) + 0xFFA, 2);
	UT_EQ(ver, 1);
	/* only versions 3..4, or a wrong answer: refused before any page exit */
	uint64_t bad[] = { 0x001 | (4ull << 48) | (3ull << 32), 0x005 | (2ull << 48) | (1ull << 32) };
	for (int k = 0; k < 2; k++) {
		synic_shutdown();
		fake_init(2);
		F.sev_info = bad[k];
		UT_EQ(synic_detect(&CFG), 0);
		UT_CHECK(synic_init(&CFG, &PAGES, true) < 0);
		UT_EQ(fake_count(F_GHCB_MSR, 0) + fake_count(F_GHCB_HCALL, 0), 0);
		synic_shutdown();
	}
	/* VP index */
	synic_shutdown();
	fake_init(2);
	F.vp_index = 5;
	UT_EQ(synic_detect(&CFG), 0);
	UT_EQ(synic_init(&CFG, &PAGES, true), 0);
	UT_EQ(synic_vp_index(), 5);
	/* an unfilled hypercall page */
	for (int plat = 1; plat <= 3; plat++) {
		synic_shutdown();
		fake_init(plat);
		F.hypercall_unfilled = true;
		UT_EQ(synic_detect(&CFG), 0);
		UT_EQ(synic_init(&CFG, &PAGES, plat != 1), UMBRA_EIO);
		synic_shutdown();
	}
}

static void t_not_up(void)
{
	fake_init(2);
	synic_shutdown();
	uint8_t b[8] = { 0 };
	UT_EQ(synic_post(true, 4, b, 8), 7);
	UT_EQ(synic_signal(4), 7);
	UT_EQ(synic_recv(b, 8, 0), UMBRA_ENODEV);
	UT_EQ(synic_recv(NULL, 8, 0), UMBRA_EINVAL);
	UT_EQ(synic_init(NULL, &PAGES, true), UMBRA_EINVAL);
	struct synic_config c = { 0 };
	UT_EQ(synic_init(&c, &PAGES, true), UMBRA_ENODEV);
	UT_EQ(synic_fallback(), UMBRA_EINVAL);
}

int main(void)
{
	UT_RUN(t_detect);
	UT_RUN(t_detect_from_ident);
	UT_RUN(t_bringup_snp);
	UT_RUN(t_ghcb_msr_layout);
	UT_RUN(t_post_routes_snp);
	UT_RUN(t_signal_routes);
	UT_RUN(t_tdx_routes);
	UT_RUN(t_isr_messages);
	UT_RUN(t_isr_events);
	UT_RUN(t_visibility);
	UT_RUN(t_init_failure);
	UT_RUN(t_untrusted_source);
	UT_RUN(t_host_pages);
	UT_RUN(t_ghcb_negotiation);
	UT_RUN(t_not_up);
	return UT_DONE();
}
