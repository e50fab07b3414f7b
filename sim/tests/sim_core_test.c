/* Simulator core against the reference facts: CPUID, memory and 0x00DB, MSRs, SynIC
 * routing and queues, GHCB, TDX, status codes, the leak checker, determinism. */
#include "sim/tests/test_util.h"

static bool is_cv(int p) { return p == SIM_SNP_PARAVISOR || p == SIM_TDX_PARAVISOR; }
static bool is_pvz(int p) { return p >= SIM_SNP_PARAVISOR && p <= SIM_TDX_LEGACY_PARAVISOR; }

static void t_cpuid_per_config(void)
{
	for (int p = 0; p < SIM_PLATFORM_COUNT; p++) {
		tu_config(p);
		TU_REQ(tu_start() == 0);
		uint32_t r[4];
		bool hv = p == SIM_HYPERV || is_pvz(p);
		hw_cpuid(0x40000000, 0, r);
		UT_EQ(memcmp(&r[1], "Micr", 4) == 0, hv);
		UT_EQ(memcmp(&r[3], "t Hv", 4) == 0, hv);
		if (hv)
			UT_CHECK(r[0] >= 0x4000000C);
		hw_cpuid(0x40000003, 0, r);
		UT_EQ((r[1] >> 22) & 1, is_pvz(p));
		hw_cpuid(0x4000000C, 0, r);
		UT_EQ(r[0] & 1, is_pvz(p));
		if (is_pvz(p)) {
			bool snp = p == SIM_SNP_PARAVISOR || p == SIM_SNP_LEGACY_PARAVISOR;
			UT_EQ(r[1] & 0xF, snp ? 2 : 3);
			UT_EQ((r[1] >> 5) & 1, 1);
			UT_EQ(1ull << ((r[1] >> 6) & 0x3F), sim_shared_boundary());
		}
		hw_cpuid(0x40000082, 0, r);
		UT_EQ((r[0] >> 3) & 1, is_cv(p));
		hw_cpuid(0x40000081, 0, r);
		UT_EQ(r[0] == 0x31235356, hv);
		hw_cpuid(0x21, 0, r);
		UT_EQ(memcmp(&r[1], "Inte", 4) == 0, p == SIM_TDX);
		hw_cpuid(0x8000001F, 0, r);
		UT_EQ((r[0] >> 4) & 1, p == SIM_SNP);
		UT_CHECK(sim_ok());
	}
}

static void t_phys_alias_and_visibility_state(void)
{
	tu_config(SIM_TDX_PARAVISOR);
	TU_REQ(tu_start() == 0);
	uint64_t gpa, n, b = sim_shared_boundary();
	TU_REQ(sim_ram_free_range(&gpa, &n) == 0);
	UT_EQ(b, 1ull << 47);
	UT_CHECK(hw_phys_to_virt(gpa) != NULL);
	UT_CHECK(hw_phys_to_virt(gpa) == hw_phys_to_virt(gpa | b));
	UT_EQ(hw_virt_to_phys(hw_phys_to_virt(gpa | b)), gpa);
	UT_CHECK(hw_phys_to_virt(0) == NULL);
	UT_EQ(sim_page_visibility(gpa), SIM_VIS_PRIVATE);
	/* Platform pages (GHCB, hypervisor SIMP/SIEFP) are host-visible. */
	uint64_t pp, pn;
	TU_REQ(sim_platform_pages(&pp, &pn) == 0);
	UT_EQ(sim_page_visibility(pp), SIM_VIS_SHARED);
	tu_config(SIM_HYPERV);
	TU_REQ(tu_start() == 0);
	UT_EQ(sim_page_visibility(gpa), SIM_VIS_SHARED);
	UT_EQ(sim_shared_boundary(), 0);
}

static uint64_t vis_call(struct sg *g, enum sg_route r, uint64_t part, uint32_t vis, const uint64_t *pfns,
	unsigned count, unsigned start)
{
	static uint8_t buf[4096];
	memcpy(buf, &part, 8);
	uint64_t v = vis;
	memcpy(buf + 8, &v, 8);
	memcpy(buf + 16, pfns, 8ull * (count > 510 ? 510 : count));
	uint64_t ctl = HVC_MODIFY_VISIBILITY | ((uint64_t)count << 32) | ((uint64_t)start << 48);
	size_t len = 16 + 8ull * count;
	return sg_hcall(g, r, ctl, buf, len > 4096 ? 4096 : len);
}

static void t_visibility_hypercall_0xdb(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint64_t base = sg_alloc(&g, 520);
	TU_REQ(base);
	static uint64_t pfns[512];
	for (int i = 0; i < 512; i++)
		pfns[i] = (base >> 12) + i;
	struct sim_stats st0, st1;
	sim_get_stats(&st0);
	/* 510 reps in one call: success, 510 completed. */
	uint64_t r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3, pfns, 510, 0);
	UT_EQ(r & 0xFFFF, HVS_SUCCESS);
	UT_EQ((r >> 32) & 0xFFF, 510);
	UT_EQ(sim_page_visibility(base), SIM_VIS_SHARED);
	UT_EQ(sim_page_visibility(base + 509 * 4096ull), SIM_VIS_SHARED);
	UT_EQ(sim_page_visibility(base + 510 * 4096ull), SIM_VIS_PRIVATE);
	sim_get_stats(&st1);
	UT_EQ(st1.visibility_calls - st0.visibility_calls, 1);
	UT_EQ(st1.visibility_pages - st0.visibility_pages, 510);
	/* 511 reps does not fit the input page. */
	r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3, pfns, 511, 0);
	UT_EQ(r & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	/* Partition id must be -1 (self): AccessDenied (hardware_cvm modify_gpa_visibility). */
	r = vis_call(&g, SG_DIRECT, 0, 0, pfns, 1, 0);
	UT_EQ(r & 0xFFFF, HVS_ACCESS_DENIED);
	UT_EQ((r >> 32) & 0xFFF, 0);
	/* Visibility 1 (read-only) is not supported. */
	r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 1, pfns, 1, 0);
	UT_EQ(r & 0xFFFF, HVS_INVALID_PARAMETER);
	/* A PFN with the vTOM bit is not guest RAM: every page is checked first, the whole
	 * call fails with OperationDenied, 0 reps, nothing changed (underhill_mem
	 * change_host_visibility). */
	uint64_t bad[3] = { pfns[0], (sim_shared_boundary() >> 12) | pfns[1], pfns[2] };
	r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 0, bad, 3, 0);
	UT_EQ(r & 0xFFFF, HVS_OPERATION_DENIED);
	UT_EQ((r >> 32) & 0xFFF, 0);
	UT_EQ(sim_page_visibility(base), SIM_VIS_SHARED);
	UT_EQ(sim_page_visibility(base + 4096), SIM_VIS_SHARED);
	/* With a rep start, the failure reports rep_start + 0 (RepHypercall::run). */
	r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 0, bad, 3, 1);
	UT_EQ(r & 0xFFFF, HVS_OPERATION_DENIED);
	UT_EQ((r >> 32) & 0xFFF, 1);
	UT_EQ(sim_page_visibility(base + 2 * 4096), SIM_VIS_SHARED);
	/* Now make page 0 private again so the rep-start call below finds the same state. */
	r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 0, pfns, 1, 0);
	UT_EQ(r & 0xFFFF, HVS_SUCCESS);
	/* Rep start is honoured. */
	r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 0, pfns, 3, 2);
	UT_EQ(r & 0xFFFF, 0);
	UT_EQ((r >> 32) & 0xFFF, 3);
	UT_EQ(sim_page_visibility(base + 4096), SIM_VIS_SHARED);
	UT_EQ(sim_page_visibility(base + 2 * 4096), SIM_VIS_PRIVATE);
	/* Not on the untrusted route. */
	r = vis_call(&g, SG_BYPASS, HV_PARTITION_SELF, 3, pfns, 1, 0);
	UT_EQ(r & 0xFFFF, HVS_INVALID_HYPERCALL_CODE);
	/* Contents do not survive a visibility change. */
	uint8_t *p = hw_phys_to_virt((base + 100 * 4096ull) | sim_shared_boundary());
	memset(p, 0x5A, 4096);
	UT_EQ(sg_visibility(&g, base + 100 * 4096ull, 1, false), 0); /* shared -> private */
	UT_CHECK(p[0] != 0x5A || p[1] != 0x5A || p[2] != 0x5A);
	UT_CHECK(sim_ok());
	/* A host-visible page must be reached through GPA|boundary: its private alias is a
	 * guest error (an encrypted access to a shared page on the hardware). */
	UT_CHECK(hw_phys_to_virt(base + 4096) != NULL);   /* shared since the rep-start call */
	UT_CHECK(!sim_ok());
	UT_CHECK(strstr(sim_last_problem(), "private alias") != NULL);
	/* And a private page is not reached through the shared alias (a shared access the
	 * hardware does not map to the private page). */
	struct sim_stats ge0, ge1;
	sim_get_stats(&ge0);
	UT_CHECK(hw_phys_to_virt((base + 2 * 4096) | sim_shared_boundary()) != NULL);
	sim_get_stats(&ge1);
	UT_EQ(ge1.guest_errors, ge0.guest_errors + 1);
	UT_CHECK(strstr(sim_last_problem(), "shared alias") != NULL);
	/* No paravisor: 0xDB is refused. */
	tu_config(SIM_HYPERV);
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_init(&g, false) == 0);
	r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3, pfns, 1, 0);
	UT_EQ(r & 0xFFFF, HVS_ACCESS_DENIED);
}

static void t_synic_msr_semantics(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	UT_EQ(hw_rdmsr(MSR_SVERSION), 1);
	UT_EQ(hw_rdmsr(MSR_SCONTROL) & 1, 1);
	UT_EQ(hw_rdmsr(MSR_SINT0 + 2) & SINT_MASKED, SINT_MASKED);
	UT_EQ(hw_rdmsr(MSR_EOM), 0);
	UT_CHECK(sim_ok());
	hw_wrmsr(MSR_SVERSION, 2); /* read-only: #GP */
	struct sim_stats st;
	sim_get_stats(&st);
	UT_EQ(st.faults, 1);
	/* The paravisor SIMP must be a private page. */
	sim_reset_stats();
	uint64_t pp, pn;
	TU_REQ(sim_platform_pages(&pp, &pn) == 0);
	hw_wrmsr(MSR_SIMP, pp | 1);
	sim_get_stats(&st);
	UT_EQ(st.faults, 1);
	UT_EQ(hw_rdmsr(MSR_SIMP), 0);
	/* Hypervisor SIMP/SIEFP are preset, enabled, with the vTOM bit. */
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint64_t v = 0;
	UT_CHECK(sg_hv_rdmsr(&g, MSR_SIMP, &v));
	UT_EQ(v & 1, 1);
	UT_CHECK(v & sim_shared_boundary());
	UT_EQ(sim_page_visibility(v & ~0xFFFull), SIM_VIS_SHARED);
	/* Hypercall page: enable is ignored without a guest OS id. */
	tu_config(SIM_HYPERV);
	TU_REQ(tu_start() == 0);
	uint64_t fr, n;
	sim_ram_free_range(&fr, &n);
	hw_wrmsr(MSR_HYPERCALL, fr | 1);
	UT_EQ(hw_rdmsr(MSR_HYPERCALL) & 1, 0);
	sim_reset_stats();
	hw_hypercall(hw_phys_to_virt(fr), HVC_SIGNAL_EVENT | HVC_FAST, 1, 0);
	sim_get_stats(&st);
	UT_EQ(st.faults, 1);
	/* No Hyper-V at all: synthetic MSRs #GP. */
	tu_config(SIM_NONE);
	TU_REQ(tu_start() == 0);
	hw_rdmsr(MSR_SIMP);
	sim_get_stats(&st);
	UT_EQ(st.faults, 1);
}

static uint8_t *ghcb_page(uint64_t *gpa)
{
	*gpa = hw_rdmsr(MSR_GHCB);
	return hw_phys_to_virt(*gpa);
}

static void t_ghcb_msr_protocol(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	uint64_t gpa;
	ghcb_page(&gpa);
	UT_CHECK(gpa & sim_shared_boundary());
	UT_EQ(sim_page_visibility(gpa), SIM_VIS_SHARED);
	hw_wrmsr(MSR_GHCB, 0x002);
	hw_vmgexit();
	uint64_t v = hw_rdmsr(MSR_GHCB);
	UT_EQ(v & 0xFFF, 0x001);
	UT_EQ(v >> 48, 2);
	UT_EQ((v >> 32) & 0xFFFF, 1);
	UT_EQ((v >> 24) & 0xFF, 51);
	hw_wrmsr(MSR_GHCB, 0x080);
	hw_vmgexit();
	v = hw_rdmsr(MSR_GHCB);
	UT_EQ(v & 0xFFF, 0x081);
	UT_EQ((v >> 12) & 1, 1);
	/* Registering the provided page (either alias) echoes the GFN; another page fails. */
	hw_wrmsr(MSR_GHCB, (gpa & ~0xFFFull) | 0x012);
	hw_vmgexit();
	v = hw_rdmsr(MSR_GHCB);
	UT_EQ(v & 0xFFF, 0x013);
	UT_EQ(v >> 12, gpa >> 12);
	hw_wrmsr(MSR_GHCB, ((gpa + 8 * 4096) & ~0xFFFull) | 0x012);
	hw_vmgexit();
	v = hw_rdmsr(MSR_GHCB);
	UT_EQ(v >> 12, 0xFFFFFFFFFFFFFull);
	/* PSC through the MSR protocol is refused when the paravisor owns page state. */
	uint64_t fr, n;
	sim_ram_free_range(&fr, &n);
	hw_wrmsr(MSR_GHCB, 0x014 | (2ull << 52) | fr);
	hw_vmgexit();
	v = hw_rdmsr(MSR_GHCB);
	UT_EQ(v & 0xFFF, 0x015);
	UT_CHECK((v >> 32) != 0);
	UT_EQ(sim_page_visibility(fr), SIM_VIS_PRIVATE);
	UT_CHECK(sim_ok());
	/* Termination request. */
	hw_wrmsr(MSR_GHCB, 0x100 | (1ull << 12) | (4ull << 16));
	hw_vmgexit();
	struct sim_termination t;
	sim_termination(&t);
	UT_CHECK(t.terminated);
	UT_EQ(t.reason_set, 1);
	UT_EQ(t.reason_code, 4);
	UT_CHECK(!sim_ok());
	/* Fully enlightened SNP: PSC changes page state. */
	tu_config(SIM_SNP);
	TU_REQ(tu_start() == 0);
	hw_wrmsr(MSR_GHCB, 0x014 | (2ull << 52) | fr);
	hw_vmgexit();
	UT_EQ(hw_rdmsr(MSR_GHCB) >> 32, 0);
	UT_EQ(sim_page_visibility(fr), SIM_VIS_SHARED);
}

static void t_ghcb_page_valid_bitmap_and_usage(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	uint64_t gpa, v;
	TU_REQ(sg_ghcb_negotiate(NULL) == 2);
	uint8_t *p = ghcb_page(&gpa);
	/* MSR exit without RCX marked valid: EXITINFO1 = 2, EXITINFO2 = 4 (missing input). */
	memset(p, 0, 4096);
	uint64_t code = 0x7C, zero = 0;
	memcpy(p + 0x390, &code, 8);
	memcpy(p + 0x398, &zero, 8);
	p[0x3F0 + 0x390 / 64] |= (uint8_t)(1u << ((0x390 / 8) % 8));
	p[0x3F0 + 0x398 / 64] |= (uint8_t)(1u << ((0x398 / 8) % 8));
	p[0x3F0 + 0x3A0 / 64] |= (uint8_t)(1u << ((0x3A0 / 8) % 8));
	uint16_t ver = 2;
	memcpy(p + 0xFFA, &ver, 2);
	hw_vmgexit();
	memcpy(&v, p + 0x398, 8);
	UT_EQ(v, 2);
	memcpy(&v, p + 0x3A0, 8);
	UT_EQ(v, 4);
	/* Usage 2 is not a Hyper-V hypercall: invalid usage. */
	uint32_t usage = 2;
	memcpy(p + 0xFFC, &usage, 4);
	hw_vmgexit();
	memcpy(&v, p + 0x3A0, 8);
	UT_EQ(v, 2);
	/* Protocol version 0 is rejected. */
	usage = 1;
	ver = 0;
	memcpy(p + 0xFFC, &usage, 4);
	memcpy(p + 0xFFA, &ver, 2);
	hw_vmgexit();
	memcpy(&v, p + 0x398, 8);
	UT_EQ(v, 2);
	/* A VMGEXIT with another page in the MSR is a GhcbMisconfiguration. */
	struct sim_stats st;
	sim_reset_stats();
	hw_wrmsr(MSR_GHCB, gpa + 4096);
	hw_vmgexit();
	sim_get_stats(&st);
	UT_EQ(st.faults, 1);
	hw_wrmsr(MSR_GHCB, gpa);
	/* A well-formed MSR read through the GHCB works (hypervisor SIEFP preset). */
	struct sg g;
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_init(&g, false) == 0);
	UT_CHECK(sg_hv_rdmsr(&g, MSR_SIEFP, &v));
	UT_EQ(v & 1, 1);
	/* Non-synthetic MSR via the GHCB: #GP injection request (EXITINFO1 = 1). */
	UT_CHECK(!sg_hv_rdmsr(&g, 0x1B, &v));
	UT_CHECK(sim_ok());
}

static void t_tdx_tdcall(void)
{
	tu_config(SIM_TDX_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct hw_tdcall_regs r;
	memset(&r, 0, sizeof(r));
	r.rax = 1;
	UT_EQ(hw_tdcall(&r), 0);
	UT_EQ(r.rcx & 0x3F, 48);
	UT_EQ(1ull << ((r.rcx & 0x3F) - 1), sim_shared_boundary());
	UT_CHECK(r.rdx & (1ull << 28));
	UT_EQ(r.r8, 1ull | (1ull << 32));   /* NUM_VCPUS [31:0], MAX_VCPUS [63:32] */
	UT_EQ(r.r9, 0);                     /* VCPU_INDEX */
	/* A GHCI sub-function the paravisor does not handle: OPERAND_INVALID in R10. */
	memset(&r, 0, sizeof(r));
	r.rcx = 0xFFCC;
	r.r11 = 0x10002;   /* GetQuote */
	UT_EQ(hw_tdcall(&r), 0);
	UT_EQ(r.r10, 0x8000000000000000ull);
	/* RDMSR of the hypervisor SIMP: R10 = 0, R11 = 31. */
	memset(&r, 0, sizeof(r));
	r.rcx = 0xFFCC;
	r.r11 = 31;
	r.r12 = MSR_SIMP;
	UT_EQ(hw_tdcall(&r), 0);
	UT_EQ(r.r10, 0);
	UT_EQ(r.r11 & 1, 1);
	UT_CHECK(r.r11 & sim_shared_boundary());
	/* R12 not exposed in RCX: the VMM sees MSR 0 -> OPERAND_INVALID. */
	memset(&r, 0, sizeof(r));
	r.rcx = 0x0C00;
	r.r11 = 31;
	r.r12 = MSR_SIMP;
	hw_tdcall(&r);
	UT_EQ(r.r10, 0x8000000000000000ull);
	/* MapGPA is the paravisor's business here. */
	uint64_t fr, n;
	sim_ram_free_range(&fr, &n);
	memset(&r, 0, sizeof(r));
	r.rcx = 0xFFCC;
	r.r11 = 0x10001;
	r.r12 = fr | sim_shared_boundary();
	r.r13 = 4096;
	hw_tdcall(&r);
	UT_EQ(r.r10, 0x8000000000000000ull);
	UT_EQ(sim_page_visibility(fr), SIM_VIS_PRIVATE);
	/* Unknown leaf. */
	memset(&r, 0, sizeof(r));
	r.rax = 99;
	UT_CHECK(hw_tdcall(&r) != 0);
	UT_CHECK(sim_ok());
	/* Fully enlightened TDX: MapGPA converts. */
	tu_config(SIM_TDX);
	TU_REQ(tu_start() == 0);
	memset(&r, 0, sizeof(r));
	r.rcx = 0xFFCC;
	r.r11 = 0x10001;
	r.r12 = fr | sim_shared_boundary();
	r.r13 = 2 * 4096;
	hw_tdcall(&r);
	UT_EQ(r.r10, 0);
	UT_EQ(sim_page_visibility(fr + 4096), SIM_VIS_SHARED);
	/* ReportFatalError terminates. */
	memset(&r, 0, sizeof(r));
	r.rcx = 0xFFCC;
	r.r11 = 0x10003;
	r.r12 = 0x1234;
	hw_tdcall(&r);
	struct sim_termination t;
	sim_termination(&t);
	UT_CHECK(t.terminated);
	UT_EQ(t.tdx_error, 0x1234);
}

static void t_post_and_signal_status_codes(void)
{
	for (int p = SIM_HYPERV; p <= SIM_TDX_LEGACY_PARAVISOR; p++) {
		tu_config(p)->server_latency_ns = 1000000000ull; /* server never gets to run */
		TU_REQ(tu_start() == 0);
		struct sg g;
		TU_REQ(sg_init(&g, is_cv(p)) == 0);
		enum sg_route r = sg_msg_route(&g);
		struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
		UT_EQ(sg_post(&g, r, 7, &h, 8), HVS_INVALID_CONNECTION_ID);
		static uint8_t big[256] = { VM_REQUEST_OFFERS };
		UT_EQ(sg_post(&g, r, 1, big, 241), HVS_INVALID_PARAMETER);
		UT_EQ(sg_signal(&g, r, 0x2001), HVS_INVALID_CONNECTION_ID);
		for (int i = 0; i < SIM_SERVER_INBOX; i++)
			UT_EQ(sg_post(&g, r, (i & 1) ? 1 : 4, &h, 8), HVS_SUCCESS);
		UT_EQ(sg_post(&g, r, 1, &h, 8), HVS_INSUFFICIENT_BUFFERS);
		/* Misaligned slow input on the direct route. */
		struct hv_post_input *in = hw_phys_to_virt(g.post_page + 8);
		memset(in, 0, 200);
		uint64_t res = hw_hypercall(g.hcpage, HVC_POST_MESSAGE, g.post_page + 4, 0);
		UT_EQ(res & 0xFFFF, HVS_INVALID_ALIGNMENT);
		/* Crossing a page: Straddle -> 3 (hv1_hypercall support.rs check_buffer). */
		res = hw_hypercall(g.hcpage, HVC_POST_MESSAGE, g.post_page + 4000, 0);
		UT_EQ(res & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
		/* Not RAM: Access -> 3. */
		res = hw_hypercall(g.hcpage, HVC_POST_MESSAGE, 0x10000, 0);
		UT_EQ(res & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
		/* Unknown hypercall code. */
		res = hw_hypercall(g.hcpage, 0x7FF, g.post_page, 0);
		UT_EQ(res & 0xFFFF, HVS_INVALID_HYPERCALL_CODE);
		if (is_pvz(p)) {
			/* The untrusted route dispatches only PostMessage and SignalEvent. */
			uint64_t z = 0;
			UT_EQ(sg_hcall(&g, SG_BYPASS, 0x0050, &z, 8) & 0xFFFF, HVS_INVALID_HYPERCALL_CODE);
		}
		UT_CHECK(sim_ok());
	}
}

static void t_legacy_refuses_direct_post(void)
{
	for (int p = SIM_SNP_LEGACY_PARAVISOR; p <= SIM_TDX_LEGACY_PARAVISOR; p++) {
		tu_config(p);
		TU_REQ(tu_start() == 0);
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);
		struct vm_initiate m;
		tu_initiate(&m, VMV_COPPER, 0);
		m.features = VMF_CONFIDENTIAL;
		UT_EQ(sg_post(&g, SG_DIRECT, 1, &m, 40), HVS_INVALID_CONNECTION_ID);
		UT_EQ(sg_post(&g, SG_DIRECT, 4, &m, 40), HVS_INVALID_CONNECTION_ID);
		/* Fallback through the hypervisor works; no 0x10; reply on the hypervisor SIMP. */
		UT_EQ(sg_post(&g, SG_BYPASS, 1, &m, 40), HVS_SUCCESS);
		uint8_t b[240];
		uint32_t len;
		bool pv = true;
		UT_EQ(sg_recv(&g, b, &len, TU_WAIT, &pv), 0);
		UT_CHECK(!pv);
		UT_EQ(len, 20);
		UT_EQ(b[8], 1);
		UT_EQ(tu_u32(b, 16) & VMF_CONFIDENTIAL, 0);
		UT_CHECK(sim_ok());
	}
}

static void t_proxy_bit_routes_messages(void)
{
	for (int p = SIM_SNP_PARAVISOR; p <= SIM_TDX_PARAVISOR; p++) {
		for (int proxy = 0; proxy < 3; proxy++) {
			tu_config(p);
			TU_REQ(tu_start() == 0);
			struct sg g;
			TU_REQ(sg_init(&g, true) == 0);
			/* proxy 0: paravisor SIMP; 1: hypervisor SIMP; 2: masked paravisor SINT2, dropped */
			uint64_t sint = proxy == 0 ? g.vector : proxy == 1 ? (g.vector | SINT_PROXY) : SINT_MASKED;
			hw_wrmsr(MSR_SINT0 + 2, sint);
			uint8_t b[240];
			uint32_t len;
			struct sim_stats s0, s1;
			sim_get_stats(&s0);
			int rc = sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len);
			sim_get_stats(&s1);
			if (proxy == 2) {
				UT_EQ(rc, UMBRA_ETIMEDOUT);
				UT_EQ(s1.msgs_dropped - s0.msgs_dropped, 1);
			} else {
				UT_EQ(rc, 0);
				uint8_t *pv = (uint8_t *)hw_phys_to_virt(g.pv_simp) + 512;
				uint8_t *hv = (uint8_t *)hw_phys_to_virt(g.hv_simp) + 512;
				/* sg_recv cleared the slot; the payload stays where it was written. */
				UT_EQ(tu_u32(proxy == 0 ? pv : hv, 16), VM_VERSION_RESPONSE);
				UT_EQ(tu_u32(proxy == 0 ? hv : pv, 16), 0);
				UT_EQ(s1.irqs_delivered - s0.irqs_delivered, 1);
			}
		}
	}
}

static void t_sint_queue_and_eom(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	for (int i = 0; i < 20; i++) {
		struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
		TU_REQ(sim_add_device(&d, NULL) == 0);
	}
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint8_t b[240];
	uint32_t len;
	TU_REQ(sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len) == 0);
	struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
	UT_EQ(sg_post(&g, SG_DIRECT, 1, &h, 8), 0);
	sim_run(10000000);
	uint8_t *slot = (uint8_t *)hw_phys_to_virt(g.pv_simp) + 512;
	UT_EQ(tu_u32(slot, 0), 1);
	UT_EQ(slot[5] & 1, 1); /* message_pending: more queued */
	UT_EQ(tu_u32(slot, 16), VM_OFFER);
	/* The SynIC holds the slot plus a 16-deep SINT queue; the rest waits in the server:
	 * handed over so far = VersionResponse + 1 + SIM_SINT_QUEUE_DEPTH. */
	struct sim_server_info si;
	sim_server_info(&si);
	UT_EQ(si.msgs_out, 2 + SIM_SINT_QUEUE_DEPTH);
	UT_EQ(SIM_SINT_QUEUE_DEPTH, 16);
	/* Clearing the slot without EOM does not bring the next message. */
	memset(slot, 0, 4);
	sim_run(10000000);
	UT_EQ(tu_u32(slot, 0), 0);
	hw_wrmsr(MSR_EOM, 0);
	UT_EQ(tu_u32(slot, 0), 1);
	sim_server_info(&si);
	UT_EQ(si.msgs_out, 3 + SIM_SINT_QUEUE_DEPTH);   /* one more fits the queue */
	/* Everything arrives in order: 20 offers then AllOffersDelivered (one consumed above). */
	unsigned offers = 1;
	uint32_t last = 1;
	for (;;) {
		int rc = sg_recv(&g, b, &len, TU_WAIT, NULL);
		TU_REQ(rc == 0);
		if (tu_u32(b, 0) == VM_ALL_OFFERS)
			break;
		UT_EQ(tu_u32(b, 0), VM_OFFER);
		UT_CHECK(tu_u32(b, 184) > last);
		last = tu_u32(b, 184);
		offers++;
	}
	UT_EQ(offers, 20);
	UT_CHECK(sim_ok());
}

static void t_events_and_irq_filter(void)
{
	for (int p = SIM_SNP_PARAVISOR; p <= SIM_TDX_LEGACY_PARAVISOR; p++) {
		tu_config(p);
		TU_REQ(tu_start() == 0);
		uint32_t r1, r2;
		struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
		sim_add_device(&d, &r1);
		d.relayed = true;
		sim_add_device(&d, &r2);
		struct sg g;
		TU_REQ(sg_init(&g, is_cv(p)) == 0);
		uint8_t b[4096];
		uint32_t len, st;
		TU_REQ(sg_connect(&g, VMV_COPPER, is_cv(p) ? VMF_CONFIDENTIAL : 0, b, &len) == 0);
		struct vm_offer offs[4];
		unsigned n;
		TU_REQ(sg_offers(&g, offs, 4, &n) == 0);
		struct sg_chan c1, c2;
		TU_REQ(sg_open_channel(&g, r1, 2, is_cv(p), &c1, &st) == 0 && st == 0);
		TU_REQ(sg_open_channel(&g, r2, 2, false, &c2, &st) == 0 && st == 0);
		sim_run(1000000);
		uint8_t *pv = (uint8_t *)hw_phys_to_virt(g.pv_siefp) + 512;
		uint8_t *hv = (uint8_t *)hw_phys_to_virt(g.hv_siefp) + 512;
		memset(pv, 0, 256);
		memset(hv, 0, 256);
		UT_EQ(sg_chan_send(&g, &c1, PKT_INBAND, 0, 1, "abcdefgh", 8), 0);
		UT_EQ(sg_chan_send(&g, &c2, PKT_INBAND, 0, 2, "abcdefgh", 8), 0);
		sim_run(1000000);
		/* Paravisor channel: paravisor SIEFP when not proxied; relayed: hypervisor SIEFP. */
		bool pv1 = (pv[r1 / 8] >> (r1 % 8)) & 1, hv1 = (hv[r1 / 8] >> (r1 % 8)) & 1;
		bool hv2 = (hv[r2 / 8] >> (r2 % 8)) & 1, pv2 = (pv[r2 / 8] >> (r2 % 8)) & 1;
		UT_EQ(pv1, is_cv(p));
		UT_EQ(hv1, !is_cv(p));
		UT_CHECK(hv2 && !pv2);
		UT_EQ(sg_chan_recv(&g, &c1, b, sizeof(b), &len, TU_WAIT), 0);
		UT_EQ(sg_chan_recv(&g, &c2, b, sizeof(b), &len, TU_WAIT), 0);
		UT_CHECK(sim_ok());
		/* Legacy paravisor: a hypervisor interrupt passes only if the paravisor SINT2 is
		 * proxied with the same vector. */
		if (!is_cv(p)) {
			hw_wrmsr(MSR_SINT0 + 2, g.vector); /* no proxy bit */
			memset(hv, 0, 256);
			struct sim_stats s0, s1;
			sim_get_stats(&s0);
			sg_chan_send(&g, &c2, PKT_INBAND, 0, 3, "abcdefgh", 8);
			sim_run(1000000);
			sim_get_stats(&s1);
			UT_CHECK(s1.irqs_filtered > s0.irqs_filtered);
			UT_EQ(s1.irqs_delivered, s0.irqs_delivered);
		}
	}
}

static void t_wait_and_clock(void)
{
	tu_config(SIM_HYPERV);
	TU_REQ(tu_start() == 0);
	uint64_t t0 = hw_now_ns(), t1 = hw_now_ns();
	UT_CHECK(t1 > t0);
	hw_wait_for_interrupt(5000000);
	UT_CHECK(hw_now_ns() >= t1 + 5000000);
	/* IF is restored after the wait. */
	bool was = hw_irq_save_disable();
	UT_CHECK(was);
	hw_wait_for_interrupt(1000);
	UT_CHECK(!sim_irq_enabled());
	hw_irq_restore(true);
	UT_CHECK(sim_irq_enabled());
	UT_EQ(hw_irq_set_handler(10, NULL, NULL), UMBRA_EINVAL);
}

/* sim_config.clock: an outside clock the simulated time follows (SIM images: the TSC).
 * The fake one moves only when the simulator idles on it. */
static uint64_t fake_ns;
static unsigned fake_idles;
static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_ns;
}
static void fake_idle(void *ctx, uint64_t ns)
{
	(void)ctx;
	fake_idles++;
	fake_ns += ns / 2 + 1;   /* idle may return early */
}

static void t_outside_clock(void)
{
	struct sim_config *c = tu_config(SIM_SNP_PARAVISOR);
	fake_ns = 1000000000ull;
	fake_idles = 0;
	c->clock = fake_clock;
	c->idle = fake_idle;
	TU_REQ(tu_start() == 0);
	/* no virtual cost: time moves only with the clock */
	uint64_t t0 = hw_now_ns();
	UT_EQ(t0, 0);
	UT_EQ(hw_now_ns(), t0);
	fake_ns += 777;
	UT_EQ(hw_now_ns(), 777);
	UT_EQ(sim_now(), 777);
	/* a wait with nothing due takes the clock's time, not a jump */
	hw_wait_for_interrupt(5000000);
	UT_CHECK(fake_ns - 1000000000ull >= 5000777);
	UT_CHECK(fake_idles >= 2);
	UT_EQ(sim_now(), fake_ns - 1000000000ull);
	/* never back */
	uint64_t before = sim_now();
	fake_ns -= 100;
	UT_EQ(hw_now_ns(), before);
	fake_ns += 100;
	/* the server answers once the clock passed its latency */
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint8_t b[4096];
	uint32_t len;
	uint64_t t1 = fake_ns;
	unsigned i1 = fake_idles;
	UT_EQ(sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len), 0);
	UT_CHECK(fake_ns - t1 >= 10000);   /* server_latency_ns */
	UT_CHECK(fake_idles > i1);
	UT_CHECK(sim_ok());
}

static int leak_echo(enum sim_platform p, bool relayed, const char *canary)
{
	tu_config(p);
	if (tu_start())
		return -1;
	uint32_t relid;
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
	sim_add_device(&d, &relid);
	struct sg g;
	if (sg_init(&g, true))
		return -1;
	uint8_t b[4096];
	uint32_t len, st;
	if (sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len))
		return -1;
	struct vm_offer offs[2];
	unsigned n;
	if (sg_offers(&g, offs, 2, &n))
		return -1;
	struct sg_chan c;
	if (sg_open_channel(&g, relid, 2, !relayed, &c, &st) || st)
		return -1;
	sim_leak_plant(canary, strlen(canary));
	sg_chan_send(&g, &c, PKT_INBAND, PKT_FLAG_COMP, 9, canary, (uint32_t)strlen(canary));
	if (sg_chan_recv(&g, &c, b, sizeof(b), &len, TU_WAIT))
		return -1;
	return memcmp(b + 16, canary, strlen(canary)) == 0 ? 0 : -1;
}

static void t_leak_detects_deliberate_leak(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint64_t priv = sg_alloc(&g, 1), shared = sg_alloc(&g, 1);
	TU_REQ(sg_visibility(&g, shared, 1, true) == 0);
	static const char secret[] = "TOP-SECRET-canary-4711";
	UT_CHECK(sim_leak_plant_at(priv + 100, secret, sizeof(secret)) >= 0);
	UT_CHECK(sim_leak_plant_at(shared, secret, sizeof(secret)) < 0); /* must be private */
	hw_rdmsr(MSR_SVERSION); /* a step */
	UT_EQ(sim_leak_check(), 0);
	UT_CHECK(sim_ok());
	/* Deliberate leak: copy the private secret into a host-visible page, straddling a
	 * page boundary is not needed; any offset is found. */
	memcpy((uint8_t *)hw_phys_to_virt(shared) + 1234, hw_phys_to_virt(priv + 100), sizeof(secret));
	hw_rdmsr(MSR_SVERSION); /* the next simulated step scans */
	struct sim_leak_report rep;
	sim_leak_report(&rep);
	UT_EQ(rep.count, 1);
	UT_EQ(rep.canary, 0);
	UT_EQ(rep.gpa, shared + 1234);
	UT_CHECK(!sim_ok());
	UT_CHECK(strstr(sim_last_problem(), "LEAK") != NULL);
	/* The same canary echoed through a confidential channel stays private... */
	UT_EQ(leak_echo(SIM_SNP_PARAVISOR, false, "confidential-payload-0001"), 0);
	UT_EQ(sim_leak_check(), 0);
	UT_CHECK(sim_ok());
	UT_EQ(leak_echo(SIM_TDX_PARAVISOR, false, "confidential-payload-0002"), 0);
	UT_EQ(sim_leak_check(), 0);
	/* ...but through a relayed (host-visible) ring it is caught. */
	UT_EQ(leak_echo(SIM_SNP_PARAVISOR, true, "confidential-payload-0003"), 0);
	UT_CHECK(sim_leak_check() >= 1);
	UT_CHECK(!sim_ok());
}

static uint64_t trace_hash;
static unsigned trace_lines;
static void trace_sink(void *ctx, const char *line)
{
	(void)ctx;
	trace_lines++;
	for (const char *s = line; *s; s++)
		trace_hash = (trace_hash ^ (uint8_t)*s) * 0x100000001B3ull;
}

static uint64_t run_hostile(uint64_t seed)
{
	struct sim_config *c = tu_config(SIM_SNP_PARAVISOR);
	c->seed = seed;
	c->trace = trace_sink;
	c->hostile.msg_delay_pm = 300;
	c->hostile.msg_dup_pm = 100;
	c->hostile.msg_reorder_pm = 200;
	trace_hash = 0xCBF29CE484222325ull;
	trace_lines = 0;
	if (tu_start())
		return 0;
	for (int i = 0; i < 6; i++) {
		struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = i & 1 };
		sim_add_device(&d, NULL);
	}
	struct sg g;
	sg_init(&g, true);
	uint8_t b[240];
	uint32_t len;
	sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len);
	struct vm_offer offs[8];
	unsigned n;
	sg_offers(&g, offs, 8, &n);
	return trace_hash ^ sim_now();
}

static void t_deterministic_from_seed(void)
{
	uint64_t a = run_hostile(7), b = run_hostile(7), c = run_hostile(8);
	UT_CHECK(trace_lines > 8);
	UT_EQ(a, b);
	UT_CHECK(a != c);
}

struct tlines {
	char l[2][700];
	int n;
};

static void trace_capture(void *ctx, const char *line)
{
	struct tlines *L = ctx;
	if (L->n < 2)
		snprintf(L->l[L->n], sizeof(L->l[0]), "%s", line);
	L->n++;
}

static void t_trace_format(void)
{
	static struct tlines L;
	struct sim_config *c = tu_config(SIM_TDX_LEGACY_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, false) == 0);
	c->trace = trace_capture;
	c->trace_ctx = &L;
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_init(&g, false) == 0);
	uint8_t b[240];
	uint32_t len;
	TU_REQ(sg_connect(&g, VMV_COPPER, 0, b, &len) == 0);
	UT_EQ(L.n, 2);
	UT_EQ(strcmp(L.l[0], "trace 0 dir=g2h synic=hv route=tdcall conn=1 msgtype=14 "
		"hex=0e000000000000000000060000000000020000000000000000000000000000000000000000000000"), 0);
	UT_EQ(strcmp(L.l[1], "trace 1 dir=h2g synic=hv route=- conn=0 msgtype=15 "
		"hex=0f00000000000000010000000100000000000000"), 0);
}

static void t_paravisor_overlay_and_irq_mode(void)
{
	struct sim_config *c = tu_config(SIM_TDX_PARAVISOR);
	c->irq_mode = SIM_IRQ_WAIT_ONLY;
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	/* Disable the paravisor SIMP: the reply is kept in the overlay... */
	hw_wrmsr(MSR_SIMP, g.pv_simp);
	uint8_t *slot = (uint8_t *)hw_phys_to_virt(g.pv_simp) + 512;
	struct vm_initiate m;
	tu_initiate(&m, VMV_COPPER, 0);
	TU_REQ(sg_post(&g, SG_DIRECT, 1, &m, 40) == 0);
	struct sim_stats s0, s1;
	sim_get_stats(&s0);
	for (int i = 0; i < 50; i++)
		hw_rdmsr(MSR_SVERSION); /* time passes through exits; no interrupt in WAIT_ONLY */
	sim_get_stats(&s1);
	UT_EQ(tu_u32(slot, 0), 0);
	UT_EQ(s1.msgs_delivered - s0.msgs_delivered, 1);
	UT_EQ(g.irqs, 0);
	/* ...and appears on the guest page when the SIMP is enabled again. */
	hw_wrmsr(MSR_SIMP, g.pv_simp | 1);
	UT_EQ(tu_u32(slot, 0), 1);
	UT_EQ(tu_u32(slot, 16), VM_VERSION_RESPONSE);
	/* The pending interrupt is taken at the next wait. */
	hw_wait_for_interrupt(1000);
	UT_EQ(g.irqs, 1);
	UT_CHECK(sim_ok());
}

/* Leaf contents beyond the detection bits: openvmm vm/hv1/hv1_emulator/src/cpuid.rs
 * process_hv_cpuid_leaves, openhcl/virt_mshv_vtl/src/cvm_cpuid/snp.rs and tdx.rs
 * hv_cpuid_leaves, vmm_core/src/cpuid/mod.rs hyperv_cpuid_leaves; leaf by leaf in
 * docs/sim-fidelity.md "CPUID". */
static void t_cpuid_leaf_contents(void)
{
	uint32_t r[4];
	char sig[12];
	tu_config(SIM_TDX_PARAVISOR);
	TU_REQ(tu_start() == 0);
	hw_cpuid(0x40000000, 0, r);
	UT_CHECK(r[0] >= 0x40000005 && r[0] <= 0x4000FFFF);  /* Linux's acceptance range */
	UT_EQ(memcmp(&r[1], "Microsoft Hv", 12), 0);           /* EBX, ECX, EDX */
	hw_cpuid(0x40000001, 0, r);
	UT_EQ(r[0], 0x31237648);                               /* "Hv#1" */
	hw_cpuid(0x40000003, 0, r);
	UT_EQ((r[0] >> 2) & 1, 1);                             /* SynIC MSRs */
	UT_EQ((r[0] >> 5) & 1, 1);                             /* hypercall MSRs */
	UT_EQ((r[0] >> 6) & 1, 1);                             /* VP_INDEX */
	UT_EQ((r[1] >> 4) & 3, 0);                             /* no PostMessages/SignalEvents */
	UT_EQ(r[0], 0x0E7Eu);                                  /* OpenHCL's CVM privileges */
	UT_EQ(r[1], 0x6A8000u);
	UT_EQ(r[3], 0x4018C530u);
	hw_cpuid(0x40000004, 0, r);
	UT_EQ(r[0], 0xA24u);                                   /* TDX with x2APIC: no APIC MSRs */
	UT_EQ((r[0] >> 9) & 1, 1);                             /* deprecate AutoEOI */
	UT_EQ(r[1], 0xFFFFFFFFu);
	hw_cpuid(0x40000005, 0, r);
	UT_EQ(r[0], 2048);
	UT_EQ(r[1], 2048);
	hw_cpuid(0x40000006, 0, r);
	UT_EQ(r[0], 0xBu);
	hw_cpuid(0x4000000C, 0, r);
	UT_EQ(r[0], 1);
	UT_EQ(r[1], 3u | (1u << 5) | (47u << 6));
	hw_cpuid(0x40000080, 0, r);
	UT_EQ(r[0], 0x40000082);
	UT_EQ(memcmp(&r[1], "Microsoft VS", 12), 0);
	hw_cpuid(0x40000082, 0, r);
	UT_EQ(r[0], 0xD);                                      /* portable, ext. IOAPIC RTE, CVMBus */
	/* SNP paravisor: APIC MSRs and synthetic cluster IPI recommended too. */
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	hw_cpuid(0x40000004, 0, r);
	UT_EQ(r[0], 0xE2Cu);
	tu_config(SIM_SNP_LEGACY_PARAVISOR);
	TU_REQ(tu_start() == 0);
	hw_cpuid(0x40000082, 0, r);
	UT_EQ(r[0], 0x5);
	/* hyperv keeps PostMessages/SignalEvents and the VP count. */
	tu_config(SIM_HYPERV);
	TU_REQ(tu_start() == 0);
	hw_cpuid(0x40000003, 0, r);
	UT_EQ((r[1] >> 4) & 3, 3);
	hw_cpuid(0x40000005, 0, r);
	UT_EQ(r[0], 1);
	/* Fully enlightened SNP: max extended leaf, SEV/SEV-ES/SNP, C-bit 51, SEV_STATUS. */
	tu_config(SIM_SNP);
	TU_REQ(tu_start() == 0);
	hw_cpuid(0, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[3], 4);
	memcpy(sig + 8, &r[2], 4);
	UT_EQ(memcmp(sig, "AuthenticAMD", 12), 0);
	hw_cpuid(0x80000000, 0, r);
	UT_CHECK(r[0] >= 0x8000001F);
	hw_cpuid(0x8000001F, 0, r);
	UT_EQ(r[0] & 0x1A, 0x1A);
	UT_EQ(r[1] & 0x3F, 51);
	UT_EQ(hw_rdmsr(MSR_SEV_STATUS), 0x7);
	/* SNP with the paravisor: SEV_STATUS also has vTOM (bit 3), 0x8000001F is hidden. */
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	UT_EQ(hw_rdmsr(MSR_SEV_STATUS), 0xF);
	hw_cpuid(0x8000001F, 0, r);
	UT_EQ(r[0], 0);
	/* Fully enlightened TDX: "IntelTDX    " in EBX, EDX, ECX (Linux's order). */
	tu_config(SIM_TDX);
	TU_REQ(tu_start() == 0);
	hw_cpuid(0, 0, r);
	UT_CHECK(r[0] >= 0x21);
	hw_cpuid(0x21, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[3], 4);
	memcpy(sig + 8, &r[2], 4);
	UT_EQ(memcmp(sig, "IntelTDX    ", 12), 0);
	UT_CHECK(sim_ok());
}

/* The remaining 0x00DB statuses (docs/sim.md "Memory"). */
static void t_visibility_hypercall_statuses(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint64_t base = sg_alloc(&g, 4);
	TU_REQ(base);
	uint64_t pfns[4];
	for (int i = 0; i < 4; i++)
		pfns[i] = (base >> 12) + i;
	/* Rep count 0, and rep start at or past the count: invalid input. */
	UT_EQ(vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3, pfns, 0, 0) & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	UT_EQ(vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3, pfns, 2, 2) & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	/* It is a slow (memory-input) call only. */
	uint64_t z = 0;
	UT_EQ(sg_hcall(&g, SG_DIRECT, HVC_MODIFY_VISIBILITY | HVC_FAST | (1ull << 32), &z, 8) & 0xFFFF,
		HVS_INVALID_HYPERCALL_INPUT);
	/* Input not 8-byte aligned: 4; crossing its page: 3, even when also misaligned
	 * (hv1_hypercall support.rs check_buffer tests Straddle first). */
	uint64_t ctl = HVC_MODIFY_VISIBILITY | (20ull << 32);
	UT_EQ(hw_hypercall(g.hcpage, ctl, g.post_page + 4, 0) & 0xFFFF, HVS_INVALID_ALIGNMENT);
	UT_EQ(hw_hypercall(g.hcpage, ctl, g.post_page + 4000, 0) & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	UT_EQ(hw_hypercall(g.hcpage, ctl, g.post_page + 3996, 0) & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	/* Input that is not RAM: Access -> 3. */
	UT_EQ(hw_hypercall(g.hcpage, ctl, 0x10000, 0) & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	/* Reserved bits next to the 2-bit visibility field. */
	UT_EQ(vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3 | 4, pfns, 1, 0) & 0xFFFF, HVS_INVALID_PARAMETER);
	/* A PFN that is not guest RAM, or one of the platform's own pages: nothing done. */
	uint64_t pp, pn;
	TU_REQ(sim_platform_pages(&pp, &pn) == 0);
	uint64_t bad[2] = { 0x10, pp >> 12 };
	for (int i = 0; i < 2; i++) {
		uint64_t r = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 0, &bad[i], 1, 0);
		UT_EQ(r & 0xFFFF, HVS_OPERATION_DENIED);
		UT_EQ((r >> 32) & 0xFFF, 0);
	}
	/* A good page before a bad one is not changed either. */
	uint64_t mixed[2] = { pfns[0], 0x10 };
	UT_EQ(vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3, mixed, 2, 0) & 0xFFFF, HVS_OPERATION_DENIED);
	/* The paravisor's overlay pages (SIMP, SIEFP, hypercall page) cannot be made
	 * host-visible; making them private is accepted (they are). */
	uint64_t ov[3] = { g.pv_simp >> 12, g.pv_siefp >> 12, hw_virt_to_phys(g.hcpage) >> 12 };
	for (int i = 0; i < 3; i++) {
		UT_EQ(vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 3, &ov[i], 1, 0) & 0xFFFF, HVS_OPERATION_DENIED);
		UT_EQ(vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 0, &ov[i], 1, 0) & 0xFFFF, HVS_SUCCESS);
	}
	UT_EQ(sim_page_visibility(pp), SIM_VIS_SHARED);
	for (int i = 0; i < 4; i++)
		UT_EQ(sim_page_visibility(base + i * 4096ull), SIM_VIS_PRIVATE);
	UT_CHECK(sim_ok());
}

/* Host/hypervisor touch only host-visible pages; the paravisor may touch private ones. */
static void t_memory_enforcement_by_accessor(void)
{
	tu_config(SIM_TDX_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	static struct hv_post_input pin;
	memset(&pin, 0, sizeof(pin));
	pin.connection_id = 1;
	pin.message_type = 1;
	pin.payload_size = 8;
	pin.payload[0] = VM_REQUEST_OFFERS;
	memcpy(hw_phys_to_virt(g.post_page), &pin, sizeof(pin));   /* a private page */
	/* Trusted (hypercall page) post from a private page: the paravisor reads it. */
	UT_EQ(hw_hypercall(g.hcpage, HVC_POST_MESSAGE, g.post_page, 0) & 0xFFFF, HVS_SUCCESS);
	UT_CHECK(sim_ok());
	/* Untrusted (TDVMCALL) post naming the same private page: refused, guest error. */
	struct hw_tdcall_regs t;
	memset(&t, 0, sizeof(t));
	t.rcx = 0xFFCC;
	t.r10 = HVC_POST_MESSAGE;
	t.rdx = g.post_page;
	UT_EQ(hw_tdcall(&t), 0);
	UT_EQ(t.r10, 0);
	UT_EQ(t.r11 & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	UT_CHECK(!sim_ok());
	UT_CHECK(strstr(sim_last_problem(), "private memory") != NULL);
	/* The same from a host-visible page (either alias) is fine. */
	tu_config(SIM_TDX_PARAVISOR);
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_init(&g, false) == 0);
	memcpy(hw_phys_to_virt(g.shared_page | g.boundary), &pin, sizeof(pin));
	for (int k = 0; k < 2; k++) {
		memset(&t, 0, sizeof(t));
		t.rcx = 0xFFCC;
		t.r10 = HVC_POST_MESSAGE;
		t.rdx = g.shared_page | (k ? g.boundary : 0);
		UT_EQ(hw_tdcall(&t), 0);
		UT_EQ(t.r11 & 0xFFFF, HVS_SUCCESS);
	}
	UT_CHECK(sim_ok());
	/* A relayed ring made private while open: the host's next access is refused (the
	 * channel is stopped, a guest error), so no host write ever lands in private memory. */
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = true };
	uint32_t relid, st, len;
	TU_REQ(sim_add_device(&d, &relid) == 0);
	TU_REQ(sg_init(&g, true) == 0);
	uint8_t b[4096];
	TU_REQ(sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len) == 0);
	struct vm_offer o[2];
	unsigned n;
	TU_REQ(sg_offers(&g, o, 2, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&g, relid, 2, false, &c, &st) == 0 && st == 0);
	TU_REQ(sg_chan_send(&g, &c, PKT_INBAND, 0, 1, "abcdefgh", 8) == 0);
	TU_REQ(sg_chan_recv(&g, &c, b, sizeof(b), &len, TU_WAIT) == 0);
	UT_CHECK(sim_ok());
	TU_REQ(sg_ring_write(&c.out, PKT_INBAND, 0, 2, "abcdefgh", 8) >= 0);
	TU_REQ(sg_visibility(&g, c.gpa, c.pages, false) == 0);
	memset(hw_phys_to_virt(c.gpa), 0, c.pages * 4096ull);
	sg_signal(&g, SG_BYPASS, c.conn_id);
	sim_run(1000000);
	struct sim_channel_info ci;
	TU_REQ(sim_channel_info(relid, &ci) == 0);
	UT_CHECK(ci.corrupt);
	for (uint32_t i = 0; i < c.pages; i++) {
		const uint8_t *p = hw_phys_to_virt(c.gpa + i * 4096ull);
		for (int k = 0; k < 4096; k++)
			if (p[k]) {
				UT_CHECK(!"host wrote into a private page");
				i = c.pages;
				break;
			}
	}
	UT_CHECK(strstr(sim_last_problem(), "inaccessible") != NULL);
}

/* SCONTROL gates the SynIC; SINT vectors below 16 #GP when unmasked; an event interrupts
 * only on the flag's 0 -> 1 transition. */
static void t_synic_scontrol_vectors_and_event_edge(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	uint32_t relid;
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	TU_REQ(sim_add_device(&d, &relid) == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	struct sim_stats s0, s1;
	sim_get_stats(&s0);
	hw_wrmsr(MSR_SINT0 + 3, 5);                 /* unmasked vector 5: #GP, unchanged */
	sim_get_stats(&s1);
	UT_EQ(s1.faults - s0.faults, 1);
	UT_EQ(hw_rdmsr(MSR_SINT0 + 3), SINT_MASKED);
	sim_reset_stats();
	hw_wrmsr(MSR_SINT0 + 3, 5 | SINT_MASKED);   /* masked: any vector */
	UT_EQ(hw_rdmsr(MSR_SINT0 + 3), 5 | SINT_MASKED);
	UT_CHECK(sim_ok());
	/* SynIC disabled: the server's reply is dropped. */
	hw_wrmsr(MSR_SCONTROL, 0);
	uint8_t b[4096];
	uint32_t len, st;
	sim_get_stats(&s0);
	UT_EQ(sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len), UMBRA_ETIMEDOUT);
	sim_get_stats(&s1);
	UT_EQ(s1.msgs_dropped - s0.msgs_dropped, 1);
	hw_wrmsr(MSR_SCONTROL, 1);
	TU_REQ(sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len) == 0);
	struct vm_offer o[2];
	unsigned n;
	TU_REQ(sg_offers(&g, o, 2, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&g, relid, 2, true, &c, &st) == 0 && st == 0);
	sim_run(1000000);
	uint8_t *flags = (uint8_t *)hw_phys_to_virt(g.pv_siefp) + 512;
	memset(flags, 0, 256);
	/* Two signals with the flag left set: two events, one interrupt. */
	sim_get_stats(&s0);
	for (int i = 0; i < 2; i++) {
		TU_REQ(sg_chan_send(&g, &c, PKT_INBAND, 0, (uint64_t)i, "abcdefgh", 8) == 0);
		TU_REQ(sg_chan_recv(&g, &c, b, sizeof(b), &len, TU_WAIT) == 0);
	}
	sim_get_stats(&s1);
	UT_EQ(s1.events_set - s0.events_set, 2);
	UT_EQ(s1.irqs_delivered - s0.irqs_delivered, 1);
	UT_EQ((flags[relid / 8] >> (relid % 8)) & 1, 1);
	/* Cleared by the guest: the next signal interrupts again. */
	memset(flags, 0, 256);
	TU_REQ(sg_chan_send(&g, &c, PKT_INBAND, 0, 3, "abcdefgh", 8) == 0);
	TU_REQ(sg_chan_recv(&g, &c, b, sizeof(b), &len, TU_WAIT) == 0);
	sim_get_stats(&s0);
	UT_EQ(s0.irqs_delivered - s1.irqs_delivered, 1);
	/* SynIC disabled: events are not set either. */
	hw_wrmsr(MSR_SCONTROL, 0);
	memset(flags, 0, 256);
	TU_REQ(sg_chan_send(&g, &c, PKT_INBAND, 0, 4, "abcdefgh", 8) == 0);
	TU_REQ(sg_chan_recv(&g, &c, b, sizeof(b), &len, TU_WAIT) == 0);
	sim_get_stats(&s1);
	UT_EQ(s1.events_set, s0.events_set);
	UT_EQ(flags[relid / 8], 0);
	UT_CHECK(sim_ok());
}

/* With the paravisor SINT2 proxied (no Confidential VMBus), a paravisor channel's events
 * go to the hypervisor SIEFP like its messages go to the hypervisor SIMP. */
static void t_proxied_sint_routes_paravisor_events(void)
{
	for (int p = SIM_SNP_PARAVISOR; p <= SIM_TDX_PARAVISOR; p++) {
		tu_config(p);
		TU_REQ(tu_start() == 0);
		uint32_t relid, st, len;
		struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
		TU_REQ(sim_add_device(&d, &relid) == 0);
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);
		uint8_t b[4096];
		TU_REQ(sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, b, &len) == 0);
		UT_EQ(tu_u32(b, 16) & VMF_CONFIDENTIAL, 0);
		struct vm_offer o[2];
		unsigned n;
		TU_REQ(sg_offers(&g, o, 2, &n) == 0);
		UT_EQ(o[0].flags, 0);
		struct sg_chan c;
		TU_REQ(sg_open_channel(&g, relid, 2, false, &c, &st) == 0 && st == 0);
		sim_run(1000000);
		uint8_t *pv = (uint8_t *)hw_phys_to_virt(g.pv_siefp) + 512;
		uint8_t *hv = (uint8_t *)hw_phys_to_virt(g.hv_siefp) + 512;
		memset(pv, 0, 256);
		memset(hv, 0, 256);
		TU_REQ(sg_chan_send(&g, &c, PKT_INBAND, 0, 1, "abcdefgh", 8) == 0);
		TU_REQ(sg_chan_recv(&g, &c, b, sizeof(b), &len, TU_WAIT) == 0);
		UT_EQ((hv[relid / 8] >> (relid % 8)) & 1, 1);
		UT_EQ(pv[relid / 8], 0);
		UT_CHECK(sim_ok());
	}
}

static void ghcb_mark(uint8_t *p, unsigned off)
{
	p[0x3F0 + off / 64] |= (uint8_t)(1u << ((off / 8) % 8));
}

static bool ghcb_marked(const uint8_t *p, unsigned off)
{
	return (p[0x3F0 + off / 64] >> ((off / 8) % 8)) & 1;
}

/* Prepare a usage-0 GHCB exit with the three exit fields marked valid. */
static void ghcb_base(uint8_t *p, uint64_t code, uint64_t info1)
{
	memset(p, 0, 4096);
	uint64_t z = 0;
	memcpy(p + 0x390, &code, 8);
	memcpy(p + 0x398, &info1, 8);
	memcpy(p + 0x3A0, &z, 8);
	ghcb_mark(p, 0x390);
	ghcb_mark(p, 0x398);
	ghcb_mark(p, 0x3A0);
	uint16_t ver = 2;
	memcpy(p + 0xFFA, &ver, 2);
}

static uint64_t q(const uint8_t *p, unsigned off)
{
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}

static void put_q(uint8_t *p, unsigned off, uint64_t v)
{
	memcpy(p + off, &v, 8);
	ghcb_mark(p, off);
}

/* Usage-0 GHCB exits: 0x7C returns with exactly the returned fields valid, a write needs
 * RAX and RDX, VMMCALL (0x81) is an untrusted hypercall, termination, unknown codes. */
static void t_ghcb_base_exits(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, false) == 0);
	uint64_t gpa;
	uint8_t *p = ghcb_page(&gpa);
	/* RDMSR SIMP: RAX/RDX and EXITINFO1/2 valid in the returned bitmap, nothing else. */
	ghcb_base(p, 0x7C, 0);
	put_q(p, 0x308, MSR_SIMP);
	hw_vmgexit();
	UT_EQ(q(p, 0x398), 0);
	UT_CHECK(ghcb_marked(p, 0x1F8) && ghcb_marked(p, 0x310));
	UT_CHECK(ghcb_marked(p, 0x398) && ghcb_marked(p, 0x3A0));
	UT_CHECK(!ghcb_marked(p, 0x308) && !ghcb_marked(p, 0x390));
	UT_EQ((q(p, 0x1F8) & 0xFFFFFFFF) | (q(p, 0x310) << 32), g.hv_simp | 1);
	/* WRMSR without RDX marked valid: missing input, the register is unchanged. */
	ghcb_base(p, 0x7C, 1);
	put_q(p, 0x308, MSR_SINT0 + 5);
	put_q(p, 0x1F8, 0x50);
	hw_vmgexit();
	UT_EQ(q(p, 0x398), 2);
	UT_EQ(q(p, 0x3A0), 4);
	uint64_t v = 0;
	UT_CHECK(sg_hv_rdmsr(&g, MSR_SINT0 + 5, &v));
	UT_EQ(v, SINT_MASKED);
	/* VMMCALL: control RCX, input GPA RDX, result RAX. Unknown connection: 0x12. A fast
	 * call is refused: the GHCB ABI has no fast register pairs (3). */
	struct sim_stats s0, s1;
	sim_get_stats(&s0);
	ghcb_base(p, 0x81, 0);
	put_q(p, 0x308, HVC_SIGNAL_EVENT | HVC_FAST);
	put_q(p, 0x310, 0x2005);
	hw_vmgexit();
	UT_EQ(q(p, 0x398), 0);
	UT_CHECK(ghcb_marked(p, 0x1F8));
	UT_EQ(q(p, 0x1F8) & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	uint64_t conn = 0x2005;
	memcpy(hw_phys_to_virt(g.shared_page | g.boundary), &conn, 8);
	ghcb_base(p, 0x81, 0);
	put_q(p, 0x308, HVC_SIGNAL_EVENT);
	put_q(p, 0x310, g.shared_page | g.boundary);
	hw_vmgexit();
	UT_EQ(q(p, 0x1F8) & 0xFFFF, HVS_INVALID_CONNECTION_ID);
	sim_get_stats(&s1);
	UT_EQ(s1.signals - s0.signals, 1);
	UT_CHECK(sim_ok());
	/* Unknown exit code (CPUID here): EXITINFO1 2, EXITINFO2 6 (invalid event). */
	ghcb_base(p, 0x72, 0);
	hw_vmgexit();
	UT_EQ(q(p, 0x398), 2);
	UT_EQ(q(p, 0x3A0), 6);
	/* A slow VMMCALL hypercall whose input is a private page: a guest error. */
	ghcb_base(p, 0x81, 0);
	put_q(p, 0x308, HVC_POST_MESSAGE);
	put_q(p, 0x310, g.post_page);
	hw_vmgexit();
	UT_EQ(q(p, 0x1F8) & 0xFFFF, HVS_INVALID_HYPERCALL_INPUT);
	UT_CHECK(!sim_ok());
	/* Termination through the page: reason set in EXITINFO1[3:0], code in [11:4]. */
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_ghcb_negotiate(NULL) == 2);
	p = ghcb_page(&gpa);
	ghcb_base(p, 0x8000FFFEull, 1 | (7u << 4));
	hw_vmgexit();
	struct sim_termination t;
	sim_termination(&t);
	UT_CHECK(t.terminated);
	UT_EQ(t.reason_set, 1);
	UT_EQ(t.reason_code, 7);
}

/* Each exit lands in exactly its counter (docs/sim.md "Exit counters"). */
static void t_exit_counters(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint64_t gpa = hw_rdmsr(MSR_GHCB);
	uint64_t page = sg_alloc(&g, 1);
	sim_reset_stats();
	uint32_t r[4];
	hw_cpuid(0x40000000, 0, r);
	hw_rdmsr(MSR_SVERSION);
	hw_wrmsr(MSR_SINT0 + 3, SINT_MASKED);
	hw_wrmsr(MSR_EOM, 0);
	UT_EQ(sg_signal(&g, SG_DIRECT, 0x2001), HVS_INVALID_CONNECTION_ID);
	hw_wrmsr(MSR_GHCB, 0x002);
	hw_vmgexit();
	hw_wrmsr(MSR_GHCB, gpa);
	UT_EQ(sg_signal(&g, SG_BYPASS, 0x2001), HVS_INVALID_CONNECTION_ID);
	struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
	UT_EQ(sg_post(&g, SG_DIRECT, 7, &h, 8), HVS_INVALID_CONNECTION_ID);
	UT_EQ(sg_post(&g, SG_DIRECT, 1, &h, 8), HVS_SUCCESS);
	UT_EQ(sg_visibility(&g, page, 1, true), 0);
	struct sim_stats s;
	sim_get_stats(&s);
	UT_EQ(s.cpuids, 1);
	UT_EQ(s.msr_reads, 2);       /* SVERSION; the GHCB MSR read by the bypass signal */
	UT_EQ(s.msr_writes, 4);      /* SINT3, EOM, GHCB request, GHCB restore */
	UT_EQ(s.eoms, 1);
	UT_EQ(s.direct_hypercalls, 4);
	UT_EQ(s.signals, 2);
	UT_EQ(s.ghcb_msr_protocol, 1);
	UT_EQ(s.ghcb_exits, 1);
	UT_EQ(s.posts, 1);
	UT_EQ(s.posts_failed, 1);
	UT_EQ(s.visibility_calls, 1);
	UT_EQ(s.visibility_pages, 1);
	UT_EQ(s.tdcalls, 0);
	UT_EQ(s.faults, 0);
	tu_config(SIM_TDX_PARAVISOR);
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_init(&g, true) == 0);
	sim_reset_stats();
	struct hw_tdcall_regs t;
	memset(&t, 0, sizeof(t));
	t.rax = 1;
	hw_tdcall(&t);
	uint64_t v;
	UT_CHECK(sg_hv_rdmsr(&g, MSR_SIEFP, &v));
	UT_EQ(sg_signal(&g, SG_BYPASS, 0x2001), HVS_INVALID_CONNECTION_ID);
	sim_get_stats(&s);
	UT_EQ(s.tdcalls, 3);
	UT_EQ(s.tdvmcalls, 2);
	UT_EQ(s.signals, 1);
	UT_EQ(s.ghcb_exits + s.ghcb_msr_protocol + s.direct_hypercalls + s.msr_reads + s.msr_writes, 0);
	UT_CHECK(sim_ok());
}

/* ---- platform answers corrected against OpenHCL, the TLFS and Linux: platform pages,
 * GHCB calls and negotiation, hypervisor SCONTROL, VP indices, unknown MSRs, the hypercall
 * MSR and page, hypervisor SynIC pages, forged messages (docs/sim-fidelity.md
 * "Disagreements found") ---- */

/* The platform's pages lie above the guest's memory map, at the top of RAM (OpenHCL's
 * shared pool, worker.rs build_vtl0_memory_layout), and the guest cannot change them. */
static void t_platform_pages_above_memory_map(void)
{
	int ps[3] = { SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR, SIM_TDX_LEGACY_PARAVISOR };
	for (int k = 0; k < 3; k++) {
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		uint64_t fr, fn, pp, pn;
		TU_REQ(sim_ram_free_range(&fr, &fn) == 0);
		TU_REQ(sim_platform_pages(&pp, &pn) == 0);
		UT_EQ(fr, SIM_RAM_BASE);
		UT_EQ(pn, SIM_RESERVED_PAGES);
		UT_CHECK(fr + fn * 4096 <= pp);
		UT_EQ(pp + pn * 4096, SIM_RAM_BASE + sim_ram_pages() * 4096);
		for (uint64_t i = 0; i < pn; i++)
			UT_EQ(sim_page_visibility(pp + i * 4096), SIM_VIS_SHARED);
		UT_EQ(sim_page_visibility(fr + (fn - 1) * 4096), SIM_VIS_PRIVATE);
		struct sim_synic_regs r;
		TU_REQ(sim_synic_regs(0, false, &r) == 0);
		uint64_t b = sim_shared_boundary();
		UT_CHECK((r.simp & ~0xFFFull & ~b) >= pp && (r.simp & ~0xFFFull & ~b) < pp + pn * 4096);
		UT_CHECK((r.siefp & ~0xFFFull & ~b) >= pp && (r.siefp & ~0xFFFull & ~b) < pp + pn * 4096);
		if (ps[k] == SIM_SNP_PARAVISOR)
			UT_EQ(hw_rdmsr(MSR_GHCB) & ~b, pp);
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);
		/* 0x00DB on a platform page (outside the guest's memory map): OperationDenied,
		 * nothing done (underhill_mem change_host_visibility, is_in_guest_memory). */
		uint64_t pfn = pp >> 12;
		uint64_t r0 = vis_call(&g, SG_DIRECT, HV_PARTITION_SELF, 0, &pfn, 1, 0);
		UT_EQ(r0 & 0xFFFF, HVS_OPERATION_DENIED);
		UT_EQ(sim_page_visibility(pp), SIM_VIS_SHARED);
		UT_CHECK(sim_ok());
	}
}

/* GHCB hypercalls are never fast (GhcbEnlightenedHypercall reports 0 fast register
 * pairs): a fast call gets 3; a slow HvSignalEvent takes its 8 bytes at GHCB offset 0
 * (Linux hv_ghcb_hypercall). TDVMCALL keeps the fast form (Linux hv_tdx_hypercall). */
static void t_ghcb_hypercalls_never_fast(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, false) == 0);
	struct sim_stats s0, s1;
	sim_get_stats(&s0);
	uint64_t conn = 0x2077;
	UT_EQ(sg_hcall(&g, SG_BYPASS, HVC_SIGNAL_EVENT | HVC_FAST, &conn, 8) & 0xFFFF,
		HVS_INVALID_HYPERCALL_INPUT);
	struct hv_post_input pi;
	memset(&pi, 0, sizeof(pi));
	pi.connection_id = 1;
	pi.message_type = 1;
	pi.payload_size = 8;
	UT_EQ(sg_hcall(&g, SG_BYPASS, HVC_POST_MESSAGE | HVC_FAST, &pi, sizeof(pi)) & 0xFFFF,
		HVS_INVALID_HYPERCALL_INPUT);
	sim_get_stats(&s1);
	UT_EQ(s1.signals, s0.signals);
	/* Slow: reaches the event port (unknown connection: 0x12). */
	UT_EQ(sg_hcall(&g, SG_BYPASS, HVC_SIGNAL_EVENT, &conn, 8) & 0xFFFF, HVS_INVALID_CONNECTION_ID);
	UT_EQ(sg_signal(&g, SG_BYPASS, 0x2077), HVS_INVALID_CONNECTION_ID);
	sim_get_stats(&s0);
	UT_EQ(s0.signals - s1.signals, 2);
	/* The hypercall page takes fast calls. */
	UT_EQ(sg_signal(&g, SG_DIRECT, 0x2077), HVS_INVALID_CONNECTION_ID);
	UT_CHECK(sim_ok());
	/* TDX: fast HvSignalEvent through TDVMCALL, input in RDX. */
	tu_config(SIM_TDX_PARAVISOR);
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_init(&g, false) == 0);
	sim_get_stats(&s0);
	struct hw_tdcall_regs t;
	memset(&t, 0, sizeof(t));
	t.rcx = 0xFFCC;
	t.r10 = HVC_SIGNAL_EVENT | HVC_FAST;
	t.rdx = 0x2077;
	hw_tdcall(&t);
	UT_EQ(t.r11 & 0xFFFF, HVS_INVALID_CONNECTION_ID);
	sim_get_stats(&s1);
	UT_EQ(s1.signals - s0.signals, 1);
	UT_CHECK(sim_ok());
}

/* GHCB negotiation (SNP paravisor configurations): a page exit before the SEV information
 * exchange is a guest error; afterwards the MSR must hold the GHCB GPA again, and the page's
 * protocol version must be within the offered 1..2. */
static void t_ghcb_negotiation_required(void)
{
	int ps[2] = { SIM_SNP_PARAVISOR, SIM_SNP_LEGACY_PARAVISOR };
	for (int k = 0; k < 2; k++) {
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		uint64_t gpa;
		uint8_t *p = ghcb_page(&gpa);
		ghcb_base(p, 0x72, 0);
		struct sim_stats st;
		hw_vmgexit();
		sim_get_stats(&st);
		UT_EQ(st.guest_errors, 1);
		UT_EQ(q(p, 0x398), 0);                 /* not processed */
		UT_CHECK(strstr(sim_last_problem(), "negotiated") != NULL);
		sim_reset_stats();
		/* SEV_INFO: max 2, min 1, C-bit 51, response code 1. */
		hw_wrmsr(MSR_GHCB, 0x002);
		hw_vmgexit();
		uint64_t v = hw_rdmsr(MSR_GHCB);
		UT_EQ(v, 0x001 | (2ull << 48) | (1ull << 32) | (51ull << 24));
		/* Another page in the MSR: GhcbMisconfiguration. */
		hw_wrmsr(MSR_GHCB, gpa + 4096);
		hw_vmgexit();
		sim_get_stats(&st);
		UT_EQ(st.faults, 1);
		sim_reset_stats();
		hw_wrmsr(MSR_GHCB, gpa);
		ghcb_base(p, 0x72, 0);
		hw_vmgexit();
		UT_EQ(q(p, 0x3A0), 6);                 /* processed: unknown exit code */
		/* Version 3 is outside the negotiated range. */
		ghcb_base(p, 0x72, 0);
		uint16_t ver = 3;
		memcpy(p + 0xFFA, &ver, 2);
		hw_vmgexit();
		sim_get_stats(&st);
		UT_EQ(st.guest_errors, 1);
		UT_EQ(st.faults, 0);
	}
	/* The fully enlightened guest is not held to it here (no paravisor GHCB). */
	tu_config(SIM_SNP);
	TU_REQ(tu_start() == 0);
	hw_wrmsr(MSR_GHCB, 0x080);
	hw_vmgexit();
	UT_CHECK(sim_ok());
}

/* SCONTROL: the hypervisor SynIC resets disabled (TLFS; OpenHCL presets only SIMP/SIEFP),
 * drops messages and sets no event flags until the guest enables it; the paravisor SynIC
 * resets enabled (hv1_emulator synic.rs). */
static void t_hv_scontrol_reset_disabled(void)
{
	int ps[3] = { SIM_HYPERV, SIM_SNP_PARAVISOR, SIM_TDX_LEGACY_PARAVISOR };
	for (int k = 0; k < 3; k++) {
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		struct sim_synic_regs r;
		TU_REQ(sim_synic_regs(0, false, &r) == 0);
		UT_EQ(r.scontrol, 0);
		if (ps[k] != SIM_HYPERV) {
			TU_REQ(sim_synic_regs(0, true, &r) == 0);
			UT_EQ(r.scontrol, 1);
		} else {
			UT_EQ(sim_synic_regs(0, true, &r), UMBRA_EINVAL);
		}
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);   /* sets both SCONTROLs */
		TU_REQ(sim_synic_regs(0, false, &r) == 0);
		UT_EQ(r.scontrol, 1);
		UT_CHECK(r.writes_scontrol >= 1);
		/* Disable it again: a message to the hypervisor SIMP is dropped. */
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SCONTROL, 0));
		struct sim_stats s0, s1;
		sim_get_stats(&s0);
		uint8_t msg[8] = { 0x11, 0, 0, 0, 0, 0, 0, 0 };
		UT_EQ(sim_host_forge_hv_message(0, msg, 8), 0);
		sim_run(100000);
		sim_get_stats(&s1);
		UT_EQ(s1.msgs_dropped - s0.msgs_dropped, 1);
		uint8_t *slot = (uint8_t *)hw_phys_to_virt(g.hv_simp | g.boundary) + 512;
		UT_EQ(slot[0], 0);
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SCONTROL, 1));
		UT_EQ(sim_host_forge_hv_message(0, msg, 8), 0);
		sim_run(100000);
		UT_EQ(slot[0], 1);
		UT_EQ(slot[16], 0x11);
		UT_CHECK(sim_ok());
	}
}

/* Events on a relayed channel are not set while the hypervisor SynIC is disabled. */
static void t_hv_scontrol_gates_events(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = true };
	uint32_t relid;
	TU_REQ(sim_add_device(&d, &relid) == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint8_t resp[240];
	uint32_t len;
	TU_REQ(sg_connect(&g, VMV_COPPER, VMF_CONFIDENTIAL, resp, &len) == 0);
	struct vm_offer offs[4];
	unsigned n;
	TU_REQ(sg_offers(&g, offs, 4, &n) == 0);
	struct sg_chan ch;
	uint32_t status;
	TU_REQ(sg_open_channel(&g, relid, 2, false, &ch, &status) == 0 && status == 0);
	UT_CHECK(sg_hv_wrmsr(&g, MSR_SCONTROL, 0));
	struct sim_stats s0, s1;
	sim_get_stats(&s0);
	uint8_t data[16] = { 1, 2, 3 };
	UT_EQ(sg_chan_send(&g, &ch, 6, 0, 7, data, 16), 0);
	sim_run(1000000);
	sim_get_stats(&s1);
	UT_EQ(s1.events_set, s0.events_set);
	UT_CHECK(s1.events_dropped > s0.events_dropped);
	UT_CHECK(sim_ok());
}

/* HV_X64_MSR_VP_INDEX reads vp_index_base + n on every route. */
static void t_vp_index_base(void)
{
	int ps[3] = { SIM_HYPERV, SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };
	for (int k = 0; k < 3; k++) {
		struct sim_config *c = tu_config(ps[k]);
		c->vp_index_base = 8;
		c->nvp = 2;
		TU_REQ(tu_start() == 0);
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);
		UT_EQ(hw_rdmsr(MSR_VP_INDEX), 8);
		UT_EQ(g.vp_index, 8);
		uint64_t v = 0;
		UT_CHECK(sg_hv_rdmsr(&g, MSR_VP_INDEX, &v));
		UT_EQ(v, 8);
		UT_CHECK(sim_ok());
	}
}

/* The hypercall page gets the hypervisor's code (hv1_emulator hv.rs hypercall_page:
 * vmmcall; ret on AMD, vmcall; ret on Intel); a page whose code was overwritten faults. */
/* Under the paravisor an unknown MSR reads 0 and ignores writes on SNP and TDX alike;
 * GUEST_OS_ID through TDVMCALL is the plain MSR's (OpenHCL tdx/mod.rs), through the GHCB
 * it is the hypervisor's own. */
static void t_paravisor_unknown_msrs_and_os_id(void)
{
	int ps[4] = { SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR, SIM_SNP_LEGACY_PARAVISOR,
		SIM_TDX_LEGACY_PARAVISOR };
	for (int k = 0; k < 4; k++) {
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		hw_wrmsr(0x4000FFF0, 0x1234);
		UT_EQ(hw_rdmsr(0x4000FFF0), 0);
		UT_EQ(hw_rdmsr(0xC0011234), 0);
		UT_CHECK(sim_ok());
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);
		uint64_t v = 0;
		bool tdx = ps[k] == SIM_TDX_PARAVISOR || ps[k] == SIM_TDX_LEGACY_PARAVISOR;
		hw_wrmsr(MSR_GUEST_OS_ID, 0x8100000000000001ull);
		UT_CHECK(sg_hv_wrmsr(&g, MSR_GUEST_OS_ID, 0x8100000000000002ull));
		UT_CHECK(sg_hv_rdmsr(&g, MSR_GUEST_OS_ID, &v));
		UT_EQ(v, 0x8100000000000002ull);
		UT_EQ(hw_rdmsr(MSR_GUEST_OS_ID), tdx ? 0x8100000000000002ull : 0x8100000000000001ull);
		UT_CHECK(sim_ok());
	}
	/* Without a paravisor an unknown MSR is still a #GP. */
	tu_config(SIM_TDX);
	TU_REQ(tu_start() == 0);
	hw_rdmsr(0x4000FFF0);
	struct sim_stats st;
	sim_get_stats(&st);
	UT_EQ(st.faults, 1);
}

/* HYPERCALL MSR: reserved bits 11:2 set -> #GP, register unchanged; bit 1 locks it. */
static void t_hypercall_msr_reserved_and_locked(void)
{
	int ps[3] = { SIM_HYPERV, SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };
	for (int k = 0; k < 3; k++) {
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		uint64_t fr, n;
		sim_ram_free_range(&fr, &n);
		hw_wrmsr(MSR_GUEST_OS_ID, 0x8100000000000001ull);
		struct sim_stats st;
		for (unsigned bit = 2; bit < 12; bit++) {
			sim_reset_stats();
			hw_wrmsr(MSR_HYPERCALL, fr | 1 | (1ull << bit));
			sim_get_stats(&st);
			UT_EQ(st.faults, 1);
			UT_EQ(hw_rdmsr(MSR_HYPERCALL), 0);
		}
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		hw_wrmsr(MSR_GUEST_OS_ID, 0x8100000000000001ull);
		hw_wrmsr(MSR_HYPERCALL, fr | 1 | 2);
		UT_EQ(hw_rdmsr(MSR_HYPERCALL), fr | 3);
		UT_CHECK(sim_ok());
		hw_wrmsr(MSR_HYPERCALL, 0);
		sim_get_stats(&st);
		UT_EQ(st.faults, 1);
		UT_EQ(hw_rdmsr(MSR_HYPERCALL), fr | 3);
	}
}

static void t_hypercall_page_filled(void)
{
	int ps[3] = { SIM_HYPERV, SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };
	static const uint8_t amd[4] = { 0x0F, 0x01, 0xD9, 0xC3 }, intel[4] = { 0x0F, 0x01, 0xC1, 0xC3 };
	for (int k = 0; k < 3; k++) {
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);
		UT_EQ(hw_rdmsr(MSR_HYPERCALL) & 1, 1);
		UT_EQ(memcmp(g.hcpage, ps[k] == SIM_SNP_PARAVISOR ? amd : intel, 4), 0);
		UT_EQ(sg_signal(&g, SG_DIRECT, 0x2077), HVS_INVALID_CONNECTION_ID);
		UT_CHECK(sim_ok());
		((uint8_t *)g.hcpage)[0] = 0xCC;
		hw_hypercall(g.hcpage, HVC_SIGNAL_EVENT | HVC_FAST, 0x2077, 0);
		struct sim_stats st;
		sim_get_stats(&st);
		UT_EQ(st.faults, 1);
	}
}

/* The hypervisor SynIC takes a guest-chosen host-visible SIMP/SIEFP (either alias) and
 * delivers there; a private page is a guest error and leaves the register alone. Teardown
 * (enable bits cleared, SINT2 masked) shows in sim_synic_regs. */
static void t_hv_synic_guest_pages_and_teardown(void)
{
	int ps[2] = { SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };
	for (int k = 0; k < 2; k++) {
		tu_config(ps[k]);
		TU_REQ(tu_start() == 0);
		struct sg g;
		TU_REQ(sg_init(&g, false) == 0);
		struct sim_synic_regs r0, r;
		TU_REQ(sim_synic_regs(0, false, &r0) == 0);
		uint64_t b = g.boundary;
		uint64_t simp = sg_alloc(&g, 1), siefp = sg_alloc(&g, 1), priv = sg_alloc(&g, 1);
		TU_REQ(simp && siefp && priv);
		UT_EQ(sg_visibility(&g, simp, 2, true), 0);
		/* SIMP with the boundary bit, SIEFP without: both accepted. */
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SIMP, simp | b | 1));
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SIEFP, siefp | 1));
		TU_REQ(sim_synic_regs(0, false, &r) == 0);
		UT_EQ(r.simp, simp | b | 1);
		UT_EQ(r.siefp, siefp | 1);
		UT_EQ(r.writes_simp, r0.writes_simp + 1);
		UT_EQ(r.writes_siefp, r0.writes_siefp + 1);
		UT_CHECK(sim_ok());
		uint8_t msg[8] = { 0x22 };
		UT_EQ(sim_host_forge_hv_message(0, msg, 8), 0);
		sim_run(10000);
		uint8_t *slot = (uint8_t *)hw_phys_to_virt(simp | b) + 512;
		UT_EQ(slot[0], 1);
		UT_EQ(slot[16], 0x22);
		/* A private page: guest error, register unchanged. */
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SIMP, priv | 1));
		struct sim_stats st;
		sim_get_stats(&st);
		UT_EQ(st.guest_errors, 1);
		TU_REQ(sim_synic_regs(0, false, &r) == 0);
		UT_EQ(r.simp, simp | b | 1);
		UT_EQ(r.writes_simp, r0.writes_simp + 2);
		/* Teardown as Linux hv_hyp_synic_disable_regs: mask SINT2, disable the pages. */
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SINT0 + 2, SINT_MASKED | g.vector));
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SIMP, simp | b));
		UT_CHECK(sg_hv_wrmsr(&g, MSR_SIEFP, siefp));
		TU_REQ(sim_synic_regs(0, false, &r) == 0);
		UT_EQ(r.simp & 1, 0);
		UT_EQ(r.siefp & 1, 0);
		UT_CHECK(r.sint2 & SINT_MASKED);
		/* The paravisor SynIC's view is separate. */
		TU_REQ(sim_synic_regs(0, true, &r) == 0);
		UT_EQ(r.simp, g.pv_simp | 1);
		UT_EQ(sim_synic_regs(1, false, &r), UMBRA_EINVAL);
	}
}

/* sim_host_forge_hv_message: into the hypervisor SIMP slot 2 whatever the connection,
 * queued behind a busy slot, invisible to the server. */
static void t_forge_hv_message(void)
{
	tu_config(SIM_SNP_PARAVISOR);
	TU_REQ(tu_start() == 0);
	struct sg g;
	TU_REQ(sg_init(&g, true) == 0);
	uint8_t big[241] = { 0 };
	UT_EQ(sim_host_forge_hv_message(0, big, 241), UMBRA_EINVAL);
	UT_EQ(sim_host_forge_hv_message(1, big, 8), UMBRA_EINVAL);
	UT_EQ(sim_host_forge_hv_message(0, NULL, 8), UMBRA_EINVAL);
	struct sim_server_info si0, si1;
	sim_server_info(&si0);
	unsigned irqs = g.irqs;
	uint8_t m1[16] = { VM_VERSION_RESPONSE, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t m2[12] = { VM_RESCIND, 0, 0, 0, 0, 0, 0, 0, 5 };
	UT_EQ(sim_host_forge_hv_message(0, m1, 16), 0);
	UT_EQ(sim_host_forge_hv_message(0, m2, 12), 0);
	sim_run(10000);
	UT_CHECK(g.irqs > irqs);
	uint8_t *slot = (uint8_t *)hw_phys_to_virt(g.hv_simp | g.boundary) + 512;
	UT_EQ(tu_u32(slot, 0), 1);          /* HvMessageType VMBus */
	UT_EQ(slot[4], 16);
	UT_EQ(slot[5] & 1, 1);              /* message pending */
	UT_EQ(q(slot, 8), 0);               /* sender */
	UT_EQ(slot[16], VM_VERSION_RESPONSE);
	uint8_t buf[240];
	uint32_t len;
	bool pv = true;
	TU_REQ(sg_recv(&g, buf, &len, TU_WAIT, &pv) == 0);
	UT_CHECK(!pv);
	TU_REQ(sg_recv(&g, buf, &len, TU_WAIT, &pv) == 0);
	UT_EQ(buf[0], VM_RESCIND);
	UT_EQ(len, 12);
	sim_server_info(&si1);
	UT_EQ(si1.msgs_out, si0.msgs_out);
	UT_EQ(si1.msgs_in, si0.msgs_in);
	UT_CHECK(!si1.connected);
	UT_CHECK(sim_ok());
}

int main(void)
{
	UT_RUN(t_cpuid_per_config);
	UT_RUN(t_phys_alias_and_visibility_state);
	UT_RUN(t_visibility_hypercall_0xdb);
	UT_RUN(t_synic_msr_semantics);
	UT_RUN(t_ghcb_msr_protocol);
	UT_RUN(t_ghcb_page_valid_bitmap_and_usage);
	UT_RUN(t_tdx_tdcall);
	UT_RUN(t_post_and_signal_status_codes);
	UT_RUN(t_legacy_refuses_direct_post);
	UT_RUN(t_proxy_bit_routes_messages);
	UT_RUN(t_sint_queue_and_eom);
	UT_RUN(t_events_and_irq_filter);
	UT_RUN(t_wait_and_clock);
	UT_RUN(t_outside_clock);
	UT_RUN(t_paravisor_overlay_and_irq_mode);
	UT_RUN(t_leak_detects_deliberate_leak);
	UT_RUN(t_deterministic_from_seed);
	UT_RUN(t_trace_format);
	UT_RUN(t_cpuid_leaf_contents);
	UT_RUN(t_visibility_hypercall_statuses);
	UT_RUN(t_memory_enforcement_by_accessor);
	UT_RUN(t_synic_scontrol_vectors_and_event_edge);
	UT_RUN(t_proxied_sint_routes_paravisor_events);
	UT_RUN(t_ghcb_base_exits);
	UT_RUN(t_exit_counters);
	UT_RUN(t_platform_pages_above_memory_map);
	UT_RUN(t_paravisor_unknown_msrs_and_os_id);
	UT_RUN(t_hypercall_msr_reserved_and_locked);
	UT_RUN(t_ghcb_hypercalls_never_fast);
	UT_RUN(t_ghcb_negotiation_required);
	UT_RUN(t_hv_scontrol_reset_disabled);
	UT_RUN(t_hv_scontrol_gates_events);
	UT_RUN(t_vp_index_base);
	UT_RUN(t_hypercall_page_filled);
	UT_RUN(t_hv_synic_guest_pages_and_teardown);
	UT_RUN(t_forge_hv_message);
	return UT_DONE();
}
