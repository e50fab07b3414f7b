/* Bring-up: guest OS id, hypercall page, the two SynICs, fallback, visibility hypercall. */
#include "synic/synic_int.h"
#include "arch/x86_64/hw.h"
#include <stdarg.h>
#include "lib/fmt.h"
#include "lib/string.h"
#include <umbra/errno.h>

struct synic_state synic_s;

static int own_page(uint64_t *gpa)
{
	if (synic_s.nown >= sizeof(synic_s.own_gpa) / sizeof(synic_s.own_gpa[0]))
		return UMBRA_ENOMEM;
	int rc = synic_s.pages->alloc(gpa);
	if (rc)
		return rc;
	synic_s.own_gpa[synic_s.nown++] = *gpa;
	return 0;
}

/* SINT2 value: our vector, unmasked, no auto-EOI (the handler EOIs the APIC). */
static uint64_t sint2(bool proxy)
{
	return SYNIC_VECTOR | (proxy ? HV_SINT_PROXY : 0);
}

__attribute__((format(printf, 1, 2))) static void slog(const char *fmt, ...)
{
	if (!synic_s.log)
		return;
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	synic_s.log(line);
}

/*
 * A hypervisor SIMP/SIEFP address the host chose (read through the untrusted route).
 * Accepted only if it can be nothing of ours: GPA field nonzero, reserved bits clear,
 * below the shared-GPA boundary, not in RAM the runtime manages (pages->is_private_ram),
 * and mappable through the shared alias. Otherwise the host could make the runtime zero
 * or parse its own private memory. Returns the GPA without the boundary bit, or 0.
 */
static uint64_t host_page_ok(uint64_t msr_value)
{
	uint64_t b = synic_s.cfg.shared_boundary;
	uint64_t g = msr_value & HV_PAGE_ADDR_MASK & ~b;
	if (!g || (msr_value & HV_PAGE_RESERVED) || (b && g >= b))
		return 0;
	if (synic_s.pages->is_private_ram && synic_s.pages->is_private_ram(g))
		return 0;
	if (!hw_phys_to_virt(g | b))
		return 0;
	return g;
}

/* Our own host-visible page for the hypervisor SynIC (the host's was refused). */
static int own_hv_page(int k, uint64_t *gpa)
{
	void *va = NULL;
	if (!synic_s.pages->shared_alloc)
		return UMBRA_ENOTSUP;
	int rc = synic_s.pages->shared_alloc(gpa, &va);
	if (rc)
		return rc;
	synic_s.hv_page_gpa[k] = *gpa;
	synic_s.hv_own_pages = true;
	return 0;
}

/*
 * The hypervisor SynIC of a paravisor CVM: its SIMP/SIEFP are preset by the paravisor to
 * host-visible pages outside the guest's memory map (openvmm openhcl/underhill_core/src/
 * worker.rs build_vtl0_memory_layout; Linux drivers/hv/hv.c hv_hyp_synic_enable_regs
 * keeps them). They are reached through the shared alias only. SCONTROL is enabled as
 * Linux hv_hyp_synic_enable_interrupts does.
 */
static int hv_synic_paravisor(void)
{
	enum synic_route b = synic_s.cfg.bypass;
	uint64_t bound = synic_s.cfg.shared_boundary;
	uint64_t v[2], g[2];
	static const uint32_t msr[2] = { HV_MSR_SIMP, HV_MSR_SIEFP };
	static const char *const name[2] = { "SIMP", "SIEFP" };
	for (int k = 0; k < 2; k++) {
		if (synic_msr_read(b, msr[k], &v[k]))
			return UMBRA_EIO;
		g[k] = host_page_ok(v[k]);
		if (k == 1 && g[1] && g[1] == g[0])
			g[1] = 0;
		if (!g[k]) {
			synic_s.st.hv_pages_refused++;
			int rc = own_hv_page(k, &g[k]);
			if (rc)
				return rc;
			slog("synic: host named hypervisor %s 0x%llx (not a host-visible page of its own); using ours at 0x%llx",
			     name[k], (unsigned long long)v[k], (unsigned long long)g[k]);
		}
	}
	synic_s.simp[SYNIC_HV] = hw_phys_to_virt(g[0] | bound);
	synic_s.siefp[SYNIC_HV] = hw_phys_to_virt(g[1] | bound);
	if (!synic_s.simp[SYNIC_HV] || !synic_s.siefp[SYNIC_HV])
		return UMBRA_EIO;
	uint64_t sc = 0;
	if (synic_msr_read(b, HV_MSR_SCONTROL, &sc) ||
	    synic_msr_write(b, HV_MSR_SIMP, (g[0] | bound) | HV_PAGE_ENABLE) ||
	    synic_msr_write(b, HV_MSR_SIEFP, (g[1] | bound) | HV_PAGE_ENABLE) ||
	    synic_msr_write(b, HV_MSR_SINT(VMBUS_SINT_INDEX), sint2(false)) ||
	    synic_msr_write(b, HV_MSR_SCONTROL, sc | HV_SCONTROL_ENABLE))
		return UMBRA_EIO;
	return 0;
}

/* A SynIC reached by plain MSRs with pages we provide (the paravisor's, or the only one). */
static int plain_synic(int which)
{
	uint64_t sg, eg;
	int rc = own_page(&sg);
	if (!rc)
		rc = own_page(&eg);
	if (rc)
		return rc;
	synic_s.simp[which] = hw_phys_to_virt(sg);
	synic_s.siefp[which] = hw_phys_to_virt(eg);
	hw_wrmsr(HV_MSR_SIMP, sg | HV_PAGE_ENABLE);
	hw_wrmsr(HV_MSR_SIEFP, eg | HV_PAGE_ENABLE);
	hw_wrmsr(HV_MSR_SCONTROL, hw_rdmsr(HV_MSR_SCONTROL) | HV_SCONTROL_ENABLE);
	return 0;
}

int synic_init(const struct synic_config *c, const struct synic_pages *pages, bool confidential)
{
	if (!c || !pages || !pages->alloc)
		return UMBRA_EINVAL;
	if (!c->hyperv)
		return UMBRA_ENODEV;
	if (c->isolated && !c->paravisor && c->iso_type >= SYNIC_ISO_SNP)
		return UMBRA_ENOTSUP;
	synic_trace_fn trace = synic_s.trace;
	synic_event_fn on_event = synic_s.on_event;
	synic_log_fn log = synic_s.log;
	memset(&synic_s, 0, sizeof(synic_s));
	synic_s.trace = trace;
	synic_s.on_event = on_event;
	synic_s.log = log;
	synic_s.cfg = *c;
	synic_s.pages = pages;
	synic_s.two = c->isolated && c->paravisor && c->bypass != SYNIC_ROUTE_DIRECT;
	enum synic_route b = c->bypass;

	if (b == SYNIC_ROUTE_GHCB) {
		synic_s.ghcb_msr = hw_rdmsr(MSR_SEV_GHCB);
		synic_s.ghcb = hw_phys_to_virt(synic_s.ghcb_msr & ~GHCB_MSR_INFO_MASK);
		if (!synic_s.ghcb || (synic_s.ghcb_msr & GHCB_MSR_INFO_MASK))
			return UMBRA_EIO;
		int nrc = synic_ghcb_negotiate();
		if (nrc) {
			slog("synic: GHCB protocol negotiation failed (%d)", nrc);
			return nrc;
		}
	}
	/* Guest OS id before any hypercall, on the paravisor and on the hypervisor. */
	hw_wrmsr(HV_MSR_GUEST_OS_ID, UMBRA_GUEST_OS_ID);
	if (synic_s.two && synic_msr_write(b, HV_MSR_GUEST_OS_ID, UMBRA_GUEST_OS_ID))
		return UMBRA_EIO;

	int rc = own_page(&synic_s.hcpage_gpa);
	if (rc)
		return rc;
	hw_wrmsr(HV_MSR_HYPERCALL, synic_s.hcpage_gpa | HV_PAGE_ENABLE);
	/* The hypervisor fills the page when it accepts the MSR (TLFS 3.13): it reads back
	 * enabled and holds code. A page left zero would run into zeroed bytes. */
	const uint8_t *hc = hw_phys_to_virt(synic_s.hcpage_gpa);
	bool filled = false;
	for (unsigned i = 0; hc && i < 64 && !filled; i++)
		filled = hc[i] != 0;
	if (!(hw_rdmsr(HV_MSR_HYPERCALL) & HV_PAGE_ENABLE) || !filled) {
		slog("synic: the hypercall page at 0x%llx was not filled in",
		     (unsigned long long)synic_s.hcpage_gpa);
		hw_wrmsr(HV_MSR_HYPERCALL, 0);
		return UMBRA_EIO;
	}
	synic_s.hcpage = hw_phys_to_virt(synic_s.hcpage_gpa);
	synic_s.vp_index = (uint32_t)hw_rdmsr(HV_MSR_VP_INDEX);
	rc = own_page(&synic_s.in_gpa);
	if (rc)
		return rc;
	synic_s.in_page = hw_phys_to_virt(synic_s.in_gpa);
	if (b == SYNIC_ROUTE_TDCALL) {
		/* TDVMCALL hypercall input must be host-visible. */
		if (pages->shared_alloc) {
			void *va = NULL;
			rc = pages->shared_alloc(&synic_s.shared_gpa, &va);
			if (rc)
				return rc;
			synic_s.shared_page = va;
			synic_s.shared_by_policy = true;
		} else {
			rc = own_page(&synic_s.shared_gpa);
			if (!rc)
				rc = synic_set_visibility(synic_s.shared_gpa, 1, true, NULL);
			if (rc)
				return rc;
			synic_s.shared_page = hw_phys_to_virt(synic_s.shared_gpa | c->shared_boundary);
		}
		memset(synic_s.shared_page, 0, 4096);
	}

	hw_irq_set_handler(SYNIC_VECTOR, synic_isr, NULL);
	if (synic_s.two) {
		rc = hv_synic_paravisor();
		if (!rc)
			rc = plain_synic(SYNIC_PV);
		if (rc)
			return rc;
		synic_s.confidential = confidential;
		hw_wrmsr(HV_MSR_SINT(VMBUS_SINT_INDEX), sint2(!confidential));
	} else {
		rc = plain_synic(SYNIC_HV);
		if (rc)
			return rc;
		hw_wrmsr(HV_MSR_SINT(VMBUS_SINT_INDEX), sint2(false));
	}
	synic_s.up = true;
	return 0;
}

int synic_fallback(void)
{
	if (!synic_s.up || !synic_s.two)
		return UMBRA_EINVAL;
	/* Events and messages of the (untrusted) connection now go to the hypervisor pages. */
	hw_wrmsr(HV_MSR_SINT(VMBUS_SINT_INDEX), sint2(true));
	synic_s.confidential = false;
	return 0;
}

bool synic_confidential(void)
{
	return synic_s.up && synic_s.confidential;
}

uint32_t synic_vp_index(void)
{
	return synic_s.vp_index;
}

void synic_shutdown(void)
{
	/* Also undoes a bring-up that failed half way: whatever was allocated was also
	 * programmed, so unprogram before freeing. */
	if (!synic_s.up && synic_s.nown == 0)
		return;
	bool irq = hw_irq_save_disable();
	hw_wrmsr(HV_MSR_SINT(VMBUS_SINT_INDEX), HV_SINT_MASKED);
	if (synic_s.two && synic_s.simp[SYNIC_HV]) {
		/* Hypervisor SynIC: mask, clear the enable bits (Linux drivers/hv/hv.c
		 * hv_hyp_synic_disable_regs keeps the paravisor's GPAs), SynIC off. */
		enum synic_route b = synic_s.cfg.bypass;
		uint64_t v;
		synic_msr_write(b, HV_MSR_SINT(VMBUS_SINT_INDEX), HV_SINT_MASKED);
		if (!synic_msr_read(b, HV_MSR_SIMP, &v))
			synic_msr_write(b, HV_MSR_SIMP, synic_s.hv_own_pages ? 0 : v & ~HV_PAGE_ENABLE);
		if (!synic_msr_read(b, HV_MSR_SIEFP, &v))
			synic_msr_write(b, HV_MSR_SIEFP, synic_s.hv_own_pages ? 0 : v & ~HV_PAGE_ENABLE);
		if (!synic_msr_read(b, HV_MSR_SCONTROL, &v))
			synic_msr_write(b, HV_MSR_SCONTROL, v & ~HV_SCONTROL_ENABLE);
	}
	hw_wrmsr(HV_MSR_SIMP, 0);
	hw_wrmsr(HV_MSR_SIEFP, 0);
	hw_wrmsr(HV_MSR_SCONTROL, hw_rdmsr(HV_MSR_SCONTROL) & ~HV_SCONTROL_ENABLE);
	hw_irq_restore(irq);
	for (int k = 0; k < 2; k++)
		if (synic_s.hv_page_gpa[k] && synic_s.pages->shared_free)
			synic_s.pages->shared_free(synic_s.hv_page_gpa[k]);
	synic_s.hv_page_gpa[0] = synic_s.hv_page_gpa[1] = 0;
	synic_s.hv_own_pages = false;
	hw_irq_set_handler(SYNIC_VECTOR, NULL, NULL);
	if (synic_s.shared_page && synic_s.shared_by_policy) {
		if (synic_s.pages->shared_free)
			synic_s.pages->shared_free(synic_s.shared_gpa);
	} else if (synic_s.shared_page) {
		memset(synic_s.shared_page, 0, 4096);
		synic_set_visibility(synic_s.shared_gpa, 1, false, NULL);
	}
	synic_s.shared_by_policy = false;
	hw_wrmsr(HV_MSR_HYPERCALL, 0);
	synic_s.up = false;
	synic_s.hcpage = NULL;
	synic_s.shared_page = NULL;
	synic_s.simp[0] = synic_s.simp[1] = NULL;
	synic_s.siefp[0] = synic_s.siefp[1] = NULL;
	if (synic_s.pages && synic_s.pages->free)
		for (unsigned i = 0; i < synic_s.nown; i++)
			synic_s.pages->free(synic_s.own_gpa[i]);
	synic_s.nown = 0;
}

int synic_set_visibility(uint64_t gpa, uint64_t npages, bool host_visible, uint64_t *done_out)
{
	if (done_out)
		*done_out = 0;
	if ((gpa & 0xFFF) || npages == 0 || (gpa & synic_s.cfg.shared_boundary))
		return UMBRA_EINVAL;
	if (!synic_s.cfg.isolated || !synic_s.cfg.paravisor)
		return 0;
	if (!synic_s.in_page || !synic_s.hcpage)
		return UMBRA_ENODEV;
	struct hv_visibility_input *in = (struct hv_visibility_input *)synic_s.in_page;
	for (uint64_t done = 0; done < npages;) {
		uint32_t n = npages - done > HV_VIS_MAX_REPS ? HV_VIS_MAX_REPS : (uint32_t)(npages - done);
		bool irq = hw_irq_save_disable();
		memset(in, 0, 16 + 8u * n);
		in->partition_id = HV_PARTITION_SELF;
		in->host_visibility = host_visible ? HV_VIS_READ_WRITE : HV_VIS_NONE;
		for (uint32_t i = 0; i < n; i++)
			in->pfn[i] = (gpa >> 12) + done + i;
		uint32_t start = 0;
		int rc = 0;
		for (int tries = 0; start < n; tries++) {
			uint64_t control = HVCALL_MODIFY_VISIBILITY |
					   ((uint64_t)n << HV_HYPERCALL_REP_COUNT_SHIFT) |
					   ((uint64_t)start << HV_HYPERCALL_REP_START_SHIFT);
			uint64_t rax = synic_hypercall(SYNIC_ROUTE_DIRECT, control, synic_s.in_gpa, 0);
			uint32_t reps = HV_REPS_DONE(rax);
			synic_s.st.vis_calls++;
			if (HV_STATUS(rax) != 0 || reps > n || (reps <= start && tries > 16)) {
				/* A failing rep call still reports the reps it completed; the
				 * paravisor that answers 0xDB is trusted, so they count. */
				if (reps > start && reps <= n)
					start = reps;
				rc = UMBRA_EIO;
				break;
			}
			if (reps > start)
				start = reps;
		}
		hw_irq_restore(irq);
		if (rc) {
			if (done_out)
				*done_out = done + start;
			return rc;
		}
		done += n;
	}
	if (done_out)
		*done_out = npages;
	return 0;
}
