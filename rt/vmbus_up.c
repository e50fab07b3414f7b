/* Runtime binding: synic/ transport, mem/ pages, the connect / fallback sequence. */
#include "rt/vmbus_up.h"
#include <umbra/vmbus.h>
#include "vmbus/vmbus_api.h"
#include "vmbus/vmbus_conn.h"
#include "vmbus/vmbus_policy.h"
#include "rt/options.h"
#include "synic/synic.h"
#include "mem/mem.h"
#include "mem/vis.h"
#include "arch/x86_64/hw.h"
#include "lib/string.h"
#include <umbra/errno.h>

/* Log and trace lines go where vmbus_platform_ops says (vmbus/vmbus_api.h). */
#define VLOG(...) vmbus_log(__VA_ARGS__)

int vmbus_trace(bool on)
{
	if (on && !vmbus_platform_ops.trace)
		return UMBRA_ENOTSUP;
	synic_set_trace(on ? vmbus_platform_ops.trace : NULL);
	return 0;
}

static struct vmbus_conn g_conn;
static struct synic_config g_cfg;
static int g_state;             /* 0 not tried, 1 up, < 0 error */
static bool g_fell_back;

static uint16_t t_post(void *ctx, bool direct, uint32_t conn, const void *msg, size_t len)
{
	(void)ctx;
	return synic_post(direct, conn, msg, len);
}

static uint16_t t_signal(void *ctx, uint32_t conn)
{
	(void)ctx;
	return synic_signal(conn);
}

static int t_recv(void *ctx, void *buf, size_t cap, uint64_t timeout)
{
	(void)ctx;
	return synic_recv(buf, cap, timeout);
}

static uint64_t t_now(void *ctx)
{
	(void)ctx;
	return hw_now_ns();
}

static void t_delay(void *ctx, uint64_t ns)
{
	(void)ctx;
	uint64_t s = hw_now_ns();
	while (hw_now_ns() - s < ns)
		hw_wait_for_interrupt(ns - (hw_now_ns() - s));
}

static const struct vmbus_transport g_tp = {
	.post = t_post, .signal = t_signal, .recv = t_recv, .now_ns = t_now, .delay_ns = t_delay,
};

static int m_alloc(void *ctx, size_t n, uint64_t *gpa, void **va)
{
	(void)ctx;
	int rc = mem_page_alloc(n, 1, gpa);
	if (rc)
		return rc;
	*va = hw_phys_to_virt(*gpa);
	return 0;
}

static int m_free(void *ctx, uint64_t gpa, size_t n)
{
	(void)ctx;
	return mem_page_free(gpa, n);
}

static int m_shared_alloc(void *ctx, size_t n, uint64_t *gpa, void **va)
{
	(void)ctx;
	return mem_vis_alloc(n, gpa, va);
}

static int m_shared_free(void *ctx, uint64_t gpa, size_t n)
{
	(void)ctx;
	return mem_vis_free(gpa, n);
}

/* Private RAM the allocator handed out, contiguous in GPA, no page host-visible. */
static int m_private(void *ctx, const void *va, size_t len, uint64_t *gpa)
{
	(void)ctx;
	uint64_t g = hw_virt_to_phys(va);
	if (!g || g == UINT64_MAX || len == 0)
		return UMBRA_EINVAL;
	uintptr_t base = (uintptr_t)va & ~(uintptr_t)4095;
	uint64_t first = g & ~4095ull, pages = ((g & 4095) + len + 4095) / 4096;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t p = first + i * 4096;
		if (hw_virt_to_phys((const void *)(base + i * 4096)) != p || mem_page_state(p) != 1)
			return UMBRA_EINVAL;
	}
	if (mem_vis_any_shared(first, pages))
		return UMBRA_EPERM;
	*gpa = g;
	return 0;
}

static int vis_change(uint64_t gpa, uint64_t n, bool shared, uint64_t *done)
{
	return synic_set_visibility(gpa, n, shared, done);
}

static void vis_log(const char *what, uint64_t gpa, uint64_t n)
{
	VLOG("%s: gpa 0x%llx, %llu pages\n", what, (unsigned long long)gpa, (unsigned long long)n);
}

/*
 * GPADL and GPA-direct page numbers of host-visible memory: the low alias (GPA >> 12) or
 * with the shared-GPA boundary. Linux passes the low alias on SNP-vTOM and on TDX with
 * the paravisor (Linux drivers/hv/channel.c hv_gpadl_hvpfn -> virt_to_hvpfn); mu_msvm adds
 * the boundary (mu_msvm MsvmPkg/VmbusDxe/VmbusChannel.c VmbusChannelPrepareGpadl,
 * VisibleBufferPA = Buffer + mSharedGpaBoundary). Which one the Hyper-V host requires is
 * unverified. OpenHCL's shared view maps both aliases (openvmm
 * openhcl/underhill_mem/src/init.rs init, shared_gm), and Linux's form is the one that
 * runs on Azure CVMs at scale, so both platforms use the low alias. This table is the one
 * switch.
 */
static bool pfn_with_boundary(uint8_t iso_type)
{
#ifdef UMBRA_HOST
	if (rt_vmbus_test_pfn_boundary)
		return true;
#endif
	switch (iso_type) {
	case SYNIC_ISO_SNP: return false;
	case SYNIC_ISO_TDX: return false;
	default: return false;
	}
}
#ifdef UMBRA_HOST
bool rt_vmbus_test_pfn_boundary;
#endif

/* Check and halt are atomic with respect to the SynIC interrupt: the condition is read
 * with interrupts off and hw_wait_for_interrupt enables them together with the halt. */
static void m_wait(void *ctx, uint64_t ns, bool (*ready)(void *arg), void *arg)
{
	(void)ctx;
	bool irq = hw_irq_save_disable();
	if (!synic_pending() && !(ready && ready(arg)))
		hw_wait_for_interrupt(ns);
	hw_irq_restore(irq);
}

static int p_alloc(uint64_t *gpa)
{
	int rc = mem_page_alloc(1, 1, gpa);
	if (!rc)
		memset(hw_phys_to_virt(*gpa), 0, 4096);
	return rc;
}

static void p_free(uint64_t gpa)
{
	mem_page_free(gpa, 1);
}

static int p_shared_alloc(uint64_t *gpa, void **va)
{
	return mem_vis_alloc(1, gpa, va);
}

static void p_shared_free(uint64_t gpa)
{
	mem_vis_free(gpa, 1);
}

/* RAM the page allocator manages (metadata included): the runtime's private memory. */
static bool p_is_private_ram(uint64_t gpa)
{
	struct mem_page_range r;
	for (unsigned i = 0; mem_page_range_get(i, &r) == 0; i++)
		if (gpa >= r.meta_gpa && gpa < r.gpa + r.npages * 4096)
			return true;
	return false;
}

static const struct synic_pages g_pages = { .alloc = p_alloc, .free = p_free };
static const struct synic_pages g_pages_vis = {
	.alloc = p_alloc, .free = p_free, .shared_alloc = p_shared_alloc, .shared_free = p_shared_free,
	.is_private_ram = p_is_private_ram,
};

static void synic_log_line(const char *line)
{
	VLOG("%s\n", line);
}

unsigned rt_vmbus_policy_option(void)
{
	const char *v = rt_option(RT_VMBUS_POLICY_OPTION);
	if (v && !strcmp(v, "private"))
		return VMBUS_POLICY_PRIVATE;
	if (v && !strcmp(v, "private-connection"))
		return VMBUS_POLICY_PRIVATE_CONNECTION;
	return 0;
}

static const char *policy_words(unsigned f)
{
	static const char *const w[4] = {
		"none", "private connection", "private channels", "private connection and channels",
	};
	return w[f & VMBUS_POLICY_PRIVATE];
}

/* The bring-up refused by the confidentiality policy: before anything host-visible is
 * used, or after the trusted route alone was (the direct post; an Unload by it). */
static int policy_refuse(const char *why)
{
	VLOG("vmbus: connect refused by the confidentiality policy (private connection): %s\n", why);
	vmbus_policy_refused();
	return g_state = UMBRA_EPOLICY;
}

int rt_vmbus_start(const struct hv_ident *id)
{
	if (g_state)
		return g_state > 0 ? 0 : g_state;
	char line[160];
	int rc = synic_config_from_ident(id, &g_cfg);
	synic_describe(&g_cfg, line, sizeof(line));
	VLOG("%s\n", line);
	if (rc) {
		VLOG("vmbus: %s\n", rc == UMBRA_ENODEV ? "no Hyper-V" : "isolated VM without a paravisor: not supported");
		return g_state = rc;
	}
	bool conf = g_cfg.isolated && g_cfg.paravisor && g_cfg.cvmb_available;
	bool isolated = g_cfg.isolated && g_cfg.paravisor;
	struct vmbus_policy_info pol;
	vmbus_policy_get(&pol);
	bool need_conf = pol.effective & VMBUS_POLICY_PRIVATE_CONNECTION;
	if (pol.effective)
		VLOG("vmbus: confidentiality policy: %s (app: %s; load option %s: %s)\n",
		     policy_words(pol.effective), policy_words(pol.app), RT_VMBUS_POLICY_OPTION,
		     policy_words(pol.option));
	if (need_conf && !conf)
		return policy_refuse(!g_cfg.isolated ? "not an isolated VM, all memory is host-visible"
				     : "no Confidential VMBus (CPUID 0x40000082 EAX bit 3 clear), "
				       "the control plane would be host-visible");
	if (isolated) {
		static const struct mem_vis_ops vops = { .change = vis_change, .log = vis_log };
		rc = mem_vis_init(&vops, g_cfg.shared_boundary);
		if (rc) {
			VLOG("vmbus: bad shared-GPA boundary 0x%llx\n", (unsigned long long)g_cfg.shared_boundary);
			return g_state = rc;
		}
	}
	synic_set_log(synic_log_line);
	rc = synic_init(&g_cfg, isolated ? &g_pages_vis : &g_pages, conf);
	if (rc) {
		VLOG("vmbus: SynIC bring-up failed (%d)\n", rc);
		synic_shutdown();
		return g_state = rc;
	}
	synic_set_event_handler(vmbus_api_event);
	vmbus_conn_init(&g_conn, &g_tp);
	g_conn.isolated = g_cfg.isolated;
	/* Control messages go to this CPU: its VP index, not an assumed 0 (Linux
	 * drivers/hv/connection.c vmbus_negotiate_version: hv_cpu_number_to_vp_number). */
	g_conn.target_vcpu = synic_vp_index();
	rc = vmbus_conn_connect(&g_conn, conf);
	if (rc == UMBRA_EREFUSED && conf && need_conf) {
		synic_shutdown();
		return policy_refuse("the paravisor refused the direct InitiateContact; "
				     "no fallback to the host-visible control plane");
	}
	if (rc == UMBRA_EREFUSED && conf) {
		VLOG("umbra: WARN vmbus: direct InitiateContact refused; falling back to the "
		     "host-visible control plane (no confidential channels, every ring host-visible)\n");
		g_fell_back = true;
		rc = synic_fallback();
		if (!rc)
			rc = vmbus_conn_connect(&g_conn, false);
	}
	if (rc) {
		VLOG("vmbus: connect failed (%d)\n", rc);
		synic_shutdown();
		return g_state = rc;
	}
	if (conf && !g_fell_back && !g_conn.confidential) {
		/* 6.0 refused or 0x10 not granted, so a version on the direct route without
		 * it: no offer keeps 0x2/0x4 (vmbus_conn.c drops them), every ring would be
		 * host-visible. */
		if (need_conf) {
			vmbus_conn_unload(&g_conn);
			synic_shutdown();
			return policy_refuse("the paravisor did not grant Confidential VMBus "
					     "(feature 0x10)");
		}
		VLOG("umbra: WARN vmbus: Confidential VMBus available but not granted at version "
		     "%u.%u: no confidential channels, every ring host-visible\n",
		     g_conn.version >> 16, g_conn.version & 0xFFFF);
	}
	static const struct vmbus_mem_ops ops = {
		.page_alloc = m_alloc, .page_free = m_free, .shared_alloc = m_shared_alloc,
		.shared_free = m_shared_free, .private_range = m_private, .wait = m_wait,
	};
	struct vmbus_mem_ops o = ops;
	if (!isolated)
		o.shared_alloc = NULL, o.shared_free = NULL, o.private_range = NULL;
	else if (pfn_with_boundary(g_cfg.iso_type))
		o.shared_pfn_bias = g_cfg.shared_boundary;
	vmbus_api_attach(&g_conn, &o);
	VLOG("vmbus: version %u.%u, %s control plane, %d offers\n", g_conn.version >> 16,
	     g_conn.version & 0xFFFF, g_conn.confidential ? "confidential" : "host-visible",
	     vmbus_offer_count());
	g_state = 1;
	return 0;
}

/* At a clean exit: close what the app left open (bounded waits each), unload, SynIC off. */
void rt_vmbus_exit(void)
{
	if (g_state <= 0)
		return;
	int n = vmbus_api_close_all();
	int rc = rt_vmbus_stop();
	VLOG("vmbus: unload at exit: %d channel(s) closed, %s\n", n,
	     rc == 0 ? "unloaded" : umbra_strerror(rc));
}

int rt_vmbus_stop(void)
{
	if (g_state <= 0)
		return UMBRA_ENODEV;
	vmbus_api_release();
	int rc = vmbus_conn_unload(&g_conn);
	vmbus_api_detach();
	synic_shutdown();
	g_state = UMBRA_ENODEV;
	return rc;
}

const struct synic_config *rt_vmbus_config(void)
{
	return &g_cfg;
}

bool rt_vmbus_fell_back(void)
{
	return g_fell_back;
}

void rt_vmbus_reset(void)
{
	vmbus_api_detach();
	mem_vis_reset();
	memset(&g_conn, 0, sizeof(g_conn));
	memset(&g_cfg, 0, sizeof(g_cfg));
	g_state = 0;
	g_fell_back = false;
	vmbus_policy_reset();
}
